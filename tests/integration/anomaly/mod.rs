//! Anomaly detection: each rule crossed by one principal is detected (and blocks when
//! configured) while another is unaffected; the identifier probe; restarts; clearing; the
//! cost per request; no PII in what the detector keeps or shows. Small thresholds.

mod blocking;
mod rules;

use crate::common::*;
use customers::config::Settings;
use customers::domain::anomaly::{HourProfile, Limit, Policy};
use serde_json::{Value, json};

/// Thresholds small enough to cross in a test; blocking on.
pub fn small(settings: &mut Settings) {
    let limit = |threshold| Limit { threshold, window_secs: 3_600 };
    settings.anomaly = Policy {
        enabled: true,
        block: true,
        profiles: limit(3),
        pages: limit(2),
        misses: limit(3),
        identifiers: limit(5),
        refusals: limit(2),
        hours: HourProfile { min_days: 2, rare_days: 1, history_days: 30 },
    };
}

/// Runs each scenario on SQLite and PostgreSQL with the [`small`] thresholds.
macro_rules! on_both_databases_small {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let mut app = $crate::common::TestApp::sqlite_configured(super::super::small).await;
                super::$name(&mut app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(mut app) = $crate::common::TestApp::postgres_configured(super::super::small).await {
                    super::$name(&mut app).await;
                }
            }
        }
    )+};
}
pub(crate) use on_both_databases_small;

const NAMES: &str = "{ customers(first: 10) { edges { node { id displayName } } } }";

impl TestApp {
    /// A request as `subject` with `scopes`, then the detector's judgement of what it
    /// observed (the background judge's work, done at once); the whole body.
    pub async fn as_subject(&self, subject: &str, scopes: &str, query: &str, variables: Value) -> Value {
        let body = self.post(Some(&token_for(subject, scopes)), query, variables).await.1;
        self.services.anomaly.judge().await.expect("judge the observations");
        body
    }

    /// The detections of `principal`, newest first (asked with every scope).
    pub async fn anomalies_of(&self, principal: &str) -> Vec<Value> {
        let data = self.admin(ACCESS_ANOMALIES, json!({ "principal": principal })).await;
        data["accessAnomalies"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect()
    }

    /// The rules `principal` has detections of.
    pub async fn rules_of(&self, principal: &str) -> Vec<String> {
        self.anomalies_of(principal).await.iter().map(|n| n["rule"].as_str().unwrap().to_owned()).collect()
    }

    /// `n` named profiles.
    pub async fn named_profiles(&self, n: usize) {
        for i in 0..n {
            let phone = format!("+92300123{i:04}");
            self.create_customer(json!({
                "displayName": format!("Zarina Person{i}"),
                "identities": [{ "channel": "PHONE", "value": phone }],
            }))
            .await;
        }
    }

    /// The display names `subject` sees on the first page.
    pub async fn names_seen_by(&self, subject: &str) -> (Vec<String>, Value) {
        let body = self.as_subject(subject, "customers:read pii:read", NAMES, json!({})).await;
        let names = body["data"]["customers"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["displayName"].as_str().unwrap().to_owned())
            .collect();
        (names, body)
    }
}
