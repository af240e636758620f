//! Sequences: a campaign's ordered steps, where each person in it stands, and when each step is due in the
//! recipient's own time.
//!
//! - A [`Step`] is an automatic email (the endpoint sends it), a manual email (a task with the draft ready),
//!   a call, a LinkedIn touch or a custom task, each a [`Delay`] after the step before: business days (the
//!   same wall-clock time, weekends and the rep's holidays skipped, daylight-saving changes kept right) or
//!   hours.
//! - A [`SendWindow`] says when mail may go out in the recipient's zone (days of the week, hours); the rep's
//!   [`Calendar`] adds holidays and quiet hours. A time outside moves to the window's next opening, and
//!   [`Moved`] says why, for the Scheduled row.
//! - A [`Member`] is one person in a sequence: active, paused, or ended (finished, replied, bounced,
//!   unsubscribed, removed), with the next step and when it is due. A task step gates the next one: the
//!   member waits until the task is completed or skipped. A reply, a hard bounce, a complaint or an
//!   unsubscribe ends the member at once, and an ended member never produces a step again.
//!
//! No IO and no clock: every function is given `now` and the zone.

use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, Weekday};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::ids::{Instant, PersonId};
use crate::task::{Zone, local_instant};

/// What a step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// An email the endpoint sends by itself, in the recipient's window.
    AutoEmail,
    /// An email the rep reviews and sends: a task with the draft ready.
    ManualEmail,
    Call,
    LinkedIn,
    /// A task of the rep's own wording.
    Custom,
}

impl StepKind {
    /// A task for the rep (everything but an automatic email): it gates the step after it.
    pub fn is_task(self) -> bool {
        self != StepKind::AutoEmail
    }
}

/// How long after the step before a step is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "unit", content = "count")]
pub enum Delay {
    /// Business days: the same wall-clock time that many working days later in the recipient's zone
    /// (Saturdays, Sundays and the rep's holidays are not counted).
    BusinessDays(u16),
    /// Hours of elapsed time.
    Hours(u16),
}

/// The longest delay a step may have (a year of business days).
pub const MAX_DELAY: u16 = 260;

impl Delay {
    /// When a step with this delay is due after `from`, in `zone`.
    pub fn after<Z: Zone>(self, from: Instant, zone: Z, calendar: &Calendar) -> Instant {
        match self {
            Delay::Hours(hours) => from + TimeDelta::hours(hours.into()),
            Delay::BusinessDays(0) => from,
            Delay::BusinessDays(days) => {
                let local = from.with_timezone(&zone).naive_local();
                let mut date = local.date();
                let mut left = days;
                while left > 0 {
                    date = date.succ_opt().unwrap_or(date);
                    if calendar.is_business_day(date) {
                        left -= 1;
                    }
                }
                local_instant(date, local.time(), zone)
            }
        }
    }
}

/// The rep's days off and quiet hours: no step is due on a holiday, and no mail goes out in quiet hours.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
    /// Local times between which nothing goes out (`(22:00, 07:00)` wraps past midnight).
    #[serde(default)]
    pub quiet: Option<(NaiveTime, NaiveTime)>,
}

impl Calendar {
    /// Monday to Friday and not a holiday.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }

    fn is_quiet(&self, time: NaiveTime) -> bool {
        match self.quiet {
            Some((start, end)) if start <= end => start <= time && time < end,
            Some((start, end)) => time >= start || time < end,
            None => false,
        }
    }
}

/// When mail may go out, in the recipient's zone: days of the week and a time range (`start` < `end`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendWindow {
    /// Monday first.
    pub days: [bool; 7],
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Default for SendWindow {
    /// Weekdays, 9:00 to 17:00.
    fn default() -> Self {
        let at = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default();
        SendWindow { days: [true, true, true, true, true, false, false], start: at(9), end: at(17) }
    }
}

/// Why a sending window cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum WindowError {
    #[error("the sending window has no day of the week")]
    NoDay,
    #[error("the sending window ends before it starts")]
    EndsBeforeStart,
}

