//! Migrating a database in place to envelope encryption: every value sealed the old way
//! (`v1:`, one key derived from the master key, no associated data) and every free text
//! stored in clear is sealed again under its customer's data key, bound to its row.
//!
//! In batches (each one transaction), resumable and safe to re-run: a batch picks rows
//! still in the old form, and each update applies only if the row still holds the value
//! it read. Reads accept both forms meanwhile.

use super::codec::{Aad, PiiCodec};
use super::entity::{customer, customer_attribute as attr, external_ref, identity, interaction, merge, preference};
use super::error::DbContext;
use super::{StoreResult, external_refs};
use crate::domain::Pii;
use crate::domain::external_ref::ExternalRef;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

const OLD: &str = "v1:%";
const NEW: &str = "v2:%";

/// Re-seal at most `limit` values of each kind; returns how many were re-sealed (0: done).
pub async fn batch(db: &impl ConnectionTrait, codec: &PiiCodec, limit: u64) -> StoreResult<u64> {
    let mut done = 0;
    done += names(db, codec, limit).await?;
    done += identities(db, codec, limit).await?;
    done += attributes(db, codec, limit).await?;
    done += ledgers(db, codec, limit).await?;
    done += summaries(db, codec, limit).await?;
    done += consents(db, codec, limit).await?;
    done += external_ids(db, codec, limit).await?;
    Ok(done)
}

/// How many values are still in the old form (0 once the migration has finished).
pub async fn remaining(db: &impl ConnectionTrait) -> StoreResult<u64> {
    use sea_orm::PaginatorTrait as _;
    let n = customer::Entity::find()
        .filter(customer::Column::DisplayName.like(OLD))
        .count(db)
        .await
        .context("count old values")?
        + identity::Entity::find()
            .filter(identity::Column::Value.like(OLD))
            .count(db)
            .await
            .context("count old values")?
        + attr::Entity::find().filter(attr::Column::Value.like(OLD)).count(db).await.context("count old values")?
        + merge::Entity::find().filter(merge::Column::Ledger.like(OLD)).count(db).await.context("count old values")?
        + interaction::Entity::find()
            .filter(interaction::Column::Summary.is_not_null())
            .filter(interaction::Column::Summary.not_like(NEW))
            .count(db)
            .await
            .context("count old values")?
        + preference::Entity::find()
            .filter(preference::Column::Consents.not_like(NEW))
            .count(db)
            .await
            .context("count old values")?
        + external_ref::Entity::find()
            .filter(external_ref::Column::ExternalKey.is_null())
            .count(db)
            .await
            .context("count old values")?;
    Ok(n)
}

async fn legacy(codec: &PiiCodec, stored: &str) -> StoreResult<Pii> {
    codec.open_legacy(stored).context("open a value sealed the old way")
}

async fn names(db: &impl ConnectionTrait, codec: &PiiCodec, limit: u64) -> StoreResult<u64> {
    let rows = customer::Entity::find()
        .filter(customer::Column::DisplayName.like(OLD))
        .limit(limit)
        .all(db)
        .await
        .context("find old display names")?;
    for m in &rows {
        let Some(old) = &m.display_name else { continue };
        let sealed = codec.seal(&m.id, Aad::display_name(&m.id), &legacy(codec, old).await?).await.context("seal")?;
        customer::Entity::update_many()
            .col_expr(customer::Column::DisplayName, Expr::value(sealed))
            .filter(customer::Column::Id.eq(m.id.as_str()))
            .filter(customer::Column::DisplayName.eq(old.as_str()))
            .exec(db)
            .await
            .context("re-seal a display name")?;
    }
    Ok(rows.len() as u64)
}

async fn identities(db: &impl ConnectionTrait, codec: &PiiCodec, limit: u64) -> StoreResult<u64> {
    let rows = identity::Entity::find()
        .filter(identity::Column::Value.like(OLD))
        .limit(limit)
        .all(db)
        .await
        .context("find old identity values")?;
    for m in &rows {
        let aad = Aad::identity(&m.id, &m.lookup_key);
        let sealed = codec.seal(&m.customer_id, aad, &legacy(codec, &m.value).await?).await.context("seal")?;
        identity::Entity::update_many()
            .col_expr(identity::Column::Value, Expr::value(sealed))
            .filter(identity::Column::Id.eq(m.id.as_str()))
            .filter(identity::Column::Value.eq(m.value.as_str()))
            .exec(db)
            .await
            .context("re-seal an identity value")?;
    }
    Ok(rows.len() as u64)
}

