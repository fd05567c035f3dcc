//! Writes to customer profiles. Every operation is one transaction that first `touch`es
//! the profile (version check, row lock), then applies validated changes.

use super::Services;
use super::inputs::*;
use crate::domain::enums::{CustomerStatus, LabelSource};
use crate::domain::id::{new_id, parse_id};
use crate::domain::preference::{ChannelConsent, TimeWindow, parse_language, parse_timezone};
use crate::domain::{Error, Principal, Result, identity};
use crate::store::identities::NewIdentity;
use crate::store::interactions::NewInteraction;
use crate::store::{
    AttributeDefinitionRecord, CustomerRecord, InteractionRecord, Pii, PreferenceRecord, attributes, customers,
    external_refs, identities, interactions, labels, now, preferences, truncate_micros,
};
use async_graphql::MaybeUndefined;
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use std::collections::HashSet;

const MAX_NAME_CHARS: usize = 200;

fn parse_display_name(field: &str, raw: &str) -> Result<Option<Pii>> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::bad_input(field, "a display name is at most 200 characters"));
    }
    Ok((!name.is_empty()).then(|| Pii::new(name)))
}

fn short_text(field: &str, raw: &str, max: usize) -> Result<String> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(Error::bad_input(field, format!("expected 1–{max} printable characters")));
    }
    Ok(text.to_owned())
}

impl Services {
    pub(crate) fn parse_identity(&self, field: &str, input: &ChannelIdentityInput) -> Result<NewIdentity> {
        let value = identity::normalize(input.channel, &input.value, &self.normalize)
            .map_err(|e| Error::bad_input(format!("{field}.value"), e.to_string()))?;
        let provider =
            input.provider.as_deref().map(|p| short_text(&format!("{field}.provider"), p, 64)).transpose()?;
        Ok(NewIdentity {
            channel: input.channel,
            provider,
            value: Pii::new(value),
            verified: input.verified,
            primary: input.primary,
            shared: input.shared,
        })
    }

