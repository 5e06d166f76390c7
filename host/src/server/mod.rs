//! The web server: the agent's ticket view, the admin console, and the
//! JSON API they use (documented in docs/api.md). Every `/api/` handler
//! asks for the signed-in [`Agent`] and checks permissions on the server.

mod admin;
mod desk;
mod panels;
mod sync;

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Agent, Auth};
use crate::desk::Desk;
use crate::panels::Panels;
use crate::registry::Registry;

pub const SESSION_COOKIE: &str = "deskpane_session";

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub db: sled::Db,
    pub desk: Desk,
    pub auth: Auth,
    pub registry: Arc<Registry>,
    pub panels: Arc<Panels>,
    pub sync: Arc<crate::sync::SyncManager>,
    /// Where the page assets (`web/`) are read from.
    pub web_dir: PathBuf,
}

/// An error answered as `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    fields: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), fields: None }
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
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if let Some(fields) = self.fields {
            body["fields"] = fields;
        }
        (self.status, Json(body)).into_response()
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
            },
            DeskError::NotFound { .. } => ApiError::not_found(e.to_string()),
            DeskError::Refused(_) => ApiError::new(StatusCode::CONFLICT, e.to_string()),
            DeskError::Storage(_) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        }
    }
}

impl From<crate::registry::RegistryError> for ApiError {
    fn from(e: crate::registry::RegistryError) -> Self {
        use crate::registry::RegistryError as R;
        let status = match &e {
            R::NotInstalled(_) => StatusCode::NOT_FOUND,
            R::Invalid(_) | R::NoCredential { .. } | R::BadState => StatusCode::UNPROCESSABLE_ENTITY,
            R::OAuthNotConfigured { .. } => StatusCode::CONFLICT,
            R::Credential(_) => StatusCode::BAD_GATEWAY,
            R::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(e: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError as A;
        let status = match &e {
            A::BadCredentials => StatusCode::UNAUTHORIZED,
            A::DuplicateEmail(_) | A::DuplicateProfile(_) => StatusCode::CONFLICT,
            A::UnknownProfile(_) | A::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            A::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
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
    pub web_dir: PathBuf,
    pub panel_ttl: std::time::Duration,
    pub runtime: crate::RuntimeConfig,
}

impl AppState {
    /// Opens (or creates) the desk's store and loads the installed plugins.
    pub async fn open(config: &ServeConfig) -> anyhow::Result<AppState> {
        std::fs::create_dir_all(&config.data)?;
        let db = sled::open(config.data.join("db"))
            .map_err(|e| anyhow::anyhow!("cannot open the store in {}: {e} (is another deskpane using it?)", config.data.display()))?;
        let runtime = Arc::new(crate::Runtime::new(config.runtime.clone()).map_err(|e| anyhow::anyhow!("cannot start the plugin runtime: {e:#}"))?);
        let secrets = crate::secrets::SecretBox::open_or_create(&config.data.join("secret.key"))?;
        let registry = Arc::new(Registry::open(&db, &config.data.join("plugins"), runtime, &config.public_url, secrets).await?);
        let desk = Desk::open(&db)?;
        let auth = Auth::open(&db)?;
        let panels = Arc::new(Panels::new(registry.clone(), desk.clone(), config.panel_ttl));
        let sync = Arc::new(crate::sync::SyncManager::new(registry.clone(), desk.clone(), crate::sync::SyncStore::open(&db)?));
        Ok(AppState { db, desk, auth, registry, panels, sync, web_dir: config.web_dir.clone() })
    }
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

#[derive(Deserialize)]
struct Login {
    email: String,
    password: String,
}

async fn login(State(state): State<AppState>, Json(body): Json<Login>) -> ApiResult<Response> {
    let (agent, token) = state.auth.login(&body.email, &body.password)?;
    let cookie = format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200");
    let mut response = Json(json!({ "agent": agent.public() })).into_response();
    response.headers_mut().insert(SET_COOKIE, HeaderValue::from_str(&cookie).expect("cookie is ASCII"));
    Ok(response)
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.auth.logout(&token);
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    ([(SET_COOKIE, clear)], StatusCode::NO_CONTENT).into_response()
}

async fn me(agent: Agent) -> Json<serde_json::Value> {
    Json(json!({ "agent": agent.public() }))
}

/// Serves a file of `web/`, read at request time so the assets can be
/// changed without rebuilding.
fn asset(state: &AppState, name: &str, content_type: &'static str) -> Response {
    match std::fs::read(state.web_dir.join(name)) {
        Ok(bytes) => ([(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache")], bytes).into_response(),
        Err(e) => ApiError::not_found(format!("page asset {name} is missing from {}: {e}", state.web_dir.display())).into_response(),
    }
}

async fn page(State(state): State<AppState>) -> Response {
    asset(&state, "index.html", "text/html; charset=utf-8")
}

async fn admin_page(State(state): State<AppState>) -> Response {
    asset(&state, "admin.html", "text/html; charset=utf-8")
}

async fn embed_page(State(state): State<AppState>) -> Response {
    asset(&state, "embed-panel.html", "text/html; charset=utf-8")
}

async fn static_asset(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let content_type = match name.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => return ApiError::not_found(format!("no asset {name}")).into_response(),
    };
    if name.contains('/') || name.contains("..") {
        return ApiError::not_found("no such asset").into_response();
    }
    asset(&state, &name, content_type)
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Where the CRM's consent page sends the browser back.
async fn oauth_callback(State(state): State<AppState>, axum::extract::Query(q): axum::extract::Query<Callback>) -> Response {
    if let Some(error) = q.error {
        return (StatusCode::BAD_REQUEST, format!("The CRM did not grant access: {error}. Start the connection again from the admin console.")).into_response();
    }
    let (Some(code), Some(st)) = (q.code, q.state) else {
        return (StatusCode::BAD_REQUEST, "The CRM's answer lacks `code` or `state`. Start the connection again from the admin console.").into_response();
    };
    match state.registry.finish_authorization(&st, &code).await {
        Ok(plugin) => Redirect::to(&format!("/admin#plugin={plugin}")).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, format!("Connecting failed: {e}")).into_response(),
    }
}

/// The page a CRM administrator opens from an access-request email.
async fn access_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some((plugin, request)) = state.registry.access_request(&token) else {
        return (StatusCode::NOT_FOUND, axum::response::Html("<p>This approval link is not valid or was already used.</p>".to_string())).into_response();
    };
    let name = state.registry.manifest(&plugin).map(|m| m.name).unwrap_or(plugin.clone());
    let html = format!(
        "<!doctype html><meta charset=utf-8><title>Approve connection</title><link rel=stylesheet href=/assets/style.css>\
         <main class=approve><h1>Approve the {name} connection</h1><p>The help desk asks to connect to {name} with the account of <b>{email}</b>.</p>\
         <form method=post action=/access/{token}/approve><button data-testid=approve-access>Approve and sign in to {name}</button></form></main>",
        name = escape(&name),
        email = escape(&request.email),
    );
    axum::response::Html(html).into_response()
}

async fn approve_access(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some((plugin, request)) = state.registry.access_request(&token) else {
        return (StatusCode::NOT_FOUND, "This approval link is not valid or was already used.").into_response();
    };
    match state.registry.authorize_url(&plugin, &request.credential, &request.email, Some(request.id.clone())) {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => (StatusCode::CONFLICT, e.to_string()).into_response(),
    }
}

/// Minimal HTML escaping for the few server-rendered pages.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/admin", get(admin_page))
        .route("/embed/panel", get(embed_page))
        .route("/assets/{name}", get(static_asset))
        .route("/oauth/callback", get(oauth_callback))
        .route("/access/{token}", get(access_page))
        .route("/access/{token}/approve", post(approve_access))
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me))
        .merge(desk::routes())
        .merge(panels::routes())
        .merge(admin::routes())
        .merge(sync::routes())
        .with_state(state)
}
