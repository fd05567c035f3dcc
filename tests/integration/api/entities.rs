//! Federation `_entities`: every entity type, in the order asked, `null` for unknown ids,
//! batched into one statement per type.

use super::fixtures::*;
use crate::common::*;
use serde_json::{Value, json};

const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) { __typename
    ... on Customer { id displayName }
    ... on ChannelIdentity { id value }
    ... on Label { id name }
    ... on InteractionRef { id conversation { id } } } }";

async fn entities_resolve_every_type_in_order_with_null_for_unknown_ids(app: &TestApp) {
    define_schema(app).await;
    let label = app.create_label("VIP").await;
    let a = full_customer(app, 0, std::slice::from_ref(&label), 1).await;
    let b = app
        .create_customer(
            json!({ "displayName": "Bob", "identities": [{ "channel": "EMAIL", "value": "bob@example.com" }] }),
        )
        .await;
    let view = app.admin(CUSTOMER, json!({ "id": a })).await;
    let identity = view["customer"]["identities"][0]["id"].as_str().unwrap().to_owned();
    let interaction = view["customer"]["interactions"]["edges"][0]["node"]["id"].as_str().unwrap().to_owned();
    let missing = "0190a0b0-0000-7000-8000-000000000000";

    let reps = json!([
        { "__typename": "Customer", "id": b },
        { "__typename": "Label", "id": label },
        { "__typename": "Customer", "id": missing },
        { "__typename": "ChannelIdentity", "id": identity },
        { "__typename": "InteractionRef", "id": interaction },
        { "__typename": "Customer", "id": a },
        { "__typename": "Label", "id": "not-a-uuid" },
        { "__typename": "InteractionRef", "id": missing },
    ]);
    let before = app.statements();
    let data = app.admin(ENTITIES, json!({ "r": reps })).await;
    let used = app.statements() - before;
    let got = data["_entities"].as_array().unwrap();
    assert_eq!(got[0], json!({ "__typename": "Customer", "id": b, "displayName": "Bob" }));
    assert_eq!(got[1], json!({ "__typename": "Label", "id": label, "name": "VIP" }));
    assert_eq!(got[2], Value::Null);
    assert_eq!(got[3], json!({ "__typename": "ChannelIdentity", "id": identity, "value": "+923001234567" }));
    assert_eq!(
        got[4],
        json!({ "__typename": "InteractionRef", "id": interaction, "conversation": { "id": "conv-0-0" } })
    );
    assert_eq!(got[5], json!({ "__typename": "Customer", "id": a, "displayName": "Ayesha Khan" }));
    assert_eq!(got[6], Value::Null);
    assert_eq!(got[7], Value::Null);
    // One statement per entity type, whatever the number of representations, and the
    // audit of the personal data the response showed (an entry about several profiles and
    // its per-profile index).
    assert_eq!(used, 4 + app.audit_of_several(), "one statement per entity type, and the audit record");
}

async fn many_customer_entities_cost_one_statement(app: &TestApp) {
    let mut reps = Vec::new();
    for n in 0..30 {
        let id = app.create_customer(json!({ "displayName": format!("E{n}") })).await;
        reps.push(json!({ "__typename": "Customer", "id": id }));
    }
    let before = app.statements();
    let data = app
        .admin(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id displayName } } }",
            json!({ "r": reps }),
        )
        .await;
    assert_eq!(
        app.statements() - before,
        1 + app.audit_of_several(),
        "one SELECT for 30 profiles; the audit entry of the names shown and its per-profile index"
    );
    assert_eq!(data["_entities"][29]["displayName"], "E29");
}

on_both_databases!(
    entities_resolve_every_type_in_order_with_null_for_unknown_ids,
    many_customer_entities_cost_one_statement
);
