//! The HTTP side: `/api/v1` behind API-key authentication and the rate
//! limit, plus the agent console page and attachment links.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::model::{Channel, Conversation, View, Visitor};
use crate::paging::ListQuery;
use crate::state::Shared;
use crate::util::{digits, lock};
use crate::webhooks::Webhook;

/// The tenant the request's API key names.
#[derive(Debug, Clone)]
struct TenantId(String);

type Answer = Result<Json<Value>, ApiError>;

pub fn router(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    let api = Router::new()
        .route("/visitors", get(list_visitors))
        .route("/visitors/{id}", get(get_visitor))
        .route("/conversations", get(list_conversations))
        .route("/conversations/{id}", get(get_conversation))
        .route("/webhooks", get(list_webhooks).post(create_webhook))
        .route("/webhooks/{id}", delete(delete_webhook))
        .route("/attachments/{id}/content", get(attachment_content))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(shared, authenticate));
    Router::new()
        .nest("/api/v1", api)
        .route("/app/conversations/{id}", get(console))
        .route("/files/{id}/{name}", get(file))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}

/// `Authorization: Bearer <api key>` names the tenant; then the tenant's rate limit.
async fn authenticate(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    let key = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| {
        let (scheme, key) = v.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| key.trim().to_string())
    });
    let Some(key) = key else {
        return ApiError::Unauthorized("missing `Authorization: Bearer <api key>`").into_response();
    };
    let Some(tenant) = shared.store().tenant_of_key(&key).map(String::from) else {
        return ApiError::Unauthorized("unknown API key").into_response();
    };
    if let Err(retry_after) = lock(&shared.limiter).admit(&tenant) {
        return ApiError::RateLimited { retry_after }.into_response();
    }
    request.extensions_mut().insert(TenantId(tenant));
    next.run(request).await
}

/// Decoded query parameters; a name given twice keeps its last value.
fn params(raw: Option<String>) -> HashMap<String, String> {
    let raw = raw.unwrap_or_default();
    match reqwest::Url::parse(&format!("http://q/?{raw}")) {
        Ok(url) => url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
        Err(_) => HashMap::new(),
    }
}

async fn list_visitors(
    State(shared): State<Arc<Shared>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let query = ListQuery::parse("visitors", &params(raw), &["email", "phone"])?;
    let email = query.filter("email").map(str::to_lowercase);
    let phone = match query.filter("phone").map(digits) {
        Some(d) if d.is_empty() => return Err(ApiError::invalid("`phone` has no digits")),
        other => other,
    };
    let store = shared.store();
    let visitors = store.tenant(&tenant).visitors.values().filter(|v| {
        email.as_ref().is_none_or(|e| v.email.as_ref().is_some_and(|own| own.to_lowercase() == *e))
            && phone.as_ref().is_none_or(|p| v.phone.as_deref().is_some_and(|own| digits(own) == *p))
    });
    Ok(Json(query.page(visitors, |v| (v.updated_at, v.id.as_str()), |v: &&Visitor| v.render())))
}

async fn get_visitor(
    State(shared): State<Arc<Shared>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    Path(id): Path<String>,
) -> Answer {
    let store = shared.store();
    let visitor = store.tenant(&tenant).visitors.get(&id).ok_or_else(|| ApiError::NotFound(format!("no visitor `{id}`")))?;
    Ok(Json(visitor.render()))
}

async fn list_conversations(
    State(shared): State<Arc<Shared>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let query = ListQuery::parse("conversations", &params(raw), &["visitor_id", "channel"])?;
    let channel = match query.filter("channel") {
        None => None,
        Some(name) => Some(Channel::parse(name).ok_or_else(|| ApiError::invalid("`channel` is web_chat or inbox"))?),
    };
    let visitor_id = query.filter("visitor_id");
    let store = shared.store();
    let base_url = &store.base_url;
    let conversations = store
        .tenant(&tenant)
        .conversations
        .values()
        .filter(|c| channel.is_none_or(|ch| c.channel == ch) && visitor_id.is_none_or(|v| c.visitor_id == v));
    Ok(Json(query.page(conversations, |c| (c.updated_at, c.id.as_str()), |c: &&Conversation| c.render(base_url, View::Summary))))
}

