//! What a request may see and what is recorded about it, in this order: the PII decision
//! ([`super::pii`]), the anomaly block and observations ([`super::anomaly`]), and the audit
//! of the PII shown ([`super::access_log`]). Run by [`super::hooks`], inside the error codes
//! (so that a withheld response's error is coded too).

use super::access_log::{self, AccessLog};
use super::context::Caller;
use crate::service::Services;
use async_graphql::extensions::ExtensionContext;
use async_graphql::{Request, Response};
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use std::any::TypeId;
use std::sync::{Arc, OnceLock};

/// Who acts in a subscription: the subject, and the operation name the request gave.
type SubscriptionActor = Option<(String, Option<String>)>;

/// One request's part. async-graphql runs `execute` around each update of a
/// subscription too (its subscription macro does; that is where the anomaly detector is
/// given the update's reveals), but the update reaches the client through `subscribe`: the
/// request's access log is kept here when it is prepared, so that whatever an update
/// revealed is recorded before it is sent (or the update withheld) as a query's is.
#[derive(Default)]
pub(super) struct Access {
    /// The request's log, and who acts in which operation (for subscriptions only: a
    /// query's actor is set in `execute`, which knows the operation's name).
    log: Arc<OnceLock<(Arc<AccessLog>, SubscriptionActor)>>,
}

impl Access {
    /// The request's PII decision, anomaly state and access log, put in its data.
    pub(super) fn prepare_request(&self, ctx: &ExtensionContext<'_>, request: Request) -> Request {
        let request = super::pii::prepare(ctx, request);
        let request = super::anomaly::prepare(request);
        let request = access_log::prepare(request);
        if let Some(log) =
            request.data.get(&TypeId::of::<Arc<AccessLog>>()).and_then(|l| l.downcast_ref::<Arc<AccessLog>>())
        {
            let caller = request.data.get(&TypeId::of::<Caller>()).and_then(|c| c.downcast_ref::<Caller>());
            let actor = caller.and_then(|c| c.0.as_ref()).map(|p| (p.subject.clone(), request.operation_name.clone()));
            let _ = self.log.set((log.clone(), actor));
        }
        request
    }

    /// A subscription's updates, each recorded (or withheld) as a query's response is.
    pub(super) fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
    ) -> BoxStream<'s, Response> {
        let services = ctx.data_opt::<Services>().cloned();
        let log = self.log.clone();
        stream
            .then(move |response| {
                let (services, log) = (services.clone(), log.get().cloned());
                async move {
                    match (services, log) {
                        (Some(services), Some((log, actor))) => {
                            // A subscription's updates have no `execute`: name the actor here.
                            if let Some((subject, operation)) = actor {
                                access_log::begin_subscription(&log, &subject, operation.as_deref());
                            }
                            access_log::flush_log(&log, &services, response).await
                        }
                        _ => response,
                    }
                }
            })
            .boxed()
    }

    /// Before execution: the actor named, the anomaly block applied.
    pub(super) async fn before_execute(&self, ctx: &ExtensionContext<'_>, operation_name: Option<&str>) {
        super::access_log::begin(ctx, operation_name);
        super::anomaly::before(ctx).await;
    }

    /// The executed response: observed, its PII recorded (or it is withheld), and why PII
    /// was masked said in `extensions`.
    pub(super) async fn executed(&self, ctx: &ExtensionContext<'_>, response: Response) -> Response {
        super::anomaly::after(ctx, &response);
        let mut response = super::access_log::flush(ctx, response).await;
        super::pii::report(ctx, &mut response);
        response
    }
}
