//! The mutation root. Each mutation needs its scope, parses its arguments into a domain
//! command (errors name the field), runs one service call (one transaction) and clears the
//! request's loader cache so that later reads see the write.

use super::access_log::actor;
use super::context::{Require, RequireAny, caller, loaders, services};
use super::error::IntoGql;
use super::inputs::*;
use super::loaders::clear;
use super::pagination::history_page;
use super::types::{AttributeDefinition, Customer, InteractionRef, Label};
use crate::domain::Scope;
use crate::domain::customer::Customer as CustomerRecord;
use crate::domain::id::{CustomerId, IdentityId, InteractionId, LabelId, MergeId};
use crate::domain::text::Located;
use crate::service::merge::MergeOutcome;
use async_graphql::{Context, ID, Object, Result};

pub struct Mutation;

fn written<T>(ctx: &Context<'_>, value: T) -> T {
    clear(loaders(ctx));
    value
}

/// A mutation's resulting profiles: the cache is cleared, then what the query selects under
/// them is loaded at once (decision 0016). The write is done: a failed read here is left for
/// the fields to report, it does not fail the mutation.
async fn written_customers(ctx: &Context<'_>, records: Vec<CustomerRecord>) -> Result<Vec<Customer>> {
    clear(loaders(ctx));
    let _ = super::prefetch::roots(ctx, &[(&ctx.look_ahead(), &records)]).await;
    Ok(records.into_iter().map(Customer).collect())
}

async fn written_customer(ctx: &Context<'_>, record: CustomerRecord) -> Result<Customer> {
    clear(loaders(ctx));
    let _ = super::prefetch::roots(ctx, &[(&ctx.look_ahead(), std::slice::from_ref(&record))]).await;
    Ok(Customer(record))
}

