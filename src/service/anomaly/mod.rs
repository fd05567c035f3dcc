//! The anomaly detector: each request's observations of a principal are queued in memory
//! (no statement on the request's path) and judged in batches — every
//! `CUSTOMERS_ANOMALY_JUDGE_INTERVAL_MS` in the background, and at shutdown — against the
//! rules: one upsert for every principal's counters and one aggregate read per 500
//! principals. A detection is recorded once per (principal, rule) while open, logged as a
//! security event and counted for `/metrics`; and, when blocking is on, whether a
//! principal's PII is blocked.
//!
//! The open rules of a principal are cached in memory for [`OPEN_CACHE`]: a block (or a
//! clear) made on another replica takes effect here within that delay; on this replica at
//! once. See `docs/decisions/0007-anomaly-detection.md`.

mod detections;

use super::Services;
use crate::domain::Result;
use crate::domain::anomaly::{AnomalyRule, Detection, Observations, Policy, Tally, evaluate, spans};
use crate::domain::identity::IdentitySpec;
use crate::store::{Store, StoreResult, anomalies, anomaly_detections, now};
use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a principal's open detections are trusted from memory.
pub const OPEN_CACHE: Duration = Duration::from_secs(5);
/// How often (at most) a replica deletes counters older than every window.
const PRUNE_EVERY_SECS: i64 = 600;
/// Cached principals beyond which expired entries are swept.
const CACHE_SWEEP_AT: usize = 10_000;
/// Counter rows queued beyond which new observations are dropped (and counted) until the
/// next judgement: memory stays bounded if the database is away.
const QUEUE_LIMIT: usize = 1_000_000;

type OpenRules = Arc<BTreeSet<AnomalyRule>>;

pub struct Detector {
    store: Store,
    policy: Policy,
    open: Mutex<HashMap<String, (Instant, OpenRules)>>,
    detected: [AtomicU64; AnomalyRule::ALL.len()],
    last_prune: AtomicI64,
    /// Observations not judged yet: counter rows per principal.
    queue: Mutex<Queue>,
    /// Observations dropped because the queue was full.
    dropped: AtomicU64,
}

#[derive(Default)]
struct Queue {
    rows: usize,
    by_principal: HashMap<String, Vec<Tally>>,
}

impl Detector {
    pub fn new(store: Store, policy: Policy) -> Self {
        Self {
            store,
            policy,
            open: Mutex::default(),
            detected: Default::default(),
            last_prune: AtomicI64::new(0),
            queue: Mutex::default(),
            dropped: AtomicU64::new(0),
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Whether `principal`'s PII is blocked: blocking is on and it has an open detection.
    /// If the database cannot say, the PII is blocked (masked), not shown.
    pub async fn blocked(&self, principal: &str) -> bool {
        if !(self.policy.enabled && self.policy.block) {
            return false;
        }
        match self.open_rules(principal).await {
            Ok(open) => !open.is_empty(),
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "could not check for an access block: PII masked");
                true
            }
        }
    }

    /// Queue one request's observations of `principal`, made now, for the next judgement.
    /// No I/O: the request does not wait for the detector.
    pub fn observe(&self, principal: &str, observations: &Observations) {
        self.queue_at(principal, observations, now());
    }

