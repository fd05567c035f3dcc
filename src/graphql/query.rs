//! The query root, including the `_entities` resolvers of the federation keys.

use super::context::{Require, caller, loaders, services};
use super::error::IntoGql;
use super::loaders::{CustomerId, IdentityId, InteractionId, LabelId};
use super::types::{
    AttributeDefinition, ChannelIdentity, Cursor, Customer, CustomerConnection, CustomerResolution, InteractionRef,
    Label,
};
use crate::domain::enums::CustomerStatus;
use crate::domain::id::normalize_id;
use crate::domain::{Error, Scope};
use crate::service::inputs::ChannelIdentityInput;
use crate::store::customers::CustomerQuery;
use crate::store::{attributes, customers, labels};
use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

pub struct Query;

/// Who did what to which profile, when. Details carry ids and counts, never PII.
#[derive(SimpleObject)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity_id: ID,
    pub details: Json<serde_json::Value>,
}

/// Which customers to list.
#[derive(InputObject, Default)]
pub struct CustomerFilter {
    /// Customers carrying all of these labels.
    pub label_ids: Option<Vec<ID>>,
    /// Without it, ACTIVE and ANONYMOUS profiles are listed (MERGED ones only when asked for).
    pub status: Option<CustomerStatus>,
    /// Equality on a non-PII attribute.
    pub attribute: Option<AttributeFilterInput>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct AttributeFilterInput {
    pub key: String,
    pub value: Json<serde_json::Value>,
}

async fn to_query(ctx: &Context<'_>, filter: CustomerFilter) -> crate::domain::Result<CustomerQuery> {
    let mut label_ids = Vec::new();
    for (i, id) in filter.label_ids.unwrap_or_default().iter().enumerate() {
        label_ids.push(crate::domain::id::parse_id(&format!("filter.labelIds.{i}"), id)?);
    }
    let attribute = match filter.attribute {
        None => None,
        Some(a) => {
            let def = attributes::definition(&services(ctx).store.db, &a.key).await?;
            match def {
                None => return Err(Error::bad_input("filter.attribute.key", "unknown attribute key")),
                // Filtering on PII would let a caller without pii:read probe for values.
                Some(d) if d.pii => {
                    return Err(Error::bad_input("filter.attribute.key", "PII attributes cannot be filtered on"));
                }
                Some(d) => {
                    let canonical = d.canonical(&a.value.0);
                    Some((a.key, attributes::canonical(&canonical)))
                }
            }
        }
    };
    Ok(CustomerQuery { label_ids, status: filter.status, attribute, updated_since: filter.updated_since })
}

#[Object]
impl Query {
    /// One profile by id: the 360° view. `null` when there is no such customer.
    #[graphql(guard = "Require(Some(Scope::CustomersRead))", requires_scopes = "customers:read")]
    async fn customer(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Customer>> {
        let Some(id) = normalize_id(&id) else { return Ok(None) };
        Ok(loaders(ctx).load_one(CustomerId(id)).await.gql()?.flatten().map(Customer))
    }

    /// Customers in creation order, a page at a time.
    #[graphql(guard = "Require(Some(Scope::CustomersRead))", requires_scopes = "customers:read")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        filter: Option<CustomerFilter>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<CustomerConnection> {
        let first = first.unwrap_or(20);
        if !(0..=100).contains(&first) {
            return Err(Error::bad_input("first", "first must be between 0 and 100")).gql();
        }
        let after = after.as_deref().map(|c| Cursor::decode_customer("after", c)).transpose().gql()?;
        let query = to_query(ctx, filter.unwrap_or_default()).await.gql()?;
        let store = &services(ctx).store;
        let rows = customers::list(&store.db, &store.pii, &query, after.as_deref(), first as u64 + 1).await.gql()?;
        let loaders = loaders(ctx);
        // Prime the cache so that `_entities`-style lookups of these ids cost nothing.
        loaders.feed_many(rows.iter().map(|r| (CustomerId(r.id.clone()), Some(r.clone())))).await;
        let ids: Vec<String> = rows.iter().take(first as usize).map(|r| r.id.clone()).collect();
        super::prefetch::customers(ctx, &ctx.look_ahead().field("edges").field("node"), &ids).await?;
        Ok(CustomerConnection::new(rows, first as usize, query))
    }

