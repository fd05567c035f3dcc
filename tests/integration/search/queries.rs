//! What a search finds, in which order, a page at a time, for whom.

use super::*;

on_both_databases!(
    every_kind_of_text_finds_the_right_profiles,
    results_come_exact_identifier_then_full_name_then_words_then_prefixes,
    pages_follow_the_ranking_without_gaps_or_repeats,
    whole_words_and_partial_identifiers_share_a_rank_and_page_by_id,
    filters_combine_with_the_search,
    callers_without_pii_read_find_the_same_profiles_masked_and_searches_are_audited_without_their_text,
    a_search_costs_the_same_statements_for_3_or_30_matching_profiles,
    bad_input_is_refused_on_its_argument,
    postgres_plans_the_services_statements_without_jit,
);

async fn scene(app: &TestApp) {
    app.define_attribute(json!({ "key": "accountCode", "type": "STRING", "searchable": true })).await;
    app.define_attribute(json!({ "key": "passport", "type": "STRING", "pii": true, "searchable": true })).await;
    app.define_attribute(json!({ "key": "notes", "type": "STRING" })).await;
    let jose = person(
        app,
        "José García",
        json!([
            { "channel": "PHONE", "value": "+44 7911 123456" },
            { "channel": "EMAIL", "value": "Jose.Garcia@Example.com" }
        ]),
        json!([{ "system": "Salesforce", "externalId": "SF-0031X" }]),
    )
    .await;
    let attributes = json!([
        { "key": "accountCode", "value": "ACC-778" },
        { "key": "passport", "value": "PK998877" },
        { "key": "notes", "value": "zebra" }
    ]);
    app.admin(SET_ATTRIBUTES, json!({ "customerId": jose, "attributes": attributes })).await;
    person(app, "Ayesha Khan", json!([{ "channel": "PHONE", "value": "0300 1234567" }]), json!([])).await;
    person(app, "Josephine Baker", json!([{ "channel": "EMAIL", "value": "jb@example.org" }]), json!([])).await;
}

/// Names (words, prefixes, any order, accents and case folded), phones (any format, last
/// 4+ digits), e-mails (whole or local part), external ids and searchable attributes.
async fn every_kind_of_text_finds_the_right_profiles(app: &TestApp) {
    scene(app).await;
    let jose = ["José García"];
    for text in [
        "garcia",
        "GARCÍA jo",
        "jose garcia",
        "garc jos",
        "+44 7911 123456",
        "+447911123456",
        "123456",
        "3456",
        "jose.garcia@example.com",
        "JOSE.GARCIA",
        "sf-0031x",
        "acc-778",
        "pk998877",
    ] {
        assert_eq!(names(app, text).await, jose, "{text}");
    }
    assert_eq!(names(app, "0300-123 4567").await, ["Ayesha Khan"], "a national number in the default region");
    assert_eq!(names(app, "4567").await, ["Ayesha Khan"]);
    assert_eq!(names(app, "jose").await, ["José García", "Josephine Baker"], "whole word before prefix");
    assert_eq!(names(app, "jb").await, ["Josephine Baker"], "an e-mail's local part");
    for nothing in ["zebra", "567", "garcia baker", "example", "jose.garcia@example.org", "salesforce"] {
        assert!(names(app, nothing).await.is_empty(), "{nothing} found something");
    }
}

async fn results_come_exact_identifier_then_full_name_then_words_then_prefixes(app: &TestApp) {
    person(app, "Morgana Fay", json!([]), json!([])).await;
    person(app, "Lee Morgan", json!([]), json!([])).await;
    person(app, "Morgan", json!([]), json!([])).await;
    person(app, "Casey Tran", json!([]), json!([{ "system": "crm", "externalId": "Morgan" }])).await;
    assert_eq!(names(app, "morgan").await, ["Casey Tran", "Morgan", "Lee Morgan", "Morgana Fay"]);
    assert_eq!(names(app, "lee morgan").await, ["Lee Morgan"]);
}

