//! `/api/{kind}`: desk records, the recycle bin, the change log, and the
//! ticket list with the CRM's customer types (Handshake Mode).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Admin, ApiError, ApiResult, AppState};
use crate::auth::Agent;
use crate::desk::{BinEntry, Change, Kind, Record};

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

/// A desk record's fields, by desk field name.
#[derive(Deserialize, ToSchema)]
struct Body {
    #[schema(value_type = Object)]
    fields: Map<String, Value>,
}

#[derive(Serialize, ToSchema)]
struct Records {
    records: Vec<Record>,
}

#[derive(Serialize, ToSchema)]
struct Bin {
    entries: Vec<BinEntry>,
}

#[derive(Serialize, ToSchema)]
struct Changes {
    changes: Vec<Change>,
}

const KIND: &str = "A kind of desk record, plural: tickets, contacts, accounts, products";

/// Every record of a kind.
#[utoipa::path(get, path = "/api/{kind}", tag = "desk", params(("kind" = String, Path, description = KIND)),
    responses((status = 200, body = Records), (status = 404, description = "Not a kind of desk record")))]
async fn list(State(s): State<AppState>, _agent: Agent, Path(kind): Path<String>) -> ApiResult<Json<Records>> {
    let kind = kind_of(&kind)?;
    Ok(Json(Records { records: s.desk.list(kind) }))
}

/// Creates a record; products are for Administrators.
#[utoipa::path(post, path = "/api/{kind}", tag = "desk", params(("kind" = String, Path, description = KIND)), request_body = Body,
    responses((status = 201, body = Record), (status = 403), (status = 422, description = "Invalid fields, named in `fields`")))]
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

/// One record.
#[utoipa::path(get, path = "/api/{kind}/{id}", tag = "desk", params(("kind" = String, Path, description = KIND), ("id" = String, Path)),
    responses((status = 200, body = Record), (status = 404)))]
async fn read(State(s): State<AppState>, _agent: Agent, Path((kind, id)): Path<(String, String)>) -> ApiResult<Json<Record>> {
    let kind = kind_of(&kind)?;
    s.desk.get(kind, &id).map(Json).ok_or_else(|| ApiError::not_found(format!("no {} with id {id}", kind.singular())))
}

/// Changes some fields of a record.
#[utoipa::path(patch, path = "/api/{kind}/{id}", tag = "desk", params(("kind" = String, Path, description = KIND), ("id" = String, Path)),
    request_body = Body, responses((status = 200, body = Record), (status = 403), (status = 404), (status = 422)))]
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

/// Deletes a record and its associates into the recycle bin.
#[utoipa::path(delete, path = "/api/{kind}/{id}", tag = "desk", params(("kind" = String, Path, description = KIND), ("id" = String, Path)),
    responses((status = 200, body = BinEntry), (status = 403), (status = 404)))]
async fn remove(State(s): State<AppState>, agent: Agent, Path((kind, id)): Path<(String, String)>) -> ApiResult<Json<BinEntry>> {
    let kind = kind_of(&kind)?;
    may_write(&agent, kind)?;
    let entry = s.desk.delete(kind, &id, true, &origin(&agent))?;
    s.sync.trigger();
    Ok(Json(entry))
}

/// The recycle bin (Administrators).
#[utoipa::path(get, path = "/api/recycle-bin", tag = "desk", responses((status = 200, body = Bin), (status = 403)))]
async fn recycle_bin(State(s): State<AppState>, _admin: Admin) -> Json<Bin> {
    Json(Bin { entries: s.desk.recycle_bin() })
}

/// Restores a deleted record (Administrators).
#[utoipa::path(post, path = "/api/recycle-bin/{kind}/{id}/restore", tag = "desk",
    params(("kind" = String, Path, description = KIND), ("id" = String, Path)), responses((status = 200, body = Record), (status = 404)))]
async fn restore(State(s): State<AppState>, Admin(agent): Admin, Path((kind, id)): Path<(String, String)>) -> ApiResult<Json<Record>> {
    let kind = kind_of(&kind)?;
    let record = s.desk.restore(kind, &id, &origin(&agent))?;
    // A restored record is a desk change like any other: sync it.
    s.sync.trigger();
    Ok(Json(record))
}

#[derive(Deserialize, IntoParams)]
struct ChangesQuery {
    /// Only changes after this sequence number.
    after: Option<u64>,
    /// At most this many (default 500, at most 5000).
    limit: Option<usize>,
}

/// The desk's change log (Administrators).
#[utoipa::path(get, path = "/api/changes", tag = "desk", params(ChangesQuery), responses((status = 200, body = Changes), (status = 403)))]
async fn changes(State(s): State<AppState>, _admin: Admin, Query(q): Query<ChangesQuery>) -> Json<Changes> {
    Json(Changes { changes: s.desk.changes_after(q.after, q.limit.unwrap_or(500).min(5000)) })
}

