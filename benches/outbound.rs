//! Campaign-sized contactability: `contactabilityOf` for BENCH_CUSTOMERS (10,000) customers
//! in one call, through the real app (HTTP layer included, no socket).
//!
//!   cargo bench --bench outbound                                   # SQLite (temporary file)
//!   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_outbound cargo bench --bench outbound
//!
//! `BENCH_CUSTOMERS` (10000) profiles are seeded (a phone, an email for half, consents,
//! windows, a consent record and an outbound call for one in ten); `BENCH_ITERATIONS` (5)
//! calls are timed. Prints each call's time, its SQL statements and the load average.

use axum::body::Body;
use axum::http::Request;
use customers::config::Settings;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use std::time::Instant;
use tower::ServiceExt as _;

mod common;

use common::SECRET;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn call(router: &axum::Router, token: &str, query: &str, variables: Value) -> Value {
    let body = serde_json::to_vec(&json!({ "query": query, "variables": variables })).unwrap();
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(body))
        .unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(v.get("errors").is_none(), "{v}");
    v["data"].clone()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()));
    let settings = Settings {
        anomaly: customers::domain::anomaly::Policy { enabled: false, ..Default::default() },
        ..common::settings(&url, dir.path())
    };
    let store = common::store(&settings).await;
    let state = customers::startup::state_with_store(&settings, store.clone()).await.unwrap();
    let scopes = "customers:read customers:write";
    let token = customers::http::auth::mint_hs256(SECRET.as_bytes(), "bench", scopes, 3600, None, None).unwrap();
    let router = customers::app(state);

    println!("backend: {}", if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" });
    let n = env_or("BENCH_CUSTOMERS", 10_000).max(1);
    let seeded = Instant::now();
    let mut ids: Vec<String> = Vec::with_capacity(n);
    let create = "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }";
    for start in (0..n).step_by(50) {
        let batch = (start..n.min(start + 50)).map(|i| {
            let mut identities = vec![
                json!({ "channel": "PHONE", "value": format!("+44740{:07}", i), "verified": true, "primary": true }),
            ];
            if i % 2 == 0 {
                identities.push(json!({ "channel": "EMAIL", "value": format!("c{i}@example.com"), "verified": true }));
            }
            let input = json!({ "identities": identities, "preferences": {
                "timezone": if i % 3 == 0 { Value::Null } else { json!("Europe/London") },
                "bestTimeToContact": [{ "days": ["MONDAY", "TUESDAY", "WEDNESDAY"], "start": "09:00", "end": "18:00" }],
                "consents": [{ "channel": "SMS", "status": if i % 4 == 0 { "OPT_OUT" } else { "OPT_IN" } }],
            } });
            call(&router, &token, create, json!({ "i": input }))
        });
        for data in futures_util::future::join_all(batch).await {
            ids.push(data["createCustomer"]["id"].as_str().unwrap().to_owned());
        }
    }
    for (i, id) in ids.iter().enumerate().step_by(10) {
        let consent = json!({ "customerId": id, "channel": "PHONE", "purpose": "marketing", "status": "OPT_IN" });
        call(
            &router,
            &token,
            "mutation($i: ConsentInput!) { recordConsent(input: $i) { id } }",
            json!({ "i": consent }),
        )
        .await;
        let at = format!("2026-06-0{}T12:00:00Z", 1 + i % 2);
        let interaction = json!({ "kind": "ACTIVITY", "channel": "PHONE", "direction": "OUTBOUND", "startedAt": at });
        call(
            &router,
            &token,
            "mutation($c: ID!, $i: InteractionInput!) { linkInteraction(customerId: $c, interaction: $i) { id } }",
            json!({ "c": id, "i": interaction }),
        )
        .await;
    }
    println!("seeded {n} profiles in {:.1?}", seeded.elapsed());

    let query = "query($ids: [ID!]!, $at: DateTime) { contactabilityOf(customerIds: $ids, purpose: \"marketing\", at: $at) { customerId allowed codes channel identity { id value } nextWindowStart } }";
    let iterations = env_or("BENCH_ITERATIONS", 5).max(1);
    let mut times = Vec::new();
    for i in 0..=iterations {
        let before = store.statements.get();
        let started = Instant::now();
        let data = call(&router, &token, query, json!({ "ids": ids, "at": "2026-12-01T10:00:00Z" })).await;
        let took = started.elapsed();
        let allowed = data["contactabilityOf"].as_array().unwrap().iter().filter(|d| d["allowed"] == true).count();
        let statements = store.statements.get() - before;
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let label = if i == 0 { "warm-up".to_owned() } else { format!("call {i}") };
        println!(
            "contactabilityOf {n} customers, {label}: {took:.2?}, {statements} SQL statements, {allowed} allowed; loadavg {}",
            load.trim()
        );
        if i > 0 {
            times.push(took);
        }
    }
    times.sort();
    println!(
        "contactabilityOf {n}: min {:.2?}  median {:.2?}  max {:.2?}",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    );
}
