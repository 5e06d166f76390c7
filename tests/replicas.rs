//! Several desk replicas on one PostgreSQL store: real `deskpane serve`
//! processes on their own ports and data folders, sharing the database and
//! the sealing key, against the Zoho emulator. Skipped (with a line saying
//! so) when the test command's PostgreSQL is not there.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use deskpane::desk::{Desk, Kind};
use deskpane::sync::{SyncModule, SyncStore};
use deskpane_tests::{deskpane_binary, eventually, known_ticket_in, test_postgres};
use serde_json::{json, Value};

/// One `deskpane serve` process.
struct Replica {
    url: String,
    data: PathBuf,
    child: Child,
}

impl Replica {
    /// Starts a replica on `store`; `demo` sets up the demo desk against the
    /// emulator (the first replica, all settings on the command line), else
    /// the replica reads its settings from a deskpane.toml, sealing with
    /// the key file of the replica `key_from` (every replica seals and
    /// opens with the same key).
    /// `public_url` is the address CRMs are given for notifications: the
    /// replica's own, or a balancer's in front of several.
    async fn start(store: &str, demo: Option<&str>, key_from: Option<&Path>, public_url: Option<&str>) -> Replica {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("http://127.0.0.1:{port}");
        let public_url = public_url.unwrap_or(&url);
        let data = std::env::temp_dir().join(format!("deskpane-replica-{}", deskpane::secrets::random_token()));
        std::fs::create_dir_all(&data).unwrap();
        let plugins = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins");
        let mut command = Command::new(deskpane_binary());
        command.args(["serve", "--data", data.to_str().unwrap(), "--sync-poll", "3600"]);
        match key_from {
            None => {
                command.args(["--store", store, "--listen", &format!("127.0.0.1:{port}")]);
                command.args(["--public-url", public_url, "--plugins-dir", plugins.to_str().unwrap()]);
            }
            Some(from) => {
                let file = data.join("deskpane.toml");
                let settings = format!(
                    "store = {store:?}\nsecret-key = {:?}\nlisten = \"127.0.0.1:{port}\"\npublic_url = {public_url:?}\ntrusted-proxy = [\"10.0.0.0/8\"]\n",
                    from.join("secret.key").display().to_string(),
                );
                std::fs::write(&file, settings).unwrap();
                command.args(["--config-file", file.to_str().unwrap()]);
            }
        }
        command.env("RUST_LOG", "warn").stdout(Stdio::null()).stderr(std::fs::File::create(data.with_extension("log")).unwrap());
        if let Some(emulator) = demo {
            command.args(["--demo", emulator]);
        }
        let child = command.spawn().expect("deskpane serve starts");
        let replica = Replica { url, data, child };
        let client = reqwest::Client::new();
        eventually("the replica answers", || async { client.get(replica.api("me")).send().await.is_ok_and(|r| r.status() == 401) }).await;
        replica
    }

    fn api(&self, path: &str) -> String {
        format!("{}/api/{path}", self.url)
    }

    /// SIGKILL: no shutdown, the store's connections just close.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.data.with_extension("log")).unwrap_or_default()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
        let _ = std::fs::remove_file(self.data.with_extension("log"));
    }
}

/// Two replicas on a fresh database: the first set up as the demo desk
/// against a fresh emulator, the second started after it.
async fn two_replicas(test: &str) -> Option<(zoho_emulator::ZohoEmulator, String, Replica, Replica)> {
    two_replicas_behind(test, None).await
}

/// [`two_replicas`], both giving CRMs `public_url` to notify.
async fn two_replicas_behind(test: &str, public_url: Option<&str>) -> Option<(zoho_emulator::ZohoEmulator, String, Replica, Replica)> {
    let admin = test_postgres(test)?;
    let store = deskpane_store::testing::scratch_database(&admin).unwrap();
    let emulator = zoho_emulator::ZohoEmulator::start(Default::default()).await.unwrap();
    emulator.seed_demo();
    let a = Replica::start(&store, Some(&emulator.base_url()), None, public_url).await;
    let b = Replica::start(&store, None, Some(&a.data), public_url).await;
    Some((emulator, store, a, b))
}

