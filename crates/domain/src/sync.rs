//! The sync protocol: the messages the app and the endpoint exchange, and the rules that settle conflicts.
//!
//! Owns the wire types (serde, versioned) and the conflict rules both sides apply. It does not send
//! anything: the app's `sync` module and the endpoint's handlers move these messages.
//!
//! Conflict rules, in short:
//! - the endpoint is the source of truth for what happened to mail: status, the instants of sending and
//!   delivery, and the server's reasons always come from the endpoint;
//! - the rep owns the content of an email while it is a draft or scheduled; an edit to an email that has
//!   already started to leave (In progress or later) is refused with a reason the UI can show;
//! - a mutation is applied at most once: replaying it with the same idempotency key returns the first
//!   outcome, and reusing a key for a different mutation is refused.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::aggregate::EmailEngagement;
use crate::email::{Email, Schedule};
use crate::engagement::EngagementEvent;
use crate::ids::{CampaignId, EmailId, IdempotencyKey, Instant, PersonId, SavedSearchId, TaskId};
use crate::people::{Campaign, Person};
use crate::search::SavedSearch;
use crate::status::Status;
use crate::task::Task;
use crate::wire::{IdOr, WireError, required};

/// The protocol version this build speaks. A peer with another major version gets
/// [`ErrorCode::UnsupportedVersion`].
pub const PROTOCOL_VERSION: u16 = 1;

/// One change the rep made, queued in the app's outbox and pushed to the endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mutation {
    /// Makes the mutation happen at most once, however often it is pushed.
    pub key: IdempotencyKey,
    /// When the rep made the change (the client's clock; informative only).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub made_at: Instant,
    pub op: Operation,
}

/// What a mutation does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "op", rename_all = "snake_case", try_from = "OperationFields")]
pub enum Operation {
    /// Create or update an email by its client-generated id (content of a draft or scheduled email).
    PutEmail {
        email: Box<Email>,
    },
    SendNow {
        email: EmailId,
    },
    Schedule {
        email: EmailId,
        schedule: Schedule,
    },
    /// Back to draft (single emails only).
    Unschedule {
        email: EmailId,
    },
    Archive {
        email: EmailId,
    },
    Unarchive {
        email: EmailId,
    },
    Retry {
        email: EmailId,
    },
    MarkSuccess {
        email: EmailId,
    },
    DeleteEmail {
        email: EmailId,
    },
    PutPerson {
        person: Box<Person>,
    },
    DeletePerson {
        person: PersonId,
    },
    PutCampaign {
        campaign: Campaign,
    },
    PutTask {
        task: Box<Task>,
    },
    DeleteTask {
        task: TaskId,
    },
    PutSavedSearch {
        search: Box<SavedSearch>,
    },
    DeleteSavedSearch {
        search: SavedSearchId,
    },
}

impl Operation {
    /// The status an email operation asks for, when it asks for one.
    pub fn target_status(&self) -> Option<Status> {
        match self {
            Operation::SendNow { .. } | Operation::Schedule { .. } | Operation::Retry { .. } => {
                Some(Status::Scheduled)
            }
            Operation::Unschedule { .. } => Some(Status::Draft),
            Operation::Archive { .. } => Some(Status::Archived),
            Operation::Unarchive { .. } => Some(Status::Delivered),
            _ => None,
        }
    }
}

/// A record the rep changed: how changes waiting to be pushed are counted and listed. However many
/// operations a change took (an email written and sent is a put and a send; a task edited twice, two
/// puts), it is one change to one record for the rep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Changed {
    Email(EmailId),
    Person(PersonId),
    Campaign(CampaignId),
    Task(TaskId),
    SavedSearch(SavedSearchId),
}

impl Operation {
    /// The record the operation changes.
    pub fn changed(&self) -> Changed {
        match self {
            Operation::PutEmail { email } => Changed::Email(email.id),
            Operation::SendNow { email }
            | Operation::Schedule { email, .. }
            | Operation::Unschedule { email }
            | Operation::Archive { email }
            | Operation::Unarchive { email }
            | Operation::Retry { email }
            | Operation::MarkSuccess { email }
            | Operation::DeleteEmail { email } => Changed::Email(*email),
            Operation::PutPerson { person } => Changed::Person(person.id),
            Operation::DeletePerson { person } => Changed::Person(*person),
            Operation::PutCampaign { campaign } => Changed::Campaign(campaign.id),
            Operation::PutTask { task } => Changed::Task(task.id),
            Operation::DeleteTask { task } => Changed::Task(*task),
            Operation::PutSavedSearch { search } => Changed::SavedSearch(search.id),
            Operation::DeleteSavedSearch { search } => Changed::SavedSearch(*search),
        }
    }

    /// The operation that tells the endpoint a record the rep saved or deleted is now `record`: its put, or
    /// its delete. `None` for what only the endpoint writes (events, engagement totals), for a campaign
    /// deleted (campaigns are kept) and for a deletion whose id cannot be read.
    pub fn saving(record: &Record) -> Option<Operation> {
        Some(match record {
            Record::Email { email } => Operation::PutEmail { email: email.clone() },
            Record::Person { person } => Operation::PutPerson { person: person.clone() },
            Record::Campaign { campaign } => Operation::PutCampaign { campaign: campaign.clone() },
            Record::Task { task } => Operation::PutTask { task: task.clone() },
            Record::SavedSearch { search } => Operation::PutSavedSearch { search: search.clone() },
            Record::Deleted { kind, id } => match kind {
                RecordKind::Email => Operation::DeleteEmail { email: id.parse().ok()? },
                RecordKind::Person => Operation::DeletePerson { person: id.parse().ok()? },
                RecordKind::Task => Operation::DeleteTask { task: id.parse().ok()? },
                RecordKind::SavedSearch => Operation::DeleteSavedSearch { search: id.parse().ok()? },
                RecordKind::Campaign | RecordKind::Event | RecordKind::Engagement => return None,
            },
            Record::Event { .. } | Record::Engagement { .. } => return None,
        })
    }
}

