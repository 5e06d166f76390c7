//! `/api/admin/plugins/{id}/sync/...`: sync settings and field mapping,
//! starting a run and its progress, pause / resume, the 7-day history and
//! the failure log with Try Again; and `/hooks/{plugin}`, where a CRM
//! posts its change notifications.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::{Admin, ApiError, ApiResult, AppState};
use crate::contract::{ListView, Notification};
use crate::desk::schema;
use crate::sync::mapping::{crm_type_name, desk_type_name};
use crate::sync::{HistoryEntry, Progress, SyncError, SyncModule, SyncSettings};
use crate::CallError;

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        let status = match &e {
            SyncError::NotEnabled(_) => StatusCode::CONFLICT,
            SyncError::NotInstalled(_) => StatusCode::NOT_FOUND,
            SyncError::Paused | SyncError::LeaseLost => StatusCode::CONFLICT,
            SyncError::Mapping { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            SyncError::Plugin(_) => StatusCode::BAD_GATEWAY,
            SyncError::Desk(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

/// How far one module has synced.
#[derive(Serialize, ToSchema)]
struct ModuleState {
    first_sync_done: bool,
    /// Records linked between desk and CRM.
    mapped: usize,
}

/// A plugin's sync at a glance.
#[derive(Serialize, ToSchema)]
struct Overview {
    settings: SyncSettings,
    progress: Progress,
    /// By module: contacts, accounts, products.
    modules: BTreeMap<String, ModuleState>,
    /// Records in the failure log.
    failures: usize,
}

/// Sync settings, progress and counts.
#[utoipa::path(get, path = "/api/admin/plugins/{id}/sync", tag = "sync", params(("id" = String, Path)),
    responses((status = 200, body = Overview), (status = 404), (status = 409, description = "The plugin does not sync")))]
async fn overview(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<Overview>> {
    let engine = s.sync.engine(&id)?;
    let store = engine.store();
    let modules = SyncModule::ALL
        .into_iter()
        .map(|m| (m.name().to_string(), ModuleState { first_sync_done: store.first_sync_done(&id, m), mapped: store.mapped_count(&id, m) }))
        .collect();
    Ok(Json(Overview { settings: engine.settings(), progress: engine.progress(), modules, failures: store.failures(&id).len() }))
}

#[derive(Serialize, ToSchema)]
struct Saved {
    settings: SyncSettings,
}

/// Saves the sync settings and field mapping (checked before saving).
#[utoipa::path(put, path = "/api/admin/plugins/{id}/sync", tag = "sync", params(("id" = String, Path)), request_body = SyncSettings,
    responses((status = 200, body = Saved), (status = 422, description = "The field mapping is not valid"),
        (status = 502, description = "The CRM did not answer (the mapping is checked against its fields)")))]
async fn save(
    State(s): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    Json(settings): Json<SyncSettings>,
) -> ApiResult<Json<Saved>> {
    // The mapping is checked against the CRM's fields: when the CRM does
    // not answer, the admin reads why in words (the cause in `details`).
    s.sync.engine(&id)?.set_settings(settings.clone()).await.map_err(|e| match e {
        SyncError::Plugin(call) => crm_unanswered(&s, &id, Some(&call)),
        e => ApiError::from(e),
    })?;
    s.sync.trigger();
    Ok(Json(Saved { settings }))
}

#[derive(Deserialize, Default, IntoParams)]
struct Refresh {
    /// Ask the CRM again instead of using what the desk learnt recently.
    #[serde(default)]
    refresh: bool,
}

/// The module a sync page asks about, and the enabled plugin to ask.
fn synced_module(s: &AppState, id: &str, module: &str) -> ApiResult<(SyncModule, std::sync::Arc<crate::Plugin>)> {
    let module = SyncModule::parse(module)
        .ok_or_else(|| ApiError::not_found(format!("`{module}` does not sync; use contacts, accounts or products")))?;
    Ok((module, enabled_plugin(s, id)?))
}

fn enabled_plugin(s: &AppState, id: &str) -> ApiResult<std::sync::Arc<crate::Plugin>> {
    s.registry.plugin(id).ok_or_else(|| ApiError::new(StatusCode::CONFLICT, format!("plugin `{id}` is not enabled")))
}

/// How long the sync page's requests wait for the CRM's fields or list
/// views. The call goes on in the background and fills the catalog for the
/// next look; the page is never held up by a CRM that does not answer.
pub const CRM_WAIT: Duration = Duration::from_secs(4);

