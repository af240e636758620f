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
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use domain::classify::ClassifierSettings;
use domain::sync::{
    ChangePage, Cursor, ErrorBody, ErrorCode, Me, Operation, PROTOCOL_VERSION, PushRequest, PushResponse,
};
use domain::{Campaign, Email, EmailId, Person, SavedSearchId, TaskId, UserId};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tokio_stream::wrappers::{BroadcastStream, WatchStream};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actions::{self, Applied};
use crate::error::ApiError;
use crate::extract::{AuthUser, StrictJson, Token};
use crate::feed::Feed;
use crate::policy;
use crate::recorder::Recorder;
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
    pub recorder: Recorder,
    /// Cancelled when the endpoint stops: open event streams end.
    pub stopping: CancellationToken,
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
fn app_files(app_dir: &std::path::Path, embedders: &[String]) -> Router {
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

/// The API routes and their OpenAPI document, made from the same list of handlers so neither can name a
/// route the other lacks.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(put_email, get_email, delete_email))
        .routes(routes!(send_email))
        .routes(routes!(schedule_email))
        .routes(routes!(unschedule_email))
        .routes(routes!(cancel_email))
        .routes(routes!(archive_email))
        .routes(routes!(unarchive_email))
        .routes(routes!(retry_email))
        .routes(routes!(mark_success))
        .routes(routes!(put_person, delete_person))
        .routes(routes!(put_campaign))
        .routes(routes!(put_task, delete_task))
        .routes(routes!(put_saved_search, delete_saved_search))
        .routes(routes!(push))
        .routes(routes!(changes))
        .routes(routes!(change_stream))
        .routes(routes!(crate::inbound_http::inbound))
        .routes(routes!(me))
        .split_for_parts()
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

/// What every mutation can answer.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only read by the OpenAPI document
enum MutationResponses {
    /// Applied (or replayed: the same `Idempotency-Key` was applied before).
    #[response(status = 200)]
    Applied(MutationAnswer),
    /// Invalid input: bad address, line break in a header, unknown field, malformed JSON, mismatched id.
    #[response(status = 400)]
    Invalid(ErrorBody),
    /// No or wrong bearer token.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// No such record for this user.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// The change is not allowed in the record's current state (e.g. editing an email already sent).
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// The body is larger than the limit.
    #[response(status = 413)]
    TooLarge(ErrorBody),
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

/// Who the token belongs to.
#[utoipa::path(get, path = "/me", tag = "sync", responses(
    (status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, AuthUser(user): AuthUser) -> Result<Json<Me>, ApiError> {
    let email = state.store.user_email(user).await?.ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(Me { user: user.0, email, protocol: PROTOCOL_VERSION }))
}

/// The answer to a REST mutation: the change number its result has in the feed.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq, ToSchema)]
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

/// Creates or updates an email by its client-generated id. The same body again is a no-op; a different
/// body once the email has left Draft/Scheduled is a 409.
#[utoipa::path(put, path = "/emails/{id}", tag = "emails", request_body = Email,
    params(("id" = EmailId, Path), IdempotencyKey), responses(MutationResponses))]
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

/// Deletes an email that may be deleted (never one being sent).
#[utoipa::path(delete, path = "/emails/{id}", tag = "emails",
    params(("id" = EmailId, Path), IdempotencyKey), responses(MutationResponses))]
async fn delete_email(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<EmailId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(&state, user, &headers, Operation::DeleteEmail { email: id }).await
}

/// The body of `POST /emails/{id}/schedule`.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ScheduleBody {
    schedule: domain::Schedule,
}

/// The `Idempotency-Key` header every mutation takes: a retried request with the same key is applied once.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // only read by the OpenAPI document
struct IdempotencyKey {
    /// Any unique text per intended change (the app uses a UUID per outbox entry).
    #[param(rename = "Idempotency-Key")]
    idempotency_key: Option<String>,
}

/// Declares one email action route: `POST /emails/{id}/<name>` with an empty body.
macro_rules! email_action {
    ($handler:ident, $path:literal, $doc:literal, $op:ident) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "emails",
                            params(("id" = EmailId, Path), IdempotencyKey), responses(MutationResponses))]
        async fn $handler(
            State(state): State<AppState>,
            AuthUser(user): AuthUser,
            Path(id): Path<EmailId>,
            headers: HeaderMap,
        ) -> Result<Response, ApiError> {
            run(&state, user, &headers, Operation::$op { email: id }).await
        }
    };
}

email_action!(send_email, "/emails/{id}/send", "Sends a Draft (or Scheduled) email now.", SendNow);
email_action!(
    unschedule_email,
    "/emails/{id}/unschedule",
    "Takes a Scheduled email back to Draft.",
    Unschedule
);
email_action!(cancel_email, "/emails/{id}/cancel", "Cancels a Scheduled email (back to Draft).", Unschedule);
email_action!(archive_email, "/emails/{id}/archive", "Archives a Delivered email.", Archive);
email_action!(unarchive_email, "/emails/{id}/unarchive", "Brings an Archived email back.", Unarchive);
email_action!(retry_email, "/emails/{id}/retry", "Sends a Failed or Bounced email again.", Retry);
email_action!(mark_success, "/emails/{id}/success", "Files an undelivered email as handled.", MarkSuccess);

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

/// Creates or updates a person.
#[utoipa::path(put, path = "/people/{id}", tag = "records", request_body = Person,
    params(("id" = domain::PersonId, Path), IdempotencyKey), responses(MutationResponses))]
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

