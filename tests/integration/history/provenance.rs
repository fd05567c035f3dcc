//! Label provenance: `labelAssignments` says where each label came from, by whom (staff ids
//! for `privacy:admin` only) and when; an assignment the CRM owns is removed only by a
//! caller with `labels:manage`; `customerByExternalRef` finds the profile of a CRM record.

use super::*;

async fn crm_sync(app: &TestApp, external_id: &str, input: Value) -> String {
    let variables = json!({ "ref": { "system": "Salesforce", "externalId": external_id }, "input": input });
    let body =
        app.post(Some(&token_for("crm-connector", ALL_SCOPES)), UPSERT_CUSTOMER_BY_EXTERNAL_REF, variables).await.1;
    assert!(body.get("errors").is_none(), "{body:#}");
    id(&body["data"]["upsertCustomerByExternalRef"])
}

async fn assignments(app: &TestApp, scopes: &str, customer: &str) -> Vec<Value> {
    let body = app.as_scopes(scopes, LABEL_ASSIGNMENTS, json!({ "id": customer })).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"]["customer"]["labelAssignments"].as_array().expect("assignments").clone()
}

async fn label_assignments_say_where_each_label_came_from(app: &TestApp) {
    let vip = app.create_label("VIP").await;
    let debtor = app.create_label("Debtor").await;
    let customer = crm_sync(app, "003A", json!({ "displayName": "Ayesha Khan", "labelIds": [vip] })).await;
    app.admin(ASSIGN_LABELS, json!({ "customerId": customer, "labelIds": [debtor] })).await;

    let admin = assignments(app, "customers:read privacy:admin", &customer).await;
    let summary: Vec<(Value, Value, Value)> =
        admin.iter().map(|a| (a["label"]["name"].clone(), a["source"].clone(), a["assignedBy"].clone())).collect();
    assert_eq!(
        summary,
        [(json!("Debtor"), json!("MANUAL"), json!("agent-007")), (json!("VIP"), json!("CRM"), json!("crm-connector"))]
    );
    for a in &admin {
        let age = chrono::Utc::now() - instant(&a["assignedAt"]).with_timezone(&chrono::Utc);
        assert!(age < chrono::Duration::minutes(5) && age >= chrono::Duration::zero(), "{a}");
    }
    // Who assigned is a staff id: hidden without privacy:admin, as mergedBy is.
    let agent = assignments(app, "customers:read pii:read labels:assign", &customer).await;
    assert!(agent.iter().all(|a| a["assignedBy"].is_null()), "{agent:?}");
    assert_eq!(agent.iter().map(|a| a["source"].clone()).collect::<Vec<_>>(), [json!("MANUAL"), json!("CRM")]);
    // The plain `labels` list keeps its shape.
    assert_eq!(app.label_names(&customer).await, ["Debtor", "VIP"]);
}

async fn a_crm_owned_label_is_removed_only_with_labels_manage(app: &TestApp) {
    let vip = app.create_label("VIP").await;
    let local = app.create_label("Callback").await;
    let customer = crm_sync(app, "003B", json!({ "labelIds": [vip] })).await;
    app.admin(ASSIGN_LABELS, json!({ "customerId": customer, "labelIds": [local] })).await;
    let version = app.version(&customer).await;

    let agent = "customers:read labels:assign";
    let both = json!({ "customerId": customer, "labelIds": [local, vip] });
    let refused = app.as_scopes(agent, UNASSIGN_LABELS, both).await;
    assert_error(&refused, "FORBIDDEN", "labelIds.1");
    assert_eq!(refused["errors"][0]["extensions"]["requiredScope"], "labels:manage");
    assert_eq!(app.label_names(&customer).await, ["Callback", "VIP"], "nothing removed");
    assert_eq!(app.version(&customer).await, version);

    let manual = app.as_scopes(agent, UNASSIGN_LABELS, json!({ "customerId": customer, "labelIds": [local] })).await;
    assert!(manual.get("errors").is_none(), "a manual label is the agent's to remove: {manual:#}");
    let supervisor = "customers:read labels:assign labels:manage";
    let removed =
        app.as_scopes(supervisor, UNASSIGN_LABELS, json!({ "customerId": customer, "labelIds": [vip] })).await;
    assert!(removed.get("errors").is_none(), "{removed:#}");
    assert_eq!(app.label_names(&customer).await, Vec::<String>::new());
}

