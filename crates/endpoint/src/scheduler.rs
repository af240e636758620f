//! The scheduler: sends due emails, each at most once, and stops without failing what never left.
//!
//! An email is marked as going out (Scheduled → In progress, committed) only when it is its turn: a place
//! among the messages in flight is free and its user's send rate allows it. It is then handed to SMTP at
//! once. So at any moment only the few emails whose hand-off has begun are In progress, and:
//!
//! - Delivered on 250, Bounced on a 5xx, Failed when the relay may have taken it without saying so;
//! - a transient failure before the content (no connection, a 4xx) releases the email back to Scheduled
//!   with the relay's words, and it is tried again after a backoff, up to the attempts allowed;
//! - a stop (SIGTERM) stops marking emails, lets the messages in flight finish (a bounded wait), writes
//!   their outcomes, and leaves every other email Scheduled for the next start;
//! - after a crash, the emails left In progress are exactly those whose hand-off had begun: their fate is
//!   unknown, so they are marked Failed ("interrupted") and never sent again by themselves.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use domain::classify::ClassifierSettings;
use domain::reaction::Handoff;
use domain::{Bounce, Email, EmailId, UserId};
use tokio::sync::{Notify, Semaphore, mpsc, oneshot};
use tokio::time::Instant as Tick;
use tokio_util::sync::CancellationToken;

use crate::dkim::DkimKeys;
use crate::engagement;
use crate::feed::Feed;
use crate::http::AppState;
use crate::mailer::{self, Gate, SendOutcome, Transport};
use crate::store::{Store, StoreError, Tx};
use crate::tracking::TrackingKeys;
use domain::sync::RecordKind;

/// How the scheduler sends.
#[derive(Clone, Debug)]
pub struct SendSettings {
    /// Messages per second, per user.
    pub per_user_rate: f64,
    /// Attempts for a transient failure before the email is Failed.
    pub attempts: u32,
    /// Wait before the second attempt; doubled for each one after.
    pub backoff: Duration,
    /// Messages in flight at once, all users together.
    pub concurrency: usize,
    /// Domain of Message-IDs and return paths; the sender's domain when `None`.
    pub bounce_domain: Option<String>,
    /// How long a stop waits for the messages in flight.
    pub stop_grace: Duration,
    /// The sending domains' DKIM keys.
    pub dkim: DkimKeys,
}

impl Default for SendSettings {
    fn default() -> Self {
        SendSettings {
            per_user_rate: 20.0,
            attempts: 3,
            backoff: Duration::from_secs(2),
            concurrency: 8,
            bounce_domain: None,
            stop_grace: Duration::from_secs(10),
            dkim: DkimKeys::default(),
        }
    }
}

/// The most due emails of one user read at a time; more are read as these go out.
const DUE_PER_USER: u32 = 64;
/// The due list is read again at least this often (emails fall due as time passes).
const REFRESH: Duration = Duration::from_secs(1);
/// A user's send rate lets this much unused time accumulate, so a high rate is not capped by how often
/// the scheduler wakes, and a low one sends at most one message early.
const RATE_BURST: Duration = Duration::from_millis(10);
/// A backoff is remembered this long after it ends even when its email is not seen due (its release may
/// not be written yet), so its attempts keep counting.
const FORGET_RETRY: Duration = Duration::from_secs(60);

/// Everything the scheduler needs, shared with the HTTP side (which wakes it).
pub struct Scheduler {
    pub store: Store,
    pub transport: Transport,
    pub keys: TrackingKeys,
    pub public_url: String,
    pub feed: Feed,
    pub wake: Arc<Notify>,
    pub classifier: Arc<ClassifierSettings>,
    pub settings: SendSettings,
    pacing: std::sync::Mutex<Pacing>,
    in_flight: Arc<Semaphore>,
    /// Told when a message in flight is done, so the next one can go.
    freed: Notify,
    writer: Writer,
}

/// What the scheduler keeps in memory between passes: the due emails it knows of, each user's next
/// sending slot, and the emails waiting out a backoff.
#[derive(Default)]
struct Pacing {
    due: HashMap<UserId, VecDeque<EmailId>>,
    /// Users whose last read returned a full page: read again as soon as their queue runs dry.
    more: HashSet<UserId>,
    next_slot: HashMap<UserId, Tick>,
    retry: HashMap<EmailId, Retry>,
    /// Emails picked and not yet done with: never picked twice, whatever a read of the due list says.
    taken: HashSet<EmailId>,
}

