//! `/graphql` as the GraphQL over HTTP spec has it: POST with `application/json` (415
//! otherwise, multipart included: no uploads), GET for queries (a mutation is 405 with
//! `Allow: POST`), the response type negotiated on `Accept` (`application/graphql-response+json`
//! when accepted, else `application/json`, 406 when neither), and for
//! `graphql-response+json` a request that fails before execution (parse, validation,
//! variables) answered 400 without `data`. A browser's GET without `query` gets GraphiQL.
//! Authenticates the caller, executes with per-request loaders, logs without PII.

use super::AppState;
use super::auth;
use crate::graphql::Caller;
use crate::graphql::access_log::{self, AccessLog};
use crate::graphql::codes::Outcome;
use crate::graphql::loaders::new_loaders;
use async_graphql::{Extensions, ServerError, Value, Variables};
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

/// A GraphQL-shaped error response with `extensions.code`, as `application/json`.
pub(crate) fn error_body(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "data": null, "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, Json(body)).into_response()
}

/// A request error (no `data`) in the negotiated media type.
fn refuse(media: &'static str, status: StatusCode, code: &str, message: &str) -> Response {
    let mut error = ServerError::new(message, None);
    error.extensions.get_or_insert_with(Default::default).set("code", code);
    let body = Body { errors: std::slice::from_ref(&error), data: None, extensions: &BTreeMap::new() };
    let body = serde_json::to_vec(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, media)], body).into_response()
}

/// A GraphQL response body; `data` is left out of a request error.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: &'a BTreeMap<String, Value>,
}

pub(super) async fn graphql(State(state): State<AppState>, request: Request) -> Response {
    if super::websocket::is_upgrade(request.headers()) {
        return super::websocket::upgrade(state, request).await;
    }
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let get = parts.method == Method::GET || parts.method == Method::HEAD;
    let params = get.then(|| GetParams::from_uri(&parts.uri));
    if matches!(&params, Some(Ok(p)) if p.query.is_none()) && prefers_html(headers) {
        return super::graphiql::graphiql(State(state)).await;
    }
    let Some(media) = negotiate(headers) else {
        let message = "Accept must allow application/graphql-response+json or application/json";
        return refuse(JSON, StatusCode::NOT_ACCEPTABLE, "BAD_REQUEST", message);
    };
    let caller = match headers.get(header::AUTHORIZATION) {
        None => Caller(None),
        Some(value) => {
            let verified = match value.to_str() {
                Ok(value) => state.auth.from_header(value).await,
                Err(_) => Err(auth::AuthError::Malformed),
            };
            match verified {
                Ok(principal) => Caller(Some(principal)),
                Err(err) => {
                    tracing::info!(reason = %err, "bearer token refused");
                    let message = "invalid or expired bearer token";
                    return refuse(media, StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message);
                }
            }
        }
    };
    let principal = caller.0.as_ref().map_or("anonymous", |p| p.subject.as_str());
    if let Some(refused) = state.protection.over_rate(principal) {
        return refused;
    }
    let req = match params {
        Some(params) => params.and_then(GetParams::into_request),
        None => post_request(headers, body).await,
    };
    let req = match req {
        Ok(req) => req,
        Err((status, message)) => return refuse(media, status, "BAD_REQUEST", message),
    };
    let operation = req.operation_name.clone();
    let subject = caller.0.as_ref().map(|p| p.subject.clone());
    let statements_before = state.services.store.statements.get();
    let loaders = new_loaders(state.services.store.clone());
    let outcome = Outcome::new(get);
    let log = Arc::new(AccessLog::deferred());
    let req = req.data(caller).data(loaders).data(outcome.clone()).data(log.clone());
    let resp = state.schema.execute(req).await;
    let errors = resp.errors.len();
    // The PII the response reveals is recorded while the response is encoded (the entry is
    // handed to the audit writer first, the encoding runs while the database works), and
    // the response leaves only once that record is committed; if it cannot be, the
    // response is withheld. The response's value tree is freed as soon as it is encoded,
    // not held through the wait for the commit (with several callers, trees held longer
    // cost every request cache misses and fresh pages: decision 0008).
    let encode = {
        let (outcome, audited) = (&outcome, log.has_reads());
        async move {
            // Let the audit writer send the entry first: it was woken on this thread (tokio
            // runs it next here, and no other thread takes it), so encoding right away would
            // hold it back until the encoding is done instead of overlapping the two.
            if audited {
                tokio::task::yield_now().await;
            }
            let encoded = respond(media, outcome, &resp);
            drop(resp);
            encoded
        }
    };
    let (recorded, encoded) = futures_util::join!(access_log::record(&log, &state.services), encode);
    let (errors, response) = match recorded {
        Ok(()) => (errors, encoded),
        Err(error) => (1, respond(media, &outcome, &async_graphql::Response::from_errors(vec![error]))),
    };
    // Never log variables or the query text: both can carry PII.
    tracing::info!(
        operation = operation.as_deref().unwrap_or("-"),
        sub = subject.as_deref().unwrap_or("-"),
        errors,
        sql_statements = state.services.store.statements.get().saturating_sub(statements_before),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "graphql"
    );
    response
}

