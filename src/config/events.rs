//! Where change events go and how they are retried (`CUSTOMERS_NATS_…`, `CUSTOMERS_WEBHOOK…`,
//! `CUSTOMERS_EVENTS_…`). See `docs/events.md`.

use super::{Secret, positive, var};
use anyhow::{Context as _, bail};
use std::time::Duration;

/// One webhook target and the secret its deliveries are signed with.
#[derive(Clone, Debug)]
pub struct WebhookTarget {
    pub url: String,
    pub secret: Secret,
}

#[derive(Clone, Debug)]
pub struct EventSettings {
    /// `CUSTOMERS_NATS_URL`: NATS with JetStream (`nats://host:4222`). Events are published
    /// there (subject = the event type) and live updates fan out through it. Unset: no NATS.
    pub nats_url: Option<String>,
    /// `CUSTOMERS_NATS_STREAM`: the JetStream stream created/ensured for the events.
    /// Default `CUSTOMERS_EVENTS`.
    pub nats_stream: String,
    /// `CUSTOMERS_NATS_SUBJECT_PREFIX`: put before every subject (`staging.` gives
    /// `staging.cx.customers.customer.updated`). Default empty.
    pub nats_subject_prefix: String,
    /// `CUSTOMERS_WEBHOOK_URL` (one or more, separated by spaces or commas) signed with
    /// `CUSTOMERS_WEBHOOK_SECRET`, plus the lines `URL SECRET` of the file
    /// `CUSTOMERS_WEBHOOKS`.
    pub webhooks: Vec<WebhookTarget>,
    /// `CUSTOMERS_EVENTS_SOURCE`: the CloudEvents `source`. Default `/cx/customers`.
    pub source: String,
    /// `CUSTOMERS_EVENTS_MAX_ATTEMPTS`: deliveries tried before an event is dead-lettered.
    /// Default 10.
    pub max_attempts: i32,
    /// `CUSTOMERS_EVENTS_RETRY_BASE_MS`: the first retry's delay, doubled each time up to
    /// `CUSTOMERS_EVENTS_RETRY_MAX_MS`. Defaults 1000 and 300000 (5 minutes).
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// `CUSTOMERS_EVENTS_POLL_MS`: how often an idle dispatcher looks for new events (on
    /// PostgreSQL a commit that adds events also wakes it at once; the poll brings retries
    /// that come due). Default 100.
    pub poll: Duration,
    /// `CUSTOMERS_EVENTS_BATCH`: events per dispatcher round. Default 1000.
    pub batch: u64,
    /// `CUSTOMERS_EVENTS_DISPATCH`: run the dispatcher in this process. Default `true`.
    pub dispatch: bool,
    /// `CUSTOMERS_WEBHOOK_TIMEOUT_MS`: how long one webhook delivery may take. Default 5000.
    pub webhook_timeout: Duration,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            nats_url: None,
            nats_stream: "CUSTOMERS_EVENTS".into(),
            nats_subject_prefix: String::new(),
            webhooks: Vec::new(),
            source: "/cx/customers".into(),
            max_attempts: 10,
            retry_base: Duration::from_millis(1000),
            retry_max: Duration::from_millis(300_000),
            poll: Duration::from_millis(100),
            batch: 1000,
            dispatch: true,
            webhook_timeout: Duration::from_millis(5000),
        }
    }
}

impl EventSettings {
    pub fn from_env() -> anyhow::Result<Self> {
        let d = Self::default();
        let mut webhooks = Vec::new();
        if let Some(urls) = var("CUSTOMERS_WEBHOOK_URL") {
            let secret = var("CUSTOMERS_WEBHOOK_SECRET")
                .context("CUSTOMERS_WEBHOOK_URL needs CUSTOMERS_WEBHOOK_SECRET (deliveries are signed)")?;
            for url in urls.split([' ', ',']).filter(|u| !u.is_empty()) {
                webhooks.push(WebhookTarget { url: checked_url(url)?, secret: Secret::new(secret.clone()) });
            }
        }
        if let Some(path) = var("CUSTOMERS_WEBHOOKS") {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("Failed to read CUSTOMERS_WEBHOOKS ({path})"))?;
            webhooks.extend(parse_webhooks(&text)?);
        }
        Ok(Self {
            nats_url: var("CUSTOMERS_NATS_URL"),
            nats_stream: var("CUSTOMERS_NATS_STREAM").unwrap_or(d.nats_stream),
            nats_subject_prefix: var("CUSTOMERS_NATS_SUBJECT_PREFIX").unwrap_or_default(),
            webhooks,
            source: var("CUSTOMERS_EVENTS_SOURCE").unwrap_or(d.source),
            max_attempts: positive("CUSTOMERS_EVENTS_MAX_ATTEMPTS", d.max_attempts)?,
            retry_base: Duration::from_millis(positive("CUSTOMERS_EVENTS_RETRY_BASE_MS", 1000)?),
            retry_max: Duration::from_millis(positive("CUSTOMERS_EVENTS_RETRY_MAX_MS", 300_000)?),
            poll: Duration::from_millis(positive("CUSTOMERS_EVENTS_POLL_MS", 100)?),
            batch: positive("CUSTOMERS_EVENTS_BATCH", d.batch)?,
            dispatch: super::flag("CUSTOMERS_EVENTS_DISPATCH", true)?,
            webhook_timeout: Duration::from_millis(positive("CUSTOMERS_WEBHOOK_TIMEOUT_MS", 5000)?),
        })
    }
}

fn checked_url(url: &str) -> anyhow::Result<String> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        bail!("a webhook URL must start with https:// or http://");
    }
    url.parse::<axum::http::Uri>().context("a webhook URL is not a valid URL")?;
    Ok(url.to_owned())
}

/// The `CUSTOMERS_WEBHOOKS` file: one `URL SECRET` per line; blank lines and `#` comments
/// are skipped.
pub fn parse_webhooks(text: &str) -> anyhow::Result<Vec<WebhookTarget>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(url), Some(secret), None) = (parts.next(), parts.next(), parts.next()) else {
            bail!("CUSTOMERS_WEBHOOKS line {}: expected `URL SECRET`", n + 1);
        };
        out.push(WebhookTarget { url: checked_url(url)?, secret: Secret::new(secret) });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webhooks_file_holds_one_target_per_line() {
        let targets =
            parse_webhooks("# crm\nhttps://crm.example/hook s3cret\n\nhttp://10.0.0.1:8080/e other\n").unwrap();
        assert_eq!(targets.len(), 2);
        assert_eq!(targets[1].url, "http://10.0.0.1:8080/e");
        assert_eq!(targets[0].secret.expose(), "s3cret");
        assert!(parse_webhooks("https://x.example/no-secret").is_err());
        assert!(parse_webhooks("ftp://x.example/a s").is_err());
    }
}
