//! Plugins replaced in their folder on a running desk (hot reload), and a
//! demo setup that stopped halfway being finished by the next run.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use deskpane::desk::Kind;
use deskpane::registry::DiskChange;
use deskpane_tests::{eventually, DeskServer};
use serde_json::{json, Value};

async fn get(client: &reqwest::Client, url: String) -> (u16, Value) {
    let resp = client.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn built_plugins() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/plugins")
}

/// The example plugin as scripts/build-plugins.sh built it: manifest, component.
fn built_example() -> (String, Vec<u8>) {
    let dir = built_plugins().join("example");
    (std::fs::read_to_string(dir.join("plugin.toml")).unwrap(), std::fs::read(dir.join("plugin.wasm")).unwrap())
}

/// The example's manifest at another version, its "View in CRM" links on
/// another host: which version answered shows in every profile.
fn example_manifest(version: &str, crm_host: &str) -> String {
    let (manifest, _) = built_example();
    assert!(manifest.contains("version = \"0.1.0\"") && manifest.contains("https://crm.example"), "the example's manifest changed");
    manifest
        .replace("version = \"0.1.0\"", &format!("version = \"{version}\""))
        .replace("https://crm.example", &format!("https://{crm_host}"))
}

/// `component` with a custom section appended: it runs the same, and its
/// bytes (so its hash) differ.
fn with_custom_section(component: &[u8], payload: &str) -> Vec<u8> {
    fn leb128(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
    let name = b"deskpane-test";
    let mut body = Vec::new();
    leb128(name.len(), &mut body);
    body.extend_from_slice(name);
    body.extend_from_slice(payload.as_bytes());
    let mut out = component.to_vec();
    out.push(0); // a custom section
    leb128(body.len(), &mut out);
    out.extend_from_slice(&body);
    out
}

/// The installed example plugin's folder on the desk.
fn example_dir(s: &DeskServer) -> PathBuf {
    s.data.join("plugins").join("example")
}

/// Installs the example plugin through the console, enables it, and adds
/// the desk contact it knows (Ada); returns the admin and Ada's id.
async fn with_example(s: &DeskServer) -> (reqwest::Client, String) {
    let admin = s.admin().await;
    let (manifest, component) = built_example();
    let form = reqwest::multipart::Form::new()
        .part("manifest", reqwest::multipart::Part::bytes(manifest.into_bytes()).file_name("plugin.toml"))
        .part("component", reqwest::multipart::Part::bytes(component).file_name("plugin.wasm"));
    let resp = admin.post(s.api("admin/plugins")).multipart(form).send().await.unwrap();
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    let resp = admin.patch(s.api("admin/plugins/example")).json(&json!({"enabled": true})).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let fields = json!({"last_name": "Lovelace", "email": "ada@analytical.example"}).as_object().unwrap().clone();
    let ada = s.state.desk.create(Kind::Contact, fields, "test").unwrap();
    (admin, ada.id)
}

/// The example plugin as the admin console shows it.
async fn example_view(s: &DeskServer, admin: &reqwest::Client) -> Value {
    let (status, list) = get(admin, s.api("admin/plugins")).await;
    assert_eq!(status, 200);
    list["plugins"].as_array().unwrap().iter().find(|p| p["id"] == "example").cloned().expect("the example plugin is listed")
}

/// Replacing plugin.toml (a version bump) and plugin.wasm in an installed
/// plugin's folder takes effect without a restart or an upload: the
/// console shows the new version, the panel's next answer comes from it
/// (not from what the old version cached), and agents refreshing the panel
/// all through the swap never see a call fail.
#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_replaced_in_its_folder_serves_its_new_version_and_no_call_fails() {
    let s = DeskServer::start().await;
    let (admin, ada) = with_example(&s).await;
    let agent = s.agent().await;
    let profile = |refresh: bool| {
        let url = s.api(&format!("contacts/{ada}/panels/example/profile{}", if refresh { "?refresh=1" } else { "" }));
        get(&agent, url)
    };
    let (_, first) = profile(false).await;
    assert_eq!(first["profile"]["link"], "https://crm.example/contacts/c-1001");
    assert_eq!(profile(false).await.1["cached"], true, "the answer is cached");
    let (_, component) = built_example();

    // Version 0.2.0 copied over the installed files.
    std::fs::write(example_dir(&s).join("plugin.toml"), example_manifest("0.2.0", "crm2.example")).unwrap();
    std::fs::write(example_dir(&s).join("plugin.wasm"), with_custom_section(&component, "0.2.0")).unwrap();
    eventually("the console shows version 0.2.0", || async { example_view(&s, &admin).await["version"] == "0.2.0" }).await;
    let view = example_view(&s, &admin).await;
    assert_eq!(view["status"], "ok", "{view}");
    assert_eq!(view["enabled"], true, "the installation's settings stay");
    let (status, after) = profile(false).await;
    assert_eq!(status, 200);
    assert_eq!(after["profile"]["link"], "https://crm2.example/contacts/c-1001", "not the old version's cached answer: {after}");
    assert_eq!(after["cached"], false);

    // Under load: agents keep refreshing while version 0.3.0 replaces it.
    let (calls, stop, saw_new) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let url = s.api(&format!("contacts/{ada}/panels/example/profile?refresh=1"));
    let load: Vec<_> = (0..8)
        .map(|_| {
            let (agent, url, calls, stop, saw_new) = (agent.clone(), url.clone(), calls.clone(), stop.clone(), saw_new.clone());
            tokio::spawn(async move {
                let mut links = Vec::new();
                // Until told to stop, and never more than 5,000 calls or 60 s.
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
                for _ in 0..5_000 {
                    if stop.load(Ordering::SeqCst) || std::time::Instant::now() > deadline {
                        break;
                    }
                    let (status, body) = get(&agent, url.clone()).await;
                    assert_eq!(status, 200, "a call during the swap failed: {body}");
                    let link = body["profile"]["link"].as_str().unwrap().to_string();
                    if link.starts_with("https://crm3.example") {
                        saw_new.store(true, Ordering::SeqCst);
                    }
                    links.push(link);
                    calls.fetch_add(1, Ordering::SeqCst);
                }
                links
            })
        })
        .collect();
    eventually("the load is running", || async { calls.load(Ordering::SeqCst) >= 16 }).await;
    std::fs::write(example_dir(&s).join("plugin.toml"), example_manifest("0.3.0", "crm3.example")).unwrap();
    std::fs::write(example_dir(&s).join("plugin.wasm"), with_custom_section(&component, "0.3.0")).unwrap();
    eventually("the console shows version 0.3.0", || async { example_view(&s, &admin).await["version"] == "0.3.0" }).await;
    eventually("refreshing agents get the new version's answers", || async { saw_new.load(Ordering::SeqCst) }).await;
    let swapped_at = calls.load(Ordering::SeqCst);
    eventually("calls go on after the swap", || async { calls.load(Ordering::SeqCst) >= swapped_at + 16 }).await;
    stop.store(true, Ordering::SeqCst);
    for task in load {
        let links = task.await.expect("no call failed");
        assert!(links.iter().all(|l| l.starts_with("https://crm2.example/") || l.starts_with("https://crm3.example/")), "{links:?}");
    }
    let view = example_view(&s, &admin).await;
    assert_eq!((view["version"].as_str(), view["status"].as_str()), (Some("0.3.0"), Some("ok")), "{view}");
    let (_, last) = profile(false).await;
    assert_eq!(last["profile"]["link"], "https://crm3.example/contacts/c-1001", "{last}");
}

