//! The audit log as the service uses it: recording changes inside their transactions and
//! the PII a response revealed, reading it for `privacy:admin`, and keeping it sealed.

use super::Services;
use crate::domain::Result;
use crate::domain::audit::{Actor, AuditEntry, AuditFilter, Change, PiiReads, Verification};
use crate::store::audit::{self, Position, chain};
use sea_orm::ConnectionTrait;

/// Entries the sealer chains per transaction.
const SEAL_BATCH: u64 = 1000;

/// Refused entries this process has reported already. A refused entry stays in the queue
/// (verification names it) and every sealing pass refuses it again; it is logged the first
/// time only, not at every tick. Past [`Refusals::KEPT`] ids every refusal is logged again.
#[derive(Debug, Default)]
pub(crate) struct Refusals(std::sync::Mutex<std::collections::HashSet<String>>);

impl Refusals {
    const KEPT: usize = 10_000;

    /// Whether `id` has not been reported yet (and now counts as reported).
    fn first_report(&self, id: &str) -> bool {
        let mut reported = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if reported.contains(id) {
            return false;
        }
        if reported.len() < Self::KEPT {
            reported.insert(id.to_owned());
        }
        true
    }
}

impl Services {
    /// Record `changes` by `actor` on `db` (the transaction of the write they describe),
    /// and write the change events they emit to the outbox in the same transaction
    /// (`domain::event`): a write that rolls back emits nothing. An action the event table
    /// does not know fails the write rather than skip its event.
    pub(crate) async fn record(&self, db: &impl ConnectionTrait, actor: &Actor, changes: Vec<Change>) -> Result<()> {
        let mut events = Vec::new();
        for change in &changes {
            events.extend(crate::domain::event::derive(actor, change).map_err(anyhow::Error::new)?);
        }
        audit::record(db, &self.store.codec, actor, changes).await?;
        if !self.outbox {
            return Ok(());
        }
        Ok(crate::store::events::insert(db, events).await?)
    }

    /// Record that a response revealed `reads` to `actor`: one entry for the whole
    /// response (and, on SQLite, a narrow index row per profile when it showed several),
    /// committed with the entries of other responses that are waiting (`read_audit`):
    /// returns once it is committed.
    pub async fn record_pii_reads(&self, actor: &Actor, reads: PiiReads) -> Result<()> {
        if !self.audit_reads.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(()); // only while a benchmark measures the audit's cost
        }
        let (entry, subjects) = reads.into_entry();
        let entry = audit::ReadEntry::new(&self.store.codec, actor, entry, subjects);
        self.read_recorder.record(&self.store, entry).await
    }

    /// A page of the log, newest first.
    pub async fn audit_log(
        &self,
        filter: &AuditFilter,
        after: Option<&Position>,
        limit: u64,
    ) -> Result<Vec<AuditEntry>> {
        Ok(audit::page(&self.store.db, filter, after, limit).await?)
    }

    /// Chain every entry written since the last seal (as many rounds as it takes). Returns
    /// how many were sealed; entries whose MAC does not check out are logged and left out.
    pub async fn seal_audit(&self) -> Result<u64> {
        crate::store::in_background(crate::store::Background::AuditSealer, self.seal_rounds()).await
    }

    async fn seal_rounds(&self) -> Result<u64> {
        let mut total = 0;
        // Most ticks find nothing: do not take the write lock for them.
        if !audit::has_pending(&self.store.db).await? {
            return Ok(0);
        }
        let mut after: Option<String> = None;
        loop {
            let tx = self.store.begin_write().await?;
            let round = chain::seal(&tx, &self.store.codec, SEAL_BATCH, after.as_deref()).await?;
            crate::store::commit(tx).await?;
            for id in round.refused.iter().filter(|id| self.audit_refusals.first_report(id)) {
                tracing::error!(target: "security", entry = %id, "an audit entry does not match its MAC: not sealed");
            }
            total += round.sealed;
            // A round that read less than a whole batch has reached the end of the queue.
            if round.read < SEAL_BATCH {
                return Ok(total);
            }
            after = round.last_read;
        }
    }

    /// Check the whole chain (see `store::audit::verify`).
    pub async fn verify_audit(&self) -> Result<Verification> {
        Ok(audit::verify::verify(&self.store.db, &self.store.codec).await?)
    }

    /// Write the log from `since` as NDJSON; returns the number of entries.
    pub async fn export_audit(
        &self,
        since: Option<chrono::DateTime<chrono::Utc>>,
        out: &mut impl std::io::Write,
    ) -> Result<u64> {
        Ok(audit::export::write_ndjson(&self.store.db, since, out).await?)
    }

    /// Seal every `interval` in the background (each replica runs one; they take turns on
    /// the chain's head). A failed round is logged and retried at the next tick.
    pub fn spawn_audit_sealer(&self, interval: std::time::Duration) -> tokio::task::JoinHandle<()> {
        let services = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(error) = services.seal_audit().await {
                    tracing::warn!(error = %error, "sealing the audit log failed; retrying");
                }
            }
        })
    }

    /// Entries not sealed yet.
    pub async fn audit_pending(&self) -> Result<u64> {
        Ok(audit::pending(&self.store.db).await?)
    }
}
