//! The sandbox holds against hostile plugins: each misbehaviour ends in a
//! typed, readable error, the host keeps running, and a well-behaved plugin
//! answers correctly right after. Everything goes through the real runtime
//! with real components built by scripts/build-plugins.sh.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use deskpane::contract::{ConnectorError, Requester};
use deskpane::credentials::{CredentialError, CredentialSource, Secret, StaticCredentials};
use deskpane::{CallError, CallErrorKind, Plugin, PluginSettings, Runtime};
use deskpane_tests::{metric_sample, plugin, runtime, runtime_with_dns, TestServer, LOOPBACK};
use futures::future::BoxFuture;

fn requester() -> Requester {
    Requester { email: Some("ada@analytical.example".into()), secondary_email: None, phone: None, name: None, account_name: None }
}

fn hostile(runtime: &Runtime, config: &[(&str, &str)], extra_hosts: &[String]) -> Plugin {
    hostile_with(runtime, config, extra_hosts, Arc::new(StaticCredentials::new()))
}

/// The hostile plugin fetching `path` of the test server, whose address
/// the admin granted.
fn fetcher(runtime: &Runtime, server: &TestServer, path: &str) -> Plugin {
    runtime.load(&plugin("hostile"), &fetching(server, path), Arc::new(StaticCredentials::new())).expect("hostile fixture loads")
}

/// [`fetcher`]'s settings.
fn fetching(server: &TestServer, path: &str) -> PluginSettings {
    let url = format!("{}{path}", server.url());
    PluginSettings {
        config: [("mode", "fetch"), ("url", url.as_str())].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        extra_hosts: vec![server.url()],
        ..Default::default()
    }
}

fn hostile_with(runtime: &Runtime, config: &[(&str, &str)], extra_hosts: &[String], creds: Arc<dyn CredentialSource>) -> Plugin {
    let settings = PluginSettings {
        config: config.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
        extra_hosts: extra_hosts.to_vec(),
        ..Default::default()
    };
    runtime.load(&plugin("hostile"), &settings, creds).expect("hostile fixture loads")
}

/// The control: the example plugin, loaded in the same runtime, answers
/// with the right profile.
async fn assert_healthy(runtime: &Runtime) {
    let example = runtime.load(&plugin("example"), &PluginSettings::default(), Arc::new(StaticCredentials::new())).expect("example loads");
    let profile = example.lookup_requester(&requester()).await.expect("example answers").expect("ada is found");
    assert_eq!(profile.display_name, "Ada Lovelace");
    assert_eq!(profile.record.id, "c-1001");
}

fn connector_message(err: &CallError) -> String {
    match &err.kind {
        CallErrorKind::Connector(e) => e.message(),
        other => panic!("expected an error the plugin returned, got: {other}"),
    }
}

#[tokio::test]
async fn an_infinite_loop_is_trapped_at_its_cpu_deadline() {
    let rt = runtime();
    let spinner = hostile(&rt, &[("mode", "spin")], &[]);
    let err = spinner.lookup_requester(&requester()).await.unwrap_err();
    assert!(matches!(err.kind, CallErrorKind::CpuDeadline(_)), "{err}");
    assert_eq!(
        err.to_string(),
        "plugin `hostile` failed in `lookup-requester`: it ran longer than its CPU budget of 300ms and was stopped"
    );
    assert_healthy(&rt).await;
}

#[tokio::test]
async fn a_memory_bomb_is_stopped_at_the_cap() {
    let rt = runtime();
    let bomb = hostile(&rt, &[("mode", "memory-bomb")], &[]);
    let err = bomb.lookup_requester(&requester()).await.unwrap_err();
    assert!(matches!(err.kind, CallErrorKind::MemoryLimit(cap) if cap == 32 << 20), "{err}");
    assert!(err.to_string().contains("past its cap of 32 MiB"), "{err}");
    assert_healthy(&rt).await;
}

/// `/metrics` counts the calls that grew their plugin's memory past its
/// initial size (each makes its slot's reset change page protections, the
/// larger part of a small call's cost): a call that fits in the SDK's heap
/// is not counted, one that allocates without end is.
#[tokio::test]
async fn calls_that_grow_their_memory_are_counted() {
    let metrics = deskpane::telemetry::prometheus();
    let rt = runtime();
    let example = rt.load(&plugin("example"), &PluginSettings::default(), Arc::new(StaticCredentials::new())).expect("example loads");
    example.lookup_requester(&requester()).await.expect("example answers");
    let bomb = hostile(&rt, &[("mode", "memory-bomb")], &[]);
    bomb.lookup_requester(&requester()).await.unwrap_err();
    let text = metrics.render();
    let grown =
        |plugin| metric_sample(&text, "deskpane_plugin_memory_grown_total", &[("plugin", plugin), ("function", "lookup-requester")]);
    assert_eq!(grown("example"), Some(0.0), "{text}");
    assert!(grown("hostile") >= Some(1.0), "{text}");
}

