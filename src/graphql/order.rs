//! Response objects in the order their fields were selected.
//!
//! async-graphql 7.2 resolves an object's fields concurrently and inserts each into the
//! object as it *completes* (`FuturesUnordered` in `resolver_utils::container`), so a field
//! that waits on a DataLoader (`labels`) lands after the fields that do not. GraphQL's
//! CollectFields fixes the order of an object's keys: the order of the selection set. This
//! puts every object of a response back in that order, walking the executed operation with
//! the schema's types so that fragments' type conditions apply as they did in execution.
//!
//! A response repeats the same selection for every item of a list, so CollectFields runs
//! once per (selection, concrete type) and its result, a [`Plan`], is reused; an object
//! whose keys are already in order (most: only fields that wait finish late) is left as it is.

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, Field, FragmentDefinition, OperationDefinition, OperationType,
    Selection, SelectionSet,
};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{InputType, Name, Positioned, Value, Variables};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// The operation a request executes, chosen as async-graphql chooses it.
pub fn selected<'d>(doc: &'d ExecutableDocument, name: Option<&str>) -> Option<&'d OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), None) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| &op.node),
        _ => None,
    }
}

/// Reorder `data`, the result of the operation `operation_name` of `doc`.
pub fn reorder(
    data: &mut Value,
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    registry: &Registry,
) {
    let Some(op) = selected(doc, operation_name) else { return };
    let root = match op.ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    };
    let walk = Walk { fragments: &doc.fragments, variables, registry };
    let root = walk.sets(vec![&op.selection_set.node], root);
    walk.value(data, &root);
}

/// The selection sets of one response key (a key selected twice merges its fields' sets),
/// how to tell the concrete type of its objects, and the plans made for them so far, by
/// concrete type (`None`: unknown, then type conditions are not applied).
struct Sets<'a> {
    sets: Vec<&'a SelectionSet>,
    /// The concrete type when the field's type is an object type.
    object: Option<&'a str>,
    /// Else (an interface or a union) the keys that select `__typename`.
    typename_keys: Vec<&'a str>,
    plans: RefCell<Vec<(Option<&'a str>, Rc<Plan<'a>>)>>,
}

/// CollectFields of some sets for one concrete type: the response keys in order, each with
/// the sets of its sub-selection (none for a leaf).
struct Plan<'a> {
    keys: Vec<(&'a str, Option<Sets<'a>>)>,
}

struct Walk<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    variables: &'a Variables,
    registry: &'a Registry,
}

