//! Per-email engagement totals: raw and human views and clicks, replies, first and last activity.

use serde::{Deserialize, Serialize};

use crate::ids::Instant;

/// What one email's recipient did with it, raw and as counted for people (human).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailEngagement {
    pub views_raw: u32,
    pub views_human: u32,
    pub clicks_raw: u32,
    pub clicks_human: u32,
    pub replies: u32,
    pub first_activity: Option<Instant>,
    pub last_activity: Option<Instant>,
}
