//! What a task is: its type, priority, status, origin, when it is due (a date, and maybe a wall-clock time,
//! in the rep's zone), and the rep's edits to it.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use super::zone::{Zone, local_instant};
use crate::ids::{EmailId, EventId, Instant, PersonId, TaskId};

/// What kind of work a task is. The queue opens a pre-filled compose for Email and shows the number and
/// talking points for Call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskType {
    Email,
    Call,
    #[serde(rename = "linkedin")]
    LinkedIn,
    Custom,
}

impl TaskType {
    pub const ALL: [TaskType; 4] = [TaskType::Email, TaskType::Call, TaskType::LinkedIn, TaskType::Custom];

    /// The type's name, as stored and as used in the UI's keys.
    pub fn name(self) -> &'static str {
        match self {
            TaskType::Email => "email",
            TaskType::Call => "call",
            TaskType::LinkedIn => "linkedin",
            TaskType::Custom => "custom",
        }
    }

    pub fn from_name(name: &str) -> Option<TaskType> {
        TaskType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// How much a task matters. Ordered: `Low < Normal < High < Urgent`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];

    pub fn name(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn from_name(name: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Where a task stands. Done and Skipped both close it and record when.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    #[default]
    Open,
    Done,
    Skipped,
}

/// How the task came to be.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The rep created it on the board.
    #[default]
    Manual,
    /// "Create task" on an email's row or page.
    FromEmail(EmailId),
    /// One click on an engagement event ("Ana clicked the pricing link" → "Call Ana").
    FromEvent(EventId),
}

/// When a task is due: a calendar date in the rep's zone, and optionally a wall-clock time that day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Due {
    pub date: NaiveDate,
    #[serde(default)]
    pub time: Option<NaiveTime>,
}

impl Due {
    /// Due some time on `date`.
    pub fn on(date: NaiveDate) -> Due {
        Due { date, time: None }
    }

    /// Due on `date` at `time`.
    pub fn at(date: NaiveDate, time: NaiveTime) -> Due {
        Due { date, time: Some(time) }
    }

    /// The instant the task falls due in `zone`: its time, or the start of its day when it has none.
    pub fn starts_at<Z: Zone>(&self, zone: Z) -> Instant {
        local_instant(self.date, self.time.unwrap_or(NaiveTime::MIN), zone)
    }

    /// The due as the rep's wall clock shows `instant`.
    pub fn of_instant<Z: Zone>(instant: Instant, zone: Z) -> Due {
        let local = instant.with_timezone(&zone).naive_local();
        Due::at(local.date(), local.time())
    }
}

/// One task on the board.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: TaskId,
    #[serde(rename = "type")]
    pub task_type: TaskType,
    pub title: String,
    /// Notes, or the talking points of a call.
    #[serde(default)]
    pub notes: String,
    pub due: Due,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default)]
    pub status: TaskStatus,
    /// When the task was done or skipped; `None` while it is open.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub completed_at: Option<Instant>,
    #[serde(default)]
    pub person: Option<PersonId>,
    #[serde(default)]
    pub email: Option<EmailId>,
    #[serde(default)]
    pub origin: Origin,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Instant,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Instant,
}

impl Task {
    pub fn is_open(&self) -> bool {
        self.status == TaskStatus::Open
    }
}

/// The rep's edits to a task; `None` leaves a field as it is. For the links, `Some(None)` removes the link.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskChanges {
    pub task_type: Option<TaskType>,
    pub title: Option<String>,
    pub notes: Option<String>,
    pub due: Option<Due>,
    pub priority: Option<Priority>,
    pub person: Option<Option<PersonId>>,
    pub email: Option<Option<EmailId>>,
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::fixtures::{date, task, time, utc};

    #[test]
    fn a_task_round_trips_through_json() {
        let mut t = task(1, Due::at(date(2026, 3, 29), time(2, 30)));
        t.task_type = TaskType::LinkedIn;
        t.origin = Origin::FromEvent(EventId::from_u128(5));
        t.complete(utc(2026, 3, 29, 8, 0));
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["type"], "linkedin");
        assert_eq!(json["due"]["date"], "2026-03-29");
        assert_eq!(json["status"], "done");
        assert_eq!(serde_json::from_value::<Task>(json).unwrap(), t);
    }

    #[test]
    fn priorities_are_ordered() {
        assert!(Priority::Low < Priority::Normal && Priority::High < Priority::Urgent);
        for p in Priority::ALL {
            assert_eq!(Priority::from_name(p.name()), Some(p));
        }
        for t in TaskType::ALL {
            assert_eq!(TaskType::from_name(t.name()), Some(t));
        }
    }
}
