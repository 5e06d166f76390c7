//! `/api/admin/...`: plugins (install, configure, connect, permissions,
//! delete), profiles, agents, API tokens, the outbox. Administrators only.

use std::collections::BTreeMap;

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

use super::{Admin, AgentView, ApiError, ApiResult, AppState};
use crate::auth::AgentPatch;
use crate::manifest::{ConfigType, CredentialSpec};
use crate::permissions::PanelPermissions;
use crate::policy::Limits;
use crate::registry::{AccessRequest, AccessStatus, Email, Installation, InstallationPatch};

/// A credential the plugin declares, and whether it is connected.
#[derive(Serialize, ToSchema)]
pub struct CredentialView {
    /// `oauth2` or `api-key`.
    kind: &'static str,
    connected: bool,
    /// RFC 3339.
    connected_at: Option<String>,
    /// Email of whoever connected it.
    connected_by: Option<String>,
    /// An OAuth client id is set (needed before connecting).
    oauth_configured: bool,
}

/// The sandbox a plugin runs in: where it may connect, with which limits.
#[derive(Serialize, ToSchema)]
pub struct SandboxView {
    /// The hosts the manifest asks for.
    allowed_hosts: Vec<String>,
    /// Hosts an admin granted beside them.
    extra_hosts: Vec<String>,
    /// The limits in force; `null` while the plugin is not loaded.
    limits: Option<LimitsView>,
    /// Limits the manifest asks for above the defaults, as sentences.
    requests_above_defaults: Vec<String>,
    /// An admin granted those.
    above_defaults_approved: bool,
    /// Calls at once an admin set for the CRM account, in place of the
    /// manifest's; `null` when they did not.
    concurrency_set: Option<u32>,
    /// The most calls at once the desk grants any plugin.
    concurrency_ceiling: u32,
}

#[derive(Serialize, ToSchema)]
pub struct LimitsView {
    memory_mib: u64,
    cpu_ms: u64,
    call_timeout_ms: u64,
    max_concurrency: u32,
    response_bytes: u64,
}

/// A configuration key the manifest declares.
#[derive(Serialize, ToSchema)]
pub struct ConfigFieldView {
    /// string, integer, boolean, url or secret.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    kind: ConfigType,
    label: String,
    description: Option<String>,
    default: Option<String>,
    required: bool,
}

/// An OAuth client setup, without its secret.
#[derive(Serialize, ToSchema)]
pub struct OAuthView {
    client_id: String,
    authorize_url: Option<String>,
    token_url: Option<String>,
    client_secret_set: bool,
}

/// An "another user's portal link" request.
#[derive(Serialize, ToSchema)]
pub struct AccessRequestView {
    id: String,
    email: String,
    status: AccessStatus,
    sent_count: u32,
    created_at: String,
    /// The approval page the CRM user opens.
    approve_url: String,
}

impl AccessRequestView {
    fn new(s: &AppState, r: &AccessRequest) -> Self {
        AccessRequestView {
            id: r.id.clone(),
            email: r.email.clone(),
            status: r.status,
            sent_count: r.sent_count,
            created_at: r.created_at.clone(),
            approve_url: s.registry.approve_url(&r.token),
        }
    }
}

/// Who signed a plugin's installed version.
#[derive(Serialize, ToSchema)]
pub struct SignatureView {
    /// The trusted publisher's name when the plugin was installed.
    publisher: String,
    /// Their key's fingerprint (24 hex characters).
    fingerprint: String,
    /// The key is still among the trusted publishers.
    trusted: bool,
}

