//! Installed plugins: their files, settings, CRM connections, per-profile
//! permissions, and the loaded instances the panels and sync use.
//!
//! Settings live in the desk's store; a plugin's files live in `<data>/plugins/<id>/`.
//! Every change that affects how a plugin runs reloads it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use serde::{Deserialize, Serialize};

use crate::auth;
use crate::clock::now;
use crate::credentials::{CredentialSource, HostCredentials, OAuthClient, Secret};
use crate::manifest::{CredentialSpec, Manifest};
use crate::outbound::GuardedHttp;
use crate::package::{PluginPackage, MANIFEST_FILE};
use crate::permissions::PanelPermissions;
use crate::policy::{AllowList, LimitRequest};
use crate::secrets::SecretBox;
use crate::{Plugin, PluginSettings, Runtime};

mod shared;
mod trust;

pub use shared::PLUGIN_CHANGED;
pub use trust::{Signer, TrustedPublisher, PUBLISHER_NAME_MAX};

/// An admin's OAuth client settings for one credential. The URLs default
/// to the manifest's; a deployment (or the demo's emulator) may override.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OAuthSetup {
    pub client_id: String,
    pub client_secret: String,
    #[serde(default)]
    pub authorize_url: Option<String>,
    #[serde(default)]
    pub token_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    refresh_token: String,
    pub connected_at: String,
    pub connected_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRequest {
    pub id: String,
    pub email: String,
    pub status: AccessStatus,
    pub sent_count: u32,
    pub created_at: String,
    /// The secret part of the approval link.
    pub token: String,
    #[serde(default)]
    pub credential: String,
}

/// Where an access request ("another user's portal link") stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AccessStatus {
    Pending,
    Approved,
}

/// One installed plugin's settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Installation {
    pub id: String,
    pub enabled: bool,
    pub config: BTreeMap<String, String>,
    pub extra_hosts: Vec<String>,
    pub oauth: BTreeMap<String, OAuthSetup>,
    pub connections: BTreeMap<String, Connection>,
    pub access_requests: Vec<AccessRequest>,
    /// By profile name; a profile without an entry gets the defaults.
    pub permissions: BTreeMap<String, PanelPermissions>,
    /// API keys an admin entered, by credential name.
    #[serde(default)]
    pub api_keys: BTreeMap<String, String>,
    /// Handshake Mode: the CRM profile field holding the customer type.
    #[serde(default)]
    pub customer_type_field: Option<String>,
    /// The CRM organisation's currency (ISO 4217, "USD"): amounts the CRM
    /// reports without one are shown in it.
    #[serde(default)]
    pub default_currency: Option<String>,
    /// Limits above the defaults an admin approved; until then the plugin
    /// runs with the defaults whatever its manifest asks.
    #[serde(default)]
    pub approved_limits: LimitRequest,
    /// Calls at once an admin set for the plugin's CRM account, in place
    /// of the manifest's (`None`: the manifest's, as approved).
    #[serde(default)]
    pub concurrency: Option<u32>,
    pub installed_at: String,
    /// Who signed the installed version; `None`: it was installed unsigned.
    #[serde(default)]
    pub signed_by: Option<Signer>,
}

impl Installation {
    /// A profile's permissions on this plugin's panel. Without an entry,
    /// the built-in profiles see the whole panel (as the seeds describe); a
    /// custom profile sees nothing until an admin grants it (least
    /// privilege).
    pub fn permissions_for(&self, profile: &str) -> PanelPermissions {
        granted(&self.permissions, profile)
    }
}

/// What `profile` was granted in these permissions: a profile never set
/// sees the defaults if built in, nothing if an admin made it.
fn granted(permissions: &BTreeMap<String, PanelPermissions>, profile: &str) -> PanelPermissions {
    permissions.get(profile).cloned().unwrap_or_else(|| {
        if auth::BUILTIN_PROFILES.contains(&profile) {
            PanelPermissions::default()
        } else {
            PanelPermissions::hidden()
        }
    })
}

/// A change an admin makes to an installation.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct InstallationPatch {
    pub enabled: Option<bool>,
    pub config: Option<BTreeMap<String, String>>,
    pub extra_hosts: Option<Vec<String>>,
    pub oauth: Option<BTreeMap<String, OAuthSetup>>,
    /// Empty clears it.
    pub customer_type_field: Option<String>,
    /// An ISO 4217 code ("USD", "eur"); empty clears it.
    pub default_currency: Option<String>,
    /// `true` grants the limits the manifest asks for above the defaults;
    /// `false` takes the grant back.
    pub approve_limits: Option<bool>,
    /// Calls at once to the CRM (its account's allowance), 1 to the desk's
    /// ceiling; 0 returns to what the manifest asks.
    pub concurrency: Option<u32>,
}

