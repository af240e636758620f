//! What a user's mutation does to their records: one function for the REST routes and the sync push alike.
//!
//! Every decision comes from the domain (transitions, deletion rule, conflict rules, validation); this module
//! reads the stored record, asks the domain, and writes the result in one transaction. It answers with the
//! change number the result has in the feed.

use chrono::Utc;
use domain::sync::{
    EmailEffect, ErrorBody, ErrorCode, MutationOutcome, Operation, PutEmail, apply_to_email, settle_put_email,
};
use domain::{Email, EmailAddress, EmailId, Instant, Status, UserId};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::store::{Store, Tx};
use domain::sync::RecordKind;

/// The effect of an applied mutation: its change number, and whether it may have made an email due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applied {
    pub seq: u64,
    pub wakes_scheduler: bool,
}

fn refused(code: ErrorCode, message: impl Into<String>) -> ApiError {
    ApiError(ErrorBody::new(code, message))
}

async fn load_email(tx: &mut Tx, user: UserId, id: EmailId) -> Result<Email, ApiError> {
    Store::get(tx, user, RecordKind::Email, &id.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found("email"))
}

/// Applies one operation for `user` inside `tx`.
pub async fn apply(tx: &mut Tx, user: UserId, op: &Operation, now: Instant) -> Result<Applied, ApiError> {
    if let Some(id) = op.email_action_target() {
        let email = load_email(tx, user, id).await?;
        return match apply_to_email(&email, op, now).map_err(ApiError)? {
            EmailEffect::Updated(email) => {
                let wakes_scheduler = email.status() == Status::Scheduled;
                Ok(Applied { seq: Store::put_email(tx, &email).await?, wakes_scheduler })
            }
            EmailEffect::Deleted => delete(tx, user, RecordKind::Email, &id.to_string()).await,
        };
    }
    match op {
        Operation::PutEmail { email } => put_email(tx, user, email, now).await,
        Operation::PutPerson { person } => {
            put(tx, user, RecordKind::Person, &person.id.to_string(), person).await
        }
        Operation::DeletePerson { person } => delete(tx, user, RecordKind::Person, &person.to_string()).await,
        Operation::PutCampaign { campaign } => {
            campaign
                .validate()
                .map_err(|e| ApiError::field(ErrorCode::InvalidInput, "name", e.to_string()))?;
            put(tx, user, RecordKind::Campaign, &campaign.id.to_string(), campaign).await
        }
        Operation::PutTask { task } => {
            task.validate().map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
            put(tx, user, RecordKind::Task, &task.id.to_string(), task).await
        }
        Operation::DeleteTask { task } => delete(tx, user, RecordKind::Task, &task.to_string()).await,
        Operation::PutSavedSearch { search } => {
            search.validate().map_err(|e| ApiError::field(ErrorCode::InvalidInput, "name", e.to_string()))?;
            put(tx, user, RecordKind::SavedSearch, &search.id.to_string(), search).await
        }
        Operation::DeleteSavedSearch { search } => {
            delete(tx, user, RecordKind::SavedSearch, &search.to_string()).await
        }
        // Email actions were applied above.
        _ => Err(refused(ErrorCode::InvalidInput, "this operation names no email")),
    }
}

async fn put<T: serde::Serialize>(
    tx: &mut Tx,
    user: UserId,
    kind: RecordKind,
    id: &str,
    value: &T,
) -> Result<Applied, ApiError> {
    Ok(Applied { seq: Store::put(tx, user, kind, id, value).await?, wakes_scheduler: false })
}

async fn delete(tx: &mut Tx, user: UserId, kind: RecordKind, id: &str) -> Result<Applied, ApiError> {
    match Store::delete(tx, user, kind, id).await? {
        Some(seq) => Ok(Applied { seq, wakes_scheduler: false }),
        None => Err(ApiError::not_found(kind.name())),
    }
}

