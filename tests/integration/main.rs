//! The integration tests, one binary: the API through the real app on SQLite and on
//! PostgreSQL (`api`, `anomaly`, `catalogue`, `events`, `merging`, `races`), the binary as a newcomer runs it
//! (`cli`), hostile clients and broken dependencies (`hardening`), and the subgraph behind a real federation gateway (`federation`).

mod common;

mod anomaly;
mod api;
mod browser;
mod catalogue;
mod cli;
mod envelope;
mod events;
mod federation;
mod governance;
mod graphql_http;
mod hardening;
mod history;
mod import;
mod merging;
mod outbound;
mod privacy;
mod provider;
mod races;
mod search;
mod seeding;