impl<'a> Walk<'a> {
    /// The sets of a field whose named type is `ty` (`None`: unknown).
    fn sets(&self, sets: Vec<&'a SelectionSet>, ty: Option<&'a str>) -> Sets<'a> {
        let meta = ty.and_then(|t| self.registry.types.get(t));
        let object = match meta {
            Some(MetaType::Object { .. }) => ty,
            _ => None,
        };
        let mut typename_keys = Vec::new();
        if meta.is_some() && object.is_none() {
            let mut fields = Vec::new();
            sets.iter().for_each(|set| self.collect(set, None, &mut fields));
            typename_keys = first_of_each_key(&fields)
                .into_iter()
                .filter(|(_, field)| field.name.node == "__typename")
                .map(|(key, _)| key)
                .collect();
        }
        Sets { sets, object, typename_keys, plans: RefCell::default() }
    }

    fn value(&self, value: &mut Value, sets: &Sets<'a>) {
        match value {
            Value::List(items) => items.iter_mut().for_each(|item| self.value(item, sets)),
            Value::Object(map) => self.object(map, sets),
            _ => {}
        }
    }

    fn object(&self, map: &mut IndexMap<Name, Value>, sets: &Sets<'a>) {
        let plan = self.plan(sets, self.concrete(map, sets));
        if !in_order(map, &plan) {
            // Keys that were not selected (there should be none) stay, after the selected.
            // (An object has few keys: a type's fields, and at most `max_aliases` more.)
            let position = |key: &Name| plan.keys.iter().position(|(k, _)| *k == key.as_str());
            map.sort_by_cached_key(|key, _| position(key).unwrap_or(usize::MAX));
        }
        let mut keys = plan.keys.iter();
        for (key, value) in map.iter_mut() {
            let Some((_, child)) = keys.find(|(k, _)| *k == key.as_str()) else { break };
            if let Some(child) = child {
                self.value(value, child);
            }
        }
    }

    /// The plan for `sets` on an object of type `concrete`, made on first use.
    fn plan(&self, sets: &Sets<'a>, concrete: Option<&'a str>) -> Rc<Plan<'a>> {
        if let Some((_, plan)) = sets.plans.borrow().iter().find(|(ty, _)| *ty == concrete) {
            return plan.clone();
        }
        let mut fields = Vec::new();
        for set in &sets.sets {
            self.collect(set, concrete, &mut fields);
        }
        let keys: Vec<_> = first_of_each_key(&fields)
            .into_iter()
            .map(|(key, first)| {
                // A key selected more than once merges its fields' sub-selections.
                let children: Vec<&SelectionSet> = fields
                    .iter()
                    .filter(|(k, f)| *k == key && !f.selection_set.node.items.is_empty())
                    .map(|(_, f)| &f.selection_set.node)
                    .collect();
                let child = (!children.is_empty()).then(|| {
                    let field_type = concrete
                        .and_then(|t| self.registry.types.get(t))
                        .and_then(|t| t.field_by_name(&first.name.node))
                        .map(|f| MetaTypeName::concrete_typename(&f.ty));
                    self.sets(children, field_type)
                });
                (key, child)
            })
            .collect();
        let plan = Rc::new(Plan { keys });
        sets.plans.borrow_mut().push((concrete, plan.clone()));
        plan
    }

    /// The object's own type: the field's type when it is an object type, else (an
    /// interface or a union) what its `__typename` says, if it was selected.
    fn concrete(&self, map: &IndexMap<Name, Value>, sets: &Sets<'a>) -> Option<&'a str> {
        if sets.object.is_some() {
            return sets.object;
        }
        sets.typename_keys.iter().find_map(|key| match map.get(*key) {
            Some(Value::String(name)) => self.registry.types.get_key_value(name.as_str()).map(|(k, _)| k.as_str()),
            _ => None,
        })
    }

    /// CollectFields: the fields of `set` in order, with their response keys, for an object
    /// of type `concrete` (`None`: every fragment applies).
    fn collect(&self, set: &'a SelectionSet, concrete: Option<&str>, out: &mut Vec<(&'a str, &'a Field)>) {
        for item in &set.items {
            if self.skipped(item.node.directives()) {
                continue;
            }
            match &item.node {
                Selection::Field(field) => out.push((field.node.response_key().node.as_str(), &field.node)),
                Selection::FragmentSpread(spread) => {
                    let Some(fragment) = self.fragments.get(&spread.node.fragment_name.node) else { continue };
                    if self.applies(Some(&fragment.node.type_condition.node.on.node), concrete) {
                        self.collect(&fragment.node.selection_set.node, concrete, out);
                    }
                }
                Selection::InlineFragment(inline) => {
                    let condition = inline.node.type_condition.as_ref().map(|c| &c.node.on.node);
                    if self.applies(condition.map(|c| c.as_str()), concrete) {
                        self.collect(&inline.node.selection_set.node, concrete, out);
                    }
                }
            }
        }
    }

    fn applies(&self, condition: Option<&str>, concrete: Option<&str>) -> bool {
        match (condition, concrete) {
            (Some(condition), Some(concrete)) => {
                condition == concrete
                    || self.registry.types.get(condition).is_some_and(|t| t.is_possible_type(concrete))
            }
            _ => true,
        }
    }

    /// `@skip`/`@include` as async-graphql evaluates them (a variable without a value,
    /// even one with a default, counts as `false`).
    fn skipped(&self, directives: &[Positioned<Directive>]) -> bool {
        directives.iter().any(|d| {
            let include = match d.node.name.node.as_str() {
                "skip" => false,
                "include" => true,
                _ => return false,
            };
            let Some(condition) = d.node.get_argument("if") else { return false };
            let value = condition
                .node
                .clone()
                .into_const_with(|n| self.variables.get(&n).cloned().ok_or(()))
                .unwrap_or_default();
            let value: bool = InputType::parse(Some(value)).unwrap_or_default();
            include != value
        })
    }
}

