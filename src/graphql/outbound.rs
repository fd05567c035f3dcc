//! Resolver bodies of outbound compliance (the fields are declared in `query.rs` and
//! `mutation.rs`, which stay thin).

use super::access_log::actor;
use super::context::{loaders, services};
use super::error::IntoGql;
use super::inputs::{ConsentInput, SuppressionEntryInput, SuppressionInput, SuppressionListInput, suppression_entries};
use super::loaders::clear;
use super::types::{ChannelIdentity, ConsentRecord, Contactability, Suppression, SuppressionList};
use crate::domain::id::CustomerId;
use crate::domain::text::at_most;
use crate::store::outbound::MAX_BATCH;
use async_graphql::{Context, ID, Result};
use chrono::{DateTime, Utc};

pub async fn contactability_of(
    ctx: &Context<'_>,
    customer_ids: Vec<ID>,
    purpose: String,
    at: Option<DateTime<Utc>>,
    record: bool,
) -> Result<Vec<Contactability>> {
    at_most("customerIds", &customer_ids, MAX_BATCH).gql()?;
    let ids = customer_ids
        .iter()
        .enumerate()
        .map(|(i, id)| CustomerId::parse(&format!("customerIds.{i}"), id))
        .collect::<crate::domain::Result<Vec<_>>>()
        .gql()?;
    let s = services(ctx);
    let purpose = s.outbound_policy().purpose("purpose", &purpose).gql()?.clone();
    let batch = s.contactability_of(&actor(ctx)?, &ids, &purpose, at.unwrap_or_else(Utc::now), record).await.gql()?;
    let evidence_id = batch.evidence_id.map(ID);
    Ok(batch
        .decisions
        .into_iter()
        .map(|d| Contactability {
            allowed: d.decision.allowed,
            reasons: d.decision.reasons,
            codes: d.decision.codes,
            channel: d.decision.channel,
            identity: d.identity.map(ChannelIdentity),
            next_window_start: d.decision.next_window_start,
            customer_id: ID(d.customer_id.to_string()),
            evidence_id: evidence_id.clone(),
        })
        .collect())
}

pub async fn consent_history(ctx: &Context<'_>, customer_id: ID) -> Result<Vec<ConsentRecord>> {
    let Some(id) = CustomerId::lookup(&customer_id) else { return Ok(vec![]) };
    let records = services(ctx).consent_history(&id).await.gql()?;
    Ok(records.into_iter().map(ConsentRecord).collect())
}

pub async fn suppressions(ctx: &Context<'_>, customer_id: ID) -> Result<Vec<Suppression>> {
    let Some(id) = CustomerId::lookup(&customer_id) else { return Ok(vec![]) };
    Ok(services(ctx).suppressions_of(&id).await.gql()?.into_iter().map(Suppression).collect())
}

pub async fn suppression_lists(ctx: &Context<'_>) -> Result<Vec<SuppressionList>> {
    Ok(services(ctx).suppression_lists().await.gql()?.into_iter().map(SuppressionList).collect())
}

pub async fn record_consent(ctx: &Context<'_>, input: ConsentInput) -> Result<ConsentRecord> {
    let s = services(ctx);
    let cmd = input.parse(s.outbound_policy()).gql()?;
    let record = s.record_consent(&actor(ctx)?, cmd).await.gql()?;
    clear(loaders(ctx));
    Ok(ConsentRecord(record))
}

pub async fn suppress_contact(ctx: &Context<'_>, input: SuppressionInput) -> Result<Suppression> {
    let s = services(ctx);
    let cmd = input.parse(s.outbound_policy()).gql()?;
    let record = s.suppress_contact(&actor(ctx)?, cmd).await.gql()?;
    clear(loaders(ctx));
    Ok(Suppression(record))
}

pub async fn lift_suppression(ctx: &Context<'_>, id: ID) -> Result<Suppression> {
    let record = services(ctx).lift_suppression(&actor(ctx)?, &id).await.gql()?;
    clear(loaders(ctx));
    Ok(Suppression(record))
}

pub async fn create_suppression_list(ctx: &Context<'_>, input: SuppressionListInput) -> Result<SuppressionList> {
    let s = services(ctx);
    let cmd = input.parse(s.outbound_policy()).gql()?;
    Ok(SuppressionList(s.create_suppression_list(&actor(ctx)?, cmd).await.gql()?))
}

pub async fn add_suppression_entries(
    ctx: &Context<'_>,
    list_id: ID,
    entries: Vec<SuppressionEntryInput>,
) -> Result<i32> {
    let entries = suppression_entries("entries", entries).gql()?;
    let added = services(ctx).add_suppression_entries(&actor(ctx)?, &list_id, entries).await.gql()?;
    clear(loaders(ctx));
    Ok(added as i32)
}

pub async fn remove_suppression_entries(
    ctx: &Context<'_>,
    list_id: ID,
    entries: Vec<SuppressionEntryInput>,
) -> Result<i32> {
    let entries = suppression_entries("entries", entries).gql()?;
    let removed = services(ctx).remove_suppression_entries(&actor(ctx)?, &list_id, entries).await.gql()?;
    clear(loaders(ctx));
    Ok(removed as i32)
}
