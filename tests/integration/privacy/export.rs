//! `exportCustomer`: one versioned JSON document with everything held about the person,
//! decrypted — the profiles merged into them, identities, attributes, labels with their
//! source, consents and the consent history with its proof, suppressions, the whole
//! history, CRM links, merge ledgers and audit entries — and
//! the export itself is audited.

use super::*;

on_both_databases!(
    the_export_holds_every_piece_of_data_decrypted_and_is_audited,
    a_merged_profile_is_exported_through_its_survivor,
);

async fn the_export_holds_every_piece_of_data_decrypted_and_is_audited(app: &TestApp) {
    app.define_attribute(json!({ "key": "passport", "type": "STRING", "pii": true })).await;
    let crm = app.create_label("Gold").await;
    let id = app
        .create_customer(json!({
            "displayName": "Export Person",
            "identities": [{ "channel": "PHONE", "value": "+92 300 1112233" }],
            "attributes": [{ "key": "passport", "value": "PK-EXPORT-1" }],
            "labelIds": [crm],
            "preferences": { "consents": [{ "channel": "SMS", "status": "OPT_OUT", "source": "ivr call" }] },
            "externalRefs": [{ "system": "zendesk", "externalId": "ZD-77" }]
        }))
        .await;
    let merged = app
        .create_customer(json!({ "displayName": "Export Alias", "identities": [{ "channel": "EMAIL", "value": "alias@example.com" }] }))
        .await;
    for n in 0..25 {
        let mut talk = conversation(&format!("conv-export-{n}"), &format!("2026-01-{:02}T10:00:00Z", n + 1));
        talk["summary"] = json!(format!("call {n}, card 4111 1111 1111 1111, mail export@example.com"));
        app.link(if n % 2 == 0 { &id } else { &merged }, talk).await;
    }
    let consent = json!({ "customerId": merged, "channel": "EMAIL", "purpose": "marketing", "status": "OPT_IN",
        "source": "web-form", "wording": "newsletter-v4", "evidenceRef": "form 31" });
    app.admin("mutation($i: ConsentInput!) { recordConsent(input: $i) { id } }", json!({ "i": consent })).await;
    let suppression = json!({ "customerId": id, "channel": "PHONE", "reason": "asked not to be called" });
    app.admin("mutation($i: SuppressionInput!) { suppressContact(input: $i) { id } }", json!({ "i": suppression }))
        .await;
    app.admin(MERGE_CUSTOMERS, json!({ "survivorId": id, "mergedIds": [merged] })).await;

    let doc = export(app, &id).await;

    assert_eq!((doc["format"].as_str(), doc["version"].as_i64()), (Some("customers.subject-access-export"), Some(1)));
    assert_eq!(doc["exportedBy"], "agent-007");
    assert_eq!(doc["customer"]["displayName"], "Export Person");
    assert_eq!(doc["mergedProfiles"][0]["displayName"], "Export Alias");
    assert_eq!(doc["mergedProfiles"][0]["status"], "MERGED");
    let mut values = strings(&doc["identities"], "value");
    values.sort();
    assert_eq!(values, ["+923001112233", "alias@example.com"]);
    assert_eq!(doc["attributes"][0]["value"], "PK-EXPORT-1");
    assert_eq!(doc["labels"][0]["name"], "Gold");
    assert_eq!(doc["labels"][0]["labelSource"], "MANUAL");
    assert_eq!(doc["labels"][0]["assignmentSource"], "MANUAL");
    assert_eq!(doc["preferences"][0]["consents"][0]["source"], "ivr call");
    assert_eq!(doc["externalRefs"], json!([{ "system": "zendesk", "externalId": "ZD-77" }]));
    let consent = &doc["consentRecords"][0];
    assert_eq!(
        (&consent["customerId"], &consent["status"], &consent["wording"], &consent["evidenceRef"]),
        (&json!(id), &json!("OPT_IN"), &json!("newsletter-v4"), &json!("form 31")),
        "the consent history with its proof (moved to the survivor by the merge): {doc}"
    );
    assert_eq!(doc["suppressions"][0]["reason"], "asked not to be called");
    let history = doc["interactions"].as_array().unwrap();
    assert_eq!(history.len(), 25, "the whole history, not a page");
    assert_eq!(history[0]["summary"], "call 0, card [card number], mail export@example.com", "cards never leave");
    let ledger = doc["merges"][0]["ledger"].to_string();
    assert!(ledger.contains("alias@example.com") && ledger.contains("Export Alias"), "ledgers decrypted: {ledger}");
    let actions = strings(&doc["auditEntries"], "action");
    assert!(
        actions.contains(&"customer.create".to_owned()) && actions.contains(&"customer.merge".to_owned()),
        "{actions:?}"
    );

    let exports =
        app.admin(AUDIT_LOG, json!({ "customerId": id, "action": "customer.export" })).await["auditLog"]["edges"]
            .clone();
    assert_eq!(exports.as_array().unwrap().len(), 1, "the export is audited: {exports}");
    assert!(!exports.to_string().contains("Export Person"), "no value in the audit log");
}

async fn a_merged_profile_is_exported_through_its_survivor(app: &TestApp) {
    let survivor = app.create_customer(json!({ "displayName": "S" })).await;
    let merged = app.create_customer(json!({ "displayName": "M" })).await;
    app.admin(MERGE_CUSTOMERS, json!({ "survivorId": survivor, "mergedIds": [merged] })).await;

    assert_error(&app.attempt(EXPORT_CUSTOMER, json!({ "id": merged })).await, "CONFLICT", "id");
    assert_error(&app.attempt(EXPORT_CUSTOMER, json!({ "id": missing_id() })).await, "NOT_FOUND", "id");
}
