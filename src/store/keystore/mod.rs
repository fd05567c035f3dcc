//! The key store: one AES-256 data key per customer, wrapped (AES-256-GCM) by the master
//! key, kept in a database apart from the data (`CUSTOMERS_KEYSTORE_URL`; by default a
//! second SQLite file in the data folder). A backup of the data alone cannot be read once
//! a customer's key is destroyed here ([`KeyStore::destroy`]: crypto-shredding).
//!
//! Every wrapped key names the master key it is wrapped under (`key_id`, a fingerprint of
//! the master key), so `customers rotate-master-key` re-wraps keys in batches, resumably,
//! while servers configured with both keys read everything ([`rotate`]).
//!
//! The service's own keys (the blind index key, the audit chain key, the key of values
//! sealed before envelope encryption) are kept here wrapped too, under reserved owners
//! (`system:…`): they were derived from the first master key and must outlive a rotation.
//! See docs/decisions/0009-key-hierarchy.md.

mod bulk;
mod cache;
pub mod rotate;
mod sql;

use super::codec::MasterKey;
use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use anyhow::{Context as _, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cache::KeyCache;
use rand::RngCore as _;
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend};
use sql::{Row, fetch, run};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const NONCE_LEN: usize = 12;
/// Reserved owners of the service's own keys.
pub const SYSTEM_INDEX: &str = "system:blind-index";
pub const SYSTEM_AUDIT: &str = "system:audit-chain";
pub const SYSTEM_LEGACY: &str = "system:legacy-v1";

/// A customer's data key, unwrapped (in memory only).
pub type DataKey = Arc<Aes256Gcm>;

/// Why a data key is not available.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The owner's key was destroyed (an erased customer): its data is gone for good.
    #[error("the data key was destroyed")]
    Destroyed,
    /// Not in the key store (a key store that does not belong to this database?).
    #[error("no data key in the key store")]
    Missing,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The master keys this process holds: the one in force and, during a rotation, the other.
#[derive(Clone)]
pub struct KeyRing {
    keys: Vec<(String, Aes256Gcm)>,
    /// The new key of a rotation: new data keys are wrapped under it.
    new: Option<String>,
}

impl KeyRing {
    /// The master key in force and, during a rotation, the new one.
    pub fn with_new(master: &MasterKey, new: Option<&MasterKey>) -> Self {
        let mut keys = vec![(master.key_id(), kek(master))];
        keys.extend(new.map(|n| (n.key_id(), kek(n))));
        Self { keys, new: new.map(MasterKey::key_id) }
    }

    fn get(&self, key_id: &str) -> Option<&Aes256Gcm> {
        self.keys.iter().find(|(id, _)| id == key_id).map(|(_, k)| k)
    }

    fn has(&self, key_id: &str) -> bool {
        self.get(key_id).is_some()
    }

    pub fn ids(&self) -> Vec<String> {
        self.keys.iter().map(|(id, _)| id.clone()).collect()
    }
}

#[allow(clippy::expect_used, reason = "the derived key is 32 bytes, what AES-256 takes")]
fn kek(master: &MasterKey) -> Aes256Gcm {
    Aes256Gcm::new_from_slice(&master.derive("customers/keystore/kek/v1")).expect("32-byte key")
}

fn wrap_aad(owner: &str) -> Vec<u8> {
    format!("customers/data-key\u{1f}{owner}").into_bytes()
}

/// Wrap raw key bytes for `owner` under a key-encryption key: base64(nonce ‖ ciphertext).
#[allow(clippy::expect_used, reason = "AES-GCM fails only on buffers over 64 GiB")]
fn wrap(kek: &Aes256Gcm, owner: &str, raw: &[u8; 32]) -> String {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let aad = wrap_aad(owner);
    let sealed = kek.encrypt(&nonce.into(), Payload { msg: raw, aad: &aad }).expect("in-memory encryption");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    STANDARD.encode(out)
}

fn unwrap_raw(kek: &Aes256Gcm, owner: &str, wrapped: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = STANDARD.decode(wrapped).context("a wrapped key is not base64")?;
    if bytes.len() < NONCE_LEN {
        bail!("a wrapped key is truncated");
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().context("nonce")?;
    let aad = wrap_aad(owner);
    let raw = kek
        .decrypt(&nonce.into(), Payload { msg: sealed, aad: &aad })
        .map_err(|_| anyhow!("a wrapped key does not open with its master key"))?;
    raw.try_into().map_err(|_| anyhow!("a wrapped key is not 32 bytes"))
}

#[allow(clippy::expect_used, reason = "32 bytes is what AES-256 takes")]
fn cipher(raw: &[u8; 32]) -> DataKey {
    Arc::new(Aes256Gcm::new_from_slice(raw).expect("32-byte key"))
}

/// The service's own keys, unwrapped.
#[derive(Clone)]
pub struct SystemKeys {
    pub index: [u8; 32],
    pub audit: [u8; 32],
    pub legacy: [u8; 32],
}

impl SystemKeys {
    /// As derived from a master key before envelope encryption (decisions 0003 and 0008).
    pub fn derived(master: &MasterKey) -> Self {
        Self {
            index: master.derive("customers/pii/blind-index/v1"),
            audit: master.derive("customers/audit/chain/v1"),
            legacy: master.derive("customers/pii/encryption/v1"),
        }
    }
}

struct Inner {
    db: DatabaseConnection,
    ring: KeyRing,
    /// The master key new data keys are wrapped under: the `next` one during a rotation
    /// (when this process holds it), else the current one.
    wrap_with: String,
    cache: KeyCache,
    statements: AtomicU64,
}

/// Data keys by customer: loaded (a page's worth in one statement), created on first
/// write, cached unwrapped in memory (bounded, with a time to live), destroyed on erasure.
#[derive(Clone)]
pub struct KeyStore(Arc<Inner>);

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyStore(«keys»)")
    }
}

