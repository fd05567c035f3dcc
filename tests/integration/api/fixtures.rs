//! A fully populated profile, as AgentDesk would see it.

use crate::common::*;
use serde_json::json;

/// The PII of the fixture, which must never reach a caller without `pii:read`.
pub const RAW_PII: [&str; 6] =
    ["Ayesha Khan", "+923001234567", "ayesha.khan@example.com", "1988-04-12", "PK-ACC-99812", "ayesha"];

/// Asserts that no PII string of the fixture appears anywhere in a response.
pub fn assert_no_raw_pii(body: &serde_json::Value) {
    let text = body.to_string().to_lowercase();
    for raw in RAW_PII {
        assert!(!text.contains(&raw.to_lowercase()), "{raw:?} leaked in {body:#}");
    }
}

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
    let phone_id = app.identity_id(&id, "PHONE").await;
    app.admin(SET_PREFERENCES, json!({ "customerId": id, "input": { "preferredIdentityId": phone_id } })).await;
    for i in 0..interactions {
        let mut call = conversation(&format!("conv-{n}-{i}"), &format!("2026-11-{:02}T10:00:00Z", 1 + i % 28));
        call["channel"] = json!("PHONE");
        call["summary"] = json!("Billing question");
        call["agentId"] = json!("agent-42");
        app.link(&id, call).await;
    }
    id
}
