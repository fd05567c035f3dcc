//! Concurrent responses' `pii.read` entries are committed in groups (`service::read_audit`):
//! entries that queue up while one is being written share the next commit, each request
//! still returns only once its own entry is committed, and an entry the database refuses
//! withholds its own response only.

use super::*;
use customers::domain::audit::{Actor, PiiReads};
use customers::domain::id::CustomerId;
use futures_util::FutureExt as _;
use std::future::Future;

on_both_databases!(
    entries_that_queue_behind_a_write_share_the_next_commit,
    an_entry_the_database_refuses_fails_alone_in_its_group,
    concurrent_pages_are_each_recorded_once,
);

/// What one response showed: `fields` of `profiles` new profiles.
fn reads(profiles: usize) -> (PiiReads, Vec<CustomerId>) {
    let mut reads = PiiReads::default();
    let ids: Vec<CustomerId> = (0..profiles).map(|_| CustomerId::generate()).collect();
    for id in &ids {
        reads.note(id, "displayName");
    }
    (reads, ids)
}

/// Hold the database's write lock on the audit log until the returned transaction ends:
/// a table lock on PostgreSQL (reads go on), the database's write lock on SQLite.
async fn hold_audit_writes(app: &TestApp) -> sea_orm::DatabaseTransaction {
    use sea_orm::ConnectionTrait as _;
    let tx = app.store.begin_write().await.expect("begin");
    if app.is_postgres() {
        tx.execute_unprepared("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE").await.expect("lock");
    }
    tx
}

