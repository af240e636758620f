//! What every answer tells the browser about itself: security headers per kind of route, and errors of the
//! API always in the protocol's JSON body.
//!
//! - The app's files: a Content-Security-Policy that runs only the app's own scripts (its files, and the
//!   inline scripts of its `index.html` by their hashes, read from the build at start), WebAssembly, and
//!   connections to this origin only; `frame-ancestors` is `'none'`, or the origins allowed to embed the
//!   app (`--allowed-origins`).
//! - Tracking and unsubscribe routes (`/t/*`, `/u/*`): a policy that loads nothing, no referrer, never
//!   framed, never kept in a cache.
//! - The API: never kept in a cache (`no-store`), no referrer; an error answered by the framework itself (a
//!   bad query string, a bad path, a wrong method) is turned into the documented JSON error body.
//! - Every answer: `X-Content-Type-Options: nosniff`.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use domain::sync::ErrorCode;
use lol_html::{RewriteStrSettings, element, rewrite_str, text};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The Content-Security-Policy of the app, allowing the inline scripts of `index_html` by their SHA-256
/// and framing by `embedders` (none: never framed).
pub fn app_policy(index_html: Option<&str>, embedders: &[String]) -> String {
    let hashes: String =
        index_html.map(inline_script_hashes).unwrap_or_default().iter().map(|h| format!(" '{h}'")).collect();
    // Only what reads as an origin (`https://crm.example.com`) goes in the policy.
    let origins: Vec<String> = embedders
        .iter()
        .filter_map(|o| url::Url::parse(o).ok())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null")
        .collect();
    let ancestors = if origins.is_empty() { "'none'".to_string() } else { origins.join(" ") };
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self'; \
         manifest-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors {ancestors}"
    )
}

/// The policy of the tracking and unsubscribe routes: nothing loads, nothing runs, a form posts only here.
pub const TRACKING_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
    base-uri 'none'; frame-ancestors 'none'";

/// `sha256-<base64>` of each inline script (a `<script>` without `src`) of a page, in order.
fn inline_script_hashes(html: &str) -> Vec<String> {
    let scripts = std::cell::RefCell::new(Vec::<(bool, String)>::new());
    let settings = RewriteStrSettings::new()
        .append_element_content_handler(element!("script", |el| {
            scripts.borrow_mut().push((el.get_attribute("src").is_none(), String::new()));
            Ok(())
        }))
        .append_element_content_handler(text!("script", |chunk| {
            if let Some((_, body)) = scripts.borrow_mut().last_mut() {
                body.push_str(chunk.as_str());
            }
            Ok(())
        }));
    if let Err(err) = rewrite_str(html, settings) {
        tracing::warn!(error = %err, "could not read the app's page for its inline scripts");
    }
    scripts
        .into_inner()
        .into_iter()
        .filter(|(inline, _)| *inline)
        .map(|(_, body)| {
            let digest = Sha256::digest(body.as_bytes());
            format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(digest))
        })
        .collect()
}

/// Headers every answer of the app's files carries.
pub async fn app_headers(policy: HeaderValue, embeddable: bool, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    if !embeddable {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    nosniff(headers);
    response
}

/// Headers every answer of the tracking and unsubscribe routes carries.
pub async fn tracking_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(TRACKING_POLICY));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    nosniff(headers);
    response
}

/// Headers every API answer carries, and its errors always in the JSON error body.
pub async fn api_headers(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let mut response = if is_error(response.status()) && !is_json(response.headers()) {
        as_json_error(response).await
    } else {
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    nosniff(headers);
    response
}

/// Headers of the few answers outside the three kinds (`/healthz`).
pub async fn plain_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    nosniff(response.headers_mut());
    response
}

fn nosniff(headers: &mut HeaderMap) {
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
}

fn is_error(status: StatusCode) -> bool {
    status.is_client_error() || status.is_server_error()
}

fn is_json(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"))
}

/// The same error, said in the JSON error body with the same status. The framework's words are kept (they
/// name what is wrong: "Failed to deserialize query string: limit: invalid digit found in string").
async fn as_json_error(response: Response) -> Response {
    let status = response.status();
    let allow = response.headers().get(header::ALLOW).cloned();
    let text = axum::body::to_bytes(response.into_body(), 16 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let code = match status {
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::TooLarge,
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
        status if status.is_server_error() => ErrorCode::Internal,
        _ => ErrorCode::InvalidInput,
    };
    let message = match (code, text.is_empty()) {
        (ErrorCode::Internal, _) => "internal error".to_string(),
        (_, false) => text,
        (_, true) => status.canonical_reason().unwrap_or("the request was refused").to_string(),
    };
    let mut answer = ApiError::new(code, message).into_response();
    *answer.status_mut() = status;
    if let Some(allow) = allow {
        answer.headers_mut().insert(header::ALLOW, allow);
    }
    answer
}

/// A response's body as text, for tests.
#[cfg(test)]
async fn text_of(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_allowed_by_their_hash_and_nothing_else() {
        let page = r#"<html><head><script>console.log("a")</script><script src="/x.js"></script>
            <script type="module">import init from '/app.js'; init();</script></head></html>"#;
        let hashes = inline_script_hashes(page);
        assert_eq!(hashes.len(), 2);
        let expected =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"console.log(\"a\")"));
        assert_eq!(hashes[0], format!("sha256-{expected}"));
        let policy = app_policy(Some(page), &[]);
        assert!(policy.contains(&format!("'sha256-{expected}'")));
        let scripts = policy.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
        assert!(!scripts.contains("'unsafe-inline'"), "no inline script without its hash");
        assert!(policy.ends_with("frame-ancestors 'none'"));
        let framed = app_policy(None, &["https://crm.example.com".into(), "x; script-src *".into()]);
        assert!(framed.ends_with("frame-ancestors https://crm.example.com"), "{framed}");
    }

    #[tokio::test]
    async fn a_plain_text_error_becomes_the_json_body_with_its_status() {
        let plain = (StatusCode::METHOD_NOT_ALLOWED, "").into_response();
        let json = as_json_error(plain).await;
        assert_eq!(json.status(), StatusCode::METHOD_NOT_ALLOWED);
        let body: serde_json::Value = serde_json::from_str(&text_of(json).await).unwrap();
        assert_eq!(body["code"], "invalid_input");
        assert_eq!(body["message"], "Method Not Allowed");
        let query = (StatusCode::BAD_REQUEST, "Failed to deserialize query string: limit: invalid digit")
            .into_response();
        let body: serde_json::Value =
            serde_json::from_str(&text_of(as_json_error(query).await).await).unwrap();
        assert!(body["message"].as_str().unwrap().contains("limit"));
    }
}
