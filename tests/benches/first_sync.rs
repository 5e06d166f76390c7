//! First sync of 100,000 contacts and 20,000 accounts through the real Zoho
//! plugin against the emulator: half of each starts in the CRM (import),
//! half in the desk (export).
//!
//! Run: `scripts/build-plugins.sh && cargo bench -p deskpane-tests --bench first_sync`
//! (`BENCH_SCALE=0.1` for a tenth of the records). Figures are recorded in
//! docs/benchmarks.md. Peak memory is the whole process's high-water mark
//! (desk, sync engine, plugin runtime *and* the in-process emulator).

use std::time::Instant;

use deskpane::desk::Kind;
use deskpane::sync::SyncModule;
use deskpane_tests::SyncSetup;
use serde_json::json;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| if e.path().is_dir() { dir_size(&e.path()) } else { e.metadata().map(|m| m.len()).unwrap_or(0) })
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let scale: f64 = std::env::var("BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let contacts = (50_000.0 * scale) as usize;
    let accounts = (10_000.0 * scale) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let s = SyncSetup::start().await;
        s.emulator.seed_many(
            "Accounts",
            (0..accounts).map(|i| json!({"Account_Name": format!("CRM Account {i}"), "Industry": "Retail"})).collect(),
        );
        s.emulator.seed_many(
            "Contacts",
            (0..contacts)
                .map(|i| json!({"Last_Name": format!("Crm {i}"), "Email": format!("crm{i}@example.com"), "Title": "Buyer"}))
                .collect(),
        );
        let seeded = Instant::now();
        for i in 0..accounts {
            let f = json!({"account_name": format!("Desk Account {i}"), "industry": "Services"});
            s.desk().write_with(Kind::Account, None, f.as_object().unwrap().clone(), "api", &[], |_, _| Ok(())).unwrap();
        }
        for i in 0..contacts {
            let f = json!({"last_name": format!("Desk {i}"), "email": format!("desk{i}@example.com"), "title": "Engineer"});
            s.desk().write_with(Kind::Contact, None, f.as_object().unwrap().clone(), "api", &[], |_, _| Ok(())).unwrap();
        }
        s.state.db.flush().unwrap();
        println!("seeded {} CRM + {} desk records in {:.1?}", contacts + accounts, contacts + accounts, seeded.elapsed());

        s.enable(&[SyncModule::Accounts, SyncModule::Contacts], |_| {}).await;
        let started = Instant::now();
        let report = s.engine.run().await.unwrap();
        let secs = started.elapsed().as_secs_f64();
        let total = 2 * (contacts + accounts);
        println!(
            "first sync of {} contacts and {} accounts: {secs:.1} s, {:.0} records/s",
            2 * contacts,
            2 * accounts,
            total as f64 / secs
        );
        println!("imported {:?}", report.imported);
        println!("exported {:?}", report.exported);
        println!("peak memory (whole process, emulator included): {:.0} MiB", peak_rss_mib());
        println!("desk store on disk: {:.0} MiB", dir_size(&s.data) as f64 / (1024.0 * 1024.0));
        assert_eq!(s.desk().list(Kind::Contact).len(), 2 * contacts);
        assert_eq!(s.emulator.records("Contacts").len(), 2 * contacts);
    });
}
