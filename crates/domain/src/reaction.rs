//! What the world does to an email once it is on its way: its turn to be handed to the relay, the relay's
//! answer, a stop in the middle of a hand-off, a bounce report, a complaint, a reply. Each is one function
//! here, used by whoever meets the signal (the endpoint's scheduler and inbound mail, the app's own copy), so
//! the same bounce is never applied two ways.
//!
//! A reaction changes the email through its state machine and answers with what else must happen: the
//! engagement events to record and the addresses to suppress. It does no IO: the caller stores the email,
//! records the events and writes the suppressions.

use crate::email::Email;
use crate::engagement::{Bounce, BounceReason, EventKind};
use crate::ids::Instant;
use crate::people::EmailAddress;
use crate::status::Status;

/// How long an email may be In progress before something is wrong: a hand-off takes moments, so one
/// still In progress after this is shown as stuck.
pub const STUCK_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Why an email left In progress when the endpoint started again: its hand-off to the relay had begun when
/// the endpoint stopped, so it may have been delivered, and it is never sent again by itself.
pub const INTERRUPTED: &str = "interrupted";

/// What a reaction asks for besides the email itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// The email changed: store it.
    pub changed: bool,
    /// Engagement events to record, in order, each about the address it concerns.
    pub events: Vec<(EmailAddress, EventKind)>,
    /// Addresses to put on the rep's suppression list, each with why ([`Bounce::suppression_reason`] for a
    /// hard bounce: its reason and status code).
    pub suppress: Vec<(EmailAddress, String)>,
}

/// What came of handing a message to the relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handoff {
    /// Accepted (250).
    Delivered,
    /// Refused for good (a 5xx at RCPT or after the content).
    Refused(Bounce),
    /// Cannot be delivered as it is, or the relay may have taken it without saying so: never tried again.
    Failed(String),
    /// The relay never took it (no connection, a 4xx before the content): it waits to be tried again.
    NotTaken(String),
    /// The endpoint stopped while the hand-off was under way (found In progress at the next start).
    Interrupted,
}

/// What a bounce report says of one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportedRecipient {
    pub address: EmailAddress,
    /// Failed for good (`Action: failed`), or only delayed.
    pub failed: bool,
    pub bounce: Bounce,
}

/// Why an email cannot be handed to the relay now.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotReady {
    #[error("the email is not due (it is {0:?}, or scheduled later)")]
    NotDue(Status),
}

impl Email {
    /// Its turn has come: a due email is marked In progress, as its hand-off to the relay begins; one whose
    /// recipient is on the suppression list (`suppressed`: why) goes to Failed instead, and is not sent.
    /// Answers whether it is to be handed over.
    pub fn begin_handoff(&mut self, now: Instant, suppressed: Option<&str>) -> Result<bool, NotReady> {
        if !self.is_due(now) {
            return Err(NotReady::NotDue(self.status));
        }
        self.transition(Status::InProgress, now, None).map_err(|_| NotReady::NotDue(self.status))?;
        match suppressed {
            Some(why) => {
                let reason = format!("the recipient is suppressed ({why})");
                self.transition(Status::Failed, now, Some(reason))
                    .map_err(|_| NotReady::NotDue(self.status))?;
                Ok(false)
            }
            None => Ok(true),
        }
    }

    /// What the relay's answer does: Delivered; Bounced with the event, and the refused addresses
    /// suppressed when the bounce is hard (with cc, only those the relay's words name); Failed; back to
    /// Scheduled when the relay never took it; Failed "interrupted" after a stop in the middle. Nothing when
    /// the email is no longer In progress (a faster signal, such as a bounce report, got there first).
    pub fn apply_handoff(&mut self, now: Instant, result: Handoff) -> Effects {
        let mut effects = Effects::default();
        let (to, reason) = match &result {
            Handoff::Delivered => (Status::Delivered, None),
            Handoff::Refused(bounce) => (Status::Bounced, Some(bounce.summary())),
            Handoff::Failed(reason) => (Status::Failed, Some(reason.clone())),
            Handoff::NotTaken(reason) => (Status::Scheduled, Some(reason.clone())),
            Handoff::Interrupted => (Status::Failed, Some(INTERRUPTED.to_string())),
        };
        if self.status != Status::InProgress || self.transition(to, now, reason).is_err() {
            return effects;
        }
        effects.changed = true;
        if let Handoff::Refused(bounce) = result {
            if bounce.is_hard() {
                let refused = self.refused_in(&bounce.diagnostic).into_iter().cloned();
                effects.suppress.extend(refused.map(|a| (a, bounce.suppression_reason())));
            }
            effects.events.push((self.recipient.clone(), EventKind::Bounced(bounce)));
        }
        effects
    }

