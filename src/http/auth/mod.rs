//! Bearer JWT verification: HS256 with a shared secret and/or RS256/ES256 with a JWKS.
//!
//! The rules: `exp` and `sub` are required; `iss` and `aud` are required and checked
//! whenever they are configured (and must be configured with a JWKS); `nbf` and `iat` may
//! not lie in the future (30 s leeway); a token may live at most the configured maximum
//! (from `iat`, or from now when it has none); a token verified with a JWKS key must name
//! it by `kid`, and each key verifies only its own algorithm, so a public key is never
//! used as an HMAC secret.
//!
//! The principal is built here, once per request: its scopes expanded by the scope rules
//! (old scopes grant what was split from them), and `mfa` set when the token's `amr` or
//! `acr` shows multi-factor authentication (see [`claims`]).

use crate::domain::Principal;
use crate::domain::access::{MfaPolicy, ScopeRules};
use anyhow::{Context as _, bail};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use std::sync::Arc;

mod claims;
pub mod jwks;
pub use claims::mint_hs256_with;
pub use jwks::JwksSource;

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    scope: String,
    exp: i64,
    iat: Option<i64>,
    /// Authentication methods (RFC 8176), read leniently: see [`claims::strings`].
    #[serde(default)]
    amr: serde_json::Value,
    /// Authentication context class.
    #[serde(default)]
    acr: serde_json::Value,
}

/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
const LEEWAY_SECS: i64 = 30;

pub(crate) struct VerifyKey {
    kid: Option<String>,
    alg: Algorithm,
    key: DecodingKey,
}

/// Why a token was refused (for the log; clients only see `UNAUTHENTICATED`).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("malformed Authorization header")]
    Malformed,
    #[error("no key matches the token's algorithm and kid")]
    UnknownKey,
    #[error("a token for a JWKS key must name it by kid")]
    MissingKid,
    #[error("the token is issued in the future")]
    IssuedInFuture,
    #[error("the token lives longer than the maximum lifetime")]
    LifetimeTooLong,
    #[error("token rejected: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
}

/// What a token must say besides its signature.
#[derive(Clone, Debug)]
pub struct TokenRules {
    /// Required `iss`, when set.
    pub issuer: Option<String>,
    /// Required `aud`, when set.
    pub audience: Option<String>,
    /// The longest lifetime accepted, in seconds.
    pub max_lifetime_secs: i64,
}

pub struct Authenticator {
    /// The shared secret and the keys of a JWKS file.
    keys: Vec<Arc<VerifyKey>>,
    /// The keys of a JWKS URL.
    remote: Option<Arc<jwks::RemoteJwks>>,
    rules: TokenRules,
    /// What the verified claims grant: scope expansion and what counts as MFA.
    access: (ScopeRules, MfaPolicy),
}

impl Authenticator {
    /// The verifier for a shared secret and/or a JWKS (a file, or a URL fetched now and
    /// kept fresh).
    pub async fn new(
        hs256_secret: Option<&[u8]>,
        jwks: Option<&JwksSource>,
        rules: TokenRules,
    ) -> anyhow::Result<Self> {
        if jwks.is_some() && (rules.issuer.is_none() || rules.audience.is_none()) {
            bail!(
                "with CUSTOMERS_JWKS, set CUSTOMERS_JWT_ISSUER and CUSTOMERS_JWT_AUDIENCE too (tokens of an identity provider are checked for both)"
            );
        }
        if rules.max_lifetime_secs <= 0 {
            bail!("CUSTOMERS_JWT_MAX_LIFETIME must be a positive number of seconds");
        }
        let mut keys = Vec::new();
        if let Some(secret) = hs256_secret {
            if secret.len() < 32 {
                bail!("CUSTOMERS_JWT_SECRET must be at least 32 bytes");
            }
            keys.push(Arc::new(VerifyKey { kid: None, alg: Algorithm::HS256, key: DecodingKey::from_secret(secret) }));
        }
        let mut remote = None;
        match jwks {
            None => {}
            Some(JwksSource::File(path)) => {
                let text =
                    std::fs::read_to_string(path).with_context(|| format!("Failed to read JWKS {}", path.display()))?;
                keys.extend(jwks::keys_of(&text)?);
            }
            Some(JwksSource::Url(url)) => remote = Some(jwks::RemoteJwks::start(url.clone()).await?),
        }
        if keys.is_empty() && remote.is_none() {
            bail!("no JWT verification key configured");
        }
        Ok(Self { keys, remote, rules, access: Default::default() })
    }

    /// Build principals with these scope rules and this MFA policy (defaults otherwise).
    pub fn with_access(mut self, scopes: ScopeRules, mfa: MfaPolicy) -> Self {
        self.access = (scopes, mfa);
        self
    }