/// An email the desk sent (kept in an outbox the admin can read; the demo
/// has no mail server).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub sent_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("no plugin `{0}` is installed")]
    NotInstalled(String),
    #[error("{0}")]
    Invalid(String),
    #[error("plugin `{plugin}` has no credential named `{name}`")]
    NoCredential { plugin: String, name: String },
    #[error("set the OAuth client id and secret of credential `{name}` of plugin `{plugin}` before connecting")]
    OAuthNotConfigured { plugin: String, name: String },
    #[error(
        "this connection link is not valid, has expired, was already used, or was started in another browser; start the connection again"
    )]
    BadState,
    /// The desk's signature policy refuses the package.
    #[error("{0}")]
    Untrusted(String),
    #[error("no trusted publisher has the fingerprint `{0}`")]
    UnknownPublisher(String),
    #[error(transparent)]
    Credential(#[from] crate::credentials::CredentialError),
    /// The details go to the log, not to the person who asked.
    #[error("the plugin store failed; the server log has the details")]
    Storage(#[from] deskpane_store::StoreError),
    #[error("the plugin files could not be written; the server log has the details")]
    Files(#[from] std::io::Error),
}

/// A currency setting as stored: three letters, upper case (ISO 4217);
/// `None` for an empty one.
fn currency_code(text: &str) -> Result<Option<String>, RegistryError> {
    let code = text.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Ok(None);
    }
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(RegistryError::Invalid(format!(
            "the default currency must be a three-letter ISO 4217 code such as USD or EUR, not `{}`",
            text.trim()
        )));
    }
    Ok(Some(code))
}

fn consent_binding(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// `dir/name` for a name that must stay inside `dir`: a bare file or
/// folder name, never a path. The manifest check already refuses other
/// names; this is the second lock on the door.
fn confined(dir: &Path, name: &str) -> Result<PathBuf, RegistryError> {
    let mut parts = Path::new(name).components();
    match (parts.next(), parts.next()) {
        (Some(std::path::Component::Normal(part)), None) if part == name => Ok(dir.join(part)),
        _ => Err(RegistryError::Invalid(format!("`{}` is not a bare file name inside the plugin's folder", name.escape_debug()))),
    }
}

/// An error message with the server's staging folder replaced by the file
/// name the admin uploaded, so no server path reaches the console.
fn without_path(message: &str, staging: &Path, component: &str) -> String {
    message.replace(&staging.join(component).display().to_string(), component).replace(&staging.display().to_string(), "the package")
}

/// The manifest check every package passes before it runs, uploaded or
/// put into its folder: it parses, and its field mappings name what the
/// desk knows.
fn admit_manifest(manifest_text: &str) -> Result<Manifest, RegistryError> {
    let manifest = Manifest::parse(manifest_text, MANIFEST_FILE).map_err(|e| RegistryError::Invalid(e.to_string()))?;
    crate::concepts::check(&manifest).map_err(RegistryError::Invalid)?;
    Ok(manifest)
}

/// SHA-256 over the files of a plugin's folder, names and contents in name
/// order; `None` when it cannot be read.
fn folder_digest(dir: &Path) -> Option<String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .collect();
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in &paths {
        files.push((path.file_name()?.to_str()?.to_string(), std::fs::read(path).ok()?));
    }
    let named: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    Some(folder_digest_of(&named))
}

/// The [`folder_digest`] of a folder holding exactly `files` (name, bytes).
fn folder_digest_of(files: &[(&str, &[u8])]) -> String {
    use sha2::Digest;
    let mut files = files.to_vec();
    files.sort_by_key(|(name, _)| *name);
    let mut hash = sha2::Sha256::new();
    for (name, bytes) in files {
        hash.update((name.len() as u64).to_le_bytes());
        hash.update(name.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    }
    hex::encode(hash.finalize())
}

/// Makes `staging` the folder `target` (in `dir`). The old folder is moved
/// aside, not deleted first: a crash between the two renames leaves the old
/// version's files on disk, not none.
fn swap_folder(dir: &Path, staging: &Path, target: &Path) -> std::io::Result<()> {
    let previous = dir.join(format!(".previous-{}", crate::secrets::random_token()));
    if target.exists() {
        std::fs::rename(target, &previous)?;
    }
    if let Err(e) = std::fs::rename(staging, target) {
        if previous.exists() {
            std::fs::rename(&previous, target)?;
        }
        return Err(e);
    }
    if previous.exists() {
        std::fs::remove_dir_all(&previous)?;
    }
    Ok(())
}

/// What a change in a plugin's folder came to ([`Registry::reload_from_disk`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiskChange {
    /// The new version runs; `from`: the version that ran before, if one did.
    Reloaded { from: Option<String>, to: String },
    /// The folder holds the files already loaded.
    Unchanged,
    /// The folder is not an installed plugin's.
    NotInstalled,
}

/// How long an OAuth consent round trip may take, in seconds.
pub const CONSENT_SECS: u64 = 600;

/// Where an OAuth consent round trip started.
#[derive(Debug, Serialize, Deserialize)]
struct PendingConsent {
    plugin: String,
    credential: String,
    by: String,
    access_request: Option<String>,
    /// SHA-256 of the secret in the starting browser's consent cookie.
    #[serde(default)]
    binding: String,
    #[serde(default)]
    expires_at: i64,
}

pub struct Registry {
    db: deskpane_store::Store,
    /// Refresh tokens and API keys are stored sealed.
    secrets: SecretBox,
    runtime: Arc<Runtime>,
    credentials: Arc<HostCredentials>,
    installs: deskpane_store::Tree,
    states: deskpane_store::Tree,
    outbox: deskpane_store::Tree,
    dir: PathBuf,
    /// Base URL of this desk, for OAuth redirects and approval links.
    public_url: String,
    /// By id, so panels come in a stable order.
    loaded: RwLock<BTreeMap<String, Loaded>>,
    /// Seconds an OAuth consent round trip may take.
    consent_secs: std::sync::atomic::AtomicI64,
    /// Held while a plugin's files or settings become what runs (install,
    /// update, removal, files replaced on disk), so two of them never
    /// interleave.
    files: Mutex<()>,
    /// Told the id of every plugin whose running version or settings
    /// changed ([`Registry::on_change`]).
    listeners: RwLock<Vec<ChangeListener>>,
    /// Each installation's permissions by profile, as last saved: read at
    /// every panel request, so kept decoded (without opening secrets).
    permissions: RwLock<HashMap<String, Arc<BTreeMap<String, PanelPermissions>>>>,
    /// This process among the desk replicas sharing the store, so that it
    /// does not follow its own changes.
    replica: String,
}

