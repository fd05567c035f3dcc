//! The anomaly detector's hooks in a request. Resolvers note what they observe in the
//! request's [`Watch`] (profiles whose PII they revealed, pages fetched with `after`,
//! identifier look-ups); at the end of the request [`after`] (called by `graphql::access`) adds
//! the refusals (`FORBIDDEN` errors) and queues the batch for the detector (no I/O).
//! Before execution it asks whether the principal's PII is blocked (cached, see
//! `service::anomaly`), which [`blocked`] answers for `pii_visible`; a response whose PII
//! the block masked says so in `extensions.pii`.

pub mod types;

use super::Caller;
use crate::domain::anomaly::Observations;
use crate::domain::id::CustomerId;
use crate::service::Services;
use async_graphql::extensions::ExtensionContext;
use async_graphql::{Context, Request, Response, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What one request observed, and whether its principal is blocked.
#[derive(Default)]
pub struct Watch {
    observations: Mutex<Observations>,
    blocked: AtomicBool,
}

impl Watch {
    fn note(&self, f: impl FnOnce(&mut Observations)) {
        if let Ok(mut o) = self.observations.lock() {
            f(&mut o);
        }
    }
}

fn watch<'a>(ctx: &'a Context<'_>) -> Option<&'a Watch> {
    ctx.data_opt::<Arc<Watch>>().map(Arc::as_ref)
}

/// The response reveals this customer's PII.
pub fn revealed(ctx: &Context<'_>, customer: &CustomerId) {
    if let Some(w) = watch(ctx) {
        w.note(|o| {
            o.profiles.insert(customer.as_str().to_owned());
        });
    }
}

/// A `customers` page after the first (`after` given).
pub fn page_after(ctx: &Context<'_>) {
    if let Some(w) = watch(ctx) {
        w.note(|o| o.pages += 1);
    }
}

/// An identifier looked up (its digest), counted among distinct identifiers when the
/// look-up could not create a profile, and as a miss when nobody held it.
pub fn looked_up(ctx: &Context<'_>, digest: String, could_create: bool, missed: bool) {
    if let Some(w) = watch(ctx) {
        w.note(|o| {
            if !could_create {
                o.identifiers.insert(digest);
            }
            if missed {
                o.misses += 1;
            }
        });
    }
}

/// A `searchCustomers` call: its text (a keyed digest) counts among distinct identifiers
/// looked up, a search without results as a miss, and a page after the first as a page.
pub fn searched(ctx: &Context<'_>, digest: String, page_after: bool, missed: bool) {
    if let Some(w) = watch(ctx) {
        w.note(|o| {
            o.identifiers.insert(digest);
            if missed {
                o.misses += 1;
            }
            if page_after {
                o.pages += 1;
            }
        });
    }
}

/// Whether an open anomaly blocks this request's PII (`CUSTOMERS_ANOMALY_BLOCK`).
pub fn blocked(ctx: &Context<'_>) -> bool {
    watch(ctx).is_some_and(|w| w.blocked.load(Ordering::Relaxed))
}

/// Give the request a [`Watch`] (before it is prepared).
pub(super) fn prepare(request: Request) -> Request {
    request.data(Arc::new(Watch::default()))
}

/// Before execution: whether the principal's PII is blocked (then the request's PII gate
/// masks it, and says why).
pub(super) async fn before(ctx: &ExtensionContext<'_>) {
    let (Some(principal), Some(services), Some(watch)) =
        (caller(ctx), ctx.data_opt::<Services>(), ctx.data_opt::<Arc<Watch>>())
    else {
        return;
    };
    let blocked = services.anomaly.blocked(&principal.subject).await;
    watch.blocked.store(blocked, Ordering::Relaxed);
    if let Some(gate) = ctx.data_opt::<super::pii::PiiGate>().filter(|_| blocked) {
        gate.block(); // `extensions.pii.reason: ACCESS_BLOCKED` when it masks something
    }
}

/// After execution: the request's observations, with its refusals, in one call.
pub(super) fn after(ctx: &ExtensionContext<'_>, response: &Response) {
    let (Some(principal), Some(services), Some(watch)) =
        (caller(ctx), ctx.data_opt::<Services>(), ctx.data_opt::<Arc<Watch>>())
    else {
        return;
    };
    let refusals = response.errors.iter().filter(|e| code(e) == Some("FORBIDDEN")).count();
    let mut observations = watch.observations.lock().map(|o| o.clone()).unwrap_or_default();
    observations.refusals += refusals as u64;
    // Queued, judged in the background: the request does not wait for the detector.
    services.anomaly.observe(&principal.subject, &observations);
}

fn caller<'a>(ctx: &'a ExtensionContext<'_>) -> Option<&'a crate::domain::Principal> {
    ctx.data_opt::<Caller>().and_then(|c| c.0.as_ref())
}

fn code(e: &async_graphql::ServerError) -> Option<&str> {
    match e.extensions.as_ref()?.get("code")? {
        Value::String(s) => Some(s),
        _ => None,
    }
}
