//! Attribute values of customers, and the attribute schema (administrators, `schema:manage`).

use super::Services;
use crate::domain::attribute::{AttributeChange, AttributeDefinition, check_changes, check_required};
use crate::domain::audit::{Actor, Change};
use crate::domain::customer::Customer;
use crate::domain::id::CustomerId;
use crate::domain::{Error, Result};
use crate::store::attributes;
use sea_orm::DatabaseTransaction;

impl Services {
    pub async fn set_attributes(
        &self,
        actor: &Actor,
        customer_id: &CustomerId,
        changes: Vec<AttributeChange>,
    ) -> Result<Customer> {
        let tx = self.begin_on(customer_id, "customerId").await?;
        self.save_attributes(&tx, customer_id, &changes).await?;
        let fields = changes.iter().map(|c| format!("attributes.{}", c.key)).collect();
        self.finish(tx, actor, Change::to_customer("attributes.set", customer_id, fields)).await
    }

    /// Validate changes against their definitions and store them.
    pub(crate) async fn save_attributes(
        &self,
        tx: &DatabaseTransaction,
        customer_id: &CustomerId,
        changes: &[AttributeChange],
    ) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let checked = check_changes(&attributes::definitions(tx).await?, changes)?;
        attributes::save_values(tx, &self.store.codec, customer_id, &checked).await?;
        Ok(())
    }

    /// Every required attribute must be present after a profile is written.
    pub(crate) async fn require_attributes(
        &self,
        tx: &DatabaseTransaction,
        id: &CustomerId,
        field: &str,
    ) -> Result<()> {
        let defs = attributes::definitions(tx).await?;
        if !defs.iter().any(|d| d.required) {
            return Ok(());
        }
        let present = attributes::keys_of(tx, id).await?;
        check_required(&defs, present.iter().map(String::as_str), field)
    }

    /// Define an attribute, or change its definition. A change must keep every stored
    /// value valid (a type change or a removed enum value still in use is a `CONFLICT`);
    /// a change of the PII flag re-stores the values through the PII codec.
    pub async fn define_attribute(&self, actor: &Actor, def: AttributeDefinition) -> Result<AttributeDefinition> {
        let tx = self.store.begin_write().await?;
        if let Some(old) = attributes::definition(&tx, &def.key).await? {
            let values = attributes::values_of(&tx, &self.store.codec, &def.key, old.pii).await?;
            if values.iter().any(|v| def.validate("input", v).is_err()) {
                return Err(Error::conflict(
                    Some("input.type"),
                    "stored values of this attribute would not be valid under the new definition",
                ));
            }
            if old.pii != def.pii {
                attributes::reseal(&tx, &self.store.codec, &def.key, old.pii, def.pii).await?;
            }
        }
        attributes::save_definition(&tx, &def).await?;
        let change = Change::to_catalogue("attribute.define", def.key.clone(), vec!["definition".into()])
            .with_details(serde_json::json!({ "pii": def.pii, "required": def.required }));
        self.record(&tx, actor, vec![change]).await?;
        let saved = attributes::definition(&tx, &def.key).await?.ok_or(crate::store::StoreError::NotFound)?;
        crate::store::commit(tx).await?;
        tracing::info!(key = %def.key, pii = def.pii, by = %actor.subject, "attribute defined");
        Ok(saved)
    }
}