/// Files that do not make a working plugin, put into its folder, are
/// refused: the version loaded before keeps answering, and the console
/// says why (without the server's paths) until the folder holds files
/// that load again.
#[tokio::test(flavor = "multi_thread")]
async fn a_broken_plugin_put_in_its_folder_is_refused_and_the_old_version_keeps_answering() {
    let s = DeskServer::start().await;
    let (admin, ada) = with_example(&s).await;
    let agent = s.agent().await;
    let url = s.api(&format!("contacts/{ada}/panels/example/profile?refresh=1"));
    let (manifest, component) = built_example();
    let dir = example_dir(&s);
    let answers_from_the_old_version = || async {
        let (status, body) = get(&agent, url.clone()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["profile"]["link"], "https://crm.example/contacts/c-1001");
    };

    // The same files written again are no change: the same instance serves.
    let running = s.state.registry.plugin("example").unwrap();
    std::fs::write(dir.join("plugin.wasm"), &component).unwrap();
    assert_eq!(s.state.registry.reload_from_disk("example").unwrap(), DiskChange::Unchanged);
    assert!(Arc::ptr_eq(&running, &s.state.registry.plugin("example").unwrap()));

    // Garbage for a component.
    std::fs::write(dir.join("plugin.wasm"), b"this is not a WebAssembly component").unwrap();
    let status = || async { example_view(&s, &admin).await["status"].as_str().unwrap().to_string() };
    eventually("the console shows the refusal", || async { status().await != "ok" }).await;
    let refused = status().await;
    assert!(refused.contains("were refused; version 0.1.0 keeps serving"), "{refused}");
    assert!(refused.contains("WebAssembly magic bytes"), "the reason: {refused}");
    assert!(!refused.contains(s.data.to_str().unwrap()), "no server path: {refused}");
    assert_eq!(example_view(&s, &admin).await["version"], "0.1.0");
    answers_from_the_old_version().await;

    // A working component under another plugin's id.
    std::fs::write(dir.join("plugin.toml"), manifest.replace("id = \"example\"", "id = \"impostor\"")).unwrap();
    std::fs::write(dir.join("plugin.wasm"), &component).unwrap();
    eventually("the console names the id", || async { status().await.contains("impostor") }).await;
    let refused = status().await;
    assert!(refused.contains("does not change in place") && refused.contains("version 0.1.0 keeps serving"), "{refused}");
    assert!(!dir.with_file_name("impostor").exists() && s.state.registry.installation("impostor").is_err(), "nothing else was installed");
    answers_from_the_old_version().await;

    // A manifest that does not parse.
    std::fs::write(dir.join("plugin.toml"), "id = \"example\"\nname = ").unwrap();
    eventually("the console shows the manifest's error", || async { status().await.contains("plugin.toml:2:") }).await;
    answers_from_the_old_version().await;

    // The files it was installed with, back: nothing to refuse any more.
    std::fs::write(dir.join("plugin.toml"), &manifest).unwrap();
    eventually("the refusal is gone", || async { status().await == "ok" }).await;
    assert_eq!(example_view(&s, &admin).await["version"], "0.1.0");
    answers_from_the_old_version().await;
}

