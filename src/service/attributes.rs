//! Attribute values of customers, and the attribute schema (administrators, `schema:manage`).

use super::{On, Services};
use crate::domain::access::Scope;
use crate::domain::attribute::{AttributeChange, AttributeDefinition, check_changes, check_required};
use crate::domain::audit::{Actor, Change};
use crate::domain::customer::Customer;
use crate::domain::id::CustomerId;
use crate::domain::{Error, Result};
use crate::store::attributes;
use sea_orm::DatabaseTransaction;

/// What a caller may do to an attribute's PII classification.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reclassify {
    /// The caller holds `privacy:admin`.
    pub allowed: bool,
    /// The caller confirmed turning PII off.
    pub confirm_pii_removal: bool,
}

impl Services {
    pub async fn set_attributes(
        &self,
        actor: &Actor,
        customer_id: &CustomerId,
        changes: Vec<AttributeChange>,
    ) -> Result<Customer> {
        let tx = self.begin_on(customer_id, "customerId").await?;
        let defs = attributes::definitions(&tx).await?;
        self.save_attributes(&tx, customer_id, &changes).await?;
        // The defined keys (a key given in another case names the same attribute).
        let key = |c: &AttributeChange| {
            crate::domain::attribute::find_definition(&defs, &c.key).map_or(c.key.clone(), |d| d.key.clone())
        };
        let fields = changes.iter().map(|c| format!("attributes.{}", key(c))).collect();
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

    /// Define an attribute (a new one, or a change that keeps its PII classification).
    pub async fn define_attribute(&self, actor: &Actor, def: AttributeDefinition) -> Result<AttributeDefinition> {
        self.define_attribute_with(actor, def, Reclassify::default()).await
    }

    /// Define an attribute, or change its definition. A change must keep every stored
    /// value valid (a type change or a removed enum value still in use is a `CONFLICT`).
    /// A change of the PII flag needs `privacy:admin` (`reclassify.allowed`), turning it
    /// off an explicit confirmation; it re-stores every value in the same transaction (one
    /// step: interrupted, nothing changed and it can simply be run again) and is recorded
    /// as its own audit entry (`attribute.classify`, with how many values were re-stored).
    pub async fn define_attribute_with(
        &self,
        actor: &Actor,
        def: AttributeDefinition,
        reclassify: Reclassify,
    ) -> Result<AttributeDefinition> {
        let tx = self.store.begin_write().await?;
        let mut changes = Vec::new();
        let old = attributes::definition(&tx, &def.key).await?;
        let searchable_changed = old.as_ref().is_some_and(|o| o.searchable != def.searchable);
        if let Some(old) = old {
            if old.pii != def.pii {
                if !reclassify.allowed {
                    return Err(Error::forbidden_at(Scope::PrivacyAdmin, "input.pii"));
                }
                if !def.pii && !reclassify.confirm_pii_removal {
                    return Err(Error::bad_input(
                        "input.confirmPiiRemoval",
                        "turning PII off shows every stored value to customers:read: confirm it with confirmPiiRemoval: true",
                    ));
                }
            }
            let values = attributes::values_of(&tx, &self.store.codec, &def.key).await?;
            if values.iter().any(|v| def.validate("input", v).is_err()) {
                return Err(Error::conflict(
                    Some("input.type"),
                    "stored values of this attribute would not be valid under the new definition",
                ));
            }
            if old.pii != def.pii {
                let restored = attributes::reseal(&tx, &self.store.codec, &def.key, def.pii).await?;
                let details = serde_json::json!({ "from_pii": old.pii, "to_pii": def.pii, "values": restored });
                changes.push(
                    Change::to_catalogue("attribute.classify", def.key.clone(), vec!["pii".into()])
                        .with_details(details),
                );
            }
        }
        // A key equal but for case to another one: the unique index on lower(key) refuses it.
        attributes::save_definition(&tx, &def).await.on("attribute definition", "input.key")?;
        if searchable_changed {
            let holders = crate::store::search::holders_of(&tx, &def.key).await?;
            self.reindex_in(&tx, &holders).await?;
        }
        let change = Change::to_catalogue("attribute.define", def.key.clone(), vec!["definition".into()]).with_details(
            serde_json::json!({ "pii": def.pii, "required": def.required, "searchable": def.searchable }),
        );
        changes.insert(0, change);
        self.record(&tx, actor, changes).await?;
        let saved = attributes::definition(&tx, &def.key).await?.ok_or(crate::store::StoreError::NotFound)?;
        crate::store::commit(tx).await?;
        tracing::info!(key = %def.key, pii = def.pii, by = %actor.subject, "attribute defined");
        Ok(saved)
    }
}
