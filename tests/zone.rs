//! The app's time zones come from the browser's IANA database (`Intl`), the endpoint's from the one
//! compiled into `chrono_tz`. In a real browser the two must agree: on the offset at any instant, on the
//! wall clock a rep sees, and on the instant a wall-clock time stands for, gaps and repeated hours included.

use chrono::{LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc};
use command_center::zone::IntlZone;
use domain::task::local_instant;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Zones with summer time north and south, half- and quarter-hour offsets, a zone that skipped a whole day
/// (Apia, 2011-12-30) and zones that dropped summer time (São Paulo 2019, Istanbul 2016).
const ZONES: &[&str] = &[
    "Europe/Rome",
    "America/Sao_Paulo",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "Europe/Istanbul",
    "America/St_Johns",
    "Pacific/Chatham",
    "UTC",
];

fn both(name: &str) -> (IntlZone, chrono_tz::Tz) {
    let intl = IntlZone::named(name).unwrap_or_else(|| panic!("the browser knows {name}"));
    (intl, name.parse().expect("chrono_tz knows it"))
}

fn utc(y: i32, m: u32, d: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d).unwrap().and_time(NaiveTime::MIN)
}

#[wasm_bindgen_test]
fn offsets_agree_with_the_compiled_database_at_every_step_across_years() {
    for name in ZONES {
        let (intl, tz) = both(name);
        // Every 679 minutes (prime to a day's 1,440) from 2010 to 2028: every minute of the day in turn.
        let mut at = utc(2010, 1, 1);
        while at < utc(2028, 1, 1) {
            let ours = intl.offset_from_utc_datetime(&at).fix();
            let theirs = tz.offset_from_utc_datetime(&at).fix();
            assert_eq!(ours, theirs, "{name} at {at} UTC");
            at += TimeDelta::minutes(679);
        }
    }
}

#[wasm_bindgen_test]
fn wall_clock_times_resolve_as_chrono_does_in_gaps_and_repeated_hours() {
    for name in ZONES {
        let (intl, tz) = both(name);
        // Every local quarter hour of the days around the changes of 2026 and of the zones' history.
        let days = [
            (2026, 3, 8),
            (2026, 3, 29),
            (2026, 4, 5),
            (2026, 9, 27),
            (2026, 10, 4),
            (2026, 10, 25),
            (2026, 11, 1),
            (2018, 11, 4),
            (2019, 2, 16),
            (2011, 12, 29),
            (2011, 12, 30),
            (2016, 9, 7),
        ];
        for (y, m, d) in days {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            for quarter in 0..96 {
                let local = day.and_time(NaiveTime::MIN) + TimeDelta::minutes(15 * quarter);
                let ours = intl.from_local_datetime(&local).map(|at| at.to_utc());
                let theirs = tz.from_local_datetime(&local).map(|at| at.to_utc());
                assert_eq!(ours, theirs, "{name} at {local} local");
                assert_eq!(
                    local_instant(local.date(), local.time(), intl),
                    local_instant(local.date(), local.time(), tz),
                    "{name}: the instant a rep means by {local}"
                );
            }
        }
    }
}

#[wasm_bindgen_test]
fn a_rep_sees_the_same_wall_clock_and_formats_it() {
    let (intl, _) = both("America/Sao_Paulo");
    let at = Utc.with_ymd_and_hms(2026, 6, 10, 2, 30, 0).unwrap();
    let local = at.with_timezone(&intl);
    assert_eq!(local.format("%Y-%m-%d %H:%M %:z").to_string(), "2026-06-09 23:30 -03:00");
    assert_eq!(local.to_utc(), at);
    assert!(matches!(
        intl.from_local_datetime(&utc(2026, 6, 9).date().and_hms_opt(23, 30, 0).unwrap()),
        LocalResult::Single(_)
    ));
}

#[wasm_bindgen_test]
fn unknown_names_are_refused_and_known_ones_kept() {
    assert!(IntlZone::named("Europe/Atlantis").is_none());
    assert!(IntlZone::named("europe/rome").is_none(), "IANA names are case-sensitive");
    assert!(IntlZone::named("").is_none());
    let rome = IntlZone::named(" Europe/Rome ").expect("a known zone");
    assert_eq!(rome, IntlZone::named("Europe/Rome").unwrap(), "one zone, one formatter");
    assert_eq!(rome.name(), "Europe/Rome");
    assert_eq!(IntlZone::UTC.name(), "UTC");
}
