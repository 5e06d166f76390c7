//! Salesforce's REST API, through the host's HTTP import.

use deskpane_plugin_sdk::prelude::*;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value as Json;

use crate::convert::Describe;

/// The credential the manifest declares; the host adds `Bearer`.
pub const CREDENTIAL: &str = "crm";

/// Salesforce's largest composite batch (`/composite/sobjects`).
pub const BATCH: usize = 200;

/// What to wait after `REQUEST_LIMIT_EXCEEDED` (the daily budget; Salesforce says no more).
const LIMIT_WAIT_SECS: u32 = 60;

/// Most query batches one query may take (2,000 records each).
const MAX_BATCHES: usize = 500;

/// Characters left as they are in a query value (RFC 3986 unreserved).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY).to_string()
}

/// The API version of config `api-version`: `v62.0` (or `62.0`), nothing else.
pub fn api_version(setting: Option<&str>) -> Result<String, ConnectorError> {
    let text = setting.map(str::trim).filter(|v| !v.is_empty()).unwrap_or("v62.0");
    let number = text.strip_prefix('v').unwrap_or(text);
    let ok = number.strip_suffix(".0").is_some_and(|major| (1..=3).contains(&major.len()) && major.chars().all(|c| c.is_ascii_digit()));
    if ok {
        Ok(format!("v{number}"))
    } else {
        Err(ConnectorError::Permanent(format!(
            "the API version setting `{}` is not a Salesforce API version: write it as vNN.0, e.g. v62.0",
            text.escape_debug()
        )))
    }
}

/// A failed request: Salesforce's error code and message when it gave
/// them, and the contract's error.
#[derive(Debug)]
pub struct Failure {
    pub code: String,
    pub message: String,
    pub error: ConnectorError,
}

impl From<Failure> for ConnectorError {
    fn from(f: Failure) -> Self {
        f.error
    }
}

impl From<HttpError> for Failure {
    fn from(e: HttpError) -> Self {
        Failure { code: String::new(), message: String::new(), error: e.into() }
    }
}

/// The first error of a Salesforce error body: `[{message, errorCode,
/// fields}]`, or OAuth's `{error, error_description}`.
pub fn first_error(body: &Json) -> (String, String, Vec<String>) {
    let e = match body {
        Json::Array(items) => items.first().unwrap_or(&Json::Null),
        other => other,
    };
    let text = |keys: &[&str]| keys.iter().find_map(|k| e[*k].as_str()).unwrap_or_default().to_string();
    let fields = e["fields"].as_array().map(|f| f.iter().filter_map(|f| f.as_str().map(str::to_string)).collect()).unwrap_or_default();
    (text(&["errorCode", "statusCode", "error"]), text(&["message", "error_description"]), fields)
}

/// The contract's error for a whole-request failure.
pub fn status_error(status: u16, body: &Json, url: &str) -> Failure {
    let (code, message, fields) = first_error(body);
    let error = match status {
        401 => ConnectorError::AuthExpired,
        403 if code == "REQUEST_LIMIT_EXCEEDED" => ConnectorError::RateLimited(LIMIT_WAIT_SECS),
        429 => ConnectorError::Transient(format!("Salesforce is busy (HTTP 429){}", said(&code, &message))),
        s if s >= 500 => ConnectorError::Transient(format!("Salesforce answered HTTP {s}{}", said(&code, &message))),
        404 if message.is_empty() => ConnectorError::NotFound(url.to_string()),
        404 => ConnectorError::NotFound(message.clone()),
        _ if code.is_empty() => ConnectorError::Permanent(format!("Salesforce answered HTTP {status}{}", said(&code, &message))),
        _ => record_error(&code, &message, &fields, None),
    };
    Failure { code, message, error }
}

fn said(code: &str, message: &str) -> String {
    match (code.is_empty(), message.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!(": {code}"),
        (true, false) => format!(": {message}"),
        (false, false) => format!(": {code}: {message}"),
    }
}

