use crate::domain::attribute::{
    Attribute as AttributeRecord, AttributeDefinition as AttributeDefinitionRecord, AttributeValue,
};
use crate::domain::enums::AttributeType;
use async_graphql::{Json, SimpleObject};

/// One attribute value of a customer.
#[derive(SimpleObject, Clone, Debug)]
pub struct Attribute {
    pub key: String,
    /// PII-marked values are `null` for callers without `pii:read` (`redacted: true`).
    #[graphql(tag = "pii")]
    pub value: Option<Json<serde_json::Value>>,
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
    pub key: String,
    pub label: Option<String>,
    #[graphql(name = "type")]
    pub attr_type: AttributeType,
    pub pii: bool,
    pub required: bool,
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
