//! Merges and outbound records (issue 13): a merge moves the merged profiles' consent
//! records and suppressions to the survivor row for row (a record about an identity the
//! survivor already held names the survivor's identity), the decision then reads them, and
//! an unmerge moves them back exactly; consent records the survivor got since about an
//! identity going back follow it.

use super::scenario::*;
use super::snapshot::{Row, Snapshot, column_index};
use super::*;
use serde_json::{Value, json};

const CONSENTS: &str = "consent_records";
const SUPPRESSIONS: &str = "contact_suppressions";

/// `rows` with each owner in `from` replaced by `to`, and each `identity_id` in `renamed`
/// (old, new) renamed: what a merge must make of them.
fn moved(table: &str, rows: &[Row], from: &[&str], to: &str, renamed: &[(String, String)]) -> Vec<Row> {
    let owner = column_index(table, "customer_id");
    let identity = (table == CONSENTS).then(|| column_index(table, "identity_id"));
    let mut out: Vec<Row> = rows
        .iter()
        .cloned()
        .map(|mut r| {
            if r[owner].as_deref().is_some_and(|o| from.contains(&o)) {
                r[owner] = Some(to.to_owned());
                if let Some(i) = identity
                    && let Some((_, new)) = renamed.iter().find(|(old, _)| r[i].as_deref() == Some(old.as_str()))
                {
                    r[i] = Some(new.clone());
                }
            }
            r
        })
        .collect();
    out.sort();
    out
}

async fn a_merge_moves_consent_records_and_suppressions_to_the_survivor_row_for_row(app: &TestApp) {
    let trio = three_profiles(app).await;
    let survivor_email = app.identity_id(&trio.survivor, "EMAIL").await;
    let first_email = app.identity_id(&trio.first, "EMAIL").await;
    let before = Snapshot::ownership(app).await;
    assert_eq!((before.table(CONSENTS).len(), before.table(SUPPRESSIONS).len()), (5, 3), "the scenario's records");

    merge(app, &trio.survivor, &trio.merged()).await;

    let after = Snapshot::ownership(app).await;
    let merged = trio.merged();
    let renamed = [(first_email.clone(), survivor_email.clone())];
    assert_eq!(
        after.table(CONSENTS),
        moved(CONSENTS, before.table(CONSENTS), &merged, &trio.survivor, &renamed),
        "every record now the survivor's, proof untouched; the one about the dropped email names the survivor's"
    );
    assert_eq!(
        after.table(SUPPRESSIONS),
        moved(SUPPRESSIONS, before.table(SUPPRESSIONS), &merged, &trio.survivor, &[])
    );
    let history = app.admin(
        "query($id: ID!) { consentHistory(customerId: $id) { identityId status wording evidenceRef } }",
        json!({ "id": trio.survivor }),
    );
    let history = history.await["consentHistory"].clone();
    assert_eq!(history.as_array().map(Vec::len), Some(5), "{history}");
    assert!(
        history.as_array().unwrap().iter().all(|r| r["wording"] == "marketing-v2" && r["evidenceRef"] == "form 17"),
        "the moved proofs still open: {history}"
    );
    let counts = app.customer(&trio.survivor, "merges { moved { consents suppressions } }").await;
    assert_eq!(counts["merges"][0]["moved"], json!({ "consents": 4, "suppressions": 2 }));
}

async fn marketing_on_tuesday(app: &TestApp, id: &str) -> Value {
    let query = "query($ids: [ID!]!) { contactabilityOf(customerIds: $ids, purpose: \"marketing\", at: \"2026-06-02T10:00:00Z\") { allowed codes } }";
    app.admin(query, json!({ "ids": [id] })).await["contactabilityOf"][0].clone()
}

