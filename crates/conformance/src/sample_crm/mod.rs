//! The Sample CRM of `README.md` beside this crate: a small CRM with a plain
//! REST API, served on loopback from a fixed [`Dataset`]. Read-only: the
//! kit only reads, so nothing here changes after start.

mod scenarios;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};

use crate::serve::Loopback;

pub use scenarios::{lookups, Lookup, ODD_CONTACT, ODD_EMAIL, PAGED_ITEMS, PAGING_CONTACT};

/// The API key every Sample CRM the kit starts accepts.
pub const API_KEY: &str = "sample-crm-conformance-key";

/// Page size when the request names none, and the largest one served.
pub const DEFAULT_PER_PAGE: usize = 20;
pub const MAX_PER_PAGE: usize = 100;

/// The search keys of `GET /api/contacts`.
pub const SEARCH_KEYS: &[&str] = &["email", "secondary_email", "phone", "name", "account"];

/// Activity kinds, as the API spells them.
pub const ACTIVITY_KINDS: &[&str] = &["call", "event", "task", "chat"];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contact {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub customer_type: Option<String>,
    pub owner: Option<String>,
    pub account: Option<Account>,
    pub updated_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    pub id: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deal {
    pub id: String,
    pub name: Option<String>,
    pub stage: Option<String>,
    pub amount: Option<f64>,
    pub currency: Option<String>,
    /// `YYYY-MM-DD`.
    pub close_date: Option<String>,
    pub owner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoteRecord {
    pub id: String,
    pub title: Option<String>,
    /// May hold HTML.
    pub body: Option<String>,
    pub author: Option<String>,
    /// RFC 3339.
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityRecord {
    pub id: String,
    /// One of [`ACTIVITY_KINDS`].
    pub kind: String,
    pub subject: Option<String>,
    pub status: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub owner: Option<String>,
    pub description: Option<String>,
}

/// What a Sample CRM holds: contacts, and per contact id its deals, notes
/// and activities.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    pub contacts: Vec<Contact>,
    pub deals: BTreeMap<String, Vec<Deal>>,
    pub notes: BTreeMap<String, Vec<NoteRecord>>,
    pub activities: BTreeMap<String, Vec<ActivityRecord>>,
}

impl Dataset {
    pub fn contact(&self, id: &str) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.id == id)
    }
}

/// A running Sample CRM. Stops when dropped, or with [`SampleCrm::stop`].
pub struct SampleCrm {
    server: Loopback,
}

impl SampleCrm {
    /// Serves `data` on 127.0.0.1 (a free port) on the current tokio runtime.
    pub async fn start(data: Dataset) -> std::io::Result<SampleCrm> {
        Self::start_on(data, 0).await
    }

    /// Serves `data` on 127.0.0.1:`port` (0: a free one), as
    /// `deskpane plugin sample-crm` does for an author trying a plugin by hand.
    pub async fn start_on(mut data: Dataset, port: u16) -> std::io::Result<SampleCrm> {
        // The README promises contacts ordered by id.
        data.contacts.sort_by(|a, b| a.id.cmp(&b.id));
        let crm = Arc::new(Crm { data, api_key: API_KEY.to_string() });
        let app = Router::new()
            .route("/api/contacts", get(search))
            .route("/api/contacts/{id}", get(contact))
            .route("/api/contacts/{id}/deals", get(deals))
            .route("/api/contacts/{id}/notes", get(notes))
            .route("/api/contacts/{id}/activities", get(activities))
            .fallback(|| async { ApiError::not_found() })
            .layer(middleware::from_fn_with_state(crm.clone(), authenticate))
            .with_state(crm);
        Ok(SampleCrm { server: Loopback::start_on(app, port).await? })
    }

    /// `http://127.0.0.1:PORT`: what a plugin's `api-url` is set to.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// The key requests must carry as `Authorization: Bearer <key>`.
    pub fn api_key(&self) -> &str {
        API_KEY
    }

    /// Stops serving and waits until requests in flight are answered.
    pub async fn stop(self) {
        self.server.stop().await
    }
}

