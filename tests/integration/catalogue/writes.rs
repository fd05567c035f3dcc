//! What every write to a profile shares: a missing customer is `NOT_FOUND` on
//! `customerId`, a malformed id is `BAD_USER_INPUT` naming it, and each write bumps
//! `version` and `updatedAt`.

use crate::common::*;
use serde_json::{Value, json};

/// Each customer write, with the variables it needs besides `customerId`.
async fn customer_writes(app: &TestApp) -> Vec<(&'static str, Value)> {
    let label = app.create_label("Any").await;
    app.define_attribute(json!({ "key": "vip", "type": "BOOLEAN" })).await;
    let activity =
        json!({ "kind": "ACTIVITY", "channel": "SMS", "direction": "OUTBOUND", "startedAt": "2026-03-01T10:00:00Z" });
    vec![
        (SET_PREFERENCES, json!({ "input": { "doNotContact": true } })),
        (SET_ATTRIBUTES, json!({ "attributes": [{ "key": "vip", "value": true }] })),
        (ASSIGN_LABELS, json!({ "labelIds": [label] })),
        (UNASSIGN_LABELS, json!({ "labelIds": [label] })),
        (LINK_INTERACTION, json!({ "interaction": activity })),
    ]
}

fn with_customer(vars: &Value, customer: &str) -> Value {
    let mut vars = vars.clone();
    vars["customerId"] = json!(customer);
    vars
}

async fn writes_to_a_missing_customer_are_not_found_on_customer_id(app: &TestApp) {
    let writes = customer_writes(app).await;
    let nobody = missing_id();

    for (mutation, vars) in writes {
        let body = app.attempt(mutation, with_customer(&vars, &nobody)).await;
        assert_error(&body, "NOT_FOUND", "customerId");
        assert_eq!(body["data"], Value::Null, "{mutation}");
    }
    for table in ["customers", "preferences", "customer_attributes", "customer_labels", "interactions"] {
        assert_eq!(app.count_rows(table).await, 0, "{table}");
    }
}

async fn a_malformed_customer_id_is_bad_user_input_naming_it(app: &TestApp) {
    let writes = customer_writes(app).await;

    for (mutation, vars) in writes {
        let body = app.attempt(mutation, with_customer(&vars, "customer-42")).await;
        assert_error(&body, "BAD_USER_INPUT", "customerId");
    }
}

async fn malformed_label_ids_are_bad_user_input_naming_them(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let label = app.create_label("Real").await;

    for mutation in [ASSIGN_LABELS, UNASSIGN_LABELS] {
        let body = app.attempt(mutation, json!({ "customerId": customer, "labelIds": [label, "vip"] })).await;
        assert_error(&body, "BAD_USER_INPUT", "labelIds.1");
    }
    for (mutation, variables) in
        [(UPDATE_LABEL, json!({ "id": "vip", "input": { "name": "VIP" } })), (DELETE_LABEL, json!({ "id": "vip" }))]
    {
        assert_error(&app.attempt(mutation, variables).await, "BAD_USER_INPUT", "id");
    }
    assert_eq!(app.count_rows("customer_labels").await, 0);
    assert_eq!(app.count_rows("labels").await, 1);
}

async fn ids_are_accepted_in_upper_case(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let label = app.create_label("Case").await;

    let upper = json!({ "customerId": customer.to_uppercase(), "labelIds": [label.to_uppercase()] });
    let data = app.admin(ASSIGN_LABELS, upper).await;

    assert_eq!(data["assignLabels"]["id"], customer);
    assert_eq!(app.label_names(&customer).await, ["Case"]);
}

async fn every_write_to_a_profile_bumps_its_version_and_updated_at(app: &TestApp) {
    let writes = customer_writes(app).await;
    let customer = app.create_customer(json!({})).await;
    let created = customer_state(app, &customer).await;
    let mut previous = created;

    for (mutation, vars) in writes {
        let data = app.admin(mutation, with_customer(&vars, &customer)).await;
        let returned = data.as_object().unwrap().values().next().unwrap();
        let returned = if returned.get("customer").is_some() { &returned["customer"] } else { returned };
        assert_eq!(returned["version"], previous.0 + 1, "{mutation}");
        assert!(instant(&returned["updatedAt"]) > previous.1, "{mutation} moves updatedAt on");
        previous = customer_state(app, &customer).await;
        assert_eq!(previous.0, returned["version"].as_i64().unwrap(), "{mutation} returned what was stored");
    }
    assert_eq!(previous.0, created.0 + 5);
}

async fn customer_state(app: &TestApp, id: &str) -> (i64, chrono::DateTime<chrono::FixedOffset>) {
    let c = app.customer(id, "version updatedAt").await;
    (c["version"].as_i64().unwrap(), instant(&c["updatedAt"]))
}

on_both_databases!(
    writes_to_a_missing_customer_are_not_found_on_customer_id,
    a_malformed_customer_id_is_bad_user_input_naming_it,
    malformed_label_ids_are_bad_user_input_naming_them,
    ids_are_accepted_in_upper_case,
    every_write_to_a_profile_bumps_its_version_and_updated_at,
);
