//! Creating and changing profiles. Every write is one transaction that first `touch`es the
//! profile (version check, row lock), then applies validated changes.

use super::{On, Services};
use crate::domain::audit::{Actor, Change};
use crate::domain::customer::{Customer, ProfileInput, ProfileUpdate};
use crate::domain::enums::{CustomerStatus, LabelSource};
use crate::domain::id::CustomerId;
use crate::domain::text::Patch;
use crate::domain::{Error, Result};
use crate::store::{Constraint, StoreError, customers, external_refs, identities};
use sea_orm::DatabaseTransaction;

/// How a profile input meets an existing profile.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Apply {
    /// A new profile: everything in the input is new.
    New,
    /// A CRM sync of a known profile: identities and links it already has are kept (not
    /// conflicts), and an omitted name keeps the current one.
    Sync,
}

impl Services {
    pub async fn create_customer(&self, actor: &Actor, input: ProfileInput) -> Result<Customer> {
        let tx = self.store.begin_write().await?;
        let id = CustomerId::generate();
        customers::insert(&tx, &self.store.codec, &id, None, CustomerStatus::Active).await?;
        self.apply_profile(&tx, actor, &id, &input, LabelSource::Manual, Apply::New).await?;
        tracing::info!(customer_id = %id, by = %actor.subject, "customer created");
        self.finish(tx, actor, Change::to_customer("customer.create", &id, input.changed_fields())).await
    }

    pub async fn update_customer(&self, actor: &Actor, id: &CustomerId, update: ProfileUpdate) -> Result<Customer> {
        let change = Change::to_customer("customer.update", id, update.changed_fields());
        let tx = self.store.begin_write().await?;
        let codec = &self.store.codec;
        customers::touch(&tx, codec, id, update.expected_version).await.map_err(|e| match e {
            StoreError::Stale { current } => Error::conflict(
                Some("expectedVersion"),
                format!("customer is at version {current}, not {}", update.expected_version.unwrap_or_default()),
            ),
            other => other.on("customer", "id"),
        })?;
        match update.display_name {
            Patch::Keep => {}
            Patch::Clear => customers::set_display_name(&tx, codec, id, None).await?,
            Patch::Set(name) => {
                customers::set_display_name(&tx, codec, id, Some(&name)).await?;
                customers::promote_if_anonymous(&tx, id).await?;
            }
        }
        self.finish(tx, actor, change).await
    }

    /// Apply a profile input to profile `id` inside `tx`: name, identities, attributes,
    /// labels, preferences and CRM links.
    pub(crate) async fn apply_profile(
        &self,
        tx: &DatabaseTransaction,
        actor: &Actor,
        id: &CustomerId,
        input: &ProfileInput,
        label_source: LabelSource,
        mode: Apply,
    ) -> Result<()> {
        let codec = &self.store.codec;
        if input.display_name.is_some() || mode == Apply::New {
            customers::set_display_name(tx, codec, id, input.display_name.as_ref()).await?;
        }
        if input.display_name.is_some() {
            customers::promote_if_anonymous(tx, id).await?;
        }
        for (i, ident) in input.identities.iter().enumerate() {
            let wanted = input.identity_ids.get(i).and_then(Option::as_ref);
            match identities::insert_as(tx, codec, id, &ident.value, false, wanted).await {
                Err(StoreError::Duplicate(Constraint::IdentityPerCustomer)) if mode == Apply::Sync => {} // held: keep it
                other => {
                    other.on("channel identity", &format!("{}.value", ident.field))?;
                }
            }
        }
        if !input.identities.is_empty() {
            self.bound_identities(tx, id, "input.identities").await?;
        }
        self.save_attributes(tx, id, &input.attributes).await?;
        self.require_attributes(tx, id, "input.attributes").await?;
        self.assign(tx, actor, id, &input.label_ids, label_source).await?;
        if let Some(prefs) = &input.preferences {
            self.apply_preferences(tx, id, prefs).await?;
        }
        for r in &input.external_refs {
            external_refs::insert(tx, &self.store.codec, id, &r.value).await.on("external record", &r.field)?;
        }
        Ok(())
    }

    /// Record `change` to the profile it is about, re-read the profile inside the
    /// transaction, and commit.
    pub(crate) async fn finish(&self, tx: DatabaseTransaction, actor: &Actor, change: Change) -> Result<Customer> {
        let id = change.customer_id.clone().ok_or_else(|| anyhow::anyhow!("a profile change names its profile"))?;
        if crate::domain::search::affects(&change.fields) {
            self.reindex_in(&tx, std::slice::from_ref(&id)).await?; // in the write: never a stale token
        }
        self.record(&tx, actor, vec![change]).await?;
        let record = customers::get_existing(&tx, &self.store.codec, &id).await?;
        crate::store::commit(tx).await?;
        Ok(record)
    }

    /// Start a write to profile `id`: `NOT_FOUND`, or `CONFLICT` when it was merged, on `field`.
    pub(crate) async fn begin_on(&self, id: &CustomerId, field: &str) -> Result<DatabaseTransaction> {
        let tx = self.store.begin_write().await?;
        customers::touch(&tx, &self.store.codec, id, None).await.on("customer", field)?;
        Ok(tx)
    }
}
