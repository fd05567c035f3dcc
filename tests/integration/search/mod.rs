//! `searchCustomers` (issue 12, item 1): every kind of text finds the right profiles through
//! keyed tokens, ranked and paged, combined with filters, masked without `pii:read`,
//! audited without its text, in a constant number of statements; the tokens follow every
//! write (renames, merges, erasure, `customers reindex`) and hold no PII in clear.

mod queries;
mod upkeep;

use crate::common::*;
use serde_json::{Value, json};

const SEARCH: &str = include_str!("../../operations/search_customers.graphql");

/// The connection a search answers (every scope).
async fn search_with(app: &TestApp, text: &str, extra: Value) -> Value {
    let mut variables = json!({ "text": text });
    if let (Some(v), Some(extra)) = (variables.as_object_mut(), extra.as_object()) {
        v.extend(extra.clone());
    }
    app.admin(SEARCH, variables).await["searchCustomers"].clone()
}

/// The display names found, best first (every scope, first 100).
async fn names(app: &TestApp, text: &str) -> Vec<String> {
    let found = search_with(app, text, json!({ "first": 100 })).await;
    found["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["displayName"].as_str().unwrap_or("<none>").to_owned())
        .collect()
}

/// A profile with a name and some identities and links; returns its id.
async fn person(app: &TestApp, name: &str, identities: Value, external_refs: Value) -> String {
    app.create_customer(json!({ "displayName": name, "identities": identities, "externalRefs": external_refs })).await
}
