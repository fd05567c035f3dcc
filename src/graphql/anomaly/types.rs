//! `accessAnomalies`: detections as a connection.

use crate::domain::Scope;
use crate::domain::anomaly::{AnomalyRule, Detection};
use crate::graphql::context::Require;
use crate::graphql::pagination::{PageInfo, anomaly_cursor, cut};
use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

pub struct AccessAnomaly(pub Detection);

/// A rule of the anomaly detector crossed by a principal. Open until `clearAccessAnomaly`;
/// while open, and with `CUSTOMERS_ANOMALY_BLOCK=true`, the principal's PII is masked.
/// Holds counts and the principal's token subject, never customer PII.
#[Object(guard = "Require(Some(Scope::PrivacyAdmin))", requires_scopes = "privacy:admin")]
impl AccessAnomaly {
    /// The detection's id, for `clearAccessAnomaly`.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The subject (`sub`) of the tokens that crossed the rule.
    async fn principal(&self) -> &str {
        &self.0.principal
    }

    /// Which rule.
    async fn rule(&self) -> AnomalyRule {
        self.0.rule
    }

    /// When it was detected (UTC).
    async fn detected_at(&self) -> DateTime<Utc> {
        self.0.detected_at
    }

    /// What was counted when it was detected (for `UNUSUAL_HOUR`: the past days on which the
    /// principal used that hour).
    async fn observed(&self) -> i64 {
        i64::try_from(self.0.observed).unwrap_or(i64::MAX)
    }

    /// The rule's threshold: a count above it is an anomaly (for `UNUSUAL_HOUR`, fewer days than it).
    async fn threshold(&self) -> i64 {
        i64::try_from(self.0.threshold).unwrap_or(i64::MAX)
    }

    /// The sliding window counted over, in seconds (for `UNUSUAL_HOUR`, the history learnt from).
    async fn window_seconds(&self) -> i64 {
        self.0.window_secs
    }

    /// Still open (not cleared).
    async fn open(&self) -> bool {
        self.0.is_open()
    }

    /// Who cleared it (their token's `sub`); `null` while open.
    async fn cleared_by(&self) -> Option<&str> {
        self.0.cleared.as_ref().map(|(by, _)| by.as_str())
    }

    /// When it was cleared; `null` while open.
    async fn cleared_at(&self) -> Option<DateTime<Utc>> {
        self.0.cleared.as_ref().map(|(_, at)| *at)
    }
}

/// One detection of a page, with its cursor.
#[derive(SimpleObject)]
pub struct AnomalyEdge {
    /// Opaque position of this detection: pass it as `after` to continue after it.
    pub cursor: String,
    /// The detection.
    pub node: AccessAnomaly,
}

/// A page of detections, newest first.
#[derive(SimpleObject)]
pub struct AnomalyConnection {
    /// The detections of this page, newest first.
    pub edges: Vec<AnomalyEdge>,
    /// Whether older detections follow, and the cursor to ask for them.
    pub page_info: PageInfo,
}

impl AnomalyConnection {
    /// `rows` holds up to `first + 1` rows: the extra one only says there is a next page.
    pub fn new(rows: Vec<Detection>, first: usize) -> Self {
        let (rows, page_info) = cut(rows, first, |d| anomaly_cursor(&d.id));
        let edges =
            rows.into_iter().map(|d| AnomalyEdge { cursor: anomaly_cursor(&d.id), node: AccessAnomaly(d) }).collect();
        Self { edges, page_info }
    }
}
