//! Relay-style connections (see `graphql::pagination` for cursors and page sizes).

use super::{Customer, InteractionRef};
use crate::domain::Scope;
use crate::domain::customer::Customer as CustomerRecord;
use crate::domain::interaction::Interaction;
use crate::domain::search::SearchPlan;
use crate::graphql::context::{Require, services};
use crate::graphql::error::IntoGql;
use crate::graphql::pagination::{PageInfo, customer_cursor, cut, interaction_cursor, search_cursor};
use crate::store::customers::CustomerQuery;
use crate::store::search::SearchHit;
use async_graphql::{Context, Object, Result, SimpleObject};

/// One customer of a page, with its cursor.
#[derive(SimpleObject)]
pub struct CustomerEdge {
    /// Opaque position of this customer: pass it as `after` to continue after it.
    pub cursor: String,
    /// The customer.
    pub node: Customer,
}

pub struct CustomerConnection {
    pub edges: Vec<CustomerEdge>,
    pub page_info: PageInfo,
    pub total: Total,
}

/// What `totalCount` counts: a listing's filter, or a search (capped).
pub enum Total {
    List(CustomerQuery),
    Search(Box<(SearchPlan, CustomerQuery)>),
}

impl CustomerConnection {
    /// `rows` holds up to `first + 1` rows: the extra one only says there is a next page.
    pub fn new(rows: Vec<CustomerRecord>, first: usize, query: CustomerQuery) -> Self {
        let (rows, page_info) = cut(rows, first, |r| customer_cursor(&r.id));
        let edges =
            rows.into_iter().map(|r| CustomerEdge { cursor: customer_cursor(&r.id), node: Customer(r) }).collect();
        Self { edges, page_info, total: Total::List(query) }
    }

    /// A page of search results (up to `first + 1` hits, best first).
    pub fn search(hits: Vec<SearchHit>, first: usize, plan: SearchPlan, query: CustomerQuery) -> Self {
        let cursor = |h: &SearchHit| search_cursor(h.rank, &h.customer.id);
        let (hits, page_info) = cut(hits, first, cursor);
        let edges = hits.into_iter().map(|h| CustomerEdge { cursor: cursor(&h), node: Customer(h.customer) }).collect();
        Self { edges, page_info, total: Total::Search(Box::new((plan, query))) }
    }
}

/// A page of customers.
#[Object(guard = "Require(Some(Scope::CustomersRead))")]
impl CustomerConnection {
    /// The customers of this page: in creation order, or for a search best match first.
    async fn edges(&self) -> &[CustomerEdge] {
        &self.edges
    }

    /// Whether more customers follow, and the cursor to ask for them.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// All customers matching the filter (one extra statement; ask only when shown). For `searchCustomers`
    /// it stops counting at 1000: `1000` means 1000 or more.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let n = match &self.total {
            Total::List(query) => services(ctx).count_customers(query).await.gql()?,
            Total::Search(search) => services(ctx).count_search(&search.0, &search.1).await.gql()?,
        };
        Ok(n as i64)
    }
}

/// One interaction of a page, with its cursor.
#[derive(SimpleObject)]
pub struct InteractionEdge {
    /// Opaque position of this interaction: pass it as `after` to continue after it.
    pub cursor: String,
    /// The interaction.
    pub node: InteractionRef,
}

/// A page of a customer's interaction history, newest first.
#[derive(SimpleObject)]
pub struct InteractionConnection {
    /// The interactions of this page, newest first.
    pub edges: Vec<InteractionEdge>,
    /// Whether older interactions follow, and the cursor to ask for them.
    pub page_info: PageInfo,
}

impl InteractionConnection {
    pub fn new(rows: Vec<Interaction>, first: usize) -> Self {
        let (rows, page_info) = cut(rows, first, interaction_cursor);
        let edges = rows
            .into_iter()
            .map(|r| InteractionEdge { cursor: interaction_cursor(&r), node: InteractionRef(r) })
            .collect();
        Self { edges, page_info }
    }
}
