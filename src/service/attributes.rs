//! The attribute schema (administrators, `schema:manage`).

use super::Services;
use super::inputs::AttributeDefinitionInput;
use crate::domain::attribute::AttributeDefinition;
use crate::domain::{Error, Principal, Result};
use crate::store::{AttributeDefinitionRecord, attributes};

impl Services {
    /// Define an attribute, or change its definition. A change must keep every stored
    /// value valid (a type change or a removed enum value still in use is a `CONFLICT`);
    /// a change of the PII flag re-stores the values through the PII seam.
    pub async fn define_attribute(
        &self,
        principal: &Principal,
        input: AttributeDefinitionInput,
    ) -> Result<AttributeDefinitionRecord> {
        let def = AttributeDefinition::new(
            &input.key,
            input.label,
            input.attr_type,
            input.pii,
            input.required,
            input.enum_values,
        )?;
        let tx = self.store.begin_write().await?;
        if let Some(old) = attributes::definition(&tx, &def.key).await? {
            let values = attributes::values_of(&tx, &self.store.pii, &def.key, old.pii).await?;
            if values.iter().any(|v| def.validate("input", v).is_err()) {
                return Err(Error::conflict(
                    Some("input.type"),
                    "stored values of this attribute would not be valid under the new definition",
                ));
            }
            if old.pii != def.pii {
                attributes::reseal(&tx, &self.store.pii, &def.key, old.pii, def.pii).await?;
            }
        }
        attributes::save_definition(&tx, &def).await?;
        let saved =
            attributes::definition(&tx, &def.key).await?.ok_or_else(|| anyhow::anyhow!("definition vanished"))?;
        tx.commit().await?;
        tracing::info!(key = %def.key, pii = def.pii, by = %principal.subject, "attribute defined");
        Ok(saved)
    }
}