async fn put_email(tx: &mut Tx, user: UserId, incoming: &Email, now: Instant) -> Result<Applied, ApiError> {
    let mut incoming = incoming.clone();
    incoming.owner = user;
    incoming.validate().map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
    // An email goes out from its rep's own address: the relay is shared, and its Message-ID and VERP
    // address are made from the sender's domain.
    let own = Store::user_address(tx, user).await?;
    if own.as_deref().and_then(|a| EmailAddress::parse(a).ok()).as_ref() != Some(&incoming.sender) {
        return Err(ApiError::field(
            ErrorCode::InvalidInput,
            "sender",
            format!("an email goes out from your own address ({})", own.unwrap_or_default()),
        ));
    }
    let stored: Option<Email> = Store::get(tx, user, RecordKind::Email, &incoming.id.to_string()).await?;
    // Tracking and inbound mail find an email by its id alone, so an id is never shared between users.
    if stored.is_none() && Store::email_id_taken_by_another(tx, user, incoming.id).await? {
        return Err(refused(
            ErrorCode::Conflict,
            "another email already has this id: give the email a new one",
        ));
    }
    match settle_put_email(stored.as_ref(), &incoming).map_err(ApiError::from_conflict)? {
        PutEmail::Create(mut email) => {
            email.created_at = now;
            email.updated_at = now;
            let wakes = email.status() == Status::Scheduled;
            Ok(Applied { seq: Store::put_email(tx, &email).await?, wakes_scheduler: wakes })
        }
        PutEmail::Update(email) => {
            let wakes = email.status() == Status::Scheduled;
            Ok(Applied { seq: Store::put_email(tx, &email).await?, wakes_scheduler: wakes })
        }
        PutEmail::Unchanged => {
            let seq = Store::latest_seq_of(tx, user, RecordKind::Email, &incoming.id.to_string()).await?;
            Ok(Applied { seq, wakes_scheduler: false })
        }
    }
}

impl ApiError {
    fn from_conflict(conflict: domain::sync::EmailConflict) -> ApiError {
        ApiError(conflict.into())
    }
}

/// A stable digest of a request, so a reused idempotency key with a different request is caught.
pub fn request_hash(value: &impl serde::Serialize) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// Applies a mutation at most once per idempotency key: a replay returns the first outcome (as
/// `AlreadyApplied`) and does nothing; a key reused for another request is refused.
pub async fn apply_once(
    store: &Store,
    user: UserId,
    key: &str,
    hash: &str,
    op: &Operation,
) -> Result<(MutationOutcome, Option<Applied>), ApiError> {
    let parsed_key: domain::IdempotencyKey = key
        .parse()
        .map_err(|_| ApiError::field(ErrorCode::InvalidInput, "key", "an idempotency key must be a UUID"))?;
    let mut tx = store.begin().await?;
    if let Some((stored_hash, outcome)) = Store::idempotent_outcome(&mut tx, user, key).await? {
        tx.rollback().await.ok();
        if stored_hash != hash {
            return Err(refused(
                ErrorCode::IdempotencyKeyReused,
                "this idempotency key was already used for a different request",
            ));
        }
        let outcome: MutationOutcome =
            serde_json::from_str(&outcome).map_err(|e| ApiError::internal("stored outcome", e))?;
        let replay = match outcome {
            MutationOutcome::Applied { key, seq } => MutationOutcome::AlreadyApplied { key, seq },
            other => other,
        };
        return Ok((replay, None));
    }
    let now = Utc::now();
    let (outcome, applied) = match apply(&mut tx, user, op, now).await {
        Ok(applied) => (MutationOutcome::Applied { key: parsed_key, seq: applied.seq }, Some(applied)),
        Err(ApiError(error)) if error.code == ErrorCode::Internal => return Err(ApiError(error)),
        Err(ApiError(error)) => {
            // A refusal is final for this key too: start over on a clean transaction to record it.
            tx.rollback().await.ok();
            tx = store.begin().await?;
            (MutationOutcome::Rejected { key: parsed_key, error }, None)
        }
    };
    let encoded = serde_json::to_string(&outcome).map_err(|e| ApiError::internal("encode outcome", e))?;
    Store::remember_outcome(&mut tx, user, key, hash, &encoded, now).await?;
    tx.commit().await.map_err(|e| ApiError::internal("commit", e))?;
    Ok((outcome, applied))
}
