//! One uncached CRM panel through the desk (HTTP API, sandboxed Zoho CRM
//! plugin) beside a native Rust client making the CRM calls a well-written
//! integration needs, against the same Zoho CRM emulator, at 1, 16 and 64
//! agents at once.
//!
//! Run: `scripts/build-plugins.sh && cargo bench -p deskpane-tests --bench panel_vs_native`
//! (`BENCH_PANELS=N` panels per agent and level, default 200;
//! `BENCH_CRM_LATENCY_MS=N` makes the emulator answer N ms late, as a CRM
//! across the internet does; `BENCH_CRM_CONCURRENCY=N` makes it refuse more
//! than N calls at once with 429, as Zoho CRM does for an organisation
//! (10 to 25 by edition), and the native client then keeps within N, as a
//! well-written integration must; `BENCH_PLUGIN_SLOTS=N` has the admin set
//! the plugin's calls at once to N, as for a CRM account that allows N).
//! Figures are recorded in docs/benchmarks.md.
//!
//! On PostgreSQL: `DESKPANE_TEST_STORE=<admin URL>` (a scratch database);
//! `BENCH_REPLICAS=2` then serves the desk from two replicas on that store
//! (in this process: the same cores) with the agents spread over them, as a
//! load balancer would.
//!
//! A panel, for an agent in the browser, is four requests at once to the
//! desk (profile, potentials, notes, activities) with `refresh=1` (no panel
//! cache); it is done when the last answers. The native client searches the
//! contact by email, then fetches deals, notes, calls, events and tasks at
//! once (six CRM requests, one OAuth token, a pooled connection per agent),
//! and parses each answer. Each agent loops (closed loop); the desk and the
//! native client take turns at each level so both see the same machine.

use std::sync::Arc;
use std::time::{Duration, Instant};

use deskpane_tests::DeskServer;
use futures::future::try_join_all;
use serde_json::Value;

// As the `deskpane` binary runs: the desk here is in this process.
#[global_allocator]
static ALLOCATOR: deskpane::DeskAllocator = deskpane::DeskAllocator;

struct Figures {
    p50: Duration,
    p99: Duration,
    per_second: f64,
}

fn figures(mut samples: Vec<Duration>, wall: Duration) -> Figures {
    samples.sort();
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    Figures { p50: at(0.50), p99: at(0.99), per_second: samples.len() as f64 / wall.as_secs_f64() }
}

/// Who a panel is about: the desk's ticket, and the email the CRM knows.
#[derive(Clone)]
struct Requester {
    ticket: String,
    email: String,
}

/// The desk's side: the browser's four section requests at once.
async fn desk_panel(client: &reqwest::Client, desk: &str, who: &Requester) -> Result<(), String> {
    let sections = ["profile", "potentials", "notes", "activities"].map(|section| async move {
        let url = format!("{desk}/api/tickets/{}/panels/zoho-crm/{section}?refresh=1", who.ticket);
        let resp = client.get(url).send().await.map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("{section}: {}", resp.status()));
        }
        resp.json::<Value>().await.map_err(|e| e.to_string())
    });
    let answers = try_join_all(sections).await?;
    if answers[0]["profile"].is_null() {
        return Err(format!("no profile for ticket {}", who.ticket));
    }
    Ok(())
}

