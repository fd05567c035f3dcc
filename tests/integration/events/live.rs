//! Live updates: `subscription { customerChanged(id) }` over graphql-transport-ws, on a
//! real port. The caller authenticates in `connection_init`; updates carry the profile with
//! the same scopes and PII masking as queries, and unmasked PII is audited per update. An
//! update made through another replica reaches the subscriber through NATS.

use super::*;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

on_both_databases!(
    a_subscriber_receives_each_change_with_pii_as_its_scopes_allow,
    a_subscription_needs_a_valid_token_and_customers_read,
    an_update_through_another_replica_reaches_the_subscriber_through_nats,
);

on_both_databases_with!(crate::anomaly::small =>
    profiles_revealed_by_subscription_updates_count_for_the_anomaly_detector,
);

const SUBSCRIPTION: &str = "subscription Watch($id: ID!) { customerChanged(id: $id) { id displayName labels { name } preferences { doNotContact } } }";

/// Serve `router` on a free port; returns its WebSocket URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("ws://{address}/graphql")
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connect with graphql-transport-ws and send `connection_init` with `payload`.
async fn connect(url: &str, payload: Value) -> Socket {
    let mut request = url.into_client_request().expect("a request");
    request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("a WebSocket");
    send(&mut socket, json!({ "type": "connection_init", "payload": payload })).await;
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::Text(message.to_string().into())).await.expect("send");
}

/// The next GraphQL message (pings skipped), or `None` when the connection closed or
/// nothing came within `wait`.
async fn next(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let message: Value = serde_json::from_str(&text).expect("JSON");
                if message["type"] == "ping" || message["type"] == "pong" {
                    continue;
                }
                return Some(message);
            }
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => return None,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

async fn subscribe(url: &str, token: &str, customer_id: &str) -> Socket {
    let mut socket = connect(url, json!({ "authorization": format!("Bearer {token}") })).await;
    let ack = next(&mut socket, Duration::from_secs(5)).await.expect("an answer to connection_init");
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let payload = json!({ "query": SUBSCRIPTION, "variables": { "id": customer_id } });
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": payload })).await;
    socket
}

/// `pii.read` entries of the principal `watcher` about `customer_id`.
async fn pii_reads(app: &TestApp, customer_id: &str) -> i64 {
    let sql = format!(
        "SELECT CAST(COUNT(*) AS TEXT) AS n FROM audit_log WHERE action = 'pii.read' AND actor = 'watcher' \
         AND customer_id = '{customer_id}'"
    );
    app.sql_strings(&sql, &["n"]).await.map(|r| r[0].parse().unwrap()).unwrap_or(-1)
}

async fn a_subscriber_receives_each_change_with_pii_as_its_scopes_allow(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    let other = app.create_customer(json!({ "displayName": "Bilal Ahmed" })).await;
    let url = serve(app.router.clone()).await;
    let dispatcher = Dispatcher::start(app.services.clone(), &event_settings(|_| {})).await.unwrap();
    drain(&dispatcher, Duration::from_secs(5)).await; // the creations are old news
    let mut agent = subscribe(&url, &token_for("watcher", "customers:read pii:read"), &id).await;
    let mut masked = subscribe(&url, &app.token("customers:read"), &id).await;
    tokio::time::sleep(Duration::from_millis(200)).await; // both subscriptions started
    let reads_before = pii_reads(app, &id).await;

    app.admin(UPDATE_CUSTOMER, json!({ "id": other, "input": { "displayName": "Not this one" } })).await;
    app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "Ayesha K." } })).await;
    app.admin(SET_PREFERENCES, json!({ "customerId": id, "input": { "doNotContact": true } })).await;
    drain(&dispatcher, Duration::from_secs(5)).await;

    let first = next(&mut agent, Duration::from_secs(5)).await.expect("an update");
    assert_eq!(first["type"], "next", "{first}");
    assert_eq!(first["payload"]["data"]["customerChanged"]["id"], id);
    assert_eq!(first["payload"]["data"]["customerChanged"]["displayName"], "Ayesha K.");
    let second = next(&mut agent, Duration::from_secs(5)).await.expect("a second update");
    assert_eq!(second["payload"]["data"]["customerChanged"]["preferences"]["doNotContact"], true);
    let seen = next(&mut masked, Duration::from_secs(5)).await.expect("an update");
    let name = seen["payload"]["data"]["customerChanged"]["displayName"].as_str().unwrap().to_owned();
    assert!(name != "Ayesha K." && name.contains('*'), "masked without pii:read: {name:?}");
    assert!(next(&mut agent, Duration::from_millis(300)).await.is_none(), "nothing about the other customer");
    // Each update that showed the name unmasked was audited, as a query's response is.
    assert_eq!(pii_reads(app, &id).await, reads_before + 2);
}

