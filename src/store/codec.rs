//! The PII codec: every PII value passes through here on its way into and out of the
//! database (display names, identity values, PII-marked attribute values, merge ledgers),
//! and identity lookups compare the `lookup_key` made here rather than the stored value.
//!
//! Field-level encryption at rest: values are sealed with AES-256-GCM (random 96-bit
//! nonce per value) and lookup keys are HMAC-SHA256 blind indexes, so equal identifiers
//! still find each other without the database ever holding them in clear. Both keys are
//! derived from the master key (`CUSTOMERS_MASTER_KEY`), each for its own purpose.
//! Stored form: `v1:` + base64(nonce ‖ ciphertext ‖ tag); the version prefix leaves room
//! for key rotation. See docs/decisions/0003-pii.md.

use super::keystore::{KeyRing, KeyStore, Opened, SystemKeys};
use crate::domain::{Channel, Pii};
use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sha2::Sha256;
use std::sync::Arc;

const VERSION: &str = "v1:";
/// Envelope form: `v2:<owner>:` + base64(nonce ‖ ciphertext ‖ tag), under the owner's data key.
const ENVELOPE: &str = "v2:";
const NONCE_LEN: usize = 12;

/// The 32-byte master key. `Debug` never prints it.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    pub fn from_base64(text: &str) -> anyhow::Result<Self> {
        let bytes = STANDARD.decode(text.trim()).context("the master key is not base64")?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| anyhow::anyhow!("the master key must be 32 bytes"))?;
        Ok(Self(key))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A fingerprint naming this key in the key store (not secret: an HMAC under the key).
    pub fn key_id(&self) -> String {
        hex(&self.derive("customers/keystore/key-id/v1")[..8])
    }

    /// A key for one purpose, derived from the master key (HMAC-SHA256 as a KDF).
    #[allow(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    pub(crate) fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(«secret»)")
    }
}

struct Keys {
    store: KeyStore,
    /// HMAC-SHA256 keyed with the blind-index key, ready to clone: keying costs two
    /// SHA-256 blocks, as much as hashing a short value, and a bulk import makes dozens
    /// of blind indexes and search tokens per profile.
    index: Hmac<Sha256>,
    /// The same for the audit chain key.
    audit: Hmac<Sha256>,
    /// The single key values were sealed with before envelope encryption (`v1:`).
    legacy: Aes256Gcm,
    /// On a new key store: the system keys to register once the database check passed.
    pending: Option<SystemKeys>,
}

/// Seals and opens PII for storage, and derives lookup keys.
#[derive(Clone)]
pub struct PiiCodec(Arc<Keys>);

impl std::fmt::Debug for PiiCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiCodec(«keys»)")
    }
}

/// What a sealed value is bound to (AES-GCM associated data): its table, column and row,
/// and for identities their blind index. A value copied to another row, column or
/// customer does not open: the read fails instead of showing another customer's value.
#[derive(Clone, Copy, Debug)]
pub struct Aad<'a> {
    pub table: &'static str,
    pub column: &'static str,
    pub row: &'a str,
    pub bind: &'a str,
}

impl<'a> Aad<'a> {
    pub fn display_name(customer_id: &'a str) -> Self {
        Self { table: "customers", column: "display_name", row: customer_id, bind: "" }
    }
    pub fn identity(identity_id: &'a str, lookup_key: &'a str) -> Self {
        Self { table: "channel_identities", column: "value", row: identity_id, bind: lookup_key }
    }
    /// An attribute value is bound to its customer and key (a merge re-seals what it moves).
    pub fn attribute(customer_id: &'a str, key: &'a str) -> Self {
        Self { table: "customer_attributes", column: "value", row: customer_id, bind: key }
    }
    pub fn ledger(merge_id: &'a str) -> Self {
        Self { table: "merges", column: "ledger", row: merge_id, bind: "" }
    }
    pub fn summary(interaction_id: &'a str) -> Self {
        Self { table: "interactions", column: "summary", row: interaction_id, bind: "" }
    }
    pub fn metadata(interaction_id: &'a str) -> Self {
        Self { table: "interaction_metadata", column: "metadata", row: interaction_id, bind: "" }
    }
    pub fn consents(customer_id: &'a str) -> Self {
        Self { table: "preferences", column: "consents", row: customer_id, bind: "" }
    }
    /// The proof of a consent record (its source and evidence reference are free text).
    pub fn consent_proof(record_id: &'a str) -> Self {
        Self { table: "consent_records", column: "proof", row: record_id, bind: "" }
    }
    pub fn external_id(ref_id: &'a str, lookup_key: &'a str) -> Self {
        Self { table: "external_refs", column: "external_id", row: ref_id, bind: lookup_key }
    }

