//! Each rule, crossed by one principal and not by another.

use super::on_both_databases_small;
use crate::common::*;
use chrono::{Duration, Timelike, Utc};
use customers::domain::anomaly::Observations;
use customers::service::anomaly::Detector;
use serde_json::json;

async fn reading_more_profiles_pii_than_allowed_is_detected_for_that_principal_only(app: &mut TestApp) {
    app.named_profiles(5).await;
    let (names, _) = app.names_seen_by("mallory").await;
    assert_eq!(names.len(), 5);
    assert!(names[0].starts_with("Zarina"), "the detecting request itself still answered: {names:?}");
    let alice = "{ customers(first: 2) { edges { node { displayName } } } }";
    app.as_subject("alice", "customers:read pii:read", alice, json!({})).await;
    let found = app.anomalies_of("mallory").await;
    assert_eq!(found.len(), 1, "{found:#?}");
    let node = &found[0];
    assert_eq!(
        (node["rule"].as_str(), node["observed"].as_i64(), node["threshold"].as_i64()),
        (Some("MANY_PROFILES"), Some(5), Some(3))
    );
    assert_eq!((node["windowSeconds"].as_i64(), node["open"].as_bool()), (Some(3_600), Some(true)));
    assert!(app.anomalies_of("alice").await.is_empty());

    // Recorded once while open, however often the rule is crossed again.
    app.names_seen_by("mallory").await;
    assert_eq!(app.anomalies_of("mallory").await.len(), 1);
}

async fn enumerating_customer_pages_is_detected(app: &mut TestApp) {
    app.named_profiles(5).await;
    let mut after: Option<String> = None;
    for _ in 0..4 {
        let body = app.as_subject("crawler", "customers:read", CUSTOMERS, json!({ "first": 1, "after": after })).await;
        after = body["data"]["customers"]["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    // Two pages with `after` are within the threshold.
    app.as_subject("browser", "customers:read", CUSTOMERS, json!({ "first": 1 })).await;
    assert_eq!(app.rules_of("crawler").await, ["PAGE_ENUMERATION"]);
    assert!(app.rules_of("browser").await.is_empty());
}

/// The walk-around of the `pii:read` boundary: a `customers:read` caller sees a masked
/// number and asks `resolveCustomer(createIfMissing: false)` about candidates, many per
/// request through aliases, until the answer's id matches.
async fn probing_identifiers_through_aliased_resolves_is_detected(app: &mut TestApp) {
    app.named_profiles(1).await;
    let guesses: Vec<String> = (0..7)
        .map(|i| {
            format!(
                "g{i}: resolveCustomer(identity: {{ channel: PHONE, value: \"+92300123{:04}\" }}, createIfMissing: false) {{ status customer {{ id }} }}",
                i
            )
        })
        .collect();
    let probe = format!("{{ {} }}", guesses.join(" "));
    let body = app.as_subject("prober", "customers:read", &probe, json!({})).await;
    assert_eq!(body["data"]["g0"]["status"], "RESOLVED", "{body:#}");
    assert_eq!(body["data"]["g6"]["status"], "NOT_FOUND");
    let mut rules = app.rules_of("prober").await;
    rules.sort();
    assert_eq!(rules, ["IDENTIFIER_MISSES", "MANY_IDENTIFIERS"]);

    // Channel Manager resolving (and creating) new identifiers is not probing.
    for i in 0..7 {
        let identity = json!({ "channel": "PHONE", "value": format!("+92301000{i:04}") });
        app.as_subject("channel-manager", CHANNEL_MANAGER, RESOLVE_CUSTOMER, json!({ "identity": identity })).await;
    }
    assert!(app.rules_of("channel-manager").await.is_empty());

    // Neither the counters nor the detections hold the numbers asked about.
    let raw = raw_anomaly_tables(app).await;
    assert!(!raw.contains("300123") && !raw.contains("301000"), "{raw}");
    assert!(raw.contains("prober"));
}

async fn a_burst_of_refused_authorisations_is_detected(app: &mut TestApp) {
    let refused = "{ accessAnomalies { edges { cursor } } }";
    for _ in 0..3 {
        let body = app.as_subject("snooper", "customers:read", refused, json!({})).await;
        assert_eq!(error_codes(&body), ["FORBIDDEN"]);
    }
    app.as_subject("clumsy", "customers:read", refused, json!({})).await;
    assert_eq!(app.rules_of("snooper").await, ["REFUSAL_BURST"]);
    assert!(app.rules_of("clumsy").await.is_empty());
}

/// The hour profile is learnt from the principal's own history (seeded here as another
/// replica recording it on past days).
async fn access_in_an_hour_never_used_before_is_detected_once_there_is_history(app: &mut TestApp) {
    let mut settings = settings("sqlite::memory:", std::env::temp_dir());
    super::small(&mut settings);
    let replica = Detector::new(app.store.clone(), settings.anomaly.clone());
    let now = Utc::now();
    let other_hour = now + Duration::hours(12);
    for days_ago in 1..=3 {
        let nothing = Observations::default();
        replica.observe_at("night-owl", &nothing, other_hour - Duration::days(days_ago + 1)).await.unwrap();
        replica.observe_at("regular", &nothing, now - Duration::days(days_ago)).await.unwrap();
    }
    // One day of history is too little to judge.
    replica.observe_at("newcomer", &Observations::default(), other_hour - Duration::days(2)).await.unwrap();
    for who in ["night-owl", "regular", "newcomer"] {
        app.as_subject(who, "customers:read", "{ labels { id } }", json!({})).await;
    }
    let found = app.anomalies_of("night-owl").await;
    assert_eq!(found.len(), 1, "{found:#?} (hour {})", now.hour());
    assert_eq!((found[0]["rule"].as_str(), found[0]["observed"].as_i64()), (Some("UNUSUAL_HOUR"), Some(0)));
    assert!(app.rules_of("regular").await.is_empty());
    assert!(app.rules_of("newcomer").await.is_empty());
}

/// Every row of the detector's tables, as text.
pub async fn raw_anomaly_tables(app: &TestApp) -> String {
    use customers::store::entity::{anomaly_detection, anomaly_observation};
    use sea_orm::EntityTrait as _;
    let observations = anomaly_observation::Entity::find().all(&app.store.db).await.unwrap();
    let detections = anomaly_detection::Entity::find().all(&app.store.db).await.unwrap();
    format!("{observations:?}\n{detections:?}")
}

on_both_databases_small!(
    reading_more_profiles_pii_than_allowed_is_detected_for_that_principal_only,
    enumerating_customer_pages_is_detected,
    probing_identifiers_through_aliased_resolves_is_detected,
    a_burst_of_refused_authorisations_is_detected,
    access_in_an_hour_never_used_before_is_detected_once_there_is_history,
);
