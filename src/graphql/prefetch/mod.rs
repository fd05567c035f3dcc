//! Prefetching: filling the request's loader cache ahead of the resolvers.
//!
//! DataLoaders batch what is requested within their delay window; on a slow machine a page
//! of 100 customers can take longer than that to walk, splitting the batches. A list
//! resolver knows every parent id up front, so it loads each child kind requested by the
//! query (read from the look-ahead) in one call: one statement per kind, always.

use super::context::loaders;
use super::loaders::{
    ActivityOf, AssignmentsOf, AttributesOf, CustomerById, ExternalRefsOf, IdentitiesOf, InteractionsOf, LabelsOf,
    Loaders, PreferencesOf,
};
use super::pagination::history_page;
use crate::domain::Channel;
use crate::domain::enums::InteractionKind;
use crate::domain::id::CustomerId;
use crate::domain::interaction::HistoryPage;
use crate::service::merge::MergePreview;
use async_graphql::{Context, ErrorExtensions as _, Lookahead, Value};

/// The history page a look-ahead of `interactions(...)` asks for, when its arguments are
/// literals or variables that parse.
fn page_from_arguments(args: &[(async_graphql::Name, Value)]) -> Option<HistoryPage> {
    let mut first = None;
    let mut after = None;
    let mut channel = None;
    let (mut kind, mut since, mut until, mut outcome, mut topic) = (None, None, None, None, None);
    let time = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&chrono::Utc));
    for (name, value) in args {
        match (name.as_str(), value) {
            ("first", Value::Number(n)) => first = Some(i32::try_from(n.as_i64()?).ok()?),
            ("after", Value::String(s)) => after = Some(s.as_str()),
            ("channel", Value::Enum(c)) => channel = Some(c.as_str().parse::<Channel>().ok()?),
            ("channel", Value::String(c)) => channel = Some(c.parse::<Channel>().ok()?),
            ("kind", Value::Enum(k)) => kind = Some(InteractionKind::parse(k.as_str())?),
            ("kind", Value::String(k)) => kind = Some(InteractionKind::parse(k)?),
            ("since", Value::String(s)) => since = Some(time(s)?),
            ("until", Value::String(s)) => until = Some(time(s)?),
            ("outcome", Value::String(s)) => outcome = Some(s.as_str()),
            ("topic", Value::String(s)) => topic = Some(s.as_str()),
            (_, Value::Null) => {}
            _ => return None,
        }
    }
    let mut page = history_page(first, after, channel).ok()?;
    page.filter = super::inputs::history_filter(kind, since, until, outcome, topic).ok()?;
    Some(page)
}

/// Load every child kind that `node` (the look-ahead of a `Customer`) selects, for all `ids`.
pub async fn customers(ctx: &Context<'_>, node: &Lookahead<'_>, ids: &[CustomerId]) -> async_graphql::Result<()> {
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
    let activity = async {
        if wants("activity") { l.load_many(ids.iter().cloned().map(ActivityOf)).await.map(drop) } else { Ok(()) }
    };
    let assignments = async {
        if wants("labelAssignments") {
            l.load_many(ids.iter().cloned().map(AssignmentsOf)).await.map(drop)
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
    let (a, b, c, d, e, f, g, h) =
        futures_util::join!(identities, labels, prefs, attrs, refs, history, activity, assignments);
    for r in [a, b, c, d, e, f, g, h] {
        r.map_err(|e| e.as_ref().extend())?;
    }
    Ok(())
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
