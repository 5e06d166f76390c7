//! An emulator of Zoho CRM's v8 REST API and accounts server, for tests and
//! the demo. `README.md` beside this crate is the specification: which Zoho
//! rules are honoured, and which are not.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let zoho = zoho_emulator::ZohoEmulator::start(Default::default()).await?;
//! zoho.seed_demo();
//! println!("{} {}", zoho.base_url(), zoho.refresh_token());
//! # Ok(()) }
//! ```

mod api;
mod criteria;
mod demo;
mod error;
mod hold;
mod limits;
mod modules;
mod oauth;
mod paging;
mod search;
mod state;
mod store;
mod util;
mod watch;

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get, post};
use axum::Router;
use serde_json::{json, Value};

pub use crate::hold::Hold;
use crate::limits::Limits;
use crate::oauth::Accounts;
use crate::paging::PageTokens;
use crate::state::Shared;
use crate::store::Store;
use crate::util::{lock, push_bounded};
use crate::watch::Watch;

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// 0 picks any free port.
    pub port: u16,
    pub client_id: String,
    pub client_secret: String,
    /// Requests allowed per `credit_window`; None is unlimited.
    pub credits_per_window: Option<u32>,
    pub credit_window: Duration,
    /// Requests allowed in flight at once; None is unlimited.
    pub max_concurrency: Option<u32>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            port: 0,
            client_id: "1000.DESKPANE".into(),
            client_secret: "deskpane-secret".into(),
            credits_per_window: None,
            credit_window: Duration::from_secs(60),
            max_concurrency: None,
        }
    }
}

pub use emulator_support::RecordedRequest;

/// A file attached to a record through the API, as it was uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    /// The attachment's id (19 digits), as the upload answered it.
    pub id: String,
    pub file_name: String,
    /// The `Content-Type` of the form part (`application/octet-stream` when it had none).
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A running emulator; clones share it. It serves until its tokio runtime stops.
#[derive(Clone)]
pub struct ZohoEmulator {
    shared: Arc<Shared>,
}