    fn bytes(&self, owner: &str) -> Vec<u8> {
        format!(
            "customers/v2\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{owner}",
            self.table, self.column, self.row, self.bind
        )
        .into_bytes()
    }
}

/// Whether a stored text is a sealed value (either form); plain JSON never starts so.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(VERSION) || stored.starts_with(ENVELOPE)
}

/// Whether a stored text is sealed the old way (`v1:`, one key, no associated data).
pub fn is_legacy(stored: &str) -> bool {
    stored.starts_with(VERSION)
}

/// The customer whose data key sealed a value (`v2:<owner>:…`).
pub fn owner_of(stored: &str) -> Option<&str> {
    stored.strip_prefix(ENVELOPE)?.split_once(':').map(|(owner, _)| owner)
}

impl PiiCodec {
    /// The codec over the key store at `keystore_url`, with the master key in force and,
    /// during a rotation, the new one. A wrong master key refuses here.
    pub async fn open_keystore(
        keystore_url: &str,
        master: &MasterKey,
        new: Option<&MasterKey>,
    ) -> anyhow::Result<Self> {
        let (store, opened) = KeyStore::open(keystore_url, KeyRing::with_new(master, new)).await?;
        let (system, pending) = match opened {
            Opened::Registered(system) => (system, None),
            Opened::New => {
                let system = SystemKeys::derived(master);
                (system.clone(), Some(system))
            }
        };
        Ok(Self::build(store, system, pending))
    }

    /// A codec over a key store in memory (unit tests and tools).
    pub async fn in_memory(master: &MasterKey) -> anyhow::Result<Self> {
        let codec = Self::open_keystore("sqlite::memory:", master, None).await?;
        codec.register_if_new().await?;
        Ok(codec)
    }

