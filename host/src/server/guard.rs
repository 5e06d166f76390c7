//! Middleware every response passes: cross-site request refusal, the
//! browser security headers, and `{"error"}` JSON for every failure.

use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, COOKIE, HOST, ORIGIN};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{ApiError, AppState};

/// Refuses a state-changing request a browser sent on another site's
/// behalf (CSRF). A browser says where a request comes from in
/// `Sec-Fetch-Site` and `Origin`; either, when present, must say this
/// desk. Requests without cookies (API clients with a bearer token, CRM
/// notifications) carry no ambient credential and pass.
pub async fn same_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    if !headers.contains_key(COOKIE) {
        return next.run(req).await;
    }
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if site.is_some_and(|s| s != "same-origin" && s != "none") {
        return cross_site();
    }
    if let Some(origin) = headers.get(ORIGIN) {
        let host = headers.get(HOST).and_then(|v| v.to_str().ok());
        let ours = origin.to_str().ok().is_some_and(|o| o == &*state.public_url || authority(o).is_some_and(|a| Some(a) == host));
        if !ours {
            return cross_site();
        }
    }
    next.run(req).await
}

/// `host[:port]` of an origin such as `http://127.0.0.1:8080`.
fn authority(origin: &str) -> Option<&str> {
    let rest = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"))?;
    (!rest.is_empty() && !rest.contains('/')).then_some(rest)
}

fn cross_site() -> Response {
    ApiError::forbidden("this request came from another site; make changes from the desk's own pages").into_response()
}

/// CSP, framing, sniffing and referrer rules for every response. Only the
/// embeddable panel may be framed, by the desk itself and the origins the
/// operator listed.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let embeddable = req.uri().path() == "/embed/panel";
    let mut response = next.run(req).await;
    let ancestors = if embeddable {
        std::iter::once("'self'".to_string()).chain(state.embed_origins.iter().cloned()).collect::<Vec<_>>().join(" ")
    } else {
        "'none'".to_string()
    };
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors {ancestors}"
    );
    let h = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(HeaderName::from_static(name), v);
        }
    };
    set(h, "content-security-policy", &csp);
    set(h, "x-content-type-options", "nosniff");
    // Approval links carry a secret in their path: never hand it on.
    set(h, "referrer-policy", "same-origin");
    if !embeddable {
        set(h, "x-frame-options", "DENY");
    }
    response
}

/// Rewrites plain-text failures (axum's own rejections: a malformed JSON
/// body, a bad path parameter, a body over its limit) as the documented
/// `{"error": "..."}`.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let plain = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_none_or(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, 16 * 1024).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() { status.canonical_reason().unwrap_or("the request failed").to_string() } else { text };
    let mut rewritten = ApiError::new(status, message).into_response();
    for (name, value) in parts.headers.iter() {
        if name != CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rewritten
}
