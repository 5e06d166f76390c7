//! First sync of 100,000 contacts and 20,000 accounts, the desk and the CRM
//! each in its own process: the release `deskpane sync` against the release
//! `zoho-emulator` (or `salesforce-emulator` with `BENCH_CRM=salesforce`).
//! Half of each module starts in the CRM (imported to the desk), half in the
//! desk (exported to the CRM).
//!
//! Run (on a fresh checkout; the benchmark builds the release binaries it
//! runs, `deskpane` and the emulator, with `cargo build --release`):
//!
//! ```sh
//! scripts/build-plugins.sh && cargo bench -p deskpane-tests --bench first_sync
//! ```
//!
//! `BENCH_WRAP="heaptrack -o /tmp/sync"` (any command and its arguments)
//! runs the sync process under that command, to profile it; the figures are
//! then the wrapped process's.
//!
//! `BENCH_SCALE=0.1` syncs a tenth of the records; `BENCH_SCALE=8.33`, about
//! 1,000,000 (opt-in: minutes, and the emulator holds them all in memory).
//! `BENCH_REPLICAS=2` with `BENCH_STORE` also runs a second desk replica
//! (`deskpane serve` on the same database) standing by during the sync.
//! `BENCH_STORE=postgres://...` (a server's admin URL, e.g. from
//! `scripts/postgres.sh start DIR`) keeps the desk's store in a fresh
//! database there instead of the data folder's redb file.
//!
//! Before the sync the benchmark prepares the desk's data folder in its own
//! process (the plugin installed and connected to the emulator, sync of
//! contacts and accounts enabled, the desk's records written, its
//! compiled-plugin cache filled) and closes it; the CRM's records are seeded
//! by the emulator at start (`--seed-accounts`, `--seed-contacts`; through
//! the REST API for Salesforce). Then it runs `deskpane sync --data DIR
//! PLUGIN` and prints, each beside issue 15's goal and its ratio to it:
//! - wall time of the sync process, start to exit, and records/s (both
//!   directions: every record crosses once);
//! - the desk process's peak RSS (`ru_maxrss` from `wait4`, through a
//!   measuring shim so the benchmark's own memory is not counted: see
//!   `processes::measured`; the emulator not included) and its CPU time per
//!   record;
//! - the store on disk afterwards (`DIR/store.redb`, and the whole folder);
//! - for context, the emulator's CPU time during the sync and its peak RSS.

#[path = "processes/mod.rs"]
mod processes;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use deskpane::desk::Kind;
use deskpane::sync::SyncModule;
use deskpane_tests::ConnectedCrm;
use processes::{Emulator, Process};
use serde_json::{json, Value};

/// Issue 15's goals.
const GOAL_RECORDS_PER_SEC: f64 = 10_000.0;
const GOAL_PEAK_RSS_MB: f64 = 200.0;

/// The CRM under test: its plugin and emulator.
#[derive(Clone, Copy, PartialEq)]
enum Crm {
    Zoho,
    Salesforce,
}

impl Crm {
    fn name(self) -> &'static str {
        match self {
            Crm::Zoho => "Zoho CRM",
            Crm::Salesforce => "Salesforce",
        }
    }

    fn plugin(self) -> &'static str {
        match self {
            Crm::Zoho => "zoho-crm",
            Crm::Salesforce => "salesforce",
        }
    }

    fn emulator(self) -> &'static str {
        match self {
            Crm::Zoho => "zoho-emulator",
            Crm::Salesforce => "salesforce-emulator",
        }
    }

    fn token_path(self) -> &'static str {
        match self {
            Crm::Zoho => "/oauth/v2/token",
            Crm::Salesforce => "/services/oauth2/token",
        }
    }
}

