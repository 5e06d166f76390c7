//! `/api/admin/plugins/{id}/sync/...`: sync settings and field mapping,
//! starting a run and its progress, pause / resume, the 7-day history and
//! the failure log with Try Again; and `/hooks/{plugin}`, where a CRM
//! posts its change notifications.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
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
            SyncError::Mapping { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            SyncError::Plugin(_) => StatusCode::BAD_GATEWAY,
            SyncError::Desk(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

fn installed(s: &AppState, id: &str) -> ApiResult<()> {
    s.registry.installation(id)?;
    Ok(())
}

async fn overview(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    installed(&s, &id)?;
    let engine = s.sync.engine(&id);
    let store = engine.store();
    let modules: serde_json::Map<String, Value> = SyncModule::ALL
        .into_iter()
        .map(|m| {
            (
                m.name().to_string(),
                json!({ "first_sync_done": store.first_sync_done(&id, m), "mapped": store.mapped_count(&id, m) }),
            )
        })
        .collect();
    Ok(Json(json!({
        "settings": engine.settings(),
        "progress": engine.progress(),
        "modules": modules,
        "failures": store.failures(&id).len(),
    })))
}

async fn save(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>, Json(settings): Json<SyncSettings>) -> ApiResult<Json<Value>> {
    installed(&s, &id)?;
    s.sync.engine(&id).set_settings(settings.clone()).await?;
    s.sync.trigger();
    Ok(Json(json!({ "settings": settings })))
}

/// Both sides' fields of a module, for the mapping editor.
async fn fields(State(s): State<AppState>, _admin: Admin, Path((id, module)): Path<(String, String)>) -> ApiResult<Json<Value>> {
    let module = SyncModule::parse(&module).ok_or_else(|| ApiError::not_found(format!("`{module}` does not sync; use contacts, accounts or products")))?;
    let plugin = s.registry.plugin(&id).ok_or_else(|| ApiError::new(StatusCode::CONFLICT, format!("plugin `{id}` is not enabled")))?;
    let meta = crate::sync::engine::with_retry(|| plugin.describe_module(module.module())).await.map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, e.to_string()))?;
    let crm: Vec<Value> = meta
        .iter()
        .map(|m| json!({"name": m.name, "label": m.label, "type": crm_type_name(m.field_type), "mandatory": m.mandatory, "read_only": m.read_only, "custom": m.custom}))
        .collect();
    let desk: Vec<Value> = schema::fields(module.kind()).iter().map(|f| json!({"name": f.name, "type": desk_type_name(f.kind), "required": f.required})).collect();
    Ok(Json(json!({ "crm": crm, "desk": desk })))
}

/// The CRM's list views of a module, for choosing which records sync.
async fn list_views(State(s): State<AppState>, _admin: Admin, Path((id, module)): Path<(String, String)>) -> ApiResult<Json<Value>> {
    let module = SyncModule::parse(&module).ok_or_else(|| ApiError::not_found(format!("`{module}` does not sync; use contacts, accounts or products")))?;
    let plugin = s.registry.plugin(&id).ok_or_else(|| ApiError::new(StatusCode::CONFLICT, format!("plugin `{id}` is not enabled")))?;
    let views = crate::sync::engine::with_retry(|| plugin.list_views(module.module())).await.map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, e.to_string()))?;
    let views: Vec<Value> = views.iter().map(|v| json!({"id": v.id, "name": v.name})).collect();
    Ok(Json(json!({ "list_views": views })))
}

/// Starts a run in the background; its progress is in the overview.
async fn run(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<(StatusCode, Json<Value>)> {
    installed(&s, &id)?;
    let engine = s.sync.engine(&id);
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
    installed(s, id)?;
    let engine = s.sync.engine(id);
    let mut settings = engine.settings();
    settings.paused = paused;
    engine.set_settings(settings.clone()).await?;
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
    installed(&s, &id)?;
    Ok(Json(json!({ "entries": s.sync.engine(&id).store().history(&id) })))
}

async fn failures(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    installed(&s, &id)?;
    let failures: Vec<Value> = s
        .sync
        .engine(&id)
        .store()
        .failures(&id)
        .into_iter()
        .map(|f| json!({"id": f.id, "at": f.at, "direction": f.direction, "module": f.module, "desk_id": f.desk_id, "crm_id": f.crm_id, "record": f.record, "reason": f.reason}))
        .collect();
    Ok(Json(json!({ "failures": failures })))
}

async fn retry(State(s): State<AppState>, _admin: Admin, Path((id, failure)): Path<(String, String)>) -> ApiResult<Json<Value>> {
    installed(&s, &id)?;
    let synced = s.sync.engine(&id).retry(&failure).await?;
    Ok(Json(json!({ "synced": synced })))
}

#[derive(Deserialize)]
struct HookQuery {
    token: Option<String>,
}

/// A CRM's change notification. Checked by the token given at `watch`,
/// then turned into a sync run.
async fn hook(State(s): State<AppState>, Path(plugin): Path<String>, Query(q): Query<HookQuery>, headers: HeaderMap, body: Bytes) -> ApiResult<StatusCode> {
    let engine = s.sync.engine(&plugin);
    let expected = engine.store().hook_token(&plugin).ok_or_else(|| ApiError::not_found("no notifications are expected for this plugin"))?;
    let p = s.registry.plugin(&plugin).ok_or_else(|| ApiError::not_found(format!("plugin `{plugin}` is not enabled")))?;
    let notification = Notification {
        headers: headers.iter().map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect(),
        body: body.to_vec(),
    };
    let notified = p.parse_notification(&notification).await.map_err(|e| ApiError::bad_request(e.to_string()))?;
    if notified.token.as_deref().or(q.token.as_deref()) != Some(expected.as_str()) {
        return Err(ApiError::forbidden("the notification's token does not match"));
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
        .route("/hooks/{plugin}", post(hook))
}
