//! The tracking routes: the open pixel, the click redirect and one-click unsubscribe.
//!
//! A token that does not verify records nothing and never redirects. A verified view or click is handed to
//! the [`crate::recorder`], which records it through [`crate::engagement`] after the answer has gone.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use domain::EventKind;

use crate::http::{AppState, redirect_to};
use crate::store::{Store, StoreError};
use crate::tracking::{PIXEL_GIF, Target};

fn pixel() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/gif"),
            (header::CACHE_CONTROL, "no-store, no-cache, must-revalidate, max-age=0"),
        ],
        PIXEL_GIF,
    )
        .into_response()
}

fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(512).collect())
}

/// `GET /t/o/{token}`: a 1×1 GIF, and a view recorded when the token is good.
pub async fn open(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(Target::Open { e }) = state.keys.verify(&token) {
        state.recorder.record(e, EventKind::Viewed, Some(peer.ip().to_string()), user_agent(&headers)).await;
    }
    pixel()
}

/// `GET /t/c/{token}`: a redirect to the signed target, and a click recorded. A bad token is a 404.
pub async fn click(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    match state.keys.verify(&token) {
        Some(Target::Click { e, u }) => {
            let kind = EventKind::Clicked { url: u.clone() };
            state.recorder.record(e, kind, Some(peer.ip().to_string()), user_agent(&headers)).await;
            redirect_to(&u)
        }
        _ => (StatusCode::NOT_FOUND, "This link is not valid.").into_response(),
    }
}

/// `POST /u/{token}` (RFC 8058 one-click): the recipient goes on the sender's suppression list.
pub async fn unsubscribe(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(Target::Unsubscribe { e }) = state.keys.verify(&token) else {
        return (StatusCode::NOT_FOUND, "This link is not valid.").into_response();
    };
    let done = async {
        let Some(email) = state.store.email_any_user(e).await? else { return Ok::<bool, StoreError>(false) };
        let mut tx = state.store.begin().await?;
        Store::suppress(
            &mut tx,
            email.owner,
            email.recipient.as_str(),
            "unsubscribed",
            Some(email.id),
            Utc::now(),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    };
    match done.await {
        Ok(true) => {
            Html("<!doctype html><title>Unsubscribed</title><p>You will not receive these emails again.</p>")
                .into_response()
        }
        Ok(false) => (StatusCode::NOT_FOUND, "This link is not valid.").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "could not record an unsubscribe");
            (StatusCode::INTERNAL_SERVER_ERROR, "Please try again later.").into_response()
        }
    }
}

/// `GET /u/{token}`: a page with a button, never an unsubscribe by itself (link scanners follow GETs).
pub async fn unsubscribe_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if !matches!(state.keys.verify(&token), Some(Target::Unsubscribe { .. })) {
        return (StatusCode::NOT_FOUND, "This link is not valid.").into_response();
    }
    let token = token.replace(['"', '<', '>', '&'], "");
    Html(format!(
        "<!doctype html><title>Unsubscribe</title><form method=\"post\" action=\"/u/{token}\">\
         <p>Stop receiving these emails?</p><button type=\"submit\">Unsubscribe</button></form>"
    ))
    .into_response()
}