/// The code of the first error of a `next` (a field error) or `error` (a request error) message.
fn code(message: &Value) -> String {
    let errors = if message["type"] == "error" { &message["payload"] } else { &message["payload"]["errors"] };
    errors[0]["extensions"]["code"].as_str().unwrap_or_default().to_owned()
}

async fn a_subscription_needs_a_valid_token_and_customers_read(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    let url = serve(app.router.clone()).await;

    let mut forged = connect(&url, json!({ "authorization": "Bearer not-a-token" })).await;
    let answer = next(&mut forged, Duration::from_secs(5)).await;
    assert!(answer.is_none_or(|m| m["type"] != "connection_ack"), "a forged token is not acknowledged");

    let mut unscoped = subscribe(&url, &app.token("labels:assign"), &id).await;
    let refused = next(&mut unscoped, Duration::from_secs(5)).await.expect("an answer");
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");

    let mut anonymous = connect(&url, json!({})).await;
    assert_eq!(next(&mut anonymous, Duration::from_secs(5)).await.unwrap()["type"], "connection_ack");
    let payload = json!({ "query": SUBSCRIPTION, "variables": { "id": id } });
    send(&mut anonymous, json!({ "id": "1", "type": "subscribe", "payload": payload })).await;
    let refused = next(&mut anonymous, Duration::from_secs(5)).await.expect("an answer");
    assert_eq!(code(&refused), "UNAUTHENTICATED", "{refused}");

    let mut unknown = subscribe(&url, &app.token("customers:read"), &uuid::Uuid::now_v7().to_string()).await;
    let refused = next(&mut unknown, Duration::from_secs(5)).await.expect("an answer");
    assert_eq!(code(&refused), "NOT_FOUND", "{refused}");
}

async fn an_update_through_another_replica_reaches_the_subscriber_through_nats(app: &TestApp) {
    let (prefix, stream) = (format!("{}.", unique("t")), unique("T"));
    let events = event_settings(|s| {
        s.nats_url = Some(nats_url());
        s.nats_stream = stream.clone();
        s.nats_subject_prefix = prefix.clone();
    });
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    // Replica B: another app over the same database, listening on NATS, serving the subscriber.
    // It shares the database and the key store, as replicas do.
    let mut b_settings = settings(app.database_url(), std::env::temp_dir());
    b_settings.keystore_url = Some(app.database().keystore_url());
    let codec = customers::startup::codec(&b_settings).await.unwrap();
    let store = customers::store::Store::connect(app.database_url(), codec).await.unwrap();
    let replica_b = customers::startup::state_with_store(&b_settings, store).await.unwrap();
    let b_url = serve(customers::app(replica_b.clone())).await;
    let b_events = EventSettings { dispatch: false, ..events.clone() };
    customers::events::start(&replica_b.services, &b_events).await.expect("replica B listens on NATS");
    let mut subscriber = subscribe(&b_url, &app.token("customers:read pii:read"), &id).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Replica A (the test app) takes the write and dispatches its event to NATS.
    app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "Ayesha K." } })).await;
    let dispatcher = Dispatcher::start(app.services.clone(), &events).await.unwrap();
    drain(&dispatcher, Duration::from_secs(5)).await;

    let update = next(&mut subscriber, Duration::from_secs(10)).await.expect("the update, through NATS");
    assert_eq!(update["payload"]["data"]["customerChanged"]["displayName"], "Ayesha K.", "{update}");
    let client = async_nats::connect(nats_url()).await.unwrap();
    async_nats::jetstream::new(client).delete_stream(&stream).await.unwrap();
}

async fn profiles_revealed_by_subscription_updates_count_for_the_anomaly_detector(app: &TestApp) {
    // The small thresholds: more than 3 distinct profiles revealed within the hour is a detection.
    let mut ids = Vec::new();
    for name in ["Ayesha Khan", "Bilal Ahmed", "Chen Wei", "Dara Okafor"] {
        ids.push(app.create_customer(json!({ "displayName": name })).await);
    }
    let url = serve(app.router.clone()).await;
    let dispatcher = Dispatcher::start(app.services.clone(), &event_settings(|_| {})).await.unwrap();
    drain(&dispatcher, Duration::from_secs(5)).await;
    let token = token_for("watcher", "customers:read pii:read");
    let mut sockets = Vec::new();
    for id in &ids {
        sockets.push(subscribe(&url, &token, id).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.services.anomaly.judge().await.expect("judge");
    assert!(app.rules_of("watcher").await.is_empty(), "subscribing reveals nothing yet");

    for id in &ids {
        app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "Renamed" } })).await;
    }
    drain(&dispatcher, Duration::from_secs(5)).await;
    for socket in &mut sockets {
        let update = next(socket, Duration::from_secs(5)).await.expect("an update");
        assert_eq!(update["payload"]["data"]["customerChanged"]["displayName"], "Renamed", "{update}");
    }
    app.services.anomaly.judge().await.expect("judge");

    assert_eq!(app.rules_of("watcher").await, ["MANY_PROFILES"], "four profiles revealed through updates");
}
