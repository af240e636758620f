//! The routes of the rep's other records: people, campaigns, tasks and saved searches, each put whole or
//! deleted by id.

use domain::search::SavedSearch;
use domain::task::Task;
use domain::{Campaign, CampaignId, Person, PersonId, SavedSearchId, TaskId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::mutations::mutations;

/// Adds the routes of people, campaigns, tasks and saved searches to the API and its document.
pub(super) fn routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(put_person, delete_person))
        .routes(routes!(put_campaign))
        .routes(routes!(put_task, delete_task))
        .routes(routes!(put_saved_search, delete_saved_search))
}

mutations! { tag = "records";
    /// Creates or updates a person.
    put "/people/{id}", fn put_person(id: PersonId, person: Person) => PutPerson { person: Box::new(person) };

    /// Deletes a person.
    delete "/people/{id}", fn delete_person(person: PersonId) => DeletePerson { person };

    /// Creates or updates a campaign.
    put "/campaigns/{id}", fn put_campaign(id: CampaignId, campaign: Campaign) => PutCampaign { campaign };

    /// Creates or updates a task.
    put "/tasks/{id}", fn put_task(id: TaskId, task: Task) => PutTask { task: Box::new(task) };

    /// Deletes a task.
    delete "/tasks/{id}", fn delete_task(task: TaskId) => DeleteTask { task };

    /// Creates or updates a saved search.
    put "/saved-searches/{id}",
    fn put_saved_search(id: SavedSearchId, search: SavedSearch)
        => PutSavedSearch { search: Box::new(search) };

    /// Deletes a saved search.
    delete "/saved-searches/{id}",
    fn delete_saved_search(search: SavedSearchId) => DeleteSavedSearch { search };
}