    /// Get Customer by Channel Identifier: the identification step of every interaction.
    /// The identifier is normalised first, so any common format finds the same profile.
    /// Creating the anonymous profile needs `customers:write` as well. `alsoKnownAs`: other
    /// identifiers known for this contact (an email given in a web chat), used to rank
    /// suggestions.
    #[graphql(guard = "Require(Some(Scope::CustomersRead))", requires_scopes = "customers:read")]
    async fn resolve_customer(
        &self,
        ctx: &Context<'_>,
        identity: ChannelIdentityInput,
        #[graphql(default_with = "Some(true)")] create_if_missing: Option<bool>,
        also_known_as: Option<Vec<ChannelIdentityInput>>,
    ) -> Result<CustomerResolution> {
        let create_if_missing = create_if_missing.unwrap_or(true);
        let may_create = caller(ctx)?.has(Scope::CustomersWrite);
        let services = services(ctx);
        let resolution = services
            .resolve_customer(identity, create_if_missing && may_create, &also_known_as.unwrap_or_default())
            .await
            .gql()?;
        if create_if_missing && !may_create && resolution.customer.is_none() {
            return Err(Error::Forbidden(Scope::CustomersWrite)).gql();
        }
        Ok(CustomerResolution(resolution))
    }

    /// Audit entries about a customer or interaction, oldest first.
    #[graphql(guard = "Require(Some(Scope::PrivacyAdmin))", requires_scopes = "privacy:admin")]
    async fn audit_log(&self, ctx: &Context<'_>, entity_id: ID) -> Result<Vec<AuditEntry>> {
        let Some(id) = normalize_id(&entity_id) else { return Ok(vec![]) };
        let rows = crate::store::audit::for_entity(&services(ctx).store.db, &id).await.gql()?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                at: r.at,
                actor: r.actor,
                action: r.action,
                entity_id: ID(r.entity_id),
                details: Json(serde_json::from_str(&r.details).unwrap_or_default()),
            })
            .collect())
    }

    /// The label catalogue, by name.
    #[graphql(guard = "Require(None)", directive = super::directives::authenticated::apply())]
    async fn labels(&self, ctx: &Context<'_>) -> Result<Vec<Label>> {
        Ok(labels::all(&services(ctx).store.db).await.gql()?.into_iter().map(Label).collect())
    }

    /// The attribute schema defined by administrators.
    #[graphql(guard = "Require(None)", directive = super::directives::authenticated::apply())]
    async fn attribute_definitions(&self, ctx: &Context<'_>) -> Result<Vec<AttributeDefinition>> {
        Ok(attributes::definitions(&services(ctx).store.db).await.gql()?.into_iter().map(Into::into).collect())
    }

    #[graphql(entity, guard = "Require(Some(Scope::CustomersRead))")]
    async fn find_customer_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Customer>> {
        let Some(id) = normalize_id(&id) else { return Ok(None) };
        Ok(loaders(ctx).load_one(CustomerId(id)).await.gql()?.flatten().map(Customer))
    }

    #[graphql(entity, guard = "Require(Some(Scope::CustomersRead))")]
    async fn find_channel_identity_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ChannelIdentity>> {
        let Some(id) = normalize_id(&id) else { return Ok(None) };
        Ok(loaders(ctx).load_one(IdentityId(id)).await.gql()?.flatten().map(ChannelIdentity))
    }

    #[graphql(entity, guard = "Require(None)")]
    async fn find_label_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Label>> {
        let Some(id) = normalize_id(&id) else { return Ok(None) };
        Ok(loaders(ctx).load_one(LabelId(id)).await.gql()?.flatten().map(Label))
    }

    #[graphql(entity, guard = "Require(Some(Scope::CustomersRead))")]
    async fn find_interaction_ref_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<InteractionRef>> {
        let Some(id) = normalize_id(&id) else { return Ok(None) };
        Ok(loaders(ctx).load_one(InteractionId(id)).await.gql()?.flatten().map(InteractionRef))
    }
}
