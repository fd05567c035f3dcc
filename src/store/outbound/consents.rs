//! `consent_records`: appended, never changed but for their owner (a merge moves them to the
//! survivor, an unmerge back) and, on erasure, their proof (blanked); the proof is sealed
//! under the data key of the customer that gave it.

use super::super::codec::Aad;
use super::super::entity::consent_record as row;
use super::super::error::DbContext;
use super::super::ledger::ConsentRow;
use super::super::{PiiCodec, StoreResult};
use crate::domain::contactability::consent::{ConsentProof, ConsentRecord};
use crate::domain::enums::ConsentStatus;
use crate::domain::id::{CustomerId, IdentityId};
use crate::domain::{Channel, Pii};
use anyhow::anyhow;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// The proof column of a record whose person was erased: nothing.
const ERASED_PROOF: &str = "";

/// Ids per `IN (…)` list.
const CHUNK: usize = 1000;

async fn decode(codec: &PiiCodec, m: row::Model) -> StoreResult<ConsentRecord> {
    let proof = if m.proof == ERASED_PROOF {
        ConsentProof::default()
    } else {
        let proof = codec.open(Aad::consent_proof(&m.id), &m.proof).await.context("open a consent proof")?;
        serde_json::from_str(proof.expose()).context("decode a consent proof")?
    };
    let channel = m.channel.parse::<Channel>().map_err(|_| anyhow!("unknown channel in a consent record"));
    let status = ConsentStatus::parse(&m.status).ok_or_else(|| anyhow!("unknown status in a consent record"));
    Ok(ConsentRecord {
        customer_id: CustomerId::from_stored(m.customer_id),
        channel: channel.context("decode a consent record")?,
        identity_id: m.identity_id.map(IdentityId::from_stored),
        purpose: m.purpose,
        status: status.context("decode a consent record")?,
        proof,
        principal: m.principal,
        given_at: m.given_at,
        expires_at: m.expires_at,
        recorded_at: m.recorded_at,
        id: m.id,
    })
}

/// Append a consent record.
pub async fn append(db: &impl ConnectionTrait, codec: &PiiCodec, r: &ConsentRecord) -> StoreResult<()> {
    let proof = serde_json::to_string(&r.proof).context("encode a consent proof")?;
    let owner = r.customer_id.as_str();
    let proof = codec.seal(owner, Aad::consent_proof(&r.id), &Pii::new(proof)).await.context("seal a consent proof")?;
    row::Entity::insert(row::ActiveModel {
        id: Set(r.id.clone()),
        customer_id: Set(owner.to_owned()),
        channel: Set(r.channel.as_str().to_owned()),
        identity_id: Set(r.identity_id.as_ref().map(|i| i.as_str().to_owned())),
        purpose: Set(r.purpose.clone()),
        status: Set(r.status.as_str().to_owned()),
        proof: Set(proof),
        principal: Set(r.principal.clone()),
        given_at: Set(r.given_at),
        expires_at: Set(r.expires_at),
        recorded_at: Set(r.recorded_at),
    })
    .exec_without_returning(db)
    .await
    .context("append a consent record")?;
    Ok(())
}

/// Every consent record of each customer, oldest first (by time given, then written).
pub async fn by_customers(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    ids: &[CustomerId],
) -> StoreResult<HashMap<CustomerId, Vec<ConsentRecord>>> {
    let rows = row::Entity::find()
        .filter(row::Column::CustomerId.is_in(ids.iter().map(|i| i.as_str().to_owned())))
        .order_by_asc(row::Column::GivenAt)
        .order_by_asc(row::Column::Id)
        .all(db)
        .await
        .context("load the consent records of customers")?;
    codec.prefetch(rows.iter().map(|m| m.proof.as_str())).await.context("load data keys")?;
    let mut out: HashMap<CustomerId, Vec<ConsentRecord>> = HashMap::new();
    for m in rows {
        let r = decode(codec, m).await?;
        out.entry(r.customer_id.clone()).or_default().push(r);
    }
    Ok(out)
}

