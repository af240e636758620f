//! The rep's changes: each is applied to the cache by the domain's rule and queued in the outbox, in one
//! IndexedDB transaction, before the screen says it is done. Sync pushes the outbox afterwards; the change
//! feed then brings the endpoint's copy, which wins on everything about delivery.
//!
//! A change has one shape: the [`Record`] as it now is (or gone). The cache's writes come from it
//! ([`Write::of`]), and so does the operation that tells the endpoint when it is a save or a delete
//! ([`Operation::saving`]); an action on an email (archive, send now …) is its operation and the record the
//! domain makes of it. Every change goes through [`commit`].

use chrono::{TimeDelta, Utc};
use domain::search::SavedSearch;
use domain::sync::{EmailEffect, ErrorBody, Mutation, Operation, Record, RecordKind, apply_to_email};
use domain::task::Task;
use domain::{Campaign, Email, EmailId, IdempotencyKey, Person, SavedSearchId, TaskId};
use leptos::prelude::*;
use uuid::Uuid;

use super::AppState;
use crate::storage::{EmailRecord, OutboxEntry, StorageError, Write};

/// How long a deletion waits in the outbox, so the rep can take it back.
pub const UNDO_WINDOW: TimeDelta = TimeDelta::seconds(8);

/// How to take a change back.
#[derive(Clone, Debug, PartialEq)]
pub enum Undo {
    /// Queue these operations (the inverse of what was done).
    Apply(Vec<Operation>),
    /// Take these held outbox entries out again and put the records back.
    Unqueue { entries: Vec<u32>, records: Vec<EmailRecord> },
    /// Take these held task deletions back.
    Tasks { entries: Vec<u32>, tasks: Vec<Task> },
}

/// Why a change was not made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ActionError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Refused(ErrorBody),
    #[error("the email is not in the local cache")]
    Missing,
}

/// What became of a change applied to several emails at once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    pub applied: usize,
    pub refused: Vec<(EmailId, ErrorBody)>,
    pub undo: Option<Undo>,
}

fn mutation(op: Operation) -> Mutation {
    Mutation { key: IdempotencyKey(Uuid::now_v7()), made_at: Utc::now(), op }
}

/// Whether an operation waits out [`UNDO_WINDOW`] in the outbox: the deletions the rep can take back.
fn held(op: &Operation) -> bool {
    matches!(op, Operation::DeleteEmail { .. } | Operation::DeleteTask { .. })
}

/// The saves and deletions of `records`, each with the operation that tells the endpoint.
fn saving(records: &[Record]) -> Vec<Operation> {
    records.iter().filter_map(Operation::saving).collect()
}

/// Commits a change: `records` as they now are written to the cache, `ops` queued in the outbox (a
/// deletion held for [`UNDO_WINDOW`]) and `also` applied, in one transaction; then the search index, the
/// screens and sync hear of it. Returns the numbers of the new outbox entries, in order.
async fn commit(
    state: AppState,
    records: Vec<Record>,
    ops: Vec<Operation>,
    also: Vec<Write>,
) -> Result<Vec<u32>, ActionError> {
    let now = Utc::now();
    let mut writes: Vec<Write> = records.iter().flat_map(Write::of).collect();
    writes.extend(also);
    for op in ops {
        let mut entry = OutboxEntry::new(mutation(op));
        if held(&entry.mutation.op) {
            entry.hold_until = Some(now + UNDO_WINDOW);
        }
        writes.push(Write::Enqueue(Box::new(entry)));
    }
    let numbers = state.cache().write(writes).await?;
    state.search.apply(&records);
    state.changed_by(&records);
    state.poke();
    Ok(numbers)
}

