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

use std::cmp::Ordering;
use std::collections::BTreeSet;

use chrono::{Datelike, Days, LocalResult, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::engagement::{EngagementEvent, EventKind};
use crate::ids::{EmailId, EventId, Instant, PersonId, TaskId};

/// The longest title a task may have, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest notes (talking points) a task may have, in characters.
pub const MAX_NOTES_CHARS: usize = 10_000;
/// How far ahead "later today" snoozes.
pub const LATER_TODAY_HOURS: i64 = 3;
/// "Later today" is rounded up to a multiple of this many minutes.
pub const SNOOZE_ROUNDING_MINUTES: i64 = 15;
/// The local time "tomorrow" and "next week" snooze to.
pub const MORNING: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(time) => time,
    None => panic!("09:00 is a valid time"),
};

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

/// Why a time zone name was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TimeZoneError {
    #[error("no time zone was given (expected an IANA name like Europe/Rome)")]
    Missing,
    #[error("\"{0}\" is not a known IANA time zone (expected something like Europe/Rome)")]
    Unknown(String),
}

/// A rep's time zone as the rules read it: any chrono zone that is cheap to copy. The endpoint and the
/// tests use `chrono_tz::Tz` (the IANA database compiled in); the app uses the browser's own database, so
/// it does not ship a second copy of it.
pub trait Zone: TimeZone + Copy {}

impl<Z: TimeZone + Copy> Zone for Z {}

/// Reads an IANA time zone name such as `America/Sao_Paulo`. Names are case-sensitive, as in the IANA
/// database; surrounding spaces are ignored.
pub fn parse_time_zone(name: &str) -> Result<Tz, TimeZoneError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(TimeZoneError::Missing);
    }
    name.parse::<Tz>().map_err(|_| TimeZoneError::Unknown(name.to_string()))
}

/// The rep's calendar date at `now`.
pub fn local_today<Z: Zone>(now: Instant, zone: Z) -> NaiveDate {
    now.with_timezone(&zone).date_naive()
}

/// The instant a wall-clock `date` + `time` in `zone` stands for. A time inside a spring-forward gap moves
/// forward by the gap's length; a time in a repeated autumn hour is its first occurrence.
pub fn local_instant<Z: Zone>(date: NaiveDate, time: NaiveTime, zone: Z) -> Instant {
    let local = date.and_time(time);
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => at.to_utc(),
        LocalResult::Ambiguous(earlier, _) => earlier.to_utc(),
        LocalResult::None => {
            // Read the wall time with the offset in force just before the gap (a day earlier is well before
            // it and after any earlier change).
            let offset_before = local
                .checked_sub_signed(TimeDelta::days(1))
                .map(|day_before| zone.offset_from_utc_datetime(&day_before).fix().local_minus_utc());
            offset_before
                .and_then(|secs| local.checked_sub_signed(TimeDelta::seconds(secs.into())))
                .unwrap_or(local)
                .and_utc()
        }
    }
}

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

    pub fn is_open(&self) -> bool {
        self.status == TaskStatus::Open
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

    /// Snoozes the task to one of the quick choices (see [`Snooze::due`]).
    pub fn snooze<Z: Zone>(&mut self, choice: Snooze, now: Instant, zone: Z) -> bool {
        self.reschedule(choice.due(now, zone), now)
    }

    /// What dropping the card on `column` does: Today makes it due today (keeping its time only if that
    /// time is still ahead), Upcoming makes it due tomorrow (keeping its time), Completed marks it done.
    /// Dropping a card on the column it is already in changes nothing; nothing can be moved into Overdue.
    pub fn move_to<Z: Zone>(&mut self, column: Column, now: Instant, zone: Z) -> Result<bool, TaskError> {
        if Column::of(self, now, zone) == column {
            return Ok(false);
        }
        let today = local_today(now, zone);
        Ok(match column {
            Column::Overdue => return Err(TaskError::MoveIntoOverdue),
            Column::Completed => self.complete(now),
            Column::Today => {
                let time = self.due.time.filter(|&t| local_instant(today, t, zone) >= now);
                self.reschedule(Due { date: today, time }, now)
            }
            Column::Upcoming => {
                let date = today.checked_add_days(Days::new(1)).unwrap_or(today);
                self.reschedule(Due { date, time: self.due.time }, now)
            }
        })
    }

    fn touch(&mut self, now: Instant) {
        self.updated_at = now.max(self.created_at);
    }

    /// The board's order for tasks in the same open column (see the module's rules).
    pub fn board_cmp(&self, other: &Task) -> Ordering {
        self.due
            .date
            .cmp(&other.due.date)
            .then_with(|| self.due.time.is_none().cmp(&other.due.time.is_none()))
            .then_with(|| self.due.time.cmp(&other.due.time))
            .then_with(|| other.priority.cmp(&self.priority))
            .then_with(|| self.created_at.cmp(&other.created_at))
            .then_with(|| self.id.cmp(&other.id))
    }

    /// The order of the Completed column: most recently completed first, then id.
    pub fn completed_cmp(&self, other: &Task) -> Ordering {
        let when = |t: &Task| t.completed_at.unwrap_or(t.updated_at);
        when(other).cmp(&when(self)).then_with(|| self.id.cmp(&other.id))
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

/// A column of the task board.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Overdue,
    Today,
    Upcoming,
    Completed,
}

impl Column {
    /// The columns in display order.
    pub const ALL: [Column; 4] = [Column::Overdue, Column::Today, Column::Upcoming, Column::Completed];

    pub fn name(self) -> &'static str {
        match self {
            Column::Overdue => "overdue",
            Column::Today => "today",
            Column::Upcoming => "upcoming",
            Column::Completed => "completed",
        }
    }

    pub fn from_name(name: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The column `task` belongs in at `now` for a rep in `zone` (see the module's rules).
    pub fn of<Z: Zone>(task: &Task, now: Instant, zone: Z) -> Column {
        if !task.is_open() {
            return Column::Completed;
        }
        let today = local_today(now, zone);
        match task.due.date.cmp(&today) {
            Ordering::Less => Column::Overdue,
            Ordering::Greater => Column::Upcoming,
            Ordering::Equal => match task.due.time {
                Some(time) if local_instant(today, time, zone) < now => Column::Overdue,
                _ => Column::Today,
            },
        }
    }
}

/// Which tasks to show: a type and a priority filter. An empty set lets everything through.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskFilter {
    #[serde(default)]
    pub types: BTreeSet<TaskType>,
    #[serde(default)]
    pub priorities: BTreeSet<Priority>,
}

impl TaskFilter {
    pub fn matches(&self, task: &Task) -> bool {
        (self.types.is_empty() || self.types.contains(&task.task_type))
            && (self.priorities.is_empty() || self.priorities.contains(&task.priority))
    }
}

/// How many tasks each column holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardCounts {
    pub overdue: usize,
    pub today: usize,
    pub upcoming: usize,
    pub completed: usize,
}

