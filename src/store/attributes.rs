//! Attribute definitions and customers' attribute values. PII-marked values are stored
//! sealed; the others as canonical JSON text (what filters compare).

use super::codec::{Aad, is_legacy, is_sealed};
use super::entity::{attribute_definition as def, customer_attribute as attr};
use super::error::DbContext;
use super::ledger::AttributeRow;
use super::{PiiCodec, StoreResult, now};
use crate::domain::Pii;
use crate::domain::attribute::{Attribute, AttributeDefinition, AttributeValue, CheckedChange};
use crate::domain::enums::AttributeType;
use crate::domain::id::CustomerId;
use anyhow::anyhow;
use sea_orm::sea_query::{Expr, Func, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;

fn decode_def(m: def::Model) -> StoreResult<AttributeDefinition> {
    let attr_type = AttributeType::parse(&m.attr_type).ok_or_else(|| anyhow!("unknown attribute type in row"));
    Ok(AttributeDefinition {
        attr_type: attr_type.context("decode an attribute definition")?,
        enum_values: m.enum_values.map(|v| serde_json::from_str(&v)).transpose().context("decode enum values")?,
        key: m.key,
        label: m.label,
        pii: m.pii,
        required: m.required,
        searchable: m.searchable,
    })
}

pub async fn definitions(db: &impl ConnectionTrait) -> StoreResult<Vec<AttributeDefinition>> {
    let rows =
        def::Entity::find().order_by_asc(def::Column::Key).all(db).await.context("load attribute definitions")?;
    rows.into_iter().map(decode_def).collect()
}

pub async fn definition(db: &impl ConnectionTrait, key: &str) -> StoreResult<Option<AttributeDefinition>> {
    def::Entity::find_by_id(key).one(db).await.context("load an attribute definition")?.map(decode_def).transpose()
}

/// The definition whose key equals `key` but for case (keys are unique regardless of case:
/// `ux_attribute_definitions_key_lower`, which this look-up uses).
pub async fn definition_ignoring_case(
    db: &impl ConnectionTrait,
    key: &str,
) -> StoreResult<Option<AttributeDefinition>> {
    let lower = Expr::expr(Func::lower(Expr::col(def::Column::Key)));
    def::Entity::find()
        .filter(lower.eq(key.to_ascii_lowercase()))
        .one(db)
        .await
        .context("load an attribute definition")?
        .map(decode_def)
        .transpose()
}

pub async fn save_definition(db: &impl ConnectionTrait, d: &AttributeDefinition) -> StoreResult<()> {
    let at = now();
    let enum_values = d.enum_values.as_ref().map(serde_json::to_string).transpose().context("encode enum values")?;
    let row = def::ActiveModel {
        key: Set(d.key.clone()),
        label: Set(d.label.clone()),
        attr_type: Set(d.attr_type.as_str().to_owned()),
        pii: Set(d.pii),
        required: Set(d.required),
        enum_values: Set(enum_values),
        searchable: Set(d.searchable),
        created_at: Set(at),
        updated_at: Set(at),
    };
    def::Entity::insert(row)
        .on_conflict(
            OnConflict::column(def::Column::Key)
                .update_columns([
                    def::Column::Label,
                    def::Column::AttrType,
                    def::Column::Pii,
                    def::Column::Required,
                    def::Column::EnumValues,
                    def::Column::Searchable,
                    def::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await
        .context("save an attribute definition")?;
    Ok(())
}

/// The stored text of a value in clear (opened when sealed).
pub(crate) async fn plain_text(codec: &PiiCodec, m: &attr::Model) -> StoreResult<String> {
    if is_sealed(&m.value) {
        let aad = Aad::attribute(&m.customer_id, &m.key);
        Ok(codec.open(aad, &m.value).await.context("open an attribute value")?.expose().to_owned())
    } else {
        Ok(m.value.clone())
    }
}

/// Every stored value of one attribute, decoded (to re-check them when a definition changes).
pub async fn values_of(db: &impl ConnectionTrait, codec: &PiiCodec, key: &str) -> StoreResult<Vec<serde_json::Value>> {
    let rows = attr::Entity::find().filter(attr::Column::Key.eq(key)).all(db).await.context("load attribute values")?;
    codec.prefetch(rows.iter().map(|m| m.value.as_str())).await.context("load data keys")?;
    let mut out = Vec::with_capacity(rows.len());
    for m in &rows {
        out.push(serde_json::from_str(&plain_text(codec, m).await?).context("decode an attribute value")?);
    }
    Ok(out)
}

/// Attribute values of each customer with their definitions' PII flag, in one statement.
pub async fn by_customers(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_ids: &[CustomerId],
) -> StoreResult<HashMap<CustomerId, Vec<Attribute>>> {
    let select = attr::Entity::find()
        .filter(attr::Column::CustomerId.is_in(customer_ids.iter().map(|id| id.as_str().to_owned())))
        .select_also(def::Entity)
        .join(
            JoinType::InnerJoin,
            attr::Entity::belongs_to(def::Entity).from(attr::Column::Key).to(def::Column::Key).into(),
        )
        .order_by_asc(attr::Column::Key);
    let rows = super::positional::select_two(db, select).await.context("load the attributes of customers")?;
    codec.prefetch(rows.iter().map(|(m, _)| m.value.as_str())).await.context("load data keys")?;
    let mut out: HashMap<CustomerId, Vec<Attribute>> = HashMap::new();
    for (m, d) in rows {
        let pii = d.pii;
        let value = if pii {
            AttributeValue::Pii(Pii::new(plain_text(codec, &m).await?))
        } else {
            AttributeValue::Plain(serde_json::from_str(&m.value).context("decode an attribute value")?)
        };
        out.entry(CustomerId::from_stored(m.customer_id)).or_default().push(Attribute { key: m.key, value, pii });
    }
    Ok(out)
}

/// Canonical JSON text of a value: what is stored and what filters compare.
pub fn canonical(value: &serde_json::Value) -> String {
    value.to_string()
}

/// Set (or, with `None`, remove) attribute values of one customer.
pub async fn save_values(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_id: &CustomerId,
    values: &[CheckedChange],
) -> StoreResult<()> {
    let at = now();
    for (d, value) in values {
        match value {
            None => {
                attr::Entity::delete_many()
                    .filter(attr::Column::CustomerId.eq(customer_id.as_str()))
                    .filter(attr::Column::Key.eq(d.key.as_str()))
                    .exec(db)
                    .await
                    .context("remove an attribute value")?;
            }
            Some(v) => {
                let text = canonical(v);
                let stored = if d.pii {
                    let aad = Aad::attribute(customer_id.as_str(), &d.key);
                    codec.seal(customer_id.as_str(), aad, &Pii::new(text)).await.context("seal an attribute value")?
                } else {
                    text
                };
                let row = AttributeRow {
                    customer_id: customer_id.as_str().to_owned(),
                    key: d.key.clone(),
                    value: stored,
                    updated_at: at,
                };
                put_row(db, &row).await?;
            }
        }
    }
    Ok(())
}

/// Keys of the attributes a customer has (to check required ones after a write).
pub async fn keys_of(db: &impl ConnectionTrait, customer_id: &CustomerId) -> StoreResult<Vec<String>> {
    attr::Entity::find()
        .filter(attr::Column::CustomerId.eq(customer_id.as_str()))
        .select_only()
        .column(attr::Column::Key)
        .into_tuple::<String>()
        .all(db)
        .await
        .context("load the attribute keys of a customer")
}

/// Re-store every value of one attribute after its PII flag changed (sealed under each
/// customer's key, or in clear); returns how many values were re-stored. Rows already in
/// the wanted form are left alone, so a step that was interrupted (rolled back) or is
/// run again only does what is left.
pub async fn reseal(db: &impl ConnectionTrait, codec: &PiiCodec, key: &str, is_pii: bool) -> StoreResult<u64> {
    let rows = attr::Entity::find().filter(attr::Column::Key.eq(key)).all(db).await.context("load attribute values")?;
    codec.prefetch(rows.iter().map(|m| m.value.as_str())).await.context("load data keys")?;
    let mut done = 0;
    for m in rows {
        if is_sealed(&m.value) == is_pii && !is_legacy(&m.value) {
            continue;
        }
        let plain = plain_text(codec, &m).await?;
        let stored = if is_pii {
            let aad = Aad::attribute(&m.customer_id, &m.key);
            codec.seal(&m.customer_id, aad, &Pii::new(plain)).await.context("seal an attribute value")?
        } else {
            plain
        };
        put_row(db, &AttributeRow { value: stored, ..AttributeRow::from(m) }).await?;
        done += 1;
    }
    Ok(done)
}

/// Re-seal a moved PII value for the customer it now belongs to (a merge moving it);
/// plain values are returned as they are.
pub(crate) async fn rebind(codec: &PiiCodec, row: &AttributeRow, to: &str) -> StoreResult<String> {
    if !is_sealed(&row.value) {
        return Ok(row.value.clone());
    }
    let (from, to_aad) = (Aad::attribute(&row.customer_id, &row.key), Aad::attribute(to, &row.key));
    codec.reseal(&row.value, from, to, to_aad).await.context("re-seal a moved attribute value")
}

/// The stored rows of one customer, for a merge ledger.
pub(crate) async fn rows_of(db: &impl ConnectionTrait, customer_id: &CustomerId) -> StoreResult<Vec<AttributeRow>> {
    let rows = attr::Entity::find()
        .filter(attr::Column::CustomerId.eq(customer_id.as_str()))
        .all(db)
        .await
        .context("load the attribute rows of a customer")?;
    Ok(rows.into_iter().map(AttributeRow::from).collect())
}

/// Insert or replace one stored attribute row as it is.
pub(crate) async fn put_row(db: &impl ConnectionTrait, row: &AttributeRow) -> StoreResult<()> {
    attr::Entity::insert(row.to_active())
        .on_conflict(
            OnConflict::columns([attr::Column::CustomerId, attr::Column::Key])
                .update_columns([attr::Column::Value, attr::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(db)
        .await
        .context("save an attribute value")?;
    Ok(())
}

/// Remove one customer's value of `key`; with `exact`, only if it is still that row.
pub(crate) async fn delete_row(
    db: &impl ConnectionTrait,
    customer_id: &str,
    key: &str,
    exact: Option<&AttributeRow>,
) -> StoreResult<()> {
    let mut delete =
        attr::Entity::delete_many().filter(attr::Column::CustomerId.eq(customer_id)).filter(attr::Column::Key.eq(key));
    if let Some(row) = exact {
        // A sealed value was re-sealed when it moved: its time stamp says it is the same.
        if !is_sealed(&row.value) {
            delete = delete.filter(attr::Column::Value.eq(row.value.as_str()));
        }
        delete = delete.filter(attr::Column::UpdatedAt.eq(row.updated_at));
    }
    delete.exec(db).await.context("remove an attribute value")?;
    Ok(())
}

/// Whether an attribute is (still) defined.
pub(crate) async fn is_defined(db: &impl ConnectionTrait, key: &str) -> StoreResult<bool> {
    Ok(def::Entity::find_by_id(key).one(db).await.context("look up an attribute definition")?.is_some())
}
