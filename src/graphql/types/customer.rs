use super::{Attribute, ChannelIdentity, ExternalRef, InteractionConnection, Label, Preference};
use crate::domain::customer::Customer as CustomerRecord;
use crate::domain::enums::CustomerStatus;
use crate::domain::{Channel, Scope};
use crate::graphql::access_log::reveal;
use crate::graphql::context::{Require, loaders};
use crate::graphql::error::IntoGql;
use crate::graphql::loaders::{
    ActivityOf, AssignmentsOf, AttributesOf, CustomerById, ExternalRefsOf, IdentitiesOf, InteractionsOf, LabelsOf,
    LegalHoldOf, MergesOf, PreferencesOf,
};
use crate::security::mask::mask_name;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

pub struct Customer(pub CustomerRecord);

/// A Customer Interaction Profile: one person, recognised across every channel.
#[Object(guard = "Require(Some(Scope::CustomersRead))", requires_scopes = "customers:read")]
impl Customer {
    /// The profile's id (a UUID), stable for its life; the federation key.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// PII: masked to the first letter of the first word (`J***`) without the `pii:read` scope.
    #[graphql(tag = "pii")]
    async fn display_name(&self, ctx: &Context<'_>) -> Option<String> {
        let name = self.0.display_name.as_ref()?;
        Some(if reveal(ctx, &self.0.id, "displayName") { name.expose().to_owned() } else { mask_name(name.expose()) })
    }

    /// Where the profile is in its lifecycle: `ACTIVE`, `ANONYMOUS`, `MERGED` or `ERASED` (a
    /// tombstone: no personal data, no children; ids other systems hold still resolve).
    async fn status(&self) -> CustomerStatus {
        self.0.status
    }

    /// The profile this one was merged into (`status: MERGED`).
    async fn merged_into(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        let Some(id) = &self.0.merged_into else { return Ok(None) };
        Ok(loaders(ctx).load_one(CustomerById(id.clone())).await.gql()?.flatten().map(Customer))
    }

    /// Identities on every channel: primary first.
    async fn identities(&self, ctx: &Context<'_>) -> Result<Vec<ChannelIdentity>> {
        let list = loaders(ctx).load_one(IdentitiesOf(self.0.id.clone())).await.gql()?;
        Ok(list.unwrap_or_default().into_iter().map(ChannelIdentity).collect())
    }

    /// Labels assigned to the profile, by name.
    async fn labels(&self, ctx: &Context<'_>) -> Result<Vec<Label>> {
        let list = loaders(ctx).load_one(LabelsOf(self.0.id.clone())).await.gql()?;
        Ok(list.unwrap_or_default().into_iter().map(Label).collect())
    }

    /// Language, timezone, preferred channel, contact windows and per-channel consent (defaults when none
    /// were set).
    async fn preferences(&self, ctx: &Context<'_>) -> Result<Preference> {
        let prefs = loaders(ctx).load_one(PreferencesOf(self.0.id.clone())).await.gql()?;
        Ok(Preference { customer_id: self.0.id.clone(), record: prefs.unwrap_or_default() })
    }

    /// Attribute values; PII-marked ones come back `value: null, redacted: true` without `pii:read`.
    /// `keys`: only these attributes (matched regardless of case, as keys are unique; keys the profile has no value for are left out); omitted, all of them.
    async fn attributes(&self, ctx: &Context<'_>, keys: Option<Vec<String>>) -> Result<Vec<Attribute>> {
        if let Some(keys) = &keys {
            crate::domain::text::at_most("keys", keys, crate::graphql::inputs::MAX_ITEMS).gql()?;
        }
        let list = loaders(ctx).load_one(AttributesOf(self.0.id.clone())).await.gql()?.unwrap_or_default();
        Ok(list
            .into_iter()
            .filter(|a| keys.as_ref().is_none_or(|keys| keys.iter().any(|k| k.eq_ignore_ascii_case(&a.key))))
            .map(|record| Attribute { customer_id: self.0.id.clone(), record })
            .collect())
    }

