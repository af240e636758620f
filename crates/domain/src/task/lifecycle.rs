//! A task's life: created, edited (all or nothing), done or skipped, reopened, rescheduled; and the same for
//! many tasks at once (complete, reschedule, delete).

use std::collections::BTreeSet;

use super::model::{Due, Origin, Priority, Task, TaskChanges, TaskStatus, TaskType};
use super::validate::TaskError;
use crate::ids::{Instant, TaskId};

impl Task {
    /// A new open task with normal priority, no notes and no links, created at `now`.
    pub fn new(
        id: TaskId,
        task_type: TaskType,
        title: &str,
        due: Due,
        origin: Origin,
        now: Instant,
    ) -> Result<Task, TaskError> {
        let task = Task {
            id,
            task_type,
            title: title.trim().to_string(),
            notes: String::new(),
            due,
            priority: Priority::Normal,
            status: TaskStatus::Open,
            completed_at: None,
            person: None,
            email: match origin {
                Origin::FromEmail(email) => Some(email),
                _ => None,
            },
            origin,
            created_at: now,
            updated_at: now,
        };
        task.validate()?;
        Ok(task)
    }

    /// Applies the rep's edits, all or nothing: on error the task is unchanged.
    pub fn edit(&mut self, changes: TaskChanges, now: Instant) -> Result<(), TaskError> {
        let mut edited = self.clone();
        if let Some(task_type) = changes.task_type {
            edited.task_type = task_type;
        }
        if let Some(title) = changes.title {
            edited.title = title.trim().to_string();
        }
        if let Some(notes) = changes.notes {
            edited.notes = notes;
        }
        if let Some(due) = changes.due {
            edited.due = due;
        }
        if let Some(priority) = changes.priority {
            edited.priority = priority;
        }
        if let Some(person) = changes.person {
            edited.person = person;
        }
        if let Some(email) = changes.email {
            edited.email = email;
        }
        edited.updated_at = now.max(edited.created_at);
        edited.validate()?;
        *self = edited;
        Ok(())
    }

    /// Marks the task done. Completing a done task changes nothing (so a replayed mutation is harmless);
    /// completing a skipped one makes it done now. Returns whether anything changed.
    pub fn complete(&mut self, now: Instant) -> bool {
        self.close(TaskStatus::Done, now)
    }

    /// Marks the task skipped, like [`Task::complete`].
    pub fn skip(&mut self, now: Instant) -> bool {
        self.close(TaskStatus::Skipped, now)
    }

    fn close(&mut self, status: TaskStatus, now: Instant) -> bool {
        if self.status == status {
            return false;
        }
        self.status = status;
        self.completed_at = Some(now);
        self.touch(now);
        true
    }

    /// Opens a done or skipped task again. Returns whether anything changed.
    pub fn reopen(&mut self, now: Instant) -> bool {
        if self.is_open() {
            return false;
        }
        self.status = TaskStatus::Open;
        self.completed_at = None;
        self.touch(now);
        true
    }

    /// Moves the task to `due`. A done or skipped task is opened again: rescheduling says the work is to be
    /// done then. Returns whether anything changed.
    pub fn reschedule(&mut self, due: Due, now: Instant) -> bool {
        if self.is_open() && self.due == due {
            return false;
        }
        self.due = due;
        if !self.is_open() {
            self.status = TaskStatus::Open;
            self.completed_at = None;
        }
        self.touch(now);
        true
    }

    fn touch(&mut self, now: Instant) {
        self.updated_at = now.max(self.created_at);
    }
}

/// Completes the tasks whose ids are in `ids`; returns how many changed.
pub fn complete_many(tasks: &mut [Task], ids: &[TaskId], now: Instant) -> usize {
    let ids: BTreeSet<TaskId> = ids.iter().copied().collect();
    tasks
        .iter_mut()
        .filter(|t| ids.contains(&t.id))
        .map(|t| t.complete(now))
        .filter(|&changed| changed)
        .count()
}

/// Reschedules the tasks whose ids are in `ids` to `due`; returns how many changed.
pub fn reschedule_many(tasks: &mut [Task], ids: &[TaskId], due: Due, now: Instant) -> usize {
    let ids: BTreeSet<TaskId> = ids.iter().copied().collect();
    tasks
        .iter_mut()
        .filter(|t| ids.contains(&t.id))
        .map(|t| t.reschedule(due, now))
        .filter(|&changed| changed)
        .count()
}