#[derive(Clone, Copy)]
struct Retry {
    /// Attempts made so far.
    attempts: u32,
    not_before: Tick,
}

impl Scheduler {
    /// A scheduler sharing the HTTP side's store, tracking keys, change notifications, wake-ups and
    /// classifier, sending through `transport` with links on `public_url`.
    pub fn new(
        shared: &AppState,
        transport: Transport,
        public_url: String,
        settings: SendSettings,
    ) -> Scheduler {
        let in_flight = Arc::new(Semaphore::new(settings.concurrency.max(1)));
        let store = shared.store.clone();
        let (feed, classifier) = (shared.feed.clone(), shared.classifier.clone());
        let writer =
            Writer::start(store.clone(), feed.clone(), classifier.clone(), settings.bounce_domain.clone());
        Scheduler {
            writer,
            classifier,
            store,
            transport,
            keys: shared.keys.clone(),
            public_url,
            feed,
            wake: shared.wake.clone(),
            settings,
            pacing: std::sync::Mutex::new(Pacing::default()),
            in_flight,
            freed: Notify::new(),
        }
    }

    /// Marks every email a crash left In progress as Failed ("interrupted"). Returns how many. Only emails
    /// whose hand-off to the relay had begun are ever In progress, so none of these is sent again.
    pub async fn recover_interrupted(&self) -> Result<usize, StoreError> {
        let stuck = self.store.emails_in_progress().await?;
        for email in &stuck {
            tracing::warn!(email = %email.id, "an email was being handed to the relay when the endpoint stopped: marked Failed");
            let mut tx = self.store.begin().await?;
            let seq = record_outcome(&mut tx, &self.classifier, email.owner, email.id, Handoff::Interrupted)
                .await?;
            tx.commit().await?;
            if let Some(seq) = seq {
                self.feed.changed(email.owner, seq);
            }
        }
        Ok(stuck.len())
    }

    /// Sends what is due until `stop` is cancelled, then lets the messages in flight finish (at most
    /// [`SendSettings::stop_grace`]) and writes their outcomes. Every email not yet handed over stays
    /// Scheduled.
    pub async fn run(self: Arc<Self>, stop: CancellationToken) {
        let mut refresh_at = Tick::now();
        loop {
            if stop.is_cancelled() {
                break;
            }
            let now = Tick::now();
            let mut next_due = None;
            if now >= refresh_at || self.wants_more() {
                match self.refresh().await {
                    Ok(due) => next_due = due,
                    Err(err) => tracing::error!(error = %err, "could not read the due emails"),
                }
                refresh_at = Tick::now() + REFRESH;
            }
            let pause = self.send_ready(&stop).unwrap_or(Duration::ZERO);
            let mut until = (Tick::now() + pause).min(refresh_at);
            if let Some(due) = next_due {
                until = until.min(due);
            }
            tokio::select! {
                () = stop.cancelled() => break,
                () = self.wake.notified() => refresh_at = Tick::now(),
                () = self.freed.notified() => {}
                () = tokio::time::sleep_until(until) => {}
            }
        }
        self.finish().await;
    }

    /// After a stop: waits for the messages in flight (bounded) and for their outcomes to be written.
    async fn finish(&self) {
        let all = self.settings.concurrency.max(1) as u32;
        let waited = tokio::time::timeout(self.settings.stop_grace, self.in_flight.acquire_many(all)).await;
        if waited.is_err() {
            let left = all as usize - self.in_flight.available_permits();
            tracing::warn!(
                left,
                "stopping with messages still being handed to the relay: they will be marked Failed \
                 (interrupted) at the next start, never sent twice"
            );
        }
        self.writer.flush().await;
        tracing::info!("the scheduler stopped; emails not yet handed over stay Scheduled");
    }

    /// Whether a user's queue ran dry while more of their emails may be due.
    fn wants_more(&self) -> bool {
        let pacing = self.pacing.lock().expect("pacing lock");
        pacing.more.iter().any(|user| pacing.due.get(user).is_none_or(VecDeque::is_empty))
    }