/// The records `operations` change, each once, in the order each was first changed. (An outbox holds
/// hundreds of entries at most: a look through the list so far costs less code than a hash set.)
pub fn changed_records<'a>(operations: impl IntoIterator<Item = &'a Operation>) -> Vec<Changed> {
    let mut changed = Vec::new();
    for c in operations.into_iter().map(Operation::changed) {
        if !changed.contains(&c) {
            changed.push(c);
        }
    }
    changed
}

/// A batch of mutations, in the order the rep made them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub version: u16,
    pub mutations: Vec<Mutation>,
}

/// The outcome of each mutation of a push, in the same order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub version: u16,
    pub outcomes: Vec<MutationOutcome>,
}

/// What became of one mutation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case", try_from = "OutcomeFields")]
pub enum MutationOutcome {
    /// Applied now; its effects are in the change feed at `seq`.
    Applied { key: IdempotencyKey, seq: u64 },
    /// Applied before (a replay of the same key): nothing happened again.
    AlreadyApplied { key: IdempotencyKey, seq: u64 },
    /// Refused, with a reason the UI can show. Retrying the same mutation will not help.
    Rejected { key: IdempotencyKey, error: ErrorBody },
}

impl MutationOutcome {
    pub fn key(&self) -> IdempotencyKey {
        match self {
            MutationOutcome::Applied { key, .. }
            | MutationOutcome::AlreadyApplied { key, .. }
            | MutationOutcome::Rejected { key, .. } => *key,
        }
    }
}

/// Who a token belongs to (`GET /me`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    /// The user's number.
    pub user: i64,
    /// The user's address (the sender of their emails).
    pub email: String,
    /// The sync protocol version the endpoint speaks.
    pub protocol: u16,
}

/// An address the rep no longer sends to (`GET /suppressions`): why, since when, and from which email.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suppression {
    pub address: String,
    /// `unsubscribed`, a complaint's feedback type, or a hard bounce's reason with its status code.
    pub reason: String,
    /// The email it came from, when it came from one.
    pub email: Option<EmailId>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub since: Instant,
}

impl Suppression {
    /// The suppression of the first of `addresses` on `list`, if any: the one address that makes an email
    /// refused before it is queued. Addresses compare without regard to case.
    pub fn refusing<'a, 'b>(
        list: &'a [Suppression],
        addresses: impl IntoIterator<Item = &'b crate::EmailAddress>,
    ) -> Option<&'a Suppression> {
        addresses
            .into_iter()
            .find_map(|address| list.iter().find(|s| s.address.eq_ignore_ascii_case(address.as_str())))
    }

    /// The hard bounce's reason when the suppression is one (`userunknown` of `userunknown 5.1.1`); `None`
    /// for a complaint or an unsubscribe.
    pub fn bounce_reason(&self) -> Option<crate::engagement::BounceReason> {
        crate::engagement::BounceReason::from_name(self.reason.split_whitespace().next().unwrap_or_default())
    }

    /// The hard bounce's status code (`5.1.1` of `userunknown 5.1.1`), when it has one.
    pub fn status(&self) -> Option<&str> {
        self.bounce_reason().and(self.reason.split_whitespace().nth(1))
    }
}

/// A rep's linked mailbox as the endpoint reports it (`GET /mailbox`). The password is never returned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailboxLink {
    /// Where the mailbox is, without its password: `imaps://USER@HOST:PORT`.
    pub address: String,
    /// The folder read (INBOX unless the rep chose another).
    pub folder: String,
    /// `connecting`, `reading`, `watching` (the server tells of new mail), `polling` (checked every few
    /// minutes), `wrong_password` (not retried until the password changes or a while passes) or `failing`
    /// (retried with a growing wait).
    pub state: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub checked_at: Option<Instant>,
    /// Messages read since the mailbox was linked.
    pub messages_read: i64,
    /// Of those, the replies, bounce reports and complaints about the rep's emails.
    pub messages_found: i64,
    /// The last error, in words, even once the link works again.
    pub last_error: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub error_at: Option<Instant>,
}

/// Links a mailbox or changes the link (`PUT /mailbox`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LinkMailbox {
    /// `imaps://USER@HOST[:PORT]` (`imap://` only for a server on the endpoint's own machine).
    #[cfg_attr(feature = "openapi", schema(max_length = 512))]
    pub address: String,
    /// The mailbox's password (an app password for Gmail or Microsoft 365). Leave it out to keep the
    /// stored one when only the folder changes.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub password: Option<String>,
    /// The folder to read; INBOX when left out.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub folder: Option<String>,
}

/// A position in a user's change feed: everything up to and including this sequence number has been seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Cursor(pub u64);

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Cursor {
    /// The largest change number a feed can reach (the databases keep them as signed 64-bit integers).
    pub const MAX: Cursor = Cursor(i64::MAX as u64);
}

/// A cursor text that is not a cursor.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error(
    "\"{0}\" is not a change-feed cursor (expected a whole number from 0 to 9223372036854775807, e.g. since=0)"
)]
pub struct CursorError(pub String);

impl FromStr for Cursor {
    type Err = CursorError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().parse::<u64>() {
            Ok(n) if n <= Cursor::MAX.0 => Ok(Cursor(n)),
            _ => Err(CursorError(s.to_string())),
        }
    }
}

/// The kinds of record the change feed carries, named as it names them (`email`, `saved_search`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Email,
    /// A view, a click, a reply … of an email.
    Event,
    /// An email's engagement totals (its id: the email's id).
    Engagement,
    Person,
    Campaign,
    Task,
    SavedSearch,
}

impl RecordKind {
    pub const ALL: [RecordKind; 7] = [
        RecordKind::Email,
        RecordKind::Event,
        RecordKind::Engagement,
        RecordKind::Person,
        RecordKind::Campaign,
        RecordKind::Task,
        RecordKind::SavedSearch,
    ];

