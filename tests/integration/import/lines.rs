//! Good lines are imported and bad ones reported (line, field, reason: never the value);
//! a rerun updates instead of duplicating; CSV with a header mapping.

use super::*;

on_both_databases!(
    good_lines_are_imported_and_each_bad_one_is_reported_without_its_value,
    a_csv_file_is_imported_through_its_header_mapping,
    new_profiles_are_written_in_a_constant_number_of_statements_per_batch,
);

async fn good_lines_are_imported_and_each_bad_one_is_reported_without_its_value(app: &TestApp) {
    catalogue(app).await;
    let dir = tempfile::tempdir().unwrap();
    let mut bad_phone = profile(2);
    bad_phone["identities"][1]["value"] = json!("call-me-SECRET-555");
    let mut bad_label = profile(5);
    bad_label["labels"] = json!(["VIP", "Platinum-SECRET"]);
    let mut bad_type = profile(6);
    bad_type["attributes"][1]["value"] = json!("SECRET-not-a-number");
    let lines = vec![
        profile(1).to_string(),
        bad_phone.to_string(),
        profile(3).to_string(),
        "{\"displayName\": \"SECRET-broken".to_owned(),
        bad_label.to_string(),
        bad_type.to_string(),
        json!({ "displayName": "SECRET no key" }).to_string(),
        json!({ "displayName": "x", "identities": [{ "channel": "SECRET-CHANNEL", "value": "y" }], "externalRefs": [{ "system": "crm", "externalId": "z" }] }).to_string(),
        profile(9).to_string(),
    ];
    let path = file(&dir, "people.ndjson", &lines);

    let run = import(app, &path, &["--batch", "4"]);
    assert_eq!(run.code, Some(2), "exits 2 when lines were rejected: {}", run.stderr);
    assert_eq!(
        (run.summary["created"].as_u64(), run.summary["rejected"].as_u64()),
        (Some(3), Some(6)),
        "{}",
        run.summary
    );
    let got: Vec<(u64, String)> =
        run.rejected.iter().map(|e| (e["line"].as_u64().unwrap(), e["field"].as_str().unwrap().to_owned())).collect();
    let want = [
        (2, "identities.1.value"),
        (4, ""),
        (5, "labels.1"),
        (6, "attributes.1.value"),
        (7, "externalRefs"),
        (8, "identities.0"),
    ];
    assert_eq!(got, want.map(|(l, f)| (l, f.to_owned())), "{:?}", run.rejected);
    assert!(run.rejected.iter().all(|e| !e["reason"].as_str().unwrap().is_empty()));
    let everything_said = format!("{:?}{}{}", run.rejected, run.summary, run.stderr);
    assert!(!everything_said.contains("SECRET"), "no value in the report or logs: {everything_said}");
    assert!(run.stderr.contains("\"progress\":\"done\""), "JSON progress lines off a terminal: {}", run.stderr);

    let id = app.services.customer_by_external_ref(&ext("C-3")).await.unwrap().expect("line 3 imported");
    let c = app.customer(id.as_str(), "displayName identities { channel value } labels { name } attributes { key value } preferences { language consents { channel status } }").await;
    assert_eq!(c["displayName"], "Person 3");
    assert_eq!(c["identities"].as_array().unwrap().len(), 3, "{c}");
    assert_eq!(c["labels"].as_array().unwrap().len(), 2);
    assert_eq!(c["attributes"].as_array().unwrap().len(), 3);
    assert_eq!(c["preferences"]["consents"][0]["status"], "OPT_IN");
    let stored =
        app.sql_strings(&format!("SELECT display_name FROM customers WHERE id = '{id}'"), &["display_name"]).await;
    assert!(!stored.unwrap()[0].contains("Person"), "names are sealed at rest, as through the API");
    assert_eq!(app.count_rows("audit_log WHERE action = 'customer.create'").await, 3, "an audit entry per profile");
    assert_eq!(
        app.count_rows("event_outbox WHERE event_type = 'cx.customers.customer.created'").await,
        3,
        "and its event"
    );

    let before = row_counts(app).await;
    let again = import(app, &path, &["--batch", "4"]);
    assert_eq!(
        (again.summary["created"].as_u64(), again.summary["updated"].as_u64()),
        (Some(0), Some(3)),
        "{}",
        again.summary
    );
    assert_eq!(row_counts(app).await, before, "a rerun updates the same profiles");
}

