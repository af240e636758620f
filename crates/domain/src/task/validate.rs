//! The rules a stored task must follow: a title on one line and not too long, notes not too long, a
//! completion time exactly when the task is closed, and never updated before it was created.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::model::{Task, TaskStatus};

/// The longest title a task may have, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest notes (talking points) a task may have, in characters.
pub const MAX_NOTES_CHARS: usize = 10_000;

/// Why a task is not acceptable, or an operation on it is refused.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TaskError {
    #[error("the task needs a title")]
    EmptyTitle,
    #[error("the title is {chars} characters long; at most {max} are allowed")]
    TitleTooLong { chars: usize, max: usize },
    #[error("the title must be a single line")]
    TitleNotOneLine,
    #[error("the notes are {chars} characters long; at most {max} are allowed")]
    NotesTooLong { chars: usize, max: usize },
    #[error("an open task cannot have a completion time")]
    CompletedWhileOpen,
    #[error("a {0:?} task needs the time it was completed")]
    MissingCompletedAt(TaskStatus),
    #[error("the task was updated before it was created")]
    UpdatedBeforeCreated,
    #[error("a task cannot be moved into Overdue; pick a date instead")]
    MoveIntoOverdue,
}

impl Task {
    /// Checks every rule a stored task must follow (the endpoint runs it on every task it receives).
    pub fn validate(&self) -> Result<(), TaskError> {
        let title = self.title.trim();
        if title.is_empty() {
            return Err(TaskError::EmptyTitle);
        }
        let chars = title.chars().count();
        if chars > MAX_TITLE_CHARS {
            return Err(TaskError::TitleTooLong { chars, max: MAX_TITLE_CHARS });
        }
        if title.chars().any(char::is_control) {
            return Err(TaskError::TitleNotOneLine);
        }
        let chars = self.notes.chars().count();
        if chars > MAX_NOTES_CHARS {
            return Err(TaskError::NotesTooLong { chars, max: MAX_NOTES_CHARS });
        }
        match (self.status, self.completed_at) {
            (TaskStatus::Open, Some(_)) => return Err(TaskError::CompletedWhileOpen),
            (status @ (TaskStatus::Done | TaskStatus::Skipped), None) => {
                return Err(TaskError::MissingCompletedAt(status));
            }
            _ => {}
        }
        if self.updated_at < self.created_at {
            return Err(TaskError::UpdatedBeforeCreated);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TaskId;
    use crate::task::fixtures::{date, task, utc};
    use crate::task::{Due, Origin, TaskType};

    #[test]
    fn titles_must_be_present_one_line_and_short() {
        let new = |title: &str| {
            Task::new(
                TaskId::from_u128(1),
                TaskType::Custom,
                title,
                Due::on(date(2026, 5, 4)),
                Origin::Manual,
                utc(2026, 5, 1, 0, 0),
            )
        };
        assert_eq!(new("   "), Err(TaskError::EmptyTitle));
        assert_eq!(new("Call\nnow"), Err(TaskError::TitleNotOneLine));
        assert_eq!(new(&"é".repeat(200)).map(|t| t.title.chars().count()), Ok(200));
        let err = new(&"é".repeat(201)).unwrap_err();
        assert_eq!(err, TaskError::TitleTooLong { chars: 201, max: 200 });
        assert_eq!(err.to_string(), "the title is 201 characters long; at most 200 are allowed");
    }

    #[test]
    fn validation_checks_notes_and_completion() {
        let mut t = task(1, Due::on(date(2026, 5, 4)));
        t.notes = "x".repeat(MAX_NOTES_CHARS + 1);
        assert!(matches!(t.validate(), Err(TaskError::NotesTooLong { .. })));
        let mut t = task(1, Due::on(date(2026, 5, 4)));
        t.completed_at = Some(utc(2026, 5, 4, 0, 0));
        assert_eq!(t.validate(), Err(TaskError::CompletedWhileOpen));
        t.completed_at = None;
        t.status = TaskStatus::Done;
        assert_eq!(t.validate(), Err(TaskError::MissingCompletedAt(TaskStatus::Done)));
    }
}
