//! Every error gets an `extensions.code`, named as Apollo Server names them, and no error
//! message repeats a value of the request (a value can be PII):
//!
//! - a syntax error: `GRAPHQL_PARSE_FAILED`, with pest's excerpt of the query (which
//!   quotes the line, literals included) cut to what was expected; `locations` says where;
//! - a validation error: `GRAPHQL_VALIDATION_FAILED`;
//! - an invalid argument or variable value (in validation or while coercing an argument):
//!   `BAD_USER_INPUT`, naming the argument and the expected type, never the value, with
//!   `extensions.field` like the domain's own input errors;
//! - an operation name that selects nothing: `OPERATION_RESOLUTION_FAILURE`;
//! - a persisted query (none are offered): `PERSISTED_QUERY_NOT_SUPPORTED`;
//! - a mutation sent with GET: `BAD_REQUEST` (the HTTP layer answers 405);
//! - anything else uncoded: `INTERNAL`. Errors that have a code keep it.
//!
//! The same steps (run by [`super::hooks`]) tell the HTTP layer how the request went ([`Outcome`]): a request
//! that never reached execution has no `data` and is a 400 for `graphql-response+json`.
//! And it puts response objects back in selection order ([`super::order`]), and checks the
//! query limits when given them ([`super::limits`]).

use super::limits::QueryLimits;
use super::order;
use async_graphql::extensions::ExtensionContext;
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{Pos, Request, Response, ServerError, ServerResult, ValidationResult, Variables};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// How a request went, for the HTTP layer: put an `Arc<Outcome>` in the request's data
/// and read it once `execute` returns.
#[derive(Debug, Default)]
pub struct Outcome {
    queries_only: bool,
    executed: AtomicBool,
    wrong_method: AtomicBool,
}

impl Outcome {
    /// `queries_only`: the transport cannot carry mutations (HTTP GET).
    pub fn new(queries_only: bool) -> Arc<Self> {
        Arc::new(Self { queries_only, ..Self::default() })
    }

    /// Whether execution started. If not, the request failed as a whole (parse,
    /// validation, variables, operation name): the response has no `data`.
    pub fn executed(&self) -> bool {
        self.executed.load(Ordering::Relaxed)
    }

    /// Whether a mutation was refused because the transport carries queries only.
    pub fn wrong_method(&self) -> bool {
        self.wrong_method.load(Ordering::Relaxed)
    }
}

/// What one request's later hooks need from its earlier ones. [`super::hooks`] calls
/// these around async-graphql's own steps, outermost (so it sees every other error).
#[derive(Default)]
pub(super) struct Codes {
    limits: Option<Arc<QueryLimits>>,
    operation_name: Mutex<Option<String>>,
    document: Mutex<Option<(ExecutableDocument, Variables)>>,
}

/// `error` with `code`, unless it has one.
fn coded(mut error: ServerError, code: &str) -> ServerError {
    fill(&mut error, code);
    error
}

fn fill(error: &mut ServerError, code: &str) {
    let ext = error.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
}

fn has_code(error: &ServerError) -> bool {
    error.extensions.as_ref().is_some_and(|e| e.get("code").is_some())
}

impl Codes {
    /// With the query limits to check (none in unit tests of other parts).
    pub(super) fn new(limits: Option<Arc<QueryLimits>>) -> Self {
        Self { limits, ..Self::default() }
    }

    /// The whole request's response: errors left uncoded by the steps below get one.
    pub(super) fn request(&self, mut response: Response) -> Response {
        for error in response.errors.iter_mut().filter(|e| !has_code(e)) {
            // Left uncoded by the hooks below: how async-graphql picks the operation.
            let code = if error.message.starts_with("Unknown operation named")
                || error.message.starts_with("Operation name required")
            {
                "OPERATION_RESOLUTION_FAILURE"
            } else {
                "BAD_REQUEST"
            };
            fill(error, code);
        }
        response
    }