    #[allow(clippy::expect_used, reason = "the key is 32 bytes, what AES-256 takes; HMAC takes any")]
    fn build(store: KeyStore, system: SystemKeys, pending: Option<SystemKeys>) -> Self {
        let mac = |key: &[u8; 32]| <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).expect("any key length");
        Self(Arc::new(Keys {
            store,
            index: mac(&system.index),
            // Key rotation keeps this key (it is kept wrapped in the key store): decision 0008.
            audit: mac(&system.audit),
            legacy: Aes256Gcm::new_from_slice(&system.legacy).expect("32-byte key"),
            pending,
        }))
    }

    /// On a new key store, record the master key and the system keys (after the database
    /// said this master key is the one it was written with).
    pub async fn register_if_new(&self) -> anyhow::Result<()> {
        match &self.0.pending {
            Some(system) => self.0.store.register(system).await,
            None => Ok(()),
        }
    }

    pub fn keys(&self) -> &KeyStore {
        &self.0.store
    }

    /// Seal `value` under the data key of `owner` (created on its first value), bound to `aad`.
    #[allow(clippy::expect_used, reason = "AES-GCM fails only on buffers over 64 GiB")]
    pub async fn seal(&self, owner: &str, aad: Aad<'_>, value: &Pii) -> anyhow::Result<String> {
        let key = self.0.store.get_or_create(owner).await?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = aad.bytes(owner);
        let sealed = key
            .encrypt(&nonce.into(), Payload { msg: value.expose().as_bytes(), aad: &aad })
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{ENVELOPE}{owner}:{}", STANDARD.encode(out)))
    }

    /// Load, in one statement, the data keys these stored values need that are not cached.
    /// (The values are read before the future is made: it holds no borrow of them.)
    pub fn prefetch<'s>(
        &self,
        stored: impl IntoIterator<Item = &'s str>,
    ) -> impl std::future::Future<Output = anyhow::Result<()>> + Send + '_ {
        let owners: Vec<String> = stored.into_iter().filter_map(owner_of).map(str::to_owned).collect();
        async move {
            let owners: Vec<&str> = owners.iter().map(String::as_str).collect();
            self.0.store.prefetch(&owners).await.map_err(anyhow::Error::from)
        }
    }

    /// Open a stored value bound to `aad`. Fails on another row's value, a tampered value,
    /// another master key, or a destroyed data key ([`KeyError::Destroyed`] inside).
    pub async fn open(&self, aad: Aad<'_>, stored: &str) -> anyhow::Result<Pii> {
        if is_legacy(stored) {
            return self.open_legacy(stored);
        }
        let Some(rest) = stored.strip_prefix(ENVELOPE) else { bail!("a stored PII value is not sealed") };
        let Some((owner, body)) = rest.split_once(':') else { bail!("a stored PII value has no key owner") };
        let key = self.0.store.get(owner).await?;
        let (nonce, sealed) = split(body)?;
        let aad = aad.bytes(owner);
        let plain = key.decrypt(&nonce.into(), Payload { msg: sealed.as_slice(), aad: &aad }).map_err(|_| {
            anyhow::anyhow!("a stored PII value does not open here: tampered with, or moved from another row")
        })?;
        Ok(Pii::new(String::from_utf8(plain).context("a stored PII value is not UTF-8")?))
    }

    /// Open a value sealed before envelope encryption (`v1:`): read until the migration
    /// re-sealed it, and the master key probe.
    pub fn open_legacy(&self, stored: &str) -> anyhow::Result<Pii> {
        let Some(body) = stored.strip_prefix(VERSION) else { bail!("a stored PII value is not sealed") };
        let (nonce, sealed) = split(body)?;
        let plain = self
            .0
            .legacy
            .decrypt(&nonce.into(), sealed.as_slice())
            .map_err(|_| anyhow::anyhow!("a stored PII value does not open with this master key"))?;
        Ok(Pii::new(String::from_utf8(plain).context("a stored PII value is not UTF-8")?))
    }

    /// Seal the old way (`v1:`): the master key probe, and tests of the migration.
    #[allow(clippy::expect_used, reason = "AES-GCM fails only on buffers over 64 GiB")]
    pub fn seal_legacy(&self, value: &Pii) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .0
            .legacy
            .encrypt(&nonce.into(), value.expose().as_bytes())
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{VERSION}{}", STANDARD.encode(out))
    }

    /// Open a value bound to `from` and seal it again bound to `to` under `owner`'s key
    /// (a merge moving a value to another customer's row).
    pub async fn reseal(&self, stored: &str, from: Aad<'_>, owner: &str, to: Aad<'_>) -> anyhow::Result<String> {
        let plain = self.open(from, stored).await?;
        self.seal(owner, to, &plain).await
    }

    /// The audit log's MAC of `content` (hex): tamper-evident without the master key.
    pub fn audit_mac(&self, content: &[u8]) -> String {
        let mut mac = self.0.audit.clone();
        mac.update(content);
        hex(&mac.finalize().into_bytes())
    }

    /// What identity lookups compare: equal for equal (channel, normalised value), and
    /// meaningless without the key store.
    pub fn lookup_key(&self, channel: Channel, normalized: &Pii) -> String {
        self.blind_index(channel.as_str(), normalized.expose())
    }

    /// A blind index of `value` in a namespace (a channel, `external:<system>`).
    pub fn blind_index(&self, namespace: &str, value: &str) -> String {
        let mut mac = self.0.index.clone();
        mac.update(namespace.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("{VERSION}{}", hex(&digest))
    }
}

