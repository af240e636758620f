//! Per-email engagement totals: raw and human views and clicks, replies, first and last activity.
//!
//! Owns how one email's events add up, which events count at all ([`is_tracked`]: tracking is off once the
//! email is archived), and keeping the totals right one event at a time ([`EmailEngagement::apply`]) so that
//! they always equal a full recount ([`EmailEngagement::compute`]).
//!
//! It must not judge events itself (the verdicts are [`crate::classify`]'s), store events or totals, or read
//! a clock: the caller hands it the email and the events recorded for it.
//!
//! What counts:
//! - views and clicks, raw (every one) and human (those the classifier says a person made);
//! - replies: [`EventKind::Replied`] only; automatic answers are not replies;
//! - first and last activity: the earliest and latest human view, human click or reply. Machine events and
//!   bounces, delays and complaints are not the person's activity.
//!
//! An event is counted once (the first recorded with a given id wins), only for its own email, and only when
//! tracking was on at its instant.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::classify::{ClassifierSettings, EmailContext, Neighbours, Tracked, Verdict, judge};
use crate::email::Email;
use crate::engagement::{EngagementEvent, EventKind};
use crate::ids::{EventId, Instant};
use crate::people::EmailAddress;

/// What one email's recipient did with it, raw and as counted for people (human).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailEngagement {
    pub views_raw: u32,
    pub views_human: u32,
    pub clicks_raw: u32,
    pub clicks_human: u32,
    pub replies: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub first_activity: Option<Instant>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_activity: Option<Instant>,
}

/// Why an event was not counted. Nothing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotCounted {
    #[error("the event belongs to another email")]
    OtherEmail,
    #[error("tracking is off: the email was archived before the event")]
    TrackingOff,
    #[error("the event was already counted")]
    AlreadyCounted,
}

/// Whether `event` counts for `email`: it is the email's, and tracking was on at its instant. Archiving turns
/// tracking off: an event at or after `archived_at` is ignored, and an Archived email with no recorded
/// archive instant records nothing. Unarchiving clears `archived_at` and turns tracking back on.
pub fn is_tracked(email: &Email, event: &EngagementEvent) -> bool {
    event.email == email.id && email.tracking_on_at(event.at)
}

impl EmailEngagement {
    /// Counts `events` from scratch, and gives the verdict of every counted view and click, in the order
    /// they happened (for the UI's timeline). Events that do not count (see [`is_tracked`]) are skipped, as
    /// are repeats of an id already seen.
    pub fn compute(
        settings: &ClassifierSettings,
        email: &Email,
        events: &[EngagementEvent],
    ) -> (EmailEngagement, Vec<(EventId, Verdict)>) {
        tally(settings, &EmailContext::of(email), &counted(email, events))
    }

    /// The totals of [`EmailEngagement::compute`] alone.
    pub fn of(settings: &ClassifierSettings, email: &Email, events: &[EngagementEvent]) -> EmailEngagement {
        Self::compute(settings, email, events).0
    }