#[derive(Deserialize, IntoParams)]
struct TicketListQuery {
    /// `newest` (default) or `customer-type`.
    order: Option<String>,
    /// Only tickets whose requester has this customer type.
    customer_type: Option<String>,
}

/// A row of the ticket list.
#[derive(Serialize, ToSchema)]
struct TicketRow {
    id: String,
    subject: Option<String>,
    status: String,
    priority: Option<String>,
    /// The requester's name, else their email.
    requester: Option<String>,
    email: Option<String>,
    /// From the CRM (Handshake Mode); `null` when unknown.
    customer_type: Option<String>,
    created_at: String,
}

#[derive(Serialize, ToSchema)]
struct TicketList {
    tickets: Vec<TicketRow>,
    /// Every customer type among the tickets, for the filter.
    customer_types: Vec<String>,
    /// The plugins the customer types come from, in the order asked.
    customer_type_sources: Vec<String>,
    /// The names of the CRMs that could not say some requester's type
    /// (down, refusing): the list may show "unknown" where a type exists.
    customer_types_unavailable: Vec<String>,
}

/// The ticket list, with each requester's customer type from the CRM.
#[utoipa::path(get, path = "/api/ticket-list", tag = "desk", params(TicketListQuery),
    responses((status = 200, body = TicketList), (status = 400, description = "Unknown order")))]
async fn ticket_list(State(s): State<AppState>, agent: Agent, Query(q): Query<TicketListQuery>) -> ApiResult<Json<TicketList>> {
    // The customer type comes from the enabled plugins that have the
    // Handshake field configured and whose panel (with the contact or
    // account information) this agent's profile may see: it is CRM data.
    // With several CRMs, the first that knows the requester answers.
    let sources: Vec<(String, String)> = s
        .registry
        .installations()
        .into_iter()
        .filter_map(|i| {
            let field = i.customer_type_field.clone()?;
            let may_see = s.registry.permissions(&i.id, &agent.profile);
            if !may_see.visible || may_see.info != crate::permissions::Access::Full {
                return None;
            }
            s.registry.plugin(&i.id).map(|_| (i.id, field))
        })
        .collect();
    let tickets = s.desk.list(Kind::Ticket);
    // Each ticket's type, and the CRMs that failed to answer for it.
    let answers = futures::future::join_all(tickets.iter().map(|t| async {
        let mut failed = Vec::new();
        for (plugin, field) in &sources {
            match s.panels.customer_type(plugin, field, t).await {
                Ok(Some(found)) => return (Some(found), failed),
                Ok(None) => {}
                Err(_) => failed.push(plugin.clone()),
            }
        }
        (None, failed)
    }))
    .await;
    let mut unavailable: Vec<String> = answers.iter().flat_map(|(_, failed)| failed.iter().cloned()).collect();
    unavailable.sort();
    unavailable.dedup();
    let unavailable = unavailable.iter().map(|id| s.registry.manifest(id).map_or_else(|| id.clone(), |m| m.name)).collect();
    let mut rows: Vec<TicketRow> = tickets
        .iter()
        .zip(answers.into_iter().map(|(found, _)| found))
        .map(|(t, customer_type)| {
            let who = s.panels.requester(t);
            TicketRow {
                id: t.id.clone(),
                subject: t.text("subject").map(str::to_string),
                status: t.text("status").unwrap_or("Open").to_string(),
                priority: t.text("priority").map(str::to_string),
                requester: who.name.or(who.email.clone()),
                email: who.email,
                customer_type,
                created_at: t.created_at.clone(),
            }
        })
        .collect();
    let mut customer_types: Vec<String> = rows.iter().filter_map(|r| r.customer_type.clone()).collect();
    customer_types.sort();
    customer_types.dedup();
    if let Some(wanted) = q.customer_type.as_deref().filter(|w| !w.is_empty()) {
        rows.retain(|r| r.customer_type.as_deref() == Some(wanted));
    }
    rows.sort_by_key(|r| std::cmp::Reverse((r.created_at.clone(), r.id.parse::<u64>().ok())));
    match q.order.as_deref() {
        None | Some("newest") => {}
        Some("customer-type") => {
            // Known types first, alphabetically; unknown last.
            rows.sort_by_key(|r| (r.customer_type.is_none(), r.customer_type.clone()));
        }
        Some(other) => return Err(ApiError::bad_request(format!("order `{other}` is not known; use `newest` or `customer-type`"))),
    }
    Ok(Json(TicketList {
        tickets: rows,
        customer_types,
        customer_type_sources: sources.into_iter().map(|(p, _)| p).collect(),
        customer_types_unavailable: unavailable,
    }))
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ticket_list))
        .routes(routes!(recycle_bin))
        .routes(routes!(restore))
        .routes(routes!(changes))
        .routes(routes!(list, create))
        .routes(routes!(read, update, remove))
}
