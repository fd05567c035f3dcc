//! Where JWKS keys come from: a file read at start, or an identity provider's URL, fetched
//! at start, refreshed every five minutes, and refetched when a token names a key it does
//! not know (at most once every 30 seconds, so unknown kids cannot hammer the provider).

use super::VerifyKey;
use anyhow::{Context as _, bail};
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// How often a JWKS URL is fetched again regardless.
pub const REFRESH_EVERY: Duration = Duration::from_secs(300);
/// The least time between two fetches caused by unknown kids.
pub const MIN_REFETCH: Duration = Duration::from_secs(30);
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// `CUSTOMERS_JWKS`: a path (or `file://…`), or an `https://` URL (`http://` only to a
/// loopback address, for tests and sidecars).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JwksSource {
    File(PathBuf),
    Url(String),
}

impl JwksSource {
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        if let Some(path) = raw.strip_prefix("file://") {
            return Ok(JwksSource::File(PathBuf::from(path)));
        }
        if raw.starts_with("https://") {
            return Ok(JwksSource::Url(raw.to_owned()));
        }
        if let Some(rest) = raw.strip_prefix("http://") {
            let host = rest.split(['/', ':']).next().unwrap_or_default();
            if matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
                return Ok(JwksSource::Url(raw.to_owned()));
            }
            bail!("CUSTOMERS_JWKS over plain http:// is only for a loopback address; use https://");
        }
        if raw.contains("://") {
            bail!("CUSTOMERS_JWKS must be a path, file://, or https:// URL");
        }
        Ok(JwksSource::File(PathBuf::from(raw)))
    }
}

/// The verification keys of a JWKS document: every key needs a `kid`; a key's `alg`, when
/// given, pins it, else its type does; symmetric and unsupported keys are ignored.
pub(super) fn keys_of(text: &str) -> anyhow::Result<Vec<Arc<VerifyKey>>> {
    let set: JwkSet = serde_json::from_str(text).context("Failed to parse the JWKS")?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        let by_type = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => Algorithm::ES256,
            AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P384 => Algorithm::ES384,
            _ => continue,
        };
        let alg = match jwk.common.key_algorithm.map(|a| a.to_string().parse::<Algorithm>()) {
            Some(Ok(alg)) => alg,
            Some(Err(_)) => continue,
            None => by_type,
        };
        let Some(kid) = jwk.common.key_id.clone() else {
            bail!("every key of the JWKS needs a kid (tokens name their key by it)");
        };
        let key = DecodingKey::from_jwk(jwk).context("Failed to load a JWKS key")?;
        keys.push(Arc::new(VerifyKey { kid: Some(kid), alg, key }));
    }
    Ok(keys)
}

type HttpsClient =
    Client<hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>, Empty<axum::body::Bytes>>;

/// The keys of a JWKS URL, kept fresh.
pub(super) struct RemoteJwks {
    url: String,
    client: HttpsClient,
    keys: RwLock<Vec<Arc<VerifyKey>>>,
    last_fetch: Mutex<Instant>,
    /// `MIN_REFETCH`, shorter in tests.
    refetch_window: Mutex<Duration>,
}

impl RemoteJwks {
    /// Fetch the keys once (start-up fails without them) and refresh them periodically.
    pub(super) async fn start(url: String) -> anyhow::Result<Arc<Self>> {
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .context("TLS for the JWKS client")?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(https);
        let keys = fetch(&client, &url).await.with_context(|| format!("Failed to fetch the JWKS at {url}"))?;
        let remote = Arc::new(Self {
            url,
            client,
            keys: RwLock::new(keys),
            last_fetch: Mutex::new(Instant::now()),
            refetch_window: Mutex::new(MIN_REFETCH),
        });
        let weak = Arc::downgrade(&remote);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(REFRESH_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(remote) = weak.upgrade() else { return };
                remote.refresh().await;
            }
        });
        Ok(remote)
    }

    pub(super) fn find(&self, alg: Algorithm, kid: &str) -> Option<Arc<VerifyKey>> {
        let keys = self.keys.read().ok()?;
        keys.iter().find(|k| k.alg == alg && k.kid.as_deref() == Some(kid)).cloned()
    }

    /// Fetch again because a token named an unknown key, unless that was done lately.
    pub(super) async fn refresh_for_unknown_kid(&self) {
        let window = self.refetch_window.lock().map_or(MIN_REFETCH, |w| *w);
        let due = self.last_fetch.lock().is_ok_and(|mut last| {
            let due = last.elapsed() >= window;
            if due {
                *last = Instant::now();
            }
            due
        });
        if due {
            self.refresh().await;
        }
    }

    #[cfg(test)]
    pub(super) fn set_refetch_window(&self, window: Duration) {
        if let Ok(mut w) = self.refetch_window.lock() {
            *w = window;
        }
    }

    async fn refresh(&self) {
        match fetch(&self.client, &self.url).await {
            Ok(keys) => {
                if let Ok(mut current) = self.keys.write() {
                    *current = keys;
                }
                if let Ok(mut last) = self.last_fetch.lock() {
                    *last = Instant::now();
                }
            }
            // The keys fetched before stay in force until a fetch succeeds.
            Err(e) => tracing::warn!(error = format!("{e:#}"), "JWKS refresh failed"),
        }
    }
}

async fn fetch(client: &HttpsClient, url: &str) -> anyhow::Result<Vec<Arc<VerifyKey>>> {
    let uri: axum::http::Uri = url.parse().context("the JWKS URL")?;
    let response = tokio::time::timeout(FETCH_TIMEOUT, client.get(uri)).await.context("timed out")??;
    if !response.status().is_success() {
        bail!("the JWKS URL answered {}", response.status());
    }
    let body = Limited::new(response.into_body(), MAX_JWKS_BYTES);
    let bytes = tokio::time::timeout(FETCH_TIMEOUT, body.collect())
        .await
        .context("timed out")?
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .to_bytes();
    keys_of(std::str::from_utf8(&bytes).context("the JWKS is not UTF-8")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_paths_files_or_https_urls() {
        assert_eq!(JwksSource::parse("/etc/jwks.json").unwrap(), JwksSource::File("/etc/jwks.json".into()));
        assert_eq!(JwksSource::parse("file:///etc/jwks.json").unwrap(), JwksSource::File("/etc/jwks.json".into()));
        assert!(matches!(JwksSource::parse("https://idp.example.com/jwks").unwrap(), JwksSource::Url(_)));
        assert!(matches!(JwksSource::parse("http://127.0.0.1:8080/jwks").unwrap(), JwksSource::Url(_)));
        assert!(JwksSource::parse("http://idp.example.com/jwks").is_err(), "plain http only on loopback");
        assert!(JwksSource::parse("ftp://x").is_err());
    }
}
