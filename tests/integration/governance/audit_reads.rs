//! Every response that shows personal data unmasked is recorded, once per profile, with the
//! fields it showed; a masked response is not.

use super::*;
use crate::api::fixtures::{RAW_PII, define_schema, full_customer};

on_both_databases!(
    a_root_read_with_pii_is_recorded_with_its_principal_operation_and_fields,
    a_read_of_non_pii_fields_or_without_pii_read_is_not_recorded,
    a_page_of_profiles_is_one_entry_found_under_each_profile,
    a_response_showing_profiles_different_fields_says_which,
    an_entities_read_is_recorded,
    a_mutation_result_that_shows_pii_is_recorded,
    a_response_whose_record_cannot_be_written_is_withheld,
    the_audit_log_is_for_privacy_admins_and_pages_and_filters,
);

on_both_databases_with!(super::reads_unflushed => entries_that_do_not_wait_for_the_flush_are_recorded_sealed_and_withheld_as_before);

/// `CUSTOMERS_AUDIT_READS_SYNC=false`.
fn reads_unflushed(settings: &mut customers::config::Settings) {
    settings.pool.read_audit_sync = false;
}

const PROFILE: &str =
    "query Profile($id: ID!) { customer(id: $id) { id displayName identities { value } attributes { key value } } }";

async fn a_root_read_with_pii_is_recorded_with_its_principal_operation_and_fields(app: &TestApp) {
    define_schema(app).await;
    let id = full_customer(app, 0, &[], 0).await;

    let body = app.post(Some(&token_for("dr-watson", "customers:read pii:read")), PROFILE, json!({ "id": id })).await.1;
    assert_eq!(body["data"]["customer"]["displayName"], "Ayesha Khan", "{body:#}");

    let reads: Vec<Value> = pii_reads(app, &id).await.into_iter().filter(|e| e["principal"] == "dr-watson").collect();
    assert_eq!(reads.len(), 1, "{reads:#?}");
    assert_eq!(reads[0]["operation"], "Profile");
    assert_eq!(reads[0]["customerId"], json!(id));
    assert_eq!(
        reads[0]["fields"],
        json!(["attributes.account_number", "attributes.date_of_birth", "displayName", "identities.value"])
    );
    let text = serde_json::to_string(&reads).unwrap().to_lowercase();
    for raw in RAW_PII {
        assert!(!text.contains(&raw.to_lowercase()), "{raw:?} in the audit log");
    }
}

async fn a_read_of_non_pii_fields_or_without_pii_read_is_not_recorded(app: &TestApp) {
    define_schema(app).await;
    let id = full_customer(app, 0, &[], 0).await;
    let before = pii_reads(app, &id).await.len();

    let masked = app.post(Some(&token_for("masked", "customers:read")), PROFILE, json!({ "id": id })).await.1;
    assert_ne!(masked["data"]["customer"]["displayName"], "Ayesha Khan", "{masked:#}");
    let plain = "query($id: ID!) { customer(id: $id) { id status attributes { key pii redacted } labels { name } } }";
    let body = app.post(Some(&token_for("plain", "customers:read pii:read")), plain, json!({ "id": id })).await.1;
    assert!(body.get("errors").is_none(), "{body:#}");

    assert_eq!(pii_reads(app, &id).await.len(), before);
}

async fn a_page_of_profiles_is_one_entry_found_under_each_profile(app: &TestApp) {
    define_schema(app).await;
    let mut ids = Vec::new();
    for n in 1..=3 {
        ids.push(full_customer(app, n, &[], 1).await);
    }
    let token = token_for("supervisor-1", "customers:read pii:read");
    let masked = token_for("supervisor-2", "customers:read");
    // The statements of the masked page are the baseline: the audited page adds the entry
    // and its per-profile index: one INSERT on PostgreSQL (the profiles are indexed from the
    // entry's own list), two INSERTs in one transaction on SQLite.
    let before = app.statements();
    app.post(Some(&masked), CUSTOMER_360, json!({ "first": 10 })).await;
    let unaudited = app.statements() - before;
    let before = app.statements();
    let body = app.post(Some(&token), CUSTOMER_360, json!({ "first": 10 })).await.1;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(app.statements() - before, unaudited + if app.is_postgres() { 1 } else { 2 });

    let recorded = entries(app, json!({ "principal": "supervisor-1" })).await;
    assert_eq!(recorded.len(), 1, "one entry for the response: {recorded:#?}");
    let entry = &recorded[0];
    assert_eq!((&entry["operation"], &entry["action"]), (&json!("Customer360"), &json!("pii.read")));
    assert_eq!((&entry["customerId"], &entry["entityId"]), (&Value::Null, &json!("response")));
    let mut listed: Vec<String> =
        entry["customerIds"].as_array().unwrap().iter().map(|id| id.as_str().unwrap().to_owned()).collect();
    listed.sort();
    ids.sort();
    assert_eq!(listed, ids);
    assert_eq!(entry["details"]["customerIds"], entry["customerIds"], "the MAC-covered list");
    // Every profile shown the same fields: no per-profile breakdown needed.
    assert!(entry["fields"].as_array().unwrap().contains(&json!("displayName")), "{entry:#}");
    assert!(entry["details"].get("fieldsByCustomer").is_none(), "{entry:#}");
    // The entry is in each profile's log, and only once.
    for id in &ids {
        let reads: Vec<Value> =
            pii_reads(app, id).await.into_iter().filter(|e| e["principal"] == "supervisor-1").collect();
        assert_eq!(reads.len(), 1, "{id}: {reads:#?}");
        assert_eq!(reads[0]["id"], entry["id"]);
    }
    assert!(entries(app, json!({ "principal": "supervisor-2" })).await.is_empty());
}

