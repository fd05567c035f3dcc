//! The tokens follow the data: written with every change in its transaction, gone with
//! erasure, moved to the survivor by a merge and back by its undoing, rebuilt by
//! `customers reindex`; and nothing of the person is stored in clear.

use super::*;

on_both_databases!(
    the_database_holds_no_plaintext_name_phone_or_email_after_indexing,
    a_changed_name_or_identity_is_found_by_its_new_tokens_and_not_by_its_old_ones,
    erasure_removes_the_tokens,
    merged_profiles_are_found_as_their_survivor_only_until_the_merge_is_undone,
    reindex_rebuilds_every_profile_and_marking_an_attribute_searchable_indexes_its_values,
    the_reindex_command_finds_profiles_again_after_their_tokens_were_lost_or_altered,
);

async fn execute(app: &TestApp, sql: &str) {
    let statement = sea_orm::Statement::from_string(app.store.backend(), sql.to_owned());
    sea_orm::ConnectionTrait::execute_raw(&app.store.db, statement).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// `customers reindex` through the real binary: one profile's tokens deleted, another's
/// altered (as a restore from an old backup or a bug would leave them); the command
/// rebuilds both, and the stale tokens find nothing.
async fn the_reindex_command_finds_profiles_again_after_their_tokens_were_lost_or_altered(app: &TestApp) {
    let lost =
        person(app, "Ottilie Lostindex", json!([{ "channel": "EMAIL", "value": "ottilie@example.com" }]), json!([]))
            .await;
    let altered =
        person(app, "Bartholomew Shifted", json!([{ "channel": "PHONE", "value": ONE_PHONE }]), json!([])).await;
    let before = tokens_of(app, &altered).await;
    execute(app, &format!("DELETE FROM customer_search_tokens WHERE customer_id = '{lost}'")).await;
    // The altered profile's tokens now belong to the lost one: searches find the wrong person.
    execute(app, &format!("UPDATE customer_search_tokens SET customer_id = '{lost}' WHERE customer_id = '{altered}'"))
        .await;
    assert_eq!(names(app, "ottilie").await, Vec::<String>::new());
    assert_eq!(names(app, "bartholomew").await, ["Ottilie Lostindex"], "the altered tokens mislead");

    let out = app.binary().arg("reindex").output().unwrap();

    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("2 profiles re-indexed"), "{stdout}");
    assert_eq!(names(app, "ottilie").await, ["Ottilie Lostindex"]);
    assert_eq!(names(app, "ottilie@example.com").await, ["Ottilie Lostindex"]);
    assert_eq!(names(app, "bartholomew").await, ["Bartholomew Shifted"]);
    assert_eq!(names(app, "123457").await, ["Bartholomew Shifted"]);
    assert_eq!(tokens_of(app, &altered).await, before, "the same tokens as written with the profile");

    // `--index-only`: the tokens stay as they are; on PostgreSQL their index is rebuilt.
    let node = "SELECT pg_relation_filenode('customer_search_tokens_pkey')::bigint";
    let old_node = if app.is_postgres() { Some(app.scalar_i64(node).await) } else { None };
    let out = app.binary().args(["reindex", "--index-only"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("search index rebuilt"), "{stdout}");
    assert_eq!(tokens_of(app, &altered).await, before);
    assert_eq!(names(app, "bartholomew").await, ["Bartholomew Shifted"]);
    if let Some(old) = old_node {
        assert_ne!(app.scalar_i64(node).await, old, "PostgreSQL: a new, compact index");
    }
}

const ONE_PHONE: &str = "+44 7911 123457";

async fn tokens_of(app: &TestApp, id: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM customer_search_tokens WHERE customer_id = '{id}'");
    let statement = sea_orm::Statement::from_string(app.store.backend(), sql);
    let row = sea_orm::ConnectionTrait::query_one_raw(&app.store.db, statement).await.unwrap().unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn the_database_holds_no_plaintext_name_phone_or_email_after_indexing(app: &TestApp) {
    let identities = json!([
        { "channel": "PHONE", "value": "+44 7911 165432" },
        { "channel": "EMAIL", "value": "zoltan.quixby@example.com" }
    ]);
    let id = person(app, "Zoltan Quixby", identities, json!([{ "system": "crm", "externalId": "QX-99812" }])).await;
    app.services.reindex_all(|_| {}).await.unwrap();
    assert!(tokens_of(app, &id).await > 20, "names, prefixes, phone suffixes, e-mail parts are indexed");
    assert_eq!(names(app, "zoltan").await, ["Zoltan Quixby"]);
    assert_eq!(names(app, "165432").await, ["Zoltan Quixby"]);
    let needles: Vec<String> =
        ["Zoltan", "zoltan", "Quixby", "quixby", "7911165432", "165432", "zoltan.quixby", "QX-99812", "qx-99812"]
            .map(String::from)
            .to_vec();
    crate::privacy::assert_stored_nowhere(app, &needles).await;
}

async fn a_changed_name_or_identity_is_found_by_its_new_tokens_and_not_by_its_old_ones(app: &TestApp) {
    let id = person(app, "Harriet Oldname", json!([{ "channel": "PHONE", "value": ONE_PHONE }]), json!([])).await;
    assert_eq!(names(app, "oldname").await, ["Harriet Oldname"]);
    app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "Harriet Newname" } })).await;
    assert!(names(app, "oldname").await.is_empty(), "the old name's tokens are gone");
    assert!(names(app, "harriet oldname").await.is_empty());
    assert_eq!(names(app, "newname harr").await, ["Harriet Newname"]);
    assert_eq!(names(app, "123457").await, ["Harriet Newname"]);
    let identity = app.identity_id(&id, "PHONE").await;
    app.admin("mutation($i: ID!) { removeChannelIdentity(identityId: $i) { id } }", json!({ "i": identity })).await;
    assert!(names(app, "123457").await.is_empty(), "a removed phone no longer finds the profile");
    let add = json!({ "customerId": id, "identity": { "channel": "EMAIL", "value": "h.new@example.com" } });
    app.admin(ADD_CHANNEL_IDENTITY, add).await;
    assert_eq!(names(app, "h.new").await, ["Harriet Newname"]);
}

