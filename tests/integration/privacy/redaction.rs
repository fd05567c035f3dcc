//! Free text as served: card numbers in an interaction's summary or a consent's source are
//! redacted for everyone; e-mail addresses and phone numbers for callers without
//! `pii:read` — on the profile's history, on `_entities` and on what a write answers — and
//! a reveal of contact data in free text is audited like any PII.

use super::*;

on_both_databases!(free_text_is_redacted_on_every_read_path, only_a_summary_with_contact_data_counts_as_a_reveal);

const SUMMARY: &str = "Card 4111-1111-1111-1111 (not 4111 1111 1111 1112), call +92 300 1234567 or ayesha@example.com";
const FOR_ALL: &str = "Card [card number] (not 4111 1111 1111 1112), call [phone] or [email]";
const FOR_PII: &str = "Card [card number] (not 4111 1111 1111 1112), call +92 300 1234567 or ayesha@example.com";

const HISTORY: &str = "query($id: ID!) { customer(id: $id) {
    interactions { edges { node { summary } } }
    preferences { consents { source } } } }";
const ENTITY: &str = "query($r: [_Any!]!) { _entities(representations: $r) { ... on InteractionRef { summary } } }";

async fn free_text_is_redacted_on_every_read_path(app: &TestApp) {
    let id = app
        .create_customer(json!({ "displayName": "Free Text", "preferences": { "consents": [
            { "channel": "EMAIL", "status": "OPT_IN", "source": "agent typed 5555 5555 5555 4444 and a@b.io" }
        ] } }))
        .await;
    let mut talk = conversation("conv-redact", "2026-01-05T10:00:00Z");
    talk["summary"] = json!(SUMMARY);
    let linked = app.link(&id, talk).await;
    assert_eq!(linked["summary"], FOR_PII, "the write's answer, with every scope");

    let reader = app.as_scopes("customers:read", HISTORY, json!({ "id": id })).await;
    assert_eq!(reader["data"]["customer"]["interactions"]["edges"][0]["node"]["summary"], FOR_ALL);
    assert_eq!(
        reader["data"]["customer"]["preferences"]["consents"][0]["source"],
        "agent typed [card number] and [email]"
    );
    let pii_reader = app.as_scopes("customers:read pii:read", HISTORY, json!({ "id": id })).await;
    assert_eq!(pii_reader["data"]["customer"]["interactions"]["edges"][0]["node"]["summary"], FOR_PII);
    assert_eq!(
        pii_reader["data"]["customer"]["preferences"]["consents"][0]["source"],
        "agent typed [card number] and a@b.io"
    );

    let reps = json!([{ "__typename": "InteractionRef", "id": id_of(&linked) }]);
    let entity = app.as_scopes("customers:read", ENTITY, json!({ "r": reps })).await;
    assert_eq!(entity["data"]["_entities"][0]["summary"], FOR_ALL);
}

fn id_of(v: &Value) -> String {
    id(v)
}

async fn only_a_summary_with_contact_data_counts_as_a_reveal(app: &TestApp) {
    let with = app.create_customer(json!({ "displayName": "With" })).await;
    let without = app.create_customer(json!({ "displayName": "Without" })).await;
    let mut talk = conversation("conv-with", "2026-01-05T10:00:00Z");
    talk["summary"] = json!("reach me at with@example.com");
    app.link(&with, talk).await;
    let mut talk = conversation("conv-without", "2026-01-05T10:00:00Z");
    talk["summary"] = json!("card 4111111111111111, nothing else");
    app.link(&without, talk).await;
    let query = "query($id: ID!) { customer(id: $id) { interactions { edges { node { summary } } } } }";

    for id in [&with, &without] {
        app.as_scopes("customers:read pii:read", query, json!({ "id": id })).await;
    }

    let reads = |id: String| async move {
        let data = app.admin(AUDIT_LOG, json!({ "customerId": id, "action": "pii.read" })).await;
        data["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["fields"].clone()).collect::<Vec<_>>()
    };
    // The link's own answer (every scope) showed it too: two reveals.
    assert_eq!(reads(with.clone()).await, [json!(["interactions.summary"]), json!(["interactions.summary"])]);
    assert_eq!(reads(without.clone()).await, Vec::<Value>::new(), "a card number is never shown: nothing revealed");
}
