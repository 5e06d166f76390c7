//! The `/crm/v8` API: authentication and limits first, then routing by
//! path to the read, write and settings handlers.

mod attachments;
mod read;
mod settings;
mod write;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
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
    /// 200 with a file's bytes, as a download.
    File {
        content_type: String,
        file_name: String,
        bytes: Bytes,
    },
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
            Reply::File { content_type, file_name, bytes } => {
                let mut response = (StatusCode::OK, bytes).into_response();
                let content_type = HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
                response.headers_mut().insert(header::CONTENT_TYPE, content_type);
                // A quoted-string: quotes and backslashes escaped, control
                // characters dropped; UTF-8 names go as their bytes.
                let name: String = file_name
                    .chars()
                    .filter(|c| !c.is_control())
                    .flat_map(|c| if matches!(c, '"' | '\\') { vec!['\\', c] } else { vec![c] })
                    .collect();
                if let Ok(value) = HeaderValue::from_bytes(format!("attachment;filename=\"{name}\"").as_bytes()) {
                    response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
                }
                response
            }
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

/// Bodies up to this size are read (`multipart/form-data` uploads included):
/// a file of the 20 MB Zoho takes, with room for the form around it.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// One part of a `multipart/form-data` body.
#[derive(Debug)]
pub struct FormPart {
    pub name: String,
    /// Set for file parts (`filename=` in `Content-Disposition`).
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

/// A `multipart/form-data` body, read.
#[derive(Debug)]
pub enum Form {
    Parts(Vec<FormPart>),
    /// Over [`MAX_BODY_BYTES`]: not read to its end.
    TooLarge,
    Malformed(String),
}

/// A parsed `/crm/v8` request.
pub struct ApiRequest {
    pub method: Method,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    /// Empty for a `multipart/form-data` request (see `form`).
    pub body: Bytes,
    /// The parts of a `multipart/form-data` request.
    pub form: Option<Form>,
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

/// `/crm/v8/{*rest}`, every method. The body is read once the request is
/// authenticated and admitted: as parts when it is `multipart/form-data`.
pub async fn dispatch(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (method, uri, headers) = (request.method().clone(), request.uri().clone(), request.headers().clone());
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
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    let (body, form) = if multipart {
        (Bytes::new(), Some(read_form(request).await))
    } else {
        match Bytes::from_request(request, &()).await {
            Ok(body) => (body, None),
            Err(rejection) => return rejection.into_response(),
        }
    };
    let request = ApiRequest { method, query: parse_form(uri.query().unwrap_or("")), headers, body, form };
    let path = uri.path().strip_prefix("/crm/v8").unwrap_or_default();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match route(&shared, &request, &segments) {
        Ok(reply) => reply.into_response(),
        Err(e) => e.into_response(),
    }
}

/// Every part of a `multipart/form-data` body, within the route's body limit.
async fn read_form(request: Request) -> Form {
    let failed = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Form::TooLarge
        } else {
            Form::Malformed(e.body_text())
        }
    };
    let mut multipart = match Multipart::from_request(request, &()).await {
        Ok(multipart) => multipart,
        Err(rejection) => return Form::Malformed(rejection.body_text()),
    };
    let mut parts = Vec::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let file_name = field.file_name().map(str::to_string);
                let content_type = field.content_type().map(str::to_string);
                match field.bytes().await {
                    Ok(bytes) => parts.push(FormPart { name, file_name, content_type, bytes }),
                    Err(e) => return failed(e),
                }
            }
            Ok(None) => return Form::Parts(parts),
            Err(e) => return failed(e),
        }
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
        [module, id, attachments] if attachments.eq_ignore_ascii_case("Attachments") => {
            let module = module_named(module)?;
            match method {
                M::GET => attachments::list(shared, req, module, id),
                M::POST => attachments::upload(shared, req, module, id),
                _ => Err(ApiError::InvalidMethod),
            }
        }
        [module, id, attachments, attachment] if attachments.eq_ignore_ascii_case("Attachments") => {
            let module = module_named(module)?;
            if method != M::GET {
                return Err(ApiError::InvalidMethod);
            }
            attachments::download(shared, module, id, attachment)
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