    /// The kind's name on the wire and in the endpoint's store.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Email => "email",
            RecordKind::Event => "event",
            RecordKind::Engagement => "engagement",
            RecordKind::Person => "person",
            RecordKind::Campaign => "campaign",
            RecordKind::Task => "task",
            RecordKind::SavedSearch => "saved_search",
        }
    }

    pub fn from_name(name: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A record as the change feed carries it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", try_from = "RecordFields")]
pub enum Record {
    Email {
        email: Box<Email>,
    },
    Event {
        event: EngagementEvent,
    },
    /// The engagement totals of one email, recomputed by the endpoint after each of its events.
    Engagement {
        email: EmailId,
        engagement: EmailEngagement,
    },
    Person {
        person: Box<Person>,
    },
    Campaign {
        campaign: Campaign,
    },
    Task {
        task: Box<Task>,
    },
    SavedSearch {
        search: Box<SavedSearch>,
    },
    /// A record that is gone: its kind and id.
    Deleted {
        kind: RecordKind,
        id: String,
    },
}

impl Record {
    /// The kind of record; for a record that is gone, the kind it was.
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Email { .. } => RecordKind::Email,
            Record::Event { .. } => RecordKind::Event,
            Record::Engagement { .. } => RecordKind::Engagement,
            Record::Person { .. } => RecordKind::Person,
            Record::Campaign { .. } => RecordKind::Campaign,
            Record::Task { .. } => RecordKind::Task,
            Record::SavedSearch { .. } => RecordKind::SavedSearch,
            Record::Deleted { kind, .. } => *kind,
        }
    }

    /// The record's id, as the change feed and the stores key it.
    pub fn id(&self) -> String {
        match self {
            Record::Email { email } => email.id.to_string(),
            Record::Event { event } => event.id.to_string(),
            Record::Engagement { email, .. } => email.to_string(),
            Record::Person { person } => person.id.to_string(),
            Record::Campaign { campaign } => campaign.id.to_string(),
            Record::Task { task } => task.id.to_string(),
            Record::SavedSearch { search } => search.id.to_string(),
            Record::Deleted { id, .. } => id.clone(),
        }
    }

    /// That the record of `kind` with `id` is gone.
    pub fn deleted(kind: RecordKind, id: impl ToString) -> Record {
        Record::Deleted { kind, id: id.to_string() }
    }
}

/// Every field of every [`Operation`], read in one pass (see [`crate::wire`]).
#[derive(Deserialize)]
struct OperationFields {
    op: OperationName,
    email: Option<IdOr<EmailId, Box<Email>>>,
    schedule: Option<Schedule>,
    person: Option<IdOr<PersonId, Box<Person>>>,
    campaign: Option<Campaign>,
    task: Option<IdOr<TaskId, Box<Task>>>,
    search: Option<IdOr<SavedSearchId, Box<SavedSearch>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum OperationName {
    PutEmail,
    SendNow,
    Schedule,
    Unschedule,
    Archive,
    Unarchive,
    Retry,
    MarkSuccess,
    DeleteEmail,
    PutPerson,
    DeletePerson,
    PutCampaign,
    PutTask,
    DeleteTask,
    PutSavedSearch,
    DeleteSavedSearch,
}

impl TryFrom<OperationFields> for Operation {
    type Error = WireError;

    fn try_from(f: OperationFields) -> Result<Operation, WireError> {
        Ok(match f.op {
            OperationName::PutEmail => Operation::PutEmail { email: IdOr::whole(f.email, "email")? },
            OperationName::SendNow => Operation::SendNow { email: IdOr::id(f.email, "email")? },
            OperationName::Schedule => Operation::Schedule {
                email: IdOr::id(f.email, "email")?,
                schedule: required(f.schedule, "schedule")?,
            },
            OperationName::Unschedule => Operation::Unschedule { email: IdOr::id(f.email, "email")? },
            OperationName::Archive => Operation::Archive { email: IdOr::id(f.email, "email")? },
            OperationName::Unarchive => Operation::Unarchive { email: IdOr::id(f.email, "email")? },
            OperationName::Retry => Operation::Retry { email: IdOr::id(f.email, "email")? },
            OperationName::MarkSuccess => Operation::MarkSuccess { email: IdOr::id(f.email, "email")? },
            OperationName::DeleteEmail => Operation::DeleteEmail { email: IdOr::id(f.email, "email")? },
            OperationName::PutPerson => Operation::PutPerson { person: IdOr::whole(f.person, "person")? },
            OperationName::DeletePerson => Operation::DeletePerson { person: IdOr::id(f.person, "person")? },
            OperationName::PutCampaign => {
                Operation::PutCampaign { campaign: required(f.campaign, "campaign")? }
            }
            OperationName::PutTask => Operation::PutTask { task: IdOr::whole(f.task, "task")? },
            OperationName::DeleteTask => Operation::DeleteTask { task: IdOr::id(f.task, "task")? },
            OperationName::PutSavedSearch => {
                Operation::PutSavedSearch { search: IdOr::whole(f.search, "search")? }
            }
            OperationName::DeleteSavedSearch => {
                Operation::DeleteSavedSearch { search: IdOr::id(f.search, "search")? }
            }
        })
    }
}

/// Every field of every [`MutationOutcome`], read in one pass.
#[derive(Deserialize)]
struct OutcomeFields {
    outcome: OutcomeName,
    key: IdempotencyKey,
    seq: Option<u64>,
    error: Option<ErrorBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum OutcomeName {
    Applied,
    AlreadyApplied,
    Rejected,
}

impl TryFrom<OutcomeFields> for MutationOutcome {
    type Error = WireError;

    fn try_from(f: OutcomeFields) -> Result<MutationOutcome, WireError> {
        let key = f.key;
        Ok(match f.outcome {
            OutcomeName::Applied => MutationOutcome::Applied { key, seq: required(f.seq, "seq")? },
            OutcomeName::AlreadyApplied => {
                MutationOutcome::AlreadyApplied { key, seq: required(f.seq, "seq")? }
            }
            OutcomeName::Rejected => MutationOutcome::Rejected { key, error: required(f.error, "error")? },
        })
    }
}

/// Every field of every [`Record`], read in one pass.
#[derive(Deserialize)]
struct RecordFields {
    #[serde(rename = "type")]
    kind_of: RecordName,
    email: Option<IdOr<EmailId, Box<Email>>>,
    event: Option<EngagementEvent>,
    engagement: Option<EmailEngagement>,
    person: Option<Box<Person>>,
    campaign: Option<Campaign>,
    task: Option<Box<Task>>,
    search: Option<Box<SavedSearch>>,
    kind: Option<RecordKind>,
    id: Option<String>,
}

/// A record's `type` on the wire: a kind of record, or `deleted`.
enum RecordName {
    Kind(RecordKind),
    Deleted,
}

impl<'de> Deserialize<'de> for RecordName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        match &*name {
            "deleted" => Ok(RecordName::Deleted),
            other => RecordKind::from_name(other).map(RecordName::Kind).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown variant `{other}`: a record is of a kind or deleted"
                ))
            }),
        }
    }
}

