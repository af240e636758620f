//! The routes of the rep's other records: people, campaigns, tasks and saved searches, each put whole or
//! deleted by id.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use domain::sync::Operation;
use domain::{Campaign, Person, SavedSearchId, TaskId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::mutations::{IdempotencyKey, MutationResponses, run, same_id};
use crate::error::ApiError;
use crate::extract::{AuthUser, StrictJson};

/// Adds the routes of people, campaigns, tasks and saved searches to the API and its document.
pub(super) fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(put_person, delete_person))
        .routes(routes!(put_campaign))
        .routes(routes!(put_task, delete_task))
        .routes(routes!(put_saved_search, delete_saved_search))
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
