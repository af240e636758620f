//! A REST mutation: one operation applied once per `Idempotency-Key`, its answer (the change number), what
//! the OpenAPI document says every mutation can answer, and `mutations!`, which declares the routes of a
//! record put whole or of an operation on an id alone.

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

/// Declares mutation routes of one tag, each a handler with its OpenAPI annotation, its doc comment the
/// operation's summary: `method "/path/{id}", fn name(id: IdType) => Operation;`, the id in the path bound
/// to the name given; or, for a record put whole, `fn name(id: IdType, record: RecordType) => Operation;`,
/// the body read strictly and its id checked against the path's.
macro_rules! mutations {
    (tag = $tag:literal; $(
        $(#[$doc:meta])*
        $method:ident $path:literal,
        fn $handler:ident($id:ident: $id_type:ident $(, $record:ident: $record_type:ident)?)
            => $operation:ident { $($field:tt)* };
    )*) => {$(
        $(#[$doc])*
        #[utoipa::path($method, path = $path, tag = $tag, $(request_body = $record_type,)?
            params(("id" = $id_type, Path), crate::http::mutations::IdempotencyKey),
            responses(crate::http::mutations::MutationResponses))]
        async fn $handler(
            ::axum::extract::State(state): ::axum::extract::State<crate::http::AppState>,
            crate::extract::AuthUser(user): crate::extract::AuthUser,
            ::axum::extract::Path($id): ::axum::extract::Path<$id_type>,
            headers: ::axum::http::HeaderMap,
            $(crate::extract::StrictJson($record): crate::extract::StrictJson<$record_type>,)?
        ) -> Result<::axum::response::Response, crate::error::ApiError> {
            $(crate::http::mutations::same_id($id, $record.id)?;)?
            let operation = ::domain::sync::Operation::$operation { $($field)* };
            crate::http::mutations::run(&state, user, &headers, operation).await
        }
    )*};
}

pub(super) use mutations;
