//! `/api/{kind}`: desk records, the recycle bin, the change log, and the
//! ticket list with the CRM's customer types (Handshake Mode).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{Admin, ApiError, ApiResult, AppState};
use crate::auth::Agent;
use crate::desk::{Kind, Record};

fn kind_of(name: &str) -> ApiResult<Kind> {
    Kind::from_plural(name).ok_or_else(|| {
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.plural()).collect();
        ApiError::not_found(format!("`{name}` is not a kind of desk record; use one of {}", known.join(", ")))
    })
}

/// Products are the catalogue, managed by Administrators.
fn may_write(agent: &Agent, kind: Kind) -> ApiResult<()> {
    if kind == Kind::Product && !agent.is_admin() {
        return Err(ApiError::forbidden("only Administrators may change products"));
    }
    Ok(())
}

fn origin(agent: &Agent) -> String {
    format!("agent:{}", agent.id)
}

#[derive(Deserialize)]
struct Body {
    fields: Map<String, Value>,
}

async fn list(State(s): State<AppState>, _agent: Agent, Path(kind): Path<String>) -> ApiResult<Json<Value>> {
    let kind = kind_of(&kind)?;
    Ok(Json(json!({ "records": s.desk.list(kind) })))
}

async fn create(
    State(s): State<AppState>,
    agent: Agent,
    Path(kind): Path<String>,
    Json(body): Json<Body>,
) -> ApiResult<(StatusCode, Json<Record>)> {
    let kind = kind_of(&kind)?;
    may_write(&agent, kind)?;
    let record = s.desk.create(kind, body.fields, &origin(&agent))?;
    s.sync.trigger();
    Ok((StatusCode::CREATED, Json(record)))
}

async fn read(State(s): State<AppState>, _agent: Agent, Path((kind, id)): Path<(String, String)>) -> ApiResult<Json<Record>> {
    let kind = kind_of(&kind)?;
    s.desk.get(kind, &id).map(Json).ok_or_else(|| ApiError::not_found(format!("no {} with id {id}", kind.singular())))
}

async fn update(
    State(s): State<AppState>,
    agent: Agent,
    Path((kind, id)): Path<(String, String)>,
    Json(body): Json<Body>,
) -> ApiResult<Json<Record>> {
    let kind = kind_of(&kind)?;
    may_write(&agent, kind)?;
    let record = s.desk.update(kind, &id, body.fields, &origin(&agent))?;
    s.sync.trigger();
    Ok(Json(record))
}

async fn remove(State(s): State<AppState>, agent: Agent, Path((kind, id)): Path<(String, String)>) -> ApiResult<Json<Value>> {
    let kind = kind_of(&kind)?;
    may_write(&agent, kind)?;
    let entry = s.desk.delete(kind, &id, true, &origin(&agent))?;
    s.sync.trigger();
    Ok(Json(serde_json::to_value(entry).expect("bin entries serialise")))
}

async fn recycle_bin(State(s): State<AppState>, _admin: Admin) -> Json<Value> {
    Json(json!({ "entries": s.desk.recycle_bin() }))
}

async fn restore(State(s): State<AppState>, Admin(agent): Admin, Path((kind, id)): Path<(String, String)>) -> ApiResult<Json<Record>> {
    let kind = kind_of(&kind)?;
    let record = s.desk.restore(kind, &id, &origin(&agent))?;
    // A restored record is a desk change like any other: sync it.
    s.sync.trigger();
    Ok(Json(record))
}

#[derive(Deserialize)]
struct ChangesQuery {
    after: Option<u64>,
    limit: Option<usize>,
}

async fn changes(State(s): State<AppState>, _admin: Admin, Query(q): Query<ChangesQuery>) -> Json<Value> {
    Json(json!({ "changes": s.desk.changes_after(q.after, q.limit.unwrap_or(500).min(5000)) }))
}

#[derive(Deserialize)]
struct TicketListQuery {
    order: Option<String>,
    customer_type: Option<String>,
}

/// The ticket list, with each requester's customer type from the CRM.
async fn ticket_list(State(s): State<AppState>, agent: Agent, Query(q): Query<TicketListQuery>) -> ApiResult<Json<Value>> {
    // The customer type comes from the first enabled plugin that has the
    // Handshake field configured and whose panel (with the contact or
    // account information) this agent's profile may see: it is CRM data.
    let source = s.registry.installations().into_iter().find_map(|i| {
        let field = i.customer_type_field.clone()?;
        let may_see = i.permissions_for(&agent.profile);
        if !may_see.visible || may_see.info != crate::permissions::Access::Full {
            return None;
        }
        s.registry.plugin(&i.id).map(|_| (i.id, field))
    });
    let tickets = s.desk.list(Kind::Ticket);
    let types = futures::future::join_all(tickets.iter().map(|t| async {
        match &source {
            Some((plugin, field)) => s.panels.customer_type(plugin, field, t).await,
            None => None,
        }
    }))
    .await;
    let mut rows: Vec<Value> = tickets
        .iter()
        .zip(types)
        .map(|(t, customer_type)| {
            let who = s.panels.requester(t);
            json!({
                "id": t.id,
                "subject": t.text("subject"),
                "status": t.text("status").unwrap_or("Open"),
                "priority": t.text("priority"),
                "requester": who.name.or(who.email.clone()),
                "email": who.email,
                "customer_type": customer_type,
                "created_at": t.created_at,
            })
        })
        .collect();
    let mut customer_types: Vec<String> = rows.iter().filter_map(|r| r["customer_type"].as_str().map(str::to_string)).collect();
    customer_types.sort();
    customer_types.dedup();
    if let Some(wanted) = q.customer_type.as_deref().filter(|w| !w.is_empty()) {
        rows.retain(|r| r["customer_type"].as_str() == Some(wanted));
    }
    let newest = |r: &Value| (r["created_at"].as_str().map(str::to_string), r["id"].as_str().and_then(|id| id.parse::<u64>().ok()));
    rows.sort_by_key(|r| std::cmp::Reverse(newest(r)));
    match q.order.as_deref() {
        None | Some("newest") => {}
        Some("customer-type") => {
            // Known types first, alphabetically; unknown last.
            rows.sort_by_key(|r| (r["customer_type"].is_null(), r["customer_type"].as_str().map(str::to_string)));
        }
        Some(other) => return Err(ApiError::bad_request(format!("order `{other}` is not known; use `newest` or `customer-type`"))),
    }
    Ok(Json(json!({
        "tickets": rows,
        "customer_types": customer_types,
        "customer_type_source": source.map(|(p, _)| p),
    })))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/ticket-list", get(ticket_list))
        .route("/api/recycle-bin", get(recycle_bin))
        .route("/api/recycle-bin/{kind}/{id}/restore", post(restore))
        .route("/api/changes", get(changes))
        .route("/api/{kind}", get(list).post(create))
        .route("/api/{kind}/{id}", get(read).patch(update).delete(remove))
}
