//! Interaction history: conversations and activities linked to a profile.

use super::codec::{Aad, is_sealed};
use super::entity::interaction;
use super::error::DbContext;
use super::{PiiCodec, StoreError, StoreResult, now};
use crate::domain::Channel;
use crate::domain::Pii;
use crate::domain::enums::{Direction, InteractionKind, Sentiment};
use crate::domain::history::Idempotency;
use crate::domain::id::{CustomerId, InteractionId};
use crate::domain::interaction::{HistoryPage, Interaction, InteractionSpec, Period};
use anyhow::anyhow;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Order, Query, WindowStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, Iterable as _, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::HashMap;

/// The summary in clear: sealed (free text typed by agents), or in clear when written
/// before envelope encryption.
async fn summary(codec: &PiiCodec, m: &interaction::Model) -> StoreResult<Option<String>> {
    match &m.summary {
        Some(s) if is_sealed(s) => {
            Ok(Some(codec.open(Aad::summary(&m.id), s).await.context("open a summary")?.expose().to_owned()))
        }
        other => Ok(other.clone()),
    }
}

/// Seal a summary under the customer's key, bound to the interaction.
pub(crate) async fn seal_summary(
    codec: &PiiCodec,
    customer_id: &str,
    id: &str,
    text: Option<&str>,
) -> StoreResult<Option<String>> {
    match text {
        Some(t) => Ok(Some(codec.seal(customer_id, Aad::summary(id), &Pii::new(t)).await.context("seal a summary")?)),
        None => Ok(None),
    }
}

pub(crate) async fn decode_all(codec: &PiiCodec, rows: Vec<interaction::Model>) -> StoreResult<Vec<Interaction>> {
    codec.prefetch(rows.iter().filter_map(|m| m.summary.as_deref())).await.context("load data keys")?;
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        out.push(decode(codec, m).await?);
    }
    Ok(out)
}

async fn decode(codec: &PiiCodec, mut m: interaction::Model) -> StoreResult<Interaction> {
    m.summary = summary(codec, &m).await?;
    let kind = InteractionKind::parse(&m.kind).ok_or_else(|| anyhow!("unknown interaction kind in row"));
    let channel = m.channel.parse::<Channel>().map_err(|_| anyhow!("unknown channel in interaction row"));
    let direction = Direction::parse(&m.direction).ok_or_else(|| anyhow!("unknown direction in row"));
    let sentiment =
        m.sentiment.as_deref().map(|s| Sentiment::parse(s).ok_or_else(|| anyhow!("unknown sentiment in row")));
    Ok(Interaction {
        spec: InteractionSpec {
            kind: kind.context("decode an interaction")?,
            channel: channel.context("decode an interaction")?,
            direction: direction.context("decode an interaction")?,
            conversation_id: m.conversation_id,
            period: Period { start: m.started_at, end: m.ended_at },
            summary: m.summary,
            agent_id: m.agent_id,
            outcome: m.outcome,
            topic: m.topic,
            sentiment: sentiment.transpose().context("decode an interaction")?,
        },
        id: InteractionId::from_stored(m.id),
        customer_id: CustomerId::from_stored(m.customer_id),
    })
}

fn keys(ids: &[CustomerId]) -> impl Iterator<Item = String> + '_ {
    ids.iter().map(|id| id.as_str().to_owned())
}

