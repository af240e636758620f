//! `GET /me`: who a token belongs to, and the protocol the endpoint speaks.

use axum::Json;
use axum::extract::State;
use domain::sync::{ErrorBody, Me, PROTOCOL_VERSION};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::error::ApiError;
use crate::extract::AuthUser;

/// Adds `/me` to the API and its document.
pub(super) fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(me))
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/me", tag = "sync", responses(
    (status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, AuthUser(user): AuthUser) -> Result<Json<Me>, ApiError> {
    let email = state.store.user_email(user).await?.ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(Me { user: user.0, email, protocol: PROTOCOL_VERSION }))
}
