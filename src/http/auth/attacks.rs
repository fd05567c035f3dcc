//! The JWT attack suite: every way a token can be wrong, against a JWKS (ES256) and a
//! shared secret. Keys are test keys generated for this suite (src/http/testdata).

use super::*;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};

/// PKCS#8 DER, base64 (jsonwebtoken reads PEM only with a feature we do not build).
const PRIVATE: &str = include_str!("testdata/es256-private.pk8.b64");
const PUBLIC: &str = include_str!("testdata/es256-public.pem");
const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

const JWKS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/auth/testdata/jwks.json");

fn idp_rules() -> TokenRules {
    TokenRules { issuer: Some("https://idp".into()), audience: Some("cx".into()), max_lifetime_secs: 3600 }
}

async fn jwks_auth() -> Authenticator {
    Authenticator::new(None, Some(&JwksSource::File(JWKS.into())), idp_rules()).await.unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims() -> Value {
    json!({ "sub": "mallory", "scope": "customers:read pii:read", "iss": "https://idp", "aud": "cx",
            "iat": now(), "exp": now() + 600 })
}

fn es256(claims: &Value, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = kid.map(str::to_owned);
    let der = base64::engine::general_purpose::STANDARD.decode(PRIVATE.trim()).unwrap();
    encode(&header, claims, &EncodingKey::from_ec_der(&der)).unwrap()
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    if value.is_null() {
        claims.as_object_mut().unwrap().remove(key);
    } else {
        claims[key] = value;
    }
    claims
}

#[tokio::test]
async fn a_good_token_for_the_jwks_key_is_accepted() {
    assert_eq!(jwks_auth().await.verify(&es256(&claims(), Some("key-1"))).await.unwrap().subject, "mallory");
}

#[tokio::test]
async fn alg_none_is_refused() {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
    assert!(jwks_auth().await.verify(&format!("{header}.{payload}.")).await.is_err());
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("key-1".into());
    let token = encode(&header, &claims(), &EncodingKey::from_secret(PUBLIC.as_bytes())).unwrap();
    assert!(matches!(jwks_auth().await.verify(&token).await, Err(AuthError::UnknownKey)));
}

#[tokio::test]
async fn an_unknown_or_missing_kid_is_refused() {
    assert!(matches!(jwks_auth().await.verify(&es256(&claims(), Some("key-2"))).await, Err(AuthError::UnknownKey)));
    assert!(matches!(jwks_auth().await.verify(&es256(&claims(), None)).await, Err(AuthError::MissingKid)));
}

#[tokio::test]
async fn expired_not_yet_valid_and_issued_in_the_future_are_refused() {
    let a = jwks_auth().await;
    let expired = with(with(claims(), "exp", json!(now() - 120)), "iat", json!(now() - 600));
    assert!(a.verify(&es256(&expired, Some("key-1"))).await.is_err());
    let not_yet = with(claims(), "nbf", json!(now() + 300));
    assert!(a.verify(&es256(&not_yet, Some("key-1"))).await.is_err());
    let future = with(with(claims(), "iat", json!(now() + 300)), "exp", json!(now() + 600));
    assert!(matches!(a.verify(&es256(&future, Some("key-1"))).await, Err(AuthError::IssuedInFuture)));
}

#[tokio::test]
async fn exp_sub_iss_and_aud_are_required_and_checked() {
    let a = jwks_auth().await;
    for (claim, bad) in [
        ("exp", Value::Null),
        ("sub", Value::Null),
        ("iss", Value::Null),
        ("iss", json!("https://evil")),
        ("aud", Value::Null),
        ("aud", json!("other")),
    ] {
        let token = es256(&with(claims(), claim, bad.clone()), Some("key-1"));
        assert!(a.verify(&token).await.is_err(), "{claim} = {bad} accepted");
    }
}

#[tokio::test]
async fn a_lifetime_over_the_maximum_is_refused() {
    let a = jwks_auth().await;
    let long = with(claims(), "exp", json!(now() + 7200));
    assert!(matches!(a.verify(&es256(&long, Some("key-1"))).await, Err(AuthError::LifetimeTooLong)));
    let no_iat = with(with(claims(), "iat", Value::Null), "exp", json!(now() + 7200));
    assert!(matches!(a.verify(&es256(&no_iat, Some("key-1"))).await, Err(AuthError::LifetimeTooLong)));
}

#[tokio::test]
async fn a_tampered_payload_or_signature_and_malformed_tokens_are_refused() {
    let a = jwks_auth().await;
    let token = es256(&claims(), Some("key-1"));
    let parts: Vec<&str> = token.split('.').collect();
    let forged = URL_SAFE_NO_PAD.encode(with(claims(), "scope", json!("privacy:admin")).to_string());
    assert!(a.verify(&format!("{}.{forged}.{}", parts[0], parts[2])).await.is_err());
    let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    sig[0] ^= 1;
    assert!(a.verify(&format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig))).await.is_err());
    for malformed in ["", "abc", "a.b", "a.b.c", &format!("{}.{}", parts[0], parts[1])] {
        assert!(a.verify(malformed).await.is_err(), "{malformed:?} accepted");
    }
}

