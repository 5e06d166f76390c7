//! Where the secrets behind a plugin's named credentials come from.
//!
//! A plugin's request names a credential (`crm`, say); the host looks the
//! secret up here and adds the header the manifest describes. Plugins never
//! see secrets. [`StaticCredentials`] holds fixed tokens (CLI, tests, API
//! keys); [`OAuthCredentials`] fetches and refreshes access tokens at the
//! CRM's accounts server; [`HostCredentials`] is both, as the server uses
//! them (the registry persists refresh tokens and keys).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use futures::future::BoxFuture;

use crate::outbound::GuardedHttp;

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
    #[error("connecting to the CRM failed: {0}")]
    Connect(String),
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
        self.secrets.write().expect("credential lock poisoned").insert((plugin.to_string(), name.to_string()), secret);
    }

    pub fn remove(&self, plugin: &str, name: &str) {
        self.secrets.write().expect("credential lock poisoned").remove(&(plugin.to_string(), name.to_string()));
    }

    fn retain(&self, plugin: &str, keep: &[&str]) {
        self.secrets.write().expect("credential lock poisoned").retain(|(p, n), _| p != plugin || keep.contains(&n.as_str()));
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
            Err(CredentialError::RefreshFailed { plugin: plugin.into(), name: name.into(), reason: "it was given as a fixed token".into() })
        })
    }
}

/// An OAuth 2.0 client registered with a CRM's authorisation server.
#[derive(Clone)]
pub struct OAuthClient {
    /// The token endpoint (the manifest's `token-url`, or the accounts
    /// server the CRM named when the admin connected).
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    /// The plugin's own guarded client: the token endpoint must be on the
    /// plugin's allow-list, and no redirect is followed, so the client
    /// secret and codes go nowhere the plugin could not send a request.
    pub http: Arc<GuardedHttp>,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

struct Connection {
    client: OAuthClient,
    refresh_token: String,
    current: Option<Secret>,
}

/// Credentials obtained with OAuth 2.0 refresh tokens: an access token is
/// fetched on connect and again whenever a plugin reports it expired.
#[derive(Default)]
pub struct OAuthCredentials {
    connections: RwLock<HashMap<(String, String), Connection>>,
}

impl OAuthCredentials {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `plugin`'s credential `name` is connected with this refresh
    /// token (another desk replica may have connected it anew).
    pub fn holds(&self, plugin: &str, name: &str, refresh_token: &str) -> bool {
        let connections = self.connections.read().expect("credential lock poisoned");
        connections.get(&(plugin.to_string(), name.to_string())).is_some_and(|c| c.refresh_token == refresh_token)
    }

    fn retain(&self, plugin: &str, keep: &[&str]) {
        self.connections.write().expect("credential lock poisoned").retain(|(p, n), _| p != plugin || keep.contains(&n.as_str()));
    }

    /// Connects `plugin`'s credential `name` with a refresh token and
    /// fetches the first access token.
    pub async fn connect(&self, plugin: &str, name: &str, client: OAuthClient, refresh_token: &str) -> Result<(), CredentialError> {
        self.connections
            .write()
            .expect("credential lock poisoned")
            .insert((plugin.to_string(), name.to_string()), Connection { client, refresh_token: refresh_token.to_string(), current: None });
        self.refresh(plugin, name).await
    }

    /// Posts a grant to the token endpoint. The answer's JSON, or why
    /// there is none; a refusal (`error`) is returned as `Err` with the
    /// server's words. Zoho answers refusals with 200 and `error`,
    /// Salesforce with 400.
    async fn token_request(&self, client: &OAuthClient, grant: &[(&str, &str)]) -> Result<serde_json::Value, String> {
        let mut form = vec![("client_id", client.client_id.as_str()), ("client_secret", client.client_secret.as_str())];
        form.extend_from_slice(grant);
        let (url, http) =
            client.http.prepare(&client.token_url).map_err(|e| format!("the token URL {} may not be used: {e}", client.token_url))?;
        let resp = http
            .post(url)
            .form(&form)
            .send()
            .await
            .map_err(|e| format!("the accounts server at {} did not answer: {e}", client.token_url))?;
        let status = resp.status();
        let body: serde_json::Value =
            resp.json().await.map_err(|e| format!("the accounts server answered HTTP {status} without JSON: {e}"))?;
        if let Some(error) = body["error"].as_str() {
            let detail = body["error_description"].as_str().map(|d| format!(" ({d})")).unwrap_or_default();
            return Err(format!("the accounts server refused: {error}{detail}"));
        }
        Ok(body)
    }

