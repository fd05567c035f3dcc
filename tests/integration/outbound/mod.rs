//! Outbound compliance through the API (issue 13): consent records with proof, suppression
//! and suppression lists, calling hours and caps, and decisions for many customers at once.

mod batch;
mod cli;
mod consents;
mod suppression;

use crate::common::*;
use serde_json::{Value, json};

pub const CONTACTABILITY_OF: &str = "query($ids: [ID!]!, $purpose: String!, $at: DateTime, $record: Boolean) {
  contactabilityOf(customerIds: $ids, purpose: $purpose, at: $at, record: $record) {
    customerId allowed reasons codes channel identity { id value } nextWindowStart evidenceId
  }
}";

pub const RECORD_CONSENT: &str = "mutation($input: ConsentInput!) {
  recordConsent(input: $input) { id channel identityId purpose status source wording evidenceRef principal givenAt expiresAt recordedAt }
}";

/// A Tuesday: 11:00 in London (BST), 15:00 in Karachi, 06:00 in New York.
pub const TUESDAY: &str = "2026-06-02T10:00:00Z";

/// A customer with one verified UK mobile number and no timezone.
pub async fn uk_customer(app: &TestApp) -> String {
    app.create_customer(
        json!({ "identities": [{ "channel": "PHONE", "value": "+447400123456", "verified": true, "primary": true }] }),
    )
    .await
}

/// The decision for one customer through `contactabilityOf`.
pub async fn decide(app: &TestApp, id: &str, purpose: &str, at: &str) -> Value {
    let body = app.admin(CONTACTABILITY_OF, json!({ "ids": [id], "purpose": purpose, "at": at })).await;
    body["contactabilityOf"][0].clone()
}

pub fn has_code(decision: &Value, code: &str) -> bool {
    decision["codes"].as_array().is_some_and(|codes| codes.iter().any(|c| c == code))
}
