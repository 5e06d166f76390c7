//! The `/crm/v8` API: authentication and limits first, then routing by
//! path to the read, write and settings handlers.

mod read;
mod settings;
mod write;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::modules::{self, Module};
use crate::state::Shared;
use crate::util::{lock, parse_form, parse_http_or_iso};

/// What a handler answers.
#[derive(Debug)]
pub enum Reply {
    Json(StatusCode, Value),
    /// 204: nothing to list.
    NoContent,
    /// 304: nothing modified since `If-Modified-Since`.
    NotModified,
}

impl Reply {
    pub fn ok(body: Value) -> Reply {
        Reply::Json(StatusCode::OK, body)
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Reply::Json(status, body) => (status, Json(body)).into_response(),
            Reply::NoContent => StatusCode::NO_CONTENT.into_response(),
            Reply::NotModified => StatusCode::NOT_MODIFIED.into_response(),
        }
    }
}

/// The status of a batch: `all_ok` when nothing failed, 400 when nothing
/// succeeded, 207 (multi-status) otherwise.
pub fn write_status(successes: usize, failures: usize, all_ok: StatusCode) -> StatusCode {
    match (successes, failures) {
        (_, 0) => all_ok,
        (0, _) => StatusCode::BAD_REQUEST,
        _ => StatusCode::MULTI_STATUS,
    }
}

/// A parsed `/crm/v8` request.
pub struct ApiRequest {
    pub method: Method,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl ApiRequest {
    /// A query parameter; empty counts as absent.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    /// `per_page`: 1 to 200, default 200.
    pub fn per_page(&self) -> Result<usize, ApiError> {
        match self.param("per_page") {
            None => Ok(200),
            Some(text) => match text.parse::<usize>() {
                Ok(n) if n > 200 => Err(ApiError::InvalidParam { param: "per_page", extra: json!({"maximum": 200}) }),
                Ok(n) if n >= 1 => Ok(n),
                _ => Err(ApiError::InvalidParam { param: "per_page", extra: json!({"minimum": 1, "maximum": 200}) }),
            },
        }
    }

    /// `page`: from 1, default 1.
    pub fn page(&self) -> Result<usize, ApiError> {
        match self.param("page") {
            None => Ok(1),
            Some(text) => match text.parse::<usize>() {
                Ok(n) if n >= 1 => Ok(n),
                _ => Err(ApiError::InvalidParam { param: "page", extra: json!({"minimum": 1}) }),
            },
        }
    }

    /// `fields`, each a field of the module (or `id`).
    pub fn fields(&self, module: &Module) -> Result<Option<Vec<String>>, ApiError> {
        let Some(list) = self.param("fields") else { return Ok(None) };
        let names: Vec<String> = list.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_string).collect();
        if let Some(unknown) = names.iter().find(|n| *n != "id" && module.field(n).is_none()) {
            return Err(ApiError::InvalidParam { param: "fields", extra: json!({"api_name": unknown}) });
        }
        Ok((!names.is_empty()).then_some(names))
    }

    pub fn required_fields(&self, module: &Module) -> Result<Vec<String>, ApiError> {
        self.fields(module)?.ok_or(ApiError::RequiredParamMissing { param: "fields" })
    }

    /// `If-Modified-Since` as seconds; a value that is no date is refused.
    pub fn if_modified_since(&self) -> Result<Option<i64>, ApiError> {
        let Some(value) = self.headers.get(header::IF_MODIFIED_SINCE) else { return Ok(None) };
        value
            .to_str()
            .ok()
            .and_then(parse_http_or_iso)
            .map(Some)
            .ok_or(ApiError::InvalidParam { param: "If-Modified-Since", extra: json!({}) })
    }

    /// The JSON object of a write's body.
    pub fn json_object(&self) -> Result<Map<String, Value>, ApiError> {
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(ApiError::InvalidBody { reason: "the body is not a JSON object".into() }),
            Err(e) => Err(ApiError::InvalidBody { reason: format!("the body is not JSON ({e})") }),
        }
    }
}

