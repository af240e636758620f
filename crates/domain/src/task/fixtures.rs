//! What the task tests share: dates, times and instants written short, the instant a rep's wall clock
//! shows, a valid task due when asked, and the zones the properties run in.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::{Due, Origin, Task, TaskType, parse_time_zone};
use crate::ids::{Instant, TaskId};

pub(super) fn zone(name: &str) -> Tz {
    parse_time_zone(name).expect("a known zone")
}

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub(super) fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}

pub(super) fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Instant {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("valid instant")
}

/// The instant the rep's wall clock in `tz` shows the given time (must be unambiguous).
pub(super) fn local(tz: &str, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Instant {
    zone(tz).with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("an unambiguous local time").to_utc()
}

pub(super) fn task(n: u128, due: Due) -> Task {
    let created = utc(2026, 1, 1, 0, 0);
    Task::new(TaskId::from_u128(n), TaskType::Call, &format!("Task {n}"), due, Origin::Manual, created)
        .expect("a valid task")
}

/// The zones the properties run in.
pub(super) const ZONES: [&str; 6] =
    ["Europe/Rome", "America/Sao_Paulo", "UTC", "Pacific/Auckland", "America/New_York", "Asia/Kathmandu"];
