//! The web server: the agent's ticket view, the admin console, and the
//! JSON API they use (documented in docs/api.md). Every `/api/` handler
//! asks for the signed-in [`Agent`] and checks permissions on the server.

mod admin;
mod assets;
mod desk;
mod guard;
mod metrics;
mod openapi;
mod panels;
mod recording;
mod sync;
mod trust;

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Agent, Auth};
use crate::desk::Desk;
use crate::panels::Panels;
use crate::registry::Registry;

pub const SESSION_COOKIE: &str = "deskpane_session";

/// Everything the handlers share. Cloned for every request (axum's
/// `State`), so everything in it is a handle: no field allocates to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: deskpane_store::Store,
    pub desk: Desk,
    pub auth: Auth,
    pub registry: Arc<Registry>,
    pub panels: Arc<Panels>,
    pub sync: Arc<crate::sync::SyncManager>,
    /// Contact-centre conversations recorded into the CRM.
    pub recorder: Arc<crate::recording::Recorder>,
    /// A folder to read the page assets from instead of those built in.
    pub web_dir: Option<Arc<std::path::Path>>,
    /// The desk's address as browsers reach it (origin checks).
    pub public_url: Arc<str>,
    /// Origins allowed to frame the embeddable panel, beside the desk's own.
    pub embed_origins: Arc<[String]>,
    /// The largest plugin upload the console takes.
    pub max_upload_bytes: u64,
    /// Proxies whose `X-Forwarded-For` is believed ([`ClientAddr`]).
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    /// Cookies carry `Secure` (browsers reach the desk over TLS).
    pub secure_cookies: bool,
}