    /// What a bounce report does. Only the addresses the email went to count: a report about anyone else
    /// changes nothing (see [`Email::is_about`]). A failure moves a Delivered (or In progress) email to
    /// Bounced and suppresses the address when it is hard; a delay is only an event. A report too mangled
    /// to name anyone (tied to the email by its return path alone) is a soft bounce of unknown reason.
    pub fn apply_bounce_report(
        &mut self,
        now: Instant,
        reported: &[ReportedRecipient],
        evidence: Option<&str>,
    ) -> Effects {
        let mut effects = Effects::default();
        if reported.is_empty() {
            let diagnostic = evidence.unwrap_or("an unreadable bounce report").to_string();
            let bounce = Bounce {
                status: String::new(),
                smtp_code: None,
                reason: BounceReason::Undefined,
                diagnostic: diagnostic.clone(),
            };
            effects.changed = self.bounce(now, diagnostic);
            effects.events.push((self.recipient.clone(), EventKind::Bounced(bounce)));
            return effects;
        }
        let about: Vec<&ReportedRecipient> = reported.iter().filter(|r| self.goes_to(&r.address)).collect();
        for recipient in about {
            let kind = if recipient.failed {
                effects.changed |= self.bounce(now, recipient.bounce.summary());
                if recipient.bounce.is_hard() {
                    effects.suppress.push((recipient.address.clone(), recipient.bounce.suppression_reason()));
                }
                EventKind::Bounced(recipient.bounce.clone())
            } else {
                EventKind::Delayed(recipient.bounce.clone())
            };
            effects.events.push((recipient.address.clone(), kind));
        }
        effects
    }

    /// Whether a bounce report naming `reported` is about this email: it names an address the email went
    /// to, or names none at all (a report too mangled to read, tied by its return path alone).
    pub fn is_about(&self, reported: &[ReportedRecipient]) -> bool {
        reported.is_empty() || reported.iter().any(|r| self.goes_to(&r.address))
    }

    /// What a complaint (a feedback report) does: a Delivered email moves to Spam, its recipient is
    /// suppressed, and the complaint is an event.
    pub fn apply_complaint(&mut self, now: Instant, feedback_type: &str) -> Effects {
        let mut effects = Effects::default();
        if self.status == Status::Delivered {
            let reason = format!("complaint ({feedback_type})");
            effects.changed = self.transition(Status::Spam, now, Some(reason)).is_ok();
        }
        effects.suppress.push((self.recipient.clone(), "complaint".to_string()));
        let kind = EventKind::Complained { feedback_type: feedback_type.to_string() };
        effects.events.push((self.recipient.clone(), kind));
        effects
    }

    /// What a reply does: a Replied event (an automatic one, RFC 3834 or a vacation notice, is recorded as
    /// such and never counts as a reply). The email itself does not change.
    pub fn apply_reply(&self, automatic: bool, text: Option<String>) -> Effects {
        let kind = if automatic { EventKind::AutoReplied } else { EventKind::Replied { text } };
        Effects { events: vec![(self.recipient.clone(), kind)], ..Effects::default() }
    }

    /// Whether the email has been In progress for longer than a hand-off takes ([`STUCK_AFTER`]).
    pub fn is_stuck(&self, now: Instant) -> bool {
        self.status == Status::InProgress && now - self.folder_instant() > STUCK_AFTER
    }

    /// Moves a Delivered or In progress email to Bounced; answers whether it moved.
    fn bounce(&mut self, now: Instant, reason: String) -> bool {
        matches!(self.status, Status::Delivered | Status::InProgress)
            && self.transition(Status::Bounced, now, Some(reason)).is_ok()
    }
}

