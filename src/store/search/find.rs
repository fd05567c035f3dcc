//! A search as one statement, in two tiers so that a short prefix shared by half the base
//! costs a page, not the base:
//!
//! - the **ranked** tier: profiles holding a token that ranks above a prefix (an
//!   identifier, a partial identifier, the full name, a whole word), grouped per profile
//!   and ranked; a word hit counts only when the profile also holds the prefix of every
//!   word typed (one primary-key probe per word);
//! - the **prefix** tier: profiles holding the prefix of every word and no token of the
//!   ranked tier, all of rank 1, so they come by id: one ordered range of the primary key
//!   `(token, kind, customer_id)` of the most selective prefix, read until the page is full.
//!
//! The tiers are disjoint; their union, ordered by rank then id, is the page. A page that
//! starts inside the prefix tier (its cursor has rank 1) reads that tier alone.

use super::super::customers::{CustomerQuery, condition, decode_all};
use super::super::entity::{customer, search_token as tok};
use super::super::error::DbContext;
use super::super::{PiiCodec, StoreResult};
use crate::domain::customer::Customer;
use crate::domain::search::{SearchCursor, SearchPlan, TokenKind};
use sea_orm::sea_query::{Alias, Asterisk, Expr, Func, JoinType, Order, Query, SelectStatement, UnionType};
use sea_orm::{ConnectionTrait, ExprTrait as _, FromQueryResult, Iterable as _};

/// A result: the profile and its rank (the best kind of token it matched).
#[derive(Clone, Debug)]
pub struct SearchHit {
    pub customer: Customer,
    pub rank: i32,
}

/// The rank of a prefix-tier hit.
const PREFIX_RANK: i32 = 1;

fn col(table: &str, col: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(col)))
}

/// The keyed tokens of the ranked tier, and of each word's prefix (most selective, i.e.
/// longest, first).
struct Keyed {
    ranked: Vec<i64>,
    prefixes: Vec<i64>,
}

impl Keyed {
    fn new(codec: &PiiCodec, plan: &SearchPlan) -> Self {
        let ranked = plan
            .tokens()
            .iter()
            .filter(|(kind, _)| *kind != TokenKind::Prefix)
            .map(|(kind, text)| codec.search_token(kind.as_str(), text))
            .collect();
        let mut terms: Vec<&String> = plan.terms.iter().collect();
        terms.sort_by_key(|t| std::cmp::Reverse(t.chars().count()));
        let prefixes = terms.iter().map(|t| codec.search_token(TokenKind::Prefix.as_str(), t)).collect();
        Self { ranked, prefixes }
    }
}

/// The ranked tier among the profiles `q` selects: one row per profile, `m.rank` its best
/// token's rank.
fn ranked(keyed: &Keyed, q: &CustomerQuery) -> SelectStatement {
    let kind = || Expr::col((tok::Entity, tok::Column::Kind));
    let mut rank = Expr::case(kind().eq(TokenKind::ALL[0].as_str()), TokenKind::ALL[0].rank());
    for k in &TokenKind::ALL[1..] {
        rank = rank.case(kind().eq(k.as_str()), k.rank());
    }
    let alone_kinds: Vec<&str> = TokenKind::ALL.iter().filter(|k| k.matches_alone()).map(|k| k.as_str()).collect();
    let alone = Expr::case(kind().is_in(alone_kinds), 1).finally(0);
    let mut inner = Query::select();
    inner
        .column((tok::Entity, tok::Column::CustomerId))
        .expr_as(Func::max(rank.finally(0)), Alias::new("rank"))
        .expr_as(Func::max(alone), Alias::new("alone"))
        .from(tok::Entity)
        .and_where(Expr::col((tok::Entity, tok::Column::Token)).is_in(keyed.ranked.clone()))
        .group_by_col((tok::Entity, tok::Column::CustomerId));
    // A word hit alone is not a result: the profile must hold every word's prefix too.
    let mut qualifies = col("m", "alone").eq(1);
    if let Some(every) = keyed
        .prefixes
        .iter()
        .map(|&p| holds(("m", "customer_id"), TokenKind::Prefix.as_str(), p))
        .reduce(|a, b| a.and(b))
    {
        qualifies = qualifies.or(every);
    }
    let mut outer = Query::select();
    outer
        .from_subquery(inner, Alias::new("m"))
        .join(
            JoinType::InnerJoin,
            customer::Entity,
            Expr::col((customer::Entity, customer::Column::Id)).equals((Alias::new("m"), Alias::new("customer_id"))),
        )
        .cond_where(condition(q))
        .and_where(qualifies);
    outer
}

