//! Snoozing: the quick choices (later today, tomorrow, next week) and a picked date, counted on the rep's
//! calendar so that daylight-saving changes never shift them.

use chrono::{Datelike, Days, NaiveTime, TimeDelta};
use serde::{Deserialize, Serialize};

use super::model::{Due, Task};
use super::zone::{Zone, local_today};
use crate::ids::Instant;

/// How far ahead "later today" snoozes.
pub const LATER_TODAY_HOURS: i64 = 3;
/// "Later today" is rounded up to a multiple of this many minutes.
pub const SNOOZE_ROUNDING_MINUTES: i64 = 15;
/// The local time "tomorrow" and "next week" snooze to.
pub const MORNING: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(time) => time,
    None => panic!("09:00 is a valid time"),
};

/// The quick snooze choices, and a picked date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "choice", rename_all = "snake_case")]
pub enum Snooze {
    /// Three hours from now, rounded up to the next quarter hour.
    LaterToday,
    /// 09:00 tomorrow.
    Tomorrow,
    /// 09:00 on the Monday of next week.
    NextWeek,
    /// A date (and optional time) the rep picks.
    Pick { due: Due },
}

impl Snooze {
    /// The quick choices to offer at `now`: "later today" only while three hours from now is still today.
    pub fn quick_choices<Z: Zone>(now: Instant, zone: Z) -> Vec<Snooze> {
        let mut choices = Vec::with_capacity(3);
        if Snooze::LaterToday.due(now, zone).date == local_today(now, zone) {
            choices.push(Snooze::LaterToday);
        }
        choices.extend([Snooze::Tomorrow, Snooze::NextWeek]);
        choices
    }

    /// When the task is due after snoozing at `now` in `zone`. Days are counted on the rep's calendar (never
    /// as 24 hours), and "later today" counts real elapsed hours, so daylight-saving changes do not shift
    /// them; the result is always a wall-clock time that exists.
    pub fn due<Z: Zone>(self, now: Instant, zone: Z) -> Due {
        let today = local_today(now, zone);
        match self {
            Snooze::LaterToday => {
                let later = now.checked_add_signed(TimeDelta::hours(LATER_TODAY_HOURS)).unwrap_or(now);
                Due::of_instant(round_up(later, SNOOZE_ROUNDING_MINUTES), zone)
            }
            Snooze::Tomorrow => Due::at(today.checked_add_days(Days::new(1)).unwrap_or(today), MORNING),
            Snooze::NextWeek => {
                let days = 7 - u64::from(today.weekday().num_days_from_monday());
                Due::at(today.checked_add_days(Days::new(days)).unwrap_or(today), MORNING)
            }
            Snooze::Pick { due } => due,
        }
    }
}

/// Rounds an instant up to a multiple of `minutes` (every zone in use today is offset by a multiple of 15
/// minutes, so this is also a round wall-clock time).
fn round_up(at: Instant, minutes: i64) -> Instant {
    let step = minutes * 60;
    let secs = at.timestamp();
    let exact = secs.rem_euclid(step) == 0 && at.timestamp_subsec_nanos() == 0;
    let rounded = if exact { secs } else { secs - secs.rem_euclid(step) + step };
    Instant::from_timestamp(rounded, 0).unwrap_or(at)
}

