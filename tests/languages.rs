//! Plugins in any language that makes a component: the example connector
//! built with componentize-js and componentize-py loads through the real
//! runtime (pooling allocator, WASI linked deny-by-default) and passes the
//! conformance kit as the Rust one does; a Python probe shows what WASI grants
//! (clocks, randomness, stdout to the log) and refuses (files, sockets,
//! name lookup, the environment); a component that imports what the host
//! does not provide is refused with every such import named.

use std::sync::Arc;

use deskpane::contract::{Module, RecordRef, Requester, Value};
use deskpane::credentials::StaticCredentials;
use deskpane::package::PluginPackage;
use deskpane::{CallErrorKind, LoadError, Plugin, PluginSettings};
use deskpane_tests::{plugin, runtime};

fn load(rt: &deskpane::Runtime, package: &PluginPackage) -> Plugin {
    // The Sample CRM examples need an address; nothing here calls it.
    let mut settings = PluginSettings::default();
    if package.manifest.config.contains_key("api-url") {
        settings.config.insert("api-url".to_string(), "https://acme.sample-crm.example".to_string());
    }
    rt.load(package, &settings, Arc::new(StaticCredentials::new())).unwrap_or_else(|e| panic!("{} loads: {e}", package.manifest.id))
}

fn requester(email: Option<&str>, phone: Option<&str>) -> Requester {
    Requester { email: email.map(Into::into), secondary_email: None, phone: phone.map(Into::into), name: None, account_name: None }
}

/// The Sample CRM connector in Rust, JavaScript and Python (the templates
/// of `deskpane plugin new`) passes every check of the conformance kit, in
/// the real runtime: lookup order, paging, typed errors, odd data.
#[tokio::test(flavor = "multi_thread")]
async fn the_example_connector_in_rust_javascript_and_python_passes_the_conformance_kit() {
    let rt = runtime();
    for id in ["sample-crm-rust", "sample-crm-js", "sample-crm-python"] {
        let report = deskpane_conformance::checks::run(&rt, &plugin(id), &Default::default()).await;
        assert_eq!(report.failed() + report.skipped(), 0, "{id}:\n{}", report.render_text());
        assert!(report.passed() >= 20, "{id}:\n{}", report.render_text());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn wasi_grants_clocks_randomness_and_a_log_and_refuses_files_sockets_and_the_environment() {
    let rt = runtime();
    let probe = load(&rt, &plugin("wasi-probe"));
    // A port that does listen: a refused connection is the sandbox's doing.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counting = accepted.clone();
    tokio::spawn(async move {
        while listener.accept().await.is_ok() {
            counting.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let who = Requester { name: Some(format!("127.0.0.1:{port}")), ..requester(Some("probe@example.com"), None) };
    let outcome = |profile: &deskpane::contract::Profile, name: &str| -> String {
        match profile.fields.iter().find(|f| f.name == name).map(|f| &f.value) {
            Some(Value::Text(t)) => t.clone(),
            other => panic!("the probe reports {name}: {other:?}"),
        }
    };
    let first = probe.lookup_requester(&who).await.unwrap().expect("the probe answers");
    let second = probe.lookup_requester(&who).await.unwrap().unwrap();
    assert_eq!(outcome(&first, "env"), "ok:0", "an empty environment");
    for refused in ["read_file", "list_root", "write_file", "connect", "resolve"] {
        assert!(outcome(&first, refused).starts_with("refused:"), "{refused}: {}", outcome(&first, refused));
    }
    let now = chrono::Utc::now().timestamp();
    let clock: i64 = outcome(&first, "clock").trim_start_matches("ok:").parse().unwrap();
    assert!((clock - now).abs() < 60, "the wall clock is the host's: {clock} vs {now}");
    let (a, b) = (outcome(&first, "random"), outcome(&second, "random"));
    assert!(a.starts_with("ok:") && a.len() == 35 && a != b, "fresh random bytes each call: {a} {b}");
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 0, "no connection reached the port");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uncaught_python_exception_is_reported_with_its_message() {
    let rt = runtime();
    let probe = load(&rt, &plugin("wasi-probe"));
    let of = RecordRef { module: Module::Contacts, id: "probe".into(), name: None };
    let err = probe.notes(&of).await.unwrap_err();
    match &err.kind {
        CallErrorKind::Panicked(said) => assert!(said.contains("ValueError: boom from python"), "{said}"),
        other => panic!("the traceback names the exception: {other:?}"),
    }
    // The plugin keeps serving.
    assert!(probe.potentials(&of).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_component_importing_what_the_host_lacks_is_refused_naming_every_such_import() {
    let mut package = plugin("example");
    package.component = wat::parse_str(
        r#"(component
            (import "wasi:http/types@0.2.3" (instance))
            (import "wasi:http/outgoing-handler@0.2.3" (instance))
            (import "wasi:clocks/wall-clock@0.2.3" (instance))
            (import "acme:crm/client@1.0.0" (instance)))"#,
    )
    .unwrap();
    let err = runtime().load(&package, &PluginSettings::default(), Arc::new(StaticCredentials::new())).err().expect("refused");
    assert!(matches!(err, LoadError::Contract { .. }), "{err}");
    let said = err.to_string();
    for name in ["wasi:http/types@0.2.3", "wasi:http/outgoing-handler@0.2.3", "acme:crm/client@1.0.0"] {
        assert!(said.contains(name), "{name} in: {said}");
    }
    assert!(!said.contains("wall-clock"), "a granted interface is not listed: {said}");
    assert!(said.contains("--disable http fetch-event"), "the toolchain's flag: {said}");
}

/// Compiled once: a runtime started later with the same cache folder (a
/// restart, a second CLI call) takes the compiled plugin from it.
#[tokio::test(flavor = "multi_thread")]
async fn a_compiled_plugin_is_kept_in_the_cache_folder_for_the_next_runtime() {
    let dir = std::env::temp_dir().join(format!("deskpane-compiled-{}", deskpane::secrets::random_token()));
    let config = || deskpane::RuntimeConfig { max_instances: 4, compiled_cache: Some(dir.clone()), ..Default::default() };
    // Compiled code only: the cache also keeps small usage statistics.
    let files = || walk(&dir).into_iter().filter(|(_, size)| *size > 1 << 20).collect::<Vec<_>>();
    {
        let first = deskpane::Runtime::new(config()).unwrap();
        load(&first, &plugin("sample-crm-js"));
    }
    let kept = files();
    assert_eq!(kept.len(), 1, "the compiled JavaScript plugin is in the folder: {:?}", walk(&dir));
    let second = deskpane::Runtime::new(config()).unwrap();
    let js = load(&second, &plugin("sample-crm-js"));
    assert_eq!(js.lookup_requester(&requester(None, None)).await.unwrap(), None, "it runs");
    assert_eq!(files(), kept, "nothing compiled again");
    std::fs::remove_dir_all(&dir).ok();
}

/// Every file under `dir` with its size.
fn walk(dir: &std::path::Path) -> Vec<(std::path::PathBuf, u64)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push((path.clone(), entry.metadata().map(|m| m.len()).unwrap_or(0)));
        }
    }
    out.sort();
    out
}

/// `deskpane serve --data data` gives a relative folder: the cache takes it.
#[test]
fn a_relative_cache_folder_is_taken() {
    let relative = std::path::PathBuf::from("../target/compiled-plugins-relative");
    assert!(relative.is_relative());
    let rt = deskpane::Runtime::new(deskpane::RuntimeConfig { max_instances: 2, compiled_cache: Some(relative), ..Default::default() });
    assert!(rt.is_ok(), "{:?}", rt.err());
}
