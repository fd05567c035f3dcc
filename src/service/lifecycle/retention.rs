//! Retention: purging what the policy no longer keeps, by kind, never touching a profile
//! under a legal hold. Run by `customers retention run [--dry-run]` and by a background
//! task (`CUSTOMERS_RETENTION_INTERVAL_SECS`, only when a policy is set). A dry run reads
//! what would go and writes nothing.

use super::super::Services;
use crate::domain::Result;
use crate::domain::audit::{Actor, Change};
use crate::domain::lifecycle::{RetentionPolicy, RetentionReport};
use crate::store::audit::purge;
use crate::store::events;
use crate::store::lifecycle::{self, holds, retention};
use crate::store::{commit, now, rollback};
use serde_json::json;

/// Anonymous profiles erased per transaction.
const ANONYMOUS_BATCH: u64 = 200;

impl Services {
    /// Purge (or, `dry_run`, count) what `policy` no longer keeps.
    pub async fn run_retention(
        &self,
        actor: &Actor,
        policy: &RetentionPolicy,
        dry_run: bool,
    ) -> Result<RetentionReport> {
        let mut report = RetentionReport { dry_run, ..Default::default() };
        let at = now();
        if let Some(days) = policy.interactions_days {
            report.interactions =
                self.purge_interactions(actor, RetentionPolicy::cutoff(days, at), days, dry_run).await?;
        }
        if let Some(days) = policy.anonymous_days {
            report.anonymous_profiles =
                self.purge_anonymous(actor, RetentionPolicy::cutoff(days, at), days, dry_run).await?;
        }
        if let Some(days) = policy.audit_days {
            let purged = self.purge_audit(actor, RetentionPolicy::cutoff(days, at), days, dry_run).await?;
            if let Some((through, count)) = purged {
                report.audit_entries = count;
                report.audit_purged_through = Some(through);
            }
        }
        if let Some(days) = policy.events_days {
            let cutoff = RetentionPolicy::cutoff(days, at);
            report.events = events::purge_delivered_before(&self.store.db, cutoff, dry_run).await?;
        }
        if !dry_run {
            tracing::info!(
                interactions = report.interactions,
                anonymous_profiles = report.anonymous_profiles,
                audit_entries = report.audit_entries,
                events = report.events,
                "retention run"
            );
        }
        Ok(report)
    }

    async fn purge_interactions(
        &self,
        actor: &Actor,
        cutoff: chrono::DateTime<chrono::Utc>,
        days: u32,
        dry_run: bool,
    ) -> Result<u64> {
        if dry_run {
            return Ok(retention::count_interactions_before(&self.store.db, cutoff).await?);
        }
        let tx = self.store.begin_write().await?;
        let purged = retention::delete_interactions_before(&tx, cutoff).await?;
        if purged > 0 {
            let details = json!({ "kind": "interactions", "days": days, "before": cutoff, "purged": purged });
            let change = Change::to_catalogue("retention.purge", "interactions", vec![]).with_details(details);
            self.record(&tx, actor, vec![change]).await?;
        }
        commit(tx).await?;
        Ok(purged)
    }

    /// Erase inactive anonymous profiles, a batch per transaction (each as `eraseCustomer`
    /// would, with profiles merged into it; skipped when any of those is held).
    async fn purge_anonymous(
        &self,
        actor: &Actor,
        cutoff: chrono::DateTime<chrono::Utc>,
        days: u32,
        dry_run: bool,
    ) -> Result<u64> {
        let mut total = 0;
        loop {
            let tx = self.store.begin_write().await?;
            // A dry run writes nothing, so it cannot page by erasing: it reads them all at once.
            let limit = if dry_run { u64::MAX >> 1 } else { ANONYMOUS_BATCH };
            let candidates = retention::inactive_anonymous(&tx, cutoff, limit).await?;
            let mut erased = Vec::new();
            for id in &candidates {
                if !dry_run && !retention::claim_inactive(&tx, id, cutoff).await? {
                    continue;
                }
                let ids = lifecycle::merged_into_closure(&tx, id).await?;
                if !holds::by_customers(&tx, &ids).await?.is_empty() {
                    continue;
                }
                if !dry_run {
                    let reason = format!("retention: anonymous profile inactive for {days} days");
                    self.erase_in(&tx, actor, &ids, reason).await?;
                }
                erased.extend(ids);
                total += 1;
            }
            if dry_run {
                rollback(tx).await?;
                return Ok(total);
            }
            commit(tx).await?;
            self.after_erasure(&erased).await?;
            if (candidates.len() as u64) < ANONYMOUS_BATCH {
                return Ok(total);
            }
        }
    }

    /// Purge the audit log's oldest entries (a prefix of the chain, anchored: see
    /// `store::audit::purge`). Returns (last position purged, entries).
    async fn purge_audit(
        &self,
        actor: &Actor,
        cutoff: chrono::DateTime<chrono::Utc>,
        days: u32,
        dry_run: bool,
    ) -> Result<Option<(i64, u64)>> {
        let tx = self.store.begin_write().await?;
        purge::lock_head(&tx).await?;
        let Some((through, count)) = purge::purgeable(&tx, cutoff).await? else {
            rollback(tx).await?;
            return Ok(None);
        };
        if dry_run {
            rollback(tx).await?;
            return Ok(Some((through, count)));
        }
        let purged = purge::purge(&tx, &self.store.codec, through).await?;
        let details =
            json!({ "kind": "audit", "days": days, "before": cutoff, "purged": purged, "through_seq": through });
        let change = Change::to_catalogue("retention.purge", "audit_log", vec![]).with_details(details);
        self.record(&tx, actor, vec![change]).await?;
        commit(tx).await?;
        Ok(Some((through, purged)))
    }

    /// Run `policy` every `interval` in the background (each replica may run one: every
    /// purge is one transaction on data that is then gone, so two runs do not collide). A
    /// failed run is logged and retried at the next tick.
    pub fn spawn_retention(
        &self,
        policy: RetentionPolicy,
        interval: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let services = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let actor = Actor::system("retention");
            loop {
                ticks.tick().await;
                let run = crate::store::in_background(
                    crate::store::Background::Retention,
                    services.run_retention(&actor, &policy, false),
                );
                if let Err(error) = run.await {
                    tracing::warn!(error = %error, "retention run failed; retrying at the next tick");
                }
            }
        })
    }
}
