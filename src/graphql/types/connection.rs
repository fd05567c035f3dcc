//! Relay-style connections (see `graphql::pagination` for cursors and page sizes).

use super::{Customer, InteractionRef};
use crate::domain::Scope;
use crate::domain::customer::Customer as CustomerRecord;
use crate::domain::interaction::Interaction;
use crate::graphql::context::{Require, services};
use crate::graphql::error::IntoGql;
use crate::graphql::pagination::{PageInfo, customer_cursor, cut, interaction_cursor};
use crate::store::customers::CustomerQuery;
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
    pub query: CustomerQuery,
}

impl CustomerConnection {
    /// `rows` holds up to `first + 1` rows: the extra one only says there is a next page.
    pub fn new(rows: Vec<CustomerRecord>, first: usize, query: CustomerQuery) -> Self {
        let (rows, page_info) = cut(rows, first, |r| customer_cursor(&r.id));
        let edges =
            rows.into_iter().map(|r| CustomerEdge { cursor: customer_cursor(&r.id), node: Customer(r) }).collect();
        Self { edges, page_info, query }
    }
}

/// A page of customers.
#[Object(guard = "Require(Some(Scope::CustomersRead))")]
impl CustomerConnection {
    /// The customers of this page, in creation order.
    async fn edges(&self) -> &[CustomerEdge] {
        &self.edges
    }

    /// Whether more customers follow, and the cursor to ask for them.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// All customers matching the filter (one extra statement; ask only when shown).
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let n = services(ctx).count_customers(&self.query).await.gql()?;
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