    /// Before the request is prepared: persisted queries are refused.
    pub(super) fn prepare_request(&self, request: Request) -> ServerResult<Request> {
        if request.extensions.contains_key("persistedQuery") {
            return Err(coded(ServerError::new("PersistedQueryNotSupported", None), "PERSISTED_QUERY_NOT_SUPPORTED"));
        }
        *lock(&self.operation_name) = request.operation_name.clone();
        Ok(request)
    }

    /// Before parsing: the limits on the text.
    pub(super) fn before_parse(&self, query: &str) -> ServerResult<()> {
        match &self.limits {
            Some(limits) => limits.check_text(query),
            None => Ok(()),
        }
    }

    /// After parsing: the syntax error coded, the limits on the document, a mutation over
    /// a transport for queries refused; the document kept for the later steps.
    pub(super) fn parsed(
        &self,
        ctx: &ExtensionContext<'_>,
        parsed: ServerResult<ExecutableDocument>,
        variables: &Variables,
    ) -> ServerResult<ExecutableDocument> {
        let doc = parsed.map_err(parse_failure)?;
        if let Some(limits) = &self.limits {
            limits.check_document(&doc, variables)?;
        }
        let operation_name = lock(&self.operation_name).clone();
        let op = order::selected(&doc, operation_name.as_deref());
        if let Some(outcome) = ctx.data_opt::<Arc<Outcome>>()
            && outcome.queries_only
            && op.is_some_and(|op| op.ty != OperationType::Query)
        {
            outcome.wrong_method.store(true, Ordering::Relaxed);
            let message = "GET requests only support query operations; send mutations with POST";
            return Err(coded(ServerError::new(message, None), "BAD_REQUEST"));
        }
        *lock(&self.document) = Some((doc.clone(), variables.clone()));
        Ok(doc)
    }

    /// After validation: the errors coded, and required variables without a value refused.
    pub(super) fn validated(
        &self,
        result: Result<ValidationResult, Vec<ServerError>>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = result.map_err(|errors| {
            let errors: Vec<_> = match &self.limits {
                Some(limits) => errors.into_iter().map(|e| limits.validation_error(e)).collect(),
                None => errors,
            };
            // The complexity of a list field parses its `first` again and reports a bad
            // value a second time, at the field: one error per bad argument is enough.
            let argument_error = errors.iter().any(|e| e.message.starts_with("Invalid value for argument"));
            errors
                .into_iter()
                .filter(|e| !(argument_error && is_coercion(&e.message) && !e.message.starts_with("Invalid value")))
                .map(|e| match () {
                    _ if has_code(&e) => e,
                    _ if is_coercion(&e.message) || e.message.starts_with("Invalid default value") => {
                        bad_user_input(e, None)
                    }
                    _ => coded(e, "GRAPHQL_VALIDATION_FAILED"),
                })
                .collect::<Vec<_>>()
        })?;
        let missing = match &*lock(&self.document) {
            Some((doc, variables)) => missing_variables(doc, lock(&self.operation_name).as_deref(), variables),
            None => Vec::new(),
        };
        if missing.is_empty() { Ok(result) } else { Err(missing) }
    }

    /// Execution starts: the HTTP layer's [`Outcome`] learns it.
    pub(super) fn before_execute(&self, ctx: &ExtensionContext<'_>) {
        if let Some(outcome) = ctx.data_opt::<Arc<Outcome>>() {
            outcome.executed.store(true, Ordering::Relaxed);
        }
    }

