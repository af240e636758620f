//! `POST /api/v1/inbound`: one raw message from the mail server (bounce reports, complaint reports,
//! replies, auto-replies, anything else), read by the `inbound` crate and applied to the email it is about.
//!
//! Every message is kept whole, whatever it is; the pipeline is the one a rep's mailbox feeds
//! ([`inbound_mail::take`]).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use domain::EmailId;
use domain::sync::ErrorCode;
use serde::Serialize;

use crate::error::ApiError;
use crate::http::AppState;
use crate::inbound_mail::{self, Source};

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
    let taken = inbound_mail::take(&state, body, Source::Hook).await?;
    Ok(Json(InboundAnswer {
        kind: taken.kind.name(),
        email: taken.email,
        kept: taken.kept.ok_or_else(|| ApiError::internal("keeping an inbound message", "not kept"))?,
    }))
}
