//! Health (`/healthz`: the process answers), readiness (`/readyz`: the database answers)
//! and metrics (`/metrics`, Prometheus text).

use super::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a readiness answer is reused: probes from several orchestrators (and a
/// flapping database) cost one database round trip a second at most.
const REUSE: Duration = Duration::from_secs(1);
/// The longest a readiness check waits for the database: an orchestrator's probe times
/// out after a second or so, and must see "not ready", not a hung pod.
const CHECK_TIMEOUT: Duration = Duration::from_millis(800);

/// The last readiness answer and when it was found.
#[derive(Default)]
pub struct Readiness(Mutex<Option<(Instant, bool)>>);

impl Readiness {
    async fn check(&self, store: &crate::store::Store) -> bool {
        if let Ok(last) = self.0.lock()
            && let Some((at, ready)) = *last
            && at.elapsed() < REUSE
        {
            return ready;
        }
        let ready = tokio::time::timeout(CHECK_TIMEOUT, store.ping()).await.unwrap_or(false);
        if let Ok(mut last) = self.0.lock() {
            *last = Some((Instant::now(), ready));
        }
        ready
    }
}

/// 200 when the database answered within 800 ms (checked at most once a second), else 503.
pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    if state.readiness.check(&state.services.store).await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

pub(super) async fn metrics(State(state): State<AppState>) -> Response {
    let mut body = format!(
        "# HELP customers_sql_statements_total SQL statements sent to the database.\n\
         # TYPE customers_sql_statements_total counter\n\
         customers_sql_statements_total {}\n",
        state.services.store.statements.get()
    );
    let store = &state.services.store;
    let (all, anomaly, background) =
        (store.statements.get(), store.anomaly_statements.get(), store.background_statements.get());
    let requests = all.saturating_sub(anomaly).saturating_sub(background);
    let dispatcher = store.dispatcher_statements.get();
    let sealer = background.saturating_sub(dispatcher);
    body.push_str(&format!(
        "# HELP customers_sql_statements_by_source_total SQL statements by who sent them: requests (resolvers and the audit of what they showed), the anomaly detector (its background judge and the block checks), the audit sealer (with the retention task), the event dispatcher.\n\
         # TYPE customers_sql_statements_by_source_total counter\n\
         customers_sql_statements_by_source_total{{source=\"requests\"}} {requests}\n\
         customers_sql_statements_by_source_total{{source=\"anomaly_detector\"}} {anomaly}\n\
         customers_sql_statements_by_source_total{{source=\"audit_sealer\"}} {sealer}\n\
         customers_sql_statements_by_source_total{{source=\"event_dispatcher\"}} {dispatcher}\n"
    ));
    body.push_str(&crate::events::metrics(&state.services.live));
    body.push_str(&anomaly_metrics(&state.services.anomaly.detections_total()));
    body.push_str(&format!(
        "# HELP customers_access_observations_dropped_total Requests whose observations the anomaly detector dropped because its queue was full (the database away).\n\
         # TYPE customers_access_observations_dropped_total counter\n\
         customers_access_observations_dropped_total {}\n",
        state.services.anomaly.dropped_total()
    ));
    body.push_str(&provider_metrics(&state.services.provider.outcomes()));
    body.push_str(&format!(
        "# HELP customers_profile_provider_circuit_open Whether this replica's circuit breaker refuses calls to the profile provider now (1) or not (0).\n\
         # TYPE customers_profile_provider_circuit_open gauge\n\
         customers_profile_provider_circuit_open {}\n",
        u8::from(state.services.provider.provider.circuit_open())
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// A counter per provider outcome of `resolveCustomer` (labels: the outcome, nothing else).
fn provider_metrics(totals: &[(crate::service::provider::ProviderStatus, u64)]) -> String {
    let mut out = String::from(
        "# HELP customers_profile_provider_total resolveCustomer answers by who answered: the external profile maintainer, or local data and why (this replica's).\n\
         # TYPE customers_profile_provider_total counter\n",
    );
    for (status, n) in totals {
        out.push_str(&format!("customers_profile_provider_total{{outcome=\"{}\"}} {n}\n", status.as_str()));
    }
    out
}

/// A counter per rule: detections this replica recorded (labels: the rule, never a principal).
fn anomaly_metrics(totals: &[(crate::domain::anomaly::AnomalyRule, u64)]) -> String {
    let mut out = String::from(
        "# HELP customers_access_anomalies_total Access anomalies detected by this replica, per rule.\n\
         # TYPE customers_access_anomalies_total counter\n",
    );
    for (rule, n) in totals {
        out.push_str(&format!("customers_access_anomalies_total{{rule=\"{}\"}} {n}\n", rule.as_str()));
    }
    out
}
