//! Inputs of outbound compliance and their parsing into domain commands.

use crate::domain::contactability::commands::{NewConsent, NewList, NewSuppression, RawEntry, proof};
use crate::domain::contactability::consent::ANY_PURPOSE;
use crate::domain::contactability::policy::{Policy, check_name};
use crate::domain::enums::ConsentStatus;
use crate::domain::id::{CustomerId, IdentityId};
use crate::domain::text::{Located, at_most, short_text};
use crate::domain::{Channel, Error, Result};
use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};

/// A consent given or withdrawn, with its proof.
#[derive(InputObject, Clone, Debug)]
pub struct ConsentInput {
    /// The profile.
    pub customer_id: ID,
    /// The channel the consent is for.
    pub channel: Channel,
    /// The number or address it is for (one of the customer's identities that serves `channel`); omitted:
    /// channel-wide.
    pub identity_id: Option<ID>,
    /// `marketing`, `service`, `collections`, a purpose of the configured policy, or `*` for every purpose.
    pub purpose: String,
    /// OPT_IN, OPT_OUT or UNKNOWN.
    pub status: ConsentStatus,
    /// Where it was given (`web-form`, `ivr`, `agent`): up to 255 characters.
    pub source: Option<String>,
    /// The wording shown, or its version: up to 2,000 characters.
    pub wording: Option<String>,
    /// Where the evidence is (recording id, signed form, log entry): up to 500 characters.
    pub evidence_ref: Option<String>,
    /// When it was given; omitted: now. Never in the future.
    pub given_at: Option<DateTime<Utc>>,
    /// When it stops counting; omitted: never. After `givenAt`.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A do-not-contact of one customer.
#[derive(InputObject, Clone, Debug)]
pub struct SuppressionInput {
    /// The profile.
    pub customer_id: ID,
    /// The channel; omitted: every channel.
    pub channel: Option<Channel>,
    /// The purpose; omitted: every purpose.
    pub purpose: Option<String>,
    /// Why (1–255 characters; no personal data: it is shown in decisions).
    pub reason: String,
    /// When it ends by itself; omitted: never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A new suppression list.
#[derive(InputObject, Clone, Debug)]
pub struct SuppressionListInput {
    /// A unique name (1–120 characters): `national-dnc`, `litigators`.
    pub name: String,
    /// Why its entries are not contacted (1–255 characters; shown in decisions).
    pub reason: String,
    /// The purposes it applies to; omitted or empty: every purpose.
    pub purposes: Option<Vec<String>>,
}

/// A number or address for a suppression list.
#[derive(InputObject, Clone, Debug)]
pub struct SuppressionEntryInput {
    /// The channel; it decides how `value` is normalised. A phone number matches every channel that reaches phone
    /// numbers.
    pub channel: Channel,
    /// PII. The number or address, in any common format; only its blind index is stored.
    pub value: String,
    /// When the entry stops counting; omitted: never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The most entries one call adds (a bigger register is loaded in several calls).
pub const MAX_ENTRIES: usize = 10_000;

fn purpose_name(policy: &Policy, field: &str, raw: &str) -> Result<String> {
    if raw.trim() == ANY_PURPOSE {
        return Ok(ANY_PURPOSE.to_owned());
    }
    Ok(policy.purpose(field, raw)?.name.clone())
}

impl ConsentInput {
    pub fn parse(self, policy: &Policy) -> Result<NewConsent> {
        let identity_id = match &self.identity_id {
            None => None,
            Some(id) => Some(Located::new("input.identityId", IdentityId::parse("input.identityId", id)?)),
        };
        Ok(NewConsent {
            customer_id: CustomerId::parse("input.customerId", &self.customer_id)?,
            channel: self.channel,
            identity_id,
            purpose: purpose_name(policy, "input.purpose", &self.purpose)?,
            status: self.status,
            proof: proof("input", self.source.as_deref(), self.wording.as_deref(), self.evidence_ref.as_deref())?,
            given_at: self.given_at,
            expires_at: self.expires_at,
        })
    }
}

impl SuppressionInput {
    pub fn parse(self, policy: &Policy) -> Result<NewSuppression> {
        let purpose = self.purpose.as_deref().map(|p| purpose_name(policy, "input.purpose", p)).transpose()?;
        Ok(NewSuppression {
            customer_id: CustomerId::parse("input.customerId", &self.customer_id)?,
            channel: self.channel,
            purpose: purpose.filter(|p| p != ANY_PURPOSE),
            reason: short_text("input.reason", &self.reason, 255)?,
            expires_at: self.expires_at,
        })
    }
}

impl SuppressionListInput {
    pub fn parse(self, policy: &Policy) -> Result<NewList> {
        let mut purposes = Vec::new();
        for (i, p) in self.purposes.unwrap_or_default().iter().enumerate() {
            let field = format!("input.purposes.{i}");
            let name = policy.purpose(&field, p)?.name.clone();
            check_name(&name).map_err(|e| Error::bad_input(&field, e))?;
            if !purposes.contains(&name) {
                purposes.push(name);
            }
        }
        Ok(NewList {
            name: short_text("input.name", &self.name, 120)?,
            reason: short_text("input.reason", &self.reason, 255)?,
            purposes,
        })
    }
}

/// Parse the entries given at `field`.
pub fn suppression_entries(field: &str, entries: Vec<SuppressionEntryInput>) -> Result<Vec<Located<RawEntry>>> {
    at_most(field, &entries, MAX_ENTRIES)?;
    Ok(entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            Located::new(
                format!("{field}.{i}"),
                RawEntry { channel: e.channel, value: e.value, expires_at: e.expires_at },
            )
        })
        .collect())
}