/// The contract's error for one of Salesforce's error codes, on a record
/// of a batch or a whole request. `describe` types the field of a
/// mismatch when the caller has it.
pub fn record_error(code: &str, message: &str, fields: &[String], describe: Option<&Describe>) -> ConnectorError {
    let first_field = || fields.first().cloned();
    match code {
        "REQUIRED_FIELD_MISSING" => ConnectorError::MandatoryMissing(if fields.is_empty() { bracketed(message) } else { fields.to_vec() }),
        "DUPLICATE_VALUE" => {
            let field = first_field()
                .or_else(|| between(message, "duplicate value found: ", " duplicates"))
                .or_else(|| describe.and_then(|d| d.field_named_in(message)))
                .unwrap_or_default();
            let existing_id = message.rsplit_once("with id: ").map(|(_, id)| id.trim().trim_end_matches('.').to_string());
            ConnectorError::Duplicate(DuplicateInfo { field, existing_id: existing_id.filter(|id| crate::soql::is_id(id)) })
        }
        "STRING_TOO_LONG"
        | "INVALID_TYPE_ON_FIELD_IN_RECORD"
        | "INVALID_EMAIL_ADDRESS"
        | "NUMBER_OUTSIDE_VALID_RANGE"
        | "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" => {
            // Salesforce names the field by its label in the message
            // ("Last Name: data value too large: ...", "Call Type: bad
            // value for restricted picklist field: Sideways").
            let field = first_field()
                .or_else(|| message.split_once(':').and_then(|(label, _)| describe.and_then(|d| d.by_label(label.trim()))))
                .or_else(|| message.split_once(':').map(|(label, _)| label.trim().to_string()))
                .unwrap_or_default();
            let expected = describe.and_then(|d| d.field(&field)).map(|f| f.field_type()).unwrap_or(match code {
                "STRING_TOO_LONG" => FieldType::Text,
                "INVALID_EMAIL_ADDRESS" => FieldType::Email,
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" => FieldType::Picklist,
                _ => FieldType::Other,
            });
            ConnectorError::TypeMismatch(TypeMismatchInfo { field, expected, message: format!("{code}: {message}") })
        }
        "ENTITY_IS_DELETED" | "NOT_FOUND" | "INVALID_TYPE" => ConnectorError::NotFound(format!("{code}: {message}")),
        "INVALID_SESSION_ID" => ConnectorError::AuthExpired,
        "REQUEST_LIMIT_EXCEEDED" => ConnectorError::RateLimited(LIMIT_WAIT_SECS),
        "UNABLE_TO_LOCK_ROW" | "SERVER_UNAVAILABLE" => ConnectorError::Transient(format!("{code}: {message}")),
        "" => ConnectorError::Permanent(format!("Salesforce refused the record without saying why: {message}")),
        _ => ConnectorError::Permanent(format!("{code}: {message}")),
    }
}

