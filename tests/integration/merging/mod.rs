//! Merging customer profiles, undoing a merge, and re-linking interactions, end to end
//! through GraphQL, each test on SQLite and on PostgreSQL: what moves where, what wins a
//! conflict, that an unmerge puts every row back, that errors and failures write nothing,
//! and that a dry run only shows.

mod scenario;
mod snapshot;

mod atomicity;
mod dry_run;
mod errors;
mod merge;
mod outbound;
mod relink;
mod unmerge;
mod visitor;

use crate::common::*;
use serde_json::{Value, json};

const MERGES: &str = "merges { id survivorId mergedIds mergedBy undoneBy undoneAt
    moved { identities labels attributes attributeConflicts externalRefs interactions } }";

/// Merge for real; returns the survivor's view as the mutation answers it.
async fn merge(app: &TestApp, survivor: &str, merged: &[&str]) -> Value {
    merge_or_show(app, survivor, merged, false).await
}

/// Merge, or with `dry_run` only show the survivor as the merge would leave it.
async fn merge_or_show(app: &TestApp, survivor: &str, merged: &[&str], dry_run: bool) -> Value {
    let data = app.admin(MERGE_CUSTOMERS, merge_variables(survivor, merged, dry_run)).await;
    sorted_view(data["mergeCustomers"].clone())
}

/// A merge attempt that returns the whole body.
async fn attempt_merge(app: &TestApp, survivor: &str, merged: &[&str]) -> Value {
    app.attempt(MERGE_CUSTOMERS, merge_variables(survivor, merged, false)).await
}

fn merge_variables(survivor: &str, merged: &[&str], dry_run: bool) -> Value {
    json!({ "survivorId": survivor, "mergedIds": merged, "dryRun": dry_run })
}

/// The view a merge is judged by, identities sorted by channel and value (their order
/// among equals is creation order, which a test should not depend on).
async fn view(app: &TestApp, id: &str) -> Value {
    sorted_view(app.admin(MERGE_VIEW, json!({ "id": id })).await["customer"].clone())
}

fn sorted_view(mut view: Value) -> Value {
    if let Some(list) = view["identities"].as_array_mut() {
        list.sort_by_key(|i| (i["channel"].to_string(), i["value"].to_string()));
    }
    view
}

/// The merges into a profile, newest first.
async fn merges(app: &TestApp, id: &str) -> Value {
    app.customer(id, MERGES).await["merges"].clone()
}

/// The one merge into `survivor`; returns its id.
async fn only_merge_id(app: &TestApp, survivor: &str) -> String {
    let list = merges(app, survivor).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "one merge into {survivor}: {list:#}");
    id(&list[0])
}

/// The merge and relink entries about a profile, oldest first, without timestamps, ids and
/// field lists (the reads and the writes that built the fixture are left out).
async fn audit(app: &TestApp, customer_id: &str) -> Vec<Value> {
    const MERGING: [&str; 5] =
        ["customer.merge", "customer.merged_into", "customer.unmerge", "customer.restored", "interaction.relink"];
    let data = app.admin(AUDIT_LOG, json!({ "customerId": customer_id, "first": 100 })).await;
    let mut entries: Vec<Value> = data["auditLog"]["edges"]
        .as_array()
        .expect("audit entries")
        .iter()
        .map(|e| &e["node"])
        .filter(|n| MERGING.contains(&n["action"].as_str().unwrap_or_default()))
        .map(|n| json!({ "principal": n["principal"], "action": n["action"], "entityId": n["entityId"], "details": n["details"] }))
        .collect();
    entries.reverse();
    entries
}
