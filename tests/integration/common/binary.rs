//! The real `customers` binary, configured for a test app's database, key store and
//! master key: for the command-line jobs (`import`, `export`, `reindex`, `contactability`).

use super::{SECRET, TEST_MASTER_KEY, TestApp};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_customers");

impl TestApp {
    /// The binary on this app's database (the default region PK, logs as JSON).
    pub fn binary(&self) -> Command {
        let db = self.database();
        let mut cmd = Command::new(BIN);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("CUSTOMERS_DATABASE_URL", db.url())
            .env("CUSTOMERS_KEYSTORE_URL", db.keystore_url())
            .env("CUSTOMERS_MASTER_KEY", TEST_MASTER_KEY)
            .env("CUSTOMERS_JWT_SECRET", SECRET)
            .env("CUSTOMERS_DATA_DIR", db.data_dir())
            .env("CUSTOMERS_DEFAULT_REGION", "PK")
            .env("CUSTOMERS_LOG_FORMAT", "json");
        cmd
    }
}
