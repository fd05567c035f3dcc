//! `Customer.activity`: the routing signals maintained on write match a recomputation from
//! the history after random sequences of link, update, relink, merge and unmerge; they cost
//! one statement for a whole page; `_entities` serves them.

use super::*;
use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait as _;

const MERGE: &str = "mutation($s: ID!, $m: [ID!]!) { mergeCustomers(survivorId: $s, mergedIds: $m) { merges { id } } }";
const CHANNELS: [&str; 4] = ["PHONE", "EMAIL", "WHATSAPP", "SMS"];

/// A small seeded generator (xorshift64*): the same seed replays the same scenario.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn utc(value: &Value) -> DateTime<Utc> {
    instant(value).with_timezone(&Utc)
}

fn day(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(86_400)
}

/// What `activity` must read as, computed here from the history alone (independently of
/// the service's own code): the definition in `docs/decisions/0012-…`.
fn recompute(history: &[Value], now: DateTime<Utc>) -> Value {
    let position = |i: &Value| (utc(&i["startedAt"]), id(i));
    let latest = |keep: &dyn Fn(&Value) -> bool| history.iter().filter(|i| keep(i)).max_by_key(|i| position(i));
    let today = day(now);
    let mut counts: std::collections::BTreeMap<String, [i64; 3]> = Default::default();
    for i in history {
        let age = today - day(utc(&i["startedAt"]));
        if (0..90).contains(&age) {
            let slot = counts.entry(i["channel"].as_str().unwrap().to_owned()).or_default();
            slot[0] += i64::from(age < 7);
            slot[1] += i64::from(age < 30);
            slot[2] += 1;
        }
    }
    let total = |w: usize| counts.values().map(|c| c[w]).sum::<i64>();
    json!({
        "lastContact": latest(&|_| true).map(|i| json!({
            "interactionId": i["id"], "at": utc(&i["startedAt"]).to_rfc3339(), "channel": i["channel"],
            "direction": i["direction"], "agentId": i["agentId"],
        })),
        "counts": counts.iter().map(|(channel, c)| json!({
            "channel": channel, "last7Days": c[0], "last30Days": c[1], "last90Days": c[2],
        })).collect::<Vec<_>>(),
        "totalLast7Days": total(0),
        "totalLast30Days": total(1),
        "totalLast90Days": total(2),
        "openConversations": history.iter().filter(|i| i["kind"] == "CONVERSATION" && i["endedAt"].is_null()).count(),
        "lastOutcome": latest(&|i| !i["outcome"].is_null()).map(|i| i["outcome"].clone()),
        "lastSentiment": latest(&|i| !i["sentiment"].is_null()).map(|i| i["sentiment"].clone()),
    })
}

/// The API's activity with its time written as the recomputation writes it.
fn normalized(mut activity: Value) -> Value {
    if !activity["lastContact"].is_null() {
        activity["lastContact"]["at"] = json!(utc(&activity["lastContact"]["at"]).to_rfc3339());
    }
    activity
}

async fn assert_activity_matches_history(app: &TestApp, customers: &[String], context: &str) {
    for customer in customers {
        let expected = recompute(&history(app, customer, json!({})).await, Utc::now());
        let got = normalized(activity(app, customer).await);
        assert_eq!(got, expected, "activity of {customer} {context}");
    }
}

/// A random interaction of the last 100 days (a few in the next two days).
fn random_interaction(rng: &mut Rng, n: usize) -> Value {
    let now = Utc::now();
    let started = if rng.chance(5) {
        now + Duration::seconds(rng.below(2 * 86_400) as i64)
    } else {
        now - Duration::seconds(rng.below(100 * 86_400) as i64)
    };
    let conversation = rng.chance(50);
    let mut input = json!({
        "kind": if conversation { "CONVERSATION" } else { "ACTIVITY" },
        "channel": rng.pick(&CHANNELS), "direction": rng.pick(&["INBOUND", "OUTBOUND"]),
        "startedAt": started.to_rfc3339(),
    });
    if conversation {
        input["conversationId"] = json!(format!("conv-{n}"));
    }
    if !conversation || rng.chance(50) {
        input["endedAt"] = json!((started + Duration::minutes(7)).to_rfc3339());
    }
    if rng.chance(40) {
        input["outcome"] = json!(rng.pick(&["resolved", "escalated", "callback"]));
    }
    if rng.chance(30) {
        input["sentiment"] = json!(rng.pick(&["NEGATIVE", "NEUTRAL", "POSITIVE"]));
    }
    if rng.chance(60) {
        input["agentId"] = json!(rng.pick(&["agent-1", "agent-2"]));
    }
    input
}

