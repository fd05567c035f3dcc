//! `searchCustomers`: arguments parsed at the edge, the search run by the service (which
//! audits it), its observations noted for the anomaly detector, and the page's children
//! prefetched like the `customers` page's.

use super::access_log::actor;
use super::context::{loaders, services};
use super::error::IntoGql;
use super::inputs::CustomerFilter;
use super::loaders::CustomerById;
use super::pagination::{decode_search_cursor, page_size};
use super::types::CustomerConnection;
use crate::domain::id::CustomerId;
use crate::domain::search::SearchText;
use crate::service::search::Search;
use async_graphql::{Context, Result};

pub async fn search_customers(
    ctx: &Context<'_>,
    text: &str,
    filter: Option<CustomerFilter>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<CustomerConnection> {
    let text = SearchText::parse("text", text).gql()?;
    let first = page_size(first).gql()?;
    let after = after.as_deref().map(|c| decode_search_cursor("after", c)).transpose().gql()?;
    let filter = filter.unwrap_or_default().parse().gql()?;
    let services = services(ctx);
    let query = services.customer_query(filter).await.gql()?;
    let search = Search { text, query, after, limit: first as u64 + 1 };
    let (hits, plan) = services.search_customers(&actor(ctx)?, &search).await.gql()?;
    let digest = services.search_digest(&search.text);
    super::anomaly::searched(ctx, digest, search.after.is_some(), hits.is_empty());
    let loaders = loaders(ctx);
    loaders.feed_many(hits.iter().map(|h| (CustomerById(h.customer.id.clone()), Some(h.customer.clone())))).await;
    let ids: Vec<CustomerId> = hits.iter().take(first).map(|h| h.customer.id.clone()).collect();
    super::prefetch::customers(ctx, &ctx.look_ahead().field("edges").field("node"), &ids).await?;
    Ok(CustomerConnection::search(hits, first, plan, search.query))
}