/// Removes the tasks whose ids are in `ids` and returns them, in their former order (for an undo).
pub fn delete_many(tasks: &mut Vec<Task>, ids: &[TaskId]) -> Vec<Task> {
    let ids: BTreeSet<TaskId> = ids.iter().copied().collect();
    let (deleted, kept) = std::mem::take(tasks).into_iter().partition(|t| ids.contains(&t.id));
    *tasks = kept;
    deleted
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{EmailId, PersonId};
    use crate::task::fixtures::{date, task, time, utc};

    #[test]
    fn a_new_task_is_open_normal_and_trimmed() {
        let t = Task::new(
            TaskId::from_u128(1),
            TaskType::Email,
            "  Send the proposal  ",
            Due::on(date(2026, 5, 4)),
            Origin::FromEmail(EmailId::from_u128(9)),
            utc(2026, 5, 1, 12, 0),
        )
        .unwrap();
        assert_eq!(t.title, "Send the proposal");
        assert_eq!((t.status, t.priority, t.completed_at), (TaskStatus::Open, Priority::Normal, None));
        assert_eq!(t.email, Some(EmailId::from_u128(9)), "a task from an email links to it");
    }

    #[test]
    fn an_edit_is_all_or_nothing() {
        let mut t = task(1, Due::on(date(2026, 5, 4)));
        let before = t.clone();
        let bad =
            TaskChanges { title: Some("".into()), priority: Some(Priority::Urgent), ..Default::default() };
        assert_eq!(t.edit(bad, utc(2026, 5, 2, 0, 0)), Err(TaskError::EmptyTitle));
        assert_eq!(t, before);
        let good = TaskChanges {
            title: Some("Call about pricing".into()),
            notes: Some("Ask about seats\nMention the discount".into()),
            priority: Some(Priority::Urgent),
            person: Some(Some(PersonId::from_u128(3))),
            ..Default::default()
        };
        t.edit(good, utc(2026, 5, 2, 0, 0)).unwrap();
        assert_eq!((t.title.as_str(), t.priority), ("Call about pricing", Priority::Urgent));
        assert_eq!(t.person, Some(PersonId::from_u128(3)));
        assert_eq!(t.updated_at, utc(2026, 5, 2, 0, 0));
        t.edit(TaskChanges { person: Some(None), ..Default::default() }, utc(2026, 5, 3, 0, 0)).unwrap();
        assert_eq!(t.person, None);
    }

    #[test]
    fn complete_skip_reopen_and_reschedule() {
        let mut t = task(1, Due::on(date(2026, 6, 10)));
        let t1 = utc(2026, 6, 10, 9, 0);
        assert!(t.complete(t1));
        assert_eq!((t.status, t.completed_at, t.updated_at), (TaskStatus::Done, Some(t1), t1));
        assert!(!t.complete(utc(2026, 6, 10, 10, 0)), "completing twice changes nothing");
        assert_eq!(t.completed_at, Some(t1));
        assert!(t.skip(utc(2026, 6, 10, 11, 0)));
        assert_eq!(t.status, TaskStatus::Skipped);
        assert!(t.reopen(utc(2026, 6, 10, 12, 0)));
        assert_eq!((t.status, t.completed_at), (TaskStatus::Open, None));
        t.skip(utc(2026, 6, 10, 13, 0));
        assert!(t.reschedule(Due::on(date(2026, 6, 12)), utc(2026, 6, 10, 14, 0)));
        assert_eq!((t.status, t.due), (TaskStatus::Open, Due::on(date(2026, 6, 12))), "rescheduling reopens");
        assert!(!t.reschedule(Due::on(date(2026, 6, 12)), utc(2026, 6, 10, 15, 0)));
        t.validate().unwrap();
    }

    #[test]
    fn bulk_complete_reschedule_and_delete() {
        let d = Due::on(date(2026, 6, 10));
        let mut tasks: Vec<Task> = (1..=5).map(|n| task(n, d)).collect();
        let now = utc(2026, 6, 10, 9, 0);
        let pick = [TaskId::from_u128(2), TaskId::from_u128(4), TaskId::from_u128(99)];
        assert_eq!(complete_many(&mut tasks, &pick, now), 2);
        assert_eq!(complete_many(&mut tasks, &pick, now), 0);
        let later = Due::at(date(2026, 6, 15), time(10, 0));
        assert_eq!(reschedule_many(&mut tasks, &[TaskId::from_u128(1), TaskId::from_u128(2)], later, now), 2);
        assert_eq!((tasks[1].status, tasks[1].due), (TaskStatus::Open, later));
        let deleted = delete_many(&mut tasks, &[TaskId::from_u128(5), TaskId::from_u128(3)]);
        assert_eq!(deleted.iter().map(|t| t.id.0.as_u128()).collect::<Vec<_>>(), vec![3, 5]);
        assert_eq!(tasks.iter().map(|t| t.id.0.as_u128()).collect::<Vec<_>>(), vec![1, 2, 4]);
    }
}
