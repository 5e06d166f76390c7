//! Restart to first panel: how long after `deskpane serve` is started an
//! agent gets a CRM panel, with the compiled-plugin cache warm (what a
//! restart finds in `<data>/compiled`) and emptied before each start (every
//! plugin compiled again, as before the cache).
//!
//! Run (on a fresh checkout; the benchmark builds the release `deskpane`
//! and `zoho-emulator` it runs, with `cargo build --release`):
//!
//! ```sh
//! scripts/build-plugins.sh && cargo bench -p deskpane-tests --bench startup
//! ```
//!
//! `BENCH_RESTARTS=N` starts each variant N times (default 20).
//!
//! The desk runs as its own process, the release `deskpane serve`, on a data
//! folder the demo set up (`serve --demo`: agents, the Zoho CRM plugin
//! connected, tickets) against a `zoho-emulator --seed demo` process. Each
//! start is timed from spawning the process to the answer of `GET
//! /api/tickets/{id}/panels/zoho-crm/profile` (the panel cache is in
//! memory, so that answer asks the CRM), in two ways:
//! - **session kept**: the agent's browser keeps its session across the
//!   restart (sessions are stored), so the first request is the panel;
//! - **signed in**: `POST /api/login` first (a password hash), then the panel.
//!
//! Each is split into time to listening (the store opened, plugins loaded
//! or compiled, the port bound; `serve` prints its address then), sign-in,
//! and the panel. It prints p50 and p99 of each over the restarts, the
//! ratio cold/warm, and the total against issue 15's goal (< 50 ms with
//! precompiled plugins). Variants alternate start by start, so a load
//! change on the machine touches all of them alike.

#[path = "processes/mod.rs"]
mod processes;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use processes::{Emulator, Process};
use serde_json::{json, Value};

/// Issue 15's goal, with precompiled plugins.
const GOAL: Duration = Duration::from_millis(50);
const AGENT: (&str, &str) = ("agent@deskpane.example", "agent-pass-123");

/// One start's timings.
#[derive(Default, Clone, Copy)]
struct Sample {
    /// Spawn to `serve` printing its address (it listens).
    listening: Duration,
    /// The sign-in, when the variant signs in.
    sign_in: Duration,
    /// The panel request, from when it is sent.
    panel: Duration,
    /// Spawn to the panel's answer.
    total: Duration,
}

/// One of a sample's timings.
type Timing = fn(&Sample) -> Duration;

/// How the first panel is reached after a start.
#[derive(Clone, Copy, PartialEq)]
enum Auth {
    SessionKept,
    SignIn,
}

/// What the benchmark asks of each start.
struct Desk<'a> {
    deskpane: &'a Path,
    data: &'a Path,
    /// A session from before the restarts, as an agent's browser keeps it.
    session: String,
    ticket: String,
}

fn main() {
    let restarts: usize = std::env::var("BENCH_RESTARTS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    let bins = processes::release_binaries(&["deskpane", "zoho-emulator"]);
    let plugins = processes::plugins_dir();
    let deskpane = bins.join("deskpane");
    println!("restart to first panel: `deskpane serve` (release), Zoho CRM plugin, `zoho-emulator --seed demo`");
    println!(
        "machine: {} cores, load average {} at start",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        processes::load_average()
    );

    let emulator = Emulator::start(&bins.join("zoho-emulator"), &["--seed", "demo"]);
    let data = processes::temp_data_dir("deskpane-bench-startup");
    let (session, ticket) = prepare(&deskpane, &data, &plugins, &emulator.base_url);
    let desk = Desk { deskpane: &deskpane, data: &data, session, ticket };

    // One untimed start of each kind: files in the page cache, as later starts find them.
    desk.start(true, Auth::SessionKept);
    desk.start(false, Auth::SignIn);
    let variants = [(true, Auth::SessionKept), (false, Auth::SessionKept), (true, Auth::SignIn), (false, Auth::SignIn)];
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); variants.len()];
    for _ in 0..restarts {
        for (i, (warm, auth)) in variants.iter().enumerate() {
            samples[i].push(desk.start(*warm, *auth));
        }
    }

    println!();
    println!("{restarts} restarts of each; p50 / p99 in ms; cold/warm is the ratio of the p50s");
    for (auth, title) in [(Auth::SessionKept, "session kept across the restart"), (Auth::SignIn, "signing in first")] {
        let pick = |warm: bool| &samples[variants.iter().position(|v| *v == (warm, auth)).unwrap()];
        let (warm, cold) = (pick(true), pick(false));
        println!("{title}:");
        println!("  {:<22} {:>17} {:>17} {:>9}", "", "warm cache", "emptied cache", "cold/warm");
        let mut rows: Vec<(&str, Timing)> = vec![("spawn to listening", |s| s.listening)];
        if auth == Auth::SignIn {
            rows.push(("sign-in", |s| s.sign_in));
        }
        rows.push(("panel", |s| s.panel));
        rows.push(("spawn to first panel", |s| s.total));
        for (name, field) in rows {
            let (w, c) = (stats(warm, field), stats(cold, field));
            println!("  {name:<22} {:>7.1} / {:>7.1} {:>7.1} / {:>7.1} {:>8.2}x", ms(w.0), ms(w.1), ms(c.0), ms(c.1), ms(c.0) / ms(w.0));
        }
        let (p50, p99) = stats(warm, |s| s.total);
        println!(
            "  goal: first panel < {} ms with precompiled plugins: warm p50 {:.2}x the goal, p99 {:.2}x",
            GOAL.as_millis(),
            ms(p50) / ms(GOAL),
            ms(p99) / ms(GOAL)
        );
    }
    println!("load average at the end: {}", processes::load_average());
    drop(emulator);
    let _ = std::fs::remove_dir_all(&data);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// p50 and p99 (nearest rank) of one timing.
