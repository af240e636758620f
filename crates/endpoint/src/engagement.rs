//! Recording engagement: an email's events judged human or machine by the domain's classifier, its totals
//! kept with them, and what a reaction of the domain (a send outcome, a bounce report, a complaint, a
//! reply) asks for written in the same transaction. The tracking writer, the scheduler and inbound mail all
//! record through here.

use chrono::Utc;
use domain::aggregate::EmailEngagement;
use domain::classify::ClassifierSettings;
use domain::reaction::Effects;
use domain::{Email, EmailAddress, EngagementEvent, EventId, EventKind, Instant};

use crate::store::{Store, StoreError, Tx};
use domain::sync::RecordKind;

/// Writes what a reaction of the domain asks for, inside `tx`: the email when it changed, each event
/// (judged, with the email's totals), each suppression. Returns the newest change number, if anything was
/// written to the feed.
pub async fn apply(
    tx: &mut Tx,
    classifier: &ClassifierSettings,
    email: &Email,
    effects: Effects,
    now: Instant,
) -> Result<Option<u64>, StoreError> {
    let mut seq = None;
    if effects.changed {
        seq = Some(Store::put_email(tx, email).await?);
    }
    if !effects.events.is_empty() {
        let mut recording = Recording::load(tx, classifier, email.clone()).await?;
        for (recipient, kind) in effects.events {
            recording.add(tx, classifier, new_event(email, &recipient, kind, None, None)).await?;
        }
        seq = recording.finish(tx).await?.or(seq);
    }
    for (address, reason) in effects.suppress {
        Store::suppress(tx, email.owner, address.as_str(), &reason, Some(email.id), now).await?;
    }
    Ok(seq)
}

/// A new event of `email` about `recipient`, now.
pub fn new_event(
    email: &Email,
    recipient: &EmailAddress,
    kind: EventKind,
    ip: Option<String>,
    user_agent: Option<String>,
) -> EngagementEvent {
    EngagementEvent {
        id: EventId(uuid::Uuid::now_v7()),
        email: email.id,
        recipient: recipient.clone(),
        at: Utc::now(),
        kind,
        ip,
        user_agent,
        verdict: None,
    }
}

/// The engagement of one email while events are added to it: its recorded events and totals, read once
/// for any number of new events.
pub struct Recording {
    email: Email,
    recorded: Vec<EngagementEvent>,
    totals: EmailEngagement,
    seq: Option<u64>,
}

impl Recording {
    /// Reads the recorded events of `email` and its totals.
    pub async fn load(
        tx: &mut Tx,
        classifier: &ClassifierSettings,
        email: Email,
    ) -> Result<Recording, StoreError> {
        let recorded = Store::events_of(tx, email.owner, email.id).await?;
        Ok(Recording::of(classifier, email, recorded))
    }

    /// The recording of `email` with its recorded events (oldest first).
    pub fn of(classifier: &ClassifierSettings, email: Email, recorded: Vec<EngagementEvent>) -> Recording {
        let totals = EmailEngagement::of(classifier, &email, &recorded);
        Recording { email, recorded, totals, seq: None }
    }

    pub fn email(&self) -> &Email {
        &self.email
    }

    /// The email's totals with every event judged so far.
    pub fn totals(&self) -> &EmailEngagement {
        &self.totals
    }

    /// The email's events, each with its verdict as judged so far, oldest first.
    pub fn recorded(&self) -> &[EngagementEvent] {
        &self.recorded
    }

    /// How many events are recorded for the email.
    pub fn events(&self) -> usize {
        self.recorded.len()
    }

    /// Judges and stores `event`, rewriting the verdicts of earlier events it changes. Returns false when
    /// the event is not counted (tracking was off at its instant, or it is a repeat) and nothing was written.
    pub async fn add(
        &mut self,
        tx: &mut Tx,
        classifier: &ClassifierSettings,
        event: EngagementEvent,
    ) -> Result<bool, StoreError> {
        let Some(changed) = self.judge(classifier, event) else { return Ok(false) };
        let mut seq = 0;
        for event in &changed {
            seq = seq.max(Store::put_event(tx, self.email.owner, event).await?);
        }
        self.seq = Some(seq);
        Ok(true)
    }

    /// Judges `event` and counts it into the totals, without writing anything. Returns what must be
    /// stored: the earlier events whose verdicts changed, then the event itself; `None` when the event is
    /// not counted (tracking was off at its instant, or it is a repeat).
    pub fn judge(
        &mut self,
        classifier: &ClassifierSettings,
        mut event: EngagementEvent,
    ) -> Option<Vec<EngagementEvent>> {
        let verdicts = self.totals.apply(classifier, &self.email, &self.recorded, &event).ok()?;
        let mut changed = Vec::with_capacity(verdicts.len());
        for (id, verdict) in verdicts {
            if id == event.id {
                event.verdict = Some(verdict);
            } else if let Some(earlier) = self.recorded.iter_mut().find(|e| e.id == id) {
                earlier.verdict = Some(verdict);
                changed.push(earlier.clone());
            }
        }
        changed.push(event.clone());
        self.recorded.push(event);
        Some(changed)
    }

    /// Writes the totals when any event was added since the last time. Returns the newest change number, if
    /// anything changed. The recording can take more events afterwards.
    pub async fn finish(&mut self, tx: &mut Tx) -> Result<Option<u64>, StoreError> {
        let Some(seq) = self.seq.take() else { return Ok(None) };
        let id = self.email.id.to_string();
        Ok(Some(seq.max(Store::put(tx, self.email.owner, RecordKind::Engagement, &id, &self.totals).await?)))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use domain::{EmailId, EmailKind, Status};

    use super::*;

    #[test]
    fn an_open_from_before_the_archiving_counts_when_it_is_recorded_after_it_and_a_later_one_does_not() {
        let address = |a: &str| EmailAddress::parse(a).unwrap();
        let sent = Utc::now() - Duration::hours(2);
        let mut email = Email::new(
            EmailId::from_u128(1),
            address("rep@s.example"),
            address("ana@b.example"),
            EmailKind::Single,
            sent,
        );
        email.walk_to(Status::Delivered, sent).unwrap();
        let archived = sent + Duration::hours(1);
        email.walk_to(Status::Archived, archived).unwrap();
        let classifier = ClassifierSettings::default();
        let mut recording = Recording::of(&classifier, email.clone(), Vec::new());
        let mut open = |at| {
            let mut event =
                new_event(&email, &email.recipient, EventKind::Viewed, None, Some("Mozilla/5.0".into()));
            event.at = at;
            recording.judge(&classifier, event).is_some()
        };
        assert!(open(archived - Duration::minutes(1)), "opened while tracking was on");
        assert!(!open(archived + Duration::minutes(1)), "opened after the archiving");
        assert_eq!(recording.events(), 1);
    }
}
