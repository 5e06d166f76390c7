//! Change propagation between the desk and Zoho CRM: how long until a desk
//! edit is visible in the CRM, and a CRM edit in the desk, through the CRM's
//! notifications and through polling (issue 15; goal: <= 1 s p99 through
//! notifications).
//!
//! Run: `scripts/build-plugins.sh && cargo bench -p deskpane-tests --bench propagation`
//! (`BENCH_EDITS=50` for a quick run). Knobs: `BENCH_EDITS` (edits per path,
//! 1,000), `BENCH_RECORDS` (contacts the edits are spread over, 300),
//! `BENCH_POLL_SECS` (the runner's poll interval for the polling path, 1:
//! `serve --sync-poll`'s smallest useful value; its default is 60),
//! `BENCH_PAUSE_MS` (each edit waits a random 0..this before it is made, so
//! edits land at random points of the runner's cycle rather than locked to
//! the end of the run that made the previous one visible; 1,000), `BENCH_SEED`.
//!
//! The desk is the real one in-process: `AppState` behind the real HTTP
//! router on loopback, its sync driven only by `SyncManager::run_forever`,
//! the runner `deskpane serve` spawns (with `serve`'s default 60 s poll for
//! the notification paths), the Zoho plugin in the sandbox, connected to the
//! in-process Zoho emulator, which posts its `actions/watch` notifications
//! to the desk's `/hooks/zoho-crm`. Edits are made one at a time:
//! - desk -> CRM: `PATCH /api/contacts/{id}` as an agent, then the
//!   emulator's store is read every 2 ms until the CRM record has the value;
//! - CRM -> desk: `PUT /crm/v8/Contacts/{id}` as a CRM user (the emulator
//!   notifies the desk), then the desk's store is read every 2 ms;
//! - the same with the desk's watch channel deleted in the CRM and the
//!   runner restarted with `BENCH_POLL_SECS`.
//!
//! Runs of the sync engine are timed by watching its progress (every 1 ms),
//! so each latency is split into the wait before the run that carried the
//! edit started and the part inside that run.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deskpane::desk::Kind;
use deskpane::server::AppState;
use deskpane::sync::SyncEngine;
use deskpane_tests::compiled_cache;
use serde_json::{json, Value};
use zoho_emulator::ZohoEmulator;

const PLUGIN: &str = "zoho-crm";
/// `deskpane serve --sync-poll`'s default.
const SERVE_DEFAULT_POLL: Duration = Duration::from_secs(60);
/// The goal of issue 15 for the notification path.
const GOAL: Duration = Duration::from_secs(1);
/// How often the benchmark looks for the new value.
const LOOK_EVERY: Duration = Duration::from_millis(2);

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// xorshift64*: reproducible edits without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

/// One sync run as seen from its progress.
#[derive(Clone, Copy)]
struct Run {
    start: Instant,
    end: Option<Instant>,
}

