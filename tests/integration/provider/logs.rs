//! What the provider path logs: outcomes and counts, never an identifier, a name or the
//! CRM's token — across an answer, a conflict, a record that breaks the contract, a
//! failing CRM and a stopped one.

use super::*;
#[tokio::test]
async fn the_provider_path_logs_no_identifier_no_name_and_not_the_token() {
    // The test runs on one thread: its runtime's tasks, the app's and the fake CRM's, all
    // log here.
    let (logs, _guard) = capture_logs();

    let mut crm = FakeCrm::start().await;
    let url = crm.url.clone();
    let app = TestApp::sqlite_configured(|s| s.provider = crm_settings(&url)).await;
    app.create_customer(
        json!({ "displayName": "Bilal Ahmed", "identities": [{ "channel": "PHONE", "value": PHONE }] }),
    )
    .await;
    crm.put_record(ayesha("C-1001"));
    assert_eq!(resolve(&app, "PHONE", PHONE).await["provider"], "CONFLICT");
    assert_eq!(resolve(&app, "EMAIL", EMAIL).await["provider"], "CONFLICT");
    let unparsable =
        json!([{ "channel": "EMAIL", "value": "zara@example.com" }, { "channel": "PHONE", "value": "+92 300 999" }]);
    crm.put_record(record("C-1003", "Zara Noor", unparsable));
    let broken = resolve(&app, "EMAIL", "zara@example.com").await;
    assert_eq!(broken["provider"], "FALLBACK_ERROR", "a record that breaks the contract: {broken:#}");
    crm.set_mode(Mode::Fail);
    assert_eq!(resolve(&app, "PHONE", PHONE).await["provider"], "FALLBACK_DOWN");
    crm.stop().await;
    assert_eq!(resolve(&app, "EMAIL", EMAIL).await["provider"], "FALLBACK_DOWN");

    let text = logs.text();
    assert!(text.contains("profile provider"), "the capture sees the provider's lines:\n{text}");
    for raw in [PHONE, "3001112233", EMAIL, "Ayesha", "Bilal", "Zara", "zara@example.com", CRM_TOKEN] {
        assert!(!text.contains(raw), "{raw:?} reached the logs:\n{text}");
    }
}
