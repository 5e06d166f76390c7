//! Nothing lost, nothing duplicated: a large first sync, run by the real
//! `deskpane sync` process, is killed with SIGKILL at random points and
//! restarted until it completes (the kill schedule's seed is printed). Every record must then exist exactly
//! once on both sides, with the right field values.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use deskpane::desk::Kind;
use deskpane::sync::SyncModule;
use deskpane_tests::{deskpane_binary, SyncSetup};
use serde_json::{json, Map, Value};

const PER_SIDE: usize = 3000;

/// Whether the store, as a kill left it, holds a sync half done: some
/// but not all records mapped.
fn partly_synced(data: &std::path::Path) -> bool {
    let db = deskpane_store::Store::open(&deskpane::server::embedded_store(data)).expect("the store opens after a kill");
    let mapped = deskpane::sync::SyncStore::open(&db).unwrap().mapped_count("zoho-crm", SyncModule::Contacts);
    mapped > 0 && mapped < 2 * PER_SIDE
}

/// A small deterministic generator, so a failing run can be replayed
/// with the seed it prints.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// A desk with `PER_SIDE` contacts on each side, contact sync on and not
/// run yet, closed: its data folder and the CRM.
async fn desk_before_its_first_sync() -> (std::path::PathBuf, zoho_emulator::ZohoEmulator) {
    let setup = SyncSetup::start().await;
    setup.emulator.seed_many(
        "Contacts",
        (0..PER_SIDE)
            .map(|i| json!({"Last_Name": format!("Crm {i}"), "Email": format!("crm{i}@example.com"), "Title": format!("T{i}")}))
            .collect(),
    );
    for i in 0..PER_SIDE {
        let fields: Map<String, Value> =
            json!({"last_name": format!("Desk {i}"), "email": format!("desk{i}@example.com"), "title": format!("D{i}")})
                .as_object()
                .unwrap()
                .clone();
        setup.desk().create(Kind::Contact, fields, "api").unwrap();
    }
    setup.enable(&[SyncModule::Contacts], |_| {}).await;
    let (data, emulator) = (setup.data.clone(), setup.emulator.clone());
    setup.state.db.flush().unwrap();
    drop(setup);
    (data, emulator)
}

