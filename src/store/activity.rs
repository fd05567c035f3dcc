//! Routing signals, maintained on write (see `domain::history::activity`): a summary row per
//! customer and interactions per (customer, UTC day, channel). Every write that changes a
//! customer's history calls one of [`on_link`], [`refresh_summaries`] or [`rebuild`] in its
//! own transaction; [`read`] serves a page of customers in one statement.

use super::entity::{customer_activity as summary, customer_activity_day as day, interaction};
use super::error::DbContext;
use super::{StoreResult, now};
use crate::domain::Channel;
use crate::domain::enums::{Direction, InteractionKind, Sentiment};
use crate::domain::history::activity::{Activity, ChannelCounts, KEPT_DAYS, LastContact, Summary, day_of};
use crate::domain::id::{CustomerId, InteractionId};
use crate::domain::interaction::Interaction;
use anyhow::anyhow;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Func, JoinType, OnConflict, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::{BTreeMap, HashMap};

fn keys(ids: &[CustomerId]) -> Vec<String> {
    ids.iter().map(|id| id.as_str().to_owned()).collect()
}

/// Today, as the buckets count days.
pub fn today() -> i32 {
    day_of(Utc::now())
}

#[derive(FromQueryResult)]
struct Row {
    customer_id: String,
    last_interaction_id: Option<String>,
    last_at: Option<DateTime<Utc>>,
    last_channel: Option<String>,
    last_direction: Option<String>,
    last_agent_id: Option<String>,
    open_conversations: i32,
    last_outcome: Option<String>,
    last_sentiment: Option<String>,
    b_channel: Option<String>,
    d7: Option<i64>,
    d30: Option<i64>,
    d90: Option<i64>,
}

