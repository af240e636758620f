//! The HTTP surface: routes, shared state, and the built app with its SPA fallback.
//!
//! Handlers stay small: they parse, call `actions`/the store, and answer. They never decide a product rule.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use domain::classify::ClassifierSettings;
use domain::sync::{ChangePage, Cursor, ErrorCode, Operation, PROTOCOL_VERSION, PushRequest, PushResponse};
use domain::{Campaign, Email, EmailId, Person, SavedSearchId, TaskId, UserId};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

use crate::actions::{self, Applied};
use crate::error::ApiError;
use crate::extract::{AuthUser, StrictJson};
use crate::feed::Feed;
use crate::store::Store;
use crate::tracking::TrackingKeys;

/// The largest request body the API takes (a raw inbound message included).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// The largest page of the change feed.
pub const MAX_PAGE: u32 = 1000;

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
}

impl AppState {
    /// State over `store` with fresh notifications, a fresh tracking key and default settings.
    pub fn new(store: Store, app_dir: PathBuf, keys: TrackingKeys) -> AppState {
        AppState {
            store,
            app_dir,
            feed: Feed::default(),
            wake: Arc::new(Notify::new()),
            keys,
            inbound_secret: None,
            classifier: Arc::new(ClassifierSettings::default()),
            allowed_origins: Vec::new(),
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

/// The whole router: API, tracking, health check, and the app at `/` (any unknown path gets `index.html`,
/// so deep links like `/emails/pending/scheduled` load the app, which routes on its own).
pub fn router(state: AppState) -> Router {
    let app = ServeDir::new(&state.app_dir)
        .append_index_html_on_directories(true)
        .fallback(ServeFile::new(state.app_dir.join("index.html")));
    let api = Router::new()
        .route("/emails/{id}", put(put_email).get(get_email).delete(delete_email))
        .route("/emails/{id}/{action}", post(email_action))
        .route("/people/{id}", put(put_person).delete(delete_person))
        .route("/campaigns/{id}", put(put_campaign))
        .route("/tasks/{id}", put(put_task).delete(delete_task))
        .route("/saved-searches/{id}", put(put_saved_search).delete(delete_saved_search))
        .route("/sync", post(push))
        .route("/changes", get(changes))
        .route("/changes/stream", get(change_stream))
        .route("/inbound", post(crate::inbound_http::inbound))
        .route("/me", get(me))
        .fallback(|| async { ApiError::not_found("API route") })
        .layer(cors(&state.allowed_origins));
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(healthz))
        .route("/t/o/{token}", get(crate::tracking_http::open))
        .route("/t/c/{token}", get(crate::tracking_http::click))
        .route(
            "/u/{token}",
            post(crate::tracking_http::unsubscribe).get(crate::tracking_http::unsubscribe_page),
        )
        .fallback_service(app)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
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

use axum::http::HeaderName;

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

#[derive(Serialize)]
struct Me {
    user: i64,
    protocol: u16,
}

async fn me(AuthUser(user): AuthUser) -> Json<Me> {
    Json(Me { user: user.0, protocol: PROTOCOL_VERSION })
}

/// The answer to a REST mutation: the change number its result has in the feed.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct MutationAnswer {
    pub seq: u64,
    /// True when this was a replay of an idempotency key already applied.
    pub replayed: bool,
}

/// Runs one operation, once per `Idempotency-Key` header when the caller gives one.
async fn run(
    state: &AppState,
    user: UserId,
    headers: &HeaderMap,
    op: Operation,
) -> Result<Response, ApiError> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    let answer = match key {
        Some(key) => {
            let hash = actions::request_hash(&op);
            let (outcome, applied) = actions::apply_once(&state.store, user, &key, &hash, &op).await?;
            if let Some(applied) = applied {
                state.applied(user, applied);
            }
            match outcome {
                domain::sync::MutationOutcome::Applied { seq, .. } => MutationAnswer { seq, replayed: false },
                domain::sync::MutationOutcome::AlreadyApplied { seq, .. } => {
                    MutationAnswer { seq, replayed: true }
                }
                domain::sync::MutationOutcome::Rejected { error, .. } => return Err(ApiError(error)),
            }
        }
        None => {
            let mut tx = state.store.begin().await?;
            let applied = actions::apply(&mut tx, user, &op, Utc::now()).await?;
            tx.commit().await.map_err(|e| ApiError::internal("commit", e))?;
            state.applied(user, applied);
            MutationAnswer { seq: applied.seq, replayed: false }
        }
    };
    Ok(Json(answer).into_response())
}

fn same_id(path: impl ToString, body: impl ToString) -> Result<(), ApiError> {
    if path.to_string() == body.to_string() {
        Ok(())
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidInput,
            "id",
            "the id in the body differs from the id in the path",
        ))
    }
}

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

async fn get_email(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<EmailId>,
) -> Result<Json<Email>, ApiError> {
    state.store.email(user, id).await?.map(Json).ok_or_else(|| ApiError::not_found("email"))
}

async fn delete_email(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<EmailId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(&state, user, &headers, Operation::DeleteEmail { email: id }).await
}

#[derive(Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    #[serde(default)]
    schedule: Option<domain::Schedule>,
}

