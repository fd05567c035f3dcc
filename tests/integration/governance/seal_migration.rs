//! Migration m20270101 (entries' places in `audit_seals`, the sealer's queue in
//! `audit_pending`) moves existing places both ways: `down` puts each sealed entry's place
//! back on the entry, `up` moves them out again and queues the entries not sealed yet.

use super::*;
use migration::MigratorTrait as _;
use sea_orm::{ConnectionTrait as _, Statement};

on_both_databases!(the_seal_table_migration_moves_places_both_ways);

/// `(entry id, seq, chain MAC)` rows of `sql`, which names them `id`, `seq` and `mac`.
async fn places(app: &TestApp, sql: &str) -> Vec<(String, i64, String)> {
    let rows =
        app.store.db.query_all_raw(Statement::from_string(app.store.backend(), sql.to_owned())).await.expect(sql);
    rows.iter()
        .map(|r| {
            let text = |c: &str| r.try_get::<String>("", c).unwrap_or_else(|e| panic!("{c}: {e}"));
            (text("id"), r.try_get::<i64>("", "seq").expect("seq"), text("mac"))
        })
        .collect()
}

async fn the_seal_table_migration_moves_places_both_ways(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    for n in 0..3 {
        app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": format!("Name {n}") } })).await;
    }
    services(app).seal_audit().await.expect("seal");
    let sealed = places(app, "SELECT entry_id AS id, seq, chain_mac AS mac FROM audit_seals ORDER BY seq").await;
    assert!(sealed.len() >= 4, "{sealed:?}");
    // Written after the seal: queued, no place yet.
    app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "Unsealed" } })).await;
    let queued = app.count_rows("audit_pending").await;
    assert!(queued >= 1);

    let migrations = migration::Migrator::migrations();
    let seals = migrations.iter().position(|m| m.name() == "m20270101_000001_audit_seals").expect("the migration");
    migration::Migrator::down(&app.store.db, Some((migrations.len() - seals) as u32)).await.expect("down");
    assert!(app.store.db.execute_unprepared("SELECT 1 FROM audit_seals").await.is_err(), "the seal table is gone");
    let on_entries =
        places(app, "SELECT id, seq, chain_mac AS mac FROM audit_log WHERE seq IS NOT NULL ORDER BY seq").await;
    assert_eq!(on_entries, sealed, "down puts every place back on its entry");
    assert_eq!(app.count_rows("audit_log WHERE seq IS NULL").await, queued, "the queued entries have no place");

    migration::Migrator::up(&app.store.db, None).await.expect("up");
    let moved = places(app, "SELECT entry_id AS id, seq, chain_mac AS mac FROM audit_seals ORDER BY seq").await;
    assert_eq!(moved, sealed, "up moves them out again");
    assert_eq!(app.count_rows("audit_pending").await, queued, "and queues the entries without one");
    let services = services(app);
    services.seal_audit().await.expect("seal");
    assert_eq!(app.count_rows("audit_pending").await, 0);
    assert_eq!(services.verify_audit().await.expect("verify").finding, None);
}
