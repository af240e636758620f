//! The domain of Command Center: every rule of the product, shared by the app (`src/`) and the endpoint
//! (`crates/endpoint`).
//!
//! This crate owns decisions, never effects: it does no IO, touches no browser API, reads no clock and starts
//! no runtime. The app renders and stores what it decides; the endpoint sends and records it. A rule written
//! anywhere else is a bug waiting to happen.

pub mod aggregate;
pub mod classify;
pub mod counts;
pub mod email;
pub mod engagement;
pub mod folder;
pub mod ids;
pub mod import;
pub mod link;
pub mod notify;
pub mod people;
pub mod people_list;
pub mod reaction;
pub mod search;
pub mod sequence;
pub mod status;
pub mod sync;
pub mod task;
pub mod wire;

pub use aggregate::EmailEngagement;
pub use counts::{CountChange, FolderCounts};
pub use email::{DeleteError, Email, EmailError, QuickAction, Schedule, Transition};
pub use engagement::{Bounce, BounceReason, EngagementEvent, EventKind};
pub use folder::{Folder, MainTab, Order, SortKey};
pub use ids::*;
pub use people::{AddressError, Campaign, EmailAddress, MergeError, MergeField, Person};
pub use status::{EmailKind, Status, TransitionError};
