//! Every write records who, when, in which operation, about which profile and which fields
//! changed (never a value), in the transaction of the write: a refused write leaves no entry.

use super::*;
use crate::api::fixtures::RAW_PII;

on_both_databases!(
    every_write_to_a_profile_is_recorded_with_the_fields_it_changed,
    catalogue_changes_are_recorded_without_a_profile,
    a_refused_write_records_nothing,
);

async fn every_write_to_a_profile_is_recorded_with_the_fields_it_changed(app: &TestApp) {
    app.define_attribute(json!({ "key": "account_number", "type": "STRING", "pii": true })).await;
    let vip = app.create_label("VIP").await;
    let id = app
        .create_customer(json!({
            "displayName": "Ayesha Khan",
            "identities": [{ "channel": "PHONE", "value": "+923001234567" }],
            "attributes": [{ "key": "account_number", "value": "PK-ACC-99812" }],
            "preferences": { "language": "ur-pk", "consents": [{ "channel": "SMS", "status": "OPT_IN" }] }
        }))
        .await;
    app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "Ayesha K." } })).await;
    let added = app
        .admin(
            ADD_CHANNEL_IDENTITY,
            json!({ "customerId": id, "identity": { "channel": "EMAIL", "value": "ayesha.khan@example.com" } }),
        )
        .await;
    let email = added["addChannelIdentity"]["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["value"] == "ayesha.khan@example.com")
        .map(id_of)
        .expect("the new identity");
    app.admin("mutation($i: ID!) { setIdentityShared(identityId: $i, shared: true) { id } }", json!({ "i": email }))
        .await;
    app.admin("mutation($i: ID!) { removeChannelIdentity(identityId: $i) { id } }", json!({ "i": email })).await;
    app.admin(
        SET_PREFERENCES,
        json!({ "customerId": id, "input": { "doNotContact": true, "consents": [{ "channel": "EMAIL", "status": "OPT_OUT" }] } }),
    )
    .await;
    app.admin(SET_ATTRIBUTES, json!({ "customerId": id, "attributes": [{ "key": "account_number", "value": "X-1" }] }))
        .await;
    app.admin(ASSIGN_LABELS, json!({ "customerId": id, "labelIds": [vip] })).await;
    app.admin(UNASSIGN_LABELS, json!({ "customerId": id, "labelIds": [vip] })).await;
    app.link(&id, conversation("conv-1", "2026-11-01T10:00:00Z")).await;

    assert_eq!(
        changes(app, &id).await,
        [
            "customer.create",
            "customer.update",
            "identity.add",
            "identity.share",
            "identity.remove",
            "preferences.set",
            "attributes.set",
            "labels.assign",
            "labels.unassign",
            "interaction.link"
        ]
    );
    let all = entries(app, json!({ "customerId": id })).await;
    let fields_of =
        |action: &str| all.iter().find(|e| e["action"] == action).map(|e| e["fields"].clone()).expect("an entry");
    assert_eq!(
        fields_of("customer.create"),
        json!([
            "displayName",
            "identities.PHONE",
            "attributes.account_number",
            "preferences.language",
            "preferences.consents.SMS"
        ])
    );
    assert_eq!(fields_of("customer.update"), json!(["displayName"]));
    assert_eq!(fields_of("preferences.set"), json!(["preferences.doNotContact", "preferences.consents.EMAIL"]));
    assert_eq!(fields_of("attributes.set"), json!(["attributes.account_number"]));
    assert!(all.iter().all(|e| e["principal"] == "agent-007"));
    let text = serde_json::to_string(&all).unwrap().to_lowercase();
    for raw in RAW_PII.iter().chain(&["ayesha k.", "x-1"]) {
        assert!(!text.contains(&raw.to_lowercase()), "{raw:?} in the audit log");
    }
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

async fn catalogue_changes_are_recorded_without_a_profile(app: &TestApp) {
    let label = app.create_label("VIP").await;
    app.admin(UPDATE_LABEL, json!({ "id": label, "input": { "name": "Gold" } })).await;
    app.admin(DELETE_LABEL, json!({ "id": label })).await;
    app.define_attribute(json!({ "key": "tier", "type": "STRING" })).await;

    let mut actions: Vec<(String, String, Value)> = entries(app, json!({}))
        .await
        .into_iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["entityId"].as_str().unwrap().to_owned(),
                e["customerId"].clone(),
            )
        })
        .collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            ("label.create".to_owned(), label.clone(), Value::Null),
            ("label.update".to_owned(), label.clone(), Value::Null),
            ("label.delete".to_owned(), label.clone(), Value::Null),
            ("attribute.define".to_owned(), "tier".to_owned(), Value::Null),
        ]
    );
}

async fn a_refused_write_records_nothing(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    let before = app.count_rows("audit_log").await;

    let stale =
        app.attempt(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "X" }, "expectedVersion": 99 })).await;
    let unknown = app.attempt(ASSIGN_LABELS, json!({ "customerId": id, "labelIds": [missing_id()] })).await;
    let bad = app
        .attempt(
            ADD_CHANNEL_IDENTITY,
            json!({ "customerId": id, "identity": { "channel": "EMAIL", "value": "not-an-email" } }),
        )
        .await;

    assert_eq!(error_codes(&stale), ["CONFLICT"], "{stale:#}");
    assert_eq!(error_codes(&unknown), ["NOT_FOUND"], "{unknown:#}");
    assert_eq!(error_codes(&bad), ["BAD_USER_INPUT"], "{bad:#}");
    assert_eq!(app.count_rows("audit_log").await, before);
}
