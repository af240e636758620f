//! `/suppressions`: the addresses the rep no longer sends to (hard bounces, complaints, unsubscribes),
//! each with why, since when and from which email; and lifting one, which is logged.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::sync::{ErrorBody, Suppression};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::error::ApiError;
use crate::extract::AuthUser;
use crate::store::SuppressionRow;

/// Adds `/suppressions` to the API and its document.
pub(super) fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(list_suppressions)).routes(routes!(lift_suppression))
}

/// Every address the rep no longer sends to, the newest first.
#[utoipa::path(get, path = "/suppressions", tag = "suppressions", responses(
    (status = 200, body = Vec<Suppression>), (status = 401, body = ErrorBody)))]
async fn list_suppressions(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Vec<Suppression>>, ApiError> {
    Ok(Json(state.store.suppressions(user).await?.into_iter().map(suppression_of).collect()))
}

/// Lifts an address's suppression: the rep may write to it again. What was lifted is kept in a log.
#[utoipa::path(delete, path = "/suppressions/{address}", tag = "suppressions",
    params(("address" = String, Path, description = "The suppressed address")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn lift_suppression(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(address): Path<String>,
) -> Result<StatusCode, ApiError> {
    let address = address.trim().to_ascii_lowercase();
    let lifted = state.store.lift_suppression(user, &address, "the rep", Utc::now()).await?;
    let Some(lifted) = lifted else { return Err(ApiError::not_found("suppressed address")) };
    tracing::info!(user = user.0, reason = %lifted.reason, "a suppression was lifted by the rep");
    Ok(StatusCode::NO_CONTENT)
}

/// A stored suppression in the protocol's words.
pub fn suppression_of(row: SuppressionRow) -> Suppression {
    Suppression {
        address: row.address,
        reason: row.reason,
        email: row.email.and_then(|e| e.parse().ok()),
        since: DateTime::from_timestamp_millis(row.created_at).unwrap_or_default(),
    }
}