type ChangeListener = Box<dyn Fn(&str) + Send + Sync>;

struct Loaded {
    manifest: Manifest,
    plugin: Result<Arc<Plugin>, String>,
    /// The installation's switch, kept here so the panels' hot path does
    /// not read (and decrypt) the stored installation on every request.
    enabled: bool,
    /// [`folder_digest`] of the files this was loaded from: a change on
    /// disk is told from a write that changed nothing.
    digest: Option<String>,
    /// Why the files last put into the plugin's folder were refused; the
    /// version loaded before keeps serving.
    refused: Option<String>,
}

/// A plugin loaded from its folder: the manifest, the instance, and the
/// digest of the files it came from.
type Ready = (Manifest, Plugin, Option<String>);

impl Registry {
    pub async fn open(
        db: &deskpane_store::Store,
        dir: &Path,
        runtime: Arc<Runtime>,
        public_url: &str,
        secrets: SecretBox,
    ) -> Result<Registry, RegistryError> {
        std::fs::create_dir_all(dir)?;
        let registry = Registry {
            db: db.clone(),
            secrets,
            runtime,
            credentials: Arc::new(HostCredentials::default()),
            installs: db.tree("plugins.installations")?,
            states: db.tree("plugins.oauth-states")?,
            outbox: db.tree("plugins.outbox")?,
            dir: dir.to_path_buf(),
            public_url: public_url.trim_end_matches('/').to_string(),
            loaded: RwLock::default(),
            consent_secs: std::sync::atomic::AtomicI64::new(CONSENT_SECS as i64),
            files: Mutex::default(),
            listeners: RwLock::default(),
            permissions: RwLock::default(),
            replica: crate::secrets::random_hex(8),
        };
        for install in registry.installations() {
            // The store's package is the truth; a desk from before it kept
            // packages puts its folder's there.
            let digest = match registry.fetch_package(&install.id) {
                Ok(Some(digest)) => Some(digest),
                Ok(None) => {
                    if let Err(e) = registry.share_package(&install.id, &dir.join(&install.id)) {
                        tracing::warn!(plugin = %install.id, "the plugin's files could not be kept in the store: {e}");
                    }
                    None
                }
                Err(e) => {
                    tracing::error!(plugin = %install.id, "the plugin's files from the store could not be put in its folder: {e}");
                    None
                }
            };
            // Load first: the manifest says how each credential connects.
            registry.set_loaded(&install, registry.load(&install, digest));
            for (name, key) in &install.api_keys {
                registry.credentials.keys.insert(&install.id, name, Secret { value: key.clone(), api_base: None });
            }
            for (name, connection) in &install.connections {
                let reconnected = match registry.oauth_client(&install, name) {
                    Ok(client) => registry
                        .credentials
                        .oauth
                        .connect(&install.id, name, client, &connection.refresh_token)
                        .await
                        .map_err(RegistryError::from),
                    Err(e) => Err(e),
                };
                if let Err(e) = reconnected {
                    tracing::warn!(plugin = %install.id, "reconnecting credential `{name}` failed: {e}");
                }
            }
        }
        Ok(registry)
    }

    /// The desk's address as browsers and CRMs reach it.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The folder holding each installed plugin's files, `<id>/`.
    pub fn plugins_dir(&self) -> &Path {
        &self.dir
    }

    /// Calls `listener` with a plugin's id whenever what runs for it
    /// changed: installed or upgraded, new settings, removed, files
    /// replaced on disk. Called after the change, from the thread that
    /// made it; the server drops what it cached from the plugin.
    pub fn on_change(&self, listener: impl Fn(&str) + Send + Sync + 'static) {
        self.listeners.write().expect("registry listeners lock").push(Box::new(listener));
    }

    fn changed(&self, id: &str) {
        for listener in self.listeners.read().expect("registry listeners lock").iter() {
            listener(id);
        }
    }

    pub fn redirect_uri(&self) -> String {
        format!("{}/oauth/callback", self.public_url)
    }

    pub fn installations(&self) -> Vec<Installation> {
        self.installs.iter().values().filter_map(Result::ok).filter_map(|v| self.decode(&v)).collect()
    }

    pub fn installation(&self, id: &str) -> Result<Installation, RegistryError> {
        self.installs.get(id)?.and_then(|v| self.decode(&v)).ok_or_else(|| RegistryError::NotInstalled(id.to_string()))
    }

    /// An installation as stored, its secrets opened. A secret that does
    /// not open (the key file was replaced) is dropped: that credential
    /// shows as not connected and the admin connects it again.
    fn decode(&self, bytes: &[u8]) -> Option<Installation> {
        let mut install: Installation = serde_json::from_slice(bytes).ok()?;
        install.connections.retain(|name, c| match self.secrets.open(&c.refresh_token) {
            Ok(plain) => {
                c.refresh_token = plain;
                true
            }
            Err(e) => {
                tracing::warn!(plugin = %install.id, "credential `{name}`: {e}");
                false
            }
        });
        install.api_keys = std::mem::take(&mut install.api_keys)
            .into_iter()
            .filter_map(|(name, key)| self.secrets.open(&key).ok().map(|plain| (name, plain)))
            .collect();
        install.config = std::mem::take(&mut install.config)
            .into_iter()
            .filter_map(|(key, value)| self.secrets.open(&value).ok().map(|plain| (key, plain)))
            .collect();
        for o in install.oauth.values_mut() {
            o.client_secret = self.secrets.open(&o.client_secret).unwrap_or_default();
        }
        Some(install)
    }