/// The response: 405 for a mutation over GET; a request error without `data`, 400 for
/// `graphql-response+json` and 200 for `application/json` (the spec's legacy rule).
fn respond(media: &'static str, outcome: &Outcome, resp: &async_graphql::Response) -> Response {
    let executed = outcome.executed();
    let status = match () {
        _ if outcome.wrong_method() => StatusCode::METHOD_NOT_ALLOWED,
        _ if !executed && media == GRAPHQL_RESPONSE => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let body = Body { errors: &resp.errors, data: executed.then_some(&resp.data), extensions: &resp.extensions };
    let Ok(body) = serde_json::to_vec(&body) else {
        return refuse(media, StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "the response could not be encoded");
    };
    let mut response = (status, [(header::CONTENT_TYPE, media)], body).into_response();
    response.headers_mut().extend(resp.http_headers.clone());
    if outcome.wrong_method() {
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    response
}

type Refusal = (StatusCode, &'static str);

/// A POST body: `application/json` (UTF-8) only. Error messages never quote the body
/// (serde's do: `invalid type: string "…"`).
async fn post_request(headers: &HeaderMap, body: axum::body::Body) -> Result<async_graphql::Request, Refusal> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let mut parts = content_type.split(';').map(|p| p.trim().to_ascii_lowercase());
    let json = parts.next().is_some_and(|essence| essence == "application/json");
    if !json || parts.any(|p| p.starts_with("charset=") && p.trim_matches('"') != "charset=utf-8") {
        return Err((StatusCode::UNSUPPORTED_MEDIA_TYPE, "a GraphQL POST must be Content-Type: application/json"));
    }
    // The body limit (protect::body_limit) has already read and bounded it.
    let bytes =
        axum::body::to_bytes(body, usize::MAX).await.map_err(|_| (StatusCode::BAD_REQUEST, "unreadable body"))?;
    let params: Params = serde_json::from_slice(&bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => (StatusCode::BAD_REQUEST, SHAPE),
        _ => (StatusCode::BAD_REQUEST, "the request body is not valid JSON"),
    })?;
    params.into_request()
}

const SHAPE: &str = "a GraphQL request is an object with a string `query`, and optionally a string \
                     `operationName` and objects `variables` and `extensions`";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    query: Option<String>,
    #[serde(default)]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Variables,
    #[serde(default)]
    extensions: Extensions,
}

impl Params {
    fn into_request(self) -> Result<async_graphql::Request, Refusal> {
        // A persisted query's hash comes alone: the schema answers PERSISTED_QUERY_NOT_SUPPORTED.
        let query = match self.query {
            None if self.extensions.contains_key("persistedQuery") => String::new(),
            query => query.ok_or((StatusCode::BAD_REQUEST, "the request has no `query`"))?,
        };
        let mut req = async_graphql::Request::new(query).variables(self.variables);
        req.operation_name = self.operation_name;
        req.extensions = self.extensions;
        Ok(req)
    }
}

