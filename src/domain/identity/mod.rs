//! Channel identities: the identifiers a customer is recognised by, normalised on the way
//! in (see [`normalize`]).

mod normalize;

pub use normalize::{IdentityError, NormalizeOptions, UnknownRegion, normalize, parse_region};

use super::id::{CustomerId, IdentityId};
use super::text::short_text;
use super::{Channel, Error, Pii, Result};
use chrono::{DateTime, Utc};

/// A channel identity as stored.
#[derive(Clone, Debug)]
pub struct Identity {
    pub id: IdentityId,
    pub customer_id: CustomerId,
    pub channel: Channel,
    pub provider: Option<String>,
    pub value: Pii,
    pub verified: bool,
    pub primary: bool,
    /// A shared identifier (household phone, switchboard) never resolves to one owner.
    pub shared: bool,
    pub created_at: DateTime<Utc>,
}

impl Identity {
    /// Whether this identity can carry contact on `channel`: its own channel, or a phone
    /// number standing in for another channel that reaches phone numbers (SMS, WhatsApp…).
    pub fn serves(&self, channel: Channel) -> bool {
        self.channel == channel || (self.channel == Channel::Phone && channel.is_phone_based())
    }
}

/// A normalised identity ready to be stored.
#[derive(Clone, Debug)]
pub struct NewIdentity {
    pub channel: Channel,
    pub provider: Option<String>,
    pub value: Pii,
    pub verified: bool,
    pub primary: bool,
    pub shared: bool,
}

/// An identity as a client gives it, before normalisation.
#[derive(Clone, Debug)]
pub struct RawIdentity<'a> {
    pub channel: Channel,
    pub value: &'a str,
    pub provider: Option<&'a str>,
    pub verified: bool,
    pub primary: bool,
    pub shared: bool,
}

impl NewIdentity {
    /// Normalise `raw` given at `field`: errors name `field.value` / `field.provider` and
    /// never repeat the value.
    pub fn parse(field: &str, raw: RawIdentity<'_>, opts: &NormalizeOptions) -> Result<Self> {
        let value = normalize(raw.channel, raw.value, opts)
            .map_err(|e| Error::bad_input(format!("{field}.value"), e.to_string()))?;
        let provider = raw.provider.map(|p| short_text(&format!("{field}.provider"), p, 64)).transpose()?;
        Ok(NewIdentity {
            channel: raw.channel,
            provider,
            value: Pii::new(value),
            verified: raw.verified,
            primary: raw.primary,
            shared: raw.shared,
        })
    }
}