    /// Config keys the manifest types `secret`.
    pub fn secret_config_keys(&self, id: &str) -> Vec<String> {
        self.manifest(id).map(|m| m.secret_config_keys().cloned().collect()).unwrap_or_default()
    }

    /// Every secret is sealed before it is stored: refresh tokens, API
    /// keys, OAuth client secrets, and config values (all of them, so a
    /// `secret` field stays sealed even while its manifest is unreadable).
    fn save(&self, install: &Installation) -> Result<(), RegistryError> {
        let mut stored = install.clone();
        for o in stored.oauth.values_mut() {
            o.client_secret = self.secrets.seal(&o.client_secret);
        }
        for value in stored.config.values_mut() {
            *value = self.secrets.seal(value);
        }
        for c in stored.connections.values_mut() {
            c.refresh_token = self.secrets.seal(&c.refresh_token);
        }
        for key in stored.api_keys.values_mut() {
            *key = self.secrets.seal(key);
        }
        self.installs.insert(install.id.as_bytes(), serde_json::to_vec(&stored).expect("installations serialise"))?;
        self.installs.flush()?;
        self.permissions.write().expect("permissions lock").insert(install.id.clone(), Arc::new(install.permissions.clone()));
        self.announce(&install.id);
        Ok(())
    }

    pub fn manifest(&self, id: &str) -> Option<Manifest> {
        self.loaded.read().expect("registry lock").get(id).map(|l| l.manifest.clone())
    }

    /// Why the plugin could not be loaded, if it could not.
    pub fn load_error(&self, id: &str) -> Option<String> {
        self.loaded.read().expect("registry lock").get(id).and_then(|l| l.plugin.as_ref().err().cloned())
    }

    /// Why files put into a running plugin's folder were refused, with the
    /// version that keeps serving; `None` once its folder holds files that
    /// load again (or the plugin is installed again).
    pub fn refused_files(&self, id: &str) -> Option<String> {
        self.loaded.read().expect("registry lock").get(id).and_then(|l| l.refused.clone())
    }

    /// The running plugin, if installed, enabled and loaded.
    pub fn plugin(&self, id: &str) -> Option<Arc<Plugin>> {
        self.loaded.read().expect("registry lock").get(id).filter(|l| l.enabled).and_then(|l| l.plugin.as_ref().ok().cloned())
    }

    /// How a loaded plugin's calls have gone (enabled or not).
    pub fn plugin_health(&self, id: &str) -> Option<crate::Health> {
        self.loaded.read().expect("registry lock").get(id).and_then(|l| l.plugin.as_ref().ok().map(|p| p.health()))
    }

    /// The limits a loaded plugin runs under.
    pub fn plugin_limits(&self, id: &str) -> Option<crate::policy::Limits> {
        self.loaded.read().expect("registry lock").get(id).and_then(|l| l.plugin.as_ref().ok().map(|p| p.limits().clone()))
    }

    /// Enabled plugins, by id.
    pub fn enabled(&self) -> Vec<(String, Arc<Plugin>)> {
        let loaded = self.loaded.read().expect("registry lock");
        loaded.iter().filter(|(_, l)| l.enabled).filter_map(|(id, l)| l.plugin.as_ref().ok().map(|p| (id.clone(), p.clone()))).collect()
    }

    /// Loads a plugin's files with its settings.
    /// `digest`: the folder's, when the caller knows it (it just put the
    /// store's package there); else it is worked out here.
    fn load(&self, install: &Installation, digest: Option<String>) -> Result<Ready, String> {
        let dir = self.dir.join(&install.id);
        // Taken before the files are read: a change made while they are
        // read makes the digest differ, and the watcher reloads again.
        let digest = digest.or_else(|| folder_digest(&dir));
        let package = PluginPackage::open(&dir).map_err(|e| e.to_string())?;
        let plugin = self.load_package(install, &package)?;
        Ok((package.manifest, plugin, digest))
    }

    /// Readies a checked package for calls with an installation's settings.
    fn load_package(&self, install: &Installation, package: &PluginPackage) -> Result<Plugin, String> {
        let settings = PluginSettings {
            config: install.config.clone(),
            extra_hosts: install.extra_hosts.clone(),
            approved_limits: install.approved_limits.clone(),
            concurrency: install.concurrency,
        };
        let credentials: Arc<dyn CredentialSource> = self.credentials.clone();
        self.runtime.load(package, &settings, credentials).map_err(|e| e.to_string())
    }

    /// Makes `loaded` hold what `load` gave; a plugin that does not load
    /// keeps its manifest (when readable) and the reason, for the console.
    /// Calls in flight keep the instance they started on; new calls get
    /// this one.
    fn set_loaded(&self, install: &Installation, loaded: Result<Ready, String>) {
        let (id, enabled) = (&install.id, install.enabled);
        let entry = match loaded {
            Ok((manifest, plugin, digest)) => Loaded { manifest, plugin: Ok(Arc::new(plugin)), enabled, digest, refused: None },
            Err(e) => {
                tracing::error!(plugin = %id, "{e}");
                match PluginPackage::open(&self.dir.join(id)) {
                    Ok(package) => Loaded { manifest: package.manifest, plugin: Err(e), enabled, digest: None, refused: None },
                    Err(_) => return,
                }
            }
        };
        self.loaded.write().expect("registry lock").insert(id.to_string(), entry);
    }