/// An error answered as `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    fields: Option<serde_json::Value>,
    retry_after: Option<u64>,
    /// The technical cause, for administrators only.
    details: Option<String>,
    /// The sentence as a code and parameters, for pages that translate it
    /// (boxed: most errors have none, and results stay small).
    code: Option<Box<crate::panels::AgentMessage>>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), fields: None, retry_after: None, details: None, code: None }
    }

    /// An error whose sentence the pages translate from its code: the
    /// English sentence is `message`'s.
    pub fn coded(status: StatusCode, message: crate::panels::AgentMessage) -> Self {
        Self::new(status, message.sentence()).with_code(message)
    }

    /// The same error with a code the pages translate (`error.<code>`);
    /// the English sentence stays the `error` of the answer.
    pub fn with_code(self, message: crate::panels::AgentMessage) -> Self {
        ApiError { code: Some(Box::new(message)), ..self }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// Adds the technical cause, shown to administrators behind "details".
    pub fn with_details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }

    /// A failure of the desk itself: the whole chain of causes goes to the
    /// log, the caller gets the sentence only.
    pub fn internal(e: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        tracing::error!("{chain}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

/// What every failed API call answers.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong and what to do, as a sentence.
    error: String,
    /// Invalid desk fields: which field, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    fields: Option<serde_json::Value>,
    /// The technical cause; only ever sent to administrators.
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<String>,
    /// A stable code for `error` (`crm.unreachable`, ...), for pages that
    /// show it in the agent's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    /// The values `error` names (`crm`, `reference`, ...), with `code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<std::collections::BTreeMap<&'static str, String>>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, params) = self.code.map(|m| (m.code, m.params)).unzip();
        let body = ErrorBody { error: self.message, fields: self.fields, details: self.details, code, params };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<crate::desk::DeskError> for ApiError {
    fn from(e: crate::desk::DeskError) -> Self {
        use crate::desk::DeskError;
        match &e {
            DeskError::Invalid { errors, .. } => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: e.to_string(),
                fields: Some(serde_json::to_value(errors).expect("field errors serialise")),
                retry_after: None,
                details: None,
                code: None,
            },
            DeskError::NotFound { .. } => ApiError::not_found(e.to_string()),
            DeskError::Refused(_) => ApiError::new(StatusCode::CONFLICT, e.to_string()),
            DeskError::Storage(_) => ApiError::internal(&e),
        }
    }
}

impl From<crate::registry::RegistryError> for ApiError {
    fn from(e: crate::registry::RegistryError) -> Self {
        use crate::registry::RegistryError as R;
        let status = match &e {
            R::NotInstalled(_) | R::UnknownPublisher(_) => StatusCode::NOT_FOUND,
            R::Untrusted(_) => StatusCode::FORBIDDEN,
            R::Invalid(_) | R::NoCredential { .. } | R::BadState => StatusCode::UNPROCESSABLE_ENTITY,
            R::OAuthNotConfigured { .. } => StatusCode::CONFLICT,
            R::Credential(_) => StatusCode::BAD_GATEWAY,
            R::Storage(_) | R::Files(_) => return ApiError::internal(&e),
        };
        ApiError::new(status, e.to_string())
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(e: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError as A;
        let status = match &e {
            A::BadCredentials => StatusCode::UNAUTHORIZED,
            A::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            A::Deactivated => StatusCode::FORBIDDEN,
            A::NotFound(_) => StatusCode::NOT_FOUND,
            A::DuplicateEmail(_) | A::DuplicateProfile(_) | A::Refused(_) => StatusCode::CONFLICT,
            A::UnknownProfile(_) | A::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            A::Storage(_) => return ApiError::internal(&e),
        };
        let retry_after = match &e {
            A::Throttled(wait) => Some(wait.as_secs().max(1)),
            _ => None,
        };
        ApiError { retry_after, ..ApiError::new(status, e.to_string()) }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// What a desk server needs to start.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where the desk keeps its data.
    pub data: PathBuf,
    /// The desk's address as browsers reach it.
    pub public_url: String,
    /// A folder to read the page assets from instead of those built into
    /// the binary (development: edit and reload without rebuilding).
    pub web_dir: Option<PathBuf>,
    pub panel_ttl: std::time::Duration,
    pub runtime: crate::RuntimeConfig,
    /// Origins (`https://helpdesk.example`) allowed to frame `/embed/panel`.
    pub embed_origins: Vec<String>,
    /// The largest plugin upload the console takes (manifest and component).
    pub max_upload_bytes: u64,
    /// The shared store (`postgres://...`); `None` keeps sled in `data`.
    pub store: Option<deskpane_store::Location>,
    /// The key stored secrets are sealed with; `None`: `secret.key` in
    /// `data` (made on first start). Replicas on one store share it.
    pub secret_key: Option<PathBuf>,
    /// Proxies (load balancers) whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Whether cookies carry `Secure`; `None`: when `public_url` is https.
    pub secure_cookies: Option<bool>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            data: PathBuf::from("data"),
            public_url: "http://127.0.0.1:8080".into(),
            web_dir: None,
            panel_ttl: std::time::Duration::from_secs(60),
            runtime: crate::RuntimeConfig::default(),
            embed_origins: Vec::new(),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            store: None,
            secret_key: None,
            trusted_proxies: Vec::new(),
            secure_cookies: None,
        }
    }
}

/// Plugin uploads the console takes by default: an interpreted plugin's
/// component (JavaScript, Python) is 13-20 MB.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 64 << 20;

/// Opens the desk's store: `location` when given (a PostgreSQL URL shared
/// by replicas, a redb file or a sled folder), else the data folder's own
/// (see [`embedded_store`]).
pub fn open_store(data: &std::path::Path, location: Option<&deskpane_store::Location>) -> Result<deskpane_store::Store, OpenStoreError> {
    match location {
        Some(location) => deskpane_store::Store::open(location).map_err(|e| OpenStoreError::at(location, e)),
        None => deskpane_store::Store::open(&embedded_store(data))
            .map_err(|source| OpenStoreError::InFolder { folder: data.display().to_string(), source }),
    }
}

/// The store a data folder holds: `store.redb`, or the sled folder `db` of
/// a desk from before redb (kept until an operator copies it over with
/// `deskpane store copy` and moves it aside).
pub fn embedded_store(data: &std::path::Path) -> deskpane_store::Location {
    let sled = data.join("db");
    if sled.is_dir() {
        deskpane_store::Location::Sled(sled)
    } else {
        deskpane_store::Location::Redb(data.join("store.redb"))
    }
}

/// The desk's store could not be opened: which one, why, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum OpenStoreError {
    #[error("cannot open the store {location}: {source}")]
    At { location: String, source: deskpane_store::StoreError },
    #[error("cannot open the store in {folder}: {source} (is another deskpane using it? stop it first)")]
    InFolder { folder: String, source: deskpane_store::StoreError },
}