struct Crm {
    data: Dataset,
    api_key: String,
}

/// An error answer, `{"error": "..."}`.
struct ApiError(StatusCode, String);

impl ApiError {
    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError(StatusCode::BAD_REQUEST, message.into())
    }

    fn not_found() -> ApiError {
        ApiError(StatusCode::NOT_FOUND, "not_found".into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

async fn authenticate(State(crm): State<Arc<Crm>>, request: Request, next: Next) -> Response {
    let expected = format!("Bearer {}", crm.api_key);
    let given = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if given != Some(expected.as_str()) {
        return ApiError(StatusCode::UNAUTHORIZED, "invalid_token".into()).into_response();
    }
    next.run(request).await
}

/// The query string's pairs, decoded; keys may repeat (`kind`).
fn query_pairs(raw: Option<String>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect()
}

fn last<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// `page` and `per_page`: whole numbers from 1; `per_page` above the
/// largest is served as the largest.
fn paging(query: &[(String, String)]) -> Result<(usize, usize), ApiError> {
    let number = |key: &str, default: usize| match last(query, key) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| ApiError::bad_request(format!("`{key}` must be a whole number from 1, not `{v}`"))),
    };
    Ok((number("page", 1)?, number("per_page", DEFAULT_PER_PAGE)?.min(MAX_PER_PAGE)))
}

/// One page of `items`, in the list answer's shape.
fn page_of<T: Serialize>(items: &[T], query: &[(String, String)]) -> Result<Json<Value>, ApiError> {
    let (page, per_page) = paging(query)?;
    let start = (page - 1).saturating_mul(per_page);
    let data: Vec<&T> = items.iter().skip(start).take(per_page).collect();
    let next_page = (start.saturating_add(per_page) < items.len()).then_some(page + 1);
    Ok(Json(json!({ "data": data, "page": page, "per_page": per_page, "next_page": next_page })))
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn same_text(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.to_lowercase() == b.to_lowercase())
}

/// `first_name + " " + last_name`, leaving out a part that is null.
fn full_name(c: &Contact) -> String {
    [c.first_name.as_deref(), c.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")
}

/// Whether `c` matches the search `key = value`.
fn matches(c: &Contact, key: &str, value: &str) -> bool {
    match key {
        "email" => same_text(c.email.as_deref(), value),
        "secondary_email" => same_text(c.secondary_email.as_deref(), value),
        // A value without digits matches nothing (not every phone-less contact).
        "phone" => !digits(value).is_empty() && c.phone.as_deref().is_some_and(|p| digits(p) == digits(value)),
        "name" => same_text(Some(&full_name(c)), value),
        "account" => same_text(c.account.as_ref().and_then(|a| a.name.as_deref()), value),
        _ => false,
    }
}

async fn search(State(crm): State<Arc<Crm>>, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let query = query_pairs(raw);
    let keys: Vec<&(String, String)> = query.iter().filter(|(k, _)| SEARCH_KEYS.contains(&k.as_str())).collect();
    let (key, value) = match keys.as_slice() {
        [] => return Err(ApiError::bad_request("a search key is required")),
        [(_, v)] if v.trim().is_empty() => return Err(ApiError::bad_request("a search key is required")),
        [(k, v)] => (k.as_str(), v.as_str()),
        _ => return Err(ApiError::bad_request(format!("exactly one search key of {} is allowed", SEARCH_KEYS.join(", ")))),
    };
    let found: Vec<&Contact> = crm.data.contacts.iter().filter(|c| matches(c, key, value)).collect();
    page_of(&found, &query)
}

fn known_contact<'a>(crm: &'a Crm, id: &str) -> Result<&'a Contact, ApiError> {
    crm.data.contact(id).ok_or_else(ApiError::not_found)
}

async fn contact(State(crm): State<Arc<Crm>>, Path(id): Path<String>) -> Result<Json<Contact>, ApiError> {
    Ok(Json(known_contact(&crm, &id)?.clone()))
}

