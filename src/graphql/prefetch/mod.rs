//! Prefetching: filling the request's loader cache ahead of the resolvers (decision 0016).
//!
//! A DataLoader waits its delay (1 ms, more on a busy machine) before it sends a batch, and
//! each level of a query waits again: a 360° view of one customer spent most of its time
//! waiting. A resolver that returns customers knows their ids, and the look-ahead says which
//! children the query selects, so it loads every selected child kind at once, concurrently
//! (bounded by the pool), calling the store directly: no timer, one statement per kind,
//! however busy the machine. The child resolvers then find everything in the cache.

mod arguments;
mod roots;

pub use roots::{entities, one, preview, resolution, roots};

use super::context::loaders;
use super::loaders::{
    ActivityOf, AssignmentsOf, AttributesOf, ExternalRefsOf, IdentitiesOf, InteractionsOf, LabelsOf, LoadError,
    Loaders, MergesOf, PreferencesOf, StoreLoader,
};
use crate::domain::id::CustomerId;
use arguments::page_from_arguments;
use async_graphql::dataloader::Loader;
use async_graphql::{Context, ErrorExtensions as _, Lookahead};
use std::collections::HashSet;
use std::hash::Hash;

/// Load `keys` now (no batching delay) and keep the answers in the request's cache.
pub async fn prime<K>(l: &Loaders, keys: impl IntoIterator<Item = K>) -> Result<(), LoadError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    StoreLoader: Loader<K, Error = LoadError>,
{
    let mut seen = HashSet::new();
    let keys: Vec<K> = keys.into_iter().filter(|k| seen.insert(k.clone())).collect();
    if keys.is_empty() {
        return Ok(());
    }
    let values = l.loader().load(&keys).await?;
    l.feed_many(values).await;
    Ok(())
}

/// Load every child kind that `node` (the look-ahead of a `Customer`) selects, for all `ids`.
pub async fn customers(ctx: &Context<'_>, node: &Lookahead<'_>, ids: &[CustomerId]) -> async_graphql::Result<()> {
    selections(ctx, &[(node, ids)]).await
}

/// The ids of the parts whose selection `wants` something.
fn ids_wanting(parts: &[(&Lookahead<'_>, &[CustomerId])], wants: impl Fn(&Lookahead<'_>) -> bool) -> Vec<CustomerId> {
    parts.iter().filter(|(node, _)| wants(node)).flat_map(|(_, ids)| ids.iter().cloned()).collect()
}

/// Like [`customers`], for several selections of `Customer` at once (`resolveCustomer`'s
/// `customer`, `suggestedMatches` and `matches { customer }`): each child kind is loaded
/// once, for the ids of the selections that ask for it.
pub async fn selections(ctx: &Context<'_>, parts: &[(&Lookahead<'_>, &[CustomerId])]) -> async_graphql::Result<()> {
    // Nothing for a caller who may not read customers (`resolveCustomer` with
    // `customers:resolve` alone): the fields would refuse what was loaded.
    let may_read = super::context::caller(ctx).is_ok_and(|p| p.has(crate::domain::Scope::CustomersRead));
    if !may_read || parts.iter().all(|(_, ids)| ids.is_empty()) {
        return Ok(());
    }
    let l = loaders(ctx);
    let has = |name: &'static str| move |node: &Lookahead<'_>| node.field(name).exists();
    // `contactability` reads the preferences and identities; so does `preferredIdentity`.
    let identities = ids_wanting(parts, |n| {
        n.field("identities").exists()
            || n.field("contactability").exists()
            || n.field("preferences").field("preferredIdentity").exists()
    });
    let preferences = ids_wanting(parts, |n| n.field("preferences").exists() || n.field("contactability").exists());
    let mut pages = Vec::new();
    for (node, ids) in parts {
        for selection in node.field("interactions").selection_fields() {
            let Some(page) = selection.arguments().ok().and_then(|args| page_from_arguments(&args)) else { continue };
            pages.extend(ids.iter().map(|id| InteractionsOf { customer_id: id.clone(), page: page.clone() }));
        }
    }
    // Each on the heap: nine store loads side by side make one future too large for a
    // thread's stack in a debug build (tests overflowed 2 MiB on PostgreSQL).
    let results = futures_util::join!(
        Box::pin(prime(l, identities.into_iter().map(IdentitiesOf))),
        Box::pin(prime(l, preferences.into_iter().map(PreferencesOf))),
        Box::pin(prime(l, ids_wanting(parts, has("labels")).into_iter().map(LabelsOf))),
        Box::pin(prime(l, ids_wanting(parts, has("attributes")).into_iter().map(AttributesOf))),
        Box::pin(prime(l, ids_wanting(parts, has("externalRefs")).into_iter().map(ExternalRefsOf))),
        Box::pin(prime(l, ids_wanting(parts, has("activity")).into_iter().map(ActivityOf))),
        Box::pin(prime(l, ids_wanting(parts, has("labelAssignments")).into_iter().map(AssignmentsOf))),
        Box::pin(prime(l, ids_wanting(parts, has("merges")).into_iter().map(MergesOf))),
        Box::pin(prime(l, pages)),
    );
    let (a, b, c, d, e, f, g, h, i) = results;
    for r in [a, b, c, d, e, f, g, h, i] {
        r.map_err(|e| e.as_ref().extend())?;
    }
    Ok(())
}
