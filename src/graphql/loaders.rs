//! DataLoaders: every child field and every `_entities` lookup goes through one of these,
//! so a page of N customers costs one statement per kind of child, not N.
//!
//! One `DataLoader` per request (created in the HTTP handler), with a per-request cache:
//! nothing cached crosses from one caller to another. Mutations clear it after writing.

use crate::domain::Error;
use crate::store::interactions::HistoryPage;
use crate::store::merges::{self, MergeRecord};
use crate::store::{
    AttributeRecord, CustomerRecord, ExternalRefRecord, IdentityRecord, InteractionRecord, LabelRecord,
    PreferenceRecord, Store, attributes, customers, external_refs, identities, interactions, labels, preferences,
};
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use std::collections::HashMap;
use std::sync::Arc;

pub type Loaders = DataLoader<StoreLoader, HashMapCache>;
pub type LoadError = Arc<Error>;

pub fn new_loaders(store: Store) -> Loaders {
    DataLoader::with_cache(StoreLoader { store }, tokio::spawn, HashMapCache::default())
}

/// Forget everything loaded so far in this request (after a mutation wrote).
pub fn clear(loaders: &Loaders) {
    loaders.clear::<CustomerId>();
    loaders.clear::<IdentitiesOf>();
    loaders.clear::<IdentityId>();
    loaders.clear::<LabelsOf>();
    loaders.clear::<LabelId>();
    loaders.clear::<PreferencesOf>();
    loaders.clear::<AttributesOf>();
    loaders.clear::<InteractionsOf>();
    loaders.clear::<InteractionId>();
    loaders.clear::<ExternalRefsOf>();
    loaders.clear::<MergesOf>();
}

pub struct StoreLoader {
    store: Store,
}

macro_rules! key {
    ($($(#[$m:meta])* $name:ident),+) => {$(
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(pub String);
    )+};
}

key!(
    /// A customer by id.
    CustomerId,
    /// The identities of a customer.
    IdentitiesOf,
    /// An identity by id.
    IdentityId,
    /// The labels of a customer.
    LabelsOf,
    /// A label by id.
    LabelId,
    /// The preferences of a customer.
    PreferencesOf,
    /// The attribute values of a customer.
    AttributesOf,
    /// An interaction by id.
    InteractionId,
    /// The external references of a customer.
    ExternalRefsOf,
    /// The merges into a customer (as survivor).
    MergesOf
);

/// One page of a customer's history.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InteractionsOf {
    pub customer_id: String,
    pub page: HistoryPage,
}

fn ids<K, F: Fn(&K) -> &String>(keys: &[K], f: F) -> Vec<String> {
    keys.iter().map(|k| f(k).clone()).collect()
}

fn rekey<K: Eq + std::hash::Hash, V>(map: HashMap<String, V>, wrap: impl Fn(String) -> K) -> HashMap<K, V> {
    map.into_iter().map(|(k, v)| (wrap(k), v)).collect()
}

macro_rules! batch_loader {
    ($key:ident => $value:ty, |$s:ident, $ids:ident| $body:expr) => {
        impl Loader<$key> for StoreLoader {
            type Value = $value;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let $s = &self.store;
                let $ids = ids(keys, |k| &k.0);
                let map = $body.await.map_err(Arc::new)?;
                Ok(rekey(map, $key))
            }
        }
    };
}

batch_loader!(CustomerId => Option<CustomerRecord>, |s, ids| found(ids.clone(), customers::get_many(&s.db, &s.pii, &ids)));
batch_loader!(IdentitiesOf => Vec<IdentityRecord>, |s, ids| every(ids.clone(), identities::by_customers(&s.db, &s.pii, &ids)));
batch_loader!(IdentityId => Option<IdentityRecord>, |s, ids| found(ids.clone(), identities::by_ids(&s.db, &s.pii, &ids)));
batch_loader!(LabelsOf => Vec<LabelRecord>, |s, ids| every(ids.clone(), labels::by_customers(&s.db, &ids)));
batch_loader!(LabelId => Option<LabelRecord>, |s, ids| found(ids.clone(), labels::by_ids(&s.db, &ids)));
batch_loader!(PreferencesOf => PreferenceRecord, |s, ids| every(ids.clone(), preferences::by_customers(&s.db, &ids)));
batch_loader!(AttributesOf => Vec<AttributeRecord>, |s, ids| every(ids.clone(), attributes::by_customers(&s.db, &s.pii, &ids)));
batch_loader!(InteractionId => Option<InteractionRecord>, |s, ids| found(ids.clone(), interactions::by_ids(&s.db, &ids)));

/// Children of a parent answer every key (empty when it has none), so that a parent
/// without children is cached too and never costs another statement in the request.
async fn every<V: Default>(
    ids: Vec<String>,
    rows: impl std::future::Future<Output = crate::domain::Result<HashMap<String, V>>>,
) -> crate::domain::Result<HashMap<String, V>> {
    let mut rows = rows.await?;
    Ok(ids
        .into_iter()
        .map(|id| {
            let v = rows.remove(&id).unwrap_or_default();
            (id, v)
        })
        .collect())
}

/// Lookups by id answer every key, `None` for ids that do not exist, so that a miss is
/// cached too and never costs a second statement in the same request.
async fn found<V>(
    ids: Vec<String>,
    rows: impl std::future::Future<Output = crate::domain::Result<HashMap<String, V>>>,
) -> crate::domain::Result<HashMap<String, Option<V>>> {
    let mut rows = rows.await?;
    Ok(ids
        .into_iter()
        .map(|id| {
            let v = rows.remove(&id);
            (id, v)
        })
        .collect())
}
batch_loader!(ExternalRefsOf => Vec<ExternalRefRecord>, |s, ids| every(ids.clone(), external_refs::by_customers(&s.db, &ids)));
batch_loader!(MergesOf => Vec<MergeRecord>, |s, ids| every(ids.clone(), merges_by_survivor(s, ids)));

async fn merges_by_survivor(s: &Store, ids: Vec<String>) -> crate::domain::Result<HashMap<String, Vec<MergeRecord>>> {
    let mut out: HashMap<String, Vec<MergeRecord>> = HashMap::new();
    for m in merges::by_survivors(&s.db, &s.pii, &ids).await? {
        out.entry(m.survivor_id.clone()).or_default().push(m);
    }
    Ok(out)
}

impl Loader<InteractionsOf> for StoreLoader {
    type Value = Vec<InteractionRecord>;
    type Error = LoadError;

    /// Keys asking for the same page shape (size, cursor, channel) share one statement.
    async fn load(&self, keys: &[InteractionsOf]) -> Result<HashMap<InteractionsOf, Self::Value>, Self::Error> {
        let mut groups: HashMap<&HistoryPage, Vec<String>> = HashMap::new();
        for k in keys {
            groups.entry(&k.page).or_default().push(k.customer_id.clone());
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (page, customer_ids) in groups {
            let mut rows =
                interactions::latest_for_customers(&self.store.db, &customer_ids, page).await.map_err(Arc::new)?;
            for customer_id in customer_ids {
                let value = rows.remove(&customer_id).unwrap_or_default();
                out.insert(InteractionsOf { customer_id, page: page.clone() }, value);
            }
        }
        Ok(out)
    }
}