/// An installed plugin as the console shows it.
#[derive(Serialize, ToSchema)]
pub struct PluginView {
    id: String,
    name: Option<String>,
    version: Option<String>,
    publisher: Option<String>,
    description: Option<String>,
    enabled: bool,
    /// Configuration values; a secret's value is always "" (see `secrets_set`).
    config: BTreeMap<String, String>,
    /// Secret keys that have a value.
    secrets_set: Vec<String>,
    sandbox: Option<SandboxView>,
    config_schema: Option<BTreeMap<String, ConfigFieldView>>,
    extra_hosts: Vec<String>,
    oauth: BTreeMap<String, OAuthView>,
    credentials: BTreeMap<String, CredentialView>,
    /// Handshake Mode: the CRM field holding the customer type.
    customer_type_field: Option<String>,
    /// The CRM organisation's currency (ISO 4217): amounts the CRM reports without one are shown in it.
    default_currency: Option<String>,
    access_requests: Vec<AccessRequestView>,
    /// What the panel offers, in the CRM's words.
    panel: Option<PanelOffer>,
    /// `false`: deletions never cross between desk and CRM (no delete preferences to choose).
    propagate_deletes: Option<bool>,
    /// `ok`; or why the plugin did not load; or why files put into its
    /// folder were refused (the version before keeps serving).
    status: String,
    /// How its calls have gone since it loaded; absent when it did not load.
    health: Option<HealthView>,
    installed_at: String,
    /// Who signed the installed version; `null`: it was installed unsigned.
    signature: Option<SignatureView>,
}

/// An integration's health, from its calls since it loaded.
#[derive(Serialize, ToSchema)]
pub struct HealthView {
    /// `healthy` (the last call got an answer), `failing` (it failed: the
    /// CRM down or refusing, the plugin crashing), `untested` (no call yet).
    state: &'static str,
    last_success_at: Option<String>,
    last_failure_at: Option<String>,
    /// Why the last failing call failed, for administrators.
    last_failure: Option<String>,
}

impl HealthView {
    fn new(h: &crate::Health) -> HealthView {
        let at = |t: std::time::SystemTime| chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let state = match (h.failing(), h.last_success) {
            (true, _) => "failing",
            (false, Some(_)) => "healthy",
            (false, None) => "untested",
        };
        HealthView {
            state,
            last_success_at: h.last_success.map(at),
            last_failure_at: h.last_failure.as_ref().map(|(t, _)| at(*t)),
            last_failure: h.last_failure.as_ref().map(|(_, why)| why.clone()),
        }
    }
}

/// The permission items a CRM's panel has.
#[derive(Serialize, ToSchema)]
pub struct PanelOffer {
    /// The CRM's word for potentials ("Deals", "Opportunities").
    potentials: String,
    /// Activity kinds the CRM has: call, event, task, chat.
    activities: Vec<String>,
}