/// A new id for a record the rep creates (UUID v7: ordered by creation).
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// Applies the operation `op_for(id)` to each email of `ids`: the ones the domain allows are changed in
/// the cache and queued, the others are reported with the reason.
pub async fn email_action(
    state: AppState,
    ids: &[EmailId],
    op_for: impl Fn(&Email) -> Operation,
) -> Result<Outcome, ActionError> {
    let cache = state.cache();
    let now = Utc::now();
    let mut outcome = Outcome::default();
    let mut ops = Vec::new();
    let mut inverse = Vec::new();
    let mut removed = Vec::new();
    let mut records = Vec::new();
    for id in ids {
        let Some(record) = cache.email(*id).await? else {
            outcome
                .refused
                .push((*id, ErrorBody::new(domain::sync::ErrorCode::NotFound, "not in the cache")));
            continue;
        };
        let op = op_for(&record.email);
        match apply_to_email(&record.email, &op, now) {
            Ok(EmailEffect::Updated(email)) => {
                inverse.extend(inverse_of(&record.email, &op));
                records.push(Record::Email { email });
            }
            Ok(EmailEffect::Deleted) => {
                records.push(Record::deleted(RecordKind::Email, id));
                removed.push(record);
            }
            Err(error) => {
                outcome.refused.push((*id, error));
                continue;
            }
        }
        ops.push(op);
        outcome.applied += 1;
    }
    if outcome.applied == 0 {
        return Ok(outcome);
    }
    let numbers = commit(state, records, ops, Vec::new()).await?;
    if !removed.is_empty() {
        outcome.undo = Some(Undo::Unqueue { entries: numbers, records: removed });
    } else if !inverse.is_empty() && inverse.len() == outcome.applied {
        outcome.undo = Some(Undo::Apply(inverse));
    }
    Ok(outcome)
}

/// The operation that takes `op` back on `email`, where there is one.
fn inverse_of(email: &Email, op: &Operation) -> Option<Operation> {
    match op {
        Operation::Archive { email: id } => Some(Operation::Unarchive { email: *id }),
        Operation::Unarchive { email: id } => Some(Operation::Archive { email: *id }),
        Operation::Unschedule { email: id } => {
            email.schedule.clone().map(|schedule| Operation::Schedule { email: *id, schedule })
        }
        _ => None,
    }
}

/// Takes a change back.
pub async fn undo(state: AppState, undo: Undo) -> Result<Outcome, ActionError> {
    match undo {
        Undo::Apply(ops) => {
            let ids: Vec<EmailId> = ops.iter().filter_map(|op| op.email_action_target()).collect();
            email_action(state, &ids, |email| {
                ops.iter()
                    .find(|op| op.email_action_target() == Some(email.id))
                    .cloned()
                    .unwrap_or(Operation::Archive { email: email.id })
            })
            .await
        }
        Undo::Tasks { entries, tasks } => {
            let applied = restore_tasks(state, &entries, tasks).await?;
            Ok(Outcome { applied, refused: Vec::new(), undo: None })
        }
        Undo::Unqueue { entries, records } => {
            let cache = state.cache();
            let outbox = cache.outbox().await?;
            let still_held: Vec<u32> =
                entries.iter().copied().filter(|n| outbox.items.iter().any(|(m, _)| m == n)).collect();
            // Each email comes back with its engagement.
            let back: Vec<Record> = records
                .into_iter()
                .filter(|record| {
                    outbox.items.iter().any(|(n, e)| {
                        still_held.contains(n) && e.mutation.op.email_action_target() == Some(record.email.id)
                    })
                })
                .flat_map(|EmailRecord { email, engagement }| {
                    let id = email.id;
                    [Record::Email { email: Box::new(email) }, Record::Engagement { email: id, engagement }]
                })
                .collect();
            let restored = back.len() / 2;
            commit(state, back, Vec::new(), still_held.iter().map(|n| Write::Dequeue(*n)).collect()).await?;
            Ok(Outcome { applied: restored, refused: Vec::new(), undo: None })
        }
    }
}

/// Saves an email the rep wrote (new or edited), then applies `then` to it (send now, schedule): the
/// content and the actions go to the outbox in order.
pub async fn save_email(state: AppState, email: Email, then: Vec<Operation>) -> Result<Email, ActionError> {
    let now = Utc::now();
    let mut local = email.clone();
    for op in &then {
        match apply_to_email(&local, op, now).map_err(ActionError::Refused)? {
            EmailEffect::Updated(next) => local = *next,
            EmailEffect::Deleted => return Err(ActionError::Missing),
        }
    }
    let mut ops = vec![Operation::PutEmail { email: Box::new(email) }];
    ops.extend(then);
    commit(state, vec![Record::Email { email: Box::new(local.clone()) }], ops, Vec::new()).await?;
    Ok(local)
}