    fn reload(&self, install: &Installation) {
        self.set_loaded(install, self.load(install, None));
    }

    /// Installs (or upgrades, keeping settings) a plugin from its manifest
    /// and component, recording who signed it. The doors in are `install`
    /// and `install_package` (registry/trust.rs), which apply the desk's
    /// signature policy first. Nothing is written until the manifest is valid; the
    /// files go into a fresh staging folder under names the manifest check
    /// proved bare, and the component is checked against the contract
    /// before the staging folder replaces the plugin's own. A new plugin
    /// starts disabled: an admin reviews its allow-list and limits first.
    fn install_files(&self, manifest_text: &str, component: &[u8], signer: Option<Signer>) -> Result<Installation, RegistryError> {
        let manifest = admit_manifest(manifest_text)?;
        let _files = self.files.lock().expect("registry files lock");
        let staging = self.dir.join(format!(".staging-{}", crate::secrets::random_token()));
        std::fs::create_dir_all(&staging)?;
        let result = (|| {
            std::fs::write(confined(&staging, MANIFEST_FILE)?, manifest_text)?;
            std::fs::write(confined(&staging, &manifest.component)?, component)?;
            let invalid = |e: String| RegistryError::Invalid(without_path(&e, &staging, &manifest.component));
            let package = PluginPackage::open(&staging).map_err(|e| invalid(e.to_string()))?;
            self.admit_component(&package, &staging)?;
            let target = confined(&self.dir, &manifest.id)?;
            swap_folder(&self.dir, &staging, &target)?;
            self.share_package(&manifest.id, &target)?;
            let mut install = self.installation(&manifest.id).unwrap_or_else(|_| Installation {
                id: manifest.id.clone(),
                enabled: false,
                installed_at: now(),
                ..Default::default()
            });
            install.signed_by = signer;
            self.save(&install)?;
            self.reload(&install);
            self.changed(&install.id);
            Ok(install)
        })();
        let _ = std::fs::remove_dir_all(&staging);
        result
    }

    /// The most calls at once any plugin may be given.
    pub fn concurrency_ceiling(&self) -> u32 {
        self.runtime.ceiling().max_concurrency
    }

    /// Applies an admin's changes, checks them by loading the plugin, and
    /// keeps them only if it loads.
    pub fn update(&self, id: &str, patch: InstallationPatch) -> Result<Installation, RegistryError> {
        let _files = self.files.lock().expect("registry files lock");
        let mut install = self.installation(id)?;
        if let Some(enabled) = patch.enabled {
            install.enabled = enabled;
        }
        if let Some(config) = patch.config {
            // The console never receives a secret's value, so it sends an
            // empty one back: that keeps the stored secret.
            let secret_keys = self.secret_config_keys(id);
            let mut next: BTreeMap<String, String> = config.into_iter().filter(|(_, v)| !v.is_empty()).collect();
            for key in secret_keys {
                if let (false, Some(old)) = (next.contains_key(&key), install.config.get(&key)) {
                    next.insert(key, old.clone());
                }
            }
            install.config = next;
        }
        if let Some(approve) = patch.approve_limits {
            install.approved_limits = match (approve, self.manifest(id)) {
                (true, Some(manifest)) => manifest.limits,
                _ => LimitRequest::default(),
            };
        }
        if let Some(n) = patch.concurrency {
            let most = self.concurrency_ceiling();
            if n > most {
                return Err(RegistryError::Invalid(format!(
                    "calls at once must be between 1 and {most} (the desk's ceiling), not {n}; 0 returns to what the plugin asks"
                )));
            }
            install.concurrency = (n > 0).then_some(n);
        }
        if let Some(hosts) = patch.extra_hosts {
            install.extra_hosts = hosts;
        }
        if let Some(oauth) = patch.oauth {
            for (name, mut setup) in oauth {
                // An empty secret keeps the stored one (the console never shows it).
                if setup.client_secret.is_empty() {
                    if let Some(old) = install.oauth.get(&name) {
                        setup.client_secret = old.client_secret.clone();
                    }
                }
                install.oauth.insert(name, setup);
            }
        }
        if let Some(field) = patch.customer_type_field {
            install.customer_type_field = Some(field.trim().to_string()).filter(|f| !f.is_empty());
        }
        if let Some(code) = patch.default_currency {
            install.default_currency = currency_code(&code)?;
        }
        // Kept only if the plugin loads with them.
        let loaded = self.load(&install, None).map_err(RegistryError::Invalid)?;
        self.save(&install)?;
        self.set_loaded(&install, Ok(loaded));
        self.changed(id);
        Ok(install)
    }

    /// Deletes the integration: files, settings, connection and permissions.
    pub fn remove(&self, id: &str) -> Result<(), RegistryError> {
        let _files = self.files.lock().expect("registry files lock");
        let install = self.installation(id)?;
        self.forget_credentials(&install);
        self.installs.remove(id)?;
        self.unshare_package(id)?;
        self.announce(id);
        self.permissions.write().expect("permissions lock").remove(id);
        self.loaded.write().expect("registry lock").remove(id);
        self.changed(id);
        let dir = self.dir.join(id);
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        Ok(())
    }