/// An installation as the console shows it.
fn view(s: &AppState, install: &Installation) -> PluginView {
    let manifest = s.registry.manifest(&install.id);
    let credentials = manifest
        .as_ref()
        .map(|m| {
            m.credentials
                .iter()
                .map(|(name, spec)| {
                    let kind = match spec {
                        CredentialSpec::OAuth2 { .. } => "oauth2",
                        CredentialSpec::ApiKey { .. } => "api-key",
                    };
                    let connection = install.connections.get(name);
                    let view = CredentialView {
                        kind,
                        connected: s.registry.is_connected(&install.id, name),
                        connected_at: connection.map(|c| c.connected_at.clone()),
                        connected_by: connection.map(|c| c.connected_by.clone()),
                        oauth_configured: install.oauth.get(name).is_some_and(|o| !o.client_id.is_empty()),
                    };
                    (name.clone(), view)
                })
                .collect()
        })
        .unwrap_or_default();
    let secret_keys: Vec<&String> = manifest.iter().flat_map(|m| m.secret_config_keys()).collect();
    // A secret's value never leaves the server; the console learns it is set.
    let config =
        install.config.iter().map(|(k, v)| (k.clone(), if secret_keys.contains(&k) { String::new() } else { v.clone() })).collect();
    let secrets_set = install.config.keys().filter(|k| secret_keys.contains(k)).cloned().collect();
    let sandbox = manifest.as_ref().map(|m| {
        let pending = Limits::above_defaults(&m.limits);
        SandboxView {
            allowed_hosts: m.allowed_hosts.entries().map(|h| h.to_string()).collect(),
            extra_hosts: install.extra_hosts.clone(),
            limits: s.registry.plugin_limits(&install.id).map(|l| LimitsView {
                memory_mib: l.memory_bytes >> 20,
                cpu_ms: l.cpu.as_millis() as u64,
                call_timeout_ms: l.call_timeout.as_millis() as u64,
                max_concurrency: l.max_concurrency,
                response_bytes: l.response_bytes,
            }),
            above_defaults_approved: !pending.is_empty() && install.approved_limits == m.limits,
            requests_above_defaults: pending,
            concurrency_set: install.concurrency,
            concurrency_ceiling: s.registry.concurrency_ceiling(),
        }
    });
    PluginView {
        id: install.id.clone(),
        name: manifest.as_ref().map(|m| m.name.clone()),
        version: manifest.as_ref().map(|m| m.version.to_string()),
        publisher: manifest.as_ref().map(|m| m.publisher.clone()),
        description: manifest.as_ref().and_then(|m| m.description.clone()),
        enabled: install.enabled,
        config,
        secrets_set,
        sandbox,
        config_schema: manifest.as_ref().map(|m| {
            m.config
                .iter()
                .map(|(k, f)| {
                    let field = ConfigFieldView {
                        kind: f.kind,
                        label: f.label.clone(),
                        description: f.description.clone(),
                        default: f.default.clone(),
                        required: f.required,
                    };
                    (k.clone(), field)
                })
                .collect()
        }),
        extra_hosts: install.extra_hosts.clone(),
        oauth: install
            .oauth
            .iter()
            .map(|(k, o)| {
                let view = OAuthView {
                    client_id: o.client_id.clone(),
                    authorize_url: o.authorize_url.clone(),
                    token_url: o.token_url.clone(),
                    client_secret_set: !o.client_secret.is_empty(),
                };
                (k.clone(), view)
            })
            .collect(),
        credentials,
        customer_type_field: install.customer_type_field.clone(),
        default_currency: install.default_currency.clone(),
        access_requests: install.access_requests.iter().map(|r| AccessRequestView::new(s, r)).collect(),
        panel: manifest.as_ref().map(|m| PanelOffer { potentials: m.panel.potentials.clone(), activities: m.panel.activities.clone() }),
        propagate_deletes: manifest.as_ref().map(|m| m.sync.propagate_deletes),
        status: s.registry.load_error(&install.id).or_else(|| s.registry.refused_files(&install.id)).unwrap_or_else(|| "ok".into()),
        health: s.registry.plugin_health(&install.id).map(|h| HealthView::new(&h)),
        installed_at: install.installed_at.clone(),
        signature: install.signed_by.as_ref().map(|by| SignatureView {
            publisher: by.name.clone(),
            fingerprint: by.fingerprint.clone(),
            trusted: s.registry.still_trusted(by),
        }),
    }
}

#[derive(Serialize, ToSchema)]
pub struct PluginList {
    plugins: Vec<PluginView>,
}

/// The installed plugins.
#[utoipa::path(get, path = "/api/admin/plugins", tag = "admin", responses((status = 200, body = PluginList), (status = 403)))]
async fn list(State(s): State<AppState>, _admin: Admin) -> Json<PluginList> {
    Json(PluginList { plugins: s.registry.installations().iter().map(|i| view(&s, i)).collect() })
}

/// Installs (or upgrades) a plugin from a package (`package`, a .dpkg), or
/// from two loose files, `manifest` and `component` (an unsigned install).
#[utoipa::path(post, path = "/api/admin/plugins", tag = "admin",
    request_body(content_type = "multipart/form-data", description = "`package` (a .dpkg), or `manifest` (plugin.toml) and `component` (the .wasm)"),
    responses((status = 201, body = PluginView), (status = 400),
        (status = 403, description = "Not signed by a trusted publisher, or unsigned while unsigned plugins are refused"),
        (status = 413, description = "Larger than the desk takes"), (status = 422, description = "The package is not valid")))]
