//! The scheduler: sends due emails, each at most once.
//!
//! An email is claimed (Scheduled → In progress, committed) before it is handed to SMTP. The outcome is
//! then recorded through the domain's state machine: Delivered on 250, Bounced on a 5xx, Failed after the
//! retries of a transient failure run out. A crash between claim and outcome leaves the email In progress;
//! on start, every such email is marked Failed with the reason "interrupted" — its fate is unknown, so it
//! is never silently sent again.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use domain::{Bounce, Email, EmailId, EngagementEvent, EventId, EventKind, Status, UserId};
use tokio::sync::{Mutex, Notify, Semaphore, mpsc};

use crate::feed::Feed;
use crate::mailer::{self, SendOutcome, Transport};
use crate::store::{Kind, Store, StoreError, Tx};
use crate::tracking::TrackingKeys;

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
}

impl Default for SendSettings {
    fn default() -> Self {
        SendSettings {
            per_user_rate: 20.0,
            attempts: 3,
            backoff: Duration::from_secs(2),
            concurrency: 8,
            bounce_domain: None,
        }
    }
}

/// Everything the scheduler needs, shared with the HTTP side (which wakes it).
pub struct Scheduler {
    pub store: Store,
    pub transport: Transport,
    pub keys: TrackingKeys,
    pub public_url: String,
    pub feed: Feed,
    pub wake: Arc<Notify>,
    pub settings: SendSettings,
    next_slot: Mutex<HashMap<UserId, tokio::time::Instant>>,
    in_flight: Arc<Semaphore>,
    outcomes: Outcomes,
}

impl Scheduler {
    pub fn new(
        store: Store,
        transport: Transport,
        keys: TrackingKeys,
        public_url: String,
        feed: Feed,
        wake: Arc<Notify>,
        settings: SendSettings,
    ) -> Scheduler {
        let in_flight = Arc::new(Semaphore::new(settings.concurrency.max(1)));
        let outcomes = Outcomes::start(store.clone(), feed.clone());
        Scheduler {
            outcomes,
            store,
            transport,
            keys,
            public_url,
            feed,
            wake,
            settings,
            next_slot: Mutex::new(HashMap::new()),
            in_flight,
        }
    }

    /// Marks every email a crash left In progress as Failed ("interrupted"). Returns how many.
    pub async fn recover_interrupted(&self) -> Result<usize, StoreError> {
        let stuck = self.store.emails_in_progress().await?;
        for email in &stuck {
            tracing::warn!(email = %email.id, "an email was being sent when the endpoint stopped: marked Failed");
            self.record(email.owner, email.id, Outcome::Failed("interrupted".into())).await?;
        }
        Ok(stuck.len())
    }

