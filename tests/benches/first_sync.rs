//! First sync of 100,000 contacts and 20,000 accounts through a real CRM
//! plugin against its emulator (Zoho CRM, or Salesforce with
//! `BENCH_CRM=salesforce`): half of each starts in the CRM (import), half
//! in the desk (export).
//!
//! Run: `scripts/build-plugins.sh && cargo bench -p deskpane-tests --bench first_sync`
//! (`BENCH_SCALE=0.1` for a tenth of the records). Figures are recorded in
//! docs/benchmarks.md. Peak memory is the whole process's high-water mark
//! (desk, sync engine, plugin runtime *and* the in-process emulator).

use std::time::Instant;

use deskpane::desk::{Desk, Kind};
use deskpane::sync::{SyncEngine, SyncModule};
use deskpane_tests::{SalesforceSync, SyncSetup};
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

/// What the benchmark needs of a desk connected to one CRM's emulator.
struct Bench {
    crm: &'static str,
    desk: Desk,
    db: sled::Db,
    engine: std::sync::Arc<SyncEngine>,
    data: std::path::PathBuf,
    /// The CRM's contact count, read after the run.
    crm_contacts: Box<dyn Fn() -> usize>,
}

/// A desk connected to the chosen CRM's emulator, with `accounts` and
/// `contacts` seeded in the CRM.
async fn connected(crm: &str, accounts: usize, contacts: usize) -> (Bench, Box<dyn std::any::Any>) {
    match crm {
        "salesforce" => {
            let s = SalesforceSync::start().await;
            s.emulator
                .seed_many("Account", (0..accounts).map(|i| json!({"Name": format!("CRM Account {i}"), "Industry": "Retail"})).collect());
            s.emulator.seed_many(
                "Contact",
                (0..contacts)
                    .map(|i| json!({"LastName": format!("Crm {i}"), "Email": format!("crm{i}@example.com"), "Title": "Buyer"}))
                    .collect(),
            );
            s.enable(&[SyncModule::Accounts, SyncModule::Contacts], |_| {}).await;
            let emulator = s.emulator.clone();
            let bench = Bench {
                crm: "Salesforce",
                desk: s.desk().clone(),
                db: s.state.db.clone(),
                engine: s.engine.clone(),
                data: s.data.clone(),
                crm_contacts: Box::new(move || emulator.records("Contact").len()),
            };
            (bench, Box::new(s))
        }
        _ => {
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
            s.enable(&[SyncModule::Accounts, SyncModule::Contacts], |_| {}).await;
            let emulator = s.emulator.clone();
            let bench = Bench {
                crm: "Zoho CRM",
                desk: s.desk().clone(),
                db: s.state.db.clone(),
                engine: s.engine.clone(),
                data: s.data.clone(),
                crm_contacts: Box::new(move || emulator.records("Contacts").len()),
            };
            (bench, Box::new(s))
        }
    }
}

fn main() {
    let scale: f64 = std::env::var("BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let crm = std::env::var("BENCH_CRM").unwrap_or_else(|_| "zoho".into());
    let contacts = (50_000.0 * scale) as usize;
    let accounts = (10_000.0 * scale) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (b, _keep) = connected(&crm, accounts, contacts).await;
        let seeded = Instant::now();
        for i in 0..accounts {
            let f = json!({"account_name": format!("Desk Account {i}"), "industry": "Services"});
            b.desk.write_with(Kind::Account, None, f.as_object().unwrap().clone(), "api", &[], |_, _| Ok(())).unwrap();
        }
        for i in 0..contacts {
            let f = json!({"last_name": format!("Desk {i}"), "email": format!("desk{i}@example.com"), "title": "Engineer"});
            b.desk.write_with(Kind::Contact, None, f.as_object().unwrap().clone(), "api", &[], |_, _| Ok(())).unwrap();
        }
        b.db.flush().unwrap();
        println!("seeded {} CRM + {} desk records in {:.1?}", contacts + accounts, contacts + accounts, seeded.elapsed());

        let started = Instant::now();
        let report = b.engine.run().await.unwrap();
        let secs = started.elapsed().as_secs_f64();
        let total = 2 * (contacts + accounts);
        println!(
            "{}: first sync of {} contacts and {} accounts: {secs:.1} s, {:.0} records/s",
            b.crm,
            2 * contacts,
            2 * accounts,
            total as f64 / secs
        );
        println!("imported {:?}", report.imported);
        println!("exported {:?}", report.exported);
        println!("peak memory (whole process, emulator included): {:.0} MiB", peak_rss_mib());
        println!("desk store on disk: {:.0} MiB", dir_size(&b.data) as f64 / (1024.0 * 1024.0));
        assert_eq!(b.desk.list(Kind::Contact).len(), 2 * contacts);
        assert_eq!((b.crm_contacts)(), 2 * contacts);
    });
}
