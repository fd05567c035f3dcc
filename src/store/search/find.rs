//! A search as one statement: the tokens looked up, grouped per profile, joined to the
//! profile row and the listing filters, ranked and cut to a page.

use super::super::customers::{CustomerQuery, condition, decode_all};
use super::super::entity::{customer, search_token as tok};
use super::super::error::DbContext;
use super::super::{PiiCodec, StoreResult};
use crate::domain::customer::Customer;
use crate::domain::search::{SearchCursor, SearchPlan, TokenKind};
use sea_orm::sea_query::{Alias, Expr, Func, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, ExprTrait as _, FromQueryResult, Iterable as _};

/// A result: the profile and its rank (the best kind of token it matched).
#[derive(Clone, Debug)]
pub struct SearchHit {
    pub customer: Customer,
    pub rank: i32,
}

fn m(col: &str) -> Expr {
    Expr::col((Alias::new("m"), Alias::new(col)))
}

/// The matches of `plan` among the profiles `q` selects, one row per profile with its
/// rank, whether a token of `alone` matched, and how many words matched.
fn matches(codec: &PiiCodec, plan: &SearchPlan, q: &CustomerQuery) -> SelectStatement {
    let tokens: Vec<i64> = plan.tokens().iter().map(|(kind, text)| codec.search_token(kind.as_str(), text)).collect();
    let kind = || Expr::col((tok::Entity, tok::Column::Kind));
    let mut rank = Expr::case(kind().eq(TokenKind::ALL[0].as_str()), TokenKind::ALL[0].rank());
    for k in &TokenKind::ALL[1..] {
        rank = rank.case(kind().eq(k.as_str()), k.rank());
    }
    let alone_kinds: Vec<&str> = TokenKind::ALL.iter().filter(|k| k.matches_alone()).map(|k| k.as_str()).collect();
    let alone = Expr::case(kind().is_in(alone_kinds), 1).finally(0);
    let term = Expr::case(kind().eq(TokenKind::Prefix.as_str()), Expr::col((tok::Entity, tok::Column::Token)));
    let mut inner = Query::select();
    inner
        .column((tok::Entity, tok::Column::CustomerId))
        .expr_as(Func::max(rank.finally(0)), Alias::new("rank"))
        .expr_as(Func::max(alone), Alias::new("alone"))
        .expr_as(Func::count_distinct(term), Alias::new("terms"))
        .from(tok::Entity)
        .and_where(Expr::col((tok::Entity, tok::Column::Token)).is_in(tokens))
        .group_by_col((tok::Entity, tok::Column::CustomerId));
    let mut outer = Query::select();
    outer
        .from_subquery(inner, Alias::new("m"))
        .join(
            JoinType::InnerJoin,
            customer::Entity,
            Expr::col((customer::Entity, customer::Column::Id)).equals((Alias::new("m"), Alias::new("customer_id"))),
        )
        .cond_where(condition(q))
        .and_where(m("alone").eq(1).or(m("terms").eq(plan.terms.len() as i64)));
    outer
}

/// Up to `limit` results after `after`, best rank first, then by id. One statement (and
/// the data keys of names not cached, from the key store).
pub async fn find(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    plan: &SearchPlan,
    q: &CustomerQuery,
    after: Option<&SearchCursor>,
    limit: u64,
) -> StoreResult<Vec<SearchHit>> {
    let mut stmt = matches(codec, plan, q);
    stmt.columns(customer::Column::iter().map(|c| (customer::Entity, c))).column((Alias::new("m"), Alias::new("rank")));
    if let Some(after) = after {
        let id = Expr::col((customer::Entity, customer::Column::Id));
        stmt.and_where(m("rank").lt(after.rank).or(m("rank").eq(after.rank).and(id.gt(after.id.as_str()))));
    }
    stmt.order_by_expr(m("rank"), Order::Desc)
        .order_by((customer::Entity, customer::Column::Id), Order::Asc)
        .limit(limit);
    let rows = db.query_all(&stmt).await.context("search customers")?;
    let mut models = Vec::with_capacity(rows.len());
    let mut ranks = Vec::with_capacity(rows.len());
    for row in &rows {
        models.push(customer::Model::from_query_result(row, "").context("decode a search result")?);
        ranks.push(row.try_get::<i32>("", "rank").context("decode a search rank")?);
    }
    let customers = decode_all(codec, models).await?;
    Ok(customers.into_iter().zip(ranks).map(|(customer, rank)| SearchHit { customer, rank }).collect())
}

/// How many profiles match, counted up to `cap` (one statement).
pub async fn count(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    plan: &SearchPlan,
    q: &CustomerQuery,
    cap: u64,
) -> StoreResult<u64> {
    let mut capped = matches(codec, plan, q);
    capped.expr(Expr::val(1)).limit(cap);
    let mut stmt = Query::select();
    stmt.expr_as(Func::count(Expr::val(1)), Alias::new("n")).from_subquery(capped, Alias::new("c"));
    let row = db.query_one(&stmt).await.context("count search results")?;
    let n = row.map(|r| r.try_get::<i64>("", "n")).transpose().context("decode a count")?.unwrap_or(0);
    Ok(n as u64)
}