impl ZohoEmulator {
    /// Binds 127.0.0.1 and serves on the current tokio runtime.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<ZohoEmulator> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let base_url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let (watch, deliveries) = Watch::new();
        let shared = Arc::new(Shared {
            base_url,
            store: Mutex::new(Store::new()),
            page_tokens: Mutex::new(PageTokens::default()),
            accounts: Mutex::new(Accounts::new(config.client_id, config.client_secret)),
            limits: Limits::new(config.credits_per_window, config.credit_window, config.max_concurrency),
            watch,
            requests: Mutex::new(Vec::new()),
            latency: Mutex::new(Duration::ZERO),
            holds: Default::default(),
        });
        // Callbacks go to loopback receivers in tests: never through a proxy.
        let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().map_err(std::io::Error::other)?;
        tokio::spawn(watch::deliver(deliveries, client));
        let app = router(Arc::clone(&shared));
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("zoho emulator stopped: {e}");
            }
        });
        Ok(ZohoEmulator { shared })
    }

    /// `http://127.0.0.1:PORT`, also the `api_domain` and accounts server.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn refresh_token(&self) -> String {
        oauth::REFRESH_TOKEN.to_string()
    }

    /// A valid access token, as if refreshed.
    pub fn issue_access_token(&self) -> String {
        lock(&self.shared.accounts).issue_access()
    }

    /// Every access token issued so far becomes invalid (INVALID_TOKEN).
    pub fn expire_tokens(&self) {
        lock(&self.shared.accounts).expire_all();
    }

    /// The next `n` API requests answer 429 (replacing any count still pending).
    pub fn fail_next_with_429(&self, n: u32) {
        self.shared.limits.fail_next(n);
    }

    /// Changes the credit limit and starts a fresh window.
    pub fn set_credit_limit(&self, per_window: Option<u32>, window: Duration) {
        self.shared.limits.set_credits(per_window, window);
    }

    pub fn set_concurrency_limit(&self, n: Option<u32>) {
        self.shared.limits.set_concurrency(n);
    }

    /// How many API requests were refused (429) for the concurrency limit.
    pub fn refused_for_concurrency(&self) -> u64 {
        self.shared.limits.refused_in_flight()
    }

    /// Delay added before answering each API request (an extension for
    /// testing timeouts and concurrency; zero by default).
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.shared.latency) = latency;
    }

    /// Holds the next `method` request to `path` (e.g. `GET`,
    /// `/crm/v8/Contacts/deleted`) on its way in until the returned hold is
    /// released or dropped (at most 30 s): a test acts while a client
    /// waits on the CRM (an extension for testing).
    pub fn hold(&self, method: &str, path: &str) -> Hold {
        self.shared.holds.add(method, path)
    }

    /// Inserts a record directly: no notification, no validation beyond the
    /// module name. Fills `id`, `Owner`, `Created_By`, `Modified_By`,
    /// `Created_Time` and `Modified_Time` unless given (`Modified_Time`
    /// defaults to a given `Created_Time`). Lookups given as `{"id"}` or a
    /// bare id get their `name` on read. Panics on an unknown module.
    pub fn seed(&self, module: &str, record: Value) -> String {
        let module = known_module(module);
        self.shared.store().seed(module, record)
    }

    /// `seed` for many records under one lock.
    pub fn seed_many(&self, module: &str, records: Vec<Value>) -> Vec<String> {
        let module = known_module(module);
        let mut store = self.shared.store();
        records.into_iter().map(|r| store.seed(module, r)).collect()
    }

    /// Seeds `accounts` accounts and `contacts` contacts of a fixed,
    /// generated shape under one lock, for load tests and benchmarks (the
    /// binary's `--seed-accounts` and `--seed-contacts`). Account `i` is
    /// `{"Account_Name": "CRM Account {i}", "Industry": "Retail"}`, contact
    /// `i` is `{"Last_Name": "Crm {i}", "Email": "crm{i}@example.com",
    /// "Title": "Buyer"}`: no two alike by the fields duplicate checks use.
    /// Like [`seed`](Self::seed), no notification and no validation.
    pub fn seed_generated(&self, accounts: usize, contacts: usize) {
        let mut store = self.shared.store();
        let module = known_module("Accounts");
        for i in 0..accounts {
            store.seed(module, json!({"Account_Name": format!("CRM Account {i}"), "Industry": "Retail"}));
        }
        let module = known_module("Contacts");
        for i in 0..contacts {
            store.seed(module, json!({"Last_Name": format!("Crm {i}"), "Email": format!("crm{i}@example.com"), "Title": "Buyer"}));
        }
    }

    /// The record as `GET /crm/v8/{module}/{id}` shows it.
    pub fn record(&self, module: &str, id: &str) -> Option<Value> {
        let module = modules::module(module)?;
        let store = self.shared.store();
        store.get(module.name, id).map(|r| store.render(module, r, None))
    }

    /// Every live record of the module, oldest id first.
    pub fn records(&self, module: &str) -> Vec<Value> {
        modules::module(module).map(|m| self.shared.store().rendered(m)).unwrap_or_default()
    }

    /// The files attached to a record, oldest first; none for an unknown
    /// module or record. Deleting a record keeps its attachments here.
    pub fn attachments(&self, module: &str, record_id: &str) -> Vec<StoredAttachment> {
        let Some(module) = modules::module(module) else { return Vec::new() };
        self.shared
            .store()
            .attachments_of(module.name, record_id)
            .map(|a| StoredAttachment {
                id: a.record.id.clone(),
                file_name: a.file_name.clone(),
                content_type: a.content_type.clone(),
                bytes: a.bytes.clone(),
            })
            .collect()
    }

    /// The id of a module's system-defined "All" custom view (19 digits,
    /// fixed per module). Panics on an unknown module.
    pub fn all_view(&self, module: &str) -> String {
        store::all_view_id(known_module(module).name)
    }

    /// Adds a custom view; `criteria` uses the search syntax. Returns the cvid.
    /// Panics on an unknown module or invalid criteria (a bug in the test).
    pub fn add_custom_view(&self, module: &str, name: &str, criteria: &str) -> String {
        let module = known_module(module);
        let parsed = criteria::Criteria::parse(criteria).unwrap_or_else(|e| panic!("criteria `{criteria}`: {e}"));
        if let Err(e) = search::check(module, &parsed) {
            panic!("criteria `{criteria}` do not fit {}: {e:?}", module.name);
        }
        self.shared.store().add_view(module, name, parsed)
    }

    /// Every request served so far, in order of completion.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Seeds the demo CRM (accounts, contacts, deals, activities, products).
    pub fn seed_demo(&self) {
        demo::seed_demo(&mut self.shared.store());
    }
}

fn known_module(name: &str) -> &'static modules::Module {
    modules::module(name).unwrap_or_else(|| panic!("unknown Zoho module `{name}`"))
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/oauth/v2/token", post(oauth::token))
        .route("/oauth/v2/auth", get(oauth::authorize))
        .route("/crm/v8/{*rest}", any(api::dispatch).layer(DefaultBodyLimit::max(api::MAX_BODY_BYTES)))
        .fallback(api::not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), record_request))
        .with_state(shared)
}

pub use emulator_support::MAX_RECORDED_REQUESTS;

async fn record_request(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    shared.holds.wait(&method, &path).await;
    let response = next.run(request).await;
    let recorded = RecordedRequest { method, path, query, status: response.status().as_u16() };
    push_bounded(&mut lock(&shared.requests), recorded, MAX_RECORDED_REQUESTS);
    response
}
