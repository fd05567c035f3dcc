//! Free text sealed at rest, and migrating values sealed the old way in place.

use super::*;
use crate::api::fixtures::assert_no_raw_pii;
use customers::domain::{Channel, Pii};
use customers::service::Services;

const SUMMARY: &str = "Customer read out card 4111 1111 1111 1111 zebra-summary";
const SOURCE: &str = "zebra-consent-source";
const EXTERNAL_ID: &str = "ZEBRA-CRM-0042";

const HISTORY: &str = "query($id: ID!) { customer(id: $id) { interactions(first: 5) { edges { node { summary } } } } }";
/// What a CRM sync calls: it finds the profile linked to the record (one indexed look-up).
const BY_REF: &str = "mutation($s: String!, $e: String!, $input: CreateCustomerInput!) { upsertCustomerByExternalRef(ref: { system: $s, externalId: $e }, input: $input) { id externalRefs { system externalId } } }";

fn summaries(data: &Value) -> Vec<Value> {
    data["customer"]["interactions"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["summary"].clone())
        .collect()
}

/// Everything a table holds, as text (every column of every row).
async fn dump(app: &TestApp, table: &str, columns: &str) -> String {
    let mut out = String::new();
    for column_name in columns.split(", ") {
        for value in column(app, &format!("SELECT {column_name} FROM {table}")).await {
            out.push_str(&value);
            out.push('\n');
        }
    }
    out
}

/// Summaries, consent sources and external ids are sealed in the database (the tables
/// and, on SQLite, the file itself); callers with `pii:read` read them, others see the
/// summary masked; external id lookups still find the profile.
async fn free_text_is_not_in_clear_in_the_database(app: &TestApp) {
    let id = person(app, "Alice Archer", "+923001150001").await;
    app.link(&id, json!({ "kind": "ACTIVITY", "channel": "PHONE", "direction": "INBOUND", "startedAt": "2026-11-01T10:00:00Z", "summary": SUMMARY })).await;
    let consents = json!([{ "channel": "EMAIL", "status": "OPT_IN", "source": SOURCE }]);
    app.admin(SET_PREFERENCES, json!({ "customerId": id, "input": { "consents": consents } })).await;
    let input = json!({ "displayName": "Alice Archer" });
    let first = app.admin(BY_REF, json!({ "s": "crm", "e": EXTERNAL_ID, "input": input })).await;

    let stored = [
        dump(app, "interactions", "summary").await,
        dump(app, "preferences", "consents").await,
        dump(app, "external_refs", "external_id, external_key").await,
    ]
    .concat();
    for secret in ["zebra", "4111", "ZEBRA"] {
        assert!(!stored.contains(secret), "{secret} is stored in clear: {stored}");
    }
    if !app.is_postgres() {
        execute(app, "PRAGMA wal_checkpoint(TRUNCATE)").await;
        let file = std::fs::read(app.database().data_dir().join("customers.db")).unwrap();
        for secret in ["zebra", "4111 1111", "ZEBRA-CRM"] {
            assert!(!file.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} is in the SQLite file");
        }
    }

    let full = app.admin(HISTORY, json!({ "id": id })).await;
    // Card numbers are redacted for everyone (PCI DSS); the rest reads back.
    let redacted = "Customer read out card [card number] zebra-summary";
    assert_eq!(summaries(&full), [json!(redacted)]);
    let masked = app.as_scopes("customers:read", HISTORY, json!({ "id": id })).await;
    assert_eq!(summaries(&masked["data"]), [json!(redacted)], "{masked}");
    assert_no_raw_pii(&masked);
    assert!(!masked.to_string().contains("4111"), "{masked}");

    let prefs = app.admin(PREFERENCES, json!({ "id": id })).await.to_string();
    assert!(prefs.contains(SOURCE), "the consent source reads back: {prefs}");
    assert_eq!(first["upsertCustomerByExternalRef"]["externalRefs"][0]["externalId"], EXTERNAL_ID);
    let again = app.admin(BY_REF, json!({ "s": "crm", "e": EXTERNAL_ID, "input": input })).await;
    let (again, first) = (&again["upsertCustomerByExternalRef"]["id"], &first["upsertCustomerByExternalRef"]["id"]);
    assert_eq!(again, first, "the next sync finds the same profile (through the blind index)");
    assert_eq!(app.count_rows("external_refs").await, 1);
}

