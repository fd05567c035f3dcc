//! `eraseCustomer`: after it, nothing of the person is stored anywhere — their clear
//! values, and the ciphertexts and blind indexes stored before — including the profiles
//! merged into them and the ledgers of those merges; what stays is a tombstone, answered as
//! `status: ERASED` by `customer` and `_entities`, with interactions linked to it without
//! free text. Idempotent, audited, refused while a legal hold is on.

use super::*;
use customers::store::codec::Aad;

on_both_databases!(
    an_erased_customer_leaves_nothing_stored_anywhere_and_answers_as_a_tombstone,
    erasing_again_answers_the_first_receipt,
    a_legal_hold_refuses_erasure_until_it_is_released,
    a_merged_profile_or_an_unknown_id_cannot_be_erased_and_a_tombstone_takes_no_writes,
    erasure_needs_privacy_admin,
    erasing_the_profile_an_interaction_was_relinked_from_leaves_its_history_readable,
);

/// A relinked interaction's free text is re-sealed under its new profile's key: erasing
/// (crypto-shredding) the profile it came from leaves the other person's history readable.
async fn erasing_the_profile_an_interaction_was_relinked_from_leaves_its_history_readable(app: &TestApp) {
    let wrong = app.create_customer(json!({ "displayName": "Wrong Person" })).await;
    let right = app.create_customer(json!({ "displayName": "Right Person" })).await;
    let mut talk = conversation("conv-relinked-1", "2026-01-05T10:00:00Z");
    talk["summary"] = json!("asked about the relinked parcel");
    talk["metadata"] = json!({ "parcel": "RELINK-7" });
    let interaction = id_of(&app.link(&wrong, talk).await);
    app.admin(RELINK_INTERACTION, json!({ "interactionId": interaction, "toCustomerId": right })).await;

    erase(app, &wrong, "linked by mistake, then erased").await;

    let history = "query($id: ID!) { customer(id: $id) { interactions { edges { node { id summary metadata } } } } }";
    let data = app.admin(history, json!({ "id": right })).await;
    let node = &data["customer"]["interactions"]["edges"][0]["node"];
    assert_eq!(node["id"], json!(interaction), "{data}");
    assert_eq!(node["summary"], "asked about the relinked parcel");
    assert_eq!(node["metadata"], json!({ "parcel": "RELINK-7" }));
}

const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) { __typename
    ... on Customer { id status displayName identities { id } labels { id } attributes { key }
        externalRefs { externalId } interactions { edges { node { id } } } merges { id } }
    ... on InteractionRef { id summary customer { id status } } } }";

/// The person to erase: a full profile, a second profile merged into it, a third merged and
/// unmerged again (a separate person since, whose ledger still mentions the first).
struct Person {
    id: String,
    merged: String,
    other: String,
    interaction: String,
    merge_id: String,
    /// What they told us, in clear.
    clear: Vec<String>,
}

