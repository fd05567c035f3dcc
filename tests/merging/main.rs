//! Merging customer profiles, undoing a merge, and re-linking interactions, end to end
//! through GraphQL, each test on SQLite and on PostgreSQL: what moves where, what wins a
//! conflict, that an unmerge puts every row back, that errors and failures write nothing,
//! and that a dry run only shows.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod scenario;
mod snapshot;
mod support;

mod atomicity;
mod dry_run;
mod errors;
mod merge;
mod relink;
mod unmerge;
mod visitor;
