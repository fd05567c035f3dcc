//! Changing the PII classification of an attribute.

use super::*;

const DEFINE: &str = "mutation($input: AttributeDefinitionInput!) { defineAttribute(input: $input) { key pii } }";

/// Reclassifying needs `privacy:admin` on top of `schema:manage`; turning PII off needs an
/// explicit confirmation; the stored values are re-sealed (or opened) and the change is audited.
async fn reclassifying_an_attribute_needs_privacy_admin_and_turning_pii_off_a_confirmation(app: &TestApp) {
    app.define_attribute(json!({ "key": "nickname", "type": "STRING" })).await;
    let id = person(app, "Alice Archer", "+923001170001").await;
    app.admin(
        SET_ATTRIBUTES,
        json!({ "customerId": id, "attributes": [{ "key": "nickname", "value": "zebra-nick" }] }),
    )
    .await;
    let stored = || column(app, "SELECT value FROM customer_attributes WHERE key = 'nickname'");
    assert_eq!(stored().await, ["\"zebra-nick\""]);

    let schema_only = all_scopes_but("privacy:admin");
    let body = app
        .as_scopes(&schema_only, DEFINE, json!({ "input": { "key": "nickname", "type": "STRING", "pii": true } }))
        .await;
    assert_error(&body, "FORBIDDEN", "input.pii");
    let relabel = app
        .as_scopes(&schema_only, DEFINE, json!({ "input": { "key": "nickname", "type": "STRING", "label": "Nick" } }))
        .await;
    assert!(relabel.get("errors").is_none(), "other changes need schema:manage only: {relabel}");

    app.admin(DEFINE, json!({ "input": { "key": "nickname", "type": "STRING", "pii": true } })).await;
    let sealed = stored().await;
    assert!(sealed[0].starts_with("v2:") && !sealed[0].contains("zebra"), "{sealed:?}");

    let body = app.attempt(DEFINE, json!({ "input": { "key": "nickname", "type": "STRING", "pii": false } })).await;
    assert_error(&body, "BAD_USER_INPUT", "input.confirmPiiRemoval");
    assert_eq!(stored().await, sealed, "nothing changed");
    app.admin(
        DEFINE,
        json!({ "input": { "key": "nickname", "type": "STRING", "pii": false, "confirmPiiRemoval": true } }),
    )
    .await;
    assert_eq!(stored().await, ["\"zebra-nick\""]);

    let log = app.admin(AUDIT_LOG, json!({ "action": "attribute.classify", "first": 10 })).await;
    let entries = log["auditLog"]["edges"].as_array().expect("edges").clone();
    assert_eq!(entries.len(), 2, "both reclassifications are audited: {log}");
}

on_both_databases!(reclassifying_an_attribute_needs_privacy_admin_and_turning_pii_off_a_confirmation);