/// `/crm/v8/{*rest}`, every method.
pub async fn dispatch(State(shared): State<Arc<Shared>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(e) = lock(&shared.accounts).verify(headers.get(header::AUTHORIZATION)) {
        return e.into_response();
    }
    let _permit = match shared.limits.admit() {
        Ok(permit) => permit,
        Err(e) => return e.into_response(),
    };
    let latency = *lock(&shared.latency);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let request = ApiRequest { method, query: parse_form(uri.query().unwrap_or("")), headers, body };
    let path = uri.path().strip_prefix("/crm/v8").unwrap_or_default();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match route(&shared, &request, &segments) {
        Ok(reply) => reply.into_response(),
        Err(e) => e.into_response(),
    }
}

/// Anything outside the served paths.
pub async fn not_found() -> Response {
    ApiError::InvalidUrl.into_response()
}

fn module_named(name: &str) -> Result<&'static Module, ApiError> {
    modules::module(name).ok_or(ApiError::InvalidModule)
}

fn route(shared: &Shared, req: &ApiRequest, segments: &[&str]) -> Result<Reply, ApiError> {
    use Method as M;
    let method = req.method.clone();
    match segments {
        ["settings", "fields"] if method == M::GET => settings::fields(req),
        ["settings", "modules"] if method == M::GET => Ok(settings::modules()),
        ["settings", "related_lists"] if method == M::GET => settings::related_lists(req),
        ["org"] if method == M::GET => Ok(settings::org(shared)),
        ["settings", "modules" | "related_lists"] | ["org"] => Err(ApiError::InvalidMethod),
        ["settings", "custom_views"] if method == M::GET => settings::custom_views(shared, req),
        ["users"] if method == M::GET => settings::users(shared, req),
        ["settings", "fields" | "custom_views"] | ["users"] => Err(ApiError::InvalidMethod),
        ["actions", "watch"] => match method {
            M::GET => Ok(shared.watch.list(&shared.base_url)),
            M::POST | M::PUT => {
                let body = Value::Object(req.json_object()?);
                shared.watch.subscribe(&shared.base_url, &body)
            }
            M::DELETE => {
                let ids = req.param("channel_ids").ok_or(ApiError::RequiredParamMissing { param: "channel_ids" })?;
                Ok(shared.watch.unsubscribe(&shared.base_url, ids))
            }
            _ => Err(ApiError::InvalidMethod),
        },
        ["settings" | "actions", ..] => Err(ApiError::InvalidUrl),
        [module] => {
            let module = module_named(module)?;
            match method {
                M::GET => read::list(shared, req, module),
                M::POST => write::insert(shared, req, module),
                M::PUT => write::update_many(shared, req, module),
                M::DELETE => write::delete_many(shared, req, module),
                _ => Err(ApiError::InvalidMethod),
            }
        }
        [module, "search"] => {
            let module = module_named(module)?;
            if method != M::GET {
                return Err(ApiError::InvalidMethod);
            }
            read::search(shared, req, module)
        }
        [module, "upsert"] => {
            let module = module_named(module)?;
            if method != M::POST {
                return Err(ApiError::InvalidMethod);
            }
            write::upsert(shared, req, module)
        }
        [module, "deleted"] => {
            let module = module_named(module)?;
            if method != M::GET {
                return Err(ApiError::InvalidMethod);
            }
            read::deleted(shared, req, module)
        }
        [module, id] => {
            let module = module_named(module)?;
            match method {
                M::GET => read::get_one(shared, module, id),
                M::PUT => write::update_one(shared, req, module, id),
                M::DELETE => write::delete_one(shared, module, id),
                _ => Err(ApiError::InvalidMethod),
            }
        }
        [module, id, related] => {
            let module = module_named(module)?;
            if method != M::GET {
                return Err(ApiError::InvalidMethod);
            }
            read::related(shared, req, module, id, related)
        }
        _ => Err(ApiError::InvalidUrl),
    }
}