/// The same page of history for many customers in one statement: a window function
/// numbers each customer's rows newest first and keeps the first `limit`.
pub async fn latest_for_customers(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_ids: &[CustomerId],
    page: &HistoryPage,
) -> StoreResult<HashMap<CustomerId, Vec<Interaction>>> {
    use interaction::Column as C;
    // The entity's columns in order (read by position), then the row number.
    let mut inner = Query::select();
    inner
        .columns(C::iter())
        .expr_window_as(
            Expr::cust("ROW_NUMBER()"),
            WindowStatement::partition_by(C::CustomerId)
                .order_by(C::StartedAt, Order::Desc)
                .order_by(C::Id, Order::Desc)
                .to_owned(),
            Alias::new("rn"),
        )
        .from(interaction::Entity)
        .and_where(C::CustomerId.is_in(keys(customer_ids)));
    if let Some(channel) = page.channel {
        inner.and_where(C::Channel.eq(channel.as_str()));
    }
    let filter = &page.filter;
    if let Some(kind) = filter.kind {
        inner.and_where(C::Kind.eq(kind.as_str()));
    }
    if let Some(since) = filter.since {
        inner.and_where(C::StartedAt.gte(since));
    }
    if let Some(until) = filter.until {
        inner.and_where(C::StartedAt.lt(until));
    }
    if let Some(outcome) = &filter.outcome {
        inner.and_where(C::Outcome.eq(outcome.as_str()));
    }
    if let Some(topic) = &filter.topic {
        inner.and_where(C::Topic.eq(topic.as_str()));
    }
    if let Some((started_at, id)) = &page.before {
        inner.cond_where(
            sea_orm::Condition::any()
                .add(C::StartedAt.lt(*started_at))
                .add(sea_orm::Condition::all().add(C::StartedAt.eq(*started_at)).add(C::Id.lt(id.as_str()))),
        );
    }
    let outer = Query::select()
        .columns(C::iter())
        .from_subquery(inner.to_owned(), Alias::new("ranked"))
        .and_where(Expr::col(Alias::new("rn")).lte(page.limit as i64))
        .order_by(Alias::new("customer_id"), Order::Asc)
        .order_by(Alias::new("rn"), Order::Asc)
        .to_owned();
    let stmt = db.get_database_backend().build(&outer);
    let rows: Vec<interaction::Model> = super::positional::all(db, stmt).await.context("load a page of history")?;
    let mut out: HashMap<CustomerId, Vec<Interaction>> = HashMap::new();
    for r in decode_all(codec, rows).await? {
        out.entry(r.customer_id.clone()).or_default().push(r);
    }
    Ok(out)
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    ids: &[InteractionId],
) -> StoreResult<HashMap<InteractionId, Interaction>> {
    let rows = interaction::Entity::find()
        .filter(interaction::Column::Id.is_in(ids.iter().map(|id| id.as_str().to_owned())))
        .all(db)
        .await
        .context("load interactions")?;
    Ok(decode_all(codec, rows).await?.into_iter().map(|r| (r.id.clone(), r)).collect())
}

pub async fn get(db: &impl ConnectionTrait, codec: &PiiCodec, id: &InteractionId) -> StoreResult<Option<Interaction>> {
    Ok(by_ids(db, codec, std::slice::from_ref(id)).await?.remove(id))
}

/// The interaction of a conversation, if it is linked.
pub async fn by_conversation(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    conversation_id: &str,
) -> StoreResult<Option<Interaction>> {
    let row = interaction::Entity::find()
        .filter(interaction::Column::ConversationId.eq(conversation_id))
        .one(db)
        .await
        .context("find the link of a conversation")?;
    match row {
        Some(m) => Ok(Some(decode(codec, m).await?)),
        None => Ok(None),
    }
}

/// The interaction linked with an idempotency key, and the digest of the request that linked it.
pub async fn by_idempotency_key(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    key: &str,
) -> StoreResult<Option<(Interaction, String)>> {
    let Some(m) = interaction::Entity::find()
        .filter(interaction::Column::IdempotencyKey.eq(key))
        .one(db)
        .await
        .context("find the interaction of an idempotency key")?
    else {
        return Ok(None);
    };
    let digest = m.idempotency_digest.clone().unwrap_or_default();
    Ok(Some((decode(codec, m).await?, digest)))
}

/// Link an interaction. A conversation already linked (to anyone) is a
/// `Duplicate(ConversationLink)`, whether seen first or lost in a race; the caller decides
/// what that means (the same customer: a retry; another: a conflict). An idempotency key
/// already used is a `Duplicate(IdempotencyKey)` (only a lost race gets here: the service
/// looks first).
pub async fn insert(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_id: &CustomerId,
    new: &InteractionSpec,
    idempotency: Option<&Idempotency>,
) -> StoreResult<InteractionId> {
    if let Some(conversation_id) = &new.conversation_id
        && linked(db, conversation_id).await?
    {
        return Err(StoreError::Duplicate(super::Constraint::ConversationLink));
    }
    let id = InteractionId::generate();
    interaction::ActiveModel {
        id: Set(id.as_str().to_owned()),
        customer_id: Set(customer_id.as_str().to_owned()),
        conversation_id: Set(new.conversation_id.clone()),
        kind: Set(new.kind.as_str().to_owned()),
        channel: Set(new.channel.as_str().to_owned()),
        direction: Set(new.direction.as_str().to_owned()),
        started_at: Set(new.period.start),
        ended_at: Set(new.period.end),
        summary: Set(seal_summary(codec, customer_id.as_str(), id.as_str(), new.summary.as_deref()).await?),
        agent_id: Set(new.agent_id.clone()),
        created_at: Set(now()),
        outcome: Set(new.outcome.clone()),
        topic: Set(new.topic.clone()),
        sentiment: Set(new.sentiment.map(|s| s.as_str().to_owned())),
        idempotency_key: Set(idempotency.map(|i| i.key.clone())),
        idempotency_digest: Set(idempotency.map(|i| i.digest.clone())),
    }
    .insert(db)
    .await
    .context("insert an interaction")?;
    Ok(id)
}

