//! The rep's changes: each is applied to the cache by the domain's rule and queued in the outbox, in one
//! IndexedDB transaction, before the screen says it is done. Sync pushes the outbox afterwards; the change
//! feed then brings the endpoint's copy, which wins on everything about delivery.

use chrono::{TimeDelta, Utc};
use domain::search::SavedSearch;
use domain::sync::{EmailEffect, ErrorBody, Mutation, Operation, Record, apply_to_email};
use domain::task::Task;
use domain::{Campaign, Email, EmailId, IdempotencyKey, Person, SavedSearchId, TaskId};
use leptos::prelude::*;
use uuid::Uuid;

use super::AppState;
use crate::storage::{EmailRecord, OutboxEntry, StorageError, Store, Write};

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
    let mut writes = Vec::new();
    let mut outcome = Outcome::default();
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
                if let Some(undo) = inverse_of(&record.email, &op) {
                    inverse.push(undo);
                }
                records.push(Record::Email { email: email.clone() });
                writes.push(Write::Email(Box::new(EmailRecord {
                    email: *email,
                    engagement: record.engagement,
                })));
                writes.push(Write::Enqueue(Box::new(OutboxEntry::new(mutation(op)))));
                outcome.applied += 1;
            }
            Ok(EmailEffect::Deleted) => {
                records.push(Record::Deleted { kind: "email".into(), id: id.to_string() });
                writes.push(Write::DeleteEmail(*id));
                let mut entry = OutboxEntry::new(mutation(op));
                entry.hold_until = Some(now + UNDO_WINDOW);
                writes.push(Write::Enqueue(Box::new(entry)));
                removed.push(record);
                outcome.applied += 1;
            }
            Err(error) => outcome.refused.push((*id, error)),
        }
    }
    let numbers = cache.write(writes).await?;
    state.search.apply(&records);
    if !removed.is_empty() {
        outcome.undo = Some(Undo::Unqueue { entries: numbers, records: removed });
    } else if !inverse.is_empty() && inverse.len() == outcome.applied {
        outcome.undo = Some(Undo::Apply(inverse));
    }
    if outcome.applied > 0 {
        state.changed_by(&records);
        state.poke();
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
            let mut writes: Vec<Write> = still_held.iter().map(|n| Write::Dequeue(*n)).collect();
            let mut restored = 0;
            for record in records {
                let id = record.email.id;
                let held = outbox
                    .items
                    .iter()
                    .any(|(n, e)| still_held.contains(n) && e.mutation.op.email_action_target() == Some(id));
                if held {
                    writes.push(Write::Email(Box::new(record)));
                    restored += 1;
                }
            }
            let back: Vec<Record> = writes
                .iter()
                .filter_map(|w| match w {
                    Write::Email(r) => Some(Record::Email { email: Box::new(r.email.clone()) }),
                    _ => None,
                })
                .collect();
            cache.write(writes).await?;
            state.search.apply(&back);
            state.changed_by(&back);
            Ok(Outcome { applied: restored, refused: Vec::new(), undo: None })
        }
    }
}

/// Saves an email the rep wrote (new or edited), then applies `then` to it (send now, schedule): the
/// content and the actions go to the outbox in order.
pub async fn save_email(state: AppState, email: Email, then: Vec<Operation>) -> Result<Email, ActionError> {
    let cache = state.cache();
    let now = Utc::now();
    let engagement = cache.email(email.id).await?.map(|r| r.engagement).unwrap_or_default();
    let mut local = email.clone();
    let mut writes = vec![Write::Enqueue(Box::new(OutboxEntry::new(mutation(Operation::PutEmail {
        email: Box::new(email),
    }))))];
    for op in then {
        match apply_to_email(&local, &op, now).map_err(ActionError::Refused)? {
            EmailEffect::Updated(next) => local = *next,
            EmailEffect::Deleted => return Err(ActionError::Missing),
        }
        writes.push(Write::Enqueue(Box::new(OutboxEntry::new(mutation(op)))));
    }
    writes.insert(0, Write::Email(Box::new(EmailRecord { email: local.clone(), engagement })));
    cache.write(writes).await?;
    let saved = [Record::Email { email: Box::new(local.clone()) }];
    state.search.apply(&saved);
    state.changed_by(&saved);
    state.poke();
    Ok(local)
}

/// Queues a bulk send: people first (new ones from an import), then one email per recipient, all in one
/// transaction.
pub async fn queue_bulk(state: AppState, people: Vec<Person>, emails: Vec<Email>) -> Result<(), ActionError> {
    let mut writes = Vec::with_capacity(2 * (people.len() + emails.len()));
    let mut records: Vec<Record> =
        people.iter().map(|p| Record::Person { person: Box::new(p.clone()) }).collect();
    records.extend(emails.iter().map(|e| Record::Email { email: Box::new(e.clone()) }));
    for person in people {
        writes.extend(person_writes(person));
    }
    for email in emails {
        writes.push(Write::Email(Box::new(EmailRecord {
            email: email.clone(),
            engagement: Default::default(),
        })));
        writes.push(Write::Enqueue(Box::new(OutboxEntry::new(mutation(Operation::PutEmail {
            email: Box::new(email),
        })))));
    }
    state.cache().write(writes).await?;
    state.search.apply(&records);
    state.changed();
    state.poke();
    Ok(())
}

