//! The outbound policy (decision 0015): built in, or read from `CUSTOMERS_OUTBOUND_POLICY`
//! and `CUSTOMERS_HOLIDAYS_DIR` at start-up, so that a wrong file stops the server rather
//! than deciding contact under rules nobody meant.

use super::var;
use crate::domain::contactability::policy::{BUILT_IN_HOLIDAYS, BUILT_IN_POLICY, Policy};
use anyhow::{Context as _, anyhow};
use std::path::Path;

/// The policy as configured (wrapped so that `Settings` can have a default).
#[derive(Clone, Debug, PartialEq)]
pub struct OutboundSettings(pub Policy);

impl Default for OutboundSettings {
    #[allow(clippy::expect_used, reason = "compiled-in data, loaded by a unit test")]
    fn default() -> Self {
        Self(Policy::built_in().expect("the built-in outbound policy loads"))
    }
}

/// Read `CUSTOMERS_OUTBOUND_POLICY` (a policy file) and `CUSTOMERS_HOLIDAYS_DIR` (`<CC>.txt`
/// files, each replacing its country's built-in holidays).
pub fn from_env() -> anyhow::Result<OutboundSettings> {
    let policy = match var("CUSTOMERS_OUTBOUND_POLICY") {
        None => BUILT_IN_POLICY.to_owned(),
        Some(path) => std::fs::read_to_string(&path).with_context(|| format!("Failed to read {path}"))?,
    };
    let mut holidays: Vec<(String, String)> =
        BUILT_IN_HOLIDAYS.iter().map(|(c, t)| ((*c).to_owned(), (*t).to_owned())).collect();
    if let Some(dir) = var("CUSTOMERS_HOLIDAYS_DIR") {
        for (country, text) in read_holidays(Path::new(&dir))? {
            holidays.retain(|(c, _)| c != &country);
            holidays.push((country, text));
        }
    }
    Policy::from_files(&policy, &holidays).map(OutboundSettings).map_err(|e| anyhow!(e))
}

fn read_holidays(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("Failed to read {}", dir.display()))?;
    for entry in entries {
        let path = entry.context("Failed to list the holidays folder")?.path();
        let Some(country) =
            path.file_stem().and_then(|s| s.to_str()).filter(|_| path.extension().is_some_and(|e| e == "txt"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path).with_context(|| format!("Failed to read {}", path.display()))?;
        out.push((country.to_ascii_uppercase(), text));
    }
    Ok(out)
}
