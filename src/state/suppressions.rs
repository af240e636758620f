//! The rep's suppression list (hard bounces, complaints, unsubscribes), as the endpoint keeps it, with a
//! copy in the cache so that compose refuses a suppressed address offline too, before the email is queued.

use domain::sync::Suppression;
use leptos::prelude::*;

use crate::storage::{Store, Write, meta};
use crate::sync::ApiError;

use super::AppState;

/// The list as last known: the cached copy until the endpoint answers, then the endpoint's.
pub async fn refresh(state: AppState) -> Result<(), ApiError> {
    if state.suppressions.with_untracked(Vec::is_empty)
        && let Ok(Some(cached)) = state.cache().get::<Vec<Suppression>>(Store::Meta, meta::SUPPRESSIONS).await
    {
        state.suppressions.set(cached);
    }
    let Some(api) = state.api() else {
        return Ok(());
    };
    let list = api.suppressions().await?;
    let _ = state.cache().write(vec![Write::meta(meta::SUPPRESSIONS, &list)]).await;
    state.suppressions.set(list);
    Ok(())
}

/// Lifts `address`'s suppression on the endpoint (it needs a connection), then reads the list again.
pub async fn lift(state: AppState, address: String) -> Result<(), ApiError> {
    let Some(api) = state.api() else { return Err(ApiError::Unauthorized) };
    api.lift_suppression(&address).await?;
    state.suppressions.update(|list| list.retain(|s| s.address != address));
    refresh(state).await
}
