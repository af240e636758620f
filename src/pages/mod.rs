//! The screens of the app, one module each.

pub mod bulk;
mod compose;
pub mod email;
pub mod emails;
mod embed;
mod mailbox_link;
mod not_found;
mod people;
mod queue;
pub mod search;
mod settings;
mod sign_in;
mod suppressions;
pub mod tasks;

pub use bulk::BulkPage;
pub use compose::ComposePage;
pub use email::EmailPage;
pub use emails::EmailsPage;
pub use embed::EmbedContact;
pub use not_found::NotFound;
pub use people::{PeoplePage, PersonPage};
pub use queue::QueuePage;
pub use search::SearchPage;
pub use settings::SettingsPage;
pub use sign_in::SignInPage;
pub use tasks::TasksPage;
