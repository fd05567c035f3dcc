//! The end-to-end federation test (tests/federation/e2e.test.mjs) as part of the one test
//! command: it starts this crate's `customers` binary, a conversations subgraph and Hive
//! Gateway over the composed supergraph, and queries through the gateway.
//!
//! Needs Node.js and the pinned packages: `npm ci --prefix tests/federation`
//! (`scripts/test` does it).

use std::path::Path;
use std::process::Command;

#[test]
fn the_subgraph_works_behind_a_real_federation_gateway() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/federation");
    assert!(
        dir.join("node_modules/@graphql-hive/gateway").exists(),
        "the gateway is not installed: run `npm ci --prefix tests/federation` (scripts/test does it)"
    );
    let output = Command::new("node")
        .arg("--test")
        .arg("--test-reporter=tap")
        .arg(dir.join("e2e.test.mjs"))
        .env("CUSTOMERS_BIN", env!("CARGO_BIN_EXE_customers"))
        .output()
        .expect("node runs (Node.js 20 or later must be installed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the federation e2e test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("# fail 0") && !stdout.contains("# pass 0"), "no e2e test ran:\n{stdout}");
}