async fn the_crm_sync_removes_the_labels_it_no_longer_names_and_only_its_own(app: &TestApp) {
    let vip = app.create_label("VIP").await;
    let gold = app.create_label("Gold").await;
    let callback = app.create_label("Callback").await;
    let customer = crm_sync(app, "003D", json!({ "labelIds": [vip, gold] })).await;
    app.admin(ASSIGN_LABELS, json!({ "customerId": customer, "labelIds": [callback] })).await;

    // A sync that does not say it carries the whole set only adds.
    crm_sync(app, "003D", json!({ "labelIds": [gold] })).await;
    assert_eq!(app.label_names(&customer).await, ["Callback", "Gold", "VIP"]);

    let query = "mutation($ref: ExternalRefInput!, $input: CreateCustomerInput!) {
        upsertCustomerByExternalRef(ref: $ref, input: $input, syncLabels: true) { id labels { name } } }";
    let variables = json!({ "ref": { "system": "salesforce", "externalId": "003D" }, "input": { "labelIds": [gold] } });
    // Dropping every CRM label names no label, yet removes assignments: it needs labels:assign too.
    let drop_all = json!({ "ref": { "system": "salesforce", "externalId": "003D" }, "input": { "labelIds": [] } });
    let without = app.as_scopes("customers:read customers:write", query, drop_all).await;
    assert_error(&without, "FORBIDDEN", "syncLabels");
    assert_eq!(app.label_names(&customer).await, ["Callback", "Gold", "VIP"]);
    let body = app
        .post(Some(&token_for("crm-connector", "customers:read customers:write labels:assign")), query, variables)
        .await
        .1;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(strings(&body["data"]["upsertCustomerByExternalRef"]["labels"], "name"), ["Callback", "Gold"]);
    let log = app.admin(AUDIT_LOG, json!({ "customerId": customer, "action": "customer.sync", "first": 1 })).await;
    assert_eq!(log["auditLog"]["edges"][0]["node"]["fields"], json!(["labels"]));
}

async fn a_crm_record_finds_its_profile_with_scopes_and_masking(app: &TestApp) {
    let customer = crm_sync(app, "003C", json!({ "displayName": "Ayesha Khan" })).await;
    let by_ref = |system: &str, external_id: &str| json!({ "system": system, "externalId": external_id });

    let found = app.as_scopes("customers:read pii:read", CUSTOMER_BY_EXTERNAL_REF, by_ref("SALESFORCE", "003C")).await;
    let profile = &found["data"]["customerByExternalRef"];
    assert_eq!((&profile["id"], &profile["displayName"]), (&json!(customer), &json!("Ayesha Khan")), "{found:#}");
    assert_eq!(profile["externalRefs"], json!([{ "system": "salesforce", "externalId": "003C" }]));

    let masked = app.as_scopes("customers:read", CUSTOMER_BY_EXTERNAL_REF, by_ref("salesforce", "003C")).await;
    assert_eq!(masked["data"]["customerByExternalRef"]["displayName"], "A***", "{masked:#}");
    assert!(!masked.to_string().contains("Ayesha Khan"));

    let none = app.as_scopes("customers:read", CUSTOMER_BY_EXTERNAL_REF, by_ref("salesforce", "003-unknown")).await;
    assert_eq!(none["data"]["customerByExternalRef"], Value::Null, "{none:#}");
    let forbidden =
        app.as_scopes("pii:read labels:assign", CUSTOMER_BY_EXTERNAL_REF, by_ref("salesforce", "003C")).await;
    assert_eq!(error_codes(&forbidden), ["FORBIDDEN"], "{forbidden:#}");
    assert!(!forbidden.to_string().contains("Ayesha"));
    let blank = app.as_scopes("customers:read", CUSTOMER_BY_EXTERNAL_REF, by_ref("salesforce", "  ")).await;
    assert_error(&blank, "BAD_USER_INPUT", "externalId");

    // A merge moves the record's link: the survivor answers.
    let survivor = app.create_customer(json!({ "displayName": "Survivor" })).await;
    app.admin(
        "mutation($s: ID!, $m: [ID!]!) { mergeCustomers(survivorId: $s, mergedIds: $m) { id } }",
        json!({ "s": survivor, "m": [customer] }),
    )
    .await;
    let moved = app.as_scopes("customers:read", CUSTOMER_BY_EXTERNAL_REF, by_ref("salesforce", "003C")).await;
    assert_eq!(moved["data"]["customerByExternalRef"]["id"], json!(survivor), "{moved:#}");
}

on_both_databases!(
    label_assignments_say_where_each_label_came_from,
    a_crm_owned_label_is_removed_only_with_labels_manage,
    the_crm_sync_removes_the_labels_it_no_longer_names_and_only_its_own,
    a_crm_record_finds_its_profile_with_scopes_and_masking,
);
