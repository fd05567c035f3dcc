//! The retention purges of interactions and anonymous profiles. Profiles under a legal
//! hold are never touched. The audit log's purge is `store::audit::purge`.

use super::super::StoreResult;
use super::super::entity::{customer, interaction, legal_hold};
use super::super::error::DbContext;
use crate::domain::enums::CustomerStatus;
use crate::domain::id::CustomerId;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// Profiles under a legal hold (a subquery).
fn held() -> sea_orm::sea_query::SelectStatement {
    Query::select().column(legal_hold::Column::CustomerId).from(legal_hold::Entity).to_owned()
}

fn old_interactions(cutoff: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(interaction::Column::StartedAt.lt(cutoff))
        .add(interaction::Column::CustomerId.not_in_subquery(held()))
}

/// Interactions that started before `cutoff`, of profiles without a hold.
pub async fn count_interactions_before(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> StoreResult<u64> {
    interaction::Entity::find().filter(old_interactions(cutoff)).count(db).await.context("count old interactions")
}

/// Delete them; how many were.
pub async fn delete_interactions_before(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> StoreResult<u64> {
    let done = interaction::Entity::delete_many()
        .filter(old_interactions(cutoff))
        .exec(db)
        .await
        .context("purge old interactions")?;
    Ok(done.rows_affected)
}

/// Anonymous profiles without a hold, unchanged since `cutoff` and without an interaction
/// since: up to `limit`, oldest first.
pub async fn inactive_anonymous(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
    limit: u64,
) -> StoreResult<Vec<CustomerId>> {
    let recent = Query::select()
        .column(interaction::Column::CustomerId)
        .from(interaction::Entity)
        .and_where(interaction::Column::StartedAt.gte(cutoff))
        .to_owned();
    let ids: Vec<String> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .filter(customer::Column::Status.eq(CustomerStatus::Anonymous.as_str()))
        .filter(customer::Column::UpdatedAt.lt(cutoff))
        .filter(customer::Column::Id.not_in_subquery(held()))
        .filter(customer::Column::Id.not_in_subquery(recent))
        .order_by_asc(customer::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
        .context("find inactive anonymous profiles")?;
    Ok(ids.into_iter().map(CustomerId::from_stored).collect())
}

/// Lock an inactive anonymous profile for its erasure, checking again under the lock that
/// it is still anonymous and unchanged since `cutoff` (a writer that touched it since the
/// candidates were read wins: every write bumps `updated_at`). Whether it still qualifies.
pub async fn claim_inactive(db: &impl ConnectionTrait, id: &CustomerId, cutoff: DateTime<Utc>) -> StoreResult<bool> {
    use sea_orm::sea_query::Expr;
    let done = customer::Entity::update_many()
        .col_expr(customer::Column::Version, Expr::col(customer::Column::Version).add(1))
        .filter(customer::Column::Id.eq(id.as_str()))
        .filter(customer::Column::Status.eq(CustomerStatus::Anonymous.as_str()))
        .filter(customer::Column::UpdatedAt.lt(cutoff))
        .exec(db)
        .await
        .context("claim an inactive anonymous profile")?;
    Ok(done.rows_affected == 1)
}
