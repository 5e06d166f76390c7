//! Shared helpers of the integration tests: built plugins, runtimes, and a
//! small loopback HTTP server that plays a CRM misbehaving on demand.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
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
    Runtime::new(RuntimeConfig { max_instances: 16, dns_overrides: overrides, ..Default::default() })
        .expect("runtime starts")
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
pub struct TestServer {
    pub addr: SocketAddr,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct Counters {
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let counters = Counters { in_flight: Arc::default(), max_in_flight: Arc::default() };
        let app = Router::new()
            .route("/ok", get(|| async { "hello" }))
            .route("/big", get(|| async { vec![b'x'; 1 << 20] }))
            .route("/slow", get(slow))
            .route("/hang", get(|| async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                "too late"
            }))
            .route("/key", get(key))
            .with_state(counters.clone());
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("test server runs") });
        TestServer { addr, in_flight: counters.in_flight, max_in_flight: counters.max_in_flight }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The most `/slow` requests that were in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
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