async fn pages_follow_the_ranking_without_gaps_or_repeats(app: &TestApp) {
    for n in 0..5 {
        person(app, &format!("Pat Number{n}"), json!([]), json!([])).await;
    }
    // Prefix hits only: ranked last, by id, read a page at a time (their cursor has rank 1).
    for name in ["Patricia Other", "Patrick Other", "Patsy Other", "Patience Else"] {
        person(app, name, json!([]), json!([])).await;
    }
    person(app, "Robin Other", json!([]), json!([])).await;
    let all = names(app, "pat").await;
    assert_eq!(all.len(), 9, "{all:?}");
    assert!(all[..5].iter().all(|n| n.starts_with("Pat Number")), "whole words first: {all:?}");
    let (mut seen, mut after) = (Vec::new(), Value::Null);
    for expected in [(2, true), (2, true), (2, true), (2, true), (1, false)] {
        let page = search_with(app, "pat", json!({ "first": 2, "after": after })).await;
        let edges = page["edges"].as_array().unwrap();
        assert_eq!((edges.len(), page["pageInfo"]["hasNextPage"].as_bool().unwrap()), expected, "{page}");
        assert_eq!(page["totalCount"], 9);
        seen.extend(edges.iter().map(|e| e["node"]["displayName"].as_str().unwrap().to_owned()));
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, all);
    // Every word's prefix must match, whichever is typed first.
    let mut others = names(app, "oth pat").await;
    others.sort();
    assert_eq!(others, ["Patricia Other", "Patrick Other", "Patsy Other"]);
    assert_eq!(names(app, "pati el").await, ["Patience Else"]);
    assert!(names(app, "pat rob").await.is_empty());
    let page = search_with(app, "other pa", json!({ "first": 1 })).await;
    assert_eq!(page["totalCount"], 3, "a whole word and a prefix: {page}");
}

/// A partial identifier (an e-mail's local part) and a whole word both rank 2: they are
/// found by different parts of the statement and still come by id, a page at a time, each
/// profile once, even one holding every word typed.
async fn whole_words_and_partial_identifiers_share_a_rank_and_page_by_id(app: &TestApp) {
    let mail = |local: &str| json!([{ "channel": "EMAIL", "value": format!("{local}@example.com") }]);
    let mut rank2 = [
        person(app, "Dana Vale", mail("lee"), json!([])).await,
        person(app, "Ann Lee Smith", json!([]), json!([])).await,
        person(app, "Lee Lee", json!([]), json!([])).await,
        person(app, "Annabel Lee", json!([]), json!([])).await,
        person(app, "Lee Annick", json!([]), json!([])).await,
    ];
    rank2.sort();
    person(app, "Leeds Anne", json!([]), json!([])).await; // prefixes only: last
    let (mut seen, mut after) = (Vec::new(), Value::Null);
    loop {
        let page = search_with(app, "lee", json!({ "first": 2, "after": after })).await;
        assert_eq!(page["totalCount"], 6, "{page}");
        let edges = page["edges"].as_array().unwrap().clone();
        seen.extend(edges.iter().map(|e| e["node"]["id"].as_str().unwrap().to_owned()));
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), 6, "{seen:?}");
    assert_eq!(seen[..5], rank2[..], "rank 2 by id, across local parts and whole words");
    // Two words typed, a profile holding both whole ("Ann Lee Smith") comes once; one whole
    // word and the other's prefix ranks with it; prefixes alone come after.
    let found = names(app, "ann lee").await;
    assert_eq!(found.len(), 4, "{found:?}");
    assert_eq!(found.iter().filter(|n| *n == "Ann Lee Smith").count(), 1, "{found:?}");
    assert_eq!(found.last().map(String::as_str), Some("Leeds Anne"), "{found:?}");
    let page = search_with(app, "ann lee", json!({ "first": 1 })).await;
    assert_eq!(page["totalCount"], 4, "{page}");
}

