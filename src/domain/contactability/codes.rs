//! Machine-readable reason codes: one per check that ran, beside the sentences, so that a
//! campaign tool can act and report on a decision without parsing English.

/// Why a contactability decision came out as it did; several per decision, in the
/// order the checks ran.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReasonCode {
    /// The profile's global do-not-contact flag is set.
    DoNotContact,
    /// A do-not-contact on the channel and purpose (`suppressContact`) is in force.
    Suppressed,
    /// The identity is on a suppression list (national register, litigators, internal list).
    SuppressionListed,
    /// The latest consent for the identity or channel and purpose is an opt-out.
    OptedOut,
    /// The purpose needs an explicit opt-in and there is none in force.
    NoConsent,
    /// A consent that would have allowed contact has expired.
    ConsentExpired,
    /// An opt-in in force allows the contact.
    ConsentGiven,
    /// The customer has no identity on the channel.
    NoIdentity,
    /// A shared identity (household, switchboard) is excluded for the purpose.
    SharedExcluded,
    /// An unverified identity is excluded for the purpose.
    UnverifiedExcluded,
    /// No channel is usable for the purpose.
    NoUsableChannel,
    /// A channel was chosen.
    ChannelChosen,
    /// An identity was chosen.
    IdentityChosen,
    /// The profile has no contact windows: any time suits the customer.
    NoContactWindows,
    /// Inside one of the customer's contact windows.
    InsideContactWindow,
    /// Outside the customer's contact windows.
    OutsideContactWindow,
    /// The profile has no (valid) timezone and none could be derived: UTC was used.
    TimezoneUnknown,
    /// The profile has no timezone: it was derived from the phone number's country.
    TimezoneDerived,
    /// Inside the statutory calling hours of the number's country.
    InsideCallingHours,
    /// Outside the statutory calling hours of the number's country.
    OutsideCallingHours,
    /// A public holiday of the number's country: no calls for the purpose.
    PublicHoliday,
    /// No calling rules are configured for the number's country.
    NoCallingRules,
    /// The daily attempt cap for the purpose is reached.
    DailyCapReached,
    /// The weekly attempt cap for the purpose is reached.
    WeeklyCapReached,
    /// Under the purpose's attempt caps.
    UnderCaps,
    /// The customer id does not name a live profile (unknown, merged or erased).
    UnknownCustomer,
}
