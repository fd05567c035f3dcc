//! `consent_records`: appended, never updated; the proof is sealed under the customer's key.

use super::super::codec::Aad;
use super::super::entity::consent_record as row;
use super::super::error::DbContext;
use super::super::{PiiCodec, StoreResult};
use crate::domain::contactability::consent::{ConsentProof, ConsentRecord};
use crate::domain::enums::ConsentStatus;
use crate::domain::id::{CustomerId, IdentityId};
use crate::domain::{Channel, Pii};
use anyhow::anyhow;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

async fn decode(codec: &PiiCodec, m: row::Model) -> StoreResult<ConsentRecord> {
    let proof = codec.open(Aad::consent_proof(&m.id), &m.proof).await.context("open a consent proof")?;
    let proof: ConsentProof = serde_json::from_str(proof.expose()).context("decode a consent proof")?;
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

/// Erasure and merges: the records of a customer go with it.
pub async fn delete_of(db: &impl ConnectionTrait, customer: &CustomerId) -> StoreResult<()> {
    row::Entity::delete_many()
        .filter(row::Column::CustomerId.eq(customer.as_str()))
        .exec(db)
        .await
        .context("delete consent records")?;
    Ok(())
}
