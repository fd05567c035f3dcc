//! Services: the write side. Each operation validates its input into domain values, then
//! applies it in one transaction, so a failure part-way leaves nothing behind.

pub mod attributes;
pub mod customers;
pub mod identification;
pub mod identities;
pub mod inputs;
pub mod labels;
pub mod merge;

use crate::domain::identity::NormalizeOptions;
use crate::store::Store;
use std::sync::Arc;

/// What the service layer needs: the store and the identity normalisation settings.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub normalize: Arc<NormalizeOptions>,
}

impl Services {
    pub fn new(store: Store, normalize: NormalizeOptions) -> Self {
        Self { store, normalize: Arc::new(normalize) }
    }
}