/// A database written before envelope encryption: its rows (written here the old way) read
/// as they are; the migration re-seals them in batches, can be run again, and afterwards
/// every value reads the same while none is left in the old form.
async fn values_sealed_the_old_way_are_migrated_in_place(app: &TestApp) {
    let services = Services::new(app.store.clone(), Default::default());
    let codec = &app.store.codec;
    let id = "0190b000-0000-7000-8000-000000000001";
    let identity = "0190b000-0000-7000-8000-000000000002";
    let name = codec.seal_legacy(&Pii::new("Olga Oldform"));
    let phone = Pii::new("+923001160001");
    let (value, key) = (codec.seal_legacy(&phone), codec.lookup_key(Channel::Phone, &phone));
    let now = "2026-11-01 10:00:00+00:00";
    execute(app, &format!("INSERT INTO customers (id, display_name, status, version, created_at, updated_at) VALUES ('{id}', '{name}', 'ACTIVE', 1, '{now}', '{now}')")).await;
    execute(app, &format!("INSERT INTO channel_identities (id, customer_id, channel, value, lookup_key, verified, is_primary, shared, created_at) VALUES ('{identity}', '{id}', 'PHONE', '{value}', '{key}', false, true, false, '{now}')")).await;
    execute(app, &format!("INSERT INTO interactions (id, customer_id, kind, channel, direction, started_at, summary, created_at) VALUES ('0190b000-0000-7000-8000-000000000003', '{id}', 'ACTIVITY', 'PHONE', 'INBOUND', '{now}', 'old summary in clear', '{now}')")).await;
    execute(app, &format!("INSERT INTO external_refs (id, customer_id, system, external_id, created_at) VALUES ('0190b000-0000-7000-8000-000000000004', '{id}', 'crm', 'OLD-42', '{now}')")).await;

    let before = app.admin("query($id: ID!) { customer(id: $id) { displayName identities { value } externalRefs { externalId } interactions(first: 1) { edges { node { summary } } } } }", json!({ "id": id })).await;
    assert_eq!(before["customer"]["displayName"], "Olga Oldform");
    assert_eq!(before["customer"]["identities"][0]["value"], "+923001160001");
    assert_eq!(before["customer"]["externalRefs"][0]["externalId"], "OLD-42");
    assert!(services.legacy_remaining().await.unwrap() >= 4);
    let olga = json!({ "displayName": "Olga Oldform" });
    let found = app.admin(BY_REF, json!({ "s": "crm", "e": "OLD-42", "input": olga })).await;
    assert_eq!(found["upsertCustomerByExternalRef"]["id"], id, "old external ids are found before the migration");

    let n = services.reseal_legacy(1).await.unwrap();
    // The identity value, the summary and the external id (the sync above re-wrote the name).
    assert_eq!(n, 3, "values re-sealed");
    assert_eq!(services.legacy_remaining().await.unwrap(), 0);
    assert_eq!(services.reseal_legacy(1).await.unwrap(), 0, "re-running finds nothing left");

    let after = app.admin("query($id: ID!) { customer(id: $id) { displayName identities { value } externalRefs { externalId } interactions(first: 1) { edges { node { summary } } } } }", json!({ "id": id })).await;
    assert_eq!(after, before, "every value reads the same");
    let stored = column(app, &format!("SELECT display_name FROM customers WHERE id = '{id}'")).await;
    assert!(stored[0].starts_with(&format!("v2:{id}:")), "{stored:?}");
    assert!(!dump(app, "interactions", "summary").await.contains("old summary"));
    assert!(!dump(app, "external_refs", "external_id").await.contains("OLD-42"));
    let found = app.admin(BY_REF, json!({ "s": "crm", "e": "OLD-42", "input": olga })).await;
    assert_eq!(found["upsertCustomerByExternalRef"]["id"], id, "and through the blind index after it");
    assert_eq!(app.count_rows("external_refs").await, 1, "no second link was made");
    let resolved = app.resolve("PHONE", "+923001160001", false).await;
    assert_eq!(resolved["status"], "RESOLVED", "{resolved}");
}

on_both_databases!(free_text_is_not_in_clear_in_the_database, values_sealed_the_old_way_are_migrated_in_place);
