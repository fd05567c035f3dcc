//! Change events: every write emits exactly its events in its own transaction (the
//! outbox), the dispatcher delivers them at least once and in order per customer to signed
//! webhooks and NATS JetStream (also across a `kill -9`), and live updates reach
//! `customerChanged` subscribers — each test on SQLite and on PostgreSQL.

mod crash;
mod delivery;
mod live;
mod outbox;
mod receiver;
mod wake;

use crate::common::*;
use customers::config::EventSettings;
use customers::domain::event::StoredEvent;
use customers::events::Dispatcher;
use serde_json::{Value, json};

use std::time::Duration;

/// Settings for a test: quick retries, the given webhooks/NATS.
fn event_settings(configure: impl FnOnce(&mut EventSettings)) -> EventSettings {
    let mut settings = EventSettings {
        retry_base: Duration::from_millis(20),
        retry_max: Duration::from_millis(100),
        max_attempts: 3,
        ..EventSettings::default()
    };
    configure(&mut settings);
    settings
}

/// Run dispatcher rounds until the outbox has nothing pending that is due, or `deadline`.
async fn drain(dispatcher: &Dispatcher, deadline: Duration) {
    let until = tokio::time::Instant::now() + deadline;
    loop {
        let round = dispatcher.round().await.expect("a dispatcher round");
        if round.read == 0 || tokio::time::Instant::now() > until {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The event types of one customer, oldest first.
async fn types_of(app: &TestApp, customer_id: &str) -> Vec<String> {
    events_of(app, customer_id).await.into_iter().map(|e| e.event_type).collect()
}

async fn events_of(app: &TestApp, customer_id: &str) -> Vec<StoredEvent> {
    app.services.events_of(customer_id).await.expect("the customer's events")
}

/// A unique name for a test's NATS stream and subject prefix.
fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::now_v7().simple())
}

/// Where NATS runs on this machine (`CUSTOMERS_TEST_NATS_URL` for another).
fn nats_url() -> String {
    std::env::var("CUSTOMERS_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}
