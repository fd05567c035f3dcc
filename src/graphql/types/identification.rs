use super::Customer;
use crate::domain::Scope;
use crate::domain::merge::Merge;
use crate::graphql::context::caller;
use crate::service::identification::{Match, Resolution, ResolutionStatus};
use crate::service::provider::ProviderStatus;
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

pub struct CustomerResolution(pub Resolution);

/// The answer of "Get Customer by Channel Identifier".
#[Object]
impl CustomerResolution {
    /// How the identifier resolved; each value says what `customer` and `matches` then hold.
    async fn status(&self) -> ResolutionStatus {
        self.0.status
    }

    /// The one match, or the anonymous record to attach the interaction to.
    async fn customer(&self) -> Option<Customer> {
        self.0.customer.clone().map(Customer)
    }

    /// The candidates, best first, when several profiles hold the identifier (or it is shared).
    async fn suggested_matches(&self) -> Vec<Customer> {
        self.0.matches.iter().map(|m| Customer(m.customer.clone())).collect()
    }

    /// The same candidates with their score and the reasons for it.
    async fn matches(&self) -> Vec<CustomerMatch> {
        self.0.matches.iter().map(|m| CustomerMatch(m.clone())).collect()
    }

    /// Who answered: `LOCAL` without an external profile maintainer; with one, `OK` (the CRM
    /// answered and its record is cached here), `CONFLICT` (the CRM disagrees with local data:
    /// nothing moved, its profile is suggested), or why local data answered instead
    /// (`FALLBACK_TIMEOUT`, `FALLBACK_DOWN`, `FALLBACK_ERROR`, `CIRCUIT_OPEN`).
    async fn provider(&self) -> ProviderStatus {
        self.0.provider
    }
}

pub struct CustomerMatch(pub Match);

/// A suggested profile and why.
#[Object]
impl CustomerMatch {
    /// The candidate profile.
    async fn customer(&self) -> Customer {
        Customer(self.0.customer.clone())
    }

    /// Verified +40, primary +20, active in the last 30 days +20 (last year +10), each
    /// other identifier given (`alsoKnownAs`) that they also hold +15.
    async fn score(&self) -> i32 {
        self.0.score
    }

    /// Why it scored, in short form (`holds this identifier verified`, `active 3 days ago`), in scoring order.
    async fn reasons(&self) -> &[String] {
        &self.0.reasons
    }
}

pub struct MergeRecord(pub Merge);

/// Staff ids in the merge ledger are shown to privacy officers only.
pub(crate) fn staff_visible(ctx: &Context<'_>) -> bool {
    caller(ctx).is_ok_and(|p| p.has(Scope::PrivacyAdmin))
}

/// What a merge moved to the survivor, counted over every merged profile.
#[derive(SimpleObject)]
pub struct MergeCounts {
    /// Identities moved, with those the survivor already held (dropped, kept in the ledger).
    pub identities: i32,
    /// Label assignments moved, with those the survivor already carried (dropped, kept in the ledger).
    pub labels: i32,
    /// Attribute values moved (the survivor had none for their key).
    pub attributes: i32,
    /// Attribute values that lost to the survivor's (kept in the ledger).
    pub attribute_conflicts: i32,
    /// CRM and ticketing links moved.
    pub external_refs: i32,
    /// Interactions moved to the survivor's history.
    pub interactions: i32,
    /// Consent records (the history, with proof) moved.
    pub consents: i32,
    /// Do-not-contact suppressions moved.
    pub suppressions: i32,
}

/// A merge, as the ledger recorded it (`unmergeCustomer(mergeId)` undoes it).
#[Object]
impl MergeRecord {
    /// The merge's id: pass it to `unmergeCustomer` to undo the merge.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The profile the others were merged into.
    async fn survivor_id(&self) -> ID {
        ID(self.0.survivor_id.to_string())
    }

    /// The profiles merged into the survivor (now `MERGED`, unless the merge was undone).
    async fn merged_ids(&self) -> Vec<ID> {
        self.0.merged_ids.iter().map(|id| ID(id.to_string())).collect()
    }

    /// Who merged: the subject (`sub`) of the caller's token. A staff id: `null` without the
    /// `privacy:admin` scope.
    async fn merged_by(&self, ctx: &Context<'_>) -> Option<&str> {
        staff_visible(ctx).then_some(self.0.merged_by.as_str())
    }

    /// When the merge was made.
    async fn merged_at(&self) -> DateTime<Utc> {
        self.0.merged_at
    }

    /// Who undid the merge; `null` while it stands, and without the `privacy:admin` scope.
    async fn undone_by(&self, ctx: &Context<'_>) -> Option<&str> {
        self.0.undone_by.as_deref().filter(|_| staff_visible(ctx))
    }

    /// When the merge was undone; `null` while it stands.
    async fn undone_at(&self) -> Option<DateTime<Utc>> {
        self.0.undone_at
    }

    /// What moved to the survivor.
    async fn moved(&self) -> MergeCounts {
        let m = self.0.moved;
        let n = |x: usize| i32::try_from(x).unwrap_or(i32::MAX);
        MergeCounts {
            identities: n(m.identities),
            labels: n(m.labels),
            attributes: n(m.attributes),
            attribute_conflicts: n(m.attribute_conflicts),
            external_refs: n(m.external_refs),
            interactions: n(m.interactions),
            consents: n(m.consents),
            suppressions: n(m.suppressions),
        }
    }
}