impl TryFrom<RecordFields> for Record {
    type Error = WireError;

    fn try_from(f: RecordFields) -> Result<Record, WireError> {
        Ok(match f.kind_of {
            RecordName::Kind(RecordKind::Email) => Record::Email { email: IdOr::whole(f.email, "email")? },
            RecordName::Kind(RecordKind::Event) => Record::Event { event: required(f.event, "event")? },
            RecordName::Kind(RecordKind::Engagement) => Record::Engagement {
                email: IdOr::id(f.email, "email")?,
                engagement: required(f.engagement, "engagement")?,
            },
            RecordName::Kind(RecordKind::Person) => Record::Person { person: required(f.person, "person")? },
            RecordName::Kind(RecordKind::Campaign) => {
                Record::Campaign { campaign: required(f.campaign, "campaign")? }
            }
            RecordName::Kind(RecordKind::Task) => Record::Task { task: required(f.task, "task")? },
            RecordName::Kind(RecordKind::SavedSearch) => {
                Record::SavedSearch { search: required(f.search, "search")? }
            }
            RecordName::Deleted => {
                Record::Deleted { kind: required(f.kind, "kind")?, id: required(f.id, "id")? }
            }
        })
    }
}

/// One entry of the change feed: a record as it is after the change numbered `seq`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    pub seq: u64,
    pub record: Record,
}

/// One page of the change feed, in order of `seq`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePage {
    pub version: u16,
    pub changes: Vec<Change>,
    /// Pass as `since` to get the next page (equal to the request's cursor when there is nothing new).
    pub next: Cursor,
    /// More changes are waiting beyond this page.
    pub has_more: bool,
}

impl ChangePage {
    /// Builds a page from changes after `since`, at most `limit` of them, in order.
    pub fn from_changes(since: Cursor, mut changes: Vec<Change>, limit: usize) -> ChangePage {
        changes.retain(|c| c.seq > since.0);
        changes.sort_by_key(|c| c.seq);
        let has_more = changes.len() > limit;
        changes.truncate(limit);
        let next = changes.last().map(|c| Cursor(c.seq)).unwrap_or(since);
        ChangePage { version: PROTOCOL_VERSION, changes, next, has_more }
    }
}

/// What kind of error an error body reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    InvalidAddress,
    HeaderInjection,
    TooLarge,
    Unauthorized,
    NotFound,
    Conflict,
    TransitionRefused,
    IdempotencyKeyReused,
    UnsupportedVersion,
    RateLimited,
    Internal,
}

impl ErrorCode {
    /// The HTTP status that carries this error.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidInput | ErrorCode::InvalidAddress | ErrorCode::HeaderInjection => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict | ErrorCode::TransitionRefused | ErrorCode::IdempotencyKeyReused => 409,
            ErrorCode::TooLarge => 413,
            ErrorCode::UnsupportedVersion => 426,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
        }
    }
}

/// The body of every error answer: a code for programs, a message for people, and the field at fault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{message}")]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody { code, message: message.into(), field: None }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> ErrorBody {
        self.field = Some(field.into());
        self
    }
}

/// Why a put of an email is refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum EmailConflict {
    #[error("this email is already {0:?}: it has started to leave and can no longer be edited")]
    AlreadyLeft(Status),
    #[error("a new email can only be created as a draft or scheduled, not {0:?}")]
    BadInitialStatus(Status),
    #[error("an email cannot change its kind or batch once created")]
    KindChanged,
}

impl From<EmailConflict> for ErrorBody {
    fn from(conflict: EmailConflict) -> Self {
        ErrorBody::new(ErrorCode::Conflict, conflict.to_string())
    }
}

/// What the endpoint does with a `PutEmail`.
#[derive(Clone, Debug, PartialEq)]
pub enum PutEmail {
    /// A new email: store it as given.
    Create(Email),
    /// Same content as stored: nothing to do (an idempotent replay).
    Unchanged,
    /// An edit of a draft or scheduled email: store this merge.
    Update(Email),
}

/// The content of an email that belongs to the rep (everything else belongs to the endpoint).
fn same_content(a: &Email, b: &Email) -> bool {
    a.recipient == b.recipient
        && a.person == b.person
        && a.cc == b.cc
        && a.subject == b.subject
        && a.html_body == b.html_body
        && a.text_body == b.text_body
        && a.campaign == b.campaign
        && a.template == b.template
        && a.schedule == b.schedule
        && a.sender == b.sender
}

/// Settles a `PutEmail` of `incoming` against what the endpoint holds (`stored`).
///
/// The endpoint wins on status and delivery; the rep wins on content while the email is a draft or
/// scheduled. The same body put twice is [`PutEmail::Unchanged`] whatever the status; a different body for an
/// email that has already left Draft/Scheduled is [`EmailConflict::AlreadyLeft`].
pub fn settle_put_email(stored: Option<&Email>, incoming: &Email) -> Result<PutEmail, EmailConflict> {
    let Some(stored) = stored else {
        return match incoming.status {
            Status::Draft | Status::Scheduled => Ok(PutEmail::Create(incoming.clone())),
            other => Err(EmailConflict::BadInitialStatus(other)),
        };
    };
    if same_content(stored, incoming) && incoming.status == stored.status {
        return Ok(PutEmail::Unchanged);
    }
    if !stored.is_editable() {
        // Once an email has left, its schedule belongs to the sending that happened: a replay of the body
        // the rep wrote (with or without the schedule it was sent with) is the same put.
        let mut as_written = incoming.clone();
        as_written.schedule = stored.schedule.clone();
        if same_content(stored, &as_written) {
            return Ok(PutEmail::Unchanged);
        }
    }
    if !stored.is_editable() {
        return Err(EmailConflict::AlreadyLeft(stored.status));
    }
    if stored.kind != incoming.kind || stored.batch != incoming.batch {
        return Err(EmailConflict::KindChanged);
    }
    let mut merged = stored.clone();
    merged.recipient = incoming.recipient.clone();
    merged.person = incoming.person;
    merged.cc = incoming.cc.clone();
    merged.subject = incoming.subject.clone();
    merged.html_body = incoming.html_body.clone();
    merged.text_body = incoming.text_body.clone();
    merged.campaign = incoming.campaign;
    merged.template = incoming.template;
    merged.sender = incoming.sender.clone();
    merged.schedule = incoming.schedule.clone();
    // The rep may move an email between Draft and Scheduled by editing it; nothing else.
    if matches!(incoming.status, Status::Draft | Status::Scheduled) {
        merged.status = incoming.status;
    }
    merged.updated_at = incoming.updated_at.max(stored.updated_at);
    Ok(PutEmail::Update(merged))
}