/// The native side: search, then the five related lists at once, each
/// call within the CRM's allowance of calls at once when it has one.
async fn native_panel(client: &reqwest::Client, crm: &str, token: &str, allowance: &Allowance, who: &Requester) -> Result<(), String> {
    let get = |path: String| async move {
        let _permit = match allowance {
            Some(calls) => Some(calls.acquire().await.map_err(|e| e.to_string())?),
            None => None,
        };
        let resp = client
            .get(format!("{crm}/crm/v8{path}"))
            .header("Authorization", format!("Zoho-oauthtoken {token}"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if resp.status() == 204 {
            return Ok(Value::Null);
        }
        if !resp.status().is_success() {
            return Err(format!("{path}: {}", resp.status()));
        }
        resp.json::<Value>().await.map_err(|e| e.to_string())
    };
    let found = get(format!("/Contacts/search?email={}", urlencode(&who.email))).await?;
    let id = found["data"][0]["id"].as_str().ok_or_else(|| format!("{} not found", who.email))?.to_string();
    let lists = [
        ("Deals", "Deal_Name,Stage,Amount,Closing_Date,Owner"),
        ("Notes", "Note_Title,Note_Content,Owner,Created_Time,Created_By"),
        ("Calls", "Subject,Call_Type,Call_Start_Time,Call_Duration,Description,Owner"),
        ("Events", "Event_Title,Start_DateTime,End_DateTime,Venue,Description,Owner"),
        ("Tasks", "Subject,Due_Date,Status,Priority,Description,Owner"),
    ];
    try_join_all(lists.map(|(list, fields)| get(format!("/Contacts/{id}/{list}?fields={fields}")))).await?;
    Ok(())
}

/// The CRM calls a native client may make at once (`BENCH_CRM_CONCURRENCY`).
type Allowance = Option<Arc<tokio::sync::Semaphore>>;

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Runs `agents` closed loops of `panels` panels each; the latencies and
/// the wall time.
async fn run<F, Fut>(agents: usize, panels: usize, people: &[Requester], panel: F) -> Figures
where
    F: Fn(usize, Requester) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let panel = Arc::new(panel);
    let began = Instant::now();
    let loops = (0..agents).map(|agent| {
        let (panel, people) = (panel.clone(), people.to_vec());
        tokio::spawn(async move {
            let mut samples = Vec::with_capacity(panels);
            for i in 0..panels {
                let who = people[(agent + i) % people.len()].clone();
                let t = Instant::now();
                panel(agent, who).await.expect("panel answered");
                samples.push(t.elapsed());
            }
            samples
        })
    });
    let samples: Vec<Duration> = try_join_all(loops).await.expect("agents finish").into_iter().flatten().collect();
    figures(samples, began.elapsed())
}

#[tokio::main]
async fn main() {
    let panels: usize = std::env::var("BENCH_PANELS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let latency: u64 = std::env::var("BENCH_CRM_LATENCY_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let s = DeskServer::start().await;
    // The admin approves the limits the Zoho CRM plugin's manifest asks
    // for (8 calls at once instead of the default 4), as a busy desk would.
    let admin = s.admin().await;
    let approved = admin.patch(s.api("admin/plugins/zoho-crm")).json(&serde_json::json!({"approve_limits": true})).send().await.unwrap();
    assert!(approved.status().is_success(), "limits approved: {}", approved.status());
    if let Some(n) = std::env::var("BENCH_PLUGIN_SLOTS").ok().and_then(|v| v.parse::<u32>().ok()) {
        let set = admin.patch(s.api("admin/plugins/zoho-crm")).json(&serde_json::json!({"concurrency": n})).send().await.unwrap();
        assert!(set.status().is_success(), "calls at once set: {}", set.status());
    }
    let slots = s.state.registry.plugin("zoho-crm").expect("Zoho CRM runs").limits().max_concurrency;
    if latency > 0 {
        s.emulator.set_latency(Duration::from_millis(latency));
    }
    let concurrency: Option<u32> = std::env::var("BENCH_CRM_CONCURRENCY").ok().and_then(|v| v.parse().ok());
    s.emulator.set_concurrency_limit(concurrency);
    let allowance: Allowance = concurrency.map(|n| Arc::new(tokio::sync::Semaphore::new(n as usize)));
    let replicas: usize = std::env::var("BENCH_REPLICAS").ok().and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
    let mut others = Vec::new();
    for _ in 1..replicas {
        let replica = DeskServer::replica_of(&s).await;
        // It runs the plugin from the store, with the approved limits.
        for _ in 0..300 {
            if replica.state.registry.plugin("zoho-crm").is_some_and(|p| p.limits().max_concurrency == slots) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(replica.state.registry.plugin("zoho-crm").is_some(), "the replica runs Zoho CRM");
        others.push(replica);
    }
    // Agent `a` is served by replica `a % replicas`.
    let desks: Arc<Vec<String>> = Arc::new(std::iter::once(s.url.clone()).chain(others.iter().map(|r| r.url.clone())).collect());

    // The demo's tickets whose requester the CRM knows, with that email.
    let agent = s.agent().await;
    let list: Value = agent.get(s.api("ticket-list")).send().await.unwrap().json().await.unwrap();
    let mut people = Vec::new();
    for t in list["tickets"].as_array().unwrap().iter().filter(|t| !t["customer_type"].is_null()) {
        let ticket = t["id"].as_str().unwrap().to_string();
        let record: Value = agent.get(s.api(&format!("tickets/{ticket}"))).send().await.unwrap().json().await.unwrap();
        let contact = record["fields"]["contact_id"].as_str().expect("the ticket's contact");
        let contact: Value = agent.get(s.api(&format!("contacts/{contact}"))).send().await.unwrap().json().await.unwrap();
        let email = contact["fields"]["email"].as_str().expect("the contact's email").to_string();
        people.push(Requester { ticket, email });
    }
    assert!(!people.is_empty(), "the demo has tickets from CRM contacts");
    let token = s.emulator.issue_access_token();
    let crm = s.emulator.base_url();
    println!(
        "{} panels per agent and level, {} requesters, CRM latency {latency} ms, CRM calls at once {}, plugin slots {slots}, store {}, {} replica(s), {} cores",
        panels,
        people.len(),
        concurrency.map_or("unlimited".to_string(), |n| n.to_string()),
        s.state.db.backend(),
        desks.len(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    println!(
        "{:>6} | {:>22} | {:>22} | {:>15} | {:>16}",
        "agents", "desk p50 / p99", "native p50 / p99", "ratio p50 / p99", "desk / native /s"
    );

    for agents in [1usize, 16, 64] {
        let mut desk_clients = Vec::new();
        let mut native_clients = Vec::new();
        for _ in 0..agents {
            desk_clients.push(s.agent().await);
            native_clients.push(reqwest::Client::new());
        }
        let (desk_clients, native_clients) = (Arc::new(desk_clients), Arc::new(native_clients));
        let warm = |n: usize| n.max(10) / 10;
        // Warm both up (connections, the plugin's instance pool).
        let (d, dc) = (desks.clone(), desk_clients.clone());
        run(agents, warm(panels), &people, move |a, who| {
            let (d, dc) = (d.clone(), dc.clone());
            async move { desk_panel(&dc[a], &d[a % d.len()], &who).await }
        })
        .await;
        let (c, t, nc, al) = (crm.clone(), token.clone(), native_clients.clone(), allowance.clone());
        run(agents, warm(panels), &people, move |a, who| {
            let (c, t, nc, al) = (c.clone(), t.clone(), nc.clone(), al.clone());
            async move { native_panel(&nc[a], &c, &t, &al, &who).await }
        })
        .await;

        let refused = || s.emulator.refused_for_concurrency();
        let before = refused();
        let (c, t, nc, al) = (crm.clone(), token.clone(), native_clients.clone(), allowance.clone());
        let native = run(agents, panels, &people, move |a, who| {
            let (c, t, nc, al) = (c.clone(), t.clone(), nc.clone(), al.clone());
            async move { native_panel(&nc[a], &c, &t, &al, &who).await }
        })
        .await;
        let native_refused = refused() - before;
        let before = refused();
        let (d, dc) = (desks.clone(), desk_clients.clone());
        let desk = run(agents, panels, &people, move |a, who| {
            let (d, dc) = (d.clone(), dc.clone());
            async move { desk_panel(&dc[a], &d[a % d.len()], &who).await }
        })
        .await;
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        println!(
            "{agents:>6} | {:>10.2?} / {:>9.2?} | {:>10.2?} / {:>9.2?} | {:>6.2}x / {:>5.2}x | {:>7.0} / {:>6.0}",
            desk.p50,
            desk.p99,
            native.p50,
            native.p99,
            ratio(desk.p50, native.p50),
            ratio(desk.p99, native.p99),
            desk.per_second,
            native.per_second
        );
        let desk_refused = refused() - before;
        if desk_refused + native_refused > 0 {
            println!("{:>6}   the CRM refused calls over its allowance (429): desk {desk_refused}, native {native_refused}", "");
        }
    }
    println!("goal: desk p50 and p99 <= 1.10x native at 1, 16 and 64 agents");
}
