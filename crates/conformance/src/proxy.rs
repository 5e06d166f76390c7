//! A fault-injecting HTTP proxy on loopback, in front of one upstream (the
//! Sample CRM or an author's own server). The plugin under test only ever
//! talks to the proxy; the checks switch its [`Fault`] between calls.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};

use crate::serve::Loopback;

/// What `Fault::RateLimited` answers in `Retry-After`.
pub const RETRY_AFTER_SECS: u32 = 7;
/// Length of every string under `Fault::Huge`.
pub const HUGE_CHARS: usize = 200_000;
/// What every string becomes under `Fault::Unicode`: emoji (with a skin
/// tone and a zero-width joiner), right-to-left text and overrides,
/// combining marks, astral-plane letters; no NUL.
pub const UNICODE_TEXT: &str = "Zoë 👩🏽‍💻 مرحبا بالعالم \u{200f}שלום\u{200e} e\u{301}\u{301}\u{308} \u{202e}desrever\u{202c} 𝕏𝔂𝔃 ﷽ 🇯🇵";
/// What every string becomes under `Fault::Html`.
pub const HTML_TEXT: &str =
    "<script>alert('x')</script><b>bold</b> &amp; &lt;tag&gt; &#x27;quoted&#39; <img src=x onerror=alert(1)> </div><!--";

/// Largest request body the proxy forwards.
const MAX_REQUEST_BYTES: usize = 16 << 20;

/// How the proxy answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// Forward, and answer what the upstream answered.
    PassThrough,
    /// `401 {"error":"invalid_token"}`, without forwarding.
    Unauthorized,
    /// `429 {"error":"rate_limited"}` with `Retry-After: 7`, without forwarding.
    RateLimited,
    /// `503 {"error":"unavailable"}`, without forwarding.
    Unavailable,
    /// Forward; every string of the JSON answer becomes [`UNICODE_TEXT`].
    Unicode,
    /// Forward; every string becomes [`HTML_TEXT`].
    Html,
    /// Forward; every string becomes [`HUGE_CHARS`] characters long.
    Huge,
    /// Forward; every array of the JSON answer is emptied.
    EmptyArrays,
    /// Forward; every value but those of keys named `id` becomes null.
    Nulls,
}

impl Fault {
    /// What the plugin receives, for a report's sentences.
    pub fn describe(self) -> &'static str {
        match self {
            Fault::PassThrough => "the upstream's own answers",
            Fault::Unauthorized => "HTTP 401 to every request",
            Fault::RateLimited => "HTTP 429 with Retry-After: 7 to every request",
            Fault::Unavailable => "HTTP 503 to every request",
            Fault::Unicode => "emoji, right-to-left text and combining marks in every string",
            Fault::Html => "HTML with script tags and entities in every string",
            Fault::Huge => "a 200,000-character string in every string",
            Fault::EmptyArrays => "every list empty",
            Fault::Nulls => "every value but ids null",
        }
    }

    /// The answer given instead of forwarding, for the status faults.
    fn refusal(self) -> Option<Response> {
        let (status, error) = match self {
            Fault::Unauthorized => (StatusCode::UNAUTHORIZED, "invalid_token"),
            Fault::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Fault::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            _ => return None,
        };
        let mut response = (status, Json(json!({ "error": error }))).into_response();
        if self == Fault::RateLimited {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        Some(response)
    }

    fn rewrites(self) -> bool {
        matches!(self, Fault::Unicode | Fault::Html | Fault::Huge | Fault::EmptyArrays | Fault::Nulls)
    }
}

/// Rewrites a JSON answer as `fault` says (nothing for the other faults).
/// Values of keys named `id` stay, so a record found can still be asked
/// for its lists.
pub fn rewrite(value: &mut Value, fault: Fault) {
    match fault {
        Fault::Unicode => replace_strings(value, UNICODE_TEXT),
        Fault::Html => replace_strings(value, HTML_TEXT),
        Fault::Huge => replace_strings(value, &huge_text()),
        Fault::EmptyArrays => empty_arrays(value),
        Fault::Nulls => nulls(value),
        Fault::PassThrough | Fault::Unauthorized | Fault::RateLimited | Fault::Unavailable => {}
    }
}