fn random_update(rng: &mut Rng, started_at: &Value) -> Value {
    let mut input = json!({});
    if rng.chance(50) {
        input["endedAt"] =
            if rng.chance(80) { json!((utc(started_at) + Duration::minutes(3)).to_rfc3339()) } else { Value::Null };
    }
    if rng.chance(50) {
        input["outcome"] = if rng.chance(75) { json!(rng.pick(&["resolved", "sold"])) } else { Value::Null };
    }
    if rng.chance(40) {
        input["sentiment"] = if rng.chance(75) { json!(rng.pick(&["NEGATIVE", "POSITIVE"])) } else { Value::Null };
    }
    if rng.chance(30) {
        input["agentId"] = json!("agent-9");
    }
    if input == json!({}) {
        input["topic"] = json!("followup");
    }
    input
}

/// Random writes on a few customers, checking the activity of all of them at checkpoints.
/// Writes that the rules refuse (a relink to a merged profile, an unmerge of an undone
/// merge) are part of the sequence: a refused write must leave activity as it was.
async fn run_scenario(app: &TestApp, seed: u64) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut customers = Vec::new();
    for _ in 0..4 {
        customers.push(app.create_customer(json!({})).await);
    }
    let mut interactions: Vec<(String, Value)> = Vec::new();
    let mut merges: Vec<String> = Vec::new();
    for step in 0..48 {
        let roll = rng.below(100);
        if roll < 45 || interactions.is_empty() {
            let input = random_interaction(&mut rng, interactions.len());
            let customer = rng.pick(&customers).clone();
            let body = app.attempt(LINK_INTERACTION, json!({ "customerId": customer, "interaction": input })).await;
            if let Some(linked) = body["data"]["linkInteraction"].as_object() {
                interactions.push((linked["id"].as_str().unwrap().to_owned(), linked["startedAt"].clone()));
            }
        } else if roll < 62 {
            let (interaction, started_at) = rng.pick(&interactions).clone();
            let input = random_update(&mut rng, &started_at);
            let body = update(app, &interaction, input).await;
            assert!(body.get("errors").is_none(), "seed {seed} step {step}: {body:#}");
        } else if roll < 77 {
            let (interaction, _) = rng.pick(&interactions).clone();
            let to = rng.pick(&customers).clone();
            app.attempt(RELINK_INTERACTION, json!({ "interactionId": interaction, "toCustomerId": to })).await;
        } else if roll < 89 {
            let survivor = rng.pick(&customers).clone();
            let merged = rng.pick(&customers).clone();
            let body = app.attempt(MERGE, json!({ "s": survivor, "m": [merged] })).await;
            if let Some(merge) = body["data"]["mergeCustomers"]["merges"][0]["id"].as_str() {
                merges.push(merge.to_owned());
            }
        } else if !merges.is_empty() {
            let merge = rng.pick(&merges).clone();
            app.attempt(UNMERGE_CUSTOMER, json!({ "mergeId": merge })).await;
        }
        if step % 16 == 15 {
            assert_activity_matches_history(app, &customers, &format!("(seed {seed}, after step {step})")).await;
        }
    }
}

async fn activity_matches_a_recomputation_from_history_after_random_writes(app: &TestApp) {
    for seed in [1, 7, 42, 2026] {
        run_scenario(app, seed).await;
    }
}