    /// Trades an authorisation code (from the CRM's consent redirect) for
    /// a refresh token.
    pub async fn exchange_code(&self, client: &OAuthClient, code: &str, redirect_uri: &str) -> Result<String, CredentialError> {
        let grant = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri)];
        let body =
            self.token_request(client, &grant).await.map_err(|e| CredentialError::Connect(format!("{e}; start the connection again")))?;
        body["refresh_token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| CredentialError::Connect("the accounts server gave no refresh token; ask for offline access".into()))
    }

    /// Forgets a connection (the admin disconnected the CRM).
    pub fn disconnect(&self, plugin: &str, name: &str) {
        self.connections.write().expect("credential lock poisoned").remove(&(plugin.to_string(), name.to_string()));
    }

    async fn exchange(&self, plugin: &str, name: &str) -> Result<Secret, CredentialError> {
        let failed = |reason: String| CredentialError::RefreshFailed { plugin: plugin.into(), name: name.into(), reason };
        let (client, refresh_token) = {
            let connections = self.connections.read().expect("credential lock poisoned");
            let c = connections
                .get(&(plugin.to_string(), name.to_string()))
                .ok_or_else(|| CredentialError::NotConnected { plugin: plugin.into(), name: name.into() })?;
            (c.client.clone(), c.refresh_token.clone())
        };
        let grant = [("grant_type", "refresh_token"), ("refresh_token", refresh_token.as_str())];
        let body = self.token_request(&client, &grant).await.map_err(|e| failed(format!("{e}; reconnect the CRM")))?;
        let value = body["access_token"].as_str().ok_or_else(|| failed("the accounts server answered without an access token".into()))?;
        let api_base = body["api_domain"].as_str().or(body["instance_url"].as_str()).map(str::to_string);
        Ok(Secret { value: value.to_string(), api_base })
    }
}

impl CredentialSource for OAuthCredentials {
    fn secret(&self, plugin: &str, name: &str) -> Result<Secret, CredentialError> {
        self.connections
            .read()
            .expect("credential lock poisoned")
            .get(&(plugin.to_string(), name.to_string()))
            .and_then(|c| c.current.clone())
            .ok_or_else(|| CredentialError::NotConnected { plugin: plugin.into(), name: name.into() })
    }

    fn refresh<'a>(&'a self, plugin: &'a str, name: &'a str) -> BoxFuture<'a, Result<(), CredentialError>> {
        Box::pin(async move {
            let secret = self.exchange(plugin, name).await?;
            if let Some(c) = self.connections.write().expect("credential lock poisoned").get_mut(&(plugin.to_string(), name.to_string())) {
                c.current = Some(secret);
            }
            Ok(())
        })
    }
}

/// The host's credentials: OAuth connections, and API keys an admin
/// entered. A key cannot be refreshed; an OAuth token can.
#[derive(Default)]
pub struct HostCredentials {
    pub oauth: OAuthCredentials,
    pub keys: StaticCredentials,
}

impl HostCredentials {
    /// Forgets every credential of `plugin` not named in `keep`.
    pub fn forget_plugin_except<'a>(&self, plugin: &str, keep: impl IntoIterator<Item = &'a String>) {
        let keep: Vec<&str> = keep.into_iter().map(String::as_str).collect();
        self.oauth.retain(plugin, &keep);
        self.keys.retain(plugin, &keep);
    }

    /// Forgets every credential of `plugin`.
    pub fn forget_plugin(&self, plugin: &str) {
        self.forget_plugin_except(plugin, []);
    }
}

impl CredentialSource for HostCredentials {
    fn secret(&self, plugin: &str, name: &str) -> Result<Secret, CredentialError> {
        self.oauth.secret(plugin, name).or_else(|_| self.keys.secret(plugin, name))
    }

    fn refresh<'a>(&'a self, plugin: &'a str, name: &'a str) -> BoxFuture<'a, Result<(), CredentialError>> {
        match self.keys.secret(plugin, name) {
            Ok(_) => Box::pin(async move {
                Err(CredentialError::RefreshFailed {
                    plugin: plugin.into(),
                    name: name.into(),
                    reason: "the CRM refused its API key; enter a valid key in the admin console".into(),
                })
            }),
            Err(_) => self.oauth.refresh(plugin, name),
        }
    }
}
