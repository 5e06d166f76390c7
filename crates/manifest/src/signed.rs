//! Signed plugin packages (`.dpkg`): one file an admin uploads, signed
//! with ed25519 by the plugin's publisher.
//!
//! A package is a tar archive of exactly these plain files, each at the
//! top of the archive:
//!
//! - `plugin.toml`, the manifest;
//! - the component the manifest names (`component`, a bare `*.wasm` name);
//! - optionally `signature.json`:
//!   `{"format": 1, "publisher-key": "ed25519:<base64>", "signature": "<base64>"}`.
//!
//! The signature covers [`signed_message`]: `b"deskpane-package-v1\0"`,
//! then SHA-256 of the manifest's bytes, then SHA-256 of the component's.
//! Anything else in the archive is refused: other names, a name twice,
//! links, folders, absolute or `..` paths, an entry over the size cap, a
//! manifest naming a component the archive does not hold. A signature that
//! is there but does not verify is an error, never "unsigned".
//!
//! Pure: bytes in, bytes out. Deciding which publishers to trust is the
//! host's business.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::manifest::{Manifest, ManifestError};
use crate::package::MANIFEST_FILE;

/// The signature's file inside a package.
pub const SIGNATURE_FILE: &str = "signature.json";
/// What a package file's name ends with.
pub const EXTENSION: &str = "dpkg";
/// The domain separation prefix of the signed message.
pub const SIGNED_PREFIX: &[u8] = b"deskpane-package-v1\0";
/// The largest `signature.json` read.
const SIGNATURE_MAX: u64 = 16 * 1024;
/// How a public key's text starts.
const PUBLIC_PREFIX: &str = "ed25519:";
/// How a secret key file starts.
const SECRET_PREFIX: &str = "deskpane-secret-key-v1";

/// A publisher's public key, as an admin trusts it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

/// A publisher's secret key, which signs packages. Its `Debug` shows the
/// public half only.
pub struct SecretKey(SigningKey);

/// Why a key's text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a public key is written `ed25519:` followed by its 32 bytes in base64, as `deskpane plugin keygen` prints it")]
    PublicFormat,
    #[error("that text is not a usable ed25519 public key")]
    NotAKey,
    #[error("this is not a Deskpane secret key file: it holds one line `deskpane-secret-key-v1 <base64>`, as `deskpane plugin keygen` writes it")]
    SecretFormat,
}

/// Why a package was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignedPackageError {
    #[error("this is not a Deskpane package (a .dpkg tar archive): {0}")]
    NotAnArchive(String),
    #[error("the package's entry `{0}` is a link; a package holds plain files only")]
    Link(String),
    #[error("the package's entry `{0}` is not a plain file; a package holds plain files only")]
    NotAFile(String),
    #[error("the package's entry `{0}` has an absolute path; a package's files have bare names")]
    AbsolutePath(String),
    #[error("the package's entry `{0}` points outside the package (`..`); a package's files have bare names")]
    ParentPath(String),
    #[error("the package's entry `{0}` is inside a folder; plugin.toml, the component and signature.json lie at the top of a package")]
    NotBare(String),
    #[error("the package holds `{0}` twice")]
    Duplicate(String),
    #[error("the package's entry `{name}` has {size} bytes, more than the {max} a package's file may have")]
    TooLarge { name: String, size: u64, max: u64 },
    #[error("the package holds `{name}`, which is not plugin.toml, the component its manifest names{component}, or signature.json; a package holds nothing else")]
    Unexpected { name: String, component: String },
    #[error("the package has no plugin.toml")]
    NoManifest,
    #[error("plugin.toml in the package is not UTF-8 text")]
    ManifestNotText,
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("the manifest names component `{0}`, which the package does not hold")]
    MissingComponent(String),
    #[error("signature.json is not valid: {0}")]
    BadSignatureFile(String),
    #[error("signature.json has format {0}; this desk reads format 1")]
    UnknownFormat(u64),
    #[error("signature.json's publisher key is not valid: {0}")]
    BadKey(KeyError),
    #[error("the package was changed after it was signed: its signature does not match its contents")]
    Tampered,
}

