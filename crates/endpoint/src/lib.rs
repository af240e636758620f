//! The Command Center endpoint: the server side of the product in one process.
//!
//! It stores each user's records, sends mail, hosts tracking, takes inbound mail and serves the built app.
//! Every rule (statuses, transitions, classification, conflicts) comes from the `domain` crate, and reading
//! inbound mail from the `inbound` crate; this crate only performs effects: HTTP, SQLite, SMTP.

pub mod actions;
pub mod cli;
pub mod demo;
pub mod dkim;
pub mod engagement;
pub mod error;
pub mod extract;
pub mod feed;
pub mod http;
pub mod inbound_http;
pub mod inbound_mail;
pub mod mailbox;
pub mod mailer;
pub mod policy;
pub mod recorder;
pub mod scheduler;
pub mod secret_file;
pub mod server;
pub mod smtp_pool;
pub mod store;
pub mod tracking;
pub mod tracking_http;
