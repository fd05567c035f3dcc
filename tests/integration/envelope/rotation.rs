//! Master key rotation, and refusing a wrong master key.

use super::*;
use base64::Engine as _;
use customers::store::MasterKey;
use customers::store::keystore::rotate::rotate;

const NEW_KEY: [u8; 32] = [42; 32];

fn new_key_base64() -> String {
    base64::engine::general_purpose::STANDARD.encode(NEW_KEY)
}

/// Every profile reads the same: names and identity values.
async fn all_read(app: &TestApp, people: &[(String, String)]) {
    for (id, name) in people {
        let body = read(app, id).await;
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(body["data"]["customer"]["displayName"], name.as_str());
    }
}

/// A rotation stopped after two batches: servers holding both keys read everything; it
/// resumes and finishes; then the new key alone reads everything and the old one alone
/// refuses to start. The data is not touched.
async fn a_rotation_interrupted_halfway_and_resumed_keeps_every_profile_readable(app: &mut TestApp) {
    let mut people = Vec::new();
    for i in 0..5 {
        let name = format!("Person {i}");
        people.push((person(app, &name, &format!("+92300113000{i}")).await, name));
    }
    let data_before = column(app, "SELECT display_name FROM customers ORDER BY id").await;
    let url = app.database().keystore_url();
    let (old, new) = (MasterKey::from_base64(TEST_MASTER_KEY).unwrap(), MasterKey::from_bytes(NEW_KEY));

    // Servers are given the new key first (CUSTOMERS_NEW_MASTER_KEY), then the rotation runs.
    app.restart(|s| s.new_master_key = Some(customers::config::Secret::new(new_key_base64()))).await;
    let halfway = rotate(&url, &old, &new, 2, Some(2)).await.expect("two batches");
    assert_eq!((halfway.rewrapped, halfway.finished), (4, false));
    all_read(app, &people).await;
    assert!(app.try_restart(|_| {}).await.is_err(), "the old key alone is refused while the rotation is in progress");
    app.restart(|s| s.new_master_key = Some(customers::config::Secret::new(new_key_base64()))).await;
    all_read(app, &people).await;

    let rest = rotate(&url, &old, &new, 2, None).await.expect("the rest");
    assert!(rest.finished && rest.rewrapped > 0, "{rest:?}");
    app.restart(|s| s.master_key = Some(customers::config::Secret::new(new_key_base64()))).await;
    all_read(app, &people).await;
    let added = person(app, "After Rotation", "+923001139999").await;
    all_read(app, &[(added, "After Rotation".to_owned())]).await;
    assert!(app.try_restart(|_| {}).await.is_err(), "the old key alone is refused afterwards");
    assert_eq!(
        column(app, "SELECT display_name FROM customers ORDER BY id").await[..data_before.len()],
        data_before[..],
        "no sealed value was touched"
    );
}

/// A server started with another master key refuses to start, whether the key store is
/// the database's own or a new one (then the database's probe refuses it).
async fn a_wrong_master_key_refuses_to_start(app: &mut TestApp) {
    person(app, "Alice Archer", "+923001140001").await;
    let wrong = customers::config::Secret::new(new_key_base64());
    let Err(err) = app.try_restart(|s| s.master_key = Some(wrong.clone())).await else { panic!("started") };
    assert!(err.to_string().contains("master key"), "{err:#}");
    let dir = tempfile::tempdir().unwrap();
    let other = format!("sqlite://{}?mode=rwc", dir.path().join("other-keystore.db").display());
    let started = app
        .try_restart(|s| {
            s.master_key = Some(wrong);
            s.keystore_url = Some(other);
        })
        .await;
    let Err(err) = started else { panic!("the database's probe refuses it") };
    assert!(err.to_string().contains("master key"), "{err:#}");
    app.restart(|_| {}).await;
    assert_eq!(
        read(app, &person(app, "Bob Baker", "+923001140002").await).await["data"]["customer"]["displayName"],
        "Bob Baker"
    );
}

mod on_both {
    macro_rules! mutable_on_both {
        ($($name:ident),+) => {$(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let mut app = crate::common::TestApp::sqlite().await;
                    super::super::$name(&mut app).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(mut app) = crate::common::TestApp::postgres().await {
                        super::super::$name(&mut app).await;
                    }
                }
            }
        )+};
    }

    mutable_on_both!(
        a_rotation_interrupted_halfway_and_resumed_keeps_every_profile_readable,
        a_wrong_master_key_refuses_to_start
    );
}
