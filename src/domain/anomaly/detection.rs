//! A recorded detection: a rule crossed by a principal, open until an administrator clears it.

use super::AnomalyRule;
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    pub id: String,
    /// The subject (`sub`) of the tokens that crossed the rule.
    pub principal: String,
    pub rule: AnomalyRule,
    pub detected_at: DateTime<Utc>,
    pub observed: u64,
    pub threshold: u64,
    pub window_secs: i64,
    /// Who cleared it, and when; `None` while open.
    pub cleared: Option<(String, DateTime<Utc>)>,
}

impl Detection {
    pub fn is_open(&self) -> bool {
        self.cleared.is_none()
    }
}

/// Which detections to list, newest first.
#[derive(Clone, Debug, Default)]
pub struct DetectionFilter {
    pub principal: Option<String>,
    pub open: Option<bool>,
    /// Only detections older than this one (its id: ids are time-ordered).
    pub after: Option<String>,
    pub limit: u64,
}
