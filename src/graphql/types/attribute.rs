use crate::domain::attribute::{
    Attribute as AttributeRecord, AttributeDefinition as AttributeDefinitionRecord, AttributeValue,
};
use crate::domain::enums::AttributeType;
use async_graphql::{Json, SimpleObject};

/// One attribute value of a customer.
#[derive(SimpleObject, Clone, Debug)]
pub struct Attribute {
    /// The attribute's key, as in its definition.
    pub key: String,
    /// PII-marked values are `null` for callers without `pii:read` (`redacted: true`).
    #[graphql(tag = "pii")]
    pub value: Option<Json<serde_json::Value>>,
    /// The attribute is defined as PII: its value needs `pii:read`.
    pub pii: bool,
    /// The value is hidden from this caller.
    pub redacted: bool,
}

impl Attribute {
    pub fn new(a: AttributeRecord, show_pii: bool) -> Self {
        let (value, redacted) = match a.value {
            AttributeValue::Plain(v) => (Some(Json(v)), false),
            // A stored PII value that does not parse is returned as null rather than raw text.
            AttributeValue::Pii(p) if show_pii => (serde_json::from_str(p.expose()).ok().map(Json), false),
            AttributeValue::Pii(_) => (None, true),
        };
        Self { key: a.key, value, pii: a.pii, redacted }
    }
}

/// An administrator-defined attribute.
#[derive(SimpleObject, Clone, Debug)]
pub struct AttributeDefinition {
    /// Stable identifier, used in `setAttributes`, filters and CRM mappings: 1–64 characters of `a–z`, `0–9` and
    /// `_`, starting with a letter.
    pub key: String,
    /// Name shown to agents; `null` when none was given.
    pub label: Option<String>,
    /// The type every value must have.
    #[graphql(name = "type")]
    pub attr_type: AttributeType,
    /// Values are personal data: encrypted at rest, `null` without `pii:read`, not usable in a `CustomerFilter`.
    pub pii: bool,
    /// Every profile must have a value: checked when a profile is created or synced from a CRM, and a value
    /// cannot be removed.
    pub required: bool,
    /// The allowed values of an `ENUM` attribute; `null` for other types.
    pub enum_values: Option<Vec<String>>,
}

impl From<AttributeDefinitionRecord> for AttributeDefinition {
    fn from(d: AttributeDefinitionRecord) -> Self {
        Self {
            key: d.key,
            label: d.label,
            attr_type: d.attr_type,
            pii: d.pii,
            required: d.required,
            enum_values: d.enum_values,
        }
    }
}