/// Why a time moved to the window's next opening, for the Scheduled row to say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moved {
    /// A day of the week the window leaves out.
    DayOff,
    /// Before the window opens or after it closes that day.
    OutsideHours,
    /// One of the rep's holidays.
    Holiday,
    /// The rep's quiet hours.
    QuietHours,
}

impl SendWindow {
    pub fn validate(&self) -> Result<(), WindowError> {
        if !self.days.contains(&true) {
            return Err(WindowError::NoDay);
        }
        if self.end <= self.start {
            return Err(WindowError::EndsBeforeStart);
        }
        Ok(())
    }

    fn allows_day(&self, date: NaiveDate) -> bool {
        self.days[date.weekday().num_days_from_monday() as usize]
    }

    /// The first instant at or after `at` when mail may go out to someone in `zone`, and why it moved when
    /// it did (`None`: `at` itself is open). A window that cannot be used (see [`SendWindow::validate`])
    /// leaves `at` as it is.
    pub fn next_opening<Z: Zone>(
        &self,
        at: Instant,
        zone: Z,
        calendar: &Calendar,
    ) -> (Instant, Option<Moved>) {
        if self.validate().is_err() {
            return (at, None);
        }
        let mut why = None;
        let mut date = at.with_timezone(&zone).date_naive();
        // A year ahead always finds an opening: the window has a day, and holidays are a list of dates.
        for _ in 0..=400 {
            let open = local_instant(date, self.start, zone);
            let close = local_instant(date, self.end, zone);
            let day_why = if !self.allows_day(date) {
                Some(Moved::DayOff)
            } else if calendar.holidays.contains(&date) {
                Some(Moved::Holiday)
            } else {
                None
            };
            if day_why.is_none() && at < close {
                let mut candidate = at.max(open);
                if candidate > at && why.is_none() {
                    why = Some(Moved::OutsideHours);
                }
                // Quiet hours inside the window: after them, the same day if the window is still open.
                let local_time = |i: Instant| i.with_timezone(&zone).time();
                if calendar.is_quiet(local_time(candidate))
                    && let Some((_, quiet_end)) = calendar.quiet
                {
                    let after_quiet = local_instant(date, quiet_end, zone).max(candidate);
                    if after_quiet < close && !calendar.is_quiet(local_time(after_quiet)) {
                        candidate = after_quiet;
                    } else {
                        why = why.or(Some(Moved::QuietHours));
                        date = date.succ_opt().unwrap_or(date);
                        continue;
                    }
                    why = why.or(Some(Moved::QuietHours));
                }
                return (candidate, why);
            }
            why = why.or(day_why).or(Some(Moved::OutsideHours));
            date = date.succ_opt().unwrap_or(date);
        }
        (at, None)
    }
}

/// Where a person stands in a sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberState {
    Active,
    Paused,
    /// Every step done.
    Finished,
    Replied,
    Bounced,
    Unsubscribed,
    /// Taken out by the rep.
    Removed,
}

impl MemberState {
    /// No step follows, ever.
    pub fn is_ended(self) -> bool {
        !matches!(self, MemberState::Active | MemberState::Paused)
    }
}

/// What ends a member's sequence at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    Replied,
    /// A hard bounce (a soft one does not end it).
    Bounced,
    /// A complaint: the person marked an email as spam.
    Complained,
    Unsubscribed,
    /// The rep took the person out.
    Removed,
}

/// One person in a sequence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub person: PersonId,
    pub state: MemberState,
    /// The step to do next (an index into the sequence's steps).
    pub step: usize,
    /// When that step is due; `None` while a task step before it is not done yet, or once ended.
    pub due: Option<Instant>,
    /// Why the due time moved to the window's next opening, when it did.
    #[serde(default)]
    pub moved: Option<Moved>,
    /// The task of the current step is out and waits for the rep: the next step waits for it.
    #[serde(default)]
    pub waiting_on_task: bool,
}

/// Why a member's step cannot be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum MemberError {
    #[error("the person's sequence has ended")]
    Ended,
    #[error("the person's sequence is paused")]
    Paused,
    #[error("the step's task is not done yet")]
    WaitingOnTask,
    #[error("the person has no step due")]
    NothingDue,
}

