//! The plugin manifest, `plugin.toml`: who a plugin is, what it may reach,
//! what credentials and settings it needs, what it asks of the sandbox.
//! See `docs/plugin-authors.md` for the format. Pure: parsing and checks
//! only, with errors that carry a line and column.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::policy::{AllowList, HostPattern, LimitRequest};

/// Contract versions this host runs (`wit/v<version>/`), oldest first;
/// the last is what the plugin SDK builds against. The versioning policy
/// is in docs/plugin-authors.md.
pub const CONTRACT_VERSIONS: &[&str] = &["0.1.0", "0.2.0", "0.3.0", "0.4.0"];

/// Module names a manifest may list, as in the contract's `module` enum.
pub const MODULES: &[&str] =
    &["contacts", "accounts", "leads", "products", "potentials", "notes", "cases", "calls", "events", "tasks", "chats"];

/// A parsed, checked manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub id: String,
    pub name: String,
    pub version: semver::Version,
    pub contract: semver::Version,
    pub publisher: String,
    pub description: Option<String>,
    /// Component file, relative to the manifest.
    pub component: String,
    pub allowed_hosts: AllowList,
    pub credentials: BTreeMap<String, CredentialSpec>,
    pub config: BTreeMap<String, ConfigField>,
    pub modules: Vec<String>,
    /// Default field mappings per module: desk field -> CRM field.
    pub field_mappings: BTreeMap<String, BTreeMap<String, String>>,
    pub limits: LimitRequest,
    pub panel: PanelSpec,
    pub sync: SyncSpec,
    /// How the CRM signs its notifications, when it signs them instead of
    /// echoing the desk's token (`[notifications]`).
    pub notifications: Option<crate::policy::SignatureSpec>,
}

/// What the plugin's panel offers, in its CRM's words: the admin's
/// permission items and the agent's section titles follow it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PanelSpec {
    /// The CRM's name for potentials ("Deals" in Zoho CRM, "Opportunities"
    /// in Salesforce).
    #[serde(default = "PanelSpec::default_potentials")]
    pub potentials: String,
    /// The activity kinds the CRM has (`call`, `event`, `task`, `chat`);
    /// a profile's permissions offer exactly these.
    #[serde(default = "PanelSpec::default_activities")]
    pub activities: Vec<String>,
}

impl PanelSpec {
    /// Activity kinds a manifest may name.
    pub const ACTIVITIES: &[&str] = &["call", "event", "task", "chat"];

    fn default_potentials() -> String {
        "Potentials".into()
    }

    fn default_activities() -> Vec<String> {
        ["call", "event", "task"].map(String::from).to_vec()
    }
}

impl Default for PanelSpec {
    fn default() -> Self {
        PanelSpec { potentials: Self::default_potentials(), activities: Self::default_activities() }
    }
}

/// How the CRM takes part in sync.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SyncSpec {
    /// `false`: deleting a record on one side never deletes it on the
    /// other (Salesforce's rule); the console offers no delete preferences
    /// and a record updated in the CRM after it was deleted in the desk
    /// comes back. `true` (the default): admins choose (Zoho CRM's).
    #[serde(default = "yes")]
    pub propagate_deletes: bool,
}

fn yes() -> bool {
    true
}

impl Default for SyncSpec {
    fn default() -> Self {
        SyncSpec { propagate_deletes: true }
    }
}

/// How the host authenticates requests made with a named credential.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum CredentialSpec {
    /// OAuth 2.0 authorisation code flow with refresh tokens.
    #[serde(rename = "oauth2", rename_all = "kebab-case")]
    OAuth2 {
        authorize_url: String,
        token_url: String,
        #[serde(default)]
        scopes: Vec<String>,
        /// Header carrying the token.
        #[serde(default = "authorization")]
        header: String,
        /// Word before the token, e.g. `Bearer` or `Zoho-oauthtoken`.
        #[serde(default = "bearer")]
        scheme: String,
    },
    /// A static key the admin pastes in.
    #[serde(rename_all = "kebab-case")]
    ApiKey {
        header: String,
        #[serde(default)]
        prefix: Option<String>,
    },
}