fn person_writes(person: Person) -> [Write; 2] {
    [
        Write::Record {
            store: Store::People,
            key: person.id.to_string(),
            json: serde_json::to_string(&person).unwrap_or_default(),
            email_address: Some(person.email.as_str().to_string()),
        },
        Write::Enqueue(Box::new(OutboxEntry::new(mutation(Operation::PutPerson {
            person: Box::new(person),
        })))),
    ]
}

/// Saves people (new or edited).
pub async fn save_people(state: AppState, people: Vec<Person>) -> Result<(), ActionError> {
    let records: Vec<Record> =
        people.iter().map(|p| Record::Person { person: Box::new(p.clone()) }).collect();
    let writes: Vec<Write> = people.into_iter().flat_map(person_writes).collect();
    state.cache().write(writes).await?;
    state.search.apply(&records);
    state.changed();
    state.poke();
    Ok(())
}

/// Saves a campaign.
pub async fn save_campaign(state: AppState, campaign: Campaign) -> Result<(), ActionError> {
    let record = Record::Campaign { campaign: campaign.clone() };
    let writes = vec![
        Write::record(Store::Campaigns, campaign.id, &campaign),
        Write::Enqueue(Box::new(OutboxEntry::new(mutation(Operation::PutCampaign { campaign })))),
    ];
    state.cache().write(writes).await?;
    state.search.apply(&[record]);
    state.changed();
    state.poke();
    Ok(())
}

/// Saves tasks (new or edited). The board follows at once.
pub async fn save_tasks(state: AppState, tasks: Vec<Task>) -> Result<(), ActionError> {
    let mut writes = Vec::with_capacity(tasks.len() * 2);
    for task in &tasks {
        writes.push(Write::record(Store::Tasks, task.id, task));
        writes.push(Write::Enqueue(Box::new(OutboxEntry::new(mutation(Operation::PutTask {
            task: Box::new(task.clone()),
        })))));
    }
    // Written first: the board shows a change only once it is in the cache.
    state.cache().write(writes).await?;
    state.tasks.update(|all| {
        for task in tasks {
            all.insert(task.id, task);
        }
    });
    state.changed();
    state.poke();
    Ok(())
}

/// Deletes tasks. The deletions wait in the outbox for [`UNDO_WINDOW`]: [`restore_tasks`] takes them back.
pub async fn delete_tasks(state: AppState, ids: &[TaskId]) -> Result<(Vec<u32>, Vec<Task>), ActionError> {
    let now = Utc::now();
    let removed: Vec<Task> =
        state.tasks.with_untracked(|all| ids.iter().filter_map(|id| all.get(id).cloned()).collect());
    let mut writes = Vec::with_capacity(ids.len() * 2);
    for task in &removed {
        writes.push(Write::Delete { store: Store::Tasks, key: task.id.to_string() });
        let mut entry = OutboxEntry::new(mutation(Operation::DeleteTask { task: task.id }));
        entry.hold_until = Some(now + UNDO_WINDOW);
        writes.push(Write::Enqueue(Box::new(entry)));
    }
    state.tasks.update(|all| {
        for task in &removed {
            all.remove(&task.id);
        }
    });
    let numbers = state.cache().write(writes).await?;
    state.changed();
    state.poke();
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
    let mut writes: Vec<Write> = held.iter().map(|(n, _)| Write::Dequeue(*n)).collect();
    writes.extend(back.iter().map(|t| Write::record(Store::Tasks, t.id, t)));
    cache.write(writes).await?;
    state.tasks.update(|all| {
        for task in &back {
            all.insert(task.id, task.clone());
        }
    });
    state.changed();
    Ok(back.len())
}

/// Saves a saved search (new, renamed or with a new query); its members are computed at once.
pub async fn save_saved_search(state: AppState, search: SavedSearch) -> Result<(), ActionError> {
    let record = Record::SavedSearch { search: Box::new(search.clone()) };
    let writes = vec![
        Write::record(Store::SavedSearches, search.id, &search),
        Write::Enqueue(Box::new(OutboxEntry::new(mutation(Operation::PutSavedSearch {
            search: Box::new(search),
        })))),
    ];
    state.cache().write(writes).await?;
    state.search.apply(&[record]);
    state.changed();
    state.poke();
    Ok(())
}

/// Deletes a saved search.
pub async fn delete_saved_search(state: AppState, id: SavedSearchId) -> Result<(), ActionError> {
    let writes = vec![
        Write::Delete { store: Store::SavedSearches, key: id.to_string() },
        Write::Delete { store: Store::Seen, key: id.to_string() },
        Write::Enqueue(Box::new(OutboxEntry::new(mutation(Operation::DeleteSavedSearch { search: id })))),
    ];
    state.cache().write(writes).await?;
    state.search.apply(&[Record::Deleted { kind: "saved_search".into(), id: id.to_string() }]);
    state.changed();
    state.poke();
    Ok(())
}

/// Drops an outbox entry the endpoint refused (the rep has read why).
pub async fn dismiss_rejected(state: AppState, number: u32) -> Result<(), ActionError> {
    state.cache().write(vec![Write::Dequeue(number)]).await?;
    state.changed();
    Ok(())
}
