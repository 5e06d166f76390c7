//! `/api/admin/plugins/{id}/sync/...`: sync settings and field mapping,
//! starting a run and its progress, pause / resume, the 7-day history and
//! the failure log with Try Again; and `/hooks/{plugin}`, where a CRM
//! posts its change notifications.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{Admin, ApiError, ApiResult, AppState};
use crate::contract::Notification;
use crate::desk::schema;
use crate::sync::mapping::{crm_type_name, desk_type_name};
use crate::sync::{SyncError, SyncModule, SyncSettings};

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        let status = match &e {
            SyncError::NotEnabled(_) => StatusCode::CONFLICT,
            SyncError::NotInstalled(_) => StatusCode::NOT_FOUND,
            SyncError::Paused => StatusCode::CONFLICT,
            SyncError::Mapping { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            SyncError::Plugin(_) => StatusCode::BAD_GATEWAY,
            SyncError::Desk(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

async fn overview(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let engine = s.sync.engine(&id)?;
    let store = engine.store();
    let modules: serde_json::Map<String, Value> = SyncModule::ALL
        .into_iter()
        .map(|m| (m.name().to_string(), json!({ "first_sync_done": store.first_sync_done(&id, m), "mapped": store.mapped_count(&id, m) })))
        .collect();
    Ok(Json(json!({
        "settings": engine.settings(),
        "progress": engine.progress(),
        "modules": modules,
        "failures": store.failures(&id).len(),
    })))
}

async fn save(
    State(s): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    Json(settings): Json<SyncSettings>,
) -> ApiResult<Json<Value>> {
    s.sync.engine(&id)?.set_settings(settings.clone()).await?;
    s.sync.trigger();
    Ok(Json(json!({ "settings": settings })))
}

#[derive(serde::Deserialize, Default)]
struct Refresh {
    /// Ask the CRM again instead of using what the desk learnt recently.
    #[serde(default)]
    refresh: bool,
}

/// The module a sync page asks about, and the enabled plugin to ask.
fn synced_module(s: &AppState, id: &str, module: &str) -> ApiResult<(SyncModule, std::sync::Arc<crate::Plugin>)> {
    let module = SyncModule::parse(module)
        .ok_or_else(|| ApiError::not_found(format!("`{module}` does not sync; use contacts, accounts or products")))?;
    let plugin = s.registry.plugin(id).ok_or_else(|| ApiError::new(StatusCode::CONFLICT, format!("plugin `{id}` is not enabled")))?;
    Ok((module, plugin))
}

/// Both sides' fields of a module, for the mapping editor.
async fn fields(
    State(s): State<AppState>,
    _admin: Admin,
    Path((id, module)): Path<(String, String)>,
    Query(q): Query<Refresh>,
) -> ApiResult<Json<Value>> {
    let (module, plugin) = synced_module(&s, &id, &module)?;
    let meta = s
        .sync
        .catalog()
        .fields(&plugin, module.module(), q.refresh)
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, e.to_string()))?;
    let crm: Vec<Value> = meta
        .iter()
        .map(|m| json!({"name": m.name, "label": m.label, "type": crm_type_name(m.field_type), "mandatory": m.mandatory, "read_only": m.read_only, "custom": m.custom}))
        .collect();
    let desk: Vec<Value> = schema::fields(module.kind())
        .iter()
        .map(|f| json!({"name": f.name, "type": desk_type_name(f.kind), "required": f.required}))
        .collect();
    Ok(Json(json!({ "crm": crm, "desk": desk })))
}

/// The CRM's list views of a module, for choosing which records sync.
async fn list_views(
    State(s): State<AppState>,
    _admin: Admin,
    Path((id, module)): Path<(String, String)>,
    Query(q): Query<Refresh>,
) -> ApiResult<Json<Value>> {
    let (module, plugin) = synced_module(&s, &id, &module)?;
    let views = s
        .sync
        .catalog()
        .list_views(&plugin, module.module(), q.refresh)
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, e.to_string()))?;
    let views: Vec<Value> = views.iter().map(|v| json!({"id": v.id, "name": v.name})).collect();
    Ok(Json(json!({ "list_views": views })))
}

