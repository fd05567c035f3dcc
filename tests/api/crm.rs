//! CRM connectors: `upsertCustomerByExternalRef` keeps one profile per CRM record.

use crate::common::*;
use serde_json::{Value, json};

const UPSERT: &str = "mutation($r: ExternalRefInput!, $i: CreateCustomerInput!) {
  upsertCustomerByExternalRef(ref: $r, input: $i) {
    id displayName version identities { value } externalRefs { system externalId } attributes { key value } labels { name source } } }";

async fn upsert(app: &TestApp, external_id: &str, input: Value) -> Value {
    app.admin(UPSERT, json!({ "r": { "system": "Salesforce", "externalId": external_id }, "i": input })).await
        ["upsertCustomerByExternalRef"]
        .clone()
}

async fn a_crm_record_creates_one_profile_and_later_syncs_update_it(app: &TestApp) {
    app.define_attribute(json!({ "key": "segment", "type": "STRING" })).await;
    let gold = app.create_label("Gold").await;
    let created = upsert(
        app,
        "003A1",
        json!({ "displayName": "Jane Doe", "identities": [{ "channel": "EMAIL", "value": "jane@example.com" }],
                "attributes": [{ "key": "segment", "value": "smb" }], "labelIds": [gold] }),
    )
    .await;
    assert_eq!(created["externalRefs"], json!([{ "system": "salesforce", "externalId": "003A1" }]));
    assert_eq!(created["labels"], json!([{ "name": "Gold", "source": "MANUAL" }]), "the catalogue label itself");
    let assignment = {
        use sea_orm::{ConnectionTrait as _, Statement};
        let sql = "SELECT source FROM customer_labels";
        let row = app.store.db.query_one_raw(Statement::from_string(app.store.backend(), sql)).await.unwrap().unwrap();
        row.try_get::<String>("", "source").unwrap()
    };
    assert_eq!(assignment, "CRM", "a synced assignment says where it came from");

    let updated = upsert(
        app,
        "003A1",
        json!({ "displayName": "Jane Smith", "identities": [
                    { "channel": "EMAIL", "value": "JANE@example.com" },
                    { "channel": "PHONE", "value": "+447911123456" }
                ], "attributes": [{ "key": "segment", "value": "enterprise" }] }),
    )
    .await;
    assert_eq!(updated["id"], created["id"], "the same profile");
    assert_eq!(updated["displayName"], "Jane Smith");
    assert_eq!(updated["identities"], json!([{ "value": "jane@example.com" }, { "value": "+447911123456" }]));
    assert_eq!(updated["attributes"], json!([{ "key": "segment", "value": "enterprise" }]));
    assert_eq!(updated["version"], 2);

    let untouched = upsert(app, "003A1", json!({})).await;
    assert_eq!(untouched["displayName"], "Jane Smith", "an omitted name is kept on a known profile");
    assert_eq!(app.count_rows("customers").await, 1);
}

async fn concurrent_syncs_of_a_new_crm_record_create_one_profile(app: &TestApp) {
    let calls = (0..6).map(|n| upsert(app, "003RACE", json!({ "displayName": format!("Racer {n}") })));
    let results = futures_util::future::join_all(calls).await;
    let ids: std::collections::BTreeSet<&str> = results.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1, "{results:#?}");
    assert_eq!(app.count_rows("customers").await, 1);
    assert_eq!(app.count_rows("external_refs").await, 1);
}

async fn a_bad_reference_is_bad_input_and_writes_nothing(app: &TestApp) {
    let body = app
        .as_scopes(
            ALL_SCOPES,
            UPSERT,
            json!({ "r": { "system": " ", "externalId": "1" }, "i": { "displayName": "X" } }),
        )
        .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(error_field(&body).as_deref(), Some("ref.system"));
    assert_eq!(app.count_rows("customers").await, 0);
    let forbidden =
        app.as_scopes("customers:read", UPSERT, json!({ "r": { "system": "crm", "externalId": "1" }, "i": {} })).await;
    assert_eq!(error_codes(&forbidden), ["FORBIDDEN"]);
}

on_both_databases!(
    a_crm_record_creates_one_profile_and_later_syncs_update_it,
    concurrent_syncs_of_a_new_crm_record_create_one_profile,
    a_bad_reference_is_bad_input_and_writes_nothing,
);