/// Whether a conversation is linked (to anyone).
async fn linked(db: &impl ConnectionTrait, conversation_id: &str) -> StoreResult<bool> {
    use sea_orm::PaginatorTrait as _;
    let n = interaction::Entity::find()
        .filter(interaction::Column::ConversationId.eq(conversation_id))
        .count(db)
        .await
        .context("find the link of a conversation")?;
    Ok(n > 0)
}

/// Write what `updateInteraction` may change (end, summary, outcome, topic, sentiment,
/// agent) as `current.spec` now has it. The summary is sealed as [`insert`] seals it, under
/// the key of the profile the interaction belongs to now, bound to the interaction.
pub async fn update(db: &impl ConnectionTrait, codec: &PiiCodec, current: &Interaction) -> StoreResult<()> {
    use interaction::Column as C;
    let (id, spec) = (&current.id, &current.spec);
    let summary = seal_summary(codec, current.customer_id.as_str(), id.as_str(), spec.summary.as_deref()).await?;
    let done = interaction::Entity::update_many()
        .col_expr(C::EndedAt, Expr::value(spec.period.end))
        .col_expr(C::Summary, Expr::value(summary))
        .col_expr(C::Outcome, Expr::value(spec.outcome.clone()))
        .col_expr(C::Topic, Expr::value(spec.topic.clone()))
        .col_expr(C::Sentiment, Expr::value(spec.sentiment.map(|s| s.as_str().to_owned())))
        .col_expr(C::AgentId, Expr::value(spec.agent_id.clone()))
        .filter(C::Id.eq(id.as_str()))
        .exec(db)
        .await
        .context("update an interaction")?;
    if done.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Move interactions to another customer, only those still with `from`.
pub async fn move_to(
    db: &impl ConnectionTrait,
    ids: &[InteractionId],
    from: &CustomerId,
    to: &CustomerId,
) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    interaction::Entity::update_many()
        .col_expr(interaction::Column::CustomerId, Expr::value(to.as_str()))
        .filter(interaction::Column::Id.is_in(ids.iter().map(|id| id.as_str().to_owned())))
        .filter(interaction::Column::CustomerId.eq(from.as_str()))
        .exec(db)
        .await
        .context("move interactions")?;
    Ok(())
}

/// Move every interaction of `from` to `to`; returns the ids moved, in id order.
pub async fn move_all(
    db: &impl ConnectionTrait,
    from: &CustomerId,
    to: &CustomerId,
) -> StoreResult<Vec<InteractionId>> {
    let ids: Vec<String> = interaction::Entity::find()
        .select_only()
        .column(interaction::Column::Id)
        .filter(interaction::Column::CustomerId.eq(from.as_str()))
        .order_by_asc(interaction::Column::Id)
        .into_tuple()
        .all(db)
        .await
        .context("list the interactions of a customer")?;
    interaction::Entity::update_many()
        .col_expr(interaction::Column::CustomerId, Expr::value(to.as_str()))
        .filter(interaction::Column::CustomerId.eq(from.as_str()))
        .exec(db)
        .await
        .context("move the interactions of a customer")?;
    Ok(ids.into_iter().map(InteractionId::from_stored).collect())
}

/// The latest interaction start of each customer, in one statement.
pub async fn last_activity(
    db: &impl ConnectionTrait,
    ids: &[CustomerId],
) -> StoreResult<HashMap<CustomerId, DateTime<Utc>>> {
    let rows: Vec<(String, Option<DateTime<Utc>>)> = interaction::Entity::find()
        .select_only()
        .column(interaction::Column::CustomerId)
        .column_as(Expr::col(interaction::Column::StartedAt).max(), "last")
        .filter(interaction::Column::CustomerId.is_in(keys(ids)))
        .group_by(interaction::Column::CustomerId)
        .into_tuple()
        .all(db)
        .await
        .context("find the last activity of customers")?;
    Ok(rows.into_iter().filter_map(|(id, at)| at.map(|at| (CustomerId::from_stored(id), at))).collect())
}
