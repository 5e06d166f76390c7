//! Zoho CRM's v8 REST API, through the host's HTTP import.

use deskpane_plugin_sdk::prelude::*;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value as Json;

/// The credential the manifest declares; the host adds `Zoho-oauthtoken`.
pub const CREDENTIAL: &str = "crm";

/// Zoho's largest page.
pub const PAGE_SIZE: u32 = 200;

/// Zoho's largest write batch.
pub const BATCH: usize = 100;

/// What to wait after a 429 that carries no `Retry-After` (Zoho's do not).
const DEFAULT_RETRY_AFTER: u32 = 2;

/// Characters left as they are in a query value (RFC 3986 unreserved).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY).to_string()
}

/// A connection to one Zoho CRM organisation.
pub struct Zoho {
    base: String,
}

/// A successful answer: the body, or `None` for Zoho's empty answers
/// (204 nothing matched, 304 nothing modified).
pub type Answer = Option<Json>;

impl Zoho {
    pub fn connect() -> Zoho {
        // The accounts server reports the organisation's data centre as
        // `api_domain`; the host hands it over with the credential.
        let base = http::api_base(CREDENTIAL).or_else(|| config::get("api-domain")).unwrap_or_else(|| "https://www.zohoapis.com".into());
        Zoho { base: base.trim_end_matches('/').to_string() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/crm/v8{}", self.base, path)
    }

    pub fn get(&self, path: &str) -> Result<Answer, ConnectorError> {
        self.send(http::request(Method::Get, &self.url(path), Some(CREDENTIAL)))
    }

    /// GET with `If-Modified-Since`.
    pub fn get_since(&self, path: &str, since: Option<&str>) -> Result<Answer, ConnectorError> {
        let mut req = http::request(Method::Get, &self.url(path), Some(CREDENTIAL));
        if let Some(since) = since {
            req.headers.push(("If-Modified-Since".into(), since.into()));
        }
        self.send(req)
    }

    pub fn write(&self, method: Method, path: &str, body: &Json) -> Result<Answer, ConnectorError> {
        self.send(http::json_request(method, &self.url(path), Some(CREDENTIAL), body))
    }

    /// POST of a `multipart/form-data` body (attachments).
    pub fn upload(&self, path: &str, form: deskpane_plugin_sdk::multipart::Form) -> Result<Answer, ConnectorError> {
        let mut req = http::request(Method::Post, &self.url(path), Some(CREDENTIAL));
        req.headers.push(("content-type".into(), form.content_type));
        req.body = Some(form.body);
        self.send(req)
    }

    pub fn delete(&self, path: &str) -> Result<Answer, ConnectorError> {
        self.send(http::request(Method::Delete, &self.url(path), Some(CREDENTIAL)))
    }

    fn send(&self, req: http::Request) -> Result<Answer, ConnectorError> {
        let resp = http::send(&req)?;
        match resp.status {
            204 | 304 => Ok(None),
            // 207 and an all-failed 400 carry per-record outcomes in `data`.
            200 | 201 | 207 => Ok(Some(resp.json()?)),
            400 => {
                let body = resp.json()?;
                if body.get("data").is_some_and(Json::is_array) {
                    Ok(Some(body))
                } else {
                    Err(api_error(&body, 400))
                }
            }
            401 => Err(ConnectorError::AuthExpired),
            429 => {
                let secs = resp.header("retry-after").and_then(|v| v.trim().parse().ok()).unwrap_or(DEFAULT_RETRY_AFTER);
                Err(ConnectorError::RateLimited(secs))
            }
            404 => Err(ConnectorError::NotFound(req.url)),
            s if s >= 500 => Err(ConnectorError::Transient(format!("Zoho CRM answered HTTP {s}"))),
            s => Err(api_error(&resp.json().unwrap_or(Json::Null), s)),
        }
    }
}

/// A whole-request error envelope `{code, details, message, status}`.
fn api_error(body: &Json, status: u16) -> ConnectorError {
    let code = body["code"].as_str().unwrap_or("");
    let message = body["message"].as_str().unwrap_or("");
    match code {
        "INVALID_TOKEN" | "AUTHENTICATION_FAILURE" => ConnectorError::AuthExpired,
        "INVALID_MODULE" => ConnectorError::NotFound(format!("module: {message}")),
        "" => ConnectorError::Permanent(format!("Zoho CRM answered HTTP {status}")),
        _ => ConnectorError::Permanent(format!("Zoho CRM refused the request: {code}: {message} {}", body["details"])),
    }
}

/// Reads every page of a list endpoint (`path` already carries its query),
/// following `page` and then `page_token` past Zoho's 2,000-record window.
pub fn all_pages(zoho: &Zoho, path: &str) -> Result<Vec<Json>, ConnectorError> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page_path = match &token {
            Some(t) => format!("{path}{sep}per_page={PAGE_SIZE}&page_token={}", encode(t)),
            None => format!("{path}{sep}per_page={PAGE_SIZE}"),
        };
        let Some(body) = zoho.get(&page_path)? else { break };
        if let Some(data) = body["data"].as_array() {
            out.extend(data.iter().cloned());
        }
        let info = &body["info"];
        if !info["more_records"].as_bool().unwrap_or(false) {
            break;
        }
        match info["next_page_token"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => return Err(ConnectorError::Permanent("Zoho CRM said more records follow but gave no next_page_token".into())),
        }
    }
    Ok(out)
}