async fn install(State(s): State<AppState>, _admin: Admin, mut form: Multipart) -> ApiResult<(StatusCode, Json<PluginView>)> {
    let limit = s.max_upload_bytes;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the upload is larger than the {} MiB the desk takes for a plugin; an operator can raise it with `deskpane serve --max-upload-mib`",
                limit >> 20
            ),
        )
    };
    let (mut manifest, mut component, mut package) = (None, None, None);
    let mut total = 0u64;
    while let Some(mut field) =
        form.next_field().await.map_err(|e| ApiError::bad_request(format!("the upload is not a valid form: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| ApiError::bad_request(format!("reading `{name}` failed: {e}")))? {
            total += chunk.len() as u64;
            if total > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "manifest" => {
                manifest = Some(String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::bad_request("the manifest is not UTF-8 text"))?)
            }
            "component" => component = Some(bytes.to_vec()),
            "package" => package = Some(bytes),
            _ => {}
        }
    }
    let install = match (package, manifest, component) {
        (Some(package), None, None) => tokio::task::block_in_place(|| s.registry.install_package(&package, limit))?,
        (None, Some(manifest), Some(component)) => tokio::task::block_in_place(|| s.registry.install(&manifest, &component))?,
        (Some(_), _, _) => {
            return Err(ApiError::bad_request("send a package (`package`, the .dpkg) alone, without `manifest` or `component`"))
        }
        _ => {
            return Err(ApiError::bad_request(
                "send a package (`package`, the .dpkg), or two files: `manifest` (plugin.toml) and `component` (the .wasm)",
            ))
        }
    };
    // An upgrade answers from the new version at once: the registry tells
    // the panels' cache (AppState::open).
    Ok((StatusCode::CREATED, Json(view(&s, &install))))
}

/// Changes an installation: enabled, configuration, hosts, OAuth client, Handshake field, limits.
#[utoipa::path(patch, path = "/api/admin/plugins/{id}", tag = "admin", params(("id" = String, Path)), request_body = InstallationPatch,
    responses((status = 200, body = PluginView), (status = 404), (status = 422)))]
async fn patch(
    State(s): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    Json(body): Json<InstallationPatch>,
) -> ApiResult<Json<PluginView>> {
    // Its settings changed: what the CRM said about fields may have too;
    // the registry tells the panels' and fields' caches (AppState::open).
    let install = tokio::task::block_in_place(|| s.registry.update(&id, body))?;
    Ok(Json(view(&s, &install)))
}

/// Deletes the integration: the plugin, its settings, its sync state.
#[utoipa::path(delete, path = "/api/admin/plugins/{id}", tag = "admin", params(("id" = String, Path)), responses((status = 204), (status = 404)))]
async fn remove(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<StatusCode> {
    // Deleting the integration stops its sync and forgets its state.
    s.registry.remove(&id)?;
    s.sync.forget(&id)?;
    s.recorder.store().forget(&id)?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a connection test found.
#[derive(Serialize, ToSchema)]
struct ConnectionTest {
    /// Whether the CRM answered (finding nobody is an answer).
    ok: bool,
    /// What went wrong, for administrators; absent when it worked.
    error: Option<String>,
    health: HealthView,
}

/// Tests the connection: asks the CRM for a requester no one has, through
/// the plugin, as a panel would. The answer updates the integration's health.
#[utoipa::path(post, path = "/api/admin/plugins/{id}/test", tag = "admin", params(("id" = String, Path)),
    responses((status = 200, body = ConnectionTest), (status = 404), (status = 409, description = "The plugin is disabled or did not load")))]
async fn test_connection(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<ConnectionTest>> {
    s.registry.installation(&id)?;
    let plugin = s.registry.plugin(&id).ok_or_else(|| {
        ApiError::new(StatusCode::CONFLICT, format!("`{id}` is disabled or did not load; enable it (or fix what its status says) first"))
    })?;
    let probe = crate::contract::Requester {
        email: Some("deskpane-connection-test@example.invalid".into()),
        secondary_email: None,
        phone: None,
        name: None,
        account_name: None,
    };
    let outcome = plugin.lookup_requester(&probe).await;
    let health = HealthView::new(&plugin.health());
    let ok = outcome.as_ref().map_or_else(|e| !e.is_integration_failure(), |_| true);
    Ok(Json(ConnectionTest { ok, error: outcome.err().filter(|_| !ok).map(|e| e.to_string()), health }))
}

#[derive(Deserialize, Default, ToSchema)]
struct ConnectBody {
    /// The credential to connect; default: the plugin's first OAuth credential.
    credential: Option<String>,
}

/// Where to send the browser for the CRM's consent page.
#[derive(Serialize, ToSchema)]
struct AuthorizeUrl {
    authorize_url: String,
}

/// Starts an OAuth consent; the answer sets the consent cookie that ties
/// the round trip to this browser.
#[utoipa::path(post, path = "/api/admin/plugins/{id}/connect", tag = "admin", params(("id" = String, Path)), request_body(content = Option<ConnectBody>),
    responses((status = 200, body = AuthorizeUrl), (status = 409, description = "No OAuth client set up yet")))]
