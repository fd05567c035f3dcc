//! Bulk import (decision 0014): a batch of parsed lines in one transaction, each line in a
//! savepoint (a bad line is rolled back alone and reported; the good ones stay), written
//! through the same profile code as `createCustomer`/`upsertCustomerByExternalRef` (PII
//! sealed, identities blind-indexed, audited, events in the outbox), with the file's
//! checkpoint saved in the same transaction.

use super::super::profiles::Apply;
use super::super::{On as _, Services};
use crate::domain::audit::{Actor, Change};
use crate::domain::enums::{CustomerStatus, LabelSource};
use crate::domain::id::{CustomerId, LabelId};
use crate::domain::import::{BatchOutcome, Committed, ImportKey, ImportRecord, LineError, label_name_key};
use crate::domain::text::Located;
use crate::domain::{Error, Result};
use crate::store::bulk::{self, NewProfile};
use crate::store::{commit, customers, external_refs, imports, labels};
use sea_orm::{DatabaseTransaction, TransactionTrait as _};
use std::collections::HashMap;

/// A batch of a file: its lines (already parsed) from `first_line` to `last_line`, the
/// range the checkpoint records once the batch commits (lines of the batch that failed to
/// parse included: they are reported, and a resumed import does not report them again).
#[derive(Debug)]
pub struct ImportBatch<'a> {
    pub file_hash: &'a str,
    pub first_line: u64,
    pub last_line: u64,
    pub records: Vec<ImportRecord>,
}

impl Services {
    /// Write one batch. A line that breaks a rule is reported (line, field, reason) and
    /// the others are written; a database failure fails the whole batch (nothing of it is
    /// committed, nor its checkpoint: a rerun resumes before it).
    pub async fn import_batch(&self, actor: &Actor, batch: ImportBatch<'_>) -> Result<BatchOutcome> {
        let tx = self.store.begin_write().await?;
        let catalogue: HashMap<String, LabelId> =
            labels::all(&tx).await?.into_iter().map(|l| (label_name_key(&l.name), l.id)).collect();
        let split = self.split_batch(&tx, batch.records, &catalogue).await?;
        let mut outcome = BatchOutcome { rejected: split.rejected, ..BatchOutcome::default() };
        let mut changes = Vec::with_capacity(split.bulk.len() + split.rest.len());
        let mut rest = split.rest;
        if !split.bulk.is_empty() {
            let (records, profiles): (Vec<ImportRecord>, Vec<NewProfile>) = split.bulk.into_iter().unzip();
            let savepoint = tx.begin().await.map_err(|e| anyhow::Error::new(e).context("begin a savepoint"))?;
            match bulk::insert_profiles(&savepoint, &self.store.codec, &profiles, &actor.subject, LabelSource::Manual)
                .await
            {
                Ok(()) => {
                    savepoint.commit().await.map_err(|e| anyhow::Error::new(e).context("release a savepoint"))?;
                    for (record, profile) in records.iter().zip(&profiles) {
                        changes.push(Change::to_customer(
                            "customer.create",
                            &profile.id,
                            record.input.changed_fields(),
                        ));
                    }
                    outcome.created += records.len() as u64;
                }
                // A row the checks did not foresee (a concurrent writer took a key): the
                // lines go one by one, which says which line and field. The error is not
                // logged: a database's message can quote a value.
                Err(_) => {
                    savepoint.rollback().await.map_err(|e| anyhow::Error::new(e).context("roll back a savepoint"))?;
                    tracing::warn!(lines = records.len(), "a bulk insert failed: its lines are written one by one");
                    rest.extend(records);
                    rest.sort_by_key(|r| r.line);
                }
            }
        }
        let mut written = Vec::new();
        for mut record in rest {
            let savepoint = tx.begin().await.map_err(|e| anyhow::Error::new(e).context("begin a savepoint"))?;
            match self.import_one(&savepoint, actor, &mut record, &catalogue).await {
                Ok((id, created)) => {
                    savepoint.commit().await.map_err(|e| anyhow::Error::new(e).context("release a savepoint"))?;
                    let action = if created { "customer.create" } else { "customer.sync" };
                    changes.push(Change::to_customer(action, &id, record.input.changed_fields()));
                    written.push(id);
                    if created { outcome.created += 1 } else { outcome.updated += 1 }
                }
                Err(Error::Internal(cause)) => return Err(Error::Internal(cause)),
                Err(rule) => {
                    savepoint.rollback().await.map_err(|e| anyhow::Error::new(e).context("roll back a savepoint"))?;
                    outcome.rejected.push(LineError::of(record.line, &rule));
                }
            }
        }
        // The search tokens of the profiles written one by one, rebuilt together (the bulk
        // insert wrote those of its new profiles).
        self.reindex_in(&tx, &written).await?;
        // One call for the batch: the audit entries and the outbox's events of every
        // profile written, each in one multi-row statement.
        if !changes.is_empty() {
            self.record(&tx, actor, changes).await?;
        }
        imports::save(&tx, batch.file_hash, batch.first_line, batch.last_line).await?;
        commit(tx).await?;
        Ok(outcome)
    }

