//! The domain of Command Center: every rule of the product, shared by the app (`src/`) and the endpoint
//! (`crates/endpoint`).
//!
//! This crate owns decisions, never effects: it does no IO, touches no browser API and starts no runtime.
//! The app renders and stores what it decides; the endpoint sends and records it. A rule written anywhere
//! else is a bug waiting to happen.

pub mod folder;
pub mod status;

pub use folder::{Folder, MainTab};
pub use status::{EmailKind, Status, TransitionError};
