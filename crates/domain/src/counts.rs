//! Folder counts: how many emails each folder and main tab holds, kept up to date from transitions.
//!
//! Owns the arithmetic only; whoever holds the emails calls [`FolderCounts::apply`] for every change and can
//! always check against [`FolderCounts::recount`].

use serde::{Deserialize, Serialize};

use crate::email::Transition;
use crate::folder::{Folder, MainTab};
use crate::status::Status;

/// One change to the set of emails, as far as counts are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CountChange {
    Added(Status),
    Removed(Status),
    Moved(Transition),
}

/// The number of emails in each folder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FolderCounts {
    counts: [u64; 8],
}

fn slot(folder: Folder) -> usize {
    Folder::ALL.iter().position(|f| *f == folder).unwrap_or(0)
}

impl FolderCounts {
    /// Counts from scratch.
    pub fn recount<I: IntoIterator<Item = Status>>(statuses: I) -> FolderCounts {
        let mut counts = FolderCounts::default();
        for status in statuses {
            counts.apply(CountChange::Added(status));
        }
        counts
    }

    pub fn apply(&mut self, change: CountChange) {
        match change {
            CountChange::Added(status) => self.counts[slot(Folder::of(status))] += 1,
            CountChange::Removed(status) => {
                let n = &mut self.counts[slot(Folder::of(status))];
                *n = n.saturating_sub(1);
            }
            CountChange::Moved(t) => {
                self.apply(CountChange::Removed(t.from));
                self.apply(CountChange::Added(t.to));
            }
        }
    }

    pub fn folder(&self, folder: Folder) -> u64 {
        self.counts[slot(folder)]
    }

    pub fn main_tab(&self, tab: MainTab) -> u64 {
        tab.folders().map(|f| self.folder(f)).sum()
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::Email;
    use crate::email::tests::{at, draft};
    use proptest::prelude::*;

    #[test]
    fn main_tabs_add_up_their_folders() {
        let counts = FolderCounts::recount([
            Status::Delivered,
            Status::Delivered,
            Status::Archived,
            Status::Draft,
            Status::Bounced,
        ]);
        assert_eq!(counts.main_tab(MainTab::Sent), 3);
        assert_eq!(counts.main_tab(MainTab::Pending), 1);
        assert_eq!(counts.main_tab(MainTab::Undelivered), 1);
        assert_eq!(counts.folder(Folder::Delivered), 2);
        assert_eq!(counts.total(), 5);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add,
        Remove(usize),
        Move(usize, Status),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            Just(Op::Add),
            any::<usize>().prop_map(Op::Remove),
            (any::<usize>(), prop::sample::select(Status::ALL.to_vec())).prop_map(|(i, s)| Op::Move(i, s)),
        ]
    }

    proptest! {
        /// Counts kept from transitions always equal a full recount, whatever the sequence of operations,
        /// including transitions the state machine refuses (which change nothing).
        #[test]
        fn incremental_counts_equal_a_recount(ops in prop::collection::vec(op(), 0..200)) {
            let mut emails: Vec<Email> = Vec::new();
            let mut counts = FolderCounts::default();
            for (n, op) in ops.into_iter().enumerate() {
                match op {
                    Op::Add => {
                        let e = draft(n as u128);
                        counts.apply(CountChange::Added(e.status));
                        emails.push(e);
                    }
                    Op::Remove(i) if !emails.is_empty() => {
                        let e = emails.swap_remove(i % emails.len());
                        counts.apply(CountChange::Removed(e.status));
                    }
                    Op::Move(i, to) if !emails.is_empty() => {
                        let len = emails.len();
                        if let Ok(t) = emails[i % len].transition(to, at(30), None) {
                            counts.apply(CountChange::Moved(t));
                        }
                    }
                    _ => {}
                }
                prop_assert_eq!(counts, FolderCounts::recount(emails.iter().map(|e| e.status)));
            }
        }
    }
}
