//! A REST mutation: one operation applied once per `Idempotency-Key`, its answer (the change number) and
//! what the OpenAPI document says every mutation can answer.

use axum::Json;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use domain::UserId;
use domain::sync::{ErrorBody, ErrorCode, Operation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use crate::actions;
use crate::error::ApiError;

/// The answer to a REST mutation: the change number its result has in the feed.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq, ToSchema)]
pub struct MutationAnswer {
    pub seq: u64,
    /// True when this was a replay of an idempotency key already applied.
    pub replayed: bool,
}

/// What every mutation can answer.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only read by the OpenAPI document
pub(super) enum MutationResponses {
    /// Applied (or replayed: the same `Idempotency-Key` was applied before).
    #[response(status = 200)]
    Applied(MutationAnswer),
    /// Invalid input: bad address, line break in a header, unknown field, malformed JSON, mismatched id.
    #[response(status = 400)]
    Invalid(ErrorBody),
    /// No or wrong bearer token.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// No such record for this user.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// The change is not allowed in the record's current state (e.g. editing an email already sent).
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// The body is larger than the limit.
    #[response(status = 413)]
    TooLarge(ErrorBody),
}

/// The `Idempotency-Key` header every mutation takes: a retried request with the same key is applied once.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // only read by the OpenAPI document
pub(super) struct IdempotencyKey {
    /// Any unique text per intended change (the app uses a UUID per outbox entry).
    #[param(rename = "Idempotency-Key")]
    idempotency_key: Option<String>,
}

/// Runs one operation, once per `Idempotency-Key` header when the caller gives one.
pub(super) async fn run(
    state: &AppState,
    user: UserId,
    headers: &HeaderMap,
    op: Operation,
) -> Result<Response, ApiError> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    let answer = match key {
        Some(key) => {
            let hash = actions::request_hash(&op);
            let (outcome, applied) = actions::apply_once(&state.store, user, &key, &hash, &op).await?;
            if let Some(applied) = applied {
                state.applied(user, applied);
            }
            match outcome {
                domain::sync::MutationOutcome::Applied { seq, .. } => MutationAnswer { seq, replayed: false },
                domain::sync::MutationOutcome::AlreadyApplied { seq, .. } => {
                    MutationAnswer { seq, replayed: true }
                }
                domain::sync::MutationOutcome::Rejected { error, .. } => return Err(ApiError(error)),
            }
        }
        None => {
            let mut tx = state.store.begin().await?;
            let applied = actions::apply(&mut tx, user, &op, Utc::now()).await?;
            tx.commit().await.map_err(|e| ApiError::internal("commit", e))?;
            state.applied(user, applied);
            MutationAnswer { seq: applied.seq, replayed: false }
        }
    };
    Ok(Json(answer).into_response())
}

pub(super) fn same_id(path: impl ToString, body: impl ToString) -> Result<(), ApiError> {
    if path.to_string() == body.to_string() {
        Ok(())
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidInput,
            "id",
            "the id in the body differs from the id in the path",
        ))
    }
}
