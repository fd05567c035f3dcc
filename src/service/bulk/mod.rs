//! Bulk work over many profiles (decision 0014): import from a file, export to one.

pub mod export;
mod fast;
pub mod import;
