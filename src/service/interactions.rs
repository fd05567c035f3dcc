//! The interaction history: linking conversations and activities, and moving one to
//! another profile.

use super::{On, Services};
use crate::domain::audit::{Actor, Change};
use crate::domain::history::{Idempotency, Metadata};
use crate::domain::id::{CustomerId, InteractionId};
use crate::domain::interaction::{Interaction, InteractionSpec};
use crate::domain::{Error, Result};
use crate::store::{Constraint, StoreError, activity, commit, customers, history, interactions};
use sea_orm::DatabaseTransaction;
use serde_json::json;

impl Services {
    /// Link an interaction. Linking a conversation again to the same customer returns the
    /// existing link (retries are safe, also when they race); to another customer it is a
    /// `CONFLICT` (that is what `relinkInteraction` is for).
    pub async fn link_interaction(
        &self,
        actor: &Actor,
        customer_id: &CustomerId,
        new: InteractionSpec,
    ) -> Result<Interaction> {
        self.link_interaction_with(actor, customer_id, new, LinkOptions::default()).await
    }

    /// [`Self::link_interaction`] with metadata and an idempotency key: a request retried
    /// with the same key returns the interaction the first one linked (whoever won a race);
    /// the same key with another request is a `CONFLICT` on `interaction.idempotencyKey`.
    pub async fn link_interaction_with(
        &self,
        actor: &Actor,
        customer_id: &CustomerId,
        new: InteractionSpec,
        options: LinkOptions,
    ) -> Result<Interaction> {
        if let Some(existing) = self.idempotent_link(options.idempotency.as_ref()).await? {
            return Ok(existing);
        }
        if let Some(existing) = self.existing_link(customer_id, &new).await? {
            return Ok(existing);
        }
        let tx = self.begin_on(customer_id, "customerId").await?;
        match interactions::insert(&tx, &self.store.codec, customer_id, &new, options.idempotency.as_ref()).await {
            Ok(id) => {
                if let Some(metadata) = &options.metadata {
                    history::put_metadata(&tx, &self.store.codec, customer_id, &id, Some(metadata)).await?;
                }
                let record = interactions::get(&tx, &self.store.codec, &id).await?.ok_or(StoreError::NotFound)?;
                activity::on_link(&tx, &record).await?;
                activity::prune(&tx, customer_id).await?;
                let change = Change::to_customer("interaction.link", customer_id, vec!["interactions".into()]);
                self.record(&tx, actor, vec![change.on_entity(id.as_str())]).await?;
                commit(tx).await?;
                Ok(record)
            }
            Err(StoreError::Duplicate(Constraint::IdempotencyKey)) => {
                drop(tx); // rolled back: the same key was used meanwhile
                match self.idempotent_link(options.idempotency.as_ref()).await? {
                    Some(existing) => Ok(existing),
                    None => Err(StoreError::Duplicate(Constraint::IdempotencyKey)
                        .on("interaction", "interaction.idempotencyKey")),
                }
            }
            Err(StoreError::Duplicate(Constraint::ConversationLink)) => {
                drop(tx); // rolled back: the conversation was linked meanwhile
                match self.existing_link(customer_id, &new).await? {
                    Some(existing) => Ok(existing),
                    None => Err(StoreError::Duplicate(Constraint::ConversationLink)
                        .on("interaction", "interaction.conversationId")),
                }
            }
            Err(other) => Err(other.on("interaction", "interaction.conversationId")),
        }
    }

    /// The interaction an idempotency key linked, if the request is the same; `CONFLICT` if
    /// the key was used for another request.
    async fn idempotent_link(&self, idempotency: Option<&Idempotency>) -> Result<Option<Interaction>> {
        let Some(idempotency) = idempotency else { return Ok(None) };
        match interactions::by_idempotency_key(&self.store.db, &self.store.codec, &idempotency.key).await? {
            Some((existing, digest)) if digest == idempotency.digest => Ok(Some(existing)),
            Some(_) => {
                Err(StoreError::Duplicate(Constraint::IdempotencyKey).on("interaction", "interaction.idempotencyKey"))
            }
            None => Ok(None),
        }
    }

    /// The link of the same conversation to the same customer, if there is one.
    async fn existing_link(&self, customer_id: &CustomerId, new: &InteractionSpec) -> Result<Option<Interaction>> {
        let Some(conversation_id) = &new.conversation_id else { return Ok(None) };
        let existing = interactions::by_conversation(&self.store.db, &self.store.codec, conversation_id).await?;
        Ok(existing.filter(|e| &e.customer_id == customer_id))
    }

    /// Move an interaction to another profile (the visitor turned out to be a known customer). Audited.
    pub async fn relink_interaction(
        &self,
        actor: &Actor,
        interaction_id: &InteractionId,
        to: &CustomerId,
    ) -> Result<Interaction> {
        let tx = self.store.begin_write().await?;
        let Some(current) = interactions::get(&tx, &self.store.codec, interaction_id).await? else {
            return Err(Error::not_found("interaction", "interactionId"));
        };
        if &current.customer_id != to {
            // Lock both profiles in id order, so that relinks cannot deadlock.
            let mut pair = [(&current.customer_id, "interactionId"), (to, "toCustomerId")];
            pair.sort();
            for (id, field) in pair {
                customers::touch(&tx, &self.store.codec, id, None).await.on("customer", field)?;
            }
            interactions::move_to(&tx, std::slice::from_ref(interaction_id), &current.customer_id, to).await?;
            self.reseal_for_new_owner(&tx, interaction_id).await?;
            activity::rebuild(&tx, &[current.customer_id.clone(), to.clone()]).await?;
            let details = json!({ "from": current.customer_id, "to": to });
            let changes = [&current.customer_id, to].map(|id| {
                Change::to_customer("interaction.relink", id, vec!["interactions".into()])
                    .on_entity(interaction_id.as_str())
                    .with_details(details.clone())
            });
            self.record(&tx, actor, changes.to_vec()).await?;
        }
        let moved = interactions::get(&tx, &self.store.codec, interaction_id).await?.ok_or(StoreError::NotFound)?;
        commit(tx).await?;
        Ok(moved)
    }
}

impl Services {
    /// Re-seal a relinked interaction's free text (summary, metadata) under its new
    /// profile's data key: erasing the profile it came from (crypto-shredding its key) must
    /// not make another person's history unreadable.
    async fn reseal_for_new_owner(&self, tx: &DatabaseTransaction, id: &InteractionId) -> Result<()> {
        let codec = &self.store.codec;
        let moved = interactions::get(tx, codec, id).await?.ok_or(StoreError::NotFound)?;
        if moved.spec.summary.is_some() {
            interactions::update(tx, codec, &moved).await?;
        }
        if let Some(metadata) = history::metadata_of(tx, codec, std::slice::from_ref(id)).await?.remove(id) {
            history::put_metadata(tx, codec, &moved.customer_id, id, Some(&metadata)).await?;
        }
        Ok(())
    }
}

/// What a link may carry besides the interaction itself.
#[derive(Clone, Debug, Default)]
pub struct LinkOptions {
    pub metadata: Option<Metadata>,
    pub idempotency: Option<Idempotency>,
}
