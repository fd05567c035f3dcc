//! `customers export`: NDJSON of the import's shape, PII masked unless `--with-pii` (and
//! then audited), filters, and a file that reads back through import into another
//! database as the same profiles, identities and preferred identity included.

use super::*;

on_both_databases!(an_export_masks_pii_unless_asked_and_reads_back_through_import);

async fn an_export_masks_pii_unless_asked_and_reads_back_through_import(app: &TestApp) {
    catalogue(app).await;
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir, "people.ndjson", &(1..=7).map(|n| profile(n).to_string()).collect::<Vec<_>>());
    assert_eq!(import(app, &path, &[]).code, Some(0));
    let reads = "audit_log WHERE action = 'pii.read'";
    let audited = app.count_rows(reads).await;

    let masked = ndjson(&export(app, &[]));
    assert_eq!(masked.len(), 7);
    let text = format!("{masked:?}");
    for pii in ["Person 1", "person1@example.com", "+923000000001", "PK-000001"] {
        assert!(!text.contains(pii), "{pii} masked: {text}");
    }
    assert_eq!(masked[0]["labels"], json!(["Newsletter", "VIP"]));
    assert_eq!(app.count_rows(reads).await, audited, "a masked export shows no PII: nothing to audit");

    // A preferred identity: named by id, which the identities keep through the round trip.
    let first = masked[0]["id"].as_str().unwrap().to_owned();
    let phone = masked[0]["identities"].as_array().unwrap().iter().find(|i| i["channel"] == "PHONE").unwrap()["id"]
        .as_str()
        .expect("an exported identity has its id")
        .to_owned();
    app.admin(SET_PREFERENCES, json!({ "customerId": first, "input": { "preferredIdentityId": phone } })).await;
    let audited = app.count_rows(reads).await; // the mutation's answer showed PII too

    let out = dir.path().join("export.ndjson");
    export(app, &["--with-pii", "--output", out.to_str().unwrap()]);
    assert_eq!(app.count_rows(reads).await, audited + 1, "one audit entry for the page shown with PII");
    let exported: Vec<Value> =
        std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(exported[0]["displayName"], "Person 1");
    let passport = exported[0]["attributes"].as_array().unwrap().iter().find(|a| a["key"] == "passport").cloned();
    assert_eq!(passport, Some(json!({ "key": "passport", "value": "PK-000001" })), "{}", exported[0]);
    assert_eq!(exported[0]["preferences"]["preferredIdentityId"], json!(phone), "{}", exported[0]);

    assert_eq!(ndjson(&export(app, &["--label", "vip", "--status", "active"])).len(), 7);
    assert_eq!(ndjson(&export(app, &["--status", "MERGED"])).len(), 0);
    assert_eq!(ndjson(&export(app, &["--updated-since", "2999-01-01T00:00:00Z"])).len(), 0);

    // Into another database (with the same catalogue): the same profiles, ids included.
    let other = if app.is_postgres() { TestApp::postgres().await.unwrap() } else { TestApp::sqlite().await };
    catalogue(&other).await;
    let run = import(&other, &out, &[]);
    assert_eq!((run.code, run.summary["created"].as_u64()), (Some(0), Some(7)), "{:?} {}", run.rejected, run.stderr);
    let back = dir.path().join("back.ndjson");
    export(&other, &["--with-pii", "--output", back.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&back).unwrap(), std::fs::read_to_string(&out).unwrap(), "a round trip");
    let preferred = other.customer(&first, "preferences { preferredIdentity { id channel value } }").await;
    assert_eq!(
        preferred["preferences"]["preferredIdentity"],
        json!({ "id": phone, "channel": "PHONE", "value": "+923000000001" }),
        "the preferred identity survives the round trip"
    );
    // Read back into the database it came from: every profile updated, nothing added.
    let before = row_counts(app).await;
    let again = import(app, &out, &[]);
    assert_eq!(again.summary["updated"], 7, "{}", again.summary);
    assert_eq!(row_counts(app).await, before);
}
