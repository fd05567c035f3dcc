//! The query root, including the `_entities` resolvers of the federation keys.

use super::access_log::actor;
use super::context::{Require, caller, loaders, services};
use super::error::IntoGql;
use super::inputs::{ChannelIdentityInput, CustomerFilter};
use super::loaders::{CustomerById, IdentityById, InteractionById, LabelById};
use super::pagination::{decode_audit_cursor, decode_customer_cursor, page_size};
use super::types::{
    AttributeDefinition, AuditConnection, ChannelIdentity, Customer, CustomerConnection, CustomerResolution,
    InteractionRef, Label,
};
use crate::domain::audit::AuditFilter;
use crate::domain::id::{CustomerId, IdentityId, InteractionId, LabelId};
use crate::domain::{Error, Scope};
use crate::store::{attributes, labels};
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

pub struct Query;

#[Object]
impl Query {
    /// Contactability of many customers at once (a campaign's list), decided in a fixed number of statements: the
    /// same rules as `Customer.contactability` plus consent records, suppressions and lists, shared and unverified
    /// identities, statutory calling hours and public holidays, and attempt caps (see docs/contactability.md).
    /// `customerIds`: up to 10,000, answered in that order (an unknown, merged or erased one: not allowed,
    /// `UNKNOWN_CUSTOMER`). `purpose`: `marketing`, `service`, `collections` or a configured one (`BAD_USER_INPUT`
    /// otherwise). `at`: when (default now). `record`: store the decisions as evidence with the rule versions
    /// (`evidenceId`; default false).
    #[graphql(guard = "Require(Some(Scope::CustomersRead))", requires_scopes = "customers:read")]
    async fn contactability_of(
        &self,
        ctx: &Context<'_>,
        customer_ids: Vec<ID>,
        purpose: String,
        at: Option<DateTime<Utc>>,
        record: Option<bool>,
    ) -> Result<Vec<super::types::Contactability>> {
        super::outbound::contactability_of(ctx, customer_ids, purpose, at, record.unwrap_or(false)).await
    }

    /// Every consent record of a customer, oldest first (`recordConsent`): the proof behind
    /// `contactability`. `customerId`: the profile (none: an empty list).
    #[graphql(guard = "Require(Some(Scope::CustomersRead))", requires_scopes = "customers:read")]
    async fn consent_history(&self, ctx: &Context<'_>, customer_id: ID) -> Result<Vec<super::types::ConsentRecord>> {
        super::outbound::consent_history(ctx, customer_id).await
    }

    /// The suppressions of a customer, oldest first, lifted and expired ones included.
    #[graphql(guard = "Require(Some(Scope::CustomersRead))", requires_scopes = "customers:read")]
    async fn suppressions(&self, ctx: &Context<'_>, customer_id: ID) -> Result<Vec<super::types::Suppression>> {
        super::outbound::suppressions(ctx, customer_id).await
    }

    /// The suppression lists, by name.
    #[graphql(guard = "Require(Some(Scope::CustomersRead))", requires_scopes = "customers:read")]
    async fn suppression_lists(&self, ctx: &Context<'_>) -> Result<Vec<super::types::SuppressionList>> {
        super::outbound::suppression_lists(ctx).await
    }

    /// The profile linked to a CRM or ticketing record (`upsertCustomerByExternalRef`); `null` when none is.
    /// `system`: the CRM, case-insensitive (1–64 characters). `externalId`: the record's id there (1–255).
    #[graphql(guard = "Require(Some(Scope::CustomersRead))", requires_scopes = "customers:read")]
    async fn customer_by_external_ref(
        &self,
        ctx: &Context<'_>,
        system: String,
        external_id: String,
    ) -> Result<Option<Customer>> {
        let reference = crate::domain::external_ref::ExternalRef::from_arguments(&system, &external_id).gql()?;
        let Some(id) = services(ctx).customer_by_external_ref(&reference).await.gql()? else { return Ok(None) };
        super::prefetch::one(ctx, id).await
    }