/// Merges: move every consent record of `from` to `to`, as one statement, and make the
/// records about an identity the merge dropped name the identity that replaced it
/// (`replaced_by`: dropped id, kept id). Returns the rows as they were, for the ledger.
pub async fn move_all(
    db: &impl ConnectionTrait,
    from: &CustomerId,
    to: &CustomerId,
    replaced_by: &[(String, String)],
) -> StoreResult<Vec<ConsentRow>> {
    let rows: Vec<ConsentRow> = row::Entity::find()
        .filter(row::Column::CustomerId.eq(from.as_str()))
        .order_by_asc(row::Column::Id)
        .all(db)
        .await
        .context("read the consent records to move")?
        .into_iter()
        .map(ConsentRow::from)
        .collect();
    if rows.is_empty() {
        return Ok(rows);
    }
    row::Entity::update_many()
        .col_expr(row::Column::CustomerId, Expr::value(to.as_str()))
        .filter(row::Column::CustomerId.eq(from.as_str()))
        .exec(db)
        .await
        .context("move consent records")?;
    for (dropped, kept) in replaced_by {
        if rows.iter().any(|r| r.identity_id.as_deref() == Some(dropped.as_str())) {
            row::Entity::update_many()
                .col_expr(row::Column::IdentityId, Expr::value(kept.as_str()))
                .filter(row::Column::CustomerId.eq(to.as_str()))
                .filter(row::Column::IdentityId.eq(dropped.as_str()))
                .exec(db)
                .await
                .context("point moved consent records at the kept identity")?;
        }
    }
    Ok(rows)
}

/// Unmerge: put back the records a merge moved (`moved`, as they were, naming a dropped
/// identity again where the merge pointed them at the kept one), those still with
/// `survivor`; and the records `survivor` got since about identities going back with them
/// (`identities`): a consent for a number belongs to whoever holds the number. Those were
/// sealed for `survivor` and are re-sealed for `to`, so that erasing `to` shreds them too.
pub async fn move_back(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    moved: &[ConsentRow],
    replaced_by: &[(String, String)],
    identities: &[String],
    (survivor, to): (&str, &str),
) -> StoreResult<()> {
    for chunk in moved.chunks(CHUNK) {
        row::Entity::update_many()
            .col_expr(row::Column::CustomerId, Expr::value(to))
            .filter(row::Column::CustomerId.eq(survivor))
            .filter(row::Column::Id.is_in(chunk.iter().map(|r| r.id.clone())))
            .exec(db)
            .await
            .context("move consent records back")?;
    }
    // The records that named a dropped identity name it again (it is back too).
    for (dropped, kept) in replaced_by {
        let ids: Vec<String> =
            moved.iter().filter(|r| r.identity_id.as_deref() == Some(dropped.as_str())).map(|r| r.id.clone()).collect();
        for chunk in ids.chunks(CHUNK) {
            row::Entity::update_many()
                .col_expr(row::Column::IdentityId, Expr::value(dropped.as_str()))
                .filter(row::Column::CustomerId.eq(to))
                .filter(row::Column::IdentityId.eq(kept.as_str()))
                .filter(row::Column::Id.is_in(chunk.iter().cloned()))
                .exec(db)
                .await
                .context("point consent records at their identity again")?;
        }
    }
    if identities.is_empty() {
        return Ok(());
    }
    let given_since = row::Entity::find()
        .filter(row::Column::CustomerId.eq(survivor))
        .filter(row::Column::IdentityId.is_in(identities.iter().cloned()))
        .all(db)
        .await
        .context("read the consent records of identities going back")?;
    for r in given_since {
        let proof = if r.proof == ERASED_PROOF {
            r.proof
        } else {
            let aad = || Aad::consent_proof(&r.id);
            codec.reseal(&r.proof, aad(), to, aad()).await.context("re-seal a consent proof")?
        };
        row::Entity::update_many()
            .col_expr(row::Column::CustomerId, Expr::value(to))
            .col_expr(row::Column::Proof, Expr::value(proof))
            .filter(row::Column::Id.eq(r.id.as_str()))
            .exec(db)
            .await
            .context("move a consent record back with its identity")?;
    }
    Ok(())
}

/// Erasure: what the history keeps of an erased person (decision 0015). The proof (source,
/// wording, evidence reference: free text typed by people, sealed under the erased key)
/// is blanked; what stays is who recorded it, the channel, the purpose, the status and
/// the times, attached to the tombstone's id and an identity id that no longer exists.
/// Returns how many records were stripped.
pub async fn strip_proofs(db: &impl ConnectionTrait, ids: &[CustomerId]) -> StoreResult<u64> {
    let mut stripped = 0;
    for chunk in ids.chunks(CHUNK) {
        stripped += row::Entity::update_many()
            .col_expr(row::Column::Proof, Expr::value(ERASED_PROOF))
            .filter(row::Column::CustomerId.is_in(chunk.iter().map(|i| i.as_str().to_owned())))
            .exec(db)
            .await
            .context("strip the proof of consent records")?
            .rows_affected;
    }
    Ok(stripped)
}
