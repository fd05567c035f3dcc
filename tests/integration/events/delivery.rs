//! Delivery: signed webhooks retried with backoff against a receiver that fails on
//! purpose, dead letters after N tries and their replay, and a real NATS JetStream
//! consumer receiving each event once per id, on the subject of its type.

use super::receiver::Receiver;
use super::*;
use customers::config::Secret;
use customers::config::WebhookTarget;
use futures_util::StreamExt as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

on_both_databases!(
    webhooks_are_signed_and_retried_until_accepted,
    an_event_refused_n_times_is_dead_lettered_and_replay_delivers_it,
    events_reach_a_nats_jetstream_consumer_once_per_id,
);

const SECRET: &str = "whsec-test";

fn webhook(url: &str) -> WebhookTarget {
    WebhookTarget { url: url.to_owned(), secret: Secret::new(SECRET) }
}

/// The receiver's own check: the HMAC-SHA256 of the raw body, hex, after `sha256=`.
fn signed(delivery: &super::receiver::Delivery) -> bool {
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(&delivery.body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    delivery.signature.as_deref() == Some(&format!("sha256={hex}"))
}

fn event_id(delivery: &super::receiver::Delivery) -> String {
    let event: Value = serde_json::from_slice(&delivery.body).expect("a JSON body");
    event["id"].as_str().expect("an id").to_owned()
}

async fn webhooks_are_signed_and_retried_until_accepted(app: &TestApp) {
    let receiver = Receiver::start(2).await;
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "Ayesha K." } })).await;
    let settings = event_settings(|s| s.webhooks = vec![webhook(&receiver.url)]);
    let dispatcher = Dispatcher::start(app.services.clone(), &settings).await.expect("a dispatcher");
    let (requests, dispatcher_before) = (app.statements(), app.store.dispatcher_statements.get());

    drain(&dispatcher, Duration::from_secs(10)).await;

    // The dispatcher's statements are background work, not the requests'.
    assert_eq!(app.statements(), requests);
    assert!(app.store.dispatcher_statements.get() > dispatcher_before);
    let deliveries = receiver.deliveries();
    assert!(deliveries.iter().all(signed), "every delivery is signed");
    let refused: Vec<String> = deliveries.iter().filter(|d| !d.accepted).map(event_id).collect();
    let accepted: Vec<String> = deliveries.iter().filter(|d| d.accepted).map(event_id).collect();
    let ids: Vec<String> = events_of(app, &id).await.into_iter().map(|e| e.id).collect();
    assert_eq!(refused, [ids[0].clone(), ids[0].clone()], "the first event refused twice, the second held back");
    assert_eq!(accepted, ids, "then both accepted, in order");
    let body: Value = serde_json::from_slice(&deliveries.last().unwrap().body).unwrap();
    assert_eq!(body["type"], "cx.customers.customer.updated");
    assert_eq!(body["subject"], id);
    assert_eq!(body["data"]["fields"], json!(["displayName"]));
    assert_eq!(body["data"]["principal"], "agent-007");
    assert!(app.services.dead_letters(10).await.unwrap().is_empty());
    assert_eq!(pending(app).await, 0);
}

async fn pending(app: &TestApp) -> i64 {
    let rows = app.sql_strings("SELECT CAST(COUNT(*) AS TEXT) AS n FROM event_outbox WHERE status = 0", &["n"]).await;
    rows.and_then(|r| r.first().map(|n| n.parse().unwrap())).unwrap_or(-1)
}

async fn an_event_refused_n_times_is_dead_lettered_and_replay_delivers_it(app: &TestApp) {
    let receiver = Receiver::start(0).await;
    receiver.fail_always(true);
    let since = chrono::Utc::now() - chrono::Duration::seconds(1);
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "Ayesha K." } })).await;
    let settings = event_settings(|s| s.webhooks = vec![webhook(&receiver.url)]);
    let dispatcher = Dispatcher::start(app.services.clone(), &settings).await.expect("a dispatcher");

    drain(&dispatcher, Duration::from_secs(10)).await;

    let dead = app.services.dead_letters(10).await.unwrap();
    let ids: Vec<String> = events_of(app, &id).await.into_iter().map(|e| e.id).collect();
    assert_eq!(dead.iter().map(|d| d.id.clone()).collect::<Vec<_>>(), ids, "both dead, in order");
    assert!(dead.iter().all(|d| d.attempts == 3), "{dead:?}");
    assert!(dead[0].last_error.as_deref().unwrap_or_default().contains("HTTP 500"), "{dead:?}");
    assert_eq!(receiver.deliveries().len(), 6, "three tries each");

    receiver.fail_always(false);
    assert_eq!(app.services.replay_events(since).await.unwrap(), 2);
    drain(&dispatcher, Duration::from_secs(10)).await;

    let accepted: Vec<String> = receiver.deliveries().iter().filter(|d| d.accepted).map(event_id).collect();
    assert_eq!(accepted, ids);
    assert!(app.services.dead_letters(10).await.unwrap().is_empty());
}

async fn events_reach_a_nats_jetstream_consumer_once_per_id(app: &TestApp) {
    let (prefix, stream) = (format!("{}.", unique("t")), unique("T"));
    let settings = event_settings(|s| {
        s.nats_url = Some(nats_url());
        s.nats_stream = stream.clone();
        s.nats_subject_prefix = prefix.clone();
    });
    let dispatcher = Dispatcher::start(app.services.clone(), &settings).await.expect("a dispatcher on NATS");
    let since = chrono::Utc::now() - chrono::Duration::seconds(1);
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "Ayesha K." } })).await;
    app.admin(SET_PREFERENCES, json!({ "customerId": id, "input": { "doNotContact": true } })).await;
    drain(&dispatcher, Duration::from_secs(10)).await;
    // Delivered again (a replay, as after a crash): JetStream drops the duplicates by id.
    app.services.replay_events(since).await.unwrap();
    drain(&dispatcher, Duration::from_secs(10)).await;

    let client = async_nats::connect(nats_url()).await.expect("NATS");
    let js = async_nats::jetstream::new(client);
    let mut stream_handle = js.get_stream(&stream).await.expect("the stream the service created");
    assert_eq!(stream_handle.info().await.unwrap().state.messages, 3, "one message per event id");
    let consumer = stream_handle
        .create_consumer(async_nats::jetstream::consumer::pull::Config::default())
        .await
        .expect("a consumer");
    let mut messages = consumer.fetch().max_messages(10).expires(Duration::from_secs(2)).messages().await.unwrap();
    let mut seen = Vec::new();
    while let Some(Ok(message)) = messages.next().await {
        let event: Value = serde_json::from_slice(&message.payload).unwrap();
        let msg_id = message.headers.as_ref().and_then(|h| h.get("Nats-Msg-Id")).map(|v| v.to_string());
        assert_eq!(msg_id.as_deref(), event["id"].as_str(), "deduplicated by the event id");
        assert_eq!(message.subject.as_str(), format!("{prefix}{}", event["type"].as_str().unwrap()));
        assert_eq!(event["subject"], id);
        seen.push(event["id"].as_str().unwrap().to_owned());
        message.ack().await.unwrap();
    }
    let ids: Vec<String> = events_of(app, &id).await.into_iter().map(|e| e.id).collect();
    assert_eq!(seen, ids, "each event once, in order");
    let types = types_of(app, &id).await;
    assert_eq!(types[2], "cx.customers.consent.changed");
    js.delete_stream(&stream).await.expect("remove the test stream");
}