/// A contact's list from `lists`: empty for a known contact without one.
fn list_of<'a, T>(crm: &'a Crm, lists: &'a BTreeMap<String, Vec<T>>, id: &str) -> Result<&'a [T], ApiError> {
    known_contact(crm, id)?;
    Ok(lists.get(id).map(Vec::as_slice).unwrap_or_default())
}

async fn deals(State(crm): State<Arc<Crm>>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    page_of(list_of(&crm, &crm.data.deals, &id)?, &query_pairs(raw))
}

async fn notes(State(crm): State<Arc<Crm>>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    page_of(list_of(&crm, &crm.data.notes, &id)?, &query_pairs(raw))
}

async fn activities(State(crm): State<Arc<Crm>>, Path(id): Path<String>, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let query = query_pairs(raw);
    let kinds: Vec<&str> = query.iter().filter(|(k, _)| k == "kind").map(|(_, v)| v.as_str()).collect();
    if let Some(bad) = kinds.iter().find(|k| !ACTIVITY_KINDS.contains(k)) {
        return Err(ApiError::bad_request(format!("unknown activity kind `{bad}`; kinds: {}", ACTIVITY_KINDS.join(", "))));
    }
    let all = list_of(&crm, &crm.data.activities, &id)?;
    let chosen: Vec<&ActivityRecord> = all.iter().filter(|a| kinds.is_empty() || kinds.contains(&a.kind.as_str())).collect();
    page_of(&chosen, &query)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(crm: &SampleCrm, path: &str, key: &str) -> (u16, Value) {
        let resp = reqwest::Client::new().get(format!("{}{path}", crm.base_url())).bearer_auth(key).send().await.unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    #[tokio::test]
    async fn the_api_answers_as_the_readme_says() {
        let crm = SampleCrm::start(Dataset::scenarios()).await.unwrap();
        let key = crm.api_key().to_string();

        let (status, body) = get(&crm, "/api/contacts?email=jose.alvarez@example.com", "wrong").await;
        assert_eq!((status, body), (401, json!({"error": "invalid_token"})));

        // Three pages of 20, 20 and 5; the last says so.
        let deals = format!("/api/contacts/{PAGING_CONTACT}/deals");
        let mut ids = Vec::new();
        let mut page = Some(1);
        while let Some(n) = page {
            let (status, body) = get(&crm, &format!("{deals}?page={n}"), &key).await;
            assert_eq!(status, 200, "{body}");
            ids.extend(body["data"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_string()));
            page = body["next_page"].as_u64();
        }
        assert_eq!(ids.len(), PAGED_ITEMS);
        let (_, body) = get(&crm, &format!("{deals}?per_page=500"), &key).await;
        assert_eq!((body["per_page"].as_u64(), body["next_page"].clone()), (Some(MAX_PER_PAGE as u64), Value::Null));
        let (_, body) = get(&crm, &format!("/api/contacts/{PAGING_CONTACT}/activities?kind=chat&kind=call&per_page=100"), &key).await;
        assert!(body["data"].as_array().unwrap().iter().all(|a| a["kind"] == "chat" || a["kind"] == "call"));

        // Every lookup scenario's key finds its contact alone.
        let found =
            |body: &Value| body["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        for (query, id) in [
            ("email=JOSE.ALVAREZ@example.com", "c-1001"),
            ("phone=%2B1%20555.010.0003", "c-1003"),
            ("name=nina%20NAME", "c-1004"),
            ("account=globex%20industries", "c-1005"),
        ] {
            let (status, body) = get(&crm, &format!("/api/contacts?{query}"), &key).await;
            assert_eq!((status, found(&body)), (200, vec![id.to_string()]), "{query}");
        }

        for bad in ["/api/contacts", "/api/contacts?email=", "/api/contacts?email=a&phone=1", "/api/contacts/c-1001/activities?kind=fax"] {
            assert_eq!(get(&crm, bad, &key).await.0, 400, "{bad}");
        }
        assert_eq!(get(&crm, "/api/contacts/c-0000/notes", &key).await, (404, json!({"error": "not_found"})));
        assert_eq!((get(&crm, "/nowhere", &key).await.0, get(&crm, "/nowhere", "wrong").await.0), (404, 401));
        crm.stop().await;
    }
}