/// `deskpane sync` on `data`, SIGKILLed after `after`; whether it ended by
/// itself first (successfully).
async fn sync_killed_after(data: &std::path::Path, after: Duration) -> bool {
    let mut child = tokio::process::Command::new(deskpane_binary())
        .args(["sync", "--data", data.to_str().unwrap(), "zoho-crm"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("deskpane sync starts");
    tokio::select! {
        status = child.wait() => {
            assert!(status.unwrap().success(), "a sync run that was not killed succeeds");
            true
        }
        _ = tokio::time::sleep(after) => {
            child.start_kill().unwrap(); // SIGKILL
            child.wait().await.unwrap();
            false
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_sync_killed_at_random_points_ends_with_every_record_once_on_both_sides() {
    let (data, emulator) = desk_before_its_first_sync().await;

    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    println!("kill schedule seed: {seed}");
    let mut rng = Lcg(seed);
    let mut kills = 0;
    let mut mid_sync_kills = 0;
    let mut completed = false;
    for _ in 0..40 {
        // The debug build starts in about 0.2 s and syncs 6,000 records in
        // about 1-2 s: most kills land mid-sync, some before it begins.
        let after = Duration::from_millis(50 + rng.next() % 1200);
        if sync_killed_after(&data, after).await {
            completed = true;
            break;
        }
        kills += 1;
        if partly_synced(&data) {
            mid_sync_kills += 1;
        }
    }
    if !completed {
        assert!(sync_killed_after(&data, Duration::from_secs(120)).await, "the last run completes");
    }
    assert!(mid_sync_kills > 0, "none of the {kills} kills landed in the middle of the sync");

    assert_every_record_once(data, &emulator).await;
    println!("{kills} kills ({mid_sync_kills} mid-sync), then complete");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_desk_restarted_after_a_run_was_cut_short_finishes_it_unasked() {
    let (data, emulator) = desk_before_its_first_sync().await;
    // Cut short part way (killed again until it is).
    let mut cut = false;
    for attempt in 0..20u64 {
        assert!(!sync_killed_after(&data, Duration::from_millis(400 + 100 * attempt)).await, "the run ended before it could be cut");
        if partly_synced(&data) {
            cut = true;
            break;
        }
    }
    assert!(cut, "no kill landed in the middle of the sync");
    // The desk serves again; nothing changes and nobody asks for a sync,
    // and its poll is an hour away.
    let (mut serve, _) = serve(&data);
    let crm_has_every_desk_contact = || emulator.records("Contacts").len() >= 2 * PER_SIDE;
    for _ in 0..600 {
        if crm_has_every_desk_contact() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(crm_has_every_desk_contact(), "the restarted desk carried the cut run on");
    serve.start_kill().unwrap();
    serve.wait().await.unwrap();
    // The kill may land before the last batch's mapping is written: a run
    // finishes that (as after any kill), then every record is there once.
    assert!(sync_killed_after(&data, Duration::from_secs(120)).await, "the last run completes");
    assert_every_record_once(data, &emulator).await;
}

/// `deskpane serve` on `data` with the bundled plugins and an hour between
/// polls (nothing syncs unasked), on a free loopback port; its URL.
fn serve(data: &std::path::Path) -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let plugins = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins");
    let child = tokio::process::Command::new(deskpane_binary())
        .args(["serve", "--data", data.to_str().unwrap(), "--listen", &format!("127.0.0.1:{port}"), "--sync-poll", "3600"])
        .args(["--plugins-dir", plugins.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // A failing assertion must not leave the desk running.
        .kill_on_drop(true)
        .spawn()
        .expect("deskpane serve starts");
    (child, format!("http://127.0.0.1:{port}"))
}

/// Every contact exactly once on both sides, with its values, all mapped.
async fn assert_every_record_once(data: std::path::PathBuf, emulator: &zoho_emulator::ZohoEmulator) {
    let after = SyncSetup::open(data, emulator.clone()).await;
    // Desk: every email exactly once, with its values.
    let mut desk: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for c in after.desk().list(Kind::Contact) {
        desk.entry(c.text("email").unwrap().to_string())
            .or_default()
            .push((c.text("last_name").unwrap().into(), c.text("title").unwrap_or("").into()));
    }
    // CRM: likewise.
    let mut crm: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for c in emulator.records("Contacts") {
        crm.entry(c["Email"].as_str().unwrap().to_string())
            .or_default()
            .push((c["Last_Name"].as_str().unwrap().into(), c["Title"].as_str().unwrap_or("").into()));
    }
    for side in [&desk, &crm] {
        assert_eq!(side.len(), 2 * PER_SIDE, "every record on each side");
        let twice: Vec<_> = side.iter().filter(|(_, v)| v.len() > 1).map(|(k, _)| k.clone()).collect();
        assert!(twice.is_empty(), "duplicated: {twice:?}");
    }
    for i in 0..PER_SIDE {
        let (c, d) = (format!("crm{i}@example.com"), format!("desk{i}@example.com"));
        assert_eq!(desk[&c][0], (format!("Crm {i}"), format!("T{i}")));
        assert_eq!(crm[&d][0], (format!("Desk {i}"), format!("D{i}")));
    }
    assert_eq!(after.engine.store().mapped_count("zoho-crm", SyncModule::Contacts), 2 * PER_SIDE);
}

/// `deskpane serve` stopped with SIGTERM, as systemd and Kubernetes stop
/// it, finishes, exits 0, and keeps every write it acknowledged: the
/// contact created just before the signal is there after a restart (the
/// store is flushed on the way out, not only every quarter second).
#[tokio::test(flavor = "multi_thread")]
async fn a_desk_stopped_with_sigterm_keeps_what_it_acknowledged_and_starts_again() {
    let data = std::env::temp_dir().join(format!("deskpane-sigterm-{}", deskpane::secrets::random_token()));
    let created = std::process::Command::new(deskpane_binary())
        .args(["admin", "create", "--data", data.to_str().unwrap(), "--email", "ops@desk.example"])
        .env("DESKPANE_ADMIN_PASSWORD", "ops-pass-12345")
        .stdout(Stdio::null())
        .status()
        .expect("deskpane admin create runs");
    assert!(created.success());

    let signed_in_desk = || async {
        let (child, url) = serve(&data);
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        deskpane_tests::eventually("the desk answers", || async {
            client.get(format!("{url}/api/me")).send().await.is_ok_and(|r| r.status() == 401)
        })
        .await;
        let signed_in =
            client.post(format!("{url}/api/login")).json(&json!({"email": "ops@desk.example", "password": "ops-pass-12345"})).send().await;
        assert_eq!(signed_in.unwrap().status(), 200);
        (child, url, client)
    };
    let stop = |mut child: tokio::process::Child| async move {
        let pid = child.id().expect("the desk runs");
        // SAFETY: a plain kill(2) of our own child, which is not yet reaped.
        assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) }, 0);
        let exited = tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("the desk stops within 30 s");
        assert!(exited.unwrap().success(), "a desk stopped with SIGTERM exits 0");
    };

    let (child, url, client) = signed_in_desk().await;
    let made = client
        .post(format!("{url}/api/contacts"))
        .json(&json!({"fields": {"last_name": "Stopped", "email": "stopped@example.com"}}))
        .send()
        .await
        .unwrap();
    assert!(made.status().is_success(), "{}", made.status());
    stop(child).await;

    let (child, url, client) = signed_in_desk().await;
    let contacts: Value = client.get(format!("{url}/api/contacts")).send().await.unwrap().json().await.unwrap();
    assert!(contacts["records"].as_array().unwrap().iter().any(|c| c["fields"]["email"] == "stopped@example.com"), "{contacts}");
    stop(child).await;
    let _ = std::fs::remove_dir_all(&data);
}
