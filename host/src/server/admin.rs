//! `/api/admin/...`: plugins (install, configure, connect, permissions,
//! delete), profiles, agents, API tokens, the outbox. Administrators only.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{Admin, ApiError, ApiResult, AppState};
use crate::auth::AgentPatch;
use crate::manifest::CredentialSpec;
use crate::permissions::PanelPermissions;
use crate::policy::Limits;
use crate::registry::{Installation, InstallationPatch};

/// An installation as the console shows it.
fn view(s: &AppState, install: &Installation) -> Value {
    let manifest = s.registry.manifest(&install.id);
    let credentials: serde_json::Map<String, Value> = manifest
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
                    (
                        name.clone(),
                        json!({
                            "kind": kind,
                            "connected": s.registry.is_connected(&install.id, name),
                            "connected_at": connection.map(|c| c.connected_at.clone()),
                            "connected_by": connection.map(|c| c.connected_by.clone()),
                            "oauth_configured": install.oauth.get(name).is_some_and(|o| !o.client_id.is_empty()),
                        }),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let requests: Vec<Value> = install
        .access_requests
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).expect("requests serialise");
            v["approve_url"] = json!(s.registry.approve_url(&r.token));
            v
        })
        .collect();
    let secret_keys: Vec<&String> = manifest.iter().flat_map(|m| m.secret_config_keys()).collect();
    // A secret's value never leaves the server; the console learns it is set.
    let config: serde_json::Map<String, Value> =
        install.config.iter().map(|(k, v)| (k.clone(), if secret_keys.contains(&k) { json!("") } else { json!(v) })).collect();
    let secrets_set: Vec<&String> = install.config.keys().filter(|k| secret_keys.contains(k)).collect();
    let sandbox = manifest.as_ref().map(|m| {
        let granted = s.registry.plugin_limits(&install.id);
        let pending = Limits::above_defaults(&m.limits);
        let approved = install.approved_limits == m.limits;
        json!({
            "allowed_hosts": m.allowed_hosts.entries().map(|h| h.to_string()).collect::<Vec<_>>(),
            "extra_hosts": install.extra_hosts,
            "limits": granted.map(|l| json!({
                "memory_mib": l.memory_bytes >> 20, "cpu_ms": l.cpu.as_millis() as u64, "call_timeout_ms": l.call_timeout.as_millis() as u64,
                "max_concurrency": l.max_concurrency, "response_bytes": l.response_bytes,
            })),
            "requests_above_defaults": pending,
            "above_defaults_approved": !pending.is_empty() && approved,
        })
    });
    json!({
        "id": install.id,
        "name": manifest.as_ref().map(|m| m.name.clone()),
        "version": manifest.as_ref().map(|m| m.version.to_string()),
        "publisher": manifest.as_ref().map(|m| m.publisher.clone()),
        "description": manifest.as_ref().and_then(|m| m.description.clone()),
        "enabled": install.enabled,
        "config": config,
        "secrets_set": secrets_set,
        "sandbox": sandbox,
        "config_schema": manifest.as_ref().map(|m| {
            m.config.iter().map(|(k, f)| (k.clone(), json!({
                "type": f.kind,
                "label": f.label, "description": f.description, "default": f.default, "required": f.required,
            }))).collect::<serde_json::Map<_, _>>()
        }),
        "extra_hosts": install.extra_hosts,
        "oauth": install.oauth.iter().map(|(k, o)| (k.clone(), json!({
            "client_id": o.client_id, "authorize_url": o.authorize_url, "token_url": o.token_url,
            "client_secret_set": !o.client_secret.is_empty(),
        }))).collect::<serde_json::Map<_, _>>(),
        "credentials": credentials,
        "customer_type_field": install.customer_type_field,
        "access_requests": requests,
        "status": s.registry.load_error(&install.id).unwrap_or_else(|| "ok".into()),
        "installed_at": install.installed_at,
    })
}

async fn list(State(s): State<AppState>, _admin: Admin) -> Json<Value> {
    let plugins: Vec<Value> = s.registry.installations().iter().map(|i| view(&s, i)).collect();
    Json(json!({ "plugins": plugins }))
}

