use super::Label;
use super::identification::staff_visible;
use crate::domain::enums::LabelSource;
use crate::domain::label::Label as LabelRecord;
use crate::store::labels::Assignment;
use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};

/// A label on a customer, with where the assignment came from.
pub struct LabelAssignment(pub Assignment, pub LabelRecord);

#[Object]
impl LabelAssignment {
    /// The label, from the catalogue.
    async fn label(&self) -> Label {
        Label(self.1.clone())
    }

    /// Who made the assignment: `MANUAL` (an agent or supervisor), `CRM` (the CRM sync: only the sync or a caller
    /// with `labels:manage` may remove it) or `RULE` (an automatic rule).
    async fn source(&self) -> LabelSource {
        self.0.source
    }

    /// Who assigned it: the subject (`sub`) of the caller's token. A staff id: `null` without `privacy:admin`
    /// (as `MergeRecord.mergedBy`).
    async fn assigned_by(&self, ctx: &Context<'_>) -> Option<&str> {
        staff_visible(ctx).then_some(self.0.assigned_by.as_str())
    }

    /// When it was assigned.
    async fn assigned_at(&self) -> DateTime<Utc> {
        self.0.assigned_at
    }
}