fn authorization() -> String {
    "Authorization".into()
}
fn bearer() -> String {
    "Bearer".into()
}

impl Manifest {
    /// Config keys typed `secret`: sealed, never shown again.
    pub fn secret_config_keys(&self) -> impl Iterator<Item = &String> {
        self.config.iter().filter(|(_, f)| f.kind == ConfigType::Secret).map(|(k, _)| k)
    }
}

impl CredentialSpec {
    /// The header name and value carrying `secret`.
    pub fn header(&self, secret: &str) -> (String, String) {
        match self {
            CredentialSpec::OAuth2 { header, scheme, .. } => (header.clone(), format!("{scheme} {secret}")),
            CredentialSpec::ApiKey { header, prefix } => (
                header.clone(),
                match prefix {
                    Some(p) => format!("{p} {secret}"),
                    None => secret.to_string(),
                },
            ),
        }
    }
}

/// One setting the admin fills in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ConfigField {
    #[serde(rename = "type", default)]
    pub kind: ConfigType,
    pub label: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigType {
    #[default]
    String,
    Integer,
    Boolean,
    Url,
    /// Shown masked in the admin console.
    Secret,
}

/// A manifest that cannot be used, with where and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}. {hint}")]
pub struct ManifestError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawManifest {
    id: Spanned<String>,
    name: String,
    version: Spanned<String>,
    contract: Spanned<String>,
    publisher: String,
    description: Option<String>,
    component: Option<Spanned<String>>,
    #[serde(default)]
    network: RawNetwork,
    #[serde(default)]
    credentials: BTreeMap<String, CredentialSpec>,
    #[serde(default)]
    config: BTreeMap<String, ConfigField>,
    #[serde(default)]
    modules: Vec<Spanned<String>>,
    #[serde(default)]
    field_mappings: BTreeMap<Spanned<String>, BTreeMap<String, String>>,
    #[serde(default)]
    limits: LimitRequest,
    panel: Option<Spanned<PanelSpec>>,
    #[serde(default)]
    sync: SyncSpec,
    notifications: Option<crate::policy::SignatureSpec>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawNetwork {
    #[serde(default)]
    allowed_hosts: Vec<Spanned<String>>,
}

impl Manifest {
    /// Parses and checks `text`; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Manifest, ManifestError> {
        let at = |span: Range<usize>, message: String, hint: &str| {
            let (line, column) = line_column(text, span.start);
            ManifestError { file: file.to_string(), line, column, message, hint: hint.to_string() }
        };
        let raw: RawManifest = toml::from_str(text).map_err(|e| {
            at(
                e.span().unwrap_or(0..0),
                e.message().trim_end_matches('\n').replace('\n', " "),
                "See docs/plugin-authors.md for every key of plugin.toml",
            )
        })?;

