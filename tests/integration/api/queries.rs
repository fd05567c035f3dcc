//! Reading: the 360° view's cost in SQL statements, and pagination boundaries.

use super::fixtures::*;
use crate::common::*;
use serde_json::json;

/// The 360° view of a page of customers must cost the same few statements whatever the
/// page size: one per kind of child, never one per customer.
async fn the_360_view_costs_the_same_statements_for_1_10_and_100_customers(app: &TestApp) {
    define_schema(app).await;
    let labels = [app.create_label("VIP").await, app.create_label("Debtor").await];
    for n in 0..100 {
        if n % 3 == 2 {
            // Bare profiles too: a parent without children must not cost extra statements.
            app.create_customer(json!({ "displayName": format!("Bare {n}") })).await;
        } else {
            full_customer(app, n, &labels, 2).await;
        }
    }
    let mut counts = Vec::new();
    for first in [1, 10, 100] {
        let before = app.statements();
        let data = app.admin(CUSTOMER_360, json!({ "first": first })).await;
        counts.push(app.statements() - before);
        let edges = data["customers"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), first);
        for edge in edges.iter().filter(|e| !e["node"]["displayName"].as_str().unwrap().starts_with("Bare")) {
            let node = &edge["node"];
            assert_eq!(node["identities"].as_array().unwrap().len(), 3);
            assert_eq!(node["labels"].as_array().unwrap().len(), 2);
            assert_eq!(node["attributes"].as_array().unwrap().len(), 4);
            assert_eq!(node["interactions"]["edges"].as_array().unwrap().len(), 2);
            assert_eq!(node["externalRefs"].as_array().unwrap().len(), 1);
            assert!(node["preferences"]["preferredIdentity"]["id"].is_string());
        }
    }
    // The audit of the PII shown: one INSERT for a response about one profile; about
    // several, the entry and its per-profile index (one statement on PostgreSQL, two
    // INSERTs and one commit on SQLite).
    assert_eq!(counts[0] - 1 + app.audit_of_several(), counts[1], "statements for 1 and 10 customers: {counts:?}");
    assert_eq!(counts[1], counts[2], "statements for 10 and 100 customers: {counts:?}");
    assert!(counts[2] <= 9, "the 360° view took {} statements", counts[2]);
}

async fn customers_page_forward_to_the_last_page(app: &TestApp) {
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(app.create_customer(json!({ "displayName": format!("C{n}") })).await);
    }
    let mut seen = Vec::new();
    let mut after = serde_json::Value::Null;
    let mut pages = 0;
    loop {
        let data = app.admin(CUSTOMERS, json!({ "first": 2, "after": after })).await["customers"].clone();
        assert_eq!(data["totalCount"], 5);
        pages += 1;
        for edge in data["edges"].as_array().unwrap() {
            seen.push(edge["node"]["id"].as_str().unwrap().to_owned());
        }
        if data["pageInfo"]["hasNextPage"] == false {
            assert_eq!(data["edges"].as_array().unwrap().len(), 1, "the last page holds the fifth customer");
            break;
        }
        assert_eq!(data["pageInfo"]["endCursor"], data["edges"][1]["cursor"]);
        after = data["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids, "every customer once, in creation order");

    let exact =
        app.admin("{ customers(first: 5) { edges { node { id } } pageInfo { hasNextPage } } }", json!({})).await;
    assert_eq!(exact["customers"]["pageInfo"]["hasNextPage"], false, "a page that ends exactly at the end");
    let none = app
        .admin("{ customers(first: 0) { edges { node { id } } pageInfo { hasNextPage endCursor } } }", json!({}))
        .await;
    assert_eq!(none["customers"], json!({ "edges": [], "pageInfo": { "hasNextPage": true, "endCursor": null } }));
}

async fn page_sizes_and_cursors_out_of_range_are_bad_input(app: &TestApp) {
    for (query, field) in [
        ("{ customers(first: 101) { totalCount } }", "first"),
        ("{ customers(first: -1) { totalCount } }", "first"),
        ("{ customers(after: \"bm90LWEtY3Vyc29y\") { totalCount } }", "after"),
        ("{ customers(after: \"%%%\") { totalCount } }", "after"),
    ] {
        let body = app.attempt(query, json!({})).await;
        assert_error(&body, "BAD_USER_INPUT", field);
    }
}

async fn interaction_history_is_newest_first_pages_by_cursor_and_filters_by_channel(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "H" })).await;
    for (conv, at, channel) in [
        ("a", "2026-11-01T09:00:00Z", "PHONE"),
        ("b", "2026-11-03T09:00:00Z", "EMAIL"),
        ("c", "2026-11-02T09:00:00Z", "PHONE"),
        ("d", "2026-11-04T09:00:00.123456Z", "PHONE"),
        ("e", "2026-11-04T09:00:00.123456Z", "WHATSAPP"),
    ] {
        let mut interaction = conversation(conv, at);
        interaction["channel"] = json!(channel);
        app.link(&id, interaction).await;
    }
    let q = CUSTOMER_INTERACTIONS;
    let mut order = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let variables = json!({ "id": id, "first": 2, "after": after });
        let page = app.admin(q, variables).await["customer"]["interactions"].clone();
        for e in page["edges"].as_array().unwrap() {
            order.push(e["node"]["conversation"]["id"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(order, ["e", "d", "b", "c", "a"], "newest first; ties broken by id, newest link first");

    let phones = app.admin(q, json!({ "id": id, "first": 2, "channel": "PHONE" })).await;
    let ids: Vec<&str> = phones["customer"]["interactions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["conversation"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["d", "c"]);
}

on_both_databases!(
    the_360_view_costs_the_same_statements_for_1_10_and_100_customers,
    customers_page_forward_to_the_last_page,
    page_sizes_and_cursors_out_of_range_are_bad_input,
    interaction_history_is_newest_first_pages_by_cursor_and_filters_by_channel,
);