/// Asks the CRM (through the catalog) in a task of its own, waiting at
/// most [`CRM_WAIT`]; `Err(None)` when it did not answer in time.
async fn within_wait<T: Send + 'static>(
    ask: impl std::future::Future<Output = Result<T, CallError>> + Send + 'static,
) -> Result<T, Option<CallError>> {
    match tokio::time::timeout(CRM_WAIT, tokio::spawn(ask)).await {
        Ok(Ok(answer)) => answer.map_err(Some),
        // Timed out, or the task failed: either way, no answer.
        Ok(Err(_)) | Err(_) => Err(None),
    }
}

/// The CRM did not answer the sync page: a sentence for the admin (what
/// happened, what to do, a log reference), and the cause as `details`.
fn crm_unanswered(s: &AppState, plugin: &str, e: Option<&CallError>) -> ApiError {
    use crate::contract::ConnectorError as C;
    use crate::CallErrorKind as K;
    let crm = s.registry.manifest(plugin).map(|m| m.name).unwrap_or_else(|| plugin.to_string());
    let reference = crate::secrets::random_hex(4);
    let not_answering = format!("{crm} is not answering right now. Try again in a minute. (reference {reference})");
    let (sentence, cause) = match e {
        Some(e) => match &e.kind {
            K::Connector(C::Transient(_)) | K::Timeout(_) | K::Busy(..) => (not_answering, e.to_string()),
            _ => (crate::panels::agent_sentence(&crm, e, &reference), e.to_string()),
        },
        None => (not_answering, format!("no answer within {} seconds", CRM_WAIT.as_secs())),
    };
    tracing::warn!(plugin, reference, "the sync page's CRM call failed: {cause}");
    ApiError::new(StatusCode::BAD_GATEWAY, sentence).with_details(cause)
}

/// A CRM field, for the mapping editor.
#[derive(Serialize, ToSchema)]
struct CrmField {
    name: String,
    label: String,
    /// The type's name as admins read it ("Text", "Email", "Lookup", ...).
    #[serde(rename = "type")]
    kind: &'static str,
    mandatory: bool,
    read_only: bool,
    custom: bool,
}

/// A desk field, for the mapping editor.
#[derive(Serialize, ToSchema)]
struct DeskField {
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    required: bool,
}

#[derive(Serialize, ToSchema)]
struct Fields {
    crm: Vec<CrmField>,
    desk: Vec<DeskField>,
}

/// Both sides' fields of a module, for the mapping editor.
#[utoipa::path(get, path = "/api/admin/plugins/{id}/sync/fields/{module}", tag = "sync",
    params(("id" = String, Path), ("module" = SyncModule, Path), Refresh),
    responses((status = 200, body = Fields), (status = 404), (status = 502, description = "The CRM did not answer")))]
async fn fields(
    State(s): State<AppState>,
    _admin: Admin,
    Path((id, module)): Path<(String, String)>,
    Query(q): Query<Refresh>,
) -> ApiResult<Json<Fields>> {
    // Leads do not sync, but their fields are named in the plugin's
    // settings (which lead fields the profile shows): the CRM side only.
    let (module, plugin) = match module.as_str() {
        "leads" => (None, enabled_plugin(&s, &id)?),
        _ => synced_module(&s, &id, &module).map(|(m, p)| (Some(m), p))?,
    };
    let (sync, crm_module) = (s.sync.clone(), module.map_or(crate::contract::Module::Leads, SyncModule::module));
    let meta = within_wait(async move { sync.catalog().fields(&plugin, crm_module, q.refresh).await })
        .await
        .map_err(|e| crm_unanswered(&s, &id, e.as_ref()))?;
    let crm = meta
        .iter()
        .map(|m| CrmField {
            name: m.name.clone(),
            label: m.label.clone(),
            kind: crm_type_name(m.field_type),
            mandatory: m.mandatory,
            read_only: m.read_only,
            custom: m.custom,
        })
        .collect();
    let desk = module
        .map(|m| {
            schema::fields(m.kind())
                .iter()
                .map(|f| DeskField { name: f.name, kind: desk_type_name(f.kind), required: f.required })
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(Fields { crm, desk }))
}

#[derive(Serialize, ToSchema)]
struct ListViewView {
    id: String,
    name: String,
}

impl From<&ListView> for ListViewView {
    fn from(v: &ListView) -> Self {
        ListViewView { id: v.id.clone(), name: v.name.clone() }
    }
}

#[derive(Serialize, ToSchema)]
struct ListViews {
    list_views: Vec<ListViewView>,
    /// The CRM did not answer just now: these are the views it last
    /// listed, at this time (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    stale_since: Option<String>,
    /// Why the list is not fresh, as a sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<String>,
    /// The technical cause of the failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<String>,
}

/// The CRM's list views of a module, for choosing which records sync. When
/// the CRM does not answer within a few seconds, the views it last listed
/// (kept by the desk) come back marked stale; with none kept, 502.
#[utoipa::path(get, path = "/api/admin/plugins/{id}/sync/list-views/{module}", tag = "sync",
    params(("id" = String, Path), ("module" = SyncModule, Path), Refresh),
    responses((status = 200, body = ListViews), (status = 404),
        (status = 502, description = "The CRM did not answer, and the desk knows no list views of it")))]