impl BoardCounts {
    pub fn get(&self, column: Column) -> usize {
        match column {
            Column::Overdue => self.overdue,
            Column::Today => self.today,
            Column::Upcoming => self.upcoming,
            Column::Completed => self.completed,
        }
    }

    /// The open tasks due now: Overdue plus Today (the queue's length, the badge on the menu).
    pub fn due_now(&self) -> usize {
        self.overdue + self.today
    }
}

/// The task board: every task in its column, each column in the board's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskBoard<'a> {
    overdue: Vec<&'a Task>,
    today: Vec<&'a Task>,
    upcoming: Vec<&'a Task>,
    completed: Vec<&'a Task>,
}

impl<'a> TaskBoard<'a> {
    /// Sorts `tasks` into columns at `now` for a rep in `zone`. Filter first to show only some tasks.
    pub fn new<Z: Zone>(tasks: impl IntoIterator<Item = &'a Task>, now: Instant, zone: Z) -> TaskBoard<'a> {
        let mut board = TaskBoard { overdue: vec![], today: vec![], upcoming: vec![], completed: vec![] };
        for task in tasks {
            board.column_mut(Column::of(task, now, zone)).push(task);
        }
        board.sorted()
    }

    /// Puts each column in the board's order. Not generic, and one comparator for the three open columns, so
    /// the sort is compiled once rather than once per column and per caller's iterator.
    fn sorted(mut self) -> TaskBoard<'a> {
        let open: fn(&&Task, &&Task) -> Ordering = |a, b| a.board_cmp(b);
        self.overdue.sort_by(open);
        self.today.sort_by(open);
        self.upcoming.sort_by(open);
        self.completed.sort_by(|a, b| a.completed_cmp(b));
        self
    }

    fn column_mut(&mut self, column: Column) -> &mut Vec<&'a Task> {
        match column {
            Column::Overdue => &mut self.overdue,
            Column::Today => &mut self.today,
            Column::Upcoming => &mut self.upcoming,
            Column::Completed => &mut self.completed,
        }
    }

    /// The tasks of one column, in order.
    pub fn column(&self, column: Column) -> &[&'a Task] {
        match column {
            Column::Overdue => &self.overdue,
            Column::Today => &self.today,
            Column::Upcoming => &self.upcoming,
            Column::Completed => &self.completed,
        }
    }

    pub fn count(&self, column: Column) -> usize {
        self.column(column).len()
    }

    pub fn counts(&self) -> BoardCounts {
        BoardCounts {
            overdue: self.overdue.len(),
            today: self.today.len(),
            upcoming: self.upcoming.len(),
            completed: self.completed.len(),
        }
    }

    /// The open tasks due now, in board order: Overdue, then Today. What "Start tasks" walks.
    pub fn due_now(&self) -> impl Iterator<Item = &'a Task> + '_ {
        self.overdue.iter().chain(self.today.iter()).copied()
    }

    /// The column a task is in, if it is on the board.
    pub fn column_of(&self, id: TaskId) -> Option<Column> {
        Column::ALL.into_iter().find(|&c| self.column(c).iter().any(|t| t.id == id))
    }
}

/// The quick snooze choices, and a picked date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "choice", rename_all = "snake_case")]
pub enum Snooze {
    /// Three hours from now, rounded up to the next quarter hour.
    LaterToday,
    /// 09:00 tomorrow.
    Tomorrow,
    /// 09:00 on the Monday of next week.
    NextWeek,
    /// A date (and optional time) the rep picks.
    Pick { due: Due },
}

