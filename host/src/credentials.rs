//! Where the secrets behind a plugin's named credentials come from.
//!
//! A plugin's request names a credential (`crm`, say); the host looks the
//! secret up here and adds the header the manifest describes. Plugins never
//! see secrets. Later stores (encrypted at rest in sled, OAuth refresh)
//! implement the same trait.

use std::collections::HashMap;
use std::sync::RwLock;

use futures::future::BoxFuture;

/// A live secret and what the authorisation server said with it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// Access token or API key.
    pub value: String,
    /// Base URL the authorisation server reported (Zoho `api_domain`,
    /// Salesforce `instance_url`), handed to the plugin by `http.api-base`.
    pub api_base: Option<String>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret").field("value", &"<redacted>").field("api_base", &self.api_base).finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("credential `{name}` of plugin `{plugin}` is not connected; an admin must connect the CRM")]
    NotConnected { plugin: String, name: String },
    #[error("credential `{name}` of plugin `{plugin}` cannot be refreshed: {reason}")]
    RefreshFailed { plugin: String, name: String, reason: String },
}

/// Supplies and refreshes the secrets of plugins' credentials.
pub trait CredentialSource: Send + Sync {
    /// The current secret of `plugin`'s credential `name`.
    fn secret(&self, plugin: &str, name: &str) -> Result<Secret, CredentialError>;

    /// Obtains a new secret after the CRM refused the current one. The
    /// runtime calls it once when a plugin reports `auth-expired`, then
    /// retries the call.
    fn refresh<'a>(&'a self, plugin: &'a str, name: &'a str) -> BoxFuture<'a, Result<(), CredentialError>>;
}

/// Secrets given up front (CLI flags, tests). They cannot be refreshed.
#[derive(Debug, Default)]
pub struct StaticCredentials {
    secrets: RwLock<HashMap<(String, String), Secret>>,
}

impl StaticCredentials {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&self, plugin: &str, name: &str, secret: Secret) {
        self.secrets
            .write()
            .expect("credential lock poisoned")
            .insert((plugin.to_string(), name.to_string()), secret);
    }
}

impl CredentialSource for StaticCredentials {
    fn secret(&self, plugin: &str, name: &str) -> Result<Secret, CredentialError> {
        self.secrets
            .read()
            .expect("credential lock poisoned")
            .get(&(plugin.to_string(), name.to_string()))
            .cloned()
            .ok_or_else(|| CredentialError::NotConnected { plugin: plugin.into(), name: name.into() })
    }

    fn refresh<'a>(&'a self, plugin: &'a str, name: &'a str) -> BoxFuture<'a, Result<(), CredentialError>> {
        Box::pin(async move {
            Err(CredentialError::RefreshFailed {
                plugin: plugin.into(),
                name: name.into(),
                reason: "it was given as a fixed token".into(),
            })
        })
    }
}
