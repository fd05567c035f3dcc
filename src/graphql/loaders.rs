//! DataLoaders: every child field and every `_entities` lookup goes through one of these,
//! so a page of N customers costs one statement per kind of child, not N.
//!
//! One `DataLoader` per request (created in the HTTP handler), with a per-request cache:
//! nothing cached crosses from one caller to another. Mutations clear it after writing.
//! Every loader is declared once, in the table below, which also makes `clear` forget all.

use crate::domain::Error;
use crate::domain::attribute::Attribute;
use crate::domain::customer::Customer;
use crate::domain::external_ref::ExternalRef;
use crate::domain::history::Metadata;
use crate::domain::history::activity::Activity;
use crate::domain::id::{CustomerId, IdentityId, InteractionId, LabelId};
use crate::domain::identity::Identity;
use crate::domain::interaction::{HistoryPage, Interaction};
use crate::domain::label::Label;
use crate::domain::merge::Merge;
use crate::domain::preference::Preferences;
use crate::store::labels::Assignment;
use crate::store::{
    Store, StoreResult, activity, attributes, customers, external_refs, history, identities, interactions, labels,
    merges, preferences,
};
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub type Loaders = DataLoader<StoreLoader, HashMapCache>;
pub type LoadError = Arc<Error>;

/// Batches the DataLoaders sent after waiting their delay, in this process (see
/// [`delayed_batches`]).
static DELAYED_BATCHES: AtomicU64 = AtomicU64::new(0);

/// How many loader batches waited the batching delay so far. The prefetch
/// ([`super::prefetch`]) keeps the paths it covers at zero; tests assert it.
pub fn delayed_batches() -> u64 {
    DELAYED_BATCHES.load(Ordering::Relaxed)
}

pub fn new_loaders(store: Store) -> Loaders {
    let loader = StoreLoader { store, entities_prefetched: Default::default() };
    // The DataLoader spawns a task for each batch it collects (and waits its delay in it).
    let spawn = |batch| {
        DELAYED_BATCHES.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(batch);
    };
    DataLoader::with_cache(loader, spawn, HashMapCache::default())
}

pub struct StoreLoader {
    store: Store,
    /// Set once the children of this request's `_entities` customers are loaded
    /// ([`super::prefetch::entities`]): the entity resolvers run concurrently, one loads.
    pub entities_prefetched: tokio::sync::OnceCell<()>,
}

/// Lookups by id answer every key, `None` for ids that do not exist, so that a miss is
/// cached too and never costs a second statement in the same request.
async fn found<K: Eq + Hash + Clone, V>(
    ids: &[K],
    rows: impl Future<Output = StoreResult<HashMap<K, V>>>,
) -> StoreResult<HashMap<K, Option<V>>> {
    let mut rows = rows.await?;
    Ok(ids.iter().map(|id| (id.clone(), rows.remove(id))).collect())
}

/// Children of a parent answer every key (empty when it has none), so that a parent
/// without children is cached too and never costs another statement in the request.
async fn every<K: Eq + Hash + Clone, V: Default>(
    ids: &[K],
    rows: impl Future<Output = StoreResult<HashMap<K, V>>>,
) -> StoreResult<HashMap<K, V>> {
    let mut rows = rows.await?;
    Ok(ids.iter().map(|id| (id.clone(), rows.remove(id).unwrap_or_default())).collect())
}

async fn merges_by_survivor(s: &Store, ids: &[CustomerId]) -> StoreResult<HashMap<CustomerId, Vec<Merge>>> {
    let mut out: HashMap<CustomerId, Vec<Merge>> = HashMap::new();
    for m in merges::by_survivors(&s.db, &s.codec, ids).await? {
        out.entry(m.survivor_id.clone()).or_default().push(m);
    }
    Ok(out)
}