    /// The interaction history, newest first.
    /// `first`: the page size, 0–100. `after`: the `endCursor` of the previous page. `channel`: only
    /// interactions on this channel. `kind`: only conversations or only activities. `since`: only those started
    /// at or after. `until`: only those started before. `outcome`, `topic`: only those with this code.
    #[graphql(complexity = "crate::graphql::pagination::list_complexity(first, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn interactions(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
        channel: Option<Channel>,
        kind: Option<crate::domain::enums::InteractionKind>,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        outcome: Option<String>,
        topic: Option<String>,
    ) -> Result<InteractionConnection> {
        let mut page = crate::graphql::pagination::history_page(first, after.as_deref(), channel).gql()?;
        page.filter =
            crate::graphql::inputs::history_filter(kind, since, until, outcome.as_deref(), topic.as_deref()).gql()?;
        let limit = page.limit as usize - 1;
        if self.0.status == CustomerStatus::Erased {
            // A tombstone has no children; its interactions resolve only by their own id.
            return Ok(InteractionConnection::new(Vec::new(), limit));
        }
        let rows = loaders(ctx)
            .load_one(InteractionsOf { customer_id: self.0.id.clone(), page })
            .await
            .gql()?
            .unwrap_or_default();
        Ok(InteractionConnection::new(rows, limit))
    }

    /// The labels with where each assignment came from (`source`), when and by whom, by label name.
    async fn label_assignments(&self, ctx: &Context<'_>) -> Result<Vec<super::LabelAssignment>> {
        let list = loaders(ctx).load_one(AssignmentsOf(self.0.id.clone())).await.gql()?;
        Ok(list.unwrap_or_default().into_iter().map(|(a, l)| super::LabelAssignment(a, l)).collect())
    }

    /// Routing signals: last contact, interactions per channel over 7/30/90 days, open conversations, last outcome
    /// and sentiment. Maintained by every write to the history; one statement for a whole page of customers, and
    /// available through `_entities` (fields of the routing subgraph can require it).
    async fn activity(&self, ctx: &Context<'_>) -> Result<super::CustomerActivity> {
        let activity = loaders(ctx).load_one(ActivityOf(self.0.id.clone())).await.gql()?;
        Ok(super::CustomerActivity(activity.unwrap_or_default()))
    }

    /// Links to CRM and ticketing records.
    async fn external_refs(&self, ctx: &Context<'_>) -> Result<Vec<ExternalRef>> {
        let list = loaders(ctx).load_one(ExternalRefsOf(self.0.id.clone())).await.gql()?;
        Ok(list
            .unwrap_or_default()
            .into_iter()
            .map(|r| ExternalRef { system: r.system, external_id: r.external_id })
            .collect())
    }

    /// Whether the customer may be contacted now (or at `at`) for `purpose`, on which channel and identity, and if
    /// not, why (`reasons`, and machine-readable `codes`) and when contact is next allowed: do-not-contact,
    /// suppressions and suppression lists, consent records and per-channel consent, shared and unverified
    /// identities, the contact windows in the customer's timezone (DST-correct; derived from the phone number's
    /// country when the profile has none), statutory calling hours and holidays, and attempt caps — the same decision
    /// as `contactabilityOf` (see docs/contactability.md). Purposes: `service` (default; anything but an opt-out),
    /// `collections`, `marketing` (explicit opt-in only), or one of the configured policy.
    async fn contactability(
        &self,
        ctx: &Context<'_>,
        purpose: Option<String>,
        at: Option<DateTime<Utc>>,
    ) -> Result<super::Contactability> {
        use crate::domain::contactability::decide_for;
        use crate::graphql::loaders::OutboundProfileOf;
        let services = crate::graphql::context::services(ctx);
        let purpose = services.outbound_policy().purpose("purpose", purpose.as_deref().unwrap_or("service")).gql()?;
        let at = at.unwrap_or_else(Utc::now);
        let key = OutboundProfileOf { customer_id: self.0.id.clone(), at };
        let profile = loaders(ctx).load_one(key).await.gql()?.flatten().unwrap_or_default();
        let decision = decide_for(&profile, purpose, &services.outbound_policy().calling, at);
        let identity =
            decision.identity_id.as_ref().and_then(|id| profile.identities.iter().find(|i| &i.id == id)).cloned();
        Ok(super::Contactability {
            allowed: decision.allowed,
            reasons: decision.reasons,
            codes: decision.codes,
            channel: decision.channel,
            identity: identity.map(ChannelIdentity),
            next_window_start: decision.next_window_start,
            customer_id: ID(self.0.id.to_string()),
            evidence_id: None,
        })
    }

    /// Merges into this profile, newest first (each can be undone with `unmergeCustomer`).
    async fn merges(&self, ctx: &Context<'_>) -> Result<Vec<super::MergeRecord>> {
        let records = loaders(ctx).load_one(MergesOf(self.0.id.clone())).await.gql()?;
        Ok(records.unwrap_or_default().into_iter().map(super::MergeRecord).collect())
    }

    /// The legal hold on the profile (`null` when none): no erasure, no retention purge while
    /// it is on. Needs `privacy:admin`.
    #[graphql(guard = "Require(Some(Scope::PrivacyAdmin))", requires_scopes = "privacy:admin")]
    async fn legal_hold(&self, ctx: &Context<'_>) -> Result<Option<super::LegalHold>> {
        let hold = loaders(ctx).load_one(LegalHoldOf(self.0.id.clone())).await.gql()?.flatten();
        Ok(hold.map(super::LegalHold))
    }

    /// Incremented by every change to the profile; pass it as `expectedVersion` to update safely.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When the profile was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the profile last changed (also through a merge or a label deleted from the catalogue); see
    /// `CustomerFilter.updatedSince`.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
