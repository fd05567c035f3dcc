//! Data keys for many new customers at once (bulk import): one multi-row insert per 500
//! owners instead of a read and an insert each.

use super::{KeyStore, cipher, sql, wrap};
use anyhow::Context as _;
use rand::RngCore as _;
use sea_orm::Value;

/// Owners per statement (4 values each).
const PER_INSERT: usize = 500;

impl KeyStore {
    /// Create the data keys of `owners`, which have none yet (new ids). A chunk in which
    /// some owner turns out to have one already is not cached: those keys are then read
    /// (or created) one by one when first used, as usual.
    pub async fn create_many(&self, owners: &[&str]) -> anyhow::Result<()> {
        let key_id = self.0.wrap_with.clone();
        let kek = self.0.ring.get(&key_id).context("the master key")?;
        let now = sql::now();
        for chunk in owners.chunks(PER_INSERT) {
            let mut text = String::from("INSERT INTO keystore_keys (owner, key_id, wrapped, created_at) VALUES ");
            let (mut values, mut raws) =
                (Vec::<Value>::with_capacity(chunk.len() * 4), Vec::with_capacity(chunk.len()));
            for (i, owner) in chunk.iter().enumerate() {
                text.push_str(if i == 0 { "(?, ?, ?, ?)" } else { ", (?, ?, ?, ?)" });
                let mut raw = [0u8; 32];
                rand::rng().fill_bytes(&mut raw);
                values.extend([
                    (*owner).into(),
                    key_id.clone().into(),
                    wrap(kek, owner, &raw).into(),
                    now.clone().into(),
                ]);
                raws.push(raw);
            }
            text.push_str(" ON CONFLICT (owner) DO NOTHING");
            if sql::run(self.counted(), &text, values).await? == chunk.len() as u64 {
                for (owner, raw) in chunk.iter().zip(&raws) {
                    self.0.cache.put(owner, cipher(raw));
                }
            }
        }
        Ok(())
    }
}
