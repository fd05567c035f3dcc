use super::rotate::rotate;
use crate::domain::Pii;
use crate::store::codec::{Aad, MasterKey, PiiCodec};

const OWNERS: [&str; 3] = ["c-1", "c-2", "c-3"];

async fn codec(url: &str, master: &MasterKey, new: Option<&MasterKey>) -> anyhow::Result<PiiCodec> {
    let codec = PiiCodec::open_keystore(url, master, new).await?;
    codec.register_if_new().await?;
    Ok(codec)
}

#[tokio::test]
async fn a_rotation_interrupted_halfway_and_resumed_keeps_every_key_readable() {
    let dir = tempfile::tempdir().unwrap();
    let url = super::default_url(dir.path());
    let (old, new) = (MasterKey::from_bytes([1; 32]), MasterKey::from_bytes([2; 32]));
    let first = codec(&url, &old, None).await.unwrap();
    let mut sealed = Vec::new();
    for owner in OWNERS {
        sealed.push(first.seal(owner, Aad::display_name(owner), &Pii::new(owner)).await.unwrap());
    }
    let audit = first.audit_mac(b"entry");

    // Six keys (three customers, three system keys): one batch of two, then stop.
    let halfway = rotate(&url, &old, &new, 2, Some(1)).await.unwrap();
    assert_eq!((halfway.rewrapped, halfway.finished), (2, false));
    assert!(codec(&url, &old, None).await.is_err(), "during the rotation the new key is needed too");
    assert!(codec(&url, &new, None).await.is_err(), "and the old one");
    let both = codec(&url, &old, Some(&new)).await.unwrap();
    for (owner, value) in OWNERS.iter().zip(&sealed) {
        assert_eq!(both.open(Aad::display_name(owner), value).await.unwrap().expose(), *owner);
    }

    let wrong = MasterKey::from_bytes([3; 32]);
    assert!(rotate(&url, &wrong, &new, 2, None).await.is_err(), "a wrong old key refuses to start");
    let rest = rotate(&url, &old, &new, 2, None).await.unwrap();
    assert_eq!((rest.rewrapped, rest.finished), (4, true));
    assert!(rotate(&url, &old, &new, 2, None).await.unwrap().finished, "re-running is harmless");

    assert!(codec(&url, &old, None).await.is_err(), "the old key alone is refused afterwards");
    let after = codec(&url, &new, None).await.unwrap();
    for (owner, value) in OWNERS.iter().zip(&sealed) {
        assert_eq!(after.open(Aad::display_name(owner), value).await.unwrap().expose(), *owner);
    }
    assert_eq!(after.audit_mac(b"entry"), audit, "the audit chain key survives the rotation");
}
