//! Completing the history: `updateInteraction`, and reading the routing signals and
//! metadata that history maintains.

use super::{On, Services};
use crate::domain::audit::{Actor, Change};
use crate::domain::history::InteractionUpdate;
use crate::domain::id::InteractionId;
use crate::domain::interaction::Interaction;
use crate::domain::{Error, Result};
use crate::store::{StoreError, activity, commit, customers, history, interactions};

impl Services {
    /// Complete or correct an interaction: end, summary, outcome, topic, sentiment, agent,
    /// metadata (each kept, cleared or set). One transaction with the customer's activity and
    /// the audit entry (`interaction.update`, the field names changed). Nothing to change is
    /// a `BAD_USER_INPUT` on `input`.
    pub async fn update_interaction(
        &self,
        actor: &Actor,
        id: &InteractionId,
        update: InteractionUpdate,
    ) -> Result<Interaction> {
        let fields = update.fields();
        if fields.is_empty() {
            return Err(Error::bad_input("input", "name at least one field to change"));
        }
        let tx = self.store.begin_write().await?;
        let Some(mut current) = interactions::get(&tx, id).await? else {
            return Err(Error::not_found("interaction", "id"));
        };
        // Lock and version the profile, as every write to it does.
        customers::touch(&tx, &self.store.codec, &current.customer_id, None).await.on("customer", "id")?;
        let metadata = update.metadata.clone();
        let touches_activity = update.ended_at.changes()
            || update.outcome.changes()
            || update.sentiment.changes()
            || update.agent_id.changes();
        update.apply("input", &mut current.spec)?;
        interactions::update(&tx, id, &current.spec).await.on("interaction", "id")?;
        if metadata.changes() {
            let mut value = None;
            metadata.apply(&mut value);
            history::put_metadata(&tx, &self.store.codec, id, value.as_ref()).await?;
        }
        if touches_activity {
            activity::refresh_summaries(&tx, std::slice::from_ref(&current.customer_id)).await?;
        }
        let change = Change::to_customer("interaction.update", &current.customer_id, fields).on_entity(id.as_str());
        self.record(&tx, actor, vec![change]).await?;
        let updated = interactions::get(&tx, id).await?.ok_or(StoreError::NotFound)?;
        commit(tx).await?;
        Ok(updated)
    }
}
