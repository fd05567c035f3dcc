//! The label catalogue (supervisors, `labels:manage`) and label assignments (`labels:assign`).

use super::{On, Services};
use crate::domain::audit::{Actor, Change};
use crate::domain::customer::Customer;
use crate::domain::enums::LabelSource;
use crate::domain::id::{CustomerId, LabelId};
use crate::domain::label::{Label, LabelSpec};
use crate::domain::text::{Located, Patch};
use crate::domain::{Error, Result};
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
    pub async fn create_label(&self, actor: &Actor, spec: LabelSpec) -> Result<Label> {
        let tx = self.store.begin_write().await?;
        let label = labels::insert(&tx, &spec, LabelSource::Manual).await.on("label", "input.name")?;
        self.record(&tx, actor, vec![Change::to_catalogue("label.create", label.id.as_str(), spec.fields())]).await?;
        commit(tx).await?;
        tracing::info!(label_id = %label.id, by = %actor.subject, "label created");
        Ok(label)
    }

    pub async fn update_label(&self, actor: &Actor, id: &LabelId, update: LabelUpdate) -> Result<Label> {
        let tx = self.store.begin_write().await?;
        let Some(existing) = labels::get(&tx, id).await? else {
            return Err(Error::not_found("label", "id"));
        };
        let (mut color, mut description) = (existing.color, existing.description);
        update.color.apply(&mut color);
        update.description.apply(&mut description);
        let spec = LabelSpec::new(&update.name, color.as_deref(), description.as_deref())?;
        let label = labels::update(&tx, id, &spec).await.map_err(|e| match e {
            crate::store::StoreError::NotFound => Error::not_found("label", "id"),
            other => other.on("label", "input.name"),
        })?;
        self.record(&tx, actor, vec![Change::to_catalogue("label.update", id.as_str(), spec.fields())]).await?;
        commit(tx).await?;
        Ok(label)
    }

    /// Delete a label and every assignment of it, in one transaction; each profile that
    /// carried it counts as changed. `false` when there was no such label.
    pub async fn delete_label(&self, actor: &Actor, id: &LabelId) -> Result<bool> {
        let tx = self.store.begin_write().await?;
        customers::touch_carriers_of(&tx, id).await?;
        let deleted = labels::delete(&tx, id).await?;
        if deleted {
            self.record(&tx, actor, vec![Change::to_catalogue("label.delete", id.as_str(), vec![])]).await?;
        }
        commit(tx).await?;
        if deleted {
            tracing::info!(label_id = %id, by = %actor.subject, "label deleted");
        }
        Ok(deleted)
    }

    /// Assign labels (already assigned ones are kept as they were).
    pub async fn assign_labels(
        &self,
        actor: &Actor,
        customer_id: &CustomerId,
        label_ids: &[Located<LabelId>],
    ) -> Result<Customer> {
        let tx = self.begin_on(customer_id, "customerId").await?;
        self.assign(&tx, actor, customer_id, label_ids, LabelSource::Manual).await?;
        let change = Change::to_customer("labels.assign", customer_id, vec!["labels".into()]);
        self.finish(tx, actor, change.with_details(label_details(label_ids))).await
    }

    /// Unassign labels. An assignment the CRM owns (`source: CRM`) is the CRM sync's to
    /// remove: anyone else needs `labels:manage` (`may_remove_crm`), or the whole call is
    /// `FORBIDDEN` on that label's field and nothing is removed.
    pub async fn unassign_labels(
        &self,
        actor: &Actor,
        customer_id: &CustomerId,
        label_ids: &[Located<LabelId>],
        may_remove_crm: bool,
    ) -> Result<Customer> {
        let tx = self.begin_on(customer_id, "customerId").await?;
        if !may_remove_crm {
            let crm_owned: Vec<LabelId> = labels::assignments_of(&tx, customer_id)
                .await?
                .into_iter()
                .filter(|a| a.source == LabelSource::Crm)
                .map(|a| a.label_id)
                .collect();
            if let Some(owned) = label_ids.iter().find(|l| crm_owned.contains(&l.value)) {
                return Err(Error::forbidden_at(crate::domain::Scope::LabelsManage, &owned.field));
            }
        }
        let ids: Vec<LabelId> = label_ids.iter().map(|l| l.value.clone()).collect();
        labels::unassign(&tx, customer_id, &ids).await?;
        let change = Change::to_customer("labels.unassign", customer_id, vec!["labels".into()]);
        self.finish(tx, actor, change.with_details(label_details(label_ids))).await
    }

    /// Assign labels that must exist: the first unknown one is a `NOT_FOUND` on its field.
    pub(crate) async fn assign(
        &self,
        tx: &DatabaseTransaction,
        actor: &Actor,
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
        labels::assign(tx, customer_id, &ids, &actor.subject, source).await?;
        Ok(())
    }
}

/// Which labels an assignment names (ids, not names: names are the catalogue's).
fn label_details(label_ids: &[Located<LabelId>]) -> serde_json::Value {
    serde_json::json!({ "labelIds": label_ids.iter().map(|l| l.value.as_str()).collect::<Vec<_>>() })
}
