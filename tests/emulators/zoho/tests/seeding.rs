//! Generated seeding for load tests and benchmarks: `seed_generated`, and
//! the binary's `--seed-accounts` / `--seed-contacts`, which load it before
//! the binary prints its address.

use std::process::Stdio;

use serde_json::Value;
use tokio::io::AsyncBufReadExt;
use zoho_emulator::ZohoEmulator;

#[tokio::test]
async fn seed_generated_loads_distinct_accounts_and_contacts() {
    let zoho = ZohoEmulator::start(Default::default()).await.expect("emulator starts");
    zoho.seed_generated(2, 3);
    let accounts = zoho.records("Accounts");
    let names: Vec<&str> = accounts.iter().map(|a| a["Account_Name"].as_str().unwrap()).collect();
    assert_eq!(names, ["CRM Account 0", "CRM Account 1"]);
    assert!(accounts.iter().all(|a| a["Industry"] == "Retail"));
    let contacts = zoho.records("Contacts");
    let people: Vec<(&str, &str, &str)> =
        contacts.iter().map(|c| (c["Last_Name"].as_str().unwrap(), c["Email"].as_str().unwrap(), c["Title"].as_str().unwrap())).collect();
    assert_eq!(
        people,
        [("Crm 0", "crm0@example.com", "Buyer"), ("Crm 1", "crm1@example.com", "Buyer"), ("Crm 2", "crm2@example.com", "Buyer")]
    );
}

#[tokio::test]
async fn the_binary_seeds_generated_records_before_it_prints_its_address() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_zoho-emulator"))
        .args(["--port", "0", "--seed-accounts", "2", "--seed-contacts", "3"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the emulator starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().expect("the emulator prints its address");
    let base = first.strip_prefix("zoho-emulator listening on ").expect("the address comes first").to_string();

    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", "1000.DESKPANE"),
        ("client_secret", "deskpane-secret"),
        ("refresh_token", "1000.refresh.demo"),
    ];
    let grant: Value = http.post(format!("{base}/oauth/v2/token")).form(&form).send().await.unwrap().json().await.unwrap();
    let token = grant["access_token"].as_str().expect("an access token");
    let count = |module: &'static str, field: &'static str| {
        let request = http
            .get(format!("{base}/crm/v8/{module}"))
            .query(&[("fields", field)])
            .header("authorization", format!("Zoho-oauthtoken {token}"));
        async move {
            let page: Value = request.send().await.unwrap().json().await.unwrap();
            page["data"].as_array().map(Vec::len).unwrap_or(0)
        }
    };
    assert_eq!(count("Accounts", "Account_Name").await, 2);
    assert_eq!(count("Contacts", "Email").await, 3);
}
