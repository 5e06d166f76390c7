//! Shared helpers of the integration tests: built plugins, runtimes, and a
//! small loopback HTTP server that plays a CRM misbehaving on demand.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use deskpane::outbound::DnsOverrides;
use deskpane::package::PluginPackage;
use deskpane::{Runtime, RuntimeConfig};

/// The component built by `scripts/build-plugins.sh` for `name`.
pub fn plugin(name: &str) -> PluginPackage {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins").join(name);
    PluginPackage::open(&dir).unwrap_or_else(|e| {
        panic!("plugin `{name}` is not built ({e}); run scripts/build-plugins.sh first (the README's test command does)")
    })
}

/// A runtime with these fixed DNS answers.
pub fn runtime_with_dns(dns: &[(&str, IpAddr)]) -> Runtime {
    let mut overrides = DnsOverrides::new();
    for (host, ip) in dns {
        overrides.entry(host.to_string()).or_default().push(*ip);
    }
    Runtime::new(RuntimeConfig {
        max_instances: 16,
        dns_overrides: overrides,
        compiled_cache: Some(compiled_cache()),
        ..Default::default()
    })
    .expect("runtime starts")
}

/// Compiled plugins shared by the test binaries (a 19 MB Python plugin
/// compiles for seconds); keyed by content, so a rebuilt plugin misses.
pub fn compiled_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/compiled-plugins")
}

/// The `deskpane` binary the README's test command built, for tests that
/// run it as its own process (the CLI, a server to kill).
pub fn deskpane_binary() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/deskpane");
    assert!(bin.exists(), "{} is not built; run `cargo build -p deskpane` (the README's test command does)", bin.display());
    bin
}

/// A test desk's server settings: data in `data`, reached at `url`, plugin
/// instances capped at `max_instances`, compiled plugins in the shared cache.
pub fn serve_config(data: &Path, url: &str, max_instances: u32) -> deskpane::server::ServeConfig {
    deskpane::server::ServeConfig {
        data: data.to_path_buf(),
        public_url: url.to_string(),
        web_dir: None,
        panel_ttl: Duration::from_secs(60),
        runtime: RuntimeConfig { max_instances, compiled_cache: Some(compiled_cache()), ..Default::default() },
        embed_origins: Vec::new(),
        max_upload_bytes: deskpane::server::DEFAULT_MAX_UPLOAD_BYTES,
        store: test_store(data),
        ..Default::default()
    }
}

/// The stores of the test desks that do not keep theirs in their data
/// folder, by data folder.
fn pinned_stores() -> std::sync::MutexGuard<'static, std::collections::HashMap<PathBuf, deskpane_store::Location>> {
    static STORES: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<PathBuf, deskpane_store::Location>>> =
        std::sync::OnceLock::new();
    STORES.get_or_init(Default::default).lock().unwrap()
}

/// The desk with data folder `data` keeps its store at `location` from now
/// on (a desk moved to PostgreSQL by `deskpane store copy`).
pub fn pin_store(data: &Path, location: deskpane_store::Location) {
    pinned_stores().insert(data.to_path_buf(), location);
}

/// A test desk's store: the one pinned to its data folder; else, when the
/// test command runs the suites on PostgreSQL (`DESKPANE_TEST_STORE` is the
/// server's admin URL), a database of its own there, the same one again
/// after a restart; else the data folder's own (redb).
pub fn test_store(data: &Path) -> Option<deskpane_store::Location> {
    let mut pinned = pinned_stores();
    if let Some(location) = pinned.get(data) {
        return Some(location.clone());
    }
    let admin = std::env::var("DESKPANE_TEST_STORE").ok().filter(|u| !u.is_empty())?;
    let url = deskpane_store::testing::scratch_database(&admin).expect("a scratch database on the test PostgreSQL");
    let location = deskpane_store::Location::Postgres(url);
    pinned.insert(data.to_path_buf(), location.clone());
    Some(location)
}

