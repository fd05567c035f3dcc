//! A search as one statement, in three disjoint tiers, each read only as far as a page (or
//! the count's cap) needs, so that a word or prefix shared by a large part of the base
//! costs a page, not the base:
//!
//! - the **identified** tier: profiles holding a token that is a result on its own (an
//!   identifier, a partial identifier, the full name), grouped per profile and ranked by
//!   the best kind held. Their lists are short (identifiers are selective).
//! - the **word** tier (rank 2): profiles holding a word typed whole and the prefix of
//!   every other word, and none of the identified tier's tokens: one stream per word, its
//!   holders in id order off the primary key `(token, kind, customer_id)`, merged without
//!   repeats;
//! - the **prefix** tier (rank 1): profiles holding every word's prefix and none of the
//!   tokens above, in id order off the longest prefix's range (the most selective, as a
//!   rule).
//!
//! The other prefixes a stream's holders must hold are ranges of the same key in the same
//! order (PostgreSQL merges them); the tokens they must not hold (identifiers, whole
//! words: short lists) are looked up once per statement. Profiles are joined only for the
//! page's rows, unless a filter (labels, status, attribute, updated since) must be checked
//! on every candidate: a merged or erased profile holds no token (`rebuild`), so without a
//! filter a token's holder is a listable profile.
//!
//! (Until 2026-11-30 whole words were grouped with the identifiers and every group probed
//! for the prefixes: PostgreSQL hashed every holder of a common first name's prefix, ~100
//! ms at 1M profiles, and counting went through a random probe per candidate.)
//!
//! The tiers' union, ordered by rank then id, is the page; a cursor skips the tiers above
//! its rank.

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

/// The rank of a word-tier hit.
const WORD_RANK: i32 = 2;
/// The rank of a prefix-tier hit.
const PREFIX_RANK: i32 = 1;

fn col(table: &str, col: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(col)))
}

/// The keyed tokens a search looks up.
struct Keyed {
    /// Tokens that make a profile a result on their own (identifiers, partials, the name).
    alone: Vec<i64>,
    /// Each word typed, whole, with the prefixes of the other words.
    words: Vec<(i64, Vec<i64>)>,
    /// Each word's prefix, the longest (most selective) first.
    prefixes: Vec<i64>,
}

impl Keyed {
    fn new(codec: &PiiCodec, plan: &SearchPlan) -> Self {
        let key = |kind: TokenKind, text: &str| codec.search_token(kind.as_str(), text);
        let alone = plan.alone.iter().map(|(kind, text)| key(*kind, text)).collect();
        let mut terms: Vec<&String> = plan.terms.iter().collect();
        terms.sort_by_key(|t| std::cmp::Reverse(t.chars().count()));
        let words = plan
            .words
            .iter()
            .map(|w| {
                let own = crate::domain::search::prefix(w);
                let others = terms.iter().filter(|t| ***t != own).map(|t| key(TokenKind::Prefix, t)).collect();
                (key(TokenKind::Word, w), others)
            })
            .collect();
        let prefixes = terms.iter().map(|t| key(TokenKind::Prefix, t)).collect();
        Self { alone, words, prefixes }
    }

    fn word_tokens(&self) -> impl Iterator<Item = i64> + '_ {
        self.words.iter().map(|(w, _)| *w)
    }
}

/// Whether `q` has a condition a token cannot answer (anything beyond "listable").
fn filtered(q: &CustomerQuery) -> bool {
    q.status.is_some() || !q.label_ids.is_empty() || q.attribute.is_some() || q.updated_since.is_some()
}

/// Join the profile of `table.customer_id` and keep those `q` selects.
fn filter_by(stmt: &mut SelectStatement, table: &str, q: &CustomerQuery) {
    stmt.join(
        JoinType::InnerJoin,
        customer::Entity,
        Expr::col((customer::Entity, customer::Column::Id)).equals((Alias::new(table), Alias::new("customer_id"))),
    )
    .cond_where(condition(q));
}

/// The identified tier: `(customer_id, rank)` of every profile holding one of `alone`
/// (`None` when there is none to look up).
fn identified(keyed: &Keyed, q: &CustomerQuery) -> Option<SelectStatement> {
    if keyed.alone.is_empty() {
        return None;
    }
    let kind = || Expr::col((tok::Entity, tok::Column::Kind));
    let alone: Vec<TokenKind> = TokenKind::ALL.iter().copied().filter(|k| k.matches_alone()).collect();
    let mut rank = Expr::case(kind().eq(alone[0].as_str()), alone[0].rank());
    for k in &alone[1..] {
        rank = rank.case(kind().eq(k.as_str()), k.rank());
    }
    let mut inner = Query::select();
    inner
        .column((tok::Entity, tok::Column::CustomerId))
        .expr_as(Func::max(rank.finally(0)), Alias::new("rank"))
        .from(tok::Entity)
        .and_where(Expr::col((tok::Entity, tok::Column::Token)).is_in(keyed.alone.clone()))
        .group_by_col((tok::Entity, tok::Column::CustomerId));
    let mut outer = Query::select();
    outer.column((Alias::new("m"), Alias::new("customer_id"))).column((Alias::new("m"), Alias::new("rank")));
    outer.from_subquery(inner, Alias::new("m"));
    if filtered(q) {
        filter_by(&mut outer, "m", q);
    }
    Some(outer)
}

