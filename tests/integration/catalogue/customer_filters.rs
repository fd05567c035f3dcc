//! `customers(filter: …)`: attribute equality on non-PII attributes, labels, status and
//! `updatedSince`.

use crate::common::*;
use chrono::FixedOffset;
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};

/// The ids listed under a filter, in listing order, checked against `totalCount`.
async fn listed(app: &TestApp, filter: Value) -> Vec<String> {
    let data = app.admin(CUSTOMERS, json!({ "filter": filter, "first": 100 })).await;
    let ids = node_ids(&data["customers"]);
    assert_eq!(data["customers"]["totalCount"], ids.len(), "totalCount under {filter}");
    ids
}

async fn with_attribute(app: &TestApp, key: &str, value: Value) -> String {
    app.create_customer(json!({ "attributes": [{ "key": key, "value": value }] })).await
}

async fn filtering_on_a_number_attribute_lists_the_customers_with_that_value(app: &TestApp) {
    app.define_attribute(json!({ "key": "lifetime_value", "type": "NUMBER" })).await;
    let hundred = with_attribute(app, "lifetime_value", json!(100)).await;
    with_attribute(app, "lifetime_value", json!(250)).await;
    let fraction = with_attribute(app, "lifetime_value", json!(99.5)).await;
    let hundred_again = with_attribute(app, "lifetime_value", json!(100)).await;
    app.create_customer(json!({})).await;

    assert_eq!(
        listed(app, json!({ "attribute": { "key": "lifetime_value", "value": 100 } })).await,
        [hundred.clone(), hundred_again]
    );
    assert_eq!(listed(app, json!({ "attribute": { "key": "lifetime_value", "value": 99.5 } })).await, [fraction]);
    assert_eq!(
        listed(app, json!({ "attribute": { "key": "lifetime_value", "value": 7 } })).await,
        Vec::<String>::new()
    );
}

async fn a_number_filter_matches_the_same_number_however_it_was_written(app: &TestApp) {
    app.define_attribute(json!({ "key": "lifetime_value", "type": "NUMBER" })).await;
    // A CRM connector in Python sends `100.0`; an agent's UI filters on `100`.
    let synced = with_attribute(app, "lifetime_value", json!(100.0)).await;
    let typed = with_attribute(app, "lifetime_value", json!(100)).await;

    let ids = listed(app, json!({ "attribute": { "key": "lifetime_value", "value": 100 } })).await;

    assert_eq!(
        ids,
        [synced, typed],
        "SERVICE BUG: 100 and 100.0 are the same JSON number, but the filter compares canonical JSON text"
    );
}

async fn filtering_on_string_and_boolean_attributes_is_exact(app: &TestApp) {
    app.define_attribute(json!({ "key": "segment", "type": "STRING" })).await;
    app.define_attribute(json!({ "key": "vip", "type": "BOOLEAN" })).await;
    let retail = with_attribute(app, "segment", json!("retail")).await;
    with_attribute(app, "segment", json!("Retail")).await;
    with_attribute(app, "segment", json!("retail banking")).await;
    let vip = with_attribute(app, "vip", json!(true)).await;
    let not_vip = with_attribute(app, "vip", json!(false)).await;

    assert_eq!(listed(app, json!({ "attribute": { "key": "segment", "value": "retail" } })).await, [retail]);
    assert_eq!(listed(app, json!({ "attribute": { "key": "vip", "value": true } })).await, [vip]);
    assert_eq!(listed(app, json!({ "attribute": { "key": "vip", "value": false } })).await, [not_vip]);
}

async fn filtering_on_a_pii_or_unknown_attribute_is_bad_user_input(app: &TestApp) {
    app.define_attribute(json!({ "key": "national_id", "type": "STRING", "pii": true })).await;
    with_attribute(app, "national_id", json!("35202-1234567-1")).await;

    for key in ["national_id", "no_such_key"] {
        let filter = json!({ "attribute": { "key": key, "value": "35202-1234567-1" } });
        let body = app.attempt(CUSTOMERS, json!({ "filter": filter })).await;
        assert_error(&body, "BAD_USER_INPUT", "filter.attribute.key");
        assert!(!body.to_string().contains("35202"), "nothing of the value comes back: {body}");
    }
}

