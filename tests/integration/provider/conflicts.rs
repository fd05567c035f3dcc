//! The CRM disagrees with local data: nothing moves. An identifier another profile holds
//! here stays with it, the CRM's profile is cached without it and suggested, and the
//! answer is `AMBIGUOUS` with `provider: CONFLICT`.

use super::*;

with_a_crm!(
    a_crm_record_claiming_an_identifier_held_here_by_another_profile_moves_nothing => as_configured,
    a_crm_record_linked_here_to_one_profile_claiming_another_s_identifier_leaves_both_as_they_are => as_configured,
);

async fn a_crm_record_claiming_an_identifier_held_here_by_another_profile_moves_nothing(
    app: &TestApp,
    crm: &mut FakeCrm,
) {
    let local = app
        .create_customer(
            json!({ "displayName": "Bilal Ahmed", "identities": [{ "channel": "PHONE", "value": PHONE }] }),
        )
        .await;
    crm.put_record(ayesha("C-2002"));

    let r = resolve(app, "PHONE", PHONE).await;
    assert_eq!((&r["status"], &r["provider"]), (&json!("AMBIGUOUS"), &json!("CONFLICT")), "{r:#}");
    assert_eq!(r["customer"]["id"], local.as_str(), "the local holder is kept");
    assert_eq!(r["matches"][0]["customer"]["id"], local.as_str());
    assert_eq!(r["matches"][1]["reasons"], json!(["the CRM links this identifier to its record"]));
    let cached = r["matches"][1]["customer"]["id"].as_str().unwrap().to_owned();
    assert_ne!(cached, local);

    let crm_profile = app.customer(&cached, "identities { channel value } externalRefs { externalId }").await;
    assert_eq!(crm_profile["identities"], json!([{ "channel": "EMAIL", "value": EMAIL }]), "cached without the phone");
    assert_eq!(crm_profile["externalRefs"], json!([{ "externalId": "C-2002" }]));
    let kept = app.customer(&local, "identities { channel value }").await;
    assert_eq!(kept["identities"], json!([{ "channel": "PHONE", "value": PHONE }]), "the phone did not move");

    // The record's other identifier is the CRM's profile's; the dispute is still reported.
    let by_email = resolve(app, "EMAIL", EMAIL).await;
    assert_eq!((&by_email["status"], &by_email["provider"]), (&json!("RESOLVED"), &json!("CONFLICT")));
    assert_eq!(by_email["customer"]["id"], cached.as_str());

    // Asked again, the same answer: nothing new is written, nothing new is made.
    let events = app.count_rows("event_outbox").await;
    let again = resolve(app, "PHONE", PHONE).await;
    assert_eq!((&again["status"], &again["customer"]["id"]), (&json!("AMBIGUOUS"), &json!(local)));
    assert_eq!(app.count_rows("event_outbox").await, events);
    assert_eq!(app.count_rows("customers").await, 2);

    // Without the CRM, local data answers as it stands.
    crm.set_mode(Mode::Fail);
    let down = resolve(app, "PHONE", PHONE).await;
    assert_eq!(
        (&down["status"], &down["provider"], &down["customer"]["id"]),
        (&json!("RESOLVED"), &json!("FALLBACK_DOWN"), &json!(local))
    );
    assert_eq!(outcome_count(app, "conflict").await, 3);
}

async fn a_crm_record_linked_here_to_one_profile_claiming_another_s_identifier_leaves_both_as_they_are(
    app: &TestApp,
    crm: &mut FakeCrm,
) {
    let holder = app
        .create_customer(
            json!({ "displayName": "Bilal Ahmed", "identities": [{ "channel": "PHONE", "value": PHONE }] }),
        )
        .await;
    let linked = app
        .admin(
            UPSERT_CUSTOMER_BY_EXTERNAL_REF,
            json!({
                "ref": { "system": "acme-crm", "externalId": "C-3003" },
                "input": { "displayName": "Ayesha Khan", "identities": [{ "channel": "EMAIL", "value": EMAIL }] }
            }),
        )
        .await["upsertCustomerByExternalRef"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    crm.put_record(ayesha("C-3003"));

    let r = resolve(app, "PHONE", PHONE).await;
    assert_eq!((&r["status"], &r["provider"]), (&json!("AMBIGUOUS"), &json!("CONFLICT")), "{r:#}");
    assert_eq!(r["customer"]["id"], holder.as_str());
    let suggested: Vec<&Value> = r["matches"].as_array().unwrap().iter().map(|m| &m["customer"]["id"]).collect();
    assert_eq!(suggested, [&json!(holder), &json!(linked)], "the holder, then the profile the record is linked to");
    assert_eq!(app.count_rows("customers").await, 2, "the linked profile was updated, nothing was made");
    let still = app.customer(&linked, "identities { channel value }").await;
    assert_eq!(still["identities"], json!([{ "channel": "EMAIL", "value": EMAIL }]));
    let kept = app.customer(&holder, "identities { channel value }").await;
    assert_eq!(kept["identities"], json!([{ "channel": "PHONE", "value": PHONE }]));
}
