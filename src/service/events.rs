//! Change events as the service uses them: a dispatcher round over the outbox (which
//! events are due, in order per customer; what to mark delivered, retry or dead-letter),
//! replay, dead letters, and the in-process hub live updates listen to. The transports
//! (NATS, webhooks) are `crate::events`; the events are written by `Services::record`.

use super::Services;
use crate::domain::Result;
use crate::domain::event::{DeadLetter, StoredEvent, backoff};
use crate::store::{self, Background, events};
use chrono::{DateTime, Utc};
use sea_orm::DbBackend;
use sea_orm::TransactionTrait as _;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;
use tokio::sync::broadcast;

/// That a customer changed: what live updates (`customerChanged`) wake on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub customer_id: String,
    pub event_type: String,
    pub event_id: String,
}

/// The in-process hub of change notices, and the dispatcher's counters (`/metrics`).
#[derive(Debug)]
pub struct LiveUpdates {
    sender: broadcast::Sender<Arc<Notice>>,
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
    pub dead: AtomicU64,
}

impl Default for LiveUpdates {
    fn default() -> Self {
        // A subscriber that falls this far behind skips ahead (and reloads the profile).
        let (sender, _) = broadcast::channel(4096);
        Self { sender, delivered: AtomicU64::new(0), failed: AtomicU64::new(0), dead: AtomicU64::new(0) }
    }
}

impl LiveUpdates {
    pub fn publish(&self, notice: Notice) {
        let _ = self.sender.send(Arc::new(notice)); // no subscriber: nothing to do
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Notice>> {
        self.sender.subscribe()
    }
}

/// What delivering one event came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// Refused or unreachable (the reason: no PII, no response body).
    Failed(String),
    /// Not tried: an earlier event of the same customer failed in this round.
    Held,
}

/// A transport: delivers `events` (in order; a customer's later events are `Held` after
/// one of its events failed) and says what became of each, in the same order.
pub trait Deliver {
    fn deliver(&self, events: &[StoredEvent]) -> impl std::future::Future<Output = Vec<Delivery>> + Send;
}

/// How the dispatcher retries.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub max_attempts: i32,
    pub base: Duration,
    pub max: Duration,
}

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Round {
    /// Events read (pending, whether due or not).
    pub read: usize,
    pub delivered: usize,
    pub failed: usize,
    pub dead: usize,
    /// Events tried for the first time (their notices go to live updates).
    pub first_tries: Vec<Notice>,
}

impl Services {
    /// On PostgreSQL, a listener that hears of every commit that adds events to the outbox,
    /// on any replica (`None` on SQLite): what wakes an idle dispatcher.
    pub async fn listen_for_new_events(&self) -> anyhow::Result<Option<sea_orm::sqlx::postgres::PgListener>> {
        crate::store::events::listen_for_new_events(&self.store.db).await
    }

    /// One dispatcher round: read up to `batch` pending events, deliver the due ones
    /// through `transport`, record the outcome. On PostgreSQL the round holds the
    /// partitions it serves locked (`FOR UPDATE SKIP LOCKED`) until it has recorded what
    /// it delivered, so replicas never deliver one customer's events concurrently; if the
    /// process dies mid-round, nothing is marked and every event is delivered again.
    pub async fn dispatch_round(&self, transport: &impl Deliver, batch: u64, retry: RetryPolicy) -> Result<Round> {
        store::in_background(Background::EventDispatcher, async {
            if self.store.backend() == DbBackend::Postgres {
                let tx = self.store.db.begin().await.map_err(anyhow::Error::new)?;
                let partitions = events::claim_partitions(&tx).await?;
                if partitions.is_empty() {
                    store::rollback(tx).await?;
                    return Ok(Round::default());
                }
                let pending = events::pending(&tx, Some(&partitions), batch).await?;
                let round = self.deliver_and_record(&tx, transport, pending, retry).await?;
                store::commit(tx).await?;
                Ok(round)
            } else {
                // SQLite: one writer, one replica. Read, deliver, then record in a short write.
                let pending = events::pending(&self.store.db, None, batch).await?;
                if pending.is_empty() {
                    return Ok(Round::default());
                }
                let outcome = self.deliver_only(transport, pending, retry).await;
                let tx = self.store.begin_write().await?;
                let round = record_outcome(&tx, outcome, retry).await?;
                store::commit(tx).await?;
                Ok(round)
            }
        })
        .await
    }

    async fn deliver_and_record(
        &self,
        tx: &sea_orm::DatabaseTransaction,
        transport: &impl Deliver,
        pending: Vec<StoredEvent>,
        retry: RetryPolicy,
    ) -> Result<Round> {
        let outcome = self.deliver_only(transport, pending, retry).await;
        record_outcome(tx, outcome, retry).await
    }