/// The response keys of collected `fields` in order, each with its first field. The keys
/// are few (a type's fields, and at most `max_aliases` more), so a scan beats hashing.
fn first_of_each_key<'a>(fields: &[(&'a str, &'a Field)]) -> Vec<(&'a str, &'a Field)> {
    let mut firsts: Vec<(&str, &Field)> = Vec::new();
    for &(key, field) in fields {
        if !firsts.iter().any(|(k, _)| *k == key) {
            firsts.push((key, field));
        }
    }
    firsts
}

/// Whether the keys of `map` come in the plan's order (a key the plan lacks, or a key
/// out of place, is not).
fn in_order(map: &IndexMap<Name, Value>, plan: &Plan<'_>) -> bool {
    let mut keys = plan.keys.iter();
    map.keys().all(|key| keys.any(|(k, _)| *k == key.as_str()))
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Interface, Object, Schema};
    use std::time::Duration;

    /// A field that completes after the others.
    async fn late(n: i32) -> i32 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        n
    }

    struct A;

    #[Object]
    impl A {
        async fn a(&self) -> i32 {
            1
        }
        async fn b(&self) -> i32 {
            2
        }
        async fn c(&self) -> i32 {
            late(3).await
        }
    }

    struct B;

    #[Object]
    impl B {
        async fn b(&self) -> i32 {
            late(2).await
        }
        async fn c(&self) -> i32 {
            3
        }
    }

    #[derive(Interface)]
    #[allow(clippy::duplicated_attributes)] // two `field(…)` are two fields, not a repetition
    #[graphql(field(name = "b", ty = "i32"), field(name = "c", ty = "i32"))]
    enum U {
        A(A),
        B(B),
    }

    struct Query;

    #[Object]
    impl Query {
        async fn slow(&self) -> i32 {
            late(0).await
        }
        async fn fast(&self) -> i32 {
            1
        }
        async fn u(&self) -> Vec<U> {
            vec![U::A(A), U::B(B)]
        }
    }

    async fn run(query: &str) -> String {
        let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
            .extension(super::super::hooks::Hooks::default())
            .finish();
        let resp = schema.execute(query).await;
        assert!(resp.errors.is_empty(), "{:?}", resp.errors);
        serde_json::to_string(&resp.data).unwrap()
    }

    #[tokio::test]
    async fn keys_follow_the_selection_whatever_finishes_first() {
        let json = run("{ slow fast u { __typename ... on A { c a b } } }").await;
        assert_eq!(json, r#"{"slow":0,"fast":1,"u":[{"__typename":"A","c":3,"a":1,"b":2},{"__typename":"B"}]}"#);
    }

    #[tokio::test]
    async fn fragments_place_keys_only_where_their_type_condition_holds() {
        // For A, `c` comes first (its fragment applies); for B, that fragment does not.
        let json = run("{ u { __typename ... on A { c } ... on B { b } b c } }").await;
        assert_eq!(json, r#"{"u":[{"__typename":"A","c":3,"b":2},{"__typename":"B","b":2,"c":3}]}"#);
    }

    #[tokio::test]
    async fn skipped_fields_take_no_place() {
        let json = run("{ u { __typename ... on B { c @skip(if: true) b c } } }").await;
        assert_eq!(json, r#"{"u":[{"__typename":"A"},{"__typename":"B","b":2,"c":3}]}"#);
    }
}
