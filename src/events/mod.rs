//! Change events on their way out: the dispatcher that drains the outbox (written by
//! `Services::record` in each write's transaction) to NATS JetStream and signed webhooks,
//! at least once and in order per customer, and feeds live updates (`customerChanged`).
//! Event catalogue and guarantees: `docs/events.md`; why: decision 0011.

pub mod nats;
pub mod webhook;

use crate::config::EventSettings;
use crate::domain::event::StoredEvent;
use crate::service::Services;
use crate::service::events::{Deliver, Delivery, LiveUpdates, RetryPolicy, Round};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Where events go: NATS and/or webhooks (neither: they only feed live updates).
pub struct Transports {
    pub nats: Option<nats::Nats>,
    pub webhooks: webhook::Webhooks,
    pub source: String,
}

impl Deliver for Transports {
    async fn deliver(&self, events: &[StoredEvent]) -> Vec<Delivery> {
        let mut results = match &self.nats {
            Some(nats) => nats.publish(events, &self.source).await,
            None => vec![Delivery::Delivered; events.len()],
        };
        if !self.webhooks.is_empty() {
            // Webhooks get what NATS took (in order): a NATS failure holds the customer back.
            let accepted: Vec<StoredEvent> = events
                .iter()
                .zip(&results)
                .filter(|(_, r)| **r == Delivery::Delivered)
                .map(|(e, _)| e.clone())
                .collect();
            let mut by_hook = self.webhooks.deliver(&accepted, &self.source).await.into_iter();
            for result in results.iter_mut().filter(|r| **r == Delivery::Delivered) {
                *result = by_hook.next().unwrap_or(Delivery::Held);
            }
        }
        results
    }
}

/// The outbox's dispatcher: one per replica (they share the outbox, see
/// `Services::dispatch_round`).
pub struct Dispatcher {
    services: Services,
    transports: Transports,
    batch: u64,
    retry: RetryPolicy,
    poll: std::time::Duration,
}

impl Dispatcher {
    /// Connect the transports `settings` configures (NATS: the stream is ensured; a NATS
    /// that cannot be reached fails start-up) and, with NATS, start the live-update fan-out.
    pub async fn start(services: Services, settings: &EventSettings) -> anyhow::Result<Self> {
        let nats = match &settings.nats_url {
            Some(url) => {
                let nats = nats::Nats::connect(url, settings).await?;
                nats.spawn_fanout(services.live.clone()).await?;
                Some(nats)
            }
            None => None,
        };
        let webhooks = webhook::Webhooks::new(settings.webhooks.clone(), settings.webhook_timeout)?;
        tracing::info!(
            nats = nats.is_some(),
            webhooks = settings.webhooks.len(),
            "change events: dispatching from the outbox"
        );
        Ok(Self {
            services,
            transports: Transports { nats, webhooks, source: settings.source.clone() },
            batch: settings.batch,
            retry: RetryPolicy {
                max_attempts: settings.max_attempts,
                base: settings.retry_base,
                max: settings.retry_max,
            },
            poll: settings.poll,
        })
    }

    /// One round (see `Services::dispatch_round`); notices of first tries go to this
    /// replica's live updates when NATS does not carry them to every replica.
    pub async fn round(&self) -> crate::domain::Result<Round> {
        let round = self.services.dispatch_round(&self.transports, self.batch, self.retry).await?;
        let live = &self.services.live;
        live.delivered.fetch_add(round.delivered as u64, Ordering::Relaxed);
        live.failed.fetch_add(round.failed as u64, Ordering::Relaxed);
        live.dead.fetch_add(round.dead as u64, Ordering::Relaxed);
        if self.transports.nats.is_none() {
            for notice in &round.first_tries {
                live.publish(notice.clone());
            }
        }
        Ok(round)
    }

