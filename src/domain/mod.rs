//! Domain types: validated values ("parse, don't validate"), the access model and the
//! error every layer above speaks. Nothing here knows about HTTP or SQL.

pub mod access;
pub mod attribute;
pub mod channel;
pub mod contactability;
pub mod enums;
pub mod error;
pub mod id;
pub mod identity;
pub mod label;
pub mod preference;

pub use access::{Principal, Scope};
pub use channel::Channel;
pub use error::{Error, Result};