/// A first `--demo` run whose emulator refused connections fails with a
/// sentence naming the plugin and the address, and leaves a plugin
/// installed but not connected; its files then break while the desk is
/// stopped. The next run, with the emulator up, repairs all of it (the
/// plugin installed again, configured for the emulator, connected, the
/// desk seeded) and a run after that changes nothing: three agents, one
/// contact per CRM contact, one ticket per contact.
#[tokio::test(flavor = "multi_thread")]
async fn a_demo_setup_that_stopped_halfway_is_finished_by_the_next_run_and_nothing_is_made_twice() {
    let data = std::env::temp_dir().join(format!("deskpane-test-{}", deskpane::secrets::random_token()));
    let emulator = zoho_emulator::ZohoEmulator::start(Default::default()).await.expect("emulator starts");
    emulator.seed_demo();
    // An address where nothing listens: a port taken, then let go.
    let refusing = {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", taken.local_addr().unwrap())
    };
    {
        let config = deskpane::server::ServeConfig {
            data: data.clone(),
            public_url: "http://127.0.0.1:9".into(),
            web_dir: None,
            panel_ttl: std::time::Duration::from_secs(60),
            runtime: deskpane::RuntimeConfig { compiled_cache: Some(deskpane_tests::compiled_cache()), ..Default::default() },
            embed_origins: Vec::new(),
            max_upload_bytes: deskpane::server::DEFAULT_MAX_UPLOAD_BYTES,
            store: None,
            ..Default::default()
        };
        let state = deskpane::server::AppState::open(&config).await.expect("desk opens");
        let crms = [(&deskpane::demo::ZOHO, refusing.as_str())];
        let error = deskpane::demo::setup(&state.auth, &state.desk, &state.registry, &built_plugins(), &crms)
            .await
            .expect_err("the emulator does not answer");
        let error = format!("{error:#}");
        assert!(error.starts_with(&format!("connecting the zoho-crm plugin to its emulator at {refusing} failed")), "{error}");
        assert!(state.registry.installation("zoho-crm").is_ok() && !state.registry.is_connected("zoho-crm", "crm"), "half set up");
        assert!(state.desk.list(Kind::Ticket).is_empty());
        state.db.flush().unwrap();
    }
    std::fs::write(data.join("plugins/zoho-crm/plugin.wasm"), b"broken while the desk was stopped").unwrap();

    // DeskServer runs demo::setup against the emulator, as `serve --demo` does.
    let s = DeskServer::start_on(data, emulator).await;
    let seeded = desk_contents(&s);
    assert_eq!(seeded.agents, ["admin@deskpane.example", "agent@deskpane.example", "light@deskpane.example"]);
    assert!(!seeded.tickets.is_empty());
    let contacts: Vec<&String> = seeded.tickets.iter().map(|(_, contact)| contact).collect();
    assert!(contacts.windows(2).all(|w| w[0] != w[1]), "one ticket per contact: {:?}", seeded.tickets);
    assert_eq!(seeded.contacts.len(), seeded.tickets.len(), "one contact per CRM contact: {:?}", seeded.contacts);
    assert!(seeded.contacts.windows(2).all(|w| w[0] != w[1]), "no contact twice: {:?}", seeded.contacts);
    assert!(s.state.registry.is_connected("zoho-crm", "crm"));
    let install = s.state.registry.installation("zoho-crm").unwrap();
    assert_eq!(install.extra_hosts, [s.emulator.base_url()], "configured for the emulator that answered");
    assert!(install.enabled);
    assert_eq!(s.state.registry.load_error("zoho-crm"), None, "the broken files were replaced by the bundled ones");
    let agent = s.agent().await;
    let (_, list) = get(&agent, s.api("ticket-list")).await;
    let known = list["tickets"].as_array().unwrap().iter().find(|t| !t["customer_type"].is_null()).expect("the CRM knows a requester");
    let (status, panel) = get(&agent, s.api(&format!("tickets/{}/panels/zoho-crm/profile", known["id"].as_str().unwrap()))).await;
    assert_eq!(status, 200, "{panel}");
    assert!(panel["profile"].is_object(), "{panel}");

    let (data, emulator) = s.shutdown().await;
    let again = DeskServer::start_on(data.clone(), emulator).await;
    let after = desk_contents(&again);
    assert_eq!(
        (after.agents, after.contacts, after.tickets),
        (seeded.agents, seeded.contacts, seeded.tickets),
        "a further run made nothing"
    );
    again.shutdown().await;
    std::fs::remove_dir_all(&data).ok();
}

/// Agents' emails, contacts' emails, and (ticket id, contact id), sorted.
struct DeskContents {
    agents: Vec<String>,
    contacts: Vec<String>,
    tickets: Vec<(String, String)>,
}

fn desk_contents(s: &DeskServer) -> DeskContents {
    let mut agents: Vec<String> = s.state.auth.agents().into_iter().map(|a| a.email).collect();
    let mut contacts: Vec<String> = s.state.desk.list(Kind::Contact).iter().map(|c| c.text("email").unwrap_or("").to_lowercase()).collect();
    let mut tickets: Vec<(String, String)> =
        s.state.desk.list(Kind::Ticket).into_iter().map(|t| (t.id.clone(), t.text("contact_id").unwrap_or("").to_string())).collect();
    agents.sort();
    contacts.sort();
    tickets.sort_by(|a, b| a.1.cmp(&b.1));
    DeskContents { agents, contacts, tickets }
}
