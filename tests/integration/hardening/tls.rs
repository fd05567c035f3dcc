//! Optional TLS on the listener: with a certificate and key the service speaks TLS only,
//! and a client that never finishes its handshake holds up nobody.

use crate::cli::{customers, free_port, stop};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A self-signed certificate for 127.0.0.1 and localhost (openssl, as an operator would).
fn self_signed(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    (cert, key)
}

/// `curl` over TLS trusting `cert`: (HTTP status, body).
fn curl(cert: &Path, url: &str, args: &[&str]) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "5", "-w", "\n%{http_code}", "--cacert"])
        .arg(cert)
        .args(args)
        .arg(url)
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

#[test]
fn with_a_certificate_the_service_speaks_tls_only_and_a_silent_client_holds_up_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let port = free_port();
    let child = customers(dir.path(), port)
        .env("CUSTOMERS_TLS_CERT", &cert)
        .env("CUSTOMERS_TLS_KEY", &key)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("https://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while curl(&cert, &format!("{base}/readyz"), &[]).0 != 200 {
        assert!(Instant::now() < deadline, "the server did not become ready over TLS");
        std::thread::sleep(Duration::from_millis(100));
    }

    // A client that connects and says nothing does not stop others from being served.
    let _silent = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let started = Instant::now();
    let (status, body) = curl(
        &cert,
        &format!("{base}/graphql"),
        &["-H", "content-type: application/json", "-d", r#"{"query":"{ _service { sdl } }"}"#],
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("type Customer"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(2), "served while a handshake hung");

    // Plain HTTP on the TLS port gets no HTTP answer.
    let (status, _) = {
        let out = Command::new("curl")
            .args(["-s", "--max-time", "3", "-o", "/dev/null", "-w", "%{http_code}"])
            .arg(format!("http://127.0.0.1:{port}/readyz"))
            .output()
            .unwrap();
        (String::from_utf8_lossy(&out.stdout).trim().parse::<u16>().unwrap_or(0), ())
    };
    assert_eq!(status, 0, "plain HTTP is not served on a TLS listener");
    let (exit, logs) = stop(child);
    assert!(exit.success(), "{logs}");
}
