use crate::domain::identity::Identity;
use crate::domain::{Channel, Scope};
use crate::graphql::access_log::reveal;
use crate::graphql::context::Require;
use crate::security::mask::mask_identity;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};

pub struct ChannelIdentity(pub Identity);

/// An identifier of a customer on one channel.
#[Object(guard = "Require(Some(Scope::CustomersRead))", requires_scopes = "customers:read")]
impl ChannelIdentity {
    /// The identity's id: for `removeChannelIdentity`, `setIdentityShared` and `preferredIdentityId`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The channel this identifier reaches the customer on.
    async fn channel(&self) -> Channel {
        self.0.spec.channel
    }

    /// The social network or SDK, for OTHER and social channels.
    async fn provider(&self) -> Option<&str> {
        self.0.spec.provider.as_deref()
    }

    /// PII. Normalised (E.164 phones, lower-cased emails); masked (`+92*******567`,
    /// `j***@example.com`) without the `pii:read` scope.
    #[graphql(tag = "pii")]
    async fn value(&self, ctx: &Context<'_>) -> String {
        let value = self.0.spec.value.expose();
        if reveal(ctx, &self.0.customer_id, "identities.value") {
            value.to_owned()
        } else {
            mask_identity(self.0.spec.channel, value)
        }
    }

    /// Ownership was confirmed, as reported by the client that added it; counts most when ranking matches.
    async fn verified(&self) -> bool {
        self.0.spec.verified
    }

    /// The customer's main identifier on this channel (at most one per channel); chosen first for contact.
    async fn primary(&self) -> bool {
        self.0.spec.primary
    }

    /// A household phone or switchboard: never resolves to one owner on its own.
    async fn shared(&self) -> bool {
        self.0.spec.shared
    }

    /// When the identity was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
