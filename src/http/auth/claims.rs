//! The claims about how the user authenticated (`amr`, `acr`), read leniently: a token
//! whose `amr` has an unexpected shape is not refused, it just shows no MFA.

use anyhow::Context as _;
use jsonwebtoken::Algorithm;

/// The strings of a claim: an array's string items, or a lone string.
pub(super) fn strings(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

/// Mint an HS256 token with `extra` claims besides the usual ones (`amr`, `acr`): the
/// `customers token --mfa` command and tests.
pub fn mint_hs256_with(
    secret: &[u8],
    sub: &str,
    scope: &str,
    ttl_secs: i64,
    issuer: Option<&str>,
    audience: Option<&str>,
    extra: serde_json::Map<String, serde_json::Value>,
) -> anyhow::Result<String> {
    let now = chrono::Utc::now().timestamp();
    let mut claims = extra;
    claims.insert("sub".into(), sub.into());
    claims.insert("scope".into(), scope.into());
    claims.insert("exp".into(), (now + ttl_secs).into());
    claims.insert("iat".into(), now.into());
    if let Some(iss) = issuer {
        claims.insert("iss".into(), iss.into());
    }
    if let Some(aud) = audience {
        claims.insert("aud".into(), aud.into());
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
    use super::super::{Authenticator, TokenRules};
    use super::*;
    use crate::domain::access::{MfaPolicy, ScopeRules};
    use serde_json::json;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    async fn mfa_of(extra: serde_json::Value) -> bool {
        let rules = TokenRules { issuer: None, audience: None, max_lifetime_secs: 3600 };
        let acr = MfaPolicy { acr: vec!["urn:mfa".into()], ..MfaPolicy::default() };
        let auth = Authenticator::new(Some(SECRET), None, rules).await.unwrap().with_access(ScopeRules::default(), acr);
        let extra = extra.as_object().cloned().unwrap_or_default();
        let token = mint_hs256_with(SECRET, "a", "pii:read", 60, None, None, extra).unwrap();
        auth.verify(&token).await.unwrap().mfa
    }

    #[tokio::test]
    async fn mfa_is_read_from_amr_or_acr_and_odd_shapes_count_as_none() {
        assert!(mfa_of(json!({ "amr": ["pwd", "otp"] })).await);
        assert!(mfa_of(json!({ "amr": "mfa" })).await);
        assert!(mfa_of(json!({ "acr": "urn:mfa" })).await);
        assert!(!mfa_of(json!({ "amr": ["pwd"] })).await);
        assert!(!mfa_of(json!({ "amr": 7, "acr": ["urn:mfa"] })).await);
        assert!(!mfa_of(json!({})).await);
    }
}
