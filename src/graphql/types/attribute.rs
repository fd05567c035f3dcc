use crate::domain::attribute::{
    Attribute as AttributeRecord, AttributeDefinition as AttributeDefinitionRecord, AttributeValue,
};
use crate::domain::enums::AttributeType;
use crate::domain::id::CustomerId;
use crate::graphql::access_log::reveal;
use crate::graphql::context::pii_visible;
use async_graphql::{Context, Json, Object, SimpleObject};

/// One attribute value of a customer: the record and the profile it belongs to (a PII
/// value shown is recorded against that profile).
pub struct Attribute {
    pub customer_id: CustomerId,
    pub record: AttributeRecord,
}

/// One attribute value of a customer.
#[Object]
impl Attribute {
    /// The attribute's key, as in its definition.
    async fn key(&self) -> &str {
        &self.record.key
    }

    /// PII-marked values are `null` for callers without `pii:read` (`redacted: true`).
    #[graphql(tag = "pii")]
    async fn value(&self, ctx: &Context<'_>) -> Option<Json<serde_json::Value>> {
        match &self.record.value {
            AttributeValue::Plain(v) => Some(Json(v.clone())),
            AttributeValue::Pii(p) if reveal(ctx, &self.customer_id, &format!("attributes.{}", self.record.key)) => {
                // A stored PII value that does not parse is returned as null rather than raw text.
                serde_json::from_str(p.expose()).ok().map(Json)
            }
            AttributeValue::Pii(_) => None,
        }
    }

    /// The attribute is defined as PII: its value needs `pii:read`.
    async fn pii(&self) -> bool {
        self.record.pii
    }

    /// The value is hidden from this caller.
    async fn redacted(&self, ctx: &Context<'_>) -> bool {
        matches!(self.record.value, AttributeValue::Pii(_)) && !pii_visible(ctx)
    }
}

/// An administrator-defined attribute.
#[derive(SimpleObject, Clone, Debug)]
pub struct AttributeDefinition {
    /// Stable identifier, used in `setAttributes`, filters and CRM mappings: 1–64 characters of `A–Z`, `a–z`,
    /// `0–9` and `_`, starting with a letter, as written when defined; unique regardless of case.
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
    /// Values are found by `searchCustomers` (exact value, case and accents folded).
    pub searchable: bool,
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
            searchable: d.searchable,
        }
    }
}
