//! Who saw whose personal data. Every PII field asks [`reveal`] before it shows a value
//! unmasked; the request's [`AccessLog`] collects (profile, field) pairs, and when the
//! operation has run, [`flush`] (called by `graphql::access`) records them all in one statement. If
//! that record cannot be written, the response is withheld: PII is never shown unaudited.

use super::context::{Caller, pii_visible};
use crate::domain::audit::{Actor, PiiReads};
use crate::domain::id::CustomerId;
use crate::service::Services;
use async_graphql::extensions::ExtensionContext;
use async_graphql::{Context, ErrorExtensions as _, Request, Response};
use std::sync::{Arc, Mutex, OnceLock};

/// One request's record of access: who acts in which operation, and the PII revealed.
#[derive(Debug, Default)]
pub struct AccessLog {
    actor: OnceLock<Actor>,
    reads: Mutex<PiiReads>,
    /// Whether the HTTP endpoint records the reveals itself ([`record`]), while it encodes
    /// the response, instead of the extension before it returns the response.
    deferred: bool,
}

impl AccessLog {
    /// A log the caller records with [`record`] once the operation has run (and before its
    /// response leaves).
    pub fn deferred() -> Self {
        Self { deferred: true, ..Self::default() }
    }

    /// The caller as the audit log names them (`None` before execution or without a token).
    pub fn actor(&self) -> Option<&Actor> {
        self.actor.get()
    }

    fn note(&self, customer_id: &CustomerId, field: &str) {
        self.reads.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).note(customer_id, field);
    }

    /// Whether the response revealed PII (and so has a record to write).
    pub fn has_reads(&self) -> bool {
        !self.reads.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).is_empty()
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

/// Give the request its log (before it is prepared), unless its caller gave it one.
pub(super) fn prepare(request: Request) -> Request {
    if request.data.contains_key(&std::any::TypeId::of::<Arc<AccessLog>>()) {
        return request;
    }
    request.data(Arc::new(AccessLog::default()))
}

/// Before execution: who acts, in which operation.
pub(super) fn begin(ctx: &ExtensionContext<'_>, operation_name: Option<&str>) {
    let log = ctx.data_opt::<Arc<AccessLog>>();
    let principal = ctx.data_opt::<Caller>().and_then(|c| c.0.as_ref());
    if let (Some(log), Some(principal)) = (log, principal) {
        let _ = log.actor.set(Actor::new(principal.subject.clone(), operation_name));
    }
}

/// After execution: record the PII the response revealed, in one statement; when that
/// fails, withhold the response (the error is logged with a reference).
pub(super) async fn flush(ctx: &ExtensionContext<'_>, response: Response) -> Response {
    let (Some(log), Some(services)) = (ctx.data_opt::<Arc<AccessLog>>(), ctx.data_opt::<Services>()) else {
        return response;
    };
    if log.deferred {
        return response;
    }
    flush_log(log, services, response).await
}

/// Record what a deferred log holds (the endpoint calls it beside encoding the response,
/// and sends the response only when it succeeded). The error is the one to answer with.
pub async fn record(log: &AccessLog, services: &Services) -> Result<(), async_graphql::ServerError> {
    let reads = log.take();
    let Some(actor) = log.actor().filter(|_| !reads.is_empty()) else { return Ok(()) };
    services
        .record_pii_reads(actor, reads)
        .await
        .map_err(|error| error.extend().into_server_error(async_graphql::Pos::default()))
}

/// A subscription's log: who subscribed, in which operation (set once it is prepared).
pub(super) fn begin_subscription(log: &AccessLog, subject: &str, operation_name: Option<&str>) {
    let _ = log.actor.set(Actor::new(subject, operation_name));
}

/// Record the PII one response (a query's, or one update of a subscription) revealed;
/// withhold the response when that record cannot be written.
pub(super) async fn flush_log(log: &AccessLog, services: &Services, response: Response) -> Response {
    match record(log, services).await {
        Ok(()) => response,
        Err(error) => Response::from_errors(vec![error]),
    }
}
