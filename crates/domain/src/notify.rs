//! Desktop notifications: which news is worth interrupting the rep for.
//!
//! A person's reply and a person's click, as the change feed brings them, and a task coming due — each only
//! when the rep turned that kind on. Never a machine's view or click (an image proxy, a link scanner), never
//! an automatic reply, never news older than [`RECENT`] (a catch-up after a day offline is read in the app,
//! not in fifty notifications), and more than [`GROUP_ABOVE`] at once become one notification that says
//! how many.

use chrono::{NaiveTime, TimeDelta};

use crate::engagement::{EngagementEvent, EventKind};
use crate::ids::Instant;
use crate::task::{Task, Zone, local_instant};

/// How old an event may be and still be news.
pub const RECENT: TimeDelta = TimeDelta::minutes(10);

/// More notifications than this at once are grouped into one.
pub const GROUP_ABOVE: usize = 3;

/// How long before a task is due its notification comes.
pub const TASK_LEAD: TimeDelta = TimeDelta::minutes(5);

/// When a task with a day but no time is due: the start of the rep's working day.
pub const DAY_START: NaiveTime = crate::task::MORNING;

/// The kinds of news the rep chose to be told of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Switches {
    pub replies: bool,
    pub clicks: bool,
    pub tasks: bool,
}

/// What an event is news of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum News {
    Replied,
    Clicked,
}

/// The events among `events` worth a notification at `now`, each with what it is news of, in order.
pub fn news(events: &[EngagementEvent], switches: Switches, now: Instant) -> Vec<(&EngagementEvent, News)> {
    events
        .iter()
        .filter(|e| now - e.at <= RECENT)
        .filter_map(|e| match &e.kind {
            EventKind::Replied { .. } if switches.replies => Some((e, News::Replied)),
            EventKind::Clicked { .. } if switches.clicks && e.verdict.is_some_and(|v| v.human) => {
                Some((e, News::Clicked))
            }
            _ => None,
        })
        .collect()
}

/// The instant a task is due in `zone`: its day at its time, or at [`DAY_START`] when it has none.
pub fn due_instant<Z: Zone>(task: &Task, zone: Z) -> Instant {
    local_instant(task.due.date, task.due.time.unwrap_or(DAY_START), zone)
}

/// The open tasks that come due (are within [`TASK_LEAD`] of their due instant) after `since` and by `now`:
/// each is told of once, at the check that first finds it so.
pub fn tasks_coming_due<'a, Z: Zone>(
    tasks: impl IntoIterator<Item = &'a Task>,
    since: Instant,
    now: Instant,
    zone: Z,
) -> Vec<&'a Task> {
    let mut due: Vec<&Task> = tasks
        .into_iter()
        .filter(|t| t.is_open())
        .filter(|t| {
            let told_at = due_instant(t, zone) - TASK_LEAD;
            since < told_at && told_at <= now
        })
        .collect();
    due.sort_by_key(|t| due_instant(t, zone));
    due
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;
    use crate::classify::{Reason, Verdict};
    use crate::ids::{EmailId, EventId, TaskId};
    use crate::people::EmailAddress;
    use crate::task::{Due, Origin, TaskType};

    fn at(minute: u32) -> Instant {
        Utc.with_ymd_and_hms(2026, 12, 7, 10, minute, 0).unwrap()
    }

    fn event(n: u128, kind: EventKind, human: Option<bool>, minute: u32) -> EngagementEvent {
        EngagementEvent {
            id: EventId::from_u128(n),
            email: EmailId::from_u128(1),
            recipient: EmailAddress::parse("ana@acme.example").unwrap(),
            at: at(minute),
            kind,
            ip: None,
            user_agent: None,
            verdict: human
                .map(|h| Verdict::new(if h { Reason::NoMachineSign } else { Reason::SecurityScanner })),
        }
    }

    #[test]
    fn a_persons_reply_and_click_are_news_a_machines_click_an_auto_reply_a_view_and_old_news_are_not() {
        let click = || EventKind::Clicked { url: "https://acme.example/pricing".into() };
        let events = vec![
            event(1, EventKind::Replied { text: None }, None, 30),
            event(2, click(), Some(true), 30),
            event(3, click(), Some(false), 30),
            event(4, EventKind::AutoReplied, None, 30),
            event(5, EventKind::Viewed, Some(true), 30),
            event(6, EventKind::Replied { text: None }, None, 10),
        ];
        let all = Switches { replies: true, clicks: true, tasks: true };
        let ids = |news: Vec<(&EngagementEvent, News)>| {
            news.into_iter().map(|(e, n)| (e.id.0.as_u128(), n)).collect::<Vec<_>>()
        };
        assert_eq!(ids(news(&events, all, at(31))), vec![(1, News::Replied), (2, News::Clicked)]);
        assert_eq!(ids(news(&events, Switches { clicks: false, ..all }, at(31))), vec![(1, News::Replied)]);
        assert!(news(&events, Switches::default(), at(31)).is_empty(), "nothing unless turned on");
    }

    #[test]
    fn a_task_is_told_of_once_five_minutes_before_it_is_due_and_a_task_with_no_time_at_the_start_of_the_day()
    {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let task = |n: u128, due: Due| {
            Task::new(TaskId::from_u128(n), TaskType::Call, "Call Ana", due, Origin::Manual, at(0)).unwrap()
        };
        let timed = task(1, Due::at(day, NaiveTime::from_hms_opt(10, 30, 0).unwrap()));
        let morning = task(2, Due::on(day));
        let mut done = task(3, Due::at(day, NaiveTime::from_hms_opt(10, 30, 0).unwrap()));
        done.complete(at(1));
        let tasks = [timed, morning, done];
        let ids = |due: Vec<&Task>| due.into_iter().map(|t| t.id.0.as_u128()).collect::<Vec<_>>();
        assert!(tasks_coming_due(&tasks, at(20), at(24), Utc).is_empty());
        assert_eq!(ids(tasks_coming_due(&tasks, at(24), at(25), Utc)), vec![1], "10:25, five minutes before");
        assert!(tasks_coming_due(&tasks, at(25), at(40), Utc).is_empty(), "once");
        let early = Utc.with_ymd_and_hms(2026, 12, 7, 8, 50, 0).unwrap();
        let nine = Utc.with_ymd_and_hms(2026, 12, 7, 8, 56, 0).unwrap();
        assert_eq!(ids(tasks_coming_due(&tasks, early, nine, Utc)), vec![2], "a day's task: at 8:55");
    }
}
