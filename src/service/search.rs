//! Agent search (`searchCustomers`) and the upkeep of its tokens: rebuilt inside every
//! write that changes what is searchable, and all at once by `customers reindex`. See
//! `docs/decisions/0013-search.md`.

use super::Services;
use crate::domain::Result;
use crate::domain::audit::{Actor, Change, SEARCH};
use crate::domain::id::CustomerId;
use crate::domain::search::{SearchCursor, SearchPlan, SearchText, TOTAL_CAP, fold};
use crate::store::customers::CustomerQuery;
use crate::store::search::{self, SearchHit};
use sea_orm::ConnectionTrait;

/// Profiles rebuilt per transaction by `customers reindex`.
const REINDEX_BATCH: u64 = 500;

/// A search as asked: the text, which profiles (the listing filter), and the page.
#[derive(Clone, Debug)]
pub struct Search {
    pub text: SearchText,
    pub query: CustomerQuery,
    pub after: Option<SearchCursor>,
    /// Rows to read: the page size plus one (which only says there is a next page).
    pub limit: u64,
}

impl Services {
    /// Run a search and record it in the audit log (one INSERT: the text's keyed token,
    /// never the text). Returns the hits and the plan (`totalCount` runs it again, capped).
    pub async fn search_customers(&self, actor: &Actor, search: &Search) -> Result<(Vec<SearchHit>, SearchPlan)> {
        let plan = SearchPlan::new(&search.text, &self.normalize);
        let codec = &self.store.codec;
        let hits =
            search::find(&self.store.db, codec, &plan, &search.query, search.after.as_ref(), search.limit).await?;
        let details = serde_json::json!({
            "text": self.search_digest(&search.text),
            "results": hits.len(),
            "page": search.after.is_some(),
            "filtered": !search.query.label_ids.is_empty() || search.query.attribute.is_some() || search.query.status.is_some(),
        });
        let entry = Change::to_catalogue(SEARCH, "search", Vec::new()).with_details(details);
        self.record(&self.store.db, actor, vec![entry]).await?;
        Ok((hits, plan))
    }

    /// Profiles matching `plan` and `query`, counted up to [`TOTAL_CAP`].
    pub async fn count_search(&self, plan: &SearchPlan, query: &CustomerQuery) -> Result<u64> {
        Ok(search::count(&self.store.db, &self.store.codec, plan, query, TOTAL_CAP).await?)
    }

    /// What the audit log and the anomaly detector keep of a search text: a keyed token of
    /// it (equal texts, folded, give equal digests; without the key it says nothing more).
    pub fn search_digest(&self, text: &SearchText) -> String {
        format!("{:016x}", self.store.codec.search_token("audit", &fold(text.expose())))
    }

    /// Rebuild the search tokens of `ids` in `db` (the transaction of the write that changed them).
    pub(crate) async fn reindex_in(&self, db: &impl ConnectionTrait, ids: &[CustomerId]) -> Result<()> {
        Ok(search::rebuild(db, &self.store.codec, ids).await?)
    }

    /// On PostgreSQL, rebuild the search tokens' index in key order (`store::search::compact`;
    /// `customers reindex --index-only`, and the end of `customers reindex`).
    pub async fn compact_search_index(&self) -> Result<()> {
        Ok(search::compact(&self.store.db).await?)
    }

    /// Rebuild every profile's tokens (`customers reindex`): batches of 500 profiles, one
    /// transaction each, so it can be interrupted and run again; then, on PostgreSQL, their
    /// index, compacted (`store::search::compact`). Returns the profiles done.
    pub async fn reindex_all(&self, mut progress: impl FnMut(u64)) -> Result<u64> {
        let mut after: Option<CustomerId> = None;
        let mut done = 0;
        loop {
            let ids = search::ids_after(&self.store.db, after.as_ref(), REINDEX_BATCH).await?;
            let Some(last) = ids.last().cloned() else {
                self.compact_search_index().await?;
                return Ok(done);
            };
            let tx = self.store.begin_write().await?;
            search::rebuild(&tx, &self.store.codec, &ids).await?;
            crate::store::commit(tx).await?;
            done += ids.len() as u64;
            progress(done);
            after = Some(last);
        }
    }
}
