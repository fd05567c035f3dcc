//! Contact and outbound preferences.

use super::Services;
use crate::domain::audit::{Actor, Change};
use crate::domain::customer::Customer;
use crate::domain::id::CustomerId;
use crate::domain::preference::PreferencePatch;
use crate::domain::text::{Located, Patch};
use crate::domain::{Error, Result};
use crate::store::{identities, now, preferences};
use sea_orm::DatabaseTransaction;

impl Services {
    pub async fn set_preferences(
        &self,
        actor: &Actor,
        customer_id: &CustomerId,
        patch: Located<PreferencePatch>,
    ) -> Result<Customer> {
        let tx = self.begin_on(customer_id, "customerId").await?;
        self.apply_preferences(&tx, customer_id, &patch).await?;
        let change = Change::to_customer("preferences.set", customer_id, patch.value.changed_fields());
        self.finish(tx, actor, change).await
    }

    /// Apply a preference patch to the stored preferences of a customer; a preferred
    /// identity must be one of the customer's own.
    pub(crate) async fn apply_preferences(
        &self,
        tx: &DatabaseTransaction,
        customer_id: &CustomerId,
        patch: &Located<PreferencePatch>,
    ) -> Result<()> {
        if let Patch::Set(id) = &patch.value.preferred_identity {
            let owned = identities::get(tx, &self.store.codec, &id.value).await?;
            if owned.is_none_or(|i| &i.customer_id != customer_id) {
                return Err(Error::bad_input(&id.field, "not one of this customer's identities"));
            }
        }
        let mut prefs = preferences::get(tx, &self.store.codec, customer_id).await?;
        prefs.apply(patch.value.clone(), now());
        preferences::save(tx, &self.store.codec, customer_id, &prefs).await?;
        Ok(())
    }
}
