//! Attribute values: validated against their definitions on every write, all or nothing.

use super::EVERY_TYPE;
use crate::common::*;
use serde_json::{Value, json};

/// Set attributes of a customer, as the variables of `setAttributes`.
fn set(customer: &str, attributes: Value) -> Value {
    json!({ "customerId": customer, "attributes": attributes })
}

async fn define_every_type(app: &TestApp) {
    for (key, kind) in EVERY_TYPE {
        app.define_attribute(json!({ "key": key, "type": kind })).await;
    }
    app.define_attribute(json!({ "key": "tier", "type": "ENUM", "enumValues": ["gold", "silver"] })).await;
}

/// `key → value` of a customer's attributes (optionally only some keys).
async fn values(app: &TestApp, id: &str, keys: Option<&[&str]>) -> Value {
    let data = app.admin(CUSTOMER_ATTRIBUTES, json!({ "id": id, "keys": keys })).await;
    let pairs = data["customer"]["attributes"].as_array().unwrap().iter();
    Value::Object(pairs.map(|a| (a["key"].as_str().unwrap().to_owned(), a["value"].clone())).collect())
}

async fn values_of_every_type_are_stored_and_read_back(app: &TestApp) {
    define_every_type(app).await;
    let customer = app.create_customer(json!({})).await;
    let written = json!({
        "nickname": "Jo", "lifetime_value": 1234.5, "vip": true, "birthday": "1990-02-28",
        "last_order_at": "2026-02-28T10:00:00+05:00", "tier": "gold",
        "crm_payload": { "segments": ["b2b", 7], "owner": null, "nested": { "ok": false } }
    });
    let input: Vec<Value> = written.as_object().unwrap().iter().map(|(k, v)| json!({ "key": k, "value": v })).collect();

    let data = app.admin(SET_ATTRIBUTES, set(&customer, json!(input))).await;

    for a in data["setAttributes"]["attributes"].as_array().unwrap() {
        assert_eq!((a["pii"].clone(), a["redacted"].clone()), (json!(false), json!(false)), "{a}");
    }
    let mut stored = written.clone();
    // Date-times are stored in UTC, so that the same instant compares equal in filters.
    stored["last_order_at"] = json!("2026-02-28T05:00:00Z");
    assert_eq!(values(app, &customer, None).await, stored);
    assert_eq!(
        values(app, &customer, Some(&["tier", "vip", "undefined_key"])).await,
        json!({ "tier": "gold", "vip": true })
    );
}

async fn setting_an_attribute_again_replaces_its_value(app: &TestApp) {
    define_every_type(app).await;
    let customer = app.create_customer(json!({ "attributes": [{ "key": "tier", "value": "silver" }] })).await;

    app.admin(SET_ATTRIBUTES, set(&customer, json!([{ "key": "tier", "value": "gold" }]))).await;

    assert_eq!(values(app, &customer, None).await, json!({ "tier": "gold" }));
    assert_eq!(app.count_rows("customer_attributes").await, 1);
}

async fn a_value_of_the_wrong_type_is_rejected_and_nothing_is_written(app: &TestApp) {
    define_every_type(app).await;
    let customer = app.create_customer(json!({ "attributes": [{ "key": "lifetime_value", "value": 10 }] })).await;
    let before = app.version(&customer).await;
    let wrong = [
        ("nickname", json!(12)),
        ("lifetime_value", json!("12")),
        ("vip", json!("true")),
        ("birthday", json!("2026-02-30")),
        ("last_order_at", json!("2026-02-28 10:00")),
        ("tier", json!("bronze")),
    ];
    for (key, value) in wrong {
        // A valid value first: it must not be written either.
        let attrs = json!([{ "key": "lifetime_value", "value": 99 }, { "key": key, "value": value }]);
        let attrs = if key == "lifetime_value" { json!([{ "key": key, "value": value }]) } else { attrs };
        let index = attrs.as_array().unwrap().len() - 1;

        let body = app.attempt(SET_ATTRIBUTES, set(&customer, attrs)).await;

        assert_error(&body, "BAD_USER_INPUT", &format!("attributes.{index}.value"));
    }
    assert_eq!(values(app, &customer, None).await, json!({ "lifetime_value": 10 }));
    assert_eq!(app.version(&customer).await, before);
}