/// What a step due now is to become.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// Send this automatic email step now.
    Send { step: usize },
    /// Create this step's task (with the draft ready for a manual email).
    Task { step: usize, kind: StepKind },
}

/// The sequence as a member's rules need it: its steps, its window, the rep's calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan<'a> {
    pub steps: &'a [Step],
    pub window: &'a SendWindow,
    pub calendar: &'a Calendar,
}

/// One step of a sequence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub kind: StepKind,
    pub delay: Delay,
    /// The email's subject (emails) or the task's title, with merge fields.
    pub subject: String,
    /// The email's body (HTML with merge fields) or the task's notes.
    #[serde(default)]
    pub body: String,
}

impl Plan<'_> {
    /// When step `index` is due after `from` (the member's start, or the step before), in the recipient's
    /// window: an automatic email waits for the window; a task is due at its delay, on a business day.
    fn due<Z: Zone>(&self, index: usize, from: Instant, zone: Z) -> Option<(Instant, Option<Moved>)> {
        let step = self.steps.get(index)?;
        let at = step.delay.after(from, zone, self.calendar);
        Some(match step.kind {
            StepKind::AutoEmail => self.window.next_opening(at, zone, self.calendar),
            _ => (at, None),
        })
    }
}

impl Member {
    /// A person added to a sequence at `now`: active, the first step due after its delay.
    pub fn join<Z: Zone>(person: PersonId, plan: &Plan<'_>, now: Instant, zone: Z) -> Member {
        let mut member = Member {
            person,
            state: MemberState::Active,
            step: 0,
            due: None,
            moved: None,
            waiting_on_task: false,
        };
        member.schedule(plan, now, zone);
        member
    }

    fn schedule<Z: Zone>(&mut self, plan: &Plan<'_>, from: Instant, zone: Z) {
        match plan.due(self.step, from, zone) {
            Some((at, moved)) => {
                self.due = Some(at);
                self.moved = moved;
            }
            None => self.finish(MemberState::Finished),
        }
    }

    fn finish(&mut self, state: MemberState) {
        self.state = state;
        self.due = None;
        self.moved = None;
        self.waiting_on_task = false;
    }

    /// What is due at `now`, if anything: only for an active member whose step's time has come and whose
    /// task before it is done. An ended or paused member has nothing due, ever.
    pub fn due_now(&self, plan: &Plan<'_>, now: Instant) -> Option<Due> {
        if self.state != MemberState::Active || self.waiting_on_task {
            return None;
        }
        let at = self.due?;
        if at > now {
            return None;
        }
        let step = plan.steps.get(self.step)?;
        Some(match step.kind {
            StepKind::AutoEmail => Due::Send { step: self.step },
            kind => Due::Task { step: self.step, kind },
        })
    }

    /// The step due now was taken at `now`: an email sent (the next step is scheduled after it), or a task
    /// created (the next step waits until it is completed or skipped).
    pub fn took<Z: Zone>(&mut self, plan: &Plan<'_>, now: Instant, zone: Z) -> Result<(), MemberError> {
        let Some(due) = self.due_now(plan, now) else {
            return Err(self.why_not());
        };
        match due {
            Due::Send { .. } => {
                self.step += 1;
                self.schedule(plan, now, zone);
            }
            Due::Task { .. } => {
                self.waiting_on_task = true;
                self.due = None;
            }
        }
        Ok(())
    }

    /// The current step's task was completed or skipped at `now`: the next step is scheduled after it.
    pub fn task_done<Z: Zone>(&mut self, plan: &Plan<'_>, now: Instant, zone: Z) -> Result<(), MemberError> {
        if self.state.is_ended() {
            return Err(MemberError::Ended);
        }
        if !self.waiting_on_task {
            return Err(MemberError::NothingDue);
        }
        self.waiting_on_task = false;
        self.step += 1;
        if self.state == MemberState::Paused {
            // Scheduled on resume.
            self.due = None;
            return Ok(());
        }
        self.schedule(plan, now, zone);
        Ok(())
    }

