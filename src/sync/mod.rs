//! Sync with the endpoint: pushes the outbox, pulls the change feed into the cache, and listens to the
//! endpoint's change stream so the app learns of new engagement without polling.
//!
//! This is the only module that talks to the network. It never decides what a record means: conflicts are
//! settled by `domain::sync`, records are stored by `storage`.
//!
//! Exactly once: every outbox entry carries the idempotency key it was made with, so a push that is
//! repeated (after a timeout, a reload, a crash between the endpoint's answer and the entry's removal) is
//! applied once by the endpoint. An entry leaves the outbox only when the endpoint has answered for it: as
//! applied (now or before), or as refused, which keeps it, marked, for the rep to see.
//!
//! Failures that may pass (offline, endpoint down, a 5xx) are retried with backoff from 1 s doubling to
//! 60 s; coming back online, a change on the stream or the rep's "Retry" tries at once.

pub mod api;

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;

use chrono::Utc;
use domain::sync::{
    Change, ChangePage, Changed, ErrorBody, ErrorCode, MutationOutcome, Operation, PROTOCOL_VERSION,
    PushRequest, Record, changed_records, settle_incoming_email,
};
use domain::{EmailId, EngagementEvent};
use futures::StreamExt;
use futures::channel::mpsc;
use futures::future::{Either, select};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::storage::{Cache, EmailRecord, OutboxEntry, OutboxState, StorageError, Write, meta};
pub use api::{Api, ApiError};

/// The most mutations pushed at once.
pub const PUSH_BATCH: usize = 100;
/// The most changes pulled per page.
pub const PULL_PAGE: u32 = 500;
/// The first wait after a failure, doubled after each one up to [`MAX_BACKOFF_MS`].
pub const FIRST_BACKOFF_MS: u32 = 1_000;
pub const MAX_BACKOFF_MS: u32 = 60_000;
/// How often the feed is pulled when the stream says nothing (a safety net; the stream wakes us).
pub const IDLE_PULL_MS: u32 = 30_000;

/// What the rep sees of sync.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncStatus {
    /// The browser says it is online.
    pub online: bool,
    /// The records the rep changed whose changes wait to be pushed, each once however many operations
    /// it took (an email written and sent is one change): what "N changes waiting" counts.
    pub waiting: Vec<Changed>,
    /// Changes the endpoint refused, with their reasons (kept until the rep dismisses them).
    pub rejected: Vec<(u32, OutboxEntry)>,
    /// A push or pull is running.
    pub busy: bool,
    /// Why the last try failed, when it did for a reason that may pass (it will be retried).
    pub error: Option<String>,
    /// The endpoint no longer accepts the token: the rep must sign in again.
    pub unauthorized: bool,
    /// When the cache last caught up with the endpoint.
    pub synced_at: Option<domain::Instant>,
    /// Records of the cache that could not be read and were skipped.
    pub skipped: usize,
}

/// What a pull brought, for the screens to follow.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pulled {
    pub changes: usize,
    pub events: Vec<EngagementEvent>,
    /// Every record the pull brought, in feed order.
    pub records: Vec<Record>,
}

/// Who hears from the engine.
pub trait Listener {
    /// The status changed.
    fn status(&self, status: SyncStatus);
    /// The cache changed (a pull wrote records, or a push removed or marked entries).
    fn changed(&self, pulled: Pulled);
}

/// The sync engine of one session. Cheap to clone; [`Sync::start`] runs it until [`Sync::stop`].
#[derive(Clone)]
pub struct Sync {
    inner: Rc<Inner>,
}

/// A browser event listener the engine keeps alive while it runs.
type EventCallback = Closure<dyn FnMut(web_sys::Event)>;

struct Inner {
    cache: Cache,
    api: Api,
    listener: Box<dyn Listener>,
    wake: mpsc::UnboundedSender<()>,
    wake_rx: RefCell<Option<mpsc::UnboundedReceiver<()>>>,
    status: RefCell<SyncStatus>,
    stopped: Cell<bool>,
    /// The browser came back online since the last round: a failure now (the network is often not quite
    /// there at the first request) starts the backoff again from its first wait.
    back_online: Cell<bool>,
    stream: RefCell<Option<web_sys::EventSource>>,
    callbacks: RefCell<Vec<EventCallback>>,
}

