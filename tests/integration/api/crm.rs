//! CRM connectors: `upsertCustomerByExternalRef` keeps one profile per CRM record.

use crate::common::*;
use serde_json::{Value, json};

async fn upsert(app: &TestApp, external_id: &str, input: Value) -> Value {
    let variables = json!({ "ref": { "system": "Salesforce", "externalId": external_id }, "input": input });
    app.admin(UPSERT_CUSTOMER_BY_EXTERNAL_REF, variables).await["upsertCustomerByExternalRef"].clone()
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
    let assignment = app.sql_strings("SELECT source FROM customer_labels", &["source"]).await;
    assert_eq!(assignment, Some(vec!["CRM".to_owned()]), "a synced assignment says where it came from");

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

async fn a_bad_reference_is_bad_input_and_writes_nothing(app: &TestApp) {
    let body = app
        .attempt(
            UPSERT_CUSTOMER_BY_EXTERNAL_REF,
            json!({ "ref": { "system": " ", "externalId": "1" }, "input": { "displayName": "X" } }),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", "ref.system");
    assert_eq!(app.count_rows("customers").await, 0);
    let variables = json!({ "ref": { "system": "crm", "externalId": "1" }, "input": {} });
    let forbidden = app.as_scopes("customers:read", UPSERT_CUSTOMER_BY_EXTERNAL_REF, variables).await;
    assert_eq!(error_codes(&forbidden), ["FORBIDDEN"]);
}

on_both_databases!(
    a_crm_record_creates_one_profile_and_later_syncs_update_it,
    a_bad_reference_is_bad_input_and_writes_nothing,
);
