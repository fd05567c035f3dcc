//! Bearer JWT verification: HS256 with a shared secret and/or RS256/ES256 with a JWKS.
//! `exp` is required; `iss` and `aud` are checked when configured.

use crate::domain::Principal;
use anyhow::{Context as _, bail};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    scope: String,
}

struct VerifyKey {
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
    #[error("token rejected: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
}

pub struct Authenticator {
    keys: Vec<VerifyKey>,
    issuer: Option<String>,
    audience: Option<String>,
}

impl Authenticator {
    pub fn new(
        hs256_secret: Option<&[u8]>,
        jwks: Option<&Path>,
        issuer: Option<String>,
        audience: Option<String>,
    ) -> anyhow::Result<Self> {
        let mut keys = Vec::new();
        if let Some(secret) = hs256_secret {
            if secret.len() < 32 {
                bail!("CUSTOMERS_JWT_SECRET must be at least 32 bytes");
            }
            keys.push(VerifyKey { kid: None, alg: Algorithm::HS256, key: DecodingKey::from_secret(secret) });
        }
        if let Some(path) = jwks {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("Failed to read JWKS {}", path.display()))?;
            let set: JwkSet = serde_json::from_str(&text).context("Failed to parse the JWKS")?;
            for jwk in &set.keys {
                let alg = match &jwk.algorithm {
                    AlgorithmParameters::RSA(_) => Algorithm::RS256,
                    AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => Algorithm::ES256,
                    AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P384 => Algorithm::ES384,
                    _ => continue, // symmetric or unsupported keys in a JWKS are ignored
                };
                let key = DecodingKey::from_jwk(jwk).context("Failed to load a JWKS key")?;
                keys.push(VerifyKey { kid: jwk.common.key_id.clone(), alg, key });
            }
        }
        if keys.is_empty() {
            bail!("no JWT verification key configured");
        }
        Ok(Self { keys, issuer, audience })
    }

    /// Verify a bearer token and return its principal.
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let header = decode_header(token)?;
        // The key is chosen by the token's algorithm (and kid): an RS256 public key is
        // never used as an HS256 secret.
        let key = self
            .keys
            .iter()
            .find(|k| k.alg == header.alg && (header.kid.is_none() || k.kid.is_none() || k.kid == header.kid))
            .ok_or(AuthError::UnknownKey)?;
        let mut validation = Validation::new(key.alg);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 30;
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
        }
        match &self.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        let data = decode::<Claims>(token, &key.key, &validation)?;
        Ok(Principal::new(data.claims.sub, &data.claims.scope))
    }

    /// The principal of an `Authorization` header value (`Bearer …`).
    pub fn from_header(&self, value: &str) -> Result<Principal, AuthError> {
        let token =
            value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).ok_or(AuthError::Malformed)?;
        self.verify(token.trim())
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
    let exp = chrono::Utc::now().timestamp() + ttl_secs;
    let mut claims =
        serde_json::json!({ "sub": sub, "scope": scope, "exp": exp, "iat": chrono::Utc::now().timestamp() });
    if let Some(iss) = issuer {
        claims["iss"] = iss.into();
    }
    if let Some(aud) = audience {
        claims["aud"] = aud.into();
    }
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .context("Failed to sign the token")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn auth() -> Authenticator {
        Authenticator::new(Some(SECRET), None, Some("idp".into()), Some("customers".into())).unwrap()
    }

    #[test]
    fn a_valid_token_yields_its_subject_and_scopes() {
        let token = mint_hs256(SECRET, "alice", "customers:read pii:read", 60, Some("idp"), Some("customers")).unwrap();
        let p = auth().from_header(&format!("Bearer {token}")).unwrap();
        assert_eq!(p.subject, "alice");
        assert!(p.can_read_pii());
    }

    #[test]
    fn expired_wrong_issuer_wrong_audience_and_wrong_key_are_refused() {
        let a = auth();
        let expired = mint_hs256(SECRET, "a", "", -120, Some("idp"), Some("customers")).unwrap();
        let wrong_iss = mint_hs256(SECRET, "a", "", 60, Some("evil"), Some("customers")).unwrap();
        let wrong_aud = mint_hs256(SECRET, "a", "", 60, Some("idp"), Some("other")).unwrap();
        let wrong_key =
            mint_hs256(b"another-secret-another-secret-xx", "a", "", 60, Some("idp"), Some("customers")).unwrap();
        for token in [expired, wrong_iss, wrong_aud, wrong_key] {
            assert!(a.verify(&token).is_err());
        }
        assert!(a.from_header("Basic abc").is_err());
    }

    #[test]
    fn a_token_without_exp_is_refused() {
        let claims = serde_json::json!({ "sub": "a", "scope": "customers:read", "iss": "idp", "aud": "customers" });
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert!(auth().verify(&token).is_err());
    }

    #[test]
    fn short_secrets_are_refused_at_start() {
        assert!(Authenticator::new(Some(b"short"), None, None, None).is_err());
    }
}
