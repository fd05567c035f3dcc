//! History that can be completed, routing signals and label provenance (issue 11, items
//! 3–5), each test on SQLite and on PostgreSQL: `updateInteraction`, idempotency keys,
//! metadata limits and history filters (`completion`); `Customer.activity` against a
//! recomputation from history after random sequences of writes, and its cost in a page
//! and through `_entities` (`activity`); label assignments with their source and the
//! CRM-owned removal rule, and `customerByExternalRef` (`provenance`).

mod activity;
mod completion;
mod provenance;

use crate::common::*;
use serde_json::{Value, json};

pub const UPDATE_INTERACTION: &str = include_str!("../../operations/update_interaction.graphql");
pub const CUSTOMER_HISTORY: &str = include_str!("../../operations/customer_history.graphql");
pub const LABEL_ASSIGNMENTS: &str = include_str!("../../operations/label_assignments.graphql");
pub const CUSTOMER_BY_EXTERNAL_REF: &str = include_str!("../../operations/customer_by_external_ref.graphql");
pub const ACTIVITY_FIELDS: &str = include_str!("../../operations/activity.graphql");

/// A customer's activity, as the API answers it.
async fn activity(app: &TestApp, id: &str) -> Value {
    let query =
        format!("query($id: ID!) {{ customer(id: $id) {{ activity {{ ...ActivityFields }} }} }}\n{ACTIVITY_FIELDS}");
    app.admin(&query, json!({ "id": id })).await["customer"]["activity"].clone()
}

/// A customer's whole history (at most 100 interactions), every field, newest first.
async fn history(app: &TestApp, id: &str, filter: Value) -> Vec<Value> {
    let mut variables = filter;
    variables["id"] = json!(id);
    let data = app.admin(CUSTOMER_HISTORY, variables).await;
    let connection = &data["customer"]["interactions"];
    assert_eq!(connection["pageInfo"]["hasNextPage"], false, "a history of at most 100");
    connection["edges"].as_array().expect("edges").iter().map(|e| e["node"].clone()).collect()
}

/// An activity (no conversation) on `channel`, started at `at`.
fn activity_input(channel: &str, at: &str) -> Value {
    json!({ "kind": "ACTIVITY", "channel": channel, "direction": "OUTBOUND", "startedAt": at })
}

/// Update an interaction with every scope; returns the whole body.
async fn update(app: &TestApp, id: &str, input: Value) -> Value {
    app.attempt(UPDATE_INTERACTION, json!({ "id": id, "input": input })).await
}