fn main() {
    processes::run_shim_if_asked();
    let scale: f64 = std::env::var("BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let crm = match std::env::var("BENCH_CRM").as_deref() {
        Ok("salesforce") => Crm::Salesforce,
        _ => Crm::Zoho,
    };
    // Per side: as many again start in the desk.
    let contacts = (50_000.0 * scale) as usize;
    let accounts = (10_000.0 * scale) as usize;
    let total = 2 * (contacts + accounts);

    let bins = processes::release_binaries(&["deskpane", crm.emulator()]);
    let plugins = processes::plugins_dir();
    assert!(
        plugins.join(crm.plugin()).join("plugin.wasm").exists(),
        "the {} plugin is not built; run scripts/build-plugins.sh",
        crm.plugin()
    );
    println!("{}: first sync of {total} records ({contacts} contacts and {accounts} accounts on each side)", crm.name());
    println!(
        "machine: {} cores, load average {} at start",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        processes::load_average()
    );

    // The CRM, seeded.
    let began = Instant::now();
    let emulator = match crm {
        Crm::Zoho => {
            let (a, c) = (accounts.to_string(), contacts.to_string());
            Emulator::start(&bins.join(crm.emulator()), &["--seed-accounts", &a, "--seed-contacts", &c])
        }
        Crm::Salesforce => Emulator::start(&bins.join(crm.emulator()), &[]),
    };

    // The desk's store: sled in its data folder, or a fresh PostgreSQL database.
    let store = std::env::var("BENCH_STORE").ok().filter(|s| !s.is_empty()).map(|admin| {
        let url = deskpane_store::testing::scratch_database(&admin).expect("a database on BENCH_STORE's server");
        println!("store: PostgreSQL ({})", deskpane_store::Location::Postgres(url.clone()).redacted());
        url
    });
    // The desk's data folder, prepared here and closed before the sync runs.
    let data = processes::temp_data_dir("deskpane-bench-sync");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        if crm == Crm::Salesforce {
            seed_salesforce(&emulator, accounts, contacts).await;
        }
        prepare_desk(&data, store.as_deref(), crm, &emulator, accounts, contacts).await;
    });
    rt.shutdown_timeout(Duration::from_secs(5));
    println!("seeded {} CRM + {} desk records in {:.1?}", contacts + accounts, contacts + accounts, began.elapsed());

    // BENCH_REPLICAS=2 (PostgreSQL only): a desk replica serving beside the
    // sync, standing by to take it over, as in a deployment of two.
    let replicas: usize = std::env::var("BENCH_REPLICAS").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let standby = (replicas > 1).then(|| {
        let url = store.as_deref().expect("BENCH_REPLICAS=2 needs BENCH_STORE: replicas share a PostgreSQL store");
        let other = processes::temp_data_dir("deskpane-bench-replica");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut command = Command::new(bins.join("deskpane"));
        command.env("DESKPANE_STORE", url).env("RUST_LOG", "warn").args(["serve", "--data", other.to_str().unwrap()]);
        command.args(["--secret-key", data.join("secret.key").to_str().unwrap(), "--listen", &format!("127.0.0.1:{port}")]);
        command.args(["--plugins-dir", plugins.to_str().unwrap(), "--sync-poll", "3600"]);
        let replica = Process::spawn(command.stdout(Stdio::null()).stderr(Stdio::inherit()));
        // Up once it answers; it loads the plugin from the store first.
        let answering = || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
        for _ in 0..600 {
            if answering() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(answering(), "the second replica serves");
        println!("a second replica serves on port {port}, standing by");
        (replica, other)
    });

    // The sync, as its own process.
    let emulator_cpu_before = emulator.cpu_time();
    let started = Instant::now();
    let wrap = std::env::var("BENCH_WRAP").unwrap_or_default();
    let mut argv: Vec<std::ffi::OsString> = wrap.split_whitespace().map(Into::into).collect();
    argv.push(bins.join("deskpane").into());
    let mut command = Command::new(&argv[0]);
    command.args(&argv[1..]);
    if let Some(url) = &store {
        command.env("DESKPANE_STORE", url);
    }
    command.args(["sync", "--data", data.to_str().unwrap(), crm.plugin()]);
    let (mut command, usage_file) = processes::measured(&command);
    let mut sync = Process::spawn(command.stdout(Stdio::piped()).stderr(Stdio::inherit()));
    let mut report = String::new();
    sync.take_stdout().read_to_string(&mut report).expect("reads the sync's report");
    let (status, _) = sync.wait_with_usage();
    let usage = processes::Usage::read(&usage_file);
    let secs = started.elapsed().as_secs_f64();
    let emulator_cpu = emulator.cpu_time().saturating_sub(emulator_cpu_before);
    print!("{report}");
    assert!(status.success(), "deskpane sync failed: {status}");
    let (imported, exported, failed) = counts(&report);
    assert_eq!(failed, 0, "records failed to sync");
    assert_eq!((imported, exported), (contacts + accounts, contacts + accounts), "every record crosses once");

    if let Some((replica, other)) = standby {
        let cpu = processes::process_cpu_time(replica.id());
        println!("  the standing-by replica: {:.2} s CPU while the sync ran, from its start", cpu.as_secs_f64());
        replica.terminate(Duration::from_secs(5));
        let _ = std::fs::remove_dir_all(other);
    }
    let rate = total as f64 / secs;
    let peak_mib = usage.max_rss_kib as f64 / 1024.0;
    let peak_mb = usage.max_rss_kib as f64 * 1024.0 / 1e6;
    let desk_cpu = usage.cpu;
    println!();
    println!("{}, {total} records, `deskpane sync` and `{}` as separate processes:", crm.name(), crm.emulator());
    println!(
        "  sync wall time     {secs:.1} s, {rate:.0} records/s    goal >= {GOAL_RECORDS_PER_SEC:.0}: {:.2}x the goal",
        rate / GOAL_RECORDS_PER_SEC
    );
    println!(
        "  desk peak RSS      {peak_mib:.0} MiB ({peak_mb:.0} MB)    goal <= {GOAL_PEAK_RSS_MB:.0} MB: {:.2}x the goal",
        peak_mb / GOAL_PEAK_RSS_MB
    );
    println!(
        "  desk CPU           {:.1} s ({:.0} µs a record; {:.2} cores busy on average)",
        desk_cpu.as_secs_f64(),
        desk_cpu.as_secs_f64() * 1e6 / total as f64,
        desk_cpu.as_secs_f64() / secs
    );
    if store.is_none() {
        let file = match deskpane::server::embedded_store(&data) {
            deskpane_store::Location::Redb(path) | deskpane_store::Location::Sled(path) => path,
            deskpane_store::Location::Postgres(_) => unreachable!("the data folder's own store"),
        };
        println!(
            "  store on disk      {:.0} MiB in {} ({:.0} MiB the whole data folder)",
            mib(processes::dir_size(&file)),
            file.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            mib(processes::dir_size(&data))
        );
    }
    println!(
        "  emulator           {:.1} s CPU during the sync ({:.0} µs a record), peak RSS {:.0} MiB",
        emulator_cpu.as_secs_f64(),
        emulator_cpu.as_secs_f64() * 1e6 / total as f64,
        emulator.peak_rss_mib()
    );
    println!("  load average at the end: {}", processes::load_average());
    drop(emulator);
    let _ = std::fs::remove_dir_all(&data);
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Records added CRM -> desk, desk -> CRM, and failed in either, from the
/// lines `deskpane sync` prints: `CRM -> desk contacts  added 50000
/// updated 0  failed 0`.
fn counts(report: &str) -> (usize, usize, usize) {
    let (mut imported, mut exported, mut failed) = (0, 0, 0);
    for line in report.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let [from, "->", _, _module, "added", added, "updated", _, "failed", failures] = words[..] else { continue };
        let (added, failures): (usize, usize) = (added.parse().unwrap(), failures.parse().unwrap());
        if from == "CRM" {
            imported += added;
        } else {
            exported += added;
        }
        failed += failures;
    }
    (imported, exported, failed)
}

