//! A page's `pii.read` entry is found in the log of each profile it showed PII of, and of no
//! other profile of the page: through `audit_subjects` on SQLite, through the entry's own
//! list (`ix_audit_listed`) on PostgreSQL (decision 0008).

use super::*;

on_both_databases!(
    a_page_is_found_under_the_profiles_it_showed_pii_of_and_no_others,
    a_page_that_shows_no_pii_leaves_no_entry,
    a_page_whose_record_fails_is_withheld_and_leaves_no_index,
);

const NAMES: &str = "query Names { customers(first: 10) { edges { node { id displayName } } } }";

/// Profiles with a name (shown unmasked to `pii:read`) and without one (nothing to show).
async fn named_and_unnamed(app: &TestApp, named: usize, unnamed: usize) -> (Vec<String>, Vec<String>) {
    let mut with_name = Vec::new();
    for n in 0..named {
        with_name.push(app.create_customer(json!({ "displayName": format!("Ayesha Khan {n}") })).await);
    }
    let mut without = Vec::new();
    for n in 0..unnamed {
        let email = format!("unnamed{n}@example.com");
        without.push(app.create_customer(json!({ "identities": [{ "channel": "EMAIL", "value": email }] })).await);
    }
    (with_name, without)
}

/// Rows of the per-profile index table: SQLite's index; always empty on PostgreSQL.
async fn index_rows(app: &TestApp) -> i64 {
    app.count_rows("audit_subjects").await
}

async fn a_page_is_found_under_the_profiles_it_showed_pii_of_and_no_others(app: &TestApp) {
    let (named, unnamed) = named_and_unnamed(app, 3, 2).await;
    let body = app.post(Some(&token_for("pager", "customers:read pii:read")), NAMES, json!({})).await.1;
    assert!(body.get("errors").is_none(), "{body:#}");

    let recorded = entries(app, json!({ "principal": "pager" })).await;
    assert_eq!(recorded.len(), 1, "{recorded:#?}");
    let mut listed: Vec<String> =
        recorded[0]["customerIds"].as_array().unwrap().iter().map(|id| id.as_str().unwrap().to_owned()).collect();
    listed.sort();
    let mut expected = named.clone();
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(recorded[0]["fields"], json!(["displayName"]));
    for id in &named {
        let reads: Vec<Value> = pii_reads(app, id).await.into_iter().filter(|e| e["principal"] == "pager").collect();
        assert_eq!(reads.len(), 1, "{id}");
        assert_eq!(reads[0]["id"], recorded[0]["id"]);
    }
    for id in &unnamed {
        assert!(pii_reads(app, id).await.is_empty(), "{id} was shown nothing");
    }
    assert_eq!(index_rows(app).await, if app.is_postgres() { 0 } else { 3 });
    assert_eq!(services(app).verify_audit().await.expect("verify").finding, None);
}

async fn a_page_that_shows_no_pii_leaves_no_entry(app: &TestApp) {
    named_and_unnamed(app, 0, 3).await;
    let body = app.post(Some(&token_for("pager", "customers:read pii:read")), NAMES, json!({})).await.1;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["customers"]["edges"].as_array().map(Vec::len), Some(3), "{body:#}");

    assert!(entries(app, json!({ "principal": "pager" })).await.is_empty());
    assert_eq!(index_rows(app).await, 0);
}

async fn a_page_whose_record_fails_is_withheld_and_leaves_no_index(app: &TestApp) {
    let (named, _) = named_and_unnamed(app, 3, 0).await;
    use sea_orm::ConnectionTrait as _;
    let remove = fail_audit_inserts(app).await;
    let body = app.post(Some(&token_for("pager", "customers:read pii:read")), NAMES, json!({})).await.1;
    app.store.db.execute_unprepared(remove).await.unwrap();

    assert_eq!(error_codes(&body), ["INTERNAL"], "{body:#}");
    assert!(!body.to_string().contains("Ayesha"), "{body:#}");
    assert_eq!(index_rows(app).await, 0, "the index rows went with the entry");

    let body = app.post(Some(&token_for("pager", "customers:read pii:read")), NAMES, json!({})).await.1;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(pii_reads(app, &named[0]).await.len(), 1);
    assert_eq!(index_rows(app).await, if app.is_postgres() { 0 } else { 3 });
}