/// What [`KeyStore::open`] found: either the key store is registered (its system keys are
/// unwrapped), or it is new and waits for [`KeyStore::register`] once the data check passed.
pub enum Opened {
    Registered(SystemKeys),
    New,
}

impl KeyStore {
    /// Connect to the key store, create its tables, and check that this process holds the
    /// master key(s) in force: a wrong master key refuses to start.
    pub async fn open(url: &str, ring: KeyRing) -> anyhow::Result<(Self, Opened)> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false).connect_timeout(Duration::from_secs(10)).acquire_timeout(Duration::from_secs(10));
        if url.contains(":memory:") {
            opts.max_connections(1).min_connections(1);
        } else if url.starts_with("sqlite:") {
            opts.max_connections(2).min_connections(1);
        } else {
            opts.max_connections(5).min_connections(1);
        }
        let db = sea_orm::Database::connect(opts).await.context("Failed to connect to the key store")?;
        if db.get_database_backend() == DbBackend::Sqlite {
            // No WAL (old page images would outlive a destroyed key there) and zeroed
            // free pages: a destroyed key leaves no copy in the file.
            for pragma in ["PRAGMA journal_mode = DELETE", "PRAGMA secure_delete = ON", "PRAGMA busy_timeout = 5000"] {
                db.execute_unprepared(pragma).await.context("Failed to configure the key store")?;
            }
        }
        sql::create_tables(&db).await?;
        let masters = sql::masters(&db).await?;
        let current = masters.iter().find(|(_, state)| state == "current").map(|(id, _)| id.clone());
        let next = masters.iter().find(|(_, state)| state == "next").map(|(id, _)| id.clone());
        let Some(current) = current else {
            let wrap_with = ring.ids().first().cloned().unwrap_or_default();
            let ring = KeyRing { new: None, ..ring };
            let store = Self::build(db, ring, wrap_with);
            return Ok((store, Opened::New));
        };
        if !ring.has(&current) {
            bail!(
                "the master key does not match the one in force in the key store (CUSTOMERS_MASTER_KEY or data/master-key)"
            );
        }
        if let Some(next) = &next
            && !ring.has(next)
        {
            bail!(
                "a master key rotation is in progress: configure the new key too (CUSTOMERS_NEW_MASTER_KEY) until `customers rotate-master-key` finishes"
            );
        }
        let wrap_with = ring.new.clone().or(next).unwrap_or(current);
        let store = Self::build(db, ring, wrap_with);
        let system = store.system_keys().await?;
        Ok((store, Opened::Registered(system)))
    }

    fn build(db: DatabaseConnection, ring: KeyRing, wrap_with: String) -> Self {
        Self(Arc::new(Inner { db, ring, wrap_with, cache: KeyCache::default(), statements: AtomicU64::new(0) }))
    }

    /// Statements sent to the key store (exported on `/metrics`; the hot paths send none
    /// once a customer's key is cached).
    pub fn statements(&self) -> u64 {
        self.0.statements.load(Ordering::Relaxed)
    }

    fn counted(&self) -> &DatabaseConnection {
        self.0.statements.fetch_add(1, Ordering::Relaxed);
        &self.0.db
    }

    /// Record the master key in force and the system keys: the first start on this key store.
    pub async fn register(&self, system: &SystemKeys) -> anyhow::Result<()> {
        let key_id = self.0.wrap_with.clone();
        let kek = self.0.ring.get(&key_id).context("the master key")?;
        let now = sql::now();
        for (owner, raw) in
            [(SYSTEM_INDEX, &system.index), (SYSTEM_AUDIT, &system.audit), (SYSTEM_LEGACY, &system.legacy)]
        {
            let values = vec![owner.into(), key_id.clone().into(), wrap(kek, owner, raw).into(), now.clone().into()];
            run(self.counted(), sql::INSERT_KEY, values).await?;
        }
        run(self.counted(), sql::INSERT_MASTER, vec![key_id.into(), "current".into(), now.into()]).await?;
        Ok(())
    }

    async fn system_keys(&self) -> anyhow::Result<SystemKeys> {
        let owners = [SYSTEM_INDEX, SYSTEM_AUDIT, SYSTEM_LEGACY].map(String::from);
        let rows = self.rows(&owners).await?;
        let get = |owner: &str| -> anyhow::Result<[u8; 32]> {
            let row = rows.get(owner).context("a system key is missing from the key store")?;
            self.unwrap_row(owner, row)
        };
        Ok(SystemKeys { index: get(SYSTEM_INDEX)?, audit: get(SYSTEM_AUDIT)?, legacy: get(SYSTEM_LEGACY)? })
    }

    fn unwrap_row(&self, owner: &str, row: &Row) -> anyhow::Result<[u8; 32]> {
        let (Some(key_id), Some(wrapped)) = (&row.key_id, &row.wrapped) else { bail!("the key was destroyed") };
        let kek = self.0.ring.get(key_id).context("a key is wrapped under a master key this process does not hold")?;
        unwrap_raw(kek, owner, wrapped)
    }

    async fn rows(&self, owners: &[String]) -> anyhow::Result<HashMap<String, Row>> {
        if owners.is_empty() {
            return Ok(HashMap::new());
        }
        let (sql, values) = sql::select_keys(self.0.db.get_database_backend(), owners);
        let rows = fetch(self.counted(), &sql, values).await?;
        Ok(rows.into_iter().map(|r| (r.owner.clone(), r)).collect())
    }

    /// Load the keys of these owners that are not cached yet, in one statement.
    pub async fn prefetch(&self, owners: &[&str]) -> Result<(), KeyError> {
        let mut missing: Vec<String> =
            owners.iter().filter(|o| !self.0.cache.contains(o)).map(|o| (*o).to_owned()).collect();
        missing.sort();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        for (owner, row) in self.rows(&missing).await? {
            self.remember(&owner, &row)?;
        }
        Ok(())
    }

    fn remember(&self, owner: &str, row: &Row) -> Result<Option<DataKey>, KeyError> {
        if row.wrapped.is_none() {
            self.0.cache.put_destroyed(owner);
            return Ok(None);
        }
        let key = cipher(&self.unwrap_row(owner, row)?);
        self.0.cache.put(owner, key.clone());
        Ok(Some(key))
    }

    /// The key of `owner` for reading: cached, else loaded.
    pub async fn get(&self, owner: &str) -> Result<DataKey, KeyError> {
        match self.0.cache.get(owner) {
            Some(Some(key)) => return Ok(key),
            Some(None) => return Err(KeyError::Destroyed),
            None => {}
        }
        let rows = self.rows(&[owner.to_owned()]).await?;
        match rows.get(owner) {
            None => Err(KeyError::Missing),
            Some(row) => self.remember(owner, row)?.ok_or(KeyError::Destroyed),
        }
    }

    /// The key of `owner` for writing: created (and stored) when it has none yet. A
    /// destroyed key is not replaced: nothing is written for an erased customer.
    pub async fn get_or_create(&self, owner: &str) -> Result<DataKey, KeyError> {
        match self.get(owner).await {
            Err(KeyError::Missing) => {}
            other => return other,
        }
        let mut raw = [0u8; 32];
        rand::rng().fill_bytes(&mut raw);
        let key_id = self.0.wrap_with.clone();
        let kek = self.0.ring.get(&key_id).context("the master key")?;
        let values = vec![owner.into(), key_id.clone().into(), wrap(kek, owner, &raw).into(), sql::now().into()];
        // Two writers creating the same key: the first insert wins, the other reads it back.
        if run(self.counted(), sql::INSERT_KEY, values).await? == 1 {
            let key = cipher(&raw);
            self.0.cache.put(owner, key.clone());
            return Ok(key);
        }
        self.0.cache.forget(owner);
        self.get(owner).await
    }

    /// Crypto-shredding: destroy the data keys of these customers (their wrapped keys are
    /// overwritten and removed from this process's cache). Whatever of theirs is sealed
    /// anywhere (the database, a backup of it, a merge ledger) can no longer be opened.
    /// Other processes drop a cached key within the cache's time to live (5 minutes).
    /// Idempotent; a customer without a key gets a tombstone, so none is created later.
    pub async fn destroy(&self, customers: &[crate::domain::id::CustomerId]) -> anyhow::Result<()> {
        for id in customers {
            let owner = id.as_str();
            let at = sql::now();
            run(self.counted(), sql::DESTROY_KEY, vec![at.clone().into(), owner.into()]).await?;
            run(self.counted(), sql::TOMBSTONE, vec![owner.into(), at.clone().into(), at.into()]).await?;
            self.0.cache.put_destroyed(owner);
        }
        Ok(())
    }

    /// The wrapped key of `owner` as stored (`None`: none, or destroyed): for inspection.
    pub async fn wrapped_of(&self, owner: &str) -> anyhow::Result<Option<String>> {
        Ok(self.rows(&[owner.to_owned()]).await?.remove(owner).and_then(|r| r.wrapped))
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.0.db
    }

    pub(crate) fn ring(&self) -> &KeyRing {
        &self.0.ring
    }

    /// Forget every cached key (after a rotation, keys are re-read under their new wrap).
    pub fn clear_cache(&self) {
        self.0.cache.clear();
    }
}

/// `sqlite://<data_dir>/keystore.db?mode=rwc`: the default key store.
pub fn default_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("keystore.db").display())
}

#[cfg(test)]
mod tests;