/// The prefix tier among the profiles `q` selects, read in id order from the most
/// selective prefix's range (`None` when the text has no word).
fn prefixed(keyed: &Keyed, q: &CustomerQuery) -> Option<SelectStatement> {
    let (first, rest) = keyed.prefixes.split_first()?;
    let pre = TokenKind::Prefix.as_str();
    let mut stmt = Query::select();
    stmt.from_as(tok::Entity, Alias::new("p"))
        .join(
            JoinType::InnerJoin,
            customer::Entity,
            Expr::col((customer::Entity, customer::Column::Id)).equals((Alias::new("p"), Alias::new("customer_id"))),
        )
        .and_where(col("p", "token").eq(*first))
        .and_where(col("p", "kind").eq(pre));
    for &p in rest {
        stmt.and_where(holds(("p", "customer_id"), pre, p));
    }
    // Not in the ranked tier: a profile holding any of its tokens is ranked there. One probe
    // of `ix_search_tokens_customer_token (customer_id, token)`, index-only; the kind need
    // not be checked, a token is keyed in its kind's namespace. (A probe per token made
    // the statement's planning cost more than its execution; an index on `customer_id`
    // alone had PostgreSQL fetch every token row of the profile.)
    stmt.and_where(
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from_as(tok::Entity, Alias::new("h"))
                .and_where(col("h", "customer_id").equals((Alias::new("p"), Alias::new("customer_id"))))
                .and_where(col("h", "token").is_in(keyed.ranked.clone()))
                .to_owned(),
        )
        .not(),
    )
    .cond_where(condition(q));
    Some(stmt)
}

/// `EXISTS` a token `token` of kind `kind` held by the profile in `customer_id` (a
/// primary-key probe).
fn holds(customer_id: (&str, &str), kind: &'static str, token: i64) -> Expr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from_as(tok::Entity, Alias::new("x"))
            .and_where(col("x", "token").eq(token))
            .and_where(col("x", "kind").eq(kind))
            .and_where(col("x", "customer_id").equals((Alias::new(customer_id.0), Alias::new(customer_id.1))))
            .to_owned(),
    )
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
    let keyed = Keyed::new(codec, plan);
    let columns = || customer::Column::iter().map(|c| (customer::Entity, c));
    let mut tiers: Vec<SelectStatement> = Vec::with_capacity(2);
    if after.is_none_or(|a| a.rank > PREFIX_RANK) {
        let mut top = ranked(&keyed, q);
        top.columns(columns()).column((Alias::new("m"), Alias::new("rank")));
        if let Some(after) = after {
            let id = Expr::col((customer::Entity, customer::Column::Id));
            top.and_where(
                col("m", "rank").lt(after.rank).or(col("m", "rank").eq(after.rank).and(id.gt(after.id.as_str()))),
            );
        }
        top.order_by_expr(col("m", "rank"), Order::Desc)
            .order_by((customer::Entity, customer::Column::Id), Order::Asc)
            .limit(limit);
        tiers.push(top);
    }
    if let Some(mut rest) = prefixed(&keyed, q).filter(|_| after.is_none_or(|a| a.rank >= PREFIX_RANK)) {
        rest.columns(columns()).expr_as(Expr::val(PREFIX_RANK), Alias::new("rank"));
        if let Some(after) = after.filter(|a| a.rank == PREFIX_RANK) {
            rest.and_where(col("p", "customer_id").gt(after.id.as_str()));
        }
        rest.order_by((Alias::new("p"), Alias::new("customer_id")), Order::Asc).limit(limit);
        tiers.push(rest);
    }
    let mut tiers = tiers.into_iter().enumerate().map(|(i, tier)| {
        let mut wrapped = Query::select();
        wrapped.column(Asterisk).from_subquery(tier, Alias::new(format!("t{i}")));
        wrapped
    });
    let Some(mut union) = tiers.next() else { return Ok(Vec::new()) };
    for tier in tiers {
        union.union(UnionType::All, tier);
    }
    let mut stmt = Query::select();
    stmt.column(Asterisk)
        .from_subquery(union, Alias::new("r"))
        .order_by_expr(col("r", "rank"), Order::Desc)
        .order_by((Alias::new("r"), Alias::new("id")), Order::Asc)
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

/// How many profiles match, counted up to `cap` (one statement: each tier counted up to
/// `cap`, read no further).
pub async fn count(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    plan: &SearchPlan,
    q: &CustomerQuery,
    cap: u64,
) -> StoreResult<u64> {
    let keyed = Keyed::new(codec, plan);
    let counted = |mut tier: SelectStatement, alias: &str| {
        tier.expr(Expr::val(1)).limit(cap);
        let mut n = Query::select();
        n.expr(Func::count(Expr::val(1))).from_subquery(tier, Alias::new(alias));
        Expr::SubQuery(None, Box::new(n.into()))
    };
    let mut total = counted(ranked(&keyed, q), "c1");
    if let Some(rest) = prefixed(&keyed, q) {
        total = total.add(counted(rest, "c2"));
    }
    let mut stmt = Query::select();
    stmt.expr_as(total, Alias::new("n"));
    let row = db.query_one(&stmt).await.context("count search results")?;
    let n = row.map(|r| r.try_get::<i64>("", "n")).transpose().context("decode a count")?.unwrap_or(0);
    Ok(std::cmp::Ord::min(n as u64, cap))
}