impl Bounce {
    /// The code, the enhanced status and the server's words, as a Bounced email's reason says them (each
    /// once: a diagnostic that starts with its code is not given it twice).
    pub fn summary(&self) -> String {
        let diagnostic = self.diagnostic.trim();
        let mut summary = String::new();
        if let Some(code) = self.smtp_code.map(|c| c.to_string())
            && !diagnostic.starts_with(&code)
        {
            summary.push_str(&code);
            summary.push(' ');
        }
        if !self.status.is_empty() && !diagnostic.contains(&self.status) {
            summary.push_str(&self.status);
            summary.push(' ');
        }
        summary.push_str(diagnostic);
        summary.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::Schedule;
    use crate::email::tests::{at, draft};

    fn address(text: &str) -> EmailAddress {
        EmailAddress::parse(text).unwrap()
    }

    fn bounce(reason: BounceReason, diagnostic: &str) -> Bounce {
        Bounce { status: "5.1.1".into(), smtp_code: Some(550), reason, diagnostic: diagnostic.into() }
    }

    fn sent() -> Email {
        let mut email = draft(1);
        email.transition(Status::Scheduled, at(1), None).unwrap();
        email.schedule = Some(Schedule { at: at(1), time_zone: "UTC".into() });
        email.begin_handoff(at(2), None).unwrap();
        email
    }

    #[test]
    fn a_due_email_is_marked_as_its_hand_off_begins_and_a_suppressed_one_fails_instead() {
        let mut email = draft(1);
        assert_eq!(email.begin_handoff(at(1), None), Err(NotReady::NotDue(Status::Draft)));
        email.transition(Status::Scheduled, at(1), None).unwrap();
        email.schedule = Some(Schedule { at: at(10), time_zone: "UTC".into() });
        assert!(email.begin_handoff(at(9), None).is_err(), "not before its time");
        assert_eq!(email.begin_handoff(at(10), None), Ok(true));
        assert_eq!(email.status, Status::InProgress);

        let mut suppressed = draft(2);
        suppressed.transition(Status::Scheduled, at(1), None).unwrap();
        assert_eq!(suppressed.begin_handoff(at(1), Some("userunknown")), Ok(false));
        assert_eq!(suppressed.status, Status::Failed);
        assert_eq!(suppressed.status_reason.as_deref(), Some("the recipient is suppressed (userunknown)"));
    }

    #[test]
    fn the_relays_answer_files_the_email_and_a_hard_refusal_suppresses_the_refused_address() {
        let mut delivered = sent();
        let effects = delivered.apply_handoff(at(3), Handoff::Delivered);
        assert!(effects.changed && effects.events.is_empty() && effects.suppress.is_empty());
        assert_eq!(delivered.status, Status::Delivered);

        let mut refused = sent();
        let dead = bounce(BounceReason::UserUnknown, "550 5.1.1 <ana@acme.com>: user unknown");
        let effects = refused.apply_handoff(at(3), Handoff::Refused(dead.clone()));
        assert_eq!(refused.status, Status::Bounced);
        assert_eq!(refused.status_reason.as_deref(), Some("550 5.1.1 <ana@acme.com>: user unknown"));
        assert_eq!(effects.events, vec![(address("ana@acme.com"), EventKind::Bounced(dead))]);
        assert_eq!(effects.suppress, vec![(address("ana@acme.com"), "userunknown 5.1.1".to_string())]);

        let mut policy = sent();
        let effects =
            policy.apply_handoff(at(3), Handoff::Refused(bounce(BounceReason::PolicyViolation, "spam")));
        assert!(effects.suppress.is_empty(), "a soft refusal suppresses nothing");

        let mut retried = sent();
        let effects = retried.apply_handoff(at(3), Handoff::NotTaken("451 try later".into()));
        assert!(effects.changed);
        assert_eq!(
            (retried.status, retried.status_reason.as_deref()),
            (Status::Scheduled, Some("451 try later"))
        );

        let mut interrupted = sent();
        interrupted.apply_handoff(at(3), Handoff::Interrupted);
        assert_eq!(
            (interrupted.status, interrupted.status_reason.as_deref()),
            (Status::Failed, Some(INTERRUPTED))
        );

        // A bounce report got there first: the relay's late answer changes nothing.
        let mut bounced = sent();
        bounced.apply_bounce_report(at(3), &[reported("ana@acme.com", true)], None);
        assert_eq!(bounced.apply_handoff(at(4), Handoff::Delivered), Effects::default());
        assert_eq!(bounced.status, Status::Bounced);
    }

    fn reported(to: &str, failed: bool) -> ReportedRecipient {
        let reason = if failed { BounceReason::UserUnknown } else { BounceReason::Expired };
        ReportedRecipient { address: address(to), failed, bounce: bounce(reason, "no such user") }
    }

    #[test]
    fn a_bounce_report_counts_only_for_the_addresses_the_email_went_to() {
        let mut email = sent();
        email.apply_handoff(at(3), Handoff::Delivered);
        let other = [reported("victim@other.example", true)];
        assert!(!email.is_about(&other));
        let before = email.clone();
        assert_eq!(email.apply_bounce_report(at(4), &other, None), Effects::default());
        assert_eq!(email, before, "a report about someone else changes nothing");

        let mixed = [reported("victim@other.example", true), reported("ana@acme.com", true)];
        assert!(email.is_about(&mixed));
        let effects = email.apply_bounce_report(at(4), &mixed, None);
        assert_eq!(email.status, Status::Bounced);
        assert_eq!(effects.events.len(), 1, "no event for the address the email never went to");
        assert_eq!(effects.suppress, vec![(address("ana@acme.com"), "userunknown 5.1.1".to_string())]);
    }

    #[test]
    fn a_delay_is_only_an_event_and_a_mangled_report_is_a_soft_bounce_of_unknown_reason() {
        let mut email = sent();
        email.apply_handoff(at(3), Handoff::Delivered);
        let effects = email.apply_bounce_report(at(4), &[reported("ana@acme.com", false)], None);
        assert_eq!(email.status, Status::Delivered);
        assert!(matches!(effects.events[..], [(_, EventKind::Delayed(_))]));
        assert!(!effects.changed && effects.suppress.is_empty());

        let effects = email.apply_bounce_report(at(5), &[], Some("a report without its status part"));
        assert_eq!(email.status, Status::Bounced);
        assert_eq!(email.status_reason.as_deref(), Some("a report without its status part"));
        assert!(
            matches!(&effects.events[..], [(_, EventKind::Bounced(b))] if b.reason == BounceReason::Undefined)
        );
        assert!(effects.suppress.is_empty(), "an unknown reason is soft");
    }

    #[test]
    fn a_complaint_files_a_delivered_email_as_spam_and_suppresses_its_recipient() {
        let mut email = sent();
        email.apply_handoff(at(3), Handoff::Delivered);
        let effects = email.apply_complaint(at(4), "abuse");
        assert_eq!((email.status, email.status_reason.as_deref()), (Status::Spam, Some("complaint (abuse)")));
        assert_eq!(effects.suppress, vec![(address("ana@acme.com"), "complaint".to_string())]);
        assert!(matches!(&effects.events[..], [(_, EventKind::Complained { .. })]));
    }

    #[test]
    fn a_bounce_is_summed_up_with_its_code_and_status_each_once() {
        let mut b = bounce(BounceReason::UserUnknown, "<ana@acme.com>: user unknown");
        assert_eq!(b.summary(), "550 5.1.1 <ana@acme.com>: user unknown");
        b.diagnostic = "550 5.1.1 <ana@acme.com>: user unknown".into();
        assert_eq!(b.summary(), "550 5.1.1 <ana@acme.com>: user unknown");
        b.smtp_code = None;
        b.diagnostic = "User unknown".into();
        assert_eq!(b.summary(), "5.1.1 User unknown");
    }

    #[test]
    fn a_reply_is_an_event_and_an_automatic_one_is_not_a_reply() {
        let email = sent();
        assert_eq!(
            email.apply_reply(false, None).events,
            vec![(address("ana@acme.com"), EventKind::Replied { text: None })]
        );
        assert_eq!(
            email.apply_reply(true, None).events,
            vec![(address("ana@acme.com"), EventKind::AutoReplied)]
        );
        assert!(!email.apply_reply(false, None).changed);
    }

    #[test]
    fn an_email_in_progress_for_more_than_five_minutes_is_stuck() {
        let email = sent();
        assert!(!email.is_stuck(at(7)), "five minutes after its hand-off began");
        assert!(email.is_stuck(at(8)));
        let mut delivered = email.clone();
        delivered.apply_handoff(at(3), Handoff::Delivered);
        assert!(!delivered.is_stuck(at(30)));
    }
}
