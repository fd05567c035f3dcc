//! Writes to a customer's channel identities.

use super::{On, Services};
use crate::domain::audit::{Actor, Change};
use crate::domain::customer::Customer;
use crate::domain::id::{CustomerId, IdentityId};
use crate::domain::identity::{IdentitySpec, MAX_PER_PROFILE};
use crate::domain::text::Located;
use crate::domain::{Error, Result};
use crate::store::{customers, identities};
use sea_orm::DatabaseTransaction;

impl Services {
    pub async fn add_identity(
        &self,
        actor: &Actor,
        customer_id: &CustomerId,
        identity: Located<IdentitySpec>,
    ) -> Result<Customer> {
        let fields = vec![format!("identities.{}", identity.value.channel.as_str())];
        let tx = self.begin_on(customer_id, "customerId").await?;
        identities::insert(&tx, &self.store.codec, customer_id, &identity.value, false)
            .await
            .on("channel identity", &format!("{}.value", identity.field))?;
        self.bound_identities(&tx, customer_id, &identity.field).await?;
        self.finish(tx, actor, Change::to_customer("identity.add", customer_id, fields)).await
    }

    /// A profile holds at most `MAX_PER_PROFILE` identities (checked after adding, inside
    /// the write's transaction; `BAD_USER_INPUT` on `field` otherwise).
    pub(crate) async fn bound_identities(&self, tx: &DatabaseTransaction, id: &CustomerId, field: &str) -> Result<()> {
        if identities::count_of(tx, id).await? > MAX_PER_PROFILE as u64 {
            return Err(Error::bad_input(field, format!("a profile holds at most {MAX_PER_PROFILE} identities")));
        }
        Ok(())
    }

    pub async fn remove_identity(&self, actor: &Actor, identity_id: &IdentityId) -> Result<Customer> {
        let (tx, customer_id) = self.begin_on_identity(identity_id).await?;
        identities::delete(&tx, identity_id).await?;
        // Its sealed copies in merge ledgers go too: an unmerge must not bring it back.
        crate::store::lifecycle::scrub::identity_from_ledgers(&tx, &self.store.codec, &customer_id, identity_id)
            .await?;
        let change = Change::to_customer("identity.remove", &customer_id, vec!["identities".into()]);
        self.finish(tx, actor, change.on_entity(identity_id.as_str())).await
    }

    /// Mark an identifier shared (household phone, switchboard) or not.
    pub async fn set_identity_shared(&self, actor: &Actor, identity_id: &IdentityId, shared: bool) -> Result<Customer> {
        let (tx, customer_id) = self.begin_on_identity(identity_id).await?;
        identities::set_shared(&tx, identity_id, shared).await?;
        let change = Change::to_customer("identity.share", &customer_id, vec!["identities.shared".into()]);
        self.finish(tx, actor, change.on_entity(identity_id.as_str())).await
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
