//! Pieces shared by the screens. They take plain data and callbacks; they never fetch or store.

pub mod folder_tabs;
pub mod labels;