/// Queues a bulk send: people first (new ones from an import), then one email per recipient, all in one
/// transaction.
pub async fn queue_bulk(state: AppState, people: Vec<Person>, emails: Vec<Email>) -> Result<(), ActionError> {
    let mut records: Vec<Record> =
        people.into_iter().map(|p| Record::Person { person: Box::new(p) }).collect();
    records.extend(emails.into_iter().map(|e| Record::Email { email: Box::new(e) }));
    save(state, records).await
}

/// Saves `records` (new or edited) and tells the endpoint.
async fn save(state: AppState, records: Vec<Record>) -> Result<(), ActionError> {
    let ops = saving(&records);
    commit(state, records, ops, Vec::new()).await?;
    Ok(())
}

/// Saves people (new or edited).
pub async fn save_people(state: AppState, people: Vec<Person>) -> Result<(), ActionError> {
    save(state, people.into_iter().map(|p| Record::Person { person: Box::new(p) }).collect()).await
}

/// Saves a campaign.
pub async fn save_campaign(state: AppState, campaign: Campaign) -> Result<(), ActionError> {
    save(state, vec![Record::Campaign { campaign }]).await
}

/// Saves tasks (new or edited). The board follows at once.
pub async fn save_tasks(state: AppState, tasks: Vec<Task>) -> Result<(), ActionError> {
    // The board shows a change once it is in the cache (commit takes the tasks in).
    save(state, tasks.into_iter().map(|t| Record::Task { task: Box::new(t) }).collect()).await
}

/// Deletes tasks. The deletions wait in the outbox for [`UNDO_WINDOW`]: [`restore_tasks`] takes them back.
pub async fn delete_tasks(state: AppState, ids: &[TaskId]) -> Result<(Vec<u32>, Vec<Task>), ActionError> {
    let removed: Vec<Task> =
        state.tasks.with_untracked(|all| ids.iter().filter_map(|id| all.get(id).cloned()).collect());
    state.tasks.update(|all| {
        for task in &removed {
            all.remove(&task.id);
        }
    });
    let gone: Vec<Record> = removed.iter().map(|t| Record::deleted(RecordKind::Task, t.id)).collect();
    let ops = saving(&gone);
    let numbers = commit(state, gone, ops, Vec::new()).await?;
    Ok((numbers, removed))
}

/// Takes back deletions of tasks that have not left the outbox yet. Returns how many came back.
pub async fn restore_tasks(state: AppState, entries: &[u32], tasks: Vec<Task>) -> Result<usize, ActionError> {
    let cache = state.cache();
    let outbox = cache.outbox().await?;
    let held: Vec<(u32, TaskId)> = outbox
        .items
        .iter()
        .filter(|(n, _)| entries.contains(n))
        .filter_map(|(n, e)| match e.mutation.op {
            Operation::DeleteTask { task } => Some((*n, task)),
            _ => None,
        })
        .collect();
    let back: Vec<Task> = tasks.into_iter().filter(|t| held.iter().any(|(_, id)| *id == t.id)).collect();
    let records = back.iter().map(|t| Record::Task { task: Box::new(t.clone()) }).collect();
    commit(state, records, Vec::new(), held.iter().map(|(n, _)| Write::Dequeue(*n)).collect()).await?;
    Ok(back.len())
}

/// Saves a saved search (new, renamed or with a new query); its members are computed at once.
pub async fn save_saved_search(state: AppState, search: SavedSearch) -> Result<(), ActionError> {
    save(state, vec![Record::SavedSearch { search: Box::new(search) }]).await
}

/// Deletes a saved search (and the members the rep had seen of it).
pub async fn delete_saved_search(state: AppState, id: SavedSearchId) -> Result<(), ActionError> {
    save(state, vec![Record::deleted(RecordKind::SavedSearch, id)]).await
}

/// Drops an outbox entry the endpoint refused (the rep has read why).
pub async fn dismiss_rejected(state: AppState, number: u32) -> Result<(), ActionError> {
    commit(state, Vec::new(), Vec::new(), vec![Write::Dequeue(number)]).await?;
    Ok(())
}