    /// The key a token names: the shared secret for HS256 (no kid needed), else the JWKS
    /// key with the token's kid and algorithm.
    async fn key_for(&self, alg: Algorithm, kid: Option<&str>) -> Result<Arc<VerifyKey>, AuthError> {
        if alg == Algorithm::HS256 {
            return self.keys.iter().find(|k| k.alg == alg && k.kid.is_none()).cloned().ok_or(AuthError::UnknownKey);
        }
        let kid = kid.ok_or(AuthError::MissingKid)?;
        if let Some(key) = self.keys.iter().find(|k| k.alg == alg && k.kid.as_deref() == Some(kid)) {
            return Ok(key.clone());
        }
        let Some(remote) = &self.remote else { return Err(AuthError::UnknownKey) };
        if let Some(key) = remote.find(alg, kid) {
            return Ok(key);
        }
        // The provider may have rotated its keys since the last fetch.
        remote.refresh_for_unknown_kid().await;
        remote.find(alg, kid).ok_or(AuthError::UnknownKey)
    }

    #[cfg(test)]
    pub(crate) fn set_refetch_window_for_tests(&self, window: std::time::Duration) {
        if let Some(remote) = &self.remote {
            remote.set_refetch_window(window);
        }
    }

    /// Verify a bearer token and return its principal.
    pub async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let header = decode_header(token)?;
        let key = self.key_for(header.alg, header.kid.as_deref()).await?;
        let mut validation = Validation::new(key.alg);
        let mut required = vec!["exp", "sub"];
        validation.leeway = LEEWAY_SECS as u64;
        validation.validate_nbf = true;
        if let Some(iss) = &self.rules.issuer {
            validation.set_issuer(&[iss]);
            required.push("iss");
        }
        match &self.rules.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        let claims = decode::<Claims>(token, &key.key, &validation)?.claims;
        let now = chrono::Utc::now().timestamp();
        if claims.iat.is_some_and(|iat| iat > now + LEEWAY_SECS) {
            return Err(AuthError::IssuedInFuture);
        }
        if claims.exp - claims.iat.unwrap_or(now) > self.rules.max_lifetime_secs {
            return Err(AuthError::LifetimeTooLong);
        }
        let (scopes, mfa) = &self.access;
        let mfa = mfa.satisfied_by(&claims::strings(&claims.amr), claims.acr.as_str());
        Ok(Principal::from_token(claims.sub, &claims.scope, mfa, *scopes))
    }

    /// The principal of an `Authorization` header value (`Bearer …`).
    pub async fn from_header(&self, value: &str) -> Result<Principal, AuthError> {
        let token =
            value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).ok_or(AuthError::Malformed)?;
        self.verify(token.trim()).await
    }
}

/// Mint an HS256 token (the `customers token` command and tests).
pub fn mint_hs256(
    secret: &[u8],
    sub: &str,
    scope: &str,
    ttl_secs: i64,
    issuer: Option<&str>,
    audience: Option<&str>,
) -> anyhow::Result<String> {
    mint_hs256_with(secret, sub, scope, ttl_secs, issuer, audience, serde_json::Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn rules() -> TokenRules {
        TokenRules { issuer: Some("idp".into()), audience: Some("customers".into()), max_lifetime_secs: 3600 }
    }

    async fn auth() -> Authenticator {
        Authenticator::new(Some(SECRET), None, rules()).await.unwrap()
    }

    #[tokio::test]
    async fn a_valid_token_yields_its_subject_and_scopes() {
        let token = mint_hs256(SECRET, "alice", "customers:read pii:read", 60, Some("idp"), Some("customers")).unwrap();
        let p = auth().await.from_header(&format!("Bearer {token}")).await.unwrap();
        assert_eq!(p.subject, "alice");
        assert!(p.has(crate::domain::Scope::PiiRead));
        assert!(!p.mfa, "no amr, no MFA");
    }

    #[tokio::test]
    async fn expired_wrong_issuer_wrong_audience_and_wrong_key_are_refused() {
        let a = auth().await;
        let expired = mint_hs256(SECRET, "a", "", -120, Some("idp"), Some("customers")).unwrap();
        let wrong_iss = mint_hs256(SECRET, "a", "", 60, Some("evil"), Some("customers")).unwrap();
        let wrong_aud = mint_hs256(SECRET, "a", "", 60, Some("idp"), Some("other")).unwrap();
        let wrong_key =
            mint_hs256(b"another-secret-another-secret-xx", "a", "", 60, Some("idp"), Some("customers")).unwrap();
        for token in [expired, wrong_iss, wrong_aud, wrong_key] {
            assert!(a.verify(&token).await.is_err());
        }
        assert!(a.from_header("Basic abc").await.is_err());
    }

    #[tokio::test]
    async fn a_token_without_exp_is_refused() {
        let claims = serde_json::json!({ "sub": "a", "scope": "customers:read", "iss": "idp", "aud": "customers" });
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert!(auth().await.verify(&token).await.is_err());
    }

    #[tokio::test]
    async fn short_secrets_are_refused_at_start() {
        assert!(Authenticator::new(Some(b"short"), None, rules()).await.is_err());
    }
}

#[cfg(test)]
mod attacks;
