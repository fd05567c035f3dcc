//! The label catalogue (supervisors, `labels:manage`) and label assignments (`labels:assign`).

use super::{On, Services};
use crate::domain::customer::Customer;
use crate::domain::enums::LabelSource;
use crate::domain::id::{CustomerId, LabelId};
use crate::domain::label::{Label, LabelSpec};
use crate::domain::text::{Located, Patch};
use crate::domain::{Error, Principal, Result};
use crate::store::{commit, customers, labels};
use sea_orm::DatabaseTransaction;

/// A change to a label: the name always, colour and description as patches.
#[derive(Clone, Debug)]
pub struct LabelUpdate {
    pub name: String,
    pub color: Patch<String>,
    pub description: Patch<String>,
}

impl Services {
    pub async fn create_label(&self, principal: &Principal, spec: LabelSpec) -> Result<Label> {
        let label = labels::insert(&self.store.db, &spec, LabelSource::Manual).await.on("label", "input.name")?;
        tracing::info!(label_id = %label.id, by = %principal.subject, "label created");
        Ok(label)
    }

    pub async fn update_label(&self, id: &LabelId, update: LabelUpdate) -> Result<Label> {
        let Some(existing) = labels::get(&self.store.db, id).await? else {
            return Err(Error::not_found("label", "id"));
        };
        let (mut color, mut description) = (existing.color, existing.description);
        update.color.apply(&mut color);
        update.description.apply(&mut description);
        let spec = LabelSpec::new(&update.name, color.as_deref(), description.as_deref())?;
        labels::update(&self.store.db, id, &spec).await.map_err(|e| match e {
            crate::store::StoreError::NotFound => Error::not_found("label", "id"),
            other => other.on("label", "input.name"),
        })
    }

    /// Delete a label and every assignment of it, in one transaction; each profile that
    /// carried it counts as changed. `false` when there was no such label.
    pub async fn delete_label(&self, principal: &Principal, id: &LabelId) -> Result<bool> {
        let tx = self.store.begin_write().await?;
        customers::touch_carriers_of(&tx, id).await?;
        let deleted = labels::delete(&tx, id).await?;
        commit(tx).await?;
        if deleted {
            tracing::info!(label_id = %id, by = %principal.subject, "label deleted");
        }
        Ok(deleted)
    }

    /// Assign labels (already assigned ones are kept as they were).
    pub async fn assign_labels(
        &self,
        principal: &Principal,
        customer_id: &CustomerId,
        label_ids: &[Located<LabelId>],
    ) -> Result<Customer> {
        let tx = self.begin_on(customer_id, "customerId").await?;
        self.assign(&tx, principal, customer_id, label_ids, LabelSource::Manual).await?;
        self.finish(tx, customer_id).await
    }

    pub async fn unassign_labels(&self, customer_id: &CustomerId, label_ids: &[Located<LabelId>]) -> Result<Customer> {
        let tx = self.begin_on(customer_id, "customerId").await?;
        let ids: Vec<LabelId> = label_ids.iter().map(|l| l.value.clone()).collect();
        labels::unassign(&tx, customer_id, &ids).await?;
        self.finish(tx, customer_id).await
    }

    /// Assign labels that must exist: the first unknown one is a `NOT_FOUND` on its field.
    pub(crate) async fn assign(
        &self,
        tx: &DatabaseTransaction,
        principal: &Principal,
        customer_id: &CustomerId,
        label_ids: &[Located<LabelId>],
        source: LabelSource,
    ) -> Result<()> {
        if label_ids.is_empty() {
            return Ok(());
        }
        let ids: Vec<LabelId> = label_ids.iter().map(|l| l.value.clone()).collect();
        let found = labels::by_ids(tx, &ids).await?;
        if let Some(missing) = label_ids.iter().find(|l| !found.contains_key(&l.value)) {
            return Err(Error::not_found("label", &missing.field));
        }
        labels::assign(tx, customer_id, &ids, &principal.subject, source).await?;
        Ok(())
    }
}
