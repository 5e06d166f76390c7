//! Instantiate + call of a trivial plugin function through the host.
//!
//! Run: `scripts/build-plugins.sh && cargo bench -p deskpane --bench plugin_call`
//! Figures are recorded in docs/benchmarks.md.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use deskpane::contract::Requester;
use deskpane::credentials::StaticCredentials;
use deskpane::package::PluginPackage;
use deskpane::{PluginSettings, Runtime, RuntimeConfig};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{name:<40} n={:<6} mean={:>9.1?} p50={:>9.1?} p99={:>9.1?} min={:>9.1?}",
        samples.len(),
        mean,
        percentile(&samples, 0.50),
        percentile(&samples, 0.99),
        samples[0]
    );
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/plugins/example");
    let package = PluginPackage::open(&dir).expect("run scripts/build-plugins.sh first");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let runtime = Runtime::new(RuntimeConfig::default()).unwrap();
        let started = Instant::now();
        let plugin = runtime.load(&package, &PluginSettings::default(), Arc::new(StaticCredentials::new())).unwrap();
        println!("{:<40} {:?}", "load (compile + link) example plugin", started.elapsed());

        let who =
            Requester { email: Some("ada@analytical.example".into()), secondary_email: None, phone: None, name: None, account_name: None };
        for _ in 0..200 {
            plugin.lookup_requester(&who).await.unwrap();
        }
        let n = 5000;
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            std::hint::black_box(plugin.lookup_requester(&who).await.unwrap());
            samples.push(t.elapsed());
        }
        report("instantiate + lookup-requester", samples);

        let of = plugin.lookup_requester(&who).await.unwrap().unwrap().record;
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            std::hint::black_box(plugin.potentials(&of).await.unwrap());
            samples.push(t.elapsed());
        }
        report("instantiate + potentials", samples);

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
        println!("{:<40} {:.0} calls/s ({} calls, 4 tasks)", "throughput lookup-requester", total as f64 / secs, total);
    });
}