#[tokio::test]
async fn a_panic_is_a_typed_error_with_its_message() {
    let rt = runtime();
    let panicky = hostile(&rt, &[("mode", "panic")], &[]);
    let err = panicky.lookup_requester(&requester()).await.unwrap_err();
    match &err.kind {
        CallErrorKind::Panicked(message) => assert!(message.contains("hostile plugin panics on purpose"), "{message}"),
        other => panic!("expected a panic, got {other}"),
    }
    // The same plugin keeps serving: every call gets a fresh instance.
    let again = panicky.lookup_requester(&requester()).await.unwrap_err();
    assert!(matches!(again.kind, CallErrorKind::Panicked(_)));
    assert_healthy(&rt).await;
}

#[tokio::test]
async fn a_host_not_on_the_allow_list_is_refused() {
    let server = TestServer::start().await;
    let rt = runtime();
    let url = format!("{}/ok", server.url());
    // Nothing granted: deny by default.
    let ungranted = hostile(&rt, &[("mode", "fetch"), ("url", &url)], &[]);
    let err = ungranted.lookup_requester(&requester()).await.unwrap_err();
    let message = connector_message(&err);
    assert!(message.contains("request refused by the sandbox"), "{message}");
    assert!(message.contains(&format!("http://127.0.0.1:{} is not on the plugin's allow-list", server.port())), "{message}");

    // Granting the exact address lets the same request through.
    let granted = fetcher(&rt, &server, "/ok");
    let profile = granted.lookup_requester(&requester()).await.unwrap().unwrap();
    assert_eq!(profile.display_name, "status 200 body 5 bytes");
    assert_healthy(&rt).await;
}

#[tokio::test]
async fn a_name_resolving_to_a_private_address_is_refused_after_resolution() {
    let server = TestServer::start().await;
    // crm.example.test is on the allow-list, but resolves to loopback.
    let rt = runtime_with_dns(&[("crm.example.test", LOOPBACK)]);
    let url = format!("http://crm.example.test:{}/ok", server.port());
    let rebinding = hostile(&rt, &[("mode", "fetch"), ("url", &url)], &[format!("http://crm.example.test:{}", server.port())]);
    let err = rebinding.lookup_requester(&requester()).await.unwrap_err();
    let message = connector_message(&err);
    assert!(
        message.contains("crm.example.test resolves to 127.0.0.1, a loopback address, which the allow-list does not name explicitly"),
        "{message}"
    );
    assert_healthy(&rt).await;
}

#[tokio::test]
async fn an_oversized_response_is_cut_off_at_the_cap() {
    let server = TestServer::start().await;
    let rt = runtime();
    let err = fetcher(&rt, &server, "/big").lookup_requester(&requester()).await.unwrap_err();
    let message = connector_message(&err);
    assert!(message.contains("response larger than the 65536-byte cap"), "{message}");
    assert_healthy(&rt).await;
}

#[tokio::test]
async fn a_flood_of_calls_waits_for_slots_instead_of_failing() {
    let server = TestServer::start().await;
    let rt = runtime();
    let flooded = fetcher(&rt, &server, "/slow");
    let who = requester();
    let calls = (0..24).map(|_| flooded.lookup_requester(&who));
    let results = futures::future::join_all(calls).await;
    for result in &results {
        let profile = result.as_ref().expect("every queued call succeeds").as_ref().unwrap();
        assert_eq!(profile.display_name, "status 200 body 10 bytes");
    }
    // The manifest asks for at most 2 instances at once.
    assert_eq!(flooded.limits().max_concurrency, 2);
    assert!(server.max_in_flight() <= 2, "{} requests ran at once", server.max_in_flight());
    assert!(server.max_in_flight() >= 1);
    assert_eq!(server.in_flight(), 0);
    assert_healthy(&rt).await;
}

