//! `HttpCrmProvider`: the customer contract of `docs/profile-provider.md` over HTTP(S) with
//! the client the webhooks use (hyper-util + rustls). Every call has its own timeout and
//! passes the circuit breaker; the token is sent as a bearer token and never logged; the
//! identifier looked up travels in a POST body, never in a URL (URLs land in access logs).

use super::breaker::{Breaker, Permit};
use super::wire::{IdentifierQuery, WireProfile};
use super::{Answer, ProfileProvider, ProviderError};
use crate::config::{ProviderSettings, Secret};
use crate::domain::{Channel, Pii};
use anyhow::Context as _;
use axum::body::Bytes;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::{Duration, Instant};

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The largest answer read (a record is a few KiB).
const MAX_ANSWER_BYTES: usize = 256 * 1024;

pub struct HttpCrmProvider {
    base: String,
    token: Option<Secret>,
    client: HttpsClient,
    timeout: Duration,
    breaker: Breaker,
}

impl HttpCrmProvider {
    /// The adapter for `settings.url` (`None` when no URL is set).
    pub fn from_settings(settings: &ProviderSettings) -> anyhow::Result<Option<Self>> {
        let Some(base) = &settings.url else { return Ok(None) };
        if base.starts_with("http://") {
            tracing::warn!(
                "the profile provider is reached over plain HTTP: identifiers and its token travel unencrypted"
            );
        }
        let provider = std::sync::Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .context("TLS for the profile provider's client")?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Some(Self {
            base: base.clone(),
            token: settings.token.clone(),
            client: Client::builder(TokioExecutor::new()).build(https),
            timeout: settings.call_timeout,
            breaker: Breaker::new(settings.breaker_failures, settings.breaker_cooldown),
        }))
    }

    /// One call through the breaker: `Ok(None)` for a 404.
    async fn call(&self, method: Method, path: &str, body: Vec<u8>) -> Result<Option<WireProfile>, ProviderError> {
        if self.breaker.permit(Instant::now()) == Permit::Refused {
            return Err(ProviderError::CircuitOpen);
        }
        let outcome = tokio::time::timeout(self.timeout, self.exchange(method, path, body)).await;
        let result = match outcome {
            Err(_) => Err(ProviderError::Timeout),
            Ok(result) => result,
        };
        match &result {
            Ok(_) => self.breaker.succeeded(),
            Err(_) => self.breaker.failed(Instant::now()),
        }
        result
    }

    async fn exchange(&self, method: Method, path: &str, body: Vec<u8>) -> Result<Option<WireProfile>, ProviderError> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = &self.token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {}", token.expose()));
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|_| ProviderError::Invalid("the request could not be built"))?;
        let response = self.client.request(request).await.map_err(|_| ProviderError::Down)?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if status.is_server_error() {
            return Err(ProviderError::Down);
        }
        if !status.is_success() {
            return Err(ProviderError::Invalid("the CRM refused the request"));
        }
        let bytes = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|_| ProviderError::Invalid("the answer could not be read (too large, or cut)"))?
            .to_bytes();
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|_| ProviderError::Invalid("the answer is not a customer record"))
    }
}

#[async_trait::async_trait]
impl ProfileProvider for HttpCrmProvider {
    fn is_remote(&self) -> bool {
        true
    }

    async fn by_identifier(&self, channel: Channel, value: &Pii) -> Result<Answer, ProviderError> {
        let body = serde_json::to_vec(&IdentifierQuery { channel, value: value.expose() })
            .map_err(|_| ProviderError::Invalid("the query could not be encoded"))?;
        Ok(self.call(Method::POST, "/customers/by-identifier", body).await?.map_or(Answer::NotFound, Answer::Found))
    }

    async fn by_id(&self, external_id: &str) -> Result<Answer, ProviderError> {
        let path = format!("/customers/{}", encode_segment(external_id));
        Ok(self.call(Method::GET, &path, Vec::new()).await?.map_or(Answer::NotFound, Answer::Found))
    }

    fn circuit_open(&self) -> bool {
        self.breaker.is_open()
    }

    async fn upsert(&self, profile: &WireProfile) -> Result<Answer, ProviderError> {
        let path = format!("/customers/{}", encode_segment(&profile.external_ref.id));
        let body =
            serde_json::to_vec(profile).map_err(|_| ProviderError::Invalid("the record could not be encoded"))?;
        match self.call(Method::PUT, &path, body).await? {
            Some(stored) => Ok(Answer::Found(stored)),
            None => Err(ProviderError::Invalid("the CRM answered 404 to an upsert")),
        }
    }
}

/// A path segment, percent-encoded (RFC 3986: unreserved characters stay).
fn encode_segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_id_is_percent_encoded_into_one_path_segment() {
        assert_eq!(super::encode_segment("C-1001"), "C-1001");
        assert_eq!(super::encode_segment("a/b c?é"), "a%2Fb%20c%3F%C3%A9");
    }
}
