//! Channel identities of customers. Identifiers are stored sealed; lookups compare the
//! blind index (`lookup_key`) the codec derives from (channel, normalised value).

use super::codec::Aad;
use super::entity::{customer, identity};
use super::error::DbContext;
use super::{PiiCodec, StoreError, StoreResult, now};
use crate::domain::Channel;
use crate::domain::customer::Customer;
use crate::domain::enums::CustomerStatus;
use crate::domain::id::{CustomerId, IdentityId};
use crate::domain::identity::{Identity, IdentitySpec};
use anyhow::anyhow;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;

pub(crate) async fn decode(codec: &PiiCodec, m: identity::Model) -> StoreResult<Identity> {
    let channel = m.channel.parse::<Channel>().map_err(|_| anyhow!("unknown channel in identity row"));
    let value = codec.open(Aad::identity(&m.id, &m.lookup_key), &m.value).await.context("open an identity value")?;
    Ok(Identity {
        spec: IdentitySpec {
            channel: channel.context("decode an identity")?,
            value,
            provider: m.provider,
            verified: m.verified,
            primary: m.is_primary,
            shared: m.shared,
        },
        id: IdentityId::from_stored(m.id),
        customer_id: CustomerId::from_stored(m.customer_id),
        created_at: m.created_at,
    })
}

/// Identities of each customer: primary first, then oldest first.
pub async fn by_customers(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_ids: &[CustomerId],
) -> StoreResult<HashMap<CustomerId, Vec<Identity>>> {
    let select = identity::Entity::find()
        .filter(identity::Column::CustomerId.is_in(customer_ids.iter().map(|id| id.as_str().to_owned())))
        .order_by_desc(identity::Column::IsPrimary)
        .order_by_asc(identity::Column::CreatedAt)
        .order_by_asc(identity::Column::Id);
    let rows = super::positional::select(db, select).await.context("load the identities of customers")?;
    codec.prefetch(rows.iter().map(|m| m.value.as_str())).await.context("load data keys")?;
    let mut out: HashMap<CustomerId, Vec<Identity>> = HashMap::new();
    for m in rows {
        let r = decode(codec, m).await?;
        out.entry(r.customer_id.clone()).or_default().push(r);
    }
    Ok(out)
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    ids: &[IdentityId],
) -> StoreResult<HashMap<IdentityId, Identity>> {
    let rows = identity::Entity::find()
        .filter(identity::Column::Id.is_in(ids.iter().map(|id| id.as_str().to_owned())))
        .all(db)
        .await
        .context("load identities")?;
    codec.prefetch(rows.iter().map(|m| m.value.as_str())).await.context("load data keys")?;
    let mut out = HashMap::with_capacity(rows.len());
    for m in rows {
        let r = decode(codec, m).await?;
        out.insert(r.id.clone(), r);
    }
    Ok(out)
}

pub async fn get(db: &impl ConnectionTrait, codec: &PiiCodec, id: &IdentityId) -> StoreResult<Option<Identity>> {
    Ok(by_ids(db, codec, std::slice::from_ref(id)).await?.remove(id))
}

/// How many identities a customer holds.
pub async fn count_of(db: &impl ConnectionTrait, customer_id: &CustomerId) -> StoreResult<u64> {
    use sea_orm::PaginatorTrait as _;
    identity::Entity::find()
        .filter(identity::Column::CustomerId.eq(customer_id.as_str()))
        .count(db)
        .await
        .context("count the identities of a customer")
}

/// Add an identity to a customer. One the customer already holds is a
/// `Duplicate(IdentityPerCustomer)`; another customer holding the same identifier is
/// allowed (a shared family phone): identification reports it as ambiguous.
/// `anonymous`: the identity of a profile created by identification; its lookup key is
/// then also written to the unique `anonymous_key`, so that a concurrent resolve of the
/// same identifier fails to insert a second one (`Duplicate(AnonymousIdentity)`).
pub async fn insert(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_id: &CustomerId,
    new: &IdentitySpec,
    anonymous: bool,
) -> StoreResult<IdentityId> {
    insert_as(db, codec, customer_id, new, anonymous, None).await
}

