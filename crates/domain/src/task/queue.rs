//! "Start tasks": the queue of the tasks due now, walked one at a time (done, skip, snooze or pass).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::board::TaskBoard;
use super::model::Task;
use super::snooze::Snooze;
use super::zone::Zone;
use crate::ids::{Instant, TaskId};

/// What the rep does with the current task of the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum QueueStep {
    /// Mark it done and go on.
    Done,
    /// Mark it skipped and go on.
    Skip,
    /// Snooze it and go on.
    Snooze { choice: Snooze },
    /// Leave it as it is and go on.
    Pass,
}

/// Why the queue refused a step.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum QueueError {
    #[error("task {got} is not the task the queue is on")]
    NotCurrent { got: TaskId },
}

/// "Start tasks": walks the tasks due now (Overdue, then Today, in board order), one at a time. The queue
/// is fixed when it starts: snoozing or completing a task does not reshuffle it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskQueue {
    ids: Vec<TaskId>,
    position: usize,
}

impl TaskQueue {
    pub fn new(board: &TaskBoard<'_>) -> TaskQueue {
        TaskQueue { ids: board.due_now().map(|t| t.id).collect(), position: 0 }
    }

    pub fn from_tasks<'a, Z: Zone>(
        tasks: impl IntoIterator<Item = &'a Task>,
        now: Instant,
        zone: Z,
    ) -> TaskQueue {
        TaskQueue::new(&TaskBoard::new(tasks, now, zone))
    }

    /// The task to show, or `None` when the queue is finished.
    pub fn current(&self) -> Option<TaskId> {
        self.ids.get(self.position).copied()
    }

    /// The tasks of the queue, in order.
    pub fn ids(&self) -> &[TaskId] {
        &self.ids
    }

    /// How many tasks are behind the rep (0 at the start).
    pub fn position(&self) -> usize {
        self.position.min(self.ids.len())
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn is_finished(&self) -> bool {
        self.position >= self.ids.len()
    }

    /// Applies `step` to `task`, which must be the current task, and moves on. Returns the next task.
    pub fn step<Z: Zone>(
        &mut self,
        task: &mut Task,
        step: QueueStep,
        now: Instant,
        zone: Z,
    ) -> Result<Option<TaskId>, QueueError> {
        if self.current() != Some(task.id) {
            return Err(QueueError::NotCurrent { got: task.id });
        }
        match step {
            QueueStep::Done => {
                task.complete(now);
            }
            QueueStep::Skip => {
                task.skip(now);
            }
            QueueStep::Snooze { choice } => {
                task.snooze(choice, now, zone);
            }
            QueueStep::Pass => {}
        }
        Ok(self.advance())
    }

    /// Moves on without touching the current task.
    pub fn advance(&mut self) -> Option<TaskId> {
        self.position = (self.position + 1).min(self.ids.len());
        self.current()
    }

    /// Goes back one task.
    pub fn back(&mut self) -> Option<TaskId> {
        self.position = self.position.saturating_sub(1);
        self.current()
    }

    /// Drops a task that went away meanwhile (deleted, or done on another device), keeping the rep's place.
    pub fn forget(&mut self, id: TaskId) {
        if let Some(index) = self.ids.iter().position(|&t| t == id) {
            self.ids.remove(index);
            if index < self.position {
                self.position -= 1;
            }
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::fixtures::{date, local, task, time, utc, zone};
    use crate::task::{Due, MORNING, TaskStatus};

    #[test]
    fn the_queue_walks_overdue_then_today_in_board_order() {
        let rome = zone("Europe/Rome");
        let now = local("Europe/Rome", 2026, 6, 10, 12, 0);
        let mut tasks = vec![
            task(1, Due::on(date(2026, 6, 10))),
            task(2, Due::on(date(2026, 6, 9))),
            task(3, Due::on(date(2026, 6, 11))),
            task(4, Due::at(date(2026, 6, 10), time(8, 0))),
            task(5, Due::on(date(2026, 6, 10))),
        ];
        tasks[4].complete(utc(2026, 6, 10, 7, 0));
        let mut queue = TaskQueue::from_tasks(&tasks, now, rome);
        assert_eq!(queue.ids(), &[TaskId::from_u128(2), TaskId::from_u128(4), TaskId::from_u128(1)]);
        assert_eq!(queue.current(), Some(TaskId::from_u128(2)));
        let err = queue.step(&mut tasks[0], QueueStep::Done, now, rome).unwrap_err();
        assert_eq!(err, QueueError::NotCurrent { got: TaskId::from_u128(1) });
        assert_eq!(queue.step(&mut tasks[1], QueueStep::Done, now, rome), Ok(Some(TaskId::from_u128(4))));
        assert_eq!(tasks[1].status, TaskStatus::Done);
        let snooze = QueueStep::Snooze { choice: Snooze::Tomorrow };
        assert_eq!(queue.step(&mut tasks[3], snooze, now, rome), Ok(Some(TaskId::from_u128(1))));
        assert_eq!(tasks[3].due, Due::at(date(2026, 6, 11), MORNING));
        assert_eq!(queue.back(), Some(TaskId::from_u128(4)));
        assert_eq!(queue.advance(), Some(TaskId::from_u128(1)));
        assert_eq!(queue.position(), 2);
        assert_eq!(queue.step(&mut tasks[0], QueueStep::Skip, now, rome), Ok(None));
        assert_eq!(tasks[0].status, TaskStatus::Skipped);
        assert!(queue.is_finished());
        assert_eq!(queue.advance(), None);
    }

    #[test]
    fn the_queue_forgets_a_task_that_went_away() {
        let rome = zone("Europe/Rome");
        let now = local("Europe/Rome", 2026, 6, 10, 12, 0);
        let tasks: Vec<Task> = (1..=3).map(|n| task(n, Due::on(date(2026, 6, 10)))).collect();
        let mut queue = TaskQueue::from_tasks(&tasks, now, rome);
        queue.advance();
        queue.forget(TaskId::from_u128(1));
        assert_eq!(queue.current(), Some(TaskId::from_u128(2)));
        queue.forget(TaskId::from_u128(2));
        assert_eq!(queue.current(), Some(TaskId::from_u128(3)));
        assert_eq!(queue.len(), 1);
    }
}