/// One ordered range of the primary key: the holders of `token` (of `kind`) as `alias`, in
/// id order, that also hold each of `prefixes`, none of `excluded`, are listed by `q`, and
/// come after `after`; the first `limit`.
fn stream(
    alias: &str,
    (token, kind): (i64, TokenKind),
    prefixes: &[i64],
    excluded: Vec<i64>,
    q: &CustomerQuery,
    after: Option<&str>,
    limit: u64,
) -> SelectStatement {
    let mut stmt = Query::select();
    stmt.column((Alias::new(alias), Alias::new("customer_id")))
        .from_as(tok::Entity, Alias::new(alias))
        .and_where(col(alias, "token").eq(token))
        .and_where(col(alias, "kind").eq(kind.as_str()));
    for &p in prefixes {
        stmt.and_where(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from_as(tok::Entity, Alias::new("x"))
                .and_where(col("x", "token").eq(p))
                .and_where(col("x", "kind").eq(TokenKind::Prefix.as_str()))
                .and_where(col("x", "customer_id").equals((Alias::new(alias), Alias::new("customer_id"))))
                .to_owned(),
        ));
    }
    // The holders of any excluded token, looked up once (a hash on PostgreSQL): these lists
    // are identifiers and whole words, short beside a prefix's. The token's value implies
    // its kind (each kind is keyed in its own namespace).
    if !excluded.is_empty() {
        stmt.and_where(
            col(alias, "customer_id").not_in_subquery(
                Query::select()
                    .column((Alias::new("e"), Alias::new("customer_id")))
                    .from_as(tok::Entity, Alias::new("e"))
                    .and_where(col("e", "token").is_in(excluded))
                    .to_owned(),
            ),
        );
    }
    if filtered(q) {
        filter_by(&mut stmt, alias, q);
    }
    if let Some(id) = after {
        stmt.and_where(col(alias, "customer_id").gt(id));
    }
    stmt.order_by((Alias::new(alias), Alias::new("customer_id")), Order::Asc).limit(limit);
    stmt
}

/// The word tier: profiles holding a whole word typed and every other word's prefix, and
/// none of the identified tier's tokens; one stream per word, merged without repeats.
fn worded(keyed: &Keyed, q: &CustomerQuery, after: Option<&str>, limit: u64) -> Option<SelectStatement> {
    let streams = keyed.words.iter().enumerate().map(|(i, (word, others))| {
        stream(&format!("w{i}"), (*word, TokenKind::Word), others, keyed.alone.clone(), q, after, limit)
    });
    let union = union_of(streams, UnionType::Distinct, "s")?;
    let mut tier = Query::select();
    tier.column((Alias::new("ws"), Alias::new("customer_id")))
        .expr_as(Expr::val(WORD_RANK), Alias::new("rank"))
        .from_subquery(union, Alias::new("ws"))
        .order_by((Alias::new("ws"), Alias::new("customer_id")), Order::Asc)
        .limit(limit);
    Some(tier)
}

/// The prefix tier: profiles holding every word's prefix and none of the tokens above, read
/// in id order off the longest prefix's range (`None` when the text has no word).
fn prefixed(keyed: &Keyed, q: &CustomerQuery, after: Option<&str>, limit: u64) -> Option<SelectStatement> {
    let (first, rest) = keyed.prefixes.split_first()?;
    let excluded = keyed.alone.iter().copied().chain(keyed.word_tokens()).collect();
    let one = stream("p", (*first, TokenKind::Prefix), rest, excluded, q, after, limit);
    let mut tier = Query::select();
    tier.column((Alias::new("ps"), Alias::new("customer_id")))
        .expr_as(Expr::val(PREFIX_RANK), Alias::new("rank"))
        .from_subquery(one, Alias::new("ps"));
    Some(tier)
}