async fn list_views(
    State(s): State<AppState>,
    _admin: Admin,
    Path((id, module_name)): Path<(String, String)>,
    Query(q): Query<Refresh>,
) -> ApiResult<Json<ListViews>> {
    let (module, plugin) = synced_module(&s, &id, &module_name)?;
    let store = s.sync.engine(&id)?.store().clone();
    let (sync, crm_module) = (s.sync.clone(), module.module());
    match within_wait(async move { sync.catalog().list_views(&plugin, crm_module, q.refresh).await }).await {
        Ok(views) => {
            if let Err(e) = store.set_last_list_views(&id, module, &views) {
                tracing::warn!(plugin = %id, "the list views could not be kept: {e}");
            }
            Ok(Json(ListViews {
                list_views: views.iter().map(ListViewView::from).collect(),
                stale_since: None,
                notice: None,
                details: None,
            }))
        }
        Err(e) => {
            let error = crm_unanswered(&s, &id, e.as_ref());
            let Some((at, views)) = store.last_list_views(&id, module) else { return Err(error) };
            Ok(Json(ListViews {
                list_views: views.iter().map(ListViewView::from).collect(),
                stale_since: Some(at),
                notice: Some(error.message),
                details: error.details,
            }))
        }
    }
}

#[derive(Serialize, ToSchema)]
struct Running {
    progress: Progress,
}

/// Starts a run in the background; its progress is in the overview.
#[utoipa::path(post, path = "/api/admin/plugins/{id}/sync/run", tag = "sync", params(("id" = String, Path)),
    responses((status = 202, body = Running), (status = 409, description = "Sync is paused or not set up")))]
