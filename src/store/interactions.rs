//! Interaction history: conversations and activities linked to a profile.

use super::entity::interaction;
use super::{InteractionRecord, now};
use crate::domain::enums::{Direction, InteractionKind};
use crate::domain::{Channel, Error, Result};
use anyhow::anyhow;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Asterisk, Expr, Order, Query, WindowStatement};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, Set};
use std::collections::HashMap;

fn decode(m: interaction::Model) -> Result<InteractionRecord> {
    Ok(InteractionRecord {
        kind: InteractionKind::parse(&m.kind).ok_or_else(|| anyhow!("unknown interaction kind in row"))?,
        channel: m.channel.parse::<Channel>().map_err(|_| anyhow!("unknown channel in interaction row"))?,
        direction: Direction::parse(&m.direction).ok_or_else(|| anyhow!("unknown direction in row"))?,
        id: m.id,
        customer_id: m.customer_id,
        conversation_id: m.conversation_id,
        started_at: m.started_at,
        ended_at: m.ended_at,
        summary: m.summary,
        agent_id: m.agent_id,
    })
}

/// A page of one customer's history, newest first: `limit` rows older than `before`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HistoryPage {
    pub limit: u64,
    /// The (startedAt, id) of the last row of the previous page.
    pub before: Option<(DateTime<Utc>, String)>,
    pub channel: Option<Channel>,
}

/// The same page of history for many customers in one statement: a window function
/// numbers each customer's rows newest first and keeps the first `limit`.
pub async fn latest_for_customers(
    db: &impl ConnectionTrait,
    customer_ids: &[String],
    page: &HistoryPage,
) -> Result<HashMap<String, Vec<InteractionRecord>>> {
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
        .and_where(C::CustomerId.is_in(customer_ids.iter().cloned()));
    if let Some(channel) = page.channel {
        inner.and_where(C::Channel.eq(channel.as_str()));
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
    let rows = interaction::Entity::find().from_raw_sql(stmt).all(db).await?;
    let mut out: HashMap<String, Vec<InteractionRecord>> = HashMap::new();
    for m in rows {
        let r = decode(m)?;
        out.entry(r.customer_id.clone()).or_default().push(r);
    }
    Ok(out)
}

pub async fn by_ids(db: &impl ConnectionTrait, ids: &[String]) -> Result<HashMap<String, InteractionRecord>> {
    let rows = interaction::Entity::find().filter(interaction::Column::Id.is_in(ids.iter().cloned())).all(db).await?;
    rows.into_iter().map(|m| decode(m).map(|r| (r.id.clone(), r))).collect()
}

/// A validated interaction ready to be linked.
#[derive(Clone, Debug)]
pub struct NewInteraction {
    pub conversation_id: Option<String>,
    pub kind: InteractionKind,
    pub channel: Channel,
    pub direction: Direction,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub summary: Option<String>,
    pub agent_id: Option<String>,
}

/// Link an interaction. Linking a conversation that is already linked to the same
/// customer returns the existing link (retries are safe); to another customer it is a
/// `CONFLICT` (that is what `relinkInteraction` is for).
pub async fn link(db: &impl ConnectionTrait, customer_id: &str, new: &NewInteraction) -> Result<String> {
    if let Some(conversation_id) = &new.conversation_id {
        let existing = interaction::Entity::find()
            .filter(interaction::Column::ConversationId.eq(conversation_id.as_str()))
            .one(db)
            .await?;
        if let Some(existing) = existing {
            return if existing.customer_id == customer_id {
                Ok(existing.id)
            } else {
                Err(Error::conflict(
                    Some("interaction.conversationId"),
                    "this conversation is linked to another customer; use relinkInteraction",
                ))
            };
        }
    }
    let id = crate::domain::id::new_id();
    interaction::ActiveModel {
        id: Set(id.clone()),
        customer_id: Set(customer_id.to_owned()),
        conversation_id: Set(new.conversation_id.clone()),
        kind: Set(new.kind.as_str().to_owned()),
        channel: Set(new.channel.as_str().to_owned()),
        direction: Set(new.direction.as_str().to_owned()),
        started_at: Set(new.started_at),
        ended_at: Set(new.ended_at),
        summary: Set(new.summary.clone()),
        agent_id: Set(new.agent_id.clone()),
        created_at: Set(now()),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Move one interaction to another customer.
pub async fn move_to(db: &impl ConnectionTrait, id: &str, customer_id: &str) -> Result<()> {
    interaction::Entity::update_many()
        .col_expr(interaction::Column::CustomerId, Expr::value(customer_id))
        .filter(interaction::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The interaction of a conversation, if it is linked.
pub async fn by_conversation(db: &impl ConnectionTrait, conversation_id: &str) -> Result<Option<InteractionRecord>> {
    interaction::Entity::find()
        .filter(interaction::Column::ConversationId.eq(conversation_id))
        .one(db)
        .await?
        .map(decode)
        .transpose()
}