    /// Run rounds until aborted: back to back while there is a backlog; when idle, as soon
    /// as a commit adds events (PostgreSQL, any replica: [`wake_on_new_events`]) and at
    /// least every `poll` (retries that come due, SQLite, a lost notification).
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let wake = std::sync::Arc::new(tokio::sync::Notify::new());
            // Listening starts before the first round: what was committed before it, that
            // round reads; what is committed after, wakes the loop.
            let _waker = wake_on_new_events(&self.services, wake.clone(), self.poll).await;
            loop {
                let started = tokio::time::Instant::now();
                match self.round().await {
                    Ok(round) if round.read as u64 >= self.batch && round.delivered + round.failed + round.dead > 0 => {
                        continue;
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(error = %error, "an event dispatcher round failed; retrying"),
                }
                tokio::select! {
                    // Commits that come meanwhile share the round (see `WAKE_GAP`).
                    _ = wake.notified() => tokio::time::sleep_until(started + WAKE_GAP).await,
                    _ = tokio::time::sleep(self.poll) => {}
                }
            }
        })
    }
}

/// The least time from one round's start to the next round a commit wakes: under a stream
/// of writes, at most 100 rounds a second, each delivering what the commits of its 10 ms
/// added, rather than one round (a transaction of 4 statements) per commit.
const WAKE_GAP: std::time::Duration = std::time::Duration::from_millis(10);

/// Aborts its task when dropped (with the dispatcher's own task).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// On PostgreSQL, a task that wakes `wake` whenever a commit adds events to the outbox, and
/// after each reconnection (notifications sent meanwhile are lost). `None` on SQLite. When
/// the listener fails it is dropped and opened again after `pause` (at least 1 s), the
/// dispatcher polling meanwhile; one warning per failure, not one per attempt.
async fn wake_on_new_events(
    services: &Services,
    wake: std::sync::Arc<tokio::sync::Notify>,
    pause: std::time::Duration,
) -> Option<AbortOnDrop> {
    let pause = pause.max(std::time::Duration::from_secs(1));
    let mut listener = match services.listen_for_new_events().await {
        Ok(listener) => Some(listener?),
        Err(error) => {
            tracing::warn!(error = %error, "the event dispatcher cannot listen for new events; it polls meanwhile");
            None
        }
    };
    let services = services.clone();
    Some(AbortOnDrop(tokio::spawn(async move {
        loop {
            let Some(open) = listener.as_mut() else {
                tokio::time::sleep(pause).await;
                if let Ok(Some(reopened)) = services.listen_for_new_events().await {
                    listener = Some(reopened);
                    wake.notify_one(); // what was committed while it was closed
                }
                continue;
            };
            // A notification, or `None` after sqlx reconnected: either way, a round.
            match open.try_recv().await {
                Ok(_) => wake.notify_one(),
                Err(error) => {
                    tracing::warn!(error = %error, "the event dispatcher's listener failed; it polls until it listens again");
                    listener = None;
                }
            }
        }
    })))
}

/// Start what `settings` asks for in a serving process: the live-update fan-out from NATS
/// (when configured) and the dispatcher (unless `CUSTOMERS_EVENTS_DISPATCH=false`).
pub async fn start(
    services: &Services,
    settings: &EventSettings,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    if settings.dispatch {
        return Ok(Some(Dispatcher::start(services.clone(), settings).await?.spawn()));
    }
    if let Some(url) = &settings.nats_url {
        nats::Nats::connect(url, settings).await?.spawn_fanout(services.live.clone()).await?;
    }
    Ok(None)
}

/// The dispatcher's counters for `/metrics` (this replica's).
pub fn metrics(live: &Arc<LiveUpdates>) -> String {
    format!(
        "# HELP customers_events_total Change events this replica's dispatcher delivered, failed (to retry) or dead-lettered.\n\
         # TYPE customers_events_total counter\n\
         customers_events_total{{outcome=\"delivered\"}} {}\n\
         customers_events_total{{outcome=\"failed\"}} {}\n\
         customers_events_total{{outcome=\"dead_letter\"}} {}\n",
        live.delivered.load(Ordering::Relaxed),
        live.failed.load(Ordering::Relaxed),
        live.dead.load(Ordering::Relaxed)
    )
}