    fn queue_at(&self, principal: &str, observations: &Observations, at: DateTime<Utc>) {
        if !self.policy.enabled {
            return;
        }
        let tallies = observations.tallies(&self.policy, at);
        let mut queue = self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if queue.rows + tallies.len() > QUEUE_LIMIT {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        queue.rows += tallies.len();
        queue.by_principal.entry(principal.to_owned()).or_default().extend(tallies);
    }

    /// Observations dropped since start because the queue was full (for `/metrics`).
    pub fn dropped_total(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Queue `observations` made at `at` (another replica's clock, or history in tests) and
    /// judge at once.
    pub async fn observe_at(
        &self,
        principal: &str,
        observations: &Observations,
        at: DateTime<Utc>,
    ) -> Result<Vec<Detection>> {
        self.queue_at(principal, observations, at);
        self.judge_at(at).await
    }

    /// Judge every queued observation now: record the counters, count each principal's
    /// windows, open what a rule crosses. Runs as background work (its statements are
    /// counted apart from the requests'). If the database fails, the batch is lost and the
    /// error returned: detection never fails a request.
    pub async fn judge(&self) -> Result<Vec<Detection>> {
        self.judge_at(now()).await
    }

    async fn judge_at(&self, at: DateTime<Utc>) -> Result<Vec<Detection>> {
        let batch = std::mem::take(&mut *self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        if batch.by_principal.is_empty() {
            return Ok(vec![]);
        }
        crate::store::in_background(crate::store::Background::AnomalyJudge, self.judge_batch(batch.by_principal, at))
            .await
    }

    async fn judge_batch(&self, batch: HashMap<String, Vec<Tally>>, at: DateTime<Utc>) -> Result<Vec<Detection>> {
        let db = &self.store.db;
        let principals: Vec<&str> = batch.keys().map(String::as_str).collect();
        anomalies::record_many(db, batch.iter().map(|(p, t)| (p.as_str(), t.as_slice()))).await?;
        let counts = anomalies::counts_many(db, &principals, &spans(&self.policy, at)).await?;
        let mut opened = Vec::new();
        for (principal, counts) in &counts {
            let findings = evaluate(&self.policy, counts);
            if findings.is_empty() {
                continue;
            }
            let open = self.open_rules(principal).await?;
            let new: Vec<_> = findings.into_iter().filter(|f| !open.contains(&f.rule)).collect();
            for finding in &new {
                if let Some(detection) = anomaly_detections::open(db, principal, finding).await? {
                    self.announce(&detection);
                    opened.push(detection);
                }
            }
            if !new.is_empty() {
                // Opened here or by another replica: open either way.
                let rules = open.iter().copied().chain(new.iter().map(|f| f.rule)).collect();
                self.remember(principal, Arc::new(rules));
            }
        }
        self.prune_now_and_then(at).await;
        Ok(opened)
    }

    /// Judge every `interval` in the background. A failed round is logged; the next one
    /// judges what arrived since.
    pub fn spawn_judge(self: &Arc<Self>, interval: Duration) -> tokio::task::JoinHandle<()> {
        let detector = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(e) = detector.judge().await {
                    tracing::error!(error = format!("{e:#}"), "could not judge access observations");
                }
            }
        })
    }

    fn announce(&self, d: &Detection) {
        if let Some(i) = AnomalyRule::ALL.iter().position(|r| *r == d.rule) {
            self.detected[i].fetch_add(1, Ordering::Relaxed);
        }
        tracing::warn!(
            target: "security",
            event = "access_anomaly_detected",
            anomaly_id = %d.id,
            principal = %d.principal,
            rule = d.rule.as_str(),
            observed = d.observed,
            threshold = d.threshold,
            window_secs = d.window_secs,
            blocking = self.policy.block,
            "access anomaly detected"
        );
    }

    /// Detections recorded by this replica since it started, per rule (for `/metrics`).
    pub fn detections_total(&self) -> Vec<(AnomalyRule, u64)> {
        AnomalyRule::ALL.iter().zip(&self.detected).map(|(r, n)| (*r, n.load(Ordering::Relaxed))).collect()
    }

    async fn open_rules(&self, principal: &str) -> StoreResult<OpenRules> {
        if let Ok(cache) = self.open.lock()
            && let Some((at, rules)) = cache.get(principal)
            && at.elapsed() < OPEN_CACHE
        {
            return Ok(rules.clone());
        }
        let rules: OpenRules =
            Arc::new(anomaly_detections::open_rules(&self.store.db, principal).await?.into_iter().collect());
        self.remember(principal, rules.clone());
        Ok(rules)
    }

    fn remember(&self, principal: &str, rules: OpenRules) {
        if let Ok(mut cache) = self.open.lock() {
            if cache.len() >= CACHE_SWEEP_AT {
                cache.retain(|_, (at, _)| at.elapsed() < OPEN_CACHE);
            }
            cache.insert(principal.to_owned(), (Instant::now(), rules));
        }
    }

    fn forget(&self, principal: &str) {
        if let Ok(mut cache) = self.open.lock() {
            cache.remove(principal);
        }
    }

    /// Delete counters no rule looks at any more, at most once per ten minutes per replica.
    async fn prune_now_and_then(&self, at: DateTime<Utc>) {
        let now = at.timestamp();
        let last = self.last_prune.load(Ordering::Relaxed);
        if now - last < PRUNE_EVERY_SECS
            || self.last_prune.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_err()
        {
            return;
        }
        let before = now - self.policy.longest_window_secs();
        if let Err(e) = anomalies::prune(&self.store.db, before).await {
            tracing::warn!(error = format!("{e:#}"), "could not prune access observations");
        }
    }
}

impl Services {
    /// What the detector counts for an identifier looked up: a digest of its blind-index
    /// key, so the counters can neither reveal the identifier nor be joined to identities.
    pub fn identifier_digest(&self, ident: &IdentitySpec) -> String {
        lookup_key_digest(&self.store.codec.lookup_key(ident.channel, &ident.value))
    }
}

/// The digest the detector keeps for a blind-index key (erasure forgets the counters of
/// an erased person's identifiers by it).
pub fn lookup_key_digest(key: &str) -> String {
    Sha256::digest(key.as_bytes()).iter().take(16).map(|b| format!("{b:02x}")).collect()
}