/// Until the writer task is blocked on the held lock with its first group (PostgreSQL:
/// seen in `pg_stat_activity`; SQLite: its write waits on the busy timeout, given time).
async fn writer_is_blocked(app: &TestApp) {
    if !app.is_postgres() {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        return;
    }
    for _ in 0..200 {
        let waiting = app
            .scalar_i64(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO \"audit_log\"%'",
            )
            .await;
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the audit writer never waited on the lock");
}

/// Poll `record` once: its entry is then queued for the writer (and it is not done).
fn queue<F: Future + Unpin>(record: &mut F) {
    assert!(record.now_or_never().is_none(), "an entry cannot be committed while the lock is held");
}

async fn entries_that_queue_behind_a_write_share_the_next_commit(app: &TestApp) {
    let services = services(app);
    let actors: Vec<Actor> = (0..10).map(|n| Actor::new(format!("grouped-{n}"), Some("Names"))).collect();
    let lock = hold_audit_writes(app).await;
    // The first entry is taken by the writer and waits on the lock ...
    let mut first = Box::pin(services.record_pii_reads(&actors[0], reads(3).0));
    queue(&mut first);
    writer_is_blocked(app).await;
    // ... while nine more queue up behind it.
    let mut rest: Vec<_> = actors[1..]
        .iter()
        .enumerate()
        .map(|(n, a)| Box::pin(services.record_pii_reads(a, reads(n % 3 + 1).0)))
        .collect();
    rest.iter_mut().for_each(queue);
    lock.commit().await.expect("release the lock");

    first.await.expect("the first entry is committed");
    for record in rest {
        record.await.expect("each queued entry is committed");
    }
    let recorded = app.scalar_i64("SELECT count(*) FROM audit_log WHERE actor LIKE 'grouped-%'").await;
    assert_eq!(recorded, 10);
    if app.is_postgres() {
        // Rows committed by one transaction share its id: the first alone, the nine together.
        let commits =
            app.scalar_i64("SELECT count(DISTINCT xmin::text) FROM audit_log WHERE actor LIKE 'grouped-%'").await;
        assert_eq!(commits, 2);
    } else {
        // SQLite indexes the entries about several profiles: 2 + 3 + 1 + 2 + 3 + ... rows.
        let expected: i64 = 3 + (0..9).map(|n| (n % 3 + 1) as i64).filter(|&n| n > 1).sum::<i64>();
        assert_eq!(app.count_rows("audit_subjects").await, expected);
    }
    services.seal_audit().await.expect("seal");
    assert_eq!(services.verify_audit().await.expect("verify").finding, None);
}

async fn an_entry_the_database_refuses_fails_alone_in_its_group(app: &TestApp) {
    use sea_orm::ConnectionTrait as _;
    let (install, remove) = if app.is_postgres() {
        (
            "CREATE FUNCTION refuse_actor() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF NEW.actor = 'refused' THEN RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END $$;
             CREATE TRIGGER refuse_actor BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_actor();",
            "DROP TRIGGER refuse_actor ON audit_log; DROP FUNCTION refuse_actor();",
        )
    } else {
        (
            "CREATE TRIGGER refuse_actor BEFORE INSERT ON audit_log WHEN NEW.actor = 'refused' \
             BEGIN SELECT RAISE(ABORT, 'injected'); END;",
            "DROP TRIGGER refuse_actor;",
        )
    };
    app.store.db.execute_unprepared(install).await.expect("install the trigger");
    let services = services(app);
    let (good, refused, other) =
        (Actor::new("good", Some("Names")), Actor::new("refused", Some("Names")), Actor::new("other", Some("Names")));
    let lock = hold_audit_writes(app).await;
    let mut first = Box::pin(services.record_pii_reads(&good, reads(2).0));
    queue(&mut first);
    writer_is_blocked(app).await;
    let (refused_reads, refused_ids) = reads(2);
    let mut bad = Box::pin(services.record_pii_reads(&refused, refused_reads));
    let mut last = Box::pin(services.record_pii_reads(&other, reads(2).0));
    queue(&mut bad);
    queue(&mut last);
    lock.commit().await.expect("release the lock");

    first.await.expect("the entry before the group is committed");
    assert!(bad.await.is_err(), "the refused entry fails");
    last.await.expect("the entry beside the refused one is committed");
    app.store.db.execute_unprepared(remove).await.expect("remove the trigger");

    let actors = |actor: &str| {
        let actor = actor.to_owned();
        async move { app.scalar_i64(&format!("SELECT count(*) FROM audit_log WHERE actor = '{actor}'")).await }
    };
    assert_eq!((actors("good").await, actors("refused").await, actors("other").await), (1, 0, 1));
    for id in &refused_ids {
        assert!(pii_reads(app, id.as_str()).await.is_empty(), "nothing is indexed under the refused entry");
    }
    if !app.is_postgres() {
        assert_eq!(app.count_rows("audit_subjects").await, 4, "the two good entries' index rows only");
    }
}

async fn concurrent_pages_are_each_recorded_once(app: &TestApp) {
    const NAMES: &str = "query Names { customers(first: 10) { edges { node { id displayName } } } }";
    for n in 0..3 {
        app.create_customer(json!({ "displayName": format!("Ayesha Khan {n}") })).await;
    }
    let tokens: Vec<String> = (0..12).map(|n| token_for(&format!("pager-{n}"), "customers:read pii:read")).collect();
    let bodies = futures_util::future::join_all(tokens.iter().map(|t| app.post(Some(t), NAMES, json!({})))).await;
    for (_, body) in &bodies {
        assert!(body.get("errors").is_none(), "{body:#}");
        let names = body["data"]["customers"]["edges"].as_array().expect("edges");
        assert_eq!(names.len(), 3, "{body:#}");
        assert!(names.iter().all(|e| e["node"]["displayName"].as_str().unwrap().starts_with("Ayesha")), "{body:#}");
    }
    for n in 0..12 {
        let mine = entries(app, json!({ "principal": format!("pager-{n}") })).await;
        assert_eq!(mine.len(), 1, "pager-{n}: {mine:#?}");
        assert_eq!(mine[0]["action"], "pii.read");
    }
    let services = services(app);
    services.seal_audit().await.expect("seal");
    assert_eq!(services.verify_audit().await.expect("verify").finding, None);
}