impl Sync {
    pub fn new(cache: Cache, api: Api, listener: Box<dyn Listener>) -> Sync {
        let (wake, wake_rx) = mpsc::unbounded();
        let online = web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true);
        Sync {
            inner: Rc::new(Inner {
                cache,
                api,
                listener,
                wake,
                wake_rx: RefCell::new(Some(wake_rx)),
                status: RefCell::new(SyncStatus { online, ..SyncStatus::default() }),
                stopped: Cell::new(false),
                back_online: Cell::new(false),
                stream: RefCell::new(None),
                callbacks: RefCell::new(Vec::new()),
            }),
        }
    }

    /// Asks for a push and a pull now (after a change of the rep's, or their "Retry").
    pub fn poke(&self) {
        let _ = self.inner.wake.unbounded_send(());
    }

    /// Starts the loop, the change stream and the online/offline listeners.
    pub fn start(&self) {
        self.listen_online();
        self.open_stream();
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move { this.run().await });
    }

    /// Stops everything (sign-out).
    pub fn stop(&self) {
        self.inner.stopped.set(true);
        if let Some(stream) = self.inner.stream.borrow_mut().take() {
            stream.close();
        }
        if let Some(window) = web_sys::window() {
            for callback in self.inner.callbacks.borrow().iter() {
                let f = callback.as_ref().unchecked_ref();
                let _ = window.remove_event_listener_with_callback("online", f);
                let _ = window.remove_event_listener_with_callback("offline", f);
            }
        }
        self.inner.callbacks.borrow_mut().clear();
        self.poke();
    }

    pub fn status(&self) -> SyncStatus {
        self.inner.status.borrow().clone()
    }

    fn update(&self, change: impl FnOnce(&mut SyncStatus)) {
        let status = {
            let mut status = self.inner.status.borrow_mut();
            change(&mut status);
            status.clone()
        };
        self.inner.listener.status(status);
    }

    fn listen_online(&self) {
        let Some(window) = web_sys::window() else { return };
        let this = self.clone();
        let callback = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let online = event.type_() == "online";
            this.update(|s| s.online = online);
            if online {
                this.inner.back_online.set(true);
                this.poke();
            }
        });
        let f = callback.as_ref().unchecked_ref();
        let _ = window.add_event_listener_with_callback("online", f);
        let _ = window.add_event_listener_with_callback("offline", f);
        self.inner.callbacks.borrow_mut().push(callback);
    }

    /// Opens the endpoint's change stream: every `change` event wakes the loop (the browser reconnects
    /// by itself when the stream drops).
    fn open_stream(&self) {
        let Ok(source) = web_sys::EventSource::new(&self.inner.api.stream_url()) else { return };
        let this = self.clone();
        let callback = Closure::<dyn FnMut(web_sys::Event)>::new(move |_event: web_sys::Event| this.poke());
        let _ = source.add_event_listener_with_callback("change", callback.as_ref().unchecked_ref());
        self.inner.callbacks.borrow_mut().push(callback);
        *self.inner.stream.borrow_mut() = Some(source);
    }

    async fn run(&self) {
        let Some(mut wake_rx) = self.inner.wake_rx.borrow_mut().take() else { return };
        let mut backoff = 0u32;
        while !self.inner.stopped.get() {
            let wait = match self.round().await {
                Ok(next_hold) => {
                    backoff = 0;
                    self.inner.back_online.set(false);
                    next_hold.unwrap_or(IDLE_PULL_MS)
                }
                Err(RoundError::Unauthorized) => {
                    self.update(|s| {
                        s.unauthorized = true;
                        s.busy = false;
                    });
                    MAX_BACKOFF_MS
                }
                Err(RoundError::Stopped) => break,
                Err(RoundError::Transient(reason)) => {
                    if self.inner.back_online.replace(false) {
                        backoff = 0;
                    }
                    backoff = if backoff == 0 { FIRST_BACKOFF_MS } else { (backoff * 2).min(MAX_BACKOFF_MS) };
                    self.update(|s| {
                        s.error = Some(reason);
                        s.busy = false;
                    });
                    backoff
                }
            };
            if self.inner.stopped.get() {
                break;
            }
            // Wait for a poke or the time; then drain other pokes that came meanwhile.
            match select(wake_rx.next(), TimeoutFuture::new(wait)).await {
                Either::Left((None, _)) => break,
                _ => while wake_rx.try_recv().is_ok() {},
            }
        }
    }

    /// One push and one pull. Returns how long until a held entry may go, if one is waiting.
    async fn round(&self) -> Result<Option<u32>, RoundError> {
        self.update(|s| s.busy = true);
        let next_hold = self.push().await?;
        self.pull().await?;
        self.update(|s| {
            s.busy = false;
            s.error = None;
            s.unauthorized = false;
            s.synced_at = Some(Utc::now());
        });
        Ok(next_hold)
    }

    /// Writes to the cache, unless sync was stopped (signed out) while this round was on the network: a
    /// late answer must not write the old session's records back into the emptied cache.
    async fn write(&self, writes: Vec<Write>) -> Result<(), RoundError> {
        if self.inner.stopped.get() {
            return Err(RoundError::Stopped);
        }
        self.inner.cache.write(writes).await?;
        Ok(())
    }

    /// Refreshes the outbox figures of the status from the cache.
    pub async fn refresh_outbox(&self) -> Result<(), StorageError> {
        let outbox = self.inner.cache.outbox().await?;
        let waiting = waiting_records(&outbox.items);
        let rejected: Vec<(u32, OutboxEntry)> =
            outbox.items.into_iter().filter(|(_, e)| !e.is_waiting()).collect();
        self.update(|s| {
            s.waiting = waiting;
            s.rejected = rejected;
        });
        Ok(())
    }

    /// Pushes every waiting entry that is not held, oldest first, in batches.
    async fn push(&self) -> Result<Option<u32>, RoundError> {
        let mut next_hold: Option<u32> = None;
        let mut limit = PUSH_BATCH;
        loop {
            let outbox = self.inner.cache.outbox().await?;
            let now = Utc::now();
            let mut batch: Vec<(u32, OutboxEntry)> = Vec::new();
            let waiting = waiting_records(&outbox.items);
            for (number, entry) in outbox.items.iter() {
                if !entry.is_waiting() {
                    continue;
                }
                match entry.hold_until {
                    Some(until) if until > now => {
                        let ms = (until - now).num_milliseconds().clamp(0, i64::from(u32::MAX)) as u32;
                        next_hold = Some(next_hold.map_or(ms, |n| n.min(ms)));
                    }
                    _ if batch.len() < limit => batch.push((*number, entry.clone())),
                    _ => {}
                }
            }
            let rejected: Vec<(u32, OutboxEntry)> =
                outbox.items.iter().filter(|(_, e)| !e.is_waiting()).cloned().collect();
            let skipped = outbox.skipped.len();
            self.update(|s| {
                s.waiting = waiting;
                s.rejected = rejected;
                s.skipped = s.skipped.max(skipped);
            });
            if batch.is_empty() {
                return Ok(next_hold);
            }
            let request = PushRequest {
                version: PROTOCOL_VERSION,
                mutations: batch.iter().map(|(_, e)| e.mutation.clone()).collect(),
            };
            let response = match self.inner.api.push(&request).await {
                Ok(response) => response,
                // The whole request refused for good (too large, say): one change at a time, so the one
                // the endpoint cannot take is set aside with the reason and the others still go.
                Err(err) if !err.is_transient() && err != ApiError::Unauthorized => {
                    if batch.len() > 1 {
                        limit = 1;
                        continue;
                    }
                    let (number, mut entry) = batch.remove(0);
                    let error = match err {
                        ApiError::Refused { body, .. } => body,
                        other => ErrorBody::new(ErrorCode::Internal, other.to_string()),
                    };
                    let email = email_of(&entry.mutation.op);
                    entry.state = OutboxState::Rejected { error };
                    if let Some(id) = email {
                        self.restore_email(id).await?;
                    }
                    self.write(vec![Write::UpdateOutbox(number, Box::new(entry))]).await?;
                    self.inner.listener.changed(Pulled::default());
                    continue;
                }
                Err(err) => return Err(err.into()),
            };
            let mut writes = Vec::new();
            let mut refused_emails = Vec::new();
            for outcome in response.outcomes {
                let Some((number, entry)) = batch.iter().find(|(_, e)| e.mutation.key == outcome.key())
                else {
                    continue;
                };
                match outcome {
                    MutationOutcome::Applied { .. } | MutationOutcome::AlreadyApplied { .. } => {
                        writes.push(Write::Dequeue(*number));
                    }
                    MutationOutcome::Rejected { error, .. } => {
                        let mut entry = entry.clone();
                        if let Some(id) = email_of(&entry.mutation.op) {
                            refused_emails.push(id);
                        }
                        entry.state = OutboxState::Rejected { error };
                        writes.push(Write::UpdateOutbox(*number, Box::new(entry)));
                    }
                }
            }
            // A refused change leaves the rep's copy of the email ahead of the endpoint's: take the
            // endpoint's back, before the entry is set aside (a restore cut off by the network is tried
            // again with the entry next round).
            for id in refused_emails {
                self.restore_email(id).await?;
            }
            self.write(writes).await?;
            self.inner.listener.changed(Pulled::default());
        }
    }

    /// Replaces the cached copy of an email with the endpoint's (or removes it when the endpoint has none).
    async fn restore_email(&self, id: EmailId) -> Result<(), RoundError> {
        match self.inner.api.email(id).await {
            Ok(email) => {
                let record = EmailRecord { email, engagement: Default::default() };
                self.write(vec![Write::Email(Box::new(record))]).await?;
            }
            Err(ApiError::Refused { status: 404, .. }) => {
                self.write(vec![Write::DeleteEmail(id)]).await?;
            }
            Err(err) => return Err(err.into()),
        }
        Ok(())
    }

    /// Pulls the change feed from the cursor until it is caught up, one page per transaction (the page's
    /// records and the cursor after it together).
    async fn pull(&self) -> Result<(), RoundError> {
        let mut cursor = self.inner.cache.cursor().await?;
        loop {
            let page = self.inner.api.changes(cursor, PULL_PAGE).await?;
            if page.changes.is_empty() {
                return Ok(());
            }
            let pulled = Pulled {
                changes: page.changes.len(),
                events: page
                    .changes
                    .iter()
                    .filter_map(|c| match &c.record {
                        Record::Event { event } => Some(event.clone()),
                        _ => None,
                    })
                    .collect(),
                records: page.changes.iter().map(|c| c.record.clone()).collect(),
            };
            let writes = self.writes_for(&page).await?;
            self.write(writes).await?;
            cursor = page.next;
            self.inner.listener.changed(pulled);
            if !page.has_more {
                return Ok(());
            }
        }
    }

    /// The cache writes that take in one page of the feed.
    async fn writes_for(&self, page: &ChangePage) -> Result<Vec<Write>, RoundError> {
        let outbox = self.inner.cache.outbox().await?;
        let edited: HashSet<EmailId> = outbox
            .items
            .iter()
            .filter(|(_, e)| e.is_waiting())
            .filter_map(|(_, e)| match &e.mutation.op {
                Operation::PutEmail { email } => Some(email.id),
                _ => None,
            })
            .collect();
        let mut writes = Vec::with_capacity(page.changes.len() + 1);
        for Change { record, .. } in &page.changes {
            match record {
                Record::Email { email } if edited.contains(&email.id) => {
                    let local = self.inner.cache.email(email.id).await.ok().flatten();
                    let email = settle_incoming_email(local.as_ref().map(|r| &r.email), email, true);
                    writes
                        .push(Write::Email(Box::new(EmailRecord { email, engagement: Default::default() })));
                }
                record => writes.extend(Write::of(record)),
            }
        }
        writes.push(Write::meta(meta::CURSOR, &page.next));
        Ok(writes)
    }
}

/// The records whose changes wait in the outbox (not those set aside as refused), each once.
fn waiting_records(items: &[(u32, OutboxEntry)]) -> Vec<Changed> {
    changed_records(items.iter().filter(|(_, e)| e.is_waiting()).map(|(_, e)| &e.mutation.op))
}

/// The email a mutation is about, when it is about one.
fn email_of(op: &Operation) -> Option<EmailId> {
    match op {
        Operation::PutEmail { email } => Some(email.id),
        other => other.email_action_target(),
    }
}

enum RoundError {
    Unauthorized,
    Transient(String),
    /// Sync was stopped in the middle of the round.
    Stopped,
}

impl From<ApiError> for RoundError {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::Unauthorized => RoundError::Unauthorized,
            other => RoundError::Transient(other.to_string()),
        }
    }
}

impl From<StorageError> for RoundError {
    fn from(err: StorageError) -> Self {
        RoundError::Transient(err.to_string())
    }
}