async fn activity_follows_a_conversation_from_first_contact_to_its_outcome(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let empty = activity(app, &customer).await;
    assert_eq!(
        empty,
        json!({ "lastContact": null, "counts": [], "totalLast7Days": 0, "totalLast30Days": 0, "totalLast90Days": 0,
            "openConversations": 0, "lastOutcome": null, "lastSentiment": null })
    );
    let earlier = (Utc::now() - Duration::days(10)).to_rfc3339();
    let mut old = activity_input("EMAIL", &earlier);
    old["outcome"] = json!("resolved");
    old["sentiment"] = json!("POSITIVE");
    app.link(&customer, old).await;
    let now = Utc::now().to_rfc3339();
    let mut call = conversation("conv-now", &now);
    call["channel"] = json!("PHONE");
    call["agentId"] = json!("agent-5");
    let call = app.link(&customer, call).await;

    let during = activity(app, &customer).await;
    assert_eq!(during["lastContact"]["interactionId"], call["id"]);
    assert_eq!(
        (&during["lastContact"]["channel"], &during["lastContact"]["agentId"]),
        (&json!("PHONE"), &json!("agent-5"))
    );
    assert_eq!(during["openConversations"], 1);
    assert_eq!((&during["lastOutcome"], &during["lastSentiment"]), (&json!("resolved"), &json!("POSITIVE")));
    assert_eq!((&during["totalLast7Days"], &during["totalLast30Days"]), (&json!(1), &json!(2)));

    update(app, &id(&call), json!({ "endedAt": now, "outcome": "escalated", "sentiment": "NEGATIVE" })).await;
    let after = activity(app, &customer).await;
    assert_eq!(after["openConversations"], 0);
    assert_eq!((&after["lastOutcome"], &after["lastSentiment"]), (&json!("escalated"), &json!("NEGATIVE")));
}

/// The page query Routing (or a supervisor's list) sends.
const PAGE: &str = "query($first: Int!) { customers(first: $first) { edges { node { id
    activity { ...ActivityFields } labelAssignments { label { name } source assignedAt } } } } }";

async fn activity_in_a_page_costs_the_same_statements_for_1_10_and_100_customers(app: &TestApp) {
    let label = app.create_label("VIP").await;
    for n in 0..100 {
        let customer =
            app.create_customer(json!({ "labelIds": if n % 3 == 0 { vec![label.clone()] } else { vec![] } })).await;
        if n % 4 != 3 {
            // Customers without history too: a parent without a row must not cost a statement.
            app.link(&customer, conversation(&format!("conv-{n}"), &Utc::now().to_rfc3339())).await;
        }
    }
    let query = format!("{PAGE}\n{ACTIVITY_FIELDS}");
    let mut counts = Vec::new();
    for first in [1, 10, 100] {
        let before = app.statements();
        let data = app.admin(&query, json!({ "first": first })).await;
        counts.push(app.statements() - before);
        let edges = data["customers"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), first);
        let open: i64 = edges.iter().map(|e| e["node"]["activity"]["openConversations"].as_i64().unwrap()).sum();
        assert!(open > 0 || first == 1, "activity answered: {data}");
    }
    assert_eq!(counts[0], counts[1], "statements for 1 and 10 customers: {counts:?}");
    assert_eq!(counts[1], counts[2], "statements for 10 and 100 customers: {counts:?}");
}

const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) { __typename
    ... on Customer { id activity { ...ActivityFields } } } }";

