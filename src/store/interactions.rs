//! Interaction history: conversations and activities linked to a profile.

use super::entity::interaction;
use super::error::DbContext;
use super::{StoreError, StoreResult, now};
use crate::domain::Channel;
use crate::domain::enums::{Direction, InteractionKind, Sentiment};
use crate::domain::history::Idempotency;
use crate::domain::id::{CustomerId, InteractionId};
use crate::domain::interaction::{HistoryPage, Interaction, InteractionSpec, Period};
use anyhow::anyhow;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Asterisk, Expr, Order, Query, WindowStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;

pub(crate) fn decode(m: interaction::Model) -> StoreResult<Interaction> {
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
    customer_ids: &[CustomerId],
    page: &HistoryPage,
) -> StoreResult<HashMap<CustomerId, Vec<Interaction>>> {
    use interaction::Column as C;
    let mut inner = Query::select();
    inner
        .column(Asterisk)
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
        .column(Asterisk)
        .from_subquery(inner.to_owned(), Alias::new("ranked"))
        .and_where(Expr::col(Alias::new("rn")).lte(page.limit as i64))
        .order_by(Alias::new("customer_id"), Order::Asc)
        .order_by(Alias::new("rn"), Order::Asc)
        .to_owned();
    let stmt = db.get_database_backend().build(&outer);
    let rows = interaction::Entity::find().from_raw_sql(stmt).all(db).await.context("load a page of history")?;
    let mut out: HashMap<CustomerId, Vec<Interaction>> = HashMap::new();
    for m in rows {
        let r = decode(m)?;
        out.entry(r.customer_id.clone()).or_default().push(r);
    }
    Ok(out)
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[InteractionId],
) -> StoreResult<HashMap<InteractionId, Interaction>> {
    let rows = interaction::Entity::find()
        .filter(interaction::Column::Id.is_in(ids.iter().map(|id| id.as_str().to_owned())))
        .all(db)
        .await
        .context("load interactions")?;
    rows.into_iter().map(|m| decode(m).map(|r| (r.id.clone(), r))).collect()
}

pub async fn get(db: &impl ConnectionTrait, id: &InteractionId) -> StoreResult<Option<Interaction>> {
    Ok(by_ids(db, std::slice::from_ref(id)).await?.remove(id))
}

/// The interaction of a conversation, if it is linked.
pub async fn by_conversation(db: &impl ConnectionTrait, conversation_id: &str) -> StoreResult<Option<Interaction>> {
    interaction::Entity::find()
        .filter(interaction::Column::ConversationId.eq(conversation_id))
        .one(db)
        .await
        .context("find the link of a conversation")?
        .map(decode)
        .transpose()
}

/// The interaction linked with an idempotency key, and the digest of the request that linked it.
pub async fn by_idempotency_key(db: &impl ConnectionTrait, key: &str) -> StoreResult<Option<(Interaction, String)>> {
    let Some(m) = interaction::Entity::find()
        .filter(interaction::Column::IdempotencyKey.eq(key))
        .one(db)
        .await
        .context("find the interaction of an idempotency key")?
    else {
        return Ok(None);
    };
    let digest = m.idempotency_digest.clone().unwrap_or_default();
    Ok(Some((decode(m)?, digest)))
}

/// Link an interaction. A conversation already linked (to anyone) is a
/// `Duplicate(ConversationLink)`, whether seen first or lost in a race; the caller decides
/// what that means (the same customer: a retry; another: a conflict). An idempotency key
/// already used is a `Duplicate(IdempotencyKey)` (only a lost race gets here: the service
/// looks first).
pub async fn insert(
    db: &impl ConnectionTrait,
    customer_id: &CustomerId,
    new: &InteractionSpec,
    idempotency: Option<&Idempotency>,
) -> StoreResult<InteractionId> {
    if let Some(conversation_id) = &new.conversation_id
        && by_conversation(db, conversation_id).await?.is_some()
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
        summary: Set(new.summary.clone()),
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

/// Write what `updateInteraction` may change (end, summary, outcome, topic, sentiment,
/// agent) as `spec` now has it. The summary is written here as well as in [`insert`]: the
/// two must store it the same way.
pub async fn update(db: &impl ConnectionTrait, id: &InteractionId, spec: &InteractionSpec) -> StoreResult<()> {
    use interaction::Column as C;
    let done = interaction::Entity::update_many()
        .col_expr(C::EndedAt, Expr::value(spec.period.end))
        .col_expr(C::Summary, Expr::value(spec.summary.clone()))
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
