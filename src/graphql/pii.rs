//! The PII decision of a request, taken once before it runs ([`prepare`], called by `graphql::access`)
//! from its caller and the configuration, asked by every PII field through
//! [`super::context::pii_visible`]; and the response's `extensions.pii` when PII was masked
//! for a reason the caller should know (it holds `pii:read` but is refused).

use super::context::Caller;
use crate::config::AccessSettings;
use crate::domain::access::{MaskReason, PiiAccess};
use async_graphql::extensions::ExtensionContext;
use async_graphql::{Request, Response, value};
use std::any::TypeId;
use std::sync::atomic::{AtomicBool, Ordering};

/// The request's PII decision, and whether a PII field was masked under it.
#[derive(Debug)]
pub struct PiiGate {
    access: PiiAccess,
    masked: AtomicBool,
    /// Set before execution when an open access anomaly blocks the caller.
    blocked: AtomicBool,
}

impl PiiGate {
    pub fn new(access: PiiAccess) -> Self {
        Self { access, masked: AtomicBool::new(false), blocked: AtomicBool::new(false) }
    }

    /// The decision, an anomaly block included.
    pub fn access(&self) -> PiiAccess {
        match self.access {
            PiiAccess::Granted if self.blocked.load(Ordering::Relaxed) => PiiAccess::Masked(MaskReason::AccessBlocked),
            access => access,
        }
    }

    /// Block PII for this request (an open access anomaly; see `graphql::anomaly`).
    pub fn block(&self) {
        self.blocked.store(true, Ordering::Relaxed);
    }

    /// Whether PII may be shown; a `false` is remembered (a field was masked).
    pub fn visible(&self) -> bool {
        let granted = self.access().granted();
        if !granted {
            self.masked.store(true, Ordering::Relaxed);
        }
        granted
    }

    /// The reason to report: PII was masked in this response, for a reason that is explained.
    pub fn reported(&self) -> Option<MaskReason> {
        match self.access() {
            PiiAccess::Masked(reason) if reason.explained() && self.masked.load(Ordering::Relaxed) => Some(reason),
            _ => None,
        }
    }
}

/// Decide the request's PII access, before it is prepared.
pub(super) fn prepare(ctx: &ExtensionContext<'_>, mut request: Request) -> Request {
    let policy = ctx.data_opt::<AccessSettings>().map(|a| a.pii).unwrap_or_default();
    let caller = request.data.get(&TypeId::of::<Caller>()).and_then(|c| c.downcast_ref::<Caller>());
    let access = PiiAccess::decide(caller.and_then(|c| c.0.as_ref()), policy);
    request.data.insert(PiiGate::new(access));
    request
}

/// Say in the response why PII was masked, when the caller expected to see it.
pub(super) fn report(ctx: &ExtensionContext<'_>, response: &mut Response) {
    if let Some(reason) = ctx.data_opt::<PiiGate>().and_then(PiiGate::reported) {
        response.extensions.insert("pii".to_owned(), value!({ "masked": true, "reason": reason.code() }));
    }
}
