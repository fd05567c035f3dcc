//! Blocking: an open detection masks the principal's PII (saying why), survives a restart,
//! and is lifted by `clearAccessAnomaly`, which records who cleared it.

use super::on_both_databases_small;
use super::rules::raw_anomaly_tables;
use crate::common::*;
use axum::body::Body;
use axum::http::Request;
use serde_json::json;

async fn a_detection_blocks_pii_across_a_restart_until_cleared(app: &mut TestApp) {
    app.named_profiles(5).await;
    app.names_seen_by("mallory").await;
    app.restart(super::small).await;

    let (names, body) = app.names_seen_by("mallory").await;
    assert!(names.iter().all(|n| !n.contains("Zarina")), "masked for the blocked principal: {names:?}");
    assert_eq!(body["extensions"]["pii"], json!({ "masked": true, "reason": "ACCESS_BLOCKED" }));
    let (names, body) = app.names_seen_by("alice").await;
    assert!(names.iter().all(|n| n.starts_with("Zarina")), "another principal is unaffected: {names:?}");
    assert!(body.get("extensions").is_none_or(|e| e.get("pii").is_none()), "{body:#}");

    let id = app.anomalies_of("mallory").await[0]["id"].as_str().unwrap().to_owned();
    let cleared = app.admin(CLEAR_ACCESS_ANOMALY, json!({ "id": id })).await;
    assert_eq!(cleared["clearAccessAnomaly"], true);
    // Unblocked, and the count starts afresh: two profiles do not cross it again.
    let two = "{ customers(first: 2) { edges { node { displayName } } } }";
    let body = app.as_subject("mallory", "customers:read pii:read", two, json!({})).await;
    assert_eq!(body["data"]["customers"]["edges"][1]["node"]["displayName"], "Zarina Person1", "{body:#}");
    assert!(body.get("extensions").is_none_or(|e| e.get("pii").is_none()), "{body:#}");
    assert_eq!(app.anomalies_of("mallory").await.len(), 1);

    let node = &app.anomalies_of("mallory").await[0];
    assert_eq!((node["open"].as_bool(), node["clearedBy"].as_str()), (Some(false), Some("agent-007")));
    assert!(node["clearedAt"].is_string());
    let again = app.admin(CLEAR_ACCESS_ANOMALY, json!({ "id": id })).await;
    assert_eq!(again["clearAccessAnomaly"], false, "already cleared");
    let open = app.admin(ACCESS_ANOMALIES, json!({ "open": true, "principal": "mallory" })).await;
    assert_eq!(open["accessAnomalies"]["edges"], json!([]));
}

async fn anomalies_are_for_privacy_officers_only(app: &mut TestApp) {
    let reader = "customers:read pii:read customers:write";
    let body = app.as_subject("mallory", reader, ACCESS_ANOMALIES, json!({})).await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"]);
    let missing = missing_id();
    let body = app.as_subject("mallory", reader, CLEAR_ACCESS_ANOMALY, json!({ "id": missing })).await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"]);
    let body = app.attempt(CLEAR_ACCESS_ANOMALY, json!({ "id": missing })).await;
    assert_eq!(error_codes(&body), ["NOT_FOUND"]);
}

async fn detections_page_newest_first(app: &mut TestApp) {
    let refused = "{ accessAnomalies { edges { cursor } } }";
    for who in ["first", "second", "third"] {
        for _ in 0..3 {
            app.as_subject(who, "customers:read", refused, json!({})).await;
        }
    }
    let page = app.admin(ACCESS_ANOMALIES, json!({ "first": 2 })).await["accessAnomalies"].clone();
    let principals: Vec<_> = page["edges"].as_array().unwrap().iter().map(|e| e["node"]["principal"].clone()).collect();
    assert_eq!(principals, [json!("third"), json!("second")]);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let after = page["pageInfo"]["endCursor"].clone();
    let rest = app.admin(ACCESS_ANOMALIES, json!({ "first": 2, "after": after })).await["accessAnomalies"].clone();
    assert_eq!(rest["edges"][0]["node"]["principal"], "first");
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
}

/// The detector costs a request no statement (it queues what the request observed); its
/// judgement costs two (record, count) whatever the number of requests, principals and
/// profiles shown since the last; what it keeps says nothing a customer could be recognised by.
async fn the_detector_costs_requests_nothing_and_a_judgement_two_statements_and_keeps_no_pii(app: &mut TestApp) {
    app.restart(|_| {}).await; // default thresholds, no blocking
    app.named_profiles(5).await;
    app.services.anomaly.judge().await.unwrap();
    let query =
        "query($first: Int) { customers(first: $first) { edges { node { displayName identities { value } } } } }";
    let before = app.anomaly_statements();
    for (reader, first) in [("reader", 1), ("reader", 5), ("another-reader", 5)] {
        let token = token_for(reader, "customers:read pii:read");
        let body = app.post(Some(&token), query, json!({ "first": first })).await.1;
        assert!(body.get("errors").is_none(), "{body:#}");
    }
    assert_eq!(app.anomaly_statements() - before, 0, "nothing on the requests' path");
    let before = app.anomaly_statements();
    app.services.anomaly.judge().await.unwrap();
    assert_eq!(app.anomaly_statements() - before, 2, "one judgement of three requests by two principals");
    let before = app.anomaly_statements();
    app.services.anomaly.judge().await.unwrap();
    assert_eq!(app.anomaly_statements() - before, 0, "nothing queued, nothing sent");
    let raw = raw_anomaly_tables(app).await;
    assert!(raw.contains("another-reader"), "the judgement recorded both principals: {raw}");
    assert!(!raw.contains("Zarina") && !raw.contains("300123"), "{raw}");
}

async fn detections_are_counted_per_rule_in_metrics(app: &mut TestApp) {
    app.named_profiles(4).await;
    app.names_seen_by("mallory").await;
    let (_, body) = app.send(Request::get("/metrics").body(Body::empty()).unwrap()).await;
    let text = body.as_str().unwrap();
    assert!(text.contains("customers_access_anomalies_total{rule=\"MANY_PROFILES\"} 1"), "{text}");
    assert!(text.contains("customers_access_anomalies_total{rule=\"UNUSUAL_HOUR\"} 0"), "{text}");
    assert!(!text.contains("mallory") && !text.contains("Zarina"), "{text}");
}

on_both_databases_small!(
    a_detection_blocks_pii_across_a_restart_until_cleared,
    anomalies_are_for_privacy_officers_only,
    detections_page_newest_first,
    the_detector_costs_requests_nothing_and_a_judgement_two_statements_and_keeps_no_pii,
    detections_are_counted_per_rule_in_metrics,
);
