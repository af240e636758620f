//! Command Center, the app: a Leptos client-rendered command center for sales email.
//!
//! `app` wires contexts and the router; `pages/` are the screens; `components/` the pieces they share;
//! `storage/` is the only code that touches IndexedDB. Every product rule comes from the `domain` crate.

pub mod app;
pub mod components;
pub mod pages;
pub mod storage;

pub use app::App;