/// The desk at `data` as an admin leaves it before a first sync: the
/// plugin installed and connected to the emulator, contacts and accounts
/// enabled for sync with the default mapping, and the desk's own records.
/// Opened as `deskpane sync` opens it, so its compiled-plugin cache
/// (`data/compiled`) is warm for the sync.
async fn prepare_desk(data: &Path, store: Option<&str>, crm: Crm, emulator: &Emulator, accounts: usize, contacts: usize) {
    let config = deskpane::server::ServeConfig {
        data: data.to_path_buf(),
        public_url: "http://127.0.0.1:9".into(),
        web_dir: None,
        panel_ttl: Duration::from_secs(60),
        runtime: deskpane::RuntimeConfig::default(),
        embed_origins: Vec::new(),
        max_upload_bytes: deskpane::server::DEFAULT_MAX_UPLOAD_BYTES,
        store: store.map(|url| deskpane_store::Location::Postgres(url.to_string())),
        ..Default::default()
    };
    let state = deskpane::server::AppState::open(&config).await.expect("the desk opens");
    ConnectedCrm {
        plugin: crm.plugin(),
        base: emulator.base_url.clone(),
        client_id: emulator.client_id.clone(),
        client_secret: emulator.client_secret.clone(),
        token_path: crm.token_path(),
        refresh_token: emulator.refresh_token.clone(),
    }
    .install(&state.registry)
    .await;
    let engine = state.sync.engine(crm.plugin()).expect("the plugin is installed");
    let mut settings = engine.settings();
    for module in [SyncModule::Accounts, SyncModule::Contacts] {
        settings.modules.entry(module).or_default().enabled = true;
    }
    engine.set_settings(settings).await.expect("sync settings are valid");
    for i in 0..accounts {
        let f = json!({"account_name": format!("Desk Account {i}"), "industry": "Services"});
        state.desk.write_with(Kind::Account, None, f.as_object().unwrap().clone(), "api", &[], |_, _| Ok(())).unwrap();
    }
    for i in 0..contacts {
        let f = json!({"last_name": format!("Desk {i}"), "email": format!("desk{i}@example.com"), "title": "Engineer"});
        state.desk.write_with(Kind::Contact, None, f.as_object().unwrap().clone(), "api", &[], |_, _| Ok(())).unwrap();
    }
    state.db.flush().expect("the store flushes");
}