    /// An installed plugin's files changed in its folder (the server's
    /// watcher calls this; docs/admin.md, "Replacing a plugin on disk").
    /// They are read once and checked as an install checks an upload: the
    /// desk's signature policy (loose files are unsigned), the manifest,
    /// the component against the contract, and the id must stay the
    /// folder's. If they pass, they are loaded with the installation's
    /// settings and swapped in: calls in flight finish on the old
    /// instance, new calls get the new one, and listeners hear of it. If
    /// not, the version loaded before keeps serving and the reason shows as
    /// the plugin's status ([`Registry::refused_files`]) until the folder
    /// holds files that load. Files equal to those loaded change nothing.
    pub fn reload_from_disk(&self, id: &str) -> Result<DiskChange, RegistryError> {
        let _files = self.files.lock().expect("registry files lock");
        let Ok(mut install) = self.installation(id) else {
            return Ok(DiskChange::NotInstalled);
        };
        let dir = confined(&self.dir, id)?;
        let digest = folder_digest(&dir);
        let serving = {
            let mut loaded = self.loaded.write().expect("registry lock");
            match loaded.get_mut(id).filter(|l| l.plugin.is_ok()) {
                Some(l) if digest.is_some() && l.digest == digest => {
                    // The files loaded (again, after a refused change).
                    l.refused = None;
                    return Ok(DiskChange::Unchanged);
                }
                Some(l) => Some(l.manifest.version.to_string()),
                None => None,
            }
        };
        let checked = self.read_checked(id, &dir, &install).and_then(|package| {
            let plugin = self.load_package(&install, &package).map_err(RegistryError::Invalid)?;
            Ok((package.manifest, plugin))
        });
        let (manifest, plugin) = match checked {
            Ok(ready) => ready,
            Err(e) => {
                match &serving {
                    Some(version) => {
                        let refused = format!(
                            "The files put into the plugin's folder were refused; version {version} keeps serving until the folder holds a version that loads, or the plugin is installed again. {e}"
                        );
                        tracing::error!(plugin = %id, "{refused}");
                        if let Some(l) = self.loaded.write().expect("registry lock").get_mut(id) {
                            l.refused = Some(refused);
                        }
                    }
                    None => self.set_loaded(&install, Err(e.to_string())),
                }
                return Err(e);
            }
        };
        self.share_package(id, &dir)?;
        // What runs now is not what a publisher signed.
        if install.signed_by.take().is_some() {
            self.save(&install)?;
        } else {
            self.announce(id);
        }
        let to = manifest.version.to_string();
        self.set_loaded(&install, Ok((manifest, plugin, digest)));
        self.changed(id);
        Ok(DiskChange::Reloaded { from: serving, to })
    }

    /// A plugin's folder read once and checked as an install checks an
    /// upload ([`Registry::reload_from_disk`]).
    fn read_checked(&self, id: &str, dir: &Path, install: &Installation) -> Result<PluginPackage, RegistryError> {
        if !self.allow_unsigned() {
            return Err(RegistryError::Untrusted(
                "files put into a plugin's folder are unsigned, and this desk installs signed packages only: upload a .dpkg package \
                 signed by a trusted publisher, or an admin turns on Allow unsigned plugins"
                    .into(),
            ));
        }
        let unreadable = |file: &str, e: std::io::Error| RegistryError::Invalid(format!("cannot read {file} in the plugin's folder: {e}"));
        let manifest_text = std::fs::read_to_string(dir.join(MANIFEST_FILE)).map_err(|e| unreadable(MANIFEST_FILE, e))?;
        let manifest = admit_manifest(&manifest_text)?;
        if manifest.id != install.id {
            return Err(RegistryError::Invalid(format!(
                "plugin.toml says `id = \"{}\"` but this is the folder of `{id}`: a plugin's id does not change in place; install the other plugin on its own",
                manifest.id.escape_debug()
            )));
        }
        let component_path = confined(dir, &manifest.component)?;
        let component = std::fs::read(&component_path).map_err(|e| unreadable(&manifest.component, e))?;
        let package = PluginPackage { manifest_path: dir.join(MANIFEST_FILE), component_path, component, manifest };
        self.admit_component(&package, dir)?;
        Ok(package)
    }

    /// The component check every package passes before it runs, uploaded
    /// or put into its folder: it compiles and implements a contract
    /// version this host serves. Messages name the file, never the folder
    /// `dir` it is in.
    fn admit_component(&self, package: &PluginPackage, dir: &Path) -> Result<(), RegistryError> {
        self.runtime.check(package).map_err(|e| RegistryError::Invalid(without_path(&e.to_string(), dir, &package.manifest.component)))?;
        Ok(())
    }

    /// A profile's permissions on a plugin's panel (see
    /// [`Installation::permissions_for`]).
    /// A profile's permissions on a plugin's panel, held to what the CRM
    /// offers (its manifest's activity kinds).
    pub fn permissions(&self, id: &str, profile: &str) -> PanelPermissions {
        let cached = self.permissions.read().expect("permissions lock").get(id).cloned();
        let by_profile = match cached {
            Some(by_profile) => Some(by_profile),
            // A save that came meanwhile keeps its newer permissions.
            None => self.installation(id).ok().map(|install| {
                let mut cache = self.permissions.write().expect("permissions lock");
                cache.entry(id.to_string()).or_insert_with(|| Arc::new(install.permissions)).clone()
            }),
        };
        let granted = granted(by_profile.as_deref().unwrap_or(&BTreeMap::new()), profile);
        match self.loaded.read().expect("registry lock").get(id) {
            Some(l) => granted.offered(&l.manifest.panel.activities),
            None => granted,
        }
    }

