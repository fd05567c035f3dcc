//! MFA for PII: with `CUSTOMERS_PII_REQUIRES_MFA`, `pii:read` counts only when the token
//! shows multi-factor authentication (an accepted `amr`, or an accepted `acr`); otherwise PII
//! stays masked as for a caller without `pii:read`, and the response says why.

use super::fixtures::*;
use crate::common::*;
use serde_json::{Value, json};

const READER: &str = "customers:read pii:read";
const ACCEPTED_ACR: &str = "urn:cx:loa:mfa";

fn mfa_required(settings: &mut customers::config::Settings) {
    settings.access.pii.requires_mfa = true;
    settings.access.mfa.acr = vec![ACCEPTED_ACR.to_owned()];
}

const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { displayName identities { value } attributes { pii value redacted } } } }";

async fn read_as(app: &TestApp, token: &str, id: &str) -> (Value, Value) {
    let one = app.post(Some(token), CUSTOMER, json!({ "id": id })).await.1;
    let entities = app.post(Some(token), ENTITIES, json!({ "r": [{ "__typename": "Customer", "id": id }] })).await.1;
    assert!(one.get("errors").is_none() && entities.get("errors").is_none(), "{one}\n{entities}");
    (one, entities)
}

async fn pii_read_without_mfa_is_masked_and_says_why(app: &TestApp) {
    define_schema(app).await;
    let id = full_customer(app, 0, &[], 1).await;
    let no_amr = token_for("agent-1", READER);
    let password_only = token_with("agent-1", READER, json!({ "amr": ["pwd"] }));
    let other_acr = token_with("agent-1", READER, json!({ "amr": ["pwd"], "acr": "urn:cx:loa:1" }));
    for token in [no_amr, password_only, other_acr] {
        let (one, entities) = read_as(app, &token, &id).await;
        assert_eq!(one["data"]["customer"]["displayName"], "A***", "masked as without pii:read");
        assert_eq!(one["data"]["customer"]["identities"][0]["value"], "***67");
        for body in [&one, &entities] {
            assert_eq!(body["extensions"]["pii"], json!({ "masked": true, "reason": "MFA_REQUIRED" }), "{body}");
            assert_no_raw_pii(body);
        }
        let attributes = entities["data"]["_entities"][0]["attributes"].as_array().unwrap();
        let pii: Vec<&Value> = attributes.iter().filter(|a| a["pii"] == true).collect();
        assert!(!pii.is_empty() && pii.iter().all(|a| a["redacted"] == true), "{entities}");
    }
}

async fn pii_read_with_an_accepted_amr_or_acr_is_unmasked(app: &TestApp) {
    define_schema(app).await;
    let id = full_customer(app, 0, &[], 1).await;
    for extra in [
        json!({ "amr": ["pwd", "otp"] }),
        json!({ "amr": ["mfa"] }),
        json!({ "amr": ["hwk"] }),
        json!({ "amr": ["pwd"], "acr": ACCEPTED_ACR }),
    ] {
        let (one, entities) = read_as(app, &token_with("agent-1", READER, extra.clone()), &id).await;
        assert_eq!(one["data"]["customer"]["displayName"], "Ayesha Khan", "{extra}");
        assert_eq!(entities["data"]["_entities"][0]["identities"][0]["value"], "+923001234567", "{extra}");
        assert!(one.get("extensions").is_none_or(|e| e.get("pii").is_none()), "{one}");
    }
}

/// Callers without `pii:read`, and answers that mask nothing, see no change.
async fn only_a_refused_pii_read_is_explained(app: &TestApp) {
    define_schema(app).await;
    let id = full_customer(app, 0, &[], 0).await;
    let (masked, _) = read_as(app, &token_for("agent-1", "customers:read"), &id).await;
    assert_eq!(masked["data"]["customer"]["displayName"], "A***");
    assert!(masked.get("extensions").is_none(), "an ordinary masked read is not explained: {masked}");
    let no_pii_asked = app.post(Some(&token_for("agent-1", READER)), "{ customers { totalCount } }", json!({})).await.1;
    assert!(no_pii_asked.get("extensions").is_none(), "nothing was masked: {no_pii_asked}");
}

/// By default MFA is not required: `pii:read` alone shows PII, as before.
async fn without_the_setting_pii_read_needs_no_mfa(app: &TestApp) {
    define_schema(app).await;
    let id = full_customer(app, 0, &[], 0).await;
    let (one, _) = read_as(app, &token_with("agent-1", READER, json!({ "amr": ["pwd"] })), &id).await;
    assert_eq!(one["data"]["customer"]["displayName"], "Ayesha Khan");
    assert!(one.get("extensions").is_none(), "{one}");
}

on_both_databases_with!(super::mfa_required =>
    pii_read_without_mfa_is_masked_and_says_why,
    pii_read_with_an_accepted_amr_or_acr_is_unmasked,
    only_a_refused_pii_read_is_explained,
);
on_both_databases!(without_the_setting_pii_read_needs_no_mfa);
