//! Suppression (issue 13, item 2): do-not-contact of one customer per channel and purpose,
//! with a reason and an optional expiry; and suppression lists (national registers,
//! litigators, internal do-not-call lists) whose entries match identities by blind index.

use super::super::Channel;
use super::super::id::{CustomerId, IdentityId};
use chrono::{DateTime, Utc};

/// A do-not-contact of one customer, on one channel or all, for one purpose or all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub id: String,
    pub customer_id: CustomerId,
    /// `None`: every channel.
    pub channel: Option<Channel>,
    /// `None`: every purpose.
    pub purpose: Option<String>,
    /// Why (`customer asked on a call`, `complaint 1234`): not PII by rule, shown to callers.
    pub reason: String,
    pub principal: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was lifted early (`liftSuppression`); the record is kept.
    pub lifted_at: Option<DateTime<Utc>>,
}

impl Suppression {
    /// Whether it stops contact on `channel` (`None`: asks about every channel at once)
    /// for `purpose` at `at`.
    pub fn blocks(&self, channel: Option<Channel>, purpose: &str, at: DateTime<Utc>) -> bool {
        self.in_force(at)
            && self.channel.is_none_or(|c| Some(c) == channel)
            && self.purpose.as_deref().is_none_or(|p| p == purpose)
    }

    fn in_force(&self, at: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|e| at < e) && self.lifted_at.is_none_or(|l| at < l)
    }

    /// `suppressed on SMS for marketing until 2026-06-01: complaint`.
    pub fn describe(&self) -> String {
        let channel = self.channel.map_or("every channel".to_owned(), |c| c.to_string());
        let purpose = self.purpose.as_deref().unwrap_or("every purpose");
        let until = self.expires_at.map(|e| format!(" until {}", e.format("%Y-%m-%d %H:%M UTC"))).unwrap_or_default();
        format!("suppressed on {channel} for {purpose}{until}: {}", self.reason)
    }
}

/// A suppression list: the purposes it applies to (empty: every purpose).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuppressionList {
    pub id: String,
    pub name: String,
    pub reason: String,
    pub purposes: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// One of a customer's identities found on a suppression list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListHit {
    pub identity_id: IdentityId,
    pub list_name: String,
    pub purposes: Vec<String>,
    pub added_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl ListHit {
    pub fn blocks(&self, identity: &IdentityId, purpose: &str, at: DateTime<Utc>) -> bool {
        &self.identity_id == identity
            && (self.purposes.is_empty() || self.purposes.iter().any(|p| p == purpose))
            && self.expires_at.is_none_or(|e| at < e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn suppression(channel: Option<Channel>, purpose: Option<&str>, expires: Option<&str>) -> Suppression {
        Suppression {
            id: "s".into(),
            customer_id: CustomerId::from_stored("c".into()),
            channel,
            purpose: purpose.map(str::to_owned),
            reason: "asked".into(),
            principal: None,
            created_at: t("2026-01-01T00:00:00Z"),
            expires_at: expires.map(t),
            lifted_at: None,
        }
    }

    #[test]
    fn a_suppression_blocks_its_channel_and_purpose_until_it_expires() {
        let at = t("2026-03-01T00:00:00Z");
        let cases = [
            ("every channel, every purpose", suppression(None, None, None), Some(Channel::Sms), "service", true),
            ("its channel", suppression(Some(Channel::Sms), None, None), Some(Channel::Sms), "service", true),
            (
                "not another channel",
                suppression(Some(Channel::Sms), None, None),
                Some(Channel::Email),
                "service",
                false,
            ),
            ("its purpose", suppression(None, Some("marketing"), None), Some(Channel::Sms), "marketing", true),
            ("not another purpose", suppression(None, Some("marketing"), None), Some(Channel::Sms), "service", false),
            ("expired", suppression(None, None, Some("2026-02-01T00:00:00Z")), Some(Channel::Sms), "service", false),
            (
                "not yet expired",
                suppression(None, None, Some("2026-04-01T00:00:00Z")),
                Some(Channel::Sms),
                "service",
                true,
            ),
            (
                "a channel one does not answer for all channels",
                suppression(Some(Channel::Sms), None, None),
                None,
                "service",
                false,
            ),
        ];
        for (name, s, channel, purpose, want) in cases {
            assert_eq!(s.blocks(channel, purpose, at), want, "{name}");
        }
        let mut lifted = suppression(None, None, None);
        lifted.lifted_at = Some(t("2026-02-01T00:00:00Z"));
        assert!(!lifted.blocks(Some(Channel::Sms), "service", at), "lifted");
    }

    #[test]
    fn a_list_hit_blocks_its_identity_for_its_purposes() {
        let at = t("2026-03-01T00:00:00Z");
        let a = IdentityId::from_stored("a".into());
        let b = IdentityId::from_stored("b".into());
        let hit = |purposes: &[&str], expires: Option<&str>| ListHit {
            identity_id: a.clone(),
            list_name: "national DNC".into(),
            purposes: purposes.iter().map(|p| (*p).to_owned()).collect(),
            added_at: t("2026-01-01T00:00:00Z"),
            expires_at: expires.map(t),
        };
        assert!(hit(&[], None).blocks(&a, "service", at));
        assert!(!hit(&[], None).blocks(&b, "service", at));
        assert!(hit(&["marketing"], None).blocks(&a, "marketing", at));
        assert!(!hit(&["marketing"], None).blocks(&a, "service", at));
        assert!(!hit(&[], Some("2026-02-01T00:00:00Z")).blocks(&a, "service", at));
    }
}
