//! The screens of the app, one module each.

mod emails;
mod not_found;
mod search;
mod tasks;

pub use emails::EmailsPage;
pub use not_found::NotFound;
pub use search::SearchPage;
pub use tasks::TasksPage;