/// Seeds the Salesforce emulator's half through its REST API (composite
/// creates of 200), the records `first_sync` always used: `CRM Account
/// {i}`, and `Crm {i}` with `crm{i}@example.com`.
async fn seed_salesforce(emulator: &Emulator, accounts: usize, contacts: usize) {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = &emulator.base_url;
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", emulator.client_id.as_str()),
        ("client_secret", emulator.client_secret.as_str()),
        ("refresh_token", emulator.refresh_token.as_str()),
    ];
    let grant: Value = http.post(format!("{base}/services/oauth2/token")).form(&form).send().await.unwrap().json().await.unwrap();
    let token = grant["access_token"].as_str().expect("an access token").to_string();
    type Record = fn(usize) -> Value;
    let objects: [(&str, usize, Record); 2] = [
        ("Account", accounts, |i| json!({"Name": format!("CRM Account {i}"), "Industry": "Retail"})),
        ("Contact", contacts, |i| json!({"LastName": format!("Crm {i}"), "Email": format!("crm{i}@example.com"), "Title": "Buyer"})),
    ];
    for (object, n, record) in objects {
        for start in (0..n).step_by(200) {
            let records: Vec<Value> = (start..n.min(start + 200))
                .map(|i| {
                    let mut r = record(i);
                    r["attributes"] = json!({"type": object});
                    r
                })
                .collect();
            let answer: Value = http
                .post(format!("{base}/services/data/v62.0/composite/sobjects"))
                .bearer_auth(&token)
                .json(&json!({"allOrNone": true, "records": records}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let created = answer.as_array().map_or(0, |a| a.iter().filter(|r| r["success"] == true).count());
            assert_eq!(created, records.len(), "Salesforce seeding: {answer}");
        }
    }
}
