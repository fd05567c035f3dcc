//! Completing the history: `updateInteraction`, and reading the routing signals and
//! metadata that history maintains.

use super::{On, Services};
use crate::domain::audit::{Actor, Change};
use crate::domain::history::InteractionUpdate;
use crate::domain::id::InteractionId;
use crate::domain::interaction::Interaction;
use crate::domain::{Error, Result};
use crate::store::{StoreError, activity, commit, customers, history, interactions};

/// Attempts at locking an interaction's profile while relinks and merges move it.
const ATTEMPTS: usize = 3;

impl Services {
    /// Begin a write to an interaction: its profile locked and versioned (as every write to
    /// a profile), and the interaction read again under that lock, so that a relink or merge
    /// that moved it meanwhile is seen (then the new profile is locked instead).
    async fn lock_interaction(&self, id: &InteractionId) -> Result<(sea_orm::DatabaseTransaction, Interaction)> {
        for _ in 0..ATTEMPTS {
            let tx = self.store.begin_write().await?;
            let Some(seen) = interactions::get(&tx, &self.store.codec, id).await? else {
                return Err(Error::not_found("interaction", "id"));
            };
            match customers::touch(&tx, &self.store.codec, &seen.customer_id, None).await {
                Ok(_) => {}
                Err(StoreError::Merged { .. }) => continue, // moved by the merge: look again
                Err(other) => return Err(other.on("customer", "id")),
            }
            match interactions::get(&tx, &self.store.codec, id).await? {
                Some(now) if now.customer_id == seen.customer_id => return Ok((tx, now)),
                Some(_) => continue, // relinked meanwhile
                None => return Err(Error::not_found("interaction", "id")),
            }
        }
        Err(Error::conflict(Some("id"), "the interaction kept moving between profiles; retry"))
    }

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
        let (tx, mut current) = self.lock_interaction(id).await?;
        let metadata = update.metadata.clone();
        let touches_activity = update.ended_at.changes()
            || update.outcome.changes()
            || update.sentiment.changes()
            || update.agent_id.changes();
        update.apply("input", &mut current.spec)?;
        interactions::update(&tx, &self.store.codec, &current).await.on("interaction", "id")?;
        if metadata.changes() {
            let mut value = None;
            metadata.apply(&mut value);
            history::put_metadata(&tx, &self.store.codec, &current.customer_id, id, value.as_ref()).await?;
        }
        if touches_activity {
            activity::refresh_summaries(&tx, std::slice::from_ref(&current.customer_id)).await?;
        }
        let change = Change::to_customer("interaction.update", &current.customer_id, fields).on_entity(id.as_str());
        self.record(&tx, actor, vec![change]).await?;
        let updated = interactions::get(&tx, &self.store.codec, id).await?.ok_or(StoreError::NotFound)?;
        commit(tx).await?;
        Ok(updated)
    }
}
