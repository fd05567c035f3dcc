//! The label catalogue (supervisors, `labels:manage`).

use super::Services;
use super::inputs::LabelInput;
use crate::domain::enums::LabelSource;
use crate::domain::id::parse_id;
use crate::domain::label::LabelSpec;
use crate::domain::{Error, Principal, Result};
use crate::store::{LabelRecord, labels};
use async_graphql::MaybeUndefined;

impl Services {
    pub async fn create_label(&self, principal: &Principal, input: LabelInput) -> Result<LabelRecord> {
        let spec = LabelSpec::new(
            &input.name,
            input.color.as_opt_deref().flatten(),
            input.description.as_opt_deref().flatten(),
        )?;
        let label = labels::insert(&self.store.db, &spec, LabelSource::Manual).await?;
        tracing::info!(label_id = %label.id, by = %principal.subject, "label created");
        Ok(label)
    }

    pub async fn update_label(&self, id: &str, input: LabelInput) -> Result<LabelRecord> {
        let id = parse_id("id", id)?;
        let Some(existing) = labels::by_ids(&self.store.db, std::slice::from_ref(&id)).await?.remove(&id) else {
            return Err(Error::not_found("label", "id"));
        };
        let keep = |patch: &MaybeUndefined<String>, current: Option<String>| match patch {
            MaybeUndefined::Undefined => current,
            MaybeUndefined::Null => None,
            MaybeUndefined::Value(v) => Some(v.clone()),
        };
        let color = keep(&input.color, existing.color);
        let description = keep(&input.description, existing.description);
        let spec = LabelSpec::new(&input.name, color.as_deref(), description.as_deref())?;
        labels::update(&self.store.db, &id, &spec).await
    }

    /// Delete a label and every assignment of it, in one transaction.
    pub async fn delete_label(&self, principal: &Principal, id: &str) -> Result<bool> {
        let id = parse_id("id", id)?;
        let tx = self.store.begin_write().await?;
        let deleted = labels::delete(&tx, &id).await?;
        tx.commit().await?;
        if deleted {
            tracing::info!(label_id = %id, by = %principal.subject, "label deleted");
        }
        Ok(deleted)
    }
}
