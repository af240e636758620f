//! Writes tracking hits (views and clicks) in batches, off the request path.
//!
//! The pixel and the click redirect answer as soon as the token verifies: their answer never depends on
//! what is recorded. Each verified hit goes into a bounded queue; one writer takes whatever is queued (up
//! to [`BATCH`]), groups it by email, judges every hit in arrival order with the domain's classifier, and
//! writes the lot in one transaction. Hits are written in the order they arrived, so a later hit being
//! visible means every earlier one has been written or refused.
//!
//! Three things keep a burst (a campaign opened by thousands at once, or an image proxy pre-fetching every
//! pixel) from slowing the answers down:
//! - a batch is written in a handful of statements whatever its size (every event and total of the batch
//!   in one multi-row insert), not a few statements per hit;
//! - the writer keeps the recorded events of the emails it saw last ([`CACHED_EMAILS`]) between batches,
//!   current as long as nothing else changed their user's records, instead of reading them again;
//! - while hits arrive faster than [`DEFER_RATE`] a second, the writer leaves them queued and the CPU to the
//!   requests, and records once the burst calms or the queue is three-quarters full. A full queue makes
//!   requests wait (hits are never dropped). Hits still queued when the process is killed are lost; a
//!   graceful stop writes them first.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use domain::classify::ClassifierSettings;
use domain::{Email, EmailId, EngagementEvent, EventId, EventKind, Instant, UserId};
use tokio::sync::mpsc;

use crate::engagement::{Recording, new_event};
use crate::feed::Feed;
use crate::store::{Store, StoreError, Write};
use domain::sync::RecordKind;

/// An identical hit (same email, same kind and link, same address and user agent) within this long of the
/// last one recorded is a repeat — a reload, a client fetching the pixel twice, a retried request — and is
/// not recorded again. It changes nothing about who opened or clicked, and keeps a hammered pixel from
/// flooding the email's timeline and everyone's change feed.
pub const REPEAT_WINDOW: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// The most hits written in one transaction.
pub const BATCH: usize = 2000;
/// The most hits waiting to be written before requests wait for room (about 250 MB at worst).
pub const QUEUE: usize = 1_000_000;
/// Above this many hits a second, recording waits for the burst to calm.
pub const DEFER_RATE: u64 = 5_000;
/// How often the writer looks at the arrival rate while it waits.
pub const TICK: Duration = Duration::from_millis(50);
/// How many emails' recorded events the writer keeps between batches, and how many events at most.
pub const CACHED_EMAILS: usize = 10_000;
pub const CACHED_EVENTS: usize = 200_000;

/// One verified view or click, as it arrived.
#[derive(Clone, Debug)]
pub struct Hit {
    pub email: EmailId,
    pub kind: EventKind,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub at: Instant,
}

/// The queue's sending side, cheap to clone into every request.
#[derive(Clone, Debug)]
pub struct Recorder {
    sender: mpsc::Sender<Hit>,
    arrived: Arc<AtomicU64>,
    /// Hits the writer has finished with (written, refused or found to be repeats).
    done: Arc<AtomicU64>,
}