    pub fn set_permissions(&self, id: &str, profile: &str, permissions: PanelPermissions) -> Result<(), RegistryError> {
        let mut install = self.installation(id)?;
        install.permissions.insert(profile.to_string(), permissions);
        self.save(&install)
    }

    fn credential_spec(&self, id: &str, name: &str) -> Result<CredentialSpec, RegistryError> {
        self.manifest(id)
            .and_then(|m| m.credentials.get(name).cloned())
            .ok_or_else(|| RegistryError::NoCredential { plugin: id.into(), name: name.into() })
    }

    /// The first credential a plugin declares (the usual single one).
    pub fn default_credential(&self, id: &str) -> Option<String> {
        self.manifest(id).and_then(|m| m.credentials.keys().next().cloned())
    }

    fn oauth_client(&self, install: &Installation, name: &str) -> Result<OAuthClient, RegistryError> {
        let setup = install.oauth.get(name).filter(|s| !s.client_id.is_empty());
        let (Some(setup), Ok(CredentialSpec::OAuth2 { token_url, .. })) = (setup, self.credential_spec(&install.id, name)) else {
            return Err(RegistryError::OAuthNotConfigured { plugin: install.id.clone(), name: name.into() });
        };
        let mut allow = self.manifest(&install.id).map(|m| m.allowed_hosts).unwrap_or_default();
        allow.extend(AllowList::parse(&install.extra_hosts).map_err(|e| RegistryError::Invalid(e.to_string()))?);
        let limits = crate::policy::Limits::default();
        Ok(OAuthClient {
            token_url: setup.token_url.clone().unwrap_or(token_url),
            client_id: setup.client_id.clone(),
            client_secret: setup.client_secret.clone(),
            http: Arc::new(GuardedHttp::new(allow, self.runtime.dns_overrides(), limits.connect_timeout, limits.http_timeout)),
        })
    }

    /// Connects with a refresh token obtained elsewhere (demo setup).
    pub async fn connect_with_refresh_token(&self, id: &str, name: &str, refresh_token: &str, by: &str) -> Result<(), RegistryError> {
        let mut install = self.installation(id)?;
        let client = self.oauth_client(&install, name)?;
        self.credentials.oauth.connect(id, name, client, refresh_token).await?;
        install
            .connections
            .insert(name.into(), Connection { refresh_token: refresh_token.into(), connected_at: now(), connected_by: by.into() });
        self.save(&install)
    }

