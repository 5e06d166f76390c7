//! CloudCX's API v1 (tests/emulators/cloudcx/README.md), through the host's
//! HTTP import.

use deskpane_plugin_sdk::prelude::*;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value as Json;

/// The credential the manifest declares; the host adds `Bearer <key>`.
pub const CREDENTIAL: &str = "cloudcx";

/// CloudCX's largest page.
pub const PAGE_SIZE: u32 = 200;

/// Most pages one list may take (200 items each): a runaway cursor ends
/// with an error rather than at the call timeout.
const MAX_PAGES: usize = 100;

/// What to wait after a 429 without a usable `Retry-After`.
const DEFAULT_RETRY_AFTER: u32 = 1;

/// What an API key CloudCX refuses means: no refresh exists for a key.
pub const KEY_REFUSED: &str = "CloudCX refused the API key; an admin must enter a valid one";

/// Characters left as they are in a query value (RFC 3986 unreserved).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY).to_string()
}

/// The API root (`.../api/v1`) of a configured address: trailing slashes
/// and an `/api/v1` the admin included are accepted.
pub fn api_root(address: &str) -> String {
    let base = address.trim().trim_end_matches('/');
    let base = base.strip_suffix("/api/v1").unwrap_or(base).trim_end_matches('/');
    format!("{base}/api/v1")
}

/// Whether `id` looks like a CloudCX id (`vis_...`, `conv_...`): it goes
/// into URL paths, so nothing else does.
pub fn is_id(id: &str) -> bool {
    let Some((prefix, rest)) = id.split_once('_') else { return false };
    (1..=16).contains(&prefix.len())
        && prefix.bytes().all(|b| b.is_ascii_lowercase())
        && (1..=64).contains(&rest.len())
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A checked id, or `not-found` naming what was asked for.
pub fn checked_id<'a>(id: &'a str, what: &str) -> Result<&'a str, ConnectorError> {
    if is_id(id) {
        Ok(id)
    } else {
        Err(ConnectorError::NotFound(format!("{what} `{}` (not a CloudCX id)", id.escape_debug())))
    }
}

/// A connection to one CloudCX tenant.
pub struct Cloudcx {
    root: String,
}

impl Cloudcx {
    pub fn connect() -> Result<Cloudcx, ConnectorError> {
        let address = config::get("api-url")
            .filter(|a| !a.trim().is_empty())
            .or_else(|| http::api_base(CREDENTIAL))
            .ok_or_else(|| ConnectorError::Permanent("the CloudCX API address (config `api-url`) is not set".into()))?;
        Ok(Cloudcx { root: api_root(&address) })
    }

    /// `path` starts with `/` and carries its query.
    pub fn get(&self, path: &str) -> Result<Json, ConnectorError> {
        self.send(http::request(Method::Get, &format!("{}{path}", self.root), Some(CREDENTIAL)))
    }

    pub fn post(&self, path: &str, body: &Json) -> Result<Json, ConnectorError> {
        self.send(http::json_request(Method::Post, &format!("{}{path}", self.root), Some(CREDENTIAL), body))
    }

    /// `GET /attachments/{id}/content`: the bytes, typed and named by the
    /// answer's headers.
    pub fn file(&self, id: &str) -> Result<File, ConnectorError> {
        let req = http::request(Method::Get, &format!("{}/attachments/{id}/content", self.root), Some(CREDENTIAL));
        let resp = http::send(&req)?;
        if !(200..300).contains(&resp.status) {
            let body = resp.json().unwrap_or(Json::Null);
            return Err(status_error(resp.status, resp.header("retry-after"), &body, &req.url));
        }
        let name = resp.header("content-disposition").and_then(crate::convert::disposition_name).unwrap_or_else(|| id.to_string());
        let content_type = resp.header("content-type").filter(|t| !t.trim().is_empty()).unwrap_or("application/octet-stream").to_string();
        Ok(File { name, content_type, content: resp.body })
    }

    fn send(&self, req: http::Request) -> Result<Json, ConnectorError> {
        let resp = http::send(&req)?;
        if (200..300).contains(&resp.status) {
            return resp.json();
        }
        let body = resp.json().unwrap_or(Json::Null);
        Err(status_error(resp.status, resp.header("retry-after"), &body, &req.url))
    }

    /// Every item of a list (`path` carries its filters), following
    /// `next_cursor`; the cursor is sent alone, as CloudCX asks.
    pub fn all(&self, path: &str) -> Result<Vec<Json>, ConnectorError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let list = path.split('?').next().unwrap_or(path);
        let mut out = Vec::new();
        let mut page = self.get(&format!("{path}{sep}limit={PAGE_SIZE}"))?;
        for _ in 0..MAX_PAGES {
            let (items, next) = list_page(&page)?;
            out.extend(items);
            match next {
                Some(cursor) => page = self.get(&format!("{list}?limit={PAGE_SIZE}&cursor={}", encode(&cursor)))?,
                None => return Ok(out),
            }
        }
        Err(ConnectorError::Permanent(format!("CloudCX listed more than {} pages of {list}", MAX_PAGES)))
    }
}