/// `[A, B]` of "Required fields are missing: [A, B]".
fn bracketed(message: &str) -> Vec<String> {
    between(message, "[", "]")
        .map(|inner| inner.split(',').map(str::trim).filter(|f| !f.is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let (_, rest) = text.split_once(start)?;
    let (inner, _) = rest.split_once(end)?;
    Some(inner.trim().to_string()).filter(|s| !s.is_empty())
}

/// A connection to one Salesforce org.
pub struct Salesforce {
    base: String,
    version: String,
}

impl Salesforce {
    pub fn connect() -> Result<Salesforce, ConnectorError> {
        // The token endpoint reports the org's `instance_url`; the host
        // hands it over with the credential.
        let base = http::api_base(CREDENTIAL)
            .or_else(|| config::get("instance-url"))
            .map(|b| b.trim().trim_end_matches('/').to_string())
            .filter(|b| !b.is_empty())
            .ok_or_else(|| {
                ConnectorError::Permanent(
                    "no Salesforce address: connect the Salesforce credential or set the Salesforce address in the plugin settings".into(),
                )
            })?;
        let version = api_version(config::get("api-version").as_deref())?;
        Ok(Salesforce { base, version })
    }

    /// "View in Salesforce" link of a record.
    pub fn link(&self, sobject: &str, id: &str) -> Option<String> {
        Some(format!("{}/lightning/r/{sobject}/{}/view", self.base, encode(id)))
    }

    fn url(&self, path: &str) -> String {
        format!("{}/services/data/{}{}", self.base, self.version, path)
    }

    pub fn get(&self, path: &str) -> Result<Json, Failure> {
        self.send(http::request(Method::Get, &self.url(path), Some(CREDENTIAL)))
    }

    pub fn write(&self, method: Method, path: &str, body: &Json) -> Result<Json, Failure> {
        self.send(http::json_request(method, &self.url(path), Some(CREDENTIAL), body))
    }

    /// POST of a JSON body already serialised (a file's base64 content is
    /// written once, not copied into a `Value` first).
    pub fn post_raw(&self, path: &str, json: Vec<u8>) -> Result<Json, Failure> {
        let mut req = http::request(Method::Post, &self.url(path), Some(CREDENTIAL));
        req.headers.push(("content-type".into(), "application/json".into()));
        req.body = Some(json);
        self.send(req)
    }

    pub fn delete(&self, path: &str) -> Result<Json, Failure> {
        self.send(http::request(Method::Delete, &self.url(path), Some(CREDENTIAL)))
    }

    /// Every record a query selects, following `nextRecordsUrl` until done.
    pub fn query(&self, soql: &str) -> Result<Vec<Json>, Failure> {
        self.query_at("query", soql)
    }

    /// As [`query`](Self::query), deleted records included (`queryAll`).
    pub fn query_all(&self, soql: &str) -> Result<Vec<Json>, Failure> {
        self.query_at("queryAll", soql)
    }

    /// The first record a query selects.
    pub fn first(&self, soql: &str) -> Result<Option<Json>, Failure> {
        Ok(self.query(soql)?.into_iter().next())
    }

    fn query_at(&self, endpoint: &str, soql: &str) -> Result<Vec<Json>, Failure> {
        let mut page = self.get(&format!("/{endpoint}?q={}", encode(soql)))?;
        let mut out = Vec::new();
        for _ in 0..MAX_BATCHES {
            if let Some(records) = page.get_mut("records").and_then(Json::as_array_mut) {
                out.append(records);
            }
            if page["done"].as_bool().unwrap_or(true) {
                return Ok(out);
            }
            let next = page["nextRecordsUrl"].as_str().unwrap_or_default();
            // Only ever a path of this org's API, never another host.
            if !next.starts_with("/services/data/") || next.contains("..") || next.contains("//") {
                return Err(permanent(format!("Salesforce gave a next-batch address that is not of its API: `{}`", next.escape_debug())));
            }
            page = self.send(http::request(Method::Get, &format!("{}{next}", self.base), Some(CREDENTIAL)))?;
        }
        Err(permanent(format!("the query went past {MAX_BATCHES} batches; narrow it")))
    }

    fn send(&self, req: http::Request) -> Result<Json, Failure> {
        let resp = http::send(&req)?;
        let body = if resp.body.is_empty() { Json::Null } else { serde_json::from_slice(&resp.body).unwrap_or(Json::Null) };
        match resp.status {
            204 => Ok(Json::Null),
            200..=299 if body.is_null() => Err(permanent(format!("Salesforce answered HTTP {} with a body that is not JSON", resp.status))),
            200..=299 => Ok(body),
            s => Err(status_error(s, &body, &req.url)),
        }
    }
}

fn permanent(message: String) -> Failure {
    Failure { code: String::new(), message: message.clone(), error: ConnectorError::Permanent(message) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(status: u16, body: Json) -> ConnectorError {
        status_error(status, &body, "https://x.my.salesforce.com/services/data/v62.0/query").error
    }

    #[test]
    fn whole_request_errors_map_to_the_contract() {
        let session = json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]);
        assert!(matches!(err(401, session), ConnectorError::AuthExpired));
        let limit = json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]);
        assert!(matches!(err(403, limit), ConnectorError::RateLimited(60)));
        assert!(matches!(err(403, json!([{"message": "no", "errorCode": "INSUFFICIENT_ACCESS"}])), ConnectorError::Permanent(_)));
        assert!(matches!(err(429, Json::Null), ConnectorError::Transient(_)));
        assert!(matches!(err(503, json!([{"message": "down", "errorCode": "SERVER_UNAVAILABLE"}])), ConnectorError::Transient(_)));
        assert!(matches!(err(500, Json::Null), ConnectorError::Transient(_)));
        let msg = "\nSELECT Foo FROM Contact\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo' on entity 'Contact'.";
        match err(400, json!([{"message": msg, "errorCode": "INVALID_FIELD"}])) {
            ConnectorError::Permanent(m) => assert!(m.contains("INVALID_FIELD") && m.contains("No such column 'Foo'"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(err(400, json!([{"message": "unexpected token", "errorCode": "MALFORMED_QUERY"}])), ConnectorError::Permanent(_)));
        let missing = json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]);
        assert!(matches!(err(404, missing), ConnectorError::NotFound(m) if m.contains("does not exist")));
        assert!(matches!(err(404, Json::Null), ConnectorError::NotFound(m) if m.ends_with("/query")));
        assert!(
            matches!(err(400, json!({"error": "invalid_grant", "error_description": "expired"})), ConnectorError::Permanent(m) if m.contains("invalid_grant"))
        );
        assert!(matches!(err(418, Json::Null), ConnectorError::Permanent(m) if m.contains("418")));
    }

    #[test]
    fn record_errors_map_to_the_contract() {
        let f = |code: &str, message: &str, fields: &[&str]| {
            record_error(code, message, &fields.iter().map(|s| s.to_string()).collect::<Vec<_>>(), None)
        };
        assert_eq!(
            format!("{:?}", f("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", &["LastName"])),
            format!("{:?}", ConnectorError::MandatoryMissing(vec!["LastName".into()]))
        );
        assert!(matches!(f("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName, Company]", &[]),
            ConnectorError::MandatoryMissing(v) if v == ["LastName", "Company"]));
        match f("DUPLICATE_VALUE", "duplicate value found: Email__c duplicates value on record with id: 003000000000001AAA", &[]) {
            ConnectorError::Duplicate(d) => {
                assert_eq!(d.field, "Email__c");
                assert_eq!(d.existing_id.as_deref(), Some("003000000000001AAA"));
            }
            other => panic!("{other:?}"),
        }
        match f("STRING_TOO_LONG", "Last Name: data value too large: xxxx (max length=80)", &["LastName"]) {
            ConnectorError::TypeMismatch(t) => {
                assert_eq!(t.field, "LastName");
                assert!(matches!(t.expected, FieldType::Text));
                assert!(t.message.contains("max length=80"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(f("INVALID_TYPE_ON_FIELD_IN_RECORD", "Amount: value not of required type: abc", &[]),
            ConnectorError::TypeMismatch(t) if t.field == "Amount"));
        match f("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Call Type: bad value for restricted picklist field: Sideways", &["CallType"]) {
            ConnectorError::TypeMismatch(t) => {
                assert_eq!(t.field, "CallType");
                assert!(matches!(t.expected, FieldType::Picklist));
                assert_eq!(
                    t.message,
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Call Type: bad value for restricted picklist field: Sideways"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(f("ENTITY_IS_DELETED", "entity is deleted", &[]), ConnectorError::NotFound(_)));
        assert!(matches!(f("NOT_FOUND", "not found", &[]), ConnectorError::NotFound(_)));
        for code in ["INVALID_FIELD", "INVALID_CROSS_REFERENCE_KEY", "INVALID_FIELD_FOR_INSERT_UPDATE", "FIELD_CUSTOM_VALIDATION_EXCEPTION"]
        {
            assert!(matches!(f(code, "why", &[]), ConnectorError::Permanent(m) if m == format!("{code}: why")));
        }
        assert!(matches!(f("UNABLE_TO_LOCK_ROW", "busy", &[]), ConnectorError::Transient(_)));
    }

    #[test]
    fn the_api_version_setting_is_checked() {
        assert_eq!(api_version(None).unwrap(), "v62.0");
        assert_eq!(api_version(Some(" v58.0 ")).unwrap(), "v58.0");
        assert_eq!(api_version(Some("61.0")).unwrap(), "v61.0");
        for bad in ["v62", "v62.1", "latest", "v62.0/../../x", "v.0"] {
            assert!(matches!(api_version(Some(bad)), Err(ConnectorError::Permanent(_))), "{bad}");
        }
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode("SELECT Id FROM Contact WHERE Email = 'a+b@x.com'"),
            "SELECT%20Id%20FROM%20Contact%20WHERE%20Email%20%3D%20%27a%2Bb%40x.com%27"
        );
    }
}
