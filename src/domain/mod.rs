//! The domain: records and the rules over them, validated values ("parse, don't
//! validate"), commands parsed from inputs, the access model and the error every layer
//! above speaks. Nothing here knows about HTTP, GraphQL resolvers or SQL.

pub mod access;
pub mod anomaly;
pub mod attribute;
pub mod audit;
pub mod channel;
pub mod contactability;
pub mod customer;
pub mod enums;
pub mod error;
pub mod event;
pub mod external_ref;
pub mod history;
pub mod id;
pub mod identity;
pub mod import;
pub mod interaction;
pub mod label;
pub mod lifecycle;
pub mod merge;
pub mod pii;
pub mod preference;
pub mod redact;
pub mod search;
pub mod text;

pub use access::{Principal, Scope};
pub use channel::Channel;
pub use error::{Error, Result};
pub use pii::Pii;
