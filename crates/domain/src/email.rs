//! One email: its fields, its lifecycle through the state machine, the quick actions it offers and the
//! deletion rule.
//!
//! Owns what may happen to an email. It does not send, store or display it.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::folder::Folder;
use crate::ids::{BatchId, CampaignId, EmailId, Instant, PersonId, TemplateId, UserId};
use crate::people::EmailAddress;
use crate::status::{EmailKind, Status, TransitionError, check_transition};

/// When a scheduled email goes out, and the IANA time zone the rep chose the time in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Schedule {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Instant,
    pub time_zone: String,
}

/// A time the rep chose to send at that has already passed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the time to send at has passed")]
pub struct ScheduleInThePast;

impl Schedule {
    /// A schedule the rep sets at `now`: its time must be in the future (Send now is for now).
    pub fn future(at: Instant, time_zone: String, now: Instant) -> Result<Schedule, ScheduleInThePast> {
        if at <= now { Err(ScheduleInThePast) } else { Ok(Schedule { at, time_zone }) }
    }
}

/// One email to one recipient. Bulk and group sends are one email per recipient, tied by `batch`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Email {
    pub id: EmailId,
    pub owner: UserId,
    pub sender: EmailAddress,
    pub recipient: EmailAddress,
    #[serde(default)]
    pub person: Option<PersonId>,
    #[serde(default)]
    pub cc: Vec<EmailAddress>,
    pub subject: String,
    #[serde(default)]
    pub html_body: String,
    #[serde(default)]
    pub text_body: String,
    #[serde(default)]
    pub campaign: Option<CampaignId>,
    #[serde(default)]
    pub template: Option<TemplateId>,
    #[serde(default)]
    pub batch: Option<BatchId>,
    pub kind: EmailKind,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Instant,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Instant,
    #[serde(default)]
    pub schedule: Option<Schedule>,
    /// Private: a status changes only through [`Email::transition`] (and the reactions built on it).
    pub(crate) status: Status,
    /// Why the email is where it is, when that needs saying (a bounce's diagnostic, a failure's cause).
    #[serde(default)]
    pub status_reason: Option<String>,
    /// The rep marked this email as a success.
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub sent_at: Option<Instant>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub delivered_at: Option<Instant>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub failed_at: Option<Instant>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub archived_at: Option<Instant>,
}

/// The largest body (HTML or text) an email may have, in bytes.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// The longest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 998;
/// The most cc addresses on one email.
pub const MAX_CC: usize = 50;

/// Why an email's content cannot be accepted.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EmailError {
    #[error("the subject contains a line break or control character")]
    SubjectControlCharacter,
    #[error("the subject is longer than {MAX_SUBJECT_CHARS} characters")]
    SubjectTooLong,
    #[error("the {0} body is larger than 2 MB")]
    BodyTooLarge(&'static str),
    #[error("an email can have at most {MAX_CC} cc addresses")]
    TooManyCc,
    #[error("a scheduled email needs a time to go out")]
    ScheduledWithoutTime,
    #[error("\"{0}\" is not a known time zone")]
    UnknownTimeZone(String),
}

/// A status change that happened: what the folder counts need to follow it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transition {
    pub from: Status,
    pub to: Status,
}

impl Email {
    /// A new email of `kind` from `sender` to `recipient`, created at `now`, with no content yet. A single
    /// email starts as a draft; a bulk or group email (never a draft) starts scheduled for `now` in UTC
    /// until the caller sets its schedule.
    pub fn new(
        id: EmailId,
        sender: EmailAddress,
        recipient: EmailAddress,
        kind: EmailKind,
        now: Instant,
    ) -> Email {
        let (status, schedule) = match kind {
            EmailKind::Single => (Status::Draft, None),
            EmailKind::Bulk | EmailKind::Group => {
                (Status::Scheduled, Some(Schedule { at: now, time_zone: "UTC".into() }))
            }
        };
        Email {
            id,
            owner: UserId(0),
            sender,
            recipient,
            person: None,
            cc: Vec::new(),
            subject: String::new(),
            html_body: String::new(),
            text_body: String::new(),
            campaign: None,
            template: None,
            batch: None,
            kind,
            created_at: now,
            updated_at: now,
            schedule,
            status,
            status_reason: None,
            success: false,
            sent_at: None,
            delivered_at: None,
            failed_at: None,
            archived_at: None,
        }
    }

    /// Where the email is in its life.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The folder the email is filed in.
    pub fn folder(&self) -> Folder {
        Folder::of(self.status)
    }