async fn person(app: &TestApp) -> Person {
    app.define_attribute(json!({ "key": "passport", "type": "STRING", "pii": true })).await;
    app.define_attribute(json!({ "key": "tier", "type": "STRING" })).await;
    let vip = app.create_label("VIP").await;
    let id = app
        .create_customer(json!({
            "displayName": "Zubaida Erasable",
            "identities": [
                { "channel": "PHONE", "value": "+92 300 7654321", "primary": true },
                { "channel": "EMAIL", "value": "zubaida.erasable@example.com" }
            ],
            "attributes": [{ "key": "passport", "value": "PK-ERASE-99887" }, { "key": "tier", "value": "gold-erasable" }],
            "labelIds": [vip],
            "preferences": { "language": "ur", "consents": [
                { "channel": "EMAIL", "status": "OPT_IN", "source": "web-form-erasable" }
            ] },
            "externalRefs": [{ "system": "salesforce", "externalId": "SF-ERASE-4242" }]
        }))
        .await;
    let mut talk = conversation("conv-erase-1", "2026-01-05T10:00:00Z");
    talk["summary"] = json!("Zubaida asked about parcel ERASE-PARCEL-77");
    talk["metadata"] = json!({ "parcel": "ERASE-META-5150" });
    let interaction = id_of(&app.link(&id, talk).await);

    let merged = app
        .create_customer(json!({
            "displayName": "Zubi Duplicate-Erasable",
            "identities": [{ "channel": "WHATSAPP", "value": "+92 321 1112223" }]
        }))
        .await;
    consent_and_suppression(app, &id, "PHONE", "erasable-wording-1", "erasable-evidence-1").await;
    consent_and_suppression(app, &merged, "WHATSAPP", "erasable-wording-2", "erasable-evidence-2").await;
    app.admin(MERGE_CUSTOMERS, json!({ "survivorId": id, "mergedIds": [merged] })).await;
    let other = app
        .create_customer(json!({ "displayName": "Someone Else", "identities": [{ "channel": "EMAIL", "value": "else@example.org" }] }))
        .await;
    app.admin(MERGE_CUSTOMERS, json!({ "survivorId": id, "mergedIds": [other] })).await;
    let merges = app.customer(&id, "merges { id mergedIds }").await["merges"].clone();
    let undo = merges.as_array().unwrap().iter().find(|m| m["mergedIds"][0] == other.as_str()).unwrap();
    app.admin(UNMERGE_CUSTOMER, json!({ "mergeId": undo["id"] })).await;
    let merge_id = merges.as_array().unwrap().iter().find(|m| m["mergedIds"][0] == merged.as_str()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let clear = [
        "Zubaida Erasable",
        "+923007654321",
        "zubaida.erasable@example.com",
        "PK-ERASE-99887",
        "gold-erasable",
        "web-form-erasable",
        "SF-ERASE-4242",
        "ERASE-PARCEL-77",
        "ERASE-META-5150",
        "Zubi Duplicate-Erasable",
        "+923211112223",
        "erasable-source",
        "erasable-wording-1",
        "erasable-evidence-1",
        "erasable-wording-2",
        "erasable-evidence-2",
        "erasable suppression reason",
    ];
    Person { id, merged, other, interaction, merge_id, clear: clear.map(String::from).to_vec() }
}

/// A consent record on `channel` for the profile's identity there (its proof in clear:
/// `source`, `wording`, `evidence`), and a suppression of that channel.
async fn consent_and_suppression(app: &TestApp, customer: &str, channel: &str, wording: &str, evidence: &str) {
    let identity = app.identity_id(customer, channel).await;
    let record = "mutation($input: ConsentInput!) { recordConsent(input: $input) { id } }";
    let input = json!({ "customerId": customer, "channel": channel, "identityId": identity, "purpose": "marketing",
        "status": "OPT_IN", "source": "erasable-source", "wording": wording, "evidenceRef": evidence });
    app.admin(record, json!({ "input": input })).await;
    let suppress = "mutation($input: SuppressionInput!) { suppressContact(input: $input) { id } }";
    let input = json!({ "customerId": customer, "channel": "EMAIL", "reason": "erasable suppression reason" });
    app.admin(suppress, json!({ "input": input })).await;
}

fn id_of(v: &Value) -> String {
    id(v)
}

/// What is stored about them now, as stored: ciphertexts, blind indexes, sealed ledgers.
async fn stored_secrets(app: &TestApp, p: &Person) -> Vec<String> {
    let ids = format!("'{}', '{}'", p.id, p.merged);
    let mut out = stored(app, &format!("SELECT display_name AS v FROM customers WHERE id IN ({ids})")).await;
    for col in ["value", "lookup_key"] {
        out.extend(
            stored(app, &format!("SELECT {col} AS v FROM channel_identities WHERE customer_id IN ({ids})")).await,
        );
    }
    out.extend(
        stored(app, &format!("SELECT value AS v FROM customer_attributes WHERE customer_id = '{}'", p.id)).await,
    );
    out.extend(stored(app, &format!("SELECT ledger AS v FROM merges WHERE survivor_id = '{}'", p.id)).await);
    out.extend(stored(app, &format!("SELECT proof AS v FROM consent_records WHERE customer_id = '{}'", p.id)).await);
    out.extend(
        stored(
            app,
            &format!("SELECT metadata AS v FROM interaction_metadata WHERE interaction_id = '{}'", p.interaction),
        )
        .await,
    );
    out
}

async fn an_erased_customer_leaves_nothing_stored_anywhere_and_answers_as_a_tombstone(app: &TestApp) {
    let p = person(app).await;
    let mut needles = p.clear.clone();
    needles.extend(stored_secrets(app, &p).await);
    // The separate person keeps what is theirs.
    let others_name = stored(app, &format!("SELECT display_name AS v FROM customers WHERE id = '{}'", p.other)).await;
    // What a backup taken now holds of their names: it opens now, and must not after.
    let backup = [&p.id, &p.merged].map(|id| async move {
        let sealed = stored(app, &format!("SELECT display_name AS v FROM customers WHERE id = '{id}'")).await;
        (id.clone(), sealed.into_iter().next().expect("a sealed name"))
    });
    let mut backed_up = Vec::new();
    for copy in backup {
        backed_up.push(copy.await);
    }
    for (id, sealed) in &backed_up {
        assert!(app.store.codec.open(Aad::display_name(id), sealed).await.is_ok(), "the copy opens before");
    }

    let receipt = erase(app, &p.id, "GDPR request ticket 4711").await;

    // Crypto-shredding: the erased profiles' data keys are gone, so the copy no longer opens.
    for (id, sealed) in &backed_up {
        assert!(app.store.codec.open(Aad::display_name(id), sealed).await.is_err(), "{id}: the backup still opens");
    }

    assert_eq!(receipt["customerId"], p.id.as_str());
    assert_eq!(receipt["mergedProfiles"], json!([p.merged]));
    assert_eq!(
        (receipt["reason"].as_str(), receipt["erasedBy"].as_str()),
        (Some("GDPR request ticket 4711"), Some("agent-007"))
    );
    assert_eq!(receipt["alreadyErased"], false);
    assert_eq!(
        receipt["counts"],
        json!({ "identities": 3, "attributes": 2, "labels": 1, "preferences": 1, "externalRefs": 1,
                "interactionsScrubbed": 1, "mergeLedgers": 2, "consentRecordsStripped": 2, "suppressions": 2 })
    );
    // The consent history keeps what was decided when, naming no one (decision 0015).
    let history =
        "query($id: ID!) { consentHistory(customerId: $id) { channel purpose status source wording evidenceRef } }";
    let kept = app.admin(history, json!({ "id": p.id })).await["consentHistory"].clone();
    let skeleton = |channel: &str| {
        json!({ "channel": channel, "purpose": "marketing", "status": "OPT_IN", "source": null, "wording": null,
            "evidenceRef": null })
    };
    assert_eq!(kept, json!([skeleton("PHONE"), skeleton("WHATSAPP")]), "{kept}");
    let suppressions = app.admin("query($id: ID!) { suppressions(customerId: $id) { id } }", json!({ "id": p.id }));
    assert_eq!(suppressions.await["suppressions"], json!([]));
    assert_stored_nowhere(app, &needles).await;
    assert_eq!(
        stored(app, &format!("SELECT display_name AS v FROM customers WHERE id = '{}'", p.other)).await,
        others_name,
        "a profile unmerged before is another person: untouched"
    );

    let reps = json!([
        { "__typename": "Customer", "id": p.id },
        { "__typename": "Customer", "id": p.merged },
        { "__typename": "InteractionRef", "id": p.interaction }
    ]);
    let entities = app.admin(ENTITIES, json!({ "r": reps })).await["_entities"].clone();
    let tombstone = json!({ "status": "ERASED", "displayName": null, "identities": [], "labels": [], "attributes": [],
        "externalRefs": [], "interactions": { "edges": [] }, "merges": [] });
    for (i, id) in [&p.id, &p.merged].into_iter().enumerate() {
        let mut expected = tombstone.clone();
        expected["__typename"] = json!("Customer");
        expected["id"] = json!(id);
        assert_eq!(entities[i], expected);
    }
    assert_eq!(
        entities[2],
        json!({ "__typename": "InteractionRef", "id": p.interaction, "summary": null,
                "customer": { "id": p.id, "status": "ERASED" } }),
        "the interaction stays, linked to the tombstone, without its free text"
    );
    assert_eq!(app.customer(&p.id, "status displayName").await, json!({ "status": "ERASED", "displayName": null }));

    let unmerge = app.attempt(UNMERGE_CUSTOMER, json!({ "mergeId": p.merge_id })).await;
    assert_error(&unmerge, "NOT_FOUND", "mergeId");
    assert_stored_nowhere(app, &p.clear).await;

    let exported = export(app, &p.id).await;
    let text = exported.to_string();
    for needle in &needles {
        assert!(!text.contains(needle.as_str()), "{needle:?} in the export after erasure");
    }
    assert_eq!(exported["customer"]["status"], "ERASED");
    for list in ["identities", "attributes", "labels", "preferences", "externalRefs", "merges"] {
        assert_eq!(exported[list], json!([]), "{list}");
    }

    // Listings leave tombstones out; the audit log keeps the receipt on each profile, and verifies.
    let listed = app.admin(CUSTOMERS, json!({})).await;
    assert!(!listed.to_string().contains(&p.id), "{listed}");
    let entries = app
        .admin(AUDIT_LOG, json!({ "customerId": p.merged, "action": "customer.erase", "first": 10 }))
        .await["auditLog"]["edges"]
        .clone();
    assert_eq!(entries[0]["node"]["details"]["reason"], "GDPR request ticket 4711", "{entries}");
    assert_eq!(entries[0]["node"]["details"]["customerId"], p.id.as_str());
    let s = services(app);
    s.seal_audit().await.unwrap();
    assert_eq!(s.verify_audit().await.unwrap().finding, None);
}

async fn erasing_again_answers_the_first_receipt(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Twice Erased" })).await;
    let first = erase(app, &id, "ticket 1").await;
    let version = app.version(&id).await;

    let again = erase(app, &id, "ticket 2").await;

    let mut expected = first.clone();
    expected["alreadyErased"] = json!(true);
    assert_eq!(again, expected, "the first receipt, marked as such");
    assert_eq!(app.version(&id).await, version, "nothing written");
    let erasures =
        app.admin(AUDIT_LOG, json!({ "customerId": id, "action": "customer.erase" })).await["auditLog"]["edges"]
            .clone();
    assert_eq!(erasures.as_array().unwrap().len(), 1);
}

async fn a_legal_hold_refuses_erasure_until_it_is_released(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Held Person" })).await;
    let held = app.admin(SET_LEGAL_HOLD, json!({ "customerId": id, "on": true, "reason": "case 2026-17" })).await;
    assert_eq!(held["setLegalHold"]["legalHold"]["reason"], "case 2026-17");
    assert_eq!(held["setLegalHold"]["legalHold"]["setBy"], "agent-007");

    let refused = app.attempt(ERASE_CUSTOMER, json!({ "id": id, "reason": "request" })).await;

    assert_error(&refused, "CONFLICT", "id");
    assert_eq!(app.customer(&id, "status").await["status"], "ACTIVE");
    let released = app.admin(SET_LEGAL_HOLD, json!({ "customerId": id, "on": false })).await;
    assert_eq!(released["setLegalHold"]["legalHold"], Value::Null);
    assert_eq!(erase(app, &id, "request").await["customerId"], id.as_str());
    let holds =
        app.admin(AUDIT_LOG, json!({ "customerId": id, "action": "customer.legal_hold" })).await["auditLog"]["edges"]
            .clone();
    assert_eq!(holds.as_array().unwrap().len(), 2, "putting on and releasing are audited: {holds}");
}

async fn a_merged_profile_or_an_unknown_id_cannot_be_erased_and_a_tombstone_takes_no_writes(app: &TestApp) {
    let survivor = app.create_customer(json!({ "displayName": "Survivor" })).await;
    let merged = app.create_customer(json!({ "displayName": "Merged" })).await;
    app.admin(MERGE_CUSTOMERS, json!({ "survivorId": survivor, "mergedIds": [merged] })).await;

    assert_error(&app.attempt(ERASE_CUSTOMER, json!({ "id": merged, "reason": "r" })).await, "CONFLICT", "id");
    assert_error(&app.attempt(ERASE_CUSTOMER, json!({ "id": missing_id(), "reason": "r" })).await, "NOT_FOUND", "id");
    assert_error(
        &app.attempt(ERASE_CUSTOMER, json!({ "id": survivor, "reason": " " })).await,
        "BAD_USER_INPUT",
        "reason",
    );

    erase(app, &survivor, "request").await;
    let identity = json!({ "channel": "EMAIL", "value": "back@example.com" });
    let write = app.attempt(ADD_CHANNEL_IDENTITY, json!({ "customerId": survivor, "identity": identity })).await;
    assert_error(&write, "NOT_FOUND", "customerId");
    let hold = app.attempt(SET_LEGAL_HOLD, json!({ "customerId": survivor, "on": true })).await;
    assert_error(&hold, "NOT_FOUND", "customerId");
}

async fn erasure_needs_privacy_admin(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Not Yours" })).await;
    let scopes = all_scopes_but("privacy:admin");
    let body = app.as_scopes(&scopes, ERASE_CUSTOMER, json!({ "id": id, "reason": "r" })).await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"], "{body}");
    let body = app.as_scopes(&scopes, EXPORT_CUSTOMER, json!({ "id": id })).await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"], "{body}");
    let body = app.as_scopes(&scopes, SET_LEGAL_HOLD, json!({ "customerId": id, "on": true })).await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"], "{body}");
    assert_eq!(app.customer(&id, "status").await["status"], "ACTIVE");
}
