//! The resolvers that return customers and prefetch what the query selects under them:
//! `customer(id)`, `customerByExternalRef`, `resolveCustomer`, mutation results, `_entities`.

use super::{prime, selections};
use crate::domain::customer::Customer as CustomerRecord;
use crate::domain::id::CustomerId;
use crate::graphql::context::loaders;
use crate::graphql::loaders::{
    AttributesOf, CustomerById, ExternalRefsOf, IdentitiesOf, InteractionsOf, LabelsOf, Loaders, PreferencesOf,
};
use crate::graphql::types::Customer;
use crate::service::identification::Resolution;
use crate::service::merge::MergePreview;
use async_graphql::{Context, ErrorExtensions as _, Lookahead, Name, Value};

/// Customers a resolver already holds (read or written): cache them, and load what each
/// selection asks under them. `parts` pairs a selection of `Customer` with its records.
pub async fn roots(ctx: &Context<'_>, parts: &[(&Lookahead<'_>, &[CustomerRecord])]) -> async_graphql::Result<()> {
    let l = loaders(ctx);
    let records = parts.iter().flat_map(|(_, records)| records.iter());
    l.feed_many(records.map(|r| (CustomerById(r.id.clone()), Some(r.clone())))).await;
    let ids: Vec<Vec<CustomerId>> =
        parts.iter().map(|(_, records)| records.iter().map(|r| r.id.clone()).collect()).collect();
    let parts: Vec<(&Lookahead<'_>, &[CustomerId])> =
        parts.iter().zip(&ids).map(|((node, _), ids)| (*node, ids.as_slice())).collect();
    selections(ctx, &parts).await
}

/// One customer by id, for a root field whose selection (`ctx.look_ahead()`) is a `Customer`:
/// its row first (without the loader's delay), then every child the query selects, at once.
pub async fn one(ctx: &Context<'_>, id: CustomerId) -> async_graphql::Result<Option<Customer>> {
    let l = loaders(ctx);
    prime(l, [CustomerById(id.clone())]).await.map_err(|e| e.as_ref().extend())?;
    let record = l.load_one(CustomerById(id)).await.map_err(|e| e.as_ref().extend())?.flatten();
    let Some(record) = record else { return Ok(None) };
    roots(ctx, &[(&ctx.look_ahead(), std::slice::from_ref(&record))]).await?;
    Ok(Some(Customer(record)))
}

/// `resolveCustomer`: the customers of a resolution, under each selection that shows them.
pub async fn resolution(ctx: &Context<'_>, r: &Resolution) -> async_graphql::Result<()> {
    let node = ctx.look_ahead();
    let (customer, suggested, matched) =
        (node.field("customer"), node.field("suggestedMatches"), node.field("matches").field("customer"));
    let matches: Vec<CustomerRecord> = r.matches.iter().map(|m| m.customer.clone()).collect();
    let own = r.customer.as_slice();
    roots(ctx, &[(&customer, own), (&suggested, &matches), (&matched, &matches)]).await
}

/// `_entities`: the entity resolvers run concurrently, one per representation; the first
/// loads what the query selects under `... on Customer` for every `Customer` representation
/// (the rows are already cached by [`crate::graphql::entities`]), the others wait for it.
/// Errors are left for the field resolvers to report.
pub async fn entities(ctx: &Context<'_>) {
    let l = loaders(ctx);
    l.loader()
        .entities_prefetched
        .get_or_init(|| async {
            let ids = customer_representations(ctx);
            let _ = super::customers(ctx, &ctx.look_ahead(), &ids).await;
        })
        .await;
}

/// The ids of the `Customer` representations of this `_entities` field.
fn customer_representations(ctx: &Context<'_>) -> Vec<CustomerId> {
    let args = ctx.field().arguments().unwrap_or_default();
    let Some((_, Value::List(items))) = args.into_iter().find(|(name, _)| name == "representations") else {
        return Vec::new();
    };
    let (typename, id) = (Name::new("__typename"), Name::new("id"));
    items
        .iter()
        .filter_map(|item| match item {
            Value::Object(fields) => match (fields.get(&typename), fields.get(&id)) {
                (Some(Value::String(t)), Some(Value::String(id))) if t == "Customer" => CustomerId::lookup(id),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Put a merge preview in this request's loader cache, so that the returned `Customer`
/// shows the merged state although nothing was written.
pub async fn preview(l: &Loaders, p: MergePreview) {
    let id = p.survivor.id.clone();
    l.feed_one(CustomerById(id.clone()), Some(p.survivor)).await;
    l.feed_one(IdentitiesOf(id.clone()), p.identities).await;
    l.feed_one(LabelsOf(id.clone()), p.labels).await;
    l.feed_one(PreferencesOf(id.clone()), p.preferences).await;
    l.feed_one(AttributesOf(id.clone()), p.attributes).await;
    l.feed_one(ExternalRefsOf(id.clone()), p.external_refs).await;
    let (page, history) = p.history;
    l.feed_one(InteractionsOf { customer_id: id, page }, history).await;
}
