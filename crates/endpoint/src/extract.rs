//! Request extractors: the signed-in user from the bearer token, and JSON bodies that refuse unknown
//! fields, both failing with the protocol's error body.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use domain::UserId;
use domain::sync::ErrorCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::http::AppState;

/// The hex SHA-256 of a token: what the database keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The user a request is made by, from `Authorization: Bearer <token>`.
pub struct AuthUser(pub UserId);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(AuthUser(Token::from_request_parts(parts, state).await?.user))
    }
}

/// The user a request is made by, with the hash of the token that says so (a long-lived request checks
/// again that the token still works).
pub struct Token {
    pub user: UserId,
    pub hash: String,
}

impl FromRequestParts<AppState> for Token {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let token = match header.and_then(|h| h.strip_prefix("Bearer ")) {
            Some(token) => token.trim().to_string(),
            // EventSource cannot send headers: the change stream also takes `?access_token=`.
            None => match query_token(parts.uri.query()) {
                Some(token) if parts.uri.path().ends_with("/changes/stream") => token,
                _ => return Err(ApiError::unauthorized()),
            },
        };
        let hash = token_hash(&token);
        match state.store.user_by_token_hash(&hash).await? {
            Some(user) => Ok(Token { user, hash }),
            None => Err(ApiError::unauthorized()),
        }
    }
}

fn query_token(query: Option<&str>) -> Option<String> {
    query?.split('&').find_map(|pair| pair.strip_prefix("access_token=")).map(|t| t.to_string())
}

/// A JSON body of `T` that also refuses fields `T` does not know (whatever their value, `null` and `[]`
/// included), so a typo is an error, not ignored.
pub struct StrictJson<T>(pub T);

impl<T, S> FromRequest<S> for StrictJson<T>
where
    T: DeserializeOwned + Serialize,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<Value>::from_request(req, state).await?;
        // Every key `T` does not read, at any depth, whatever its value (`null` and `[]` included).
        let mut ignored = Vec::new();
        let mut note = |path: serde_ignored::Path| ignored.push(path.to_string());
        let reader = serde_ignored::Deserializer::new(&value, &mut note);
        let parsed: T = serde_path_to_error::deserialize(reader).map_err(|err| {
            let path = err.path().to_string();
            let message = format!("{}: {}", path, err.inner());
            if path == "." {
                ApiError::new(ErrorCode::InvalidInput, err.inner().to_string())
            } else {
                ApiError::field(ErrorCode::InvalidInput, &path, message)
            }
        })?;
        if let Some(path) = ignored.first() {
            return Err(ApiError::field(ErrorCode::InvalidInput, path, format!("unknown field `{path}`")));
        }
        // A field that belongs to another variant of a tagged record is read but not kept: found by
        // writing what was read back out.
        let known = serde_json::to_value(&parsed).map_err(|e| ApiError::internal("re-encode", e))?;
        if let Some(path) = unknown_field(&value, &known, String::new()) {
            return Err(ApiError::field(ErrorCode::InvalidInput, &path, format!("unknown field `{path}`")));
        }
        Ok(StrictJson(parsed))
    }
}

/// The path of the first field in `given` that the parsed value does not carry.
fn unknown_field(given: &Value, known: &Value, path: String) -> Option<String> {
    match (given, known) {
        (Value::Object(given), Value::Object(known)) => given.iter().find_map(|(key, value)| {
            let here = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            match known.get(key) {
                // A field the type skips when empty is still a known field.
                None if value.is_null() || value.as_array().is_some_and(Vec::is_empty) => None,
                None => Some(here),
                Some(k) => unknown_field(value, k, here),
            }
        }),
        (Value::Array(given), Value::Array(known)) => given
            .iter()
            .zip(known)
            .enumerate()
            .find_map(|(i, (g, k))| unknown_field(g, k, format!("{path}[{i}]"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_are_found_at_any_depth() {
        let known = json!({"a": 1, "b": {"c": 2}, "d": [{"e": 1}]});
        assert_eq!(unknown_field(&json!({"a": 1}), &known, String::new()), None);
        assert_eq!(unknown_field(&json!({"z": 1}), &known, String::new()), Some("z".into()));
        assert_eq!(unknown_field(&json!({"b": {"x": 1}}), &known, String::new()), Some("b.x".into()));
        assert_eq!(unknown_field(&json!({"d": [{"y": 1}]}), &known, String::new()), Some("d[0].y".into()));
    }

    #[test]
    fn tokens_are_kept_as_their_hash() {
        let hash = token_hash("secret");
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, "secret");
    }
}
