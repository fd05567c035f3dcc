//! `removeChannelIdentity` removes the identity's sealed copies from the merge ledgers too:
//! an unmerge afterwards does not bring the identifier back, whether the merge moved it or
//! dropped a copy of it (the survivor already held the same identifier), and the ledgers
//! no longer hold it, even opened with the key.

use super::*;

on_both_databases!(
    an_identity_removed_after_a_merge_is_not_brought_back_by_unmerge,
    a_removed_identity_is_gone_from_every_ledger_of_a_chain_of_merges,
);

const REMOVE: &str = "mutation($i: ID!) { removeChannelIdentity(identityId: $i) { id } }";

/// Every identity row in `value` with its value opened (a ledger keeps rows as stored:
/// identity values sealed inside the sealed ledger, each bound to its row and blind index).
fn identity_rows(value: &Value) -> Vec<(String, String, String)> {
    match value {
        Value::Object(fields) => {
            let mut rows: Vec<_> = fields.values().flat_map(identity_rows).collect();
            if let (Some(Value::String(id)), Some(Value::String(v)), Some(Value::String(k))) =
                (fields.get("id"), fields.get("value"), fields.get("lookup_key"))
            {
                rows.push((id.clone(), v.clone(), k.clone()));
            }
            rows
        }
        Value::Array(items) => items.iter().flat_map(identity_rows).collect(),
        _ => vec![],
    }
}

/// Every ledger, opened with the app's keys, down to the identity values inside.
async fn ledgers_opened(app: &TestApp) -> String {
    use customers::store::codec::Aad;
    let codec = &app.store.codec;
    let ids = column(app, "SELECT id AS v FROM merges ORDER BY id").await;
    let sealed_ledgers = column(app, "SELECT ledger AS v FROM merges ORDER BY id").await;
    let mut out = Vec::new();
    for (id, sealed) in ids.iter().zip(&sealed_ledgers) {
        let text = codec.open(Aad::ledger(id), sealed).await.expect("a ledger opens");
        let mut ledger = text.expose().to_owned();
        let parsed: Value = serde_json::from_str(&ledger).unwrap();
        for (row, value, key) in identity_rows(&parsed) {
            let plain = codec.open(Aad::identity(&row, &key), &value).await.expect("an identity value opens");
            ledger.push_str(&format!(" {}", plain.expose()));
        }
        out.push(ledger);
    }
    out.join("\n")
}

async fn only_merge(app: &TestApp, survivor: &str) -> String {
    let merges = app.customer(survivor, "merges { id }").await["merges"].clone();
    assert_eq!(merges.as_array().unwrap().len(), 1, "{merges}");
    id(&merges[0])
}

async fn values(app: &TestApp, id: &str) -> Vec<String> {
    let mut found = strings(&app.customer(id, "identities { value }").await["identities"], "value");
    found.sort();
    found
}

async fn an_identity_removed_after_a_merge_is_not_brought_back_by_unmerge(app: &TestApp) {
    let survivor = app
        .create_customer(json!({ "displayName": "Survivor", "identities": [
            { "channel": "EMAIL", "value": "shared.copy@example.com" }
        ] }))
        .await;
    let merged = app
        .create_customer(json!({ "displayName": "Merged", "identities": [
            { "channel": "EMAIL", "value": "shared.copy@example.com" },
            { "channel": "PHONE", "value": "+92 333 5550001" },
            { "channel": "PHONE", "value": "+92 333 5550002" }
        ] }))
        .await;
    app.admin(MERGE_CUSTOMERS, json!({ "survivorId": survivor, "mergedIds": [merged] })).await;
    let merge_id = only_merge(app, &survivor).await;
    assert!(ledgers_opened(app).await.contains("+923335550001"), "the ledger holds the moved phone before");
    let listed = app.customer(&survivor, "identities { id value }").await["identities"].clone();
    let id_of = |value: &str| id(listed.as_array().unwrap().iter().find(|i| i["value"] == value).unwrap());

    // One identity the merge moved, and the survivor's own whose copy the merge dropped.
    app.admin(REMOVE, json!({ "i": id_of("+923335550001") })).await;
    app.admin(REMOVE, json!({ "i": id_of("shared.copy@example.com") })).await;
    let opened = ledgers_opened(app).await;
    for gone in ["+923335550001", "shared.copy@example.com"] {
        assert!(!opened.contains(gone), "{gone} still in a ledger");
    }
    assert!(opened.contains("+923335550002"), "what was not removed stays undoable");

    app.admin(UNMERGE_CUSTOMER, json!({ "mergeId": merge_id })).await;

    assert_eq!(values(app, &merged).await, ["+923335550002"]);
    assert_eq!(values(app, &survivor).await, Vec::<String>::new());
    let needles = ["+923335550001".to_owned(), "shared.copy@example.com".to_owned()];
    assert_stored_nowhere(app, &needles).await;
}

async fn a_removed_identity_is_gone_from_every_ledger_of_a_chain_of_merges(app: &TestApp) {
    let first =
        app.create_customer(json!({ "identities": [{ "channel": "PHONE", "value": "+92 345 7770001" }] })).await;
    let middle = app.create_customer(json!({ "displayName": "Middle" })).await;
    let last = app.create_customer(json!({ "displayName": "Last" })).await;
    app.admin(MERGE_CUSTOMERS, json!({ "survivorId": middle, "mergedIds": [first] })).await;
    app.admin(MERGE_CUSTOMERS, json!({ "survivorId": last, "mergedIds": [middle] })).await;
    assert_eq!(ledgers_opened(app).await.matches("+923457770001").count(), 2, "a copy in each ledger");

    let phone = app.identity_id(&last, "PHONE").await;
    app.admin(REMOVE, json!({ "i": phone })).await;

    assert!(!ledgers_opened(app).await.contains("+923457770001"));
    let inner = only_merge(app, &last).await;
    app.admin(UNMERGE_CUSTOMER, json!({ "mergeId": inner })).await;
    let outer = only_merge(app, &middle).await;
    app.admin(UNMERGE_CUSTOMER, json!({ "mergeId": outer })).await;
    for id in [&first, &middle, &last] {
        assert_eq!(values(app, id).await, Vec::<String>::new(), "{id}");
    }
}