/// Deletes a person.
#[utoipa::path(delete, path = "/people/{id}", tag = "records",
    params(("id" = domain::PersonId, Path), IdempotencyKey), responses(MutationResponses))]
async fn delete_person(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<domain::PersonId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(&state, user, &headers, Operation::DeletePerson { person: id }).await
}

/// Creates or updates a campaign.
#[utoipa::path(put, path = "/campaigns/{id}", tag = "records", request_body = Campaign,
    params(("id" = domain::CampaignId, Path), IdempotencyKey), responses(MutationResponses))]
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

/// Creates or updates a task.
#[utoipa::path(put, path = "/tasks/{id}", tag = "records", request_body = domain::task::Task,
    params(("id" = TaskId, Path), IdempotencyKey), responses(MutationResponses))]
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

/// Deletes a task.
#[utoipa::path(delete, path = "/tasks/{id}", tag = "records",
    params(("id" = TaskId, Path), IdempotencyKey), responses(MutationResponses))]
async fn delete_task(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<TaskId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(&state, user, &headers, Operation::DeleteTask { task: id }).await
}

/// Creates or updates a saved search.
#[utoipa::path(put, path = "/saved-searches/{id}", tag = "records", request_body = domain::search::SavedSearch,
    params(("id" = SavedSearchId, Path), IdempotencyKey), responses(MutationResponses))]
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

/// Deletes a saved search.
#[utoipa::path(delete, path = "/saved-searches/{id}", tag = "records",
    params(("id" = SavedSearchId, Path), IdempotencyKey), responses(MutationResponses))]
async fn delete_saved_search(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<SavedSearchId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    run(&state, user, &headers, Operation::DeleteSavedSearch { search: id }).await
}

/// The app's outbox push: each mutation applied at most once per idempotency key, in order.
#[utoipa::path(post, path = "/sync", tag = "sync", request_body = PushRequest, responses(
    (status = 200, description = "One outcome per mutation, in order", body = PushResponse),
    (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    (status = 426, description = "The app speaks another protocol version", body = ErrorBody)))]
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ChangesQuery {
    /// The cursor of the last page read (absent or empty: from the beginning).
    since: Option<String>,
    /// Records per page, 1 to 1000 (default 500).
    limit: Option<u32>,
}

/// Every record and engagement event of the user changed after `since`, oldest first, one page at a time.
#[utoipa::path(get, path = "/changes", tag = "sync", params(ChangesQuery), responses(
    (status = 200, body = ChangePage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
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
/// plus one at connection with the current number. The stream ends when the token stops working (revoked
/// or renewed) or the endpoint stops.
#[utoipa::path(get, path = "/changes/stream", tag = "sync",
    params(("access_token" = Option<String>, Query, description = "The bearer token, for clients that cannot set headers (EventSource)")),
    responses(
        (status = 200, description = "A stream of `change` events, each one as described", content_type = "text/event-stream", body = ChangeEvent),
        (status = 401, body = ErrorBody)))]
async fn change_stream(
    State(state): State<AppState>,
    token: Token,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    use futures_util::StreamExt as _;
    let Token { user, hash } = token;
    let receiver = state.feed.subscribe();
    let mut tokens = state.feed.tokens();
    tokens.mark_unchanged();
    let current = state.store.latest_seq(user).await?;
    let change = |seq: u64| Tick::Change(Event::default().event("change").data(seq.to_string()));
    let first = tokio_stream::once(change(current));
    let updates =
        tokio_stream::StreamExt::filter_map(BroadcastStream::new(receiver), move |item| match item {
            Ok((owner, seq)) if owner == user => Some(change(seq)),
            Ok(_) => None,
            // Missed notifications: say "something changed" with the last known number; the app pulls anyway.
            Err(_) => Some(change(0)),
        });
    let token_moved = tokio_stream::StreamExt::map(WatchStream::from_changes(tokens), |_| Tick::Tokens);
    let ticks = tokio_stream::StreamExt::merge(tokio_stream::StreamExt::chain(first, updates), token_moved);
    let store = state.store.clone();
    // A token that stops working (revoked, renewed) ends its stream.
    let events = ticks
        .then(move |tick| {
            let (store, hash) = (store.clone(), hash.clone());
            async move {
                match tick {
                    Tick::Change(event) => Some(Some(event)),
                    Tick::Tokens => match store.user_by_token_hash(&hash).await {
                        Ok(Some(still)) if still == user => Some(None),
                        _ => None,
                    },
                }
            }
        })
        .take_while(|tick| std::future::ready(tick.is_some()))
        .filter_map(|tick| std::future::ready(tick.flatten().map(Ok)))
        .take_until(state.stopping.clone().cancelled_owned());
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// One event of the change stream, as a client reads it.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)] // only read by the OpenAPI document
struct ChangeEvent {
    /// Always `change`.
    #[schema(pattern = "^change$")]
    event: String,
    /// The newest change number of the user's feed (`0` when some notifications were missed: pull anyway).
    #[schema(pattern = "^[0-9]+$")]
    data: String,
}

/// What moves an open change stream.
enum Tick {
    Change(Event),
    /// Some token changed: is this stream's still good?
    Tokens,
}

/// A redirect that never leaves for somewhere the token did not name.
pub fn redirect_to(url: &str) -> Response {
    Redirect::to(url).into_response()
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