/// What the app keeps when the change feed brings `server`'s copy of an email it may have edited locally.
///
/// The server's copy wins, except that a local content edit still waiting in the outbox stays on screen while
/// the server's copy is still editable (the push will carry it). Once the email has left, the server's copy
/// wins outright and the waiting edit will be refused with a reason.
pub fn settle_incoming_email(local: Option<&Email>, server: &Email, local_edit_waiting: bool) -> Email {
    match local {
        Some(local) if local_edit_waiting && server.is_editable() && !same_content(local, server) => {
            let mut kept = server.clone();
            kept.recipient = local.recipient.clone();
            kept.cc = local.cc.clone();
            kept.subject = local.subject.clone();
            kept.html_body = local.html_body.clone();
            kept.text_body = local.text_body.clone();
            kept.schedule = local.schedule.clone();
            kept
        }
        _ => server.clone(),
    }
}

/// What an email operation does to the email it names.
#[derive(Clone, Debug, PartialEq)]
pub enum EmailEffect {
    /// The email as it is after the operation: store it.
    Updated(Box<Email>),
    /// The email is gone.
    Deleted,
}

fn refused(message: impl Into<String>) -> ErrorBody {
    ErrorBody::new(ErrorCode::TransitionRefused, message)
}

/// Applies an operation on an existing email (every [`Operation`] but `PutEmail` and the other records'),
/// at `now`: the one rule the endpoint applies for real and the app applies at once on its own copy, until
/// the change feed brings the endpoint's.
///
/// Send now and Retry schedule the email for `now` (keeping the time zone it had); Schedule needs a draft or
/// a scheduled email and a known time zone; Unarchive needs an archived email; Mark as success a delivered
/// one; Delete follows [`Email::check_delete`]. Every status change goes through the state machine.
pub fn apply_to_email(email: &Email, op: &Operation, now: Instant) -> Result<EmailEffect, ErrorBody> {
    let zone = || email.schedule.as_ref().map(|s| s.time_zone.clone()).unwrap_or_else(|| "UTC".into());
    let (to, schedule) = match op {
        Operation::SendNow { .. } => {
            if !email.is_editable() {
                return Err(refused(format!(
                    "only a draft or a scheduled email can be sent now; this one is {:?}",
                    email.status
                )));
            }
            (Status::Scheduled, Some(Schedule { at: now, time_zone: zone() }))
        }
        Operation::Schedule { schedule, .. } => {
            if schedule.time_zone.parse::<chrono_tz::Tz>().is_err() {
                return Err(ErrorBody::new(
                    ErrorCode::InvalidInput,
                    format!("\"{}\" is not a known time zone", schedule.time_zone),
                )
                .with_field("schedule.time_zone"));
            }
            if !email.is_editable() {
                return Err(refused(format!(
                    "only a draft or a scheduled email can be scheduled; this one is {:?}",
                    email.status
                )));
            }
            (Status::Scheduled, Some(schedule.clone()))
        }
        Operation::Unschedule { .. } => (Status::Draft, None),
        Operation::Archive { .. } => (Status::Archived, None),
        Operation::Unarchive { .. } => {
            if email.status != Status::Archived {
                return Err(refused("only an archived email can be unarchived"));
            }
            (Status::Delivered, None)
        }
        Operation::Retry { .. } => {
            if !matches!(email.status, Status::Failed | Status::Bounced | Status::Spam) {
                return Err(refused(format!(
                    "only a failed, bounced or spam email can be retried; this one is {:?}",
                    email.status
                )));
            }
            (Status::Scheduled, Some(Schedule { at: now, time_zone: zone() }))
        }
        Operation::MarkSuccess { .. } => {
            if email.status != Status::Delivered {
                return Err(refused("only a delivered email can be marked a success"));
            }
            let mut email = email.clone();
            email.success = true;
            email.updated_at = now;
            return Ok(EmailEffect::Updated(Box::new(email)));
        }
        Operation::DeleteEmail { .. } => {
            email.check_delete().map_err(|e| ErrorBody::new(ErrorCode::Conflict, e.to_string()))?;
            return Ok(EmailEffect::Deleted);
        }
        _ => return Err(ErrorBody::new(ErrorCode::InvalidInput, "this operation is not an email action")),
    };
    let mut email = email.clone();
    if let Some(schedule) = schedule {
        email.schedule = Some(schedule);
    }
    if email.status != to {
        email.transition(to, now, None).map_err(|e| refused(e.to_string()))?;
    } else {
        email.updated_at = now;
    }
    Ok(EmailEffect::Updated(Box::new(email)))
}

