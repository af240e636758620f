//! The HTTP surface: routes, shared state, and the built app with its SPA fallback.
//!
//! Handlers stay small: they parse, call the store, and answer. They never decide a product rule.

use std::path::PathBuf;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub app_dir: PathBuf,
}

/// The whole router: API, health check, and the app at `/` (any unknown path gets `index.html`, so deep
/// links like `/emails/pending/scheduled` load the app, which routes on its own).
pub fn router(state: AppState) -> Router {
    let app = ServeDir::new(&state.app_dir)
        .append_index_html_on_directories(true)
        .fallback(ServeFile::new(state.app_dir.join("index.html")));
    Router::new()
        .route("/healthz", get(healthz))
        .fallback_service(app)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(Health { status: "ok", database: "ok" })),
        Err(err) => {
            tracing::error!(error = %err, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "degraded", database: "unreachable" }))
        }
    }
}
