//! Three profiles of one person, as duplicates really look: the survivor, a second profile
//! sharing its email (in another case) with conflicting attributes and consents, and a
//! third with do-not-contact, and what the survivor must look like once they are merged.

use super::*;
use serde_json::{Value, json};

pub struct Trio {
    pub survivor: String,
    /// Merged first: shares the survivor's email and the VIP label.
    pub first: String,
    /// Merged second: do-not-contact.
    pub second: String,
    pub survivor_interaction: String,
    /// Oldest first.
    pub first_interactions: [String; 2],
    pub second_interaction: String,
}

impl Trio {
    pub fn merged(&self) -> [&str; 2] {
        [&self.first, &self.second]
    }
}

pub async fn define_attributes(app: &TestApp) {
    app.define_attribute(json!({ "key": "tier", "type": "ENUM", "enumValues": ["bronze", "silver", "gold"] })).await;
    for key in ["account_manager", "city", "segment", "nps"] {
        app.define_attribute(json!({ "key": key, "type": "STRING" })).await;
    }
}

pub async fn three_profiles(app: &TestApp) -> Trio {
    define_attributes(app).await;
    let vip = app.create_label("VIP").await;
    let churn = app.create_label("Churn risk").await;
    let wholesale = app.create_label("Wholesale").await;

    let survivor = app
        .create_customer(json!({
            "displayName": "Sara Shah",
            "identities": [
                { "channel": "EMAIL", "value": "sara@example.com", "verified": true, "primary": true },
                { "channel": "PHONE", "value": "+923001234567", "primary": true }
            ],
            "labelIds": [vip],
            "attributes": [{ "key": "tier", "value": "gold" }, { "key": "account_manager", "value": "agent-42" }],
            "preferences": { "language": "en", "consents": [
                { "channel": "SMS", "status": "OPT_IN", "source": "web-form" },
                { "channel": "EMAIL", "status": "UNKNOWN" }
            ] },
            "externalRefs": [{ "system": "salesforce", "externalId": "SF-S" }]
        }))
        .await;
    let first = app
        .create_customer(json!({
            "displayName": "Sara S.",
            "identities": [
                { "channel": "EMAIL", "value": " Sara@Example.COM ", "primary": true },
                { "channel": "PHONE", "value": "+923331234567", "verified": true, "primary": true }
            ],
            "labelIds": [vip, churn],
            "attributes": [{ "key": "tier", "value": "silver" }, { "key": "city", "value": "Lahore" }],
            "preferences": { "language": "ur", "timezone": "Asia/Karachi", "consents": [
                { "channel": "SMS", "status": "OPT_OUT", "source": "ivr" },
                { "channel": "EMAIL", "status": "OPT_IN", "source": "web-form" }
            ] },
            "externalRefs": [{ "system": "zendesk", "externalId": "ZD-A" }]
        }))
        .await;
    let phone = app.identity_id(&first, "PHONE").await;
    app.admin(SET_PREFERENCES, json!({ "customerId": first, "input": { "preferredIdentityId": phone } })).await;
    let second = app
        .create_customer(json!({
            "identities": [
                { "channel": "WHATSAPP", "value": "+923451234567", "primary": true },
                { "channel": "EMAIL", "value": "s.shah@example.com", "primary": true }
            ],
            "labelIds": [wholesale],
            "attributes": [
                { "key": "tier", "value": "bronze" },
                { "key": "city", "value": "Karachi" },
                { "key": "segment", "value": "smb" }
            ],
            "preferences": { "doNotContact": true, "consents": [{ "channel": "WHATSAPP", "status": "OPT_IN" }] },
            "externalRefs": [{ "system": "salesforce", "externalId": "SF-B" }]
        }))
        .await;

    outbound_records(app, &survivor, &first, &second).await;

    let survivor_interaction = id(&app.link(&survivor, conversation("conv-s-1", "2026-01-01T10:00:00Z")).await);
    let first_interactions = [
        id(&app.link(&first, conversation("conv-a-1", "2026-01-02T10:00:00Z")).await),
        id(&app.link(&first, conversation("conv-a-2", "2026-01-03T10:00:00Z")).await),
    ];
    let second_interaction = id(&app.link(&second, conversation("conv-b-1", "2026-01-04T10:00:00Z")).await);
    Trio { survivor, first, second, survivor_interaction, first_interactions, second_interaction }
}

const RECORD_CONSENT: &str = "mutation($input: ConsentInput!) { recordConsent(input: $input) { id } }";
const SUPPRESS: &str = "mutation($input: SuppressionInput!) { suppressContact(input: $input) { id } }";

