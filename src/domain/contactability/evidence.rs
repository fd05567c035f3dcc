//! Decisions recorded as evidence (`record: true`): an explicit, versioned format (never an
//! ORM model), with the versions of the rules that decided, so that an auditor can tell
//! which rules and which data files a past decision followed.

use super::Decision;
use super::codes::ReasonCode;
use crate::domain::Channel;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The version of the decision rules in code (`contactability/mod.rs` and its modules);
/// raised whenever a rule changes meaning.
pub const DECISION_RULES_VERSION: u32 = 2;

/// The rules a decision followed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleVersions {
    /// [`DECISION_RULES_VERSION`].
    pub decision: u32,
    /// A digest of the policy file and holiday files in force.
    pub policy: String,
}

/// One batch of decisions as recorded (format version 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceV1 {
    pub version: u32,
    pub purpose: String,
    pub at: DateTime<Utc>,
    pub decided_at: DateTime<Utc>,
    pub principal: Option<String>,
    pub rules: RuleVersions,
    pub decisions: Vec<EvidenceItem>,
}

/// One customer's decision, without sentences (they may change wording) or PII.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceItem {
    pub customer_id: String,
    pub allowed: bool,
    pub codes: Vec<ReasonCode>,
    pub channel: Option<Channel>,
    pub identity_id: Option<String>,
    pub next_window_start: Option<DateTime<Utc>>,
}

impl EvidenceItem {
    pub fn of(customer_id: &str, d: &Decision) -> Self {
        EvidenceItem {
            customer_id: customer_id.to_owned(),
            allowed: d.allowed,
            codes: d.codes.clone(),
            channel: d.channel,
            identity_id: d.identity_id.as_ref().map(|i| i.as_str().to_owned()),
            next_window_start: d.next_window_start,
        }
    }
}

/// A short hex digest of the policy text and the holiday files (`(country, text)`).
pub fn digest(parts: &[&[u8]], files: &[(String, String)]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    let mut files: Vec<&(String, String)> = files.iter().collect();
    files.sort();
    for (name, text) in files {
        h.update((name.len() as u64).to_be_bytes());
        h.update(name.as_bytes());
        h.update((text.len() as u64).to_be_bytes());
        h.update(text.as_bytes());
    }
    h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}