async fn entities_serve_activity_for_requires_in_one_statement(app: &TestApp) {
    let mut reps = Vec::new();
    let mut expected = Vec::new();
    for n in 0..12 {
        let customer = app.create_customer(json!({})).await;
        let mut input = activity_input(CHANNELS[n % 4], &Utc::now().to_rfc3339());
        input["outcome"] = json!("resolved");
        app.link(&customer, input).await;
        expected.push(activity(app, &customer).await);
        reps.push(json!({ "__typename": "Customer", "id": customer }));
    }
    let query = format!("{ENTITIES}\n{ACTIVITY_FIELDS}");
    // `_entities` loads the customers, then everything selected under them, without the
    // loader's batching window (decision 0016): exact counts, however busy the machine.
    let before = app.statements();
    let one = app.admin(&query, json!({ "r": [reps[0].clone()] })).await;
    let for_one = app.statements() - before;
    let before = app.statements();
    let all = app.admin(&query, json!({ "r": reps })).await;
    let for_all = app.statements() - before;

    assert_eq!(one["_entities"][0]["activity"], expected[0]);
    for (n, entity) in all["_entities"].as_array().unwrap().iter().enumerate() {
        assert_eq!(entity["activity"], expected[n], "entity {n}");
        assert_eq!(entity["activity"]["counts"][0]["channel"], CHANNELS[n % 4]);
    }
    assert_eq!(for_one, for_all, "the same statements for 1 and 12 representations");
    assert_eq!(for_all, 2, "the customers, then their activity");
}

/// Updates racing relinks of the same interactions: each write locks the profile it
/// changes, so the activity of both profiles still matches their history.
async fn activity_stays_true_when_updates_race_relinks(app: &TestApp) {
    let (a, b) = (app.create_customer(json!({})).await, app.create_customer(json!({})).await);
    let mut ids = Vec::new();
    for n in 0..6 {
        let started = (Utc::now() - Duration::hours(n)).to_rfc3339();
        ids.push(id(&app.link(&a, conversation(&format!("race-{n}"), &started)).await));
    }
    let mut requests = Vec::new();
    for (n, interaction) in ids.iter().enumerate() {
        let input = json!({ "endedAt": Utc::now().to_rfc3339(), "outcome": "resolved", "sentiment": "POSITIVE" });
        requests.push((UPDATE_INTERACTION, json!({ "id": interaction, "input": input })));
        if n % 2 == 0 {
            requests.push((RELINK_INTERACTION, json!({ "interactionId": interaction, "toCustomerId": b })));
        }
    }
    for body in app.concurrently(requests).await {
        assert!(body.get("errors").is_none(), "{body:#}");
    }
    assert_activity_matches_history(app, &[a.clone(), b.clone()], "after racing writes").await;
    assert_eq!(activity(app, &b).await["totalLast7Days"], 3);
}

/// The migration folds the history already stored into the activity tables: undo it on a
/// database with history, apply it again, and the activity is what the history says.
async fn the_migration_folds_existing_history_into_activity(app: &TestApp) {
    use migration::MigratorTrait as _;
    let mut rng = Rng(99);
    let customers = [app.create_customer(json!({})).await, app.create_customer(json!({})).await];
    for n in 0..30 {
        let mut input = random_interaction(&mut rng, n);
        // Outcomes and sentiments are columns of this migration: undoing it drops them.
        input["outcome"] = Value::Null;
        input["sentiment"] = Value::Null;
        let customer = rng.pick(&customers[..]).clone();
        app.link(&customer, input).await;
    }
    let empty_customer = app.create_customer(json!({})).await;
    // Undo the history migration and the ones added after it (other features' migrations).
    let migrations = migration::Migrator::migrations();
    let history =
        migrations.iter().position(|m| m.name() == "m20261205_000001_history").expect("the history migration");
    let undo = (migrations.len() - history) as u32;
    migration::Migrator::down(&app.store.db, Some(undo)).await.expect("undo the history migration");
    assert!(app.store.db.execute_unprepared("SELECT 1 FROM customer_activity").await.is_err(), "the tables are gone");

    migration::Migrator::up(&app.store.db, None).await.expect("apply it again");

    assert_eq!(app.count_rows("customer_activity").await, 2, "a summary row per customer with history");
    let mut all = customers.to_vec();
    all.push(empty_customer);
    assert_activity_matches_history(app, &all, "after the migration").await;
}

on_both_databases!(
    activity_stays_true_when_updates_race_relinks,
    the_migration_folds_existing_history_into_activity,
    activity_matches_a_recomputation_from_history_after_random_writes,
    activity_follows_a_conversation_from_first_contact_to_its_outcome,
    activity_in_a_page_costs_the_same_statements_for_1_10_and_100_customers,
    entities_serve_activity_for_requires_in_one_statement,
);
