//! The web visitor who logs in: the anonymous profile created on first contact is merged
//! into the known customer, its conversation moves along, and the visitor's web id then
//! identifies the known customer.

use crate::common::*;
use crate::support::*;
use serde_json::{Value, json};

const RESOLVE: &str =
    "query($i: ChannelIdentityInput!) { resolveCustomer(identity: $i) { status customer { id status } } }";
const CHANNEL_MANAGER: &str = "customers:read customers:write";

async fn resolve_web_visitor(app: &TestApp) -> Value {
    let body =
        app.as_scopes(CHANNEL_MANAGER, RESOLVE, json!({ "i": { "channel": "WEB", "value": "visitor-1" } })).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"]["resolveCustomer"].clone()
}

async fn a_web_visitor_merged_into_a_known_customer_brings_the_conversation_and_the_web_id(app: &TestApp) {
    let first_contact = resolve_web_visitor(app).await;
    assert_eq!(
        (&first_contact["status"], &first_contact["customer"]["status"]),
        (&json!("CREATED_ANONYMOUS"), &json!("ANONYMOUS"))
    );
    let visitor = first_contact["customer"]["id"].as_str().unwrap().to_owned();
    let chat = link(app, &visitor, "web-chat-1", "2026-03-01T10:00:00Z").await;
    let known = app
        .create_customer(json!({
            "displayName": "Omar Farooq",
            "identities": [{ "channel": "EMAIL", "value": "omar@example.com", "primary": true }]
        }))
        .await;
    let earlier = link(app, &known, "call-1", "2026-02-01T10:00:00Z").await;

    let merged = merge(app, &known, &[&visitor]).await;

    assert_eq!(node_ids(&merged["interactions"]), [chat.clone(), earlier.clone()]);
    assert_eq!(
        merged["identities"],
        json!([
            { "channel": "EMAIL", "value": "omar@example.com", "primary": true, "verified": false },
            { "channel": "WEB", "value": "visitor-1", "primary": true, "verified": false }
        ])
    );
    assert_eq!((&merged["status"], &merged["displayName"]), (&json!("ACTIVE"), &json!("Omar Farooq")));
    assert_eq!(history(app, &known).await, [chat, earlier]);
    assert_eq!(
        customer(app, &visitor, "status mergedInto { id } interactions { edges { node { id } } }").await,
        json!({ "status": "MERGED", "mergedInto": { "id": known }, "interactions": { "edges": [] } })
    );
    let customers = app.count_rows("customers").await;

    let next_contact = resolve_web_visitor(app).await;

    assert_eq!(next_contact, json!({ "status": "RESOLVED", "customer": { "id": known, "status": "ACTIVE" } }));
    assert_eq!(app.count_rows("customers").await, customers, "no new anonymous profile");
}

on_both_databases!(a_web_visitor_merged_into_a_known_customer_brings_the_conversation_and_the_web_id);
