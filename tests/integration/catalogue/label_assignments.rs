//! Assigning labels to customers: idempotent, all-or-nothing, and recorded with who
//! assigned them.

use crate::common::*;
use serde_json::{Value, json};

/// The variables of `assignLabels` and `unassignLabels`.
fn labels_of(customer: &str, labels: Value) -> Value {
    json!({ "customerId": customer, "labelIds": labels })
}

/// Who assigned a label to a customer and from where, as stored.
async fn assignment(app: &TestApp, customer: &str, label: &str) -> Option<Vec<String>> {
    let sql = format!(
        "SELECT assigned_by, source FROM customer_labels WHERE customer_id = '{customer}' AND label_id = '{label}'"
    );
    app.sql_strings(&sql, &["assigned_by", "source"]).await
}

async fn assigned_labels_appear_on_the_customer_by_name(app: &TestApp) {
    let zeta = app.create_label("Zeta").await;
    let alpha = app.create_label("Alpha").await;
    let customer = app.create_customer(json!({})).await;

    let data = app.admin(ASSIGN_LABELS, labels_of(&customer, json!([zeta, alpha]))).await;

    assert_eq!(strings(&data["assignLabels"]["labels"], "name"), ["Alpha", "Zeta"]);
    assert_eq!(strings(&data["assignLabels"]["labels"], "id"), [alpha, zeta]);
    assert_eq!(app.label_names(&customer).await, ["Alpha", "Zeta"]);
}

async fn an_assignment_records_who_assigned_it(app: &TestApp) {
    let label = app.create_label("Callback requested").await;
    let customer = app.create_customer(json!({})).await;

    app.admin(ASSIGN_LABELS, labels_of(&customer, json!([label]))).await;

    assert_eq!(assignment(app, &customer, &label).await, Some(vec!["agent-007".into(), "MANUAL".into()]));
}

async fn assigning_a_label_twice_keeps_one_assignment(app: &TestApp) {
    let label = app.create_label("VIP").await;
    let customer = app.create_customer(json!({})).await;
    app.admin(ASSIGN_LABELS, labels_of(&customer, json!([label]))).await;

    // Again, by another agent, and twice in the same list.
    let other_agent = token_for("agent-008", ALL_SCOPES);
    let (_, body) = app.post(Some(&other_agent), ASSIGN_LABELS, labels_of(&customer, json!([label, label]))).await;

    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(strings(&body["data"]["assignLabels"]["labels"], "name"), ["VIP"]);
    assert_eq!(app.count_rows("customer_labels").await, 1);
    assert_eq!(
        assignment(app, &customer, &label).await,
        Some(vec!["agent-007".into(), "MANUAL".into()]),
        "the first assignment is kept as it was"
    );
}

async fn an_unknown_label_is_not_found_and_nothing_is_assigned(app: &TestApp) {
    let known = app.create_label("Known").await;
    let customer = app.create_customer(json!({})).await;
    let before = app.version(&customer).await;

    let body = app.attempt(ASSIGN_LABELS, labels_of(&customer, json!([known, missing_id()]))).await;

    assert_error(&body, "NOT_FOUND", "labelIds.1");
    assert_eq!(app.count_rows("customer_labels").await, 0);
    assert_eq!(app.label_names(&customer).await, Vec::<String>::new());
    assert_eq!(app.version(&customer).await, before, "a refused write does not bump the version");
}

async fn unassigning_removes_only_the_given_labels(app: &TestApp) {
    let gold = app.create_label("Gold").await;
    let churn = app.create_label("Churn risk").await;
    let customer = app.create_customer(json!({ "labelIds": [gold, churn] })).await;

    let data = app.admin(UNASSIGN_LABELS, labels_of(&customer, json!([churn]))).await;

    assert_eq!(strings(&data["unassignLabels"]["labels"], "name"), ["Gold"]);
    assert_eq!(app.count_rows("customer_labels").await, 1);
    assert_eq!(app.count_rows("labels").await, 2, "the label stays in the catalogue");
}

async fn unassigning_a_label_the_customer_does_not_carry_changes_nothing(app: &TestApp) {
    let gold = app.create_label("Gold").await;
    let never = app.create_label("Never assigned").await;
    let customer = app.create_customer(json!({ "labelIds": [gold] })).await;

    app.admin(UNASSIGN_LABELS, labels_of(&customer, json!([never]))).await;
    let again = app.admin(UNASSIGN_LABELS, labels_of(&customer, json!([never]))).await;

    assert_eq!(strings(&again["unassignLabels"]["labels"], "name"), ["Gold"]);
    assert_eq!(app.count_rows("customer_labels").await, 1);
}

async fn assigning_and_unassigning_each_bump_the_version(app: &TestApp) {
    let label = app.create_label("Segment A").await;
    let customer = app.create_customer(json!({})).await;
    let created = app.version(&customer).await;

    let assigned = app.admin(ASSIGN_LABELS, labels_of(&customer, json!([label]))).await;
    assert_eq!(assigned["assignLabels"]["version"], created + 1);

    let unassigned = app.admin(UNASSIGN_LABELS, labels_of(&customer, json!([label]))).await;
    assert_eq!(unassigned["unassignLabels"]["version"], created + 2);
    assert_eq!(app.version(&customer).await, created + 2);
}

on_both_databases!(
    assigned_labels_appear_on_the_customer_by_name,
    an_assignment_records_who_assigned_it,
    assigning_a_label_twice_keeps_one_assignment,
    an_unknown_label_is_not_found_and_nothing_is_assigned,
    unassigning_removes_only_the_given_labels,
    unassigning_a_label_the_customer_does_not_carry_changes_nothing,
    assigning_and_unassigning_each_bump_the_version,
);
