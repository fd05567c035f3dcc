//! The anomaly detector's counters: one upsert per judgement for everything observed since
//! the last, one aggregate read over the rules' windows per 500 principals, and an
//! occasional prune. Rows hold customer ids,
//! digests and counts, never PII.

use super::StoreResult;
use super::entity::anomaly_observation as obs;
use super::error::DbContext;
use crate::domain::anomaly::{Count, Counts, Kind, Span, Tally};
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect, Set};
use std::collections::BTreeMap;

/// Rows per statement: far below SQLite's and PostgreSQL's bind limits (5 values a row).
const CHUNK: usize = 1_000;

/// Add `tallies` to `principal`'s counters: one statement (per thousand rows).
pub async fn record(db: &impl ConnectionTrait, principal: &str, tallies: &[Tally]) -> StoreResult<()> {
    record_many(db, [(principal, tallies)]).await
}

/// Add each principal's tallies to its counters: one statement per thousand rows, whatever
/// the number of principals. Rows of the same key are summed first (PostgreSQL refuses to
/// update a row twice in one statement) and sorted, so that concurrent judges lock rows in
/// the same order.
pub async fn record_many<'a>(
    db: &impl ConnectionTrait,
    batch: impl IntoIterator<Item = (&'a str, &'a [Tally])>,
) -> StoreResult<()> {
    let mut summed: BTreeMap<(&str, &str, &str, i64), i64> = BTreeMap::new();
    for (principal, tallies) in batch {
        for t in tallies {
            *summed.entry((principal, t.kind.as_str(), t.item.as_str(), t.bucket)).or_default() += t.hits;
        }
    }
    let rows: Vec<_> = summed.into_iter().collect();
    for chunk in rows.chunks(CHUNK) {
        let models = chunk.iter().map(|((principal, kind, item, bucket), hits)| obs::ActiveModel {
            principal: Set((*principal).to_owned()),
            kind: Set((*kind).to_owned()),
            item: Set((*item).to_owned()),
            bucket: Set(*bucket),
            hits: Set(*hits),
        });
        let add =
            Expr::col((obs::Entity, obs::Column::Hits)).add(Expr::col((Alias::new("excluded"), obs::Column::Hits)));
        obs::Entity::insert_many(models)
            .on_conflict(
                OnConflict::columns([
                    obs::Column::Principal,
                    obs::Column::Kind,
                    obs::Column::Item,
                    obs::Column::Bucket,
                ])
                .value(obs::Column::Hits, add)
                .to_owned(),
            )
            .exec_without_returning(db)
            .await
            .context("record access observations")?;
    }
    Ok(())
}

#[derive(FromQueryResult)]
struct CountRow {
    principal: String,
    kind: String,
    items: i64,
    buckets: i64,
    hits: i64,
}

/// Principals per aggregate read.
const PRINCIPALS_PER_COUNT: usize = 500;

/// Each of `principals`' counts over `spans`, per kind: one statement per 500 principals,
/// at most a row per (principal, kind). A principal with no rows is absent.
pub async fn counts_many(
    db: &impl ConnectionTrait,
    principals: &[&str],
    spans: &[Span],
) -> StoreResult<BTreeMap<String, Counts>> {
    let mut any = Condition::any();
    for span in spans {
        let mut one =
            Condition::all().add(obs::Column::Kind.eq(span.kind.as_str())).add(obs::Column::Bucket.gte(span.from));
        if let Some(until) = span.until {
            one = one.add(obs::Column::Bucket.lt(until));
        }
        if let Some(item) = &span.item {
            one = one.add(obs::Column::Item.eq(item.as_str()));
        }
        any = any.add(one);
    }
    let count = |n: i64| u64::try_from(n).unwrap_or_default();
    let mut all: BTreeMap<String, Counts> = BTreeMap::new();
    for chunk in principals.chunks(PRINCIPALS_PER_COUNT) {
        let rows = obs::Entity::find()
            .select_only()
            .column(obs::Column::Principal)
            .column(obs::Column::Kind)
            .column_as(Expr::cust("COUNT(DISTINCT item)"), "items")
            .column_as(Expr::cust("COUNT(DISTINCT bucket)"), "buckets")
            .column_as(Expr::cust("CAST(SUM(hits) AS BIGINT)"), "hits")
            .filter(obs::Column::Principal.is_in(chunk.iter().copied()))
            .filter(any.clone())
            .group_by(obs::Column::Principal)
            .group_by(obs::Column::Kind)
            .into_model::<CountRow>()
            .all(db)
            .await
            .context("count access observations")?;
        for r in rows {
            if let Some(kind) = Kind::parse(&r.kind) {
                let c = Count { items: count(r.items), buckets: count(r.buckets), hits: count(r.hits) };
                all.entry(r.principal).or_default().insert(kind, c);
            }
        }
    }
    Ok(all)
}

/// Forget `principal`'s observations of `kinds` (a cleared detection starts its count afresh).
pub async fn forget(db: &impl ConnectionTrait, principal: &str, kinds: &[Kind]) -> StoreResult<()> {
    if kinds.is_empty() {
        return Ok(());
    }
    obs::Entity::delete_many()
        .filter(obs::Column::Principal.eq(principal))
        .filter(obs::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())))
        .exec(db)
        .await
        .context("forget access observations")?;
    Ok(())
}

/// Delete every bucket that started before `before` (Unix seconds): no rule looks that far.
pub async fn prune(db: &impl ConnectionTrait, before: i64) -> StoreResult<u64> {
    let done = obs::Entity::delete_many()
        .filter(obs::Column::Bucket.lt(before))
        .exec(db)
        .await
        .context("prune access observations")?;
    Ok(done.rows_affected)
}