impl PiiCodec {
    /// A search token (`store::search`): the first 8 bytes of the blind index of `text` in
    /// the namespace `search/<kind>` — the identities' blind-index key, another namespace, so
    /// a search token never equals an identity's `lookup_key`. 64 bits: a false match
    /// needs a collision among the few tokens one search looks up (about 2^-40 at 10^8 rows).
    pub fn search_token(&self, kind: &str, text: &str) -> i64 {
        let mut mac = self.0.index.clone();
        mac.update(b"search/");
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(text.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(first)
    }
}

fn split(body: &str) -> anyhow::Result<([u8; NONCE_LEN], Vec<u8>)> {
    let mut bytes = STANDARD.decode(body).context("a stored PII value is not base64")?;
    if bytes.len() < NONCE_LEN {
        bail!("a stored PII value is truncated");
    }
    let sealed = bytes.split_off(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = bytes.try_into().map_err(|_| anyhow::anyhow!("nonce"))?;
    Ok((nonce, sealed))
}

/// Lower-case hex (by table: `format!` per byte cost more than the HMAC it printed).
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn codec(byte: u8) -> PiiCodec {
        PiiCodec::in_memory(&MasterKey::from_bytes([byte; 32])).await.unwrap()
    }

    const ALICE: &str = "0190a000-0000-7000-8000-00000000000a";
    const BOB: &str = "0190a000-0000-7000-8000-00000000000b";

    #[test]
    fn the_master_key_never_prints() {
        assert!(!format!("{:?}", MasterKey::from_bytes([9; 32])).contains('9'));
    }

    #[tokio::test]
    async fn open_reverses_seal_and_the_sealed_form_hides_the_value() {
        let c = codec(1).await;
        let pii = Pii::new("jane@example.com");
        let sealed = c.seal(ALICE, Aad::display_name(ALICE), &pii).await.unwrap();
        assert!(sealed.starts_with("v2:") && !sealed.contains("jane"));
        assert_eq!(owner_of(&sealed), Some(ALICE));
        assert_ne!(sealed, c.seal(ALICE, Aad::display_name(ALICE), &pii).await.unwrap(), "a fresh nonce every time");
        assert_eq!(c.open(Aad::display_name(ALICE), &sealed).await.unwrap(), pii);
    }

    #[tokio::test]
    async fn a_value_moved_to_another_row_or_column_does_not_open() {
        let c = codec(1).await;
        let sealed = c.seal(ALICE, Aad::identity("i-1", "k-1"), &Pii::new("+923001234567")).await.unwrap();
        assert!(c.open(Aad::identity("i-2", "k-1"), &sealed).await.is_err(), "another row");
        assert!(c.open(Aad::identity("i-1", "k-2"), &sealed).await.is_err(), "another blind index");
        assert!(c.open(Aad::display_name("i-1"), &sealed).await.is_err(), "another column");
        let forged = sealed.replacen(ALICE, BOB, 1);
        c.seal(BOB, Aad::display_name(BOB), &Pii::new("x")).await.unwrap();
        assert!(c.open(Aad::identity("i-1", "k-1"), &forged).await.is_err(), "another customer's key");
    }

    #[tokio::test]
    async fn another_key_or_a_tampered_value_does_not_open() {
        let sealed = codec(1).await.seal_legacy(&Pii::new("secret"));
        assert!(codec(2).await.open_legacy(&sealed).is_err());
        let mut bytes = STANDARD.decode(&sealed[3..]).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let c = codec(1).await;
        assert!(c.open_legacy(&format!("v1:{}", STANDARD.encode(bytes))).is_err());
        assert!(c.open(Aad::display_name(ALICE), "plain text").await.is_err());
    }

    #[tokio::test]
    async fn old_values_still_open_until_they_are_resealed() {
        let c = codec(3).await;
        let old = c.seal_legacy(&Pii::new("Jane"));
        assert_eq!(c.open(Aad::display_name(ALICE), &old).await.unwrap(), Pii::new("Jane"));
    }

    #[tokio::test]
    async fn a_destroyed_key_opens_nothing_more_and_other_customers_still_read() {
        let c = codec(4).await;
        let alice = c.seal(ALICE, Aad::display_name(ALICE), &Pii::new("Alice")).await.unwrap();
        let bob = c.seal(BOB, Aad::display_name(BOB), &Pii::new("Bob")).await.unwrap();
        c.keys().destroy(&[crate::domain::id::CustomerId::from_stored(ALICE.into())]).await.unwrap();
        let err = c.open(Aad::display_name(ALICE), &alice).await.unwrap_err();
        assert!(matches!(
            err.downcast_ref::<super::super::keystore::KeyError>(),
            Some(super::super::keystore::KeyError::Destroyed)
        ));
        assert!(
            c.seal(ALICE, Aad::display_name(ALICE), &Pii::new("again")).await.is_err(),
            "no new key for an erased customer"
        );
        assert_eq!(c.open(Aad::display_name(BOB), &bob).await.unwrap(), Pii::new("Bob"));
    }

    #[tokio::test]
    async fn lookup_keys_are_stable_per_key_and_differ_by_channel_and_key() {
        let v = Pii::new("+923001234567");
        let (one, two) = (codec(1).await, codec(2).await);
        assert_eq!(one.lookup_key(Channel::Phone, &v), one.lookup_key(Channel::Phone, &v));
        assert_ne!(one.lookup_key(Channel::Phone, &v), one.lookup_key(Channel::Whatsapp, &v));
        assert_ne!(one.lookup_key(Channel::Phone, &v), two.lookup_key(Channel::Phone, &v));
        assert!(!one.lookup_key(Channel::Phone, &v).contains("300"));
    }

    #[test]
    fn hex_is_two_lower_case_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xab, 0xff]), "000fabff");
    }

    #[test]
    fn master_keys_must_be_32_bytes_of_base64() {
        assert!(MasterKey::from_base64(&STANDARD.encode([0u8; 32])).is_ok());
        assert!(MasterKey::from_base64(&STANDARD.encode([0u8; 16])).is_err());
        assert!(MasterKey::from_base64("not base64!").is_err());
    }
}
