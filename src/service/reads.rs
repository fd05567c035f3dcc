//! Reads that need a rule before the query: listing customers by a filter. (Plain reads
//! by id go through the GraphQL layer's loaders straight to the repositories.)

use super::Services;
use crate::domain::customer::Customer;
use crate::domain::enums::CustomerStatus;
use crate::domain::id::{CustomerId, LabelId};
use crate::domain::{Error, Result};
use crate::store::attributes;
use crate::store::customers::{self, CustomerQuery};
use chrono::{DateTime, Utc};

/// Which customers to list, as parsed from the API's filter.
#[derive(Clone, Debug, Default)]
pub struct CustomerFilter {
    pub label_ids: Vec<LabelId>,
    pub status: Option<CustomerStatus>,
    /// Equality on an attribute (key, value); checked against its definition.
    pub attribute: Option<(String, serde_json::Value)>,
    pub updated_since: Option<DateTime<Utc>>,
}

impl Services {
    /// The query for a filter: the attribute must be defined (its key matched regardless of
    /// case, as keys are unique) and not PII (filtering on PII would let a caller without
    /// `pii:read` probe for values).
    pub async fn customer_query(&self, filter: CustomerFilter) -> Result<CustomerQuery> {
        let attribute = match filter.attribute {
            None => None,
            Some((key, value)) => match attributes::definition_ignoring_case(&self.store.db, &key).await? {
                None => return Err(Error::bad_input("filter.attribute.key", "unknown attribute key")),
                Some(d) if d.pii => {
                    return Err(Error::bad_input("filter.attribute.key", "PII attributes cannot be filtered on"));
                }
                Some(d) => Some((d.key.clone(), attributes::canonical(&d.canonical(&value)))),
            },
        };
        Ok(CustomerQuery {
            label_ids: filter.label_ids,
            status: filter.status,
            attribute,
            updated_since: filter.updated_since,
        })
    }

    /// Up to `limit` customers matching `query`, after `after`, in creation order.
    pub async fn list_customers(
        &self,
        query: &CustomerQuery,
        after: Option<&CustomerId>,
        limit: u64,
    ) -> Result<Vec<Customer>> {
        Ok(customers::list(&self.store.db, &self.store.codec, query, after, limit).await?)
    }

    pub async fn count_customers(&self, query: &CustomerQuery) -> Result<u64> {
        Ok(customers::count(&self.store.db, query).await?)
    }
}
