//! `POST /api/v1/inbound`: one raw message from the mail server (bounce reports, complaint reports,
//! replies, auto-replies, anything else), read by the `inbound` crate and applied to the email it is about.
//!
//! Every message is kept whole, whatever it is. What it does to the email it is about is the domain's
//! reaction (`domain::reaction`): a bounce report, a complaint, a reply or an automatic one.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use chrono::Utc;
use domain::reaction::ReportedRecipient;
use domain::sync::ErrorCode;
use domain::{Email, EmailId};
use inbound::{Classification, Kind as MailKind};
use serde::Serialize;

use crate::engagement;
use crate::error::ApiError;
use crate::http::AppState;
use crate::store::{Store, StoreError, Tx};
use domain::sync::RecordKind;

#[derive(Serialize, utoipa::ToSchema)]
pub struct InboundAnswer {
    /// What the message is: bounce, complaint, auto_reply, reply or other.
    pub kind: &'static str,
    /// The email it was tied to, if any.
    pub email: Option<EmailId>,
    /// The number under which the raw message is kept.
    pub kept: i64,
}

/// Compares two secrets in time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One raw RFC 5322 message as the mail server pipes it. Authorised by the inbound secret, not a user token.
#[utoipa::path(post, path = "/inbound", tag = "inbound",
    request_body(content = String, content_type = "message/rfc822"),
    security(("inbound_secret" = [])),
    responses(
        (status = 200, description = "Read, applied and kept", body = InboundAnswer),
        (status = 400, body = domain::sync::ErrorBody),
        (status = 401, body = domain::sync::ErrorBody),
        (status = 413, body = domain::sync::ErrorBody)))]
pub async fn inbound(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<InboundAnswer>, ApiError> {
    let Some(secret) = state.inbound_secret.as_deref() else {
        return Err(ApiError::new(
            ErrorCode::Unauthorized,
            "inbound mail is not enabled (no inbound secret set)",
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !same_secret(given.trim(), secret) {
        return Err(ApiError::unauthorized());
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.to_ascii_lowercase().starts_with("message/rfc822") {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "send the raw message with Content-Type: message/rfc822",
        ));
    }
    if body.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "the message is empty"));
    }
    // Reading a message is pure CPU work that can take a while for a large one: off the request threads.
    let raw = body.clone();
    let classification = tokio::task::spawn_blocking(move || inbound::classify(&raw))
        .await
        .map_err(|e| ApiError::internal("reading an inbound message", e))?;
    let message_id = classification.message_id.as_deref().map(bare_id).filter(|id| !id.is_empty());
    let matched = find_email(&state, &classification).await?.filter(|email| is_about(email, &classification));
    let encoded = serde_json::to_string(&classification).map_err(|e| ApiError::internal("encode", e))?;
    // What it does and the message itself are written together, once per Message-ID.
    let mut tx = state.store.begin().await?;
    if let Some(id) = message_id
        && let Some(kept) = Store::inbound_by_message_id(&mut tx, id).await?
    {
        tx.rollback().await?;
        return Ok(Json(InboundAnswer {
            kind: classification.kind.name(),
            email: kept.email_id.and_then(|e| e.parse().ok()),
            kept: kept.id,
        }));
    }
    let seq = match &matched {
        Some(email) => apply(&mut tx, &state, email, &classification).await?,
        None => None,
    };
    let kept = Store::keep_inbound(
        &mut tx,
        Utc::now(),
        classification.kind.name(),
        &encoded,
        matched.as_ref().map(|e| (e.owner, e.id)),
        message_id,
        &body,
    )
    .await?;
    tx.commit().await?;
    if let (Some(seq), Some(email)) = (seq, &matched) {
        state.feed.changed(email.owner, seq);
    }
    Ok(Json(InboundAnswer { kind: classification.kind.name(), email: matched.map(|e| e.id), kept }))
}

/// A Message-ID without its angle brackets.
fn bare_id(id: &str) -> &str {
    id.trim().trim_start_matches('<').trim_end_matches('>')
}

/// The email a message is about: by its VERP address, else by the Message-IDs it names.
async fn find_email(state: &AppState, c: &Classification) -> Result<Option<Email>, StoreError> {
    if let Some(id) = c.verp_email_id
        && let Some(email) = state.store.email_any_user(id).await?
    {
        return Ok(Some(email));
    }
    let named = c.original_message_id.iter().chain(&c.in_reply_to).chain(c.references.iter().rev());
    for message_id in named {
        if let Some((user, id)) = state.store.email_by_message_id(bare_id(message_id)).await? {
            return state.store.email(user, id).await;
        }
    }
    Ok(None)
}

/// Whether a message tied to `email` (by its VERP address or a Message-ID) is really about it: a bounce
/// report only when it names an address the email went to, or none at all (the domain's rule); every other
/// kind always.
fn is_about(email: &Email, c: &Classification) -> bool {
    if c.kind != MailKind::Bounce {
        return true;
    }
    let reported = reported(c);
    let about = email.is_about(&reported);
    let others = reported.iter().filter(|r| !email.goes_to(&r.address)).count() + c.recipients_left_out;
    if others > 0 {
        tracing::info!(email = %email.id, about, others, "a bounce report names addresses the email never went to: those are ignored");
    }
    about
}

/// The recipients a bounce report names, in the domain's words.
fn reported(c: &Classification) -> Vec<ReportedRecipient> {
    c.recipients.iter().map(|r| r.reported()).collect()
}

/// What the message does to the email it is about, inside `tx` (the domain's reaction, written through
/// [`engagement::apply`]). Returns the newest change number.
async fn apply(
    tx: &mut Tx,
    state: &AppState,
    found: &Email,
    c: &Classification,
) -> Result<Option<u64>, StoreError> {
    let now = Utc::now();
    let Some(mut email): Option<Email> =
        Store::get(tx, found.owner, RecordKind::Email, &found.id.to_string()).await?
    else {
        return Ok(None);
    };
    let effects = match c.kind {
        MailKind::Bounce => email.apply_bounce_report(now, &reported(c), c.evidence.as_deref()),
        MailKind::Complaint => email.apply_complaint(now, c.feedback_type.as_deref().unwrap_or("abuse")),
        MailKind::Reply | MailKind::AutoReply => email.apply_reply(c.kind == MailKind::AutoReply),
        MailKind::Other => return Ok(None),
    };
    engagement::apply(tx, &state.classifier, &email, effects, now).await
}