fn stats(samples: &[Sample], field: Timing) -> (Duration, Duration) {
    let mut v: Vec<Duration> = samples.iter().map(field).collect();
    v.sort();
    let rank = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    (rank(0.50), rank(0.99))
}

/// A free loopback port for the next start.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `deskpane serve` on `data` with `args`; returns the process and
/// when it printed its address (it listens then), draining the rest of its
/// output so it never writes to a closed pipe.
fn serve(deskpane: &Path, data: &Path, port: u16, args: &[&str]) -> (Process, Instant) {
    let listen = format!("127.0.0.1:{port}");
    let mut process = Process::spawn(
        Command::new(deskpane)
            .args(["serve", "--data", data.to_str().unwrap(), "--listen", &listen])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit()),
    );
    let mut stdout = BufReader::new(process.take_stdout());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(stdout.read_line(&mut line).expect("reads its output") > 0, "deskpane serve ended before it listened");
        if line.starts_with("Deskpane is running at") {
            break;
        }
    }
    let listening = Instant::now();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (process, listening)
}

/// The demo's data folder against the emulator, made by `deskpane serve
/// --demo` (then stopped); returns an agent's session cookie and a ticket
/// whose requester the CRM knows.
fn prepare(deskpane: &Path, data: &Path, plugins: &Path, emulator: &str) -> (String, String) {
    let port = free_port();
    let (process, _) = serve(deskpane, data, port, &["--demo", emulator, "--plugins-dir", plugins.to_str().unwrap()]);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let found = rt.block_on(async {
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let session = sign_in(&http, &base).await;
        let list: Value =
            http.get(format!("{base}/api/ticket-list")).header("cookie", &session).send().await.unwrap().json().await.unwrap();
        let tickets = list["tickets"].as_array().expect("the ticket list");
        let ticket = tickets.iter().find(|t| !t["customer_type"].is_null()).or(tickets.first()).expect("the demo made tickets");
        (session, ticket["id"].as_str().unwrap().to_string())
    });
    drop(rt);
    let status = process.terminate(Duration::from_secs(10));
    assert!(status.success(), "deskpane serve stopped with {status}");
    assert!(data.join("compiled").exists(), "the server keeps compiled plugins in <data>/compiled");
    found
}

/// Signs the agent in; returns the session cookie (`name=value`).
async fn sign_in(http: &reqwest::Client, base: &str) -> String {
    let resp = http.post(format!("{base}/api/login")).json(&json!({"email": AGENT.0, "password": AGENT.1})).send().await.unwrap();
    assert_eq!(resp.status(), 200, "sign-in");
    let cookie = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).expect("a session cookie");
    let pair = cookie.split(';').next().unwrap().trim().to_string();
    assert!(pair.starts_with(deskpane::server::SESSION_COOKIE), "{pair}");
    pair
}

impl Desk<'_> {
    /// One timed start: with the compiled-plugin cache as the last start
    /// left it (`warm`) or emptied, then the first panel; stops the server.
    fn start(&self, warm: bool, auth: Auth) -> Sample {
        if !warm {
            let _ = std::fs::remove_dir_all(self.data.join("compiled"));
        }
        let port = free_port();
        // The client's runtime, made before the clock starts and dropped
        // (its connections closed) before the server is stopped.
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let spawned = Instant::now();
        let (process, listening) = serve(self.deskpane, self.data, port, &[]);
        let sample = rt.block_on(async {
            let signed_in = Instant::now();
            let session = match auth {
                Auth::SessionKept => self.session.clone(),
                Auth::SignIn => sign_in(&http, &base).await,
            };
            let asked = Instant::now();
            let url = format!("{base}/api/tickets/{}/panels/zoho-crm/profile", self.ticket);
            let resp = http.get(url).header("cookie", session).send().await.unwrap();
            let status = resp.status();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            let answered = Instant::now();
            assert_eq!(status, 200, "the panel answers: {body}");
            assert_eq!(body["cached"], false, "the first panel after a start asks the CRM");
            assert!(body["profile"].is_object(), "the CRM knows the ticket's requester: {body}");
            Sample { listening: listening - spawned, sign_in: asked - signed_in, panel: answered - asked, total: answered - spawned }
        });
        drop(http);
        drop(rt);
        let status = process.terminate(Duration::from_secs(10));
        assert!(status.success(), "deskpane serve stopped with {status}");
        sample
    }
}
