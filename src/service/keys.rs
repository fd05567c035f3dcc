//! Envelope encryption as the service uses it: migrating old values in place, and
//! crypto-shredding (the one function erasure calls).

use super::Services;
use crate::domain::Result;
use crate::domain::id::CustomerId;
use crate::store::reseal;

/// Values of each kind re-sealed per transaction.
pub const RESEAL_BATCH: u64 = 200;

impl Services {
    /// Re-seal every value still in the old form (`v1:`, or free text in clear) under its
    /// customer's data key, batch by batch; returns how many. Resumable: run it again after
    /// an interruption and it does what is left.
    pub async fn reseal_legacy(&self, batch: u64) -> Result<u64> {
        crate::store::in_background(crate::store::Background::Reseal, async {
            let mut total = 0;
            loop {
                let tx = self.store.begin_write().await?;
                let done = reseal::batch(&tx, &self.store.codec, batch).await?;
                crate::store::commit(tx).await?;
                total += done;
                if done == 0 {
                    return Ok(total);
                }
            }
        })
        .await
    }

    /// Values still in the old form.
    pub async fn legacy_remaining(&self) -> Result<u64> {
        Ok(reseal::remaining(&self.store.db).await?)
    }

    /// Run [`Services::reseal_legacy`] once in the background (at start); a failure is
    /// logged and the next start resumes.
    pub fn spawn_reseal(&self) -> tokio::task::JoinHandle<()> {
        let services = self.clone();
        tokio::spawn(async move {
            match services.reseal_legacy(RESEAL_BATCH).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(values = n, "re-sealed values under customers' data keys"),
                Err(error) => tracing::warn!(error = %error, "re-sealing old values failed; the next start resumes"),
            }
        })
    }

    /// Crypto-shredding: destroy the data keys of these customers. Everything sealed under
    /// them (in the database and in every backup of it) can no longer be opened; the key
    /// store keeps a tombstone so that no new key is made for them. Erasure calls this
    /// with the erased profile and every profile merged into it.
    pub async fn destroy_data_keys(&self, customers: &[CustomerId]) -> Result<()> {
        self.store.codec.keys().destroy(customers).await.map_err(crate::store::StoreError::Database)?;
        Ok(())
    }
}