    /// Counts one new `event` into totals that were computed from `recorded` (the events counted so far,
    /// without `event`), with the same settings and email. Afterwards the totals equal
    /// [`EmailEngagement::compute`] over `recorded` plus `event`.
    ///
    /// Returns the verdicts that are new or changed: the event's own (for a view or click) and those of
    /// earlier events it changed. Two things can change an earlier click's verdict: a new click of the same
    /// recipient within the burst window (see [`crate::classify::Rule::ClickBurst`]) can turn the clicks
    /// around it into a burst, so they are re-judged and become machine clicks; and a view can turn the
    /// reason of later clicks from "click without view" into "no machine sign" (both human). Bursts only ever
    /// grow as events arrive, so a machine click never becomes human again.
    pub fn apply(
        &mut self,
        settings: &ClassifierSettings,
        email: &Email,
        recorded: &[EngagementEvent],
        event: &EngagementEvent,
    ) -> Result<Vec<(EventId, Verdict)>, NotCounted> {
        if event.email != email.id {
            return Err(NotCounted::OtherEmail);
        }
        if !email.tracking_on_at(event.at) {
            return Err(NotCounted::TrackingOff);
        }
        let before = counted(email, recorded);
        if before.iter().any(|e| e.id == event.id) {
            return Err(NotCounted::AlreadyCounted);
        }
        let context = EmailContext::of(email);
        let mine: Vec<&EngagementEvent> =
            before.iter().copied().filter(|e| e.recipient == event.recipient).collect();
        let neighbours_before = Neighbours::gather(mine.iter().copied());
        let neighbours_after = Neighbours::gather(mine.iter().copied().chain(std::iter::once(event)));

        let mut changed = Vec::new();
        let verdict = judge(settings, &context, event, &neighbours_after);
        self.count(event, verdict);
        if let Some(verdict) = verdict {
            changed.push((event.id, verdict));
        }

        let reach = settings.burst_reach();
        let new = Tracked::of(&event.kind);
        let may_change = |earlier: &EngagementEvent| match (new, Tracked::of(&earlier.kind)) {
            (Some(Tracked::Click(_)), Some(Tracked::Click(_))) => {
                earlier.at.signed_duration_since(event.at).abs() <= reach
            }
            (Some(Tracked::View), Some(Tracked::Click(_))) => earlier.at >= event.at,
            _ => false,
        };
        let mut lost_bound = false;
        let mut earlier_changed = Vec::new();
        for earlier in mine.iter().copied().filter(|e| may_change(e)) {
            let (Some(old), Some(now)) = (
                judge(settings, &context, earlier, &neighbours_before),
                judge(settings, &context, earlier, &neighbours_after),
            ) else {
                continue;
            };
            if old == now {
                continue;
            }
            earlier_changed.push((earlier.at, earlier.id, now));
            if old.human && !now.human {
                self.forget_human(earlier);
                lost_bound |=
                    self.first_activity == Some(earlier.at) || self.last_activity == Some(earlier.at);
            } else if now.human && !old.human {
                self.add_human(earlier);
            }
        }
        earlier_changed.sort_unstable_by_key(|(at, id, _)| (*at, *id));
        changed.extend(earlier_changed.into_iter().map(|(_, id, verdict)| (id, verdict)));

        if lost_bound {
            // A human event that bounded the activity became a machine's: find the new bounds.
            let all: Vec<&EngagementEvent> = before.into_iter().chain(std::iter::once(event)).collect();
            let (fresh, _) = tally(settings, &context, &all);
            self.first_activity = fresh.first_activity;
            self.last_activity = fresh.last_activity;
        }
        Ok(changed)
    }

    /// Counts one event with its verdict (`None` for events that are not views or clicks).
    fn count(&mut self, event: &EngagementEvent, verdict: Option<Verdict>) {
        match event.kind {
            EventKind::Viewed => self.views_raw = self.views_raw.saturating_add(1),
            EventKind::Clicked { .. } => self.clicks_raw = self.clicks_raw.saturating_add(1),
            EventKind::Replied { .. } => {
                self.replies = self.replies.saturating_add(1);
                self.touch(event.at);
            }
            _ => {}
        }
        if verdict.is_some_and(|v| v.human) {
            self.add_human(event);
        }
    }

    fn add_human(&mut self, event: &EngagementEvent) {
        match event.kind {
            EventKind::Viewed => self.views_human = self.views_human.saturating_add(1),
            EventKind::Clicked { .. } => self.clicks_human = self.clicks_human.saturating_add(1),
            _ => return,
        }
        self.touch(event.at);
    }

    /// Takes back a view or click that turned out to be a machine's. The activity bounds are the caller's.
    fn forget_human(&mut self, event: &EngagementEvent) {
        match event.kind {
            EventKind::Viewed => self.views_human = self.views_human.saturating_sub(1),
            EventKind::Clicked { .. } => self.clicks_human = self.clicks_human.saturating_sub(1),
            _ => {}
        }
    }

    fn touch(&mut self, at: Instant) {
        self.first_activity = Some(self.first_activity.map_or(at, |first| first.min(at)));
        self.last_activity = Some(self.last_activity.map_or(at, |last| last.max(at)));
    }
}