/// Records every run of the engine by watching its progress every 1 ms.
fn track_runs(engine: Arc<SyncEngine>) -> Arc<Mutex<Vec<Run>>> {
    let runs: Arc<Mutex<Vec<Run>>> = Arc::default();
    let out = runs.clone();
    tokio::spawn(async move {
        let mut current: Option<Run> = None;
        loop {
            let p = engine.progress();
            let now = Instant::now();
            match (&mut current, p.running) {
                (None, true) => current = Some(Run { start: now, end: None }),
                (Some(_), true) | (None, false) => {}
                (Some(run), false) => {
                    run.end = Some(now);
                    runs.lock().unwrap().push(*run);
                    current = None;
                }
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Path {
    DeskToCrm,
    CrmToDesk,
}

struct Sample {
    /// Before the edit's request was sent.
    edited: Instant,
    /// The edit's request answered.
    answered: Instant,
    /// First seen on the other side (None: not within the time limit).
    seen: Option<Instant>,
}

struct Ctx {
    url: String,
    state: AppState,
    emulator: ZohoEmulator,
    agent: reqwest::Client,
    crm_user: reqwest::Client,
    /// (desk id, CRM id) of the contacts edited.
    records: Vec<(String, String)>,
    runs: Arc<Mutex<Vec<Run>>>,
    engine: Arc<SyncEngine>,
}

impl Ctx {
    fn api(&self, path: &str) -> String {
        format!("{}/api/{path}", self.url)
    }

    /// Makes one edit of `title` on `path`'s source side; answers when its
    /// request was sent and when it was answered.
    async fn edit(&self, path: Path, record: &(String, String), value: &str) -> (Instant, Instant) {
        let edited = Instant::now();
        let resp = match path {
            Path::DeskToCrm => {
                self.agent.patch(self.api(&format!("contacts/{}", record.0))).json(&json!({"fields": {"title": value}})).send().await
            }
            Path::CrmToDesk => {
                self.crm_user
                    .put(format!("{}/crm/v8/Contacts/{}", self.emulator.base_url(), record.1))
                    .header("Authorization", format!("Zoho-oauthtoken {}", self.emulator.issue_access_token()))
                    .json(&json!({"data": [{"Title": value}]}))
                    .send()
                    .await
            }
        }
        .expect("the edit is sent");
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        assert!(status.is_success(), "the edit was refused: {status} {body}");
        (edited, Instant::now())
    }

    fn visible(&self, path: Path, record: &(String, String), value: &str) -> bool {
        match path {
            Path::DeskToCrm => self.emulator.record("Contacts", &record.1).is_some_and(|r| r["Title"] == value),
            Path::CrmToDesk => self.state.desk.get(Kind::Contact, &record.0).is_some_and(|r| r.text("title") == Some(value)),
        }
    }

    /// `edits` edits, one at a time, each on a random contact after a
    /// random pause below `pause`; each waited for up to `limit`.
    async fn measure(&self, name: &str, path: Path, edits: usize, pause: Duration, limit: Duration, rng: &mut Rng) -> Vec<Sample> {
        let mut samples = Vec::with_capacity(edits);
        let started = Instant::now();
        let mut last = usize::MAX;
        for i in 0..edits {
            tokio::time::sleep(Duration::from_micros(rng.below(pause.as_micros() as u64))).await;
            // Another contact than the last one.
            let mut at = rng.below(self.records.len() as u64) as usize;
            if at == last {
                at = (at + 1) % self.records.len();
            }
            last = at;
            let record = &self.records[at];
            let value = format!("{name}-{i}-{:x}", rng.next() & 0xffff_ffff);
            let (edited, answered) = self.edit(path, record, &value).await;
            let seen = loop {
                if self.visible(path, record, &value) {
                    break Some(Instant::now());
                }
                if edited.elapsed() > limit {
                    eprintln!("  edit {i} of `{name}` not visible after {limit:?}");
                    break None;
                }
                tokio::time::sleep(LOOK_EVERY).await;
            };
            samples.push(Sample { edited, answered, seen });
            if (i + 1) % 100 == 0 || i + 1 == edits {
                let done: Vec<Duration> = samples.iter().filter_map(|s| s.seen.map(|t| t - s.edited)).collect();
                eprintln!("  {name}: {}/{edits} edits, {:.0?} so far, p50 {}", i + 1, started.elapsed(), fmt(pct(&done, 50.0)));
            }
        }
        samples
    }

    /// Waits until no run has been going for `quiet`.
    async fn settle(&self, quiet: Duration) {
        let mut idle_since = Instant::now();
        loop {
            if self.engine.progress().running {
                idle_since = Instant::now();
            } else if idle_since.elapsed() >= quiet {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The CRM's watch channels pointing at this desk: (channel id, expiry).
    async fn channels(&self) -> Vec<(String, String)> {
        let resp = self
            .crm_user
            .get(format!("{}/crm/v8/actions/watch", self.emulator.base_url()))
            .header("Authorization", format!("Zoho-oauthtoken {}", self.emulator.issue_access_token()))
            .send()
            .await
            .unwrap();
        if resp.status() == 204 {
            return Vec::new();
        }
        let body: Value = resp.json().await.unwrap();
        let hook = format!("{}/hooks/{PLUGIN}", self.url);
        body["watch"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["notify_url"] == hook.as_str())
            .map(|c| {
                (c["channel_id"].as_str().unwrap_or_default().to_string(), c["channel_expiry"].as_str().unwrap_or_default().to_string())
            })
            .collect()
    }
}

/// Nearest-rank percentile.
fn pct(sorted_or_not: &[Duration], p: f64) -> Option<Duration> {
    if sorted_or_not.is_empty() {
        return None;
    }
    let mut v = sorted_or_not.to_vec();
    v.sort();
    let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
    Some(v[rank.min(v.len()) - 1])
}

fn fmt(d: Option<Duration>) -> String {
    match d {
        Some(d) if d >= Duration::from_secs(10) => format!("{:.1} s", d.as_secs_f64()),
        Some(d) => format!("{:.0} ms", d.as_secs_f64() * 1000.0),
        None => "-".into(),
    }
}

/// What a path's samples say, with the latency split by the runs.
struct Summary {
    name: String,
    edits: usize,
    lost: usize,
    latency: Vec<Duration>,
    /// The edit's own request (desk API or CRM API).
    request: Vec<Duration>,
    /// From the edit to the start of the run that carried it.
    before_run: Vec<Duration>,
    /// From that run's start to the value being seen.
    in_run: Vec<Duration>,
    /// Edits made while a run was going (they wait for the next one).
    during_run: Vec<Duration>,
    while_idle: Vec<Duration>,
    /// The runs in this path's window: count and durations.
    run_durations: Vec<Duration>,
}

fn summarise(name: &str, samples: &[Sample], runs: &[Run], window: (Instant, Instant)) -> Summary {
    let in_window: Vec<&Run> = runs.iter().filter(|r| r.start >= window.0 && r.start <= window.1).collect();
    let mut s = Summary {
        name: name.to_string(),
        edits: samples.len(),
        lost: samples.iter().filter(|x| x.seen.is_none()).count(),
        latency: Vec::new(),
        request: Vec::new(),
        before_run: Vec::new(),
        in_run: Vec::new(),
        during_run: Vec::new(),
        while_idle: Vec::new(),
        run_durations: in_window.iter().filter_map(|r| r.end.map(|e| e - r.start)).collect(),
    };
    for x in samples {
        s.request.push(x.answered - x.edited);
        let Some(seen) = x.seen else { continue };
        let latency = seen - x.edited;
        s.latency.push(latency);
        // The run that carried the edit: the last one started before it was
        // seen (the value shows before the run ends).
        if let Some(run) = runs.iter().rev().find(|r| r.start <= seen && r.start >= x.edited) {
            s.before_run.push(run.start - x.edited);
            s.in_run.push(seen - run.start);
        }
        let busy = runs.iter().any(|r| r.start <= x.edited && r.end.is_none_or(|e| e >= x.edited));
        if busy {
            s.during_run.push(latency);
        } else {
            s.while_idle.push(latency);
        }
    }
    s
}

fn print_summaries(summaries: &[Summary], poll: Duration) {
    println!();
    println!("propagation through the real desk server and runner against the in-process Zoho emulator");
    println!("goal (issue 15): p99 <= {} through notifications", fmt(Some(GOAL)));
    println!();
    println!("{:<58} {:>6} {:>8} {:>8} {:>8} {:>8} {:>10}", "path", "edits", "p50", "p99", "max", "lost", "p99/goal");
    for s in summaries {
        let p99 = pct(&s.latency, 99.0);
        let ratio = p99.map(|d| format!("{:.2}x", d.as_secs_f64() / GOAL.as_secs_f64())).unwrap_or("-".into());
        println!(
            "{:<58} {:>6} {:>8} {:>8} {:>8} {:>8} {:>10}",
            s.name,
            s.edits,
            fmt(pct(&s.latency, 50.0)),
            fmt(p99),
            fmt(pct(&s.latency, 100.0)),
            s.lost,
            ratio
        );
    }
    println!();
    println!("where the time goes (p50 / p99):");
    for s in summaries {
        println!("  {}:", s.name);
        println!("    the edit's own request                     {:>8} / {:>8}", fmt(pct(&s.request, 50.0)), fmt(pct(&s.request, 99.0)));
        println!(
            "    edit -> start of the run that carried it    {:>8} / {:>8}  ({} of {} matched to a run)",
            fmt(pct(&s.before_run, 50.0)),
            fmt(pct(&s.before_run, 99.0)),
            s.before_run.len(),
            s.latency.len()
        );
        println!("    run start -> value seen                     {:>8} / {:>8}", fmt(pct(&s.in_run, 50.0)), fmt(pct(&s.in_run, 99.0)));
        println!(
            "    runs in this path: {}, each {} / {}",
            s.run_durations.len(),
            fmt(pct(&s.run_durations, 50.0)),
            fmt(pct(&s.run_durations, 99.0))
        );
        println!(
            "    edits made while the runner was idle: {} ({} / {}); while a run was going: {} ({} / {})",
            s.while_idle.len(),
            fmt(pct(&s.while_idle, 50.0)),
            fmt(pct(&s.while_idle, 99.0)),
            s.during_run.len(),
            fmt(pct(&s.during_run, 50.0)),
            fmt(pct(&s.during_run, 99.0))
        );
    }
    println!();
    println!(
        "polling at `serve`'s default (--sync-poll {}): a CRM change waits for the next poll, so up to {} s + one \
         run (~{} s p99 bound, ~{} s p50); measured above with --sync-poll {}.",
        SERVE_DEFAULT_POLL.as_secs(),
        SERVE_DEFAULT_POLL.as_secs(),
        SERVE_DEFAULT_POLL.as_secs(),
        SERVE_DEFAULT_POLL.as_secs_f64() / 2.0,
        poll.as_secs()
    );
}

/// A desk server as `deskpane serve --demo` runs it, on loopback, with an
/// empty emulator (so the demo adds agents and the connected Zoho plugin,
/// and no records).
async fn start_desk(emulator: &ZohoEmulator) -> (String, AppState, PathBuf) {
    let data = std::env::temp_dir().join(format!("deskpane-propagation-{}", deskpane::secrets::random_token()));
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let config = deskpane::server::ServeConfig {
        data: data.clone(),
        public_url: url.clone(),
        web_dir: None,
        panel_ttl: Duration::from_secs(60),
        // `serve`'s runtime, with the compiled plugins the tests share.
        runtime: deskpane::RuntimeConfig { compiled_cache: Some(compiled_cache()), ..Default::default() },
        embed_origins: Vec::new(),
        max_upload_bytes: deskpane::server::DEFAULT_MAX_UPLOAD_BYTES,
        store: None,
        ..Default::default()
    };
    let state = AppState::open(&config).await.expect("desk opens");
    let plugins = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins");
    let zoho_url = emulator.base_url();
    deskpane::demo::setup(&state.auth, &state.desk, &state.registry, &plugins, &[(&deskpane::demo::ZOHO, zoho_url.as_str())])
        .await
        .expect("demo setup (run scripts/build-plugins.sh first)");
    let app = deskpane::server::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.expect("desk serves") });
    (url, state, data)
}

async fn sign_in(url: &str, email: &str, password: &str) -> reqwest::Client {
    let client = reqwest::Client::builder().cookie_store(true).no_proxy().build().unwrap();
    let resp = client.post(format!("{url}/api/login")).json(&json!({"email": email, "password": password})).send().await.unwrap();
    assert_eq!(resp.status(), 200, "sign-in as {email}");
    client
}

fn main() {
    let edits: usize = env("BENCH_EDITS", 1000);
    let records: usize = env("BENCH_RECORDS", 300).max(2);
    let poll = Duration::from_secs(env("BENCH_POLL_SECS", 1));
    let pause = Duration::from_millis(env("BENCH_PAUSE_MS", 1000));
    let mut rng = Rng(env("BENCH_SEED", 0x5eed_u64).max(1));
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let emulator = ZohoEmulator::start(Default::default()).await.expect("emulator starts");
        let (url, state, data) = start_desk(&emulator).await;
        // The runner `serve` spawns, at `serve`'s default poll.
        let mut runner = tokio::spawn(state.sync.clone().run_forever(SERVE_DEFAULT_POLL));
        tokio::spawn(state.recorder.clone().run_forever(SERVE_DEFAULT_POLL));

        // Contacts in the CRM; the first sync brings them to the desk.
        let crm_ids = emulator.seed_many(
            "Contacts",
            (0..records)
                .map(|i| json!({"Last_Name": format!("Bench {i}"), "Email": format!("bench{i}@example.com"), "Title": "Initial"}))
                .collect(),
        );
        let admin = sign_in(&url, "admin@deskpane.example", "admin-pass-123").await;
        let sync = format!("{url}/api/admin/plugins/{PLUGIN}/sync");
        let overview: Value = admin.get(&sync).send().await.unwrap().json().await.unwrap();
        let mut settings = overview["settings"].clone();
        settings["modules"]["contacts"]["enabled"] = json!(true);
        settings["modules"]["contacts"]["direction"] = json!("two-way");
        let saved = admin.put(&sync).json(&settings).send().await.unwrap();
        assert_eq!(saved.status(), 200, "two-way sync of contacts is enabled: {}", saved.text().await.unwrap_or_default());
        // Saving wakes the runner: the first sync follows on its own.
        let first = Instant::now();
        loop {
            let o: Value = admin.get(&sync).send().await.unwrap().json().await.unwrap();
            if o["modules"]["contacts"]["first_sync_done"] == true && o["progress"]["running"] == false {
                break;
            }
            assert!(first.elapsed() < Duration::from_secs(300), "the first sync did not finish: {o}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let pairs: Vec<(String, String)> = crm_ids
            .iter()
            .enumerate()
            .map(|(i, crm)| {
                let found = state.desk.find(Kind::Contact, "email", &format!("bench{i}@example.com"));
                assert_eq!(found.len(), 1, "contact {i} is in the desk once after the first sync");
                (found[0].id.clone(), crm.clone())
            })
            .collect();
        let engine = state.sync.engine(PLUGIN).expect("the engine exists");
        let ctx = Ctx {
            agent: sign_in(&url, "agent@deskpane.example", "agent-pass-123").await,
            crm_user: reqwest::Client::builder().no_proxy().build().unwrap(),
            url: url.clone(),
            state: state.clone(),
            emulator: emulator.clone(),
            records: pairs,
            runs: track_runs(engine.clone()),
            engine,
        };
        println!(
            "first sync of {records} contacts done in {:.1?}; {edits} edits per path over {records} contacts, \
             each after a random pause of 0-{} ms",
            first.elapsed(),
            pause.as_millis()
        );
        let channels = ctx.channels().await;
        assert!(!channels.is_empty(), "the desk asked the CRM to notify it");
        println!("CRM watch channel(s) for the desk: {channels:?} (made when the sync settings were saved)");
        ctx.settle(Duration::from_secs(1)).await;

        let mut summaries = Vec::new();
        let limit = SERVE_DEFAULT_POLL * 2;

        // CRM -> desk through notifications first: the desk's watch channel
        // was made at the settings' save and the CRM ends it after an hour.
        let t = Instant::now();
        let samples = ctx.measure("crm-notified", Path::CrmToDesk, edits, pause, limit, &mut rng).await;
        ctx.settle(Duration::from_secs(1)).await;
        let window = (t, Instant::now());
        summaries.push(summarise("CRM -> desk, notification (webhook)", &samples, &ctx.runs.lock().unwrap(), window));

        let t = Instant::now();
        let samples = ctx.measure("desk", Path::DeskToCrm, edits, pause, limit, &mut rng).await;
        ctx.settle(Duration::from_secs(1)).await;
        let window = (t, Instant::now());
        summaries.push(summarise("desk -> CRM, desk API (runner woken by the write)", &samples, &ctx.runs.lock().unwrap(), window));

        // Polling: the CRM no longer notifies the desk (its channel is
        // deleted, as when it expires), and the runner polls every `poll`.
        for (id, _) in ctx.channels().await {
            let resp = ctx
                .crm_user
                .delete(format!("{}/crm/v8/actions/watch?channel_ids={id}", emulator.base_url()))
                .header("Authorization", format!("Zoho-oauthtoken {}", emulator.issue_access_token()))
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success(), "the watch channel is deleted");
        }
        assert!(ctx.channels().await.is_empty(), "no channel is left");
        ctx.settle(Duration::from_secs(1)).await;
        runner.abort();
        let _ = (&mut runner).await;
        let runner = tokio::spawn(state.sync.clone().run_forever(poll));
        let t = Instant::now();
        let samples = ctx
            .measure("crm-polled", Path::CrmToDesk, edits, pause.max(poll + Duration::from_millis(600)), poll * 4 + limit, &mut rng)
            .await;
        ctx.settle(Duration::from_secs(1)).await;
        let window = (t, Instant::now());
        summaries.push(summarise(
            &format!("CRM -> desk, polling every {} s (notifications off)", poll.as_secs()),
            &samples,
            &ctx.runs.lock().unwrap(),
            window,
        ));
        runner.abort();

        print_summaries(&summaries, poll);
        println!("load average at the end: {}", std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim());
        let failures = ctx.engine.store().failures(PLUGIN);
        println!("sync failures logged: {}", failures.len());
        if let Some(e) = ctx.engine.progress().last_error {
            println!("last sync error: {e}");
        }
        state.db.flush().ok();
        let _ = std::fs::remove_dir_all(&data);
    });
}