impl Snooze {
    /// The quick choices to offer at `now`: "later today" only while three hours from now is still today.
    pub fn quick_choices<Z: Zone>(now: Instant, zone: Z) -> Vec<Snooze> {
        let mut choices = Vec::with_capacity(3);
        if Snooze::LaterToday.due(now, zone).date == local_today(now, zone) {
            choices.push(Snooze::LaterToday);
        }
        choices.extend([Snooze::Tomorrow, Snooze::NextWeek]);
        choices
    }

    /// When the task is due after snoozing at `now` in `zone`. Days are counted on the rep's calendar (never
    /// as 24 hours), and "later today" counts real elapsed hours, so daylight-saving changes do not shift
    /// them; the result is always a wall-clock time that exists.
    pub fn due<Z: Zone>(self, now: Instant, zone: Z) -> Due {
        let today = local_today(now, zone);
        match self {
            Snooze::LaterToday => {
                let later = now.checked_add_signed(TimeDelta::hours(LATER_TODAY_HOURS)).unwrap_or(now);
                Due::of_instant(round_up(later, SNOOZE_ROUNDING_MINUTES), zone)
            }
            Snooze::Tomorrow => Due::at(today.checked_add_days(Days::new(1)).unwrap_or(today), MORNING),
            Snooze::NextWeek => {
                let days = 7 - u64::from(today.weekday().num_days_from_monday());
                Due::at(today.checked_add_days(Days::new(days)).unwrap_or(today), MORNING)
            }
            Snooze::Pick { due } => due,
        }
    }
}

/// Rounds an instant up to a multiple of `minutes` (every zone in use today is offset by a multiple of 15
/// minutes, so this is also a round wall-clock time).
fn round_up(at: Instant, minutes: i64) -> Instant {
    let step = minutes * 60;
    let secs = at.timestamp();
    let exact = secs.rem_euclid(step) == 0 && at.timestamp_subsec_nanos() == 0;
    let rounded = if exact { secs } else { secs - secs.rem_euclid(step) + step };
    Instant::from_timestamp(rounded, 0).unwrap_or(at)
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

/// Why an engagement event suggests a follow-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FollowUpReason {
    Viewed,
    Clicked,
    Replied,
}

/// The follow-up task an engagement event suggests, as data: the UI phrases it in the rep's language
/// ("Call Ana: clicked the pricing link") and creates it with [`FollowUpSuggestion::into_task`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUpSuggestion {
    pub task_type: TaskType,
    pub priority: Priority,
    pub reason: FollowUpReason,
    /// The link that was followed, for a click.
    pub url: Option<String>,
    pub person: Option<PersonId>,
    pub email: EmailId,
    pub event: EventId,
    /// When the event happened.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Instant,
}

impl FollowUpSuggestion {
    /// The follow-up for `event`, whose email went to `person`. A click asks for a call (high priority), a
    /// reply for an answer (high), a view for an email (normal). Bounces, delays, automatic replies and
    /// complaints suggest nothing: there is no one to follow up with. Pass human events only (see
    /// [`crate::classify`]); a proxy's view is not interest.
    pub fn from_event(event: &EngagementEvent, person: Option<PersonId>) -> Option<FollowUpSuggestion> {
        let (task_type, priority, reason, url) = match &event.kind {
            EventKind::Clicked { url } => {
                (TaskType::Call, Priority::High, FollowUpReason::Clicked, Some(url.clone()))
            }
            EventKind::Replied => (TaskType::Email, Priority::High, FollowUpReason::Replied, None),
            EventKind::Viewed => (TaskType::Email, Priority::Normal, FollowUpReason::Viewed, None),
            EventKind::AutoReplied
            | EventKind::Bounced(_)
            | EventKind::Delayed(_)
            | EventKind::Complained { .. } => return None,
        };
        Some(FollowUpSuggestion {
            task_type,
            priority,
            reason,
            url,
            person,
            email: event.email,
            event: event.id,
            at: event.at,
        })
    }

    /// A plain English title, for places without the app's translations (the endpoint, tests):
    /// `Call Ana: clicked acme.com/pricing`. Cut to fit [`MAX_TITLE_CHARS`].
    pub fn default_title(&self, name: &str) -> String {
        let verb = match self.task_type {
            TaskType::Email => "Email",
            TaskType::Call => "Call",
            TaskType::LinkedIn => "Message",
            TaskType::Custom => "Follow up with",
        };
        let reason = match (self.reason, &self.url) {
            (FollowUpReason::Clicked, Some(url)) => format!("clicked {}", short_url(url)),
            (FollowUpReason::Clicked, None) => "clicked a link".to_string(),
            (FollowUpReason::Replied, _) => "replied".to_string(),
            (FollowUpReason::Viewed, _) => "viewed the email".to_string(),
        };
        let name = name.split(char::is_control).next().unwrap_or("").trim();
        let title =
            if name.is_empty() { format!("{verb}: {reason}") } else { format!("{verb} {name}: {reason}") };
        title.chars().take(MAX_TITLE_CHARS).collect::<String>().trim_end().to_string()
    }

