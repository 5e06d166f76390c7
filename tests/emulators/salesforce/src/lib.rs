//! An emulator of Salesforce's REST API and OAuth server, for tests and the
//! demo. `README.md` beside this crate is the specification: which
//! Salesforce rules are honoured, and which are not.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sf = salesforce_emulator::SalesforceEmulator::start(Default::default()).await?;
//! sf.seed_demo();
//! println!("{} {}", sf.base_url(), sf.refresh_token());
//! # Ok(()) }
//! ```

mod api;
mod demo;
mod error;
mod notify;
mod oauth;
mod schema;
mod soql;
mod state;
mod store;
mod util;

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get, post};
use axum::Router;
use serde_json::{Map, Value};

use crate::oauth::Auth;
use crate::schema::SObject;
use crate::state::{Budget, Cursors, Shared};
use crate::store::Store;
use crate::util::{lock, push_bounded};

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// 0 picks any free port.
    pub port: u16,
    pub client_id: String,
    pub client_secret: String,
    /// The org's `DailyApiRequests` allowance.
    pub daily_api_requests: u32,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            port: 0,
            client_id: "3MVG9DESKPANE".into(),
            client_secret: "deskpane-sf-secret".into(),
            daily_api_requests: 100_000,
        }
    }
}

pub use emulator_support::RecordedRequest;

/// A file in Salesforce Files linked to a record: the latest
/// ContentVersion of a ContentDocument with a ContentDocumentLink to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The ContentVersion's id (`068...`), as its create answered it.
    pub id: String,
    /// Its ContentDocument (`069...`).
    pub content_document_id: String,
    pub title: String,
    pub path_on_client: String,
    pub bytes: Vec<u8>,
}

/// A running emulator; clones share it. It serves until its tokio runtime stops.
#[derive(Clone)]
pub struct SalesforceEmulator {
    shared: Arc<Shared>,
}

