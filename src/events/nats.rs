//! NATS JetStream: events are published to the subject named by their type (with the
//! configured prefix), with `Nats-Msg-Id` = the event id so that JetStream drops a
//! redelivery within its duplicate window; the stream is created (or found) at start.
//! Every replica also listens on the subjects with a plain subscription and hands what it
//! hears to its live updates, so an update made on any replica reaches every subscriber.

use crate::config::EventSettings;
use crate::domain::event::{CloudEvent, StoredEvent, TYPE_PREFIX};
use crate::service::events::{Delivery, LiveUpdates, Notice};
use anyhow::Context as _;
use async_nats::jetstream::{self, message::PublishMessage};
use futures_util::StreamExt as _;
use std::collections::HashSet;
use std::sync::Arc;

/// A connection to NATS, the stream ensured.
#[derive(Clone)]
pub struct Nats {
    client: async_nats::Client,
    jetstream: jetstream::Context,
    prefix: String,
}

impl Nats {
    /// Connect and create or find the stream `settings.nats_stream` over
    /// `<prefix>cx.customers.>`.
    pub async fn connect(url: &str, settings: &EventSettings) -> anyhow::Result<Self> {
        let client = async_nats::ConnectOptions::new()
            .name("customers")
            .connect(url)
            .await
            .with_context(|| format!("Failed to connect to NATS at {url}"))?;
        let jetstream = jetstream::new(client.clone());
        let prefix = settings.nats_subject_prefix.clone();
        let config = jetstream::stream::Config {
            name: settings.nats_stream.clone(),
            subjects: vec![format!("{prefix}{TYPE_PREFIX}>")],
            duplicate_window: std::time::Duration::from_secs(120),
            ..Default::default()
        };
        jetstream
            .get_or_create_stream(config)
            .await
            .with_context(|| format!("Failed to create or find the JetStream stream {}", settings.nats_stream))?;
        Ok(Self { client, jetstream, prefix })
    }

    pub fn subject(&self, event_type: &str) -> String {
        format!("{}{event_type}", self.prefix)
    }

    /// Publish `events` pipelined (every publish sent, then every acknowledgement awaited);
    /// a customer's events after one that failed are `Held` or, if already sent, left
    /// undelivered by the caller (and sent again after it).
    pub async fn publish(&self, events: &[StoredEvent], source: &str) -> Vec<Delivery> {
        let mut acks = Vec::with_capacity(events.len());
        let mut failed: HashSet<&str> = HashSet::new();
        for event in events {
            if failed.contains(event.customer_id.as_str()) {
                acks.push(Err(Delivery::Held));
                continue;
            }
            let payload = match serde_json::to_vec(&event.to_cloud_event(source)) {
                Ok(p) => p,
                Err(_) => {
                    failed.insert(&event.customer_id);
                    acks.push(Err(Delivery::Failed("the event could not be encoded".into())));
                    continue;
                }
            };
            let publish = PublishMessage::build().payload(payload.into()).message_id(event.id.as_str());
            match self.jetstream.send_publish(self.subject(&event.event_type), publish).await {
                Ok(ack) => acks.push(Ok(ack)),
                Err(e) => {
                    failed.insert(&event.customer_id);
                    acks.push(Err(Delivery::Failed(format!("NATS publish: {}", e.kind()))));
                }
            }
        }
        let mut out = Vec::with_capacity(acks.len());
        for ack in acks {
            out.push(match ack {
                Ok(future) => match future.await {
                    Ok(_) => Delivery::Delivered,
                    Err(e) => Delivery::Failed(format!("NATS acknowledgement: {}", e.kind())),
                },
                Err(delivery) => delivery,
            });
        }
        out
    }

    /// Listen on every event subject and hand each event to `live` (the fan-out of live
    /// updates). Runs until the connection is dropped; reconnects are the client's.
    pub async fn spawn_fanout(&self, live: Arc<LiveUpdates>) -> anyhow::Result<tokio::task::JoinHandle<()>> {
        let subject = format!("{}{TYPE_PREFIX}>", self.prefix);
        let mut subscriber =
            self.client.subscribe(subject).await.context("Failed to subscribe to the event subjects")?;
        Ok(tokio::spawn(async move {
            while let Some(message) = subscriber.next().await {
                match serde_json::from_slice::<CloudEvent>(&message.payload) {
                    Ok(event) => live.publish(Notice {
                        customer_id: event.subject,
                        event_type: event.event_type,
                        event_id: event.id,
                    }),
                    Err(_) => tracing::warn!("a message on the event subjects is not a CloudEvent: ignored"),
                }
            }
        }))
    }
}