/// The union of `parts`, each wrapped as a sub-query (`{alias}0`, `{alias}1`…) so that its
/// own order and limit hold on both databases; `None` when there is none.
fn union_of(parts: impl IntoIterator<Item = SelectStatement>, kind: UnionType, alias: &str) -> Option<SelectStatement> {
    let mut wrapped = parts.into_iter().enumerate().map(|(i, part)| {
        let mut one = Query::select();
        one.column(Asterisk).from_subquery(part, Alias::new(format!("{alias}{i}")));
        one
    });
    let mut union = wrapped.next()?;
    for one in wrapped {
        union.union(kind, one);
    }
    Some(union)
}

/// The tiers a page after `after` reads, each ordered and limited to `limit` rows.
fn tiers(keyed: &Keyed, q: &CustomerQuery, after: Option<&SearchCursor>, limit: u64) -> Vec<SelectStatement> {
    let mut tiers = Vec::with_capacity(3);
    let after_rank = after.map_or(i32::MAX, |a| a.rank);
    let id_after = |rank: i32| after.filter(|a| a.rank == rank).map(|a| a.id.as_str());
    // The identified tier's ranks are 2 (a partial identifier) and above.
    if after_rank >= WORD_RANK
        && let Some(mut top) = identified(keyed, q)
    {
        if let Some(a) = after {
            let (rank, id) = (col("m", "rank"), col("m", "customer_id"));
            top.and_where(rank.clone().lt(a.rank).or(rank.eq(a.rank).and(id.gt(a.id.as_str()))));
        }
        top.order_by_expr(col("m", "rank"), Order::Desc)
            .order_by((Alias::new("m"), Alias::new("customer_id")), Order::Asc)
            .limit(limit);
        tiers.push(top);
    }
    if after_rank >= WORD_RANK
        && let Some(words) = worded(keyed, q, id_after(WORD_RANK), limit)
    {
        tiers.push(words);
    }
    if let Some(prefixes) = prefixed(keyed, q, id_after(PREFIX_RANK), limit) {
        tiers.push(prefixes);
    }
    tiers
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
    let Some(union) = union_of(tiers(&keyed, q, after, limit), UnionType::All, "t") else { return Ok(Vec::new()) };
    let mut page = Query::select();
    page.column(Asterisk)
        .from_subquery(union, Alias::new("u"))
        .order_by_expr(col("u", "rank"), Order::Desc)
        .order_by((Alias::new("u"), Alias::new("customer_id")), Order::Asc)
        .limit(limit);
    // The page's profiles (the listing's conditions again: without a filter they were not
    // checked above, and a profile may have changed since its tokens were read).
    let mut stmt = Query::select();
    stmt.columns(customer::Column::iter().map(|c| (customer::Entity, c)))
        .column((Alias::new("r"), Alias::new("rank")))
        .from_subquery(page, Alias::new("r"));
    filter_by(&mut stmt, "r", q);
    stmt.order_by_expr(col("r", "rank"), Order::Desc).order_by((customer::Entity, customer::Column::Id), Order::Asc);
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

/// How many profiles match, counted up to `cap`, in one statement: the identified tier up
/// to `cap`, plus the holders of every word's prefix that are not in it, up to `cap`.
///
/// The word and prefix tiers together are exactly those holders: a whole word's holder
/// holds its prefix token too (`domain::search`), so the word tier is a part of them and
/// the prefix tier the rest. Counting them as one stream reads the prefixes' ranges once:
/// counting the word tier apart merged each typed word's holders with another word's whole
/// prefix range (at 1M profiles, 3,334 holders of a first name against 81,472 of a 3-letter
/// prefix: 28 ms of a 67 ms count).
pub async fn count(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    plan: &SearchPlan,
    q: &CustomerQuery,
    cap: u64,
) -> StoreResult<u64> {
    let keyed = Keyed::new(codec, plan);
    let mut parts = Vec::with_capacity(2);
    if let Some(mut top) = identified(&keyed, q) {
        top.limit(cap);
        parts.push(top);
    }
    if let Some((first, rest)) = keyed.prefixes.split_first() {
        parts.push(stream("p", (*first, TokenKind::Prefix), rest, keyed.alone.clone(), q, None, cap));
    }
    let mut total: Option<Expr> = None;
    for (i, part) in parts.into_iter().enumerate() {
        let mut n = Query::select();
        n.expr(Func::count(Expr::val(1))).from_subquery(part, Alias::new(format!("c{i}")));
        let n = Expr::SubQuery(None, Box::new(n.into()));
        total = Some(match total {
            Some(t) => t.add(n),
            None => n,
        });
    }
    let Some(total) = total else { return Ok(0) };
    let mut stmt = Query::select();
    stmt.expr_as(total, Alias::new("n"));
    let row = db.query_one(&stmt).await.context("count search results")?;
    let n = row.map(|r| r.try_get::<i64>("", "n")).transpose().context("decode a count")?.unwrap_or(0);
    Ok(std::cmp::Ord::min(n as u64, cap))
}