    /// Moves the email to `to` at `at`, if the state machine allows it, and records the instant that
    /// matters for the new folder. `reason` is kept for Failed, Bounced and Spam, cleared otherwise.
    pub fn transition(
        &mut self,
        to: Status,
        at: Instant,
        reason: Option<String>,
    ) -> Result<Transition, TransitionError> {
        check_transition(self.kind, self.status, to)?;
        let from = self.status;
        self.status = to;
        self.updated_at = at;
        match to {
            Status::InProgress => self.sent_at = Some(at),
            Status::Delivered if from == Status::InProgress => self.delivered_at = Some(at),
            Status::Delivered => self.archived_at = None,
            Status::Archived => self.archived_at = Some(at),
            Status::Failed | Status::Bounced | Status::Spam => self.failed_at = Some(at),
            Status::Draft => self.schedule = None,
            // Released before the relay took it: not sent after all.
            Status::Scheduled if from == Status::InProgress => self.sent_at = None,
            Status::Scheduled => {}
        }
        self.status_reason = match to {
            Status::Failed | Status::Bounced | Status::Spam => reason,
            // Why a release waits: what the relay said, and that it will be tried again.
            Status::Scheduled if from == Status::InProgress => reason,
            _ => None,
        };
        Ok(Transition { from, to })
    }

    /// Walks the email to `to` through the state machine, every step at `at`, by the shortest walk it
    /// allows (an import of mail already sent, a test's or a benchmark's email in a given folder). Fails,
    /// changing nothing, when `to` cannot be reached.
    pub fn walk_to(&mut self, to: Status, at: Instant) -> Result<(), TransitionError> {
        let walk = crate::status::path(self.kind, self.status, to)
            .ok_or(TransitionError::NotAllowed { from: self.status, to })?;
        for step in walk {
            self.transition(step, at, None)?;
        }
        Ok(())
    }

    /// Checks the content the rep wrote: no line breaks in the subject (a header injection attempt), sizes
    /// within limits, a schedule with a real time zone. Addresses were checked when they were parsed.
    pub fn validate(&self) -> Result<(), EmailError> {
        if self.subject.chars().any(char::is_control) {
            return Err(EmailError::SubjectControlCharacter);
        }
        if self.subject.chars().count() > MAX_SUBJECT_CHARS {
            return Err(EmailError::SubjectTooLong);
        }
        if self.html_body.len() > MAX_BODY_BYTES {
            return Err(EmailError::BodyTooLarge("HTML"));
        }
        if self.text_body.len() > MAX_BODY_BYTES {
            return Err(EmailError::BodyTooLarge("text"));
        }
        if self.cc.len() > MAX_CC {
            return Err(EmailError::TooManyCc);
        }
        if let Some(schedule) = &self.schedule {
            if schedule.time_zone.parse::<chrono_tz::Tz>().is_err() {
                return Err(EmailError::UnknownTimeZone(schedule.time_zone.clone()));
            }
        } else if self.status == Status::Scheduled {
            return Err(EmailError::ScheduledWithoutTime);
        }
        Ok(())
    }

    /// Whether tracking was on at `at`: archiving turns it off from the archive instant on, so an open or a
    /// click at or after it is not recorded (and an Archived email with no recorded instant records
    /// nothing); unarchiving clears the instant and turns tracking back on.
    pub fn tracking_on_at(&self, at: Instant) -> bool {
        match self.archived_at {
            Some(archived) => at < archived,
            None => self.status != Status::Archived,
        }
    }

    /// The domain the email's Message-ID and return path are on: the endpoint's bounce domain when it has
    /// one, else the sender's.
    pub fn mail_domain<'a>(&'a self, bounce_domain: Option<&'a str>) -> &'a str {
        bounce_domain.unwrap_or(self.sender.domain())
    }

    /// The Message-ID the email goes out with (without angle brackets): its id at its mail domain, so a
    /// reply or a report that names it finds the email.
    pub fn message_id(&self, bounce_domain: Option<&str>) -> String {
        format!("{}@{}", self.id, self.mail_domain(bounce_domain))
    }

    /// Whether `address` is one the email goes to (its recipient or a cc).
    pub fn goes_to(&self, address: &EmailAddress) -> bool {
        self.recipient == *address || self.cc.contains(address)
    }

    /// The addresses a relay's refusal of the whole message is about. One refused address refuses the
    /// message, so with cc the relay's words must name the address; alone, the recipient is the one.
    pub fn refused_in(&self, diagnostic: &str) -> Vec<&EmailAddress> {
        if self.cc.is_empty() {
            return vec![&self.recipient];
        }
        let words = diagnostic.to_lowercase();
        std::iter::once(&self.recipient).chain(&self.cc).filter(|a| words.contains(a.as_str())).collect()
    }

