//! Removing an identity from the merge ledgers. A ledger keeps sealed copies of the rows a
//! merge moved or dropped, so that an unmerge can put them back; once the identity is
//! removed from its profile, those copies must go too, or an unmerge would bring the
//! identifier back (and a privacy officer would find it still stored).

use super::super::entity::merge;
use super::super::error::DbContext;
use super::super::ledger::{Ledger, PreferencesRow};
use super::super::{PiiCodec, StoreResult};
use crate::domain::Pii;
use crate::domain::id::{CustomerId, IdentityId};
use crate::store::codec::Aad;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Remove every copy of identity `removed` (of profile `owner`) from the ledgers of the
/// merges `owner` took part in, directly or through other profiles; re-seal the ledgers
/// that changed. Returns how many did.
pub async fn identity_from_ledgers(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    owner: &CustomerId,
    removed: &IdentityId,
) -> StoreResult<u64> {
    let family = super::merge_family(db, owner).await?;
    let merges: Vec<String> = super::ledgers_mentioning(db, &family).await?.into_iter().map(|(id, ..)| id).collect();
    if merges.is_empty() {
        return Ok(0);
    }
    let rows = merge::Entity::find()
        .filter(merge::Column::Id.is_in(merges))
        .all(db)
        .await
        .context("load the ledgers to scrub")?;
    let mut changed = 0;
    for row in rows {
        let text = codec.open(Aad::ledger(&row.id), &row.ledger).await.context("open a merge ledger")?;
        let mut ledger: Ledger = serde_json::from_str(text.expose()).context("decode a merge ledger")?;
        if !without_identity(&mut ledger, removed.as_str()) {
            continue;
        }
        let text = serde_json::to_string(&ledger).context("encode a merge ledger")?;
        merge::Entity::update_many()
            .col_expr(
                merge::Column::Ledger,
                Expr::value(
                    codec
                        .seal(&row.survivor_id, Aad::ledger(&row.id), &Pii::new(text))
                        .await
                        .context("re-seal a scrubbed ledger")?,
                ),
            )
            .filter(merge::Column::Id.eq(row.id.as_str()))
            .exec(db)
            .await
            .context("re-seal a scrubbed ledger")?;
        changed += 1;
    }
    Ok(changed)
}

/// Take identity `id` out of a ledger: the moved row, the rows the merge dropped because
/// the survivor already held the same identifier as `id` (copies of the same value), and
/// preferences pointing at it (as the database's `ON DELETE SET NULL` did to the live
/// row). Whether anything changed.
pub fn without_identity(ledger: &mut Ledger, id: &str) -> bool {
    let before = serde_json::to_string(ledger).unwrap_or_default();
    let unpoint = |p: &mut Option<PreferencesRow>| {
        if let Some(p) = p
            && p.preferred_identity_id.as_deref() == Some(id)
        {
            p.preferred_identity_id = None;
        }
    };
    unpoint(&mut ledger.survivor_preferences_before);
    unpoint(&mut ledger.survivor_preferences_after);
    for part in &mut ledger.parts {
        let copies: Vec<String> =
            part.replaced_by.iter().filter(|(_, kept)| kept == id).map(|(dropped, _)| dropped.clone()).collect();
        part.identities_moved.retain(|r| r.id != id);
        part.identities_dropped.retain(|r| r.id != id && !copies.contains(&r.id));
        part.replaced_by.retain(|(dropped, kept)| dropped != id && kept != id);
        unpoint(&mut part.preferences);
        for copy in &copies {
            if let Some(p) = &mut part.preferences
                && p.preferred_identity_id.as_deref() == Some(copy.as_str())
            {
                p.preferred_identity_id = None;
            }
        }
    }
    serde_json::to_string(ledger).unwrap_or_default() != before
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ledger::{IdentityRow, Part};
    use chrono::Utc;

    fn identity(id: &str, value: &str) -> IdentityRow {
        IdentityRow {
            id: id.into(),
            customer_id: "c".into(),
            channel: "EMAIL".into(),
            provider: None,
            value: value.into(),
            lookup_key: format!("key-{value}"),
            verified: false,
            is_primary: false,
            shared: false,
            anonymous_key: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_removed_identity_leaves_the_ledger_with_its_dropped_copies_and_nothing_else() {
        let mut ledger = Ledger::new();
        ledger.parts.push(Part {
            identities_moved: vec![identity("moved", "sealed-a"), identity("kept", "sealed-b")],
            identities_dropped: vec![identity("copy", "sealed-c"), identity("other-copy", "sealed-d")],
            replaced_by: vec![("copy".into(), "survivors".into()), ("other-copy".into(), "another".into())],
            ..Part::default()
        });
        let before = ledger.clone();

        assert!(without_identity(&mut ledger, "survivors"), "the dropped copy of the survivor's identity goes");
        assert!(without_identity(&mut ledger, "moved"));
        assert!(!without_identity(&mut ledger, "unknown"), "nothing to change");

        let part = &ledger.parts[0];
        assert_eq!(part.identities_moved.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["kept"]);
        assert_eq!(part.identities_dropped.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["other-copy"]);
        assert_eq!(part.replaced_by, [("other-copy".to_owned(), "another".to_owned())]);
        assert_ne!(ledger, before);
    }
}