#[tokio::test]
async fn a_shared_secret_token_needs_iss_and_aud_when_they_are_configured() {
    let a = Authenticator::new(Some(SECRET), None, idp_rules()).await.unwrap();
    let key = EncodingKey::from_secret(SECRET);
    assert!(a.verify(&encode(&Header::default(), &claims(), &key).unwrap()).await.is_ok());
    for claim in ["iss", "aud"] {
        let token = encode(&Header::default(), &with(claims(), claim, Value::Null), &key).unwrap();
        assert!(a.verify(&token).await.is_err(), "a token without {claim} accepted");
    }
}

#[tokio::test]
async fn a_jwks_needs_an_issuer_an_audience_and_kids_at_start() {
    let open = TokenRules { issuer: None, audience: Some("cx".into()), max_lifetime_secs: 3600 };
    assert!(Authenticator::new(None, Some(&JwksSource::File(JWKS.into())), open).await.is_err());
    let dir = tempfile::tempdir().unwrap();
    let mut jwks: Value = serde_json::from_str(&std::fs::read_to_string(JWKS).unwrap()).unwrap();
    jwks["keys"][0].as_object_mut().unwrap().remove("kid");
    let no_kid = dir.path().join("jwks.json");
    std::fs::write(&no_kid, jwks.to_string()).unwrap();
    assert!(Authenticator::new(None, Some(&JwksSource::File(no_kid)), idp_rules()).await.is_err());
}

/// A JWKS at a URL, rotated while the service runs: a token for the new key is accepted
/// after one refetch, the old key stops verifying, and unknown kids refetch at most once
/// per 30 seconds.
mod rotation {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    const PRIVATE_2: &str = include_str!("testdata/es256-private-2.pk8.b64");
    const JWK_2: &str = include_str!("testdata/jwk-2.json");

    fn es256_2(claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some("key-2".into());
        let der = base64::engine::general_purpose::STANDARD.decode(PRIVATE_2.trim()).unwrap();
        encode(&header, claims, &EncodingKey::from_ec_der(&der)).unwrap()
    }

    /// Serves `jwks` at `/jwks` on a free loopback port; counts the fetches.
    async fn provider(jwks: Arc<Mutex<String>>, fetches: Arc<AtomicUsize>) -> String {
        let app = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || {
                let (jwks, fetches) = (jwks.clone(), fetches.clone());
                async move {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    jwks.lock().unwrap().clone()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/jwks")
    }

    #[tokio::test]
    async fn a_key_rotated_at_the_url_is_picked_up_and_unknown_kids_refetch_at_most_once_a_window() {
        let first = std::fs::read_to_string(JWKS).unwrap();
        let jwks = Arc::new(Mutex::new(first));
        let fetches = Arc::new(AtomicUsize::new(0));
        let url = provider(jwks.clone(), fetches.clone()).await;
        let a = Authenticator::new(None, Some(&JwksSource::Url(url)), idp_rules()).await.unwrap();
        let window = std::time::Duration::from_millis(1500);
        a.set_refetch_window_for_tests(window);
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "fetched once at start");
        assert!(a.verify(&es256(&claims(), Some("key-1"))).await.is_ok());

        // The provider rotates to key-2; the refetch window (30 s; here 1.5 s) has not
        // passed since the start, so an unknown kid does not refetch yet…
        *jwks.lock().unwrap() = format!(r#"{{"keys":[{}]}}"#, JWK_2.trim());
        assert!(matches!(a.verify(&es256_2(&claims())).await, Err(AuthError::UnknownKey)));
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "no refetch within the window");

        // …once they have, one refetch picks up the new key, and the old one is gone.
        tokio::time::sleep(window).await;
        assert!(a.verify(&es256_2(&claims())).await.is_ok());
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        assert!(matches!(a.verify(&es256(&claims(), Some("key-1"))).await, Err(AuthError::UnknownKey)));
        for _ in 0..5 {
            assert!(a.verify(&es256(&claims(), Some("key-9"))).await.is_err());
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 2, "a flood of unknown kids makes no more fetches");
    }
}
