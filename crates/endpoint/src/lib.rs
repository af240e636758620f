//! The Command Center endpoint: the server side of the product in one process.
//!
//! It stores each user's records, sends mail, hosts tracking, takes inbound mail and serves the built app.
//! Every rule (statuses, transitions, classification) comes from the `domain` crate; this crate only
//! performs effects: HTTP, SQLite, SMTP.

pub mod cli;
pub mod http;
pub mod store;
