//! Tasks and the task board: what a task is, how the board sorts tasks into Overdue · Today · Upcoming ·
//! Completed in the rep's time zone, the snooze choices, the "Start tasks" queue, and the follow-up task an
//! engagement event suggests.
//!
//! Owns every rule about tasks. It must not read a clock, store, or phrase anything for the screen: the
//! caller passes `now` and the rep's IANA time zone, keeps the tasks, and localises the words. A task's due
//! date and time are wall-clock values in the rep's zone; everything that compares them with `now` goes
//! through [`local_instant`], which settles daylight-saving gaps and overlaps in one place.
//!
//! Rules, in short:
//! - **Columns.** An open task due before today is Overdue; due today at a time that has already passed is
//!   Overdue; due today otherwise (no time, or a time still ahead) is Today; due later is Upcoming. Done and
//!   skipped tasks are Completed. "Today" starts at the rep's local midnight, so a 23-hour or 25-hour day
//!   around a daylight-saving change is still exactly one day.
//! - **Order.** Within Overdue, Today and Upcoming: due date, then timed tasks before untimed ones on the
//!   same day (a time is an appointment; no time means "some time that day"), then time, then priority
//!   (higher first), then created, then id. Completed: most recently completed first, then id.
//! - **Wall times that do not exist or exist twice.** A time inside a spring-forward gap moves forward by
//!   the gap's length (02:30 on the day Rome springs forward is 03:30 summer time); a time in the repeated
//!   autumn hour means its first occurrence.
//! - **Snooze.** Later today: three hours from now, rounded up to the next quarter hour (offered only while
//!   that is still today). Tomorrow: 09:00 tomorrow. Next week: 09:00 on the Monday of next week (tomorrow
//!   if today is a Sunday). Or a date, with or without a time, that the rep picks.
//!
//! # Where each part lives
//!
//! `model.rs` what a task is; `validate.rs` the rules a task must follow; `lifecycle.rs` creating, editing,
//! closing, reopening and rescheduling tasks (one or many); `zone.rs` the rep's time zone and wall-clock
//! times; `board.rs` the board's columns, order, filter and counts; `snooze.rs` the snooze choices;
//! `queue.rs` the "Start tasks" queue; `follow_up.rs` the follow-up an engagement event suggests.

mod board;
mod follow_up;
mod lifecycle;
mod model;
mod queue;
mod snooze;
mod validate;
mod zone;

#[cfg(test)]
mod fixtures;

pub use board::{BoardCounts, Column, TaskBoard, TaskFilter};
pub use follow_up::{FollowUpReason, FollowUpSuggestion};
pub use lifecycle::{complete_many, delete_many, reschedule_many};
pub use model::{Due, Origin, Priority, Task, TaskChanges, TaskStatus, TaskType};
pub use queue::{QueueError, QueueStep, TaskQueue};
pub use snooze::{LATER_TODAY_HOURS, MORNING, SNOOZE_ROUNDING_MINUTES, Snooze};
pub use validate::{MAX_NOTES_CHARS, MAX_TITLE_CHARS, TaskError};
pub use zone::{TimeZoneError, Zone, local_instant, local_today, parse_time_zone};