    /// Connects an API-key credential with the key an admin entered.
    pub fn set_api_key(&self, id: &str, name: &str, key: &str) -> Result<Installation, RegistryError> {
        let mut install = self.installation(id)?;
        if !matches!(self.credential_spec(id, name)?, CredentialSpec::ApiKey { .. }) {
            return Err(RegistryError::Invalid(format!("credential `{name}` of plugin `{id}` is not an API key; connect it with OAuth")));
        }
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_control) {
            return Err(RegistryError::Invalid("an API key is one line of text".into()));
        }
        install.api_keys.insert(name.to_string(), key.to_string());
        install.connections.remove(name);
        self.save(&install)?;
        self.credentials.keys.insert(id, name, Secret { value: key.to_string(), api_base: None });
        Ok(install)
    }

    /// Starts the OAuth consent: the URL to send the browser to.
    /// `binding` is a secret the starting browser keeps (a cookie): only a
    /// browser holding it can finish the round trip, within
    /// [`CONSENT_SECS`].
    pub fn authorize_url(
        &self,
        id: &str,
        name: &str,
        by: &str,
        access_request: Option<String>,
        binding: &str,
    ) -> Result<String, RegistryError> {
        let install = self.installation(id)?;
        let setup = install.oauth.get(name).filter(|s| !s.client_id.is_empty());
        let (Some(setup), CredentialSpec::OAuth2 { authorize_url, scopes, .. }) = (setup, self.credential_spec(id, name)?) else {
            return Err(RegistryError::OAuthNotConfigured { plugin: id.into(), name: name.into() });
        };
        self.forget_expired_consents();
        let state = crate::secrets::random_token();
        let pending = PendingConsent {
            plugin: id.into(),
            credential: name.into(),
            by: by.into(),
            access_request,
            binding: consent_binding(binding),
            expires_at: chrono::Utc::now().timestamp() + self.consent_secs.load(std::sync::atomic::Ordering::Relaxed),
        };
        self.states.insert(state.as_bytes(), serde_json::to_vec(&pending).expect("states serialise"))?;
        let mut url = url::Url::parse(setup.authorize_url.as_deref().unwrap_or(&authorize_url))
            .map_err(|e| RegistryError::Invalid(format!("the authorize URL is not valid: {e}")))?;
        url.query_pairs_mut()
            .append_pair("client_id", &setup.client_id)
            .append_pair("response_type", "code")
            .append_pair("access_type", "offline")
            .append_pair("scope", &scopes.join(","))
            .append_pair("redirect_uri", &self.redirect_uri())
            .append_pair("state", &state);
        Ok(url.to_string())
    }

    /// Finishes the consent the CRM redirected back from, in the browser
    /// that started it (`binding`, its consent cookie); returns the plugin id.
    pub async fn finish_authorization(&self, state: &str, binding: &str, code: &str) -> Result<String, RegistryError> {
        let pending: PendingConsent =
            self.states.remove(state.as_bytes())?.and_then(|v| serde_json::from_slice(&v).ok()).ok_or(RegistryError::BadState)?;
        let same_browser =
            !pending.binding.is_empty() && auth::constant_time_eq(pending.binding.as_bytes(), consent_binding(binding).as_bytes());
        if !same_browser || pending.expires_at < chrono::Utc::now().timestamp() {
            return Err(RegistryError::BadState);
        }
        let mut install = self.installation(&pending.plugin)?;
        let client = self.oauth_client(&install, &pending.credential)?;
        let refresh_token = self.credentials.oauth.exchange_code(&client, code, &self.redirect_uri()).await?;
        self.credentials.oauth.connect(&install.id, &pending.credential, client, &refresh_token).await?;
        install
            .connections
            .insert(pending.credential.clone(), Connection { refresh_token, connected_at: now(), connected_by: pending.by.clone() });
        if let Some(rid) = &pending.access_request {
            if let Some(r) = install.access_requests.iter_mut().find(|r| &r.id == rid) {
                r.status = AccessStatus::Approved;
            }
        }
        self.save(&install)?;
        Ok(install.id)
    }

    /// The plugin an OAuth consent in progress is for, without finishing
    /// or using it up: so the page that reports the outcome can link back
    /// to that plugin. `None` for an unknown state.
    pub fn consent_plugin(&self, state: &str) -> Option<String> {
        let value = self.states.get(state.as_bytes()).ok()??;
        serde_json::from_slice::<PendingConsent>(&value).ok().map(|p| p.plugin)
    }

    /// Shortens (or lengthens) the time an OAuth consent may take, from
    /// [`CONSENT_SECS`]; tests use it to see a round trip expire.
    pub fn set_consent_lifetime(&self, secs: i64) {
        self.consent_secs.store(secs, std::sync::atomic::Ordering::Relaxed);
    }

    /// Drops consents nobody finished in time, so abandoned round trips
    /// do not pile up.
    fn forget_expired_consents(&self) {
        let now = chrono::Utc::now().timestamp();
        for (key, value) in self.states.iter().filter_map(Result::ok) {
            let expired = serde_json::from_slice::<PendingConsent>(&value).map_or(true, |p| p.expires_at < now);
            if expired {
                let _ = self.states.remove(key);
            }
        }
    }

    pub fn disconnect(&self, id: &str) -> Result<Installation, RegistryError> {
        let mut install = self.installation(id)?;
        self.forget_credentials(&install);
        install.connections.clear();
        install.api_keys.clear();
        self.save(&install)?;
        Ok(install)
    }

    fn forget_credentials(&self, install: &Installation) {
        for name in install.connections.keys().chain(install.api_keys.keys()) {
            self.credentials.oauth.disconnect(&install.id, name);
            self.credentials.keys.remove(&install.id, name);
        }
    }

    /// "Use another user's portal link": invites a CRM administrator to
    /// approve the connection.
    pub fn request_access(&self, id: &str, email: &str) -> Result<AccessRequest, RegistryError> {
        if !email.contains('@') {
            return Err(RegistryError::Invalid(format!("`{email}` is not an email address")));
        }
        let mut install = self.installation(id)?;
        let credential = self.default_credential(id).ok_or_else(|| RegistryError::Invalid(format!("plugin `{id}` needs no credential")))?;
        let request = AccessRequest {
            id: (install.access_requests.len() + 1).to_string(),
            email: email.trim().into(),
            status: AccessStatus::Pending,
            sent_count: 0,
            created_at: now(),
            token: crate::secrets::random_token(),
            credential,
        };
        install.access_requests.push(request.clone());
        self.save(&install)?;
        self.send_invitation(id, &request.id)
    }

    /// Sends (again) the invitation of an access request.
    pub fn send_invitation(&self, id: &str, request_id: &str) -> Result<AccessRequest, RegistryError> {
        let mut install = self.installation(id)?;
        let name = self.manifest(id).map(|m| m.name).unwrap_or_else(|| id.to_string());
        let request = install
            .access_requests
            .iter_mut()
            .find(|r| r.id == request_id)
            .ok_or_else(|| RegistryError::Invalid(format!("no access request {request_id}")))?;
        if request.status != AccessStatus::Pending {
            return Err(RegistryError::Invalid("this access request was already approved".into()));
        }
        request.sent_count += 1;
        let email = Email {
            to: request.email.clone(),
            subject: format!("Please approve the {name} connection for our help desk"),
            body: format!(
                "Our help desk asks to connect to {name} with your administrator account. To approve, open {}",
                self.approve_url(&request.token)
            ),
            sent_at: now(),
        };
        let request = request.clone();
        self.outbox.insert(self.db.generate_id()?.to_be_bytes(), serde_json::to_vec(&email).expect("emails serialise"))?;
        self.save(&install)?;
        Ok(request)
    }

    pub fn approve_url(&self, token: &str) -> String {
        format!("{}/access/{token}", self.public_url)
    }

    /// The pending access request behind an approval link.
    pub fn access_request(&self, token: &str) -> Option<(String, AccessRequest)> {
        self.installations().into_iter().find_map(|i| {
            i.access_requests.iter().find(|r| r.token == token && r.status == AccessStatus::Pending).map(|r| (i.id.clone(), r.clone()))
        })
    }

    pub fn outbox(&self) -> Vec<Email> {
        self.outbox.iter().values().filter_map(Result::ok).filter_map(|v| serde_json::from_slice(&v).ok()).collect()
    }

    pub fn is_connected(&self, id: &str, name: &str) -> bool {
        self.credentials.secret(id, name).is_ok()
    }
}
