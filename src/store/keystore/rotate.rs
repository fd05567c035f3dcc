//! `customers rotate-master-key`: re-wrap every data key (and the system keys) under a new
//! master key without touching the data. Resumable and safe to interrupt: each wrapped key
//! names its master key, a batch is one transaction, and until the last batch both keys
//! are in force (the new one registered as `next`; servers need both meanwhile).

use super::sql::{self, fetch, run, statement};
use super::{KeyRing, KeyStore, Opened, unwrap_raw, wrap};
use crate::store::codec::MasterKey;
use anyhow::{Context as _, bail};
use sea_orm::{ConnectionTrait as _, TransactionTrait as _};

/// Where a rotation stands after [`rotate`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Keys re-wrapped by this call.
    pub rewrapped: u64,
    /// Whether the new key is now the one in force (every key wrapped under it).
    pub finished: bool,
}

/// Re-wrap keys under `new`, `batch` per transaction, at most `max_batches` batches
/// (`None`: to the end). `old` must be the master key in force; a wrong one refuses.
pub async fn rotate(
    url: &str,
    old: &MasterKey,
    new: &MasterKey,
    batch: u64,
    max_batches: Option<u64>,
) -> anyhow::Result<Progress> {
    let (new_id, old_id) = (new.key_id(), old.key_id());
    if new_id == old_id {
        bail!("the new master key is the one in force");
    }
    let (store, opened) = KeyStore::open(url, KeyRing::with_new(old, Some(new))).await?;
    if matches!(opened, Opened::New) {
        bail!("the key store is empty: start the service once before rotating its master key");
    }
    let db = store.db();
    let masters = sql::masters(db).await?;
    if masters.iter().any(|(id, state)| id == &new_id && state == "current") {
        return Ok(Progress { rewrapped: 0, finished: true });
    }
    if let Some((other, _)) = masters.iter().find(|(id, state)| state == "next" && id != &new_id) {
        bail!("a rotation to another master key ({other}) is in progress: finish it with that key first");
    }
    run(db, sql::INSERT_MASTER, vec![new_id.clone().into(), "next".into(), sql::now().into()]).await?;
    let kek = super::kek(new);
    let mut rewrapped = 0;
    let mut batches = 0;
    loop {
        if max_batches.is_some_and(|max| batches >= max) {
            return Ok(Progress { rewrapped, finished: false });
        }
        let rows = fetch(
            db,
            "SELECT owner, key_id, wrapped FROM keystore_keys WHERE wrapped IS NOT NULL AND key_id <> ? ORDER BY owner LIMIT ?",
            vec![new_id.clone().into(), (batch as i64).into()],
        )
        .await?;
        if rows.is_empty() {
            break;
        }
        let tx = db.begin().await.context("Failed to begin a rotation batch")?;
        for row in &rows {
            let (Some(key_id), Some(wrapped)) = (&row.key_id, &row.wrapped) else { continue };
            let from =
                store.ring().get(key_id).context("a key is wrapped under a master key other than the old one")?;
            let raw = unwrap_raw(from, &row.owner, wrapped)?;
            let values = vec![
                new_id.clone().into(),
                wrap(&kek, &row.owner, &raw).into(),
                row.owner.clone().into(),
                key_id.clone().into(),
            ];
            run(&tx, "UPDATE keystore_keys SET key_id = ?, wrapped = ? WHERE owner = ? AND key_id = ?", values).await?;
        }
        tx.commit().await.context("Failed to commit a rotation batch")?;
        rewrapped += rows.len() as u64;
        batches += 1;
    }
    let tx = db.begin().await.context("Failed to begin the end of the rotation")?;
    let backend = tx.get_database_backend();
    tx.execute_raw(statement(backend, "UPDATE keystore_masters SET state = 'retired' WHERE state = 'current'", vec![]))
        .await
        .context("Failed to retire the old master key")?;
    tx.execute_raw(statement(
        backend,
        "UPDATE keystore_masters SET state = 'current' WHERE key_id = ?",
        vec![new_id.into()],
    ))
    .await
    .context("Failed to put the new master key in force")?;
    tx.commit().await.context("Failed to finish the rotation")?;
    Ok(Progress { rewrapped, finished: true })
}
