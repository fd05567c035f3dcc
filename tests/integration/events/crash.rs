//! `kill -9` of the dispatcher mid-delivery loses nothing: the service binary runs as a
//! child process delivering to a slow webhook receiver, is killed while a round is in
//! flight, and a new process delivers everything the first had not recorded, again — the
//! receiver sees every event id at least once, in order per customer.

use super::receiver::Receiver;
use super::*;
use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};

on_both_databases!(a_dispatcher_killed_mid_delivery_loses_nothing_and_redelivers_in_order,);

const HOOK_SECRET: &str = "whsec-crash";

fn spawn_service(app: &TestApp, hook: &str, data_dir: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_customers"))
        .env("CUSTOMERS_DATABASE_URL", app.database_url())
        .env("CUSTOMERS_MASTER_KEY", TEST_MASTER_KEY)
        .env("CUSTOMERS_JWT_SECRET", SECRET)
        .env("CUSTOMERS_LISTEN", "127.0.0.1:0")
        .env("CUSTOMERS_DATA_DIR", data_dir)
        .env("CUSTOMERS_WEBHOOK_URL", hook)
        .env("CUSTOMERS_WEBHOOK_SECRET", HOOK_SECRET)
        .env("CUSTOMERS_EVENTS_BATCH", "20")
        .env("CUSTOMERS_EVENTS_POLL_MS", "20")
        .env("CUSTOMERS_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the service binary")
}

async fn pending(app: &TestApp) -> i64 {
    let rows = app.sql_strings("SELECT CAST(COUNT(*) AS TEXT) AS n FROM event_outbox WHERE status = 0", &["n"]).await;
    rows.map(|r| r[0].parse().unwrap()).unwrap_or(-1)
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let until = tokio::time::Instant::now() + Duration::from_secs(60);
    while !done().await {
        assert!(tokio::time::Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn a_dispatcher_killed_mid_delivery_loses_nothing_and_redelivers_in_order(app: &TestApp) {
    let receiver = Receiver::start_slow(0, Duration::from_millis(25)).await;
    let mut customers = Vec::new();
    for n in 0..4 {
        customers.push(app.create_customer(json!({ "displayName": format!("Customer {n}") })).await);
    }
    for round in 0..10 {
        for id in &customers {
            app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": format!("Name {round}") } })).await;
        }
    }
    let total = pending(app).await;
    assert_eq!(total, 44);
    let data_dir = tempfile::tempdir().unwrap();

    // The first process delivers a round of 20, then dies halfway through the second
    // (the 25th delivery has arrived and is waiting for its answer).
    let mut first = spawn_service(app, &receiver.url, data_dir.path());
    wait_for("25 deliveries", async || receiver.deliveries().len() >= 25).await;
    first.kill().expect("kill -9"); // SIGKILL: no shutdown, no cleanup
    first.wait().unwrap();
    let left = pending(app).await;
    assert!(left > 0 && left < total, "the first process recorded part of the work ({left} of {total} pending)");

    let mut second = spawn_service(app, &receiver.url, data_dir.path());
    wait_for("every event delivered", async || pending(app).await == 0).await;
    second.kill().unwrap();
    second.wait().unwrap();

    let deliveries = receiver.deliveries();
    let received: Vec<Value> = deliveries.iter().map(|d| serde_json::from_slice(&d.body).unwrap()).collect();
    let mut expected: HashMap<String, Vec<String>> = HashMap::new();
    for id in &customers {
        expected.insert(id.clone(), events_of(app, id).await.into_iter().map(|e| e.id).collect());
    }
    // Every event at least once; some twice (the round in flight at the kill).
    let ids: HashSet<&str> = received.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len() as i64, total, "every event id delivered");
    assert!(received.len() as i64 > total, "the round in flight was delivered again");
    // Per customer, in order: the first sighting of each event follows the outbox order.
    for (customer, order) in &expected {
        let mut seen = Vec::new();
        for event in received.iter().filter(|e| e["subject"] == customer.as_str()) {
            let id = event["id"].as_str().unwrap().to_owned();
            if !seen.contains(&id) {
                seen.push(id);
            }
        }
        assert_eq!(&seen, order, "customer {customer}");
    }
}
