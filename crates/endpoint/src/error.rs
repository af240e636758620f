//! The one error type of the HTTP surface: every failure answers with the protocol's JSON error body.
//!
//! Errors the caller can act on say what is wrong; server errors are logged here and never explained to the
//! caller beyond "internal error".

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::sync::{ErrorBody, ErrorCode};

use crate::store::StoreError;

#[derive(Debug)]
pub struct ApiError(pub ErrorBody);

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError(ErrorBody::new(code, message))
    }

    pub fn field(code: ErrorCode, field: &str, message: impl Into<String>) -> ApiError {
        ApiError(ErrorBody::new(code, message).with_field(field))
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(ErrorCode::NotFound, format!("no such {what}"))
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(ErrorCode::Unauthorized, "a valid bearer token is required")
    }

    pub fn internal(context: &str, err: impl std::fmt::Display) -> ApiError {
        tracing::error!(%context, error = %err, "internal error");
        ApiError::new(ErrorCode::Internal, "internal error")
    }
}

impl From<ErrorBody> for ApiError {
    fn from(body: ErrorBody) -> Self {
        ApiError(body)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError::internal("store", err)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let text = rejection.body_text();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ErrorCode::TooLarge, "the request body is too large")
        } else if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            ApiError::new(
                ErrorCode::InvalidInput,
                "the request body must be JSON (Content-Type: application/json)",
            )
        } else {
            ApiError::new(ErrorCode::InvalidInput, text)
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.0)).into_response()
    }
}
