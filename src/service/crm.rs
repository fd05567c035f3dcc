//! The CRM as system of record: one profile per CRM record, created or updated by sync.

use super::profiles::Apply;
use super::{On, Services};
use crate::domain::audit::{Actor, Change};
use crate::domain::customer::{Customer, ProfileInput};
use crate::domain::enums::{CustomerStatus, LabelSource};
use crate::domain::external_ref::ExternalRef;
use crate::domain::id::CustomerId;
use crate::domain::id::LabelId;
use crate::domain::{Error, Result};
use crate::store::{Constraint, StoreError, customers, external_refs, labels};

const ATTEMPTS: usize = 3;

impl Services {
    /// Create or update the profile linked to a CRM record: a new record creates a profile
    /// linked to it; a known one is updated with what the input carries (labels assigned
    /// with source CRM). One transaction; concurrent upserts of one new record create one
    /// profile (the losers of the race update the winner's). Returns whether it was created.
    pub async fn upsert_by_external_ref(
        &self,
        actor: &Actor,
        reference: &ExternalRef,
        input: ProfileInput,
    ) -> Result<(Customer, bool)> {
        self.sync_by_external_ref(actor, reference, input, false).await
    }

    /// [`Self::upsert_by_external_ref`]; with `sync_labels`, the input's labels are the
    /// record's whole set in the CRM: assignments the CRM made earlier (`source: CRM`) that it
    /// no longer names are removed (the one way besides `labels:manage` to remove them);
    /// assignments made here by agents or rules are left alone.
    pub async fn sync_by_external_ref(
        &self,
        actor: &Actor,
        reference: &ExternalRef,
        input: ProfileInput,
        sync_labels: bool,
    ) -> Result<(Customer, bool)> {
        for _ in 0..ATTEMPTS {
            let tx = self.store.begin_write().await?;
            if let Some(id) = external_refs::owner(&tx, &self.store.codec, reference).await? {
                customers::touch(&tx, &self.store.codec, &id, None).await.on("customer", "ref")?;
                self.apply_profile(&tx, actor, &id, &input, LabelSource::Crm, Apply::Sync).await?;
                let mut fields = input.changed_fields();
                if sync_labels {
                    let named: Vec<&LabelId> = input.label_ids.iter().map(|l| &l.value).collect();
                    let dropped: Vec<LabelId> = labels::assignments_of(&tx, &id)
                        .await?
                        .into_iter()
                        .filter(|a| a.source == LabelSource::Crm && !named.contains(&&a.label_id))
                        .map(|a| a.label_id)
                        .collect();
                    if !dropped.is_empty() {
                        labels::unassign(&tx, &id, &dropped).await?;
                        if !fields.iter().any(|f| f == "labels") {
                            fields.push("labels".to_owned());
                        }
                    }
                }
                let change = Change::to_customer("customer.sync", &id, fields);
                return Ok((self.finish(tx, actor, change).await?, false));
            }
            let id = CustomerId::generate();
            customers::insert(&tx, &self.store.codec, &id, None, CustomerStatus::Active).await?;
            self.apply_profile(&tx, actor, &id, &input, LabelSource::Crm, Apply::New).await?;
            match external_refs::insert(&tx, &self.store.codec, &id, reference).await {
                Ok(()) => {
                    let change = Change::to_customer("customer.create", &id, input.changed_fields());
                    return Ok((self.finish(tx, actor, change).await?, true));
                }
                // Linked concurrently by another sync: this transaction is dropped (rolled
                // back); look again and update that profile.
                Err(StoreError::Duplicate(Constraint::ExternalRef)) => continue,
                Err(other) => return Err(other.on("external record", "ref")),
            }
        }
        Err(Error::Internal(anyhow::anyhow!("the CRM upsert kept racing with concurrent writers")))
    }
}

impl Services {
    /// The profile a CRM record is linked to, if any (merges move links to the survivor).
    pub async fn customer_by_external_ref(&self, reference: &ExternalRef) -> Result<Option<CustomerId>> {
        Ok(external_refs::owner(&self.store.db, &self.store.codec, reference).await?)
    }
}
