//! No waiting between loader levels (decision 0016): every resolver that returns customers
//! loads what the query selects under them up front, so no DataLoader batch waits the
//! batching delay, and the statement counts stay exact.

use super::fixtures::*;
use crate::common::*;
use customers::graphql::loaders::delayed_batches;
use serde_json::{Value, json};

/// The loader batches that waited the delay, and the statements, of one request.
async fn cost(app: &TestApp, query: &str, variables: Value) -> (u64, u64, Value) {
    let (batches, statements) = (delayed_batches(), app.statements());
    let data = app.admin(query, variables).await;
    (delayed_batches() - batches, app.statements() - statements, data)
}

const ENTITIES_360: &str = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer {
    id identities { value } labels { name } preferences { language preferredIdentity { id } }
    attributes { key } externalRefs { system } activity { openConversations } } } }";

const RESOLVE_360: &str = "query($v: String!) { resolveCustomer(identity: { channel: EMAIL, value: $v }) {
    customer { id identities { value } labels { name } preferences { language } attributes { key }
    interactions(first: 5) { edges { node { id summary } } } externalRefs { system } } } }";

const HISTORY_WITH_METADATA: &str =
    "query($id: ID!) { customer(id: $id) { id interactions(first: 5) { edges { node { id metadata } } } } }";

async fn the_360_view_of_one_customer_waits_no_loader_batch(app: &TestApp) {
    define_schema(app).await;
    let labels = [app.create_label("VIP").await];
    let id = full_customer(app, 1, &labels, 3).await;

    let (waited, statements, data) = cost(app, CUSTOMER, json!({ "id": id })).await;

    assert_eq!(data["customer"]["identities"].as_array().unwrap().len(), 3);
    assert_eq!(data["customer"]["interactions"]["edges"].as_array().unwrap().len(), 3);
    assert_eq!(waited, 0, "no loader batch waits its delay");
    // The customer, then its identities, labels, preferences, attributes, history and CRM
    // links at once (the interactions' `customer` is the one already read), and the audit
    // entry of the PII shown.
    assert_eq!(statements, 8);
}

async fn resolve_customer_and_entities_and_pages_wait_no_loader_batch(app: &TestApp) {
    define_schema(app).await;
    let labels = [app.create_label("VIP").await];
    let ids = [full_customer(app, 1, &labels, 2).await, full_customer(app, 2, &labels, 2).await];

    let (waited, _, data) = cost(app, RESOLVE_360, json!({ "v": "c1@example.com" })).await;
    assert_eq!(data["resolveCustomer"]["customer"]["id"], ids[0]);
    assert_eq!(data["resolveCustomer"]["customer"]["labels"][0]["name"], "VIP");
    assert_eq!(waited, 0, "resolveCustomer {{ customer {{ … }} }}");

    let reps: Vec<Value> = ids.iter().map(|id| json!({ "__typename": "Customer", "id": id })).collect();
    let (waited, statements, data) = cost(app, ENTITIES_360, json!({ "r": reps })).await;
    assert_eq!(data["_entities"][1]["identities"].as_array().unwrap().len(), 3);
    assert_eq!(waited, 0, "_entities");
    // The customers; their identities, labels, preferences, attributes, CRM links and
    // activity at once; the audit entry and its index for two profiles.
    assert_eq!(statements, 7 + app.audit_of_several());

    let (waited, _, data) = cost(app, CUSTOMER_360, json!({ "first": 2 })).await;
    assert_eq!(data["customers"]["edges"].as_array().unwrap().len(), 2);
    assert_eq!(waited, 0, "customers(first: 2)");
}

async fn a_mutation_result_waits_no_loader_batch(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Label me" })).await;
    let label = app.create_label("Gold").await;

    let (waited, _, data) = cost(app, ASSIGN_LABELS, json!({ "customerId": id, "labelIds": [label] })).await;

    assert_eq!(data["assignLabels"]["labels"][0]["name"], "Gold");
    assert_eq!(waited, 0);
}

/// The measure can fail: a level the prefetch does not cover (an interaction's metadata,
/// three levels down) still waits the delay (once, or more when a busy machine splits the
/// batch).
async fn a_level_not_prefetched_still_waits_the_delay(app: &TestApp) {
    define_schema(app).await;
    let id = full_customer(app, 1, &[], 2).await;

    let (waited, _, data) = cost(app, HISTORY_WITH_METADATA, json!({ "id": id })).await;

    assert_eq!(data["customer"]["interactions"]["edges"].as_array().unwrap().len(), 2);
    assert!(waited >= 1, "the metadata batch waited the delay");
}

on_both_databases!(
    the_360_view_of_one_customer_waits_no_loader_batch,
    resolve_customer_and_entities_and_pages_wait_no_loader_batch,
    a_mutation_result_waits_no_loader_batch,
    a_level_not_prefetched_still_waits_the_delay,
);
