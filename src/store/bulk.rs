//! New profiles in bulk (decision 0014): every row of a batch of new profiles written with
//! one multi-row insert per table (a few per thousand profiles), sealed and blind-indexed
//! exactly as the one-profile repositories do it. The service decides which profiles are
//! new and checks them (`service::bulk`); this only writes.

use super::codec::Aad;
use super::entity::{customer, customer_attribute, customer_label, external_ref, identity};
use super::error::DbContext;
use super::rows::{self, Conflict};
use super::{PiiCodec, StoreResult, attributes, external_refs, now, preferences, search};
use crate::domain::Pii;
use crate::domain::attribute::AttributeDefinition;
use crate::domain::enums::{CustomerStatus, LabelSource};
use crate::domain::external_ref::ExternalRef;
use crate::domain::id::{CustomerId, IdentityId, LabelId, new_id};
use crate::domain::identity::IdentitySpec;
use crate::domain::preference::Preferences;
use crate::domain::search::SearchDoc;
use sea_orm::{ConnectionTrait, IntoActiveModel as _, Set};

/// A new profile, checked: identities without repeats (one primary per channel at most),
/// attribute values valid for their definitions, labels that exist.
#[derive(Clone, Debug)]
pub struct NewProfile {
    pub id: CustomerId,
    pub display_name: Option<Pii>,
    pub identities: Vec<IdentitySpec>,
    /// The ids the identities keep, by position (`None`, or a shorter list: new ids). One
    /// taken by another identity fails the insert (the import then goes one by one).
    pub identity_ids: Vec<Option<IdentityId>>,
    pub attributes: Vec<(AttributeDefinition, serde_json::Value)>,
    pub label_ids: Vec<LabelId>,
    pub preferences: Option<Preferences>,
    pub external_refs: Vec<ExternalRef>,
}

/// Write `profiles`; `by` and `source` are recorded on their label assignments.
pub async fn insert_profiles(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    profiles: &[NewProfile],
    by: &str,
    source: LabelSource,
) -> StoreResult<()> {
    let owners: Vec<&str> = profiles.iter().map(|p| p.id.as_str()).collect();
    codec.keys().create_many(&owners).await.context("create data keys")?;
    let at = now();
    let (mut customers, mut idents, mut attrs, mut labels, mut prefs, mut refs) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for p in profiles {
        let owner = p.id.as_str();
        let display_name = match &p.display_name {
            Some(n) => Some(codec.seal(owner, Aad::display_name(owner), n).await.context("seal a name")?),
            None => None,
        };
        customers.push(customer::ActiveModel {
            id: Set(owner.to_owned()),
            display_name: Set(display_name),
            status: Set(CustomerStatus::Active.as_str().to_owned()),
            merged_into: Set(None),
            version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
        });
        for (i, spec) in p.identities.iter().enumerate() {
            let id = p.identity_ids.get(i).cloned().flatten().unwrap_or_else(IdentityId::generate);
            let lookup_key = codec.lookup_key(spec.channel, &spec.value);
            let aad = Aad::identity(id.as_str(), &lookup_key);
            idents.push(identity::ActiveModel {
                value: Set(codec.seal(owner, aad, &spec.value).await.context("seal an identity value")?),
                id: Set(id.as_str().to_owned()),
                customer_id: Set(owner.to_owned()),
                channel: Set(spec.channel.as_str().to_owned()),
                provider: Set(spec.provider.clone()),
                lookup_key: Set(lookup_key),
                verified: Set(spec.verified),
                is_primary: Set(spec.primary),
                shared: Set(spec.shared),
                anonymous_key: Set(None),
                created_at: Set(at),
            });
        }
        for (d, value) in &p.attributes {
            let text = attributes::canonical(value);
            let value = if d.pii {
                let aad = Aad::attribute(owner, &d.key);
                codec.seal(owner, aad, &Pii::new(text)).await.context("seal an attribute value")?
            } else {
                text
            };
            attrs.push(customer_attribute::ActiveModel {
                customer_id: Set(owner.to_owned()),
                key: Set(d.key.clone()),
                value: Set(value),
                updated_at: Set(at),
            });
        }
        labels.extend(p.label_ids.iter().map(|label| customer_label::ActiveModel {
            customer_id: Set(owner.to_owned()),
            label_id: Set(label.as_str().to_owned()),
            source: Set(source.as_str().to_owned()),
            assigned_by: Set(by.to_owned()),
            assigned_at: Set(at),
        }));
        if let Some(p) = &p.preferences {
            prefs.push(
                preferences::encode(codec, &CustomerId::from_stored(owner.to_owned()), p).await?.into_active_model(),
            );
        }
        for r in &p.external_refs {
            let (id, key) = (new_id(), external_refs::key_of(codec, r));
            let aad = Aad::external_id(&id, &key);
            let sealed =
                codec.seal(owner, aad, &Pii::new(r.external_id.as_str())).await.context("seal an external id")?;
            refs.push(external_ref::ActiveModel {
                id: Set(id),
                customer_id: Set(owner.to_owned()),
                system: Set(r.system.clone()),
                external_id: Set(sealed),
                external_key: Set(Some(key)),
                created_at: Set(at),
            });
        }
    }
    rows::insert(db, customers, Conflict::Fail, "insert customers in bulk").await?;
    rows::insert(db, idents, Conflict::Fail, "insert identities in bulk").await?;
    rows::insert(db, attrs, Conflict::Fail, "insert attribute values in bulk").await?;
    rows::insert(db, labels, Conflict::Fail, "insert label assignments in bulk").await?;
    rows::insert(db, prefs, Conflict::Fail, "insert preferences in bulk").await?;
    rows::insert(db, refs, Conflict::Fail, "insert external refs in bulk").await?;
    let docs: Vec<(CustomerId, SearchDoc)> = profiles.iter().map(|p| (p.id.clone(), search_doc(p))).collect();
    search::insert(db, codec, &docs, Conflict::Fail).await
}

/// What search finds a new profile by, from the values written (nothing is read back).
fn search_doc(p: &NewProfile) -> SearchDoc {
    SearchDoc {
        display_name: p.display_name.as_ref().map(|n| n.expose().to_owned()),
        identities: p.identities.iter().map(|i| (i.value.expose().to_owned(), search::shape(i.channel))).collect(),
        external_ids: p.external_refs.iter().map(|r| r.external_id.clone()).collect(),
        attribute_values: p
            .attributes
            .iter()
            .filter(|(d, _)| d.searchable)
            .map(|(_, v)| match v {
                serde_json::Value::String(s) => s.clone(),
                other => attributes::canonical(other),
            })
            .collect(),
    }
}
