//! Signed webhooks: each event is POSTed as its CloudEvent JSON to every target with
//! `X-Customers-Signature: sha256=<hex HMAC-SHA256 of the body, keyed by the target's
//! secret>`; any 2xx accepts it. A refusal, a timeout or an unreachable target fails the
//! delivery (retried with backoff by the dispatcher, dead-lettered after N tries).

use crate::config::WebhookTarget;
use crate::domain::event::StoredEvent;
use crate::service::events::Delivery;
use anyhow::Context as _;
use axum::body::Bytes;
use axum::http::{Method, Request, header};
use hmac::{Hmac, Mac};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use sha2::Sha256;
use std::collections::HashSet;
use std::time::Duration;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-customers-signature";

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

pub struct Webhooks {
    targets: Vec<WebhookTarget>,
    client: HttpsClient,
    timeout: Duration,
}

impl Webhooks {
    pub fn new(targets: Vec<WebhookTarget>, timeout: Duration) -> anyhow::Result<Self> {
        let provider = std::sync::Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .context("TLS for the webhook client")?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(Self { targets, client, timeout })
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Deliver `events` one after the other to every target; a customer's events after a
    /// failed one are `Held`.
    pub async fn deliver(&self, events: &[StoredEvent], source: &str) -> Vec<Delivery> {
        let mut failed: HashSet<&str> = HashSet::new();
        let mut out = Vec::with_capacity(events.len());
        for event in events {
            if failed.contains(event.customer_id.as_str()) {
                out.push(Delivery::Held);
                continue;
            }
            let result = match serde_json::to_vec(&event.to_cloud_event(source)) {
                Ok(body) => self.post_all(Bytes::from(body)).await,
                Err(_) => Delivery::Failed("the event could not be encoded".into()),
            };
            if matches!(result, Delivery::Failed(_)) {
                failed.insert(&event.customer_id);
            }
            out.push(result);
        }
        out
    }

    async fn post_all(&self, body: Bytes) -> Delivery {
        for target in &self.targets {
            if let Err(reason) = self.post(target, body.clone()).await {
                return Delivery::Failed(reason);
            }
        }
        Delivery::Delivered
    }

    async fn post(&self, target: &WebhookTarget, body: Bytes) -> Result<(), String> {
        let signature = format!("sha256={}", sign(target.secret.expose().as_bytes(), &body));
        let request = Request::builder()
            .method(Method::POST)
            .uri(&target.url)
            .header(header::CONTENT_TYPE, "application/cloudevents+json")
            .header(SIGNATURE_HEADER, signature)
            .body(Full::new(body))
            .map_err(|_| "the webhook request could not be built".to_owned())?;
        // The target's host only: a URL's path or query could carry a token.
        let host = request.uri().host().unwrap_or("-").to_owned();
        match tokio::time::timeout(self.timeout, self.client.request(request)).await {
            Err(_) => Err(format!("webhook {host}: timed out")),
            Ok(Err(_)) => Err(format!("webhook {host}: unreachable")),
            Ok(Ok(response)) if response.status().is_success() => Ok(()),
            Ok(Ok(response)) => Err(format!("webhook {host}: HTTP {}", response.status().as_u16())),
        }
    }
}

/// The hex HMAC-SHA256 of `body` under `secret`: what `X-Customers-Signature` carries
/// after `sha256=`. Receivers compute the same over the raw body and compare.
#[allow(clippy::expect_used, reason = "HMAC accepts keys of any length")]
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signature_is_the_rfc_4231_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            super::sign(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