#[Object]
impl Mutation {
    /// Record a consent given or withdrawn, with its proof (append-only: earlier records stay; the consent in force
    /// is derived from all of them). Needs `consents:write` (or `customers:write`). `input.customerId`: the profile
    /// (`NOT_FOUND`, `CONFLICT` when merged); `input.identityId` must be one of its identities serving the channel.
    #[graphql(
        guard = "RequireAny(&[Scope::ConsentsWrite, Scope::CustomersWrite])",
        requires_scopes = "consents:write",
        requires_scopes = "customers:write"
    )]
    async fn record_consent(&self, ctx: &Context<'_>, input: ConsentInput) -> Result<super::types::ConsentRecord> {
        super::outbound::record_consent(ctx, input).await
    }

    /// Do not contact a customer on a channel (or all) for a purpose (or all), with a reason and an optional expiry.
    /// Needs `consents:write` (or `customers:write`).
    #[graphql(
        guard = "RequireAny(&[Scope::ConsentsWrite, Scope::CustomersWrite])",
        requires_scopes = "consents:write",
        requires_scopes = "customers:write"
    )]
    async fn suppress_contact(&self, ctx: &Context<'_>, input: SuppressionInput) -> Result<super::types::Suppression> {
        super::outbound::suppress_contact(ctx, input).await
    }

    /// Lift a suppression early (it is kept, with `liftedAt`). `id`: the suppression (`NOT_FOUND`, also when lifted
    /// already). Needs `consents:write` (or `customers:write`).
    #[graphql(
        guard = "RequireAny(&[Scope::ConsentsWrite, Scope::CustomersWrite])",
        requires_scopes = "consents:write",
        requires_scopes = "customers:write"
    )]
    async fn lift_suppression(&self, ctx: &Context<'_>, id: ID) -> Result<super::types::Suppression> {
        super::outbound::lift_suppression(ctx, id).await
    }

    /// Create a suppression list (`CONFLICT` on `input.name` when the name is taken). Needs `consents:write` (or
    /// `customers:write`).
    #[graphql(
        guard = "RequireAny(&[Scope::ConsentsWrite, Scope::CustomersWrite])",
        requires_scopes = "consents:write",
        requires_scopes = "customers:write"
    )]
    async fn create_suppression_list(
        &self,
        ctx: &Context<'_>,
        input: SuppressionListInput,
    ) -> Result<super::types::SuppressionList> {
        super::outbound::create_suppression_list(ctx, input).await
    }

    /// Add numbers or addresses to a suppression list (bulk load: up to 10,000 a call); only their blind indexes are
    /// stored. An entry already on the list takes the new expiry. Returns the number given. `listId`: the list
    /// (`NOT_FOUND`). Needs `consents:write` (or `customers:write`).
    #[graphql(
        guard = "RequireAny(&[Scope::ConsentsWrite, Scope::CustomersWrite])",
        requires_scopes = "consents:write",
        requires_scopes = "customers:write"
    )]
    async fn add_suppression_entries(
        &self,
        ctx: &Context<'_>,
        list_id: ID,
        entries: Vec<SuppressionEntryInput>,
    ) -> Result<i32> {
        super::outbound::add_suppression_entries(ctx, list_id, entries).await
    }

    /// Remove numbers or addresses from a suppression list; returns how many were on it. Needs `consents:write` (or
    /// `customers:write`).
    #[graphql(
        guard = "RequireAny(&[Scope::ConsentsWrite, Scope::CustomersWrite])",
        requires_scopes = "consents:write",
        requires_scopes = "customers:write"
    )]
    async fn remove_suppression_entries(
        &self,
        ctx: &Context<'_>,
        list_id: ID,
        entries: Vec<SuppressionEntryInput>,
    ) -> Result<i32> {
        super::outbound::remove_suppression_entries(ctx, list_id, entries).await
    }

    /// Create a profile with its identities, attributes, labels, preferences and CRM links.
    /// `input`: the new profile (`ACTIVE`). Errors name their input field (`input.identities.0.value`):
    /// `BAD_USER_INPUT` for an invalid value, `NOT_FOUND` for an unknown label, `CONFLICT` for an identifier given
    /// twice or a CRM record already linked to another profile. `labelIds` also needs `labels:assign`, and
    /// consent or do-not-contact in `preferences` `consents:write` (`FORBIDDEN` on the field otherwise).
    #[graphql(guard = "Require(Some(Scope::CustomersWrite))", requires_scopes = "customers:write")]
    async fn create_customer(&self, ctx: &Context<'_>, input: CreateCustomerInput) -> Result<Customer> {
        let services = services(ctx);
        let input = input.parse("input", &services.normalize).gql()?;
        caller(ctx)?.authorize(input.needs("input")).gql()?;
        let r = services.create_customer(&actor(ctx)?, input).await.gql()?;
        written_customer(ctx, r).await
    }

    /// Change the profile itself. With `expectedVersion`, a profile changed since is a `CONFLICT`.
    /// `id`: the profile (`NOT_FOUND`, or `CONFLICT` when it was merged). `input`: the changes; naming an
    /// `ANONYMOUS` profile makes it `ACTIVE`. `expectedVersion`: the `version` last read; omitted, no check.
    #[graphql(guard = "Require(Some(Scope::CustomersWrite))", requires_scopes = "customers:write")]
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateCustomerInput,
        expected_version: Option<i32>,
    ) -> Result<Customer> {
        let id = CustomerId::parse("id", &id).gql()?;
        let update = input.parse("input", expected_version).gql()?;
        let r = services(ctx).update_customer(&actor(ctx)?, &id, update).await.gql()?;
        written_customer(ctx, r).await
    }

    /// Add an identifier to a profile, normalised first. `customerId`: the profile (`NOT_FOUND`, or `CONFLICT` when
    /// it was merged). `identity`: the identifier; one this profile already holds is a `CONFLICT` on `identity.value`.
    /// Another profile may hold the same identifier too (a family phone).
    #[graphql(guard = "Require(Some(Scope::CustomersWrite))", requires_scopes = "customers:write")]
    async fn add_channel_identity(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        identity: ChannelIdentityInput,
    ) -> Result<Customer> {
        let services = services(ctx);
        let customer_id = CustomerId::parse("customerId", &customer_id).gql()?;
        let identity = Located::new("identity", identity.parse("identity", &services.normalize).gql()?);
        let r = services.add_identity(&actor(ctx)?, &customer_id, identity).await.gql()?;
        written_customer(ctx, r).await
    }

    /// Remove an identifier from its profile and return the profile.
    /// `identityId`: the identity to remove (`NOT_FOUND` when there is none).
    #[graphql(guard = "Require(Some(Scope::CustomersWrite))", requires_scopes = "customers:write")]
    async fn remove_channel_identity(&self, ctx: &Context<'_>, identity_id: ID) -> Result<Customer> {
        let identity_id = IdentityId::parse("identityId", &identity_id).gql()?;
        let r = services(ctx).remove_identity(&actor(ctx)?, &identity_id).await.gql()?;
        written_customer(ctx, r).await
    }

    /// Change preferences; omitted fields stay as they are. Consent and do-not-contact need
    /// `consents:write`, the other fields `customers:write` (`FORBIDDEN` on the first field given without it).
    /// `customerId`: the profile (`NOT_FOUND`, or `CONFLICT` when it was merged). `input`: the changes;
    /// `preferredIdentityId` must be one of this customer's identities (`BAD_USER_INPUT` otherwise).
    #[graphql(
        guard = "RequireAny(&[Scope::ConsentsWrite, Scope::CustomersWrite])",
        requires_scopes = "consents:write",
        requires_scopes = "customers:write"
    )]
    async fn set_preferences(&self, ctx: &Context<'_>, customer_id: ID, input: PreferenceInput) -> Result<Customer> {
        let customer_id = CustomerId::parse("customerId", &customer_id).gql()?;
        let patch = Located::new("input", input.parse("input").gql()?);
        caller(ctx)?.authorize(patch.value.needs("input")).gql()?;
        let r = services(ctx).set_preferences(&actor(ctx)?, &customer_id, patch).await.gql()?;
        written_customer(ctx, r).await
    }

    /// Set attribute values, validated against their definitions; `value: null` removes one.
    /// `customerId`: the profile (`NOT_FOUND`, or `CONFLICT` when it was merged). `attributes`: the values; an unknown
    /// key, a key given twice, a value of the wrong type or a required one removed is a `BAD_USER_INPUT` on its field.
    #[graphql(guard = "Require(Some(Scope::CustomersWrite))", requires_scopes = "customers:write")]
    async fn set_attributes(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        attributes: Vec<AttributeInput>,
    ) -> Result<Customer> {
        let customer_id = CustomerId::parse("customerId", &customer_id).gql()?;
        let changes = attribute_changes("attributes", attributes).gql()?;
        let r = services(ctx).set_attributes(&actor(ctx)?, &customer_id, changes).await.gql()?;
        written_customer(ctx, r).await
    }

    /// Add a label to the catalogue. `input`: its name (one already taken, regardless of case and spacing, is a
    /// `CONFLICT` on `input.name`), colour and description.
    #[graphql(guard = "Require(Some(Scope::LabelsManage))", requires_scopes = "labels:manage")]
    async fn create_label(&self, ctx: &Context<'_>, input: LabelInput) -> Result<Label> {
        let spec = input.spec().gql()?;
        let r = services(ctx).create_label(&actor(ctx)?, spec).await.gql()?;
        Ok(written(ctx, Label(r)))
    }

    /// Rename, recolour or re-describe a label. `id`: the label (`NOT_FOUND`). `input`: the new name (`CONFLICT` when
    /// another label has it); the colour and description are kept when omitted and cleared by `null`.
    #[graphql(guard = "Require(Some(Scope::LabelsManage))", requires_scopes = "labels:manage")]
    async fn update_label(&self, ctx: &Context<'_>, id: ID, input: LabelInput) -> Result<Label> {
        let id = LabelId::parse("id", &id).gql()?;
        let r = services(ctx).update_label(&actor(ctx)?, &id, input.update()).await.gql()?;
        Ok(written(ctx, Label(r)))
    }

    /// Delete a label and all its assignments. `false` when there was no such label.
    /// `id`: the label. Each profile that carried it counts as changed (its `version` and `updatedAt` move).
    #[graphql(guard = "Require(Some(Scope::LabelsManage))", requires_scopes = "labels:manage")]
    async fn delete_label(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = LabelId::parse("id", &id).gql()?;
        let r = services(ctx).delete_label(&actor(ctx)?, &id).await.gql()?;
        Ok(written(ctx, r))
    }

    /// Assign labels (already assigned ones are kept as they were).
    /// `customerId`: the profile (`NOT_FOUND`, or `CONFLICT` when it was merged). `labelIds`: labels from the
    /// catalogue; an unknown one is a `NOT_FOUND` on its field (`labelIds.1`).
    #[graphql(guard = "Require(Some(Scope::LabelsAssign))", requires_scopes = "labels:assign")]
    async fn assign_labels(&self, ctx: &Context<'_>, customer_id: ID, label_ids: Vec<ID>) -> Result<Customer> {
        let customer_id = CustomerId::parse("customerId", &customer_id).gql()?;
        let label_ids = super::inputs::label_ids("labelIds", &label_ids).gql()?;
        let r = services(ctx).assign_labels(&actor(ctx)?, &customer_id, &label_ids).await.gql()?;
        written_customer(ctx, r).await
    }

    /// Remove labels from a profile; labels it does not carry are ignored. `customerId`: the profile (`NOT_FOUND`,
    /// or `CONFLICT` when it was merged). `labelIds`: the labels to remove. An assignment the CRM sync made
    /// (`labelAssignments.source: CRM`) also needs `labels:manage`: otherwise `FORBIDDEN` on its field
    /// (`labelIds.1`, `extensions.requiredScope`) and nothing is removed.
    #[graphql(guard = "Require(Some(Scope::LabelsAssign))", requires_scopes = "labels:assign")]
    async fn unassign_labels(&self, ctx: &Context<'_>, customer_id: ID, label_ids: Vec<ID>) -> Result<Customer> {
        let customer_id = CustomerId::parse("customerId", &customer_id).gql()?;
        let label_ids = super::inputs::label_ids("labelIds", &label_ids).gql()?;
        let may_remove_crm = caller(ctx)?.has(Scope::LabelsManage);
        let r = services(ctx).unassign_labels(&actor(ctx)?, &customer_id, &label_ids, may_remove_crm).await.gql()?;
        written_customer(ctx, r).await
    }

    /// Link a conversation or activity to a profile. Linking the same conversation to the
    /// same customer again returns the existing link.
    /// `customerId`: the profile (`NOT_FOUND`, or `CONFLICT` when it was merged). `interaction`: what happened;
    /// a conversation linked to another customer is a `CONFLICT` on `interaction.conversationId` (use
    /// `relinkInteraction`).
    #[graphql(
        guard = "Require(Some(Scope::InteractionsWrite))",
        requires_scopes = "interactions:write",
        requires_scopes = "customers:write"
    )]
    async fn link_interaction(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        interaction: InteractionInput,
    ) -> Result<InteractionRef> {
        let customer_id = CustomerId::parse("customerId", &customer_id).gql()?;
        let new = interaction.parse("interaction").gql()?;
        let options = interaction.options("interaction", &customer_id, &new).gql()?;
        let r = services(ctx).link_interaction_with(&actor(ctx)?, &customer_id, new, options).await.gql()?;
        Ok(written(ctx, InteractionRef(r)))
    }

    /// Complete or correct an interaction already linked: `endedAt`, `summary`, `outcome`, `topic`, `sentiment`,
    /// `agentId`, `metadata` (omitted fields stay, `null` clears). The customer's `activity` follows in the same
    /// transaction. `id`: the interaction (`NOT_FOUND`). `input`: the changes; errors name their field
    /// (`input.endedAt` before `startedAt`, `input.metadata` too large or deep); an empty input is a
    /// `BAD_USER_INPUT` on `input`.
    #[graphql(
        guard = "Require(Some(Scope::InteractionsWrite))",
        requires_scopes = "interactions:write",
        requires_scopes = "customers:write"
    )]
    async fn update_interaction(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: InteractionUpdateInput,
    ) -> Result<InteractionRef> {
        let id = InteractionId::parse("id", &id).gql()?;
        let update = input.parse("input").gql()?;
        let r = services(ctx).update_interaction(&actor(ctx)?, &id, update).await.gql()?;
        Ok(written(ctx, InteractionRef(r)))
    }

    /// Mark an identifier shared (household phone, switchboard): it then never resolves to
    /// one owner on its own.
    /// `identityId`: the identity (`NOT_FOUND`). `shared`: `false` makes it an ordinary identifier again.
    /// Returns the profile that holds it.
    #[graphql(guard = "Require(Some(Scope::CustomersWrite))", requires_scopes = "customers:write")]
    async fn set_identity_shared(&self, ctx: &Context<'_>, identity_id: ID, shared: bool) -> Result<Customer> {
        let identity_id = IdentityId::parse("identityId", &identity_id).gql()?;
        let r = services(ctx).set_identity_shared(&actor(ctx)?, &identity_id, shared).await.gql()?;
        written_customer(ctx, r).await
    }

    /// Move an interaction to another profile. Audited.
    /// `interactionId`: the interaction (`NOT_FOUND`). `toCustomerId`: the profile to move it to (`NOT_FOUND`, or
    /// `CONFLICT` when it was merged); naming its current profile changes nothing.
    #[graphql(
        guard = "Require(Some(Scope::InteractionsRelink))",
        requires_scopes = "interactions:relink",
        requires_scopes = "customers:merge"
    )]
    async fn relink_interaction(
        &self,
        ctx: &Context<'_>,
        interaction_id: ID,
        to_customer_id: ID,
    ) -> Result<InteractionRef> {
        let interaction_id = InteractionId::parse("interactionId", &interaction_id).gql()?;
        let to = CustomerId::parse("toCustomerId", &to_customer_id).gql()?;
        let r = services(ctx).relink_interaction(&actor(ctx)?, &interaction_id, &to).await.gql()?;
        Ok(written(ctx, InteractionRef(r)))
    }

    /// Merge profiles into the survivor, in one transaction: identities, labels, attributes
    /// (the survivor's value wins; the losing ones are kept in the merge record),
    /// preferences (the strictest consent wins; do-not-contact wins), external refs and
    /// every interaction move to it. The merged profiles stay as `MERGED` with `mergedInto`.
    /// With `dryRun: true` nothing is written: the survivor comes back as it would be.
    /// `survivorId`: the profile that stays. `mergedIds`: the profiles merged into it (at least one; not the survivor,
    /// no repeats). Any unknown id is a `NOT_FOUND`, any already merged one a `CONFLICT`, on its field.
    #[graphql(guard = "Require(Some(Scope::CustomersMerge))", requires_scopes = "customers:merge")]
    async fn merge_customers(
        &self,
        ctx: &Context<'_>,
        survivor_id: ID,
        merged_ids: Vec<ID>,
        #[graphql(default = false)] dry_run: bool,
    ) -> Result<Customer> {
        let survivor = CustomerId::parse("survivorId", &survivor_id).gql()?;
        let merged = super::inputs::merged_ids(&merged_ids).gql()?;
        // A preview shows the default first page of history.
        let preview = if dry_run { Some(history_page(None, None, None).gql()?) } else { None };
        let outcome = services(ctx).merge_customers(&actor(ctx)?, &survivor, &merged, preview).await.gql()?;
        clear(loaders(ctx));
        Ok(match outcome {
            MergeOutcome::Merged { survivor, .. } => return written_customer(ctx, survivor).await,
            MergeOutcome::Preview(p) => {
                let survivor = p.survivor.clone();
                super::prefetch::preview(loaders(ctx), *p).await;
                Customer(survivor)
            }
        })
    }

    /// Undo a merge: the merged profiles come back with exactly what they brought
    /// (interactions linked before the merge included); what was added to the survivor
    /// since stays with it. Returns the survivor, then the restored profiles.
    /// `mergeId`: the merge (`MergeRecord.id`; `NOT_FOUND`). A merge already undone, or whose survivor was merged
    /// since, is a `CONFLICT`.
    #[graphql(guard = "Require(Some(Scope::CustomersMerge))", requires_scopes = "customers:merge")]
    async fn unmerge_customer(&self, ctx: &Context<'_>, merge_id: ID) -> Result<Vec<Customer>> {
        let merge_id = MergeId::parse("mergeId", &merge_id).gql()?;
        let r = services(ctx).unmerge_customer(&actor(ctx)?, &merge_id).await.gql()?;
        written_customers(ctx, r).await
    }

    /// Create or update the profile linked to a CRM record (the system of record): a new
    /// record creates a linked profile; a known one gets what the input carries (a new
    /// name, identities and links it lacks, attributes, labels with source CRM,
    /// preferences). One transaction.
    /// `ref`: the CRM record (system names are case-insensitive). `input`: the profile's data; identities and
    /// links the profile already holds are kept, not conflicts. `labelIds` also needs `labels:assign`, and
    /// consent or do-not-contact in `preferences` `consents:write`. `syncLabels`: `input.labelIds` is the record's
    /// whole set of labels in the CRM, so assignments the CRM made earlier that it no longer names are removed
    /// (agents' and rules' assignments are kept); needs `labels:assign`.
    #[graphql(guard = "Require(Some(Scope::CustomersWrite))", requires_scopes = "customers:write")]
    async fn upsert_customer_by_external_ref(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "ref")] reference: ExternalRefInput,
        input: CreateCustomerInput,
        #[graphql(default = false)] sync_labels: bool,
    ) -> Result<Customer> {
        let services = services(ctx);
        let reference = reference.parse("ref").gql()?;
        let input = input.parse("input", &services.normalize).gql()?;
        caller(ctx)?.authorize(input.needs("input")).gql()?;
        if sync_labels {
            caller(ctx)?.authorize([(Scope::LabelsAssign, "syncLabels")]).gql()?;
        }
        let (r, _created) = services.sync_by_external_ref(&actor(ctx)?, &reference, input, sync_labels).await.gql()?;
        written_customer(ctx, r).await
    }

    /// Define an attribute, or change its definition (stored values must stay valid).
    /// `input`: the definition, by `key`. A change that stored values would not satisfy (another type, a removed
    /// enum value in use) is a `CONFLICT` on `input.type`; changing `pii` of an existing attribute needs
    /// `privacy:admin` too (`FORBIDDEN` on `input.pii`), re-stores the values (encrypted when PII) and is audited;
    /// turning it off needs `confirmPiiRemoval: true`.
    #[graphql(guard = "Require(Some(Scope::SchemaManage))", requires_scopes = "schema:manage")]
    async fn define_attribute(
        &self,
        ctx: &Context<'_>,
        input: AttributeDefinitionInput,
    ) -> Result<AttributeDefinition> {
        let reclassify = crate::service::attributes::Reclassify {
            allowed: caller(ctx)?.has(Scope::PrivacyAdmin),
            confirm_pii_removal: input.confirm_pii_removal,
        };
        let def = input.parse().gql()?;
        let r = services(ctx).define_attribute_with(&actor(ctx)?, def, reclassify).await.gql()?;
        Ok(written(ctx, r.into()))
    }

    /// Close an access anomaly, recording who cleared it; the principal's count for that rule
    /// starts afresh and, with blocking on, its PII shows again (on other replicas within
    /// seconds). `id`: the detection (`NOT_FOUND` when unknown). Answers `false` when it was
    /// already cleared.
    #[graphql(guard = "Require(Some(Scope::PrivacyAdmin))", requires_scopes = "privacy:admin")]
    async fn clear_access_anomaly(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let Some(id) = crate::domain::id::canonical(&id) else {
            return Err(crate::domain::Error::not_found("access anomaly", "id")).gql();
        };
        let by = &super::context::caller(ctx)?.subject;
        services(ctx).anomaly.clear(&id, by).await.gql()
    }

    /// Erase a customer (right to erasure): the profile and every profile merged into it lose
    /// their identities, attributes, labels, preferences and consents, CRM links and the merge
    /// ledgers that mention them; their interactions stay, linked to the tombstone, without
    /// free text; `customer(id)` and `_entities` answer `status: ERASED`. Idempotent: erasing
    /// again answers the first receipt (`alreadyErased: true`). `id`: the profile (`NOT_FOUND`;
    /// `CONFLICT` when it was merged into another: erase that one, or while a legal hold is
    /// on). `reason`: why (a case or ticket reference), 1–500 characters, kept in the audit log.
    #[graphql(guard = "Require(Some(Scope::PrivacyAdmin))", requires_scopes = "privacy:admin")]
    async fn erase_customer(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<super::types::ErasureReceipt> {
        let id = CustomerId::parse("id", &id).gql()?;
        let r = services(ctx).erase_customer(&actor(ctx)?, &id, &reason).await.gql()?;
        Ok(written(ctx, super::types::ErasureReceipt(r)))
    }

    /// Put a legal hold on a profile (`on: true`) or release it: while on, the profile can be
    /// neither erased nor purged by retention (nor can its audit trail). Audited with its
    /// reason. `customerId`: the profile (`NOT_FOUND`, or `CONFLICT` when it was merged).
    /// `reason`: a case reference, 1–500 characters.
    #[graphql(guard = "Require(Some(Scope::PrivacyAdmin))", requires_scopes = "privacy:admin")]
    async fn set_legal_hold(
        &self,
        ctx: &Context<'_>,
        customer_id: ID,
        on: bool,
        reason: Option<String>,
    ) -> Result<Customer> {
        let customer_id = CustomerId::parse("customerId", &customer_id).gql()?;
        let r = services(ctx).set_legal_hold(&actor(ctx)?, &customer_id, on, reason.as_deref()).await.gql()?;
        written_customer(ctx, r).await
    }
}