    /// Whether the email is due at `now`: Scheduled for a moment that has come (a Send now, or a time that
    /// passed while it could not reach the endpoint; one with no time goes out at once). It waits only for
    /// its turn to be handed to the relay: it is being sent, not scheduled.
    pub fn is_due(&self, now: Instant) -> bool {
        self.status == Status::Scheduled && self.schedule.as_ref().is_none_or(|s| s.at <= now)
    }

    /// Whether the rep may still change the email's content (only before it starts to leave).
    pub fn is_editable(&self) -> bool {
        matches!(self.status, Status::Draft | Status::Scheduled)
    }

    /// The instant the email's folder lists it by: scheduled for, delivered at, failed at, …
    pub fn folder_instant(&self) -> Instant {
        match self.status {
            Status::Scheduled => self.schedule.as_ref().map(|s| s.at).unwrap_or(self.updated_at),
            Status::Delivered => self.delivered_at.unwrap_or(self.updated_at),
            Status::Archived => self.archived_at.unwrap_or(self.updated_at),
            Status::InProgress => self.sent_at.unwrap_or(self.updated_at),
            Status::Failed | Status::Bounced | Status::Spam => self.failed_at.unwrap_or(self.updated_at),
            Status::Draft => self.updated_at,
        }
    }

    /// Checks that the rep may delete this email.
    pub fn check_delete(&self) -> Result<(), DeleteError> {
        if self.campaign.is_some() {
            return Err(DeleteError::InCampaign);
        }
        match self.status {
            Status::Archived
            | Status::Draft
            | Status::Scheduled
            | Status::Failed
            | Status::Bounced
            | Status::Spam => Ok(()),
            status => Err(DeleteError::NotInThisStatus(status)),
        }
    }

    /// The quick actions the email's row offers at `now`, in display order. A due email is already on its
    /// way: it is not sent now again, and a single one can be stopped (back to draft) until it leaves.
    pub fn quick_actions(&self, now: Instant) -> Vec<QuickAction> {
        use QuickAction::*;
        let single = self.kind == EmailKind::Single;
        let mut actions = match self.status {
            Status::Delivered => vec![Archive, MarkSuccess],
            Status::Archived => vec![Unarchive, Delete],
            Status::Draft => vec![Edit, Delete],
            Status::Scheduled if self.is_due(now) && single => vec![Edit, StopSending, Delete],
            Status::Scheduled if self.is_due(now) => vec![Edit, Delete],
            Status::Scheduled if single => vec![Edit, SendNow, Unschedule, Delete],
            Status::Scheduled => vec![Edit, SendNow, Delete],
            Status::InProgress => vec![],
            Status::Failed | Status::Bounced | Status::Spam => vec![Retry, Delete],
        };
        if self.check_delete().is_err() {
            actions.retain(|a| *a != Delete);
        }
        if self.success {
            actions.retain(|a| *a != MarkSuccess);
        }
        actions.extend([FollowUp, CreateTask]);
        actions
    }
}

/// What the rep can do to an email from its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuickAction {
    Archive,
    MarkSuccess,
    Unarchive,
    Edit,
    Delete,
    SendNow,
    Unschedule,
    /// Stop a due email before it leaves: back to draft, like Unschedule (single emails only).
    StopSending,
    Retry,
    /// Send a follow-up email quoting this one.
    FollowUp,
    /// Create a task linked to this email and its person.
    CreateTask,
}