    /// Reads the due emails again (a page per user) and returns when the next scheduled one falls due.
    async fn refresh(&self) -> Result<Option<Tick>, StoreError> {
        let now = Utc::now();
        let due = self.store.due_emails(now, DUE_PER_USER).await?;
        let next = self.store.next_due_millis().await?;
        let mut pacing = self.pacing.lock().expect("pacing lock");
        let Pacing { due: queues, taken, more, .. } = &mut *pacing;
        queues.clear();
        let mut counts: HashMap<UserId, u32> = HashMap::new();
        for (user, id) in due {
            *counts.entry(user).or_default() += 1;
            if !taken.contains(&id) {
                queues.entry(user).or_default().push_back(id);
            }
        }
        *more = counts.into_iter().filter(|(_, n)| *n >= DUE_PER_USER).map(|(u, _)| u).collect();
        // Backoffs of emails no longer waiting (sent, edited, deleted) are forgotten.
        let waiting: HashSet<EmailId> = pacing.due.values().flatten().copied().collect();
        let tick = Tick::now();
        pacing.retry.retain(|id, retry| waiting.contains(id) || retry.not_before + FORGET_RETRY > tick);
        let next = next.and_then(|at| {
            let wait = at - now.timestamp_millis();
            (wait > 0).then(|| tick + Duration::from_millis(wait as u64))
        });
        Ok(next)
    }

    /// Starts sending every email whose turn has come, as far as there is room in flight: each is marked
    /// and handed over by a task of its own, so marking one overlaps with the others' SMTP conversations.
    /// Returns how long until the next one's turn (`None`: at once).
    fn send_ready(self: &Arc<Self>, stop: &CancellationToken) -> Option<Duration> {
        let room = self.in_flight.available_permits();
        let (picked, wait) = self.pick(room);
        if picked.is_empty() {
            return Some(wait.unwrap_or(REFRESH));
        }
        let started = picked.len();
        for (user, id) in picked {
            let Ok(permit) = self.in_flight.clone().try_acquire_owned() else {
                // Cannot happen (the room was counted with none taken since); it is picked again later.
                self.pacing.lock().expect("pacing lock").taken.remove(&id);
                continue;
            };
            let (this, stop) = (Arc::clone(self), stop.clone());
            tokio::spawn(async move {
                this.send_one(user, id, &stop).await;
                this.pacing.lock().expect("pacing lock").taken.remove(&id);
                drop(permit);
                this.freed.notify_one();
            });
        }
        if started == room { Some(REFRESH) } else { None }
    }

    /// Takes up to `room` emails whose turn has come (their user's slot is open, no backoff holds them),
    /// reserving each one's slot. Also says how long until the next turn when nothing more is ready.
    fn pick(&self, room: usize) -> (Vec<(UserId, EmailId)>, Option<Duration>) {
        let interval = Duration::from_secs_f64(1.0 / self.settings.per_user_rate.max(0.001));
        let now = Tick::now();
        let mut pacing = self.pacing.lock().expect("pacing lock");
        let Pacing { due, next_slot, retry, taken, .. } = &mut *pacing;
        let mut picked = Vec::new();
        let mut wait: Option<Duration> = None;
        let mut soonest = |at: Tick| {
            let d = at.saturating_duration_since(now);
            wait = Some(wait.map_or(d, |w| w.min(d)));
        };
        let mut users: Vec<UserId> = due.keys().copied().collect();
        users.sort_unstable_by_key(|u| u.0);
        // Round after round, one email per user each round, so one user's backlog never holds up another.
        let mut progress = true;
        while picked.len() < room && progress {
            progress = false;
            for user in &users {
                if picked.len() >= room {
                    break;
                }
                let queue = due.get_mut(user).expect("queued user");
                // The first email of the user's queue that no backoff holds.
                let Some(position) = queue.iter().position(|id| match retry.get(id) {
                    Some(r) if r.not_before > now => {
                        soonest(r.not_before);
                        false
                    }
                    _ => true,
                }) else {
                    continue;
                };
                let slot = next_slot.get(user).copied().unwrap_or(now - RATE_BURST);
                if slot > now {
                    soonest(slot);
                    continue;
                }
                let id = queue.remove(position).expect("position in queue");
                next_slot.insert(*user, slot.max(now - RATE_BURST) + interval);
                taken.insert(id);
                picked.push((*user, id));
                progress = true;
            }
        }
        (picked, wait)
    }

    /// Marks, hands over and records one email whose turn has come, unless the endpoint is stopping.
    async fn send_one(&self, user: UserId, id: EmailId, stop: &CancellationToken) {
        if stop.is_cancelled() {
            return;
        }
        // The email as it is now, and its message, built while nothing is marked yet.
        let email = match self.store.email(user, id).await {
            Ok(Some(email)) if email.is_due(Utc::now()) => email,
            Ok(_) => return,
            Err(err) => return tracing::error!(email = %id, error = %err, "could not read an email to send"),
        };
        // Marked In progress while the relay is told its sender and recipients: the content goes only once
        // the mark is committed, and the mark holds only if the email is still as it was read.
        let writer = self.writer.clone();
        let expected = email.clone();
        let mut gate = Gate::new(tokio::spawn(async move {
            match writer.mark(expected).await {
                Ok(marked) => marked,
                Err(err) => {
                    tracing::error!(email = %id, error = %err, "could not mark an email for sending");
                    false
                }
            }
        }));
        let outcome = self.attempt(&email, &mut gate).await;
        if gate.opened().await
            && let Some(outcome) = outcome
        {
            self.writer.outcome(user, id, outcome).await;
        }
    }

