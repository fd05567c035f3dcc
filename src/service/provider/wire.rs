//! The CRM's customer record on the wire (`docs/profile-provider.md`), and its parsing into
//! the same profile input as `upsertCustomerByExternalRef`: identities normalised, every
//! list bounded, errors naming the field of the record and never its value.

use crate::domain::attribute::AttributeChange;
use crate::domain::customer::{ProfileInput, parse_display_name};
use crate::domain::external_ref::ExternalRef;
use crate::domain::id::LabelId;
use crate::domain::identity::{IdentitySpec, MAX_PER_PROFILE, NormalizeOptions, RawIdentity};
use crate::domain::text::{Located, at_most};
use crate::domain::{Channel, Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// Attributes and labels in one record.
const MAX_ITEMS: usize = 100;

/// `{ "system": "crm", "id": "C-1001" }`: the record's key in the CRM.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WireRef {
    pub system: String,
    pub id: String,
}

/// One identifier of the record, in any common format (normalised here).
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WireIdentity {
    pub channel: Channel,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default)]
    pub verified: bool,
    #[serde(default)]
    pub primary: bool,
}

/// A customer record as the CRM answers it. Unknown fields are ignored (the CRM may send
/// more); `attributes` and `labels`, when present, are the record's whole set (labels the
/// CRM assigned earlier and no longer names are removed; omitted, they are left alone).
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WireProfile {
    pub external_ref: WireRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default)]
    pub identities: Vec<WireIdentity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
}

/// Its reference only: the rest is PII.
impl std::fmt::Debug for WireProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WireProfile")
            .field("system", &self.external_ref.system)
            .field("identities", &self.identities.len())
            .finish_non_exhaustive()
    }
}

/// A record parsed: the profile input a sync applies, and a digest of the answer (an
/// unchanged answer is not written again).
pub struct RemoteProfile {
    pub reference: ExternalRef,
    pub input: ProfileInput,
    /// Whether the record named its labels (then they are its whole set).
    pub sync_labels: bool,
    pub digest: [u8; 32],
}

/// `POST /customers/by-identifier`'s body.
#[derive(Serialize)]
pub struct IdentifierQuery<'a> {
    pub channel: Channel,
    pub value: &'a str,
}

impl WireProfile {
    pub fn parse(&self, opts: &NormalizeOptions) -> Result<RemoteProfile> {
        let reference = ExternalRef::parse("externalRef", &self.external_ref.system, &self.external_ref.id)?;
        at_most("identities", &self.identities, MAX_PER_PROFILE)?;
        let display_name =
            self.display_name.as_deref().map(|n| parse_display_name("displayName", n)).transpose()?.flatten();
        let identities = self
            .identities
            .iter()
            .enumerate()
            .map(|(i, ident)| {
                let field = format!("identities.{i}");
                let raw = RawIdentity {
                    channel: ident.channel,
                    value: &ident.value,
                    provider: ident.provider.as_deref(),
                    verified: ident.verified,
                    primary: ident.primary,
                    shared: false,
                };
                IdentitySpec::parse(&field, raw, opts).map(|spec| Located::new(field, spec))
            })
            .collect::<Result<Vec<_>>>()?;
        let attributes = match &self.attributes {
            None => Vec::new(),
            Some(map) => {
                if map.len() > MAX_ITEMS {
                    return Err(Error::bad_input("attributes", format!("at most {MAX_ITEMS} items")));
                }
                map.iter()
                    .map(|(key, value)| AttributeChange {
                        field: format!("attributes.{key}"),
                        key: key.clone(),
                        value: (!value.is_null()).then(|| value.clone()),
                    })
                    .collect()
            }
        };
        let label_ids = match &self.labels {
            None => Vec::new(),
            Some(ids) => {
                at_most("labels", ids, MAX_ITEMS)?;
                let mut out: Vec<Located<LabelId>> = Vec::with_capacity(ids.len());
                for (i, raw) in ids.iter().enumerate() {
                    let field = format!("labels.{i}");
                    let id = LabelId::parse(&field, raw)?;
                    if !out.iter().any(|l| l.value == id) {
                        out.push(Located::new(field, id));
                    }
                }
                out
            }
        };
        let input = ProfileInput { display_name, identities, attributes, label_ids, ..ProfileInput::default() };
        Ok(RemoteProfile { reference, input, sync_labels: self.labels.is_some(), digest: self.digest() })
    }

    /// SHA-256 of the record as re-encoded (attribute keys sorted): equal records, equal digests.
    fn digest(&self) -> [u8; 32] {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        Sha256::digest(&bytes).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(v: serde_json::Value) -> WireProfile {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_record_parses_into_a_normalised_profile_input_and_ignores_unknown_fields() {
        let r = record(json!({
            "externalRef": { "system": "Acme-CRM", "id": "C-1" },
            "displayName": "  Ayesha   Khan ",
            "identities": [{ "channel": "EMAIL", "value": " Ayesha@Example.COM ", "verified": true }],
            "attributes": { "tier": "gold", "gone": null },
            "labels": [],
            "somethingNew": 1
        }));
        let p = r.parse(&NormalizeOptions::default()).unwrap();
        assert_eq!((p.reference.system.as_str(), p.reference.external_id.as_str()), ("acme-crm", "C-1"));
        assert_eq!(p.input.display_name.unwrap().expose(), "Ayesha Khan");
        assert_eq!(p.input.identities[0].value.value.expose(), "ayesha@example.com");
        assert!(p.input.identities[0].value.verified);
        assert_eq!(p.input.attributes.len(), 2);
        assert!(p.input.attributes.iter().any(|a| a.key == "gone" && a.value.is_none()), "null removes");
        assert!(p.sync_labels, "an empty list is the whole set");
        assert!(!format!("{r:?}").contains("Ayesha"), "Debug shows no PII");
    }

    #[test]
    fn a_bad_record_names_its_field_never_its_value() {
        let r = record(json!({
            "externalRef": { "system": "crm", "id": "C-1" },
            "identities": [{ "channel": "PHONE", "value": "+92 300 123" }]
        }));
        let e = r.parse(&NormalizeOptions::default()).err().unwrap();
        assert_eq!(e.field(), Some("identities.0.value"));
        assert!(!e.to_string().contains("300"), "{e}");
        let no_id = record(json!({ "externalRef": { "system": "crm", "id": " " } }));
        assert_eq!(no_id.parse(&NormalizeOptions::default()).err().unwrap().field(), Some("externalRef.externalId"));
    }

    #[test]
    fn equal_records_have_equal_digests() {
        let a = record(json!({ "externalRef": { "system": "crm", "id": "C-1" }, "attributes": { "b": 1, "a": 2 } }));
        let b = record(json!({ "externalRef": { "system": "crm", "id": "C-1" }, "attributes": { "a": 2, "b": 1 } }));
        let c = record(json!({ "externalRef": { "system": "crm", "id": "C-2" } }));
        assert_eq!(a.digest(), b.digest());
        assert_ne!(a.digest(), c.digest());
    }
}