impl OpenStoreError {
    /// `location` as the sentence names it: without its password.
    pub fn at(location: &deskpane_store::Location, source: deskpane_store::StoreError) -> OpenStoreError {
        OpenStoreError::At { location: location.redacted(), source }
    }
}

impl AppState {
    /// Opens (or creates) the desk's store and loads the installed plugins.
    pub async fn open(config: &ServeConfig) -> anyhow::Result<AppState> {
        create_private_dir(&config.data)?;
        let db = open_store(&config.data, config.store.as_ref())?;
        // A copy of this store (`deskpane store copy`) is not re-run over it
        // once a desk has written to it.
        db.mark_in_service(&crate::clock::now_precise())?;
        let mut runtime_config = config.runtime.clone();
        // Compiled plugins live with the desk's data (private, like it).
        runtime_config.compiled_cache.get_or_insert_with(|| config.data.join("compiled"));
        let runtime = Arc::new(crate::Runtime::new(runtime_config).map_err(|e| anyhow::anyhow!("cannot start the plugin runtime: {e:#}"))?);
        let key = config.secret_key.clone().unwrap_or_else(|| config.data.join("secret.key"));
        let secrets = crate::secrets::SecretBox::open_or_create(&key)?;
        let registry = Arc::new(Registry::open(&db, &config.data.join("plugins"), runtime, &config.public_url, secrets).await?);
        let desk = Desk::open(&db)?;
        let auth = Auth::open(&db)?;
        let panels = Arc::new(Panels::new(registry.clone(), desk.clone(), config.panel_ttl)?);
        let sync_store = crate::sync::SyncStore::open(&db)?;
        let sync = Arc::new(crate::sync::SyncManager::new(registry.clone(), desk.clone(), sync_store.clone()));
        let recorder = Arc::new(crate::recording::Recorder::new(
            registry.clone(),
            desk.clone(),
            crate::recording::RecordingStore::open(&db)?,
            sync_store,
        ));
        // Whatever changes what runs for a plugin (an install or upgrade,
        // new settings, removal, files replaced on disk), its next answers
        // come from it as it now is, not from what the old one cached.
        let (cached_panels, cached_fields) = (Arc::downgrade(&panels), Arc::downgrade(&sync));
        registry.on_change(move |plugin| {
            if let Some(panels) = cached_panels.upgrade() {
                panels.forget_plugin(plugin);
            }
            if let Some(sync) = cached_fields.upgrade() {
                sync.catalog().forget(plugin);
            }
        });
        Ok(AppState {
            db,
            desk,
            auth,
            registry,
            panels,
            sync,
            recorder,
            web_dir: config.web_dir.as_deref().map(Arc::from),
            public_url: Arc::from(config.public_url.trim_end_matches('/')),
            embed_origins: Arc::from(config.embed_origins.as_slice()),
            max_upload_bytes: config.max_upload_bytes,
            trusted_proxies: Arc::from(config.trusted_proxies.as_slice()),
            secure_cookies: config.secure_cookies.unwrap_or(config.public_url.starts_with("https://")),
        })
    }