/// The activity of each customer as of `today`, in one statement: the summary rows joined
/// with their day buckets summed per channel over the three windows. Customers without
/// history have no row.
pub async fn read(
    db: &impl ConnectionTrait,
    ids: &[CustomerId],
    today: i32,
) -> StoreResult<HashMap<CustomerId, Activity>> {
    let (a, b) = (Alias::new("a"), Alias::new("b"));
    let sum_since = |from: i32| {
        let counted = Expr::case(Expr::col(day::Column::Day).gte(from), Expr::col(day::Column::N)).finally(0);
        Func::cast_as(Func::sum(counted), Alias::new("BIGINT"))
    };
    let counts = Query::select()
        .column(day::Column::CustomerId)
        .column(day::Column::Channel)
        .expr_as(sum_since(today - 6), Alias::new("d7"))
        .expr_as(sum_since(today - 29), Alias::new("d30"))
        .expr_as(Func::cast_as(Func::sum(Expr::col(day::Column::N)), Alias::new("BIGINT")), Alias::new("d90"))
        .from(day::Entity)
        .and_where(day::Column::CustomerId.is_in(keys(ids)))
        .and_where(day::Column::Day.gte(today - (KEPT_DAYS - 1)))
        .and_where(day::Column::Day.lte(today))
        .group_by_col(day::Column::CustomerId)
        .group_by_col(day::Column::Channel)
        .to_owned();
    use summary::Column as S;
    let stmt = Query::select()
        .columns(
            [
                S::CustomerId,
                S::LastInteractionId,
                S::LastAt,
                S::LastChannel,
                S::LastDirection,
                S::LastAgentId,
                S::OpenConversations,
                S::LastOutcome,
                S::LastSentiment,
            ]
            .map(|c| (a.clone(), c)),
        )
        .expr_as(Expr::col((b.clone(), day::Column::Channel)), Alias::new("b_channel"))
        .expr_as(Expr::col((b.clone(), Alias::new("d7"))), Alias::new("d7"))
        .expr_as(Expr::col((b.clone(), Alias::new("d30"))), Alias::new("d30"))
        .expr_as(Expr::col((b.clone(), Alias::new("d90"))), Alias::new("d90"))
        .from_as(summary::Entity, a.clone())
        .join_subquery(
            JoinType::LeftJoin,
            counts,
            b.clone(),
            Expr::col((b.clone(), day::Column::CustomerId)).equals((a.clone(), S::CustomerId)),
        )
        .and_where(Expr::col((a.clone(), S::CustomerId)).is_in(keys(ids)))
        .order_by((a, S::CustomerId), Order::Asc)
        .order_by((b, day::Column::Channel), Order::Asc)
        .to_owned();
    let stmt = db.get_database_backend().build(&stmt);
    let rows = Row::find_by_statement(stmt).all(db).await.context("read the activity of customers")?;
    let mut out: HashMap<CustomerId, Activity> = HashMap::new();
    for r in rows {
        let id = CustomerId::from_stored(r.customer_id.clone());
        if !out.contains_key(&id) {
            out.insert(id.clone(), decode_summary(&r)?);
        }
        if let (Some(channel), Some(entry)) = (&r.b_channel, out.get_mut(&id)) {
            let channel = channel.parse::<Channel>().map_err(|_| anyhow!("unknown channel in activity row"));
            entry.counts.push(ChannelCounts {
                channel: channel.context("decode activity")?,
                last_7_days: r.d7.unwrap_or_default(),
                last_30_days: r.d30.unwrap_or_default(),
                last_90_days: r.d90.unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

fn decode_summary(r: &Row) -> StoreResult<Activity> {
    let last_contact = match (&r.last_interaction_id, r.last_at, &r.last_channel, &r.last_direction) {
        (Some(id), Some(at), Some(channel), Some(direction)) => Some(LastContact {
            interaction_id: InteractionId::from_stored(id.clone()),
            at,
            channel: channel
                .parse::<Channel>()
                .map_err(|_| anyhow!("unknown channel in activity row"))
                .context("decode activity")?,
            direction: Direction::parse(direction)
                .ok_or_else(|| anyhow!("unknown direction in activity row"))
                .context("decode activity")?,
            agent_id: r.last_agent_id.clone(),
        }),
        _ => None,
    };
    let sentiment = r
        .last_sentiment
        .as_deref()
        .map(|s| Sentiment::parse(s).ok_or_else(|| anyhow!("unknown sentiment in activity row")));
    Ok(Activity {
        last_contact,
        counts: Vec::new(),
        open_conversations: i64::from(r.open_conversations),
        last_outcome: r.last_outcome.clone(),
        last_sentiment: sentiment.transpose().context("decode activity")?,
    })
}

async fn put_summary(db: &impl ConnectionTrait, customer_id: &CustomerId, s: &Summary) -> StoreResult<()> {
    use summary::Column as S;
    let contact = s.last_contact.as_ref();
    let row = summary::ActiveModel {
        customer_id: Set(customer_id.as_str().to_owned()),
        last_interaction_id: Set(contact.map(|c| c.interaction_id.as_str().to_owned())),
        last_at: Set(contact.map(|c| c.at)),
        last_channel: Set(contact.map(|c| c.channel.as_str().to_owned())),
        last_direction: Set(contact.map(|c| c.direction.as_str().to_owned())),
        last_agent_id: Set(contact.and_then(|c| c.agent_id.clone())),
        open_conversations: Set(i32::try_from(s.open_conversations).unwrap_or(i32::MAX)),
        last_outcome: Set(s.last_outcome.clone()),
        last_sentiment: Set(s.last_sentiment.map(|x| x.as_str().to_owned())),
        updated_at: Set(now()),
    };
    summary::Entity::insert(row)
        .on_conflict(
            OnConflict::column(S::CustomerId)
                .update_columns([
                    S::LastInteractionId,
                    S::LastAt,
                    S::LastChannel,
                    S::LastDirection,
                    S::LastAgentId,
                    S::OpenConversations,
                    S::LastOutcome,
                    S::LastSentiment,
                    S::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .context("save the activity of a customer")?;
    Ok(())
}

async fn get_summary(db: &impl ConnectionTrait, customer_id: &CustomerId) -> StoreResult<Option<Summary>> {
    let Some(m) =
        summary::Entity::find_by_id(customer_id.as_str()).one(db).await.context("load the activity of a customer")?
    else {
        return Ok(None);
    };
    let row = Row {
        customer_id: m.customer_id,
        last_interaction_id: m.last_interaction_id,
        last_at: m.last_at,
        last_channel: m.last_channel,
        last_direction: m.last_direction,
        last_agent_id: m.last_agent_id,
        open_conversations: m.open_conversations,
        last_outcome: m.last_outcome,
        last_sentiment: m.last_sentiment,
        b_channel: None,
        d7: None,
        d30: None,
        d90: None,
    };
    let a = decode_summary(&row)?;
    Ok(Some(Summary {
        last_contact: a.last_contact,
        open_conversations: a.open_conversations,
        last_outcome: a.last_outcome,
        last_sentiment: a.last_sentiment,
    }))
}

/// A new interaction of its customer: one more in its day bucket, and the summary moved on.
/// When it is the newest (interactions linked as they happen) that is arithmetic on the
/// summary; an older one (a backfill) that carries an outcome or sentiment refreshes it.
pub async fn on_link(db: &impl ConnectionTrait, i: &Interaction) -> StoreResult<()> {
    let customer = &i.customer_id;
    let today = today();
    let bucket = day_of(i.spec.period.start);
    if (0..KEPT_DAYS).contains(&(today - bucket)) || bucket > today {
        let row = day::ActiveModel {
            customer_id: Set(customer.as_str().to_owned()),
            day: Set(bucket),
            channel: Set(i.spec.channel.as_str().to_owned()),
            n: Set(1),
        };
        day::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([day::Column::CustomerId, day::Column::Day, day::Column::Channel])
                    .value(day::Column::N, Expr::col((day::Entity, day::Column::N)).add(1))
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await
            .context("count an interaction")?;
    }
    let current = get_summary(db, customer).await?.unwrap_or_default();
    let newest = current
        .last_contact
        .as_ref()
        .is_none_or(|c| (c.at, c.interaction_id.as_str()) < (i.spec.period.start, i.id.as_str()));
    let open = i.spec.kind == InteractionKind::Conversation && i.spec.period.end.is_none();
    let next = if newest {
        Summary {
            last_contact: Some(LastContact {
                interaction_id: i.id.clone(),
                at: i.spec.period.start,
                channel: i.spec.channel,
                direction: i.spec.direction,
                agent_id: i.spec.agent_id.clone(),
            }),
            open_conversations: current.open_conversations + i64::from(open),
            last_outcome: i.spec.outcome.clone().or(current.last_outcome),
            last_sentiment: i.spec.sentiment.or(current.last_sentiment),
        }
    } else if i.spec.outcome.is_none() && i.spec.sentiment.is_none() {
        Summary { open_conversations: current.open_conversations + i64::from(open), ..current }
    } else {
        return refresh_summaries(db, std::slice::from_ref(customer)).await;
    };
    put_summary(db, customer, &next).await
}

/// The latest interaction of a customer matching `cond`, by (startedAt, id).
async fn latest(
    db: &impl ConnectionTrait,
    customer: &CustomerId,
    cond: Option<interaction::Column>,
) -> StoreResult<Option<interaction::Model>> {
    let mut q = interaction::Entity::find().filter(interaction::Column::CustomerId.eq(customer.as_str()));
    if let Some(col) = cond {
        q = q.filter(col.is_not_null());
    }
    q.order_by_desc(interaction::Column::StartedAt)
        .order_by_desc(interaction::Column::Id)
        .one(db)
        .await
        .context("find the latest interaction of a customer")
}

/// Recompute the summary rows of `customers` from their history, through the indexes on
/// (customer, startedAt) and (customer, kind, endedAt): for writes that can change any part
/// of it (an update, a move).
pub async fn refresh_summaries(db: &impl ConnectionTrait, customers: &[CustomerId]) -> StoreResult<()> {
    for customer in customers {
        let Some(last) = latest(db, customer, None).await? else {
            summary::Entity::delete_by_id(customer.as_str())
                .exec(db)
                .await
                .context("drop the activity of a customer")?;
            continue;
        };
        let outcome = latest(db, customer, Some(interaction::Column::Outcome)).await?;
        let sentiment = latest(db, customer, Some(interaction::Column::Sentiment)).await?;
        let open = interaction::Entity::find()
            .filter(interaction::Column::CustomerId.eq(customer.as_str()))
            .filter(interaction::Column::Kind.eq(InteractionKind::Conversation.as_str()))
            .filter(interaction::Column::EndedAt.is_null())
            .count(db)
            .await
            .context("count the open conversations of a customer")?;
        let channel = last.channel.parse::<Channel>().map_err(|_| anyhow!("unknown channel in interaction row"));
        let direction =
            Direction::parse(&last.direction).ok_or_else(|| anyhow!("unknown direction in interaction row"));
        let sentiment = sentiment
            .and_then(|m| m.sentiment)
            .map(|s| Sentiment::parse(&s).ok_or_else(|| anyhow!("unknown sentiment in row")));
        let s = Summary {
            last_contact: Some(LastContact {
                interaction_id: InteractionId::from_stored(last.id),
                at: last.started_at,
                channel: channel.context("refresh activity")?,
                direction: direction.context("refresh activity")?,
                agent_id: last.agent_id,
            }),
            open_conversations: open as i64,
            last_outcome: outcome.and_then(|m| m.outcome),
            last_sentiment: sentiment.transpose().context("refresh activity")?,
        };
        put_summary(db, customer, &s).await?;
    }
    Ok(())
}

/// Recompute everything of `customers` (summary and the buckets of the last 90 days) from
/// their history: for moves of many interactions at once (merge, unmerge, relink).
pub async fn rebuild(db: &impl ConnectionTrait, customers: &[CustomerId]) -> StoreResult<()> {
    if customers.is_empty() {
        return Ok(());
    }
    refresh_summaries(db, customers).await?;
    day::Entity::delete_many()
        .filter(day::Column::CustomerId.is_in(keys(customers)))
        .exec(db)
        .await
        .context("drop the activity counts of customers")?;
    let today = today();
    let from = DateTime::<Utc>::from_timestamp(i64::from(today - (KEPT_DAYS - 1)) * 86_400, 0).unwrap_or_default();
    let rows: Vec<(String, DateTime<Utc>, String)> = interaction::Entity::find()
        .select_only()
        .column(interaction::Column::CustomerId)
        .column(interaction::Column::StartedAt)
        .column(interaction::Column::Channel)
        .filter(interaction::Column::CustomerId.is_in(keys(customers)))
        .filter(interaction::Column::StartedAt.gte(from))
        .into_tuple()
        .all(db)
        .await
        .context("list the recent interactions of customers")?;
    let mut buckets: BTreeMap<(String, i32, String), i32> = BTreeMap::new();
    for (customer, at, channel) in rows {
        *buckets.entry((customer, day_of(at), channel)).or_default() += 1;
    }
    let models: Vec<day::ActiveModel> = buckets
        .into_iter()
        .map(|((customer, d, channel), n)| day::ActiveModel {
            customer_id: Set(customer),
            day: Set(d),
            channel: Set(channel),
            n: Set(n),
        })
        .collect();
    for chunk in models.chunks(500) {
        day::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await.context("count interactions")?;
    }
    Ok(())
}

/// Drop the buckets of `customer` older than the widest window (called by links: a bucket
/// ages out by the passing of days, not by a write).
pub async fn prune(db: &impl ConnectionTrait, customer: &CustomerId) -> StoreResult<()> {
    day::Entity::delete_many()
        .filter(day::Column::CustomerId.eq(customer.as_str()))
        .filter(day::Column::Day.lt(today() - (KEPT_DAYS - 1)))
        .exec(db)
        .await
        .context("prune the activity counts of a customer")?;
    Ok(())
}
