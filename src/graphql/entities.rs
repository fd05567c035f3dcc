//! Federation `_entities`: the router sends every representation in one request. These
//! steps (run by [`super::hooks`]) load them per type, one call each, after the document
//! is parsed and validated and before execution, so that the entity resolvers (which run concurrently and
//! would otherwise batch only within the loader's time window) all hit the cache: one
//! statement per entity type, however busy the machine.

use super::context::Caller;
use super::loaders::{CustomerById, IdentityById, InteractionById, LabelById, Loaders};
use super::prefetch::prime;
use crate::domain::Scope;
use crate::domain::id::{CustomerId, IdentityId, InteractionId, LabelId};
use async_graphql::extensions::ExtensionContext;
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};
use async_graphql::{Name, Value, Variables};
use std::collections::HashMap;
use std::sync::Mutex;

/// The representations of a request's `_entities` fields, once its document is parsed;
/// used only if the document also validates.
#[derive(Default)]
pub(super) struct Prefetch {
    representations: Mutex<Vec<Value>>,
    valid: Mutex<bool>,
}

impl Prefetch {
    /// After parsing: the representations, kept until validation says whether to load them.
    pub(super) fn parsed(&self, doc: &ExecutableDocument, variables: &Variables) {
        if let Ok(mut found) = self.representations.lock() {
            *found = representations(doc, variables);
        }
    }

    /// After validation: whether the document is valid.
    pub(super) fn validated(&self, valid: bool) {
        if let Ok(mut v) = self.valid.lock() {
            *v = valid;
        }
    }

    /// Before execution: a valid document's representations loaded, for a reader.
    pub(super) async fn before_execute(&self, ctx: &ExtensionContext<'_>) {
        let found = self.representations.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default();
        let valid = self.valid.lock().is_ok_and(|v| *v);
        let may_read = ctx.data_opt::<Caller>().and_then(|c| c.0.as_ref()).is_some_and(|p| p.has(Scope::CustomersRead));
        if valid
            && may_read
            && !found.is_empty()
            && let Some(loaders) = ctx.data_opt::<Loaders>()
        {
            load(loaders, &found).await;
        }
    }
}

/// The representations of every root `_entities` field of the document's queries, with
/// variables substituted.
pub(super) fn representations(doc: &ExecutableDocument, variables: &Variables) -> Vec<Value> {
    let mut out = Vec::new();
    for (_, op) in doc.operations.iter() {
        if op.node.ty != OperationType::Query {
            continue;
        }
        for selection in &op.node.selection_set.node.items {
            let Selection::Field(field) = &selection.node else { continue };
            if field.node.name.node != "_entities" {
                continue;
            }
            let Some(arg) = field.node.get_argument("representations") else { continue };
            let value = arg.node.clone().into_const_with(|name| variables.get(&name).cloned().ok_or(()));
            if let Ok(Value::List(items)) = value {
                out.extend(items);
            }
        }
    }
    out
}

/// Load the representations' entities, one statement per type, the types at once and
/// without the loader's delay. Errors are left for the resolvers to report.
async fn load(loaders: &Loaders, representations: &[Value]) {
    let mut by_type: HashMap<&str, Vec<&str>> = HashMap::new();
    for item in representations {
        let Value::Object(fields) = item else { continue };
        let (Some(Value::String(typename)), Some(Value::String(id))) =
            (fields.get(&Name::new("__typename")), fields.get(&Name::new("id")))
        else {
            continue;
        };
        by_type.entry(typename.as_str()).or_default().push(id.as_str());
    }
    let ids = |typename: &str| by_type.get(typename).map(Vec::as_slice).unwrap_or_default();
    let _ = futures_util::join!(
        prime(loaders, ids("Customer").iter().filter_map(|id| CustomerId::lookup(id)).map(CustomerById)),
        prime(loaders, ids("ChannelIdentity").iter().filter_map(|id| IdentityId::lookup(id)).map(IdentityById)),
        prime(loaders, ids("Label").iter().filter_map(|id| LabelId::lookup(id)).map(LabelById)),
        prime(loaders, ids("InteractionRef").iter().filter_map(|id| InteractionId::lookup(id)).map(InteractionById)),
    );
}