    /// Starts hot reload: plugins whose files are replaced in their folder
    /// are reloaded ([`crate::plugin_watch`]). The server keeps the watch
    /// while it serves; dropping it stops it.
    pub fn watch_plugins(&self) -> notify::Result<crate::plugin_watch::PluginWatch> {
        crate::plugin_watch::PluginWatch::start(self.registry.clone())
    }

    /// Cookies get `Secure` when browsers reach the desk over TLS.
    fn secure_cookies(&self) -> bool {
        self.secure_cookies
    }

    fn cookie(&self, name: &str, value: &str, path: &str, max_age: u64) -> HeaderValue {
        let secure = if self.secure_cookies() { "; Secure" } else { "" };
        HeaderValue::from_str(&format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
            .expect("cookie is ASCII")
    }
}

/// The data folder holds the store, the key file and plugins: only the
/// desk's own user may enter it.
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// The signed-in agent, from the session cookie or a bearer token.
impl FromRequestParts<AppState> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let bearer = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        let agent = match bearer {
            Some(token) => state.auth.api_token(token.trim()),
            None => cookie(&parts.headers, SESSION_COOKIE).and_then(|token| state.auth.session(&token)),
        };
        agent.ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "sign in first (or send an API token as `Authorization: Bearer ...`)"))
    }
}

/// An Administrator.
pub struct Admin(pub Agent);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let agent = Agent::from_request_parts(parts, state).await?;
        if !agent.is_admin() {
            return Err(ApiError::forbidden("only Administrators may do this"));
        }
        Ok(Admin(agent))
    }
}

#[derive(Deserialize, ToSchema)]
struct Login {
    email: String,
    password: String,
}

/// The address the request came from, when the server was started with
/// connect info: the TCP peer, or, when the peer is a trusted proxy, the
/// last address in `X-Forwarded-For` that is not one (what a client writes
/// there itself comes before it and is not believed).
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientAddr(peer.map(|peer| client_behind(peer, &parts.headers, &state.trusted_proxies))))
    }
}

/// The client of a request from `peer` (see [`ClientAddr`]).
fn client_behind(peer: std::net::IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded.into_iter().rev().find(|ip| !is_trusted(ip)).unwrap_or(peer)
}

/// An agent without secrets, as the API shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentView {
    pub id: String,
    pub name: String,
    pub email: String,
    pub profile: String,
    /// A deactivated agent cannot sign in.
    pub active: bool,
    /// The pages' language (`en`, `pt-BR`, `zh-CN`); null: the browser's.
    pub language: Option<String>,
}

impl From<&Agent> for AgentView {
    fn from(a: &Agent) -> Self {
        AgentView {
            id: a.id.clone(),
            name: a.name.clone(),
            email: a.email.clone(),
            profile: a.profile.clone(),
            active: a.active,
            language: a.language.clone(),
        }
    }
}

/// The signed-in agent.
#[derive(Serialize, ToSchema)]
pub struct Me {
    agent: AgentView,
}

/// Signs in; the answer sets the session cookie.
#[utoipa::path(post, path = "/api/login", tag = "session", request_body = Login,
    responses((status = 200, body = Me), (status = 401, description = "Wrong email or password"),
        (status = 429, description = "Too many failed attempts; see Retry-After")))]
async fn login(State(state): State<AppState>, ClientAddr(client): ClientAddr, Json(body): Json<Login>) -> ApiResult<Response> {
    let (agent, token) = state.auth.login(&body.email, &body.password, client).await?;
    let mut response = Json(Me { agent: AgentView::from(&agent) }).into_response();
    response.headers_mut().insert(SET_COOKIE, state.cookie(SESSION_COOKIE, &token, "/", 43200));
    Ok(response)
}

/// Signs out and clears the session cookie.
#[utoipa::path(post, path = "/api/logout", tag = "session", responses((status = 204)))]
async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.auth.logout(&token);
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(SET_COOKIE, state.cookie(SESSION_COOKIE, "", "/", 0));
    response
}

