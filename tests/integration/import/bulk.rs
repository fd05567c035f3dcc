//! The bulk path (new profiles in one multi-row statement per table; on PostgreSQL rows as
//! one JSON parameter): imported profiles are searchable whichever path wrote them, a line
//! that fails inside a bulk statement is still reported alone with the rest imported, and
//! batches end where they should (a full batch, a short last one, a last line that is bad).

use super::*;

on_both_databases!(
    imported_profiles_are_found_by_search_whichever_path_wrote_them,
    a_line_that_fails_inside_a_bulk_statement_is_reported_and_the_rest_of_its_batch_imported,
    batches_end_at_their_size_and_at_the_last_line_even_a_bad_one,
);

const SEARCH: &str = include_str!("../../operations/search_customers.graphql");

/// The display names a search finds (every scope).
async fn found(app: &TestApp, text: &str) -> Vec<String> {
    let answer = app.admin(SEARCH, json!({ "text": text, "first": 50 })).await;
    let edges = answer["searchCustomers"]["edges"].as_array().cloned().unwrap_or_default();
    let mut names: Vec<String> =
        edges.iter().map(|e| e["node"]["displayName"].as_str().unwrap_or("<none>").to_owned()).collect();
    names.sort();
    names
}

async fn imported_profiles_are_found_by_search_whichever_path_wrote_them(app: &TestApp) {
    catalogue(app).await;
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (1..=3).map(|n| profile(n).to_string()).collect();
    let path = file(&dir, "people.ndjson", &lines);
    let run = import(app, &path, &[]);
    assert_eq!(run.summary["created"], 3, "{}", run.summary);

    // New profiles (the bulk path): by full name, a word, a phone's last digits, an e-mail.
    assert_eq!(found(app, "Person 2").await, vec!["Person 2"]);
    assert_eq!(found(app, "person").await, vec!["Person 1", "Person 2", "Person 3"]);
    assert_eq!(found(app, "0000003").await, vec!["Person 3"], "the last digits of a phone number");
    assert_eq!(found(app, "person1@example.com").await, vec!["Person 1"]);
    assert_eq!(found(app, "C-2").await, vec!["Person 2"], "the external id");

    // A rerun updates them one by one: a new name is found, the old one no more.
    let mut renamed = profile(2);
    renamed["displayName"] = json!("Zainab Qureshi");
    let path = file(&dir, "again.ndjson", &[profile(1).to_string(), renamed.to_string()]);
    let again = import(app, &path, &[]);
    assert_eq!(again.summary["updated"], 2, "{}", again.summary);
    assert_eq!(found(app, "zainab").await, vec!["Zainab Qureshi"]);
    assert_eq!(found(app, "Person 2").await, Vec::<String>::new(), "the old name's tokens are gone");
    assert_eq!(found(app, "person").await, vec!["Person 1", "Person 3"]);
}

/// A key taken between the batch's checks and its write (what a concurrent writer does),
/// made to happen by a trigger: the insert of line 4's external ref violates the unique
/// index of external refs, in the bulk statement and again when the line is retried alone.
async fn take_the_key_of(app: &TestApp, external_id: &str) {
    use sea_orm::ConnectionTrait as _;
    let key = customers::store::external_refs::key_of(&app.store.codec, &ext(external_id));
    let sql = if app.is_postgres() {
        format!(
            "CREATE FUNCTION take_key() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                 RAISE EXCEPTION 'taken' USING ERRCODE = 'unique_violation', CONSTRAINT = 'ux_external_refs_key';
             END $$;
             CREATE TRIGGER take_key BEFORE INSERT ON external_refs FOR EACH ROW
                 WHEN (NEW.external_key = '{key}') EXECUTE FUNCTION take_key();"
        )
    } else {
        // A row with the same key first (triggers do not recurse): a real unique violation.
        format!(
            "CREATE TRIGGER take_key BEFORE INSERT ON external_refs WHEN NEW.external_key = '{key}' BEGIN
                 INSERT INTO external_refs (id, customer_id, system, external_id, external_key, created_at)
                 VALUES (NEW.id || '-taken', NEW.customer_id, NEW.system, 'taken', NEW.external_key, NEW.created_at);
             END;"
        )
    };
    app.store.db.execute_unprepared(&sql).await.expect("install the trigger");
}