async fn email_action(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((id, action)): Path<(EmailId, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: ActionBody = if body.iter().all(u8::is_ascii_whitespace) {
        ActionBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?
    };
    let op = match action.as_str() {
        "send" => Operation::SendNow { email: id },
        "schedule" => match body.schedule {
            Some(schedule) => Operation::Schedule { email: id, schedule },
            None => {
                return Err(ApiError::field(
                    ErrorCode::InvalidInput,
                    "schedule",
                    "schedule needs {\"schedule\": {\"at\", \"time_zone\"}}",
                ));
            }
        },
        "unschedule" | "cancel" => Operation::Unschedule { email: id },
        "archive" => Operation::Archive { email: id },
        "unarchive" => Operation::Unarchive { email: id },
        "retry" => Operation::Retry { email: id },
        "success" => Operation::MarkSuccess { email: id },
        other => {
            return Err(ApiError::new(ErrorCode::NotFound, format!("no email action called \"{other}\"")));
        }
    };
    run(&state, user, &headers, op).await
}

async fn put_person(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<domain::PersonId>,
    headers: HeaderMap,
    StrictJson(person): StrictJson<Person>,
) -> Result<Response, ApiError> {
    same_id(id, person.id)?;
    run(&state, user, &headers, Operation::PutPerson { person: Box::new(person) }).await
}

async fn delete_person(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<domain::PersonId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(&state, user, &headers, Operation::DeletePerson { person: id }).await
}

async fn put_campaign(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<domain::CampaignId>,
    headers: HeaderMap,
    StrictJson(campaign): StrictJson<Campaign>,
) -> Result<Response, ApiError> {
    same_id(id, campaign.id)?;
    run(&state, user, &headers, Operation::PutCampaign { campaign }).await
}

async fn put_task(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<TaskId>,
    headers: HeaderMap,
    StrictJson(task): StrictJson<domain::task::Task>,
) -> Result<Response, ApiError> {
    same_id(id, task.id)?;
    run(&state, user, &headers, Operation::PutTask { task: Box::new(task) }).await
}

async fn delete_task(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<TaskId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(&state, user, &headers, Operation::DeleteTask { task: id }).await
}

async fn put_saved_search(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<SavedSearchId>,
    headers: HeaderMap,
    StrictJson(search): StrictJson<domain::search::SavedSearch>,
) -> Result<Response, ApiError> {
    same_id(id, search.id)?;
    run(&state, user, &headers, Operation::PutSavedSearch { search: Box::new(search) }).await
}

async fn delete_saved_search(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<SavedSearchId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(&state, user, &headers, Operation::DeleteSavedSearch { search: id }).await
}

/// The app's outbox push: each mutation applied at most once per idempotency key, in order.
async fn push(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    StrictJson(request): StrictJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    if request.version != PROTOCOL_VERSION {
        return Err(ApiError::new(
            ErrorCode::UnsupportedVersion,
            format!("this endpoint speaks protocol {PROTOCOL_VERSION}, not {}", request.version),
        ));
    }
    let mut outcomes = Vec::with_capacity(request.mutations.len());
    for mutation in &request.mutations {
        let hash = actions::request_hash(&mutation.op);
        let (outcome, applied) =
            actions::apply_once(&state.store, user, &mutation.key.to_string(), &hash, &mutation.op).await?;
        if let Some(applied) = applied {
            state.applied(user, applied);
        }
        outcomes.push(outcome);
    }
    Ok(Json(PushResponse { version: PROTOCOL_VERSION, outcomes }))
}

#[derive(Deserialize)]
struct ChangesQuery {
    since: Option<String>,
    limit: Option<u32>,
}

async fn changes(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(query): Query<ChangesQuery>,
) -> Result<Json<ChangePage>, ApiError> {
    let since: Cursor = match query.since.as_deref() {
        None | Some("") => Cursor(0),
        Some(text) => text.parse().map_err(|e: domain::sync::CursorError| {
            ApiError::field(ErrorCode::InvalidInput, "since", e.to_string())
        })?,
    };
    let limit = query.limit.unwrap_or(500).clamp(1, MAX_PAGE);
    Ok(Json(state.store.changes(user, since, limit).await?))
}

/// Server-Sent Events: one `change` event (data: the newest change number) whenever the user's feed moves,
/// plus one at connection with the current number.
async fn change_stream(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let receiver = state.feed.subscribe();
    let current = state.store.latest_seq(user).await?;
    let first = tokio_stream::once(Ok(Event::default().event("change").data(current.to_string())));
    let updates = BroadcastStream::new(receiver).filter_map(move |item| match item {
        Ok((owner, seq)) if owner == user => Some(Ok(Event::default().event("change").data(seq.to_string()))),
        Ok(_) => None,
        // Missed notifications: say "something changed" with the last known number; the app pulls anyway.
        Err(_) => Some(Ok(Event::default().event("change").data("0"))),
    });
    Ok(Sse::new(first.chain(updates)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// A redirect that never leaves for somewhere the token did not name.
pub fn redirect_to(url: &str) -> Response {
    Redirect::to(url).into_response()
}

/// Serves `router` on `listener` (with each connection's peer address, for the tracking classifier) until
/// `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
