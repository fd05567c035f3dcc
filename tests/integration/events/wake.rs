//! On PostgreSQL a commit that adds events wakes every replica's idle dispatcher at once
//! (`LISTEN`/`NOTIFY`, migration m20270103), instead of its next poll. SQLite polls.

use super::receiver::Receiver;
use super::*;
use customers::config::{Secret, WebhookTarget};

/// The subjects (customer ids) of the events `receiver` accepted, in order.
fn subjects(receiver: &Receiver) -> Vec<String> {
    receiver
        .deliveries()
        .iter()
        .filter(|d| d.accepted)
        .map(|d| serde_json::from_slice::<Value>(&d.body).expect("a JSON body")["subject"].as_str().unwrap().to_owned())
        .collect()
}

/// Wait until `receiver` accepted an event about `customer_id`, at most `deadline`.
async fn delivered(receiver: &Receiver, customer_id: &str, deadline: Duration) -> bool {
    let until = tokio::time::Instant::now() + deadline;
    while tokio::time::Instant::now() < until {
        if subjects(receiver).iter().any(|s| s == customer_id) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_on_one_replica_wakes_the_idle_dispatcher_of_another_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    let receiver = Receiver::start(0).await;
    let settings = event_settings(|s| {
        s.webhooks = vec![WebhookTarget { url: receiver.url.clone(), secret: Secret::new("whsec-test") }];
        s.poll = Duration::from_secs(300); // a poll would come far too late for this test
    });
    let first = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    // Another replica over the same database dispatches; writes go through the first.
    let (_, _, other) = app.try_restart(|_| {}).await.expect("a second replica");
    let dispatcher = Dispatcher::start(other, &settings).await.expect("a dispatcher").spawn();
    // Its first round delivers what was committed before it started listening.
    assert!(delivered(&receiver, &first, Duration::from_secs(10)).await, "{:?}", subjects(&receiver));

    let second = app.create_customer(json!({ "displayName": "Bo Lee" })).await;

    let woken = delivered(&receiver, &second, Duration::from_secs(10)).await;
    dispatcher.abort();
    assert!(woken, "delivered on the commit, not on the next poll: {:?}", subjects(&receiver));
}

/// The listener's session killed by the server (a restart, a proxy, an operator): it
/// reconnects, and the next commit still wakes the dispatcher.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dispatcher_listens_again_after_its_session_is_killed_on_postgres() {
    use sea_orm::ConnectionTrait as _;
    let Some(app) = TestApp::postgres().await else { return };
    let receiver = Receiver::start(0).await;
    let settings = event_settings(|s| {
        s.webhooks = vec![WebhookTarget { url: receiver.url.clone(), secret: Secret::new("whsec-test") }];
        s.poll = Duration::from_secs(300);
    });
    let first = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    let dispatcher = Dispatcher::start(app.services.clone(), &settings).await.expect("a dispatcher").spawn();
    assert!(delivered(&receiver, &first, Duration::from_secs(10)).await, "{:?}", subjects(&receiver));

    let kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                WHERE datname = current_database() AND query LIKE 'LISTEN%'";
    let killed = app.store.db.query_all_raw(sea_orm::Statement::from_string(app.store.backend(), kill)).await.unwrap();
    assert_eq!(killed.len(), 1, "one listening session");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let second = app.create_customer(json!({ "displayName": "Bo Lee" })).await;

    let woken = delivered(&receiver, &second, Duration::from_secs(10)).await;
    dispatcher.abort();
    assert!(woken, "delivered after the listener reconnected, not on the next poll: {:?}", subjects(&receiver));
}
