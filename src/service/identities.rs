//! Writes to a customer's channel identities.

use super::{On, Services};
use crate::domain::customer::Customer;
use crate::domain::id::{CustomerId, IdentityId};
use crate::domain::identity::{IdentitySpec, MAX_PER_PROFILE};
use crate::domain::text::Located;
use crate::domain::{Error, Result};
use crate::store::{customers, identities};
use sea_orm::DatabaseTransaction;

impl Services {
    pub async fn add_identity(&self, customer_id: &CustomerId, identity: Located<IdentitySpec>) -> Result<Customer> {
        let tx = self.begin_on(customer_id, "customerId").await?;
        identities::insert(&tx, &self.store.codec, customer_id, &identity.value, false)
            .await
            .on("channel identity", &format!("{}.value", identity.field))?;
        self.bound_identities(&tx, customer_id, &identity.field).await?;
        self.finish(tx, customer_id).await
    }

    /// A profile holds at most `MAX_PER_PROFILE` identities (checked after adding, inside
    /// the write's transaction; `BAD_USER_INPUT` on `field` otherwise).
    pub(crate) async fn bound_identities(&self, tx: &DatabaseTransaction, id: &CustomerId, field: &str) -> Result<()> {
        if identities::count_of(tx, id).await? > MAX_PER_PROFILE as u64 {
            return Err(Error::bad_input(field, format!("a profile holds at most {MAX_PER_PROFILE} identities")));
        }
        Ok(())
    }

    pub async fn remove_identity(&self, identity_id: &IdentityId) -> Result<Customer> {
        let (tx, customer_id) = self.begin_on_identity(identity_id).await?;
        identities::delete(&tx, identity_id).await?;
        self.finish(tx, &customer_id).await
    }

    /// Mark an identifier shared (household phone, switchboard) or not.
    pub async fn set_identity_shared(&self, identity_id: &IdentityId, shared: bool) -> Result<Customer> {
        let (tx, customer_id) = self.begin_on_identity(identity_id).await?;
        identities::set_shared(&tx, identity_id, shared).await?;
        self.finish(tx, &customer_id).await
    }

    /// Start a write to one identity: find it (`NOT_FOUND` on `identityId`) and touch its customer.
    async fn begin_on_identity(&self, identity_id: &IdentityId) -> Result<(DatabaseTransaction, CustomerId)> {
        let tx = self.store.begin_write().await?;
        let Some(ident) = identities::get(&tx, &self.store.codec, identity_id).await? else {
            return Err(Error::not_found("channel identity", "identityId"));
        };
        customers::touch(&tx, &self.store.codec, &ident.customer_id, None).await.on("customer", "identityId")?;
        Ok((tx, ident.customer_id))
    }
}
