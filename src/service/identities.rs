//! Writes to a customer's channel identities.

use super::Services;
use super::inputs::ChannelIdentityInput;
use crate::domain::id::parse_id;
use crate::domain::{Error, Result};
use crate::store::{CustomerRecord, customers, identities};
use sea_orm::DatabaseTransaction;

impl Services {
    pub async fn add_identity(&self, customer_id: &str, input: ChannelIdentityInput) -> Result<CustomerRecord> {
        let customer_id = parse_id("customerId", customer_id)?;
        let ident = self.parse_identity("identity", &input)?;
        let tx = self.store.begin_write().await?;
        customers::touch(&tx, &self.store.pii, &customer_id, None).await?;
        identities::insert(&tx, &self.store.pii, &customer_id, "identity.value", &ident).await?;
        self.finish(tx, &customer_id).await
    }

    pub async fn remove_identity(&self, identity_id: &str) -> Result<CustomerRecord> {
        let (tx, identity_id, customer_id) = self.begin_on_identity(identity_id).await?;
        identities::delete(&tx, &identity_id).await?;
        self.finish(tx, &customer_id).await
    }

    /// Mark an identifier shared (household phone, switchboard) or not.
    pub async fn set_identity_shared(&self, identity_id: &str, shared: bool) -> Result<CustomerRecord> {
        let (tx, identity_id, customer_id) = self.begin_on_identity(identity_id).await?;
        identities::set_shared(&tx, &identity_id, shared).await?;
        self.finish(tx, &customer_id).await
    }

    /// Start a write to one identity: find it (`NOT_FOUND` on `identityId`) and touch its customer.
    async fn begin_on_identity(&self, raw_id: &str) -> Result<(DatabaseTransaction, String, String)> {
        let identity_id = parse_id("identityId", raw_id)?;
        let tx = self.store.begin_write().await?;
        let found = identities::by_ids(&tx, &self.store.pii, std::slice::from_ref(&identity_id)).await?;
        let Some(ident) = found.get(&identity_id) else {
            return Err(Error::not_found("channel identity", "identityId"));
        };
        let customer_id = ident.customer_id.clone();
        customers::touch(&tx, &self.store.pii, &customer_id, None).await?;
        Ok((tx, identity_id, customer_id))
    }
}