fn ext(id: &str) -> customers::domain::external_ref::ExternalRef {
    customers::domain::external_ref::ExternalRef::parse("ref", "crm", id).unwrap()
}

async fn a_line_that_fails_inside_a_bulk_statement_is_reported_and_the_rest_of_its_batch_imported(app: &TestApp) {
    catalogue(app).await;
    take_the_key_of(app, "C-4").await;
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (1..=6).map(|n| profile(n).to_string()).collect();
    let path = file(&dir, "people.ndjson", &lines);

    let run = import(app, &path, &["--batch", "6"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(
        (run.summary["created"].as_u64(), run.summary["rejected"].as_u64()),
        (Some(5), Some(1)),
        "{}",
        run.summary
    );
    let rejected = &run.rejected[0];
    assert_eq!(
        (rejected["line"].as_u64(), rejected["field"].as_str()),
        (Some(4), Some("externalRefs.0")),
        "{rejected}"
    );
    assert_eq!(rejected["code"], "CONFLICT", "{rejected}");
    assert!(!format!("{:?}{}", run.rejected, run.stderr).contains("C-4"), "no value reported");
    assert_eq!(app.count_rows("customers").await, 5, "line 4 rolled back alone");
    assert_eq!(app.count_rows("channel_identities").await, 15);
    assert_eq!(app.count_rows("external_refs").await, 5);
    assert_eq!(app.count_rows("audit_log WHERE action = 'customer.create'").await, 5);
    assert_eq!(found(app, "person").await, vec!["Person 1", "Person 2", "Person 3", "Person 5", "Person 6"]);
}

async fn batches_end_at_their_size_and_at_the_last_line_even_a_bad_one(app: &TestApp) {
    catalogue(app).await;
    let dir = tempfile::tempdir().unwrap();
    // Seven lines, batches of 3: 3 + 3 + 1, the last batch only a bad line; a blank line
    // in the middle is skipped.
    let mut lines: Vec<String> = (1..=6).map(|n| profile(n).to_string()).collect();
    lines.insert(3, String::new());
    lines.push("{\"displayName\": ".to_owned());
    let path = file(&dir, "people.ndjson", &lines);
    let stopped = import(app, &path, &["--batch", "3", "--stop-after-batches", "1"]);
    assert_eq!((stopped.summary["lines"].as_u64(), stopped.summary["created"].as_u64()), (Some(3), Some(3)));
    let run = import(app, &path, &["--batch", "3"]);
    assert_eq!(run.summary["resumedAfterLine"], 3, "{}", run.summary);
    assert_eq!(
        (run.summary["lines"].as_u64(), run.summary["created"].as_u64(), run.summary["rejected"].as_u64()),
        (Some(8), Some(3), Some(1)),
        "{}",
        run.summary
    );
    assert_eq!(run.summary["finished"], true);
    assert_eq!((run.rejected[0]["line"].as_u64(), run.rejected[0]["field"].as_str()), (Some(8), Some("")));
    assert_eq!(app.count_rows("customers").await, 6);

    // A batch as large as the file: one batch, then nothing left to resume.
    let exact = file(&dir, "exact.ndjson", &(7..=10).map(|n| profile(n).to_string()).collect::<Vec<_>>());
    let run = import(app, &exact, &["--batch", "4"]);
    assert_eq!((run.summary["created"].as_u64(), run.summary["finished"].as_bool()), (Some(4), Some(true)));
    let again = import(app, &exact, &["--batch", "4"]);
    assert_eq!((again.summary["resumedAfterLine"].clone(), again.summary["updated"].as_u64()), (Value::Null, Some(4)));
    assert_eq!(app.count_rows("customers").await, 10);
}
