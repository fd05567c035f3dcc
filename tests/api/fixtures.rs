//! A fully populated profile, as AgentDesk would see it.

use crate::common::*;
use serde_json::{Value, json};

pub const CUSTOMER_360: &str = include_str!("../operations/customer360.graphql");
pub const CUSTOMER: &str = include_str!("../operations/customer.graphql");

/// The PII of the fixture, which must never reach a caller without `pii:read`.
pub const RAW_PII: [&str; 6] =
    ["Ayesha Khan", "+923001234567", "ayesha.khan@example.com", "1988-04-12", "PK-ACC-99812", "ayesha"];

pub async fn define_schema(app: &TestApp) {
    app.define_attribute(json!({ "key": "tier", "type": "ENUM", "enumValues": ["bronze", "silver", "gold"] })).await;
    app.define_attribute(json!({ "key": "lifetime_value", "type": "NUMBER" })).await;
    app.define_attribute(json!({ "key": "date_of_birth", "type": "DATE", "pii": true })).await;
    app.define_attribute(json!({ "key": "account_number", "type": "STRING", "pii": true })).await;
}

/// Create one complete profile (identities in untidy formats, labels, preferences,
/// attributes, a CRM link) with `n` interactions. Returns its id.
pub async fn full_customer(app: &TestApp, n: usize, label_ids: &[String], interactions: usize) -> String {
    let id = app
        .create_customer(json!({
            "displayName": if n == 0 { "Ayesha Khan".to_owned() } else { format!("Customer {n}") },
            "identities": [
                { "channel": "PHONE", "value": if n == 0 { "0300 1234567".to_owned() } else { format!("+44 7911 {:06}", 100000 + n) }, "verified": true, "primary": true },
                { "channel": "EMAIL", "value": if n == 0 { " Ayesha.Khan@Example.com ".to_owned() } else { format!("c{n}@example.com") } },
                { "channel": "INSTAGRAM", "value": "@Ayesha" }
            ],
            "labelIds": label_ids,
            "attributes": [
                { "key": "tier", "value": "gold" },
                { "key": "lifetime_value", "value": 18250.5 },
                { "key": "date_of_birth", "value": "1988-04-12" },
                { "key": "account_number", "value": "PK-ACC-99812" }
            ],
            "preferences": {
                "language": "ur-pk",
                "timezone": "Asia/Karachi",
                "preferredChannel": "PHONE",
                "preferredAgentId": "agent-42",
                "bestTimeToContact": [{ "days": ["MONDAY", "FRIDAY"], "start": "09:00", "end": "17:30" }],
                "doNotContact": false,
                "consents": [{ "channel": "SMS", "status": "OPT_IN", "source": "web-form" }]
            },
            "externalRefs": [{ "system": "Salesforce", "externalId": format!("003XYZ{n}") }]
        }))
        .await;
    let data = app.admin(CUSTOMER, json!({ "id": id })).await;
    let phone_id = data["customer"]["identities"][0]["id"].clone();
    app.admin(
        "mutation($c: ID!, $p: ID!) { setPreferences(customerId: $c, input: { preferredIdentityId: $p }) { id } }",
        json!({ "c": id, "p": phone_id }),
    )
    .await;
    for i in 0..interactions {
        link(app, &id, &format!("conv-{n}-{i}"), &format!("2026-11-{:02}T10:00:00Z", 1 + i % 28), "PHONE").await;
    }
    id
}

pub async fn link(app: &TestApp, customer_id: &str, conversation_id: &str, started_at: &str, channel: &str) -> Value {
    let data = app
        .admin(
            "mutation($c: ID!, $i: InteractionInput!) { linkInteraction(customerId: $c, interaction: $i) { id } }",
            json!({ "c": customer_id, "i": {
                "conversationId": conversation_id, "kind": "CONVERSATION", "channel": channel, "direction": "INBOUND",
                "startedAt": started_at, "summary": "Billing question", "agentId": "agent-42"
            } }),
        )
        .await;
    data["linkInteraction"].clone()
}