async fn get_conversation(
    State(shared): State<Arc<Shared>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    Path(id): Path<String>,
) -> Answer {
    let store = shared.store();
    let conversation = store.tenant(&tenant).conversations.get(&id).ok_or_else(|| ApiError::NotFound(format!("no conversation `{id}`")))?;
    Ok(Json(conversation.render(&store.base_url, View::Full)))
}

async fn list_webhooks(State(shared): State<Arc<Shared>>, Extension(TenantId(tenant)): Extension<TenantId>) -> Answer {
    let store = shared.store();
    let data: Vec<Value> = store.tenant(&tenant).webhooks.iter().map(Webhook::render).collect();
    Ok(Json(json!({"data": data, "next_cursor": null})))
}

async fn create_webhook(
    State(shared): State<Arc<Shared>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body: Value = serde_json::from_slice(&body).map_err(|e| ApiError::invalid(format!("the body is not JSON: {e}")))?;
    let webhook = Webhook::parse(&body)?;
    let rendered = webhook.render();
    shared.store().tenant_mut(&tenant).register_webhook(webhook);
    Ok((StatusCode::CREATED, Json(rendered)))
}

async fn delete_webhook(
    State(shared): State<Arc<Shared>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut store = shared.store();
    let webhooks = &mut store.tenant_mut(&tenant).webhooks;
    let at = webhooks.iter().position(|w| w.id == id).ok_or_else(|| ApiError::NotFound(format!("no webhook `{id}`")))?;
    webhooks.remove(at);
    Ok(StatusCode::NO_CONTENT)
}

/// The agent console's page of a conversation (the `url` field): a plain transcript.
async fn console(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let store = shared.store();
    let Some(c) = store.any_conversation(&id) else {
        return ApiError::NotFound(format!("no conversation `{id}`")).into_response();
    };
    let title = c.subject.clone().unwrap_or_else(|| format!("{} {}", c.channel.name(), c.id));
    let mut page = format!(
        "<!doctype html><title>CloudCX: {}</title><h1>{}</h1><p>{} · {}</p><ul>",
        esc(&title),
        esc(&title),
        c.status(),
        c.visitor_id
    );
    for m in &c.messages {
        page.push_str(&format!("<li><b>{}</b> ({}): {}</li>", esc(&m.author), m.from.name(), esc(&m.text)));
    }
    page.push_str("</ul>");
    if let Some(note) = &c.note {
        page.push_str(&format!("<p>Note: {}</p>", esc(note)));
    }
    Html(page).into_response()
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An attachment's link for people (the `url` CloudCX gives): its content,
/// at most 1 MiB of it, without authentication.
async fn file(State(shared): State<Arc<Shared>>, Path((id, _name)): Path<(String, String)>) -> Response {
    let store = shared.store();
    let attachment = store.any_attachment(&id);
    match attachment {
        Some(a) => {
            let mut body = a.bytes();
            body.truncate(1 << 20);
            ([(header::CONTENT_TYPE, a.content_type.clone())], body).into_response()
        }
        None => ApiError::NotFound(format!("no attachment `{id}`")).into_response(),
    }
}

/// `GET /api/v1/attachments/{id}/content`: the whole file of one of the
/// tenant's conversations, with its type and name.
async fn attachment_content(
    State(shared): State<Arc<Shared>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    Path(id): Path<String>,
) -> Response {
    let store = shared.store();
    let found = store.tenant(&tenant).conversations.values().flat_map(|c| &c.attachments).find(|a| a.id == id);
    match found {
        Some(a) => {
            let name: String = a.name.chars().map(|c| if c == '"' || c.is_control() { '_' } else { c }).collect();
            let disposition = format!("attachment; filename=\"{name}\"");
            ([(header::CONTENT_TYPE, a.content_type.clone()), (header::CONTENT_DISPOSITION, disposition)], a.bytes()).into_response()
        }
        None => ApiError::NotFound(format!("no attachment `{id}`")).into_response(),
    }
}