        let id = raw.id.get_ref();
        if !valid_id(id) {
            return Err(at(
                raw.id.span(),
                format!("plugin id `{id}` is not valid"),
                "Use 2 to 64 lowercase letters, digits and hyphens, e.g. `zoho-crm`",
            ));
        }
        let version = semver::Version::parse(raw.version.get_ref()).map_err(|e| {
            at(
                raw.version.span(),
                format!("version `{}` is not a semantic version ({e})", raw.version.get_ref()),
                "Write it as MAJOR.MINOR.PATCH, e.g. `1.0.0`",
            )
        })?;
        let contract = semver::Version::parse(raw.contract.get_ref()).map_err(|e| {
            at(
                raw.contract.span(),
                format!("contract `{}` is not a semantic version ({e})", raw.contract.get_ref()),
                "Write the deskpane:connector version the plugin was built against, e.g. `0.1.0`",
            )
        })?;
        if !contract_supported(&contract) {
            return Err(at(
                raw.contract.span(),
                format!("contract {contract} is not supported: this host runs deskpane:connector {}", CONTRACT_VERSIONS.join(", ")),
                "Rebuild the plugin against wit/v<version>/connector.wit of this host (the SDK uses the newest) and set `contract` to that version",
            ));
        }
        let component = match &raw.component {
            Some(c) => {
                check_file_name(c.get_ref()).map_err(|reason| {
                    at(
                        c.span(),
                        format!("component `{}` is not a file of this package: {reason}", c.get_ref().escape_debug()),
                        "Name the component by its bare file name, e.g. `plugin.wasm`, beside plugin.toml",
                    )
                })?;
                c.get_ref().clone()
            }
            None => "plugin.wasm".into(),
        };
        let mut hosts = Vec::new();
        for entry in &raw.network.allowed_hosts {
            let pattern = HostPattern::parse(entry.get_ref())
                .map_err(|e| at(entry.span(), e.to_string(), "Fix or remove this entry of network.allowed-hosts"))?;
            if pattern.is_any_host() {
                return Err(at(
                    entry.span(),
                    format!("allowed host `{}` lets the plugin reach any server", entry.get_ref()),
                    "Name the hosts the plugin needs (`*.example.com` is fine); an admin can grant more in the plugin's settings",
                ));
            }
            hosts.push(pattern.to_string());
        }
        let allowed_hosts = AllowList::parse(&hosts).expect("each entry parsed above");
        let check_module = |m: &Spanned<String>| {
            if MODULES.contains(&m.get_ref().as_str()) {
                Ok(m.get_ref().clone())
            } else {
                Err(at(m.span(), format!("unknown module `{}`", m.get_ref()), &format!("Use one of: {}", MODULES.join(", "))))
            }
        };
        let modules = raw.modules.iter().map(check_module).collect::<Result<Vec<_>, _>>()?;
        let mut field_mappings = BTreeMap::new();
        for (module, map) in raw.field_mappings {
            field_mappings.insert(check_module(&module)?, map);
        }
        for (key, field) in &raw.config {
            if field.required && field.default.is_some() {
                let pos = text.find(&format!("[config.{key}]")).unwrap_or(0);
                return Err(at(pos..pos, format!("config `{key}` is both required and has a default"), "Drop `required` or `default`"));
            }
        }
        let panel_span = raw.panel.as_ref().map_or(0..0, |p| p.span());
        let panel = raw.panel.map(Spanned::into_inner).unwrap_or_default();
        if let Some(bad) = panel.activities.iter().find(|a| !PanelSpec::ACTIVITIES.contains(&a.as_str())) {
            return Err(at(
                panel_span,
                format!("unknown activity kind `{bad}` in panel.activities"),
                &format!("Use some of: {}", PanelSpec::ACTIVITIES.join(", ")),
            ));
        }
        if panel.potentials.trim().is_empty() || panel.potentials.len() > 40 {
            return Err(at(panel_span, "panel.potentials must be a short name".into(), "Write the CRM's word, e.g. `Opportunities`"));
        }
        Ok(Manifest {
            id: id.clone(),
            name: raw.name,
            version,
            contract,
            publisher: raw.publisher,
            description: raw.description,
            component,
            allowed_hosts,
            credentials: raw.credentials,
            config: raw.config,
            modules,
            field_mappings,
            limits: raw.limits,
            panel,
            sync: raw.sync,
            notifications: raw.notifications,
        })
    }
}

/// A plugin id: 2 to 64 lowercase letters, digits and hyphens, not
/// starting with a hyphen (it names a folder and appears in URLs).
pub fn valid_id(id: &str) -> bool {
    (2..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') && !id.starts_with('-')
}

/// Checks that `name` is a bare file name a package may hold: no folder,
/// no parent or absolute path, nothing a file system would read specially.
/// Every path a package names goes through here before anything is written.
pub fn check_file_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 100 {
        return Err("a file name has 1 to 100 characters");
    }
    if name.contains(['/', '\\']) {
        return Err("it names a folder; only a bare file name is allowed");
    }
    if name == "." || name == ".." || name.starts_with('.') {
        return Err("it must not start with a dot");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Err("use letters, digits, `-`, `_` and `.` only");
    }
    if !name.ends_with(".wasm") {
        return Err("a component file ends in `.wasm`");
    }
    Ok(())
}

