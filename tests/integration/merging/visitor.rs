//! The web visitor who logs in: the anonymous profile created on first contact is merged
//! into the known customer, its conversation moves along, and the visitor's web id then
//! identifies the known customer.

use super::*;

async fn resolve_web_visitor(app: &TestApp) -> Value {
    app.resolve("WEB", "visitor-1", true).await
}

async fn a_web_visitor_merged_into_a_known_customer_brings_the_conversation_and_the_web_id(app: &TestApp) {
    let first_contact = resolve_web_visitor(app).await;
    assert_eq!(
        (&first_contact["status"], &first_contact["customer"]["status"]),
        (&json!("CREATED_ANONYMOUS"), &json!("ANONYMOUS"))
    );
    let visitor = first_contact["customer"]["id"].as_str().unwrap().to_owned();
    let chat = id(&app.link(&visitor, conversation("web-chat-1", "2026-03-01T10:00:00Z")).await);
    let known = app
        .create_customer(json!({
            "displayName": "Omar Farooq",
            "identities": [{ "channel": "EMAIL", "value": "omar@example.com", "primary": true }]
        }))
        .await;
    let earlier = id(&app.link(&known, conversation("call-1", "2026-02-01T10:00:00Z")).await);

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
    assert_eq!(app.history(&known, None).await, [chat, earlier]);
    assert_eq!(
        app.customer(&visitor, "status mergedInto { id } interactions { edges { node { id } } }").await,
        json!({ "status": "MERGED", "mergedInto": { "id": known }, "interactions": { "edges": [] } })
    );
    let customers = app.count_rows("customers").await;

    let next_contact = resolve_web_visitor(app).await;

    assert_eq!(
        (&next_contact["status"], &next_contact["customer"]["id"], &next_contact["customer"]["status"]),
        (&json!("RESOLVED"), &json!(known), &json!("ACTIVE"))
    );
    assert_eq!(app.count_rows("customers").await, customers, "no new anonymous profile");
}

on_both_databases!(a_web_visitor_merged_into_a_known_customer_brings_the_conversation_and_the_web_id);