    /// One attempt: builds the message and hands it over once `gate` opens. A transient failure becomes a
    /// release with a backoff, or Failed once the attempts are used up. `None` when it was withdrawn.
    async fn attempt(&self, email: &Email, gate: &mut Gate) -> Option<Handoff> {
        let name = self.store.user_name(email.owner).await.ok().flatten();
        let message = match mailer::build(
            email,
            &self.keys,
            &self.public_url,
            self.settings.bounce_domain.as_deref(),
            email.tracking_on_at(chrono::Utc::now()),
            mailer::Sender { name: name.as_deref(), dkim: &self.settings.dkim },
        ) {
            Ok(message) => message,
            Err(err) => return Some(self.done(email.id, Handoff::Failed(err.to_string()))),
        };
        let reason = match self.transport.send(&message, gate).await {
            SendOutcome::Delivered => return Some(self.done(email.id, Handoff::Delivered)),
            SendOutcome::Bounced { code, text } => {
                return Some(self.done(email.id, Handoff::Refused(bounce_of(code, &text))));
            }
            SendOutcome::Failed { reason } => return Some(self.done(email.id, Handoff::Failed(reason))),
            SendOutcome::Withdrawn => return None,
            SendOutcome::Transient { reason } => reason,
        };
        let allowed = self.settings.attempts.max(1);
        let mut pacing = self.pacing.lock().expect("pacing lock");
        let made = pacing.retry.get(&email.id).map_or(0, |r| r.attempts) + 1;
        if made >= allowed {
            pacing.retry.remove(&email.id);
            return Some(Handoff::Failed(format!("gave up after {made} attempts: {reason}")));
        }
        let wait = self.settings.backoff.saturating_mul(1 << (made - 1).min(16));
        pacing.retry.insert(email.id, Retry { attempts: made, not_before: Tick::now() + wait });
        tracing::info!(email = %email.id, attempt = made, %reason, "transient failure, will retry");
        Some(Handoff::NotTaken(format!("{reason} (attempt {made} of {allowed}; trying again)")))
    }

    /// A final outcome: the email's backoff, if any, is over.
    fn done(&self, id: EmailId, outcome: Handoff) -> Handoff {
        self.pacing.lock().expect("pacing lock").retry.remove(&id);
        outcome
    }
}

/// The scheduler's writes: emails to mark In progress (each just before its hand-off) and send outcomes.
/// One writer takes everything waiting and writes it in one transaction (a group commit): a mark alone
/// when sends are few, marks and outcomes together when many go at once, so the database keeps up with a
/// fast relay without anything being marked ahead of its turn. An outcome lost in a crash leaves its email
/// In progress, which the next start marks Failed ("interrupted"), never sent again.
#[derive(Clone)]
struct Writer {
    sender: mpsc::Sender<Write>,
}

/// Whether an email was marked In progress (and is to be handed over).
type Marked = Result<bool, String>;

enum Write {
    /// Mark this email In progress if it is still as given; answered once committed.
    Mark(Box<Email>, oneshot::Sender<Marked>),
    Outcome(UserId, EmailId, Handoff),
    /// Answered once everything queued before it is committed.
    Flush(oneshot::Sender<()>),
}

