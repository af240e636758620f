//! The HTTP surface: routes, shared state, and the built app with its SPA fallback.
//!
//! Handlers stay small: they parse, call `actions`/the store, and answer. They never decide a product rule.
//!
//! One concept a file: the built app (`app_files`), a REST mutation (`mutations`), and the routes of
//! emails, of the other records, of sync and of `/me`; here, the state they share, the router with its
//! layers, the health check and the OpenAPI document.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::classify::ClassifierSettings;
use domain::sync::{ChangePage, ErrorBody, Me, PushRequest, PushResponse};
use domain::{Email, UserId};
use serde::Serialize;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actions::Applied;
use crate::error::ApiError;
use crate::feed::Feed;
use crate::policy;
use crate::recorder::Recorder;
use crate::store::Store;
use crate::tracking::TrackingKeys;

mod app_files;
mod emails;
pub mod mailbox;
mod me;
mod mutations;
mod records;
mod suppressions;
mod sync;

pub use mutations::MutationAnswer;
pub use sync::MAX_PAGE;

use app_files::app_files;

/// The largest request body the API takes (a raw inbound message included).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub app_dir: PathBuf,
    pub feed: Feed,
    pub wake: Arc<Notify>,
    pub keys: TrackingKeys,
    pub inbound_secret: Option<String>,
    pub classifier: Arc<ClassifierSettings>,
    pub allowed_origins: Vec<String>,
    pub recorder: Recorder,
    /// Cancelled when the endpoint stops: open event streams end.
    pub stopping: CancellationToken,
    /// Linking reps' mailboxes; absent where no reader runs.
    pub mailboxes: Option<crate::mailbox::Desk>,
}

impl AppState {
    /// State over `store` with fresh notifications, a fresh tracking key and default settings.
    /// Starts the tracking writer, so it must be called inside the runtime.
    pub fn new(
        store: Store,
        app_dir: PathBuf,
        keys: TrackingKeys,
        classifier: ClassifierSettings,
    ) -> AppState {
        let feed = Feed::default();
        feed.watch_tokens(store.clone());
        let classifier = Arc::new(classifier);
        let recorder = Recorder::start(store.clone(), classifier.clone(), feed.clone());
        AppState {
            store,
            app_dir,
            feed,
            wake: Arc::new(Notify::new()),
            keys,
            inbound_secret: None,
            classifier,
            allowed_origins: Vec::new(),
            recorder,
            stopping: CancellationToken::new(),
            mailboxes: None,
        }
    }

    /// Tells listeners and the scheduler what an applied mutation changed.
    fn applied(&self, user: UserId, applied: Applied) {
        self.feed.changed(user, applied.seq);
        if applied.wakes_scheduler {
            self.wake.notify_one();
        }
    }
}

/// The whole router: API, tracking, health check, and the app at `/` ([`app_files`]).
pub fn router(state: AppState) -> Router {
    let app = app_files(&state.app_dir, &state.allowed_origins);
    let (api, doc) = api();
    let doc = Arc::new(doc);
    let api = api
        .route("/openapi.json", get(move || std::future::ready(Json(doc.as_ref().clone()))))
        .fallback(|| async { ApiError::not_found("API route") })
        .layer(axum::middleware::from_fn(policy::api_headers))
        .layer(api_compression())
        .layer(cors(&state.allowed_origins));
    let tracking = Router::new()
        .route("/t/o/{token}", get(crate::tracking_http::open))
        .route("/t/c/{token}", get(crate::tracking_http::click))
        .route(
            "/u/{token}",
            post(crate::tracking_http::unsubscribe).get(crate::tracking_http::unsubscribe_page),
        )
        .layer(axum::middleware::from_fn(policy::tracking_headers));
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(healthz).layer(axum::middleware::from_fn(policy::plain_headers)))
        .merge(tracking)
        .fallback_service(app)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// A request's span names its method and path, never its query: the change stream takes its token there.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
}

/// The API's answers compressed for a browser that takes brotli or gzip (a sync over a slow line pulls
/// pages of the change feed ~10× smaller), at a level made for answers compressed as they are sent. The
/// event stream is never compressed: each event must go out when it happens, not when a block is full.
fn api_compression() -> CompressionLayer {
    CompressionLayer::new().quality(CompressionLevel::Precise(API_COMPRESSION_LEVEL))
}

/// Brotli's and gzip's level for API answers: most of the best ratio at a fraction of its time.
const API_COMPRESSION_LEVEL: i32 = 4;

/// The API routes and their OpenAPI document, made from the same list of handlers so neither can name a
/// route the other lacks.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let mut api = OpenApiRouter::with_openapi(ApiDoc::openapi());
    for routes in
        [emails::routes, records::routes, sync::routes, me::routes, mailbox::routes, suppressions::routes]
    {
        api = routes(api);
    }
    api.routes(routes!(crate::inbound_http::inbound)).split_for_parts()
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Command Center endpoint", description = "Emails, people, campaigns, tasks and saved searches \
        of one user, their sending and engagement, and the change feed the app syncs from. Every route but \
        `/inbound` takes `Authorization: Bearer <token from endpoint user add>`."),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    components(schemas(
        MutationAnswer, ErrorBody, Me, Email, ChangePage, PushRequest, PushResponse,
        // Reached only through the recursive `Query`, whose children are not collected on their own.
        domain::search::Filter,
    )),
    security(("bearer" = [])),
    tags(
        (name = "emails", description = "Create, send, schedule and file emails"),
        (name = "records", description = "People, campaigns, tasks and saved searches"),
        (name = "sync", description = "The outbox push and the change feed"),
        (name = "inbound", description = "Raw mail from the mail server"),
        (name = "mailbox", description = "The rep's own mailbox, read for replies, bounces and complaints"),
        (name = "suppressions", description = "Addresses the rep no longer sends to, and lifting one"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        components
            .add_security_scheme("inbound_secret", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// Pages on the listed origins (a CRM embedding the widget) may call the API with a token.
fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods(tower_http::cors::Any)
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .max_age(Duration::from_secs(600))
}

#[derive(Serialize, ToSchema)]
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

/// A redirect that never leaves for somewhere the token did not name.
pub fn redirect_to(url: &str) -> Response {
    Redirect::to(url).into_response()
}
