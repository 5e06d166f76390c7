//! The seed's Salesforce integration rules (001), through the host's sync
//! engine, the real Salesforce plugin in the real sandbox, and the
//! Salesforce emulator: one test per rule.

use deskpane::desk::Kind;
use deskpane::sync::{Direction, OnCrmDelete, OnDeskDelete, SyncModule};
use deskpane_tests::SalesforceSync;
use serde_json::{json, Map, Value};

fn fields(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn desk_contacts(s: &SalesforceSync, email: &str) -> Vec<deskpane::desk::Record> {
    s.desk().find(Kind::Contact, "email", email)
}

fn sf_contacts(s: &SalesforceSync, email: &str) -> Vec<Value> {
    s.emulator.records("Contact").into_iter().filter(|c| c["Email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(email))).collect()
}

fn sf_by_last_name(s: &SalesforceSync, object: &str, field: &str, value: &str) -> Vec<Value> {
    s.emulator.records(object).into_iter().filter(|c| c[field].as_str() == Some(value)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn contacts_and_accounts_sync_with_the_standard_fields_pre_mapped() {
    let s = SalesforceSync::start().await;
    let settings = s.engine.settings();
    let modules: Vec<SyncModule> = settings.modules.keys().copied().collect();
    assert_eq!(modules, [SyncModule::Contacts, SyncModule::Accounts], "Salesforce syncs contacts and accounts, not products");
    let contacts = &settings.modules[&SyncModule::Contacts];
    let pairs: Vec<(&str, &str)> = contacts.fields.iter().map(|p| (p.desk.as_str(), p.crm.as_str())).collect();
    for pair in [("first_name", "FirstName"), ("last_name", "LastName"), ("email", "Email"), ("account_id", "AccountId")] {
        assert!(pairs.contains(&pair), "{pair:?} pre-mapped: {pairs:?}");
    }
    assert_eq!(contacts.direction, Direction::TwoWay, "two-way is the default sync type");
    let accounts = &settings.modules[&SyncModule::Accounts];
    assert!(accounts.fields.iter().any(|p| p.desk == "account_name" && p.crm == "Name"));
    // The pre-mapped fields fit Salesforce's describe: enabling checks them.
    s.enable(&[SyncModule::Contacts, SyncModule::Accounts], |_| {}).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_two_way_sync_matches_by_email_and_account_name_and_syncs_contacts_without_email() {
    let s = SalesforceSync::start().await;
    let acme = s.emulator.seed("Account", json!({"Name": "Acme Corp", "Industry": "Manufacturing"}));
    s.emulator.seed(
        "Contact",
        json!({"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com", "Title": "Analyst", "AccountId": acme}),
    );
    s.emulator.seed("Contact", json!({"LastName": "Hopper", "Email": "grace@example.com", "Title": "Admiral"}));
    s.emulator.seed("Contact", json!({"FirstName": "Nemo", "LastName": "Sansmail"}));
    // In the desk already: Grace (by email, another case) and Acme (by name).
    s.desk().create(Kind::Contact, fields(json!({"last_name": "Hopper", "email": "GRACE@example.com"})), "api").unwrap();
    s.desk().create(Kind::Account, fields(json!({"account_name": "Acme Corp"})), "api").unwrap();
    s.desk().create(Kind::Contact, fields(json!({"last_name": "Turing", "email": "alan@example.com"})), "api").unwrap();
    s.desk().create(Kind::Contact, fields(json!({"first_name": "Solo", "last_name": "Deskonly"})), "api").unwrap();

    s.enable(&[SyncModule::Contacts, SyncModule::Accounts], |_| {}).await;
    let report = s.engine.run().await.unwrap();

    assert_eq!(s.desk().find(Kind::Account, "account_name", "Acme Corp").len(), 1, "accounts matched by name: {report:?}");
    assert_eq!(sf_by_last_name(&s, "Account", "Name", "Acme Corp").len(), 1);
    assert_eq!(desk_contacts(&s, "grace@example.com").len(), 1, "contacts matched by email");
    assert_eq!(sf_contacts(&s, "grace@example.com").len(), 1);
    let ada = &desk_contacts(&s, "ada@example.com")[0];
    assert_eq!(ada.text("title"), Some("Analyst"));
    let acme_desk = &s.desk().find(Kind::Account, "account_name", "Acme Corp")[0];
    assert_eq!(ada.text("account_id"), Some(acme_desk.id.as_str()), "the account lookup is the desk's account");
    assert_eq!(sf_contacts(&s, "alan@example.com").len(), 1, "desk contacts go to Salesforce");
    // Contacts without an email sync too, both ways, once.
    assert_eq!(s.desk().find(Kind::Contact, "last_name", "Sansmail").len(), 1);
    assert_eq!(sf_by_last_name(&s, "Contact", "LastName", "Deskonly").len(), 1);
    let again = s.engine.run().await.unwrap();
    assert_eq!(s.desk().find(Kind::Contact, "last_name", "Sansmail").len(), 1, "not duplicated by the next run: {again:?}");
    assert_eq!(sf_by_last_name(&s, "Contact", "LastName", "Deskonly").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_way_sync_takes_salesforce_as_the_master_and_sends_nothing_back() {
    let s = SalesforceSync::start().await;
    let id = s.emulator.seed("Contact", json!({"LastName": "Lovelace", "Email": "ada@example.com", "Title": "Analyst"}));
    s.desk().create(Kind::Contact, fields(json!({"last_name": "Turing", "email": "alan@example.com"})), "api").unwrap();
    s.enable(&[SyncModule::Contacts], |m| m.direction = Direction::CrmToDesk).await;
    s.engine.run().await.unwrap();
    assert_eq!(desk_contacts(&s, "ada@example.com").len(), 1, "Salesforce's contacts come to the desk");
    assert!(sf_contacts(&s, "alan@example.com").is_empty(), "the desk's do not go to Salesforce");

    let ada = desk_contacts(&s, "ada@example.com").remove(0);
    s.desk().update(Kind::Contact, &ada.id, fields(json!({"title": "Desk title"})), "api").unwrap();
    s.engine.run().await.unwrap();
    assert_eq!(s.emulator.record("Contact", &id).unwrap()["Title"], "Analyst", "desk edits stay in the desk");
    s.emulator.update("Contact", &id, json!({"Title": "Countess"}));
    s.engine.run().await.unwrap();
    assert_eq!(desk_contacts(&s, "ada@example.com")[0].text("title"), Some("Countess"), "Salesforce edits win");
}

#[tokio::test(flavor = "multi_thread")]
async fn deletions_are_not_propagated_in_either_direction_whatever_the_settings_say() {
    let s = SalesforceSync::start().await;
    let ada = s.emulator.seed("Contact", json!({"LastName": "Lovelace", "Email": "ada@example.com"}));
    s.emulator.seed("Contact", json!({"LastName": "Hopper", "Email": "grace@example.com"}));
    // An API caller asks for deletes both ways: Salesforce's rule holds.
    s.enable(&[SyncModule::Contacts], |m| {
        m.on_crm_delete = OnCrmDelete::Always;
        m.on_desk_delete = OnDeskDelete::Always;
    })
    .await;
    let saved = &s.engine.settings().modules[&SyncModule::Contacts];
    assert_eq!((saved.on_crm_delete, saved.on_desk_delete), (OnCrmDelete::Never, OnDeskDelete::Never));
    s.engine.run().await.unwrap();

    let grace = desk_contacts(&s, "grace@example.com").remove(0);
    s.desk().delete(Kind::Contact, &grace.id, true, "api").unwrap();
    s.emulator.delete("Contact", &ada);
    s.engine.run().await.unwrap();
    assert_eq!(sf_contacts(&s, "grace@example.com").len(), 1, "a desk delete leaves the Salesforce record");
    assert_eq!(desk_contacts(&s, "ada@example.com").len(), 1, "a Salesforce delete leaves the desk record");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_salesforce_record_updated_after_its_desk_record_was_deleted_is_added_to_the_desk_again() {
    let s = SalesforceSync::start().await;
    let id = s.emulator.seed("Contact", json!({"LastName": "Lovelace", "Email": "ada@example.com", "Title": "Analyst"}));
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    s.engine.run().await.unwrap();
    let ada = desk_contacts(&s, "ada@example.com").remove(0);
    s.desk().delete(Kind::Contact, &ada.id, true, "api").unwrap();
    s.engine.run().await.unwrap();
    assert!(desk_contacts(&s, "ada@example.com").is_empty(), "deleted in the desk");
    assert_eq!(sf_contacts(&s, "ada@example.com").len(), 1, "kept in Salesforce");

    // A run that sees no Salesforce change leaves the delete alone.
    s.engine.run().await.unwrap();
    assert!(desk_contacts(&s, "ada@example.com").is_empty());
    s.emulator.update("Contact", &id, json!({"Title": "Countess"}));
    s.engine.run().await.unwrap();
    let back = desk_contacts(&s, "ada@example.com");
    assert_eq!(back.len(), 1, "the updated record is added again");
    assert_eq!(back[0].text("title"), Some("Countess"));
    assert!(s.engine.store().failures("salesforce").is_empty(), "no 'already mapped' failure on the way");
}

#[tokio::test(flavor = "multi_thread")]
async fn creating_updating_and_mass_updating_on_either_side_syncs() {
    let s = SalesforceSync::start().await;
    let ids = s.emulator.seed_many(
        "Contact",
        (0..5).map(|i| json!({"LastName": format!("Person {i}"), "Email": format!("p{i}@example.com"), "Title": "Old"})).collect(),
    );
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    s.engine.run().await.unwrap();
    assert_eq!((0..5).filter(|i| desk_contacts(&s, &format!("p{i}@example.com")).len() == 1).count(), 5);

    // A mass update in Salesforce: one composite request for every record.
    let records: Vec<Value> = ids.iter().map(|id| json!({"attributes": {"type": "Contact"}, "Id": id, "Title": "New"})).collect();
    let resp = reqwest::Client::new()
        .patch(format!("{}/services/data/v62.0/composite/sobjects", s.emulator.base_url()))
        .bearer_auth(s.emulator.issue_access_token())
        .json(&json!({"allOrNone": true, "records": records}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "Salesforce took the mass update");
    s.engine.run().await.unwrap();
    for i in 0..5 {
        assert_eq!(desk_contacts(&s, &format!("p{i}@example.com"))[0].text("title"), Some("New"), "p{i}");
    }

    // A mass update in the desk goes the other way.
    for i in 0..5 {
        let c = desk_contacts(&s, &format!("p{i}@example.com")).remove(0);
        s.desk().update(Kind::Contact, &c.id, fields(json!({"title": "From desk"})), "api").unwrap();
    }
    s.desk().create(Kind::Contact, fields(json!({"last_name": "Newcomer", "email": "new@example.com"})), "api").unwrap();
    s.engine.run().await.unwrap();
    for id in &ids {
        assert_eq!(s.emulator.record("Contact", id).unwrap()["Title"], "From desk");
    }
    assert_eq!(sf_contacts(&s, "new@example.com").len(), 1, "a desk create reaches Salesforce");
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_are_logged_in_the_seeds_words_and_try_again_syncs_them_once_fixed() {
    let s = SalesforceSync::start().await;
    // Desk `cf_staff` mapped to Salesforce's integer NumberOfEmployees: a
    // text value there fails when the account goes to Salesforce.
    s.enable(&[SyncModule::Accounts], |m| {
        m.fields.retain(|p| p.crm != "NumberOfEmployees");
        m.fields.push(deskpane::sync::mapping::FieldPair { desk: "cf_staff".into(), crm: "NumberOfEmployees".into() })
    })
    .await;
    let account = s.desk().create(Kind::Account, fields(json!({"account_name": "Initech", "cf_staff": "a few dozen"})), "api").unwrap();
    s.engine.run().await.unwrap();
    let failures = s.engine.store().failures("salesforce");
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].reason.starts_with("Text value is given for an Integer field"), "{}", failures[0].reason);
    assert!(failures[0].record.contains("Initech"), "the failure names the record: {}", failures[0].record);
    assert!(sf_by_last_name(&s, "Account", "Name", "Initech").is_empty());

    s.desk().update(Kind::Account, &account.id, fields(json!({"cf_staff": 40})), "api").unwrap();
    let synced = s.engine.retry(&failures[0].id).await.unwrap();
    assert!(synced, "Try Again syncs the fixed record");
    assert_eq!(sf_by_last_name(&s, "Account", "Name", "Initech")[0]["NumberOfEmployees"], 40);
    assert!(s.engine.store().failures("salesforce").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn history_counts_each_direction_and_pause_stops_every_exchange() {
    let s = SalesforceSync::start().await;
    s.emulator.seed("Contact", json!({"LastName": "Lovelace", "Email": "ada@example.com"}));
    s.desk().create(Kind::Contact, fields(json!({"last_name": "Turing", "email": "alan@example.com"})), "api").unwrap();
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    s.engine.run().await.unwrap();
    let history = s.engine.store().history("salesforce");
    let added = |flow: deskpane::sync::Flow| {
        history.iter().filter(|h| h.direction == flow && h.module == SyncModule::Contacts).map(|h| h.added).sum::<u64>()
    };
    assert_eq!(added(deskpane::sync::Flow::CrmToDesk), 1, "{history:?}");
    assert_eq!(added(deskpane::sync::Flow::DeskToCrm), 1, "{history:?}");

    s.engine.set_paused(true).await.unwrap();
    s.emulator.seed("Contact", json!({"LastName": "Hopper", "Email": "grace@example.com"}));
    s.desk().create(Kind::Contact, fields(json!({"last_name": "Knuth", "email": "don@example.com"})), "api").unwrap();
    let report = s.engine.run().await.unwrap();
    assert!(report.paused, "a paused sync reports so");
    assert!(desk_contacts(&s, "grace@example.com").is_empty() && sf_contacts(&s, "don@example.com").is_empty(), "nothing moved");
    s.engine.set_paused(false).await.unwrap();
    s.engine.run().await.unwrap();
    assert_eq!(desk_contacts(&s, "grace@example.com").len(), 1, "resumed where it stopped");
    assert_eq!(sf_contacts(&s, "don@example.com").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_the_integration_stops_its_sync_and_forgets_its_state() {
    let s = SalesforceSync::start().await;
    s.emulator.seed("Contact", json!({"LastName": "Lovelace", "Email": "ada@example.com"}));
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    s.engine.run().await.unwrap();
    assert_eq!(s.engine.store().mapped_count("salesforce", SyncModule::Contacts), 1);

    s.state.registry.remove("salesforce").unwrap();
    s.state.sync.forget("salesforce").unwrap();
    assert!(s.state.sync.engine("salesforce").is_err(), "no sync engine for a deleted integration");
    assert_eq!(s.engine.store().mapped_count("salesforce", SyncModule::Contacts), 0, "its mappings are forgotten");
    s.desk().create(Kind::Contact, fields(json!({"last_name": "Turing", "email": "alan@example.com"})), "api").unwrap();
    assert!(s.engine.run().await.is_err(), "a run of the deleted plugin refuses");
    assert!(sf_contacts(&s, "alan@example.com").is_empty(), "nothing reaches Salesforce any more");
    assert_eq!(desk_contacts(&s, "ada@example.com").len(), 1, "the desk keeps what was synced");
}

/// The whole integration through the desk's web API, as an admin sets it
/// up: the OAuth round trip against Salesforce's login, the sync saved and
/// run, and then changes on either side (create, update, mass update)
/// syncing by themselves: Salesforce's change notifications reach the
/// desk's hook.
#[tokio::test(flavor = "multi_thread")]
async fn an_admin_connects_salesforce_by_oauth_and_changes_on_either_side_then_sync_by_themselves() {
    let s = deskpane_tests::DeskServer::with_salesforce().await;
    let sf = s.salesforce.as_ref().unwrap();
    let admin = s.admin().await;
    let json_of = |r: reqwest::Response| async move { (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null)) };
    let plugin = |plugins: &Value| plugins["plugins"].as_array().unwrap().iter().find(|p| p["id"] == "salesforce").cloned().unwrap();

    // Step 1: the Salesforce login's consent page sends the browser back.
    assert_eq!(admin.post(s.api("admin/plugins/salesforce/disconnect")).send().await.unwrap().status(), 200);
    let (status, body) = json_of(admin.post(s.api("admin/plugins/salesforce/connect")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let authorize = body["authorize_url"].as_str().unwrap();
    assert!(authorize.starts_with(&format!("{}/services/oauth2/authorize?", sf.base_url())), "{authorize}");
    let landed = admin.get(authorize).send().await.unwrap();
    // The desk's result page, which goes back to the plugin's page in the console.
    assert_eq!((landed.url().path(), landed.status().as_u16()), ("/oauth/callback", 200));
    assert_eq!(landed.headers()["refresh"], "3; url=/admin#plugin=salesforce");
    let (_, plugins) = json_of(admin.get(s.api("admin/plugins")).send().await.unwrap()).await;
    assert_eq!(plugin(&plugins)["credentials"]["crm"]["connected"], true);
    assert_eq!(plugin(&plugins)["propagate_deletes"], false);

    // Step 2: two-way sync of contacts, run once.
    let (_, overview) = json_of(admin.get(s.api("admin/plugins/salesforce/sync")).send().await.unwrap()).await;
    let mut settings = overview["settings"].clone();
    settings["modules"]["contacts"]["enabled"] = json!(true);
    assert_eq!(admin.put(s.api("admin/plugins/salesforce/sync")).json(&settings).send().await.unwrap().status(), 200);
    assert_eq!(admin.post(s.api("admin/plugins/salesforce/sync/run")).send().await.unwrap().status(), 202);
    deskpane_tests::eventually("the first sync is done", || async {
        let (_, o) = json_of(admin.get(s.api("admin/plugins/salesforce/sync")).send().await.unwrap()).await;
        o["modules"]["contacts"]["first_sync_done"] == true && o["progress"]["running"] == false
    })
    .await;
    let subscriptions = sf.records("Deskpane_Subscription__c");
    assert!(
        subscriptions.iter().any(|r| r["Callback_Url__c"] == format!("{}/hooks/salesforce", s.url)),
        "the desk subscribed to Salesforce's changes: {subscriptions:?}"
    );

    // A contact created in Salesforce arrives with no run started by hand.
    let token = sf.issue_access_token();
    let created = reqwest::Client::new()
        .post(format!("{}/services/data/v62.0/sobjects/Contact", sf.base_url()))
        .bearer_auth(&token)
        .json(&json!({"LastName": "Notified", "Email": "notified@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let desk_has = |email: &'static str, title: Option<&'static str>| {
        let admin = admin.clone();
        let url = s.api("contacts");
        async move {
            let records: Value = admin.get(url).send().await.unwrap().json().await.unwrap();
            records["records"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["fields"]["email"] == email && title.is_none_or(|t| c["fields"]["title"] == t))
        }
    };
    deskpane_tests::eventually("Salesforce's new contact is in the desk", || desk_has("notified@example.com", None)).await;

    // A mass update in Salesforce arrives too.
    let priya = sf.records("Contact").into_iter().find(|c| c["Email"] == "priya.raman@northwind-traders.example").unwrap();
    let nadia = sf.records("Contact").into_iter().find(|c| c["Email"] == "nadia.petrova@northwind-traders.example").unwrap();
    let records: Vec<Value> =
        [&priya, &nadia].iter().map(|c| json!({"attributes": {"type": "Contact"}, "Id": c["Id"], "Title": "Mass-updated"})).collect();
    let updated = reqwest::Client::new()
        .patch(format!("{}/services/data/v62.0/composite/sobjects", sf.base_url()))
        .bearer_auth(&token)
        .json(&json!({"allOrNone": false, "records": records}))
        .send()
        .await
        .unwrap();
    assert!(updated.status().is_success());
    deskpane_tests::eventually("the mass update is in the desk", || async {
        desk_has("priya.raman@northwind-traders.example", Some("Mass-updated")).await
            && desk_has("nadia.petrova@northwind-traders.example", Some("Mass-updated")).await
    })
    .await;

    // A contact created in the desk reaches Salesforce.
    let agent = s.agent().await;
    agent
        .post(s.api("contacts"))
        .json(&json!({"fields": {"last_name": "FromDesk", "email": "fromdesk@example.com"}}))
        .send()
        .await
        .unwrap();
    deskpane_tests::eventually("the desk's new contact is in Salesforce", || async {
        sf.records("Contact").iter().any(|c| c["Email"] == "fromdesk@example.com")
    })
    .await;

    // A notification without the desk's token is refused before the plugin runs.
    let forged =
        json!({"payload": {"ChangeEventHeader": {"entityName": "Contact", "changeType": "UPDATE", "recordIds": ["003000000000001AAA"]}}});
    let refused = reqwest::Client::new().post(format!("{}/hooks/salesforce", s.url)).json(&forged).send().await.unwrap();
    assert_eq!(refused.status(), 401);
}