/// A package read and, when signed, verified.
#[derive(Debug, Clone)]
pub struct OpenedPackage {
    pub manifest: Manifest,
    pub manifest_text: String,
    pub component: Vec<u8>,
    /// Whose signature verified; `None` for an unsigned package.
    pub signer: Option<PublicKey>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureFile {
    format: u64,
    #[serde(rename = "publisher-key")]
    publisher_key: String,
    signature: String,
}

impl PublicKey {
    /// Reads `ed25519:<base64 of 32 bytes>` (surrounding blanks ignored).
    pub fn parse(text: &str) -> Result<PublicKey, KeyError> {
        let encoded = text.trim().strip_prefix(PUBLIC_PREFIX).ok_or(KeyError::PublicFormat)?;
        let bytes = BASE64.decode(encoded).map_err(|_| KeyError::PublicFormat)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::PublicFormat)?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::NotAKey)?;
        // A small-order key "verifies" forged signatures: never trust one.
        if key.is_weak() {
            return Err(KeyError::NotAKey);
        }
        Ok(PublicKey(key))
    }

    /// `ed25519:<base64>`, as [`parse`](Self::parse) reads it.
    pub fn to_text(&self) -> String {
        format!("{PUBLIC_PREFIX}{}", BASE64.encode(self.0.as_bytes()))
    }

    /// A short name for the key, for people: the first 12 bytes of the
    /// SHA-256 of its 32 bytes, in hex (24 characters).
    pub fn fingerprint(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..12])
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    fn verify(&self, message: &[u8], signature: &ed25519_dalek::Signature) -> bool {
        self.0.verify_strict(message, signature).is_ok()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_text())
    }
}

impl std::str::FromStr for PublicKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PublicKey::parse(s)
    }
}

impl SecretKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> Result<SecretKey, getrandom::Error> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed)?;
        let key = SecretKey(SigningKey::from_bytes(&seed));
        seed.fill(0);
        Ok(key)
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// The key file's text: `deskpane-secret-key-v1 <base64>` and a newline.
    /// Keep it private (the CLI writes it with mode 0600).
    pub fn to_file_text(&self) -> String {
        format!("{SECRET_PREFIX} {}\n", BASE64.encode(self.0.as_bytes()))
    }

    /// Reads what [`to_file_text`](Self::to_file_text) wrote.
    pub fn from_file_text(text: &str) -> Result<SecretKey, KeyError> {
        let (prefix, encoded) = text.trim().split_once(' ').ok_or(KeyError::SecretFormat)?;
        if prefix != SECRET_PREFIX {
            return Err(KeyError::SecretFormat);
        }
        let bytes = BASE64.decode(encoded.trim()).map_err(|_| KeyError::SecretFormat)?;
        let mut seed: [u8; 32] = bytes.try_into().map_err(|_| KeyError::SecretFormat)?;
        let key = SecretKey(SigningKey::from_bytes(&seed));
        seed.fill(0);
        Ok(key)
    }

    fn sign(&self, message: &[u8]) -> ed25519_dalek::Signature {
        self.0.sign(message)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(public {})", self.public_key().to_text())
    }
}

/// What a publisher signs: the prefix, SHA-256 of the manifest's bytes,
/// SHA-256 of the component's bytes.
pub fn signed_message(manifest: &[u8], component: &[u8]) -> Vec<u8> {
    let mut message = SIGNED_PREFIX.to_vec();
    message.extend_from_slice(&Sha256::digest(manifest));
    message.extend_from_slice(&Sha256::digest(component));
    message
}

/// `<id>-<version>.dpkg`, the name a package of this manifest goes by.
pub fn file_name(manifest: &Manifest) -> String {
    format!("{}-{}.{EXTENSION}", manifest.id, manifest.version)
}

