//! The task board: the column each task belongs in at `now` in the rep's zone (Overdue, Today, Upcoming,
//! Completed), the order within a column, a type and priority filter, the counts, and dropping a card on a
//! column.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use chrono::Days;
use serde::{Deserialize, Serialize};

use super::model::{Due, Priority, Task, TaskType};
use super::validate::TaskError;
use super::zone::{Zone, local_instant, local_today};
use crate::ids::{Instant, TaskId};

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

    /// The column `task` belongs in at `now` for a rep in `zone` (see the rules in [`crate::task`]).
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

impl Task {
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

    /// The board's order for tasks in the same open column (see the rules in [`crate::task`]).
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

#[cfg(test)]
mod tests {
    use chrono::{NaiveTime, TimeDelta};
    use proptest::prelude::*;

    use super::*;
    use crate::task::fixtures::{ZONES, date, local, task, time, utc, zone};
    use crate::task::{BoardCounts, Priority, TaskQueue, TaskStatus};

    fn ids(tasks: &[&Task]) -> Vec<u128> {
        tasks.iter().map(|t| t.id.0.as_u128()).collect()
    }

    // --- columns at day boundaries ---

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

    // --- order, filter, counts, and moving a card ---

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

    // --- properties ---

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
    }
}
