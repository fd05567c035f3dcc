//! The channels through which a customer can be reached.
//!
//! The same SCREAMING_SNAKE_CASE spelling is used everywhere a channel leaves
//! the process: as the GraphQL enum value (async-graphql's default renaming),
//! as the serde representation and as the value stored in the database
//! ([`Channel::as_str`]). Keeping one spelling means a value read from any of
//! those places can be parsed back with [`str::parse`].

use std::fmt;
use std::str::FromStr;

/// The channel a customer is reached on.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Channel {
    /// A voice phone line; the identifier is an E.164 phone number.
    Phone,
    /// An email address, stored lower-cased.
    Email,
    /// A website visitor or web-chat session; the identifier is opaque.
    Web,
    /// A mobile app user or device; the identifier is opaque.
    Mobile,
    /// WhatsApp; the identifier is the E.164 phone number behind the account.
    Whatsapp,
    /// SMS text messages; the identifier is an E.164 phone number.
    Sms,
    /// Facebook / Messenger; the identifier is an opaque page-scoped id.
    Facebook,
    /// Instagram; the identifier is the handle, stored lower-cased without `@`.
    Instagram,
    /// Twitter / X; the identifier is the handle, stored lower-cased without `@`.
    Twitter,
    /// Telegram; the identifier is the username (lower-cased, without `@`) or the numeric user id.
    Telegram,
    /// Viber; the identifier is the E.164 phone number behind the account.
    Viber,
    /// Any other channel; the identifier is opaque.
    Other,
}

/// A string that is not the SCREAMING_SNAKE_CASE name of a [`Channel`].
///
/// Channel names are not personal data, so the offending value is kept to make
/// a bad database row or configuration value easy to find.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("unknown channel {0:?}")]
pub struct UnknownChannel(pub String);

impl Channel {
    /// Every channel, in declaration order.
    pub const ALL: [Channel; 12] = [
        Channel::Phone,
        Channel::Email,
        Channel::Web,
        Channel::Mobile,
        Channel::Whatsapp,
        Channel::Sms,
        Channel::Facebook,
        Channel::Instagram,
        Channel::Twitter,
        Channel::Telegram,
        Channel::Viber,
        Channel::Other,
    ];

    /// The SCREAMING_SNAKE_CASE name: the value stored in the database and the
    /// GraphQL/serde spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Phone => "PHONE",
            Channel::Email => "EMAIL",
            Channel::Web => "WEB",
            Channel::Mobile => "MOBILE",
            Channel::Whatsapp => "WHATSAPP",
            Channel::Sms => "SMS",
            Channel::Facebook => "FACEBOOK",
            Channel::Instagram => "INSTAGRAM",
            Channel::Twitter => "TWITTER",
            Channel::Telegram => "TELEGRAM",
            Channel::Viber => "VIBER",
            Channel::Other => "OTHER",
        }
    }

    /// Whether identifiers on this channel are phone numbers (normalised to
    /// E.164 and masked as phone numbers).
    pub fn is_phone_based(self) -> bool {
        matches!(self, Channel::Phone | Channel::Sms | Channel::Whatsapp | Channel::Viber)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = UnknownChannel;

    /// Parses the exact SCREAMING_SNAKE_CASE name. This is deliberately strict
    /// (no trimming, no case folding): its input is our own database value,
    /// and anything else there is a bug worth surfacing.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| UnknownChannel(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{InputType, Name, Value};
    use serde::Deserialize;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};
    use std::collections::HashSet;

    #[test]
    fn as_str_and_from_str_round_trip_for_every_channel() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>(), Ok(c));
            assert_eq!(c.to_string(), c.as_str());
        }
    }

    #[test]
    fn all_is_complete_and_unique() {
        let names: HashSet<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), 12);
        let expected = [
            "PHONE",
            "EMAIL",
            "WEB",
            "MOBILE",
            "WHATSAPP",
            "SMS",
            "FACEBOOK",
            "INSTAGRAM",
            "TWITTER",
            "TELEGRAM",
            "VIBER",
            "OTHER",
        ];
        let got: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn from_str_is_exact() {
        for bad in ["phone", "Phone", " PHONE", "PHONE ", "", "WHATS_APP", "X"] {
            assert_eq!(bad.parse::<Channel>(), Err(UnknownChannel(bad.to_owned())), "{bad:?}");
        }
    }

    #[test]
    fn unknown_channel_message_names_the_value() {
        assert_eq!(UnknownChannel("FAX".into()).to_string(), r#"unknown channel "FAX""#);
    }

    #[test]
    fn phone_based_channels() {
        let phone: Vec<Channel> = Channel::ALL.into_iter().filter(|c| c.is_phone_based()).collect();
        assert_eq!(phone, [Channel::Phone, Channel::Whatsapp, Channel::Sms, Channel::Viber]);
    }

    #[test]
    fn graphql_names_match_database_names() {
        for c in Channel::ALL {
            let value = c.to_value();
            assert_eq!(value, Value::Enum(Name::new(c.as_str())));
            assert_eq!(Channel::parse(Some(value)).ok(), Some(c));
        }
    }

    #[test]
    fn serde_names_match_database_names() {
        for c in Channel::ALL {
            let de: StrDeserializer<'_, DeError> = c.as_str().into_deserializer();
            assert_eq!(Channel::deserialize(de), Ok(c));
        }
        let de: StrDeserializer<'_, DeError> = "Whatsapp".into_deserializer();
        assert!(Channel::deserialize(de).is_err());
    }
}
