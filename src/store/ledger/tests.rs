//! The ledger format, and a first-release ledger undone against a real database.

use super::*;

/// A ledger as the first release wrote it (no `version` field), values sealed text.
const V1_FIXTURE: &str = include_str!("fixture-v1.json");

#[test]
fn a_first_release_ledger_still_reads() {
    let ledger: Ledger = serde_json::from_str(V1_FIXTURE).unwrap();
    assert_eq!(ledger.version, 1);
    let part = &ledger.parts[0];
    assert_eq!(part.identities_moved[0].channel, "EMAIL");
    assert_eq!(part.replaced_by.len(), 1);
    assert_eq!(
        ledger.counts(),
        MergeCounts {
            identities: 2,
            labels: 1,
            attributes: 1,
            attribute_conflicts: 1,
            external_refs: 1,
            interactions: 2,
            consents: 0,
            suppressions: 0
        }
    );
}

#[test]
fn a_ledger_round_trips_with_its_version() {
    let ledger = Ledger { version: CURRENT_VERSION, ..serde_json::from_str(V1_FIXTURE).unwrap() };
    let text = serde_json::to_string(&ledger).unwrap();
    assert!(text.starts_with(&format!(r#"{{"version":{CURRENT_VERSION},"#)));
    assert_eq!(serde_json::from_str::<Ledger>(&text).unwrap(), ledger);
}

#[test]
fn a_first_release_ledger_moved_no_outbound_records() {
    let ledger: Ledger = serde_json::from_str(V1_FIXTURE).unwrap();
    assert!(ledger.parts[0].consents_moved.is_empty() && ledger.parts[0].suppressions_moved.is_empty());
}

mod undo {
    use super::super::{AttributeRow, ExternalRefRow, Ledger};
    use super::V1_FIXTURE;
    use crate::domain::Pii;
    use crate::domain::enums::CustomerStatus;
    use crate::domain::id::{CustomerId, MergeId};
    use crate::store::entity::{
        attribute_definition, customer, customer_attribute, customer_label, external_ref, identity, interaction, label,
        merge,
    };
    use crate::store::{MasterKey, PiiCodec, Store, customers, merges, preferences};
    use chrono::Utc;
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

    const S: &str = "019acb10-0000-7000-8000-000000000001";
    const M: &str = "019acb10-0000-7000-8000-000000000002";

    async fn store(dir: &tempfile::TempDir) -> Store {
        let url = format!("sqlite://{}/ledger.db?mode=rwc", dir.path().display());
        let store =
            Store::connect(&url, PiiCodec::in_memory(&MasterKey::from_bytes([7; 32])).await.unwrap()).await.unwrap();
        store.migrate().await.unwrap();
        store
    }

    /// The rows as the first release left them after the fixture's merge: everything of M
    /// now with S, M marked MERGED, the survivor's preferences as the merge wrote them.
    async fn after_the_merge(store: &Store, ledger: &Ledger) {
        let (db, codec) = (&store.db, &store.codec);
        let (s, m) = (CustomerId::from_stored(S.into()), CustomerId::from_stored(M.into()));
        customers::insert(db, codec, &s, Some(&Pii::new("Survivor")), CustomerStatus::Active).await.unwrap();
        customers::insert(db, codec, &m, None, CustomerStatus::Anonymous).await.unwrap();
        customers::set_status(db, &m, CustomerStatus::Merged, Some(&s)).await.unwrap();
        let part = &ledger.parts[0];
        let kept = identity::ActiveModel {
            id: Set(part.replaced_by[0].1.clone()),
            customer_id: Set(S.into()),
            value: Set("v1:SURVIVOR-PHONE".into()),
            ..part.identities_dropped[0].to_active()
        };
        kept.insert(db).await.unwrap();
        let mut moved = part.identities_moved[0].to_active();
        moved.customer_id = Set(S.into());
        moved.anonymous_key = Set(None);
        moved.insert(db).await.unwrap();
        label::ActiveModel {
            id: Set(part.labels_moved[0].label_id.clone()),
            name: Set("VIP".into()),
            name_key: Set("vip".into()),
            color: Set(None),
            description: Set(None),
            source: Set("MANUAL".into()),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        }
        .insert(db)
        .await
        .unwrap();
        let mut assignment = part.labels_moved[0].to_active();
        assignment.customer_id = Set(S.into());
        assignment.insert(db).await.unwrap();
        for key in ["tier", "segment"] {
            attribute_definition::ActiveModel {
                key: Set(key.into()),
                label: Set(None),
                attr_type: Set("STRING".into()),
                pii: Set(false),
                required: Set(false),
                enum_values: Set(None),
                searchable: Set(false),
                created_at: Set(Utc::now()),
                updated_at: Set(Utc::now()),
            }
            .insert(db)
            .await
            .unwrap();
        }
        AttributeRow { customer_id: S.into(), ..part.attributes_moved[0].clone() }
            .to_active()
            .insert(db)
            .await
            .unwrap();
        let own = AttributeRow { customer_id: S.into(), value: "\"b2b\"".into(), ..part.attributes_lost[0].clone() };
        own.to_active().insert(db).await.unwrap();
        ExternalRefRow { customer_id: S.into(), ..part.external_refs_moved[0].clone() }
            .to_active()
            .insert(db)
            .await
            .unwrap();
        for id in &part.interactions_moved {
            interaction::ActiveModel {
                id: Set(id.clone()),
                customer_id: Set(S.into()),
                conversation_id: Set(Some(format!("conv-{id}"))),
                kind: Set("CONVERSATION".into()),
                channel: Set("PHONE".into()),
                direction: Set("INBOUND".into()),
                started_at: Set(Utc::now()),
                ended_at: Set(None),
                summary: Set(None),
                agent_id: Set(None),
                created_at: Set(Utc::now()),
                outcome: Set(None),
                topic: Set(None),
                sentiment: Set(None),
                idempotency_key: Set(None),
                idempotency_digest: Set(None),
            }
            .insert(db)
            .await
            .unwrap();
        }
        if let Some(after) = &ledger.survivor_preferences_after {
            preferences::put_row(db, after).await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_ledger_written_by_the_first_release_still_unmerges_row_for_row() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let (db, codec) = (&store.db, &store.codec);
        let ledger: Ledger = serde_json::from_str(V1_FIXTURE).unwrap();
        after_the_merge(&store, &ledger).await;
        let merge_id = MergeId::generate();
        merge::ActiveModel {
            id: Set(merge_id.as_str().into()),
            survivor_id: Set(S.into()),
            merged_ids: Set(format!("[\"{M}\"]")),
            merged_by: Set("agent-007".into()),
            merged_at: Set(Utc::now()),
            undone_by: Set(None),
            undone_at: Set(None),
            // Sealed the way ledgers were before envelope encryption: still read.
            ledger: Set(codec.seal_legacy(&Pii::new(V1_FIXTURE))),
        }
        .insert(db)
        .await
        .unwrap();

        let entry = merges::get(db, codec, &merge_id).await.unwrap();
        assert_eq!(entry.merge.moved, ledger.counts());
        let survivor = customers::touch(db, codec, &CustomerId::from_stored(S.into()), None).await.unwrap();
        merges::undo(db, codec, &entry, &survivor).await.unwrap();

        let m = customer::Entity::find_by_id(M).one(db).await.unwrap().unwrap();
        assert_eq!((m.status.as_str(), m.merged_into), ("ANONYMOUS", None));
        let idents = identity::Entity::find().filter(identity::Column::CustomerId.eq(M)).all(db).await.unwrap();
        let mut back: Vec<_> = idents.iter().map(|i| (i.id.as_str(), i.is_primary, i.anonymous_key.clone())).collect();
        back.sort();
        assert_eq!(
            back,
            [
                ("019acb10-0000-7000-8000-000000000011", true, Some("v1:email-lookup".to_owned())),
                ("019acb10-0000-7000-8000-000000000012", false, None)
            ],
            "the moved identity comes back as it was, the dropped one is put back"
        );
        let labels = customer_label::Entity::find().all(db).await.unwrap();
        assert_eq!(labels.iter().map(|l| l.customer_id.as_str()).collect::<Vec<_>>(), [M]);
        let mut attrs: Vec<_> = customer_attribute::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.customer_id, a.key, a.value))
            .collect();
        attrs.sort();
        let row = |c: &str, k: &str, v: &str| (c.to_owned(), k.to_owned(), v.to_owned());
        assert_eq!(
            attrs,
            [row(S, "segment", "\"b2b\""), row(M, "segment", "\"b2c\""), row(M, "tier", "\"gold\"")],
            "the survivor keeps its own value; the merged profile gets back what it brought"
        );
        let refs = external_ref::Entity::find().all(db).await.unwrap();
        assert_eq!(refs[0].customer_id, M);
        let interactions = interaction::Entity::find().filter(interaction::Column::CustomerId.eq(M)).all(db).await;
        assert_eq!(interactions.unwrap().len(), 2);
        let s = CustomerId::from_stored(S.into());
        assert_eq!(preferences::row(db, &s).await.unwrap(), None, "the survivor had no preferences before");
        let m_prefs = preferences::row(db, &CustomerId::from_stored(M.into())).await.unwrap();
        assert_eq!(m_prefs, ledger.parts[0].preferences);
    }
}