/// Who is signed in.
#[utoipa::path(get, path = "/api/me", tag = "session", responses((status = 200, body = Me), (status = 401)))]
async fn me(agent: Agent) -> Json<Me> {
    Json(Me { agent: AgentView::from(&agent) })
}

/// What agents change about themselves.
#[derive(Deserialize, ToSchema)]
struct MePatch {
    /// The pages' language: `en`, `pt-BR` or `zh-CN`; null or "" for the
    /// browser's; absent leaves it as it is.
    #[serde(default, deserialize_with = "crate::auth::present")]
    #[schema(value_type = Option<String>, nullable)]
    language: Option<Option<String>>,
}

/// Changes the signed-in agent's own settings: their language.
#[utoipa::path(patch, path = "/api/me", tag = "session", request_body = MePatch,
    responses((status = 200, body = Me), (status = 401), (status = 422, description = "Not a language the pages ship in")))]
async fn update_me(State(state): State<AppState>, agent: Agent, Json(patch): Json<MePatch>) -> ApiResult<Json<Me>> {
    let agent = match patch.language {
        Some(language) => state.auth.set_language(&agent.id, language)?,
        None => agent,
    };
    Ok(Json(Me { agent: AgentView::from(&agent) }))
}

async fn page(State(state): State<AppState>) -> Response {
    assets::serve(state.web_dir.as_deref(), "index.html")
}

async fn admin_page(State(state): State<AppState>) -> Response {
    assets::serve(state.web_dir.as_deref(), "admin.html")
}

async fn embed_page(State(state): State<AppState>) -> Response {
    assets::serve(state.web_dir.as_deref(), "embed-panel.html")
}

async fn static_asset(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    assets::serve(state.web_dir.as_deref(), &path)
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// A small server-rendered page for the browser round trips below, in
/// the console's look: what happened in plain words, and where to go next.
fn message_page(status: StatusCode, title: &str, text: &str) -> Response {
    result_page(status, Outcome::Failed, title, text, None)
}

/// Whether a [`result_page`] reports success or a failure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    Failed,
}