/// Packs a manifest and its component, signed with `key` when given. The
/// manifest is checked first (the archive holds the component under the
/// name it gives). The archive is the same bytes for the same input.
pub fn pack(manifest_text: &str, component: &[u8], key: Option<&SecretKey>) -> Result<Vec<u8>, SignedPackageError> {
    let manifest = Manifest::parse(manifest_text, MANIFEST_FILE)?;
    let mut files: Vec<(&str, Vec<u8>)> =
        vec![(MANIFEST_FILE, manifest_text.as_bytes().to_vec()), (&manifest.component, component.to_vec())];
    if let Some(key) = key {
        let signature = key.sign(&signed_message(manifest_text.as_bytes(), component));
        let file = SignatureFile { format: 1, publisher_key: key.public_key().to_text(), signature: BASE64.encode(signature.to_bytes()) };
        files.push((SIGNATURE_FILE, serde_json::to_vec(&file).expect("signature.json serialises")));
    }
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_size(data.len() as u64);
        builder.append_data(&mut header, name, data.as_slice()).expect("a tar archive in memory is written");
    }
    Ok(builder.into_inner().expect("a tar archive in memory is finished"))
}

/// A name as an error may quote it.
fn shown(name: &[u8]) -> String {
    String::from_utf8_lossy(name).escape_debug().to_string()
}

/// Reads a package: every entry checked, no entry larger than `max_entry`
/// bytes, and the signature, when there is one, verified. Says nothing
/// about whether the signer is trusted.
pub fn open(bytes: &[u8], max_entry: u64) -> Result<OpenedPackage, SignedPackageError> {
    let not_archive = |e: std::io::Error| SignedPackageError::NotAnArchive(e.to_string());
    if bytes.is_empty() || !bytes.len().is_multiple_of(512) {
        return Err(SignedPackageError::NotAnArchive("its length is not a whole number of 512-byte blocks".into()));
    }
    let mut archive = tar::Archive::new(bytes);
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for entry in archive.entries().map_err(not_archive)? {
        let entry = entry.map_err(not_archive)?;
        let raw = entry.path_bytes().into_owned();
        let name = shown(&raw);
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            return Err(SignedPackageError::Link(name));
        }
        if raw.starts_with(b"/") {
            return Err(SignedPackageError::AbsolutePath(name));
        }
        if raw.split(|b| *b == b'/' || *b == b'\\').any(|part| part == b"..") {
            return Err(SignedPackageError::ParentPath(name));
        }
        if !kind.is_file() {
            return Err(SignedPackageError::NotAFile(name));
        }
        let Ok(text) = std::str::from_utf8(&raw) else {
            return Err(SignedPackageError::Unexpected { name, component: String::new() });
        };
        if text.is_empty() || text.contains(['/', '\\']) || text == "." {
            return Err(SignedPackageError::NotBare(name));
        }
        if files.contains_key(text) {
            return Err(SignedPackageError::Duplicate(name));
        }
        // At most three names are allowed: a fourth is one too many.
        if files.len() == 3 {
            return Err(SignedPackageError::Unexpected { name, component: String::new() });
        }
        let cap = if text == SIGNATURE_FILE { SIGNATURE_MAX.min(max_entry) } else { max_entry };
        let size = entry.size();
        if size > cap {
            return Err(SignedPackageError::TooLarge { name, size, max: cap });
        }
        // An entry's bytes lie within the archive: never reserve more.
        let mut data = Vec::with_capacity(size.min(bytes.len() as u64) as usize);
        entry.take(cap.saturating_add(1)).read_to_end(&mut data).map_err(not_archive)?;
        if data.len() as u64 > cap {
            return Err(SignedPackageError::TooLarge { name, size: data.len() as u64, max: cap });
        }
        files.insert(text.to_string(), data);
    }
    let manifest_bytes = files.remove(MANIFEST_FILE).ok_or(SignedPackageError::NoManifest)?;
    let manifest_text = String::from_utf8(manifest_bytes).map_err(|_| SignedPackageError::ManifestNotText)?;
    let manifest = Manifest::parse(&manifest_text, MANIFEST_FILE)?;
    let component = files.remove(&manifest.component).ok_or_else(|| SignedPackageError::MissingComponent(manifest.component.clone()))?;
    let signature = files.remove(SIGNATURE_FILE);
    if let Some(name) = files.into_keys().next() {
        return Err(SignedPackageError::Unexpected { name: shown(name.as_bytes()), component: format!(" (`{}`)", manifest.component) });
    }
    let signer = match signature {
        None => None,
        Some(json) => Some(verify(&json, manifest_text.as_bytes(), &component)?),
    };
    Ok(OpenedPackage { manifest, manifest_text, component, signer })
}

