//! The rep's time zone: reading its IANA name, the rep's calendar date at an instant, and the instant a
//! wall-clock date and time stand for (daylight-saving gaps and overlaps settled here, in one place).

use chrono::{LocalResult, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::ids::Instant;

/// Why a time zone name was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TimeZoneError {
    #[error("no time zone was given (expected an IANA name like Europe/Rome)")]
    Missing,
    #[error("\"{0}\" is not a known IANA time zone (expected something like Europe/Rome)")]
    Unknown(String),
}

/// A rep's time zone as the rules read it: any chrono zone that is cheap to copy. The endpoint and the
/// tests use `chrono_tz::Tz` (the IANA database compiled in); the app uses the browser's own database, so
/// it does not ship a second copy of it.
pub trait Zone: TimeZone + Copy {}

impl<Z: TimeZone + Copy> Zone for Z {}

/// Reads an IANA time zone name such as `America/Sao_Paulo`. Names are case-sensitive, as in the IANA
/// database; surrounding spaces are ignored.
pub fn parse_time_zone(name: &str) -> Result<Tz, TimeZoneError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(TimeZoneError::Missing);
    }
    name.parse::<Tz>().map_err(|_| TimeZoneError::Unknown(name.to_string()))
}

/// The rep's calendar date at `now`.
pub fn local_today<Z: Zone>(now: Instant, zone: Z) -> NaiveDate {
    now.with_timezone(&zone).date_naive()
}

/// The instant a wall-clock `date` + `time` in `zone` stands for. A time inside a spring-forward gap moves
/// forward by the gap's length; a time in a repeated autumn hour is its first occurrence.
pub fn local_instant<Z: Zone>(date: NaiveDate, time: NaiveTime, zone: Z) -> Instant {
    let local = date.and_time(time);
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => at.to_utc(),
        LocalResult::Ambiguous(earlier, _) => earlier.to_utc(),
        LocalResult::None => {
            // Read the wall time with the offset in force just before the gap (a day earlier is well before
            // it and after any earlier change).
            let offset_before = local
                .checked_sub_signed(TimeDelta::days(1))
                .map(|day_before| zone.offset_from_utc_datetime(&day_before).fix().local_minus_utc());
            offset_before
                .and_then(|secs| local.checked_sub_signed(TimeDelta::seconds(secs.into())))
                .unwrap_or(local)
                .and_utc()
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::fixtures::{date, time, utc, zone};

    #[test]
    fn an_unknown_time_zone_is_a_clear_error() {
        assert_eq!(parse_time_zone(" Europe/Rome "), Ok(chrono_tz::Europe::Rome));
        let err = parse_time_zone("Europe/Atlantis").unwrap_err();
        assert_eq!(err, TimeZoneError::Unknown("Europe/Atlantis".into()));
        assert!(err.to_string().contains("\"Europe/Atlantis\" is not a known IANA time zone"));
        assert_eq!(parse_time_zone(""), Err(TimeZoneError::Missing));
        assert!(parse_time_zone("europe/rome").is_err(), "IANA names are case-sensitive");
    }

    #[test]
    fn a_missing_wall_time_moves_forward_and_a_repeated_one_is_the_first() {
        let rome = zone("Europe/Rome");
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST.
        assert_eq!(local_instant(date(2026, 3, 29), time(2, 30), rome), utc(2026, 3, 29, 1, 30));
        assert_eq!(local_instant(date(2026, 3, 29), time(3, 0), rome), utc(2026, 3, 29, 1, 0));
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
        assert_eq!(local_instant(date(2026, 10, 25), time(2, 30), rome), utc(2026, 10, 25, 0, 30));
        assert_eq!(local_instant(date(2026, 10, 25), time(3, 30), rome), utc(2026, 10, 25, 2, 30));
    }
}
