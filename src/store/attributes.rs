//! Attribute definitions and customers' attribute values.

use super::entity::{attribute_definition as def, customer_attribute as attr};
use super::{AttributeDefinitionRecord, AttributeRecord, AttributeValue, Pii, PiiCodec, now};
use crate::domain::Result;
use crate::domain::attribute::AttributeDefinition;
use crate::domain::enums::AttributeType;
use anyhow::{Context as _, anyhow};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, Set};
use std::collections::HashMap;

fn decode_def(m: def::Model) -> Result<AttributeDefinitionRecord> {
    Ok(AttributeDefinitionRecord {
        attr_type: AttributeType::parse(&m.attr_type).ok_or_else(|| anyhow!("unknown attribute type in row"))?,
        enum_values: m
            .enum_values
            .map(|v| serde_json::from_str(&v))
            .transpose()
            .context("Failed to decode enum values")?,
        key: m.key,
        label: m.label,
        pii: m.pii,
        required: m.required,
    })
}

pub async fn definitions(db: &impl ConnectionTrait) -> Result<Vec<AttributeDefinitionRecord>> {
    def::Entity::find().order_by_asc(def::Column::Key).all(db).await?.into_iter().map(decode_def).collect()
}

pub async fn definition(db: &impl ConnectionTrait, key: &str) -> Result<Option<AttributeDefinitionRecord>> {
    def::Entity::find_by_id(key.to_owned()).one(db).await?.map(decode_def).transpose()
}

pub async fn save_definition(db: &impl ConnectionTrait, d: &AttributeDefinition) -> Result<()> {
    let at = now();
    let row = def::ActiveModel {
        key: Set(d.key.clone()),
        label: Set(d.label.clone()),
        attr_type: Set(d.attr_type.as_str().to_owned()),
        pii: Set(d.pii),
        required: Set(d.required),
        enum_values: Set(d
            .enum_values
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .context("Failed to encode enum values")?),
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
                    def::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Every stored value of one attribute, decoded (to re-check them when a definition changes).
pub async fn values_of(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    key: &str,
    pii: bool,
) -> Result<Vec<serde_json::Value>> {
    let rows = attr::Entity::find().filter(attr::Column::Key.eq(key)).all(db).await?;
    rows.into_iter()
        .map(|m| {
            let text = if pii { codec.open(m.value)?.expose().to_owned() } else { m.value };
            Ok(serde_json::from_str(&text).context("Failed to decode attribute value")?)
        })
        .collect()
}

/// Attribute values of each customer with their definitions' PII flag, in one statement.
pub async fn by_customers(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_ids: &[String],
) -> Result<HashMap<String, Vec<AttributeRecord>>> {
    let rows: Vec<(attr::Model, Option<def::Model>)> = attr::Entity::find()
        .filter(attr::Column::CustomerId.is_in(customer_ids.iter().cloned()))
        .select_also(def::Entity)
        .join(
            JoinType::InnerJoin,
            attr::Entity::belongs_to(def::Entity).from(attr::Column::Key).to(def::Column::Key).into(),
        )
        .order_by_asc(attr::Column::Key)
        .all(db)
        .await?;
    let mut out: HashMap<String, Vec<AttributeRecord>> = HashMap::new();
    for (m, d) in rows {
        let pii = d.is_some_and(|d| d.pii);
        let value = if pii {
            AttributeValue::Pii(codec.open(m.value)?)
        } else {
            AttributeValue::Plain(serde_json::from_str(&m.value).context("Failed to decode attribute value")?)
        };
        out.entry(m.customer_id).or_default().push(AttributeRecord { key: m.key, value, pii });
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
    customer_id: &str,
    values: &[(AttributeDefinitionRecord, Option<serde_json::Value>)],
) -> Result<()> {
    let at = now();
    for (d, value) in values {
        match value {
            None => {
                attr::Entity::delete_many()
                    .filter(attr::Column::CustomerId.eq(customer_id))
                    .filter(attr::Column::Key.eq(d.key.as_str()))
                    .exec(db)
                    .await?;
            }
            Some(v) => {
                let text = canonical(v);
                let stored = if d.pii { codec.seal(&Pii::new(text)) } else { text };
                upsert_row(
                    db,
                    attr::Model {
                        customer_id: customer_id.to_owned(),
                        key: d.key.clone(),
                        value: stored,
                        updated_at: at,
                    },
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// Keys of the attributes a customer has (to check required ones after a write).
pub async fn keys_of(db: &impl ConnectionTrait, customer_id: &str) -> Result<Vec<String>> {
    Ok(attr::Entity::find()
        .filter(attr::Column::CustomerId.eq(customer_id))
        .select_only()
        .column(attr::Column::Key)
        .into_tuple::<String>()
        .all(db)
        .await?)
}

/// Re-store every value of one attribute after its PII flag changed.
pub async fn reseal(db: &impl ConnectionTrait, codec: &PiiCodec, key: &str, was_pii: bool, is_pii: bool) -> Result<()> {
    let rows = attr::Entity::find().filter(attr::Column::Key.eq(key)).all(db).await?;
    for m in rows {
        let plain = if was_pii { codec.open(m.value.clone())?.expose().to_owned() } else { m.value.clone() };
        let stored = if is_pii { codec.seal(&Pii::new(plain)) } else { plain };
        let mut am: attr::ActiveModel = m.into();
        am.value = Set(stored);
        sea_orm::ActiveModelTrait::update(am, db).await?;
    }
    Ok(())
}

/// Insert or replace one stored attribute row as it is.
pub(crate) async fn upsert_row(db: &impl ConnectionTrait, m: attr::Model) -> Result<()> {
    attr::Entity::insert(attr::ActiveModel {
        customer_id: Set(m.customer_id),
        key: Set(m.key),
        value: Set(m.value),
        updated_at: Set(m.updated_at),
    })
    .on_conflict(
        OnConflict::columns([attr::Column::CustomerId, attr::Column::Key])
            .update_columns([attr::Column::Value, attr::Column::UpdatedAt])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}