async fn erasure_removes_the_tokens(app: &TestApp) {
    let id = person(app, "Ingrid Erased", json!([{ "channel": "PHONE", "value": ONE_PHONE }]), json!([])).await;
    assert!(tokens_of(app, &id).await > 0);
    app.admin(ERASE_CUSTOMER, json!({ "id": id, "reason": "asked to be forgotten" })).await;
    assert_eq!(tokens_of(app, &id).await, 0);
    assert!(names(app, "ingrid").await.is_empty());
    assert!(
        search_with(app, "123457", json!({ "filter": { "status": "ERASED" } })).await["edges"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

async fn merged_profiles_are_found_as_their_survivor_only_until_the_merge_is_undone(app: &TestApp) {
    let merged = person(app, "Alexis Merged", json!([{ "channel": "PHONE", "value": ONE_PHONE }]), json!([])).await;
    let survivor = person(app, "Blair Survivor", json!([]), json!([])).await;
    let data = app.admin(MERGE_CUSTOMERS, json!({ "survivorId": survivor, "mergedIds": [merged] })).await;
    assert_eq!(data["mergeCustomers"]["id"], survivor.as_str());
    assert_eq!(names(app, "123457").await, ["Blair Survivor"], "the merged phone finds the survivor");
    assert!(names(app, "alexis").await.is_empty(), "the merged profile is not a result");
    assert_eq!(tokens_of(app, &merged).await, 0);
    let merges = app.customer(&survivor, "merges { id }").await;
    let merge_id = merges["merges"][0]["id"].as_str().unwrap().to_owned();
    app.admin(UNMERGE_CUSTOMER, json!({ "mergeId": merge_id })).await;
    assert_eq!(names(app, "123457").await, ["Alexis Merged"]);
    assert_eq!(names(app, "alexis").await, ["Alexis Merged"]);
}

async fn reindex_rebuilds_every_profile_and_marking_an_attribute_searchable_indexes_its_values(app: &TestApp) {
    app.define_attribute(json!({ "key": "Member_No__c", "type": "STRING" })).await;
    let input =
        json!({ "displayName": "Ravi Reindexed", "attributes": [{ "key": "Member_No__c", "value": "M-4471" }] });
    let id = app.create_customer(input).await;
    assert!(names(app, "m-4471").await.is_empty(), "not searchable yet");
    app.define_attribute(json!({ "key": "Member_No__c", "type": "STRING", "searchable": true })).await;
    assert_eq!(names(app, "M-4471").await, ["Ravi Reindexed"]);

    let before = tokens_of(app, &id).await;
    sea_orm::ConnectionTrait::execute_unprepared(&app.store.db, "DELETE FROM customer_search_tokens").await.unwrap();
    assert!(names(app, "ravi").await.is_empty());
    let node = "SELECT pg_relation_filenode('customer_search_tokens_pkey')::bigint";
    let before_node = if app.is_postgres() { Some(app.scalar_i64(node).await) } else { None };
    let done = app.services.reindex_all(|_| {}).await.unwrap();
    assert_eq!(done, 1);
    if let Some(old) = before_node {
        assert_ne!(app.scalar_i64(node).await, old, "PostgreSQL: the index is rebuilt (a new file), compact");
    }
    assert_eq!(tokens_of(app, &id).await, before, "the same tokens again");
    assert_eq!(names(app, "ravi").await, ["Ravi Reindexed"]);

    app.define_attribute(json!({ "key": "Member_No__c", "type": "STRING", "searchable": false })).await;
    assert!(names(app, "m-4471").await.is_empty(), "no longer searchable");
}
