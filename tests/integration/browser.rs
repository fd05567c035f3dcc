//! The GraphiQL page: served from the binary with Subresource Integrity and a
//! Content-Security-Policy, and, in a real browser (Debian's Chromium driven by
//! tests/browser/graphiql.test.mjs), working with nothing fetched from outside the service.
//!
//! The browser test needs `/usr/bin/chromium` (`apt-get install -y chromium`; `.ci/run`
//! installs it) and `npm ci --prefix tests/browser` (`scripts/test` does it).

use crate::cli::{customers, free_port};
use crate::common::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use std::io::Read as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn page_request() -> Request<Body> {
    Request::get("/graphql").header("accept", "text/html").body(Body::empty()).unwrap()
}

/// The `src` and `href` of the page's scripts and stylesheets.
fn asset_paths(html: &str) -> Vec<String> {
    html.split('"').filter(|s| s.starts_with("/graphql/assets/")).map(str::to_owned).collect()
}

#[tokio::test]
async fn the_graphiql_page_loads_only_its_own_assets_under_a_strict_policy() {
    let app = TestApp::sqlite().await;
    let page = app.raw(page_request()).await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    for directive in ["default-src 'none'", "script-src 'self';", "connect-src 'self';", "frame-ancestors 'none'"] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    let html = String::from_utf8(page.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(!html.contains("http://") && !html.contains("https://"), "{html}");
    let paths = asset_paths(&html);
    assert_eq!(paths.len(), 6, "GraphiQL's and the page's stylesheets, React, ReactDOM, GraphiQL, init: {html}");

    for path in paths {
        let resp = app.raw(Request::get(&path).body(Body::empty()).unwrap()).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let kind = if path.ends_with(".js") { "text/javascript" } else { "text/css" };
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with(kind), "{path}");
        assert_eq!(resp.headers()["cache-control"], "public, max-age=31536000, immutable", "{path}");
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff", "{path}");
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let integrity = {
            use base64::Engine as _;
            use sha2::Digest as _;
            format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(&bytes)))
        };
        assert!(html.contains(&format!("\"{path}\" integrity=\"{integrity}\"")), "{path} with its integrity");
    }
    let unknown = app.raw(Request::get("/graphql/assets/graphiql.js").body(Body::empty()).unwrap()).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn with_graphiql_off_neither_the_page_nor_its_assets_are_served() {
    let on = TestApp::sqlite().await;
    let html = on.raw(page_request()).await.into_body().collect().await.unwrap().to_bytes();
    let asset = asset_paths(&String::from_utf8_lossy(&html)).remove(0);
    let off = TestApp::sqlite_configured(|s| s.graphiql = false).await;
    assert_eq!(off.raw(page_request()).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(off.raw(Request::get(&asset).body(Body::empty()).unwrap()).await.status(), StatusCode::NOT_FOUND);
}

/// The `customers` binary on a free port, with its own SQLite database and data folder;
/// stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path) -> Server {
    let port = free_port();
    let seeded = customers(dir, port).arg("seed-demo").output().unwrap();
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let child = customers(dir, port).arg("serve").stdout(Stdio::null()).stderr(log).spawn().unwrap();
    let mut server = Server { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready(port) {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("the server exited early: {status}\n{}", std::fs::read_to_string(dir.join("server.log")).unwrap());
        }
        assert!(Instant::now() < deadline, "the server did not become ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

fn ready(port: u16) -> bool {
    use std::io::Write as _;
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = write!(stream, "GET /readyz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

#[test]
fn graphiql_runs_the_360_view_in_a_real_browser_with_nothing_fetched_from_outside() {
    let browser_tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser_tests.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed: run `npm ci --prefix tests/browser` (scripts/test does it)"
    );
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "Chromium is not installed: run `apt-get install -y chromium` (.ci/run does it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let token = customers(dir.path(), server.port)
        .args(["token", "--scope", "customers:read pii:read", "--sub", "browser"])
        .output()
        .unwrap();
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();

    let output = Command::new("node")
        .arg(browser_tests.join("graphiql.test.mjs"))
        .env("CUSTOMERS_URL", format!("http://127.0.0.1:{}", server.port))
        .env("CUSTOMERS_TOKEN", &token)
        .env("ARTIFACTS_DIR", dir.path())
        .output()
        .expect("node runs (Node.js 20 or later must be installed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        // Keep the screenshot and the server's log for a look.
        let kept = dir.keep();
        panic!("the browser test failed (screenshot and server log in {}):\n{stdout}\n{stderr}", kept.display());
    }
    assert!(stdout.contains("passed"), "{stdout}");
}
