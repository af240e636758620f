//! The names the UI gives to the domain's tabs and folders.

use domain::{Folder, MainTab};

pub fn main_tab(tab: MainTab) -> &'static str {
    match tab {
        MainTab::Sent => "Sent",
        MainTab::Pending => "Pending",
        MainTab::Undelivered => "Undelivered",
    }
}

pub fn folder(folder: Folder) -> &'static str {
    match folder {
        Folder::Delivered => "Delivered",
        Folder::Archived => "Archived",
        Folder::Scheduled => "Scheduled",
        Folder::Draft => "Draft",
        Folder::InProgress => "In progress",
        Folder::Failed => "Failed",
        Folder::Bounced => "Bounced",
        Folder::Spam => "Spam",
    }
}
