//! The built app at `/`: its files sent compressed, the page for the app's own routes, a 404 for a missing
//! file, and how long a browser may keep each file.

use std::convert::Infallible;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

use crate::policy;

/// The built app, compressed: a file's `.br` or `.gz` beside it when the build wrote them
/// (`scripts/build.sh` does, at each one's best level, once), brotli first, as the browser accepts; else
/// brotli or gzip made for the request.
///
/// - A path with no file extension is one of the app's own routes and gets `index.html`, so deep links like
///   `/emails/pending/scheduled` load the app, which routes on its own.
/// - A file that is not there is a 404: a script, a stylesheet or the service worker's fetch of a file must
///   never be answered with the page.
/// - Files whose name carries the build's hash (`main-9455b79a659ff42.css`) never change, so browsers keep
///   them for a year; every other file (the page, the service worker, the manifest, icons) is revalidated
///   on each use, so a new release is seen at once.
pub(super) fn app_files(app_dir: &std::path::Path, embedders: &[String]) -> Router {
    let page = std::fs::read_to_string(app_dir.join("index.html")).ok();
    let policy = policy::app_policy(page.as_deref(), embedders);
    let policy = HeaderValue::from_str(&policy).expect("a policy of plain ASCII");
    let embeddable = !embedders.is_empty();
    let index = ServeFile::new(app_dir.join("index.html")).precompressed_br().precompressed_gzip();
    let not_there = tower::service_fn(move |request: axum::extract::Request| {
        let index = index.clone();
        async move {
            if names_a_file(request.uri().path()) {
                return Ok::<_, Infallible>((StatusCode::NOT_FOUND, "no such file").into_response());
            }
            Ok(index.oneshot(request).await.into_response())
        }
    });
    let files = ServeDir::new(app_dir)
        .append_index_html_on_directories(true)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(not_there);
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(cache_control))
        .layer(axum::middleware::from_fn(move |request, next| {
            policy::app_headers(policy.clone(), embeddable, request, next)
        }))
        .layer(CompressionLayer::new())
}

async fn cache_control(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let hashed = is_hashed_file(request.uri().path());
    let mut response = next.run(request).await;
    // A 304 carries the policy too: it updates the one the browser keeps with its copy.
    let kept = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    let policy = if hashed && kept { "public, max-age=31536000, immutable" } else { "no-cache" };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

/// Whether the last segment of `path` has a file extension (`/sw.js`), unlike the app's routes.
fn names_a_file(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

/// Whether the file `path` names carries the build's content hash: `name-<hex>.ext` or `name-<hex>_bg.wasm`.
fn is_hashed_file(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, _extension)) = last.rsplit_once('.') else { return false };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(name, hash)| {
        !name.is_empty()
            && (8..=16).contains(&hash.len())
            && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_hashed_files_are_told_from_the_rest() {
        for hashed in [
            "/command-center-1e786c0c1bcfed45_bg.wasm",
            "/command-center-1e786c0c1bcfed45.js",
            "/main-9455b79a659ff42.css",
        ] {
            assert!(is_hashed_file(hashed), "{hashed}");
        }
        for plain in
            ["/", "/index.html", "/sw.js", "/purify.min.js", "/manifest.webmanifest", "/icon.svg", "/a-b.js"]
        {
            assert!(!is_hashed_file(plain), "{plain}");
        }
    }

    #[test]
    fn routes_of_the_app_are_not_files() {
        assert!(!names_a_file("/emails/pending/scheduled"));
        assert!(!names_a_file("/email/0190c4a2-7f1e-7c3b-9a5d-2e4f6a8b0c1d"));
        assert!(names_a_file("/robots.txt"));
        assert!(names_a_file("/missing-0123456789abcdef.js"));
    }
}
