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

use crate::domain::{Channel, Pii};
use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit};
use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sha2::Sha256;
use std::sync::Arc;

const VERSION: &str = "v1:";
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

    /// A key for one purpose, derived from the master key (HMAC-SHA256 as a KDF).
    #[allow(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    fn derive(&self, purpose: &str) -> [u8; 32] {
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
    cipher: Aes256Gcm,
    index: [u8; 32],
    audit: [u8; 32],
}

/// Seals and opens PII for storage, and derives lookup keys.
#[derive(Clone)]
pub struct PiiCodec(Arc<Keys>);

impl std::fmt::Debug for PiiCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiCodec(«keys»)")
    }
}

impl PiiCodec {
    #[allow(clippy::expect_used, reason = "the derived key is 32 bytes, what AES-256 takes")]
    pub fn new(master: &MasterKey) -> Self {
        let cipher = Aes256Gcm::new_from_slice(&master.derive("customers/pii/encryption/v1")).expect("32-byte key");
        Self(Arc::new(Keys {
            cipher,
            index: master.derive("customers/pii/blind-index/v1"),
            // Key rotation must keep this key (or re-seal the whole chain): see decision 0008.
            audit: master.derive("customers/audit/chain/v1"),
        }))
    }

    #[allow(clippy::expect_used, reason = "AES-GCM fails only on buffers over 64 GiB")]
    pub fn seal(&self, value: &Pii) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .0
            .cipher
            .encrypt(&nonce.into(), value.expose().as_bytes())
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{VERSION}{}", STANDARD.encode(out))
    }

    /// Open a stored value. Fails on a value sealed with another master key or tampered with.
    pub fn open(&self, stored: String) -> anyhow::Result<Pii> {
        let Some(body) = stored.strip_prefix(VERSION) else { bail!("a stored PII value is not sealed") };
        let bytes = STANDARD.decode(body).context("a stored PII value is not base64")?;
        if bytes.len() < NONCE_LEN {
            bail!("a stored PII value is truncated");
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().context("nonce")?;
        let plain = self
            .0
            .cipher
            .decrypt(&nonce.into(), sealed)
            .map_err(|_| anyhow::anyhow!("a stored PII value does not open with this master key"))?;
        Ok(Pii::new(String::from_utf8(plain).context("a stored PII value is not UTF-8")?))
    }

    /// The audit log's MAC of `content` (hex): tamper-evident without the master key.
    #[allow(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    pub fn audit_mac(&self, content: &[u8]) -> String {
        let mut mac =
            <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&self.0.audit).expect("HMAC takes any key length");
        mac.update(content);
        hex(&mac.finalize().into_bytes())
    }

    /// What identity lookups compare: equal for equal (channel, normalised value), and
    /// meaningless without the master key.
    #[allow(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    pub fn lookup_key(&self, channel: Channel, normalized: &Pii) -> String {
        let mut mac =
            <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&self.0.index).expect("HMAC takes any key length");
        mac.update(channel.as_str().as_bytes());
        mac.update(b":");
        mac.update(normalized.expose().as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("{VERSION}{}", hex(&digest))
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec(byte: u8) -> PiiCodec {
        PiiCodec::new(&MasterKey::from_bytes([byte; 32]))
    }

    #[test]
    fn the_master_key_never_prints() {
        assert!(!format!("{:?}", MasterKey::from_bytes([9; 32])).contains('9'));
    }

    #[test]
    fn open_reverses_seal_and_the_sealed_form_hides_the_value() {
        let c = codec(1);
        let pii = Pii::new("jane@example.com");
        let sealed = c.seal(&pii);
        assert!(sealed.starts_with("v1:") && !sealed.contains("jane"));
        assert_ne!(sealed, c.seal(&pii), "a fresh nonce every time");
        assert_eq!(c.open(sealed).unwrap(), pii);
    }

    #[test]
    fn another_key_or_a_tampered_value_does_not_open() {
        let sealed = codec(1).seal(&Pii::new("secret"));
        assert!(codec(2).open(sealed.clone()).is_err());
        let mut bytes = STANDARD.decode(&sealed[3..]).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(codec(1).open(format!("v1:{}", STANDARD.encode(bytes))).is_err());
        assert!(codec(1).open("plain text".into()).is_err());
    }

    #[test]
    fn lookup_keys_are_stable_per_key_and_differ_by_channel_and_key() {
        let v = Pii::new("+923001234567");
        assert_eq!(codec(1).lookup_key(Channel::Phone, &v), codec(1).lookup_key(Channel::Phone, &v));
        assert_ne!(codec(1).lookup_key(Channel::Phone, &v), codec(1).lookup_key(Channel::Whatsapp, &v));
        assert_ne!(codec(1).lookup_key(Channel::Phone, &v), codec(2).lookup_key(Channel::Phone, &v));
        assert!(!codec(1).lookup_key(Channel::Phone, &v).contains("300"));
    }

    #[test]
    fn master_keys_must_be_32_bytes_of_base64() {
        assert!(MasterKey::from_base64(&STANDARD.encode([0u8; 32])).is_ok());
        assert!(MasterKey::from_base64(&STANDARD.encode([0u8; 16])).is_err());
        assert!(MasterKey::from_base64("not base64!").is_err());
    }
}
