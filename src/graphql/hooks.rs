//! The schema's one extension: every step a request goes through besides async-graphql's
//! own, in this order (outermost first):
//!
//! 1. the error codes, the query limits and the response's key order ([`super::codes`]);
//! 2. what the caller may see and what is recorded about it ([`super::access`]);
//! 3. `_service { sdl }` answered with the finalized SDL ([`super::sdl`]);
//! 4. the `_entities` representations loaded before execution ([`super::entities`]).
//!
//! One extension, not four: async-graphql calls every extension's `resolve` hook for every
//! field of a response, each a boxed future even when it only calls the next one (a page
//! of 50 360° views resolves ~6,500 fields). With four that was ~6% of the page's CPU
//! (docs/performance.md); the steps themselves need only the request-level hooks, but for
//! the SDL.

use super::access::Access;
use super::codes::Codes;
use super::entities::Prefetch;
use super::limits::QueryLimits;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest, NextRequest,
    NextResolve, NextSubscribe, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables};
use futures_util::stream::BoxStream;
use std::sync::Arc;

/// Install with `.extension(Hooks::new(…))`, as the schema's only extension.
#[derive(Default)]
pub struct Hooks {
    limits: Option<Arc<QueryLimits>>,
    sdl: Option<Arc<String>>,
}

impl Hooks {
    /// `limits`: the query limits to check; `sdl`: what `_service { sdl }` answers (none:
    /// async-graphql's own).
    pub fn new(limits: Option<QueryLimits>, sdl: Option<String>) -> Self {
        Self { limits: limits.map(Arc::new), sdl: sdl.map(Arc::new) }
    }
}

impl ExtensionFactory for Hooks {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Steps {
            codes: Codes::new(self.limits.clone()),
            access: Access::default(),
            prefetch: Prefetch::default(),
            sdl: self.sdl.clone(),
        })
    }
}

/// One request's steps.
struct Steps {
    codes: Codes,
    access: Access,
    prefetch: Prefetch,
    sdl: Option<Arc<String>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for Steps {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        self.codes.request(next.run(ctx).await)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        self.access.subscribe(ctx, next.run(ctx, stream))
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let request = self.codes.prepare_request(request)?;
        let request = self.access.prepare_request(ctx, request);
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        self.codes.before_parse(query)?;
        let parsed = next.run(ctx, query, variables).await;
        if let Ok(doc) = &parsed {
            self.prefetch.parsed(doc, variables);
        }
        self.codes.parsed(ctx, parsed, variables)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        self.prefetch.validated(result.is_ok());
        self.codes.validated(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        self.codes.before_execute(ctx);
        self.access.before_execute(ctx, operation_name).await;
        self.prefetch.before_execute(ctx).await;
        let response = next.run(ctx, operation_name).await;
        let response = self.access.executed(ctx, response).await;
        self.codes.executed(ctx, response)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if let Some(sdl) = &self.sdl
            && info.name == "sdl"
            && info.parent_type == "_Service"
        {
            return Ok(Some(Value::String(sdl.as_str().to_owned())));
        }
        next.run(ctx, info).await
    }
}
