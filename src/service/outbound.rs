//! Outbound compliance (issue 13): consent records, suppressions, suppression lists, and
//! contactability decided for many customers at once.

use super::{On, Services};
use crate::domain::audit::{Actor, Change};
use crate::domain::contactability::commands::{NewConsent, NewList, NewSuppression, RawEntry, check_expiry};
use crate::domain::contactability::consent::ConsentRecord;
use crate::domain::contactability::evidence::{DECISION_RULES_VERSION, EvidenceItem, EvidenceV1, RuleVersions};
use crate::domain::contactability::policy::{Policy, PurposePolicy};
use crate::domain::contactability::suppression::{Suppression, SuppressionList};
use crate::domain::contactability::{Decision, ReasonCode, decide_for};
use crate::domain::id::CustomerId;
use crate::domain::identity::{Identity, normalize};
use crate::domain::text::Located;
use crate::domain::{Channel, Error, Pii, Result};
use crate::store::{identities, now, outbound};
use chrono::{DateTime, Utc};

/// One customer's decision, with the identity it names.
#[derive(Clone, Debug)]
pub struct CustomerDecision {
    pub customer_id: CustomerId,
    pub decision: Decision,
    pub identity: Option<Identity>,
}

/// The decisions of a batch, in the order asked, and the evidence id when recorded.
#[derive(Clone, Debug)]
pub struct DecisionBatch {
    pub decisions: Vec<CustomerDecision>,
    pub evidence_id: Option<String>,
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl Services {
    pub fn outbound_policy(&self) -> &Policy {
        &self.outbound
    }

    /// Append a consent record (never changes an earlier one).
    pub async fn record_consent(&self, actor: &Actor, cmd: NewConsent) -> Result<ConsentRecord> {
        let recorded_at = now();
        let given_at = cmd.given_at.unwrap_or(recorded_at);
        if given_at > recorded_at {
            return Err(Error::bad_input("input.givenAt", "consent cannot be given in the future"));
        }
        check_expiry("input.expiresAt", given_at, cmd.expires_at)?;
        let tx = self.begin_on(&cmd.customer_id, "input.customerId").await?;
        if let Some(id) = &cmd.identity_id {
            let owned = identities::get(&tx, &self.store.codec, &id.value).await?;
            match owned {
                Some(i) if i.customer_id == cmd.customer_id && i.serves(cmd.channel) => {}
                Some(i) if i.customer_id == cmd.customer_id => {
                    return Err(Error::bad_input(&id.field, "this identity cannot carry contact on the channel"));
                }
                _ => return Err(Error::bad_input(&id.field, "not one of this customer's identities")),
            }
        }
        let record = ConsentRecord {
            id: new_id(),
            customer_id: cmd.customer_id.clone(),
            channel: cmd.channel,
            identity_id: cmd.identity_id.map(|i| i.value),
            purpose: cmd.purpose,
            status: cmd.status,
            proof: cmd.proof,
            principal: Some(actor.subject.clone()),
            given_at,
            expires_at: cmd.expires_at,
            recorded_at,
        };
        outbound::consents::append(&tx, &self.store.codec, &record).await?;
        let field = format!("consents.{}.{}", record.channel.as_str(), record.purpose);
        let change =
            Change::to_customer("consent.record", &record.customer_id, vec![field]).on_entity(record.id.clone());
        self.record(&tx, actor, vec![change]).await?;
        crate::store::commit(tx).await?;
        Ok(record)
    }

    /// Every consent record of a customer, oldest first.
    pub async fn consent_history(&self, customer_id: &CustomerId) -> Result<Vec<ConsentRecord>> {
        let db = &self.store.db;
        let mut all =
            outbound::consents::by_customers(db, &self.store.codec, std::slice::from_ref(customer_id)).await?;
        Ok(all.remove(customer_id).unwrap_or_default())
    }

    /// Suppress contact with one customer on a channel (or all) for a purpose (or all).
    pub async fn suppress_contact(&self, actor: &Actor, cmd: NewSuppression) -> Result<Suppression> {
        let created_at = now();
        check_expiry("input.expiresAt", created_at, cmd.expires_at)?;
        let tx = self.begin_on(&cmd.customer_id, "input.customerId").await?;
        let s = Suppression {
            id: new_id(),
            customer_id: cmd.customer_id,
            channel: cmd.channel,
            purpose: cmd.purpose,
            reason: cmd.reason,
            principal: Some(actor.subject.clone()),
            created_at,
            expires_at: cmd.expires_at,
            lifted_at: None,
        };
        outbound::suppressions::insert(&tx, &s).await?;
        let change = Change::to_customer("contact.suppress", &s.customer_id, vec!["suppressions".to_owned()])
            .on_entity(s.id.clone());
        self.record(&tx, actor, vec![change]).await?;
        crate::store::commit(tx).await?;
        Ok(s)
    }

    /// Lift a suppression early; the record stays, with when it was lifted.
    pub async fn lift_suppression(&self, actor: &Actor, id: &str) -> Result<Suppression> {
        let tx = self.store.begin_write().await?;
        let s = outbound::suppressions::lift(&tx, id, now()).await.on("suppression", "id")?;
        let change = Change::to_customer("contact.unsuppress", &s.customer_id, vec!["suppressions".to_owned()])
            .on_entity(s.id.clone());
        self.record(&tx, actor, vec![change]).await?;
        crate::store::commit(tx).await?;
        Ok(s)
    }

    /// The suppressions of a customer, oldest first (lifted and expired ones included).
    pub async fn suppressions_of(&self, customer_id: &CustomerId) -> Result<Vec<Suppression>> {
        let mut all = outbound::suppressions::by_customers(&self.store.db, std::slice::from_ref(customer_id)).await?;
        Ok(all.remove(customer_id).unwrap_or_default())
    }

    pub async fn create_suppression_list(&self, actor: &Actor, cmd: NewList) -> Result<SuppressionList> {
        let list = SuppressionList {
            id: new_id(),
            name: cmd.name,
            reason: cmd.reason,
            purposes: cmd.purposes,
            created_at: now(),
        };
        let tx = self.store.begin_write().await?;
        outbound::lists::create(&tx, &list).await.on("suppression list", "input.name")?;
        let change = Change::to_catalogue("suppression_list.change", list.id.clone(), vec!["created".to_owned()]);
        self.record(&tx, actor, vec![change]).await?;
        crate::store::commit(tx).await?;
        Ok(list)
    }

    pub async fn suppression_lists(&self) -> Result<Vec<SuppressionList>> {
        Ok(outbound::lists::all(&self.store.db).await?)
    }

    /// Add numbers or addresses to a list (normalised, then kept only as blind indexes); a
    /// phone number is matched on every channel that reaches phone numbers. Returns the
    /// number of entries given.
    pub async fn add_suppression_entries(
        &self,
        actor: &Actor,
        list_id: &str,
        entries: Vec<Located<RawEntry>>,
    ) -> Result<usize> {
        let keys = self.entry_keys(&entries)?;
        let tx = self.store.begin_write().await?;
        outbound::lists::get(&tx, list_id).await.on("suppression list", "listId")?;
        outbound::lists::add_entries(&tx, list_id, &keys, now()).await?;
        let change = Change::to_catalogue("suppression_list.change", list_id.to_owned(), vec!["entries.added".into()])
            .with_details(serde_json::json!({ "count": entries.len() }));
        self.record(&tx, actor, vec![change]).await?;
        crate::store::commit(tx).await?;
        Ok(entries.len())
    }

    /// Remove numbers or addresses from a list; returns how many were on it.
    pub async fn remove_suppression_entries(
        &self,
        actor: &Actor,
        list_id: &str,
        entries: Vec<Located<RawEntry>>,
    ) -> Result<u64> {
        let keys: Vec<String> = self.entry_keys(&entries)?.into_iter().map(|(k, _)| k).collect();
        let tx = self.store.begin_write().await?;
        outbound::lists::get(&tx, list_id).await.on("suppression list", "listId")?;
        let removed = outbound::lists::remove_entries(&tx, list_id, &keys).await?;
        let change =
            Change::to_catalogue("suppression_list.change", list_id.to_owned(), vec!["entries.removed".into()]);
        self.record(&tx, actor, vec![change]).await?;
        crate::store::commit(tx).await?;
        Ok(removed)
    }

    /// Why `entry` cannot go on a suppression list (`BAD_USER_INPUT` at its field), if it
    /// cannot: a bulk load (`customers suppression-load`) reports such lines and loads the rest.
    pub fn check_suppression_entry(&self, entry: &Located<RawEntry>) -> Result<()> {
        self.entry_keys(std::slice::from_ref(entry)).map(|_| ())
    }

    fn entry_keys(&self, entries: &[Located<RawEntry>]) -> Result<Vec<(String, Option<DateTime<Utc>>)>> {
        let mut keys = Vec::with_capacity(entries.len());
        for e in entries {
            let value = normalize(e.value.channel, &e.value.value, &self.normalize)
                .map_err(|err| Error::bad_input(format!("{}.value", e.field), err.to_string()))?;
            let value = Pii::new(value);
            let channels: Vec<Channel> = if e.value.channel.is_phone_based() {
                Channel::ALL.iter().copied().filter(|c| c.is_phone_based()).collect()
            } else {
                vec![e.value.channel]
            };
            for c in channels {
                keys.push((self.store.codec.lookup_key(c, &value), e.value.expires_at));
            }
        }
        Ok(keys)
    }

    /// Decide for every customer in `ids` (in that order, unknown ones refused with
    /// `UNKNOWN_CUSTOMER`) in a fixed number of statements; with `record`, store the
    /// decisions as evidence (one more statement).
    pub async fn contactability_of(
        &self,
        actor: &Actor,
        ids: &[CustomerId],
        purpose: &PurposePolicy,
        at: DateTime<Utc>,
        record: bool,
    ) -> Result<DecisionBatch> {
        let mut unique = ids.to_vec();
        unique.sort();
        unique.dedup();
        let profiles = outbound::load_profiles(&self.store.db, &self.store.codec, &unique, at, at).await?;
        let calling = &self.outbound.calling;
        let decisions: Vec<CustomerDecision> = ids
            .iter()
            .map(|id| match profiles.get(id) {
                Some(profile) => {
                    let decision = decide_for(profile, purpose, calling, at);
                    let identity = decision
                        .identity_id
                        .as_ref()
                        .and_then(|i| profile.identities.iter().find(|x| &x.id == i))
                        .cloned();
                    CustomerDecision { customer_id: id.clone(), decision, identity }
                }
                None => CustomerDecision { customer_id: id.clone(), decision: unknown(), identity: None },
            })
            .collect();
        let evidence_id = if record {
            let evidence = EvidenceV1 {
                version: 1,
                purpose: purpose.name.clone(),
                at,
                decided_at: now(),
                principal: Some(actor.subject.clone()),
                rules: self.rule_versions(),
                decisions: decisions.iter().map(|d| EvidenceItem::of(d.customer_id.as_str(), &d.decision)).collect(),
            };
            let id = new_id();
            outbound::record_decisions(&self.store.db, &id, &evidence).await?;
            Some(id)
        } else {
            None
        };
        Ok(DecisionBatch { decisions, evidence_id })
    }

    pub fn rule_versions(&self) -> RuleVersions {
        RuleVersions { decision: DECISION_RULES_VERSION, policy: self.outbound.calling.version.clone() }
    }
}

fn unknown() -> Decision {
    Decision {
        allowed: false,
        reasons: vec!["no live customer with this id (unknown, merged or erased)".to_owned()],
        codes: vec![ReasonCode::UnknownCustomer],
        channel: None,
        identity_id: None,
        next_window_start: None,
    }
}
