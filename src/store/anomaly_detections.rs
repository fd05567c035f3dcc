//! Detections: one open row per (principal, rule), held by the unique `open_key`.

use super::entity::anomaly_detection as det;
use super::error::DbContext;
use super::{StoreResult, now};
use crate::domain::anomaly::{AnomalyRule, Detection, DetectionFilter, Finding};
use crate::domain::id::new_id;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TryInsertResult,
};

fn open_key(principal: &str, rule: AnomalyRule) -> String {
    format!("{principal} {}", rule.as_str())
}

fn decode(row: det::Model) -> Option<Detection> {
    let count = |n: i64| u64::try_from(n).unwrap_or_default();
    Some(Detection {
        rule: AnomalyRule::parse(&row.rule)?,
        observed: count(row.observed),
        threshold: count(row.threshold),
        window_secs: row.window_secs,
        cleared: row.cleared_by.zip(row.cleared_at),
        id: row.id,
        principal: row.principal,
        detected_at: row.detected_at,
    })
}

/// Record `finding` unless the principal has it open already: `Some` when this call opened it.
pub async fn open(db: &impl ConnectionTrait, principal: &str, finding: &Finding) -> StoreResult<Option<Detection>> {
    let signed = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let row = det::Model {
        id: new_id(),
        principal: principal.to_owned(),
        rule: finding.rule.as_str().to_owned(),
        detected_at: now(),
        observed: signed(finding.observed),
        threshold: signed(finding.threshold),
        window_secs: finding.window_secs,
        open_key: Some(open_key(principal, finding.rule)),
        cleared_by: None,
        cleared_at: None,
    };
    let active = det::ActiveModel {
        id: Set(row.id.clone()),
        principal: Set(row.principal.clone()),
        rule: Set(row.rule.clone()),
        detected_at: Set(row.detected_at),
        observed: Set(row.observed),
        threshold: Set(row.threshold),
        window_secs: Set(row.window_secs),
        open_key: Set(row.open_key.clone()),
        cleared_by: NotSet,
        cleared_at: NotSet,
    };
    let done = det::Entity::insert(active)
        .on_conflict_do_nothing_on([det::Column::OpenKey])
        .exec_without_returning(db)
        .await
        .context("record an access anomaly")?;
    Ok(match done {
        TryInsertResult::Inserted(n) if n > 0 => decode(row),
        _ => None,
    })
}

/// The rules `principal` has open.
pub async fn open_rules(db: &impl ConnectionTrait, principal: &str) -> StoreResult<Vec<AnomalyRule>> {
    let rules: Vec<String> = det::Entity::find()
        .select_only()
        .column(det::Column::Rule)
        .filter(det::Column::Principal.eq(principal))
        .filter(det::Column::OpenKey.is_not_null())
        .into_tuple()
        .all(db)
        .await
        .context("load the open access anomalies of a principal")?;
    Ok(rules.iter().filter_map(|r| AnomalyRule::parse(r)).collect())
}

pub async fn get(db: &impl ConnectionTrait, id: &str) -> StoreResult<Option<Detection>> {
    let row = det::Entity::find_by_id(id).one(db).await.context("load an access anomaly")?;
    Ok(row.and_then(decode))
}

/// Close an open detection, saying who: `false` when it was not open.
pub async fn clear(db: &impl ConnectionTrait, id: &str, by: &str) -> StoreResult<bool> {
    let done = det::Entity::update_many()
        .col_expr(det::Column::OpenKey, Expr::value(Option::<String>::None))
        .col_expr(det::Column::ClearedBy, Expr::value(by))
        .col_expr(det::Column::ClearedAt, Expr::value(now()))
        .filter(det::Column::Id.eq(id))
        .filter(det::Column::OpenKey.is_not_null())
        .exec(db)
        .await
        .context("clear an access anomaly")?;
    Ok(done.rows_affected > 0)
}

/// Detections matching `filter`, newest first, up to `filter.limit`.
pub async fn list(db: &impl ConnectionTrait, filter: &DetectionFilter) -> StoreResult<Vec<Detection>> {
    let mut query = det::Entity::find();
    if let Some(principal) = &filter.principal {
        query = query.filter(det::Column::Principal.eq(principal.as_str()));
    }
    match filter.open {
        Some(true) => query = query.filter(det::Column::OpenKey.is_not_null()),
        Some(false) => query = query.filter(det::Column::OpenKey.is_null()),
        None => {}
    }
    if let Some(after) = &filter.after {
        query = query.filter(det::Column::Id.lt(after.as_str()));
    }
    let rows =
        query.order_by_desc(det::Column::Id).limit(filter.limit).all(db).await.context("list access anomalies")?;
    Ok(rows.into_iter().filter_map(decode).collect())
}