    /// The executed response: its errors coded, its objects in selection order.
    pub(super) fn executed(&self, ctx: &ExtensionContext<'_>, mut response: Response) -> Response {
        let document = lock(&self.document).take();
        let errors = std::mem::take(&mut response.errors);
        response.errors = errors
            .into_iter()
            .map(|e| match () {
                _ if has_code(&e) => e,
                _ if is_coercion(&e.message) => {
                    let argument =
                        document.as_ref().zip(e.locations.first()).and_then(|((d, _), p)| argument_at(d, *p));
                    bad_user_input(e, argument)
                }
                // "Variable x is not defined.": a name, no value.
                _ if e.message.starts_with("Variable ") => coded(e, "BAD_USER_INPUT"),
                // `_entities`: a `__typename` that is not an entity of this subgraph.
                _ if e.message == "Entity not found." => coded(e, "BAD_USER_INPUT"),
                _ => coded(e, "INTERNAL"),
            })
            .collect();
        if let Some((doc, variables)) = &document {
            let name = lock(&self.operation_name).clone();
            order::reorder(&mut response.data, doc, name.as_deref(), variables, &ctx.schema_env.registry);
        }
        response
    }
}

/// CoerceVariableValues for required variables: async-graphql leaves one without a value
/// to fail the field that reads it, once execution has started (a field error, `data`).
fn missing_variables(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Vec<ServerError> {
    let Some(op) = order::selected(doc, operation_name) else { return Vec::new() };
    let required =
        op.variable_definitions.iter().filter(|d| !d.node.var_type.node.nullable && d.node.default_value.is_none());
    required
        .filter_map(|d| {
            let (name, ty) = (&d.node.name.node, &d.node.var_type.node);
            let problem = match variables.get(name) {
                None => "was not provided",
                Some(async_graphql::Value::Null) => "must not be null",
                Some(_) => return None,
            };
            let message = format!("Variable \"${name}\" of required type \"{ty}\" {problem}.");
            let mut e = coded(ServerError::new(message, Some(d.pos)), "BAD_USER_INPUT");
            e.extensions.get_or_insert_with(Default::default).set("field", name.as_str());
            Some(e)
        })
        .collect()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A parse error: a limit keeps its code; a syntax error loses pest's excerpt of the query.
fn parse_failure(e: ServerError) -> ServerError {
    if has_code(&e) {
        return e;
    }
    if e.message.starts_with("The recursion depth of the query") {
        let mut e = coded(e, "LIMIT_EXCEEDED");
        e.extensions.get_or_insert_with(Default::default).set("limit", "recursion");
        return e;
    }
    let mut e = coded(e, "GRAPHQL_PARSE_FAILED");
    e.message = syntax_message(&e.message);
    e
}

/// pest's message is ` --> 1:2 | <the line> | ^--- = expected selection`: keep the last part.
pub fn syntax_message(message: &str) -> String {
    let reason = match message.rsplit_once("\n  = ") {
        Some((_, reason)) => reason,
        None if message.contains('\n') => "the query is not valid GraphQL",
        None => message,
    };
    format!("Syntax Error: {reason}")
}

/// async-graphql's messages for a value that does not coerce to its argument's type.
fn is_coercion(message: &str) -> bool {
    ["Invalid value for argument", "Failed to parse \"", "Expected input type \"", "Oneof "]
        .iter()
        .any(|p| message.starts_with(p))
}

/// A coercion error as `BAD_USER_INPUT`, its message rebuilt from the argument and the
/// expected type only (async-graphql's quote the value).
fn bad_user_input(mut e: ServerError, argument: Option<&str>) -> ServerError {
    let quoted = |after: &str| {
        let start = e.message.find(after)? + after.len();
        let len = e.message[start..].find('"')?;
        Some(e.message[start..start + len].to_owned())
    };
    let argument =
        quoted("value for argument \"").or_else(|| quoted("value for argument: \"")).or(argument.map(str::to_owned));
    let expected = ["expected type \"", "enumeration type \"", "Failed to parse \"", "Expected input type \""]
        .iter()
        .find_map(|p| quoted(p));
    let detail = ["is required but not provided", "unknown field \"", "Oneof "]
        .iter()
        .any(|p| e.message.contains(p))
        .then(|| e.message.split_once(", ").map(|(_, d)| d.to_owned()))
        .flatten();
    let what = if e.message.starts_with("Invalid default value") { "Invalid default value" } else { "Invalid value" };
    let mut message = match &argument {
        Some(a) => format!("{what} for argument \"{a}\""),
        None => what.to_owned(),
    };
    // A variable's object can have any key: name it only if it could be a field's name.
    let detail = detail.map(|d| match d.strip_prefix("unknown field \"").and_then(|r| r.split_once("\" ")) {
        Some((key, rest)) if !is_name(key) => format!("unknown field {rest}"),
        _ => d,
    });
    match (detail, expected) {
        (Some(detail), _) => message = format!("{message}, {detail}"),
        (None, Some(expected)) => message = format!("{message}, expected type \"{expected}\""),
        (None, None) => {}
    }
    e.message = message;
    let mut e = coded(e, "BAD_USER_INPUT");
    if let Some(a) = argument {
        e.extensions.get_or_insert_with(Default::default).set("field", a);
    }
    e
}

/// A GraphQL name: `[_A-Za-z][_0-9A-Za-z]*`.
fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// The name of the argument whose value is at `pos` (where async-graphql reports an
/// argument that failed to coerce).
fn argument_at(doc: &ExecutableDocument, pos: Pos) -> Option<&str> {
    fn find(set: &SelectionSet, pos: Pos) -> Option<&str> {
        set.items.iter().find_map(|item| match &item.node {
            Selection::Field(f) => f
                .node
                .arguments
                .iter()
                .find(|(_, v)| v.pos == pos)
                .map(|(n, _)| n.node.as_str())
                .or_else(|| find(&f.node.selection_set.node, pos)),
            Selection::InlineFragment(f) => find(&f.node.selection_set.node, pos),
            Selection::FragmentSpread(_) => None,
        })
    }
    doc.operations
        .iter()
        .find_map(|(_, op)| find(&op.node.selection_set.node, pos))
        .or_else(|| doc.fragments.values().find_map(|f| find(&f.node.selection_set.node, pos)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_keeps_what_was_expected_and_drops_the_quoted_line() {
        let e = async_graphql::parser::parse_query("{ customer(id: +923001234567) { id } }").unwrap_err();
        let message = syntax_message(&e.to_string());
        assert!(!message.contains("923001234567"), "{message}");
        assert!(message.starts_with("Syntax Error: expected"), "{message}");
    }

    #[test]
    fn coercion_messages_name_the_argument_and_type_but_not_the_value() {
        let cases = [
            (
                r#"Invalid value for argument "channel", enumeration type "Channel" does not contain the value "jane@example.com""#,
                None,
                r#"Invalid value for argument "channel", expected type "Channel""#,
            ),
            (
                r#"Expected input type "DateTime", found "jane@example.com"."#,
                Some("at"),
                r#"Invalid value for argument "at", expected type "DateTime""#,
            ),
            (r#"Failed to parse "Int": +923001234567 is not a number"#, None, r#"Invalid value, expected type "Int""#),
            (
                r#"Invalid value for argument "input", field "displayName" of type "String!" is required but not provided"#,
                None,
                r#"Invalid value for argument "input", field "displayName" of type "String!" is required but not provided"#,
            ),
            (
                r#"Invalid value for argument "filter", unknown field "jane@example.com" of type "CustomerFilter""#,
                None,
                r#"Invalid value for argument "filter", unknown field of type "CustomerFilter""#,
            ),
            (
                r#"Invalid value for argument "filter", unknown field "nope" of type "CustomerFilter""#,
                None,
                r#"Invalid value for argument "filter", unknown field "nope" of type "CustomerFilter""#,
            ),
        ];
        for (message, argument, expected) in cases {
            let e = bad_user_input(ServerError::new(message, None), argument);
            assert_eq!(e.message, expected);
            assert_eq!(serde_json::to_value(&e).unwrap()["extensions"]["code"], "BAD_USER_INPUT");
        }
    }
}