/// Why an email cannot be deleted.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DeleteError {
    #[error("emails that belong to a campaign cannot be deleted")]
    InCampaign,
    #[error("an email in {0:?} cannot be deleted; archive it instead")]
    NotInThisStatus(Status),
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn at(minute: u32) -> Instant {
        chrono::Utc.with_ymd_and_hms(2026, 11, 23, 9, minute, 0).single().expect("valid instant")
    }

    pub(crate) fn draft(n: u128) -> Email {
        let sender = EmailAddress::parse("rep@seller.com").unwrap();
        let recipient = EmailAddress::parse("ana@acme.com").unwrap();
        let mut email = Email::new(EmailId::from_u128(n), sender, recipient, EmailKind::Single, at(0));
        email.owner = UserId(1);
        email.subject = "Pricing".into();
        email.html_body = "<p>Hi</p>".into();
        email.text_body = "Hi".into();
        email
    }

    #[test]
    fn a_refusal_is_about_the_recipient_alone_or_the_address_the_relay_names() {
        let mut email = draft(1);
        assert_eq!(email.refused_in("550 user unknown"), vec![&email.recipient]);
        let cc = EmailAddress::parse("dead@acme.example.com").unwrap();
        email.cc = vec![cc.clone()];
        assert!(email.goes_to(&cc) && email.goes_to(&email.recipient.clone()));
        assert_eq!(email.refused_in("550 5.1.1 <DEAD@acme.example.com>: user unknown"), vec![&cc]);
        assert!(email.refused_in("550 user unknown").is_empty(), "no address named: none suppressed");
        assert!(!email.goes_to(&EmailAddress::parse("other@client.example.com").unwrap()));
    }

    #[test]
    fn a_schedule_the_rep_sets_is_in_the_future_and_records_need_names() {
        assert_eq!(Schedule::future(at(5), "UTC".into(), at(5)), Err(ScheduleInThePast));
        assert!(Schedule::future(at(6), "Europe/Rome".into(), at(5)).is_ok());
        let campaign = crate::people::Campaign { id: CampaignId::from_u128(1), name: "  ".into() };
        assert_eq!(campaign.validate().unwrap_err().to_string(), "a campaign needs a name");
        assert_eq!(crate::people::record_name("campaign", " Q4 launch "), Ok("Q4 launch".to_string()));
    }

    #[test]
    fn a_bulk_email_starts_scheduled_never_as_a_draft() {
        let sender = EmailAddress::parse("rep@seller.com").unwrap();
        let recipient = EmailAddress::parse("ana@acme.com").unwrap();
        let bulk = Email::new(EmailId::from_u128(9), sender, recipient, EmailKind::Bulk, at(1));
        assert_eq!(bulk.status, Status::Scheduled);
        assert_eq!(bulk.schedule.as_ref().map(|s| s.at), Some(at(1)));
        assert!(bulk.validate().is_ok());
    }

    #[test]
    fn an_email_goes_out_and_its_instants_are_recorded() {
        let mut e = draft(1);
        e.transition(Status::Scheduled, at(1), None).unwrap();
        e.transition(Status::InProgress, at(2), None).unwrap();
        let t = e.transition(Status::Delivered, at(3), None).unwrap();
        assert_eq!(t, Transition { from: Status::InProgress, to: Status::Delivered });
        assert_eq!((e.sent_at, e.delivered_at), (Some(at(2)), Some(at(3))));
        assert_eq!(e.folder(), Folder::Delivered);
        assert_eq!(e.folder_instant(), at(3));
    }

    #[test]
    fn a_bounce_keeps_the_servers_reason() {
        let mut e = draft(1);
        e.status = Status::InProgress;
        e.transition(Status::Bounced, at(5), Some("550 5.1.1 no such user".into())).unwrap();
        assert_eq!(e.status_reason.as_deref(), Some("550 5.1.1 no such user"));
        assert_eq!(e.failed_at, Some(at(5)));
        e.transition(Status::Scheduled, at(6), Some("ignored".into())).unwrap();
        assert_eq!(e.status_reason, None, "a retry clears the old reason");
    }

    #[test]
    fn a_release_before_the_relay_took_it_waits_again_with_the_reason_and_no_sent_time() {
        let mut e = draft(1);
        e.transition(Status::Scheduled, at(1), None).unwrap();
        assert!(e.is_due(at(1)), "no time set: due at once");
        e.transition(Status::InProgress, at(2), None).unwrap();
        assert!(!e.is_due(at(2)), "only a Scheduled email is due");
        e.transition(Status::Scheduled, at(3), Some("451 try later".into())).unwrap();
        assert_eq!((e.sent_at, e.status_reason.as_deref()), (None, Some("451 try later")));
        assert!(e.is_due(at(3)));
        e.schedule = Some(Schedule { at: at(30), time_zone: "UTC".into() });
        assert!(!e.is_due(at(29)) && e.is_due(at(30)));
    }

    #[test]
    fn a_refused_transition_changes_nothing() {
        let mut e = draft(1);
        let before = e.clone();
        assert!(e.transition(Status::Delivered, at(9), None).is_err());
        assert_eq!(e, before);
    }

    #[test]
    fn campaign_emails_cannot_be_deleted() {
        let mut e = draft(1);
        assert_eq!(e.check_delete(), Ok(()));
        e.campaign = Some(CampaignId::from_u128(7));
        assert_eq!(e.check_delete(), Err(DeleteError::InCampaign));
        assert!(!e.quick_actions(at(0)).contains(&QuickAction::Delete));
    }

    #[test]
    fn quick_actions_follow_the_status() {
        use QuickAction::*;
        let now = at(0);
        let mut e = draft(1);
        assert_eq!(e.quick_actions(now), vec![Edit, Delete, FollowUp, CreateTask]);
        e.status = Status::Scheduled;
        e.schedule = Some(Schedule { at: at(30), time_zone: "UTC".into() });
        assert_eq!(e.quick_actions(now), vec![Edit, SendNow, Unschedule, Delete, FollowUp, CreateTask]);
        e.kind = EmailKind::Bulk;
        assert!(!e.quick_actions(now).contains(&Unschedule), "bulk emails never go back to draft");
        e.status = Status::Delivered;
        assert_eq!(e.quick_actions(now), vec![Archive, MarkSuccess, FollowUp, CreateTask]);
        e.status = Status::Archived;
        assert_eq!(e.quick_actions(now), vec![Unarchive, Delete, FollowUp, CreateTask]);
        e.status = Status::Bounced;
        assert_eq!(e.quick_actions(now), vec![Retry, Delete, FollowUp, CreateTask]);
        e.status = Status::InProgress;
        assert_eq!(e.quick_actions(now), vec![FollowUp, CreateTask]);
    }

    #[test]
    fn a_due_email_is_being_sent_not_scheduled_and_offers_no_second_send_now() {
        use QuickAction::*;
        let e = draft(1);
        let sent_now = apply_send_now(&e, at(5));
        assert!(!e.is_due(at(5)), "a draft is not due");
        assert!(sent_now.is_due(at(5)) && sent_now.is_due(at(30)));
        assert_eq!(sent_now.quick_actions(at(6)), vec![Edit, StopSending, Delete, FollowUp, CreateTask]);
        // Scheduled for later: scheduled until its time comes.
        let mut later = e.clone();
        later.status = Status::Scheduled;
        later.schedule = Some(Schedule { at: at(30), time_zone: "Europe/Rome".into() });
        assert!(!later.is_due(at(29)) && later.is_due(at(30)));
        assert!(later.quick_actions(at(29)).contains(&SendNow));
        assert!(!later.quick_actions(at(31)).contains(&SendNow));
        // A bulk email never goes back to draft, due or not.
        later.kind = EmailKind::Bulk;
        assert_eq!(later.quick_actions(at(31)), vec![Edit, Delete, FollowUp, CreateTask]);
        // Once it leaves, it is no longer due.
        let mut gone = sent_now;
        gone.transition(Status::InProgress, at(7), None).unwrap();
        assert!(!gone.is_due(at(8)));
    }

    /// The email as a Send now at `now` leaves it (the rule of `sync::apply_to_email`).
    fn apply_send_now(email: &Email, now: Instant) -> Email {
        let op = crate::sync::Operation::SendNow { email: email.id };
        match crate::sync::apply_to_email(email, &op, now).unwrap() {
            crate::sync::EmailEffect::Updated(e) => *e,
            crate::sync::EmailEffect::Deleted => panic!("not deleted"),
        }
    }

    #[test]
    fn content_is_validated_with_clear_reasons() {
        let mut e = draft(1);
        assert_eq!(e.validate(), Ok(()));
        e.subject = "Hi\r\nBcc: everyone@x.com".into();
        assert_eq!(e.validate(), Err(EmailError::SubjectControlCharacter));
        e.subject = "Hi".into();
        e.html_body = "x".repeat(MAX_BODY_BYTES + 1);
        assert_eq!(e.validate(), Err(EmailError::BodyTooLarge("HTML")));
        e.html_body.clear();
        e.status = Status::Scheduled;
        assert_eq!(e.validate(), Err(EmailError::ScheduledWithoutTime));
        e.schedule = Some(Schedule { at: at(5), time_zone: "Mars/Olympus".into() });
        assert!(e.validate().unwrap_err().to_string().contains("Mars/Olympus"));
        e.schedule = Some(Schedule { at: at(5), time_zone: "America/Sao_Paulo".into() });
        assert_eq!(e.validate(), Ok(()));
    }

    #[test]
    fn archiving_turns_tracking_off_and_unarchiving_back_on() {
        let mut e = draft(1);
        e.status = Status::Delivered;
        e.transition(Status::Archived, at(10), None).unwrap();
        assert!(e.tracking_on_at(at(9)), "what happened before the archiving still counts");
        assert!(!e.tracking_on_at(at(10)) && !e.tracking_on_at(at(12)));
        e.transition(Status::Delivered, at(11), None).unwrap();
        assert!(e.tracking_on_at(at(12)));
        assert_eq!(e.archived_at, None);
    }
}
