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
use tokio::sync::{Mutex, Notify, Semaphore};

use crate::feed::Feed;
use crate::mailer::{self, SendOutcome, Transport};
use crate::store::{Kind, Store, StoreError};
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
        Scheduler {
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
        let mut claimed = 0;
        for (user, id) in due {
            let Some(email) = self.claim(user, id).await? else { continue };
            claimed += 1;
            let permit = self.in_flight.clone().acquire_owned().await.ok();
            let this = Arc::clone(self);
            tokio::spawn(async move {
                let _permit = permit;
                let outcome = this.deliver(&email).await;
                if let Err(err) = this.record(email.owner, email.id, outcome).await {
                    tracing::error!(email = %email.id, error = %err, "could not record a send outcome");
                }
            });
        }
        Ok(claimed)
    }

    /// Moves a due email to In progress, or to Failed when its recipient is suppressed. Returns the email
    /// when it is now this scheduler's to send.
    async fn claim(&self, user: UserId, id: EmailId) -> Result<Option<Email>, StoreError> {
        let now = Utc::now();
        let mut tx = self.store.begin().await?;
        let Some(mut email): Option<Email> = Store::get(&mut tx, user, Kind::Email, &id.to_string()).await?
        else {
            return Ok(None);
        };
        let due = email.schedule.as_ref().is_none_or(|s| s.at <= now);
        if email.status != Status::Scheduled || !due {
            return Ok(None);
        }
        email.transition(Status::InProgress, now, None).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let suppressed = Store::suppression(&mut tx, user, email.recipient.as_str()).await?;
        if let Some(why) = suppressed {
            email
                .transition(Status::Failed, now, Some(format!("the recipient is suppressed ({why})")))
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let seq = Store::put_email(&mut tx, &email).await?;
            tx.commit().await?;
            self.feed.changed(user, seq);
            return Ok(None);
        }
        let domain = self.settings.bounce_domain.as_deref().unwrap_or(email.sender.domain()).to_string();
        Store::remember_message_id(&mut tx, &format!("{}@{}", email.id, domain), user, email.id).await?;
        let seq = Store::put_email(&mut tx, &email).await?;
        tx.commit().await?;
        self.feed.changed(user, seq);
        Ok(Some(email))
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
        let now = Utc::now();
        let mut tx = self.store.begin().await?;
        let Some(mut email): Option<Email> = Store::get(&mut tx, user, Kind::Email, &id.to_string()).await?
        else {
            return Ok(());
        };
        let (to, reason) = match &outcome {
            Outcome::Delivered => (Status::Delivered, None),
            Outcome::Bounced(bounce) => (Status::Bounced, Some(bounce_text(bounce))),
            Outcome::Failed(reason) => (Status::Failed, Some(reason.clone())),
        };
        email.transition(to, now, reason).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut seq = Store::put_email(&mut tx, &email).await?;
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
            seq = Store::put_event(&mut tx, user, &event).await?;
            if bounce.is_hard() {
                Store::suppress(&mut tx, user, email.recipient.as_str(), bounce.reason.name(), now).await?;
            }
        }
        tx.commit().await?;
        self.feed.changed(user, seq);
        Ok(())
    }
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
