//! Folders: where each status is filed (main tab and sub-tab), and their URL slugs.
//!
//! Owns the mapping status → folder and the slugs `sent/delivered` … that links and the router use.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Status;

/// The three main tabs of the email command center.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MainTab {
    Sent,
    Pending,
    Undelivered,
}

impl MainTab {
    pub const ALL: [MainTab; 3] = [MainTab::Sent, MainTab::Pending, MainTab::Undelivered];

    pub fn slug(self) -> &'static str {
        match self {
            MainTab::Sent => "sent",
            MainTab::Pending => "pending",
            MainTab::Undelivered => "undelivered",
        }
    }

    /// The sub-tabs of this main tab, in display order.
    pub fn folders(self) -> impl Iterator<Item = Folder> {
        Folder::ALL.into_iter().filter(move |f| f.main_tab() == self)
    }

    /// The folder a link to the main tab alone opens.
    pub fn default_folder(self) -> Folder {
        self.folders().next().unwrap_or(Folder::HOME)
    }
}

/// A sub-tab: one per status, so every email lives in exactly one folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Folder {
    Delivered,
    Archived,
    Scheduled,
    Draft,
    InProgress,
    Failed,
    Bounced,
    Spam,
}

impl Folder {
    /// The folder the command center opens on (`/` and `/emails`).
    pub const HOME: Folder = Folder::Delivered;

    pub const ALL: [Folder; 8] = [
        Folder::Delivered,
        Folder::Archived,
        Folder::Scheduled,
        Folder::Draft,
        Folder::InProgress,
        Folder::Failed,
        Folder::Bounced,
        Folder::Spam,
    ];

    /// The folder an email of this status is filed in.
    pub fn of(status: Status) -> Folder {
        match status {
            Status::Delivered => Folder::Delivered,
            Status::Archived => Folder::Archived,
            Status::Scheduled => Folder::Scheduled,
            Status::Draft => Folder::Draft,
            Status::InProgress => Folder::InProgress,
            Status::Failed => Folder::Failed,
            Status::Bounced => Folder::Bounced,
            Status::Spam => Folder::Spam,
        }
    }

    /// The one status whose emails this folder holds.
    pub fn status(self) -> Status {
        match self {
            Folder::Delivered => Status::Delivered,
            Folder::Archived => Status::Archived,
            Folder::Scheduled => Status::Scheduled,
            Folder::Draft => Status::Draft,
            Folder::InProgress => Status::InProgress,
            Folder::Failed => Status::Failed,
            Folder::Bounced => Status::Bounced,
            Folder::Spam => Status::Spam,
        }
    }

    pub fn main_tab(self) -> MainTab {
        match self {
            Folder::Delivered | Folder::Archived => MainTab::Sent,
            Folder::Scheduled | Folder::Draft | Folder::InProgress => MainTab::Pending,
            Folder::Failed | Folder::Bounced | Folder::Spam => MainTab::Undelivered,
        }
    }

    /// The sub-tab's own slug, e.g. `in-progress`.
    pub fn sub_slug(self) -> &'static str {
        match self {
            Folder::Delivered => "delivered",
            Folder::Archived => "archived",
            Folder::Scheduled => "scheduled",
            Folder::Draft => "draft",
            Folder::InProgress => "in-progress",
            Folder::Failed => "failed",
            Folder::Bounced => "bounced",
            Folder::Spam => "spam",
        }
    }

    /// The order the folder's list opens in: soonest first for what is still to go out, newest first for
    /// the rest.
    pub fn default_order(self) -> Order {
        match self {
            Folder::Scheduled => Order { key: SortKey::Date, descending: false },
            _ => Order { key: SortKey::Date, descending: true },
        }
    }

    /// Finds the folder for a main-tab slug and a sub-tab slug, e.g. `("pending", "scheduled")`.
    pub fn from_slugs(main: &str, sub: &str) -> Result<Folder, FolderSlugError> {
        Folder::ALL
            .into_iter()
            .find(|f| f.main_tab().slug() == main && f.sub_slug() == sub)
            .ok_or_else(|| FolderSlugError(format!("{main}/{sub}")))
    }
}

impl fmt::Display for Folder {
    /// The folder's path under `/emails`, e.g. `sent/delivered`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.main_tab().slug(), self.sub_slug())
    }
}

/// What a folder's list is ordered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// The instant that matters for the folder (scheduled for, delivered at, failed at, …).
    Date,
    Recipient,
    Subject,
}

impl SortKey {
    pub const ALL: [SortKey; 3] = [SortKey::Date, SortKey::Recipient, SortKey::Subject];