/// The contract version this host serves for a plugin built against `v`:
/// 0.x versions are compatible within a minor version, 1.x and later within
/// a major version (semver's caret rule).
pub fn served_contract(v: &semver::Version) -> Option<&'static str> {
    CONTRACT_VERSIONS.iter().copied().find(|served| {
        let host = semver::Version::parse(served).expect("valid constant");
        semver::VersionReq::parse(&format!("^{}.{}", host.major, host.minor))
            .expect("valid requirement")
            .matches(&semver::Version::new(v.major, v.minor, 0))
    })
}

/// Whether this host runs plugins built against contract `v`.
pub fn contract_supported(v: &semver::Version) -> bool {
    served_contract(v).is_some()
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "zoho-crm"
name = "Zoho CRM"
version = "0.1.0"
contract = "0.2.0"
publisher = "Deskpane"
modules = ["contacts", "accounts", "products"]

[network]
allowed-hosts = ["https://*.zohoapis.com", "https://accounts.zoho.com"]

[credentials.crm]
kind = "oauth2"
authorize-url = "https://accounts.zoho.com/oauth/v2/auth"
token-url = "https://accounts.zoho.com/oauth/v2/token"
scopes = ["ZohoCRM.modules.ALL"]
scheme = "Zoho-oauthtoken"

[config.customer-type-field]
label = "Field holding the customer type"
default = "Type"

[field-mappings.contacts]
email = "Email"
last-name = "Last_Name"

[limits]
memory-mib = 32
cpu-ms = 500
"#;

    fn error_of(text: &str) -> ManifestError {
        Manifest::parse(text, "plugin.toml").unwrap_err()
    }

    #[test]
    fn a_complete_manifest_parses() {
        let m = Manifest::parse(GOOD, "plugin.toml").unwrap();
        assert_eq!(m.id, "zoho-crm");
        assert_eq!(m.component, "plugin.wasm");
        assert!(m.allowed_hosts.check_url("https://www.zohoapis.com/crm/v8/Contacts").is_ok());
        assert_eq!(m.credentials["crm"].header("t0k"), ("Authorization".into(), "Zoho-oauthtoken t0k".into()));
        assert_eq!(m.field_mappings["contacts"]["email"], "Email");
        assert_eq!(m.limits.memory_mib, Some(32));
    }

    #[test]
    fn panel_and_sync_default_to_what_most_crms_offer() {
        let m = Manifest::parse(GOOD, "plugin.toml").unwrap();
        assert_eq!(m.panel.potentials, "Potentials");
        assert_eq!(m.panel.activities, ["call", "event", "task"]);
        assert!(m.sync.propagate_deletes);
    }

    #[test]
    fn a_manifest_names_its_panel_items_and_delete_rule() {
        let text = format!(
            "{GOOD}\n[panel]\npotentials = \"Opportunities\"\nactivities = [\"event\", \"task\"]\n\n[sync]\npropagate-deletes = false\n"
        );
        let m = Manifest::parse(&text, "plugin.toml").unwrap();
        assert_eq!(m.panel.potentials, "Opportunities");
        assert_eq!(m.panel.activities, ["event", "task"]);
        assert!(!m.sync.propagate_deletes);
        let err = error_of(&format!("{GOOD}\n[panel]\nactivities = [\"meeting\"]\n"));
        assert!(err.message.contains("unknown activity kind `meeting`"), "{err}");
        assert_eq!(err.line, 31, "pointed at the [panel] table: {err}");
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = error_of("id = \"x-plugin\"\nname = \n");
        assert_eq!((err.line, err.column), (2, 8), "{err}");
        assert!(err.to_string().starts_with("plugin.toml:2:8: "), "{err}");
    }

    #[test]
    fn unknown_keys_are_refused_where_they_stand() {
        let text = GOOD.replace("publisher = \"Deskpane\"", "publisher = \"Deskpane\"\nallowed_hosts = []");
        let err = error_of(&text);
        assert_eq!(err.line, 7, "{err}");
        assert!(err.message.contains("allowed_hosts"), "{err}");
    }

    #[test]
    fn a_bad_allowed_host_is_pointed_at() {
        let text = GOOD.replace("\"https://accounts.zoho.com\"", "\"accounts.zoho.com\"");
        let err = error_of(&text);
        assert_eq!((err.line, err.column), (10, 44), "{err}");
        assert!(err.message.contains("has no scheme"), "{err}");
    }

    #[test]
    fn a_manifest_may_not_allow_every_host() {
        let err = error_of(&GOOD.replace("\"https://accounts.zoho.com\"", "\"http://*:*\""));
        assert_eq!(err.line, 10, "{err}");
        assert!(err.message.contains("lets the plugin reach any server"), "{err}");
    }

    #[test]
    fn an_unsupported_contract_says_what_the_host_runs() {
        let err = error_of(&GOOD.replace("contract = \"0.2.0\"", "contract = \"0.5.0\""));
        assert_eq!(err.line, 5);
        assert!(err.message.contains("this host runs deskpane:connector 0.1.0, 0.2.0, 0.3.0, 0.4.0"), "{err}");
    }

    #[test]
    fn bad_ids_modules_and_versions_are_refused() {
        assert!(error_of(&GOOD.replace("\"zoho-crm\"", "\"Zoho CRM\"")).message.contains("plugin id"));
        assert!(error_of(&GOOD.replace("\"products\"]", "\"widgets\"]")).message.contains("unknown module `widgets`"));
        assert!(error_of(&GOOD.replace("version = \"0.1.0\"", "version = \"one\"")).message.contains("not a semantic version"));
        let err = error_of(&GOOD.replace("kind = \"oauth2\"", "kind = \"password\""));
        assert_eq!((err.line, err.column), (13, 8), "the unknown credential kind is pointed at: {err}");
    }

    #[test]
    fn a_component_outside_the_package_is_refused_where_it_stands() {
        for bad in [
            "../../../x",
            "/etc/passwd",
            "../zoho-crm/plugin.wasm",
            "sub/plugin.wasm",
            "..\\\\x.wasm",
            ".hidden.wasm",
            "plugin.so",
            "",
            "a b.wasm",
        ] {
            let text = GOOD.replace("publisher = \"Deskpane\"", &format!("publisher = \"Deskpane\"\ncomponent = \"{bad}\""));
            let err = error_of(&text);
            assert_eq!(err.line, 7, "{bad}: {err}");
            assert!(err.message.contains("is not a file of this package"), "{bad}: {err}");
        }
        let ok = GOOD.replace("publisher = \"Deskpane\"", "publisher = \"Deskpane\"\ncomponent = \"zoho_crm-1.wasm\"");
        assert_eq!(Manifest::parse(&ok, "plugin.toml").unwrap().component, "zoho_crm-1.wasm");
    }

    #[test]
    fn contract_compatibility_follows_semver() {
        let v = |s: &str| semver::Version::parse(s).unwrap();
        assert_eq!(served_contract(&v("0.1.0")), Some("0.1.0"));
        assert_eq!(served_contract(&v("0.1.7")), Some("0.1.0"));
        assert_eq!(served_contract(&v("0.2.3")), Some("0.2.0"));
        assert_eq!(served_contract(&v("0.3.1")), Some("0.3.0"));
        assert_eq!(served_contract(&v("0.4.2")), Some("0.4.0"));
        assert!(!contract_supported(&v("0.5.0")));
        assert!(!contract_supported(&v("1.1.0")));
    }
}
