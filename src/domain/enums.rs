//! Small closed sets of values. Each is a GraphQL enum and is stored as its GraphQL name,
//! so the database reads the same as the API.

/// Declares a GraphQL enum with `as_str` / `parse` in its SCREAMING_SNAKE_CASE name.
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

stored_enum! {
    /// Lifecycle of a profile.
    CustomerStatus {
        /// A known customer.
        Active => "ACTIVE",
        /// Created on first contact from an identifier nobody held; no name yet.
        Anonymous => "ANONYMOUS",
        /// Merged into another profile (`mergedInto`); kept so old ids still resolve.
        Merged => "MERGED",
        /// Erased (right to erasure): a tombstone without personal data or children, kept so
        /// that ids held by other systems still resolve.
        Erased => "ERASED",
    }
}

stored_enum! {
    /// Where a label or assignment came from.
    LabelSource {
        /// Set by an agent or supervisor.
        Manual => "MANUAL",
        /// Synced from a CRM or ticketing system: only the CRM sync, or a caller with
        /// `labels:manage`, removes such an assignment.
        Crm => "CRM",
        /// Assigned by an automatic rule (segmentation, routing).
        Rule => "RULE",
    }
}

stored_enum! {
    /// How the customer felt in an interaction, as the agent or an analysis judged it.
    Sentiment {
        Negative => "NEGATIVE",
        Neutral => "NEUTRAL",
        Positive => "POSITIVE",
    }
}

stored_enum! {
    /// Consent to be contacted on one channel.
    ConsentStatus {
        /// The customer agreed to be contacted on the channel; marketing needs this.
        OptIn => "OPT_IN",
        /// The customer refused: no contact on the channel, whatever the purpose.
        OptOut => "OPT_OUT",
        /// Not asked or not known: service contact is allowed, marketing is not.
        Unknown => "UNKNOWN",
    }
}

impl ConsentStatus {
    /// How much the status restricts contact: `OPT_IN` < `UNKNOWN` < `OPT_OUT`.
    fn strictness(self) -> u8 {
        match self {
            ConsentStatus::OptIn => 0,
            ConsentStatus::Unknown => 1,
            ConsentStatus::OptOut => 2,
        }
    }
}

/// The one ordering of consents: stricter is greater, so `max` is the strictest (what
/// contactability obeys, and what a merge keeps).
impl Ord for ConsentStatus {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.strictness().cmp(&other.strictness())
    }
}

impl PartialOrd for ConsentStatus {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

stored_enum! {
    /// A day of the week, in the customer's timezone.
    DayOfWeek {
        /// Monday.
        Monday => "MONDAY",
        /// Tuesday.
        Tuesday => "TUESDAY",
        /// Wednesday.
        Wednesday => "WEDNESDAY",
        /// Thursday.
        Thursday => "THURSDAY",
        /// Friday.
        Friday => "FRIDAY",
        /// Saturday.
        Saturday => "SATURDAY",
        /// Sunday.
        Sunday => "SUNDAY",
    }
}

stored_enum! {
    /// What an interaction is.
    InteractionKind {
        /// A conversation owned by the conversations subgraph.
        Conversation => "CONVERSATION",
        /// Any other activity: a callback, a campaign touch, a ticket update.
        Activity => "ACTIVITY",
    }
}

stored_enum! {
    /// Who started an interaction.
    Direction {
        /// Started by the customer (an incoming call, a message to us).
        Inbound => "INBOUND",
        /// Started by us (a callback, a campaign message).
        Outbound => "OUTBOUND",
    }
}

stored_enum! {
    /// The type an attribute's values must have.
    AttributeType {
        /// A JSON string of at most 4096 characters.
        String => "STRING",
        /// A JSON number; whole numbers are stored without a fraction.
        Number => "NUMBER",
        /// `true` or `false`.
        Boolean => "BOOLEAN",
        /// `YYYY-MM-DD`.
        Date => "DATE",
        /// RFC 3339 with an offset.
        #[graphql(name = "DATETIME")]
        DateTime => "DATETIME",
        /// One of the definition's `enumValues`.
        Enum => "ENUM",
        /// Any JSON value.
        Json => "JSON",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for s in [CustomerStatus::Active, CustomerStatus::Anonymous, CustomerStatus::Merged] {
            assert_eq!(CustomerStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(AttributeType::parse("DATETIME"), Some(AttributeType::DateTime));
        assert_eq!(ConsentStatus::parse("opt_in"), None);
    }

    #[test]
    fn the_strictest_consent_is_the_greatest() {
        use ConsentStatus::*;
        assert_eq!([OptIn, OptOut, Unknown].into_iter().max(), Some(OptOut));
        assert_eq!([OptIn, Unknown].into_iter().max(), Some(Unknown));
    }
}