fn ext(id: &str) -> customers::domain::external_ref::ExternalRef {
    customers::domain::external_ref::ExternalRef::parse("ref", "crm", id).unwrap()
}

async fn a_csv_file_is_imported_through_its_header_mapping(app: &TestApp) {
    catalogue(app).await;
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        "Full Name,E-mail,Mobile,CRM Id,Tier,Score,Tags,Lang,SMS,Notes",
        "Ayesha Khan,ayesha@example.com,0300 1234567,A-1,gold,7,VIP;Newsletter,ur,OPT_IN,likes tea",
        "Bilal Ahmed,bilal@example.com,,A-2,silver,many,VIP,en,,",
        "\"Chen, Li\",li@example.com,+92 301 7654321,A-3,,3,,,OPT_OUT,",
    ]
    .map(String::from);
    let path = file(&dir, "people.csv", &lines);
    let map = [
        "Full Name=displayName",
        "E-mail=identities.EMAIL",
        "Mobile=identities.PHONE",
        "CRM Id=externalRefs.salesforce",
        "Tier=attributes.tier",
        "Score=attributes.score:number",
        "Tags=labels",
        "Lang=preferences.language",
        "SMS=consents.SMS",
        "Notes=-",
    ];
    let args: Vec<&str> = map.iter().flat_map(|m| ["--map", m]).collect();
    let run = import(app, &path, &args);
    assert_eq!(
        (run.summary["created"].as_u64(), run.summary["rejected"].as_u64()),
        (Some(2), Some(1)),
        "{}",
        run.summary
    );
    assert_eq!(
        (run.rejected[0]["line"].as_u64(), run.rejected[0]["field"].as_str()),
        (Some(3), Some("attributes.score"))
    );
    assert!(!format!("{:?}", run.rejected).contains("many"));
    let sf = customers::domain::external_ref::ExternalRef::parse("ref", "salesforce", "A-3").unwrap();
    let id = app.services.customer_by_external_ref(&sf).await.unwrap().expect("row 4 imported");
    let c = app.customer(id.as_str(), "displayName identities { channel value } attributes { key value } preferences { consents { channel status } }").await;
    assert_eq!(c["displayName"], "Chen, Li");
    assert_eq!(c["identities"][1]["value"], "+923017654321", "{c}");
    assert_eq!(c["attributes"][0]["value"], 3);
    assert_eq!(c["preferences"]["consents"][0]["status"], "OPT_OUT");
}

/// The bulk path: a batch of 20 new full profiles and one of 200 send the same statements.
async fn new_profiles_are_written_in_a_constant_number_of_statements_per_batch(app: &TestApp) {
    use customers::service::bulk::import::ImportBatch;
    catalogue(app).await;
    let mut sent = Vec::new();
    for (from, n) in [(1000, 20), (2000, 200)] {
        let records = (from..from + n)
            .map(|i| customers::graphql::inputs::import_record(i as u64, profile(i), &Default::default()).unwrap())
            .collect();
        let before = app.statements();
        let batch = ImportBatch { file_hash: "test", first_line: from as u64, last_line: (from + n) as u64, records };
        let actor = customers::domain::audit::Actor::system("test");
        let outcome = app.services.import_batch(&actor, batch).await.unwrap();
        assert_eq!((outcome.created, outcome.rejected.len()), (n as u64, 0), "{outcome:?}");
        sent.push(app.statements() - before);
    }
    assert_eq!(sent[0], sent[1], "statements for 20 and for 200 profiles");
    assert_eq!(app.count_rows("channel_identities").await, 660);
}
