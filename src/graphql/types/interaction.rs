use super::Customer;
use crate::domain::enums::Sentiment;
use crate::domain::enums::{Direction, InteractionKind};
use crate::domain::interaction::Interaction;
use crate::domain::{Channel, Scope};
use crate::graphql::access_log::reveal;
use crate::graphql::context::{Require, loaders};
use crate::graphql::error::IntoGql;
use crate::graphql::loaders::{CustomerById, MetadataOf};
use async_graphql::{Context, ErrorExtensions as _, ID, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

pub struct InteractionRef(pub Interaction);

/// A conversation or activity in a customer's history.
#[Object(guard = "Require(Some(Scope::CustomersRead))", requires_scopes = "customers:read")]
impl InteractionRef {
    /// The interaction's id in this subgraph (for `relinkInteraction`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// A conversation owned by the conversations subgraph, or another activity.
    async fn kind(&self) -> InteractionKind {
        self.0.spec.kind
    }

    /// The channel it took place on.
    async fn channel(&self) -> Channel {
        self.0.spec.channel
    }

    /// Who started it: the customer (`INBOUND`) or us (`OUTBOUND`).
    async fn direction(&self) -> Direction {
        self.0.spec.direction
    }

    /// When it started.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.spec.period.start
    }

    /// When it ended; `null` when not given.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.spec.period.end
    }

    /// A short note for agents; `null` when none was given. PII (free text can hold
    /// anything): card numbers inside it are redacted for everyone (PCI DSS); e-mail
    /// addresses and phone numbers inside it without `pii:read` (a reveal is audited).
    #[graphql(tag = "pii")]
    async fn summary(&self, ctx: &Context<'_>) -> Option<String> {
        let text = self.0.spec.summary.as_deref()?;
        Some(crate::graphql::free_text::shown(ctx, &self.0.customer_id, "interactions.summary", text))
    }

    /// The agent who handled it, as an id of the agents' system; `null` when none.
    async fn agent_id(&self) -> Option<ID> {
        self.0.spec.agent_id.clone().map(ID)
    }

    /// How it ended, as a code (`resolved`, `escalated`); `null` until known.
    async fn outcome(&self) -> Option<&str> {
        self.0.spec.outcome.as_deref()
    }

    /// What it was about, as a code (`billing/fiber`).
    async fn topic(&self) -> Option<&str> {
        self.0.spec.topic.as_deref()
    }

    /// How the customer felt.
    async fn sentiment(&self) -> Option<Sentiment> {
        self.0.spec.sentiment
    }

    /// The channel's or CRM's own details (a JSON object), sealed at rest: `null` without `pii:read`, and when
    /// there are none.
    #[graphql(tag = "pii")]
    async fn metadata(&self, ctx: &Context<'_>) -> Result<Option<Json<serde_json::Value>>> {
        let Some(metadata) = loaders(ctx).load_one(MetadataOf(self.0.id.clone())).await.gql()?.flatten() else {
            return Ok(None);
        };
        Ok(reveal(ctx, &self.0.customer_id, "interactions.metadata").then(|| Json(metadata.into_value())))
    }

    /// The conversation, resolved by the conversations subgraph.
    async fn conversation(&self) -> Option<Conversation> {
        self.0.spec.conversation_id.clone().map(|id| Conversation { id: ID(id) })
    }

    /// The profile the interaction belongs to.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Customer> {
        loaders(ctx)
            .load_one(CustomerById(self.0.customer_id.clone()))
            .await
            .gql()?
            .flatten()
            .map(Customer)
            .ok_or_else(|| crate::domain::Error::Internal(anyhow::anyhow!("interaction without its customer")).extend())
    }
}

/// A conversation owned by the conversations subgraph.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(unresolvable)]
pub struct Conversation {
    /// The conversation's id in the conversations subgraph.
    pub id: ID,
}
