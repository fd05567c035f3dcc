//! Relay-style connections. Cursors are opaque (base64url) but stable: a customer cursor
//! is its id (listing order), an interaction cursor is its (startedAt, id) position.

use super::{Customer, InteractionRef};
use crate::domain::{Error, Result as DomainResult, Scope};
use crate::graphql::context::{Require, services};
use crate::graphql::error::IntoGql;
use crate::store::customers::CustomerQuery;
use crate::store::{CustomerRecord, InteractionRecord, customers};
use async_graphql::{Context, Object, Result, SimpleObject};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

pub struct Cursor;

impl Cursor {
    pub fn customer(id: &str) -> String {
        URL_SAFE_NO_PAD.encode(format!("c:{id}"))
    }

    pub fn interaction(r: &InteractionRecord) -> String {
        URL_SAFE_NO_PAD.encode(format!("i:{}|{}", r.started_at.to_rfc3339(), r.id))
    }

    fn decode<'a>(field: &str, raw: &str, buf: &'a mut String, prefix: &str) -> DomainResult<&'a str> {
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| Error::bad_input(field, "not a valid cursor"))?;
        *buf = String::from_utf8(bytes).map_err(|_| Error::bad_input(field, "not a valid cursor"))?;
        buf.strip_prefix(prefix).ok_or_else(|| Error::bad_input(field, "not a cursor of this list"))
    }

    pub fn decode_customer(field: &str, raw: &str) -> DomainResult<String> {
        let mut buf = String::new();
        let id = Self::decode(field, raw, &mut buf, "c:")?;
        crate::domain::id::parse_id(field, id)
    }

    pub fn decode_interaction(field: &str, raw: &str) -> DomainResult<(DateTime<Utc>, String)> {
        let mut buf = String::new();
        let rest = Self::decode(field, raw, &mut buf, "i:")?;
        let (at, id) = rest.split_once('|').ok_or_else(|| Error::bad_input(field, "not a valid cursor"))?;
        let at = DateTime::parse_from_rfc3339(at).map_err(|_| Error::bad_input(field, "not a valid cursor"))?;
        Ok((at.with_timezone(&Utc), crate::domain::id::parse_id(field, id)?))
    }
}

#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(SimpleObject)]
pub struct CustomerEdge {
    pub cursor: String,
    pub node: Customer,
}

/// A page of customers.
pub struct CustomerConnection {
    pub edges: Vec<CustomerEdge>,
    pub page_info: PageInfo,
    pub query: CustomerQuery,
}

impl CustomerConnection {
    /// `rows` holds up to `first + 1` rows: the extra one only says there is a next page.
    pub fn new(mut rows: Vec<CustomerRecord>, first: usize, query: CustomerQuery) -> Self {
        let has_next_page = rows.len() > first;
        rows.truncate(first);
        let end_cursor = rows.last().map(|r| Cursor::customer(&r.id));
        let edges =
            rows.into_iter().map(|r| CustomerEdge { cursor: Cursor::customer(&r.id), node: Customer(r) }).collect();
        Self { edges, page_info: PageInfo { has_next_page, end_cursor }, query }
    }
}

#[Object(guard = "Require(Some(Scope::CustomersRead))")]
impl CustomerConnection {
    async fn edges(&self) -> &[CustomerEdge] {
        &self.edges
    }

    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// All customers matching the filter (one extra statement; ask only when shown).
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let n = customers::count(&services(ctx).store.db, &self.query).await.gql()?;
        Ok(n as i64)
    }
}

#[derive(SimpleObject)]
pub struct InteractionEdge {
    pub cursor: String,
    pub node: InteractionRef,
}

/// A page of a customer's interaction history, newest first.
#[derive(SimpleObject)]
pub struct InteractionConnection {
    pub edges: Vec<InteractionEdge>,
    pub page_info: PageInfo,
}

impl InteractionConnection {
    pub fn new(mut rows: Vec<InteractionRecord>, first: usize) -> Self {
        let has_next_page = rows.len() > first;
        rows.truncate(first);
        let end_cursor = rows.last().map(Cursor::interaction);
        let edges = rows
            .into_iter()
            .map(|r| InteractionEdge { cursor: Cursor::interaction(&r), node: InteractionRef(r) })
            .collect();
        Self { edges, page_info: PageInfo { has_next_page, end_cursor } }
    }
}
