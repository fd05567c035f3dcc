//! Channel identities of customers.

use super::entity::identity;
use super::{IdentityRecord, Pii, PiiCodec, now};
use crate::domain::{Channel, Error, Result};
use anyhow::anyhow;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::HashMap;

/// A normalised identity ready to be stored.
#[derive(Clone, Debug)]
pub struct NewIdentity {
    pub channel: Channel,
    pub provider: Option<String>,
    pub value: Pii,
    pub verified: bool,
    pub primary: bool,
    pub shared: bool,
}

fn decode(codec: &PiiCodec, m: identity::Model) -> Result<IdentityRecord> {
    let channel = m.channel.parse::<Channel>().map_err(|_| anyhow!("unknown channel in identity row"))?;
    Ok(IdentityRecord {
        id: m.id,
        customer_id: m.customer_id,
        channel,
        provider: m.provider,
        value: codec.open(m.value)?,
        verified: m.verified,
        primary: m.is_primary,
        shared: m.shared,
        created_at: m.created_at,
    })
}

/// Identities of each customer: primary first, then oldest first.
pub async fn by_customers(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_ids: &[String],
) -> Result<HashMap<String, Vec<IdentityRecord>>> {
    let rows = identity::Entity::find()
        .filter(identity::Column::CustomerId.is_in(customer_ids.iter().cloned()))
        .order_by_desc(identity::Column::IsPrimary)
        .order_by_asc(identity::Column::CreatedAt)
        .order_by_asc(identity::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<String, Vec<IdentityRecord>> = HashMap::new();
    for m in rows {
        let r = decode(codec, m)?;
        out.entry(r.customer_id.clone()).or_default().push(r);
    }
    Ok(out)
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    ids: &[String],
) -> Result<HashMap<String, IdentityRecord>> {
    let rows = identity::Entity::find().filter(identity::Column::Id.is_in(ids.iter().cloned())).all(db).await?;
    rows.into_iter().map(|m| decode(codec, m).map(|r| (r.id.clone(), r))).collect()
}

/// Add an identity to a customer. Adding one the customer already holds is a `CONFLICT`;
/// another customer holding the same identifier is allowed (a shared family phone): the
/// identification step reports it as ambiguous.
pub async fn insert(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_id: &str,
    field: &str,
    new: &NewIdentity,
) -> Result<String> {
    insert_with(db, codec, customer_id, field, new, false).await
}

/// `anonymous`: the identity of a profile created by identification; its lookup key is
/// then also written to the unique `anonymous_key`, so a concurrent resolve of the same
/// identifier fails to insert a second one (see `service::identification`).
pub async fn insert_with(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_id: &str,
    field: &str,
    new: &NewIdentity,
    anonymous: bool,
) -> Result<String> {
    let lookup_key = codec.lookup_key(new.channel, &new.value);
    let existing = identity::Entity::find()
        .filter(identity::Column::CustomerId.eq(customer_id))
        .filter(identity::Column::LookupKey.eq(lookup_key.as_str()))
        .one(db)
        .await?;
    if existing.is_some() {
        return Err(Error::conflict(Some(field), "the customer already has this identity"));
    }
    if new.primary {
        clear_primary(db, customer_id, new.channel).await?;
    }
    let id = crate::domain::id::new_id();
    identity::ActiveModel {
        id: Set(id.clone()),
        customer_id: Set(customer_id.to_owned()),
        channel: Set(new.channel.as_str().to_owned()),
        provider: Set(new.provider.clone()),
        value: Set(codec.seal(&new.value)),
        lookup_key: Set(lookup_key.clone()),
        verified: Set(new.verified),
        is_primary: Set(new.primary),
        shared: Set(new.shared),
        anonymous_key: Set(anonymous.then(|| lookup_key.clone())),
        created_at: Set(now()),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// At most one primary identity per channel and customer.
async fn clear_primary(db: &impl ConnectionTrait, customer_id: &str, channel: Channel) -> Result<()> {
    identity::Entity::update_many()
        .col_expr(identity::Column::IsPrimary, Expr::value(false))
        .filter(identity::Column::CustomerId.eq(customer_id))
        .filter(identity::Column::Channel.eq(channel.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn delete(db: &impl ConnectionTrait, id: &str) -> Result<()> {
    identity::Entity::delete_by_id(id.to_owned()).exec(db).await?;
    Ok(())
}

/// Every identity with this lookup key, with its (not merged) customer: one statement.
pub async fn holders(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    lookup_keys: &[String],
) -> Result<Vec<(IdentityRecord, super::CustomerRecord)>> {
    use super::entity::customer;
    use sea_orm::{JoinType, QuerySelect};
    let rows: Vec<(identity::Model, Option<customer::Model>)> = identity::Entity::find()
        .filter(identity::Column::LookupKey.is_in(lookup_keys.iter().cloned()))
        .select_also(customer::Entity)
        .join(
            JoinType::InnerJoin,
            identity::Entity::belongs_to(customer::Entity)
                .from(identity::Column::CustomerId)
                .to(customer::Column::Id)
                .into(),
        )
        .filter(customer::Column::Status.ne(crate::domain::enums::CustomerStatus::Merged.as_str()))
        .order_by_asc(customer::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, c) in rows {
        if let Some(c) = c {
            out.push((decode(codec, i)?, super::customers::decode_model(codec, c)?));
        }
    }
    Ok(out)
}

/// Mark an identity shared (or not).
pub async fn set_shared(db: &impl ConnectionTrait, id: &str, shared: bool) -> Result<()> {
    identity::Entity::update_many()
        .col_expr(identity::Column::Shared, Expr::value(shared))
        .filter(identity::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The lookup key of a normalised identifier.
pub fn lookup_key(codec: &PiiCodec, channel: Channel, value: &Pii) -> String {
    codec.lookup_key(channel, value)
}