/// The merged profile holds the survivor's number (in another format) and withdrew
/// marketing on it later than the survivor's channel-wide opt-in: after the merge, the
/// withdrawal is about the survivor's identity and decides.
async fn a_merged_profiles_opt_out_on_a_shared_number_holds_for_the_survivor(app: &TestApp) {
    let phone = |value: &str| json!({ "identities": [{ "channel": "PHONE", "value": value, "verified": true, "primary": true }] });
    let survivor = app.create_customer(phone("+447400123456")).await;
    let merged = app.create_customer(phone("+44 7400 123456")).await;
    let record = "mutation($input: ConsentInput!) { recordConsent(input: $input) { id } }";
    let consent = |customer: &str, identity: Option<String>, status: &str, at: &str| {
        json!({ "input": { "customerId": customer, "channel": "PHONE", "identityId": identity, "purpose": "marketing",
            "status": status, "givenAt": at } })
    };
    app.admin(record, consent(&survivor, None, "OPT_IN", "2026-01-01T09:00:00Z")).await;
    let theirs = app.identity_id(&merged, "PHONE").await;
    app.admin(record, consent(&merged, Some(theirs), "OPT_OUT", "2026-05-01T09:00:00Z")).await;
    let before = marketing_on_tuesday(app, &survivor).await;
    assert_eq!(before["allowed"], true, "before the merge: {before}");

    merge(app, &survivor, &[&merged]).await;

    let after = marketing_on_tuesday(app, &survivor).await;
    assert_eq!(after["allowed"], false, "{after}");
    assert!(after["codes"].as_array().unwrap().contains(&json!("OPTED_OUT")), "{after}");
    let ours = app.identity_id(&survivor, "PHONE").await;
    let history = app
        .admin("query($id: ID!) { consentHistory(customerId: $id) { identityId status } }", json!({ "id": survivor }));
    assert_eq!(
        history.await["consentHistory"],
        json!([{ "identityId": null, "status": "OPT_IN" }, { "identityId": ours, "status": "OPT_OUT" }])
    );
}

async fn unmerging_moves_consent_records_and_suppressions_back_and_consents_follow_their_identity(app: &TestApp) {
    let trio = three_profiles(app).await;
    let first_phone = app.identity_id(&trio.first, "PHONE").await;
    let before = Snapshot::ownership(app).await;
    merge(app, &trio.survivor, &trio.merged()).await;
    let merge_id = only_merge_id(app, &trio.survivor).await;
    // Since the merge: a consent about the number that came from the first profile, one
    // about the survivor's own, and a moved suppression lifted.
    let record = "mutation($input: ConsentInput!) { recordConsent(input: $input) { id } }";
    let consent = |identity: &str| {
        json!({ "input": { "customerId": trio.survivor, "channel": "PHONE", "identityId": identity,
            "purpose": "marketing", "status": "OPT_OUT" } })
    };
    let about_theirs = id(&app.admin(record, consent(&first_phone)).await["recordConsent"]);
    let survivor_phone =
        app.admin("query($id: ID!) { customer(id: $id) { identities { id value } } }", json!({ "id": trio.survivor }));
    let survivor_phone = survivor_phone.await["customer"]["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["value"] == "+923001234567")
        .map(id)
        .unwrap();
    let about_own = id(&app.admin(record, consent(&survivor_phone)).await["recordConsent"]);
    let owner = column_index(SUPPRESSIONS, "customer_id");
    let lifted = before.table(SUPPRESSIONS).iter().find(|r| r[owner].as_deref() == Some(trio.first.as_str()));
    let lifted = lifted.and_then(|r| r[0].clone()).expect("the first profile's suppression");
    app.admin("mutation($id: ID!) { liftSuppression(id: $id) { id } }", json!({ "id": lifted })).await;

    app.admin(UNMERGE_CUSTOMER, json!({ "mergeId": merge_id })).await;

    let mut after = Snapshot::ownership(app).await;
    let (proof, id_at) = (column_index(CONSENTS, "proof"), column_index(CONSENTS, "id"));
    let sealed = after.table(CONSENTS).iter().find(|r| r[id_at].as_deref() == Some(about_theirs.as_str()));
    let sealed = sealed.and_then(|r| r[proof].clone()).expect("the record's proof");
    assert!(
        sealed.contains(&trio.first) && !sealed.contains(&trio.survivor),
        "re-sealed under the data key of the profile it went back to (erasing it shreds the proof): {sealed}"
    );
    assert_eq!(
        after.take_owners(CONSENTS, "id", &about_theirs),
        std::slice::from_ref(&trio.first),
        "follows its identity back"
    );
    assert_eq!(after.take_owners(CONSENTS, "id", &about_own), std::slice::from_ref(&trio.survivor), "stays");
    let lifted_at = column_index(SUPPRESSIONS, "lifted_at");
    let back = after.table(SUPPRESSIONS).iter().find(|r| r[0].as_deref() == Some(lifted.as_str())).cloned();
    assert!(back.as_ref().is_some_and(|r| r[lifted_at].is_some()), "lifted since, and still lifted: {back:?}");
    let mut expected = before.clone();
    assert_eq!(expected.take_owners(SUPPRESSIONS, "id", &lifted), after.take_owners(SUPPRESSIONS, "id", &lifted));
    after.assert_same_as(&expected, "after the unmerge, leaving out what changed since the merge");
}

on_both_databases!(
    a_merge_moves_consent_records_and_suppressions_to_the_survivor_row_for_row,
    a_merged_profiles_opt_out_on_a_shared_number_holds_for_the_survivor,
    unmerging_moves_consent_records_and_suppressions_back_and_consents_follow_their_identity,
);