/// A styled page (the console's stylesheet and card) with a heading, a
/// sentence and, when given, a link `(href, label)` back into the console.
fn result_page(status: StatusCode, outcome: Outcome, title: &str, text: &str, back: Option<(&str, &str)>) -> Response {
    let (state, mark) = match outcome {
        Outcome::Done => ("ok", "\u{2713}"),
        Outcome::Failed => ("failed", "!"),
    };
    let link = back
        .map(|(href, label)| {
            format!(
                "<p class=result-actions><a class=\"btn btn-primary\" data-testid=result-back href=\"{}\">{}</a></p>",
                escape(href),
                escape(label)
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content=\"width=device-width, initial-scale=1\">\
         <title>{title} \u{b7} Deskpane</title><link rel=stylesheet href=/assets/style.css>\
         <body class=login-page><main class=\"login-card result-card\" data-testid=result-page data-outcome={state}>\
         <div class=login-brand><span class=brand-mark aria-hidden=true>D</span>Deskpane</div>\
         <div class=\"result-mark result-{state}\" aria-hidden=true>{mark}</div>\
         <h1 data-testid=result-title>{title}</h1><p data-testid=result-text>{text}</p>{link}</main></body></html>",
        title = escape(title),
        text = escape(text),
    );
    (status, axum::response::Html(html)).into_response()
}

/// Where the CRM's consent page sends the browser back. The `state` must
/// be live and belong to this browser (the consent cookie set when the
/// round trip began). Either way the answer is a page in the console's
/// look saying what happened, with a link back to the plugin's page; on
/// success it also takes the browser there after a moment, and leaves a
/// short-lived cookie the console reads to confirm the connection.
async fn oauth_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<Callback>,
) -> Response {
    let plugin = q.state.as_deref().and_then(|st| state.registry.consent_plugin(st));
    let crm = plugin.as_deref().map(|id| state.registry.manifest(id).map(|m| m.name).unwrap_or_else(|| id.to_string()));
    let crm_name = crm.clone().unwrap_or_else(|| "The CRM".to_string());
    let back_href = plugin.as_deref().map(|id| format!("/admin#plugin={id}")).unwrap_or_else(|| "/admin#plugins".to_string());
    let back_label = match &crm {
        Some(name) => format!("Back to {name} in the admin console"),
        None => "Back to Integrations in the admin console".to_string(),
    };
    let title = match &crm {
        Some(name) => format!("{name} is not connected"),
        None => "Not connected".to_string(),
    };
    let failed = |text: String| result_page(StatusCode::BAD_REQUEST, Outcome::Failed, &title, &text, Some((&back_href, &back_label)));
    if let Some(error) = q.error {
        let reason = if error == "access_denied" {
            "the request was declined on its consent page".to_string()
        } else {
            format!("it answered \u{201c}{error}\u{201d}")
        };
        return failed(format!(
            "{crm_name} did not give the help desk access: {reason}. Nothing was changed. To try again, go back and click Connect."
        ));
    }
    let (Some(code), Some(st)) = (q.code, q.state) else {
        return failed(format!(
            "{crm_name} sent the browser back without the details needed to finish connecting. Nothing was changed. Go back and click Connect to start again."
        ));
    };
    let browser = cookie(&headers, CONSENT_COOKIE).unwrap_or_default();
    let mut response = match state.registry.finish_authorization(&st, &browser, &code).await {
        Ok(id) => {
            let name = state.registry.manifest(&id).map(|m| m.name).unwrap_or_else(|| id.clone());
            let href = format!("/admin#plugin={id}");
            let mut page = result_page(
                StatusCode::OK,
                Outcome::Done,
                &format!("{name} is connected"),
                &format!("The help desk can now reach {name}. Its panels, sync and recording use this connection from now on."),
                Some((&href, &format!("Back to {name} in the admin console"))),
            );
            let h = page.headers_mut();
            // Back to the console after a moment; the link is there for those who do not wait.
            if let Ok(v) = HeaderValue::from_str(&format!("3; url={href}")) {
                h.insert(axum::http::header::REFRESH, v);
            }
            // Read (and cleared) by the plugin page's script: "connected" once.
            let secure = if state.secure_cookies() { "; Secure" } else { "" };
            if let Ok(v) = HeaderValue::from_str(&format!("{CONNECTED_COOKIE}={id}; Path=/admin; SameSite=Lax; Max-Age=300{secure}")) {
                h.append(SET_COOKIE, v);
            }
            page
        }
        Err(e) => {
            tracing::warn!("OAuth callback refused: {e}");
            failed(match &e {
                crate::registry::RegistryError::BadState => "This connection attempt has expired, was already finished, or was started in another browser, so the help desk could not complete it. Nothing was changed. Go back and click Connect to start again.".to_string(),
                crate::registry::RegistryError::Credential(_) => format!(
                    "{crm_name} did not accept the help desk\u{2019}s sign-in ({e}). Check the OAuth client\u{2019}s ID and secret on the plugin\u{2019}s page, then click Connect again."
                ),
                _ => format!("Connecting did not work: {e}. Go back and click Connect to try again."),
            })
        }
    };
    response.headers_mut().append(SET_COOKIE, state.cookie(CONSENT_COOKIE, "", "/oauth", 0));
    response
}

/// Set on the way back from a successful OAuth consent: the id of the
/// plugin just connected, so the console confirms it once.
pub const CONNECTED_COOKIE: &str = "deskpane_connected";

/// Names the browser that started an OAuth consent, so that only it can
/// finish it.
pub const CONSENT_COOKIE: &str = "deskpane_consent";

/// The consent cookie for a round trip `binding` started.
fn consent_cookie(state: &AppState, binding: &str) -> HeaderValue {
    state.cookie(CONSENT_COOKIE, binding, "/oauth", crate::registry::CONSENT_SECS)
}

/// The page a CRM administrator opens from an access-request email.
async fn access_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some((plugin, request)) = state.registry.access_request(&token) else {
        return message_page(StatusCode::NOT_FOUND, "Link not valid", "This approval link is not valid or was already used.");
    };
    let name = state.registry.manifest(&plugin).map(|m| m.name).unwrap_or(plugin.clone());
    let html = format!(
        "<!doctype html><meta charset=utf-8><title>Approve connection</title><link rel=stylesheet href=/assets/style.css>\
         <body class=login-page><main class=\"login-card result-card\"><div class=login-brand><span class=brand-mark aria-hidden=true>D</span>Deskpane</div><h1>Approve the {name} connection</h1><p>The help desk asks to connect to {name} with the account of <b>{email}</b>.</p>\
         <form method=post action=/access/{token}/approve><button class=\"btn btn-primary\" data-testid=approve-access>Approve and sign in to {name}</button></form></main></body>",
        name = escape(&name),
        email = escape(&request.email),
        token = escape(&token),
    );
    axum::response::Html(html).into_response()
}

