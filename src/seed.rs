//! `customers seed-demo`: a small, realistic data set so a newcomer sees a populated
//! 360° view. Running it twice does nothing the second time.

//! It goes through the same input parsing as the API, as a client would.

use crate::domain::Channel;
use crate::domain::audit::Actor;
use crate::domain::enums::{AttributeType, ConsentStatus, DayOfWeek, Direction, InteractionKind};
use crate::graphql::inputs::*;
use crate::service::Services;
use crate::store::labels;
use async_graphql::{ID, Json, MaybeUndefined};
use chrono::{Duration, Utc};
use serde_json::json;

fn ident(channel: Channel, value: &str, primary: bool) -> ChannelIdentityInput {
    ChannelIdentityInput { channel, value: value.into(), provider: None, verified: true, primary, shared: false }
}

fn attr(key: &str, value: serde_json::Value) -> AttributeInput {
    AttributeInput { key: key.into(), value: Some(Json(value)) }
}

pub async fn demo(services: &Services) -> anyhow::Result<()> {
    if !labels::all(&services.store.db).await?.is_empty() {
        tracing::info!("the catalogue already has labels: demo data not loaded again");
        return Ok(());
    }
    let admin = Actor::system("seed-demo");
    for (key, label, attr_type, pii, enum_values) in [
        ("tier", "Customer tier", AttributeType::Enum, false, Some(vec!["bronze", "silver", "gold"])),
        ("lifetime_value", "Lifetime value (USD)", AttributeType::Number, false, None),
        ("date_of_birth", "Date of birth", AttributeType::Date, true, None),
        ("account_number", "Account number", AttributeType::String, true, None),
    ] {
        let input = AttributeDefinitionInput {
            key: key.into(),
            label: Some(label.into()),
            attr_type,
            pii,
            required: false,
            searchable: false,
            confirm_pii_removal: false,
            enum_values: enum_values.map(|v| v.into_iter().map(String::from).collect()),
        };
        services.define_attribute(&admin, input.parse()?).await?;
    }
    let mut label_ids = Vec::new();
    for (name, color, description) in [
        ("VIP", "#d4af37", "High-value customer: route to the priority queue"),
        ("High-priority debtor", "#c0392b", "Collections: overdue more than 60 days"),
        ("Campaign: Spring 2026", "#27ae60", "Segment of the spring retention campaign"),
    ] {
        let input = LabelInput {
            name: name.into(),
            color: MaybeUndefined::Value(color.into()),
            description: MaybeUndefined::Value(description.into()),
        };
        let l = services.create_label(&admin, input.spec()?).await?;
        label_ids.push(ID(l.id.to_string()));
    }
    let people = [
        (
            "Ayesha Khan",
            vec![
                ident(Channel::Phone, "+92 300 1234567", true),
                ident(Channel::Email, "Ayesha.Khan@example.com", true),
            ],
            "gold",
            18250.0,
            vec![0, 2],
        ),
        (
            "Oliver Smith",
            vec![ident(Channel::Phone, "+44 20 7946 0958", true), ident(Channel::Whatsapp, "+447911123456", false)],
            "silver",
            2300.5,
            vec![1],
        ),
        (
            "María García",
            vec![ident(Channel::Email, "maria.garcia@example.es", true), ident(Channel::Web, "visitor-7f3a9c", false)],
            "bronze",
            120.0,
            vec![2],
        ),
    ];
    for (n, (name, identities, tier, ltv, labels_of)) in people.into_iter().enumerate() {
        let preferences = PreferenceInput {
            language: MaybeUndefined::Value(["ur-PK", "en-GB", "es-ES"][n].into()),
            timezone: MaybeUndefined::Value(["Asia/Karachi", "Europe/London", "Europe/Madrid"][n].into()),
            preferred_channel: MaybeUndefined::Value([Channel::Phone, Channel::Whatsapp, Channel::Email][n]),
            best_time_to_contact: Some(vec![TimeWindowInput {
                days: vec![
                    DayOfWeek::Monday,
                    DayOfWeek::Tuesday,
                    DayOfWeek::Wednesday,
                    DayOfWeek::Thursday,
                    DayOfWeek::Friday,
                ],
                start: "09:00".into(),
                end: "18:00".into(),
            }]),
            consents: Some(vec![ChannelConsentInput {
                channel: Channel::Sms,
                status: ConsentStatus::OptIn,
                source: Some("web-form".into()),
            }]),
            ..Default::default()
        };
        let input = CreateCustomerInput {
            display_name: Some(name.into()),
            identities,
            attributes: vec![
                attr("tier", json!(tier)),
                attr("lifetime_value", json!(ltv)),
                attr("date_of_birth", json!("1988-04-12")),
            ],
            label_ids: labels_of.into_iter().map(|i: usize| label_ids[i].clone()).collect(),
            preferences: Some(preferences),
            external_refs: vec![ExternalRefInput {
                system: "salesforce".into(),
                external_id: format!("003DEMO{n:04}"),
            }],
        };
        let customer = services.create_customer(&admin, input.parse("input", &services.normalize)?).await?;
        for days_ago in [30, 7, 1] {
            let started_at = Utc::now() - Duration::days(days_ago);
            let interaction = InteractionInput {
                conversation_id: Some(ID(format!("conv-{n}-{days_ago}"))),
                kind: InteractionKind::Conversation,
                channel: Channel::Phone,
                direction: if days_ago == 7 { Direction::Outbound } else { Direction::Inbound },
                started_at,
                ended_at: Some(started_at + Duration::minutes(6)),
                summary: Some(["Billing question", "Renewal offer", "Delivery status"][(days_ago % 3) as usize].into()),
                agent_id: Some(ID("agent-42".into())),
                outcome: Some(["resolved", "accepted", "resolved"][(days_ago % 3) as usize].into()),
                topic: Some(["billing", "renewal", "delivery"][(days_ago % 3) as usize].into()),
                sentiment: None,
                metadata: None,
                idempotency_key: None,
            };
            services.link_interaction(&admin, &customer.id, interaction.parse("interaction")?).await?;
        }
    }
    Ok(())
}
