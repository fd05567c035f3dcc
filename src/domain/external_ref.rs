//! Links from a profile to records in CRMs and ticketing systems.

use super::Result;
use super::text::short_text;

/// A CRM or ticketing record. The system is lower-cased (`Salesforce` and `salesforce` are one).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExternalRef {
    pub system: String,
    pub external_id: String,
}

impl ExternalRef {
    /// Parse a reference given at `field` (errors name `field.system` / `field.externalId`).
    pub fn parse(field: &str, system: &str, external_id: &str) -> Result<Self> {
        let system = short_text(&format!("{field}.system"), system, 64)?.to_lowercase();
        let external_id = short_text(&format!("{field}.externalId"), external_id, 255)?;
        Ok(Self { system, external_id })
    }
}

impl ExternalRef {
    /// A reference given as two arguments (`system`, `externalId`), errors naming each.
    pub fn from_arguments(system: &str, external_id: &str) -> Result<Self> {
        let system = short_text("system", system, 64)?.to_lowercase();
        let external_id = short_text("externalId", external_id, 255)?;
        Ok(Self { system, external_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systems_are_case_insensitive_and_both_parts_are_required() {
        let r = ExternalRef::parse("ref", " Salesforce ", "0031x").unwrap();
        assert_eq!((r.system.as_str(), r.external_id.as_str()), ("salesforce", "0031x"));
        assert_eq!(ExternalRef::parse("ref", "crm", " ").unwrap_err().field(), Some("ref.externalId"));
    }
}
