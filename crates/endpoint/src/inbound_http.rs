//! `POST /api/v1/inbound`: one raw message from the mail server (bounce reports, complaint reports,
//! replies, auto-replies, anything else), read by the `inbound` crate and applied to the email it is about.
//!
//! Every message is kept whole, whatever it is. A failed-for-good report moves the email to Bounced (hard
//! or soft) and a hard one suppresses the address; a delayed report is only an event; a complaint moves it
//! to Spam and suppresses the address; a reply is a Replied event; an auto-reply is recorded, never a reply.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use chrono::Utc;
use domain::sync::ErrorCode;
use domain::{Email, EmailId, EventKind, Status, UserId};
use inbound::{Classification, DeliveryAction, Kind as MailKind};
use serde::Serialize;

use crate::error::ApiError;
use crate::http::AppState;
use crate::store::{Kind, Store, StoreError, Tx};
use crate::tracking_http::{new_event, record_event};

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

/// Whether a message tied to `email` (by its VERP address or a Message-ID) is really about it. A bounce
/// report is, when it names an address the email went to, or names none at all (a report too mangled to
/// read, tied by VERP alone); one about other addresses only is someone else's mail, or a forgery, and
/// changes nothing. Every other kind is about the email it is tied to.
fn is_about(email: &Email, c: &Classification) -> bool {
    if c.kind != MailKind::Bounce || (c.recipients.is_empty() && c.recipients_left_out == 0) {
        return true;
    }
    let named = c.recipients.iter().filter(|r| email.goes_to(&r.address)).count();
    let others = c.recipients.len() - named + c.recipients_left_out;
    if others > 0 {
        tracing::info!(email = %email.id, named, others, "a bounce report names addresses the email never went to: those are ignored");
    }
    named > 0
}

/// What the message does to the email it is about, inside `tx`. Returns the newest change number.
async fn apply(
    tx: &mut Tx,
    state: &AppState,
    found: &Email,
    c: &Classification,
) -> Result<Option<u64>, StoreError> {
    let now = Utc::now();
    let owner: UserId = found.owner;
    let Some(mut email): Option<Email> = Store::get(tx, owner, Kind::Email, &found.id.to_string()).await?
    else {
        return Ok(None);
    };
    let mut seq = None;
    match c.kind {
        MailKind::Bounce if c.recipients.is_empty() => {
            // A report too mangled to name its recipient, tied to the email by its VERP address alone: a
            // soft bounce whose reason is unknown.
            let diagnostic = c.evidence.clone().unwrap_or_else(|| "an unreadable bounce report".into());
            let bounce = domain::Bounce {
                status: String::new(),
                smtp_code: None,
                reason: domain::BounceReason::Undefined,
                diagnostic: diagnostic.clone(),
            };
            if matches!(email.status, Status::Delivered | Status::InProgress)
                && email.transition(Status::Bounced, now, Some(diagnostic)).is_ok()
            {
                seq = Some(Store::put_email(tx, &email).await?);
            }
            let event = new_event(&email, EventKind::Bounced(bounce), None, None);
            seq = record_event(tx, &state.classifier, &email, event).await?.or(seq);
        }
        MailKind::Bounce => {
            // Only the addresses the email went to: a report cannot bounce it for someone else, nor fill
            // its timeline with other people's addresses.
            let named: Vec<_> = c.recipients.iter().filter(|r| email.goes_to(&r.address)).collect();
            for recipient in named {
                let bounce = recipient.bounce();
                let kind = match recipient.action {
                    DeliveryAction::Failed => {
                        if matches!(email.status, Status::Delivered | Status::InProgress) {
                            let text =
                                format!("{} {}", recipient.status, recipient.diagnostic).trim().to_string();
                            if email.transition(Status::Bounced, now, Some(text)).is_ok() {
                                seq = Some(Store::put_email(tx, &email).await?);
                            }
                        }
                        if recipient.hard {
                            Store::suppress(
                                tx,
                                owner,
                                recipient.address.as_str(),
                                recipient.reason.name(),
                                now,
                            )
                            .await?;
                        }
                        EventKind::Bounced(bounce)
                    }
                    DeliveryAction::Delayed => EventKind::Delayed(bounce),
                };
                let event = new_event(&email, kind, None, None);
                seq = record_event(tx, &state.classifier, &email, event).await?.or(seq);
            }
        }
        MailKind::Complaint => {
            if email.status == Status::Delivered {
                let reason = format!("complaint ({})", c.feedback_type.as_deref().unwrap_or("abuse"));
                if email.transition(Status::Spam, now, Some(reason)).is_ok() {
                    seq = Some(Store::put_email(tx, &email).await?);
                }
            }
            Store::suppress(tx, owner, email.recipient.as_str(), "complaint", now).await?;
            let kind = EventKind::Complained {
                feedback_type: c.feedback_type.clone().unwrap_or_else(|| "abuse".into()),
            };
            let event = new_event(&email, kind, None, None);
            seq = record_event(tx, &state.classifier, &email, event).await?.or(seq);
        }
        MailKind::Reply | MailKind::AutoReply => {
            let kind = if c.kind == MailKind::Reply { EventKind::Replied } else { EventKind::AutoReplied };
            let event = new_event(&email, kind, None, None);
            seq = record_event(tx, &state.classifier, &email, event).await?;
        }
        MailKind::Other => {}
    }
    Ok(seq)
}