/// A GET's URL parameters; `variables` and `extensions` are JSON text.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

impl GetParams {
    fn from_uri(uri: &axum::http::Uri) -> Result<Self, Refusal> {
        let params = axum::extract::Query::<Self>::try_from_uri(uri);
        params.map(|q| q.0).map_err(|_| (StatusCode::BAD_REQUEST, SHAPE))
    }

    fn into_request(self) -> Result<async_graphql::Request, Refusal> {
        let json = |text: Option<String>| -> Result<Option<Value>, Refusal> {
            let Some(text) = text else { return Ok(None) };
            serde_json::from_str(&text).map(Some).map_err(|_| (StatusCode::BAD_REQUEST, SHAPE))
        };
        let variables = match json(self.variables)? {
            None | Some(Value::Null) => Variables::default(),
            Some(v @ Value::Object(_)) => Variables::from_value(v),
            Some(_) => return Err((StatusCode::BAD_REQUEST, SHAPE)),
        };
        let extensions = match json(self.extensions)? {
            None | Some(Value::Null) => Extensions::default(),
            Some(Value::Object(map)) => Extensions(map.into_iter().map(|(k, v)| (k.to_string(), v)).collect()),
            Some(_) => return Err((StatusCode::BAD_REQUEST, SHAPE)),
        };
        Params { query: self.query, operation_name: self.operation_name, variables, extensions }.into_request()
    }
}

/// The media ranges of `Accept` as (type, subtype, q).
fn ranges(headers: &HeaderMap) -> Vec<(String, String, f32)> {
    let accept = headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
    accept
        .split(',')
        .filter_map(|range| {
            let mut parts = range.split(';').map(str::trim);
            let (ty, sub) =
                parts.next()?.to_ascii_lowercase().split_once('/').map(|(t, s)| (t.to_owned(), s.to_owned()))?;
            let q = parts.find_map(|p| p.strip_prefix("q=")).map_or(Ok(1.0), str::parse::<f32>);
            let q = q.ok().filter(|q| q.is_finite()).unwrap_or(1.0).clamp(0.0, 1.0);
            Some((ty, sub, q))
        })
        .collect()
}

/// The q of `media` (`type/subtype`) under `Accept`, and whether a range named it exactly.
fn quality(ranges: &[(String, String, f32)], media: &str) -> (f32, bool) {
    let (ty, sub) = media.split_once('/').unwrap_or((media, ""));
    let best = ranges
        .iter()
        .filter_map(|(t, s, q)| match (t.as_str(), s.as_str()) {
            (t, s) if t == ty && s == sub => Some((2, *q)),
            (t, "*") if t == ty => Some((1, *q)),
            ("*", "*") => Some((0, *q)),
            _ => None,
        })
        .max_by_key(|(specificity, _)| *specificity);
    best.map_or((0.0, false), |(specificity, q)| (q, specificity == 2))
}

/// Whether the client takes HTML at least as willingly as JSON (a browser, or no `Accept`).
fn prefers_html(headers: &HeaderMap) -> bool {
    let ranges = ranges(headers);
    if ranges.is_empty() {
        return true;
    }
    let q = |media| quality(&ranges, media).0;
    let html = q("text/html");
    html > 0.0 && html >= q("application/json") && html >= q("application/graphql-response+json")
}

/// `application/graphql-response+json` when the client prefers it or names it as much as
/// `application/json`; `application/json` for no `Accept`, `*/*` or a preference; `None`
/// when it accepts neither (406).
fn negotiate(headers: &HeaderMap) -> Option<&'static str> {
    let ranges = ranges(headers);
    if ranges.is_empty() {
        return Some(JSON);
    }
    let (graphql, named) = quality(&ranges, "application/graphql-response+json");
    let (json, _) = quality(&ranges, "application/json");
    match () {
        _ if graphql <= 0.0 && json <= 0.0 => None,
        _ if graphql > json || (graphql == json && named) => Some(GRAPHQL_RESPONSE),
        _ => Some(JSON),
    }
}
