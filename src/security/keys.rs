//! Secure by default: with no key configured, the service generates random secrets into
//! its data folder (mode 0600) on first start and reuses them afterwards.

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;
use std::path::{Path, PathBuf};

/// File name of the generated HS256 secret in the data folder.
pub const JWT_SECRET_FILE: &str = "jwt-secret";
/// File name of the generated master key (PII at rest) in the data folder.
pub const MASTER_KEY_FILE: &str = "master-key";

/// Read the secret in `dir/name`, or create it with `len` random bytes (base64). Returns
/// the secret and whether it was created now.
pub fn local_secret(dir: &Path, name: &str, len: usize) -> anyhow::Result<(String, bool)> {
    let path: PathBuf = dir.join(name);
    if path.exists() {
        let text = std::fs::read_to_string(&path).with_context(|| format!("Failed to read {}", path.display()))?;
        return Ok((text.trim().to_owned(), false));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("Failed to create {}", dir.display()))?;
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    let secret = STANDARD.encode(&bytes);
    write_private(&path, &secret).with_context(|| format!("Failed to write {}", path.display()))?;
    Ok((secret, true))
}

/// Write a secret to a new private file (mode 0600).
pub fn write_secret(path: &Path, secret: &str) -> anyhow::Result<()> {
    write_private(path, secret).with_context(|| format!("Failed to write {}", path.display()))
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(content.as_bytes())?;
    file.write_all(b"\n")
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, format!("{content}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (first, created) = local_secret(dir.path(), JWT_SECRET_FILE, 32).unwrap();
        assert!(created);
        assert_eq!(STANDARD.decode(&first).unwrap().len(), 32);
        let (again, created_again) = local_secret(dir.path(), JWT_SECRET_FILE, 32).unwrap();
        assert_eq!((again.as_str(), created_again), (first.as_str(), false));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join(JWT_SECRET_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
