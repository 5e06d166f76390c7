//! The desk's store: a single-node desk moved to PostgreSQL by `deskpane
//! store copy`, and served from there by the real host; a desk from before
//! redb kept on its sled folder, and moved to redb the same way.

use std::path::Path;
use std::process::{Command, Output};

use deskpane_store::Location;
use deskpane_tests::{deskpane_binary, pin_store, test_postgres, DeskServer};
use serde_json::{json, Value};

async fn get(client: &reqwest::Client, url: String) -> (u16, Value) {
    let resp = client.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let resp = client.post(url).json(&body).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn copy(from: &str, to: &str) -> Output {
    Command::new(deskpane_binary()).args(["store", "copy", "--from", from, "--to", to]).output().expect("deskpane runs")
}

/// The data folder's own store, as `store copy` takes it.
fn embedded_of(data: &Path) -> String {
    deskpane::server::embedded_store(data).redacted()
}

async fn ticket_subjects(s: &DeskServer, agent: &reqwest::Client) -> Vec<String> {
    let (_, list) = get(agent, s.api("ticket-list")).await;
    list["tickets"].as_array().unwrap().iter().map(|t| t["subject"].as_str().unwrap_or("").to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_single_node_desk_moves_to_postgres_verified_and_serves_from_there() {
    let Some(admin_url) = test_postgres("store copy") else { return };
    let s = DeskServer::start().await;
    assert_eq!(s.state.db.backend(), "redb", "the desk starts on its data folder's store");
    let agent = s.agent().await;
    let (status, created) = post(&agent, s.api("tickets"), json!({"fields": {"subject": "Moved with the desk"}})).await;
    assert_eq!(status, 201, "{created}");
    let (data, emulator) = s.shutdown().await;

    let target = deskpane_store::testing::scratch_database(&admin_url).unwrap();
    let out = copy(&embedded_of(&data), &target);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.contains("both sides verified equal") && stdout.contains("desk.records"), "{stdout}");
    // Safe to run again, and it brings what the old desk wrote meanwhile.
    let old = DeskServer::start_on(data, emulator).await;
    let agent = old.agent().await;
    let (status, _) = post(&agent, old.api("tickets"), json!({"fields": {"subject": "Written after the first copy"}})).await;
    assert_eq!(status, 201);
    let before = ticket_subjects(&old, &agent).await;
    let (data, emulator) = old.shutdown().await;
    let again = copy(&embedded_of(&data), &target);
    assert!(again.status.success(), "{again:?}");

    pin_store(&data, Location::Postgres(target.clone()));
    let moved = DeskServer::start_on(data, emulator).await;
    assert_eq!(moved.state.db.backend(), "postgres");
    // Agents, sessions, records, the plugin and its sealed connection came along.
    let agent = moved.agent().await;
    let (status, ticket) = get(&agent, moved.api(&format!("tickets/{}", created["id"].as_str().unwrap()))).await;
    assert_eq!((status, ticket["fields"]["subject"].as_str()), (200, Some("Moved with the desk")));
    assert_eq!(ticket_subjects(&moved, &agent).await, before, "every ticket, the one written after the first copy too");
    let (status, panel) = get(&agent, moved.api(&format!("tickets/{}/panels/zoho-crm/profile", moved.known_ticket(&agent).await))).await;
    assert_eq!(status, 200, "the CRM connection opens with the data folder's key: {panel}");
    // New records and change-log entries get ids the embedded desk never handed
    // out: nothing is overwritten, and the sync sees the change after every
    // earlier one.
    let changes = moved.state.desk.changes_after(None, usize::MAX);
    let (status, fresh) = post(&agent, moved.api("tickets"), json!({"fields": {"subject": "Born on PostgreSQL"}})).await;
    assert_eq!(status, 201, "{fresh}");
    let now = moved.state.desk.changes_after(None, usize::MAX);
    assert_eq!(now.len(), changes.len() + 1, "one change more, none replaced");
    assert_eq!(now.last().map(|c| c.id.as_str()), fresh["id"].as_str(), "the new change comes last");
    let after = ticket_subjects(&moved, &agent).await;
    assert_eq!(after.len(), before.len() + 1, "{after:?}");
    assert!(before.iter().all(|s| after.contains(s)) && after.iter().any(|s| s == "Born on PostgreSQL"), "{after:?}");
    let (data, _emulator) = moved.shutdown().await;

    // The desk has served from the copy: copying again would discard what
    // it wrote there since, so it is refused.
    let rerun = copy(&embedded_of(&data), &target);
    assert_eq!(rerun.status.code(), Some(1), "{rerun:?}");
    assert!(String::from_utf8_lossy(&rerun.stderr).contains("a desk has served from the destination"), "{rerun:?}");

    // A database holding another desk is never overwritten.
    let other = deskpane_store::testing::scratch_database(&admin_url).unwrap();
    deskpane_store::Store::postgres(&other).unwrap().tree("desk.records").unwrap().insert("tickets/1", b"{}").unwrap();
    let refused = copy(&embedded_of(&data), &other);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a copy of this source"), "{refused:?}");
    std::fs::remove_dir_all(&data).ok();
}

/// What an operator upgrading from a desk on sled (before redb) sees: the
/// desk keeps serving from its `db` folder, and `store copy` moves it to a
/// redb file that the desk then serves from, everything on it.
#[tokio::test(flavor = "multi_thread")]
async fn a_desk_from_before_redb_keeps_its_sled_folder_and_moves_to_redb_with_store_copy() {
    // A data folder laid out as a desk before redb left it: the store is a
    // sled folder `db` (filled here by copying a new desk's store into one).
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    let (status, created) = post(&agent, s.api("tickets"), json!({"fields": {"subject": "Written on sled days"}})).await;
    assert_eq!(status, 201, "{created}");
    let (data, emulator) = s.shutdown().await;
    let to_sled = copy(&embedded_of(&data), &format!("sled:{}", data.join("db").display()));
    assert!(to_sled.status.success(), "{to_sled:?}");
    std::fs::rename(data.join("store.redb"), data.join("store.redb.before")).unwrap();

    let old = DeskServer::start_on(data, emulator).await;
    assert_eq!(old.state.db.backend(), "sled", "a data folder with a sled store keeps it");
    let agent = old.agent().await;
    let (status, _) = post(&agent, old.api("tickets"), json!({"fields": {"subject": "Written before the move"}})).await;
    assert_eq!(status, 201);
    let before = ticket_subjects(&old, &agent).await;
    let (data, emulator) = old.shutdown().await;

    // The move, as docs/deploy.md gives it.
    let moved = copy(&format!("sled:{}", data.join("db").display()), &format!("redb:{}", data.join("store.redb").display()));
    let stdout = String::from_utf8_lossy(&moved.stdout);
    assert!(moved.status.success() && stdout.contains("both sides verified equal"), "{moved:?}");
    std::fs::rename(data.join("db"), data.join("db.before-redb")).unwrap();

    let new = DeskServer::start_on(data, emulator).await;
    assert_eq!(new.state.db.backend(), "redb");
    let agent = new.agent().await;
    assert_eq!(ticket_subjects(&new, &agent).await, before, "every ticket came along");
    let (status, panel) = get(&agent, new.api(&format!("tickets/{}/panels/zoho-crm/profile", new.known_ticket(&agent).await))).await;
    assert_eq!(status, 200, "the CRM connection opens with the data folder's key: {panel}");
    let (status, fresh) = post(&agent, new.api("tickets"), json!({"fields": {"subject": "Born on redb"}})).await;
    assert_eq!(status, 201, "{fresh}");
    assert_eq!(ticket_subjects(&new, &agent).await.len(), before.len() + 1, "a new id, nothing overwritten");
    let (data, _emulator) = new.shutdown().await;
    std::fs::remove_dir_all(&data).ok();
}