/// Installs a plugin from two uploaded files: `manifest` and `component`.
async fn install(State(s): State<AppState>, _admin: Admin, mut form: Multipart) -> ApiResult<(StatusCode, Json<Value>)> {
    let (mut manifest, mut component) = (None, None);
    while let Some(field) = form.next_field().await.map_err(|e| ApiError::bad_request(format!("the upload is not a valid form: {e}")))? {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|e| ApiError::bad_request(format!("reading `{name}` failed: {e}")))?;
        match name.as_str() {
            "manifest" => {
                manifest = Some(String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::bad_request("the manifest is not UTF-8 text"))?)
            }
            "component" => component = Some(bytes.to_vec()),
            _ => {}
        }
    }
    let (Some(manifest), Some(component)) = (manifest, component) else {
        return Err(ApiError::bad_request("send two files: `manifest` (plugin.toml) and `component` (the .wasm)"));
    };
    let install = tokio::task::block_in_place(|| s.registry.install(&manifest, &component))?;
    Ok((StatusCode::CREATED, Json(view(&s, &install))))
}

async fn patch(
    State(s): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    Json(body): Json<InstallationPatch>,
) -> ApiResult<Json<Value>> {
    let install = tokio::task::block_in_place(|| s.registry.update(&id, body))?;
    // Its settings changed: what the CRM said about fields may have too.
    s.sync.catalog().forget(&id);
    Ok(Json(view(&s, &install)))
}

