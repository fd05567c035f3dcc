//! The data lifecycle's records and rules: what an erasure did (its receipt), a legal
//! hold, the retention policy and what a retention run purged. See
//! `docs/decisions/0010-data-lifecycle.md`.

use super::id::CustomerId;
use super::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The longest reason kept for an erasure or a legal hold.
pub const MAX_REASON_CHARS: usize = 500;

/// The version of the subject-access export document this code writes.
pub const EXPORT_VERSION: u32 = 1;

/// An erasure's or a hold's reason: 1–500 printable characters, trimmed. Not PII (a case
/// or ticket reference, "customer request"), but kept out of logs and events all the same.
pub fn parse_reason(field: &str, raw: &str) -> Result<String> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > MAX_REASON_CHARS || text.chars().any(char::is_control) {
        return Err(Error::bad_input(field, format!("expected 1–{MAX_REASON_CHARS} printable characters")));
    }
    Ok(text.to_owned())
}

/// What was erased: the counts of rows deleted or scrubbed, over the profile and every
/// profile merged into it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErasedCounts {
    pub identities: u64,
    pub attributes: u64,
    pub labels: u64,
    pub preferences: u64,
    pub external_refs: u64,
    /// Interactions kept (linked to the tombstone) with their free text removed.
    pub interactions_scrubbed: u64,
    pub merge_ledgers: u64,
    /// Consent records kept (the history) with their proof removed (decision 0015).
    #[serde(default)]
    pub consent_records_stripped: u64,
    /// Per-customer suppressions deleted.
    #[serde(default)]
    pub suppressions: u64,
}

/// The receipt of an erasure (what, when, by whom, why), as the audit log keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErasureReceipt {
    pub customer_id: String,
    /// The profiles merged into it, erased with it.
    pub merged_profiles: Vec<String>,
    pub erased_at: DateTime<Utc>,
    pub erased_by: String,
    pub reason: String,
    pub counts: ErasedCounts,
    /// Set when the receipt is answered again for a profile erased before.
    #[serde(default)]
    pub already_erased: bool,
}

/// A legal hold on a profile: no erasure, no purge, until released.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalHold {
    pub customer_id: CustomerId,
    pub reason: Option<String>,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

/// How long each kind of data is kept, in days; `None` keeps it forever (the default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Interactions that started longer ago than this are deleted.
    pub interactions_days: Option<u32>,
    /// Anonymous profiles without activity (no change, no interaction) for this long are erased.
    pub anonymous_days: Option<u32>,
    /// Audit entries older than this are purged (a prefix of the chain; see decision 0010).
    pub audit_days: Option<u32>,
    /// Delivered change events older than this leave the outbox (`events replay --since`
    /// reaches back this far at most). Pending and dead-lettered events stay.
    pub events_days: Option<u32>,
}

impl RetentionPolicy {
    /// Whether any kind of data is purged at all.
    pub fn any(&self) -> bool {
        self.interactions_days.is_some()
            || self.anonymous_days.is_some()
            || self.audit_days.is_some()
            || self.events_days.is_some()
    }

    /// The instant before which data kept `days` days is purged, at `now`.
    pub fn cutoff(days: u32, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::days(i64::from(days))
    }
}

/// What a retention run purged (or, dry, would purge).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionReport {
    pub dry_run: bool,
    pub interactions: u64,
    pub anonymous_profiles: u64,
    pub audit_entries: u64,
    /// The last audit position purged (the chain's new anchor), when entries were.
    pub audit_purged_through: Option<i64>,
    /// Delivered change events removed from the outbox.
    pub events: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_trimmed_and_bounded() {
        assert_eq!(parse_reason("reason", "  ticket 42 ").unwrap(), "ticket 42");
        assert_eq!(parse_reason("reason", " ").unwrap_err().field(), Some("reason"));
        assert!(parse_reason("reason", &"x".repeat(501)).is_err());
        assert!(parse_reason("reason", "a\nb").is_err());
    }

    #[test]
    fn a_policy_without_days_purges_nothing_and_cutoffs_count_back_whole_days() {
        assert!(!RetentionPolicy::default().any());
        assert!(RetentionPolicy { audit_days: Some(1), ..Default::default() }.any());
        let now = DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(RetentionPolicy::cutoff(30, now).to_rfc3339(), "2026-11-03T12:00:00+00:00");
    }
}
