//! Outbound compliance records: consent records, suppressions, suppression lists.

use crate::domain::Channel;
use crate::domain::contactability::consent::ConsentRecord as ConsentRecordValue;
use crate::domain::contactability::suppression::{Suppression as SuppressionValue, SuppressionList as ListValue};
use crate::domain::enums::ConsentStatus;
use crate::graphql::free_text::shown;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};

pub struct ConsentRecord(pub ConsentRecordValue);

/// One consent given or withdrawn, as recorded (never changed afterwards): the history is
/// the proof, the consent in force is derived from it.
#[Object]
impl ConsentRecord {
    /// The record's id (sortable: the order records were written).
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The profile.
    async fn customer_id(&self) -> ID {
        ID(self.0.customer_id.to_string())
    }
    /// The channel the consent is for.
    async fn channel(&self) -> Channel {
        self.0.channel
    }
    /// The number or address it is for; `null`: every identity on the channel (channel-wide).
    async fn identity_id(&self) -> Option<ID> {
        self.0.identity_id.as_ref().map(|i| ID(i.to_string()))
    }
    /// The purpose (`marketing`, `service`, `collections`…), or `*` for every purpose.
    async fn purpose(&self) -> &str {
        &self.0.purpose
    }
    /// OPT_IN, OPT_OUT or UNKNOWN.
    async fn status(&self) -> ConsentStatus {
        self.0.status
    }
    /// Where it was given (`web-form`, `ivr`, `agent`); free text, redacted as `InteractionRef.summary` is.
    async fn source(&self, ctx: &Context<'_>) -> Option<String> {
        let source = self.0.proof.source.as_deref()?;
        Some(shown(ctx, &self.0.customer_id, "consents.source", source))
    }
    /// The wording shown to the customer, or its version (`sms-marketing-v3`).
    async fn wording(&self) -> Option<&str> {
        self.0.proof.wording.as_deref()
    }
    /// Where the evidence is (a recording id, a signed form); redacted as `source` is.
    async fn evidence_ref(&self, ctx: &Context<'_>) -> Option<String> {
        let evidence = self.0.proof.evidence_ref.as_deref()?;
        Some(shown(ctx, &self.0.customer_id, "consents.evidenceRef", evidence))
    }
    /// The principal (JWT `sub`) that recorded it.
    async fn principal(&self) -> Option<&str> {
        self.0.principal.as_deref()
    }
    /// When the customer gave (or withdrew) it.
    async fn given_at(&self) -> DateTime<Utc> {
        self.0.given_at
    }
    /// When it stops counting; `null`: never.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// When it was recorded here.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
}

pub struct Suppression(pub SuppressionValue);

/// A do-not-contact of one customer on a channel (or all) for a purpose (or all).
#[Object]
impl Suppression {
    /// The suppression's id (for `liftSuppression`).
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The profile.
    async fn customer_id(&self) -> ID {
        ID(self.0.customer_id.to_string())
    }
    /// The channel; `null`: every channel.
    async fn channel(&self) -> Option<Channel> {
        self.0.channel
    }
    /// The purpose; `null`: every purpose.
    async fn purpose(&self) -> Option<&str> {
        self.0.purpose.as_deref()
    }
    /// Why it was set.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// Who set it.
    async fn principal(&self) -> Option<&str> {
        self.0.principal.as_deref()
    }
    /// When it was set.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it ends by itself; `null`: never.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// When it was lifted early; `null`: not lifted.
    async fn lifted_at(&self) -> Option<DateTime<Utc>> {
        self.0.lifted_at
    }
}

pub struct SuppressionList(pub ListValue);

/// A list of numbers and addresses never to contact (a national register, litigators, an
/// internal do-not-call list). Entries are kept as blind indexes only.
#[Object]
impl SuppressionList {
    /// The list's id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Its unique name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Why its entries are not contacted (shown in decisions).
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The purposes it applies to; empty: every purpose.
    async fn purposes(&self) -> &[String] {
        &self.0.purposes
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