/// [`HUGE_CHARS`] characters of ASCII text, so bytes = characters.
fn huge_text() -> String {
    "lorem ipsum ".chars().cycle().take(HUGE_CHARS).collect()
}

fn replace_strings(value: &mut Value, with: &str) {
    match value {
        Value::String(s) => *s = with.to_string(),
        Value::Array(items) => items.iter_mut().for_each(|v| replace_strings(v, with)),
        Value::Object(map) => map.iter_mut().filter(|(k, _)| *k != "id").for_each(|(_, v)| replace_strings(v, with)),
        _ => {}
    }
}

fn empty_arrays(value: &mut Value) {
    match value {
        Value::Array(items) => items.clear(),
        Value::Object(map) => map.values_mut().for_each(empty_arrays),
        _ => {}
    }
}

/// Leaves become null; objects and arrays stay, so records still come
/// through, each with its id and nothing else.
fn nulls(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(nulls),
        Value::Object(map) => map.iter_mut().filter(|(k, _)| *k != "id").for_each(|(_, v)| nulls(v)),
        other => *other = Value::Null,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("`{0}` is not an absolute http or https URL")]
    BadUpstream(String),
    #[error("cannot open a port on 127.0.0.1 for the proxy: {0}")]
    Bind(#[from] std::io::Error),
    #[error("cannot set up the proxy's HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// A running proxy. Stops when dropped, or with [`FaultProxy::stop`].
pub struct FaultProxy {
    server: Loopback,
    path: String,
    shared: Arc<Shared>,
}

struct Shared {
    /// `scheme://host[:port]` of the upstream; request paths are kept.
    upstream: String,
    client: reqwest::Client,
    fault: Mutex<Fault>,
}

impl Shared {
    fn fault(&self) -> Fault {
        *self.fault.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl FaultProxy {
    /// Starts a proxy in front of `upstream` (a base URL, perhaps with a
    /// path), passing requests through until told otherwise.
    pub async fn start(upstream: &str) -> Result<FaultProxy, ProxyError> {
        let base = url::Url::parse(upstream).map_err(|_| ProxyError::BadUpstream(upstream.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
            return Err(ProxyError::BadUpstream(upstream.to_string()));
        }
        let client = reqwest::Client::builder()
            // The plugin's own requests decide; the proxy follows nothing
            // and ignores the environment's proxies.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()?;
        let shared = Arc::new(Shared { upstream: base.origin().ascii_serialization(), client, fault: Mutex::new(Fault::PassThrough) });
        let app = Router::new().fallback(forward).with_state(shared.clone());
        let server = Loopback::start(app).await?;
        Ok(FaultProxy { server, path: base.path().trim_end_matches('/').to_string(), shared })
    }

    /// The upstream's base URL as reached through the proxy: what the
    /// plugin is configured with.
    pub fn url(&self) -> String {
        format!("{}{}", self.origin(), self.path)
    }

    /// `http://127.0.0.1:PORT`: the allowed host the plugin is granted.
    pub fn origin(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    pub fn set_fault(&self, fault: Fault) {
        *self.shared.fault.lock().unwrap_or_else(|e| e.into_inner()) = fault;
    }

    pub fn fault(&self) -> Fault {
        self.shared.fault()
    }

    /// Stops serving and waits until requests in flight are answered.
    pub async fn stop(self) {
        self.server.stop().await
    }
}

/// Headers that describe one connection or one encoding of the body, not
/// the message: never copied across.
fn hop_by_hop(name: &HeaderName) -> bool {
    [
        header::CONNECTION,
        header::HOST,
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
        header::TE,
        header::TRAILER,
        header::UPGRADE,
        header::PROXY_AUTHORIZATION,
        header::PROXY_AUTHENTICATE,
    ]
    .contains(name)
        || name.as_str() == "keep-alive"
}

fn copied(headers: &HeaderMap) -> HeaderMap {
    headers.iter().filter(|(name, _)| !hop_by_hop(name)).map(|(n, v)| (n.clone(), v.clone())).collect()
}

fn bad_gateway(message: String) -> Response {
    tracing::debug!("{message}");
    (StatusCode::BAD_GATEWAY, Json(json!({ "error": message }))).into_response()
}

async fn forward(State(proxy): State<Arc<Shared>>, request: Request) -> Response {
    let fault = proxy.fault();
    if let Some(refusal) = fault.refusal() {
        return refusal;
    }
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_REQUEST_BYTES).await {
        Ok(body) => body,
        Err(e) => return bad_gateway(format!("the conformance proxy could not read the request: {e}")),
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let url = format!("{}{path}", proxy.upstream);
    let sent = proxy.client.request(parts.method, &url).headers(copied(&parts.headers)).body(body).send().await;
    let answer = match sent {
        Ok(answer) => answer,
        Err(e) => return bad_gateway(format!("the conformance proxy could not reach {}: {e}", proxy.upstream)),
    };
    let status = answer.status();
    let mut headers = copied(answer.headers());
    let mut body = match answer.bytes().await {
        Ok(body) => body,
        Err(e) => return bad_gateway(format!("the conformance proxy could not read the answer of {url}: {e}")),
    };
    // Only JSON is rewritten; anything else (HTML error pages, compressed
    // bodies) goes through as it came.
    if fault.rewrites() {
        if let Ok(mut value) = serde_json::from_slice::<Value>(&body) {
            rewrite(&mut value, fault);
            body = Bytes::from(serde_json::to_vec(&value).expect("a JSON value serialises"));
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_keep_ids_and_shapes() {
        let answer = || json!({"data": [{"id": "c-1", "name": "Jo", "n": 3, "account": {"id": "a-1", "name": "Acme"}, "tags": ["x"]}], "next_page": 2});
        let mut v = answer();
        rewrite(&mut v, Fault::Nulls);
        assert_eq!(
            v,
            json!({"data": [{"id": "c-1", "name": null, "n": null, "account": {"id": "a-1", "name": null}, "tags": [null]}], "next_page": null})
        );
        let mut v = answer();
        rewrite(&mut v, Fault::EmptyArrays);
        assert_eq!(v, json!({"data": [], "next_page": 2}));
        let mut v = answer();
        rewrite(&mut v, Fault::Huge);
        assert_eq!(
            (v["data"][0]["id"].as_str(), v["data"][0]["account"]["name"].as_str().map(|s| s.chars().count())),
            (Some("c-1"), Some(HUGE_CHARS))
        );
        assert!(!UNICODE_TEXT.contains('\0'));
    }

    #[tokio::test]
    async fn forwards_the_request_and_injects_the_fault() {
        use crate::sample_crm::{Dataset, SampleCrm, ODD_EMAIL};
        let crm = SampleCrm::start(Dataset::scenarios()).await.unwrap();
        let proxy = FaultProxy::start(&crm.base_url()).await.unwrap();
        let get = |key: &str| reqwest::Client::new().get(format!("{}/api/contacts?email={ODD_EMAIL}", proxy.url())).bearer_auth(key).send();

        assert_eq!(get("wrong").await.unwrap().status(), 401, "the key is the plugin's, passed on");
        let first_name = |body: Value| body["data"][0]["first_name"].as_str().unwrap().to_string();
        assert_eq!(first_name(get(crm.api_key()).await.unwrap().json().await.unwrap()), "Zoë");
        proxy.set_fault(Fault::Unicode);
        assert_eq!(first_name(get(crm.api_key()).await.unwrap().json().await.unwrap()), UNICODE_TEXT);
        proxy.set_fault(Fault::Huge);
        assert_eq!(first_name(get(crm.api_key()).await.unwrap().json().await.unwrap()).len(), HUGE_CHARS);
        proxy.set_fault(Fault::RateLimited);
        let answer = get(crm.api_key()).await.unwrap();
        assert_eq!((answer.status().as_u16(), answer.headers()["retry-after"].to_str().unwrap()), (429, "7"));
    }
}
