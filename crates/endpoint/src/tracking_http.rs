//! The tracking routes: the open pixel, the click redirect and one-click unsubscribe.
//!
//! A token that does not verify records nothing and never redirects. An archived email records nothing.
//! Each view or click is judged human or machine by the domain's classifier, and the email's totals are
//! recomputed and put in the change feed with it.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use domain::aggregate::EmailEngagement;
use domain::classify::ClassifierSettings;
use domain::{Email, EngagementEvent, EventId, EventKind, Status};

use crate::http::{AppState, redirect_to};
use crate::store::{Kind, Store, StoreError};
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
    if let Some(Target::Open { e }) = state.keys.verify(&token)
        && let Err(err) = record(&state, e, EventKind::Viewed, peer, &headers).await
    {
        tracing::error!(email = %e, error = %err, "could not record a view");
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
            if let Err(err) = record(&state, e, EventKind::Clicked { url: u.clone() }, peer, &headers).await {
                tracing::error!(email = %e, error = %err, "could not record a click");
            }
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
        Store::suppress(&mut tx, email.owner, email.recipient.as_str(), "unsubscribed", Utc::now()).await?;
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

/// Records one view or click of an email: judged, stored, totals recomputed, feed told.
async fn record(
    state: &AppState,
    email_id: domain::EmailId,
    kind: EventKind,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<(), StoreError> {
    let Some(owner) = state.store.email_any_user(email_id).await?.map(|e| e.owner) else { return Ok(()) };
    let mut tx = state.store.begin().await?;
    let Some(email): Option<Email> = Store::get(&mut tx, owner, Kind::Email, &email_id.to_string()).await?
    else {
        return Ok(());
    };
    let event = new_event(&email, kind, Some(peer.ip().to_string()), user_agent(headers));
    if let Some(seq) = record_event(&mut tx, &state.classifier, &email, event).await? {
        tx.commit().await?;
        state.feed.changed(owner, seq);
    }
    Ok(())
}

/// A new event of `email`, now.
pub fn new_event(
    email: &Email,
    kind: EventKind,
    ip: Option<String>,
    user_agent: Option<String>,
) -> EngagementEvent {
    EngagementEvent {
        id: EventId(uuid::Uuid::now_v7()),
        email: email.id,
        recipient: email.recipient.clone(),
        at: Utc::now(),
        kind,
        ip,
        user_agent,
        verdict: None,
    }
}

/// Stores one event of `email` inside `tx`: views and clicks judged (earlier verdicts the event changes are
/// rewritten), and the email's totals recomputed. Returns the newest change number, or `None` when the
/// event is not counted (tracking off for an archived email, or a repeat).
pub async fn record_event(
    tx: &mut crate::store::Tx,
    classifier: &ClassifierSettings,
    email: &Email,
    mut event: EngagementEvent,
) -> Result<Option<u64>, StoreError> {
    if email.status == Status::Archived {
        return Ok(None);
    }
    let owner = email.owner;
    let recorded = Store::events_of(tx, owner, email.id).await?;
    let mut totals = EmailEngagement::of(classifier, email, &recorded);
    let Ok(verdicts) = totals.apply(classifier, email, &recorded, &event) else {
        return Ok(None);
    };
    let mut seq = 0;
    for (id, verdict) in verdicts {
        if id == event.id {
            event.verdict = Some(verdict);
        } else if let Some(mut earlier) = recorded.iter().find(|e| e.id == id).cloned() {
            earlier.verdict = Some(verdict);
            seq = Store::put_event(tx, owner, &earlier).await?;
        }
    }
    seq = seq.max(Store::put_event(tx, owner, &event).await?);
    seq = seq.max(Store::put(tx, owner, Kind::Engagement, &email.id.to_string(), &totals).await?);
    Ok(Some(seq))
}
