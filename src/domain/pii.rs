//! Personal data in memory. A `Pii` value never prints itself, so it cannot slip into a
//! log line or an error message; the GraphQL layer decides who sees it unmasked.

/// A PII string. `Debug` and `Display` never print it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Pii(String);

impl Pii {
    pub fn new(value: impl Into<String>) -> Self {
        Pii(value.into())
    }

    /// The raw value, for a caller allowed to see it (or for masking and sealing).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pii_never_prints_its_value() {
        let pii = Pii::new("+923001234567");
        assert!(!format!("{pii:?} {pii}").contains("300"));
    }
}
