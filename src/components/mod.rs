//! Pieces shared by the screens. They take plain data and callbacks; they never fetch or store (the live
//! feed and the sync badge read the shared state, and change nothing themselves).

pub mod body_frame;
pub mod editor;
pub mod email_list;
pub mod fatal;
pub mod field;
pub mod filter_builder;
pub mod folder_tabs;
pub mod follow_up;
pub mod labels;
pub mod live_feed;
pub mod notices;
pub mod pager;
pub mod reply;
pub mod saved_searches;
pub mod sync_badge;