async fn remove(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<StatusCode> {
    // Deleting the integration stops its sync and forgets its state.
    s.registry.remove(&id)?;
    s.sync.forget(&id)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
struct ConnectBody {
    credential: Option<String>,
}

/// Starts an OAuth consent; the answer sets the consent cookie that ties
/// the round trip to this browser.
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
    let mut response = Json(json!({ "authorize_url": url })).into_response();
    response.headers_mut().insert(axum::http::header::SET_COOKIE, super::consent_cookie(&s, &binding));
    Ok(response)
}

#[derive(Deserialize)]
struct ApiKeyBody {
    api_key: String,
}

/// Connects an API-key credential with the key the admin pasted in.
async fn set_api_key(
    State(s): State<AppState>,
    _admin: Admin,
    Path((id, name)): Path<(String, String)>,
    Json(body): Json<ApiKeyBody>,
) -> ApiResult<Json<Value>> {
    let install = s.registry.set_api_key(&id, &name, &body.api_key)?;
    Ok(Json(view(&s, &install)))
}

async fn disconnect(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let install = s.registry.disconnect(&id)?;
    Ok(Json(view(&s, &install)))
}

#[derive(Deserialize)]
struct AccessBody {
    email: String,
}

async fn request_access(
    State(s): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    Json(body): Json<AccessBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let request = s.registry.request_access(&id, &body.email)?;
    let mut v = serde_json::to_value(&request).expect("requests serialise");
    v["approve_url"] = json!(s.registry.approve_url(&request.token));
    Ok((StatusCode::CREATED, Json(v)))
}

async fn resend(State(s): State<AppState>, _admin: Admin, Path((id, rid)): Path<(String, String)>) -> ApiResult<Json<Value>> {
    let request = s.registry.send_invitation(&id, &rid)?;
    let mut v = serde_json::to_value(&request).expect("requests serialise");
    v["approve_url"] = json!(s.registry.approve_url(&request.token));
    Ok(Json(v))
}

async fn permissions(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    s.registry.installation(&id)?;
    let matrix: serde_json::Map<String, Value> = s
        .auth
        .profiles()
        .into_iter()
        .map(|p| {
            let perms = s.registry.permissions(&id, &p);
            (p, serde_json::to_value(perms).expect("permissions serialise"))
        })
        .collect();
    Ok(Json(json!({ "permissions": matrix })))
}

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

async fn profiles(State(s): State<AppState>, _admin: Admin) -> Json<Value> {
    Json(json!({ "profiles": s.auth.profiles() }))
}

#[derive(Deserialize)]
struct ProfileBody {
    name: String,
}

async fn create_profile(State(s): State<AppState>, _admin: Admin, Json(body): Json<ProfileBody>) -> ApiResult<(StatusCode, Json<Value>)> {
    s.auth.create_profile(&body.name)?;
    Ok((StatusCode::CREATED, Json(json!({ "profiles": s.auth.profiles() }))))
}

async fn agents(State(s): State<AppState>, _admin: Admin) -> Json<Value> {
    let agents: Vec<_> = s.auth.agents().iter().map(|a| a.public()).collect();
    Json(json!({ "agents": agents }))
}

#[derive(Deserialize)]
struct AgentBody {
    name: String,
    email: String,
    password: String,
    profile: String,
}

async fn update_agent(
    State(s): State<AppState>,
    Admin(by): Admin,
    Path(id): Path<String>,
    Json(patch): Json<AgentPatch>,
) -> ApiResult<Json<Value>> {
    let agent = s.auth.update_agent(&id, patch, &by)?;
    Ok(Json(serde_json::to_value(agent.public()).expect("agents serialise")))
}

async fn delete_agent(State(s): State<AppState>, Admin(by): Admin, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.auth.delete_agent(&id, &by)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create_agent(State(s): State<AppState>, _admin: Admin, Json(b): Json<AgentBody>) -> ApiResult<(StatusCode, Json<Value>)> {
    let agent = tokio::task::block_in_place(|| s.auth.create_agent(&b.name, &b.email, &b.password, &b.profile))?;
    Ok((StatusCode::CREATED, Json(serde_json::to_value(agent.public()).expect("agents serialise"))))
}

#[derive(Deserialize)]
struct TokenBody {
    agent_id: String,
    #[serde(default)]
    label: String,
    /// Lifetime in days (default 90, at most 365).
    expires_in_days: Option<u32>,
}

fn token_view(s: &AppState, t: &crate::auth::ApiToken) -> Value {
    let at = |secs: i64| chrono::DateTime::from_timestamp(secs, 0).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    json!({
        "id": t.id, "agent_id": t.agent_id, "agent_email": s.auth.agent(&t.agent_id).map(|a| a.email),
        "label": t.label, "created_at": at(t.created_at), "expires_at": at(t.expires_at),
    })
}

async fn create_token(State(s): State<AppState>, _admin: Admin, Json(b): Json<TokenBody>) -> ApiResult<(StatusCode, Json<Value>)> {
    let (token, record) = s.auth.create_api_token(&b.agent_id, &b.label, b.expires_in_days)?;
    let mut v = token_view(&s, &record);
    v["token"] = json!(token);
    Ok((StatusCode::CREATED, Json(v)))
}

async fn tokens(State(s): State<AppState>, _admin: Admin) -> Json<Value> {
    let tokens: Vec<Value> = s.auth.api_tokens().iter().map(|t| token_view(&s, t)).collect();
    Json(json!({ "tokens": tokens }))
}

async fn revoke_token(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.auth.revoke_api_token(&id)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn outbox(State(s): State<AppState>, _admin: Admin) -> Json<Value> {
    Json(json!({ "emails": s.registry.outbox() }))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/admin/plugins", get(list).post(install))
        .route("/api/admin/plugins/{id}", axum::routing::patch(patch).delete(remove))
        .route("/api/admin/plugins/{id}/connect", post(connect))
        .route("/api/admin/plugins/{id}/disconnect", post(disconnect))
        .route("/api/admin/plugins/{id}/credentials/{name}", put(set_api_key))
        .route("/api/admin/plugins/{id}/access-requests", post(request_access))
        .route("/api/admin/plugins/{id}/access-requests/{rid}/resend", post(resend))
        .route("/api/admin/plugins/{id}/permissions", get(permissions))
        .route("/api/admin/plugins/{id}/permissions/{profile}", put(set_permissions))
        .route("/api/admin/profiles", get(profiles).post(create_profile))
        .route("/api/admin/agents", get(agents).post(create_agent))
        .route("/api/admin/agents/{id}", axum::routing::patch(update_agent).delete(delete_agent))
        .route("/api/admin/tokens", get(tokens).post(create_token))
        .route("/api/admin/tokens/{id}", axum::routing::delete(revoke_token))
        .route("/api/admin/outbox", get(outbox))
}
