//! The records the cache keeps that are the app's own (the domain's records are stored as they are).

use domain::sync::{ErrorBody, Mutation};
use domain::wire::{WireError, required};
use domain::{Email, EmailEngagement, Instant};
use serde::{Deserialize, Serialize};

/// An email as the cache keeps it: the email and its engagement totals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmailRecord {
    pub email: Email,
    #[serde(default)]
    pub engagement: EmailEngagement,
}

/// Where an outbox entry is. Written into the entry itself (`"state": "waiting"`), and read with it by
/// [`OutboxFields`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting to be pushed (again).
    Waiting,
    /// The endpoint refused it, with a reason the rep can read; pushing it again will not help.
    Rejected { error: ErrorBody },
}

/// One change the rep made, waiting in the outbox until the endpoint has it.
///
/// The mutation's idempotency key is made when the entry is, and stays with it through every retry, reload
/// or crash: the endpoint applies it once however often it is pushed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "OutboxFields")]
pub struct OutboxEntry {
    pub mutation: Mutation,
    #[serde(flatten)]
    pub state: OutboxState,
    /// How many pushes of it failed for a reason that may pass (network, server error).
    #[serde(default)]
    pub attempts: u32,
    /// Not pushed before this instant (the window in which the rep can still undo it).
    #[serde(default)]
    pub hold_until: Option<Instant>,
}

/// An outbox entry as stored, its state's fields beside the entry's own: read in one pass, straight from the
/// text (a flattened field would be buffered and every mutation read a second way).
#[derive(Deserialize)]
struct OutboxFields {
    mutation: Mutation,
    state: StateName,
    error: Option<ErrorBody>,
    #[serde(default)]
    attempts: u32,
    #[serde(default)]
    hold_until: Option<Instant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum StateName {
    Waiting,
    Rejected,
}

impl TryFrom<OutboxFields> for OutboxEntry {
    type Error = WireError;

    fn try_from(f: OutboxFields) -> Result<OutboxEntry, WireError> {
        let state = match f.state {
            StateName::Waiting => OutboxState::Waiting,
            StateName::Rejected => OutboxState::Rejected { error: required(f.error, "error")? },
        };
        Ok(OutboxEntry { mutation: f.mutation, state, attempts: f.attempts, hold_until: f.hold_until })
    }
}

impl OutboxEntry {
    pub fn new(mutation: Mutation) -> OutboxEntry {
        OutboxEntry { mutation, state: OutboxState::Waiting, attempts: 0, hold_until: None }
    }

    pub fn is_waiting(&self) -> bool {
        self.state == OutboxState::Waiting
    }
}

/// The members a saved search had when the rep last looked at it (kept on this device only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenRecord {
    pub search: domain::SavedSearchId,
    pub members: Vec<domain::PersonId>,
}

/// Who is signed in, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The endpoint's base URL, without a trailing slash (e.g. `https://cc.example.com`).
    pub endpoint: String,
    /// The bearer token from `endpoint user add`.
    pub token: String,
    /// The rep's address, as the endpoint knows it.
    pub email: String,
}

/// The rep's choices, kept on this device.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// `en`, `pt-BR` or `it`; `None` follows the browser.
    #[serde(default)]
    pub language: Option<String>,
    /// An IANA time zone; `None` follows the browser.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Desktop notifications for a person's reply, a person's click, a task coming due (each off until the
    /// rep turns it on).
    #[serde(default)]
    pub notify_replies: bool,
    #[serde(default)]
    pub notify_clicks: bool,
    #[serde(default)]
    pub notify_tasks: bool,
}
