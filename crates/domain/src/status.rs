//! The lifecycle of one email: its statuses and the transitions allowed between them.
//!
//! Owns the state machine and its typed errors. It does not know where an email is stored or how it is sent.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Where an email is in its life. Every status files the email in exactly one [`crate::Folder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Scheduled,
    InProgress,
    Delivered,
    Archived,
    Failed,
    Bounced,
    Spam,
}

impl Status {
    /// Every status, in the order the folders show them.
    pub const ALL: [Status; 8] = [
        Status::Delivered,
        Status::Archived,
        Status::Scheduled,
        Status::Draft,
        Status::InProgress,
        Status::Failed,
        Status::Bounced,
        Status::Spam,
    ];
}

/// How an email came to be: alone, one of a bulk "Select and Send", or one of a group send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    Single,
    Bulk,
    Group,
}

/// A transition the state machine refuses, with the reason a person can read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TransitionError {
    #[error("an email cannot go from {from:?} to {to:?}")]
    NotAllowed { from: Status, to: Status },
    #[error("a {kind:?} email can never be a draft; only single emails can")]
    OnlySingleCanBeDraft { kind: EmailKind },
}

/// Checks that an email of `kind` may move from `from` to `to`.
pub fn check_transition(kind: EmailKind, from: Status, to: Status) -> Result<(), TransitionError> {
    use Status::*;
    if to == Draft && kind != EmailKind::Single {
        return Err(TransitionError::OnlySingleCanBeDraft { kind });
    }
    let allowed = matches!(
        (from, to),
        (Draft, Scheduled)
            | (Scheduled, InProgress)
            | (Scheduled, Draft)
            | (InProgress, Delivered | Failed | Bounced)
            // Released: the relay never took it (a refusal to connect, a 4xx before the content, a stop
            // before the hand-off began), so it waits to be sent again.
            | (InProgress, Scheduled)
            | (Delivered, Bounced | Spam | Archived)
            | (Archived, Delivered)
            | (Failed | Bounced | Spam, Scheduled)
    );
    if allowed { Ok(()) } else { Err(TransitionError::NotAllowed { from, to }) }
}

/// The shortest walk the state machine allows for an email of `kind` from `from` to `to` (the statuses
/// after `from`, in order), or `None` when `to` cannot be reached.
pub fn path(kind: EmailKind, from: Status, to: Status) -> Option<Vec<Status>> {
    let mut came_from: Vec<(Status, Status)> = Vec::new();
    let mut frontier = std::collections::VecDeque::from([from]);
    let mut seen = vec![from];
    while let Some(at) = frontier.pop_front() {
        if at == to {
            let mut walk = Vec::new();
            let mut step = to;
            while step != from {
                walk.push(step);
                step = came_from.iter().find(|(next, _)| *next == step).map(|(_, prev)| *prev)?;
            }
            walk.reverse();
            return Some(walk);
        }
        for next in Status::ALL {
            if !seen.contains(&next) && check_transition(kind, at, next).is_ok() {
                seen.push(next);
                came_from.push((next, at));
                frontier.push_back(next);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_is_scheduled_then_sent_then_delivered() {
        let k = EmailKind::Single;
        assert!(check_transition(k, Status::Draft, Status::Scheduled).is_ok());
        assert!(check_transition(k, Status::Scheduled, Status::InProgress).is_ok());
        assert!(check_transition(k, Status::InProgress, Status::Delivered).is_ok());
    }

    #[test]
    fn a_bulk_email_can_never_go_back_to_draft() {
        let err = check_transition(EmailKind::Bulk, Status::Scheduled, Status::Draft).unwrap_err();
        assert_eq!(err, TransitionError::OnlySingleCanBeDraft { kind: EmailKind::Bulk });
        assert!(err.to_string().contains("only single emails"));
    }

    #[test]
    fn the_shortest_walk_follows_documented_edges() {
        use Status::*;
        assert_eq!(
            path(EmailKind::Single, Draft, Archived),
            Some(vec![Scheduled, InProgress, Delivered, Archived])
        );
        assert_eq!(path(EmailKind::Bulk, Scheduled, Spam), Some(vec![InProgress, Delivered, Spam]));
        assert_eq!(path(EmailKind::Bulk, Scheduled, Draft), None, "a bulk email is never a draft");
        assert_eq!(path(EmailKind::Single, Delivered, Delivered), Some(vec![]));
    }

    #[test]
    fn a_delivered_email_cannot_be_scheduled_again() {
        let err = check_transition(EmailKind::Single, Status::Delivered, Status::Scheduled);
        assert_eq!(err, Err(TransitionError::NotAllowed { from: Status::Delivered, to: Status::Scheduled }));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn kind() -> impl Strategy<Value = EmailKind> {
        prop::sample::select(vec![EmailKind::Single, EmailKind::Bulk, EmailKind::Group])
    }

    fn status() -> impl Strategy<Value = Status> {
        prop::sample::select(Status::ALL.to_vec())
    }

    proptest! {
        /// Whatever the walk, a bulk or group email is never a draft, and every accepted step is one of the
        /// documented edges.
        #[test]
        fn walks_only_follow_documented_edges(k in kind(), steps in prop::collection::vec(status(), 0..60)) {
            let mut current = if k == EmailKind::Single { Status::Draft } else { Status::Scheduled };
            for to in steps {
                match check_transition(k, current, to) {
                    Ok(()) => {
                        prop_assert!(k == EmailKind::Single || to != Status::Draft);
                        prop_assert!(current != to, "no self-loops");
                        current = to;
                    }
                    Err(TransitionError::OnlySingleCanBeDraft { .. }) => {
                        prop_assert_eq!(to, Status::Draft);
                        prop_assert_ne!(k, EmailKind::Single);
                    }
                    Err(TransitionError::NotAllowed { from, to: refused }) => {
                        prop_assert_eq!((from, refused), (current, to));
                    }
                }
            }
        }

        /// Nothing ever leaves In progress except to a final outcome of sending, or back to Scheduled when
        /// the relay never took it.
        #[test]
        fn in_progress_ends_only_in_an_outcome_or_a_release(k in kind(), to in status()) {
            let ok = check_transition(k, Status::InProgress, to).is_ok();
            let outcome = matches!(to, Status::Delivered | Status::Failed | Status::Bounced);
            prop_assert_eq!(ok, outcome || to == Status::Scheduled);
        }
    }
}