/// The events of `events` that count for `email`, each id once (the first wins).
fn counted<'a>(email: &Email, events: &'a [EngagementEvent]) -> Vec<&'a EngagementEvent> {
    let mut seen = BTreeSet::new();
    events.iter().filter(|e| is_tracked(email, e) && seen.insert(e.id)).collect()
}

/// Counts events that all count, judging each view and click with its recipient's other events.
fn tally(
    settings: &ClassifierSettings,
    context: &EmailContext,
    events: &[&EngagementEvent],
) -> (EmailEngagement, Vec<(EventId, Verdict)>) {
    let mut by_recipient: BTreeMap<&EmailAddress, Vec<&EngagementEvent>> = BTreeMap::new();
    for event in events {
        by_recipient.entry(&event.recipient).or_default().push(event);
    }
    let neighbours: BTreeMap<&EmailAddress, Neighbours<'_>> =
        by_recipient.into_iter().map(|(recipient, theirs)| (recipient, Neighbours::gather(theirs))).collect();
    let mut ordered = events.to_vec();
    ordered.sort_unstable_by_key(|e| (e.at, e.id));
    let mut totals = EmailEngagement::default();
    let mut verdicts = Vec::new();
    for event in ordered {
        let verdict = neighbours.get(&event.recipient).and_then(|n| judge(settings, context, event, n));
        totals.count(event, verdict);
        if let Some(verdict) = verdict {
            verdicts.push((event.id, verdict));
        }
    }
    (totals, verdicts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::tests::{CHROME, after, click, delivered, event, view};
    use crate::classify::{Reason, classify};
    use crate::ids::{EmailId, UserId};
    use crate::status::EmailKind;
    use crate::status::Status;

    const MINUTE: i64 = 60_000;

    pub(super) fn delivered_email(links: usize) -> Email {
        let html: String =
            (0..links).map(|i| format!("<a href=\"https://seller.com/{i}\">link {i}</a>")).collect();
        Email {
            id: EmailId::from_u128(1),
            owner: UserId(1),
            sender: EmailAddress::parse("rep@seller.com").expect("valid address"),
            recipient: EmailAddress::parse("ana@acme.com").expect("valid address"),
            person: None,
            cc: vec![],
            subject: "Pricing".into(),
            html_body: format!("<p>Hi</p>{html}"),
            text_body: "Hi".into(),
            campaign: None,
            template: None,
            batch: None,
            kind: EmailKind::Single,
            created_at: delivered(),
            updated_at: delivered(),
            schedule: None,
            status: Status::Delivered,
            status_reason: None,
            success: false,
            sent_at: Some(delivered()),
            delivered_at: Some(delivered()),
            failed_at: None,
            archived_at: None,
        }
    }

    fn settings() -> ClassifierSettings {
        ClassifierSettings::default()
    }

    #[test]
    fn raw_and_human_counts_replies_and_activity() {
        let email = delivered_email(3);
        let mut mpp = view(1, after(MINUTE));
        mpp.user_agent = Some("Mozilla/5.0".into());
        mpp.ip = Some("17.58.1.1".into());
        let events = vec![
            view(2, after(2_000)),
            mpp,
            view(3, after(30 * MINUTE)),
            click(4, "https://seller.com/0", after(31 * MINUTE)),
            event(5, EventKind::Replied { text: None }, after(90 * MINUTE)),
            event(6, EventKind::AutoReplied, after(95 * MINUTE)),
            event(7, EventKind::Complained { feedback_type: "abuse".into() }, after(99 * MINUTE)),
        ];
        let (totals, verdicts) = EmailEngagement::compute(&settings(), &email, &events);
        assert_eq!(
            totals,
            EmailEngagement {
                views_raw: 3,
                views_human: 1,
                clicks_raw: 1,
                clicks_human: 1,
                replies: 1,
                first_activity: Some(after(30 * MINUTE)),
                last_activity: Some(after(90 * MINUTE)),
            }
        );
        let reasons: Vec<(EventId, Reason)> = verdicts.iter().map(|(id, v)| (*id, v.reason)).collect();
        assert_eq!(
            reasons,
            vec![
                (EventId::from_u128(2), Reason::SoonAfterDelivery),
                (EventId::from_u128(1), Reason::PrivacyProxy),
                (EventId::from_u128(3), Reason::NoMachineSign),
                (EventId::from_u128(4), Reason::NoMachineSign),
            ],
            "every view and click, in the order they happened"
        );
        assert_eq!(EmailEngagement::of(&settings(), &email, &events), totals);
    }

    #[test]
    fn auto_replies_are_not_replies() {
        let email = delivered_email(1);
        let events = [event(1, EventKind::AutoReplied, after(MINUTE))];
        let totals = EmailEngagement::of(&settings(), &email, &events);
        assert_eq!(totals, EmailEngagement::default());
    }

    #[test]
    fn a_click_without_a_view_counts_as_a_human_click() {
        let email = delivered_email(3);
        let (totals, verdicts) =
            EmailEngagement::compute(&settings(), &email, &[click(1, "https://seller.com/0", after(MINUTE))]);
        assert_eq!((totals.views_human, totals.clicks_human), (0, 1));
        assert_eq!(verdicts, vec![(EventId::from_u128(1), Verdict::new(Reason::ClickWithoutView))]);
    }

    #[test]
    fn events_after_archive_are_ignored() {
        let mut email = delivered_email(2);
        email.transition(Status::Archived, after(60 * MINUTE), None).expect("delivered emails archive");
        let events = [
            view(1, after(30 * MINUTE)),
            view(2, after(60 * MINUTE)),
            click(3, "https://seller.com/0", after(61 * MINUTE)),
            event(4, EventKind::Replied { text: None }, after(2 * 60 * MINUTE)),
        ];
        let (totals, verdicts) = EmailEngagement::compute(&settings(), &email, &events);
        assert_eq!((totals.views_raw, totals.clicks_raw, totals.replies), (1, 0, 0));
        assert_eq!(totals.last_activity, Some(after(30 * MINUTE)));
        assert_eq!(verdicts.len(), 1);
        assert!(is_tracked(&email, &events[0]));
        assert!(!is_tracked(&email, &events[1]), "from the archive instant on, tracking is off");

        email.transition(Status::Delivered, after(3 * 60 * MINUTE), None).expect("unarchive");
        assert!(is_tracked(&email, &view(5, after(4 * 60 * MINUTE))), "unarchiving turns tracking back on");
    }

    #[test]
    fn an_archived_email_records_nothing_new() {
        let mut email = delivered_email(2);
        let recorded = [view(1, after(30 * MINUTE))];
        let mut totals = EmailEngagement::of(&settings(), &email, &recorded);
        email.transition(Status::Archived, after(60 * MINUTE), None).expect("delivered emails archive");
        let before = totals.clone();
        let late = click(2, "https://seller.com/0", after(61 * MINUTE));
        assert_eq!(totals.apply(&settings(), &email, &recorded, &late), Err(NotCounted::TrackingOff));
        assert_eq!(totals, before);

        let mut no_instant = delivered_email(2);
        no_instant.status = Status::Archived;
        let early = view(3, after(MINUTE));
        assert!(!is_tracked(&no_instant, &early), "archived with no instant: tracking is simply off");
        assert_eq!(EmailEngagement::of(&settings(), &no_instant, &[early]), EmailEngagement::default());
    }

    #[test]
    fn events_of_other_emails_and_repeats_are_not_counted() {
        let email = delivered_email(2);
        let mut other = view(1, after(MINUTE));
        other.email = EmailId::from_u128(99);
        let mine = view(2, after(30 * MINUTE));
        let mut totals = EmailEngagement::default();
        assert_eq!(totals.apply(&settings(), &email, &[], &other), Err(NotCounted::OtherEmail));
        assert!(totals.apply(&settings(), &email, &[], &mine).is_ok());
        let recorded = [mine.clone()];
        assert_eq!(totals.apply(&settings(), &email, &recorded, &mine), Err(NotCounted::AlreadyCounted));
        assert_eq!(totals.views_raw, 1);
        assert_eq!(EmailEngagement::of(&settings(), &email, &[other, mine.clone(), mine]).views_raw, 1);
        assert_eq!(
            NotCounted::TrackingOff.to_string(),
            "tracking is off: the email was archived before the event"
        );
    }

    #[test]
    fn a_burst_turns_earlier_clicks_into_machine_clicks() {
        let email = delivered_email(5);
        let s = settings();
        let clicks: Vec<EngagementEvent> = (0..3)
            .map(|i| click(i, &format!("https://seller.com/{i}"), after(60 * MINUTE + i as i64 * 300)))
            .collect();
        let mut totals = EmailEngagement::default();
        let mut recorded = Vec::new();
        let first = totals.apply(&s, &email, &recorded, &clicks[0]).expect("counted");
        assert_eq!(first, vec![(clicks[0].id, Verdict::new(Reason::ClickWithoutView))]);
        recorded.push(clicks[0].clone());
        let second = totals.apply(&s, &email, &recorded, &clicks[1]).expect("counted");
        assert_eq!(second, vec![(clicks[1].id, Verdict::new(Reason::ClickWithoutView))]);
        recorded.push(clicks[1].clone());
        assert_eq!((totals.clicks_raw, totals.clicks_human), (2, 2));
        assert_eq!(totals.first_activity, Some(clicks[0].at));

        let third = totals.apply(&s, &email, &recorded, &clicks[2]).expect("counted");
        let burst = Verdict::new(Reason::ClickBurst);
        assert_eq!(third, vec![(clicks[2].id, burst), (clicks[0].id, burst), (clicks[1].id, burst)]);
        recorded.push(clicks[2].clone());
        assert_eq!((totals.clicks_raw, totals.clicks_human), (3, 0));
        assert_eq!((totals.first_activity, totals.last_activity), (None, None), "no person did anything");
        assert_eq!(totals, EmailEngagement::of(&s, &email, &recorded));
    }

    #[test]
    fn a_late_view_changes_the_reason_of_a_click_but_not_the_counts() {
        let email = delivered_email(2);
        let s = settings();
        let c = click(1, "https://seller.com/0", after(20 * MINUTE));
        let mut totals = EmailEngagement::default();
        totals.apply(&s, &email, &[], &c).expect("counted");
        // The pixel's request arrives after the click's, but the view happened first.
        let v = view(2, after(19 * MINUTE));
        let changed = totals.apply(&s, &email, std::slice::from_ref(&c), &v).expect("counted");
        let human = Verdict::new(Reason::NoMachineSign);
        assert_eq!(changed, vec![(v.id, human), (c.id, human)]);
        assert_eq!((totals.views_human, totals.clicks_human), (1, 1));
        assert_eq!(totals.first_activity, Some(v.at));
    }

    #[test]
    fn a_person_clicking_ten_minutes_later_counts_as_a_person() {
        let email = delivered_email(3);
        let mut scanner = click(1, "https://seller.com/0", after(3_000));
        scanner.user_agent = Some(CHROME.into());
        let events =
            [scanner, view(2, after(9 * MINUTE)), click(3, "https://seller.com/1", after(10 * MINUTE))];
        let (totals, verdicts) = EmailEngagement::compute(&settings(), &email, &events);
        assert_eq!((totals.clicks_raw, totals.clicks_human), (2, 1));
        assert_eq!(verdicts[0].1.reason, Reason::SoonAfterDelivery);
        assert_eq!(verdicts[2], (EventId::from_u128(3), Verdict::new(Reason::NoMachineSign)));
        for (id, verdict) in &verdicts {
            let e = events.iter().find(|e| e.id == *id).expect("known event");
            let alone = classify(&settings(), &EmailContext::of(&email), &events, e);
            assert_eq!(alone, Some(*verdict), "classify agrees with compute");
        }
    }
}

#[cfg(test)]
mod properties {
    use super::tests::delivered_email;
    use super::*;
    use crate::classify::tests::{after, event};
    use crate::classify::{Applies, classify};
    use crate::ids::EmailId;
    use crate::status::Status;
    use proptest::prelude::*;

    fn settings() -> impl Strategy<Value = ClassifierSettings> {
        (
            prop::sample::select(vec![0u32, 5]),
            prop::sample::select(vec![0u32, 10]),
            prop::sample::select(vec![0u32, 2_000, 10_000]),
            prop::sample::select(vec![2u32, 3]),
        )
            .prop_map(|(views, clicks, burst, links)| {
                ClassifierSettings::default()
                    .with_soon_after_delivery(Applies::Views, views)
                    .with_soon_after_delivery(Applies::Clicks, clicks)
                    .with_click_burst(burst, links)
            })
    }

    fn email() -> impl Strategy<Value = Email> {
        (0usize..5, prop::option::of(prop::sample::select(vec![30_000i64, 90_000, 600_000]))).prop_map(
            |(links, archived)| {
                let mut email = delivered_email(links);
                if let Some(archived) = archived {
                    email.status = Status::Archived;
                    email.archived_at = Some(after(archived));
                }
                email
            },
        )
    }

    fn kind() -> impl Strategy<Value = EventKind> {
        prop_oneof![
            4 => Just(EventKind::Viewed),
            6 => (0u32..4).prop_map(|i| EventKind::Clicked { url: format!("https://seller.com/{i}") }),
            1 => Just(EventKind::Replied { text: None }),
            1 => Just(EventKind::AutoReplied),
            1 => Just(EventKind::Complained { feedback_type: "abuse".into() }),
        ]
    }

    fn one_event() -> impl Strategy<Value = EngagementEvent> {
        (
            0u128..40,
            prop::sample::select(vec![1u128, 1, 1, 1, 2]),
            prop::sample::select(vec!["ana@acme.com", "ana@acme.com", "bo@acme.com"]),
            prop_oneof![3 => -2_000i64..4_000, 3 => 0i64..120_000, 1 => 0i64..1_200_000],
            kind(),
            prop::sample::select(vec![
                None,
                Some("Mozilla/5.0"),
                Some("curl/8.5.0"),
                Some("Mozilla/5.0 (X11)"),
            ]),
            prop::sample::select(vec![None, Some("17.58.1.1"), Some("203.0.113.7")]),
        )
            .prop_map(|(id, email, recipient, millis, kind, user_agent, ip)| {
                let mut e = event(id, kind, after(millis));
                e.email = EmailId::from_u128(email);
                e.recipient = EmailAddress::parse(recipient).expect("valid address");
                e.user_agent = user_agent.map(str::to_string);
                e.ip = ip.map(str::to_string);
                e
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Counting events one at a time, in any arrival order, with repeats, strangers and events after
        /// archive among them, always gives the totals and verdicts of counting them all at once.
        #[test]
        fn applying_one_by_one_equals_recomputing(
            settings in settings(),
            email in email(),
            events in prop::collection::vec(one_event(), 0..32),
        ) {
            let mut totals = EmailEngagement::default();
            let mut verdicts = BTreeMap::new();
            let mut recorded = Vec::new();
            for e in &events {
                if let Ok(changed) = totals.apply(&settings, &email, &recorded, e) {
                    verdicts.extend(changed);
                    recorded.push(e.clone());
                }
                prop_assert_eq!(&totals, &EmailEngagement::of(&settings, &email, &recorded));
            }
            let (fresh, fresh_verdicts) = EmailEngagement::compute(&settings, &email, &events);
            prop_assert_eq!(&totals, &fresh);
            prop_assert_eq!(&verdicts, &fresh_verdicts.iter().copied().collect::<BTreeMap<_, _>>());

            let context = EmailContext::of(&email);
            for (id, verdict) in fresh_verdicts {
                let e = recorded.iter().find(|e| e.id == id).expect("a counted event");
                prop_assert_eq!(classify(&settings, &context, &recorded, e), Some(verdict));
            }
            prop_assert!(fresh.views_human <= fresh.views_raw && fresh.clicks_human <= fresh.clicks_raw);
            prop_assert_eq!(fresh.first_activity.is_some(), fresh.views_human + fresh.clicks_human + fresh.replies > 0);
        }
    }
}