/// The items and `next_cursor` of a list answer `{"data": [...], "next_cursor": ...}`.
pub fn list_page(body: &Json) -> Result<(Vec<Json>, Option<String>), ConnectorError> {
    let items = body
        .get("data")
        .and_then(Json::as_array)
        .ok_or_else(|| ConnectorError::Permanent("CloudCX answered a list without `data`".into()))?;
    let next = match body.get("next_cursor") {
        None | Some(Json::Null) => None,
        Some(Json::String(c)) if !c.is_empty() => Some(c.clone()),
        Some(other) => return Err(ConnectorError::Permanent(format!("CloudCX answered a list with next_cursor {other}"))),
    };
    Ok((items.clone(), next))
}

/// The contract's error for a CloudCX error answer
/// `{"error": {"code", "message"}}`.
pub fn status_error(status: u16, retry_after: Option<&str>, body: &Json, url: &str) -> ConnectorError {
    let code = body["error"]["code"].as_str().unwrap_or_default();
    let message = body["error"]["message"].as_str().unwrap_or_default();
    let said = match (code.is_empty(), message.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!(": {code}"),
        (true, false) => format!(": {message}"),
        (false, false) => format!(": {code}: {message}"),
    };
    match status {
        401 => ConnectorError::Permanent(KEY_REFUSED.into()),
        429 => ConnectorError::RateLimited(
            retry_after.and_then(|v| v.trim().parse::<u32>().ok()).filter(|s| *s > 0).unwrap_or(DEFAULT_RETRY_AFTER),
        ),
        404 => ConnectorError::NotFound(if message.is_empty() { strip_query(url).to_string() } else { message.to_string() }),
        s if s >= 500 => ConnectorError::Transient(format!("CloudCX answered HTTP {s}{said}")),
        s => ConnectorError::Permanent(format!("CloudCX refused the request (HTTP {s}){said}")),
    }
}

fn strip_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_api_root_accepts_what_admins_type() {
        for address in [
            "https://acme.cloudcx.example",
            "https://acme.cloudcx.example/",
            "https://acme.cloudcx.example/api/v1/",
            " https://acme.cloudcx.example/api/v1",
        ] {
            assert_eq!(api_root(address), "https://acme.cloudcx.example/api/v1", "{address}");
        }
    }

    #[test]
    fn only_cloudcx_ids_go_into_paths() {
        assert!(is_id("vis_000000010000abcd") && is_id("conv_1") && is_id("wh_a-b_c"));
        for bad in ["", "vis_", "_x", "VIS_1", "vis_../x", "vis_1?x=1", "vis_1/2", "nounderscore", "vis_1 2"] {
            assert!(!is_id(bad), "{bad}");
        }
        assert!(matches!(checked_id("../x", "visitor"), Err(ConnectorError::NotFound(_))));
    }

    #[test]
    fn answers_map_to_the_contracts_errors() {
        let body = json!({"error": {"code": "unauthorized", "message": "unknown API key"}});
        assert!(matches!(status_error(401, None, &body, "u"), ConnectorError::Permanent(m) if m == KEY_REFUSED));
        assert!(matches!(status_error(429, Some("17"), &Json::Null, "u"), ConnectorError::RateLimited(17)));
        assert!(matches!(status_error(429, Some("soon"), &Json::Null, "u"), ConnectorError::RateLimited(1)));
        assert!(matches!(status_error(429, Some("0"), &Json::Null, "u"), ConnectorError::RateLimited(1)));
        assert!(matches!(status_error(503, None, &Json::Null, "u"), ConnectorError::Transient(_)));
        let missing = json!({"error": {"code": "not_found", "message": "no conversation conv_9"}});
        assert!(matches!(status_error(404, None, &missing, "u"), ConnectorError::NotFound(m) if m == "no conversation conv_9"));
        assert!(
            matches!(status_error(404, None, &Json::Null, "https://x/api/v1/a?b=c"), ConnectorError::NotFound(m) if m == "https://x/api/v1/a")
        );
        let bad = json!({"error": {"code": "invalid_request", "message": "limit must be 1..200"}});
        match status_error(400, None, &bad, "u") {
            ConnectorError::Permanent(m) => assert!(m.contains("HTTP 400") && m.contains("invalid_request: limit must be 1..200"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn list_pages_are_read_strictly() {
        let (items, next) = list_page(&json!({"data": [1, 2], "next_cursor": "abc"})).unwrap();
        assert_eq!((items.len(), next.as_deref()), (2, Some("abc")));
        assert_eq!(list_page(&json!({"data": [], "next_cursor": null})).unwrap().1, None);
        assert!(list_page(&json!({"items": []})).is_err());
        assert!(list_page(&json!({"data": [], "next_cursor": 3})).is_err());
    }
}