/// Consent records (channel-wide, and per identity: on the email the survivor also holds,
/// which the merge drops, and on a phone number that moves) and suppressions on each.
async fn outbound_records(app: &TestApp, survivor: &str, first: &str, second: &str) {
    let consent = |customer: &str, channel: &str, identity: Option<String>, purpose: &str, status: &str| {
        json!({ "input": { "customerId": customer, "channel": channel, "identityId": identity, "purpose": purpose,
            "status": status, "source": "web-form", "wording": "marketing-v2", "evidenceRef": "form 17",
            "givenAt": "2026-01-01T09:00:00Z" } })
    };
    let survivor_email = app.identity_id(survivor, "EMAIL").await;
    app.admin(RECORD_CONSENT, consent(survivor, "EMAIL", Some(survivor_email), "marketing", "OPT_IN")).await;
    let first_email = app.identity_id(first, "EMAIL").await;
    let first_phone = app.identity_id(first, "PHONE").await;
    app.admin(RECORD_CONSENT, consent(first, "EMAIL", Some(first_email), "marketing", "OPT_OUT")).await;
    app.admin(RECORD_CONSENT, consent(first, "PHONE", Some(first_phone), "service", "OPT_IN")).await;
    app.admin(RECORD_CONSENT, consent(first, "SMS", None, "*", "OPT_OUT")).await;
    app.admin(RECORD_CONSENT, consent(second, "WHATSAPP", None, "marketing", "OPT_IN")).await;
    let suppress = |customer: &str, channel: Option<&str>| json!({ "input": { "customerId": customer, "channel": channel, "purpose": "collections", "reason": "dispute" } });
    app.admin(SUPPRESS, suppress(survivor, Some("PHONE"))).await;
    app.admin(SUPPRESS, suppress(first, None)).await;
    app.admin(SUPPRESS, suppress(second, Some("WHATSAPP"))).await;
}

/// Two profiles holding the same email, the second preferring it for outbound contact;
/// returns (survivor, merged, the merged profile's email identity).
pub async fn duplicates_preferring_the_shared_email(app: &TestApp) -> (String, String, String) {
    let email = |value: &str| json!({ "identities": [{ "channel": "EMAIL", "value": value }] });
    let survivor = app.create_customer(email("sam@example.com")).await;
    let merged = app.create_customer(email("Sam@Example.com")).await;
    let identity = app.identity_id(&merged, "EMAIL").await;
    app.admin(SET_PREFERENCES, json!({ "customerId": merged, "input": { "preferredIdentityId": identity } })).await;
    (survivor, merged, identity)
}

fn identity(channel: &str, value: &str, primary: bool, verified: bool) -> Value {
    json!({ "channel": channel, "value": value, "primary": primary, "verified": verified })
}

/// The survivor's 360° view once the trio is merged (survivor, then first, then second).
pub fn merged_view(trio: &Trio) -> Value {
    let attribute = |key: &str, value: &str| json!({ "key": key, "value": value });
    let interaction = |id: &str| json!({ "node": { "id": id } });
    json!({
        "id": trio.survivor,
        "displayName": "Sara Shah",
        "status": "ACTIVE",
        "mergedInto": null,
        // Sorted by channel and value; one primary per channel, the survivor's where it had one.
        "identities": [
            identity("EMAIL", "s.shah@example.com", false, false),
            identity("EMAIL", "sara@example.com", true, true),
            identity("PHONE", "+923001234567", true, false),
            identity("PHONE", "+923331234567", false, true),
            identity("WHATSAPP", "+923451234567", true, false),
        ],
        "labels": [{ "name": "Churn risk" }, { "name": "VIP" }, { "name": "Wholesale" }],
        "preferences": {
            "language": "en",
            "timezone": "Asia/Karachi",
            "preferredIdentity": { "channel": "PHONE", "value": "+923331234567" },
            "doNotContact": true,
            "consents": [
                { "channel": "EMAIL", "status": "UNKNOWN", "source": null },
                { "channel": "SMS", "status": "OPT_OUT", "source": "ivr" },
                { "channel": "WHATSAPP", "status": "OPT_IN", "source": null }
            ]
        },
        "attributes": [
            attribute("account_manager", "agent-42"),
            attribute("city", "Lahore"),
            attribute("segment", "smb"),
            attribute("tier", "gold")
        ],
        "externalRefs": [
            { "system": "salesforce", "externalId": "SF-B" },
            { "system": "salesforce", "externalId": "SF-S" },
            { "system": "zendesk", "externalId": "ZD-A" }
        ],
        "interactions": { "edges": [
            interaction(&trio.second_interaction),
            interaction(&trio.first_interactions[1]),
            interaction(&trio.first_interactions[0]),
            interaction(&trio.survivor_interaction)
        ] }
    })
}
