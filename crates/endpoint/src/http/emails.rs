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
use super::mutations::{IdempotencyKey, MutationResponses, mutations, run};
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

mutations! { tag = "emails";
    /// Creates or updates an email by its client-generated id. The same body again is a no-op; a different
    /// body once the email has left Draft/Scheduled is a 409.
    put "/emails/{id}", fn put_email(id: EmailId, email: Email) => PutEmail { email: Box::new(email) };

    /// Deletes an email that may be deleted (never one being sent).
    delete "/emails/{id}", fn delete_email(email: EmailId) => DeleteEmail { email };

    /// Sends a Draft (or Scheduled) email now.
    post "/emails/{id}/send", fn send_email(email: EmailId) => SendNow { email };

    /// Takes a Scheduled email back to Draft.
    post "/emails/{id}/unschedule", fn unschedule_email(email: EmailId) => Unschedule { email };

    /// Cancels a Scheduled email (back to Draft).
    post "/emails/{id}/cancel", fn cancel_email(email: EmailId) => Unschedule { email };

    /// Archives a Delivered email.
    post "/emails/{id}/archive", fn archive_email(email: EmailId) => Archive { email };

    /// Brings an Archived email back.
    post "/emails/{id}/unarchive", fn unarchive_email(email: EmailId) => Unarchive { email };

    /// Sends a Failed or Bounced email again.
    post "/emails/{id}/retry", fn retry_email(email: EmailId) => Retry { email };

    /// Files an undelivered email as handled.
    post "/emails/{id}/success", fn mark_success(email: EmailId) => MarkSuccess { email };
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

/// The body of `POST /emails/{id}/schedule`.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ScheduleBody {
    schedule: domain::Schedule,
}

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
