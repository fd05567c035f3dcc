//! Connecting to the PostgreSQL server the tests use.

use sea_orm::{ConnectOptions, DatabaseConnection};
use std::time::Duration;

/// Per session, for speed: a test database need not survive a crash of the server.
const SESSION_OPTIONS: &str = "options=-c%20synchronous_commit%3Doff";

/// The administrative connection, or why there is none. A refused TCP connection answers
/// at once (sqlx would retry it until its timeout, for each of the PostgreSQL tests).
pub(super) async fn reachable(admin_url: &str) -> Result<DatabaseConnection, String> {
    let host = server(admin_url);
    if !host.is_empty() {
        let address = if host.contains(':') && !host.ends_with(']') { host.to_owned() } else { format!("{host}:5432") };
        let connect = tokio::net::TcpStream::connect(address);
        match tokio::time::timeout(Duration::from_secs(2), connect).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(e.to_string()),
            Err(_) => return Err("no answer within 2 s".into()),
        }
    }
    connect_admin(admin_url).await.map_err(|e| e.to_string())
}

/// One connection (the advisory lock belongs to a session) to the administrative database.
pub(super) async fn connect_admin(admin_url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(with_session_options(admin_url));
    options.max_connections(1).min_connections(1).connect_timeout(Duration::from_secs(3)).sqlx_logging(false);
    sea_orm::Database::connect(options).await
}

/// The URL of another database on the same server, with the test session options.
pub(super) fn database_url(admin_url: &str, database: &str) -> String {
    let (without_query, query) = admin_url.split_once('?').unwrap_or((admin_url, ""));
    let authority_end = without_query.find("://").map_or(0, |i| i + 3);
    let server = match without_query[authority_end..].find('/') {
        Some(slash) => &without_query[..authority_end + slash],
        None => without_query,
    };
    let url = if query.is_empty() { format!("{server}/{database}") } else { format!("{server}/{database}?{query}") };
    with_session_options(&url)
}

/// Adds the test session options, and on this machine no TLS (a TLS handshake costs a
/// debug build some 90 ms, and every test connects three times), unless the URL says otherwise.
fn with_session_options(url: &str) -> String {
    let (_, query) = url.split_once('?').unwrap_or((url, ""));
    let has = |key: &str| query.split('&').any(|p| p.starts_with(key));
    let host = server(url);
    let local = ["127.0.0.1", "localhost", "[::1]"].iter().any(|h| host == *h || host.starts_with(&format!("{h}:")));
    let mut extra = Vec::new();
    if !has("options=") {
        extra.push(SESSION_OPTIONS);
    }
    if local && !has("sslmode=") {
        extra.push("sslmode=disable");
    }
    match (extra.is_empty(), query.is_empty()) {
        (true, _) => url.to_owned(),
        (false, true) => format!("{}?{}", url.trim_end_matches('?'), extra.join("&")),
        (false, false) => format!("{url}&{}", extra.join("&")),
    }
}

/// `host[:port]` of a URL (empty for a Unix socket).
fn server(url: &str) -> &str {
    let authority = url.split_once("://").map_or("", |(_, rest)| rest).split(['/', '?']).next().unwrap_or_default();
    authority.rsplit_once('@').map_or(authority, |(_, host)| host)
}

/// The URL without its password, for messages.
pub(super) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    match rest.split_once('@') {
        Some((credentials, host)) if credentials.contains(':') => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}