async fn attributes(db: &impl ConnectionTrait, codec: &PiiCodec, limit: u64) -> StoreResult<u64> {
    let rows = attr::Entity::find()
        .filter(attr::Column::Value.like(OLD))
        .limit(limit)
        .all(db)
        .await
        .context("find old attributes")?;
    for m in &rows {
        let aad = Aad::attribute(&m.customer_id, &m.key);
        let sealed = codec.seal(&m.customer_id, aad, &legacy(codec, &m.value).await?).await.context("seal")?;
        attr::Entity::update_many()
            .col_expr(attr::Column::Value, Expr::value(sealed))
            .filter(attr::Column::CustomerId.eq(m.customer_id.as_str()))
            .filter(attr::Column::Key.eq(m.key.as_str()))
            .filter(attr::Column::Value.eq(m.value.as_str()))
            .exec(db)
            .await
            .context("re-seal an attribute value")?;
    }
    Ok(rows.len() as u64)
}

/// A ledger is re-sealed whole; the rows inside keep the form they had when the merge was
/// made (they go back to their tables as they were on an unmerge, and are read as such).
async fn ledgers(db: &impl ConnectionTrait, codec: &PiiCodec, limit: u64) -> StoreResult<u64> {
    let rows = merge::Entity::find()
        .filter(merge::Column::Ledger.like(OLD))
        .limit(limit)
        .all(db)
        .await
        .context("find old ledgers")?;
    for m in &rows {
        let sealed =
            codec.seal(&m.survivor_id, Aad::ledger(&m.id), &legacy(codec, &m.ledger).await?).await.context("seal")?;
        merge::Entity::update_many()
            .col_expr(merge::Column::Ledger, Expr::value(sealed))
            .filter(merge::Column::Id.eq(m.id.as_str()))
            .filter(merge::Column::Ledger.eq(m.ledger.as_str()))
            .exec(db)
            .await
            .context("re-seal a ledger")?;
    }
    Ok(rows.len() as u64)
}

async fn summaries(db: &impl ConnectionTrait, codec: &PiiCodec, limit: u64) -> StoreResult<u64> {
    let rows = interaction::Entity::find()
        .filter(interaction::Column::Summary.is_not_null())
        .filter(interaction::Column::Summary.not_like(NEW))
        .limit(limit)
        .all(db)
        .await
        .context("find summaries in clear")?;
    for m in &rows {
        let Some(plain) = &m.summary else { continue };
        let sealed = super::interactions::seal_summary(codec, &m.customer_id, &m.id, Some(plain)).await?;
        interaction::Entity::update_many()
            .col_expr(interaction::Column::Summary, Expr::value(sealed))
            .filter(interaction::Column::Id.eq(m.id.as_str()))
            .filter(interaction::Column::Summary.eq(plain.as_str()))
            .exec(db)
            .await
            .context("seal a summary")?;
    }
    Ok(rows.len() as u64)
}

async fn consents(db: &impl ConnectionTrait, codec: &PiiCodec, limit: u64) -> StoreResult<u64> {
    let rows = preference::Entity::find()
        .filter(preference::Column::Consents.not_like(NEW))
        .limit(limit)
        .all(db)
        .await
        .context("find consents in clear")?;
    for m in &rows {
        let aad = Aad::consents(&m.customer_id);
        let sealed = codec.seal(&m.customer_id, aad, &Pii::new(m.consents.as_str())).await.context("seal")?;
        preference::Entity::update_many()
            .col_expr(preference::Column::Consents, Expr::value(sealed))
            .filter(preference::Column::CustomerId.eq(m.customer_id.as_str()))
            .filter(preference::Column::Consents.eq(m.consents.as_str()))
            .exec(db)
            .await
            .context("seal consents")?;
    }
    Ok(rows.len() as u64)
}

async fn external_ids(db: &impl ConnectionTrait, codec: &PiiCodec, limit: u64) -> StoreResult<u64> {
    let rows = external_ref::Entity::find()
        .filter(external_ref::Column::ExternalKey.is_null())
        .limit(limit)
        .all(db)
        .await
        .context("find external ids in clear")?;
    for m in &rows {
        let r = ExternalRef { system: m.system.clone(), external_id: m.external_id.clone() };
        let key = external_refs::key_of(codec, &r);
        let aad = Aad::external_id(&m.id, &key);
        let sealed = codec.seal(&m.customer_id, aad, &Pii::new(m.external_id.as_str())).await.context("seal")?;
        external_ref::Entity::update_many()
            .col_expr(external_ref::Column::ExternalId, Expr::value(sealed))
            .col_expr(external_ref::Column::ExternalKey, Expr::value(key))
            .filter(external_ref::Column::Id.eq(m.id.as_str()))
            .filter(external_ref::Column::ExternalKey.is_null())
            .exec(db)
            .await
            .context("seal an external id")?;
    }
    Ok(rows.len() as u64)
}