    fn why_not(&self) -> MemberError {
        match self.state {
            s if s.is_ended() => MemberError::Ended,
            MemberState::Paused => MemberError::Paused,
            _ if self.waiting_on_task => MemberError::WaitingOnTask,
            _ => MemberError::NothingDue,
        }
    }

    /// Ends the member at once (a reply, a hard bounce, a complaint, an unsubscribe, or the rep): no step
    /// follows, even one already due. An ended member stays as it ended.
    pub fn end(&mut self, why: Ending) {
        if self.state.is_ended() {
            return;
        }
        self.finish(match why {
            Ending::Replied => MemberState::Replied,
            Ending::Bounced => MemberState::Bounced,
            Ending::Complained | Ending::Unsubscribed => MemberState::Unsubscribed,
            Ending::Removed => MemberState::Removed,
        });
    }

    /// Pauses an active member: nothing is due until it resumes.
    pub fn pause(&mut self) -> Result<(), MemberError> {
        match self.state {
            MemberState::Active => {
                self.state = MemberState::Paused;
                Ok(())
            }
            MemberState::Paused => Ok(()),
            _ => Err(MemberError::Ended),
        }
    }

    /// Resumes a paused member at `now`: a step whose time passed while paused is due at the window's next
    /// opening from now, not at once in a burst.
    pub fn resume<Z: Zone>(&mut self, plan: &Plan<'_>, now: Instant, zone: Z) -> Result<(), MemberError> {
        match self.state {
            MemberState::Paused => {
                self.state = MemberState::Active;
                if self.waiting_on_task {
                    return Ok(());
                }
                match self.due {
                    Some(at) if at > now => {}
                    _ => match plan.steps.get(self.step) {
                        Some(step) if step.kind == StepKind::AutoEmail => {
                            let (at, moved) = plan.window.next_opening(now, zone, plan.calendar);
                            self.due = Some(at);
                            self.moved = moved;
                        }
                        Some(_) => self.due = Some(now),
                        None => self.finish(MemberState::Finished),
                    },
                }
                Ok(())
            }
            MemberState::Active => Ok(()),
            _ => Err(MemberError::Ended),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use chrono_tz::Tz;
    use proptest::prelude::*;

    use super::*;
    use crate::task::parse_time_zone;

    const ZONES: [&str; 7] = [
        "Europe/Rome",
        "America/Sao_Paulo",
        "America/New_York",
        "Asia/Tokyo",
        "Australia/Sydney",
        "Pacific/Chatham",
        "Asia/Kathmandu",
    ];

    fn zone(name: &str) -> Tz {
        parse_time_zone(name).expect("a known zone")
    }

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("a time")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    fn local(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Instant {
        tz.with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("unambiguous").to_utc()
    }

    fn steps() -> Vec<Step> {
        let step =
            |kind, delay| Step { kind, delay, subject: "Hi {{first_name}}".into(), body: String::new() };
        vec![
            step(StepKind::AutoEmail, Delay::BusinessDays(0)),
            step(StepKind::AutoEmail, Delay::BusinessDays(3)),
            step(StepKind::Call, Delay::BusinessDays(2)),
            step(StepKind::AutoEmail, Delay::Hours(48)),
        ]
    }

    #[test]
    fn business_days_skip_weekends_and_holidays_and_keep_the_wall_time_across_dst() {
        let rome = zone("Europe/Rome");
        let calendar = Calendar { holidays: vec![date(2026, 3, 30)], quiet: None };
        // Friday 27 March 2026, 10:00 in Rome; DST begins Sunday 29 March; Monday 30 is a holiday.
        let friday = local(rome, 2026, 3, 27, 10, 0);
        let due = Delay::BusinessDays(1).after(friday, rome, &calendar);
        assert_eq!(due, local(rome, 2026, 3, 31, 10, 0), "Tuesday, still 10:00 on the wall after DST");
        assert_eq!(Delay::Hours(48).after(friday, rome, &calendar), friday + TimeDelta::hours(48));
    }

    #[test]
    fn a_time_outside_the_window_moves_to_its_next_opening_and_says_why() {
        let tokyo = zone("Asia/Tokyo");
        let window = SendWindow::default();
        let calendar = Calendar::default();
        let saturday = local(tokyo, 2026, 6, 6, 11, 0);
        assert_eq!(
            window.next_opening(saturday, tokyo, &calendar),
            (local(tokyo, 2026, 6, 8, 9, 0), Some(Moved::DayOff))
        );
        let evening = local(tokyo, 2026, 6, 8, 18, 30);
        assert_eq!(
            window.next_opening(evening, tokyo, &calendar),
            (local(tokyo, 2026, 6, 9, 9, 0), Some(Moved::OutsideHours))
        );
        let inside = local(tokyo, 2026, 6, 8, 10, 15);
        assert_eq!(window.next_opening(inside, tokyo, &calendar), (inside, None));
        let lunch = Calendar { holidays: vec![], quiet: Some((time(12, 0), time(13, 0))) };
        let noon = local(tokyo, 2026, 6, 8, 12, 10);
        assert_eq!(
            window.next_opening(noon, tokyo, &lunch),
            (local(tokyo, 2026, 6, 8, 13, 0), Some(Moved::QuietHours))
        );
        assert_eq!(
            SendWindow { days: [false; 7], ..SendWindow::default() }.validate(),
            Err(WindowError::NoDay)
        );
    }

    #[test]
    fn a_call_step_gates_the_next_and_a_reply_ends_everything() {
        let ny = zone("America/New_York");
        let (steps, window, calendar) = (steps(), SendWindow::default(), Calendar::default());
        let plan = Plan { steps: &steps, window: &window, calendar: &calendar };
        let monday = local(ny, 2026, 9, 14, 10, 0);
        let mut member = Member::join(PersonId::from_u128(1), &plan, monday, ny);
        assert_eq!(member.due_now(&plan, monday), Some(Due::Send { step: 0 }));
        member.took(&plan, monday, ny).expect("sent");
        assert_eq!(member.due, Some(local(ny, 2026, 9, 17, 10, 0)), "three business days later");
        let thursday = local(ny, 2026, 9, 17, 10, 0);
        member.took(&plan, thursday, ny).expect("sent");
        let call_due = member.due.expect("the call is scheduled");
        assert_eq!(member.due_now(&plan, call_due), Some(Due::Task { step: 2, kind: StepKind::Call }));
        member.took(&plan, call_due, ny).expect("the task is out");
        let much_later = call_due + TimeDelta::days(30);
        assert_eq!(member.due_now(&plan, much_later), None, "the last email waits for the call");
        member.task_done(&plan, much_later, ny).expect("the call is done");
        assert!(member.due.is_some_and(|at| at >= much_later + TimeDelta::hours(48)));
        member.end(Ending::Replied);
        assert_eq!(member.state, MemberState::Replied);
        assert_eq!(member.due_now(&plan, much_later + TimeDelta::days(365)), None);
        assert_eq!(member.took(&plan, much_later, ny), Err(MemberError::Ended));
        member.end(Ending::Bounced);
        assert_eq!(member.state, MemberState::Replied, "an ended member stays as it ended");
    }

    #[test]
    fn a_member_paused_past_its_time_resumes_at_the_next_opening_not_in_a_burst() {
        let rio = zone("America/Sao_Paulo");
        let (steps, window, calendar) = (steps(), SendWindow::default(), Calendar::default());
        let plan = Plan { steps: &steps, window: &window, calendar: &calendar };
        let start = local(rio, 2026, 9, 14, 10, 0);
        let mut member = Member::join(PersonId::from_u128(2), &plan, start, rio);
        member.pause().expect("paused");
        assert_eq!(member.due_now(&plan, start), None);
        let saturday_night = local(rio, 2026, 9, 19, 22, 0);
        member.resume(&plan, saturday_night, rio).expect("resumed");
        assert_eq!(member.due, Some(local(rio, 2026, 9, 21, 9, 0)));
    }

    fn any_zone() -> impl Strategy<Value = Tz> {
        prop::sample::select(ZONES.to_vec()).prop_map(zone)
    }

    fn any_instant() -> impl Strategy<Value = Instant> {
        // 2026-01-01 .. 2028-12-31, any minute.
        (0i64..(3 * 366 * 24 * 60)).prop_map(|m| {
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default() + TimeDelta::minutes(m)
        })
    }

    fn any_calendar() -> impl Strategy<Value = Calendar> {
        let holiday = (0u64..(3 * 366)).prop_map(|d| date(2026, 1, 1) + chrono::Days::new(d));
        (prop::collection::vec(holiday, 0..20), any::<bool>()).prop_map(|(holidays, quiet)| Calendar {
            holidays,
            quiet: quiet.then(|| (time(12, 0), time(13, 30))),
        })
    }

    proptest! {
        #[test]
        fn business_days_land_on_business_days_at_the_same_wall_time(
            tz in any_zone(), from in any_instant(), days in 1u16..30, calendar in any_calendar(),
        ) {
            let due = Delay::BusinessDays(days).after(from, tz, &calendar);
            let (start, end) = (from.with_timezone(&tz), due.with_timezone(&tz));
            prop_assert!(calendar.is_business_day(end.date_naive()), "{end}");
            let counted = start.date_naive().iter_days().skip(1).take_while(|d| *d <= end.date_naive())
                .filter(|d| calendar.is_business_day(*d)).count();
            prop_assert_eq!(counted, usize::from(days));
            // Same wall time, unless it does not exist that day (a spring-forward gap moves it forward).
            let gap = end.time() != start.time();
            prop_assert!(!gap || end.time() > start.time(), "{start} -> {end}");
            prop_assert!(due > from);
        }

        #[test]
        fn the_next_opening_is_open_and_never_earlier(
            tz in any_zone(), at in any_instant(), calendar in any_calendar(),
            days in prop::array::uniform7(any::<bool>()), start_h in 0u32..12, hours in 1u32..12,
        ) {
            let window = SendWindow { days, start: time(start_h, 0), end: time(start_h + hours, 0) };
            prop_assume!(window.validate().is_ok());
            let (open, moved) = window.next_opening(at, tz, &calendar);
            prop_assert!(open >= at);
            prop_assert_eq!(open == at, moved.is_none());
            let local = open.with_timezone(&tz);
            let day = local.date_naive();
            prop_assert!(window.allows_day(day) && !calendar.holidays.contains(&day), "{local}");
            prop_assert!(open >= local_instant(day, window.start, tz) && open < local_instant(day, window.end, tz), "{local}");
            prop_assert!(!calendar.is_quiet(local.time()), "{local} is quiet");
        }

        #[test]
        fn no_step_follows_an_ending(
            tz in any_zone(), start in any_instant(),
            actions in prop::collection::vec((0u8..6, 0i64..(10 * 24 * 60)), 1..40),
        ) {
            let (steps, window, calendar) = (steps(), SendWindow::default(), Calendar::default());
            let plan = Plan { steps: &steps, window: &window, calendar: &calendar };
            let mut member = Member::join(PersonId::from_u128(7), &plan, start, tz);
            let mut now = start;
            let mut ended = false;
            let mut sent = 0;
            for (action, minutes) in actions {
                now += TimeDelta::minutes(minutes);
                match action {
                    0 => if member.took(&plan, now, tz).is_ok() { prop_assert!(!ended); sent += 1 },
                    1 => { let _ = member.task_done(&plan, now, tz); }
                    2 => { let _ = member.pause(); }
                    3 => { let _ = member.resume(&plan, now, tz); }
                    4 => { member.end(Ending::Replied); ended = true; }
                    _ => { member.end(Ending::Bounced); ended = true; }
                }
                if ended {
                    prop_assert!(member.state.is_ended());
                    prop_assert_eq!(member.due_now(&plan, now + TimeDelta::days(3650)), None);
                }
                prop_assert!(member.step <= steps.len());
                prop_assert!(member.state != MemberState::Finished || member.step == steps.len());
            }
            prop_assert!(sent <= steps.len());
        }
    }
}