async fn run(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<(StatusCode, Json<Running>)> {
    let engine = s.sync.engine(&id)?;
    if !engine.progress().running {
        let background = engine.clone();
        tokio::spawn(async move {
            if let Err(e) = background.run().await {
                tracing::warn!("sync run failed: {e}");
            }
        });
    }
    Ok((StatusCode::ACCEPTED, Json(Running { progress: engine.progress() })))
}

async fn set_paused(s: &AppState, id: &str, paused: bool) -> ApiResult<Json<Saved>> {
    let settings = s.sync.engine(id)?.set_paused(paused).await?;
    if !paused {
        s.sync.trigger();
    }
    Ok(Json(Saved { settings }))
}

/// Pauses sync: nothing is read or written until it resumes.
#[utoipa::path(post, path = "/api/admin/plugins/{id}/sync/pause", tag = "sync", params(("id" = String, Path)), responses((status = 200, body = Saved)))]
async fn pause(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<Saved>> {
    set_paused(&s, &id, true).await
}

/// Resumes sync where it stopped.
#[utoipa::path(post, path = "/api/admin/plugins/{id}/sync/resume", tag = "sync", params(("id" = String, Path)), responses((status = 200, body = Saved)))]
async fn resume(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<Saved>> {
    set_paused(&s, &id, false).await
}

#[derive(Serialize, ToSchema)]
struct History {
    entries: Vec<HistoryEntry>,
}

/// The last 7 days of sync history.
#[utoipa::path(get, path = "/api/admin/plugins/{id}/sync/history", tag = "sync", params(("id" = String, Path)), responses((status = 200, body = History)))]
async fn history(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<History>> {
    Ok(Json(History { entries: s.sync.engine(&id)?.store().history(&id) }))
}

/// A record that could not be synced, as the failure log shows it.
#[derive(Serialize, ToSchema)]
struct FailureView {
    id: String,
    at: String,
    direction: crate::sync::Flow,
    module: SyncModule,
    desk_id: Option<String>,
    crm_id: Option<String>,
    /// A name to recognise the record by.
    record: String,
    /// The seeds' message, e.g. "Mandatory Field Missing".
    reason: String,
}

#[derive(Serialize, ToSchema)]
struct Failures {
    failures: Vec<FailureView>,
}

/// The failure log.
#[utoipa::path(get, path = "/api/admin/plugins/{id}/sync/failures", tag = "sync", params(("id" = String, Path)), responses((status = 200, body = Failures)))]
async fn failures(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<Failures>> {
    let failures = s
        .sync
        .engine(&id)?
        .store()
        .failures(&id)
        .into_iter()
        .map(|f| FailureView {
            id: f.id,
            at: f.at,
            direction: f.direction,
            module: f.module,
            desk_id: f.desk_id,
            crm_id: f.crm_id,
            record: f.record,
            reason: f.reason,
        })
        .collect();
    Ok(Json(Failures { failures }))
}

#[derive(Serialize, ToSchema)]
struct Retried {
    /// The record synced this time (else it stays in the log with the new reason).
    synced: bool,
}

/// Try Again: syncs a failed record once more.
#[utoipa::path(post, path = "/api/admin/plugins/{id}/sync/failures/{failure}/retry", tag = "sync",
    params(("id" = String, Path), ("failure" = String, Path)), responses((status = 200, body = Retried), (status = 404)))]
async fn retry(State(s): State<AppState>, _admin: Admin, Path((id, failure)): Path<(String, String)>) -> ApiResult<Json<Retried>> {
    let synced = s.sync.engine(&id)?.retry(&failure).await?;
    Ok(Json(Retried { synced }))
}

/// Largest notification body a CRM may post.
/// (A contact centre's chat-ended event carries the whole transcript.)
pub const HOOK_BODY_LIMIT: usize = 1024 * 1024;

/// A CRM's change notification. The caller is authenticated before any
/// plugin code runs: the token the desk gave the CRM at `watch` must come
/// back in the `X-Deskpane-Token` header or as the JSON body's top-level
/// `token` (where Zoho CRM echoes a channel's token), compared in constant
/// time; a CRM that signs its notifications instead (CloudCX) must sign
/// the body with it, within the replay window. A query-string token is
/// refused: URLs end up in logs. Contact-centre conversations go to
/// recording, everything else starts a sync.
#[utoipa::path(post, path = "/hooks/{plugin}", tag = "sync", security(()),
    params(("plugin" = String, Path), ("X-Deskpane-Token" = Option<String>, Header, description = "The token given to the CRM at watch")),
    request_body(content = Vec<u8>, description = "The CRM's notification, as it sends it (at most 1 MiB)", content_type = "application/octet-stream"),
    responses((status = 204, description = "Accepted; a sync run follows"), (status = 400), (status = 401, description = "No valid token"),
        (status = 404, description = "No notifications are expected for this plugin")))]
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
    // The headers as the contract passes them, read once for the signature
    // check and the plugin.
    let pairs: Vec<(String, String)> =
        headers.iter().map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
    // A CRM that signs its notifications (manifest `[notifications]`)
    // proves them with an HMAC keyed by the token; the others echo it.
    let genuine = match p.manifest().notifications.as_ref() {
        Some(spec) => {
            let now = chrono::Utc::now().timestamp();
            spec.verify(&pairs, &body, &expected, now)
                .inspect_err(|e| tracing::warn!(plugin = %plugin, "notification refused: {e}"))
                .is_ok()
        }
        None => {
            let given = headers.get("x-deskpane-token").and_then(|v| v.to_str().ok()).map(str::to_string).or_else(|| {
                serde_json::from_slice::<Value>(&body).ok().and_then(|v| v.get("token").and_then(Value::as_str).map(str::to_string))
            });
            given.is_some_and(|g| crate::auth::constant_time_eq(g.as_bytes(), expected.as_bytes()))
        }
    };
    if !genuine {
        return Err(refused());
    }
    let notification = Notification { headers: pairs, body: body.to_vec() };
    let notified = p.parse_notification(&notification).await.map_err(|e| {
        tracing::warn!(plugin = %plugin, "a notification could not be read: {e}");
        ApiError::bad_request("the notification could not be read")
    })?;
    // The plugin's reading of the token, when it gives one, must agree.
    if notified.token.is_some_and(|t| !crate::auth::constant_time_eq(t.as_bytes(), expected.as_bytes())) {
        return Err(refused());
    }
    if notified.module == crate::contract::Module::Chats {
        // Conversations to record: queued durably before the answer, so
        // an acknowledged event is never lost.
        s.recorder.enqueue(&plugin, &notified.changes).map_err(|e| ApiError::internal(&e))?;
    } else {
        s.sync.trigger();
    }
    Ok(StatusCode::NO_CONTENT)
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview, save))
        .routes(routes!(fields))
        .routes(routes!(list_views))
        .routes(routes!(run))
        .routes(routes!(pause))
        .routes(routes!(resume))
        .routes(routes!(history))
        .routes(routes!(failures))
        .routes(routes!(retry))
        .routes(routes!(hook).layer(axum::extract::DefaultBodyLimit::max(HOOK_BODY_LIMIT)))
}