async fn connect(
    State(s): State<AppState>,
    Admin(agent): Admin,
    Path(id): Path<String>,
    body: Option<Json<ConnectBody>>,
) -> ApiResult<axum::response::Response> {
    let credential = body
        .and_then(|Json(b)| b.credential)
        .or_else(|| s.registry.default_credential(&id))
        .ok_or_else(|| ApiError::bad_request(format!("plugin `{id}` declares no credential to connect")))?;
    let binding = crate::secrets::random_token();
    let url = s.registry.authorize_url(&id, &credential, &agent.email, None, &binding)?;
    let mut response = Json(AuthorizeUrl { authorize_url: url }).into_response();
    response.headers_mut().insert(axum::http::header::SET_COOKIE, super::consent_cookie(&s, &binding));
    Ok(response)
}

#[derive(Deserialize, ToSchema)]
struct ApiKeyBody {
    api_key: String,
}

/// Connects an API-key credential with the key the admin pasted in.
#[utoipa::path(put, path = "/api/admin/plugins/{id}/credentials/{name}", tag = "admin", params(("id" = String, Path), ("name" = String, Path)),
    request_body = ApiKeyBody, responses((status = 200, body = PluginView), (status = 404), (status = 422)))]
async fn set_api_key(
    State(s): State<AppState>,
    _admin: Admin,
    Path((id, name)): Path<(String, String)>,
    Json(body): Json<ApiKeyBody>,
) -> ApiResult<Json<PluginView>> {
    let install = s.registry.set_api_key(&id, &name, &body.api_key)?;
    Ok(Json(view(&s, &install)))
}

/// Forgets the plugin's connections.
#[utoipa::path(post, path = "/api/admin/plugins/{id}/disconnect", tag = "admin", params(("id" = String, Path)),
    responses((status = 200, body = PluginView), (status = 404)))]
async fn disconnect(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<PluginView>> {
    let install = s.registry.disconnect(&id)?;
    Ok(Json(view(&s, &install)))
}

#[derive(Deserialize, ToSchema)]
struct AccessBody {
    /// The CRM user who should approve the connection.
    email: String,
}

/// Emails a CRM user a link to approve the connection ("another user's portal link").
#[utoipa::path(post, path = "/api/admin/plugins/{id}/access-requests", tag = "admin", params(("id" = String, Path)), request_body = AccessBody,
    responses((status = 201, body = AccessRequestView), (status = 404), (status = 422)))]
async fn request_access(
    State(s): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    Json(body): Json<AccessBody>,
) -> ApiResult<(StatusCode, Json<AccessRequestView>)> {
    let request = s.registry.request_access(&id, &body.email)?;
    Ok((StatusCode::CREATED, Json(AccessRequestView::new(&s, &request))))
}

/// Sends the approval email again.
#[utoipa::path(post, path = "/api/admin/plugins/{id}/access-requests/{rid}/resend", tag = "admin",
    params(("id" = String, Path), ("rid" = String, Path)), responses((status = 200, body = AccessRequestView), (status = 404)))]
async fn resend(State(s): State<AppState>, _admin: Admin, Path((id, rid)): Path<(String, String)>) -> ApiResult<Json<AccessRequestView>> {
    let request = s.registry.send_invitation(&id, &rid)?;
    Ok(Json(AccessRequestView::new(&s, &request)))
}

/// Every profile's permissions on a plugin's panel.
#[derive(Serialize, ToSchema)]
struct PermissionMatrix {
    /// By profile name.
    permissions: BTreeMap<String, PanelPermissions>,
}

/// What each profile may see of a plugin's panel.
#[utoipa::path(get, path = "/api/admin/plugins/{id}/permissions", tag = "admin", params(("id" = String, Path)),
    responses((status = 200, body = PermissionMatrix), (status = 404)))]