impl Recorder {
    /// Starts the writer on the current runtime. It runs until every `Recorder` clone is dropped, and writes
    /// what is queued before it stops.
    pub fn start(store: Store, classifier: Arc<ClassifierSettings>, feed: Feed) -> Recorder {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let arrived = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicU64::new(0));
        tokio::spawn(write_loop(store, classifier, feed, receiver, arrived.clone(), done.clone()));
        Recorder { sender, arrived, done }
    }

    /// Waits (at most `limit`) until every hit queued so far has been written: what a stop does before the
    /// process ends. Returns whether it got there.
    pub async fn drain(&self, limit: Duration) -> bool {
        let target = self.arrived.load(Ordering::Acquire);
        let waited = tokio::time::timeout(limit, async {
            while self.done.load(Ordering::Acquire) < target {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        waited.await.is_ok()
    }

    /// Queues one hit (waiting for room when the queue is full).
    pub async fn record(
        &self,
        email: EmailId,
        kind: EventKind,
        ip: Option<String>,
        user_agent: Option<String>,
    ) {
        let hit = Hit { email, kind, ip, user_agent, at: Utc::now() };
        self.arrived.fetch_add(1, Ordering::Relaxed);
        if self.sender.send(hit).await.is_err() {
            tracing::error!(email = %email, "tracking writer stopped; a hit was not recorded");
        }
    }
}

async fn write_loop(
    store: Store,
    classifier: Arc<ClassifierSettings>,
    feed: Feed,
    mut receiver: mpsc::Receiver<Hit>,
    arrived: Arc<AtomicU64>,
    done: Arc<AtomicU64>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut repeats = Repeats::default();
    let mut recordings = Recordings::default();
    let mut seen = arrived.load(Ordering::Relaxed);
    let mut since = tokio::time::Instant::now();
    loop {
        // A burst: leave the hits queued while they pour in, unless the queue is filling up.
        let now = tokio::time::Instant::now();
        let elapsed = now - since;
        if elapsed >= TICK {
            let count = arrived.load(Ordering::Relaxed);
            let rate = (count - seen) as f64 / elapsed.as_secs_f64();
            (seen, since) = (count, now);
            if rate > DEFER_RATE as f64 && receiver.len() < QUEUE / 4 * 3 && !receiver.is_closed() {
                tokio::time::sleep(TICK).await;
                continue;
            }
        }
        if receiver.recv_many(&mut batch, BATCH).await == 0 {
            break;
        }
        let taken = batch.len() as u64;
        let fresh: Vec<Hit> = batch.drain(..).filter(|hit| !repeats.is_repeat(hit)).collect();
        if fresh.is_empty() {
            done.fetch_add(taken, Ordering::Release);
            continue;
        }
        let hits = fresh.len();
        let mut written = write_batch(&store, &classifier, &fresh, &mut recordings).await;
        if written.is_err() {
            // Whatever went wrong may have left the kept recordings behind the database: read them again.
            recordings.clear();
            written = write_batch(&store, &classifier, &fresh, &mut recordings).await;
        }
        match written {
            Ok(changed) => {
                for (user, seq) in changed {
                    feed.changed(user, seq);
                }
            }
            Err(err) => {
                recordings.clear();
                tracing::error!(error = %err, hits, "could not record tracking hits")
            }
        }
        done.fetch_add(taken, Ordering::Release);
    }
}

/// The recordings of the emails hit lately, kept between batches so a burst on the same campaign reads each
/// email's events once. They are current while nothing but the writer changed their user's records: the
/// user's newest change number is checked in every batch, and a user's recordings are read again when it
/// moved (a reply came in, the rep archived an email …).
#[derive(Default)]
pub struct Recordings {
    entries: HashMap<EmailId, Recording>,
    /// Oldest first by when they were read: what goes when the cache is over its size. (Not by last use:
    /// a campaign's emails are hit in turn, and evicting the least recently used would evict each one just
    /// before it is hit again.)
    order: VecDeque<EmailId>,
    events: usize,
    /// Each user's newest change number when the writer last committed.
    left_at: HashMap<UserId, u64>,
}

impl Recordings {
    fn insert(&mut self, recording: Recording) {
        let id = recording.email().id;
        self.events += recording.events();
        if let Some(old) = self.entries.insert(id, recording) {
            self.events -= old.events();
        } else {
            self.order.push_back(id);
        }
    }

    fn forget_user(&mut self, user: UserId) {
        let before = self.entries.len();
        self.entries.retain(|_, r| r.email().owner != user);
        if self.entries.len() != before {
            self.events = self.entries.values().map(Recording::events).sum();
        }
        self.left_at.remove(&user);
    }

    /// Evicts the oldest recordings until the cache is within its size.
    fn trim(&mut self) {
        while self.entries.len() > CACHED_EMAILS || self.events > CACHED_EVENTS {
            let Some(oldest) = self.order.pop_front() else { break };
            if let Some(old) = self.entries.remove(&oldest) {
                self.events -= old.events();
            }
        }
        if self.order.len() > 2 * self.entries.len() + 64 {
            self.order.retain(|id| self.entries.contains_key(id));
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
        self.left_at.clear();
        self.events = 0;
    }
}

type HitKey = (EmailId, Option<String>, Option<String>, Option<String>);

/// When each distinct hit was last let through, forgotten after [`REPEAT_WINDOW`].
#[derive(Default)]
struct Repeats {
    last: HashMap<HitKey, Instant>,
}

impl Repeats {
    fn is_repeat(&mut self, hit: &Hit) -> bool {
        let link = match &hit.kind {
            EventKind::Clicked { url } => Some(url.clone()),
            _ => None,
        };
        let key = (hit.email, link, hit.ip.clone(), hit.user_agent.clone());
        if self.last.get(&key).is_some_and(|at| hit.at - *at < REPEAT_WINDOW) {
            return true;
        }
        if self.last.len() >= QUEUE {
            self.last.retain(|_, at| hit.at - *at < REPEAT_WINDOW);
            if self.last.len() >= QUEUE {
                // A flood of distinct hits: forgetting costs at most one extra event per hit.
                self.last.clear();
            }
        }
        self.last.insert(key, hit.at);
        false
    }
}

/// Writes `hits` in one transaction, in a handful of statements whatever their number, with the
/// recordings kept from earlier batches where they are still current. Returns the newest change number of
/// each user it touched.
pub async fn write_batch(
    store: &Store,
    classifier: &ClassifierSettings,
    hits: &[Hit],
    recordings: &mut Recordings,
) -> Result<Vec<(UserId, u64)>, StoreError> {
    let mut order: Vec<EmailId> = Vec::new();
    let mut by_email: HashMap<EmailId, Vec<&Hit>> = HashMap::new();
    for hit in hits {
        by_email
            .entry(hit.email)
            .or_insert_with(|| {
                order.push(hit.email);
                Vec::new()
            })
            .push(hit);
    }
    let mut tx = store.begin().await?;

    // The kept recordings of a user whose records changed since the last batch are read again.
    let mut latest: HashMap<UserId, u64> = HashMap::new();
    let cached: HashSet<UserId> =
        order.iter().filter_map(|id| recordings.entries.get(id)).map(|r| r.email().owner).collect();
    for user in cached {
        let seq = Store::latest_seq_in(&mut tx, user).await?;
        if recordings.left_at.get(&user) != Some(&seq) {
            recordings.forget_user(user);
        }
        latest.insert(user, seq);
    }
    let missing: Vec<EmailId> =
        order.iter().copied().filter(|id| !recordings.entries.contains_key(id)).collect();
    if !missing.is_empty() {
        let mut by_user: HashMap<UserId, Vec<Email>> = HashMap::new();
        for email in Store::emails_any_user_many(&mut tx, &missing).await? {
            by_user.entry(email.owner).or_default().push(email);
        }
        for (user, emails) in by_user {
            if let std::collections::hash_map::Entry::Vacant(entry) = latest.entry(user) {
                entry.insert(Store::latest_seq_in(&mut tx, user).await?);
            }
            let ids: Vec<EmailId> = emails.iter().map(|e| e.id).collect();
            let mut events = Store::events_of_many(&mut tx, user, &ids).await?;
            for email in emails {
                let recorded = events.remove(&email.id).unwrap_or_default();
                recordings.insert(Recording::of(classifier, email, recorded));
            }
        }
    }

    // Every hit judged in memory, in arrival order for each email; then everything written at once.
    let mut writes = Vec::new();
    for id in order {
        let Some(recording) = recordings.entries.get_mut(&id) else { continue };
        let mut changed: Vec<EngagementEvent> = Vec::new();
        let mut position: HashMap<EventId, usize> = HashMap::new();
        for hit in by_email.remove(&id).unwrap_or_default() {
            let email = recording.email();
            let mut event =
                new_event(email, &email.recipient, hit.kind.clone(), hit.ip.clone(), hit.user_agent.clone());
            event.at = hit.at;
            for event in recording.judge(classifier, event).unwrap_or_default() {
                match position.get(&event.id) {
                    Some(&at) => changed[at] = event,
                    None => {
                        position.insert(event.id, changed.len());
                        changed.push(event);
                    }
                }
            }
        }
        if changed.is_empty() {
            continue;
        }
        let owner = recording.email().owner;
        for event in &changed {
            writes.push(Write::event(owner, event)?);
        }
        writes.push(Write::record(owner, RecordKind::Engagement, id.to_string(), recording.totals())?);
    }
    let seqs = Store::put_many(&mut tx, &writes).await?;
    let mut newest: HashMap<UserId, u64> = HashMap::new();
    for (write, seq) in writes.iter().zip(seqs) {
        let entry = newest.entry(write.user).or_default();
        *entry = (*entry).max(seq);
    }
    tx.commit().await?;

    for (user, seq) in latest {
        recordings.left_at.insert(user, newest.get(&user).copied().unwrap_or(seq).max(seq));
    }
    recordings.trim();
    Ok(newest.into_iter().collect())
}
