//! Who saw whose personal data. Every PII field asks [`reveal`] before it shows a value
//! unmasked; the request's [`AccessLog`] collects (profile, field) pairs, and when the
//! operation has run, the [`AuditReads`] extension records them all in one statement. If
//! that record cannot be written, the response is withheld: PII is never shown unaudited.

use super::context::{Caller, pii_visible};
use crate::domain::audit::{Actor, PiiReads};
use crate::domain::id::CustomerId;
use crate::service::Services;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextPrepareRequest};
use async_graphql::{Context, ErrorExtensions as _, Request, Response, ServerResult};
use std::sync::{Arc, Mutex, OnceLock};

/// One request's record of access: who acts in which operation, and the PII revealed.
#[derive(Debug, Default)]
pub struct AccessLog {
    actor: OnceLock<Actor>,
    reads: Mutex<PiiReads>,
}

impl AccessLog {
    /// The caller as the audit log names them (`None` before execution or without a token).
    pub fn actor(&self) -> Option<&Actor> {
        self.actor.get()
    }

    fn note(&self, customer_id: &CustomerId, field: &str) {
        self.reads.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).note(customer_id, field);
    }

    fn take(&self) -> PiiReads {
        std::mem::take(&mut *self.reads.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}

/// Whether `field` of profile `customer_id` may be shown unmasked to this caller; when it
/// may, the access is recorded. Ask it only for a value that is about to be shown.
pub fn reveal(ctx: &Context<'_>, customer_id: &CustomerId, field: &str) -> bool {
    if !pii_visible(ctx) {
        return false;
    }
    if let Some(log) = ctx.data_opt::<Arc<AccessLog>>() {
        log.note(customer_id, field);
    }
    super::anomaly::revealed(ctx, customer_id); // the anomaly detector counts the same reveals
    true
}

/// The acting caller, for writes: subject and operation name.
pub fn actor(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    if let Some(actor) = ctx.data_opt::<Arc<AccessLog>>().and_then(|log| log.actor()) {
        return Ok(actor.clone());
    }
    Ok(Actor::new(super::context::caller(ctx)?.subject.clone(), None))
}

/// Install with `.extension(AuditReads)`, inside `ErrorCodes`.
pub struct AuditReads;

impl ExtensionFactory for AuditReads {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AuditReads)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for AuditReads {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, request.data(Arc::new(AccessLog::default()))).await
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let log = ctx.data_opt::<Arc<AccessLog>>().cloned();
        let principal = ctx.data_opt::<Caller>().and_then(|c| c.0.as_ref());
        if let (Some(log), Some(principal)) = (&log, principal) {
            let _ = log.actor.set(Actor::new(principal.subject.clone(), operation_name));
        }
        let response = next.run(ctx, operation_name).await;
        let (Some(log), Some(services)) = (log, ctx.data_opt::<Services>()) else { return response };
        let reads = log.take();
        let Some(actor) = log.actor().filter(|_| !reads.is_empty()) else { return response };
        match services.record_pii_reads(actor, reads).await {
            Ok(()) => response,
            Err(error) => {
                // Withhold what could not be audited; the error is logged with a reference.
                let error = error.extend();
                Response::from_errors(vec![error.into_server_error(async_graphql::Pos::default())])
            }
        }
    }
}
