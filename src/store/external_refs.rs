//! Links from a profile to records in CRMs and ticketing systems.

use super::codec::{Aad, is_sealed};
use super::entity::external_ref;
use super::error::DbContext;
use super::ledger::ExternalRefRow;
use super::{Constraint, PiiCodec, StoreError, StoreResult, now};
use crate::domain::Pii;
use crate::domain::external_ref::ExternalRef;
use crate::domain::id::{CustomerId, new_id};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;

/// The blind index of a CRM record's id: what lookups compare (the id itself is sealed).
pub fn key_of(codec: &PiiCodec, r: &ExternalRef) -> String {
    codec.blind_index(&format!("external:{}", r.system), &r.external_id)
}

/// The external id in clear: sealed, or in clear on a row not re-sealed yet.
async fn external_id(codec: &PiiCodec, m: &external_ref::Model) -> StoreResult<String> {
    match &m.external_key {
        Some(key) if is_sealed(&m.external_id) => {
            let aad = Aad::external_id(&m.id, key);
            Ok(codec.open(aad, &m.external_id).await.context("open an external id")?.expose().to_owned())
        }
        _ => Ok(m.external_id.clone()),
    }
}

pub async fn by_customers(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_ids: &[CustomerId],
) -> StoreResult<HashMap<CustomerId, Vec<ExternalRef>>> {
    let select = external_ref::Entity::find()
        .filter(external_ref::Column::CustomerId.is_in(customer_ids.iter().map(|id| id.as_str().to_owned())));
    let rows = super::positional::select(db, select).await.context("load the external refs of customers")?;
    codec.prefetch(rows.iter().map(|m| m.external_id.as_str())).await.context("load data keys")?;
    let mut out: HashMap<CustomerId, Vec<ExternalRef>> = HashMap::new();
    for m in rows {
        let external_id = external_id(codec, &m).await?;
        out.entry(CustomerId::from_stored(m.customer_id))
            .or_default()
            .push(ExternalRef { system: m.system, external_id });
    }
    for refs in out.values_mut() {
        refs.sort_by(|a, b| (&a.system, &a.external_id).cmp(&(&b.system, &b.external_id)));
    }
    Ok(out)
}

/// The customer a CRM record is linked to, if any: one indexed statement on the blind
/// index (or, for a row not re-sealed yet, on the id in clear).
pub async fn owner(db: &impl ConnectionTrait, codec: &PiiCodec, r: &ExternalRef) -> StoreResult<Option<CustomerId>> {
    use sea_orm::Condition;
    let legacy = Condition::all()
        .add(external_ref::Column::ExternalKey.is_null())
        .add(external_ref::Column::ExternalId.eq(r.external_id.as_str()));
    Ok(external_ref::Entity::find()
        .filter(external_ref::Column::System.eq(r.system.as_str()))
        .filter(Condition::any().add(external_ref::Column::ExternalKey.eq(key_of(codec, r))).add(legacy))
        .one(db)
        .await
        .context("find the owner of an external record")?
        .map(|m| CustomerId::from_stored(m.customer_id)))
}

/// Link a CRM record to a customer (already linked to it: nothing to do). A record is
/// linked to one profile at most: linked elsewhere is `Duplicate(ExternalRef)`, whether
/// seen first or lost in a race.
pub async fn insert(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_id: &CustomerId,
    r: &ExternalRef,
) -> StoreResult<()> {
    match owner(db, codec, r).await? {
        Some(owner) if &owner == customer_id => return Ok(()),
        Some(_) => return Err(StoreError::Duplicate(Constraint::ExternalRef)),
        None => {}
    }
    let (id, key) = (new_id(), key_of(codec, r));
    let sealed = codec
        .seal(customer_id.as_str(), Aad::external_id(&id, &key), &Pii::new(r.external_id.as_str()))
        .await
        .context("seal an external id")?;
    external_ref::ActiveModel {
        id: Set(id),
        customer_id: Set(customer_id.as_str().to_owned()),
        system: Set(r.system.clone()),
        external_id: Set(sealed),
        external_key: Set(Some(key)),
        created_at: Set(now()),
    }
    .insert(db)
    .await
    .context("link an external record")?;
    Ok(())
}

/// Move every link of `from` to `to`; returns the rows as they were.
pub(crate) async fn move_all(
    db: &impl ConnectionTrait,
    from: &CustomerId,
    to: &CustomerId,
) -> StoreResult<Vec<ExternalRefRow>> {
    let rows = external_ref::Entity::find()
        .filter(external_ref::Column::CustomerId.eq(from.as_str()))
        .all(db)
        .await
        .context("load the external refs of a customer")?;
    external_ref::Entity::update_many()
        .col_expr(external_ref::Column::CustomerId, Expr::value(to.as_str()))
        .filter(external_ref::Column::CustomerId.eq(from.as_str()))
        .exec(db)
        .await
        .context("move external refs")?;
    Ok(rows.into_iter().map(ExternalRefRow::from).collect())
}

/// Move one link back to `to`, if it is still with `from`.
pub(crate) async fn move_back(
    db: &impl ConnectionTrait,
    row: &ExternalRefRow,
    from: &str,
    to: &str,
) -> StoreResult<()> {
    external_ref::Entity::update_many()
        .col_expr(external_ref::Column::CustomerId, Expr::value(to))
        .filter(external_ref::Column::Id.eq(row.id.as_str()))
        .filter(external_ref::Column::CustomerId.eq(from))
        .exec(db)
        .await
        .context("move an external ref back")?;
    Ok(())
}

/// The owners of these records (bulk import), one statement per thousand. Only links with
/// a blind index are seen: check [`has_unindexed`] first.
pub async fn owners(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    refs: &[&ExternalRef],
) -> StoreResult<HashMap<ExternalRef, CustomerId>> {
    let keyed: Vec<(String, &ExternalRef)> = refs.iter().map(|r| (key_of(codec, r), *r)).collect();
    let mut out = HashMap::new();
    for chunk in keyed.chunks(1000) {
        let rows = external_ref::Entity::find()
            .filter(external_ref::Column::ExternalKey.is_in(chunk.iter().map(|(k, _)| k.clone())))
            .all(db)
            .await
            .context("find the owners of external records")?;
        for m in rows {
            let found = chunk.iter().find(|(k, r)| Some(k) == m.external_key.as_ref() && r.system == m.system);
            if let Some((_, r)) = found {
                out.insert((*r).clone(), CustomerId::from_stored(m.customer_id));
            }
        }
    }
    Ok(out)
}

/// Whether some link was written before envelope encryption and not re-sealed yet (no
/// blind index: [`owners`] would not see it).
pub async fn has_unindexed(db: &impl ConnectionTrait) -> StoreResult<bool> {
    let row = external_ref::Entity::find()
        .filter(external_ref::Column::ExternalKey.is_null())
        .one(db)
        .await
        .context("look for links without a blind index")?;
    Ok(row.is_some())
}
