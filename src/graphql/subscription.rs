//! The subscription root: live updates of a profile (`customerChanged`), fed by the change
//! events (through NATS when configured, so that a change made on any replica reaches every
//! subscriber; in-process otherwise). Each update is the profile read afresh, through the
//! same types, guards and PII masking as a query; the PII it shows is audited per update
//! and counted by the anomaly detector as a response's is: async-graphql runs the
//! extensions' `execute` hook around each update (`graphql::access`).

use super::context::{Require, caller, loaders, services};
use super::error::IntoGql;
use super::loaders::{CustomerById, clear};
use super::pii::PiiGate;
use super::types::Customer;
use crate::domain::id::CustomerId;
use crate::domain::{Error, Scope};
use async_graphql::{Context, ID, Result, Subscription as GqlSubscription};
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use tokio::sync::broadcast::error::RecvError;

pub struct Subscription;

#[GqlSubscription]
impl Subscription {
    /// The profile, each time it changes (any write that emits a change event for it: an
    /// update, an identity, labels, preferences or consent, an interaction linked or
    /// relinked, a merge or an unmerge). Nothing is sent at subscription; a subscriber that
    /// falls far behind gets the current profile once for the changes it missed.
    /// `id`: the customer's id; `NOT_FOUND` when there is no such customer.
    /// Needs `customers:read`.
    // Checked by the guard, and declared to the router by `graphql::sdl` (async-graphql's
    // subscription macro has no `requires_scopes`).
    #[graphql(guard = "Require(Some(Scope::CustomersRead))")]
    async fn customer_changed<'ctx>(
        &self,
        ctx: &'ctx Context<'_>,
        id: ID,
    ) -> Result<BoxStream<'ctx, Result<Customer>>> {
        let id = CustomerId::parse("id", &id).gql()?;
        // Listen before checking that it exists, so that no change in between is missed.
        let receiver = services(ctx).live.subscribe();
        if loaders(ctx).load_one(CustomerById(id.clone())).await.gql()?.flatten().is_none() {
            return Err(Error::not_found("customer", "id")).gql();
        }
        Ok(futures_util::stream::unfold((receiver, ctx, id), |(mut receiver, ctx, id)| async move {
            loop {
                match receiver.recv().await {
                    Ok(notice) if notice.customer_id == id.as_str() => break,
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => break, // missed some: send the current profile
                    Err(RecvError::Closed) => return None,
                }
            }
            let update = current(ctx, &id).await;
            Some((update, (receiver, ctx, id)))
        })
        .boxed())
    }
}

/// The profile as it is now (nothing cached from an earlier update), with the caller's PII
/// blocked if an access anomaly opened since the subscription started.
async fn current(ctx: &Context<'_>, id: &CustomerId) -> Result<Customer> {
    let services = services(ctx);
    if let (Ok(principal), Some(gate)) = (caller(ctx), ctx.data_opt::<PiiGate>())
        && services.anomaly.blocked(&principal.subject).await
    {
        gate.block();
    }
    let loaders = loaders(ctx);
    clear(loaders);
    match loaders.load_one(CustomerById(id.clone())).await.gql()?.flatten() {
        Some(customer) => Ok(Customer(customer)),
        None => Err(Error::not_found("customer", "id")).gql(),
    }
}
