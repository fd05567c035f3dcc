//! Subcommands of the `customers` binary that have more than wiring to them, one module
//! each, so that `main.rs` stays the list of commands.

pub mod audit;
pub mod contactability;
pub mod events;
pub mod export;
pub mod suppression;

use anyhow::Context as _;
use std::io::BufRead;
use std::path::Path;

/// The lines to read: `file`, or standard input.
pub fn input(file: Option<&Path>) -> anyhow::Result<Box<dyn BufRead>> {
    Ok(match file {
        Some(path) => Box::new(std::io::BufReader::new(
            std::fs::File::open(path).with_context(|| format!("Failed to open {}", path.display()))?,
        )),
        None => Box::new(std::io::BufReader::new(std::io::stdin())),
    })
}

/// A domain error as the command line says it, after the option or field it is about (an
/// internal one without its cause, which is logged: it could quote values). `option` names
/// the command-line option of a field (`listId` → `--list`).
pub fn failed(error: customers::domain::Error, option: impl Fn(&str) -> Option<&'static str>) -> anyhow::Error {
    if let customers::domain::Error::Internal(cause) = &error {
        tracing::error!(error = format!("{cause:#}"), "internal error");
    }
    match error.field() {
        Some(field) => anyhow::anyhow!("{}: {error}", option(field).unwrap_or(field)),
        None => anyhow::anyhow!("{error}"),
    }
}

/// Who acts from the command line, as the audit log names it.
pub fn actor() -> customers::domain::audit::Actor {
    customers::domain::audit::Actor::system("cli")
}
