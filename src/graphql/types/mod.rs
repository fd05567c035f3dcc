//! GraphQL object types, one file per type. They wrap store records; PII is masked here,
//! at the last step, depending on the caller's `pii:read` scope.

mod attribute;
mod connection;
mod customer;
mod identity;
mod interaction;
mod label;
mod preference;

pub use attribute::{Attribute, AttributeDefinition};
pub use connection::{Cursor, CustomerConnection, InteractionConnection, PageInfo};
pub use customer::Customer;
pub use identity::ChannelIdentity;
pub use interaction::{Conversation, InteractionRef};
pub use label::Label;
pub use preference::{ChannelConsent, Preference, TimeWindow};

/// `ExternalRef`: a link to a record in a CRM or ticketing system.
#[derive(async_graphql::SimpleObject, Clone, Debug)]
pub struct ExternalRef {
    pub system: String,
    pub external_id: String,
}
