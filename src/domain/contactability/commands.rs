//! Outbound compliance commands, parsed once at the edge (see `graphql/inputs/outbound.rs`).

use super::consent::ConsentProof;
use crate::domain::enums::ConsentStatus;
use crate::domain::id::{CustomerId, IdentityId};
use crate::domain::text::{Located, short_text};
use crate::domain::{Channel, Error, Result};
use chrono::{DateTime, Utc};

/// Record a consent given or withdrawn.
#[derive(Clone, Debug)]
pub struct NewConsent {
    pub customer_id: CustomerId,
    pub channel: Channel,
    pub identity_id: Option<Located<IdentityId>>,
    /// A purpose name or `*`.
    pub purpose: String,
    pub status: ConsentStatus,
    pub proof: ConsentProof,
    /// When it was given (default: when recorded); never in the future.
    pub given_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Suppress contact with one customer.
#[derive(Clone, Debug)]
pub struct NewSuppression {
    pub customer_id: CustomerId,
    pub channel: Option<Channel>,
    pub purpose: Option<String>,
    pub reason: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Create a suppression list.
#[derive(Clone, Debug)]
pub struct NewList {
    pub name: String,
    pub reason: String,
    pub purposes: Vec<String>,
}

/// One number or address for a list, not yet normalised.
#[derive(Clone, Debug)]
pub struct RawEntry {
    pub channel: Channel,
    pub value: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Proof texts: short, trimmed, blank means none.
pub fn proof(field: &str, source: Option<&str>, wording: Option<&str>, evidence: Option<&str>) -> Result<ConsentProof> {
    let text = |name: &str, v: Option<&str>, max: usize| -> Result<Option<String>> {
        match v.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => short_text(&format!("{field}.{name}"), v, max).map(Some),
        }
    };
    Ok(ConsentProof {
        source: text("source", source, 255)?,
        wording: text("wording", wording, 2000)?,
        evidence_ref: text("evidenceRef", evidence, 500)?,
    })
}

/// An expiry must come after the time it counts from.
pub fn check_expiry(field: &str, from: DateTime<Utc>, expires_at: Option<DateTime<Utc>>) -> Result<()> {
    match expires_at {
        Some(e) if e <= from => Err(Error::bad_input(field, "an expiry must be after the time it counts from")),
        _ => Ok(()),
    }
}
