//! Helpers shared by the merging tests: the operations, error assertions, and reading a
//! profile, its history, its merges and its audit trail back through the API.
#![allow(dead_code)]

use crate::common::*;
use serde_json::{Value, json};

/// The 360° view a merge is judged by (no version or timestamps: they move on every write).
pub const VIEW: &str = "id displayName status mergedInto { id }
    identities { channel value primary verified }
    labels { name }
    preferences { language timezone preferredIdentity { channel value } doNotContact
        consents { channel status source } }
    attributes { key value }
    externalRefs { system externalId }
    interactions { edges { node { id } } }";

pub const MERGE: &str = "mutation($s: ID!, $m: [ID!]!, $d: Boolean! = false) {
    mergeCustomers(survivorId: $s, mergedIds: $m, dryRun: $d) { id } }";
pub const UNMERGE: &str = "mutation($m: ID!) { unmergeCustomer(mergeId: $m) { id status mergedInto { id } } }";
pub const RELINK: &str =
    "mutation($i: ID!, $to: ID!) { relinkInteraction(interactionId: $i, toCustomerId: $to) { id customer { id } } }";
pub const MERGES: &str = "merges { id survivorId mergedIds mergedBy undoneBy undoneAt
    moved { identities labels attributes attributeConflicts externalRefs interactions } }";

/// Run a request with every scope and return the whole body (data and errors).
pub async fn attempt(app: &TestApp, query: &str, variables: Value) -> Value {
    app.as_scopes(ALL_SCOPES, query, variables).await
}

/// The body carries exactly one error, with this code, about this field.
#[track_caller]
pub fn assert_error(body: &Value, code: &str, field: &str) {
    assert_eq!(error_codes(body), [code], "expected one {code} error: {body:#}");
    assert_eq!(error_field(body).as_deref(), Some(field), "expected the error on `{field}`: {body:#}");
}

/// Merge for real (every scope); returns the survivor's 360° view as the mutation answers it.
pub async fn merge(app: &TestApp, survivor: &str, merged: &[&str]) -> Value {
    merge_returning(app, survivor, merged, false).await
}

pub async fn merge_returning(app: &TestApp, survivor: &str, merged: &[&str], dry_run: bool) -> Value {
    let query = format!(
        "mutation($s: ID!, $m: [ID!]!, $d: Boolean!) {{
            mergeCustomers(survivorId: $s, mergedIds: $m, dryRun: $d) {{ {VIEW} }} }}"
    );
    let data = app.admin(&query, json!({ "s": survivor, "m": merged, "d": dry_run })).await;
    sorted_view(data["mergeCustomers"].clone())
}

/// A merge attempt (every scope) that returns the whole body.
pub async fn attempt_merge(app: &TestApp, survivor: &str, merged: &[&str]) -> Value {
    attempt(app, MERGE, json!({ "s": survivor, "m": merged })).await
}

/// The 360° view of a profile, identities sorted by channel and value (their order among
/// equals is creation order, which a test should not depend on).
pub async fn view(app: &TestApp, id: &str) -> Value {
    sorted_view(customer(app, id, VIEW).await)
}

pub fn sorted_view(mut view: Value) -> Value {
    if let Some(list) = view["identities"].as_array_mut() {
        list.sort_by_key(|i| (i["channel"].to_string(), i["value"].to_string()));
    }
    view
}

/// Read one customer with the given selection (every scope).
pub async fn customer(app: &TestApp, id: &str, selection: &str) -> Value {
    let query = format!("query($id: ID!) {{ customer(id: $id) {{ {selection} }} }}");
    let data = app.admin(&query, json!({ "id": id })).await;
    assert!(!data["customer"].is_null(), "customer {id} not found");
    data["customer"].clone()
}

/// The merges into a profile, newest first.
pub async fn merges(app: &TestApp, id: &str) -> Value {
    customer(app, id, MERGES).await["merges"].clone()
}

/// The one merge into `survivor`; returns its id.
pub async fn only_merge_id(app: &TestApp, survivor: &str) -> String {
    let list = merges(app, survivor).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "one merge into {survivor}: {list:#}");
    list[0]["id"].as_str().expect("merge id").to_owned()
}

/// The ids of a customer's interactions, newest first.
pub async fn history(app: &TestApp, id: &str) -> Vec<String> {
    let data = customer(app, id, "interactions { edges { node { id } } }").await;
    node_ids(&data["interactions"])
}

pub fn node_ids(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {connection}"))
        .iter()
        .map(|e| e["node"]["id"].as_str().expect("node id").to_owned())
        .collect()
}

/// Link a conversation to a customer; returns the interaction id.
pub async fn link(app: &TestApp, customer_id: &str, conversation_id: &str, started_at: &str) -> String {
    let data = app
        .admin(
            "mutation($c: ID!, $i: InteractionInput!) { linkInteraction(customerId: $c, interaction: $i) { id } }",
            json!({ "c": customer_id, "i": {
                "conversationId": conversation_id, "kind": "CONVERSATION", "channel": "WHATSAPP",
                "direction": "INBOUND", "startedAt": started_at
            } }),
        )
        .await;
    data["linkInteraction"]["id"].as_str().expect("interaction id").to_owned()
}

/// The audit trail of an entity, oldest first, without the timestamps.
pub async fn audit(app: &TestApp, entity_id: &str) -> Vec<Value> {
    let data = app
        .admin("query($e: ID!) { auditLog(entityId: $e) { actor action entityId details } }", json!({ "e": entity_id }))
        .await;
    data["auditLog"].as_array().expect("audit entries").clone()
}

/// A well-formed id that names nothing.
pub fn missing_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Every scope but `customers:merge`.
pub fn scopes_without_merge() -> String {
    ALL_SCOPES.split(' ').filter(|s| *s != "customers:merge").collect::<Vec<_>>().join(" ")
}