/// Starts a run in the background; its progress is in the overview.
async fn run(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<(StatusCode, Json<Value>)> {
    let engine = s.sync.engine(&id)?;
    if engine.progress().running {
        return Ok((StatusCode::ACCEPTED, Json(json!({ "progress": engine.progress() }))));
    }
    let background = engine.clone();
    tokio::spawn(async move {
        if let Err(e) = background.run().await {
            tracing::warn!("sync run failed: {e}");
        }
    });
    Ok((StatusCode::ACCEPTED, Json(json!({ "progress": engine.progress() }))))
}

async fn set_paused(s: &AppState, id: &str, paused: bool) -> ApiResult<Json<Value>> {
    let settings = s.sync.engine(id)?.set_paused(paused).await?;
    if !paused {
        s.sync.trigger();
    }
    Ok(Json(json!({ "settings": settings })))
}

async fn pause(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    set_paused(&s, &id, true).await
}

async fn resume(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    set_paused(&s, &id, false).await
}

async fn history(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "entries": s.sync.engine(&id)?.store().history(&id) })))
}

async fn failures(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let failures: Vec<Value> = s
        .sync
        .engine(&id)?
        .store()
        .failures(&id)
        .into_iter()
        .map(|f| json!({"id": f.id, "at": f.at, "direction": f.direction, "module": f.module, "desk_id": f.desk_id, "crm_id": f.crm_id, "record": f.record, "reason": f.reason}))
        .collect();
    Ok(Json(json!({ "failures": failures })))
}

async fn retry(State(s): State<AppState>, _admin: Admin, Path((id, failure)): Path<(String, String)>) -> ApiResult<Json<Value>> {
    let synced = s.sync.engine(&id)?.retry(&failure).await?;
    Ok(Json(json!({ "synced": synced })))
}

/// Largest notification body a CRM may post.
pub const HOOK_BODY_LIMIT: usize = 64 * 1024;

/// A CRM's change notification. The caller is authenticated before any
/// plugin code runs: the token the desk gave the CRM at `watch` must come
/// back in the `X-Deskpane-Token` header or as the JSON body's top-level
/// `token` (where Zoho CRM echoes a channel's token), compared in constant
/// time. A query-string token is refused: URLs end up in logs.
async fn hook(
    State(s): State<AppState>,
    Path(plugin): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let refused = || ApiError::new(StatusCode::UNAUTHORIZED, "the notification carries no valid token");
    if uri.query().is_some_and(|q| q.split('&').any(|pair| pair.split('=').next() == Some("token"))) {
        return Err(ApiError::bad_request("send the notification token in the X-Deskpane-Token header or the JSON body, not in the URL"));
    }
    let (Some(p), Some(expected)) = (s.registry.plugin(&plugin), s.sync.hook_token(&plugin)) else {
        return Err(ApiError::not_found("no notifications are expected here"));
    };
    let given =
        headers.get("x-deskpane-token").and_then(|v| v.to_str().ok()).map(str::to_string).or_else(|| {
            serde_json::from_slice::<Value>(&body).ok().and_then(|v| v.get("token").and_then(Value::as_str).map(str::to_string))
        });
    if !given.is_some_and(|g| crate::auth::constant_time_eq(g.as_bytes(), expected.as_bytes())) {
        return Err(refused());
    }
    let notification = Notification {
        headers: headers.iter().map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect(),
        body: body.to_vec(),
    };
    let notified = p.parse_notification(&notification).await.map_err(|e| {
        tracing::warn!(plugin = %plugin, "a notification could not be read: {e}");
        ApiError::bad_request("the notification could not be read")
    })?;
    // The plugin's reading of the token, when it gives one, must agree.
    if notified.token.is_some_and(|t| !crate::auth::constant_time_eq(t.as_bytes(), expected.as_bytes())) {
        return Err(refused());
    }
    s.sync.trigger();
    Ok(StatusCode::NO_CONTENT)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/admin/plugins/{id}/sync", get(overview).put(save))
        .route("/api/admin/plugins/{id}/sync/fields/{module}", get(fields))
        .route("/api/admin/plugins/{id}/sync/list-views/{module}", get(list_views))
        .route("/api/admin/plugins/{id}/sync/run", post(run))
        .route("/api/admin/plugins/{id}/sync/pause", post(pause))
        .route("/api/admin/plugins/{id}/sync/resume", post(resume))
        .route("/api/admin/plugins/{id}/sync/history", get(history))
        .route("/api/admin/plugins/{id}/sync/failures", get(failures))
        .route("/api/admin/plugins/{id}/sync/failures/{failure}/retry", post(retry))
        .route("/hooks/{plugin}", post(hook).layer(axum::extract::DefaultBodyLimit::max(HOOK_BODY_LIMIT)))
}