    /// Runs forever: sends what is due, then sleeps until the next due time or a wake-up.
    pub async fn run(self: Arc<Self>) {
        if let Err(err) = self.recover_interrupted().await {
            tracing::error!(error = %err, "could not recover emails left in progress");
        }
        loop {
            match self.send_due().await {
                Ok(_) => {}
                Err(err) => tracing::error!(error = %err, "scheduler pass failed"),
            }
            let pause = match self.store.next_due_millis().await {
                Ok(Some(due)) => {
                    let wait = due - Utc::now().timestamp_millis();
                    Duration::from_millis(wait.clamp(0, 1000) as u64)
                }
                _ => Duration::from_secs(1),
            };
            if pause.is_zero() {
                tokio::task::yield_now().await;
                // Everything due was claimed already; wait for the in-flight sends to make room.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// Claims and starts sending every email due now. Returns how many were claimed.
    pub async fn send_due(self: &Arc<Self>) -> Result<usize, StoreError> {
        let due = self.store.due_emails(Utc::now(), 200).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let claimed = self.claim(due).await?;
        let count = claimed.len();
        for email in claimed {
            let permit = self.in_flight.clone().acquire_owned().await.ok();
            let this = Arc::clone(self);
            tokio::spawn(async move {
                let _permit = permit;
                let outcome = this.deliver(&email).await;
                this.outcomes.send((email.owner, email.id, outcome)).await;
            });
        }
        Ok(count)
    }

    /// Moves due emails to In progress (or to Failed when the recipient is suppressed), all in one
    /// transaction committed before any of them is handed to SMTP. Returns the emails now this
    /// scheduler's to send.
    async fn claim(&self, due: Vec<(UserId, EmailId)>) -> Result<Vec<Email>, StoreError> {
        let now = Utc::now();
        let mut tx = self.store.begin().await?;
        let mut claimed = Vec::with_capacity(due.len());
        let mut changed: HashMap<UserId, u64> = HashMap::new();
        for (user, id) in due {
            let Some(mut email): Option<Email> =
                Store::get(&mut tx, user, Kind::Email, &id.to_string()).await?
            else {
                continue;
            };
            let is_due = email.schedule.as_ref().is_none_or(|s| s.at <= now);
            if email.status != Status::Scheduled || !is_due {
                continue;
            }
            email
                .transition(Status::InProgress, now, None)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let suppressed = Store::suppression(&mut tx, user, email.recipient.as_str()).await?;
            if let Some(why) = suppressed {
                email
                    .transition(Status::Failed, now, Some(format!("the recipient is suppressed ({why})")))
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                changed.insert(user, Store::put_email(&mut tx, &email).await?);
                continue;
            }
            let domain = self.settings.bounce_domain.as_deref().unwrap_or(email.sender.domain()).to_string();
            Store::remember_message_id(&mut tx, &format!("{}@{}", email.id, domain), user, email.id).await?;
            changed.insert(user, Store::put_email(&mut tx, &email).await?);
            claimed.push(email);
        }
        tx.commit().await?;
        for (user, seq) in changed {
            self.feed.changed(user, seq);
        }
        Ok(claimed)
    }

    /// Waits for the user's next sending slot (the per-user rate limit).
    async fn wait_for_slot(&self, user: UserId) {
        let interval = Duration::from_secs_f64(1.0 / self.settings.per_user_rate.max(0.001));
        let start = {
            let mut slots = self.next_slot.lock().await;
            let now = tokio::time::Instant::now();
            let slot = slots.get(&user).copied().unwrap_or(now).max(now);
            slots.insert(user, slot + interval);
            slot
        };
        tokio::time::sleep_until(start).await;
    }

    /// Builds and hands the message over, retrying transient failures with backoff.
    async fn deliver(&self, email: &Email) -> Outcome {
        let message = match mailer::build(
            email,
            &self.keys,
            &self.public_url,
            self.settings.bounce_domain.as_deref(),
            email.tracking_enabled(),
        ) {
            Ok(message) => message,
            Err(err) => return Outcome::Failed(err.to_string()),
        };
        let mut wait = self.settings.backoff;
        let mut last = String::new();
        for attempt in 1..=self.settings.attempts.max(1) {
            self.wait_for_slot(email.owner).await;
            match self.transport.send(&message).await {
                SendOutcome::Delivered => return Outcome::Delivered,
                SendOutcome::Bounced { code, text } => return Outcome::Bounced(bounce_of(code, &text)),
                SendOutcome::Failed { reason } => return Outcome::Failed(reason),
                SendOutcome::Transient { reason } => {
                    tracing::info!(email = %email.id, attempt, %reason, "transient failure, will retry");
                    last = reason;
                }
            }
            if attempt < self.settings.attempts {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        }
        Outcome::Failed(format!("gave up after {} attempts: {last}", self.settings.attempts.max(1)))
    }

    /// Records the outcome of a send through the state machine (and, for a bounce, its event and a hard
    /// bounce's suppression).
    async fn record(&self, user: UserId, id: EmailId, outcome: Outcome) -> Result<(), StoreError> {
        let mut tx = self.store.begin().await?;
        let seq = record_outcome(&mut tx, user, id, outcome).await?;
        tx.commit().await?;
        if let Some(seq) = seq {
            self.feed.changed(user, seq);
        }
        Ok(())
    }
}

/// Send outcomes waiting to be written. One writer takes all that are queued and writes them in one
/// transaction, so a fast relay is not held up by one commit per message. An outcome lost in a crash
/// leaves its email In progress, which the next start marks Failed ("interrupted"), never sent again.
struct Outcomes {
    sender: mpsc::Sender<(UserId, EmailId, Outcome)>,
}

impl Outcomes {
    fn start(store: Store, feed: Feed) -> Outcomes {
        let (sender, mut receiver) = mpsc::channel::<(UserId, EmailId, Outcome)>(4096);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(512);
            while receiver.recv_many(&mut batch, 512).await > 0 {
                let result = async {
                    let mut tx = store.begin().await?;
                    let mut changed: HashMap<UserId, u64> = HashMap::new();
                    for (user, id, outcome) in batch.drain(..) {
                        if let Some(seq) = record_outcome(&mut tx, user, id, outcome).await? {
                            changed.insert(user, seq);
                        }
                    }
                    tx.commit().await?;
                    Ok::<_, StoreError>(changed)
                };
                match result.await {
                    Ok(changed) => changed.into_iter().for_each(|(user, seq)| feed.changed(user, seq)),
                    Err(err) => tracing::error!(error = %err, "could not record send outcomes"),
                }
                batch.clear();
            }
        });
        Outcomes { sender }
    }

    async fn send(&self, item: (UserId, EmailId, Outcome)) {
        let id = item.1;
        if self.sender.send(item).await.is_err() {
            tracing::error!(email = %id, "the outcome writer stopped; the email stays In progress");
        }
    }
}

/// Writes one send outcome inside `tx`. Returns the newest change number, or `None` when the email is gone.
async fn record_outcome(
    tx: &mut Tx,
    user: UserId,
    id: EmailId,
    outcome: Outcome,
) -> Result<Option<u64>, StoreError> {
    let now = Utc::now();
    let Some(mut email): Option<Email> = Store::get(tx, user, Kind::Email, &id.to_string()).await? else {
        return Ok(None);
    };
    let (to, reason) = match &outcome {
        Outcome::Delivered => (Status::Delivered, None),
        Outcome::Bounced(bounce) => (Status::Bounced, Some(bounce_text(bounce))),
        Outcome::Failed(reason) => (Status::Failed, Some(reason.clone())),
    };
    if let Err(refused) = email.transition(to, now, reason) {
        // A faster signal got there first (a bounce report can arrive before the relay's answer is
        // written): the email keeps that status, and the other outcomes written with this one still are.
        tracing::info!(email = %id, %refused, "send outcome not applied");
        return Ok(None);
    }
    let mut seq = Store::put_email(tx, &email).await?;
    if let Outcome::Bounced(bounce) = outcome {
        let event = EngagementEvent {
            id: EventId(uuid::Uuid::now_v7()),
            email: email.id,
            recipient: email.recipient.clone(),
            at: now,
            kind: EventKind::Bounced(bounce.clone()),
            ip: None,
            user_agent: None,
            verdict: None,
        };
        seq = Store::put_event(tx, user, &event).await?;
        if bounce.is_hard() {
            for address in email.refused_in(&bounce.diagnostic) {
                Store::suppress(tx, user, address.as_str(), bounce.reason.name(), now).await?;
            }
        }
    }
    Ok(Some(seq))
}

/// What became of one send.
#[derive(Debug)]
enum Outcome {
    Delivered,
    Bounced(Bounce),
    Failed(String),
}

/// A bounce from an SMTP answer: the code, the enhanced status in the text when there is one, and the
/// reason read from both.
pub fn bounce_of(code: u16, text: &str) -> Bounce {
    let status = inbound::enhanced_status(text).unwrap_or_default();
    let reason = inbound::reason_for(&status, text);
    Bounce { status, smtp_code: Some(code), reason, diagnostic: text.to_string() }
}

fn bounce_text(bounce: &Bounce) -> String {
    let code = bounce.smtp_code.map(|c| c.to_string()).unwrap_or_default();
    format!("{code} {}", bounce.diagnostic).trim().to_string()
}
