//! Subcommands of the `customers` binary that have more than wiring to them, one module
//! each, so that `main.rs` stays the list of commands.

pub mod contactability;
pub mod suppression;