async fn an_unknown_key_is_bad_user_input_on_that_key(app: &TestApp) {
    define_every_type(app).await;
    let customer = app.create_customer(json!({})).await;

    let attrs = json!([{ "key": "vip", "value": true }, { "key": "shoe_size", "value": 42 }]);
    let body = app.attempt(SET_ATTRIBUTES, set(&customer, attrs)).await;

    assert_error(&body, "BAD_USER_INPUT", "attributes.1.key");
    assert_eq!(app.count_rows("customer_attributes").await, 0);
}

async fn setting_the_same_attribute_twice_in_one_call_is_bad_user_input(app: &TestApp) {
    define_every_type(app).await;
    let customer = app.create_customer(json!({})).await;

    let attrs = json!([{ "key": "tier", "value": "gold" }, { "key": "tier", "value": "silver" }]);
    let body = app.attempt(SET_ATTRIBUTES, set(&customer, attrs)).await;

    assert_error(&body, "BAD_USER_INPUT", "attributes.1.key");
    assert_eq!(app.count_rows("customer_attributes").await, 0);
}

async fn a_null_value_removes_the_attribute(app: &TestApp) {
    define_every_type(app).await;
    let attrs = json!([{ "key": "vip", "value": false }, { "key": "nickname", "value": "Jo" }]);
    let customer = app.create_customer(json!({ "attributes": attrs })).await;

    let data = app.admin(SET_ATTRIBUTES, set(&customer, json!([{ "key": "vip", "value": null }]))).await;

    assert_eq!(strings(&data["setAttributes"]["attributes"], "key"), ["nickname"]);
    assert_eq!(values(app, &customer, None).await, json!({ "nickname": "Jo" }));
    // Removing what is not there is not an error.
    app.admin(SET_ATTRIBUTES, set(&customer, json!([{ "key": "vip", "value": null }]))).await;
}

async fn removing_a_required_attribute_is_bad_user_input(app: &TestApp) {
    app.define_attribute(json!({ "key": "account_no", "type": "STRING", "required": true })).await;
    let customer = app.create_customer(json!({ "attributes": [{ "key": "account_no", "value": "AC-1" }] })).await;

    let body = app.attempt(SET_ATTRIBUTES, set(&customer, json!([{ "key": "account_no", "value": null }]))).await;

    assert_error(&body, "BAD_USER_INPUT", "attributes.0.value");
    assert_eq!(values(app, &customer, None).await, json!({ "account_no": "AC-1" }));
}

async fn creating_a_customer_without_a_required_attribute_writes_nothing(app: &TestApp) {
    app.define_attribute(json!({ "key": "account_no", "type": "STRING", "required": true })).await;
    app.define_attribute(json!({ "key": "vip", "type": "BOOLEAN" })).await;
    let label = app.create_label("New").await;
    let input = json!({
        "displayName": "Ayesha Khan",
        "identities": [{ "channel": "EMAIL", "value": "ayesha@example.com" }],
        "attributes": [{ "key": "vip", "value": true }],
        "labelIds": [label],
    });

    let body = app.attempt(CREATE_CUSTOMER, json!({ "input": input })).await;

    assert_error(&body, "BAD_USER_INPUT", "input.attributes");
    for table in ["customers", "channel_identities", "customer_attributes", "customer_labels"] {
        assert_eq!(app.count_rows(table).await, 0, "{table}");
    }
    let with_it = json!({ "attributes": [{ "key": "account_no", "value": "AC-9" }] });
    let id = app.create_customer(with_it).await;
    assert_eq!(values(app, &id, None).await, json!({ "account_no": "AC-9" }));
}

on_both_databases!(
    values_of_every_type_are_stored_and_read_back,
    setting_an_attribute_again_replaces_its_value,
    a_value_of_the_wrong_type_is_rejected_and_nothing_is_written,
    an_unknown_key_is_bad_user_input_on_that_key,
    setting_the_same_attribute_twice_in_one_call_is_bad_user_input,
    a_null_value_removes_the_attribute,
    removing_a_required_attribute_is_bad_user_input,
    creating_a_customer_without_a_required_attribute_writes_nothing,
);