/// A response showing profiles different fields says which profile was shown what.
async fn a_response_showing_profiles_different_fields_says_which(app: &TestApp) {
    let shown = app
        .create_customer(json!({
            "displayName": "Ayesha Khan",
            "identities": [{ "channel": "PHONE", "value": "+923001234567" }],
        }))
        .await;
    let other = app
        .create_customer(json!({
            "displayName": "Bilal Ahmed",
            "identities": [{ "channel": "EMAIL", "value": "bilal@example.com" }],
        }))
        .await;
    let query = "query Two($a: ID!, $b: ID!) { a: customer(id: $a) { displayName identities { value } } b: customer(id: $b) { id status } }";
    let token = token_for("two-reader", "customers:read pii:read");
    app.post(Some(&token), query, json!({ "a": shown, "b": other })).await;
    let both = "query Both($a: ID!, $b: ID!) { a: customer(id: $a) { displayName } b: customer(id: $b) { displayName identities { value } } }";
    let body = app.post(Some(&token), both, json!({ "a": shown, "b": other })).await.1;
    assert!(body.get("errors").is_none(), "{body:#}");

    let recorded = entries(app, json!({ "principal": "two-reader" })).await;
    assert_eq!(recorded.len(), 2, "{recorded:#?}");
    // Newest first: the response about both, then the one that showed one profile only.
    let (several, one) = (&recorded[0], &recorded[1]);
    assert_eq!(one["customerId"], json!(shown));
    assert_eq!(one["customerIds"], json!([shown]));
    assert_eq!(several["fields"], json!(["displayName", "identities.value"]));
    assert_eq!(several["details"]["fieldsByCustomer"][&shown], json!(["displayName"]));
    assert_eq!(several["details"]["fieldsByCustomer"][&other], json!(["displayName", "identities.value"]));
}

async fn an_entities_read_is_recorded(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    let query = "query Router($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id displayName } } }";
    let variables = json!({ "r": [{ "__typename": "Customer", "id": id }] });
    let body = app.post(Some(&token_for("router-user", "customers:read pii:read")), query, variables).await.1;
    assert_eq!(body["data"]["_entities"][0]["displayName"], "Ayesha Khan", "{body:#}");

    let reads = entries(app, json!({ "principal": "router-user" })).await;
    assert_eq!(reads.len(), 1);
    assert_eq!((&reads[0]["customerId"], &reads[0]["fields"]), (&json!(id), &json!(["displayName"])));
}

async fn a_mutation_result_that_shows_pii_is_recorded(app: &TestApp) {
    let body = app
        .post(
            Some(&token_for("writer", "customers:read customers:write pii:read")),
            "mutation New { createCustomer(input: { displayName: \"Ayesha Khan\" }) { id displayName } }",
            json!({}),
        )
        .await
        .1;
    let id = body["data"]["createCustomer"]["id"].as_str().expect("created").to_owned();

    let mine = entries(app, json!({ "principal": "writer" })).await;
    let mut actions: Vec<&str> = mine.iter().map(|e| e["action"].as_str().unwrap()).collect();
    actions.sort();
    assert_eq!(actions, ["customer.create", "pii.read"]);
    assert!(mine.iter().all(|e| e["customerId"] == json!(id) && e["operation"] == "New"));
}

/// PII is never shown unaudited: when the entry cannot be written, the response is
/// withheld (answered `INTERNAL` with a reference) rather than sent without a record.
async fn a_response_whose_record_cannot_be_written_is_withheld(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    use sea_orm::ConnectionTrait as _;
    let remove = fail_audit_inserts(app).await;

    let body = app.attempt(PROFILE, json!({ "id": id })).await;
    let masked = app.as_scopes("customers:read", PROFILE, json!({ "id": id })).await;
    let write = app.attempt(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "Someone Else" } })).await;

    app.store.db.execute_unprepared(remove).await.unwrap();
    assert_eq!(error_codes(&body), ["INTERNAL"], "{body:#}");
    assert!(body["data"].is_null(), "{body:#}");
    assert!(!body.to_string().contains("Ayesha"), "{body:#}");
    assert!(masked.get("errors").is_none(), "a masked read writes no entry: {masked:#}");
    assert_eq!(error_codes(&write), ["INTERNAL"], "{write:#}");
    assert_eq!(app.customer(&id, "displayName").await["displayName"], "Ayesha Khan", "the write was rolled back");
}