async fn permissions(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<PermissionMatrix>> {
    s.registry.installation(&id)?;
    let permissions = s.auth.profiles().into_iter().map(|p| (p.clone(), s.registry.permissions(&id, &p))).collect();
    Ok(Json(PermissionMatrix { permissions }))
}

/// Sets one profile's permissions on a plugin's panel.
#[utoipa::path(put, path = "/api/admin/plugins/{id}/permissions/{profile}", tag = "admin",
    params(("id" = String, Path), ("profile" = String, Path)), request_body = PanelPermissions,
    responses((status = 200, body = PanelPermissions), (status = 404)))]
async fn set_permissions(
    State(s): State<AppState>,
    _admin: Admin,
    Path((id, profile)): Path<(String, String)>,
    Json(body): Json<PanelPermissions>,
) -> ApiResult<Json<PanelPermissions>> {
    if !s.auth.profiles().contains(&profile) {
        return Err(ApiError::not_found(format!("there is no profile named `{profile}`")));
    }
    s.registry.set_permissions(&id, &profile, body.clone())?;
    Ok(Json(body))
}

#[derive(Serialize, ToSchema)]
struct Profiles {
    profiles: Vec<String>,
}

/// The agent profiles.
#[utoipa::path(get, path = "/api/admin/profiles", tag = "admin", responses((status = 200, body = Profiles)))]
async fn profiles(State(s): State<AppState>, _admin: Admin) -> Json<Profiles> {
    Json(Profiles { profiles: s.auth.profiles() })
}

#[derive(Deserialize, ToSchema)]
struct ProfileBody {
    name: String,
}

/// Creates a custom profile; it sees no plugin panel until granted.
#[utoipa::path(post, path = "/api/admin/profiles", tag = "admin", request_body = ProfileBody,
    responses((status = 201, body = Profiles), (status = 409, description = "The name is taken")))]
async fn create_profile(
    State(s): State<AppState>,
    _admin: Admin,
    Json(body): Json<ProfileBody>,
) -> ApiResult<(StatusCode, Json<Profiles>)> {
    s.auth.create_profile(&body.name)?;
    Ok((StatusCode::CREATED, Json(Profiles { profiles: s.auth.profiles() })))
}

#[derive(Serialize, ToSchema)]
struct Agents {
    agents: Vec<AgentView>,
}

/// The agents.
#[utoipa::path(get, path = "/api/admin/agents", tag = "admin", responses((status = 200, body = Agents)))]
async fn agents(State(s): State<AppState>, _admin: Admin) -> Json<Agents> {
    Json(Agents { agents: s.auth.agents().iter().map(AgentView::from).collect() })
}

#[derive(Deserialize, ToSchema)]
struct AgentBody {
    name: String,
    email: String,
    password: String,
    profile: String,
    /// The pages' language: `en`, `pt-BR` or `zh-CN`; absent or null for the browser's.
    #[serde(default)]
    language: Option<String>,
}

/// Renames an agent, moves them to another profile, or (de)activates them.
#[utoipa::path(patch, path = "/api/admin/agents/{id}", tag = "admin", params(("id" = String, Path)), request_body = AgentPatch,
    responses((status = 200, body = AgentView), (status = 404), (status = 409)))]
async fn update_agent(
    State(s): State<AppState>,
    Admin(by): Admin,
    Path(id): Path<String>,
    Json(patch): Json<AgentPatch>,
) -> ApiResult<Json<AgentView>> {
    let agent = s.auth.update_agent(&id, patch, &by)?;
    Ok(Json(AgentView::from(&agent)))
}

/// Removes an agent; their sessions and tokens end.
#[utoipa::path(delete, path = "/api/admin/agents/{id}", tag = "admin", params(("id" = String, Path)), responses((status = 204), (status = 404), (status = 409)))]
async fn delete_agent(State(s): State<AppState>, Admin(by): Admin, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.auth.delete_agent(&id, &by)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates an agent.
#[utoipa::path(post, path = "/api/admin/agents", tag = "admin", request_body = AgentBody,
    responses((status = 201, body = AgentView), (status = 409, description = "The email is taken"), (status = 422)))]