/// [`insert`], with the id `wanted` when it is given and no identity has it (an imported
/// profile's identity keeps the id it was exported with); else a new one.
pub async fn insert_as(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_id: &CustomerId,
    new: &IdentitySpec,
    anonymous: bool,
    wanted: Option<&IdentityId>,
) -> StoreResult<IdentityId> {
    let lookup_key = codec.lookup_key(new.channel, &new.value);
    let existing = identity::Entity::find()
        .filter(identity::Column::CustomerId.eq(customer_id.as_str()))
        .filter(identity::Column::LookupKey.eq(lookup_key.as_str()))
        .one(db)
        .await
        .context("look for an identity the customer holds")?;
    if existing.is_some() {
        return Err(StoreError::Duplicate(super::Constraint::IdentityPerCustomer));
    }
    if new.primary {
        clear_primary(db, customer_id, new.channel).await?;
    }
    let id = match wanted {
        Some(id)
            if identity::Entity::find_by_id(id.as_str()).one(db).await.context("look up an identity id")?.is_none() =>
        {
            id.clone()
        }
        _ => IdentityId::generate(),
    };
    identity::ActiveModel {
        id: Set(id.as_str().to_owned()),
        customer_id: Set(customer_id.as_str().to_owned()),
        channel: Set(new.channel.as_str().to_owned()),
        provider: Set(new.provider.clone()),
        value: Set(codec
            .seal(customer_id.as_str(), Aad::identity(id.as_str(), &lookup_key), &new.value)
            .await
            .context("seal an identity value")?),
        lookup_key: Set(lookup_key.clone()),
        verified: Set(new.verified),
        is_primary: Set(new.primary),
        shared: Set(new.shared),
        anonymous_key: Set(anonymous.then(|| lookup_key.clone())),
        created_at: Set(now()),
    }
    .insert(db)
    .await
    .context("insert an identity")?;
    Ok(id)
}

/// At most one primary identity per channel and customer.
async fn clear_primary(db: &impl ConnectionTrait, customer_id: &CustomerId, channel: Channel) -> StoreResult<()> {
    identity::Entity::update_many()
        .col_expr(identity::Column::IsPrimary, Expr::value(false))
        .filter(identity::Column::CustomerId.eq(customer_id.as_str()))
        .filter(identity::Column::Channel.eq(channel.as_str()))
        .exec(db)
        .await
        .context("clear the primary identity of a channel")?;
    Ok(())
}

pub async fn delete(db: &impl ConnectionTrait, id: &IdentityId) -> StoreResult<()> {
    identity::Entity::delete_by_id(id.as_str()).exec(db).await.context("delete an identity")?;
    Ok(())
}

/// Every identity with one of these lookup keys, with its (not merged) customer: one statement.
pub async fn holders(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    lookup_keys: &[String],
) -> StoreResult<Vec<(Identity, Customer)>> {
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
        .filter(customer::Column::Status.ne(CustomerStatus::Merged.as_str()))
        .order_by_asc(customer::Column::Id)
        .all(db)
        .await
        .context("find the holders of an identifier")?;
    let sealed = rows
        .iter()
        .flat_map(|(i, c)| std::iter::once(i.value.as_str()).chain(c.as_ref().and_then(|c| c.display_name.as_deref())));
    codec.prefetch(sealed).await.context("load data keys")?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, c) in rows {
        if let Some(c) = c {
            out.push((decode(codec, i).await?, super::customers::decode(codec, c).await?));
        }
    }
    Ok(out)
}

/// Mark an identity shared (or not).
pub async fn set_shared(db: &impl ConnectionTrait, id: &IdentityId, shared: bool) -> StoreResult<()> {
    identity::Entity::update_many()
        .col_expr(identity::Column::Shared, Expr::value(shared))
        .filter(identity::Column::Id.eq(id.as_str()))
        .exec(db)
        .await
        .context("mark an identity shared")?;
    Ok(())
}
