//! Writes tracking hits (views and clicks) in batches, off the request path.
//!
//! The pixel and the click redirect answer as soon as the token verifies: their answer never depends on
//! what is recorded. Each verified hit goes into a bounded queue; one writer takes whatever is queued (up
//! to [`BATCH`]), groups it by email, loads each email's events once, judges every hit in arrival order with
//! the domain's classifier, and writes the lot in one transaction. A full queue makes requests wait (they
//! are never dropped). Hits are written in the order they arrived, so a later hit being visible means every
//! earlier one has been written or refused.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use domain::classify::ClassifierSettings;
use domain::{EmailId, EventKind, Instant, UserId};
use tokio::sync::mpsc;

use crate::feed::Feed;
use crate::store::{Store, StoreError};
use crate::tracking_http::{Recording, new_event};

/// An identical hit (same email, same kind and link, same address and user agent) within this long of the
/// last one recorded is a repeat — a reload, a client fetching the pixel twice, a retried request — and is
/// not recorded again. It changes nothing about who opened or clicked, and keeps a hammered pixel from
/// flooding the email's timeline and everyone's change feed.
pub const REPEAT_WINDOW: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// The most hits written in one transaction.
pub const BATCH: usize = 2000;
/// The most hits waiting to be written before requests wait for room.
pub const QUEUE: usize = 100_000;

/// One verified view or click, as it arrived.
#[derive(Debug)]
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
}

impl Recorder {
    /// Starts the writer on the current runtime. It runs until every `Recorder` clone is dropped, and writes
    /// what is queued before it stops.
    pub fn start(store: Store, classifier: Arc<ClassifierSettings>, feed: Feed) -> Recorder {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write_loop(store, classifier, feed, receiver));
        Recorder { sender }
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
) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut repeats = Repeats::default();
    while receiver.recv_many(&mut batch, BATCH).await > 0 {
        let fresh: Vec<Hit> = batch.drain(..).filter(|hit| !repeats.is_repeat(hit)).collect();
        if fresh.is_empty() {
            continue;
        }
        let hits = fresh.len();
        match write_batch(&store, &classifier, fresh).await {
            Ok(changed) => {
                for (user, seq) in changed {
                    feed.changed(user, seq);
                }
            }
            Err(err) => tracing::error!(error = %err, hits, "could not record tracking hits"),
        }
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

/// Writes `hits` in one transaction. Returns the newest change number of each user it touched.
pub async fn write_batch(
    store: &Store,
    classifier: &ClassifierSettings,
    hits: Vec<Hit>,
) -> Result<Vec<(UserId, u64)>, StoreError> {
    let mut order: Vec<EmailId> = Vec::new();
    let mut by_email: HashMap<EmailId, Vec<Hit>> = HashMap::new();
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
    let mut newest: HashMap<UserId, u64> = HashMap::new();
    for id in order {
        let Some(email) = Store::email_any_user_in(&mut tx, id).await? else { continue };
        let owner = email.owner;
        let mut recording = Recording::load(&mut tx, classifier, email).await?;
        for hit in by_email.remove(&id).unwrap_or_default() {
            let mut event = new_event(recording.email(), hit.kind, hit.ip, hit.user_agent);
            event.at = hit.at;
            recording.add(&mut tx, classifier, event).await?;
        }
        if let Some(seq) = recording.finish(&mut tx).await? {
            let entry = newest.entry(owner).or_default();
            *entry = (*entry).max(seq);
        }
    }
    tx.commit().await?;
    Ok(newest.into_iter().collect())
}