    /// The key's name in an address (`?sort=recipient`).
    pub fn slug(self) -> &'static str {
        match self {
            SortKey::Date => "date",
            SortKey::Recipient => "recipient",
            SortKey::Subject => "subject",
        }
    }

    pub fn from_slug(slug: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.slug() == slug)
    }

    /// The direction a list takes when it is first sorted by this key: newest first for dates, A first for
    /// names.
    pub fn first_descending(self) -> bool {
        self == SortKey::Date
    }
}

/// The order of a folder's list: a key and a direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Order {
    pub key: SortKey,
    /// Newest (or Z) first.
    pub descending: bool,
}

impl Order {
    /// The order after a click on `key`'s heading: the other direction of the same key, or a new key in its
    /// first direction.
    pub fn toggled(self, key: SortKey) -> Order {
        if self.key == key {
            Order { key, descending: !self.descending }
        } else {
            Order { key, descending: key.first_descending() }
        }
    }

    /// The order an address names (`?sort=subject&dir=asc`), the folder's own when it names none or a wrong
    /// one.
    pub fn from_query(sort: Option<&str>, dir: Option<&str>, folder: Folder) -> Order {
        match sort.and_then(SortKey::from_slug) {
            Some(key) => Order { key, descending: dir != Some("asc") },
            None => folder.default_order(),
        }
    }

    /// The direction's name in an address.
    pub fn dir_slug(self) -> &'static str {
        if self.descending { "desc" } else { "asc" }
    }
}

/// A slug that names no folder.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("no folder is called \"{0}\"; folders are like sent/delivered or pending/scheduled")]
pub struct FolderSlugError(pub String);

impl FromStr for Folder {
    type Err = FolderSlugError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (main, sub) = s.split_once('/').ok_or_else(|| FolderSlugError(s.to_string()))?;
        Folder::from_slugs(main, sub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_is_filed_in_exactly_one_folder_and_back() {
        for status in Status::ALL {
            assert_eq!(Folder::of(status).status(), status);
        }
    }

    #[test]
    fn slugs_print_and_parse() {
        for folder in Folder::ALL {
            assert_eq!(folder.to_string().parse::<Folder>(), Ok(folder));
        }
        assert_eq!("undelivered/bounced".parse(), Ok(Folder::Bounced));
        assert_eq!(Folder::InProgress.to_string(), "pending/in-progress");
    }

    #[test]
    fn a_wrong_slug_says_what_is_wrong() {
        let err = "sent/bounced".parse::<Folder>().unwrap_err();
        assert!(err.to_string().contains("sent/bounced"));
    }

    #[test]
    fn the_three_tabs_hold_two_three_and_three_folders() {
        let counts: Vec<usize> = MainTab::ALL.iter().map(|t| t.folders().count()).collect();
        assert_eq!(counts, vec![2, 3, 3]);
        assert_eq!(MainTab::Sent.default_folder(), Folder::Delivered);
    }

    #[test]
    fn what_is_still_to_go_opens_soonest_first_and_the_rest_newest_first() {
        let soonest = Order { key: SortKey::Date, descending: false };
        let newest = Order { key: SortKey::Date, descending: true };
        assert_eq!(Folder::Scheduled.default_order(), soonest);
        for folder in Folder::ALL.into_iter().filter(|f| *f != Folder::Scheduled) {
            assert_eq!(folder.default_order(), newest, "{folder}");
        }
        assert_eq!(Folder::HOME, Folder::Delivered);
    }

    #[test]
    fn an_address_names_an_order_and_a_wrong_one_falls_back_to_the_folders() {
        let subject_asc = Order { key: SortKey::Subject, descending: false };
        assert_eq!(Order::from_query(Some("subject"), Some("asc"), Folder::Delivered), subject_asc);
        assert_eq!(
            Order::from_query(Some("recipient"), None, Folder::Delivered),
            Order { key: SortKey::Recipient, descending: true }
        );
        assert_eq!(
            Order::from_query(Some("size"), Some("asc"), Folder::Scheduled),
            Folder::Scheduled.default_order()
        );
        assert_eq!(Order::from_query(None, None, Folder::Failed), Folder::Failed.default_order());
        for key in SortKey::ALL {
            assert_eq!(SortKey::from_slug(key.slug()), Some(key));
        }
    }

    #[test]
    fn a_click_on_a_heading_turns_the_direction_or_starts_a_new_key_in_its_first_direction() {
        let newest = Folder::Delivered.default_order();
        assert_eq!(newest.toggled(SortKey::Date), Order { key: SortKey::Date, descending: false });
        assert_eq!(newest.toggled(SortKey::Subject), Order { key: SortKey::Subject, descending: false });
        let subject = Order { key: SortKey::Subject, descending: false };
        assert_eq!(subject.toggled(SortKey::Date), newest);
    }
}