impl Writer {
    fn start(
        store: Store,
        feed: Feed,
        classifier: Arc<ClassifierSettings>,
        bounce_domain: Option<String>,
    ) -> Writer {
        let (sender, mut receiver) = mpsc::channel::<Write>(4096);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(512);
            while receiver.recv_many(&mut batch, 512).await > 0 {
                let now = Utc::now();
                let mut marked: Vec<(oneshot::Sender<Marked>, bool)> = Vec::new();
                let mut flushed = Vec::new();
                let result = async {
                    let mut tx = store.begin().await?;
                    let mut changed: HashMap<UserId, u64> = HashMap::new();
                    for item in batch.drain(..) {
                        let (user, seq) = match item {
                            Write::Mark(expected, answer) => {
                                let (sent, seq) =
                                    mark_in(&mut tx, &expected, now, bounce_domain.as_deref()).await?;
                                marked.push((answer, sent));
                                (expected.owner, seq)
                            }
                            Write::Outcome(user, id, outcome) => {
                                (user, record_outcome(&mut tx, &classifier, user, id, outcome).await?)
                            }
                            Write::Flush(done) => {
                                flushed.push(done);
                                continue;
                            }
                        };
                        if let Some(seq) = seq {
                            changed.insert(user, seq);
                        }
                    }
                    tx.commit().await?;
                    Ok::<_, StoreError>(changed)
                };
                match result.await {
                    Ok(changed) => {
                        changed.into_iter().for_each(|(user, seq)| feed.changed(user, seq));
                        for (answer, sent) in marked {
                            let _ = answer.send(Ok(sent));
                        }
                    }
                    // Nothing of the batch was written: its marks are refused (dropping their answers; those
                    // emails stay Scheduled and are picked again), its outcomes are lost (their emails stay
                    // In progress, and are marked Failed "interrupted" at the next start).
                    Err(err) => tracing::error!(error = %err, "could not write the scheduler's changes"),
                }
                batch.clear();
                flushed.into_iter().for_each(|done| {
                    let _ = done.send(());
                });
            }
        });
        Writer { sender }
    }

    /// Marks an email In progress if it is still as `expected`; answers whether it is to be handed over.
    async fn mark(&self, expected: Email) -> Marked {
        let refused = || "the email could not be marked for sending".to_string();
        let (answer, answered) = oneshot::channel();
        self.sender.send(Write::Mark(Box::new(expected), answer)).await.map_err(|_| refused())?;
        answered.await.map_err(|_| refused())?
    }

    async fn outcome(&self, user: UserId, id: EmailId, outcome: Handoff) {
        if self.sender.send(Write::Outcome(user, id, outcome)).await.is_err() {
            tracing::error!(email = %id, "the scheduler's writer stopped; the email stays In progress");
        }
    }

    /// Waits until everything queued so far is written.
    async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.sender.send(Write::Flush(done)).await.is_ok() {
            let _ = written.await;
        }
    }
}

/// Marks an email In progress inside `tx` (or Failed when the recipient is suppressed), when it is still
/// as `expected` (read before its message was built) and due; one edited, unscheduled or deleted meanwhile
/// is left alone. Returns whether it is to be handed over, and the change number written.
async fn mark_in(
    tx: &mut Tx,
    expected: &Email,
    now: chrono::DateTime<Utc>,
    bounce_domain: Option<&str>,
) -> Result<(bool, Option<u64>), StoreError> {
    let (user, id) = (expected.owner, expected.id);
    let Some(mut email): Option<Email> = Store::get(tx, user, RecordKind::Email, &id.to_string()).await?
    else {
        return Ok((false, None));
    };
    if email != *expected || !email.is_due(now) {
        return Ok((false, None));
    }
    let suppressed = Store::suppression(tx, user, email.recipient.as_str()).await?;
    let to_send =
        email.begin_handoff(now, suppressed.as_deref()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if to_send {
        Store::remember_message_id(tx, &email.message_id(bounce_domain), user, email.id).await?;
    }
    let seq = Store::put_email(tx, &email).await?;
    Ok((to_send, Some(seq)))
}

/// Writes what the relay's answer does to an email (the domain's reaction) inside `tx`. Returns the newest
/// change number, or `None` when nothing changed (the email is gone, or a faster signal, such as a bounce
/// report, got there first).
async fn record_outcome(
    tx: &mut Tx,
    classifier: &ClassifierSettings,
    user: UserId,
    id: EmailId,
    outcome: Handoff,
) -> Result<Option<u64>, StoreError> {
    let now = Utc::now();
    let Some(mut email): Option<Email> = Store::get(tx, user, RecordKind::Email, &id.to_string()).await?
    else {
        return Ok(None);
    };
    let effects = email.apply_handoff(now, outcome);
    if !effects.changed {
        tracing::info!(email = %id, status = ?email.status(), "send outcome not applied: the email moved on");
    }
    engagement::apply(tx, classifier, &email, effects, now).await
}

/// A bounce from an SMTP answer: the code, the enhanced status in the text when there is one, and the
/// reason read from both.
pub fn bounce_of(code: u16, text: &str) -> Bounce {
    let status = inbound::enhanced_status(text).unwrap_or_default();
    let reason = inbound::reason_for(&status, text);
    Bounce { status, smtp_code: Some(code), reason, diagnostic: text.to_string() }
}