/// A load balancer in front of the replicas, reduced to what the tests
/// need: every connection goes to the replica it is pointed at, and
/// pointing it elsewhere closes the connections it forwards (a client
/// keeping one alive would otherwise still reach the old replica).
struct Balancer {
    url: String,
    target: tokio::sync::watch::Sender<String>,
}

impl Balancer {
    async fn start() -> Balancer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (target, pointed) = tokio::sync::watch::channel(String::new());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut pointed = pointed.clone();
                let to = pointed.borrow_and_update().clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&to).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = pointed.changed() => {}
                    }
                });
            }
        });
        Balancer { url, target }
    }

    fn point_at(&self, replica: &Replica) {
        self.target.send_replace(replica.url.trim_start_matches("http://").to_string());
    }
}

async fn sign_in(replica: &Replica, email: &str, password: &str) -> reqwest::Client {
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let resp = client.post(replica.api("login")).json(&json!({"email": email, "password": password})).send().await.unwrap();
    assert_eq!(resp.status(), 200, "sign-in on {}", replica.url);
    client
}

async fn get(client: &reqwest::Client, url: String) -> (u16, Value) {
    let resp = client.get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

/// The desk's store as the replicas share it, read directly.
fn shared(store: &str) -> (Desk, SyncStore) {
    let store = deskpane_store::Store::postgres(store).unwrap();
    (Desk::open(&store).unwrap(), SyncStore::open(&store).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_signed_in_on_one_replica_reads_panels_on_the_other_and_plugin_changes_reach_both() {
    let Some((_emulator, _store, a, b)) = two_replicas("two replicas serve one desk").await else { return };
    // Cookies go by host, not port: one browser, two replicas.
    let agent = sign_in(&a, "agent@deskpane.example", "agent-pass-123").await;
    let ticket = known_ticket_in(&agent, a.api("ticket-list")).await;
    let (status, me) = get(&agent, b.api("me")).await;
    assert_eq!(status, 200, "the session made on A is good on B: {me}");
    // B never installed anything: it runs the plugin from the store's
    // package, with the connection A made (sealed with the shared key).
    let (status, profile) = get(&agent, b.api(&format!("tickets/{ticket}/panels/zoho-crm/profile"))).await;
    assert_eq!(status, 200, "{profile}\nB's log:\n{}", b.log());
    assert!(profile["profile"]["display_name"].is_string(), "the CRM's answer: {profile}");

    // B caches the notes; a note added on A drops that cache on B too, so
    // B shows it well before the cache would expire (60 s).
    let notes = |replica: &Replica| replica.api(&format!("tickets/{ticket}/panels/zoho-crm/notes"));
    let (status, _) = get(&agent, notes(&b)).await;
    assert_eq!(status, 200);
    assert_eq!(get(&agent, notes(&b)).await.1["cached"], true, "B answers from its cache");
    let (status, note) =
        send(agent.post(a.api(&format!("tickets/{ticket}/panels/zoho-crm/actions/note"))).json(&json!({"content": "Added on A."}))).await;
    assert_eq!(status, 201, "{note}");
    eventually("B shows the note added on A", || async {
        get(&agent, notes(&b)).await.1["notes"].as_array().is_some_and(|n| n.iter().any(|n| n["content"] == "Added on A."))
    })
    .await;

    // The admin turns the plugin off on A: B stops showing it.
    let admin = sign_in(&a, "admin@deskpane.example", "admin-pass-123").await;
    let (status, body) = send(admin.patch(a.api("admin/plugins/zoho-crm")).json(&json!({"enabled": false}))).await;
    assert_eq!(status, 200, "{body}");
    eventually("B hides the disabled plugin's panel", || async {
        let (_, panels) = get(&agent, b.api(&format!("tickets/{ticket}/panels"))).await;
        panels["panels"].as_array().is_some_and(|p| p.is_empty())
    })
    .await;
    let (status, body) = send(admin.patch(b.api("admin/plugins/zoho-crm")).json(&json!({"enabled": true}))).await;
    assert_eq!(status, 200, "turned on again from B: {body}");
    eventually("A shows it again", || async {
        let (_, panels) = get(&agent, a.api(&format!("tickets/{ticket}/panels"))).await;
        panels["panels"].as_array().is_some_and(|p| p.len() == 1)
    })
    .await;

    // A plugin installed on A runs on B; upgraded on A, B runs the new
    // version and forgets what the old one cached.
    let plugin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins/example");
    let manifest = std::fs::read_to_string(plugin.join("plugin.toml")).unwrap();
    let component = std::fs::read(plugin.join("plugin.wasm")).unwrap();
    let form = |manifest: String| {
        reqwest::multipart::Form::new()
            .part("manifest", reqwest::multipart::Part::bytes(manifest.into_bytes()).file_name("plugin.toml"))
            .part("component", reqwest::multipart::Part::bytes(component.clone()).file_name("plugin.wasm"))
    };
    let (status, body) = send(admin.post(a.api("admin/plugins")).multipart(form(manifest.clone()))).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(send(admin.patch(a.api("admin/plugins/example")).json(&json!({"enabled": true}))).await.0, 200);
    let (status, ada) =
        send(agent.post(a.api("contacts")).json(&json!({"fields": {"last_name": "Lovelace", "email": "ada@analytical.example"}}))).await;
    assert_eq!(status, 201, "{ada}");
    let profile = format!("contacts/{}/panels/example/profile", ada["id"].as_str().unwrap());
    eventually("B runs the plugin installed on A", || async {
        let (status, body) = get(&agent, b.api(&profile)).await;
        status == 200 && body["profile"]["link"] == "https://crm.example/contacts/c-1001"
    })
    .await;
    let upgraded = manifest.replace("version = \"0.1.0\"", "version = \"0.2.0\"").replace("https://crm.example", "https://crm2.example");
    let (status, body) = send(admin.post(a.api("admin/plugins")).multipart(form(upgraded))).await;
    assert_eq!(status, 201, "{body}");
    eventually("B runs the version upgraded on A", || async {
        let (_, body) = get(&agent, b.api(&profile)).await;
        body["profile"]["link"] == "https://crm2.example/contacts/c-1001"
    })
    .await;
    let (_, plugins) = get(&admin, b.api("admin/plugins")).await;
    let example = plugins["plugins"].as_array().and_then(|p| p.iter().find(|p| p["id"] == "example")).cloned().unwrap_or_default();
    assert_eq!(example["version"], "0.2.0", "B's console shows the upgrade: {plugins}");
}

/// Turns on contact sync (the manifest's default mapping) through `replica`.
async fn enable_contact_sync(admin: &reqwest::Client, replica: &Replica) {
    let (status, overview) = get(admin, replica.api("admin/plugins/zoho-crm/sync")).await;
    assert_eq!(status, 200, "{overview}");
    let mut settings = overview["settings"].clone();
    settings["modules"]["contacts"]["enabled"] = json!(true);
    let (status, body) = send(admin.put(replica.api("admin/plugins/zoho-crm/sync")).json(&settings)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_desk_edit_on_one_replica_is_synced_to_the_crm_by_the_runner_on_the_other() {
    let Some((emulator, store, mut a, b)) = two_replicas("a desk edit synced by the other replica").await else { return };
    let admin = sign_in(&a, "admin@deskpane.example", "admin-pass-123").await;
    // Nobody syncs while the test holds the plugin's lock, as a third
    // replica running it would.
    let held = deskpane_store::Store::postgres(&store).unwrap();
    let lock = held.try_lock("sync/zoho-crm").unwrap().expect("the sync lock is free");
    enable_contact_sync(&admin, &a).await;
    let (status, created) =
        send(admin.post(a.api("contacts")).json(&json!({"fields": {"last_name": "Replica", "email": "written.on.a@example.com"}}))).await;
    assert_eq!(status, 201, "{created}");
    // A goes away; the lock comes free: only B can carry the change over.
    a.kill();
    drop(lock);
    eventually("B's runner writes A's contact into the CRM", || async {
        emulator.records("Contacts").iter().any(|c| c["Email"] == "written.on.a@example.com")
    })
    .await;
    let copies = emulator.records("Contacts").iter().filter(|c| c["Email"] == "written.on.a@example.com").count();
    assert_eq!(copies, 1);
    let (_, sync) = shared(&store);
    let id = created["id"].as_str().unwrap();
    // Recorded once the CRM has acknowledged the batch.
    eventually("the desk contact is mapped to its CRM record", || async { sync.crm_id("zoho-crm", SyncModule::Contacts, id).is_some() })
        .await;
    drop(b);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_replica_running_a_first_sync_is_killed_and_the_other_finishes_it_every_record_once() {
    const PER_SIDE: usize = 1500;
    let Some((emulator, store, a, b)) = two_replicas("failover mid first sync").await else { return };
    let (desk, sync) = shared(&store);
    emulator.seed_many(
        "Contacts",
        (0..PER_SIDE).map(|i| json!({"Last_Name": format!("Crm {i}"), "Email": format!("crm{i}@example.com")})).collect(),
    );
    for i in 0..PER_SIDE {
        let fields = json!({"last_name": format!("Desk {i}"), "email": format!("desk{i}@example.com")});
        desk.create(Kind::Contact, fields.as_object().unwrap().clone(), "api").unwrap();
    }
    let demo_contacts: Vec<String> = desk.list(Kind::Contact).iter().filter_map(|c| c.text("email").map(str::to_string)).collect();
    let admin = sign_in(&a, "admin@deskpane.example", "admin-pass-123").await;
    enable_contact_sync(&admin, &a).await;
    assert_eq!(send(admin.post(a.api("admin/plugins/zoho-crm/sync/run"))).await.0, 202);
    // Whichever replica took the run (the settings' save asked both) says
    // so on its console; the session is good on both.
    let running = |replica: &Replica| {
        let (admin, url) = (admin.clone(), replica.api("admin/plugins/zoho-crm/sync"));
        async move { get(&admin, url).await.1["progress"]["running"] == true }
    };
    let mut runner_is_a = None;
    for _ in 0..300 {
        let mapped = sync.mapped_count("zoho-crm", SyncModule::Contacts);
        if mapped > 100 && mapped < 2 * PER_SIDE {
            if running(&a).await {
                runner_is_a = Some(true);
            } else if running(&b).await {
                runner_is_a = Some(false);
            }
        }
        if runner_is_a.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (mut runner, other) = match runner_is_a.expect("a replica is part way through the first sync") {
        true => (a, b),
        false => (b, a),
    };
    runner.kill();
    let killed_at = sync.mapped_count("zoho-crm", SyncModule::Contacts);
    assert!(killed_at < 2 * PER_SIDE + demo_contacts.len(), "killed before the end");

    // The other takes over within seconds and finishes.
    for _ in 0..600 {
        if sync.mapped_count("zoho-crm", SyncModule::Contacts) >= 2 * PER_SIDE {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eventually("the other replica's run is over", || async {
        let (_, o) = get(&admin, other.api("admin/plugins/zoho-crm/sync")).await;
        o["modules"]["contacts"]["first_sync_done"] == true && o["progress"]["running"] == false
    })
    .await;
    assert!(!sync.run_mark("zoho-crm").open, "the run was carried to its end");

    let mut on_desk: BTreeMap<String, usize> = BTreeMap::new();
    for c in desk.list(Kind::Contact) {
        *on_desk.entry(c.text("email").unwrap_or("").to_lowercase()).or_default() += 1;
    }
    let mut in_crm: BTreeMap<String, usize> = BTreeMap::new();
    for c in emulator.records("Contacts") {
        *in_crm.entry(c["Email"].as_str().unwrap_or("").to_lowercase()).or_default() += 1;
    }
    for i in 0..PER_SIDE {
        for email in [format!("crm{i}@example.com"), format!("desk{i}@example.com")] {
            assert_eq!(
                on_desk.get(&email),
                Some(&1),
                "{email} on the desk (killed at {killed_at} mapped)\nthe other's log:\n{}",
                other.log()
            );
            assert_eq!(in_crm.get(&email), Some(&1), "{email} in the CRM (killed at {killed_at} mapped)");
        }
    }
    // Demo contacts without an email cannot be matched and are created on
    // the other side, as on one desk: only addressed contacts count here.
    let twice: Vec<_> = on_desk.iter().chain(in_crm.iter()).filter(|(email, n)| !email.is_empty() && **n > 1).collect();
    assert!(twice.is_empty(), "duplicated: {twice:?}");
}

/// Turns on contact sync through `replica` and waits for the end of the
/// first sync; the admin's client and the shared store.
async fn contacts_synced(replica: &Replica, store: &str) -> (reqwest::Client, Desk, SyncStore) {
    let admin = sign_in(replica, "admin@deskpane.example", "admin-pass-123").await;
    enable_contact_sync(&admin, replica).await;
    let (desk, sync) = shared(store);
    eventually("the first sync is over", || async {
        sync.first_sync_done("zoho-crm", SyncModule::Contacts) && !sync.run_mark("zoho-crm").open
    })
    .await;
    (admin, desk, sync)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crm_notification_at_one_replica_is_synced_by_the_other() {
    // Both replicas give the CRM the balancer's address, as behind a real
    // one; the test decides which replica the notification reaches.
    let balancer = Balancer::start().await;
    let Some((emulator, store, a, mut b)) = two_replicas_behind("a notification synced by the other replica", Some(&balancer.url)).await
    else {
        return;
    };
    balancer.point_at(&a);
    let (_admin, desk, sync) = contacts_synced(&a, &store).await;
    let (contact, crm_id) = desk
        .list(Kind::Contact)
        .into_iter()
        .find_map(|c| sync.crm_id("zoho-crm", SyncModule::Contacts, &c.id).map(|crm| (c, crm)))
        .expect("a synced contact");

    // Nobody syncs while the test holds the lock, as a third replica
    // running a long sync would.
    let held = deskpane_store::Store::postgres(&store).unwrap();
    let mut lock = None;
    eventually("the sync lock comes free", || {
        lock = held.try_lock("sync/zoho-crm").unwrap();
        std::future::ready(lock.is_some())
    })
    .await;
    let mut notices = held.subscribe();
    balancer.point_at(&b);
    deskpane_tests::zoho_edit(&emulator, "Contacts", &crm_id, json!({"Last_Name": "Notified At B"})).await;
    // B took the notification and asked every replica to sync.
    tokio::time::timeout(Duration::from_secs(30), async { while notices.recv().await.unwrap().topic != deskpane::sync::SYNC_WANTED {} })
        .await
        .unwrap_or_else(|_| panic!("B took no notification; B's log:\n{}", b.log()));
    // B goes away before it could run anything; A runs the sync it asked for.
    b.kill();
    drop(lock);
    eventually("A's runner brings the CRM edit to the desk", || async {
        desk.get(Kind::Contact, &contact.id).is_some_and(|c| c.text("last_name") == Some("Notified At B"))
    })
    .await;
    drop(a);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_nobody_else_was_asked_for_is_carried_on_by_the_other_replica_when_its_runner_dies() {
    const NEW: usize = 3000;
    let Some((emulator, store, mut a, b)) = two_replicas("failover of a run started by Run now").await else { return };
    let (admin, desk, sync) = contacts_synced(&a, &store).await;
    // Past the replicas' looks after the settings' save: both idle, and no
    // change anybody was told of is waiting. The CRM gains records without
    // notifying (as a CRM without notifications would, found by polling).
    tokio::time::sleep(Duration::from_secs(3)).await;
    emulator.seed_many(
        "Contacts",
        (0..NEW).map(|i| json!({"Last_Name": format!("Later {i}"), "Email": format!("later{i}@example.com")})).collect(),
    );
    let later = || desk.list(Kind::Contact).iter().filter(|c| c.text("email").is_some_and(|e| e.starts_with("later"))).count();
    // Run now on A: B is told only that A runs, not asked to sync.
    assert_eq!(send(admin.post(a.api("admin/plugins/zoho-crm/sync/run"))).await.0, 202);
    eventually("A is part way through the run", || {
        let n = later();
        std::future::ready(n > 100 && n < NEW)
    })
    .await;
    a.kill();
    assert!(later() < NEW, "killed before the end");
    // B carries on from A's cursors within seconds (its own poll is an hour away).
    for _ in 0..600 {
        if later() >= NEW && !sync.run_mark("zoho-crm").open {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!sync.run_mark("zoho-crm").open, "B carried the run to its end; B's log:\n{}", b.log());
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for c in desk.list(Kind::Contact) {
        if let Some(email) = c.text("email").filter(|e| e.starts_with("later")) {
            *seen.entry(email.to_string()).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), NEW, "every new CRM contact is on the desk");
    assert!(seen.values().all(|n| *n == 1), "none twice");
}
