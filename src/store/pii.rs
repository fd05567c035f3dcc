//! The PII seam: every PII value passes through here on its way into and out of the
//! database (display names, identity values, PII-marked attribute values), and identity
//! lookups compare the `lookup_key` made here rather than the stored value.
//!
//! Today values are stored as they are and the lookup key is `CHANNEL:value`. Field-level
//! encryption at rest replaces `seal`/`open` with an AEAD and `lookup_key` with a keyed
//! hash (a blind index); no query elsewhere changes. See docs/decisions/0003-pii.md.

use crate::domain::Channel;

/// A PII string. `Debug` and `Display` never print it, so it cannot slip into a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Pii(String);

impl Pii {
    pub fn new(value: impl Into<String>) -> Self {
        Pii(value.into())
    }

    /// The raw value, for a caller allowed to see it (or for masking).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Pii {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pii(«redacted»)")
    }
}

impl std::fmt::Display for Pii {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("«redacted»")
    }
}

/// Seals and opens PII for storage, and derives lookup keys.
#[derive(Clone, Debug, Default)]
pub struct PiiCodec;

impl PiiCodec {
    pub fn seal(&self, value: &Pii) -> String {
        value.0.clone()
    }

    pub fn open(&self, stored: String) -> Pii {
        Pii(stored)
    }

    /// What identity lookups compare: equal for equal (channel, normalised value).
    pub fn lookup_key(&self, channel: Channel, normalized: &Pii) -> String {
        format!("{}:{}", channel.as_str(), normalized.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pii_never_prints_its_value() {
        let pii = Pii::new("+923001234567");
        assert!(!format!("{pii:?} {pii}").contains("300"));
    }

    #[test]
    fn open_reverses_seal() {
        let codec = PiiCodec;
        let pii = Pii::new("jane@example.com");
        assert_eq!(codec.open(codec.seal(&pii)), pii);
    }

    #[test]
    fn lookup_keys_differ_by_channel() {
        let codec = PiiCodec;
        let v = Pii::new("+923001234567");
        assert_ne!(codec.lookup_key(Channel::Phone, &v), codec.lookup_key(Channel::Whatsapp, &v));
    }
}
