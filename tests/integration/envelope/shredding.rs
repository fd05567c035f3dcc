//! Values bound to their rows, and crypto-shredding.

use super::*;
use customers::domain::id::CustomerId;
use customers::service::Services;
use customers::store::codec::Aad;

/// Swapping two customers' sealed values in the database makes the read fail loudly: an
/// error, never the other customer's value.
async fn a_ciphertext_swapped_between_rows_fails_loudly(app: &TestApp) {
    let alice = person(app, "Alice Archer", "+923001110001").await;
    let bob = person(app, "Bob Baker", "+923001110002").await;
    assert_eq!(read(app, &alice).await["data"]["customer"]["displayName"], "Alice Archer");

    // Bob's phone number sealed into Alice's identity row (and the other way round).
    let phones = column(
        app,
        &format!("SELECT value FROM channel_identities WHERE customer_id IN ('{alice}', '{bob}') ORDER BY customer_id"),
    )
    .await;
    assert_eq!(phones.len(), 2);
    execute(app, &format!("UPDATE channel_identities SET value = '{}' WHERE customer_id = '{alice}'", phones[1])).await;
    execute(app, &format!("UPDATE channel_identities SET value = '{}' WHERE customer_id = '{bob}'", phones[0])).await;
    for id in [&alice, &bob] {
        let body = read(app, id).await;
        assert_eq!(error_codes(&body), ["INTERNAL"], "{body}");
        assert!(!body.to_string().contains("+92300111000"), "no phone number is shown: {body}");
    }

    // The same for names, which are bound to their customer's row.
    let carol = person(app, "Carol Clark", "+923001110003").await;
    let names = column(app, &format!("SELECT display_name FROM customers WHERE id = '{carol}'")).await;
    let dave = person(app, "Dave Dunn", "+923001110004").await;
    execute(app, &format!("UPDATE customers SET display_name = '{}' WHERE id = '{dave}'", names[0])).await;
    let body = read(app, &dave).await;
    assert_eq!(error_codes(&body), ["INTERNAL"], "{body}");
    assert!(!body.to_string().contains("Carol"), "{body}");
    assert_eq!(read(app, &carol).await["data"]["customer"]["displayName"], "Carol Clark", "the victim still reads");
}

/// `destroy_data_keys` (what erasure calls): a copy of the database taken before no longer
/// decrypts that customer, while every other customer still reads.
async fn a_backup_taken_before_a_key_is_destroyed_no_longer_decrypts_that_customer(app: &TestApp) {
    let alice = person(app, "Alice Archer", "+923001120001").await;
    let bob = person(app, "Bob Baker", "+923001120002").await;
    // The backup: every sealed value of both, as stored (and on SQLite the whole file too).
    let backup =
        column(app, &format!("SELECT display_name FROM customers WHERE id IN ('{alice}', '{bob}') ORDER BY id")).await;
    let copy = app.is_postgres().then(String::new).unwrap_or_else(|| {
        let dir = app.database().data_dir();
        dir.join("backup.db").display().to_string()
    });
    if !app.is_postgres() {
        execute(app, &format!("VACUUM INTO '{copy}'")).await;
    }
    let wrapped = keystore_text(app, &alice).await;
    assert!(wrapped.is_some(), "Alice has a data key");

    Services::new(app.store.clone(), Default::default())
        .destroy_data_keys(&[CustomerId::from_stored(alice.clone())])
        .await
        .expect("destroy Alice's key");

    let codec = &app.store.codec;
    let alice_name = codec.open(Aad::display_name(&alice), &backup[0]).await;
    assert!(alice_name.is_err(), "the backup of Alice's name no longer opens");
    let bob_name = codec.open(Aad::display_name(&bob), &backup[1]).await.expect("Bob's name still opens");
    assert_eq!(bob_name.expose(), "Bob Baker");
    assert_eq!(keystore_text(app, &alice).await, None, "the wrapped key is gone from the key store");

    if !app.is_postgres() {
        // The file copy, opened with the current keys: Alice's profile fails, Bob's reads.
        let url = format!("sqlite://{copy}?mode=rw");
        let restored = customers::store::Store::connect(&url, app.store.codec.clone()).await.unwrap();
        let ids = [CustomerId::from_stored(alice.clone())];
        assert!(customers::store::customers::get_many(&restored.db, codec, &ids).await.is_err());
        let ids = [CustomerId::from_stored(bob.clone())];
        let found = customers::store::customers::get_many(&restored.db, codec, &ids).await.unwrap();
        assert_eq!(found.values().next().and_then(|c| c.display_name.as_ref()).map(|n| n.expose()), Some("Bob Baker"));
        // And the key store file keeps no copy of the destroyed key.
        let keystore = std::fs::read(app.database().data_dir().join("keystore.db")).unwrap();
        let wrapped = wrapped.unwrap_or_default();
        assert!(!keystore.windows(wrapped.len()).any(|w| w == wrapped.as_bytes()), "no trace in the key store file");
    }
    let body = read(app, &alice).await;
    assert_eq!(error_codes(&body), ["INTERNAL"], "Alice's data is unreadable in the live database too");
    assert_eq!(read(app, &bob).await["data"]["customer"]["displayName"], "Bob Baker");
}

/// The wrapped key of a customer as the key store holds it.
async fn keystore_text(app: &TestApp, owner: &str) -> Option<String> {
    let keys = customers::store::keystore::KeyStore::open(
        &app.database().keystore_url(),
        customers::store::keystore::KeyRing::with_new(&master(), None),
    )
    .await
    .expect("open the key store")
    .0;
    keys.wrapped_of(owner).await.expect("read the key store")
}

fn master() -> customers::store::MasterKey {
    customers::store::MasterKey::from_base64(TEST_MASTER_KEY).unwrap()
}

on_both_databases!(
    a_ciphertext_swapped_between_rows_fails_loudly,
    a_backup_taken_before_a_key_is_destroyed_no_longer_decrypts_that_customer,
);
