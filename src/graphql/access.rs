//! One extension for what a request may see and what is recorded about it, in this order:
//! the PII decision ([`super::pii`]), the anomaly block and observations
//! ([`super::anomaly`]), and the audit of the PII shown ([`super::access_log`]). They are
//! one extension, not three, because async-graphql calls every extension's `resolve` hook
//! for every field of a response (~1% of a page of 360° views each); these need only the
//! request-level hooks.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextPrepareRequest};
use async_graphql::{Request, Response, ServerResult};
use std::sync::Arc;

/// Install inside `ErrorCodes`, so that a withheld response's error is coded too.
pub struct RequestAccess;

impl ExtensionFactory for RequestAccess {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestAccess)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for RequestAccess {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let request = super::pii::prepare(ctx, request);
        let request = super::anomaly::prepare(request);
        next.run(ctx, super::access_log::prepare(request)).await
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        super::access_log::begin(ctx, operation_name);
        super::anomaly::before(ctx).await;
        let response = next.run(ctx, operation_name).await;
        super::anomaly::after(ctx, &response);
        let mut response = super::access_log::flush(ctx, response).await;
        super::pii::report(ctx, &mut response);
        response
    }
}
