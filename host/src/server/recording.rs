//! Contact-centre recording: `/api/admin/plugins/{id}/recording` (the
//! configuration, the log of what each conversation recorded, Try Again)
//! for Administrators, and `/api/tickets/{id}/record` (manual creation from
//! the sidebar) for agents.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Admin, ApiError, ApiResult, AppState};
use crate::auth::Agent;
use crate::contract::ActionKind;
use crate::recording::{Entry, RecordingError, RecordingSettings};

impl From<RecordingError> for ApiError {
    fn from(e: RecordingError) -> Self {
        match &e {
            RecordingError::NotContactCentre(_) => ApiError::not_found(e.to_string()),
            RecordingError::NoCrm | RecordingError::Unmapped { .. } => ApiError::new(StatusCode::CONFLICT, e.to_string()),
            RecordingError::Invalid(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
            RecordingError::Crm(_) | RecordingError::ContactCentre(_) => ApiError::new(StatusCode::BAD_GATEWAY, e.to_string()),
            RecordingError::Desk(_) => ApiError::internal(&e),
        }
    }
}

/// A contact centre's recording configuration, and what it can choose from.
#[derive(Serialize, ToSchema)]
struct RecordingView {
    settings: RecordingSettings,
    /// The enabled CRM plugins records can go to.
    crms: Vec<String>,
    /// Events received and not yet applied.
    queued: usize,
}

fn view(s: &AppState, id: &str) -> ApiResult<RecordingView> {
    if !s.recorder.is_contact_centre(id) {
        return Err(RecordingError::NotContactCentre(id.into()).into());
    }
    let mut crms: Vec<String> = s.registry.enabled().into_iter().map(|(p, _)| p).filter(|p| !s.recorder.is_contact_centre(p)).collect();
    crms.sort();
    Ok(RecordingView { settings: s.recorder.settings(id), crms, queued: s.recorder.store().queued(id) })
}

/// The recording configuration of a contact-centre plugin.
#[utoipa::path(get, path = "/api/admin/plugins/{id}/recording", tag = "recording", params(("id" = String, Path)),
    responses((status = 200, body = RecordingView), (status = 404, description = "Not a contact-centre plugin")))]
async fn settings(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<RecordingView>> {
    Ok(Json(view(&s, &id)?))
}

/// Saves the recording configuration; the contact centre is asked to notify the desk.
#[utoipa::path(put, path = "/api/admin/plugins/{id}/recording", tag = "recording", params(("id" = String, Path)),
    request_body = RecordingSettings, responses((status = 200, body = RecordingView), (status = 404), (status = 422)))]
async fn save(
    State(s): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    Json(settings): Json<RecordingSettings>,
) -> ApiResult<Json<RecordingView>> {
    s.recorder.set_settings(&id, settings).await?;
    Ok(Json(view(&s, &id)?))
}

#[derive(Serialize, ToSchema)]
struct Log {
    /// Newest first.
    entries: Vec<Entry>,
}

/// What each conversation recorded, or why it failed.
#[utoipa::path(get, path = "/api/admin/plugins/{id}/recording/log", tag = "recording", params(("id" = String, Path)),
    responses((status = 200, body = Log), (status = 404)))]
async fn log(State(s): State<AppState>, _admin: Admin, Path(id): Path<String>) -> ApiResult<Json<Log>> {
    view(&s, &id)?;
    Ok(Json(Log { entries: s.recorder.log(&id) }))
}

/// Try Again: records a conversation once more from its last known state.
#[utoipa::path(post, path = "/api/admin/plugins/{id}/recording/log/{conversation}/retry", tag = "recording",
    params(("id" = String, Path), ("conversation" = String, Path)),
    responses((status = 200, body = Entry), (status = 422, description = "Unknown conversation"), (status = 502, description = "The CRM failed again")))]
async fn retry(State(s): State<AppState>, _admin: Admin, Path((id, conversation)): Path<(String, String)>) -> ApiResult<Json<Entry>> {
    Ok(Json(s.recorder.retry(&id, &conversation).await?))
}

/// What a ticket's conversation recorded, for the sidebar.
#[derive(Serialize, ToSchema)]
struct TicketRecording {
    /// The contact-centre plugin the ticket came from.
    plugin: String,
    entry: Entry,
    /// Agents create records from the sidebar (manual mode).
    manual: bool,
}

/// The conversation behind a ticket and what it recorded; 404 for a ticket
/// that did not come from a contact centre.
#[utoipa::path(get, path = "/api/tickets/{id}/record", tag = "recording", params(("id" = String, Path)),
    responses((status = 200, body = TicketRecording), (status = 404)))]
async fn ticket_recording(State(s): State<AppState>, _agent: Agent, Path(ticket): Path<String>) -> ApiResult<Json<TicketRecording>> {
    let not_from_chat = || ApiError::not_found(format!("ticket {ticket} did not come from a contact-centre conversation"));
    let (plugin, conversation) = s.recorder.store().ticket_conversation(&ticket).ok_or_else(not_from_chat)?;
    let entry = s.recorder.store().entry(&plugin, &conversation).ok_or_else(not_from_chat)?;
    let manual = s.recorder.settings(&plugin).mode == crate::recording::rules::Mode::Manually;
    Ok(Json(TicketRecording { plugin, entry, manual }))
}

/// What an agent creates from the sidebar: `create-lead`, ...
#[derive(Deserialize, ToSchema, Clone, Copy)]
enum CreateKind {
    #[serde(rename = "create-lead")]
    Lead,
    #[serde(rename = "create-contact")]
    Contact,
    #[serde(rename = "create-case")]
    Case,
    #[serde(rename = "create-task")]
    Task,
}

#[derive(Deserialize, ToSchema)]
struct CreateBody {
    kind: CreateKind,
}

#[derive(Serialize, ToSchema)]
struct Created {
    /// The CRM record created.
    #[schema(value_type = Object)]
    record: crate::contract::RecordRef,
}

/// Creates a lead, contact, case or task in the CRM for the ticket's
/// conversation, with the recording field tables and owner rule.
#[utoipa::path(post, path = "/api/tickets/{id}/record", tag = "recording", params(("id" = String, Path)), request_body = CreateBody,
    responses((status = 201, body = Created), (status = 404), (status = 409, description = "No CRM connected"), (status = 502)))]
async fn create(
    State(s): State<AppState>,
    _agent: Agent,
    Path(ticket): Path<String>,
    Json(body): Json<CreateBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    if s.recorder.store().ticket_conversation(&ticket).is_none() {
        return Err(ApiError::not_found(format!("ticket {ticket} did not come from a contact-centre conversation")));
    }
    let kind = match body.kind {
        CreateKind::Lead => ActionKind::CreateLead,
        CreateKind::Contact => ActionKind::CreateContact,
        CreateKind::Case => ActionKind::CreateCase,
        CreateKind::Task => ActionKind::CreateTask,
    };
    let record = s.recorder.create_manually(&ticket, kind).await?;
    Ok((StatusCode::CREATED, Json(Created { record })))
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(settings, save))
        .routes(routes!(log))
        .routes(routes!(retry))
        .routes(routes!(ticket_recording, create))
}