    /// One line: create the profile its key names, or update it. Returns (id, created).
    async fn import_one(
        &self,
        tx: &DatabaseTransaction,
        actor: &Actor,
        record: &mut ImportRecord,
        catalogue: &HashMap<String, LabelId>,
    ) -> Result<(CustomerId, bool)> {
        resolve_labels(record, catalogue)?;
        let codec = &self.store.codec;
        let existing = match &record.key {
            ImportKey::Id(id) => customers::get(tx, codec, id).await?.map(|_| id.clone()).ok_or_else(|| id.clone()),
            ImportKey::Ref(r) => external_refs::owner(tx, codec, r).await?.ok_or_else(CustomerId::generate),
        };
        match existing {
            Ok(id) => {
                customers::touch(tx, codec, &id, None).await.on("customer", "id")?;
                self.apply_profile(tx, actor, &id, &record.input, LabelSource::Manual, Apply::Sync).await?;
                Ok((id, false))
            }
            Err(id) => {
                customers::insert(tx, codec, &id, None, CustomerStatus::Active).await?;
                self.apply_profile(tx, actor, &id, &record.input, LabelSource::Manual, Apply::New).await?;
                Ok((id, true))
            }
        }
    }
}

/// Labels named in a line, as the catalogue's ids (an unknown name: `NOT_FOUND` on its field).
pub(super) fn resolve_labels(record: &mut ImportRecord, catalogue: &HashMap<String, LabelId>) -> Result<()> {
    for named in &record.label_names {
        let id = catalogue.get(&label_name_key(&named.value)).ok_or_else(|| Error::not_found("label", &named.field))?;
        if !record.input.label_ids.iter().any(|l| &l.value == id) {
            record.input.label_ids.push(Located::new(named.field.clone(), id.clone()));
        }
    }
    Ok(())
}

impl Services {
    /// Forget what an import of this file committed: every line of it was imported, or it
    /// starts again from the top (`--restart`).
    pub async fn finish_import(&self, file_hash: &str) -> Result<()> {
        Ok(imports::clear(&self.store.db, file_hash).await?)
    }

    /// The lines an interrupted import of this file committed.
    pub async fn import_checkpoint(&self, file_hash: &str) -> Result<Committed> {
        Ok(imports::committed(&self.store.db, file_hash).await?)
    }

    /// How many batches of one file can be written at once: two on PostgreSQL (one is
    /// prepared here while the server writes the other, and the server writes two on two
    /// cores), one on SQLite (one writer at a time).
    pub fn import_batches_at_once(&self) -> usize {
        if self.store.backend() == sea_orm::DbBackend::Postgres { 2 } else { 1 }
    }
}