impl Operation {
    /// The email an email action names (not `PutEmail`, which carries the whole email).
    pub fn email_action_target(&self) -> Option<EmailId> {
        match (self, self.changed()) {
            (Operation::PutEmail { .. }, _) => None,
            (_, Changed::Email(email)) => Some(email),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::tests::{at, draft};

    #[test]
    fn a_suppressed_address_refuses_whatever_its_case() {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let list = vec![
            Suppression {
                address: "bob@example.net".into(),
                reason: "userunknown 5.1.1".into(),
                email: None,
                since: at,
            },
            Suppression {
                address: "eve@example.org".into(),
                reason: "complaint".into(),
                email: None,
                since: at,
            },
        ];
        let address = |a: &str| crate::EmailAddress::parse(a).expect("valid");
        let (ana, bob) = (address("ana@example.com"), address("Bob@Example.net"));
        let found = Suppression::refusing(&list, [&ana, &bob]).map(|s| s.address.as_str());
        assert_eq!(found, Some("bob@example.net"));
        assert!(Suppression::refusing(&list, [&ana]).is_none());
        assert_eq!(list[0].bounce_reason(), Some(crate::BounceReason::UserUnknown));
        assert_eq!(list[0].status(), Some("5.1.1"));
        assert_eq!(list[1].bounce_reason(), None, "a complaint is no bounce");
        assert_eq!(list[1].status(), None);
    }

    #[test]
    fn changes_waiting_count_the_records_the_rep_changed_not_the_operations() {
        use crate::ids::CampaignId;
        use crate::task::{Due, Origin, Task, TaskType};
        let emails: Vec<Email> = (1..=3).map(draft).collect();
        let mut ops = Vec::new();
        for email in &emails {
            ops.push(Operation::PutEmail { email: Box::new(email.clone()) });
            ops.push(Operation::SendNow { email: email.id });
        }
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let task =
            Task::new(TaskId::from_u128(9), TaskType::Call, "Call Fay", Due::on(day), Origin::Manual, at(0))
                .unwrap();
        ops.push(Operation::PutTask { task: Box::new(task.clone()) });
        ops.push(Operation::PutTask { task: Box::new(task) });
        assert_eq!(ops.len(), 8);
        // An email action names its email; the email's content and other records are no action on one.
        assert_eq!(ops[1].email_action_target(), Some(emails[0].id));
        assert_eq!(ops[0].email_action_target(), None);
        assert_eq!(ops[7].email_action_target(), None);
        let changed = changed_records(&ops);
        assert_eq!(
            changed,
            vec![
                Changed::Email(emails[0].id),
                Changed::Email(emails[1].id),
                Changed::Email(emails[2].id),
                Changed::Task(TaskId::from_u128(9)),
            ]
        );
        // An archive of an email already waiting adds nothing; a deletion of another record does.
        ops.push(Operation::Archive { email: emails[0].id });
        ops.push(Operation::DeleteSavedSearch { search: SavedSearchId::from_u128(4) });
        let campaign = Campaign { id: CampaignId::from_u128(5), name: "Q4".into() };
        ops.push(Operation::PutCampaign { campaign });
        assert_eq!(changed_records(&ops).len(), 6);
    }

    #[test]
    fn a_record_names_its_kind_as_the_feed_tags_it_and_a_deleted_one_the_kind_it_was() {
        let email = Record::Email { email: Box::new(draft(1)) };
        let tag = serde_json::to_value(&email).unwrap()["type"].as_str().unwrap().to_string();
        assert_eq!((email.kind().name(), tag.as_str()), ("email", "email"));
        let gone = Record::Deleted { kind: RecordKind::Person, id: "1".into() };
        assert_eq!(gone.kind(), RecordKind::Person);
    }

    #[test]
    fn a_saved_or_deleted_record_tells_the_endpoint_with_its_put_or_its_delete() {
        let campaign = Campaign { id: crate::CampaignId::from_u128(3), name: "Q4".into() };
        let put = Operation::saving(&Record::Campaign { campaign: campaign.clone() }).unwrap();
        assert_eq!(put, Operation::PutCampaign { campaign });
        let task = crate::TaskId::from_u128(3);
        let gone = Operation::saving(&Record::deleted(RecordKind::Task, task)).unwrap();
        assert_eq!(gone, Operation::DeleteTask { task });
        assert_eq!(gone.changed(), Changed::Task(task));
        assert_eq!(Operation::saving(&Record::deleted(RecordKind::Email, "not-an-id")), None);
        let totals = Record::Engagement { email: EmailId::from_u128(1), engagement: Default::default() };
        assert_eq!(Operation::saving(&totals), None, "only the endpoint writes engagement");
    }

    #[test]
    fn a_record_kind_is_named_on_the_wire_as_its_records_are_tagged() {
        for kind in RecordKind::ALL {
            assert_eq!(RecordKind::from_name(kind.name()), Some(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
        let gone: Record =
            serde_json::from_str(r#"{"type":"deleted","kind":"saved_search","id":"7"}"#).unwrap();
        assert_eq!(gone, Record::deleted(RecordKind::SavedSearch, 7));
        let unknown = serde_json::from_str::<Record>(r#"{"type":"deleted","kind":"spaceship","id":"7"}"#);
        assert!(unknown.unwrap_err().to_string().contains("unknown variant `spaceship`"));
        let unknown = serde_json::from_str::<Record>(r#"{"type":"spaceship","id":"7"}"#);
        assert!(unknown.unwrap_err().to_string().contains("unknown variant `spaceship`"));
    }

    #[test]
    fn the_same_put_twice_is_a_no_op_even_after_sending() {
        let email = draft(1);
        assert_eq!(settle_put_email(None, &email), Ok(PutEmail::Create(email.clone())));
        assert_eq!(settle_put_email(Some(&email), &email), Ok(PutEmail::Unchanged));
        let mut sent = email.clone();
        sent.status = Status::Delivered;
        sent.schedule = Some(Schedule { at: at(3), time_zone: "UTC".into() });
        assert_eq!(settle_put_email(Some(&sent), &email), Ok(PutEmail::Unchanged));
    }

    #[test]
    fn an_edit_after_the_email_left_is_refused_with_a_reason() {
        let mut stored = draft(1);
        stored.status = Status::InProgress;
        let mut edited = draft(1);
        edited.subject = "New subject".into();
        let err = settle_put_email(Some(&stored), &edited).unwrap_err();
        assert_eq!(err, EmailConflict::AlreadyLeft(Status::InProgress));
        let body = ErrorBody::from(err);
        assert_eq!(body.code, ErrorCode::Conflict);
        assert_eq!(body.code.http_status(), 409);
        assert!(body.message.contains("can no longer be edited"));
    }

    #[test]
    fn the_endpoint_wins_on_status_and_the_rep_on_content() {
        let mut stored = draft(1);
        stored.status = Status::Scheduled;
        stored.schedule = Some(Schedule { at: at(30), time_zone: "Europe/Rome".into() });
        let mut edited = stored.clone();
        edited.subject = "Better subject".into();
        edited.status = Status::Delivered; // a client cannot claim delivery
        edited.delivered_at = Some(at(1));
        let Ok(PutEmail::Update(merged)) = settle_put_email(Some(&stored), &edited) else {
            panic!("expected an update");
        };
        assert_eq!(merged.subject, "Better subject");
        assert_eq!(merged.status, Status::Scheduled);
        assert_eq!(merged.delivered_at, None);
    }

    #[test]
    fn a_new_email_starts_as_draft_or_scheduled() {
        let mut e = draft(1);
        e.status = Status::Delivered;
        assert_eq!(settle_put_email(None, &e), Err(EmailConflict::BadInitialStatus(Status::Delivered)));
    }

    #[test]
    fn a_waiting_local_edit_stays_on_screen_until_the_email_leaves() {
        let server = draft(1);
        let mut local = draft(1);
        local.subject = "typed offline".into();
        assert_eq!(settle_incoming_email(Some(&local), &server, true).subject, "typed offline");
        assert_eq!(settle_incoming_email(Some(&local), &server, false).subject, "Pricing");
        let mut left = server.clone();
        left.status = Status::InProgress;
        assert_eq!(settle_incoming_email(Some(&local), &left, true).subject, "Pricing");
    }

    #[test]
    fn change_pages_are_ordered_bounded_and_resume_from_their_cursor() {
        let change =
            |seq| Change { seq, record: Record::Deleted { kind: RecordKind::Email, id: format!("e{seq}") } };
        let all: Vec<Change> = [5, 1, 3, 2, 4].into_iter().map(change).collect();
        let page = ChangePage::from_changes(Cursor(1), all.clone(), 2);
        assert_eq!(page.changes.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![2, 3]);
        assert!(page.has_more);
        let next = ChangePage::from_changes(page.next, all.clone(), 2);
        assert_eq!(next.changes.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![4, 5]);
        assert!(!next.has_more);
        let empty = ChangePage::from_changes(next.next, all, 2);
        assert_eq!((empty.changes.len(), empty.next), (0, Cursor(5)));
    }

    #[test]
    fn cursors_parse_with_a_clear_error() {
        assert_eq!("42".parse(), Ok(Cursor(42)));
        assert!("abc".parse::<Cursor>().unwrap_err().to_string().contains("since=0"));
        assert_eq!("9223372036854775807".parse(), Ok(Cursor::MAX));
        for beyond in ["9223372036854775808", "18446744073709551615", "18446744073709551616", "-1"] {
            assert!(beyond.parse::<Cursor>().is_err(), "{beyond} is past any change number");
        }
    }

    /// Every operation, record and outcome, one of each variant.
    fn one_of_each() -> (Vec<Operation>, Vec<Record>, Vec<MutationOutcome>) {
        use crate::engagement::{Bounce, BounceReason, EventKind};
        use crate::ids::{CampaignId, EventId};
        use crate::people::EmailAddress;
        use crate::search::Query;
        use crate::task::{Due, Origin, TaskType};
        let id = EmailId::from_u128(7);
        let person = Person::new(PersonId::from_u128(2), EmailAddress::parse("ana@acme.com").unwrap());
        let day = at(0).date_naive();
        let task =
            Task::new(TaskId::from_u128(3), TaskType::Call, "Call Ana", Due::on(day), Origin::Manual, at(0));
        let search =
            SavedSearch { id: SavedSearchId::from_u128(4), name: "Hot".into(), query: Query::All(vec![]) };
        let campaign = Campaign { id: CampaignId::from_u128(5), name: "Q4".into() };
        let schedule = Schedule { at: at(30), time_zone: "Europe/Rome".into() };
        let bounce = Bounce {
            status: "5.1.1".into(),
            smtp_code: Some(550),
            reason: BounceReason::UserUnknown,
            diagnostic: "no such user".into(),
        };
        let event = |n, kind| EngagementEvent {
            id: EventId::from_u128(n),
            email: id,
            recipient: EmailAddress::parse("ana@acme.com").unwrap(),
            at: at(1),
            kind,
            ip: None,
            user_agent: None,
            verdict: None,
        };
        let ops = vec![
            Operation::PutEmail { email: Box::new(draft(7)) },
            Operation::SendNow { email: id },
            Operation::Schedule { email: id, schedule },
            Operation::Unschedule { email: id },
            Operation::Archive { email: id },
            Operation::Unarchive { email: id },
            Operation::Retry { email: id },
            Operation::MarkSuccess { email: id },
            Operation::DeleteEmail { email: id },
            Operation::PutPerson { person: Box::new(person.clone()) },
            Operation::DeletePerson { person: person.id },
            Operation::PutCampaign { campaign: campaign.clone() },
            Operation::PutTask { task: Box::new(task.clone().unwrap()) },
            Operation::DeleteTask { task: TaskId::from_u128(3) },
            Operation::PutSavedSearch { search: Box::new(search.clone()) },
            Operation::DeleteSavedSearch { search: search.id },
        ];
        let records = vec![
            Record::Email { email: Box::new(draft(7)) },
            Record::Event { event: event(1, EventKind::Viewed) },
            Record::Event { event: event(2, EventKind::Clicked { url: "https://acme.com/p".into() }) },
            Record::Event { event: event(3, EventKind::Bounced(bounce.clone())) },
            Record::Event { event: event(4, EventKind::Delayed(bounce)) },
            Record::Event { event: event(5, EventKind::Complained { feedback_type: "abuse".into() }) },
            Record::Event { event: event(6, EventKind::AutoReplied) },
            Record::Event { event: event(7, EventKind::Replied { text: None }) },
            Record::Engagement {
                email: id,
                engagement: EmailEngagement { views_raw: 2, ..Default::default() },
            },
            Record::Person { person: Box::new(person) },
            Record::Campaign { campaign },
            Record::Task { task: Box::new(task.unwrap()) },
            Record::SavedSearch { search: Box::new(search) },
            Record::Deleted { kind: RecordKind::Task, id: "3".into() },
        ];
        let key = IdempotencyKey::from_u128(9);
        let outcomes = vec![
            MutationOutcome::Applied { key, seq: 4 },
            MutationOutcome::AlreadyApplied { key, seq: 4 },
            MutationOutcome::Rejected {
                key,
                error: ErrorBody::new(ErrorCode::NotFound, "gone").with_field("email"),
            },
        ];
        (ops, records, outcomes)
    }

    /// The same JSON object with its tag moved to the end.
    fn tag_last(json: &str, tag: &str) -> String {
        let mut value: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json).unwrap();
        let name = value.remove(tag).unwrap();
        let mut text = serde_json::to_string(&value).unwrap();
        text.pop();
        let comma = if value.is_empty() { "" } else { "," };
        format!("{text}{comma}\"{tag}\":{name}}}")
    }

    #[test]
    fn every_operation_record_and_outcome_reads_back_as_written_in_any_field_order() {
        let (ops, records, outcomes) = one_of_each();
        fn check<T>(items: Vec<T>, tag: &str)
        where
            T: Serialize + for<'de> Deserialize<'de> + PartialEq + fmt::Debug,
        {
            for item in items {
                let text = serde_json::to_string(&item).unwrap();
                assert!(text.starts_with(&format!("{{\"{tag}\":")), "the tag is written first: {text}");
                assert_eq!(serde_json::from_str::<T>(&text).unwrap(), item, "from text: {text}");
                let value = serde_json::to_value(&item).unwrap();
                assert_eq!(serde_json::from_value::<T>(value).unwrap(), item, "from a value: {text}");
                let moved = tag_last(&text, tag);
                assert_eq!(serde_json::from_str::<T>(&moved).unwrap(), item, "tag last: {moved}");
            }
        }
        check(ops, "op");
        check(records, "type");
        check(outcomes, "outcome");
    }

    #[test]
    fn a_tagged_message_missing_a_field_or_with_the_wrong_shape_says_which_field() {
        let id = EmailId::from_u128(7);
        let read = |text: &str| serde_json::from_str::<Operation>(text).unwrap_err().to_string();
        assert!(read(r#"{"op":"archive"}"#).contains("missing field `email`"));
        assert!(
            read(&format!(r#"{{"op":"put_email","email":"{id}"}}"#))
                .contains("`email` must be the whole record")
        );
        let whole = serde_json::to_string(&draft(7)).unwrap();
        assert!(read(&format!(r#"{{"op":"archive","email":{whole}}}"#)).contains("`email` must be an id"));
        assert!(read(&format!(r#"{{"op":"schedule","email":"{id}"}}"#)).contains("missing field `schedule`"));
        assert!(read(&format!(r#"{{"op":"explode","email":"{id}"}}"#)).contains("unknown variant `explode`"));
        assert!(read(&format!(r#"{{"email":"{id}"}}"#)).contains("missing field `op`"));
        assert!(read(r#"{"op":"archive","email":"not-an-id"}"#).contains("invalid"));
        let record = |text: &str| serde_json::from_str::<Record>(text).unwrap_err().to_string();
        assert!(record(r#"{"type":"deleted","kind":"task"}"#).contains("missing field `id`"));
        assert!(record(r#"{"type":"engagement","email":"x"}"#).contains("invalid"));
        let kind =
            |text: &str| serde_json::from_str::<crate::engagement::EventKind>(text).unwrap_err().to_string();
        assert!(kind(r#"{"type":"bounced","status":"5.1.1"}"#).contains("missing field `reason`"));
        assert!(kind(r#"{"type":"clicked"}"#).contains("missing field `url`"));
        let outcome =
            serde_json::from_str::<MutationOutcome>(&format!(r#"{{"outcome":"applied","key":"{id}"}}"#));
        assert!(outcome.unwrap_err().to_string().contains("missing field `seq`"));
    }

    #[test]
    fn protocol_messages_are_stable_json() {
        let m = Mutation {
            key: IdempotencyKey::from_u128(9),
            made_at: at(0),
            op: Operation::Archive { email: EmailId::from_u128(3) },
        };
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["op"]["op"], "archive");
        let back: Mutation = serde_json::from_value(json).unwrap();
        assert_eq!(back, m);
        assert_eq!(m.op.target_status(), Some(Status::Archived));
        let err = ErrorBody::new(ErrorCode::InvalidAddress, "bad").with_field("to");
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            serde_json::json!({"code": "invalid_address", "message": "bad", "field": "to"})
        );
    }

    #[test]
    fn email_actions_follow_the_state_machine_and_say_why_not() {
        let now = at(5);
        let mut email = draft(1);
        let op = Operation::SendNow { email: email.id };
        let EmailEffect::Updated(sent) = apply_to_email(&email, &op, now).unwrap() else { panic!() };
        assert_eq!(sent.status, Status::Scheduled);
        assert_eq!(sent.schedule.as_ref().map(|s| s.at), Some(now));

        email.status = Status::Delivered;
        let err = apply_to_email(&email, &Operation::SendNow { email: email.id }, now).unwrap_err();
        assert_eq!(err.code, ErrorCode::TransitionRefused);
        assert!(err.message.contains("Delivered"), "{err}");
        let err = apply_to_email(&email, &Operation::Unarchive { email: email.id }, now).unwrap_err();
        assert!(err.message.contains("only an archived"));
        let EmailEffect::Updated(archived) =
            apply_to_email(&email, &Operation::Archive { email: email.id }, now).unwrap()
        else {
            panic!()
        };
        assert_eq!(archived.status, Status::Archived);
        assert_eq!(
            apply_to_email(&archived, &Operation::DeleteEmail { email: email.id }, now),
            Ok(EmailEffect::Deleted)
        );

        let bad_zone = Schedule { at: now, time_zone: "Mars/Olympus".into() };
        let err =
            apply_to_email(&draft(2), &Operation::Schedule { email: email.id, schedule: bad_zone }, now)
                .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("schedule.time_zone"));
    }
}