    /// One profile by id: the 360° view. `null` when there is no such customer.
    /// `id`: the customer's id; a malformed one also answers `null`. A merged profile still resolves
    /// (`status: MERGED`).
    #[graphql(guard = "Require(Some(Scope::CustomersRead))", requires_scopes = "customers:read")]
    async fn customer(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Customer>> {
        let Some(id) = CustomerId::lookup(&id) else { return Ok(None) };
        super::prefetch::one(ctx, id).await
    }

    /// Customers in creation order, a page at a time.
    /// `filter`: which profiles (ACTIVE and ANONYMOUS by default). `first`: the page size, 0–100.
    /// `after`: the `endCursor` of the previous page.
    #[graphql(
        guard = "Require(Some(Scope::CustomersRead))",
        requires_scopes = "customers:read",
        complexity = "super::pagination::list_complexity(first, child_complexity)"
    )]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        filter: Option<CustomerFilter>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<CustomerConnection> {
        let first = page_size(first).gql()?;
        let after = after.as_deref().map(|c| decode_customer_cursor("after", c)).transpose().gql()?;
        let filter = filter.unwrap_or_default().parse().gql()?;
        if after.is_some() {
            super::anomaly::page_after(ctx);
        }
        let services = services(ctx);
        let query = services.customer_query(filter).await.gql()?;
        let rows = services.list_customers(&query, after.as_ref(), first as u64 + 1).await.gql()?;
        let loaders = loaders(ctx);
        // Prime the cache so that `_entities`-style lookups of these ids cost nothing.
        loaders.feed_many(rows.iter().map(|r| (CustomerById(r.id.clone()), Some(r.clone())))).await;
        let ids: Vec<CustomerId> = rows.iter().take(first).map(|r| r.id.clone()).collect();
        super::prefetch::customers(ctx, &ctx.look_ahead().field("edges").field("node"), &ids).await?;
        Ok(CustomerConnection::new(rows, first, query))
    }

    /// Find customers as an agent types: a name (whole words and prefixes, in any order, case and accents
    /// ignored), a phone number in any format or its last 4+ digits, an e-mail address or its local part, a CRM
    /// record's id, or the value of an attribute defined `searchable`. Best matches first: an exact identifier, then
    /// the full name, then whole words and partial identifiers, then prefixes. Names and identifiers are matched
    /// through keyed blind-index tokens: the database holds none of them in clear. Every search is audited
    /// (`customer.search`, without its text) and counted by the anomaly detector.
    /// `text`: 1–200 characters with a letter or digit, at most 8 words. `filter`: as for `customers`.
    /// `first`: the page size, 0–100. `after`: the `endCursor` of the previous page of the same search.
    /// `totalCount` stops counting at 1000.
    #[graphql(
        guard = "Require(Some(Scope::CustomersRead))",
        requires_scopes = "customers:read",
        complexity = "super::pagination::list_complexity(first, child_complexity)"
    )]
    async fn search_customers(
        &self,
        ctx: &Context<'_>,
        text: String,
        filter: Option<CustomerFilter>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<CustomerConnection> {
        super::search::search_customers(ctx, &text, filter, first, after).await
    }

    /// Get Customer by Channel Identifier: the identification step of every interaction.
    /// The identifier is normalised first, so any common format finds the same profile.
    /// Creating the anonymous profile needs `customers:write` as well. `alsoKnownAs`: other
    /// identifiers known for this contact (an email given in a web chat), used to rank
    /// suggestions.
    /// `identity`: the identifier to look up. `createIfMissing`: create the anonymous profile to attach the
    /// interaction to when there is none; with `false`, an identifier nobody holds answers `status: NOT_FOUND`.
    /// Needs `customers:resolve`, which `customers:read` implies unless `CUSTOMERS_RESOLVE_REQUIRES_SCOPE` is set;
    /// reading the profiles found needs `customers:read`.
    #[graphql(
        guard = "Require(Some(Scope::CustomersResolve))",
        requires_scopes = "customers:resolve",
        requires_scopes = "customers:read"
    )]
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
        let opts = &services.normalize;
        let ident = identity.parse("identity", opts).gql()?;
        let also_known_as = also_known_as.unwrap_or_default();
        crate::domain::text::at_most("alsoKnownAs", &also_known_as, super::inputs::MAX_ALSO_KNOWN_AS).gql()?;
        let hints = also_known_as
            .iter()
            .enumerate()
            .map(|(i, h)| h.parse(&format!("alsoKnownAs.{i}"), opts))
            .collect::<crate::domain::Result<Vec<_>>>()
            .gql()?;
        let resolution =
            services.resolve_customer(&actor(ctx)?, &ident, create_if_missing && may_create, &hints).await.gql()?;
        let missed = resolution.status == crate::service::identification::ResolutionStatus::NotFound;
        super::anomaly::looked_up(ctx, services.identifier_digest(&ident), create_if_missing && may_create, missed);
        if create_if_missing && !may_create && resolution.customer.is_none() {
            return Err(Error::forbidden(Scope::CustomersWrite)).gql();
        }
        super::prefetch::resolution(ctx, &resolution).await?;
        Ok(CustomerResolution(resolution))
    }

    /// The audit log, newest first: every change, and every response that showed personal data
    /// unmasked. `customerId`, `principal` (a token's `sub`), `action` (`pii.read`,
    /// `customer.update`…): only entries with these. `since` (inclusive), `until` (exclusive): a time
    /// range. `first`: the page size, 0–100. `after`: the `endCursor` of the previous page.
    #[graphql(
        guard = "Require(Some(Scope::PrivacyAdmin))",
        requires_scopes = "privacy:admin",
        complexity = "super::pagination::list_complexity(first, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments, reason = "the contract's arguments")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        customer_id: Option<ID>,
        principal: Option<String>,
        action: Option<String>,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        #[graphql(default = 50)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditConnection> {
        let filter = AuditFilter {
            customer_id: customer_id.map(|id| CustomerId::parse("customerId", &id)).transpose().gql()?,
            principal,
            action,
            since,
            until,
        };
        let first = page_size(first).gql()?;
        let after = after.map(|c| decode_audit_cursor("after", &c)).transpose().gql()?;
        let rows = services(ctx).audit_log(&filter, after.as_ref(), first as u64 + 1).await.gql()?;
        Ok(AuditConnection::new(rows, first))
    }

    /// Access anomalies detected per principal, newest first (see the README, "Anomaly detection").
    /// `principal`: only this token subject's. `open`: only open (`true`) or cleared (`false`) ones.
    /// `first`: the page size, 0–100. `after`: the `endCursor` of the previous page.
    #[graphql(
        guard = "Require(Some(Scope::PrivacyAdmin))",
        requires_scopes = "privacy:admin",
        complexity = "super::pagination::list_complexity(first, child_complexity)"
    )]
    async fn access_anomalies(
        &self,
        ctx: &Context<'_>,
        principal: Option<String>,
        open: Option<bool>,
        #[graphql(default = 50)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<super::anomaly::types::AnomalyConnection> {
        let first = super::pagination::page_size(first.or(Some(50))).gql()?;
        let after = after.as_deref().map(|c| super::pagination::decode_anomaly_cursor("after", c)).transpose().gql()?;
        let filter = crate::domain::anomaly::DetectionFilter { principal, open, after, limit: first as u64 + 1 };
        let rows = services(ctx).anomaly.list(&filter).await.gql()?;
        Ok(super::anomaly::types::AnomalyConnection::new(rows, first))
    }

    /// The label catalogue, by name.
    #[graphql(guard = "Require(None)", directive = super::directives::authenticated::apply())]
    async fn labels(&self, ctx: &Context<'_>) -> Result<Vec<Label>> {
        let all = labels::all(&services(ctx).store.db).await.map_err(Error::from).gql()?;
        Ok(all.into_iter().map(Label).collect())
    }

    /// The attribute schema defined by administrators.
    #[graphql(guard = "Require(None)", directive = super::directives::authenticated::apply())]
    async fn attribute_definitions(&self, ctx: &Context<'_>) -> Result<Vec<AttributeDefinition>> {
        let defs = attributes::definitions(&services(ctx).store.db).await.map_err(Error::from).gql()?;
        Ok(defs.into_iter().map(Into::into).collect())
    }

    /// Subject-access export: every piece of data held about a person — the profile and
    /// every profile merged into it, identities, attributes, labels with their source,
    /// preferences and consents, the whole interaction history, CRM links, merge ledgers
    /// and the audit entries about them — decrypted, as one versioned JSON document
    /// (`format`, `version`). Audited (`customer.export`). Card numbers inside free text are
    /// redacted here too (PCI DSS). `id`: the profile (`NOT_FOUND`; `CONFLICT` when it was
    /// merged: export the one it was merged into). An erased profile exports as its tombstone.
    #[graphql(guard = "Require(Some(Scope::PrivacyAdmin))", requires_scopes = "privacy:admin")]
    async fn export_customer(&self, ctx: &Context<'_>, id: ID) -> Result<async_graphql::Json<serde_json::Value>> {
        let id = CustomerId::parse("id", &id).gql()?;
        Ok(async_graphql::Json(services(ctx).export_customer(&actor(ctx)?, &id).await.gql()?))
    }

    #[graphql(entity, guard = "Require(Some(Scope::CustomersRead))")]
    async fn find_customer_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Customer>> {
        let Some(id) = CustomerId::lookup(&id) else { return Ok(None) };
        let customer = loaders(ctx).load_one(CustomerById(id)).await.gql()?.flatten().map(Customer);
        super::prefetch::entities(ctx).await;
        Ok(customer)
    }

    #[graphql(entity, guard = "Require(Some(Scope::CustomersRead))")]
    async fn find_channel_identity_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ChannelIdentity>> {
        let Some(id) = IdentityId::lookup(&id) else { return Ok(None) };
        Ok(loaders(ctx).load_one(IdentityById(id)).await.gql()?.flatten().map(ChannelIdentity))
    }

    #[graphql(entity, guard = "Require(None)")]
    async fn find_label_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Label>> {
        let Some(id) = LabelId::lookup(&id) else { return Ok(None) };
        Ok(loaders(ctx).load_one(LabelById(id)).await.gql()?.flatten().map(Label))
    }

    #[graphql(entity, guard = "Require(Some(Scope::CustomersRead))")]
    async fn find_interaction_ref_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<InteractionRef>> {
        let Some(id) = InteractionId::lookup(&id) else { return Ok(None) };
        Ok(loaders(ctx).load_one(InteractionById(id)).await.gql()?.flatten().map(InteractionRef))
    }
}