    async fn deliver_only(&self, transport: &impl Deliver, pending: Vec<StoredEvent>, _retry: RetryPolicy) -> Outcome {
        let read = pending.len();
        let due = due(pending, Utc::now());
        let results = if due.is_empty() { Vec::new() } else { transport.deliver(&due).await };
        Outcome { read, events: due, results }
    }

    /// Deliver again every event written at or after `since`. Returns how many.
    pub async fn replay_events(&self, since: DateTime<Utc>) -> Result<u64> {
        Ok(events::replay(&self.store.db, since).await?)
    }

    /// Dead letters, oldest first.
    pub async fn dead_letters(&self, limit: u64) -> Result<Vec<DeadLetter>> {
        Ok(events::dead_letters(&self.store.db, limit).await?)
    }

    /// Every event of one customer, oldest first (for operators and tests).
    pub async fn events_of(&self, customer_id: &str) -> Result<Vec<StoredEvent>> {
        Ok(events::of_customer(&self.store.db, customer_id).await?)
    }

    /// Events written at or after `since`, oldest first.
    pub async fn events_since(&self, since: DateTime<Utc>, limit: u64) -> Result<Vec<StoredEvent>> {
        Ok(events::since(&self.store.db, since, limit).await?)
    }
}

struct Outcome {
    read: usize,
    events: Vec<StoredEvent>,
    results: Vec<Delivery>,
}

/// The events to try now, in order: a customer whose oldest pending event waits for its
/// retry time waits whole (its later events stay behind it).
fn due(pending: Vec<StoredEvent>, now: DateTime<Utc>) -> Vec<StoredEvent> {
    let mut waiting: HashSet<String> = HashSet::new();
    let mut due = Vec::with_capacity(pending.len());
    for event in pending {
        if waiting.contains(&event.customer_id) {
            continue;
        }
        if event.next_attempt_at.is_some_and(|at| at > now) {
            waiting.insert(event.customer_id.clone());
            continue;
        }
        due.push(event);
    }
    due
}

async fn record_outcome(tx: &impl sea_orm::ConnectionTrait, outcome: Outcome, retry: RetryPolicy) -> Result<Round> {
    let mut round = Round { read: outcome.read, ..Round::default() };
    let now = Utc::now();
    let mut delivered = Vec::new();
    // A customer with a failure in this round: its later events are not marked delivered
    // even if a pipelined transport accepted them (they go again, after the failed one).
    let mut failed_customers: HashSet<String> = HashSet::new();
    for (event, result) in outcome.events.iter().zip(outcome.results.iter().chain(std::iter::repeat(&Delivery::Held))) {
        if event.attempts == 0 {
            round.first_tries.push(Notice {
                customer_id: event.customer_id.clone(),
                event_type: event.event_type.clone(),
                event_id: event.id.clone(),
            });
        }
        match result {
            Delivery::Delivered if !failed_customers.contains(&event.customer_id) => delivered.push(event.seq),
            Delivery::Delivered | Delivery::Held => {}
            Delivery::Failed(reason) => {
                failed_customers.insert(event.customer_id.clone());
                let attempts = event.attempts + 1;
                let retry_at = (attempts < retry.max_attempts).then(|| {
                    now + chrono::Duration::from_std(backoff(retry.base, retry.max, attempts)).unwrap_or_default()
                });
                if retry_at.is_none() {
                    round.dead += 1;
                    tracing::warn!(event = %event.id, customer_id = %event.customer_id, attempts, "event dead-lettered");
                } else {
                    round.failed += 1;
                }
                events::mark_failed(tx, event.seq, attempts, retry_at, reason).await?;
            }
        }
    }
    round.delivered = delivered.len();
    events::mark_delivered(tx, &delivered, now).await?;
    Ok(round)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::EventData;

    fn event(seq: i64, customer: &str, next: Option<DateTime<Utc>>) -> StoredEvent {
        StoredEvent {
            seq,
            id: format!("e{seq}"),
            customer_id: customer.into(),
            event_type: "cx.customers.customer.updated".into(),
            time: Utc::now(),
            customer_version: Some(1),
            data: EventData {
                principal: "p".into(),
                operation: None,
                action: "customer.update".into(),
                fields: vec![],
                entity: None,
                details: serde_json::Value::Null,
            },
            attempts: 0,
            next_attempt_at: next,
        }
    }

    #[test]
    fn a_customer_waiting_for_a_retry_holds_its_later_events_back() {
        let now = Utc::now();
        let later = Some(now + chrono::Duration::seconds(5));
        let pending = vec![event(1, "a", later), event(2, "b", None), event(3, "a", None), event(4, "b", None)];
        let seqs: Vec<i64> = due(pending, now).iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [2, 4]);
    }
}
