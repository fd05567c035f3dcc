//! Response objects in the order their fields were selected.
//!
//! async-graphql 7.2 resolves an object's fields concurrently and inserts each into the
//! object as it *completes* (`FuturesUnordered` in `resolver_utils::container`), so a field
//! that waits on a DataLoader (`labels`) lands after the fields that do not. GraphQL's
//! CollectFields fixes the order of an object's keys: the order of the selection set. This
//! puts every object of a response back in that order, walking the executed operation with
//! the schema's types so that fragments' type conditions apply as they did in execution.

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, Field, FragmentDefinition, OperationDefinition, OperationType,
    Selection, SelectionSet,
};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{InputType, Name, Positioned, Value, Variables};
use std::collections::HashMap;

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
    Walk { fragments: &doc.fragments, variables, registry }.value(data, &[&op.selection_set.node], root);
}

struct Walk<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    variables: &'a Variables,
    registry: &'a Registry,
}

impl<'a> Walk<'a> {
    /// `ty` is the field's named type (`None`: unknown, then type conditions are not applied).
    fn value(&self, value: &mut Value, sets: &[&'a SelectionSet], ty: Option<&str>) {
        match value {
            Value::List(items) => items.iter_mut().for_each(|item| self.value(item, sets, ty)),
            Value::Object(map) => self.object(map, sets, ty),
            _ => {}
        }
    }

    fn object(&self, map: &mut IndexMap<Name, Value>, sets: &[&'a SelectionSet], ty: Option<&str>) {
        let concrete = self.concrete(map, sets, ty);
        let mut fields: IndexMap<&'a str, Vec<&'a Field>> = IndexMap::new();
        for set in sets {
            self.collect(set, concrete.as_deref(), &mut fields);
        }
        let mut unordered = std::mem::take(map);
        for (key, group) in fields {
            let Some((key, mut value)) = unordered.shift_remove_entry(key) else { continue };
            let children: Vec<&SelectionSet> =
                group.iter().map(|f| &f.selection_set.node).filter(|s| !s.items.is_empty()).collect();
            if !children.is_empty() {
                let field_type = concrete
                    .as_deref()
                    .and_then(|t| self.registry.types.get(t))
                    .and_then(|t| t.field_by_name(&group[0].name.node))
                    .map(|f| MetaTypeName::concrete_typename(&f.ty).to_owned());
                self.value(&mut value, &children, field_type.as_deref());
            }
            map.insert(key, value);
        }
        // Nothing should be left; if something is, it is kept, after the selected keys.
        map.extend(unordered);
    }

    /// The object's own type: the field's type when it is an object type, else (an
    /// interface or a union) what its `__typename` says, if it was selected.
    fn concrete(&self, map: &IndexMap<Name, Value>, sets: &[&'a SelectionSet], ty: Option<&str>) -> Option<String> {
        let meta = self.registry.types.get(ty?)?;
        if let MetaType::Object { name, .. } = meta {
            return Some(name.clone());
        }
        let mut fields = IndexMap::new();
        sets.iter().for_each(|set| self.collect(set, None, &mut fields));
        fields.iter().filter(|(_, group)| group[0].name.node == "__typename").find_map(|(key, _)| match map.get(*key) {
            Some(Value::String(name)) => Some(name.clone()),
            _ => None,
        })
    }

    /// CollectFields: the response keys of `set` in order, with their fields, for an
    /// object of type `concrete` (`None`: every fragment applies).
    fn collect(&self, set: &'a SelectionSet, concrete: Option<&str>, out: &mut IndexMap<&'a str, Vec<&'a Field>>) {
        for item in &set.items {
            if self.skipped(item.node.directives()) {
                continue;
            }
            match &item.node {
                Selection::Field(field) => {
                    out.entry(field.node.response_key().node.as_str()).or_default().push(&field.node)
                }
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
        let schema =
            Schema::build(Query, EmptyMutation, EmptySubscription).extension(super::super::codes::ErrorCodes).finish();
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