async fn the_audit_log_is_for_privacy_admins_and_pages_and_filters(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    for _ in 0..3 {
        app.post(Some(&token_for("pager", "customers:read pii:read")), PROFILE, json!({ "id": id })).await;
    }
    let refused = app.as_scopes(&all_scopes_but("privacy:admin"), AUDIT_LOG, json!({})).await;
    assert_eq!(error_codes(&refused), ["FORBIDDEN"], "{refused:#}");

    let first = app.admin(AUDIT_LOG, json!({ "principal": "pager", "first": 2 })).await;
    let page = &first["auditLog"];
    assert_eq!(page["edges"].as_array().unwrap().len(), 2);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let rest =
        app.admin(AUDIT_LOG, json!({ "principal": "pager", "first": 2, "after": page["pageInfo"]["endCursor"] })).await;
    assert_eq!(rest["auditLog"]["edges"].as_array().unwrap().len(), 1);
    assert_eq!(rest["auditLog"]["pageInfo"]["hasNextPage"], false);
    let all: Vec<Value> = entries(app, json!({ "principal": "pager" })).await;
    let at = |e: &Value| instant(&e["at"]);
    assert!(all.windows(2).all(|w| at(&w[0]) >= at(&w[1])), "newest first");

    let future = entries(app, json!({ "principal": "pager", "since": "2999-01-01T00:00:00Z" })).await;
    assert!(future.is_empty());
    let past = entries(app, json!({ "principal": "pager", "until": "2000-01-01T00:00:00Z" })).await;
    assert!(past.is_empty());
    let created = entries(app, json!({ "action": "customer.create", "customerId": id })).await;
    assert_eq!(created.len(), 1);
    let bad = app.attempt(AUDIT_LOG, json!({ "after": "nonsense" })).await;
    assert_error(&bad, "BAD_USER_INPUT", "after");
}

/// With `CUSTOMERS_AUDIT_READS_SYNC=false` the `pii.read` entries go, on PostgreSQL, through
/// a pool of their own whose commits do not wait for the WAL flush; every other statement
/// keeps the server's setting. The entries are recorded, found, sealed and verified as
/// before, and a response whose entry cannot be written is still withheld. On SQLite the
/// setting changes nothing.
async fn entries_that_do_not_wait_for_the_flush_are_recorded_sealed_and_withheld_as_before(app: &TestApp) {
    use sea_orm::{ConnectionTrait as _, DatabaseConnection, Statement};
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;

    let body = app.post(Some(&token_for("dr-watson", "customers:read pii:read")), PROFILE, json!({ "id": id })).await.1;
    assert_eq!(body["data"]["customer"]["displayName"], "Ayesha Khan", "{body:#}");

    let reads: Vec<Value> = pii_reads(app, &id).await.into_iter().filter(|e| e["principal"] == "dr-watson").collect();
    assert_eq!(reads.len(), 1, "{reads:#?}");
    assert_eq!(reads[0]["fields"], json!(["displayName"]));
    let setting = |db: &DatabaseConnection| {
        let show = Statement::from_string(db.get_database_backend(), "SHOW synchronous_commit".to_owned());
        let db = db.clone();
        async move { db.query_one_raw(show).await.unwrap().unwrap().try_get_by_index::<String>(0).unwrap() }
    };
    if app.is_postgres() {
        assert_eq!(setting(app.store.read_audit_db()).await, "off");
        // The test databases' URL turns the flush off for every session (for speed): with
        // the server's `on`, only the read entries' pool goes without it.
        let url = app.database().url().replace("synchronous_commit%3Doff", "synchronous_commit%3Don");
        let pool = customers::config::PoolSettings { read_audit_sync: false, ..Default::default() };
        let store = customers::store::Store::connect_pooled(&url, app.store.codec.clone(), None, &pool).await.unwrap();
        assert_eq!(setting(&store.db).await, "on", "writes and their entries keep the server's setting");
        assert_eq!(setting(store.read_audit_db()).await, "off");
        let durable = customers::config::PoolSettings::default();
        let store =
            customers::store::Store::connect_pooled(&url, app.store.codec.clone(), None, &durable).await.unwrap();
        assert!(std::ptr::eq(store.read_audit_db(), &store.db), "by default the entries share the pool");
    } else {
        assert!(std::ptr::eq(app.store.read_audit_db(), &app.store.db), "one pool on SQLite");
    }

    let services = services(app);
    services.seal_audit().await.unwrap();
    let report = services.verify_audit().await.unwrap();
    assert_eq!((report.finding, report.pending), (None, 0));

    let remove = fail_audit_inserts(app).await;
    let withheld = app.attempt(PROFILE, json!({ "id": id })).await;
    app.store.db.execute_unprepared(remove).await.unwrap();
    assert_eq!(error_codes(&withheld), ["INTERNAL"], "{withheld:#}");
    assert!(!withheld.to_string().contains("Ayesha"), "{withheld:#}");
}
