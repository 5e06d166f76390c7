//! Encryption at rest for the secrets the desk keeps (OAuth refresh
//! tokens, API keys): ChaCha20-Poly1305 with a random 256-bit key in a
//! file beside the store, readable only by its owner. A copy of the store
//! without the key file reveals no secret.

use std::io::Write;
use std::path::Path;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

/// Marks a sealed value, so values written before encryption still read.
const PREFIX: &str = "sealed:v1:";

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("cannot read or create the key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("a stored secret cannot be decrypted: the key file does not match the store (was it replaced?)")]
    Undecryptable,
}

/// A new random 256-bit secret, hex-encoded: session and API tokens,
/// OAuth states, approval links.
pub fn random_token() -> String {
    random_hex(32)
}

/// `bytes` random bytes, hex-encoded, for a secret whose length another
/// system limits (Zoho's watch token: at most 50 characters).
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).expect("the OS provides randomness");
    hex::encode(buf)
}

pub struct SecretBox {
    cipher: ChaCha20Poly1305,
}

impl SecretBox {
    /// Opens the key file at `path`, creating it (mode 0600) when missing.
    pub fn open_or_create(path: &Path) -> Result<SecretBox, SecretsError> {
        let fail = |reason: String| SecretsError::KeyFile { path: path.display().to_string(), reason };
        let key = match std::fs::read(path) {
            Ok(bytes) if bytes.len() == 32 => bytes,
            Ok(_) => return Err(fail("it does not hold a 32-byte key".into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = vec![0u8; 32];
                getrandom::getrandom(&mut key).map_err(|e| fail(e.to_string()))?;
                let mut file = {
                    use std::os::unix::fs::OpenOptionsExt;
                    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(|e| fail(e.to_string()))?
                };
                file.write_all(&key).and_then(|_| file.sync_all()).map_err(|e| fail(e.to_string()))?;
                key
            }
            Err(e) => return Err(fail(e.to_string())),
        };
        Ok(SecretBox { cipher: ChaCha20Poly1305::new(Key::from_slice(&key)) })
    }

    /// The secret, encrypted with a fresh nonce, as text.
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        getrandom::getrandom(&mut nonce).expect("the OS provides randomness");
        let sealed = self.cipher.encrypt(Nonce::from_slice(&nonce), plain.as_bytes()).expect("encryption of a string does not fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("{PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(out))
    }

    /// The secret back. A value that was never sealed is returned as it is.
    pub fn open(&self, stored: &str) -> Result<String, SecretsError> {
        let Some(encoded) = stored.strip_prefix(PREFIX) else { return Ok(stored.to_string()) };
        let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|_| SecretsError::Undecryptable)?;
        if bytes.len() < 12 {
            return Err(SecretsError::Undecryptable);
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), sealed).map_err(|_| SecretsError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| SecretsError::Undecryptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_path() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("deskpane-key-{}", random_token()))
    }

    #[test]
    fn sealed_secrets_open_with_the_same_key_only() {
        let path = key_path();
        let sealed = SecretBox::open_or_create(&path).unwrap().seal("1000.refresh.demo");
        assert!(!sealed.contains("refresh"));
        assert_ne!(sealed, SecretBox::open_or_create(&path).unwrap().seal("1000.refresh.demo"), "fresh nonce each time");
        assert_eq!(SecretBox::open_or_create(&path).unwrap().open(&sealed).unwrap(), "1000.refresh.demo");
        let other = SecretBox::open_or_create(&key_path()).unwrap();
        assert!(matches!(other.open(&sealed), Err(SecretsError::Undecryptable)));
        assert_eq!(other.open("plain-old-value").unwrap(), "plain-old-value");
    }

    #[test]
    fn the_key_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let path = key_path();
        SecretBox::open_or_create(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
