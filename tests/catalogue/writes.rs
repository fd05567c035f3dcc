//! What every write to a profile shares: a missing customer is `NOT_FOUND` on
//! `customerId`, a malformed id is `BAD_USER_INPUT` naming it, and each write bumps
//! `version` and `updatedAt`.

use crate::common::*;
use crate::on_both_databases;
use crate::support::*;
use serde_json::{Value, json};

const SET_PREFERENCES: &str =
    "mutation($c: ID!) { setPreferences(customerId: $c, input: { doNotContact: true }) { id version updatedAt } }";
const SET_ATTRIBUTES: &str = "mutation($c: ID!, $a: [AttributeInput!]! = []) { setAttributes(customerId: $c, attributes: $a) { id version updatedAt } }";
const ASSIGN: &str =
    "mutation($c: ID!, $l: [ID!]!) { assignLabels(customerId: $c, labelIds: $l) { id version updatedAt } }";
const UNASSIGN: &str =
    "mutation($c: ID!, $l: [ID!]!) { unassignLabels(customerId: $c, labelIds: $l) { id version updatedAt } }";
const LINK: &str = "mutation($c: ID!) { linkInteraction(customerId: $c, interaction: { kind: ACTIVITY, channel: SMS, direction: OUTBOUND, startedAt: \"2026-03-01T10:00:00Z\" }) { id customer { version updatedAt } } }";

/// Each customer write, with the variables it needs besides `c`.
async fn customer_writes(app: &TestApp) -> Vec<(&'static str, Value)> {
    let label = app.create_label("Any").await;
    app.define_attribute(json!({ "key": "vip", "type": "BOOLEAN" })).await;
    vec![
        (SET_PREFERENCES, json!({})),
        (SET_ATTRIBUTES, json!({ "a": [{ "key": "vip", "value": true }] })),
        (ASSIGN, json!({ "l": [label] })),
        (UNASSIGN, json!({ "l": [label] })),
        (LINK, json!({})),
    ]
}

fn with_customer(vars: &Value, customer: &str) -> Value {
    let mut vars = vars.clone();
    vars["c"] = json!(customer);
    vars
}

async fn writes_to_a_missing_customer_are_not_found_on_customer_id(app: &TestApp) {
    let writes = customer_writes(app).await;
    let nobody = missing_id();

    for (mutation, vars) in writes {
        let body = attempt(app, mutation, with_customer(&vars, &nobody)).await;
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
        let body = attempt(app, mutation, with_customer(&vars, "customer-42")).await;
        assert_error(&body, "BAD_USER_INPUT", "customerId");
    }
}

async fn malformed_label_ids_are_bad_user_input_naming_them(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let label = app.create_label("Real").await;

    for mutation in [ASSIGN, UNASSIGN] {
        let body = attempt(app, mutation, json!({ "c": customer, "l": [label, "vip"] })).await;
        assert_error(&body, "BAD_USER_INPUT", "labelIds.1");
    }
    for mutation in [
        "mutation { updateLabel(id: \"vip\", input: { name: \"VIP\" }) { id } }",
        "mutation { deleteLabel(id: \"vip\") }",
    ] {
        assert_error(&attempt(app, mutation, json!({})).await, "BAD_USER_INPUT", "id");
    }
    assert_eq!(app.count_rows("customer_labels").await, 0);
    assert_eq!(app.count_rows("labels").await, 1);
}

async fn ids_are_accepted_in_upper_case(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let label = app.create_label("Case").await;

    let data = app.admin(ASSIGN, json!({ "c": customer.to_uppercase(), "l": [label.to_uppercase()] })).await;

    assert_eq!(data["assignLabels"]["id"], customer);
    assert_eq!(label_names(app, &customer).await, ["Case"]);
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
    let c = customer(app, id, "version updatedAt").await;
    (c["version"].as_i64().unwrap(), instant(&c["updatedAt"]))
}

on_both_databases!(
    writes_to_a_missing_customer_are_not_found_on_customer_id,
    a_malformed_customer_id_is_bad_user_input_naming_it,
    malformed_label_ids_are_bad_user_input_naming_them,
    ids_are_accepted_in_upper_case,
    every_write_to_a_profile_bumps_its_version_and_updated_at,
);
