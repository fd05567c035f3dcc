//! Security: masking of PII and the local secrets that make the service secure by default.

pub mod keys;
pub mod mask;