/// A panel section's second call (after its lookup) must not queue behind
/// the first calls of sections asked for after it began: with every slot
/// busy, a waiting call of older work (`work_begun`) goes first.
#[tokio::test]
async fn a_waiting_call_of_older_work_is_served_before_newer_work() {
    let server = TestServer::start().await;
    let rt = runtime();
    let settings = PluginSettings { concurrency: Some(1), ..fetching(&server, "/slow") };
    let plugin = Arc::new(rt.load(&plugin("hostile"), &settings, Arc::new(StaticCredentials::new())).unwrap());
    let older_work_began = std::time::Instant::now();
    let served = Arc::new(Mutex::new(Vec::new()));
    let call = |name: &'static str, began: Option<std::time::Instant>| {
        let (plugin, served) = (plugin.clone(), served.clone());
        tokio::spawn(async move {
            let who = requester();
            let answer = match began {
                Some(at) => deskpane::runtime::work_begun(at, plugin.lookup_requester(&who)).await,
                None => plugin.lookup_requester(&who).await,
            };
            answer.expect("every call is served");
            served.lock().unwrap().push(name);
        })
    };
    // The one slot is busy (the CRM answers in 100 ms)...
    let holder = call("holder", None);
    while server.in_flight() == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    // ...when a new call queues, then a call of work begun before it.
    let newer = call("newer", None);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let older = call("older", Some(older_work_began));
    for task in [holder, newer, older] {
        task.await.unwrap();
    }
    assert_eq!(*served.lock().unwrap(), ["holder", "older", "newer"]);
    assert_eq!(server.max_in_flight(), 1, "one call at a time");
}

#[tokio::test]
async fn time_spent_in_host_calls_is_bounded_by_the_call_timeout() {
    let server = TestServer::start().await;
    let rt = runtime();
    let settings = fetching(&server, "/hang");
    // A manifest asking for a short call timeout.
    let mut package = plugin("hostile");
    package.manifest.limits.call_timeout_ms = Some(500);
    let waiter = rt.load(&package, &settings, Arc::new(StaticCredentials::new())).unwrap();
    let err = waiter.lookup_requester(&requester()).await.unwrap_err();
    assert!(matches!(err.kind, CallErrorKind::Timeout(_)), "{err}");
    assert!(err.to_string().contains("did not finish within its 500ms call timeout"), "{err}");
    assert_healthy(&rt).await;
}

/// A credential source that hands out `stale` until refreshed.
#[derive(Default)]
struct Rotating {
    current: Mutex<String>,
    refreshes: AtomicUsize,
}

impl CredentialSource for Rotating {
    fn secret(&self, _plugin: &str, _name: &str) -> Result<Secret, CredentialError> {
        let value = self.current.lock().unwrap().clone();
        Ok(Secret { value: if value.is_empty() { "stale".into() } else { value }, api_base: None })
    }

    fn refresh<'a>(&'a self, _plugin: &'a str, _name: &'a str) -> BoxFuture<'a, Result<(), CredentialError>> {
        Box::pin(async move {
            self.refreshes.fetch_add(1, Ordering::SeqCst);
            *self.current.lock().unwrap() = "fresh".into();
            Ok(())
        })
    }
}

#[tokio::test]
async fn the_host_injects_credentials_and_refreshes_them_once_when_expired() {
    let server = TestServer::start().await;
    let rt = runtime();
    let url = format!("{}/key", server.url());
    let hosts = [server.url()];
    let creds = Arc::new(Rotating::default());
    let keyed = hostile_with(&rt, &[("mode", "fetch"), ("url", &url), ("credential", "crm")], &hosts, creds.clone());
    // First attempt carries `stale`, gets 401 -> auth-expired; the host
    // refreshes and the retry carries `fresh`.
    let profile = keyed.lookup_requester(&requester()).await.unwrap().unwrap();
    assert_eq!(profile.display_name, "status 200 body 5 bytes");
    assert_eq!(creds.refreshes.load(Ordering::SeqCst), 1);

    // A credential that cannot be refreshed surfaces as auth-expired.
    let fixed = Arc::new(StaticCredentials::new());
    fixed.insert("hostile", "crm", Secret { value: "stale".into(), api_base: None });
    let stuck = hostile_with(&rt, &[("mode", "fetch"), ("url", &url), ("credential", "crm")], &hosts, fixed);
    let err = stuck.lookup_requester(&requester()).await.unwrap_err();
    assert!(matches!(err.connector_error(), Some(ConnectorError::AuthExpired)), "{err}");

    // An unconnected credential is named in the error.
    let none = hostile(&rt, &[("mode", "fetch"), ("url", &url), ("credential", "crm")], &hosts);
    let message = connector_message(&none.lookup_requester(&requester()).await.unwrap_err());
    assert!(message.contains("credential `crm` of plugin `hostile` is not connected"), "{message}");
}

#[tokio::test]
async fn settings_are_checked_against_the_manifest() {
    let rt = runtime();
    let load = |config: &[(&str, &str)]| {
        let settings =
            PluginSettings { config: config.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), ..Default::default() };
        rt.load(&plugin("hostile"), &settings, Arc::new(StaticCredentials::new())).err().map(|e| e.to_string())
    };
    let unknown = load(&[("moed", "spin")]).expect("typo refused");
    assert!(unknown.contains("config `moed` is not declared"), "{unknown}");
    let bad_url = load(&[("url", "not a url")]).expect("bad url refused");
    assert!(bad_url.contains("config `url` of plugin `hostile` must be an absolute URL"), "{bad_url}");
}
