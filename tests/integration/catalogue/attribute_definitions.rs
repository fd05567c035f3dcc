//! The attribute schema: definitions of every type, and the rules for changing them.

use super::EVERY_TYPE;
use crate::common::*;
use serde_json::{Value, json};

/// The definitions, sorted by key (the contract does not fix their order).
async fn definitions(app: &TestApp) -> Vec<Value> {
    let mut defs =
        app.admin(ATTRIBUTE_DEFINITIONS, json!({})).await["attributeDefinitions"].as_array().unwrap().clone();
    defs.sort_by_key(|d| d["key"].as_str().unwrap().to_owned());
    defs
}

async fn definition_of(app: &TestApp, key: &str) -> Value {
    definitions(app).await.into_iter().find(|d| d["key"] == key).unwrap_or_else(|| panic!("{key} is not defined"))
}

async fn attributes_of_every_type_can_be_defined(app: &TestApp) {
    let tier = json!({ "key": "tier", "label": " Tier ", "type": "ENUM", "enumValues": ["gold", "silver"] });
    let defined = app.admin(DEFINE_ATTRIBUTE, json!({ "input": tier })).await;
    assert_eq!(
        defined["defineAttribute"],
        json!({ "key": "tier", "label": "Tier", "type": "ENUM", "pii": false, "required": false, "enumValues": ["gold", "silver"] })
    );
    for (key, kind) in EVERY_TYPE {
        app.define_attribute(json!({ "key": key, "type": kind, "pii": key == "birthday", "required": key == "vip" }))
            .await;
    }

    let summary: Vec<(String, String, bool, bool, Value)> = definitions(app)
        .await
        .iter()
        .map(|d| {
            let text = |f: &str| d[f].as_str().unwrap().to_owned();
            (text("key"), text("type"), d["pii"] == true, d["required"] == true, d["enumValues"].clone())
        })
        .collect();
    let row = |k: &str, t: &str, pii, required, enums| (k.to_owned(), t.to_owned(), pii, required, enums);
    assert_eq!(
        summary,
        [
            row("birthday", "DATE", true, false, Value::Null),
            row("crm_payload", "JSON", false, false, Value::Null),
            row("last_order_at", "DATETIME", false, false, Value::Null),
            row("lifetime_value", "NUMBER", false, false, Value::Null),
            row("nickname", "STRING", false, false, Value::Null),
            row("tier", "ENUM", false, false, json!(["gold", "silver"])),
            row("vip", "BOOLEAN", false, true, Value::Null),
        ]
    );
}

async fn changing_the_type_of_an_attribute_that_has_values_is_a_conflict(app: &TestApp) {
    app.define_attribute(json!({ "key": "lifetime_value", "type": "NUMBER" })).await;
    let customer = app.create_customer(json!({ "attributes": [{ "key": "lifetime_value", "value": 1250 }] })).await;

    let body = app.attempt(DEFINE_ATTRIBUTE, json!({ "input": { "key": "lifetime_value", "type": "BOOLEAN" } })).await;

    assert_eq!(error_codes(&body), ["CONFLICT"], "{body:#}");
    assert_eq!(definition_of(app, "lifetime_value").await["type"], "NUMBER");
    let attrs = customer_attributes(app, &customer).await;
    assert_eq!(attrs, json!([{ "key": "lifetime_value", "value": 1250 }]));
}

async fn removing_an_enum_value_still_in_use_is_a_conflict(app: &TestApp) {
    app.define_attribute(json!({ "key": "tier", "type": "ENUM", "enumValues": ["gold", "silver"] })).await;
    app.create_customer(json!({ "attributes": [{ "key": "tier", "value": "silver" }] })).await;

    let narrower = json!({ "key": "tier", "type": "ENUM", "enumValues": ["gold", "platinum"] });
    let body = app.attempt(DEFINE_ATTRIBUTE, json!({ "input": narrower })).await;

    assert_eq!(error_codes(&body), ["CONFLICT"], "{body:#}");
    assert_eq!(definition_of(app, "tier").await["enumValues"], json!(["gold", "silver"]));
}

async fn changing_the_type_of_an_attribute_without_values_is_allowed(app: &TestApp) {
    app.define_attribute(json!({ "key": "account_no", "type": "NUMBER" })).await;
    // A value that was set and removed again leaves nothing behind to protect.
    let customer = app.create_customer(json!({ "attributes": [{ "key": "account_no", "value": 42 }] })).await;
    app.admin(
        SET_ATTRIBUTES,
        json!({ "customerId": customer, "attributes": [{ "key": "account_no", "value": null }] }),
    )
    .await;

    let account = json!({ "key": "account_no", "type": "STRING", "label": "Account" });
    let redefined = app.admin(DEFINE_ATTRIBUTE, json!({ "input": account })).await;

    assert_eq!(redefined["defineAttribute"]["type"], "STRING");
    assert_eq!(definition_of(app, "account_no").await["label"], "Account");
    let attributes = json!([{ "key": "account_no", "value": "AC-0042" }]);
    app.admin(SET_ATTRIBUTES, json!({ "customerId": customer, "attributes": attributes })).await;
    assert_eq!(customer_attributes(app, &customer).await, json!([{ "key": "account_no", "value": "AC-0042" }]));
}

async fn an_enum_without_enum_values_is_bad_user_input(app: &TestApp) {
    let body = app.attempt(DEFINE_ATTRIBUTE, json!({ "input": { "key": "tier", "type": "ENUM" } })).await;

    assert_error(&body, "BAD_USER_INPUT", "input.enumValues");
    assert_eq!(definitions(app).await, Vec::<Value>::new());
}

async fn a_key_that_is_not_an_identifier_is_bad_user_input(app: &TestApp) {
    // Upper case is allowed since issue 12 (`renewalDate`): see `attribute_keys`.
    for key in ["Lifetime Value", "lifetime-value", "9lives", "", "_tier"] {
        let body = app.attempt(DEFINE_ATTRIBUTE, json!({ "input": { "key": key, "type": "STRING" } })).await;
        assert_error(&body, "BAD_USER_INPUT", "input.key");
    }
    assert_eq!(app.count_rows("attribute_definitions").await, 0);
}

async fn customer_attributes(app: &TestApp, id: &str) -> Value {
    app.customer(id, "attributes { key value }").await["attributes"].clone()
}

on_both_databases!(
    attributes_of_every_type_can_be_defined,
    changing_the_type_of_an_attribute_that_has_values_is_a_conflict,
    removing_an_enum_value_still_in_use_is_a_conflict,
    changing_the_type_of_an_attribute_without_values_is_allowed,
    an_enum_without_enum_values_is_bad_user_input,
    a_key_that_is_not_an_identifier_is_bad_user_input,
);
