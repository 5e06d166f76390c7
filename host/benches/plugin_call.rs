//! A trivial plugin call through the host beside the same call in raw
//! wasmtime (the floor), with the ratio between them.
//!
//! Run: `scripts/build-plugins.sh && cargo bench -p deskpane --bench plugin_call`
//! Figures are recorded in docs/benchmarks.md.
//!
//! Both sides use the same engine (pooling allocator, epoch interruption)
//! and the same compiled component of the example plugin (no network): a
//! fresh `Store`, instantiate from the pool, call `lookup-requester`. The
//! floor's store holds nothing and its imports do nothing, and it binds
//! only the export it calls (type-checked once, before the loop); beside
//! it, the same with the generated bindings' `instantiate_async`, which
//! type-checks all sixteen exports at every instance. The host adds what
//! the sandbox needs (slot gate, memory cap, CPU deadline, timeout,
//! credentials, telemetry, conversion into the host's types).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use deskpane::contract::Requester;
use deskpane::credentials::StaticCredentials;
use deskpane::package::PluginPackage;
use deskpane::{PluginSettings, Runtime, RuntimeConfig};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::Store;

/// The contract's bindings generated here, outside the host: what a bare
/// embedding of the component would write.
mod floor {
    wasmtime::component::bindgen!({
        path: "../wit/v0.4.0",
        world: "connector",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}
use floor::deskpane::connector::{config, http, log, types};

/// The floor's store data: imports that answer at once.
struct Bare;

impl types::Host for Bare {}

impl http::Host for Bare {
    async fn send(&mut self, _: http::Request) -> wasmtime::Result<Result<http::Response, http::HttpError>> {
        Ok(Err(http::HttpError::Denied("no network in the floor".into())))
    }
    async fn api_base(&mut self, _: String) -> wasmtime::Result<Option<String>> {
        Ok(None)
    }
}

impl log::Host for Bare {
    async fn log(&mut self, _: log::Level, _: String) -> wasmtime::Result<()> {
        Ok(())
    }
    async fn report_panic(&mut self, _: String) -> wasmtime::Result<()> {
        Ok(())
    }
}

impl config::Host for Bare {
    async fn get(&mut self, _: String) -> wasmtime::Result<Option<String>> {
        Ok(None)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Figures {
    p50: Duration,
    p99: Duration,
}

fn report(name: &str, mut samples: Vec<Duration>) -> Figures {
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    let figures = Figures { p50: percentile(&samples, 0.50), p99: percentile(&samples, 0.99) };
    println!(
        "{name:<44} n={:<6} mean={:>9.1?} p50={:>9.1?} p99={:>9.1?} min={:>9.1?}",
        samples.len(),
        mean,
        figures.p50,
        figures.p99,
        samples[0]
    );
    figures
}

/// Runs `call` `warmup` times, then samples it `n` times.
async fn sample<F, Fut>(warmup: usize, n: usize, mut call: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..warmup {
        call().await;
    }
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        call().await;
        samples.push(t.elapsed());
    }
    samples
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/plugins/example");
    let package = PluginPackage::open(&dir).expect("run scripts/build-plugins.sh first");
    let n: usize = std::env::var("BENCH_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    // The metrics recorder `serve` runs with: the host's calls pay for it.
    deskpane::telemetry::prometheus();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let runtime = Runtime::new(RuntimeConfig::default()).unwrap();
        let started = Instant::now();
        let plugin = runtime.load(&package, &PluginSettings::default(), Arc::new(StaticCredentials::new())).unwrap();
        println!("{:<44} {:?}", "load (compile + link) example plugin", started.elapsed());

        let who =
            Requester { email: Some("ada@analytical.example".into()), secondary_email: None, phone: None, name: None, account_name: None };

        // The floor: the same engine and component, nothing of the host.
        let component = Component::new(runtime.engine(), &package.component).unwrap();
        let mut linker: Linker<Bare> = Linker::new(runtime.engine());
        floor::Connector::add_to_linker::<Bare, HasSelf<Bare>>(&mut linker, |s| s).unwrap();
        let pre = floor::ConnectorPre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
        let bare_who = floor::exports::deskpane::connector::panels::Requester {
            email: who.email.clone(),
            secondary_email: None,
            phone: None,
            name: None,
            account_name: None,
        };
        let engine = runtime.engine();
        let generated_call = || {
            let (pre, who) = (&pre, &bare_who);
            async move {
                let mut store = Store::new(engine, Bare);
                store.set_epoch_deadline(u64::MAX / 2);
                let bound = pre.instantiate_async(&mut store).await.unwrap();
                let found = bound.deskpane_connector_panels().call_lookup_requester(&mut store, who).await.unwrap();
                assert!(std::hint::black_box(found).unwrap().is_some());
            }
        };
        // The floor binds the one export: its index found once, its type
        // checked once on a first instance.
        let panels = component.get_export_index(None, "deskpane:connector/panels@0.4.0").unwrap();
        let lookup = component.get_export_index(Some(&panels), "lookup-requester").unwrap();
        use floor::exports::deskpane::connector::panels::{Profile, Requester as BareRequester};
        type LookupParams<'a> = (&'a BareRequester,);
        type LookupResults = (Result<Option<Profile>, types::ConnectorError>,);
        {
            let mut store = Store::new(engine, Bare);
            store.set_epoch_deadline(u64::MAX / 2);
            let instance = pre.instance_pre().instantiate_async(&mut store).await.unwrap();
            instance.get_typed_func::<LookupParams, LookupResults>(&mut store, lookup).expect("lookup-requester has the contract's type");
        }
        let floor_call = || {
            let (pre, who) = (&pre, &bare_who);
            async move {
                let mut store = Store::new(engine, Bare);
                store.set_epoch_deadline(u64::MAX / 2);
                let instance = pre.instance_pre().instantiate_async(&mut store).await.unwrap();
                let func = instance.get_func(&mut store, lookup).unwrap();
                // SAFETY: type-checked above on an instance of the same component.
                let typed = unsafe { wasmtime::component::TypedFunc::<LookupParams, LookupResults>::new_unchecked(func) };
                let (found,) = typed.call_async(&mut store, (who,)).await.unwrap();
                assert!(std::hint::black_box(found).unwrap().is_some());
            }
        };
        let host_call = || {
            let (plugin, who) = (&plugin, &who);
            async move {
                assert!(std::hint::black_box(plugin.lookup_requester(who).await.unwrap()).is_some());
            }
        };

        // Interleaved rounds so both sides see the same machine.
        let (mut floor_samples, mut generated_samples, mut host_samples) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..4 {
            floor_samples.extend(sample(500, n / 4, floor_call).await);
            generated_samples.extend(sample(500, n / 4, generated_call).await);
            host_samples.extend(sample(500, n / 4, host_call).await);
        }
        report("raw wasmtime, generated bindings (all 16 checked)", generated_samples);
        let floor = report("raw wasmtime: instantiate + lookup-requester", floor_samples);
        let host = report("host: instantiate + lookup-requester", host_samples);
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        println!(
            "{:<44} p50 {:.2}x, p99 {:.2}x   (goal: host p50 <= 10 µs, p99 <= 25 µs)",
            "host / raw wasmtime",
            ratio(host.p50, floor.p50),
            ratio(host.p99, floor.p99)
        );

        let of = plugin.lookup_requester(&who).await.unwrap().unwrap().record;
        let samples = sample(500, n / 4, || {
            let (plugin, of) = (&plugin, &of);
            async move {
                std::hint::black_box(plugin.potentials(of).await.unwrap());
            }
        })
        .await;
        report("host: instantiate + potentials", samples);

        // Throughput with 4 tasks calling at once (the plugin's cap is 4).
        let plugin = Arc::new(plugin);
        let t = Instant::now();
        let total = 20_000;
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let plugin = plugin.clone();
                let who = who.clone();
                tokio::spawn(async move {
                    for _ in 0..total / 4 {
                        plugin.lookup_requester(&who).await.unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let secs = t.elapsed().as_secs_f64();
        println!("{:<44} {:.0} calls/s ({} calls, 4 tasks)", "host: throughput lookup-requester", total as f64 / secs, total);
    });
}
