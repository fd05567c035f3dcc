//! `customers contactability` through the real binary: ids in (standard input or a file),
//! one NDJSON decision per id out, in order, equal to `contactabilityOf`'s; batches of the
//! same statements whatever their size; evidence per batch; a line that is not an id
//! reported by number, never by value.

use super::*;
use std::io::Write as _;
use std::process::{Output, Stdio};

/// Run the binary's `command` with `args`, `input` on standard input.
fn run(app: &TestApp, command: &str, args: &[&str], input: &str) -> Output {
    let mut child = app
        .binary()
        .arg(command)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn contactability(app: &TestApp, args: &[&str], input: &str) -> Output {
    run(app, "contactability", args, input)
}

fn suppression_load(app: &TestApp, args: &[&str], input: &str) -> Output {
    run(app, "suppression-load", args, input)
}

fn lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

async fn the_cli_streams_one_decision_per_id_equal_to_contactability_of(app: &TestApp) {
    let allowed = uk_customer(app).await;
    let blocked = app.create_customer(json!({ "preferences": { "doNotContact": true } })).await;
    let unknown = "00000000-0000-7000-8000-000000000000";
    let ids = [allowed.as_str(), blocked.as_str(), unknown, allowed.as_str(), blocked.as_str()];
    // Line 4 is a number pasted by mistake: reported by line, never repeated.
    let input =
        format!("# campaign 7\n{}\n{}\n+44 7400 999999\n\n{}\n{}\n{}\n", ids[0], ids[1], ids[2], ids[3], ids[4]);

    let out = contactability(app, &["--purpose", "Support", "--at", TUESDAY, "--batch", "2", "--record"], &input);

    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "a rejected line: {stderr}");
    assert!(!stderr.contains("7400") && !stderr.contains("999999"), "the value is never repeated: {stderr}");
    let reports: Vec<Value> = stderr.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).collect();
    assert!(reports.iter().any(|r| r["line"] == 4 && r["field"] == "customerId"), "{stderr}");
    let summary = reports.iter().find(|r| r.get("decisions").is_some()).expect("a summary").clone();
    assert_eq!((summary["decisions"].clone(), summary["rejected"].clone()), (json!(5), json!(1)), "{summary}");
    let per_batch = summary["statementsPerBatch"].as_array().unwrap().clone();
    assert_eq!(per_batch.len(), 3, "batches of 2, 2 and 1: {summary}");
    assert!(per_batch.iter().all(|n| *n == per_batch[0]), "the same statements per batch: {summary}");

    let decisions = lines(&out.stdout);
    let asked: Vec<&str> = decisions.iter().map(|d| d["customerId"].as_str().unwrap()).collect();
    assert_eq!(asked, ids, "one line per id, in input order");
    // The same decisions as the GraphQL field (the same service call).
    let api = app.admin(CONTACTABILITY_OF, json!({ "ids": ids, "purpose": "service", "at": TUESDAY })).await;
    for (line, field) in decisions.iter().zip(api["contactabilityOf"].as_array().unwrap()) {
        for key in ["allowed", "codes", "reasons", "channel"] {
            assert_eq!(line[key], field[key], "{key}: {line} vs {field}");
        }
        let instant = |v: &Value| v.as_str().map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap());
        assert_eq!(instant(&line["nextWindowStart"]), instant(&field["nextWindowStart"]), "{line} vs {field}");
        assert_eq!(line["identityId"], field["identity"].get("id").cloned().unwrap_or(Value::Null));
    }
    assert_eq!(decisions[0]["allowed"], true);
    assert!(has_code(&decisions[0], "IDENTITY_CHOSEN"), "{}", decisions[0]);
    assert_eq!(decisions[1]["codes"], json!(["DO_NOT_CONTACT"]));
    assert_eq!(decisions[2]["codes"], json!(["UNKNOWN_CUSTOMER"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("7400123456"), "no identity value (PII) in the output: {text}");

    // Evidence: one record per batch, named on each of its lines.
    let evidence: Vec<String> =
        summary["evidenceIds"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_owned()).collect();
    assert_eq!(evidence.len(), 3);
    for (i, d) in decisions.iter().enumerate() {
        assert_eq!(d["evidenceId"], json!(evidence[i / 2]), "{d}");
    }
    let first = customers::store::outbound::recorded(&app.store.db, &evidence[0]).await.unwrap().expect("recorded");
    assert_eq!(
        (first.purpose.as_str(), first.principal.as_deref(), first.decisions.len()),
        ("service", Some("cli"), 2)
    );
}

async fn the_cli_reads_a_file_and_refuses_a_bad_purpose_or_batch(app: &TestApp) {
    let id = uk_customer(app).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ids.txt");
    std::fs::write(&file, format!("{id}\n")).unwrap();
    let path = file.to_str().unwrap();

    let out = contactability(app, &["--purpose", "marketing", "--at", TUESDAY, "--file", path], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let decisions = lines(&out.stdout);
    assert_eq!(decisions.len(), 1);
    assert_eq!((decisions[0]["allowed"].clone(), decisions[0]["evidenceId"].clone()), (json!(false), Value::Null));
    assert!(has_code(&decisions[0], "NO_CONSENT"), "{}", decisions[0]);

    for (args, says) in [
        (vec!["--purpose", "newsletter", "--file", path], "--purpose"),
        (vec!["--purpose", "service", "--batch", "10001", "--file", path], "--batch"),
        (vec!["--purpose", "service", "--at", "tomorrow", "--file", path], "--at"),
    ] {
        let out = contactability(app, &args, "");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(says), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing decided");
    }
}

async fn a_register_is_loaded_onto_a_suppression_list_in_batches_and_bad_lines_are_reported(app: &TestApp) {
    let listed = uk_customer(app).await; // +44 7400 123456
    let list = app
        .admin(
            "mutation($i: SuppressionListInput!) { createSuppressionList(input: $i) { id } }",
            json!({ "i": { "name": "tps", "reason": "Telephone Preference Service", "purposes": ["marketing"] } }),
        )
        .await["createSuppressionList"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.admin(
        RECORD_CONSENT,
        json!({ "input": { "customerId": listed, "channel": "PHONE", "purpose": "*", "status": "OPT_IN", "givenAt": "2026-01-01T00:00:00Z" } }),
    )
    .await;
    assert_eq!(decide(app, &listed, "marketing", TUESDAY).await["allowed"], true, "not listed yet");

    // A register as a national list comes: numbers in any format, one expiring; line 4 is
    // not a number and line 6 has a bad expiry: both reported by number, never by value.
    let register = "# TPS extract\n0044 7400 123456\n+44 7400 200001, 2027-01-01T00:00:00Z\nnot-a-number-555\n\n+44 7400 200002, soon\n+447400200003\n";
    let out = suppression_load(app, &["--list", &list, "--channel", "phone", "--batch", "2"], register);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "rejected lines: {stderr}");
    assert!(!stderr.contains("555") && !stderr.contains("200002"), "values are never repeated: {stderr}");
    let reports: Vec<Value> = stderr.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).collect();
    assert!(reports.iter().any(|r| r["line"] == 4 && r["field"] == "entry.value"), "{stderr}");
    assert!(reports.iter().any(|r| r["line"] == 6 && r["field"] == "expiresAt"), "{stderr}");
    let summary = reports.iter().find(|r| r.get("added").is_some()).expect("a summary");
    assert_eq!(*summary, json!({ "added": 3, "rejected": 2, "batches": 2 }), "batches of 2 and 1: {stderr}");

    let listed_now = decide(app, &listed, "marketing", TUESDAY).await;
    assert_eq!(listed_now["allowed"], false);
    assert!(has_code(&listed_now, "SUPPRESSION_LISTED"), "{listed_now}");
    // A rerun adds nothing twice; NDJSON lines carry their own channel.
    let out = suppression_load(
        app,
        &["--list", &list, "--batch", "2"],
        "{\"channel\":\"PHONE\",\"value\":\"+447400200003\"}\n{\"channel\":\"EMAIL\",\"value\":\"X@Example.com\"}\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let count = |sql: &'static str| async move {
        let rows = sea_orm::ConnectionTrait::query_all_raw(
            &app.store.db,
            sea_orm::Statement::from_string(app.store.backend(), sql),
        )
        .await
        .unwrap();
        rows.len()
    };
    // 3 numbers × 4 phone channels, and one address: stored as blind indexes only.
    assert_eq!(count("SELECT lookup_key FROM suppression_entries").await, 13);
    let audited = app
        .admin(
            "query { auditLog(action: \"suppression_list.change\", principal: \"cli\", first: 10) { edges { node { principal } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        audited["auditLog"]["edges"].as_array().unwrap().len(),
        3,
        "one audited change per batch of the two runs: {audited}"
    );

    // An unknown list is refused before anything is read into it.
    let out = suppression_load(app, &["--list", "no-such-list", "--channel", "PHONE"], "+447400200009\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("--list"), "{stderr}");
    assert_eq!(count("SELECT lookup_key FROM suppression_entries").await, 13);
}

on_both_databases!(
    the_cli_streams_one_decision_per_id_equal_to_contactability_of,
    the_cli_reads_a_file_and_refuses_a_bad_purpose_or_batch,
    a_register_is_loaded_onto_a_suppression_list_in_batches_and_bad_lines_are_reported,
);