impl Task {
    /// Snoozes the task to one of the quick choices (see [`Snooze::due`]).
    pub fn snooze<Z: Zone>(&mut self, choice: Snooze, now: Instant, zone: Z) -> bool {
        self.reschedule(choice.due(now, zone), now)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{LocalResult, TimeZone};
    use proptest::prelude::*;

    use super::*;
    use crate::task::fixtures::{ZONES, date, local, task, time, utc, zone};
    use crate::task::local_instant;

    #[test]
    fn snooze_choices_on_an_ordinary_day() {
        let rome = zone("Europe/Rome");
        let now = local("Europe/Rome", 2026, 6, 10, 10, 7); // a Wednesday
        assert_eq!(Snooze::LaterToday.due(now, rome), Due::at(date(2026, 6, 10), time(13, 15)));
        assert_eq!(Snooze::Tomorrow.due(now, rome), Due::at(date(2026, 6, 11), MORNING));
        assert_eq!(Snooze::NextWeek.due(now, rome), Due::at(date(2026, 6, 15), MORNING));
        let picked = Due::on(date(2026, 7, 1));
        assert_eq!(Snooze::Pick { due: picked }.due(now, rome), picked);
        let on_the_quarter = local("Europe/Rome", 2026, 6, 10, 10, 15);
        assert_eq!(Snooze::LaterToday.due(on_the_quarter, rome), Due::at(date(2026, 6, 10), time(13, 15)));
        assert_eq!(
            Snooze::quick_choices(now, rome),
            vec![Snooze::LaterToday, Snooze::Tomorrow, Snooze::NextWeek]
        );
    }

    #[test]
    fn later_today_is_not_offered_late_in_the_evening() {
        let sp = zone("America/Sao_Paulo");
        let now = local("America/Sao_Paulo", 2026, 6, 10, 21, 30);
        assert_eq!(Snooze::LaterToday.due(now, sp), Due::at(date(2026, 6, 11), time(0, 30)));
        assert_eq!(Snooze::quick_choices(now, sp), vec![Snooze::Tomorrow, Snooze::NextWeek]);
    }

    #[test]
    fn next_week_is_the_coming_monday() {
        let rome = zone("Europe/Rome");
        let monday = local("Europe/Rome", 2026, 6, 8, 10, 0);
        assert_eq!(Snooze::NextWeek.due(monday, rome).date, date(2026, 6, 15));
        let sunday = local("Europe/Rome", 2026, 6, 14, 10, 0);
        assert_eq!(Snooze::NextWeek.due(sunday, rome).date, date(2026, 6, 15));
        // Late on Sunday in São Paulo is already Monday in UTC: the rep's calendar decides.
        let sp = zone("America/Sao_Paulo");
        let sunday_night = local("America/Sao_Paulo", 2026, 6, 14, 22, 0);
        assert_eq!(Snooze::NextWeek.due(sunday_night, sp).date, date(2026, 6, 15));
        assert_eq!(Snooze::Tomorrow.due(sunday_night, sp).date, date(2026, 6, 15));
    }

    #[test]
    fn snoozing_across_a_daylight_saving_change() {
        let rome = zone("Europe/Rome");
        // 00:30 CET on the spring-forward day: three real hours later the wall clock shows 04:30 CEST.
        let now = local("Europe/Rome", 2026, 3, 29, 0, 30);
        assert_eq!(Snooze::LaterToday.due(now, rome), Due::at(date(2026, 3, 29), time(4, 30)));
        // 09:00 the day before: tomorrow is 09:00 CEST, 23 hours later, not 24.
        let morning_before = local("Europe/Rome", 2026, 3, 28, 9, 0);
        let due = Snooze::Tomorrow.due(morning_before, rome);
        assert_eq!(due, Due::at(date(2026, 3, 29), MORNING));
        assert_eq!(due.starts_at(rome) - morning_before, TimeDelta::hours(23));
        // 23:45 CET the night before: +3 h lands at 03:45 CEST, never inside the missing hour.
        let night = local("Europe/Rome", 2026, 3, 28, 23, 45);
        assert_eq!(Snooze::LaterToday.due(night, rome), Due::at(date(2026, 3, 29), time(3, 45)));
        // On the fall-back day, 00:30 CEST + 3 h is 02:30 CET, the second 02:30.
        let autumn = local("Europe/Rome", 2026, 10, 25, 0, 30);
        assert_eq!(Snooze::LaterToday.due(autumn, rome), Due::at(date(2026, 10, 25), time(2, 30)));
        let mut t = task(1, Due::on(date(2026, 10, 24)));
        assert!(t.snooze(Snooze::Tomorrow, autumn, rome));
        assert_eq!(t.due, Due::at(date(2026, 10, 26), MORNING));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        #[test]
        fn snoozing_always_lands_on_an_existing_future_wall_time(
            step in 0i64..(400 * 24 * 4), z in 0..ZONES.len(),
        ) {
            let zone = zone(ZONES[z]);
            let now = utc(2026, 1, 1, 0, 0) + TimeDelta::minutes(step * 15 + step % 15);
            let today = local_today(now, zone);
            for choice in [Snooze::LaterToday, Snooze::Tomorrow, Snooze::NextWeek] {
                let due = choice.due(now, zone);
                let time = due.time.expect("quick choices have a time");
                prop_assert!(!matches!(zone.from_local_datetime(&due.date.and_time(time)), LocalResult::None));
                prop_assert!(due.date >= today);
            }
            let later = Snooze::LaterToday.due(now, zone);
            let at = later.time.map(|t| local_instant(later.date, t, zone));
            let three_hours = now + TimeDelta::hours(LATER_TODAY_HOURS);
            // In the repeated autumn hour the wall time means its first occurrence, up to an hour earlier.
            prop_assert!(at.is_some_and(|at| at >= three_hours - TimeDelta::hours(1)
                && at < three_hours + TimeDelta::minutes(SNOOZE_ROUNDING_MINUTES)));
            prop_assert_eq!(Snooze::Tomorrow.due(now, zone).date, today + TimeDelta::days(1));
            let next_week = Snooze::NextWeek.due(now, zone).date;
            prop_assert_eq!(next_week.weekday(), chrono::Weekday::Mon);
            prop_assert!(next_week > today && next_week <= today + TimeDelta::days(7));
        }
    }
}
