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

fn jwks_auth() -> Authenticator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/auth/testdata/jwks.json");
    let rules = TokenRules { issuer: Some("https://idp".into()), audience: Some("cx".into()), max_lifetime_secs: 3600 };
    Authenticator::new(None, Some(Path::new(path)), rules).unwrap()
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

#[test]
fn a_good_token_for_the_jwks_key_is_accepted() {
    assert_eq!(jwks_auth().verify(&es256(&claims(), Some("key-1"))).unwrap().subject, "mallory");
}

#[test]
fn alg_none_is_refused() {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
    assert!(jwks_auth().verify(&format!("{header}.{payload}.")).is_err());
}

#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("key-1".into());
    let token = encode(&header, &claims(), &EncodingKey::from_secret(PUBLIC.as_bytes())).unwrap();
    assert!(matches!(jwks_auth().verify(&token), Err(AuthError::UnknownKey)));
}

#[test]
fn an_unknown_or_missing_kid_is_refused() {
    assert!(matches!(jwks_auth().verify(&es256(&claims(), Some("key-2"))), Err(AuthError::UnknownKey)));
    assert!(matches!(jwks_auth().verify(&es256(&claims(), None)), Err(AuthError::MissingKid)));
}

#[test]
fn expired_not_yet_valid_and_issued_in_the_future_are_refused() {
    let a = jwks_auth();
    let expired = with(with(claims(), "exp", json!(now() - 120)), "iat", json!(now() - 600));
    assert!(a.verify(&es256(&expired, Some("key-1"))).is_err());
    let not_yet = with(claims(), "nbf", json!(now() + 300));
    assert!(a.verify(&es256(&not_yet, Some("key-1"))).is_err());
    let future = with(with(claims(), "iat", json!(now() + 300)), "exp", json!(now() + 600));
    assert!(matches!(a.verify(&es256(&future, Some("key-1"))), Err(AuthError::IssuedInFuture)));
}

#[test]
fn exp_sub_iss_and_aud_are_required_and_checked() {
    let a = jwks_auth();
    for (claim, bad) in [
        ("exp", Value::Null),
        ("sub", Value::Null),
        ("iss", Value::Null),
        ("iss", json!("https://evil")),
        ("aud", Value::Null),
        ("aud", json!("other")),
    ] {
        let token = es256(&with(claims(), claim, bad.clone()), Some("key-1"));
        assert!(a.verify(&token).is_err(), "{claim} = {bad} accepted");
    }
}

#[test]
fn a_lifetime_over_the_maximum_is_refused() {
    let a = jwks_auth();
    let long = with(claims(), "exp", json!(now() + 7200));
    assert!(matches!(a.verify(&es256(&long, Some("key-1"))), Err(AuthError::LifetimeTooLong)));
    let no_iat = with(with(claims(), "iat", Value::Null), "exp", json!(now() + 7200));
    assert!(matches!(a.verify(&es256(&no_iat, Some("key-1"))), Err(AuthError::LifetimeTooLong)));
}

#[test]
fn a_tampered_payload_or_signature_and_malformed_tokens_are_refused() {
    let a = jwks_auth();
    let token = es256(&claims(), Some("key-1"));
    let parts: Vec<&str> = token.split('.').collect();
    let forged = URL_SAFE_NO_PAD.encode(with(claims(), "scope", json!("privacy:admin")).to_string());
    assert!(a.verify(&format!("{}.{forged}.{}", parts[0], parts[2])).is_err());
    let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    sig[0] ^= 1;
    assert!(a.verify(&format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig))).is_err());
    for malformed in ["", "abc", "a.b", "a.b.c", &format!("{}.{}", parts[0], parts[1])] {
        assert!(a.verify(malformed).is_err(), "{malformed:?} accepted");
    }
}

#[test]
fn a_shared_secret_token_needs_iss_and_aud_when_they_are_configured() {
    let rules = TokenRules { issuer: Some("https://idp".into()), audience: Some("cx".into()), max_lifetime_secs: 3600 };
    let a = Authenticator::new(Some(SECRET), None, rules).unwrap();
    let key = EncodingKey::from_secret(SECRET);
    assert!(a.verify(&encode(&Header::default(), &claims(), &key).unwrap()).is_ok());
    for claim in ["iss", "aud"] {
        let token = encode(&Header::default(), &with(claims(), claim, Value::Null), &key).unwrap();
        assert!(a.verify(&token).is_err(), "a token without {claim} accepted");
    }
}

#[test]
fn a_jwks_needs_an_issuer_an_audience_and_kids_at_start() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/auth/testdata/jwks.json");
    let open = TokenRules { issuer: None, audience: Some("cx".into()), max_lifetime_secs: 3600 };
    assert!(Authenticator::new(None, Some(Path::new(path)), open).is_err());
    let dir = tempfile::tempdir().unwrap();
    let mut jwks: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jwks["keys"][0].as_object_mut().unwrap().remove("kid");
    let no_kid = dir.path().join("jwks.json");
    std::fs::write(&no_kid, jwks.to_string()).unwrap();
    let rules = TokenRules { issuer: Some("https://idp".into()), audience: Some("cx".into()), max_lifetime_secs: 3600 };
    assert!(Authenticator::new(None, Some(&no_kid), rules).is_err());
}