async fn filters_combine_with_the_search(app: &TestApp) {
    app.define_attribute(json!({ "key": "tier", "type": "STRING" })).await;
    let vip = app.create_label("VIP").await;
    let input = |name: &str, labels: Vec<&str>, tier: &str| json!({ "displayName": name, "labelIds": labels, "attributes": [{ "key": "tier", "value": tier }] });
    app.create_customer(input("Kim Labelled", vec![vip.as_str()], "gold")).await;
    app.create_customer(input("Kim Plain", vec![], "gold")).await;
    app.create_customer(input("Kim Silver", vec![vip.as_str()], "silver")).await;
    let found = |filter: Value| async move {
        let page = search_with(app, "kim", json!({ "filter": filter })).await;
        let mut names: Vec<String> = page["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["displayName"].as_str().unwrap().into())
            .collect();
        names.sort();
        (names, page["totalCount"].as_i64().unwrap())
    };
    assert_eq!(found(json!({ "labelIds": [vip] })).await, (vec!["Kim Labelled".into(), "Kim Silver".into()], 2));
    let both = json!({ "labelIds": [vip], "attribute": { "key": "tier", "value": "gold" } });
    assert_eq!(found(both).await, (vec!["Kim Labelled".to_owned()], 1));
    assert_eq!(found(json!({ "status": "MERGED" })).await, (vec![], 0));
    // The same filters on prefix hits (which are read in id order, not grouped).
    let page = search_with(app, "ki", json!({ "filter": { "labelIds": [vip] } })).await;
    let mut names: Vec<&str> =
        page["edges"].as_array().unwrap().iter().map(|e| e["node"]["displayName"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!((names, page["totalCount"].as_i64()), (vec!["Kim Labelled", "Kim Silver"], Some(2)), "{page}");
}

async fn callers_without_pii_read_find_the_same_profiles_masked_and_searches_are_audited_without_their_text(
    app: &TestApp,
) {
    scene(app).await;
    let body = app.as_scopes("customers:read", SEARCH, json!({ "text": "+44 7911 123456" })).await;
    let edges = body["data"]["searchCustomers"]["edges"].as_array().unwrap_or_else(|| panic!("{body}"));
    assert_eq!(edges.len(), 1);
    let text = body.to_string();
    for raw in ["José", "Garc", "7911", "123456", "jose.garcia"] {
        assert!(!text.contains(raw), "{raw} shown without pii:read: {body}");
    }
    assert_eq!(edges[0]["node"]["displayName"], "J***", "{body}");

    let log = app.admin(AUDIT_LOG, json!({ "action": "customer.search" })).await.to_string();
    assert!(log.contains("customer.search"), "{log}");
    for raw in ["7911", "123456", "+44"] {
        assert!(!log.contains(raw), "the search text is in the audit log: {log}");
    }
    let before = app.admin(AUDIT_LOG, json!({ "action": "pii.read" })).await.to_string();
    app.admin(SEARCH, json!({ "text": "garcia" })).await;
    let after = app.admin(AUDIT_LOG, json!({ "action": "pii.read" })).await.to_string();
    assert_ne!(before, after, "names shown unmasked are recorded as every PII read is");
}

async fn a_search_costs_the_same_statements_for_3_or_30_matching_profiles(app: &TestApp) {
    let mut counts = Vec::new();
    for (round, total) in [(0, 3), (1, 30)] {
        let start = if round == 0 { 0 } else { 3 };
        for n in start..total {
            let phone = format!("+44 7911 1{n:05}");
            person(app, &format!("Quinn Person{n}"), json!([{ "channel": "PHONE", "value": phone }]), json!([])).await;
        }
        let before = app.statements();
        let page = search_with(app, "quinn", json!({ "first": 20 })).await;
        counts.push(app.statements() - before);
        assert_eq!(page["edges"].as_array().unwrap().len(), total.min(20));
        assert_eq!(page["totalCount"], total);
    }
    assert_eq!(counts[0], counts[1], "statements per search: {counts:?}");
    assert!(counts[0] <= 7, "search, count, identities, the search's audit entry and the PII read's: {counts:?}");
}

async fn bad_input_is_refused_on_its_argument(app: &TestApp) {
    for (variables, field) in [
        (json!({ "text": "" }), "text"),
        (json!({ "text": "  -- " }), "text"),
        (json!({ "text": "x".repeat(201) }), "text"),
        (json!({ "text": "a b c d e f g h i" }), "text"),
        (json!({ "text": "kim", "first": 101 }), "first"),
        (json!({ "text": "kim", "first": -1 }), "first"),
        (json!({ "text": "kim", "after": "not-a-cursor" }), "after"),
    ] {
        let body = app.attempt(SEARCH, variables.clone()).await;
        assert_error(&body, "BAD_USER_INPUT", field);
        assert!(!body.to_string().contains(&"x".repeat(50)), "the text is not repeated");
    }
}

/// PostgreSQL's JIT compiled a search over 1M profiles for ~60 ms (its estimated cost passed
/// `jit_above_cost`) to run it in 0.3 ms: the service's connections run without it
/// (decision 0016). SQLite has no JIT: nothing to check there.
async fn postgres_plans_the_services_statements_without_jit(app: &TestApp) {
    if app.store.backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    let statement = sea_orm::Statement::from_string(app.store.backend(), "SELECT current_setting('jit') AS jit");
    let row = sea_orm::ConnectionTrait::query_one_raw(&app.store.db, statement).await.unwrap().unwrap();
    assert_eq!(row.try_get::<String>("", "jit").unwrap(), "off");
}
