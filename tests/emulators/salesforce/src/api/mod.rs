//! The REST API under `/services/data/vNN.0/`: session and daily budget
//! first, then routing by path to the query, sObject and composite
//! handlers. Every answer carries `Sforce-Limit-Info`.

mod composite;
mod query;
mod sobjects;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::schema::{object_named, SObject};
use crate::state::Shared;
use crate::util::{lock, parse_form, percent_decode};

/// Versions served, oldest first, with their release names.
const VERSIONS: &[(u32, &str)] = &[(58, "Summer '23"), (59, "Winter '24"), (60, "Spring '24"), (61, "Summer '24"), (62, "Winter '25")];

/// JSON bodies up to this size are read: Salesforce takes 50 MB of JSON
/// text (a file of 37.5 MB in base64), with room for the fields around it.
pub const MAX_BODY_BYTES: usize = 52 * 1024 * 1024;

/// What a handler answers.
pub enum Reply {
    Json(StatusCode, Value),
    NoContent,
    /// 200 with binary data (a blob field's content).
    Blob(Bytes),
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
            // Salesforce's type for blob content, spelled as it sends it.
            Reply::Blob(bytes) => (StatusCode::OK, [(header::CONTENT_TYPE, "application/octetstream")], bytes).into_response(),
        }
    }
}

/// A parsed API request.
pub struct Call {
    pub method: Method,
    /// `v62.0`.
    pub version: String,
    /// The user whose session made it.
    pub user: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Call {
    /// A query parameter; empty counts as absent.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    /// The body as a JSON object.
    pub fn json_object(&self) -> Result<Map<String, Value>, ApiError> {
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(other) => Err(ApiError::JsonParser(format!(
                "Cannot deserialize instance of sObject from {} value",
                match other {
                    Value::Array(_) => "START_ARRAY",
                    _ => "VALUE_STRING",
                }
            ))),
            Err(e) => Err(ApiError::JsonParser(format!("Unexpected character: {e}"))),
        }
    }

    pub fn url(&self, rest: &str) -> String {
        format!("/services/data/{}/{rest}", self.version)
    }
}

pub fn object(name: &str) -> Result<&'static SObject, ApiError> {
    object_named(name).ok_or(ApiError::NotFound)
}

/// `GET /services/data/`: the versions, without a session.
pub async fn versions(State(shared): State<Arc<Shared>>) -> Response {
    let list: Vec<Value> = VERSIONS
        .iter()
        .map(|(v, label)| json!({"label": label, "url": format!("/services/data/v{v}.0"), "version": format!("{v}.0")}))
        .collect();
    with_limit_info(&shared, Json(Value::Array(list)).into_response())
}

/// Adds `Sforce-Limit-Info`, which every answer under `/services/data` carries.
fn with_limit_info(shared: &Shared, mut response: Response) -> Response {
    let usage = lock(&shared.budget).header();
    if let Ok(value) = HeaderValue::from_str(&usage) {
        response.headers_mut().insert("Sforce-Limit-Info", value);
    }
    response
}

/// Anything outside the served paths.
pub async fn not_found() -> Response {
    ApiError::NotFound.into_response()
}

/// `/services/data/{*rest}`, every method.
pub async fn dispatch(State(shared): State<Arc<Shared>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let response = match serve(&shared, method, &uri, headers, body).await {
        Ok(reply) => reply.into_response(),
        Err(e) => e.into_response(),
    };
    with_limit_info(&shared, response)
}

async fn serve(shared: &Shared, method: Method, uri: &Uri, headers: HeaderMap, body: Bytes) -> Result<Reply, ApiError> {
    let user = lock(&shared.auth).verify(&headers)?;
    lock(&shared.budget).admit()?;
    let latency = *lock(&shared.latency);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let path = uri.path().strip_prefix("/services/data/").unwrap_or_default();
    let segments: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
    let Some((version, rest)) = segments.split_first() else { return Err(ApiError::NotFound) };
    let known = version.strip_prefix('v').and_then(|v| v.strip_suffix(".0")).and_then(|v| v.parse::<u32>().ok());
    if !known.is_some_and(|v| VERSIONS.iter().any(|(n, _)| *n == v)) {
        return Err(ApiError::NotFound);
    }
    let call = Call { method, version: version.clone(), user, query: parse_form(uri.query().unwrap_or("")), headers, body };
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    route(shared, &call, &rest)
}

/// Refuses a method the resource does not take.
fn only(call: &Call, allowed: &[Method]) -> Result<(), ApiError> {
    if allowed.contains(&call.method) {
        Ok(())
    } else {
        let names: Vec<&str> = allowed.iter().map(Method::as_str).collect();
        Err(ApiError::MethodNotAllowed(format!("{},HEAD", names.join(","))))
    }
}

fn route(shared: &Shared, call: &Call, segments: &[&str]) -> Result<Reply, ApiError> {
    use Method as M;
    match segments {
        [] => {
            only(call, &[M::GET])?;
            let names = ["sobjects", "query", "queryAll", "composite", "limits"];
            Ok(Reply::ok(Value::Object(names.iter().map(|n| (n.to_string(), json!(call.url(n)))).collect())))
        }
        ["limits"] => {
            only(call, &[M::GET])?;
            let budget = lock(&shared.budget);
            Ok(Reply::ok(json!({"DailyApiRequests": {"Max": budget.max, "Remaining": budget.max.saturating_sub(budget.used)}})))
        }
        [kind @ ("query" | "queryAll")] => {
            only(call, &[M::GET])?;
            query::run(shared, call, *kind == "queryAll")
        }
        ["query" | "queryAll", locator] => {
            only(call, &[M::GET])?;
            query::more(shared, call, locator)
        }
        ["composite", "sobjects"] => composite::sobjects(shared, call),
        ["sobjects"] => {
            only(call, &[M::GET])?;
            Ok(sobjects::global(call))
        }
        ["sobjects", name, rest @ ..] => sobjects::route(shared, call, object(name)?, rest),
        _ => Err(ApiError::NotFound),
    }
}
