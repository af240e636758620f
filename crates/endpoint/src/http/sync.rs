//! The sync routes: the outbox push, the change feed a page at a time, and the change stream (SSE).

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use domain::sync::{ChangePage, Cursor, ErrorBody, ErrorCode, PROTOCOL_VERSION, PushRequest, PushResponse};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio_stream::wrappers::{BroadcastStream, WatchStream};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::actions;
use crate::error::ApiError;
use crate::extract::{AuthUser, StrictJson, Token};

/// The largest page of the change feed.
pub const MAX_PAGE: u32 = 1000;

/// Adds the sync routes to the API and its document.
pub(super) fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(push)).routes(routes!(changes)).routes(routes!(change_stream))
}

/// The app's outbox push: each mutation applied at most once per idempotency key, in order.
#[utoipa::path(post, path = "/sync", tag = "sync", request_body = PushRequest, responses(
    (status = 200, description = "One outcome per mutation, in order", body = PushResponse),
    (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    (status = 426, description = "The app speaks another protocol version", body = ErrorBody)))]
async fn push(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    StrictJson(request): StrictJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    if request.version != PROTOCOL_VERSION {
        return Err(ApiError::new(
            ErrorCode::UnsupportedVersion,
            format!("this endpoint speaks protocol {PROTOCOL_VERSION}, not {}", request.version),
        ));
    }
    let mut outcomes = Vec::with_capacity(request.mutations.len());
    for mutation in &request.mutations {
        let hash = actions::request_hash(&mutation.op);
        let (outcome, applied) =
            actions::apply_once(&state.store, user, &mutation.key.to_string(), &hash, &mutation.op).await?;
        if let Some(applied) = applied {
            state.applied(user, applied);
        }
        outcomes.push(outcome);
    }
    Ok(Json(PushResponse { version: PROTOCOL_VERSION, outcomes }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ChangesQuery {
    /// The cursor of the last page read (absent or empty: from the beginning).
    since: Option<String>,
    /// Records per page, 1 to 1000 (default 500).
    limit: Option<u32>,
}

/// Every record and engagement event of the user changed after `since`, oldest first, one page at a time.
#[utoipa::path(get, path = "/changes", tag = "sync", params(ChangesQuery), responses(
    (status = 200, body = ChangePage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn changes(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(query): Query<ChangesQuery>,
) -> Result<Json<ChangePage>, ApiError> {
    let since: Cursor = match query.since.as_deref() {
        None | Some("") => Cursor(0),
        Some(text) => text.parse().map_err(|e: domain::sync::CursorError| {
            ApiError::field(ErrorCode::InvalidInput, "since", e.to_string())
        })?,
    };
    let limit = query.limit.unwrap_or(500).clamp(1, MAX_PAGE);
    Ok(Json(state.store.changes(user, since, limit).await?))
}

/// Server-Sent Events: one `change` event (data: the newest change number) whenever the user's feed moves,
/// plus one at connection with the current number. The stream ends when the token stops working (revoked
/// or renewed) or the endpoint stops.
#[utoipa::path(get, path = "/changes/stream", tag = "sync",
    params(("access_token" = Option<String>, Query, description = "The bearer token, for clients that cannot set headers (EventSource)")),
    responses(
        (status = 200, description = "A stream of `change` events, each one as described", content_type = "text/event-stream", body = ChangeEvent),
        (status = 401, body = ErrorBody)))]
async fn change_stream(
    State(state): State<AppState>,
    token: Token,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    use futures_util::StreamExt as _;
    let Token { user, hash } = token;
    let receiver = state.feed.subscribe();
    let mut tokens = state.feed.tokens();
    tokens.mark_unchanged();
    let current = state.store.latest_seq(user).await?;
    let change = |seq: u64| Tick::Change(Event::default().event("change").data(seq.to_string()));
    let first = tokio_stream::once(change(current));
    let updates =
        tokio_stream::StreamExt::filter_map(BroadcastStream::new(receiver), move |item| match item {
            Ok((owner, seq)) if owner == user => Some(change(seq)),
            Ok(_) => None,
            // Missed notifications: say "something changed" with the last known number; the app pulls anyway.
            Err(_) => Some(change(0)),
        });
    let token_moved = tokio_stream::StreamExt::map(WatchStream::from_changes(tokens), |_| Tick::Tokens);
    let ticks = tokio_stream::StreamExt::merge(tokio_stream::StreamExt::chain(first, updates), token_moved);
    let store = state.store.clone();
    // A token that stops working (revoked, renewed) ends its stream.
    let events = ticks
        .then(move |tick| {
            let (store, hash) = (store.clone(), hash.clone());
            async move {
                match tick {
                    Tick::Change(event) => Some(Some(event)),
                    Tick::Tokens => match store.user_by_token_hash(&hash).await {
                        Ok(Some(still)) if still == user => Some(None),
                        _ => None,
                    },
                }
            }
        })
        .take_while(|tick| std::future::ready(tick.is_some()))
        .filter_map(|tick| std::future::ready(tick.flatten().map(Ok)))
        .take_until(state.stopping.clone().cancelled_owned());
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// One event of the change stream, as a client reads it.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)] // only read by the OpenAPI document
struct ChangeEvent {
    /// Always `change`.
    #[schema(pattern = "^change$")]
    event: String,
    /// The newest change number of the user's feed (`0` when some notifications were missed: pull anyway).
    #[schema(pattern = "^[0-9]+$")]
    data: String,
}

/// What moves an open change stream.
enum Tick {
    Change(Event),
    /// Some token changed: is this stream's still good?
    Tokens,
}