async fn filtering_on_labels_lists_customers_carrying_all_of_them(app: &TestApp) {
    let a = app.create_label("A").await;
    let b = app.create_label("B").await;
    let c = app.create_label("C").await;
    app.create_customer(json!({ "labelIds": [a] })).await;
    let both = app.create_customer(json!({ "labelIds": [a, b] })).await;
    app.create_customer(json!({ "labelIds": [b] })).await;
    let all_three = app.create_customer(json!({ "labelIds": [c, b, a] })).await;
    app.create_customer(json!({})).await;

    assert_eq!(listed(app, json!({ "labelIds": [b, a] })).await, [both.clone(), all_three.clone()]);
    assert_eq!(listed(app, json!({ "labelIds": [c] })).await, [all_three]);
    assert_eq!(listed(app, json!({ "labelIds": [a, missing_id()] })).await, Vec::<String>::new());
}

async fn a_malformed_label_id_in_a_filter_is_bad_user_input(app: &TestApp) {
    let a = app.create_label("A").await;

    let body = app.attempt(CUSTOMERS, json!({ "filter": { "labelIds": [a, "not-an-id"] } })).await;

    assert_error(&body, "BAD_USER_INPUT", "filter.labelIds.1");
}

async fn filtering_on_status_lists_only_that_status(app: &TestApp) {
    let active = app.create_customer(json!({ "displayName": "Known Person" })).await;
    let anonymous = app.create_customer(json!({})).await;
    let merged = app.create_customer(json!({})).await;
    // Anonymous and merged profiles come from resolveCustomer and mergeCustomers, which
    // later issues add: put these two in those states directly.
    let sql = [
        format!("UPDATE customers SET status = 'ANONYMOUS' WHERE id = '{anonymous}'"),
        format!("UPDATE customers SET status = 'MERGED', merged_into = '{active}' WHERE id = '{merged}'"),
    ];
    for statement in sql {
        app.store.db.execute_unprepared(&statement).await.expect(&statement);
    }

    assert_eq!(listed(app, json!({ "status": "ACTIVE" })).await, std::slice::from_ref(&active));
    assert_eq!(listed(app, json!({ "status": "ANONYMOUS" })).await, std::slice::from_ref(&anonymous));
    assert_eq!(listed(app, json!({ "status": "MERGED" })).await, [merged]);
    assert_eq!(listed(app, json!({})).await, [active, anonymous], "merged profiles only when asked for");
}

async fn filtering_on_updated_since_lists_customers_changed_from_then_on(app: &TestApp) {
    let early = app.create_customer(json!({})).await;
    let late = app.create_customer(json!({})).await;
    let since = app.customer(&late, "updatedAt").await["updatedAt"].clone();
    assert!(instant(&app.customer(&early, "updatedAt").await["updatedAt"]) < instant(&since));

    assert_eq!(
        listed(app, json!({ "updatedSince": since })).await,
        std::slice::from_ref(&late),
        "the bound is inclusive"
    );
    let same_instant_in_karachi = instant(&since).with_timezone(&FixedOffset::east_opt(5 * 3600).unwrap()).to_rfc3339();
    assert_eq!(listed(app, json!({ "updatedSince": same_instant_in_karachi })).await, std::slice::from_ref(&late));

    app.admin(SET_PREFERENCES, json!({ "customerId": early, "input": { "doNotContact": true } })).await;
    assert_eq!(listed(app, json!({ "updatedSince": since })).await, [early, late]);
}

on_both_databases!(
    filtering_on_a_number_attribute_lists_the_customers_with_that_value,
    a_number_filter_matches_the_same_number_however_it_was_written,
    filtering_on_string_and_boolean_attributes_is_exact,
    filtering_on_a_pii_or_unknown_attribute_is_bad_user_input,
    filtering_on_labels_lists_customers_carrying_all_of_them,
    a_malformed_label_id_in_a_filter_is_bad_user_input,
    filtering_on_status_lists_only_that_status,
    filtering_on_updated_since_lists_customers_changed_from_then_on,
);
