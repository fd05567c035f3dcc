//! The GraphQL over HTTP conformance audit (npm graphql-http's `auditServer`, run by
//! tests/graphql-http/audit.mjs) against the real `customers` binary: no MUST failure and
//! no SHOULD warning.
//!
//! Needs Node.js and the pinned package: `npm ci --prefix tests/graphql-http`
//! (`scripts/test` does it).

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server, stopped however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_customers"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CUSTOMERS_DATABASE_URL", format!("sqlite://{}/customers.db?mode=rwc", dir.display()))
        .env("CUSTOMERS_DATA_DIR", dir)
        .env("CUSTOMERS_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the customers binary");
    let mut server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("the server exited early: {status}");
        }
        assert!(Instant::now() < deadline, "the server did not start listening");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

#[test]
fn the_server_passes_the_graphql_over_http_audit() {
    let audit = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graphql-http");
    assert!(
        audit.join("node_modules/graphql-http").exists(),
        "graphql-http is not installed: run `npm ci --prefix tests/graphql-http` (scripts/test does it)"
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let _server = serve(dir.path(), port);
    let output = Command::new("node")
        .arg(audit.join("audit.mjs"))
        .env("GRAPHQL_HTTP_URL", format!("http://127.0.0.1:{port}/graphql"))
        .output()
        .expect("node runs (Node.js 20 or later must be installed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the audit found MUST failures or SHOULD warnings:\n{stdout}\n{stderr}");
    assert!(stdout.contains(" 0 MUST failures, 0 SHOULD warnings"), "no audit ran:\n{stdout}\n{stderr}");
}