impl SalesforceEmulator {
    /// Binds 127.0.0.1 and serves on the current tokio runtime.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<SalesforceEmulator> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let base_url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let (notifier, deliveries) = notify::Notifier::new();
        let store = Store::new(notifier);
        let auth = Auth::new(config.client_id, config.client_secret, &store.api_user);
        let shared = Arc::new(Shared {
            base_url,
            store: Mutex::new(store),
            auth: Mutex::new(auth),
            budget: Mutex::new(Budget { used: 0, max: config.daily_api_requests }),
            cursors: Mutex::new(Cursors::default()),
            requests: Mutex::new(Vec::new()),
            latency: Mutex::new(Duration::ZERO),
        });
        tokio::spawn(notify::deliver(deliveries));
        let app = router(Arc::clone(&shared));
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("salesforce emulator stopped: {e}");
            }
        });
        Ok(SalesforceEmulator { shared })
    }

    /// `http://127.0.0.1:PORT`: the login server and the `instance_url`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The refresh token issued at start (for the API user).
    pub fn refresh_token(&self) -> String {
        lock(&self.shared.auth).demo_refresh.clone()
    }

    pub fn client_id(&self) -> String {
        lock(&self.shared.auth).client_id.clone()
    }

    pub fn client_secret(&self) -> String {
        lock(&self.shared.auth).client_secret.clone()
    }

    /// The user (`005...`) sessions act as: the owner of records the API creates.
    pub fn api_user_id(&self) -> String {
        self.shared.store().api_user.clone()
    }

    /// A valid access token, as if refreshed.
    pub fn issue_access_token(&self) -> String {
        let user = self.api_user_id();
        lock(&self.shared.auth).issue_access(&user)
    }

    /// Every access token issued so far becomes invalid (INVALID_SESSION_ID).
    pub fn expire_sessions(&self) {
        lock(&self.shared.auth).expire_sessions();
    }

    /// Every refresh token (and its sessions) stops working: grants answer `invalid_grant`.
    pub fn revoke_refresh_token(&self) {
        lock(&self.shared.auth).revoke_refresh_tokens();
    }

    /// Changes the daily allowance, keeping what was used.
    pub fn set_daily_api_limit(&self, max: u32) {
        lock(&self.shared.budget).max = max;
    }

    /// Starts a new day: nothing used.
    pub fn reset_api_usage(&self) {
        lock(&self.shared.budget).used = 0;
    }

    /// (used, allowed) API requests today.
    pub fn api_usage(&self) -> (u32, u32) {
        let budget = lock(&self.shared.budget);
        (budget.used, budget.max)
    }

    /// Delay added before answering each API request (zero by default).
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.shared.latency) = latency;
    }

    /// Every request served so far, in order of completion.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Inserts a record as data already in the org: system fields
    /// (`CreatedDate`, `LastModifiedDate`, `SystemModstamp`, `CreatedById`,
    /// ...) may be given, required fields may be left out; values are
    /// checked and converted as the API would. `"IsDeleted": true` puts it
    /// straight in the recycle bin, deleted at its `SystemModstamp`.
    /// Subscribers are notified (CREATE). Panics on an unknown object
    /// or a bad value (a bug in the test).
    pub fn seed(&self, object: &str, record: Value) -> String {
        let object = known(object);
        self.shared.store().seed(object, &as_map(record))
    }

    /// `seed` for many records under one lock.
    pub fn seed_many(&self, object: &str, records: Vec<Value>) -> Vec<String> {
        let object = known(object);
        let mut store = self.shared.store();
        records.into_iter().map(|r| store.seed(object, &as_map(r))).collect()
    }

    /// The record as `GET /sobjects/{Type}/{id}` answers it, deleted ones too.
    pub fn record(&self, object: &str, id: &str) -> Option<Value> {
        let store = self.shared.store();
        let record = store.get(id).filter(|r| r.object.name.eq_ignore_ascii_case(object))?;
        Some(store.render(record, "v62.0", None))
    }

    /// Every live record of the object, oldest first.
    pub fn records(&self, object: &str) -> Vec<Value> {
        let object = known(object);
        let store = self.shared.store();
        store.table(object).filter(|r| r.deleted.is_none()).map(|r| store.render(r, "v62.0", None)).collect()
    }

    /// The files linked to a record (ContentDocumentLink with that
    /// `LinkedEntityId`, 15 or 18 characters), oldest link first, each as
    /// its document's latest version with its bytes. Deleted documents and
    /// links are left out.
    pub fn files_of(&self, record_id: &str) -> Vec<StoredFile> {
        let store = self.shared.store();
        store
            .files_of(record_id)
            .into_iter()
            .map(|(version, bytes)| StoredFile {
                id: version.id.clone(),
                content_document_id: version.text("ContentDocumentId").unwrap_or_default().to_string(),
                title: version.text("Title").unwrap_or_default().to_string(),
                path_on_client: version.text("PathOnClient").unwrap_or_default().to_string(),
                bytes: bytes.to_vec(),
            })
            .collect()
    }

    /// Edits a record as a person in Salesforce would (another user than
    /// the API's): LastModifiedDate and SystemModstamp move, subscribers
    /// are notified. Panics when the edit would fail.
    pub fn update(&self, object: &str, id: &str, fields: Value) {
        self.as_person(object, id, |store, object, user| store.update(object, id, &as_map(fields), user));
    }

    /// Deletes a record as a person in Salesforce would (to the recycle bin, notified).
    pub fn delete(&self, object: &str, id: &str) {
        self.as_person(object, id, |store, object, user| store.delete(object, id, user));
    }

    /// Restores a record from the recycle bin (notified as UNDELETE).
    pub fn undelete(&self, object: &str, id: &str) {
        self.as_person(object, id, |store, object, user| store.undelete(object, id, user));
    }

    fn as_person(&self, object: &str, id: &str, write: impl FnOnce(&mut Store, &'static SObject, &str) -> Result<(), error::RecordError>) {
        let object = known(object);
        let mut store = self.shared.store();
        let user = store.ui_user.clone();
        if let Err(e) = store.transaction(|s| write(s, object, &user)) {
            panic!("{} {id}: {}", object.name, e.message());
        }
    }

    /// Adds a list view whose filter is a SOQL condition ("" for none),
    /// e.g. `Support_Tier__c = 'Gold'`. Returns its id (`00B...`). Panics
    /// on an unknown object or a condition that does not bind.
    pub fn add_list_view(&self, object: &str, label: &str, where_condition: &str) -> String {
        let object = known(object);
        let condition = Some(where_condition.trim()).filter(|c| !c.is_empty());
        if let Some(text) = condition {
            if let Err(e) = soql::list_view_condition(object, text) {
                panic!("list view condition `{text}` on {}: {e:?}", object.name);
            }
        }
        self.shared.store().add_list_view(object, label, condition.map(String::from))
    }

    /// Seeds the demo org (users, accounts, contacts, opportunities, activities, products, list views).
    pub fn seed_demo(&self) {
        demo::seed_demo(self);
    }
}

fn known(name: &str) -> &'static SObject {
    schema::object_named(name).unwrap_or_else(|| panic!("unknown sObject `{name}`"))
}

fn as_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("a record is a JSON object, not {other}"),
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/services/oauth2/token", post(oauth::token))
        .route("/services/oauth2/revoke", post(oauth::revoke))
        .route("/services/oauth2/authorize", get(oauth::authorize))
        .route("/id/{org}/{user}", get(oauth::identity))
        .route("/services/data", get(api::versions))
        .route("/services/data/", get(api::versions))
        .route("/services/data/{*rest}", any(api::dispatch).layer(DefaultBodyLimit::max(api::MAX_BODY_BYTES)))
        .fallback(api::not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), record_request))
        .with_state(shared)
}

pub use emulator_support::MAX_RECORDED_REQUESTS;

async fn record_request(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    let response = next.run(request).await;
    let recorded = RecordedRequest { method, path, query, status: response.status().as_u16() };
    push_bounded(&mut lock(&shared.requests), recorded, MAX_RECORDED_REQUESTS);
    response
}