    /// The task, linked to the email, the person and the event, due today (no time) in the rep's zone.
    pub fn into_task<Z: Zone>(
        self,
        id: TaskId,
        title: &str,
        now: Instant,
        zone: Z,
    ) -> Result<Task, TaskError> {
        let mut task = Task::new(
            id,
            self.task_type,
            title,
            Due::on(local_today(now, zone)),
            Origin::FromEvent(self.event),
            now,
        )?;
        task.priority = self.priority;
        task.person = self.person;
        task.email = Some(self.email);
        if let Some(url) = self.url {
            task.notes = url.chars().take(MAX_NOTES_CHARS).collect();
        }
        Ok(task)
    }
}

/// A link as a person reads it: no scheme, no query, no fragment, no trailing slash.
fn short_url(url: &str) -> &str {
    let url = url.trim();
    let url = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).unwrap_or(url);
    let url = url.split(['?', '#']).next().unwrap_or(url);
    url.strip_suffix('/').unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use proptest::prelude::*;

    fn zone(name: &str) -> Tz {
        parse_time_zone(name).expect("a known zone")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Instant {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("valid instant")
    }

    /// The instant the rep's wall clock in `tz` shows the given time (must be unambiguous).
    fn local(tz: &str, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Instant {
        zone(tz).with_ymd_and_hms(y, mo, d, h, mi, 0).single().expect("an unambiguous local time").to_utc()
    }

    fn task(n: u128, due: Due) -> Task {
        let created = utc(2026, 1, 1, 0, 0);
        Task::new(TaskId::from_u128(n), TaskType::Call, &format!("Task {n}"), due, Origin::Manual, created)
            .expect("a valid task")
    }

    fn ids(tasks: &[&Task]) -> Vec<u128> {
        tasks.iter().map(|t| t.id.0.as_u128()).collect()
    }

    // --- tasks and validation ---

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

    // --- time zones ---

    #[test]
    fn an_unknown_time_zone_is_a_clear_error() {
        assert_eq!(parse_time_zone(" Europe/Rome "), Ok(chrono_tz::Europe::Rome));
        let err = parse_time_zone("Europe/Atlantis").unwrap_err();
        assert_eq!(err, TimeZoneError::Unknown("Europe/Atlantis".into()));
        assert!(err.to_string().contains("\"Europe/Atlantis\" is not a known IANA time zone"));
        assert_eq!(parse_time_zone(""), Err(TimeZoneError::Missing));
        assert!(parse_time_zone("europe/rome").is_err(), "IANA names are case-sensitive");
    }

    #[test]
    fn a_missing_wall_time_moves_forward_and_a_repeated_one_is_the_first() {
        let rome = zone("Europe/Rome");
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST.
        assert_eq!(local_instant(date(2026, 3, 29), time(2, 30), rome), utc(2026, 3, 29, 1, 30));
        assert_eq!(local_instant(date(2026, 3, 29), time(3, 0), rome), utc(2026, 3, 29, 1, 0));
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
        assert_eq!(local_instant(date(2026, 10, 25), time(2, 30), rome), utc(2026, 10, 25, 0, 30));
        assert_eq!(local_instant(date(2026, 10, 25), time(3, 30), rome), utc(2026, 10, 25, 2, 30));
    }

    // --- board columns at day boundaries ---

    #[test]
    fn the_day_starts_at_local_midnight_in_sao_paulo() {
        let sp = zone("America/Sao_Paulo");
        let t = task(1, Due::on(date(2026, 6, 10)));
        // 02:59 UTC on June 10 is still 23:59 on June 9 in São Paulo (UTC−3).
        assert_eq!(Column::of(&t, utc(2026, 6, 10, 2, 59), sp), Column::Upcoming);
        assert_eq!(Column::of(&t, utc(2026, 6, 10, 3, 0), sp), Column::Today);
        assert_eq!(Column::of(&t, utc(2026, 6, 11, 2, 59), sp), Column::Today);
        assert_eq!(Column::of(&t, utc(2026, 6, 11, 3, 0), sp), Column::Overdue);
        // The same instants in UTC would disagree.
        assert_eq!(Column::of(&t, utc(2026, 6, 10, 2, 59), chrono_tz::UTC), Column::Today);
    }

    #[test]
    fn a_task_due_at_2330_seen_at_0010_the_next_local_day_is_overdue() {
        let sp = zone("America/Sao_Paulo");
        let t = task(1, Due::at(date(2026, 6, 9), time(23, 30)));
        let now = local("America/Sao_Paulo", 2026, 6, 10, 0, 10);
        assert_eq!(now, utc(2026, 6, 10, 3, 10));
        assert_eq!(Column::of(&t, now, sp), Column::Overdue);
        let rome = zone("Europe/Rome");
        let t = task(2, Due::at(date(2026, 3, 28), time(23, 30)));
        let now = local("Europe/Rome", 2026, 3, 29, 0, 10);
        assert_eq!(now, utc(2026, 3, 28, 23, 10), "still March 28 in UTC");
        assert_eq!(Column::of(&t, now, rome), Column::Overdue);
    }

    #[test]
    fn a_time_today_that_has_passed_is_overdue_and_one_still_ahead_is_today() {
        let rome = zone("Europe/Rome");
        let now = local("Europe/Rome", 2026, 6, 10, 14, 0);
        assert_eq!(
            Column::of(&task(1, Due::at(date(2026, 6, 10), time(13, 59))), now, rome),
            Column::Overdue
        );
        assert_eq!(Column::of(&task(2, Due::at(date(2026, 6, 10), time(14, 0))), now, rome), Column::Today);
        assert_eq!(Column::of(&task(3, Due::on(date(2026, 6, 10))), now, rome), Column::Today);
        assert_eq!(Column::of(&task(4, Due::at(date(2026, 6, 11), time(0, 0))), now, rome), Column::Upcoming);
        let late = local("Europe/Rome", 2026, 6, 10, 23, 59);
        assert_eq!(Column::of(&task(3, Due::on(date(2026, 6, 10))), late, rome), Column::Today);
    }

    #[test]
    fn the_23_hour_spring_forward_day_in_rome() {
        let rome = zone("Europe/Rome");
        let t = task(1, Due::on(date(2026, 3, 29)));
        // March 29 starts at 23:00 UTC on the 28th (CET) and ends at 22:00 UTC on the 29th (CEST).
        assert_eq!(Column::of(&t, utc(2026, 3, 28, 22, 59), rome), Column::Upcoming);
        assert_eq!(Column::of(&t, utc(2026, 3, 28, 23, 0), rome), Column::Today);
        assert_eq!(Column::of(&t, utc(2026, 3, 29, 21, 59), rome), Column::Today);
        assert_eq!(Column::of(&t, utc(2026, 3, 29, 22, 0), rome), Column::Overdue);
        // A task at 02:30, a time that does not exist that day, is due at 03:30 CEST (01:30 UTC).
        let gap = task(2, Due::at(date(2026, 3, 29), time(2, 30)));
        assert_eq!(Column::of(&gap, utc(2026, 3, 29, 1, 10), rome), Column::Today, "03:10 CEST");
        assert_eq!(Column::of(&gap, utc(2026, 3, 29, 1, 31), rome), Column::Overdue, "03:31 CEST");
    }

    #[test]
    fn the_25_hour_fall_back_day_in_rome() {
        let rome = zone("Europe/Rome");
        let t = task(1, Due::on(date(2026, 10, 25)));
        // October 25 starts at 22:00 UTC on the 24th (CEST) and ends at 23:00 UTC on the 25th (CET).
        assert_eq!(Column::of(&t, utc(2026, 10, 24, 21, 59), rome), Column::Upcoming);
        assert_eq!(Column::of(&t, utc(2026, 10, 24, 22, 0), rome), Column::Today);
        assert_eq!(Column::of(&t, utc(2026, 10, 25, 22, 30), rome), Column::Today, "23:30 CET");
        assert_eq!(Column::of(&t, utc(2026, 10, 25, 23, 0), rome), Column::Overdue);
        // 02:30 happens twice; the task is due at the first one (00:30 UTC).
        let twice = task(2, Due::at(date(2026, 10, 25), time(2, 30)));
        assert_eq!(Column::of(&twice, utc(2026, 10, 25, 0, 29), rome), Column::Today);
        assert_eq!(Column::of(&twice, utc(2026, 10, 25, 0, 31), rome), Column::Overdue);
    }

    #[test]
    fn the_board_sorts_counts_and_keeps_a_stable_order() {
        let rome = zone("Europe/Rome");
        let now = local("Europe/Rome", 2026, 6, 10, 12, 0);
        let d10 = date(2026, 6, 10);
        let mut tasks = vec![
            task(1, Due::on(d10)),
            task(2, Due::at(d10, time(15, 0))),
            task(3, Due::at(d10, time(9, 0))),
            task(4, Due::on(date(2026, 6, 8))),
            task(5, Due::at(date(2026, 6, 9), time(18, 0))),
            task(6, Due::on(date(2026, 6, 9))),
            task(7, Due::on(date(2026, 6, 12))),
            task(8, Due::on(date(2026, 6, 11))),
            task(9, Due::on(d10)),
            task(10, Due::on(d10)),
            task(11, Due::on(d10)),
            task(12, Due::on(date(2026, 6, 1))),
            task(13, Due::on(date(2026, 6, 2))),
        ];
        tasks[8].priority = Priority::Urgent; // 9: before 1 despite the higher id
        tasks[9].created_at = utc(2025, 12, 31, 0, 0); // 10: created earlier, before 1 at equal priority
        tasks[11].complete(utc(2026, 6, 9, 8, 0));
        tasks[12].skip(utc(2026, 6, 10, 8, 0));
        let board = TaskBoard::new(&tasks, now, rome);
        assert_eq!(ids(board.column(Column::Overdue)), vec![4, 5, 6, 3], "timed before untimed on a day");
        assert_eq!(ids(board.column(Column::Today)), vec![2, 9, 10, 1, 11]);
        assert_eq!(ids(board.column(Column::Upcoming)), vec![8, 7]);
        assert_eq!(ids(board.column(Column::Completed)), vec![13, 12], "newest first");
        assert_eq!(board.counts(), BoardCounts { overdue: 4, today: 5, upcoming: 2, completed: 2 });
        assert_eq!(board.counts().due_now(), 9);
        assert_eq!(board.column_of(TaskId::from_u128(7)), Some(Column::Upcoming));
        let reversed: Vec<Task> = tasks.iter().rev().cloned().collect();
        let again = TaskBoard::new(&reversed, now, rome);
        for column in Column::ALL {
            assert_eq!(ids(again.column(column)), ids(board.column(column)), "{column:?}");
        }
    }

    #[test]
    fn the_board_can_be_filtered_by_type_and_priority() {
        let d = date(2026, 6, 10);
        let mut tasks = [task(1, Due::on(d)), task(2, Due::on(d)), task(3, Due::on(d))];
        tasks[1].task_type = TaskType::Email;
        tasks[2].priority = Priority::High;
        let filter = TaskFilter { types: [TaskType::Call].into(), priorities: [Priority::High].into() };
        let now = local("Europe/Rome", 2026, 6, 10, 8, 0);
        let board = TaskBoard::new(tasks.iter().filter(|t| filter.matches(t)), now, zone("Europe/Rome"));
        assert_eq!(ids(board.column(Column::Today)), vec![3]);
        assert!(TaskFilter::default().matches(&tasks[1]));
    }

    // --- operations ---

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

    #[test]
    fn dragging_a_card_to_another_column() {
        let rome = zone("Europe/Rome");
        let now = local("Europe/Rome", 2026, 6, 10, 12, 0);
        let mut late = task(1, Due::at(date(2026, 6, 8), time(11, 0)));
        assert!(late.move_to(Column::Today, now, rome).unwrap());
        assert_eq!(late.due, Due::on(date(2026, 6, 10)), "a passed time is dropped");
        let mut afternoon = task(2, Due::at(date(2026, 6, 12), time(16, 0)));
        afternoon.move_to(Column::Today, now, rome).unwrap();
        assert_eq!(afternoon.due, Due::at(date(2026, 6, 10), time(16, 0)), "a time still ahead is kept");
        afternoon.move_to(Column::Upcoming, now, rome).unwrap();
        assert_eq!(afternoon.due, Due::at(date(2026, 6, 11), time(16, 0)));
        assert_eq!(afternoon.move_to(Column::Upcoming, now, rome), Ok(false), "same column: no change");
        assert_eq!(afternoon.move_to(Column::Overdue, now, rome), Err(TaskError::MoveIntoOverdue));
        afternoon.move_to(Column::Completed, now, rome).unwrap();
        assert_eq!(afternoon.status, TaskStatus::Done);
        afternoon.move_to(Column::Today, now, rome).unwrap();
        assert_eq!(Column::of(&afternoon, now, rome), Column::Today);
    }

    // --- snooze ---

    #[test]
    fn snooze_choices_on_an_ordinary_day() {
        let rome = zone("Europe/Rome");
        let now = local("Europe/Rome", 2026, 6, 10, 10, 7); // a Wednesday
        assert_eq!(Snooze::LaterToday.due(now, rome), Due::at(date(2026, 6, 10), time(13, 15)));
        assert_eq!(Snooze::Tomorrow.due(now, rome), Due::at(date(2026, 6, 11), MORNING));
        assert_eq!(Snooze::NextWeek.due(now, rome), Due::at(date(2026, 6, 15), MORNING));
        let picked = Due::on(date(2026, 7, 1));
        assert_eq!(Snooze::Pick { due: picked }.due(now, rome), picked);
        let on_the_quarter = local("Europe/Rome", 2026, 6, 10, 10, 15);
        assert_eq!(Snooze::LaterToday.due(on_the_quarter, rome), Due::at(date(2026, 6, 10), time(13, 15)));
        assert_eq!(
            Snooze::quick_choices(now, rome),
            vec![Snooze::LaterToday, Snooze::Tomorrow, Snooze::NextWeek]
        );
    }

    #[test]
    fn later_today_is_not_offered_late_in_the_evening() {
        let sp = zone("America/Sao_Paulo");
        let now = local("America/Sao_Paulo", 2026, 6, 10, 21, 30);
        assert_eq!(Snooze::LaterToday.due(now, sp), Due::at(date(2026, 6, 11), time(0, 30)));
        assert_eq!(Snooze::quick_choices(now, sp), vec![Snooze::Tomorrow, Snooze::NextWeek]);
    }

    #[test]
    fn next_week_is_the_coming_monday() {
        let rome = zone("Europe/Rome");
        let monday = local("Europe/Rome", 2026, 6, 8, 10, 0);
        assert_eq!(Snooze::NextWeek.due(monday, rome).date, date(2026, 6, 15));
        let sunday = local("Europe/Rome", 2026, 6, 14, 10, 0);
        assert_eq!(Snooze::NextWeek.due(sunday, rome).date, date(2026, 6, 15));
        // Late on Sunday in São Paulo is already Monday in UTC: the rep's calendar decides.
        let sp = zone("America/Sao_Paulo");
        let sunday_night = local("America/Sao_Paulo", 2026, 6, 14, 22, 0);
        assert_eq!(Snooze::NextWeek.due(sunday_night, sp).date, date(2026, 6, 15));
        assert_eq!(Snooze::Tomorrow.due(sunday_night, sp).date, date(2026, 6, 15));
    }

    #[test]
    fn snoozing_across_a_daylight_saving_change() {
        let rome = zone("Europe/Rome");
        // 00:30 CET on the spring-forward day: three real hours later the wall clock shows 04:30 CEST.
        let now = local("Europe/Rome", 2026, 3, 29, 0, 30);
        assert_eq!(Snooze::LaterToday.due(now, rome), Due::at(date(2026, 3, 29), time(4, 30)));
        // 09:00 the day before: tomorrow is 09:00 CEST, 23 hours later, not 24.
        let morning_before = local("Europe/Rome", 2026, 3, 28, 9, 0);
        let due = Snooze::Tomorrow.due(morning_before, rome);
        assert_eq!(due, Due::at(date(2026, 3, 29), MORNING));
        assert_eq!(due.starts_at(rome) - morning_before, TimeDelta::hours(23));
        // 23:45 CET the night before: +3 h lands at 03:45 CEST, never inside the missing hour.
        let night = local("Europe/Rome", 2026, 3, 28, 23, 45);
        assert_eq!(Snooze::LaterToday.due(night, rome), Due::at(date(2026, 3, 29), time(3, 45)));
        // On the fall-back day, 00:30 CEST + 3 h is 02:30 CET, the second 02:30.
        let autumn = local("Europe/Rome", 2026, 10, 25, 0, 30);
        assert_eq!(Snooze::LaterToday.due(autumn, rome), Due::at(date(2026, 10, 25), time(2, 30)));
        let mut t = task(1, Due::on(date(2026, 10, 24)));
        assert!(t.snooze(Snooze::Tomorrow, autumn, rome));
        assert_eq!(t.due, Due::at(date(2026, 10, 26), MORNING));
    }

    // --- the queue ---

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

    // --- follow-ups from engagement ---

    fn event(kind: EventKind) -> EngagementEvent {
        EngagementEvent {
            id: EventId::from_u128(70),
            email: EmailId::from_u128(80),
            recipient: crate::people::EmailAddress::parse("ana@acme.com").unwrap(),
            at: utc(2026, 6, 10, 13, 0),
            kind,
            ip: None,
            user_agent: None,
            verdict: None,
        }
    }

    #[test]
    fn a_click_suggests_calling_the_person() {
        let ana = PersonId::from_u128(3);
        let clicked = event(EventKind::Clicked { url: "https://acme.com/pricing/?utm_source=x".into() });
        let s = FollowUpSuggestion::from_event(&clicked, Some(ana)).unwrap();
        assert_eq!(
            (s.task_type, s.priority, s.reason),
            (TaskType::Call, Priority::High, FollowUpReason::Clicked)
        );
        assert_eq!(s.default_title("Ana"), "Call Ana: clicked acme.com/pricing");
        assert_eq!(s.default_title(""), "Call: clicked acme.com/pricing");
        let sp = zone("America/Sao_Paulo");
        // 00:30 UTC on June 11 is still June 10 in São Paulo.
        let t = s.into_task(TaskId::from_u128(1), "Ligar para Ana", utc(2026, 6, 11, 0, 30), sp).unwrap();
        assert_eq!(t.due, Due::on(date(2026, 6, 10)));
        assert_eq!(t.origin, Origin::FromEvent(EventId::from_u128(70)));
        assert_eq!(
            (t.person, t.email, t.priority),
            (Some(ana), Some(EmailId::from_u128(80)), Priority::High)
        );
        assert_eq!(Column::of(&t, utc(2026, 6, 11, 0, 30), sp), Column::Today);
    }

    #[test]
    fn views_and_replies_suggest_an_email_and_bounces_nothing() {
        let viewed = FollowUpSuggestion::from_event(&event(EventKind::Viewed), None).unwrap();
        assert_eq!((viewed.task_type, viewed.priority), (TaskType::Email, Priority::Normal));
        assert_eq!(viewed.default_title("Bo Li"), "Email Bo Li: viewed the email");
        let replied = FollowUpSuggestion::from_event(&event(EventKind::Replied), None).unwrap();
        assert_eq!((replied.reason, replied.priority), (FollowUpReason::Replied, Priority::High));
        assert_eq!(FollowUpSuggestion::from_event(&event(EventKind::AutoReplied), None), None);
        let complaint = EventKind::Complained { feedback_type: "abuse".into() };
        assert_eq!(FollowUpSuggestion::from_event(&event(complaint), None), None);
        let long = FollowUpSuggestion::from_event(&event(EventKind::Viewed), None).unwrap();
        assert_eq!(long.default_title(&"A".repeat(500)).chars().count(), MAX_TITLE_CHARS);
    }

    // --- properties ---

    const ZONES: [&str; 6] =
        ["Europe/Rome", "America/Sao_Paulo", "UTC", "Pacific/Auckland", "America/New_York", "Asia/Kathmandu"];

    fn arb_task(n: u128) -> impl Strategy<Value = Task> {
        (0i64..28, proptest::option::of((0u32..24, 0u32..4)), 0usize..4, 0usize..3, 0i64..4, 0i64..48)
            .prop_map(move |(day, time, priority, status, created, completed)| {
                let date = date(2026, 3, 15) + TimeDelta::days(day);
                let due = Due { date, time: time.and_then(|(h, q)| NaiveTime::from_hms_opt(h, q * 15, 0)) };
                let mut t = task(n, due);
                t.priority = Priority::ALL[priority];
                t.created_at += TimeDelta::hours(created);
                t.updated_at = t.created_at;
                let closed_at = utc(2026, 3, 20, 0, 0) + TimeDelta::hours(completed);
                match status {
                    1 => {
                        t.complete(closed_at);
                    }
                    2 => {
                        t.skip(closed_at);
                    }
                    _ => {}
                }
                t
            })
    }

    fn arb_board_input() -> impl Strategy<Value = (Vec<Task>, Instant, usize)> {
        let tasks =
            (0usize..40).prop_flat_map(|n| (0..n).map(|i| arb_task(i as u128 + 1)).collect::<Vec<_>>());
        // Instants from March 20 to April 8, 2026 (covers the spring-forward days of Rome and New York)
        // in 10-minute steps.
        let now =
            (0i64..(20 * 24 * 6)).prop_map(|step| utc(2026, 3, 20, 0, 0) + TimeDelta::minutes(step * 10));
        (tasks, now, 0..ZONES.len())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn every_task_lands_in_exactly_one_column(
            (tasks, now, z) in arb_board_input(),
            seed in any::<u64>(),
        ) {
            let zone = zone(ZONES[z]);
            let board = TaskBoard::new(&tasks, now, zone);
            let today = local_today(now, zone);
            for t in &tasks {
                let homes: Vec<Column> =
                    Column::ALL.into_iter().filter(|&c| board.column(c).iter().any(|b| b.id == t.id)).collect();
                prop_assert_eq!(homes.len(), 1);
                let column = homes[0];
                prop_assert_eq!(column, Column::of(t, now, zone));
                prop_assert_eq!(column == Column::Completed, !t.is_open());
                match column {
                    Column::Overdue => prop_assert!(
                        t.due.date < today || t.due.time.is_some_and(|tm| local_instant(today, tm, zone) < now)
                    ),
                    Column::Today => prop_assert_eq!(t.due.date, today),
                    Column::Upcoming => prop_assert!(t.due.date > today),
                    Column::Completed => {}
                }
            }
            let counts = board.counts();
            prop_assert_eq!(Column::ALL.iter().map(|&c| counts.get(c)).sum::<usize>(), tasks.len());

            // Each column is strictly ordered, and the order does not depend on the input's order.
            for c in Column::ALL {
                for pair in board.column(c).windows(2) {
                    let order = if c == Column::Completed { pair[0].completed_cmp(pair[1]) } else { pair[0].board_cmp(pair[1]) };
                    prop_assert_eq!(order, Ordering::Less);
                }
            }
            let mut shuffled = tasks.clone();
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let again = TaskBoard::new(&shuffled, now, zone);
            for c in Column::ALL {
                prop_assert_eq!(ids(again.column(c)), ids(board.column(c)));
            }

            // The queue is Overdue then Today, in board order.
            let queue = TaskQueue::new(&board);
            let expected: Vec<TaskId> =
                board.column(Column::Overdue).iter().chain(board.column(Column::Today)).map(|t| t.id).collect();
            prop_assert_eq!(queue.ids(), expected.as_slice());
        }

        #[test]
        fn the_board_order_is_a_total_order(
            a in arb_task(1), b in arb_task(2), c in arb_task(3), same_id in any::<bool>(),
        ) {
            let b = if same_id { Task { id: a.id, ..b } } else { b };
            for cmp in [Task::board_cmp as fn(&Task, &Task) -> Ordering, Task::completed_cmp] {
                prop_assert_eq!(cmp(&a, &b), cmp(&b, &a).reverse());
                prop_assert_eq!(cmp(&a, &a), Ordering::Equal);
                if cmp(&a, &b) != Ordering::Greater && cmp(&b, &c) != Ordering::Greater {
                    prop_assert_ne!(cmp(&a, &c), Ordering::Greater);
                }
            }
        }

        #[test]
        fn snoozing_always_lands_on_an_existing_future_wall_time(
            step in 0i64..(400 * 24 * 4), z in 0..ZONES.len(),
        ) {
            let zone = zone(ZONES[z]);
            let now = utc(2026, 1, 1, 0, 0) + TimeDelta::minutes(step * 15 + step % 15);
            let today = local_today(now, zone);
            for choice in [Snooze::LaterToday, Snooze::Tomorrow, Snooze::NextWeek] {
                let due = choice.due(now, zone);
                let time = due.time.expect("quick choices have a time");
                prop_assert!(!matches!(zone.from_local_datetime(&due.date.and_time(time)), LocalResult::None));
                prop_assert!(due.date >= today);
            }
            let later = Snooze::LaterToday.due(now, zone);
            let at = later.time.map(|t| local_instant(later.date, t, zone));
            let three_hours = now + TimeDelta::hours(LATER_TODAY_HOURS);
            // In the repeated autumn hour the wall time means its first occurrence, up to an hour earlier.
            prop_assert!(at.is_some_and(|at| at >= three_hours - TimeDelta::hours(1)
                && at < three_hours + TimeDelta::minutes(SNOOZE_ROUNDING_MINUTES)));
            prop_assert_eq!(Snooze::Tomorrow.due(now, zone).date, today + TimeDelta::days(1));
            let next_week = Snooze::NextWeek.due(now, zone).date;
            prop_assert_eq!(next_week.weekday(), chrono::Weekday::Mon);
            prop_assert!(next_week > today && next_week <= today + TimeDelta::days(7));
        }
    }
}
