//! `deskpane plugin keygen` and `deskpane plugin pack`: a publisher's
//! signing key, and a plugin folder packed into one signed `.dpkg` file
//! (format: `deskpane_manifest::signed`).
//!
//! The secret key never reaches a log or the terminal: only its public
//! half and fingerprint are printed.

use std::fmt;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};

use crate::package::PluginPackage;
use crate::signed::{self, PublicKey, SecretKey};
use crate::Runtime;

/// A key `keygen` wrote.
#[derive(Debug)]
pub struct NewKey {
    pub path: PathBuf,
    pub public_key: PublicKey,
}

impl fmt::Display for NewKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Wrote the secret key to {} (readable by you only; keep it secret, back it up).", self.path.display())?;
        writeln!(f, "Public key, for desks to trust (console: Integrations > Trusted publishers):")?;
        writeln!(f)?;
        writeln!(f, "  {}", self.public_key)?;
        writeln!(f)?;
        write!(f, "Fingerprint: {}", self.public_key.fingerprint())
    }
}

/// Writes a new secret key to `out` (mode 0600), never over an existing
/// file.
pub fn keygen(out: &Path) -> anyhow::Result<NewKey> {
    let key = SecretKey::generate().map_err(|e| anyhow!("the system's random source failed: {e}"))?;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(out).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow!("{} exists; keygen never overwrites a key. Choose another --out, or move the old key away yourself", out.display())
        } else {
            anyhow!("cannot create {}: {e}", out.display())
        }
    })?;
    let written = file.write_all(key.to_file_text().as_bytes()).and_then(|_| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(out);
        bail!("cannot write {}: {e}", out.display());
    }
    Ok(NewKey { path: out.to_path_buf(), public_key: key.public_key() })
}

/// Reads a secret key file `keygen` wrote.
pub fn read_key(path: &Path) -> anyhow::Result<SecretKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the key {}", path.display()))?;
    SecretKey::from_file_text(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// A package `pack` wrote.
#[derive(Debug)]
pub struct Packed {
    pub path: PathBuf,
    pub bytes: usize,
    pub id: String,
    pub version: String,
    /// `None`: packed unsigned.
    pub signer: Option<PublicKey>,
    /// Said before the result (an unsigned package, a key others can read).
    pub warnings: Vec<String>,
}

impl fmt::Display for Packed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "ok: packed {} {} into {} ({} bytes)", self.id, self.version, self.path.display(), self.bytes)?;
        match &self.signer {
            Some(key) => write!(f, "  signed by {} (fingerprint {})", key, key.fingerprint()),
            None => write!(f, "  unsigned"),
        }
    }
}

/// Checks the plugin at `dir` as `plugin check` does (manifest, desk
/// concepts, the component against the contract), packs it signed with the
/// key in `key` (unsigned when `None`) and writes it to `out` (a file, or
/// a folder to put `<id>-<version>.dpkg` in; default: the current folder).
pub fn pack(runtime: &Runtime, dir: &Path, key: Option<&Path>, out: Option<&Path>) -> anyhow::Result<Packed> {
    let mut warnings = Vec::new();
    let key = match key {
        Some(path) => {
            if let Ok(meta) = std::fs::metadata(path) {
                if meta.permissions().mode() & 0o077 != 0 {
                    warnings.push(format!("{} can be read by other users; `chmod 600 {}`", path.display(), path.display()));
                }
            }
            Some(read_key(path)?)
        }
        None => {
            warnings
                .push("the package is unsigned: a desk installs it only while an admin allows unsigned plugins; sign it with --key".into());
            None
        }
    };
    let package = PluginPackage::open(dir).map_err(|e| anyhow!("{e}"))?;
    crate::concepts::check(&package.manifest).map_err(|e| anyhow!("{e}"))?;
    runtime.check(&package).map_err(|e| anyhow!("{e}"))?;
    let manifest_text =
        std::fs::read_to_string(&package.manifest_path).with_context(|| format!("cannot read {}", package.manifest_path.display()))?;
    let bytes = signed::pack(&manifest_text, &package.component, key.as_ref()).map_err(|e| anyhow!("{e}"))?;
    // What a desk will read: the same checks, the signature verified.
    let opened = signed::open(&bytes, u64::MAX).map_err(|e| anyhow!("the package just written does not open: {e}"))?;
    if opened.signer != key.as_ref().map(SecretKey::public_key) {
        bail!("the package just written does not carry the key's signature");
    }
    let path = match out {
        Some(dir) if dir.is_dir() => dir.join(signed::file_name(&package.manifest)),
        Some(file) => file.to_path_buf(),
        None => PathBuf::from(signed::file_name(&package.manifest)),
    };
    write_atomically(&path, &bytes)?;
    Ok(Packed {
        path,
        bytes: bytes.len(),
        id: package.manifest.id.clone(),
        version: package.manifest.version.to_string(),
        signer: opened.signer,
        warnings,
    })
}

/// Writes `bytes` beside `path` and renames them into place, so a reader
/// never sees half a package.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path.file_name().ok_or_else(|| anyhow!("--out {} names no file", path.display()))?;
    let partial = path.with_file_name(format!(".{}.partial-{}", name.to_string_lossy(), std::process::id()));
    let written = std::fs::write(&partial, bytes).and_then(|_| std::fs::rename(&partial, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        bail!("cannot write {}: {e}", path.display());
    }
    Ok(())
}
