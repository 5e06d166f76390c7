//! Which publishers this desk trusts, whether it takes unsigned plugins,
//! and the two doors a plugin comes in by: a package (`.dpkg`, signed or
//! not) and a loose manifest with its component (always unsigned).
//!
//! Secure by default: a fresh desk trusts nobody and refuses unsigned
//! plugins. An admin adds publishers' keys, or turns on "Allow unsigned
//! plugins" (the demo does, for the plugins it builds).

use serde::{Deserialize, Serialize};

use super::{Installation, Registry, RegistryError};
use crate::clock::now;
use crate::signed::{self, PublicKey};

/// Trusted publishers, by their public key's text.
const PUBLISHERS: &str = "plugins.publishers";
/// The desk's plugin policy switches.
const POLICY: &str = "plugins.policy";
const ALLOW_UNSIGNED: &[u8] = b"allow-unsigned";

/// The longest name a trusted publisher may be given, in characters.
pub const PUBLISHER_NAME_MAX: usize = 80;

/// A publisher whose signed packages this desk installs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedPublisher {
    /// The admin's name for them.
    pub name: String,
    /// `ed25519:<base64>`.
    pub public_key: String,
    pub fingerprint: String,
    pub added_at: String,
}

/// Who signed an installed plugin, as it stood when it was installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// The trusted publisher's name at install time.
    pub name: String,
    pub fingerprint: String,
    /// `ed25519:<base64>`.
    pub public_key: String,
}

const UNSIGNED_REFUSED: &str = "the plugin is not signed, and this desk installs signed packages only: \
    upload a .dpkg package signed by a trusted publisher (`deskpane plugin pack --key`), or an admin turns on \
    Allow unsigned plugins";

impl Registry {
    fn publishers_tree(&self) -> Result<deskpane_store::Tree, RegistryError> {
        Ok(self.db.tree(PUBLISHERS)?)
    }

    /// The trusted publishers, by name.
    pub fn trusted_publishers(&self) -> Vec<TrustedPublisher> {
        let Ok(tree) = self.publishers_tree() else { return Vec::new() };
        let mut list: Vec<TrustedPublisher> =
            tree.iter().values().filter_map(Result::ok).filter_map(|v| serde_json::from_slice(&v).ok()).collect();
        list.sort_by_key(|p| (p.name.to_lowercase(), p.fingerprint.clone()));
        list
    }

    /// The trusted publisher holding this key, if any.
    fn trusted(&self, key: &PublicKey) -> Result<Option<TrustedPublisher>, RegistryError> {
        let found = self.publishers_tree()?.get(key.to_text())?;
        Ok(found.and_then(|v| serde_json::from_slice(&v).ok()))
    }

    /// Trusts `public_key` (`ed25519:<base64>`) under `name`; adding a key
    /// already trusted renames it.
    pub fn trust_publisher(&self, name: &str, public_key: &str) -> Result<TrustedPublisher, RegistryError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(RegistryError::Invalid("give the publisher a name".into()));
        }
        if name.chars().count() > PUBLISHER_NAME_MAX {
            return Err(RegistryError::Invalid(format!("a publisher's name has at most {PUBLISHER_NAME_MAX} characters")));
        }
        if name.chars().any(char::is_control) {
            return Err(RegistryError::Invalid("a publisher's name is one line of text".into()));
        }
        let key = PublicKey::parse(public_key).map_err(|e| RegistryError::Invalid(e.to_string()))?;
        let added_at = self.trusted(&key)?.map(|p| p.added_at).unwrap_or_else(now);
        let publisher = TrustedPublisher { name: name.to_string(), public_key: key.to_text(), fingerprint: key.fingerprint(), added_at };
        let tree = self.publishers_tree()?;
        tree.insert(publisher.public_key.as_bytes(), serde_json::to_vec(&publisher).expect("publishers serialise"))?;
        tree.flush()?;
        tracing::info!(publisher = %publisher.name, fingerprint = %publisher.fingerprint, "publisher trusted");
        Ok(publisher)
    }

    /// Stops trusting the publisher with this fingerprint. Plugins it
    /// signed stay installed; their next version needs a trusted signer.
    pub fn distrust_publisher(&self, fingerprint: &str) -> Result<TrustedPublisher, RegistryError> {
        let fingerprint = fingerprint.trim();
        let publisher = self
            .trusted_publishers()
            .into_iter()
            .find(|p| p.fingerprint.eq_ignore_ascii_case(fingerprint))
            .ok_or_else(|| RegistryError::UnknownPublisher(fingerprint.chars().take(64).collect()))?;
        let tree = self.publishers_tree()?;
        tree.remove(publisher.public_key.as_bytes())?;
        tree.flush()?;
        tracing::info!(publisher = %publisher.name, fingerprint = %publisher.fingerprint, "publisher no longer trusted");
        Ok(publisher)
    }

    /// Whether unsigned plugins may be installed (off on a fresh desk).
    pub fn allow_unsigned(&self) -> bool {
        let value = self.db.tree(POLICY).and_then(|t| t.get(ALLOW_UNSIGNED));
        matches!(value, Ok(Some(v)) if v.as_ref() == [1])
    }

    pub fn set_allow_unsigned(&self, allow: bool) -> Result<(), RegistryError> {
        let tree = self.db.tree(POLICY)?;
        tree.insert(ALLOW_UNSIGNED, [u8::from(allow)])?;
        tree.flush()?;
        Ok(())
    }

    /// Whether `signer` (a signer recorded at install) is trusted now.
    pub fn still_trusted(&self, signer: &Signer) -> bool {
        PublicKey::parse(&signer.public_key).ok().and_then(|k| self.trusted(&k).ok().flatten()).is_some()
    }

    /// Installs (or upgrades) a plugin from a loose manifest and component:
    /// an unsigned install, refused unless unsigned plugins are allowed.
    pub fn install(&self, manifest_text: &str, component: &[u8]) -> Result<Installation, RegistryError> {
        if !self.allow_unsigned() {
            return Err(RegistryError::Untrusted(UNSIGNED_REFUSED.into()));
        }
        self.install_files(manifest_text, component, None)
    }

    /// Installs (or upgrades) a plugin from a package (`.dpkg`), no file in
    /// it larger than `max_entry` bytes. Signed by a trusted publisher: it
    /// installs, recording them. Signed by anyone else, or changed after
    /// signing: refused. Unsigned: as [`install`](Self::install).
    pub fn install_package(&self, package: &[u8], max_entry: u64) -> Result<Installation, RegistryError> {
        let opened = signed::open(package, max_entry).map_err(|e| RegistryError::Invalid(e.to_string()))?;
        let signer = match &opened.signer {
            None if self.allow_unsigned() => None,
            None => return Err(RegistryError::Untrusted(UNSIGNED_REFUSED.into())),
            Some(key) => {
                let publisher = self.trusted(key)?.ok_or_else(|| {
                    RegistryError::Untrusted(format!(
                        "the package is signed by a publisher this desk does not trust: {}; an admin adds the key under Trusted publishers",
                        key.fingerprint()
                    ))
                })?;
                Some(Signer { name: publisher.name, fingerprint: publisher.fingerprint, public_key: publisher.public_key })
            }
        };
        let install = self.install_files(&opened.manifest_text, &opened.component, signer)?;
        match &install.signed_by {
            Some(s) => tracing::info!(plugin = %install.id, publisher = %s.name, fingerprint = %s.fingerprint, "signed plugin installed"),
            None => tracing::warn!(plugin = %install.id, "unsigned plugin installed (unsigned plugins are allowed)"),
        }
        Ok(install)
    }
}
