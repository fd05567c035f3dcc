//! The HTTP adapter's whole contract against the fake CRM: get by id, upsert, the token,
//! 404, and answers that break the contract.

use super::*;
use customers::service::provider::{Answer, HttpCrmProvider, ProfileProvider, ProviderError, WireProfile};

fn adapter(url: &str, token: &str) -> HttpCrmProvider {
    let settings = ProviderSettings { token: Some(Secret::new(token)), ..crm_settings(url) };
    HttpCrmProvider::from_settings(&settings).expect("the adapter").expect("a URL is set")
}

#[tokio::test]
async fn the_http_adapter_upserts_and_gets_by_id_with_its_token() {
    let crm = FakeCrm::start().await;
    let http = adapter(&crm.url, CRM_TOKEN);
    let mut value = record("C/7 x", "Ayesha Khan", json!([{ "channel": "EMAIL", "value": EMAIL }]));
    value["attributes"] = json!({ "tier": "gold" });
    value["labels"] = json!([]);
    let sent: WireProfile = serde_json::from_value(value.clone()).unwrap();

    let Answer::Found(stored) = http.upsert(&sent).await.expect("stored") else { panic!("no record back") };
    assert!(stored == sent, "the record as the CRM stored it");
    let kept = crm.record("C/7 x").expect("stored under its id, percent-encoded on the way");
    assert_eq!((&kept["displayName"], &kept["attributes"]), (&value["displayName"], &value["attributes"]));
    let Answer::Found(read) = http.by_id("C/7 x").await.expect("read") else { panic!("not found") };
    assert!(read == sent);
    assert!(matches!(http.by_id("C-404").await, Ok(Answer::NotFound)));
    assert_eq!(crm.requests(), 3);

    let wrong = adapter(&crm.url, "not-the-token");
    assert!(matches!(wrong.by_id("C/7 x").await, Err(ProviderError::Invalid(_))), "a 401 is not an answer");
}

#[tokio::test]
async fn a_crm_that_fails_times_out_or_is_gone_is_an_error_of_its_kind() {
    let mut crm = FakeCrm::start().await;
    crm.put_record(ayesha("C-1"));
    let http = adapter(&crm.url, CRM_TOKEN);
    crm.set_mode(Mode::Fail);
    assert_eq!(http.by_id("C-1").await.err(), Some(ProviderError::Down), "a 500");
    assert_eq!(http.by_id("C-1").await.err(), Some(ProviderError::Down));
    crm.set_mode(Mode::Slow(Duration::from_millis(2500)));
    assert_eq!(http.by_id("C-1").await.err(), Some(ProviderError::Timeout), "the call timeout is 2 s");
    assert!(http.circuit_open(), "three failures in a row");
    assert_eq!(http.by_id("C-1").await.err(), Some(ProviderError::CircuitOpen));
    crm.set_mode(Mode::Answer);
    tokio::time::sleep(Duration::from_millis(2300)).await; // the cool-down is 2 s
    crm.stop().await;
    assert_eq!(http.by_id("C-1").await.err(), Some(ProviderError::Down), "the trial call: refused");
    assert!(http.circuit_open(), "a failed trial opens the circuit again");
}