/// Checks `signature.json` against the contents; the key that signed them.
fn verify(json: &[u8], manifest: &[u8], component: &[u8]) -> Result<PublicKey, SignedPackageError> {
    let bad = |why: String| SignedPackageError::BadSignatureFile(why);
    let file: SignatureFile = serde_json::from_slice(json).map_err(|e| bad(e.to_string()))?;
    if file.format != 1 {
        return Err(SignedPackageError::UnknownFormat(file.format));
    }
    let key = PublicKey::parse(&file.publisher_key).map_err(SignedPackageError::BadKey)?;
    let bytes = BASE64.decode(file.signature.trim()).map_err(|_| bad("`signature` is not base64".into()))?;
    let bytes: [u8; 64] = bytes.try_into().map_err(|_| bad("`signature` is not 64 bytes long".into()))?;
    let signature = ed25519_dalek::Signature::from_bytes(&bytes);
    if !key.verify(&signed_message(manifest, component), &signature) {
        return Err(SignedPackageError::Tampered);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"
id = "example"
name = "Example CRM"
version = "1.2.3"
contract = "0.3.0"
publisher = "Example Ltd"
component = "example.wasm"
modules = ["contacts"]
"#;
    const COMPONENT: &[u8] = b"\0asm not really a component";
    const CAP: u64 = 1 << 20;

    fn key() -> SecretKey {
        SecretKey::generate().unwrap()
    }

    /// A tar entry: name, kind, data, link target.
    type Entry<'a> = (&'a [u8], tar::EntryType, &'a [u8], Option<&'a str>);

    /// A tar of raw entries, names written as given (the `tar` crate's
    /// own writer refuses the hostile ones).
    fn raw_tar(entries: &[Entry]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, kind, data, link) in entries {
            let mut header = tar::Header::new_gnu();
            header.as_old_mut().name[..name.len()].copy_from_slice(name);
            header.set_entry_type(*kind);
            header.set_mode(0o644);
            header.set_size(data.len() as u64);
            if let Some(link) = link {
                header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
            }
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    /// The entries of a package, by name, in order.
    fn entries(package: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut archive = tar::Archive::new(package);
        archive
            .entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let name = String::from_utf8(e.path_bytes().into_owned()).unwrap();
                let mut data = Vec::new();
                e.read_to_end(&mut data).unwrap();
                (name, data)
            })
            .collect()
    }

    fn rebuild(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
        let regular = tar::EntryType::Regular;
        let list: Vec<Entry> = entries.iter().map(|(n, d)| (n.as_bytes(), regular, d.as_slice(), None)).collect();
        raw_tar(&list)
    }

    fn refused(bytes: &[u8]) -> SignedPackageError {
        open(bytes, CAP).expect_err("the package must be refused")
    }

    #[test]
    fn a_signed_package_opens_with_its_signer() {
        let key = key();
        let package = pack(MANIFEST, COMPONENT, Some(&key)).unwrap();
        let opened = open(&package, CAP).unwrap();
        assert_eq!(opened.manifest_text, MANIFEST);
        assert_eq!(opened.component, COMPONENT);
        assert_eq!(opened.manifest.id, "example");
        assert_eq!(opened.signer, Some(key.public_key()));
        let names: Vec<String> = entries(&package).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["plugin.toml", "example.wasm", "signature.json"]);
    }

    #[test]
    fn an_unsigned_package_opens_without_a_signer() {
        let opened = open(&pack(MANIFEST, COMPONENT, None).unwrap(), CAP).unwrap();
        assert_eq!(opened.signer, None);
        assert_eq!(opened.component, COMPONENT);
    }

    #[test]
    fn packing_is_deterministic_and_checks_the_manifest() {
        let key = key();
        assert_eq!(pack(MANIFEST, COMPONENT, Some(&key)).unwrap(), pack(MANIFEST, COMPONENT, Some(&key)).unwrap());
        let bad = MANIFEST.replace("example.wasm", "../example.wasm");
        assert!(matches!(pack(&bad, COMPONENT, None), Err(SignedPackageError::Manifest(_))));
    }

    #[test]
    fn a_component_changed_after_signing_is_refused() {
        let mut files = entries(&pack(MANIFEST, COMPONENT, Some(&key())).unwrap());
        files[1].1.push(0);
        let e = refused(&rebuild(&files));
        assert!(matches!(e, SignedPackageError::Tampered), "{e}");
        assert!(e.to_string().contains("the package was changed after it was signed"), "{e}");
    }

    #[test]
    fn a_manifest_changed_after_signing_is_refused() {
        let mut files = entries(&pack(MANIFEST, COMPONENT, Some(&key())).unwrap());
        let widened = MANIFEST.to_string() + "\n[network]\nallowed-hosts = [\"https://evil.example\"]\n";
        files[0].1 = widened.into_bytes();
        assert!(matches!(refused(&rebuild(&files)), SignedPackageError::Tampered));
    }

    #[test]
    fn a_signature_with_another_key_named_is_refused() {
        let (signer, other) = (key(), key());
        let mut files = entries(&pack(MANIFEST, COMPONENT, Some(&signer)).unwrap());
        let mut sig: serde_json::Value = serde_json::from_slice(&files[2].1).unwrap();
        sig["publisher-key"] = other.public_key().to_text().into();
        files[2].1 = serde_json::to_vec(&sig).unwrap();
        assert!(matches!(refused(&rebuild(&files)), SignedPackageError::Tampered));
    }

    #[test]
    fn a_broken_signature_file_is_an_error_not_unsigned() {
        let mut files = entries(&pack(MANIFEST, COMPONENT, Some(&key())).unwrap());
        let signature = files[2].1.clone();
        for (bad, expect) in [
            (b"not json".to_vec(), "signature.json is not valid"),
            (String::from_utf8(signature.clone()).unwrap().replace("\"format\":1", "\"format\":2").into_bytes(), "format 2"),
            (String::from_utf8(signature.clone()).unwrap().replace("ed25519:", "rsa:").into_bytes(), "publisher key is not valid"),
        ] {
            files[2].1 = bad;
            let e = refused(&rebuild(&files)).to_string();
            assert!(e.contains(expect), "{e}");
        }
    }

    #[test]
    fn hostile_archives_are_refused() {
        let m = MANIFEST.as_bytes();
        let file = tar::EntryType::Regular;
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                raw_tar(&[(b"plugin.toml", file, m, None), (b"example.wasm", file, COMPONENT, None), (b"../x", file, b"x", None)]),
                "outside the package",
            ),
            (raw_tar(&[(b"plugin.toml", file, m, None), (b"/etc/passwd", file, b"x", None)]), "absolute path"),
            (
                raw_tar(&[(b"plugin.toml", file, m, None), (b"example.wasm", tar::EntryType::Symlink, b"", Some("/etc/passwd"))]),
                "is a link",
            ),
            (raw_tar(&[(b"plugin.toml", file, m, None), (b"example.wasm", tar::EntryType::Link, b"", Some("plugin.toml"))]), "is a link"),
            (raw_tar(&[(b"plugin.toml", file, m, None), (b"lib", tar::EntryType::Directory, b"", None)]), "not a plain file"),
            (raw_tar(&[(b"plugin.toml", file, m, None), (b"lib/example.wasm", file, COMPONENT, None)]), "inside a folder"),
            (raw_tar(&[(b"plugin.toml", file, m, None), (b"plugin.toml", file, m, None)]), "twice"),
            (
                raw_tar(&[(b"plugin.toml", file, m, None), (b"example.wasm", file, COMPONENT, None), (b"notes.txt", file, b"hi", None)]),
                "`notes.txt`",
            ),
            (
                raw_tar(&[(b"plugin.toml", file, m, None), (b"other.wasm", file, COMPONENT, None)]),
                "`example.wasm`, which the package does not hold",
            ),
            (raw_tar(&[(b"plugin.toml", file, m, None)]), "does not hold"),
            (raw_tar(&[(b"example.wasm", file, COMPONENT, None)]), "no plugin.toml"),
            (raw_tar(&[(b"plugin.toml", file, b"\xff\xfe", None), (b"example.wasm", file, COMPONENT, None)]), "not UTF-8"),
            (raw_tar(&[(b"plugin.toml", file, b"id = ", None), (b"example.wasm", file, COMPONENT, None)]), "plugin.toml"),
            (b"not a tar archive".to_vec(), "not a Deskpane package"),
            (vec![b'x'; 1024], "not a Deskpane package"),
            (Vec::new(), "not a Deskpane package"),
        ];
        for (bytes, expect) in cases {
            let e = refused(&bytes).to_string();
            assert!(e.contains(expect), "expected `{expect}` in: {e}");
        }
        // A fourth entry is refused before it is read, whatever it is.
        let four = raw_tar(&[
            (b"plugin.toml", file, m, None),
            (b"example.wasm", file, COMPONENT, None),
            (b"signature.json", file, b"{}", None),
            (b"more", file, b"x", None),
        ]);
        assert!(refused(&four).to_string().contains("`more`"));
    }

    #[test]
    fn an_entry_over_the_cap_is_refused_before_it_is_read() {
        let package = pack(MANIFEST, &vec![0u8; 4096], None).unwrap();
        let e = open(&package, 1024).unwrap_err().to_string();
        assert!(e.contains("`example.wasm` has 4096 bytes, more than the 1024"), "{e}");
        assert!(open(&package, 4096).is_ok());
        assert!(open(&package, u64::MAX).is_ok(), "no cap");
    }

    #[test]
    fn public_keys_are_read_back_as_written() {
        let key = key();
        let text = key.public_key().to_text();
        assert!(text.starts_with("ed25519:"), "{text}");
        assert_eq!(PublicKey::parse(&format!("  {text}\n")).unwrap(), key.public_key());
        assert_eq!(key.public_key().fingerprint().len(), 24);
        assert_ne!(key.public_key().fingerprint(), SecretKey::generate().unwrap().public_key().fingerprint());
        for bad in ["", "ed25519:", "ed25519:AAAA", "ssh-ed25519 AAAA", &text[8..], &format!("{text}AA")] {
            assert_eq!(PublicKey::parse(bad), Err(KeyError::PublicFormat), "{bad}");
        }
        // The identity point is a small-order (weak) key.
        let weak = format!("ed25519:{}", BASE64.encode([1u8].iter().chain(&[0u8; 31]).copied().collect::<Vec<u8>>()));
        assert_eq!(PublicKey::parse(&weak), Err(KeyError::NotAKey));
    }

    #[test]
    fn secret_key_files_are_read_back_and_never_shown() {
        let key = key();
        let text = key.to_file_text();
        assert!(text.starts_with("deskpane-secret-key-v1 "), "{text}");
        let back = SecretKey::from_file_text(&text).unwrap();
        assert_eq!(back.public_key(), key.public_key());
        let secret = text.split_whitespace().nth(1).unwrap();
        assert!(!format!("{key:?}").contains(secret));
        assert!(format!("{key:?}").contains(&key.public_key().to_text()));
        for bad in ["", "deskpane-secret-key-v1", "deskpane-secret-key-v2 AAAA", &key.public_key().to_text()] {
            assert!(matches!(SecretKey::from_file_text(bad), Err(KeyError::SecretFormat)), "{bad}");
        }
    }

    #[test]
    fn the_signed_message_binds_both_files_in_order() {
        let m = signed_message(b"a", b"b");
        assert_eq!(m.len(), SIGNED_PREFIX.len() + 64);
        assert!(m.starts_with(SIGNED_PREFIX));
        assert_ne!(m, signed_message(b"b", b"a"));
        assert_ne!(signed_message(b"ab", b""), signed_message(b"a", b"b"));
    }
}
