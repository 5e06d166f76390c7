//! `/api/tickets/{id}/panels`: the CRM panels an agent may see, section by
//! section, with permissions checked before any plugin is called.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ApiError, ApiResult, AppState};
use crate::auth::Agent;
use crate::desk::Kind;
use crate::panels::PanelError;
use crate::permissions::Section;

async fn list(State(s): State<AppState>, agent: Agent, Path(ticket): Path<String>) -> ApiResult<Json<Value>> {
    if s.desk.get(Kind::Ticket, &ticket).is_none() {
        return Err(ApiError::not_found(format!("no ticket with id {ticket}")));
    }
    let panels: Vec<Value> = s
        .registry
        .enabled()
        .into_iter()
        .filter_map(|(id, plugin)| {
            let permissions = s.registry.permissions(&id, &agent.profile);
            let sections = permissions.sections();
            (permissions.visible && !sections.is_empty()).then(|| {
                json!({
                    "plugin": id,
                    "name": plugin.manifest().name,
                    "sections": sections.iter().map(|s| s.name()).collect::<Vec<_>>(),
                    "show": permissions.show,
                })
            })
        })
        .collect();
    Ok(Json(json!({ "panels": panels })))
}

#[derive(Deserialize)]
struct SectionQuery {
    refresh: Option<String>,
}

async fn section(
    State(s): State<AppState>,
    agent: Agent,
    Path((ticket, plugin, section)): Path<(String, String, String)>,
    Query(q): Query<SectionQuery>,
) -> ApiResult<Json<Value>> {
    let section = Section::parse(&section)
        .ok_or_else(|| ApiError::not_found(format!("`{section}` is not a panel section; use profile, potentials, notes or activities")))?;
    let permissions = s.registry.permissions(&plugin, &agent.profile);
    let refresh = q.refresh.is_some_and(|r| r != "0" && r != "false");
    match s.panels.section(&plugin, &ticket, &permissions, section, refresh).await {
        Ok(data) => Ok(Json(data)),
        Err(e) => Err(match &e {
            PanelError::Hidden | PanelError::Restricted(_) => ApiError::forbidden(e.to_string()),
            PanelError::NoPlugin(_) | PanelError::NoTicket(_) => ApiError::not_found(e.to_string()),
            PanelError::Plugin(_) => ApiError::new(StatusCode::BAD_GATEWAY, e.to_string()),
        }),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/tickets/{id}/panels", get(list)).route("/api/tickets/{id}/panels/{plugin}/{section}", get(section))
}
