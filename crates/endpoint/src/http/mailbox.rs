//! `/mailbox`: the rep links their own mailbox (its address and password), sees how reading it goes, or
//! removes the link. The password is sealed before it is stored and never returned.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::sync::{ErrorBody, ErrorCode, LinkMailbox, MailboxLink};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::error::ApiError;
use crate::extract::{AuthUser, StrictJson};
use crate::mailbox::{Desk, ImapAddress};
use crate::store::MailboxRow;

/// Adds `/mailbox` to the API and its document.
pub(super) fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(get_mailbox, put_mailbox, delete_mailbox))
}

/// The linked mailbox and how reading it goes.
#[utoipa::path(get, path = "/mailbox", tag = "mailbox", responses(
    (status = 200, body = MailboxLink), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_mailbox(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<MailboxLink>, ApiError> {
    let row = state.store.mailbox(user).await?.ok_or_else(|| ApiError::not_found("mailbox linked"))?;
    Ok(Json(link_of(row)))
}

/// Links the rep's mailbox, or changes the link (a new password is tried at once).
#[utoipa::path(put, path = "/mailbox", tag = "mailbox", request_body = LinkMailbox, responses(
    (status = 200, body = MailboxLink), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn put_mailbox(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    StrictJson(link): StrictJson<LinkMailbox>,
) -> Result<Json<MailboxLink>, ApiError> {
    let desk = desk(&state)?;
    if link.address.chars().count() > 512 {
        return Err(invalid("the address is longer than 512 characters".into()));
    }
    let address = ImapAddress::parse(&link.address).map_err(invalid)?;
    desk.settings.allows(&address.host).map_err(invalid)?;
    let folder = match link.folder.as_deref().map(str::trim) {
        Some(f) if !f.is_empty() => f.to_string(),
        _ => address.folder.clone().unwrap_or_else(|| "INBOX".into()),
    };
    if folder.chars().count() > 256 || folder.chars().any(char::is_control) {
        return Err(invalid("the folder's name is too long or holds a control character".into()));
    }
    let stored = state.store.mailbox(user).await?;
    let secret = match link.password.as_deref() {
        Some("") => return Err(invalid("the password is empty".into())),
        Some(p) if p.chars().count() > 1024 || p.contains(['\r', '\n', '\0']) => {
            return Err(invalid("the password is too long or holds a line break".into()));
        }
        Some(p) => desk.sealer.seal(user.0, p).map_err(|e| ApiError::internal("sealing a password", e))?,
        None => match stored.filter(|s| s.address == address.to_string()) {
            Some(s) => s.secret,
            None => return Err(invalid("the mailbox's password is needed".into())),
        },
    };
    state.store.link_mailbox(user, &address.to_string(), &folder, &secret, Utc::now()).await?;
    desk.changed(user);
    tracing::info!(user = user.0, server = %address.host, "mailbox linked");
    let row = state.store.mailbox(user).await?.ok_or_else(|| ApiError::not_found("mailbox linked"))?;
    Ok(Json(link_of(row)))
}

/// Removes the link and forgets the password; nothing read so far is undone.
#[utoipa::path(delete, path = "/mailbox", tag = "mailbox", responses(
    (status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_mailbox(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<StatusCode, ApiError> {
    if !state.store.unlink_mailbox(user).await? {
        return Err(ApiError::not_found("mailbox linked"));
    }
    if let Some(desk) = &state.mailboxes {
        desk.changed(user);
    }
    Ok(StatusCode::NO_CONTENT)
}

fn desk(state: &AppState) -> Result<&Desk, ApiError> {
    state.mailboxes.as_ref().ok_or_else(|| ApiError::new(ErrorCode::NotFound, "mailboxes are not read here"))
}

fn invalid(text: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, text)
}

fn at(millis: Option<i64>) -> Option<DateTime<Utc>> {
    millis.and_then(DateTime::from_timestamp_millis)
}

/// A stored link as the rep sees it: never its password.
pub fn link_of(row: MailboxRow) -> MailboxLink {
    MailboxLink {
        address: row.address,
        folder: row.folder,
        state: row.state,
        checked_at: at(row.checked_at),
        messages_read: row.messages_read,
        messages_found: row.messages_found,
        last_error: row.last_error,
        error_at: at(row.error_at),
    }
}
