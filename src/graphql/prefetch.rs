//! Prefetching the children of a page of customers.
//!
//! DataLoaders batch what is requested within their delay window; on a slow machine a page
//! of 100 customers can take longer than that to walk, splitting the batches. A list
//! resolver knows every parent id up front, so it loads each child kind requested by the
//! query (read from the look-ahead) in one call: one statement per kind, always.

use super::context::loaders;
use super::loaders::{AttributesOf, ExternalRefsOf, IdentitiesOf, InteractionsOf, LabelsOf, PreferencesOf};
use crate::domain::{Channel, Result};
use crate::store::interactions::HistoryPage;
use async_graphql::{Context, Lookahead, Value};

/// The history page of `Customer.interactions(first, after, channel)`.
pub fn history_page(first: Option<i32>, after: Option<&str>, channel: Option<Channel>) -> Result<HistoryPage> {
    let first = first.unwrap_or(20);
    if !(0..=100).contains(&first) {
        return Err(crate::domain::Error::bad_input("first", "first must be between 0 and 100"));
    }
    let before = after.map(|c| super::types::Cursor::decode_interaction("after", c)).transpose()?;
    Ok(HistoryPage { limit: first as u64 + 1, before, channel })
}

fn page_from_arguments(args: &[(async_graphql::Name, Value)]) -> Option<HistoryPage> {
    let mut first = None;
    let mut after = None;
    let mut channel = None;
    for (name, value) in args {
        match (name.as_str(), value) {
            ("first", Value::Number(n)) => first = Some(i32::try_from(n.as_i64()?).ok()?),
            ("after", Value::String(s)) => after = Some(s.as_str()),
            ("channel", Value::Enum(c)) => channel = Some(c.as_str().parse::<Channel>().ok()?),
            ("channel", Value::String(c)) => channel = Some(c.parse::<Channel>().ok()?),
            (_, Value::Null) => {}
            _ => return None,
        }
    }
    history_page(first, after, channel).ok()
}

/// Load every child kind that `node` (the look-ahead of a `Customer`) selects, for all `ids`.
pub async fn customers(ctx: &Context<'_>, node: &Lookahead<'_>, ids: &[String]) -> async_graphql::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let l = loaders(ctx);
    let wants = |name: &str| node.field(name).exists();
    let identities = async {
        if wants("identities") || node.field("preferences").field("preferredIdentity").exists() {
            l.load_many(ids.iter().cloned().map(IdentitiesOf)).await.map(drop)
        } else {
            Ok(())
        }
    };
    let labels =
        async { if wants("labels") { l.load_many(ids.iter().cloned().map(LabelsOf)).await.map(drop) } else { Ok(()) } };
    let prefs = async {
        if wants("preferences") { l.load_many(ids.iter().cloned().map(PreferencesOf)).await.map(drop) } else { Ok(()) }
    };
    let attrs = async {
        if wants("attributes") { l.load_many(ids.iter().cloned().map(AttributesOf)).await.map(drop) } else { Ok(()) }
    };
    let refs = async {
        if wants("externalRefs") {
            l.load_many(ids.iter().cloned().map(ExternalRefsOf)).await.map(drop)
        } else {
            Ok(())
        }
    };
    let history = async {
        for selection in node.field("interactions").selection_fields() {
            let Some(page) = selection.arguments().ok().and_then(|args| page_from_arguments(&args)) else { continue };
            l.load_many(ids.iter().map(|id| InteractionsOf { customer_id: id.clone(), page: page.clone() })).await?;
        }
        Ok(())
    };
    let (a, b, c, d, e, f) = futures_util::join!(identities, labels, prefs, attrs, refs, history);
    for r in [a, b, c, d, e, f] {
        r.map_err(|e| async_graphql::ErrorExtensions::extend(e.as_ref()))?;
    }
    Ok(())
}

/// For a dry run: read the survivor's would-be children inside the (to be rolled back)
/// transaction and put them in this request's loader cache, so the returned `Customer`
/// shows the merged state (history: the default first page).
pub async fn snapshot(ctx: &Context<'_>, tx: &sea_orm::DatabaseTransaction, customer_id: &str) -> Result<()> {
    use super::loaders::CustomerId;
    use crate::store::{attributes, customers, external_refs, identities, interactions, labels, preferences};
    let store = &super::context::services(ctx).store;
    let l = loaders(ctx);
    let ids = [customer_id.to_owned()];
    let one = |id: &str| id.to_owned();
    if let Some(c) = customers::get(tx, &store.pii, customer_id).await? {
        l.feed_one(CustomerId(one(customer_id)), Some(c)).await;
    }
    let idents = identities::by_customers(tx, &store.pii, &ids).await?.remove(customer_id).unwrap_or_default();
    l.feed_one(IdentitiesOf(one(customer_id)), idents).await;
    let lbls = labels::by_customers(tx, &ids).await?.remove(customer_id).unwrap_or_default();
    l.feed_one(LabelsOf(one(customer_id)), lbls).await;
    l.feed_one(PreferencesOf(one(customer_id)), preferences::get(tx, customer_id).await?).await;
    let attrs = attributes::by_customers(tx, &store.pii, &ids).await?.remove(customer_id).unwrap_or_default();
    l.feed_one(AttributesOf(one(customer_id)), attrs).await;
    let refs = external_refs::by_customers(tx, &ids).await?.remove(customer_id).unwrap_or_default();
    l.feed_one(ExternalRefsOf(one(customer_id)), refs).await;
    let page = history_page(None, None, None)?;
    let history = interactions::latest_for_customers(tx, &ids, &page).await?.remove(customer_id).unwrap_or_default();
    l.feed_one(InteractionsOf { customer_id: one(customer_id), page }, history).await;
    Ok(())
}

/// Federation `_entities`: the router sends every representation in one variable. Load
/// them per type in one call each before execution, so the entity resolvers (which run
/// concurrently and would otherwise batch only within the loader's time window) all hit
/// the cache: one statement per entity type, however busy the machine.
pub async fn entities(loaders: &super::loaders::Loaders, variables: &async_graphql::Variables) {
    use super::loaders::{CustomerId, IdentityId, InteractionId, LabelId};
    use crate::domain::id::normalize_id;
    let mut by_type: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for (_, value) in variables.iter() {
        let Value::List(items) = value else { continue };
        for item in items {
            let Value::Object(fields) = item else { continue };
            let (Some(Value::String(typename)), Some(Value::String(id))) = (fields.get("__typename"), fields.get("id"))
            else {
                continue;
            };
            if let Some(id) = normalize_id(id) {
                by_type.entry(typename.clone()).or_default().push(id);
            }
        }
    }
    // Errors are left for the resolvers to report.
    for (typename, ids) in by_type {
        let _ = match typename.as_str() {
            "Customer" => loaders.load_many(ids.into_iter().map(CustomerId)).await.map(drop),
            "ChannelIdentity" => loaders.load_many(ids.into_iter().map(IdentityId)).await.map(drop),
            "Label" => loaders.load_many(ids.into_iter().map(LabelId)).await.map(drop),
            "InteractionRef" => loaders.load_many(ids.into_iter().map(InteractionId)).await.map(drop),
            _ => Ok(()),
        };
    }
}