async fn approve_access(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some((plugin, request)) = state.registry.access_request(&token) else {
        return message_page(StatusCode::NOT_FOUND, "Link not valid", "This approval link is not valid or was already used.");
    };
    let binding = crate::secrets::random_token();
    match state.registry.authorize_url(&plugin, &request.credential, &request.email, Some(request.id.clone()), &binding) {
        Ok(url) => {
            let mut response = Redirect::to(&url).into_response();
            response.headers_mut().insert(SET_COOKIE, consent_cookie(&state, &binding));
            response
        }
        Err(e) => message_page(StatusCode::CONFLICT, "Cannot connect yet", &e.to_string()),
    }
}

/// Minimal HTML escaping for the few server-rendered pages.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// Every documented route: the JSON API and the CRM notification hook.
/// What is registered here is what `/api/openapi.json` describes.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::document())
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me, update_me))
        .merge(desk::routes())
        .merge(panels::routes())
        .merge(admin::routes())
        .merge(trust::routes())
        .merge(sync::routes())
        .merge(recording::routes())
        .merge(metrics::routes())
}

/// The OpenAPI document of the API, as `/api/openapi.json` serves it.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

pub fn router(state: AppState) -> Router {
    // Metrics recorded from here on reach /metrics.
    crate::telemetry::prometheus();
    let (api, doc) = api().split_for_parts();
    let doc = axum::body::Bytes::from(doc.to_json().expect("the OpenAPI document serialises"));
    Router::new()
        .route("/", get(page))
        .route("/admin", get(admin_page))
        .route("/embed/panel", get(embed_page))
        .route("/assets/{*path}", get(static_asset))
        .route("/oauth/callback", get(oauth_callback))
        .route("/access/{token}", get(access_page))
        .route("/access/{token}/approve", post(approve_access))
        .route("/api/openapi.json", get(move || async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], doc) }))
        .merge(api)
        // After routing, so a request is named by its route's pattern.
        .route_layer(axum::middleware::from_fn(crate::telemetry::trace_request))
        .fallback(|| async { ApiError::not_found("there is no such page or API route") })
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::same_origin))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::security_headers))
        .layer(axum::middleware::from_fn(guard::json_errors))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_behind_a_trusted_proxy_is_the_last_untrusted_forwarded_address() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut headers = HeaderMap::new();
        // The client wrote the first address itself; the proxies appended the rest.
        headers.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9, 198.51.100.4, 10.0.0.3"));
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        assert_eq!(client_behind(ip("10.0.0.2"), &headers, &trusted), ip("198.51.100.4"));
        // From anyone else the header is the client's own word: ignored.
        assert_eq!(client_behind(ip("198.51.100.4"), &headers, &trusted), ip("198.51.100.4"));
        assert_eq!(client_behind(ip("10.0.0.2"), &HeaderMap::new(), &trusted), ip("10.0.0.2"));
    }
}
