//! The `customers` binary as a newcomer runs it: secure by default (a generated secret,
//! mode 0600), `token` minting for it, `seed-demo`, `print-schema`, graceful shutdown,
//! and logs without PII.

use std::io::Read as _;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_customers");

/// The binary with a fresh SQLite database and data folder in `dir`, listening on `port`.
pub(crate) fn customers(dir: &Path, port: u16) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CUSTOMERS_DATABASE_URL", format!("sqlite://{}/customers.db?mode=rwc", dir.display()))
        .env("CUSTOMERS_DATA_DIR", dir)
        .env("CUSTOMERS_LISTEN", format!("127.0.0.1:{port}"))
        .env("CUSTOMERS_LOG_FORMAT", "json");
    cmd
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn http(port: u16, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    use std::io::Write as _;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let auth = token.map(|t| format!("authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n{auth}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

fn wait_ready(child: &mut Child, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited early: {status}");
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() && http(port, "GET", "/readyz", None, "").0 == 200
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server did not become ready");
}

/// SIGTERM, wait, and the logs (stderr).
pub(crate) fn stop(mut child: Child) -> (std::process::ExitStatus, String) {
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    let mut logs = String::new();
    child.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
    (status, logs)
}

#[test]
fn a_newcomer_gets_a_secure_server_a_token_for_it_and_demo_data() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let seeded = customers(dir.path(), port).arg("seed-demo").output().unwrap();
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));

    let secret = dir.path().join("jwt-secret");
    assert!(secret.exists(), "a local secret is generated on first start");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let mut server = customers(dir.path(), port).arg("serve").stderr(Stdio::piped()).spawn().unwrap();
    wait_ready(&mut server, port);
    let token =
        customers(dir.path(), port).args(["token", "--scope", "customers:read", "--sub", "alice"]).output().unwrap();
    let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();

    let query = r#"{"query":"{ customers { totalCount edges { node { displayName identities { value } } } } }"}"#;
    let (status, body) = http(port, "POST", "/graphql", Some(&token), query);
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["data"]["customers"]["totalCount"], 3, "{json}");
    assert_eq!(json["data"]["customers"]["edges"][0]["node"]["displayName"], "A***", "masked without pii:read");
    assert!(http(port, "POST", "/graphql", None, query).1.contains("UNAUTHENTICATED"));

    let (status, logs) = stop(server);
    assert!(status.success(), "graceful shutdown exits 0: {status}\n{logs}");
    assert!(logs.contains("shutting down"), "{logs}");
    assert!(logs.contains("\"operation\""), "requests are logged: {logs}");
    for pii in ["Ayesha", "Khan", "3001234567", "ayesha.khan"] {
        assert!(!logs.contains(pii), "PII {pii:?} in the logs:\n{logs}");
    }
}

#[test]
fn the_server_says_how_to_get_a_token_when_it_generates_its_secret() {
    let dir = tempfile::tempdir().unwrap();
    let out = customers(dir.path(), free_port()).arg("migrate").output().unwrap();
    assert!(out.status.success());
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(logs.contains("customers token"), "{logs}");
    assert!(
        !logs.contains(std::fs::read_to_string(dir.path().join("jwt-secret")).unwrap().trim()),
        "the secret is not logged"
    );
}

/// That this is also `schema.graphql` is asserted once, in `api::schema`.
#[test]
fn print_schema_prints_the_sdl_the_code_builds() {
    use customers::graphql::{SdlOptions, build_schema, federation_sdl};
    let out = Command::new(BIN).arg("print-schema").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout).unwrap() == federation_sdl(&build_schema(None), SdlOptions::default()));
}

#[test]
fn a_bad_configuration_is_a_clear_error_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = customers(dir.path(), free_port())
        .env("CUSTOMERS_DATABASE_URL", "mysql://nope")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CUSTOMERS_DATABASE_URL"));
    let short =
        customers(dir.path(), free_port()).env("CUSTOMERS_JWT_SECRET", "short").arg("migrate").output().unwrap();
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 32 bytes"));
    for (name, value) in [("CUSTOMERS_MASK_PHONE_DIGITS", "5"), ("CUSTOMERS_MFA_AMR", "pwd otp")] {
        let out = customers(dir.path(), free_port()).env(name, value).arg("migrate").output().unwrap();
        assert!(!out.status.success(), "{name}={value} is refused");
        assert!(String::from_utf8_lossy(&out.stderr).contains(name));
    }
}

/// The README's first query with `CUSTOMERS_PII_REQUIRES_MFA=true`: a token minted with
/// `--mfa` sees PII; one without sees it masked and is told why.
#[test]
fn with_mfa_required_a_token_minted_with_mfa_sees_pii() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let with_mfa = |cmd: &mut Command| {
        cmd.env("CUSTOMERS_PII_REQUIRES_MFA", "true");
    };
    let mut seed = customers(dir.path(), port);
    with_mfa(&mut seed);
    assert!(seed.arg("seed-demo").output().unwrap().status.success());
    let mut serve = customers(dir.path(), port);
    with_mfa(&mut serve);
    let mut server = serve.arg("serve").stderr(Stdio::piped()).spawn().unwrap();
    wait_ready(&mut server, port);
    let query = r#"{"query":"{ customers(first: 1) { edges { node { displayName } } } }"}"#;
    let mut names = Vec::new();
    for extra in [&[][..], &["--mfa"][..]] {
        let mut cmd = customers(dir.path(), port);
        let out = cmd.args(["token", "--scope", "customers:read pii:read"]).args(extra).output().unwrap();
        let (status, body) = http(port, "POST", "/graphql", Some(String::from_utf8(out.stdout).unwrap().trim()), query);
        assert_eq!(status, 200, "{body}");
        names.push(serde_json::from_str::<serde_json::Value>(&body).unwrap());
    }
    stop(server);
    assert_eq!(names[0]["data"]["customers"]["edges"][0]["node"]["displayName"], "A***", "{}", names[0]);
    assert_eq!(names[0]["extensions"]["pii"]["reason"], "MFA_REQUIRED");
    assert_eq!(names[1]["data"]["customers"]["edges"][0]["node"]["displayName"], "Ayesha Khan", "{}", names[1]);
}

#[test]
fn a_server_started_with_another_master_key_refuses_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let first = customers(dir.path(), free_port()).arg("migrate").output().unwrap();
    assert!(first.status.success());
    assert!(dir.path().join("master-key").exists(), "a local master key is generated on first start");
    let other = "b3RoZXItbWFzdGVyLWtleS0wMTIzNDU2Nzg5YWJjZGU=";
    let out = customers(dir.path(), free_port()).env("CUSTOMERS_MASTER_KEY", other).arg("migrate").output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("master key does not match"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
