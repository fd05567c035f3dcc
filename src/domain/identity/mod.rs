//! Channel identities: the identifiers a customer is recognised by, normalised on the way
//! in (see [`normalize`]).

mod normalize;

pub use normalize::{IdentityError, NormalizeOptions, UnknownRegion, normalize, parse_region};

use super::id::{CustomerId, IdentityId};
use super::text::short_text;
use super::{Channel, Error, Pii, Result};
use chrono::{DateTime, Utc};

/// The most identities one profile holds (a hostile client cannot grow one without end).
pub const MAX_PER_PROFILE: usize = 50;

/// A channel identity as stored: the identifier and its flags, whose it is, since when.
#[derive(Clone, Debug)]
pub struct Identity {
    pub id: IdentityId,
    pub customer_id: CustomerId,
    pub spec: IdentitySpec,
    pub created_at: DateTime<Utc>,
}

impl Identity {
    /// Whether this identity can carry contact on `channel`: its own channel, or a phone
    /// number standing in for another channel that reaches phone numbers (SMS, WhatsApp…).
    pub fn serves(&self, channel: Channel) -> bool {
        let own = self.spec.channel;
        own == channel || (own == Channel::Phone && channel.is_phone_based())
    }
}

/// A normalised identifier on one channel with its flags, as added to a profile. A shared
/// one (household phone, switchboard) never resolves to one owner.
#[derive(Clone, Debug)]
pub struct IdentitySpec {
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

impl IdentitySpec {
    /// Normalise `raw` given at `field`: errors name `field.value` / `field.provider` and
    /// never repeat the value.
    pub fn parse(field: &str, raw: RawIdentity<'_>, opts: &NormalizeOptions) -> Result<Self> {
        let value = normalize(raw.channel, raw.value, opts)
            .map_err(|e| Error::bad_input(format!("{field}.value"), e.to_string()))?;
        let provider = raw.provider.map(|p| short_text(&format!("{field}.provider"), p, 64)).transpose()?;
        Ok(IdentitySpec {
            channel: raw.channel,
            provider,
            value: Pii::new(value),
            verified: raw.verified,
            primary: raw.primary,
            shared: raw.shared,
        })
    }
}