async fn create_agent(State(s): State<AppState>, _admin: Admin, Json(b): Json<AgentBody>) -> ApiResult<(StatusCode, Json<AgentView>)> {
    // A language the pages do not ship in is refused before the agent exists.
    let language = crate::auth::language(b.language)?;
    let mut agent = tokio::task::block_in_place(|| s.auth.create_agent(&b.name, &b.email, &b.password, &b.profile))?;
    if language.is_some() {
        agent = s.auth.set_language(&agent.id, language)?;
    }
    Ok((StatusCode::CREATED, Json(AgentView::from(&agent))))
}

#[derive(Deserialize, ToSchema)]
struct TokenBody {
    agent_id: String,
    #[serde(default)]
    label: String,
    /// Lifetime in days (default 90, at most 365).
    expires_in_days: Option<u32>,
}

/// An API token as the console lists it (never the token itself).
#[derive(Serialize, ToSchema)]
struct TokenView {
    id: String,
    agent_id: String,
    agent_email: Option<String>,
    label: String,
    /// RFC 3339.
    created_at: Option<String>,
    expires_at: Option<String>,
    /// The token itself: only in the answer that created it.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

fn token_view(s: &AppState, t: &crate::auth::ApiToken) -> TokenView {
    let at = |secs: i64| chrono::DateTime::from_timestamp(secs, 0).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    TokenView {
        id: t.id.clone(),
        agent_id: t.agent_id.clone(),
        agent_email: s.auth.agent(&t.agent_id).map(|a| a.email),
        label: t.label.clone(),
        created_at: at(t.created_at),
        expires_at: at(t.expires_at),
        token: None,
    }
}

/// Creates an API token for an agent; the answer is the only time the token is shown.
#[utoipa::path(post, path = "/api/admin/tokens", tag = "admin", request_body = TokenBody, responses((status = 201, body = TokenView), (status = 404)))]
async fn create_token(State(s): State<AppState>, _admin: Admin, Json(b): Json<TokenBody>) -> ApiResult<(StatusCode, Json<TokenView>)> {
    let (token, record) = s.auth.create_api_token(&b.agent_id, &b.label, b.expires_in_days)?;
    Ok((StatusCode::CREATED, Json(TokenView { token: Some(token), ..token_view(&s, &record) })))
}

#[derive(Serialize, ToSchema)]
struct Tokens {
    tokens: Vec<TokenView>,
}

/// The API tokens.
#[utoipa::path(get, path = "/api/admin/tokens", tag = "admin", responses((status = 200, body = Tokens)))]
async fn tokens(State(s): State<AppState>, _admin: Admin) -> Json<Tokens> {
    Json(Tokens { tokens: s.auth.api_tokens().iter().map(|t| token_view(&s, t)).collect() })
}

/// Revokes an API token.
#[utoipa::path(delete, path = "/api/admin/tokens/{id}", tag = "admin", params(("id" = String, Path)), responses((status = 204), (status = 404)))]
async fn revoke_token(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.auth.revoke_api_token(&id)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
struct Outbox {
    emails: Vec<Email>,
}

/// The emails the desk sent (the demo has no mail server).
#[utoipa::path(get, path = "/api/admin/outbox", tag = "admin", responses((status = 200, body = Outbox)))]
async fn outbox(State(s): State<AppState>, _admin: Admin) -> Json<Outbox> {
    Json(Outbox { emails: s.registry.outbox() })
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // The upload's size is checked as it is read, against the desk's
        // setting (`--max-upload-mib`), not axum's 2 MB default.
        .routes(routes!(list, install).layer(axum::extract::DefaultBodyLimit::disable()))
        .routes(routes!(patch, remove))
        .routes(routes!(connect))
        .routes(routes!(test_connection))
        .routes(routes!(disconnect))
        .routes(routes!(set_api_key))
        .routes(routes!(request_access))
        .routes(routes!(resend))
        .routes(routes!(permissions))
        .routes(routes!(set_permissions))
        .routes(routes!(profiles, create_profile))
        .routes(routes!(agents, create_agent))
        .routes(routes!(update_agent, delete_agent))
        .routes(routes!(tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(outbox))
}