    /// Validate attribute inputs against their definitions: unknown keys, wrong types and
    /// duplicate keys are `BAD_USER_INPUT` on `field.i.key` / `field.i.value`.
    async fn parse_attributes(
        &self,
        db: &impl ConnectionTrait,
        field: &str,
        inputs: &[AttributeInput],
    ) -> Result<Vec<(AttributeDefinitionRecord, Option<serde_json::Value>)>> {
        let defs = attributes::definitions(db).await?;
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let key_field = format!("{field}.{i}.key");
            let Some(def) = defs.iter().find(|d| d.key == input.key) else {
                return Err(Error::bad_input(key_field, "unknown attribute key; define it first"));
            };
            if !seen.insert(def.key.clone()) {
                return Err(Error::bad_input(key_field, "the same attribute is set twice"));
            }
            let value = input.value.as_ref().map(|v| v.0.clone()).filter(|v| !v.is_null());
            let value = match value {
                Some(v) => {
                    def.validate(&format!("{field}.{i}.value"), &v)?;
                    Some(def.canonical(&v))
                }
                None => None,
            };
            if value.is_none() && def.required {
                return Err(Error::bad_input(format!("{field}.{i}.value"), "this attribute is required"));
            }
            out.push((def.clone(), value));
        }
        Ok(out)
    }

    async fn check_required(&self, db: &impl ConnectionTrait, customer_id: &str, field: &str) -> Result<()> {
        let present: HashSet<String> = attributes::keys_of(db, customer_id).await?.into_iter().collect();
        let missing: Vec<String> = attributes::definitions(db)
            .await?
            .into_iter()
            .filter(|d| d.required && !present.contains(&d.key))
            .map(|d| d.key)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::bad_input(field, format!("required attributes missing: {}", missing.join(", "))))
        }
    }

    /// Apply a preference patch to the stored preferences of a customer.
    async fn apply_preferences(
        &self,
        db: &impl ConnectionTrait,
        customer_id: &str,
        field: &str,
        input: &PreferenceInput,
    ) -> Result<()> {
        let mut p: PreferenceRecord = preferences::get(db, customer_id).await?;
        let f = |name: &str| format!("{field}.{name}");
        apply(&mut p.language, &input.language, |v| parse_language(&f("language"), v))?;
        apply(&mut p.timezone, &input.timezone, |v| parse_timezone(&f("timezone"), v))?;
        apply(&mut p.preferred_channel, &input.preferred_channel, |c| Ok(*c))?;
        apply(&mut p.preferred_agent_id, &input.preferred_agent_id, |a| short_text(&f("preferredAgentId"), a, 255))?;
        match &input.preferred_identity_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => p.preferred_identity_id = None,
            MaybeUndefined::Value(id) => {
                let id = parse_id(&f("preferredIdentityId"), id)?;
                let owned = identities::by_ids(db, &self.store.pii, std::slice::from_ref(&id)).await?;
                if owned.get(&id).is_none_or(|i| i.customer_id != customer_id) {
                    return Err(Error::bad_input(f("preferredIdentityId"), "not one of this customer's identities"));
                }
                p.preferred_identity_id = Some(id);
            }
        }
        if let Some(windows) = &input.best_time_to_contact {
            p.best_time_to_contact = windows
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    TimeWindow::new(&format!("{}.{i}", f("bestTimeToContact")), w.days.clone(), &w.start, &w.end)
                })
                .collect::<Result<_>>()?;
        }
        if let Some(dnc) = input.do_not_contact {
            p.do_not_contact = dnc;
        }
        if let Some(consents) = &input.consents {
            let at = now();
            let mut seen = HashSet::new();
            for (i, c) in consents.iter().enumerate() {
                let cf = format!("{}.{i}", f("consents"));
                if !seen.insert(c.channel) {
                    return Err(Error::bad_input(format!("{cf}.channel"), "one consent per channel"));
                }
                let source = c.source.as_deref().map(|s| short_text(&format!("{cf}.source"), s, 255)).transpose()?;
                p.consents.retain(|existing| existing.channel != c.channel);
                p.consents.push(ChannelConsent { channel: c.channel, status: c.status, updated_at: at, source });
            }
            p.consents.sort_by_key(|c| c.channel.as_str());
        }
        preferences::save(db, customer_id, &p).await
    }

    pub async fn create_customer(&self, principal: &Principal, input: CreateCustomerInput) -> Result<CustomerRecord> {
        let tx = self.store.begin_write().await?;
        let id = new_id();
        customers::insert(&tx, &self.store.pii, &id, None, CustomerStatus::Active).await?;
        self.apply_input(&tx, principal, &id, &input, LabelSource::Manual, false).await?;
        tracing::info!(customer_id = %id, by = %principal.subject, "customer created");
        self.finish(tx, &id).await
    }

    /// Apply a `CreateCustomerInput` to a profile inside `tx`: name, identities,
    /// attributes, labels, preferences and CRM links. With `merge_existing` (a CRM sync of
    /// a known profile) identities and links it already has are kept, not conflicts, and
    /// an omitted name keeps the current one.
    async fn apply_input(
        &self,
        tx: &DatabaseTransaction,
        principal: &Principal,
        id: &str,
        input: &CreateCustomerInput,
        label_source: LabelSource,
        merge_existing: bool,
    ) -> Result<()> {
        let codec = &self.store.pii;
        let display_name =
            input.display_name.as_deref().map(|n| parse_display_name("input.displayName", n)).transpose()?.flatten();
        let new_identities = input
            .identities
            .iter()
            .enumerate()
            .map(|(i, ident)| self.parse_identity(&format!("input.identities.{i}"), ident))
            .collect::<Result<Vec<_>>>()?;
        let label_ids = parse_ids("input.labelIds", &input.label_ids)?;
        let refs = parse_refs("input.externalRefs", &input.external_refs)?;

        if display_name.is_some() || !merge_existing {
            customers::set_display_name(tx, codec, id, display_name.as_ref()).await?;
        }
        if display_name.is_some() {
            customers::promote_if_anonymous(tx, id).await?;
        }
        for (i, ident) in new_identities.iter().enumerate() {
            match identities::insert(tx, codec, id, &format!("input.identities.{i}.value"), ident).await {
                Err(Error::Conflict { .. }) if merge_existing => {} // already held: keep it
                other => {
                    other?;
                }
            }
        }
        let attrs = self.parse_attributes(tx, "input.attributes", &input.attributes).await?;
        attributes::save_values(tx, codec, id, &attrs).await?;
        self.check_required(tx, id, "input.attributes").await?;
        labels::ensure_exist(tx, "input.labelIds", &label_ids).await?;
        labels::assign(tx, id, &label_ids, &principal.subject, label_source).await?;
        if let Some(prefs) = &input.preferences {
            self.apply_preferences(tx, id, "input.preferences", prefs).await?;
        }
        for (i, (system, external_id)) in refs.iter().enumerate() {
            external_refs::insert(tx, id, &format!("input.externalRefs.{i}"), system, external_id).await?;
        }
        Ok(())
    }

    /// Create or update the profile linked to a CRM record (the CRM is the system of
    /// record): a new record creates a profile linked to it; a known one is updated with
    /// what the input carries (labels assigned with source CRM). One transaction; two
    /// concurrent upserts of the same new record create one profile.
    pub async fn upsert_by_external_ref(
        &self,
        principal: &Principal,
        reference: &ExternalRefInput,
        input: CreateCustomerInput,
    ) -> Result<(CustomerRecord, bool)> {
        let (system, external_id) = parse_ref("ref", reference)?;
        let system = system.as_str();
        let external_id = external_id.as_str();
        for _ in 0..3 {
            let tx = self.store.begin_write().await?;
            if let Some(id) = external_refs::owner(&tx, system, external_id).await? {
                customers::touch(&tx, &self.store.pii, &id, None)
                    .await
                    .map_err(|e| rename_field(e, "customerId", "ref"))?;
                self.apply_input(&tx, principal, &id, &input, LabelSource::Crm, true).await?;
                return Ok((self.finish(tx, &id).await?, false));
            }
            let id = new_id();
            customers::insert(&tx, &self.store.pii, &id, None, CustomerStatus::Active).await?;
            self.apply_input(&tx, principal, &id, &input, LabelSource::Crm, false).await?;
            match external_refs::insert(&tx, &id, "ref", system, external_id).await {
                Ok(()) => return Ok((self.finish(tx, &id).await?, true)),
                // Created concurrently by another sync: roll back and update that one.
                Err(Error::Internal(e)) if is_unique_violation(&e) => continue,
                Err(Error::Conflict { .. }) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(Error::Internal(anyhow::anyhow!("the CRM upsert kept racing with concurrent writers")))
    }

    pub async fn update_customer(
        &self,
        id: &str,
        input: UpdateCustomerInput,
        expected_version: Option<i32>,
    ) -> Result<CustomerRecord> {
        let id = parse_id("id", id)?;
        let tx = self.store.begin_write().await?;
        let codec = &self.store.pii;
        customers::touch(&tx, codec, &id, expected_version).await.map_err(|e| rename_field(e, "customerId", "id"))?;
        match &input.display_name {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => customers::set_display_name(&tx, codec, &id, None).await?,
            MaybeUndefined::Value(name) => {
                let name = parse_display_name("input.displayName", name)?;
                customers::set_display_name(&tx, codec, &id, name.as_ref()).await?;
                if name.is_some() {
                    customers::promote_if_anonymous(&tx, &id).await?;
                }
            }
        }
        self.finish(tx, &id).await
    }

    /// Re-read the profile inside the transaction and commit.
    pub(super) async fn finish(&self, tx: sea_orm::DatabaseTransaction, id: &str) -> Result<CustomerRecord> {
        let record = customers::get(&tx, &self.store.pii, id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("customer vanished in its own transaction"))?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn set_preferences(&self, customer_id: &str, input: PreferenceInput) -> Result<CustomerRecord> {
        let customer_id = parse_id("customerId", customer_id)?;
        let tx = self.store.begin_write().await?;
        customers::touch(&tx, &self.store.pii, &customer_id, None).await?;
        self.apply_preferences(&tx, &customer_id, "input", &input).await?;
        self.finish(tx, &customer_id).await
    }

    pub async fn set_attributes(&self, customer_id: &str, input: Vec<AttributeInput>) -> Result<CustomerRecord> {
        let customer_id = parse_id("customerId", customer_id)?;
        let tx = self.store.begin_write().await?;
        customers::touch(&tx, &self.store.pii, &customer_id, None).await?;
        let attrs = self.parse_attributes(&tx, "attributes", &input).await?;
        attributes::save_values(&tx, &self.store.pii, &customer_id, &attrs).await?;
        self.finish(tx, &customer_id).await
    }

    pub async fn assign_labels(
        &self,
        principal: &Principal,
        customer_id: &str,
        label_ids: &[async_graphql::ID],
    ) -> Result<CustomerRecord> {
        let customer_id = parse_id("customerId", customer_id)?;
        let label_ids = parse_ids("labelIds", label_ids)?;
        let tx = self.store.begin_write().await?;
        customers::touch(&tx, &self.store.pii, &customer_id, None).await?;
        labels::ensure_exist(&tx, "labelIds", &label_ids).await?;
        labels::assign(&tx, &customer_id, &label_ids, &principal.subject, LabelSource::Manual).await?;
        self.finish(tx, &customer_id).await
    }

    pub async fn unassign_labels(&self, customer_id: &str, label_ids: &[async_graphql::ID]) -> Result<CustomerRecord> {
        let customer_id = parse_id("customerId", customer_id)?;
        let label_ids = parse_ids("labelIds", label_ids)?;
        let tx = self.store.begin_write().await?;
        customers::touch(&tx, &self.store.pii, &customer_id, None).await?;
        labels::unassign(&tx, &customer_id, &label_ids).await?;
        self.finish(tx, &customer_id).await
    }

    pub async fn link_interaction(&self, customer_id: &str, input: InteractionInput) -> Result<InteractionRecord> {
        let customer_id = parse_id("customerId", customer_id)?;
        let f = |name: &str| format!("interaction.{name}");
        let started_at = truncate_micros(input.started_at);
        let ended_at = input.ended_at.map(truncate_micros);
        if ended_at.is_some_and(|e| e < started_at) {
            return Err(Error::bad_input(f("endedAt"), "an interaction cannot end before it starts"));
        }
        let new = NewInteraction {
            conversation_id: input
                .conversation_id
                .as_deref()
                .map(|c| short_text(&f("conversationId"), c, 255))
                .transpose()?,
            kind: input.kind,
            channel: input.channel,
            direction: input.direction,
            started_at,
            ended_at,
            summary: input.summary.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
            agent_id: input.agent_id.as_deref().map(|a| short_text(&f("agentId"), a, 255)).transpose()?,
        };
        if new.summary.as_ref().is_some_and(|s| s.chars().count() > 2000) {
            return Err(Error::bad_input(f("summary"), "a summary is at most 2000 characters"));
        }
        if let Some(conversation_id) = &new.conversation_id {
            // A retried link changes nothing: return it without touching the profile.
            if let Some(existing) = interactions::by_conversation(&self.store.db, conversation_id).await?
                && existing.customer_id == customer_id
            {
                return Ok(existing);
            }
        }
        let tx = self.store.begin_write().await?;
        customers::touch(&tx, &self.store.pii, &customer_id, None).await?;
        let id = interactions::link(&tx, &customer_id, &new).await?;
        let record = interactions::by_ids(&tx, std::slice::from_ref(&id))
            .await?
            .remove(&id)
            .ok_or_else(|| anyhow::anyhow!("interaction vanished in its own transaction"))?;
        tx.commit().await?;
        Ok(record)
    }
}

/// Apply one `MaybeUndefined` patch field: undefined keeps, null clears, a value is parsed.
fn apply<T, U>(slot: &mut Option<U>, patch: &MaybeUndefined<T>, parse: impl FnOnce(&T) -> Result<U>) -> Result<()> {
    match patch {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *slot = None,
        MaybeUndefined::Value(v) => *slot = Some(parse(v)?),
    }
    Ok(())
}

fn parse_ids(field: &str, ids: &[async_graphql::ID]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let id = parse_id(&format!("{field}.{i}"), id)?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

fn parse_refs(field: &str, refs: &[ExternalRefInput]) -> Result<Vec<(String, String)>> {
    refs.iter().enumerate().map(|(i, r)| parse_ref(&format!("{field}.{i}"), r)).collect()
}

/// A CRM reference: the system is lower-cased (`Salesforce` and `salesforce` are one).
fn parse_ref(field: &str, r: &ExternalRefInput) -> Result<(String, String)> {
    let system = short_text(&format!("{field}.system"), &r.system, 64)?.to_lowercase();
    let external_id = short_text(&format!("{field}.externalId"), &r.external_id, 255)?;
    Ok((system, external_id))
}

fn rename_field(err: Error, from: &str, to: &str) -> Error {
    match err {
        Error::NotFound { entity, field } if field == from => Error::NotFound { entity, field: to.to_owned() },
        Error::Conflict { field: Some(field), message } if field == from => {
            Error::Conflict { field: Some(to.to_owned()), message }
        }
        other => other,
    }
}

pub(crate) fn is_unique_violation(e: &anyhow::Error) -> bool {
    e.downcast_ref::<sea_orm::DbErr>()
        .and_then(|db| db.sql_err())
        .is_some_and(|s| matches!(s, sea_orm::SqlErr::UniqueConstraintViolation(_)))
}
