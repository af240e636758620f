//! The email routes: put, read and delete an email, and the actions that send, schedule and file it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use domain::sync::{ErrorBody, Operation};
use domain::{Email, EmailId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::mutations::{IdempotencyKey, MutationResponses, run, same_id};
use crate::error::ApiError;
use crate::extract::{AuthUser, StrictJson};

/// Adds the email routes to the API and its document.
pub(super) fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(put_email, get_email, delete_email))
        .routes(routes!(send_email))
        .routes(routes!(schedule_email))
        .routes(routes!(unschedule_email))
        .routes(routes!(cancel_email))
        .routes(routes!(archive_email))
        .routes(routes!(unarchive_email))
        .routes(routes!(retry_email))
        .routes(routes!(mark_success))
}

/// Creates or updates an email by its client-generated id. The same body again is a no-op; a different
/// body once the email has left Draft/Scheduled is a 409.
#[utoipa::path(put, path = "/emails/{id}", tag = "emails", request_body = Email,
    params(("id" = EmailId, Path), IdempotencyKey), responses(MutationResponses))]
async fn put_email(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<EmailId>,
    headers: HeaderMap,
    StrictJson(email): StrictJson<Email>,
) -> Result<Response, ApiError> {
    same_id(id, email.id)?;
    run(&state, user, &headers, Operation::PutEmail { email: Box::new(email) }).await
}

/// One email as the endpoint has it.
#[utoipa::path(get, path = "/emails/{id}", tag = "emails", params(("id" = EmailId, Path)), responses(
    (status = 200, body = Email), (status = 400, description = "The id is not a UUID", body = ErrorBody),
    (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_email(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<EmailId>,
) -> Result<Json<Email>, ApiError> {
    state.store.email(user, id).await?.map(Json).ok_or_else(|| ApiError::not_found("email"))
}

/// Deletes an email that may be deleted (never one being sent).
#[utoipa::path(delete, path = "/emails/{id}", tag = "emails",
    params(("id" = EmailId, Path), IdempotencyKey), responses(MutationResponses))]
async fn delete_email(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<EmailId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(&state, user, &headers, Operation::DeleteEmail { email: id }).await
}

/// The body of `POST /emails/{id}/schedule`.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ScheduleBody {
    schedule: domain::Schedule,
}

/// Declares one email action route: `POST /emails/{id}/<name>` with an empty body.
macro_rules! email_action {
    ($handler:ident, $path:literal, $doc:literal, $op:ident) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "emails",
                            params(("id" = EmailId, Path), IdempotencyKey), responses(MutationResponses))]
        async fn $handler(
            State(state): State<AppState>,
            AuthUser(user): AuthUser,
            Path(id): Path<EmailId>,
            headers: HeaderMap,
        ) -> Result<Response, ApiError> {
            run(&state, user, &headers, Operation::$op { email: id }).await
        }
    };
}

email_action!(send_email, "/emails/{id}/send", "Sends a Draft (or Scheduled) email now.", SendNow);
email_action!(
    unschedule_email,
    "/emails/{id}/unschedule",
    "Takes a Scheduled email back to Draft.",
    Unschedule
);
email_action!(cancel_email, "/emails/{id}/cancel", "Cancels a Scheduled email (back to Draft).", Unschedule);
email_action!(archive_email, "/emails/{id}/archive", "Archives a Delivered email.", Archive);
email_action!(unarchive_email, "/emails/{id}/unarchive", "Brings an Archived email back.", Unarchive);
email_action!(retry_email, "/emails/{id}/retry", "Sends a Failed or Bounced email again.", Retry);
email_action!(mark_success, "/emails/{id}/success", "Files an undelivered email as handled.", MarkSuccess);

/// Schedules a Draft email, or moves a Scheduled one.
#[utoipa::path(post, path = "/emails/{id}/schedule", tag = "emails", request_body = ScheduleBody,
    params(("id" = EmailId, Path), IdempotencyKey), responses(MutationResponses))]
async fn schedule_email(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<EmailId>,
    headers: HeaderMap,
    StrictJson(body): StrictJson<ScheduleBody>,
) -> Result<Response, ApiError> {
    run(&state, user, &headers, Operation::Schedule { email: id, schedule: body.schedule }).await
}