/// The test PostgreSQL server's admin URL (`scripts/postgres.sh start`, run
/// by the README's test command), or None with a line saying the test
/// that needs it did not run.
pub fn test_postgres(test: &str) -> Option<String> {
    let url = std::env::var("DESKPANE_TEST_POSTGRES").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("{test}: skipped, no PostgreSQL (DESKPANE_TEST_POSTGRES is unset; the README's test command sets it)");
    }
    url
}

pub fn runtime() -> Runtime {
    runtime_with_dns(&[])
}

pub const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A loopback HTTP server with endpoints that test the sandbox:
/// - `/ok`: 200 "hello"
/// - `/big`: 200 with a 1 MiB body
/// - `/slow`: 200 after 100 ms, counting requests in flight
/// - `/hang`: answers after a minute
/// - `/key`: 200 when `X-Api-Key` is `fresh`, 401 otherwise; echoes the key
/// - `/redirect?to=URL`: 302 to URL
/// - `/token` (POST): an OAuth token endpoint that counts what reaches it
pub struct TestServer {
    pub addr: SocketAddr,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
    token_requests: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct Counters {
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
    token_requests: Arc<AtomicUsize>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let counters = Counters { in_flight: Arc::default(), max_in_flight: Arc::default(), token_requests: Arc::default() };
        let app = Router::new()
            .route("/ok", get(|| async { "hello" }))
            .route("/big", get(|| async { vec![b'x'; 1 << 20] }))
            .route("/slow", get(slow))
            .route(
                "/hang",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    "too late"
                }),
            )
            .route("/key", get(key))
            .route("/redirect", get(redirect))
            .route("/token", axum::routing::post(token))
            .with_state(counters.clone());
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("test server runs") });
        TestServer { addr, in_flight: counters.in_flight, max_in_flight: counters.max_in_flight, token_requests: counters.token_requests }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`: also the allow-list entry that grants it.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The most `/slow` requests that were in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Requests that reached `/token`.
    pub fn token_requests(&self) -> usize {
        self.token_requests.load(Ordering::SeqCst)
    }
}

async fn redirect(
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> (StatusCode, [(axum::http::HeaderName, String); 1]) {
    (StatusCode::FOUND, [(axum::http::header::LOCATION, q.get("to").cloned().unwrap_or_default())])
}

async fn token(State(c): State<Counters>) -> axum::Json<serde_json::Value> {
    c.token_requests.fetch_add(1, Ordering::SeqCst);
    axum::Json(serde_json::json!({"access_token": "issued", "refresh_token": "refresh", "expires_in": 3600}))
}

async fn slow(State(c): State<Counters>) -> &'static str {
    let now = c.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    c.max_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    c.in_flight.fetch_sub(1, Ordering::SeqCst);
    "slow hello"
}

async fn key(headers: HeaderMap) -> (StatusCode, String) {
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let status = if key == "fresh" { StatusCode::OK } else { StatusCode::UNAUTHORIZED };
    (status, key)
}

/// A desk server in-process on loopback, set up as the demo is: agents,
/// the Zoho plugin connected to an emulator, tickets.
pub struct DeskServer {
    pub url: String,
    pub emulator: zoho_emulator::ZohoEmulator,
    /// The Salesforce emulator, when the desk was started with it.
    pub salesforce: Option<salesforce_emulator::SalesforceEmulator>,
    pub state: deskpane::server::AppState,
    pub data: PathBuf,
    stop: tokio::sync::oneshot::Sender<()>,
    serving: tokio::task::JoinHandle<()>,
    /// Hot reload of plugins replaced in their folder, as `serve` runs it.
    watch: deskpane::plugin_watch::PluginWatch,
    syncing: tokio::task::JoinHandle<()>,
    recording: tokio::task::JoinHandle<()>,
    /// The other desk replicas on the store, as `serve` follows them.
    following: tokio::task::JoinHandle<()>,
}

impl DeskServer {
    pub async fn start() -> DeskServer {
        let data = std::env::temp_dir().join(format!("deskpane-test-{}", deskpane::secrets::random_token()));
        let emulator = zoho_emulator::ZohoEmulator::start(Default::default()).await.expect("emulator starts");
        emulator.seed_demo();
        Self::start_on(data, emulator).await
    }

    /// The demo desk with Salesforce connected beside Zoho CRM.
    pub async fn with_salesforce() -> DeskServer {
        let data = std::env::temp_dir().join(format!("deskpane-test-{}", deskpane::secrets::random_token()));
        let emulator = zoho_emulator::ZohoEmulator::start(Default::default()).await.expect("emulator starts");
        emulator.seed_demo();
        let salesforce = salesforce_emulator::SalesforceEmulator::start(Default::default()).await.expect("Salesforce emulator starts");
        salesforce.seed_demo();
        Self::serve(data, emulator, Some(salesforce)).await
    }

    /// The demo desk (Zoho CRM) with CloudCX connected and recording
    /// automatically into Zoho CRM; the CloudCX emulator has no demo data.
    pub async fn with_cloudcx() -> (DeskServer, cloudcx_emulator::CloudcxEmulator) {
        let s = Self::start().await;
        let cx = Self::connect_cloudcx(&s).await;
        (s, cx)
    }

    /// A fresh CloudCX emulator, connected to this desk as the demo does.
    pub async fn connect_cloudcx(s: &DeskServer) -> cloudcx_emulator::CloudcxEmulator {
        let cx = cloudcx_emulator::CloudcxEmulator::start(Default::default()).await.expect("CloudCX emulator starts");
        let plugins = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins");
        deskpane::demo::connect_cloudcx(&s.state.registry, &s.state.recorder, &plugins, &cx.base_url(), &cx.api_key())
            .await
            .expect("CloudCX connects");
        cx
    }

    /// A server on an existing data folder (as after a restart).
    pub async fn start_on(data: PathBuf, emulator: zoho_emulator::ZohoEmulator) -> DeskServer {
        Self::serve(data, emulator, None).await
    }

    /// Another desk replica of `first`, in this process: its own data
    /// folder, runtime, caches and runners, on the same PostgreSQL store
    /// with the same sealing key. Needs the suites' PostgreSQL
    /// (`DESKPANE_TEST_STORE`): on sled a desk has no replicas.
    pub async fn replica_of(first: &DeskServer) -> DeskServer {
        let location = test_store(&first.data).filter(|l| matches!(l, deskpane_store::Location::Postgres(_)));
        let location = location.expect("replicas share a PostgreSQL store: set DESKPANE_TEST_STORE");
        let data = std::env::temp_dir().join(format!("deskpane-test-{}", deskpane::secrets::random_token()));
        pin_store(&data, location);
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let config = deskpane::server::ServeConfig { secret_key: Some(first.data.join("secret.key")), ..serve_config(&data, &url, 32) };
        let state = deskpane::server::AppState::open(&config).await.expect("the replica opens");
        Self::run(listener, url, state, data, first.emulator.clone(), None)
    }

    async fn serve(
        data: PathBuf,
        emulator: zoho_emulator::ZohoEmulator,
        salesforce: Option<salesforce_emulator::SalesforceEmulator>,
    ) -> DeskServer {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = deskpane::server::AppState::open(&serve_config(&data, &url, 32)).await.expect("desk opens");
        let plugins = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins");
        let zoho_url = emulator.base_url();
        let salesforce_url = salesforce.as_ref().map(|e| e.base_url());
        let mut crms = vec![(&deskpane::demo::ZOHO, zoho_url.as_str())];
        if let Some(url) = &salesforce_url {
            crms.push((&deskpane::demo::SALESFORCE, url.as_str()));
        }
        deskpane::demo::setup(&state.auth, &state.desk, &state.registry, &plugins, &crms).await.expect("demo setup");
        Self::run(listener, url, state, data, emulator, salesforce)
    }

    /// Serves `state` on `listener` with the runners `serve` starts.
    fn run(
        listener: tokio::net::TcpListener,
        url: String,
        state: deskpane::server::AppState,
        data: PathBuf,
        emulator: zoho_emulator::ZohoEmulator,
        salesforce: Option<salesforce_emulator::SalesforceEmulator>,
    ) -> DeskServer {
        let app = deskpane::server::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .expect("desk serves")
        });
        // Sync runs when something changes (no polling in tests).
        let syncing = tokio::spawn(state.sync.clone().run_forever(Duration::from_secs(3600)));
        let recording = tokio::spawn(state.recorder.clone().run_forever(Duration::from_secs(3600)));
        let following = tokio::spawn(deskpane::replicas::follow(state.clone()));
        let watch = state.watch_plugins().expect("the plugins folder is watched");
        DeskServer { url, emulator, salesforce, state, data, stop, serving, watch, syncing, recording, following }
    }

    /// Stops the server and closes its store, as a shutdown does; returns
    /// the data folder and the emulator for a restart.
    pub async fn shutdown(self) -> (PathBuf, zoho_emulator::ZohoEmulator) {
        let _ = self.stop.send(());
        self.serving.await.expect("server task ends");
        drop(self.watch);
        self.syncing.abort();
        let _ = self.syncing.await;
        self.recording.abort();
        let _ = self.recording.await;
        self.following.abort();
        let _ = self.following.await;
        self.state.db.flush().expect("store flushes");
        (self.data, self.emulator)
    }

    /// A client signed in as one of the demo logins.
    pub async fn client(&self, email: &str, password: &str) -> reqwest::Client {
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let resp = client
            .post(format!("{}/api/login", self.url))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "sign-in as {email}");
        client
    }

    pub async fn admin(&self) -> reqwest::Client {
        self.client("admin@deskpane.example", "admin-pass-123").await
    }

    pub async fn agent(&self) -> reqwest::Client {
        self.client("agent@deskpane.example", "agent-pass-123").await
    }

    pub async fn light_agent(&self) -> reqwest::Client {
        self.client("light@deskpane.example", "light-pass-123").await
    }

    /// A demo ticket whose requester the CRM knows.
    pub async fn known_ticket(&self, client: &reqwest::Client) -> String {
        known_ticket_in(client, self.api("ticket-list")).await
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/{path}", self.url)
    }
}

/// A desk with the Zoho plugin installed and connected to a fresh
/// emulator, and its sync engine; no demo data.
pub struct SyncSetup {
    pub emulator: zoho_emulator::ZohoEmulator,
    pub state: deskpane::server::AppState,
    pub engine: std::sync::Arc<deskpane::sync::SyncEngine>,
    pub data: PathBuf,
}

impl SyncSetup {
    pub async fn start() -> SyncSetup {
        let emulator = zoho_emulator::ZohoEmulator::start(Default::default()).await.expect("emulator starts");
        let data = std::env::temp_dir().join(format!("deskpane-sync-{}", deskpane::secrets::random_token()));
        let setup = Self::open(data, emulator).await;
        let crm = ConnectedCrm {
            plugin: "zoho-crm",
            base: setup.emulator.base_url(),
            client_id: "1000.DESKPANE".into(),
            client_secret: "deskpane-secret".into(),
            token_path: "/oauth/v2/token",
            refresh_token: setup.emulator.refresh_token(),
        };
        crm.install(&setup.state.registry).await;
        setup
    }

    /// The same desk after a restart.
    pub async fn open(data: PathBuf, emulator: zoho_emulator::ZohoEmulator) -> SyncSetup {
        let (state, engine) = open_synced_desk(&data, "zoho-crm").await;
        SyncSetup { emulator, state, engine, data }
    }
    /// Enables sync of these modules with the manifest's default mapping.
    pub async fn enable(&self, modules: &[deskpane::sync::SyncModule], tweak: impl Fn(&mut deskpane::sync::ModuleSettings)) {
        enable(&self.engine, modules, tweak).await
    }

    pub fn desk(&self) -> &deskpane::desk::Desk {
        &self.state.desk
    }
}

/// A demo ticket whose requester the CRM knows, from a desk's ticket list
/// at `ticket_list` (any desk process's).
pub async fn known_ticket_in(client: &reqwest::Client, ticket_list: String) -> String {
    let list: serde_json::Value = client.get(ticket_list).send().await.unwrap().json().await.unwrap();
    list["tickets"].as_array().unwrap().iter().find(|t| !t["customer_type"].is_null()).expect("a ticket with a CRM requester")["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A CRM plugin to install from `target/plugins` and connect by OAuth to
/// an emulator, the way an admin connects it.
pub struct ConnectedCrm {
    pub plugin: &'static str,
    /// The emulator's base URL, granted to the plugin as an extra host.
    pub base: String,
    pub client_id: String,
    pub client_secret: String,
    /// The token endpoint's path on the emulator.
    pub token_path: &'static str,
    pub refresh_token: String,
}

impl ConnectedCrm {
    pub async fn install(&self, registry: &deskpane::registry::Registry) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins").join(self.plugin);
        // The built plugins are unsigned; the test desk takes them.
        registry.set_allow_unsigned(true).expect("the policy is saved");
        registry
            .install(&std::fs::read_to_string(dir.join("plugin.toml")).unwrap(), &std::fs::read(dir.join("plugin.wasm")).unwrap())
            .unwrap_or_else(|e| panic!("{} installs: {e}", self.plugin));
        let oauth = deskpane::registry::OAuthSetup {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            authorize_url: None,
            token_url: Some(format!("{}{}", self.base, self.token_path)),
        };
        registry
            .update(
                self.plugin,
                deskpane::registry::InstallationPatch {
                    extra_hosts: Some(vec![self.base.clone()]),
                    oauth: Some([("crm".to_string(), oauth)].into()),
                    enabled: Some(true),
                    ..Default::default()
                },
            )
            .unwrap_or_else(|e| panic!("{} configures: {e}", self.plugin));
        registry
            .connect_with_refresh_token(self.plugin, "crm", &self.refresh_token, "test")
            .await
            .unwrap_or_else(|e| panic!("{} connects: {e}", self.plugin));
    }
}

/// A desk at `data` (opened afresh, or again after a restart) and a sync
/// engine for `plugin`.
async fn open_synced_desk(
    data: &std::path::Path,
    plugin: &str,
) -> (deskpane::server::AppState, std::sync::Arc<deskpane::sync::SyncEngine>) {
    let config = deskpane::server::ServeConfig {
        data: data.to_path_buf(),
        public_url: "http://127.0.0.1:9".into(),
        web_dir: None,
        panel_ttl: Duration::from_secs(60),
        runtime: RuntimeConfig { max_instances: 16, compiled_cache: Some(compiled_cache()), ..Default::default() },
        embed_origins: Vec::new(),
        max_upload_bytes: deskpane::server::DEFAULT_MAX_UPLOAD_BYTES,
        store: test_store(data),
        ..Default::default()
    };
    let state = deskpane::server::AppState::open(&config).await.expect("desk opens");
    let store = deskpane::sync::SyncStore::open(&state.db).expect("sync store opens");
    let engine = std::sync::Arc::new(deskpane::sync::SyncEngine::new(plugin, state.registry.clone(), state.desk.clone(), store));
    (state, engine)
}

/// A desk with the Salesforce plugin installed and connected to a fresh
/// Salesforce emulator, and its sync engine; no demo data.
pub struct SalesforceSync {
    pub emulator: salesforce_emulator::SalesforceEmulator,
    pub state: deskpane::server::AppState,
    pub engine: std::sync::Arc<deskpane::sync::SyncEngine>,
    pub data: PathBuf,
}

impl SalesforceSync {
    pub async fn start() -> SalesforceSync {
        let emulator = salesforce_emulator::SalesforceEmulator::start(Default::default()).await.expect("emulator starts");
        let data = std::env::temp_dir().join(format!("deskpane-sf-sync-{}", deskpane::secrets::random_token()));
        let (state, engine) = open_synced_desk(&data, "salesforce").await;
        let crm = ConnectedCrm {
            plugin: "salesforce",
            base: emulator.base_url(),
            client_id: emulator.client_id(),
            client_secret: emulator.client_secret(),
            token_path: "/services/oauth2/token",
            refresh_token: emulator.refresh_token(),
        };
        crm.install(&state.registry).await;
        SalesforceSync { emulator, state, engine, data }
    }

    /// Enables sync of these modules with the manifest's default mapping.
    pub async fn enable(&self, modules: &[deskpane::sync::SyncModule], tweak: impl Fn(&mut deskpane::sync::ModuleSettings)) {
        enable(&self.engine, modules, tweak).await
    }

    pub fn desk(&self) -> &deskpane::desk::Desk {
        &self.state.desk
    }
}

async fn enable(
    engine: &deskpane::sync::SyncEngine,
    modules: &[deskpane::sync::SyncModule],
    tweak: impl Fn(&mut deskpane::sync::ModuleSettings),
) {
    let mut settings = engine.settings();
    for m in modules {
        let ms = settings.modules.entry(*m).or_default();
        ms.enabled = true;
        tweak(ms);
    }
    engine.set_settings(settings).await.expect("settings are valid");
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// Anyone: sign-in, the API description, CRM notifications (token-checked).
    Public,
    /// A signed-in agent.
    Agent,
    /// An Administrator.
    Admin,
}

/// Every route of the JSON API and the notification hook: method, path as
/// the OpenAPI document spells it, an example path, and who may call it.
/// The security tests walk it; the OpenAPI test checks the document lists
/// exactly these.
pub const ROUTES: &[(&str, &str, &str, Caller)] = &[
    ("POST", "/api/login", "/api/login", Caller::Public),
    ("POST", "/api/logout", "/api/logout", Caller::Public),
    ("POST", "/hooks/{plugin}", "/hooks/zoho-crm", Caller::Public),
    ("GET", "/api/me", "/api/me", Caller::Agent),
    ("PATCH", "/api/me", "/api/me", Caller::Agent),
    ("GET", "/api/ticket-list", "/api/ticket-list", Caller::Agent),
    ("GET", "/api/{kind}", "/api/tickets", Caller::Agent),
    ("POST", "/api/{kind}", "/api/tickets", Caller::Agent),
    ("GET", "/api/{kind}/{id}", "/api/tickets/1", Caller::Agent),
    ("PATCH", "/api/{kind}/{id}", "/api/tickets/1", Caller::Agent),
    ("DELETE", "/api/{kind}/{id}", "/api/tickets/1", Caller::Agent),
    ("GET", "/api/{kind}/{id}/panels", "/api/tickets/1/panels", Caller::Agent),
    ("GET", "/api/{kind}/{id}/panels/{plugin}/{section}", "/api/contacts/1/panels/zoho-crm/profile", Caller::Agent),
    ("POST", "/api/{kind}/{id}/panels/{plugin}/requester", "/api/tickets/1/panels/zoho-crm/requester", Caller::Agent),
    ("GET", "/api/{kind}/{id}/panels/{plugin}/search", "/api/tickets/1/panels/zoho-crm/search?q=ada", Caller::Agent),
    ("PUT", "/api/{kind}/{id}/panels/{plugin}/link", "/api/tickets/1/panels/zoho-crm/link", Caller::Agent),
    ("DELETE", "/api/{kind}/{id}/panels/{plugin}/link", "/api/tickets/1/panels/zoho-crm/link", Caller::Agent),
    ("POST", "/api/{kind}/{id}/panels/{plugin}/actions/note", "/api/tickets/1/panels/zoho-crm/actions/note", Caller::Agent),
    ("POST", "/api/{kind}/{id}/panels/{plugin}/actions/call", "/api/tickets/1/panels/zoho-crm/actions/call", Caller::Agent),
    ("POST", "/api/{kind}/{id}/panels/{plugin}/actions/task", "/api/tickets/1/panels/zoho-crm/actions/task", Caller::Agent),
    ("GET", "/api/admin/plugins", "/api/admin/plugins", Caller::Admin),
    ("GET", "/metrics", "/metrics", Caller::Admin),
    ("POST", "/api/admin/plugins", "/api/admin/plugins", Caller::Admin),
    ("PATCH", "/api/admin/plugins/{id}", "/api/admin/plugins/zoho-crm", Caller::Admin),
    ("DELETE", "/api/admin/plugins/{id}", "/api/admin/plugins/zoho-crm", Caller::Admin),
    ("POST", "/api/admin/plugins/{id}/connect", "/api/admin/plugins/zoho-crm/connect", Caller::Admin),
    ("POST", "/api/admin/plugins/{id}/test", "/api/admin/plugins/zoho-crm/test", Caller::Admin),
    ("POST", "/api/admin/plugins/{id}/disconnect", "/api/admin/plugins/zoho-crm/disconnect", Caller::Admin),
    ("PUT", "/api/admin/plugins/{id}/credentials/{name}", "/api/admin/plugins/zoho-crm/credentials/crm", Caller::Admin),
    ("POST", "/api/admin/plugins/{id}/access-requests", "/api/admin/plugins/zoho-crm/access-requests", Caller::Admin),
    ("POST", "/api/admin/plugins/{id}/access-requests/{rid}/resend", "/api/admin/plugins/zoho-crm/access-requests/1/resend", Caller::Admin),
    ("GET", "/api/admin/plugins/{id}/permissions", "/api/admin/plugins/zoho-crm/permissions", Caller::Admin),
    ("PUT", "/api/admin/plugins/{id}/permissions/{profile}", "/api/admin/plugins/zoho-crm/permissions/Agent", Caller::Admin),
    ("GET", "/api/admin/profiles", "/api/admin/profiles", Caller::Admin),
    ("POST", "/api/admin/profiles", "/api/admin/profiles", Caller::Admin),
    ("GET", "/api/admin/agents", "/api/admin/agents", Caller::Admin),
    ("POST", "/api/admin/agents", "/api/admin/agents", Caller::Admin),
    ("PATCH", "/api/admin/agents/{id}", "/api/admin/agents/1", Caller::Admin),
    ("DELETE", "/api/admin/agents/{id}", "/api/admin/agents/1", Caller::Admin),
    ("GET", "/api/admin/tokens", "/api/admin/tokens", Caller::Admin),
    ("POST", "/api/admin/tokens", "/api/admin/tokens", Caller::Admin),
    ("DELETE", "/api/admin/tokens/{id}", "/api/admin/tokens/abc", Caller::Admin),
    ("GET", "/api/admin/outbox", "/api/admin/outbox", Caller::Admin),
    ("GET", "/api/admin/publishers", "/api/admin/publishers", Caller::Admin),
    ("POST", "/api/admin/publishers", "/api/admin/publishers", Caller::Admin),
    ("DELETE", "/api/admin/publishers/{fingerprint}", "/api/admin/publishers/0123456789abcdef01234567", Caller::Admin),
    ("GET", "/api/admin/plugin-policy", "/api/admin/plugin-policy", Caller::Admin),
    ("PUT", "/api/admin/plugin-policy", "/api/admin/plugin-policy", Caller::Admin),
    ("GET", "/api/recycle-bin", "/api/recycle-bin", Caller::Admin),
    ("POST", "/api/recycle-bin/{kind}/{id}/restore", "/api/recycle-bin/tickets/1/restore", Caller::Admin),
    ("GET", "/api/changes", "/api/changes", Caller::Admin),
    ("GET", "/api/admin/plugins/{id}/sync", "/api/admin/plugins/zoho-crm/sync", Caller::Admin),
    ("PUT", "/api/admin/plugins/{id}/sync", "/api/admin/plugins/zoho-crm/sync", Caller::Admin),
    ("GET", "/api/admin/plugins/{id}/sync/fields/{module}", "/api/admin/plugins/zoho-crm/sync/fields/contacts", Caller::Admin),
    ("GET", "/api/admin/plugins/{id}/sync/list-views/{module}", "/api/admin/plugins/zoho-crm/sync/list-views/contacts", Caller::Admin),
    ("POST", "/api/admin/plugins/{id}/sync/run", "/api/admin/plugins/zoho-crm/sync/run", Caller::Admin),
    ("POST", "/api/admin/plugins/{id}/sync/pause", "/api/admin/plugins/zoho-crm/sync/pause", Caller::Admin),
    ("POST", "/api/admin/plugins/{id}/sync/resume", "/api/admin/plugins/zoho-crm/sync/resume", Caller::Admin),
    ("GET", "/api/admin/plugins/{id}/sync/history", "/api/admin/plugins/zoho-crm/sync/history", Caller::Admin),
    ("GET", "/api/admin/plugins/{id}/sync/failures", "/api/admin/plugins/zoho-crm/sync/failures", Caller::Admin),
    ("POST", "/api/admin/plugins/{id}/sync/failures/{failure}/retry", "/api/admin/plugins/zoho-crm/sync/failures/1/retry", Caller::Admin),
    ("GET", "/api/admin/plugins/{id}/recording", "/api/admin/plugins/cloudcx/recording", Caller::Admin),
    ("PUT", "/api/admin/plugins/{id}/recording", "/api/admin/plugins/cloudcx/recording", Caller::Admin),
    ("GET", "/api/admin/plugins/{id}/recording/log", "/api/admin/plugins/cloudcx/recording/log", Caller::Admin),
    (
        "POST",
        "/api/admin/plugins/{id}/recording/log/{conversation}/retry",
        "/api/admin/plugins/cloudcx/recording/log/c1/retry",
        Caller::Admin,
    ),
    ("GET", "/api/tickets/{id}/record", "/api/tickets/1/record", Caller::Agent),
    ("POST", "/api/tickets/{id}/record", "/api/tickets/1/record", Caller::Agent),
];

/// Edits a Zoho CRM record through the CRM's own API, as a CRM user would
/// (the emulator notifies whoever watches the module).
pub async fn zoho_edit(emulator: &zoho_emulator::ZohoEmulator, module: &str, id: &str, data: serde_json::Value) {
    let resp = reqwest::Client::new()
        .put(format!("{}/crm/v8/{module}/{id}", emulator.base_url()))
        .header("Authorization", format!("Zoho-oauthtoken {}", emulator.issue_access_token()))
        .json(&serde_json::json!({ "data": [data] }))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "the CRM took the edit");
}

/// Waits (up to 15 s) until `check` holds; fails the test naming `what`.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..150 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

/// The value of the first sample of metric `name` whose labels include all
/// of `labels`, from Prometheus' text format.
pub fn metric_sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().filter(|l| l.starts_with(&format!("{name}{{"))).find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        labels.iter().all(|(k, v)| series.contains(&format!("{k}=\"{v}\""))).then(|| value.parse().ok())?
    })
}
