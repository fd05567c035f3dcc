//! What change events cost and how fast they leave, through the real app (HTTP layer
//! included, no socket):
//!
//! 1. the outbox's cost on writes: `updateCustomer` throughput with the outbox and without
//!    it (alternating runs, best of each), same database, same profiles;
//! 2. the dispatcher's delivery rate to NATS JetStream: a backlog of events drained to a
//!    fresh stream, events per second.
//!
//!   cargo bench --bench events                                   # SQLite (temporary file)
//!   BENCH_DATABASE_URL=postgres://…/db cargo bench --bench events
//!
//! `BENCH_WRITES` (2000) writes per run, `BENCH_RUNS` (3) runs each way, `BENCH_EVENTS`
//! (20000) events to deliver, `BENCH_NATS_URL` (nats://127.0.0.1:4222).

use axum::body::Body;
use axum::http::Request;
use customers::config::EventSettings;
use customers::domain::audit::Actor;
use customers::domain::event::{EventData, EventDraft};
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
    let body = json!({ "query": query, "variables": variables }).to_string();
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

/// Writes per second: `writes` updates spread over `ids`, 4 at a time.
async fn write_rate(router: &axum::Router, token: &str, ids: &[String], writes: usize, tag: &str) -> f64 {
    const UPDATE: &str =
        "mutation($id: ID!, $name: String!) { updateCustomer(id: $id, input: { displayName: $name }) { id version } }";
    let started = Instant::now();
    let per_task = writes / 4;
    let tasks = (0..4).map(|t| {
        let (router, token) = (router.clone(), token.to_owned());
        let ids: Vec<String> = ids.iter().skip(t).step_by(4).cloned().collect();
        let tag = tag.to_owned();
        tokio::spawn(async move {
            for i in 0..per_task {
                let id = &ids[i % ids.len()];
                call(&router, &token, UPDATE, json!({ "id": id, "name": format!("{tag} {i}") })).await;
            }
        })
    });
    for task in futures_util::future::join_all(tasks).await {
        task.unwrap();
    }
    (per_task * 4) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()));
    let settings = common::settings(&url, dir.path());
    let store = common::store(&settings).await;
    let with = customers::startup::state_with_store(&settings, store.clone()).await.unwrap();
    let mut without = with.clone();
    without.services = without.services.clone().without_outbox_for_benchmarks();
    without.schema =
        customers::graphql::build_schema_with(Some(without.services.clone()), &settings.limits, &settings.access);
    let services = with.services.clone();
    let (with, without) = (customers::app(with), customers::app(without));
    let token = customers::http::auth::mint_hs256(
        SECRET.as_bytes(),
        "bench",
        "customers:read pii:read customers:write",
        3600,
        None,
        None,
    )
    .unwrap();

    println!("backend: {}", if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" });
    let mut ids = Vec::new();
    for i in 0..200 {
        let data = call(
            &with,
            &token,
            "mutation($n: String!) { createCustomer(input: { displayName: $n }) { id } }",
            json!({ "n": format!("Bench {i}") }),
        )
        .await;
        ids.push(data["createCustomer"]["id"].as_str().unwrap().to_owned());
    }

    // 1. The outbox's cost on writes.
    let writes = env_or("BENCH_WRITES", 2000);
    write_rate(&with, &token, &ids, 200, "warm").await;
    write_rate(&without, &token, &ids, 200, "warm").await;
    let (mut best_with, mut best_without) = (0f64, 0f64);
    for run in 0..env_or("BENCH_RUNS", 3) {
        best_without = best_without.max(write_rate(&without, &token, &ids, writes, &format!("b{run}")).await);
        best_with = best_with.max(write_rate(&with, &token, &ids, writes, &format!("a{run}")).await);
    }
    let cost = (1.0 - best_with / best_without) * 100.0;
    println!("updateCustomer without outbox  {best_without:>8.0} writes/s");
    println!("updateCustomer with outbox     {best_with:>8.0} writes/s   (outbox costs {cost:.1}% of throughput)");

    // 2. Delivery rate to NATS JetStream.
    let nats = std::env::var("BENCH_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let suffix = uuid::Uuid::now_v7().simple().to_string();
    let events = EventSettings {
        nats_url: Some(nats.clone()),
        nats_stream: format!("BENCH_{suffix}"),
        nats_subject_prefix: format!("bench{suffix}."),
        ..EventSettings::default()
    };
    let dispatcher = customers::events::Dispatcher::start(services.clone(), &events).await.unwrap();
    // The writes above left a backlog; deliver it first, then measure a fresh one.
    while dispatcher.round().await.unwrap().read > 0 {}
    let backlog = env_or("BENCH_EVENTS", 20_000);
    let actor = Actor::system("bench");
    let drafts: Vec<EventDraft> = (0..backlog)
        .map(|i| EventDraft {
            event_type: "cx.customers.customer.updated".into(),
            customer_id: ids[i % ids.len()].clone(),
            data: EventData {
                principal: actor.subject.clone(),
                operation: None,
                action: "customer.update".into(),
                fields: vec!["displayName".into()],
                entity: None,
                details: Value::Null,
            },
        })
        .collect();
    customers::store::events::insert(&store.db, drafts).await.unwrap();
    let started = Instant::now();
    let mut delivered = 0;
    loop {
        let round = dispatcher.round().await.unwrap();
        delivered += round.delivered;
        if round.read == 0 {
            break;
        }
    }
    let rate = delivered as f64 / started.elapsed().as_secs_f64();
    println!("dispatcher to NATS JetStream   {rate:>8.0} events/s   ({delivered} events, batches of {})", events.batch);
    let client = async_nats::connect(nats).await.unwrap();
    async_nats::jetstream::new(client).delete_stream(&events.nats_stream).await.unwrap();
}