macro_rules! loaders {
    ($($(#[$m:meta])* $key:ident($id:ty) => $value:ty, |$s:ident, $ids:ident| $body:expr;)+) => {
        $(
            $(#[$m])*
            #[derive(Clone, Debug, PartialEq, Eq, Hash)]
            pub struct $key(pub $id);

            impl Loader<$key> for StoreLoader {
                type Value = $value;
                type Error = LoadError;

                async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                    let $s = &self.store;
                    let $ids: Vec<$id> = keys.iter().map(|k| k.0.clone()).collect();
                    let $ids = &$ids;
                    let map = $body.await.map_err(|e| Arc::new(Error::from(e)))?;
                    Ok(map.into_iter().map(|(k, v)| ($key(k), v)).collect())
                }
            }
        )+

        /// Forget everything loaded so far in this request (after a mutation wrote).
        pub fn clear(loaders: &Loaders) {
            $(loaders.clear::<$key>();)+
            loaders.clear::<InteractionsOf>();
            loaders.clear::<OutboundProfileOf>();
        }
    };
}

loaders! {
    /// A customer by id.
    CustomerById(CustomerId) => Option<Customer>, |s, ids| found(ids, customers::get_many(&s.db, &s.codec, ids));
    /// The identities of a customer.
    IdentitiesOf(CustomerId) => Vec<Identity>, |s, ids| every(ids, identities::by_customers(&s.db, &s.codec, ids));
    /// An identity by id.
    IdentityById(IdentityId) => Option<Identity>, |s, ids| found(ids, identities::by_ids(&s.db, &s.codec, ids));
    /// The labels of a customer.
    LabelsOf(CustomerId) => Vec<Label>, |s, ids| every(ids, labels::by_customers(&s.db, ids));
    /// A label by id.
    LabelById(LabelId) => Option<Label>, |s, ids| found(ids, labels::by_ids(&s.db, ids));
    /// The preferences of a customer.
    PreferencesOf(CustomerId) => Preferences, |s, ids| every(ids, preferences::by_customers(&s.db, &s.codec, ids));
    /// The attribute values of a customer.
    AttributesOf(CustomerId) => Vec<Attribute>, |s, ids| every(ids, attributes::by_customers(&s.db, &s.codec, ids));
    /// An interaction by id.
    InteractionById(InteractionId) => Option<Interaction>, |s, ids| found(ids, interactions::by_ids(&s.db, &s.codec, ids));
    /// The external references of a customer.
    ExternalRefsOf(CustomerId) => Vec<ExternalRef>, |s, ids| every(ids, external_refs::by_customers(&s.db, &s.codec, ids));
    /// The merges into a customer (as survivor).
    MergesOf(CustomerId) => Vec<Merge>, |s, ids| every(ids, merges_by_survivor(s, ids));
    /// The routing signals of a customer, as of now (empty without history).
    ActivityOf(CustomerId) => Activity, |s, ids| every(ids, activity::read(&s.db, ids, activity::today()));
    /// The label assignments of a customer, with their labels.
    AssignmentsOf(CustomerId) => Vec<(Assignment, Label)>, |s, ids| every(ids, labels::assignments_by_customers(&s.db, ids));
    /// The metadata of an interaction.
    MetadataOf(InteractionId) => Option<Metadata>, |s, ids| found(ids, history::metadata_of(&s.db, &s.codec, ids));
    /// The legal hold on a customer, if any.
    LegalHoldOf(CustomerId) => Option<crate::domain::lifecycle::LegalHold>,
        |s, ids| found(ids, crate::store::lifecycle::holds::by_customers(&s.db, ids));
}

/// One page of a customer's history (the one loader keyed by more than an id).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InteractionsOf {
    pub customer_id: CustomerId,
    pub page: HistoryPage,
}

impl Loader<InteractionsOf> for StoreLoader {
    type Value = Vec<Interaction>;
    type Error = LoadError;

    /// Keys asking for the same page shape (size, cursor, channel) share one statement.
    async fn load(&self, keys: &[InteractionsOf]) -> Result<HashMap<InteractionsOf, Self::Value>, Self::Error> {
        let mut groups: HashMap<&HistoryPage, Vec<CustomerId>> = HashMap::new();
        for k in keys {
            groups.entry(&k.page).or_default().push(k.customer_id.clone());
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (page, customer_ids) in groups {
            let mut rows = interactions::latest_for_customers(&self.store.db, &self.store.codec, &customer_ids, page)
                .await
                .map_err(|e| Arc::new(Error::from(e)))?;
            for customer_id in customer_ids {
                let value = rows.remove(&customer_id).unwrap_or_default();
                out.insert(InteractionsOf { customer_id, page: page.clone() }, value);
            }
        }
        Ok(out)
    }
}

/// What a contactability decision reads about a customer, for decisions at `at` (the one
/// loader keyed by an instant: a whole page of customers is still one batch, whose attempt
/// history spans the instants asked about). `None`: not a live customer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OutboundProfileOf {
    pub customer_id: CustomerId,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl Loader<OutboundProfileOf> for StoreLoader {
    type Value = Option<crate::domain::contactability::Profile>;
    type Error = LoadError;

    async fn load(&self, keys: &[OutboundProfileOf]) -> Result<HashMap<OutboundProfileOf, Self::Value>, Self::Error> {
        let (Some(from), Some(until)) = (keys.iter().map(|k| k.at).min(), keys.iter().map(|k| k.at).max()) else {
            return Ok(HashMap::new());
        };
        let mut ids: Vec<CustomerId> = keys.iter().map(|k| k.customer_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let profiles = crate::store::outbound::load_profiles(&self.store.db, &self.store.codec, &ids, from, until)
            .await
            .map_err(|e| Arc::new(Error::from(e)))?;
        Ok(keys.iter().map(|k| (k.clone(), profiles.get(&k.customer_id).cloned())).collect())
    }
}
