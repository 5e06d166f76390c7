//! The sync engine against the Zoho CRM emulator, through the real Zoho
//! plugin in the real sandbox: one test per rule of the seeds.

use deskpane::desk::Kind;
use deskpane::sync::{Direction, OnCrmDelete, OnDeskDelete, SyncModule};
use deskpane_tests::SyncSetup;
use serde_json::{json, Map, Value};

fn fields(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn contacts_by_email(s: &SyncSetup, email: &str) -> Vec<deskpane::desk::Record> {
    s.desk().find(Kind::Contact, "email", email)
}

fn crm_contacts_by_email(s: &SyncSetup, email: &str) -> Vec<Value> {
    s.emulator.records("Contacts").into_iter().filter(|c| c["Email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(email))).collect()
}

/// Edits a CRM record through the CRM's own API, as a CRM user would.
async fn crm_edit(s: &SyncSetup, module: &str, id: &str, data: Value) {
    deskpane_tests::zoho_edit(&s.emulator, module, id, data).await
}

/// Deletes CRM records through the CRM's own API.
/// Contacts sync with desk `cf_tickets` mapped to the CRM's integer
/// `Tickets_Raised`: a text value there fails when the record syncs.
async fn enable_contacts_with_integer_custom_field(s: &SyncSetup) {
    s.enable(&[SyncModule::Contacts], |m| {
        m.fields.push(deskpane::sync::mapping::FieldPair { desk: "cf_tickets".into(), crm: "Tickets_Raised".into() })
    })
    .await;
}

async fn crm_delete(s: &SyncSetup, module: &str, ids: &[&str]) {
    let resp = reqwest::Client::new()
        .delete(format!("{}/crm/v8/{module}?ids={}", s.emulator.base_url(), ids.join(",")))
        .header("Authorization", format!("Zoho-oauthtoken {}", s.emulator.issue_access_token()))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "the CRM deleted them");
}

const TWO_YEARS_AGO: &str = "2024-11-01T10:00:00+00:00";

#[tokio::test(flavor = "multi_thread")]
async fn the_first_sync_imports_and_exports_the_last_years_records_once() {
    let s = SyncSetup::start().await;
    s.emulator.seed("Contacts", json!({"Last_Name": "Lovelace", "First_Name": "Ada", "Email": "ada@example.com", "Title": "Analyst"}));
    s.emulator.seed("Contacts", json!({"Last_Name": "Hopper", "Email": "grace@example.com"}));
    s.emulator.seed(
        "Contacts",
        json!({"Last_Name": "Babbage", "Email": "old@example.com", "Created_Time": TWO_YEARS_AGO, "Modified_Time": TWO_YEARS_AGO}),
    );
    s.emulator.seed("Contacts", json!({"Last_Name": "No Email"}));
    // Grace is in the desk already: matched by email, not duplicated.
    s.desk()
        .create(Kind::Contact, fields(json!({"last_name": "Hopper", "email": "GRACE@example.com", "phone": "+1 555 0100"})), "api")
        .unwrap();
    s.desk().create(Kind::Contact, fields(json!({"last_name": "Turing", "email": "alan@example.com"})), "api").unwrap();

    s.enable(&[SyncModule::Contacts], |_| {}).await;
    let report = s.engine.run().await.unwrap();
    // Ada and No Email are new to the desk; Grace was matched: updated.
    let imported = report.imported[&SyncModule::Contacts];
    assert_eq!((imported.added, imported.updated), (2, 1), "{report:?}");

    assert_eq!(contacts_by_email(&s, "ada@example.com")[0].text("title"), Some("Analyst"));
    assert_eq!(contacts_by_email(&s, "grace@example.com").len(), 1);
    assert!(contacts_by_email(&s, "old@example.com").is_empty(), "records older than a year stay out");
    assert_eq!(s.desk().find(Kind::Contact, "last_name", "No Email").len(), 1, "contacts without email sync too");
    // Turing went to the CRM, Grace's desk phone too (desk changed it last).
    assert_eq!(crm_contacts_by_email(&s, "alan@example.com").len(), 1);
    assert_eq!(crm_contacts_by_email(&s, "grace@example.com").len(), 1);
    assert_eq!(crm_contacts_by_email(&s, "grace@example.com")[0]["Phone"], "+1 555 0100");

    // Nothing bounces back: a second run writes nothing on either side.
    let writes_before = s.emulator.requests().iter().filter(|r| r.method != "GET").count();
    let again = s.engine.run().await.unwrap();
    assert!(again.imported.values().all(|c| c.added == 0 && c.updated == 0), "{again:?}");
    assert!(again.exported.values().all(|c| c.added == 0 && c.updated == 0), "{again:?}");
    assert_eq!(s.emulator.requests().iter().filter(|r| r.method != "GET").count(), writes_before);
    let history = s.engine.store().history("zoho-crm");
    assert!(history.iter().any(|h| h.added == 2 && h.updated == 1), "{history:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_on_either_side_sync_and_conflicts_settle_per_field() {
    let s = SyncSetup::start().await;
    let crm_id = s
        .emulator
        .seed("Contacts", json!({"Last_Name": "Lovelace", "Email": "ada@example.com", "Title": "Analyst", "Mailing_City": "London"}));
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    s.engine.run().await.unwrap();
    let desk = contacts_by_email(&s, "ada@example.com").remove(0);

    // Desk edits the title; the CRM edits the city: both survive.
    s.desk().update(Kind::Contact, &desk.id, fields(json!({"title": "Chief Analyst"})), "agent:1").unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    crm_edit(&s, "Contacts", &crm_id, json!({"Mailing_City": "Paris"})).await;
    s.engine.run().await.unwrap();
    let crm = s.emulator.record("Contacts", &crm_id).unwrap();
    let desk = s.desk().get(Kind::Contact, &desk.id).unwrap();
    assert_eq!((crm["Title"].as_str(), crm["Mailing_City"].as_str()), (Some("Chief Analyst"), Some("Paris")));
    assert_eq!((desk.text("title"), desk.text("city")), (Some("Chief Analyst"), Some("Paris")));

    // Both edit the title: the later change wins (here the CRM's).
    s.desk().update(Kind::Contact, &desk.id, fields(json!({"title": "Desk title"})), "agent:1").unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    crm_edit(&s, "Contacts", &crm_id, json!({"Title": "CRM title"})).await;
    s.engine.run().await.unwrap();
    assert_eq!(s.desk().get(Kind::Contact, &desk.id).unwrap().text("title"), Some("CRM title"));
    assert_eq!(s.emulator.record("Contacts", &crm_id).unwrap()["Title"], "CRM title");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_way_sync_makes_the_crm_the_master() {
    let s = SyncSetup::start().await;
    let crm_id = s.emulator.seed("Accounts", json!({"Account_Name": "Zylker", "Industry": "Retail"}));
    s.desk().create(Kind::Account, fields(json!({"account_name": "Desk Only Ltd"})), "api").unwrap();
    s.enable(&[SyncModule::Accounts], |m| m.direction = Direction::CrmToDesk).await;
    s.engine.run().await.unwrap();
    assert_eq!(s.desk().find(Kind::Account, "account_name", "Zylker").len(), 1);
    assert!(s.emulator.records("Accounts").iter().all(|a| a["Account_Name"] != "Desk Only Ltd"), "nothing goes to the CRM");

    let desk = s.desk().find(Kind::Account, "account_name", "Zylker").remove(0);
    s.desk().update(Kind::Account, &desk.id, fields(json!({"industry": "Desk edit"})), "agent:1").unwrap();
    s.engine.run().await.unwrap();
    assert_eq!(s.emulator.record("Accounts", &crm_id).unwrap()["Industry"], "Retail");
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_and_products_match_by_name_and_products_by_department() {
    let s = SyncSetup::start().await;
    s.emulator.seed("Accounts", json!({"Account_Name": "Zylker Corp", "Phone": "+1 555 0199"}));
    s.desk().create(Kind::Account, fields(json!({"account_name": "zylker corp"})), "api").unwrap();
    s.emulator.seed("Products", json!({"Product_Name": "Widget", "Department": "Support", "Unit_Price": 9.5}));
    s.desk().create(Kind::Product, fields(json!({"product_name": "WIDGET", "department": "Support"})), "api").unwrap();
    s.emulator.seed("Products", json!({"Product_Name": "Gadget", "Department": "Sales"}));
    s.desk().create(Kind::Product, fields(json!({"product_name": "Gizmo", "department": "Support"})), "api").unwrap();
    s.desk().create(Kind::Product, fields(json!({"product_name": "Sprocket", "department": "Sales"})), "api").unwrap();
    s.enable(&[SyncModule::Accounts, SyncModule::Products], |m| {
        m.departments = if m.fields.iter().any(|f| f.desk == "department") { vec!["Support".into()] } else { vec![] }
    })
    .await;
    s.engine.run().await.unwrap();
    assert_eq!(s.desk().list(Kind::Account).len(), 1, "matched by name, not duplicated");
    assert_eq!(s.desk().list(Kind::Account)[0].text("phone"), Some("+1 555 0199"));
    let desk_products: Vec<String> =
        s.desk().list(Kind::Product).iter().filter_map(|p| p.text("product_name").map(str::to_string)).collect();
    let has = |names: &[String], name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    assert!(has(&desk_products, "Widget") && !has(&desk_products, "Gadget"), "{desk_products:?}");
    let widgets = s.desk().find(Kind::Product, "product_name", "widget");
    assert_eq!(widgets.len(), 1, "products match by name");
    assert_eq!(widgets[0].fields.get("unit_price"), Some(&json!(9.5)));
    let crm_products: Vec<String> =
        s.emulator.records("Products").iter().filter_map(|p| p["Product_Name"].as_str().map(str::to_string)).collect();
    assert_eq!(crm_products.iter().filter(|p| p.eq_ignore_ascii_case("widget")).count(), 1);
    assert!(has(&crm_products, "Gizmo") && !has(&crm_products, "Sprocket"), "{crm_products:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contact_matched_by_secondary_email_takes_the_crms_primary_email() {
    let s = SyncSetup::start().await;
    s.emulator.seed("Contacts", json!({"Last_Name": "Lovelace", "Email": "ada@work.example", "Secondary_Email": "ada@home.example"}));
    let desk = s.desk().create(Kind::Contact, fields(json!({"last_name": "Lovelace", "email": "ada@home.example"})), "api").unwrap();
    s.enable(&[SyncModule::Contacts], |m| m.secondary_email = true).await;
    s.engine.run().await.unwrap();
    assert_eq!(s.desk().list(Kind::Contact).len(), 1);
    assert_eq!(s.desk().get(Kind::Contact, &desk.id).unwrap().text("email"), Some("ada@work.example"));
    assert_eq!(s.emulator.records("Contacts").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_records_in_the_chosen_list_views_sync() {
    let s = SyncSetup::start().await;
    s.emulator.seed("Contacts", json!({"Last_Name": "InView", "Mailing_City": "London"}));
    s.emulator.seed("Contacts", json!({"Last_Name": "OutOfView", "Mailing_City": "Paris"}));
    let cvid = s.emulator.add_custom_view("Contacts", "Londoners", "(Mailing_City:equals:London)");
    s.enable(&[SyncModule::Contacts], |m| m.list_views = vec![cvid.clone()]).await;
    s.engine.run().await.unwrap();
    let names: Vec<String> = s.desk().list(Kind::Contact).iter().filter_map(|c| c.text("last_name").map(str::to_string)).collect();
    assert_eq!(names, vec!["InView".to_string()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn mappings_whose_types_disagree_are_refused_and_bad_values_are_logged_then_retried() {
    let s = SyncSetup::start().await;
    let mut settings = s.engine.settings();
    let contacts = settings.modules.get_mut(&SyncModule::Contacts).unwrap();
    contacts.enabled = true;
    contacts.fields.push(deskpane::sync::mapping::FieldPair { desk: "title".into(), crm: "Tickets_Raised".into() });
    let err = s.engine.set_settings(settings.clone()).await.unwrap_err();
    assert_eq!(err.to_string(), "the field mapping of contacts is not valid: desk field `title` (Text) cannot be mapped to CRM field `Tickets_Raised` (Integer): their types disagree");

    // A custom desk field takes the CRM's type, so a text value slips
    // through the editor and is caught when the record syncs.
    let contacts = settings.modules.get_mut(&SyncModule::Contacts).unwrap();
    contacts.fields.pop();
    contacts.fields.push(deskpane::sync::mapping::FieldPair { desk: "cf_tickets".into(), crm: "Tickets_Raised".into() });
    s.engine.set_settings(settings).await.unwrap();
    let desk = s
        .desk()
        .create(Kind::Contact, fields(json!({"last_name": "Count", "email": "count@example.com", "cf_tickets": "many"})), "api")
        .unwrap();
    let report = s.engine.run().await.unwrap();
    assert_eq!(report.exported[&SyncModule::Contacts].failed, 1);
    let failures = s.engine.store().failures("zoho-crm");
    assert_eq!(failures[0].reason, "Text value is given for an Integer field (Tickets_Raised)");
    assert_eq!(failures[0].record, "count@example.com");

    // Fixed in the desk, Try Again syncs it and clears the entry.
    s.desk().update(Kind::Contact, &desk.id, fields(json!({"cf_tickets": 3})), "agent:1").unwrap();
    assert!(s.engine.retry(&failures[0].id).await.unwrap());
    assert!(s.engine.store().failures("zoho-crm").is_empty());
    assert_eq!(crm_contacts_by_email(&s, "count@example.com")[0]["Tickets_Raised"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partially_refused_batch_logs_each_failure_and_the_rest_goes_through() {
    let s = SyncSetup::start().await;
    // Title feeds the CRM's mandatory Last_Name: contacts without one fail there.
    let mut settings = s.engine.settings();
    let contacts = settings.modules.get_mut(&SyncModule::Contacts).unwrap();
    contacts.enabled = true;
    contacts.fields.retain(|p| p.crm != "Last_Name");
    contacts.fields.push(deskpane::sync::mapping::FieldPair { desk: "title".into(), crm: "Last_Name".into() });
    s.engine.set_settings(settings).await.unwrap();
    for (i, title) in [Some("Boss"), None, Some("Clerk")].iter().enumerate() {
        let mut f = fields(json!({"last_name": format!("Person {i}"), "email": format!("p{i}@example.com")}));
        if let Some(t) = title {
            f.insert("title".into(), json!(t));
        }
        s.desk().create(Kind::Contact, f, "api").unwrap();
    }
    let report = s.engine.run().await.unwrap();
    let c = report.exported[&SyncModule::Contacts];
    assert_eq!((c.added, c.failed), (2, 1), "{report:?}");
    assert!(s.emulator.requests().iter().any(|r| r.status == 207));
    let failures = s.engine.store().failures("zoho-crm");
    assert_eq!(failures[0].reason, "Mandatory Field Missing");
    assert_eq!(failures[0].record, "p1@example.com");
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_preferences_decide_what_a_delete_on_either_side_does() {
    let s = SyncSetup::start().await;
    let keep = s.emulator.seed("Contacts", json!({"Last_Name": "Keep", "Email": "keep@example.com"}));
    let gone = s.emulator.seed("Contacts", json!({"Last_Name": "Gone", "Email": "gone@example.com"}));
    let busy = s.emulator.seed("Contacts", json!({"Last_Name": "Busy", "Email": "busy@example.com"}));
    s.enable(&[SyncModule::Contacts], |m| m.on_crm_delete = OnCrmDelete::IfNoAssociates).await;
    s.engine.run().await.unwrap();
    let busy_desk = contacts_by_email(&s, "busy@example.com").remove(0);
    s.desk().create(Kind::Ticket, fields(json!({"subject": "Help", "contact_id": busy_desk.id})), "api").unwrap();

    crm_delete(&s, "Contacts", &[&gone, &busy]).await;
    s.engine.run().await.unwrap();
    assert!(contacts_by_email(&s, "gone@example.com").is_empty(), "no associates: deleted");
    assert!(s.desk().recycle_bin().iter().any(|e| e.record.text("email") == Some("gone@example.com")), "into the recycle bin");
    assert_eq!(contacts_by_email(&s, "busy@example.com").len(), 1, "has a ticket: kept, only unmapped");

    // Desk deletes: Never only unmaps; Always deletes in the CRM.
    let keep_desk = contacts_by_email(&s, "keep@example.com").remove(0);
    s.desk().delete(Kind::Contact, &keep_desk.id, true, "agent:1").unwrap();
    s.engine.run().await.unwrap();
    assert!(s.emulator.record("Contacts", &keep).is_some(), "Never: the CRM keeps it");
    // ...and when the CRM record is then updated, it comes back to the desk.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    crm_edit(&s, "Contacts", &keep, json!({"Title": "Back"})).await;
    s.engine.run().await.unwrap();
    assert_eq!(contacts_by_email(&s, "keep@example.com")[0].text("title"), Some("Back"));

    let mut settings = s.engine.settings();
    settings.modules.get_mut(&SyncModule::Contacts).unwrap().on_desk_delete = OnDeskDelete::Always;
    s.engine.set_settings(settings).await.unwrap();
    let back = contacts_by_email(&s, "keep@example.com").remove(0);
    s.desk().delete(Kind::Contact, &back.id, true, "agent:1").unwrap();
    s.engine.run().await.unwrap();
    assert!(s.emulator.record("Contacts", &keep).is_none(), "Always: deleted in the CRM");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_sync_exchanges_nothing_until_resumed() {
    let s = SyncSetup::start().await;
    s.emulator.seed("Contacts", json!({"Last_Name": "Waiting", "Email": "wait@example.com"}));
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    let mut settings = s.engine.settings();
    settings.paused = true;
    s.engine.set_settings(settings.clone()).await.unwrap();
    let before = s.emulator.requests().len();
    assert!(s.engine.run().await.unwrap().paused);
    assert_eq!(s.emulator.requests().len(), before, "not one request while paused");
    assert!(s.desk().list(Kind::Contact).is_empty());
    settings.paused = false;
    s.engine.set_settings(settings).await.unwrap();
    s.engine.run().await.unwrap();
    assert_eq!(s.desk().list(Kind::Contact).len(), 1);
}

/// A first sync walks the desk's records and sends them 100 at a time, a
/// batch made while the one before is with the CRM: an email is sent once
/// whether its first holder's batch is still on its way (#150) or already
/// mapped (#240).
#[tokio::test(flavor = "multi_thread")]
async fn a_first_sync_sends_each_email_once_across_its_batches() {
    let s = SyncSetup::start().await;
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    // Desk ids grow with each record: the walk meets them in this order.
    for i in 0..250 {
        let email = if [0, 150, 240].contains(&i) { "shared@example.com".to_string() } else { format!("walk{i}@example.com") };
        s.desk().create(Kind::Contact, fields(json!({"last_name": format!("Walk {i:03}"), "email": email})), "api").unwrap();
    }
    let report = s.engine.run().await.unwrap();
    let sent = report.exported[&SyncModule::Contacts];
    assert_eq!((sent.added, sent.failed), (248, 2), "{report:?}");
    let crm = crm_contacts_by_email(&s, "shared@example.com");
    assert_eq!(crm.len(), 1);
    assert_eq!(crm[0]["Last_Name"], "Walk 000");
    let failures = s.engine.store().failures("zoho-crm");
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(failures.iter().all(|f| f.reason.contains("Walk 000")), "{failures:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_desk_contacts_with_one_email_never_overwrite_each_other() {
    let s = SyncSetup::start().await;
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    let first = s
        .desk()
        .create(
            Kind::Contact,
            fields(json!({"first_name": "Ann", "last_name": "First", "email": "shared@example.com", "title": "CEO"})),
            "api",
        )
        .unwrap();
    s.engine.run().await.unwrap();
    // The desk accepts a second contact with the same email.
    s.desk()
        .create(
            Kind::Contact,
            fields(json!({"first_name": "Bob", "last_name": "Second", "email": "Shared@example.com", "title": "Intern"})),
            "api",
        )
        .unwrap();
    let report = s.engine.run().await.unwrap();
    assert_eq!(report.exported[&SyncModule::Contacts].failed, 1);
    let crm = crm_contacts_by_email(&s, "shared@example.com");
    assert_eq!(crm.len(), 1);
    assert_eq!(
        (crm[0]["Last_Name"].as_str(), crm[0]["Title"].as_str()),
        (Some("First"), Some("CEO")),
        "the mapped CRM record was not overwritten"
    );
    // A later import leaves the first desk contact as it was.
    s.engine.run().await.unwrap();
    let kept = s.desk().get(Kind::Contact, &first.id).unwrap();
    assert_eq!((kept.text("last_name"), kept.text("title")), (Some("First"), Some("CEO")));
    let failures = s.engine.store().failures("zoho-crm");
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].record, "Shared@example.com");
    assert!(
        failures[0].reason.contains(&format!("contact Ann First (desk id {}) already syncs with this email", first.id)),
        "{}",
        failures[0].reason
    );

    // Two new contacts sharing an email in one batch: only the first goes.
    for (last, title) in [("Twin", "One"), ("Twin", "Two")] {
        s.desk().create(Kind::Contact, fields(json!({"last_name": last, "title": title, "email": "twins@example.com"})), "api").unwrap();
    }
    s.engine.run().await.unwrap();
    let crm = crm_contacts_by_email(&s, "twins@example.com");
    assert_eq!(crm.len(), 1);
    assert_eq!(crm[0]["Title"], "One");
}

#[tokio::test(flavor = "multi_thread")]
async fn pausing_works_whatever_the_crm_says_and_try_again_waits_for_resume() {
    let s = SyncSetup::start().await;
    enable_contacts_with_integer_custom_field(&s).await;
    s.desk()
        .create(Kind::Contact, fields(json!({"last_name": "Count", "email": "count@example.com", "cf_tickets": "many"})), "api")
        .unwrap();
    s.engine.run().await.unwrap();
    let failure = s.engine.store().failures("zoho-crm")[0].id.clone();

    // The CRM refuses everything: pausing must still work.
    s.emulator.fail_next_with_429(1_000);
    let paused = s.engine.set_paused(true).await.expect("pausing does not ask the CRM");
    assert!(paused.paused && s.engine.settings().paused);
    s.emulator.fail_next_with_429(0);

    // While paused, Try Again writes nothing to the CRM.
    let before = s.emulator.requests().len();
    let err = s.engine.retry(&failure).await.unwrap_err();
    assert_eq!(err.to_string(), "sync is paused; resume it to try again");
    assert_eq!(s.emulator.requests().len(), before, "not one request while paused");
    assert_eq!(s.engine.store().failures("zoho-crm").len(), 1, "the entry stays for later");

    s.engine.set_paused(false).await.unwrap();
    assert!(!s.engine.settings().paused);
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_and_expired_tokens_do_not_stop_a_sync() {
    let s = SyncSetup::start().await;
    s.emulator
        .seed_many("Contacts", (0..30).map(|i| json!({"Last_Name": format!("N{i}"), "Email": format!("n{i}@example.com")})).collect());
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    s.emulator.expire_tokens();
    s.emulator.fail_next_with_429(3);
    s.engine.run().await.unwrap();
    assert_eq!(s.desk().list(Kind::Contact).len(), 30);
    let statuses: Vec<u16> = s.emulator.requests().iter().map(|r| r.status).collect();
    assert!(statuses.contains(&429) && statuses.contains(&401), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn references_to_records_that_do_not_sync_never_bounce() {
    // As in the demo: desk contacts already point at desk accounts, CRM
    // contacts at CRM accounts, and only contacts sync.
    let s = SyncSetup::start().await;
    let crm_account = s.emulator.seed("Accounts", json!({"Account_Name": "Zylker"}));
    s.emulator.seed("Contacts", json!({"Last_Name": "Chen", "Email": "mei@zylker.example", "Account_Name": {"id": crm_account}}));
    let desk_account = s.desk().create(Kind::Account, fields(json!({"account_name": "Zylker"})), "api").unwrap();
    s.desk()
        .create(Kind::Contact, fields(json!({"last_name": "Chen", "email": "mei@zylker.example", "account_id": desk_account.id})), "api")
        .unwrap();
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    s.engine.run().await.unwrap();
    let writes = |s: &SyncSetup| s.emulator.requests().iter().filter(|r| r.method != "GET" && !r.path.starts_with("/oauth")).count();
    let before = writes(&s);
    for _ in 0..2 {
        let report = s.engine.run().await.unwrap();
        assert!(report.imported.values().chain(report.exported.values()).all(|c| c.added == 0 && c.updated == 0), "{report:?}");
    }
    assert_eq!(writes(&s), before, "no writes to the CRM once in step");
    let desk = contacts_by_email(&s, "mei@zylker.example");
    assert_eq!(desk.len(), 1);
    assert_eq!(desk[0].text("account_id"), Some(desk_account.id.as_str()), "the desk keeps its own account link");
}

#[tokio::test(flavor = "multi_thread")]
async fn always_delete_moves_the_desk_record_and_its_associates_to_the_recycle_bin() {
    let s = SyncSetup::start().await;
    let crm = s.emulator.seed("Contacts", json!({"Last_Name": "Leaving", "Email": "leaving@example.com"}));
    s.enable(&[SyncModule::Contacts], |m| m.on_crm_delete = OnCrmDelete::Always).await;
    s.engine.run().await.unwrap();
    let desk = contacts_by_email(&s, "leaving@example.com").remove(0);
    let ticket = s.desk().create(Kind::Ticket, fields(json!({"subject": "Last words", "contact_id": desk.id})), "api").unwrap();
    crm_delete(&s, "Contacts", &[&crm]).await;
    s.engine.run().await.unwrap();
    assert!(s.desk().get(Kind::Contact, &desk.id).is_none());
    assert!(s.desk().get(Kind::Ticket, &ticket.id).is_none(), "its ticket went with it");
    let bin = s.desk().recycle_bin();
    let entry = bin.iter().find(|e| e.record.id == desk.id).expect("in the recycle bin");
    assert_eq!(entry.associates.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), vec![ticket.id.as_str()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_way_a_record_deleted_in_the_desk_comes_back_when_the_crm_changes_it() {
    let s = SyncSetup::start().await;
    let crm_id = s.emulator.seed("Accounts", json!({"Account_Name": "Zylker", "Industry": "Retail"}));
    s.enable(&[SyncModule::Accounts], |m| m.direction = Direction::CrmToDesk).await;
    s.engine.run().await.unwrap();
    let desk = s.desk().find(Kind::Account, "account_name", "Zylker").remove(0);
    s.desk().delete(Kind::Account, &desk.id, false, "agent:1").unwrap();
    s.engine.run().await.unwrap();
    assert!(s.desk().find(Kind::Account, "account_name", "Zylker").is_empty(), "a desk delete stays while the CRM is silent");
    assert!(s.emulator.record("Accounts", &crm_id).is_some(), "one-way: nothing is deleted in the CRM");

    crm_edit(&s, "Accounts", &crm_id, json!({"Industry": "Wholesale"})).await;
    s.engine.run().await.unwrap();
    let back = s.desk().find(Kind::Account, "account_name", "Zylker");
    assert_eq!(back.len(), 1, "updated in the CRM after the desk delete: it comes back");
    assert_eq!(back[0].text("industry"), Some("Wholesale"));
    assert!(s.engine.store().failures("zoho-crm").is_empty(), "{:?}", s.engine.store().failures("zoho-crm"));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_way_a_desk_delete_and_a_crm_edit_before_the_next_run_follow_the_delete_preference() {
    // "Always delete in the CRM": the desk's delete wins.
    let s = SyncSetup::start().await;
    let crm_id = s.emulator.seed("Contacts", json!({"Last_Name": "Gone", "Email": "gone@example.com"}));
    s.enable(&[SyncModule::Contacts], |m| m.on_desk_delete = OnDeskDelete::Always).await;
    s.engine.run().await.unwrap();
    let desk = contacts_by_email(&s, "gone@example.com").remove(0);
    s.desk().delete(Kind::Contact, &desk.id, false, "agent:1").unwrap();
    crm_edit(&s, "Contacts", &crm_id, json!({"Title": "Edited meanwhile"})).await;
    s.engine.run().await.unwrap();
    assert!(contacts_by_email(&s, "gone@example.com").is_empty());
    assert!(s.emulator.record("Contacts", &crm_id).is_none(), "deleted in the CRM");
    assert!(s.engine.store().failures("zoho-crm").is_empty(), "{:?}", s.engine.store().failures("zoho-crm"));

    // "Never delete in the CRM": the CRM's later edit brings it back.
    let s = SyncSetup::start().await;
    let crm_id = s.emulator.seed("Contacts", json!({"Last_Name": "Back", "Email": "back@example.com"}));
    s.enable(&[SyncModule::Contacts], |m| m.on_desk_delete = OnDeskDelete::Never).await;
    s.engine.run().await.unwrap();
    let desk = contacts_by_email(&s, "back@example.com").remove(0);
    s.desk().delete(Kind::Contact, &desk.id, false, "agent:1").unwrap();
    crm_edit(&s, "Contacts", &crm_id, json!({"Title": "Edited meanwhile"})).await;
    s.engine.run().await.unwrap();
    let back = contacts_by_email(&s, "back@example.com");
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].text("title"), Some("Edited meanwhile"));
    assert!(s.emulator.record("Contacts", &crm_id).is_some());
    assert!(s.engine.store().failures("zoho-crm").is_empty(), "{:?}", s.engine.store().failures("zoho-crm"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_deleted_in_the_crm_unmaps_the_contacts_it_takes_to_the_recycle_bin() {
    let s = SyncSetup::start().await;
    s.enable(&[SyncModule::Accounts, SyncModule::Contacts], |m| m.on_crm_delete = OnCrmDelete::Always).await;
    let account = s.desk().create(Kind::Account, fields(json!({"account_name": "Closing Ltd"})), "api").unwrap();
    let contact = s
        .desk()
        .create(Kind::Contact, fields(json!({"last_name": "Staff", "email": "staff@closing.example", "account_id": account.id})), "api")
        .unwrap();
    s.engine.run().await.unwrap();
    let account_crm = s.engine.store().crm_id("zoho-crm", SyncModule::Accounts, &account.id).expect("account exported");
    assert!(s.engine.store().crm_id("zoho-crm", SyncModule::Contacts, &contact.id).is_some(), "contact exported");

    crm_delete(&s, "Accounts", &[&account_crm]).await;
    s.engine.run().await.unwrap();
    assert!(s.desk().get(Kind::Contact, &contact.id).is_none(), "the contact went to the bin with its account");
    assert!(s.engine.store().crm_id("zoho-crm", SyncModule::Contacts, &contact.id).is_none(), "and is unmapped");

    // The CRM contact itself still exists and keeps syncing: an edit there
    // reaches the desk, with no "already mapped" failure.
    let crm_contact = crm_contacts_by_email(&s, "staff@closing.example")[0]["id"].as_str().unwrap().to_string();
    crm_edit(&s, "Contacts", &crm_contact, json!({"Title": "Still here"})).await;
    s.engine.run().await.unwrap();
    let live = contacts_by_email(&s, "staff@closing.example");
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0].text("title"), Some("Still here"));
    assert!(s.engine.store().failures("zoho-crm").is_empty(), "{:?}", s.engine.store().failures("zoho-crm"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contact_without_email_on_both_sides_is_matched_by_name_and_account_not_duplicated() {
    let s = SyncSetup::start().await;
    s.emulator.seed("Contacts", json!({"First_Name": "Noah", "Last_Name": "Williams", "Title": "Buyer"}));
    let desk = s
        .desk()
        .create(Kind::Contact, fields(json!({"first_name": "noah", "last_name": "WILLIAMS", "phone": "+1 555 0100"})), "api")
        .unwrap();
    // A lookalike with another first name stays apart.
    s.desk().create(Kind::Contact, fields(json!({"first_name": "Emma", "last_name": "Williams"})), "api").unwrap();
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    let report = s.engine.run().await.unwrap();
    let noahs = s.desk().find(Kind::Contact, "last_name", "Williams");
    assert_eq!(noahs.len(), 2, "Noah matched, not added again: {noahs:?}");
    let crm_noahs: Vec<_> = s
        .emulator
        .records("Contacts")
        .into_iter()
        .filter(|c| c["First_Name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case("noah")))
        .collect();
    assert_eq!(crm_noahs.len(), 1, "and not exported twice");
    assert!(s.engine.store().crm_id("zoho-crm", SyncModule::Contacts, &desk.id).is_some(), "the desk's Noah is mapped");
    assert_eq!(s.desk().get(Kind::Contact, &desk.id).unwrap().text("title"), Some("Buyer"));
    assert_eq!(report.imported[&SyncModule::Contacts].added, 0, "history says matched, not added: {report:?}");
    assert_eq!(report.exported[&SyncModule::Contacts].added, 1, "only Emma is new to the CRM: {report:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_that_keeps_failing_appears_once_in_the_failure_log() {
    let s = SyncSetup::start().await;
    enable_contacts_with_integer_custom_field(&s).await;
    let desk = s
        .desk()
        .create(Kind::Contact, fields(json!({"last_name": "Count", "email": "count@example.com", "cf_tickets": "many"})), "api")
        .unwrap();
    s.engine.run().await.unwrap();
    s.desk().update(Kind::Contact, &desk.id, fields(json!({"cf_tickets": "lots"})), "agent:1").unwrap();
    s.engine.run().await.unwrap();
    let failures = s.engine.store().failures("zoho-crm");
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].reason, "Text value is given for an Integer field (Tickets_Raised)");
}

/// `t` as RFC 3339 to the second, written in the offset `east` seconds east
/// of UTC, as a CRM in that time zone writes it.
fn in_offset(t: chrono::DateTime<chrono::Utc>, east: i32) -> String {
    t.with_timezone(&chrono::FixedOffset::east_opt(east).unwrap()).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn utc(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

const INDIA: i32 = 5 * 3600 + 1800;
const NEW_YORK: i32 = -5 * 3600;

#[tokio::test(flavor = "multi_thread")]
async fn the_first_syncs_year_is_compared_as_instants_whatever_offset_the_crm_writes() {
    let s = SyncSetup::start().await;
    let now = chrono::Utc::now();
    let year_ago = now - chrono::Duration::days(365);
    // Both were modified just now; what decides is when they were created.
    // Two hours before the window opens, in India's offset: as text it
    // reads three and a half hours after the host's bound.
    let outside = in_offset(year_ago - chrono::Duration::hours(2), INDIA);
    // An hour inside the window, in New York's: as text, four hours before.
    let inside = in_offset(year_ago + chrono::Duration::hours(1), NEW_YORK);
    assert!(outside > utc(year_ago) && inside < utc(year_ago), "text order is the wrong order here: {outside} {inside}");
    for (name, created) in [("Outside", &outside), ("Inside", &inside)] {
        s.emulator.seed(
            "Contacts",
            json!({"Last_Name": name, "Email": format!("{name}@example.com"), "Created_Time": created, "Modified_Time": in_offset(now, INDIA)}),
        );
    }
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    s.engine.run().await.unwrap();
    let names: Vec<String> = s.desk().list(Kind::Contact).iter().filter_map(|c| c.text("last_name").map(str::to_string)).collect();
    assert_eq!(names, vec!["Inside".to_string()]);

    // The feed's next walk starts at the newest modification seen, as an
    // instant: a record changed later in another offset still comes.
    s.emulator.seed(
        "Contacts",
        json!({"Last_Name": "Later", "Email": "later@example.com", "Modified_Time": in_offset(chrono::Utc::now() + chrono::Duration::seconds(2), NEW_YORK)}),
    );
    s.engine.run().await.unwrap();
    assert_eq!(contacts_by_email(&s, "later@example.com").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_views_are_chosen_by_the_crms_numeric_ids_the_all_view_included() {
    let s = SyncSetup::start().await;
    s.emulator.seed("Contacts", json!({"Last_Name": "InView", "Mailing_City": "London"}));
    s.emulator.seed("Contacts", json!({"Last_Name": "OutOfView", "Mailing_City": "Paris"}));
    let londoners = s.emulator.add_custom_view("Contacts", "Londoners", "(Mailing_City:equals:London)");
    let plugin = s.state.registry.plugin("zoho-crm").unwrap();
    let views = plugin.list_views(deskpane::contract::Module::Contacts).await.unwrap();
    let listed: Vec<(String, String)> = views.iter().map(|v| (v.name.clone(), v.id.clone())).collect();
    let all = s.emulator.all_view("Contacts");
    assert_eq!(listed, vec![("All".to_string(), all.clone()), ("Londoners".to_string(), londoners.clone())]);
    assert!(views.iter().all(|v| v.id.len() == 19 && v.id.parse::<u64>().is_ok()), "numeric ids, as Zoho's: {listed:?}");

    // Chosen by id, the All view syncs every contact.
    s.enable(&[SyncModule::Contacts], |m| m.list_views = vec![all.clone()]).await;
    s.engine.run().await.unwrap();
    assert_eq!(s.desk().list(Kind::Contact).len(), 2);
    assert!(s.engine.store().failures("zoho-crm").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn products_sync_one_way_or_two_way_within_the_chosen_departments() {
    let support = |m: &mut deskpane::sync::ModuleSettings| m.departments = vec!["Support".into()];
    let price = |s: &SyncSetup, name: &str| s.desk().find(Kind::Product, "product_name", name)[0].fields.get("unit_price").cloned();
    let crm_product = |s: &SyncSetup, name: &str| s.emulator.records("Products").into_iter().find(|p| p["Product_Name"] == name);

    // One-way: the CRM is the master of the catalogue.
    let s = SyncSetup::start().await;
    let widget = s.emulator.seed("Products", json!({"Product_Name": "Widget", "Department": "Support", "Unit_Price": 9.5}));
    s.emulator.seed("Products", json!({"Product_Name": "Gadget", "Department": "Sales"}));
    s.desk().create(Kind::Product, fields(json!({"product_name": "Gizmo", "department": "Support"})), "api").unwrap();
    s.enable(&[SyncModule::Products], |m| {
        m.direction = Direction::CrmToDesk;
        support(m);
    })
    .await;
    s.engine.run().await.unwrap();
    assert_eq!(s.desk().find(Kind::Product, "product_name", "Widget").len(), 1);
    assert!(s.desk().find(Kind::Product, "product_name", "Gadget").is_empty(), "another department stays out");
    assert!(crm_product(&s, "Gizmo").is_none(), "one-way: nothing goes to the CRM");
    let desk_widget = s.desk().find(Kind::Product, "product_name", "Widget").remove(0);
    s.desk().update(Kind::Product, &desk_widget.id, fields(json!({"unit_price": 12})), "agent:1").unwrap();
    s.engine.run().await.unwrap();
    assert_eq!(s.emulator.record("Products", &widget).unwrap()["Unit_Price"], 9.5, "a desk edit stays in the desk");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    crm_edit(&s, "Products", &widget, json!({"Unit_Price": 11})).await;
    s.engine.run().await.unwrap();
    assert_eq!(price(&s, "Widget"), Some(json!(11)), "the CRM's edit wins");

    // Two-way: both sides, still only the chosen departments.
    let s = SyncSetup::start().await;
    let widget = s.emulator.seed("Products", json!({"Product_Name": "Widget", "Department": "Support", "Unit_Price": 9.5}));
    s.emulator.seed("Products", json!({"Product_Name": "Gadget", "Department": "Sales"}));
    let gizmo = s.desk().create(Kind::Product, fields(json!({"product_name": "Gizmo", "department": "Support"})), "api").unwrap();
    let sprocket = s.desk().create(Kind::Product, fields(json!({"product_name": "Sprocket", "department": "Sales"})), "api").unwrap();
    s.enable(&[SyncModule::Products], support).await;
    s.engine.run().await.unwrap();
    assert!(crm_product(&s, "Gizmo").is_some() && crm_product(&s, "Sprocket").is_none());
    assert!(s.desk().find(Kind::Product, "product_name", "Gadget").is_empty());
    s.desk().update(Kind::Product, &gizmo.id, fields(json!({"unit_price": 4.25})), "agent:1").unwrap();
    s.desk().update(Kind::Product, &sprocket.id, fields(json!({"unit_price": 1})), "agent:1").unwrap();
    crm_edit(&s, "Products", &widget, json!({"Unit_Price": 10})).await;
    s.engine.run().await.unwrap();
    assert_eq!(crm_product(&s, "Gizmo").unwrap()["Unit_Price"], 4.25, "a desk edit reaches the CRM");
    assert!(crm_product(&s, "Sprocket").is_none(), "a later edit in another department stays in the desk");
    assert_eq!(price(&s, "Widget"), Some(json!(10)), "a CRM edit reaches the desk");
    assert!(s.engine.store().failures("zoho-crm").is_empty(), "{:?}", s.engine.store().failures("zoho-crm"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_sync_leaves_desk_records_older_than_a_year_until_they_change() {
    let s = SyncSetup::start().await;
    let now = chrono::Utc::now();
    let contact = |name: &str| fields(json!({"last_name": name, "email": format!("{}@example.com", name.to_lowercase())}));
    let elder = s.desk().create_dated(Kind::Contact, contact("Elder"), &utc(now - chrono::Duration::days(400)), "api").unwrap();
    s.desk().create_dated(Kind::Contact, contact("Junior"), &utc(now - chrono::Duration::days(300)), "api").unwrap();
    s.desk().create(Kind::Contact, contact("Fresh"), "api").unwrap();
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    let report = s.engine.run().await.unwrap();
    // The desk's change log holds the older record's creation too: the
    // window applies to it as well.
    assert!(crm_contacts_by_email(&s, "elder@example.com").is_empty(), "created more than a year ago: not exported");
    assert_eq!(crm_contacts_by_email(&s, "junior@example.com").len(), 1);
    assert_eq!(crm_contacts_by_email(&s, "fresh@example.com").len(), 1);
    assert_eq!(report.exported[&SyncModule::Contacts].added, 2, "{report:?}");

    // After the first sync, a change sends it like any other record.
    s.desk().update(Kind::Contact, &elder.id, fields(json!({"title": "Returning"})), "agent:1").unwrap();
    s.engine.run().await.unwrap();
    let crm = crm_contacts_by_email(&s, "elder@example.com");
    assert_eq!(crm.len(), 1);
    assert_eq!(crm[0]["Title"], "Returning");
}

#[tokio::test(flavor = "multi_thread")]
async fn never_delete_in_the_desk_keeps_the_desk_record_and_only_unmaps_it() {
    let s = SyncSetup::start().await;
    let crm_id = s.emulator.seed("Contacts", json!({"Last_Name": "Stays", "Email": "stays@example.com", "Title": "Buyer"}));
    s.enable(&[SyncModule::Contacts], |m| m.on_crm_delete = OnCrmDelete::Never).await;
    s.engine.run().await.unwrap();
    let desk = contacts_by_email(&s, "stays@example.com").remove(0);

    crm_delete(&s, "Contacts", &[&crm_id]).await;
    s.engine.run().await.unwrap();
    let kept = s.desk().get(Kind::Contact, &desk.id).expect("the desk record stays");
    assert_eq!((kept.text("last_name"), kept.text("title")), (Some("Stays"), Some("Buyer")));
    assert!(s.desk().recycle_bin().is_empty(), "nothing went to the recycle bin");
    assert!(s.engine.store().crm_id("zoho-crm", SyncModule::Contacts, &desk.id).is_none(), "unmapped");
    assert!(s.engine.store().failures("zoho-crm").is_empty(), "{:?}", s.engine.store().failures("zoho-crm"));

    // It still syncs: updated in the desk, it goes to the CRM as a new record.
    s.desk().update(Kind::Contact, &desk.id, fields(json!({"title": "Buyer again"})), "agent:1").unwrap();
    s.engine.run().await.unwrap();
    let crm = crm_contacts_by_email(&s, "stays@example.com");
    assert_eq!(crm.len(), 1);
    assert_ne!(crm[0]["id"], crm_id.as_str());
    assert_eq!(crm[0]["Title"], "Buyer again");
    assert_eq!(s.engine.store().crm_id("zoho-crm", SyncModule::Contacts, &desk.id).as_deref(), crm[0]["id"].as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sync_history_keeps_seven_days() {
    let s = SyncSetup::start().await;
    s.emulator.seed("Contacts", json!({"Last_Name": "Logged", "Email": "logged@example.com"}));
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    s.engine.run().await.unwrap();
    let store = s.engine.store();
    let history = store.history("zoho-crm");
    assert!(!history.is_empty());
    let days_on = |days: i64| utc(chrono::Utc::now() + chrono::Duration::days(days));
    assert_eq!(store.history_at("zoho-crm", &days_on(6)), history, "six days on: kept");
    // A quiet week: read, not written, and it is gone.
    assert!(store.history_at("zoho-crm", &days_on(8)).is_empty(), "eight days on: pruned");
    assert!(store.history("zoho-crm").is_empty(), "pruned for good, not hidden");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_the_integration_stops_a_run_in_progress_and_leaves_no_sync_state() {
    let s = SyncSetup::start().await;
    s.emulator.seed("Contacts", json!({"Last_Name": "Before", "Email": "before@example.com"}));
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    let engine = s.state.sync.engine("zoho-crm").unwrap();
    engine.run().await.unwrap();
    // A change on each side for the next run.
    s.emulator.seed("Contacts", json!({"Last_Name": "Incoming", "Email": "incoming@example.com"}));
    s.desk().create(Kind::Contact, fields(json!({"last_name": "Outgoing", "email": "outgoing@example.com"})), "api").unwrap();

    // The next run waits on the CRM's feed while the integration is deleted
    // (as the console deletes it).
    let mut hold = s.emulator.hold("GET", "/crm/v8/Contacts");
    let running = tokio::spawn({
        let engine = engine.clone();
        async move { engine.run().await }
    });
    hold.reached().await;
    s.state.registry.remove("zoho-crm").unwrap();
    s.state.sync.forget("zoho-crm").unwrap();
    hold.release();
    let err = running.await.unwrap().unwrap_err();
    assert_eq!(err.to_string(), "no plugin `zoho-crm` is installed");

    assert!(contacts_by_email(&s, "incoming@example.com").is_empty(), "the page that came after the delete was not applied");
    assert!(crm_contacts_by_email(&s, "outgoing@example.com").is_empty(), "nothing was exported after the delete");
    let store = s.engine.store();
    assert!(store.settings("zoho-crm").is_none() && store.hook_token("zoho-crm").is_none());
    assert!(store.crm_cursor("zoho-crm", SyncModule::Contacts).is_none() && store.desk_seq("zoho-crm").is_none());
    assert!(!store.first_sync_done("zoho-crm", SyncModule::Contacts));
    assert_eq!(store.mapped_count("zoho-crm", SyncModule::Contacts), 0);
    assert!(store.history("zoho-crm").is_empty() && store.failures("zoho-crm").is_empty());

    // And no run starts again.
    let before = s.emulator.requests().len();
    assert!(s.state.sync.engine("zoho-crm").is_err());
    assert!(engine.run().await.is_err());
    assert_eq!(s.emulator.requests().len(), before, "not one request after the delete");
}

#[tokio::test(flavor = "multi_thread")]
async fn once_the_integration_is_deleted_no_notification_or_change_moves_data() {
    let s = deskpane_tests::DeskServer::start().await;
    let admin = s.admin().await;
    let sync = s.api("admin/plugins/zoho-crm/sync");
    let mut settings: Value = admin.get(&sync).send().await.unwrap().json::<Value>().await.unwrap()["settings"].clone();
    settings["modules"]["contacts"]["enabled"] = json!(true);
    assert_eq!(admin.put(&sync).json(&settings).send().await.unwrap().status(), 200);
    admin.post(format!("{sync}/run")).send().await.unwrap();
    deskpane_tests::eventually("the first sync is done", || async {
        let o: Value = admin.get(&sync).send().await.unwrap().json().await.unwrap();
        o["modules"]["contacts"]["first_sync_done"] == true && o["progress"]["running"] == false
    })
    .await;
    let token = s.state.sync.hook_token("zoho-crm").expect("the CRM was asked to notify the desk");

    assert_eq!(admin.delete(s.api("admin/plugins/zoho-crm")).send().await.unwrap().status(), 204);
    // A notification the CRM still sends, with the token it was given, is
    // not taken.
    let notification = json!({"module": "Contacts", "ids": ["1"], "operation": "insert", "token": token, "channel_id": "1"});
    let hook = reqwest::Client::new().post(format!("{}/hooks/zoho-crm", s.url)).json(&notification).send().await.unwrap();
    assert_eq!(hook.status(), 404);

    // Changes on either side, and a poll: nothing moves.
    let before = s.emulator.requests().len();
    let agent = s.agent().await;
    let created =
        agent.post(s.api("contacts")).json(&json!({"fields": {"last_name": "After", "email": "after@example.com"}})).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let crm_write = reqwest::Client::new()
        .post(format!("{}/crm/v8/Contacts", s.emulator.base_url()))
        .header("Authorization", format!("Zoho-oauthtoken {}", s.emulator.issue_access_token()))
        .json(&json!({"data": [{"Last_Name": "Unheard", "Email": "unheard@example.com"}]}))
        .send()
        .await
        .unwrap();
    assert!(crm_write.status().is_success());
    s.state.sync.trigger();
    // The sync loop gathers a burst for half a second before it runs.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let after: Vec<_> = s.emulator.requests().into_iter().skip(before).map(|r| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(after, vec!["POST /crm/v8/Contacts".to_string()], "only the CRM user's own write");
    assert!(s.state.desk.find(Kind::Contact, "email", "unheard@example.com").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mapping_saved_during_a_run_is_honoured_by_the_rest_of_the_run() {
    let s = SyncSetup::start().await;
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    s.engine.run().await.unwrap();
    s.desk().create(Kind::Contact, fields(json!({"last_name": "Mid", "email": "mid@example.com", "title": "CEO"})), "api").unwrap();

    // The run waits on the CRM's feed while the admin unmaps Title.
    let mut hold = s.emulator.hold("GET", "/crm/v8/Contacts");
    let running = tokio::spawn({
        let engine = s.engine.clone();
        async move { engine.run().await }
    });
    hold.reached().await;
    let mut settings = s.engine.settings();
    settings.modules.get_mut(&SyncModule::Contacts).unwrap().fields.retain(|p| p.desk != "title");
    s.engine.set_settings(settings).await.unwrap();
    hold.release();
    let report = running.await.unwrap().unwrap();
    assert_eq!(report.exported[&SyncModule::Contacts].added, 1, "{report:?}");
    let crm = crm_contacts_by_email(&s, "mid@example.com");
    assert_eq!(crm.len(), 1);
    assert!(crm[0]["Title"].is_null(), "the field unmapped during the run stayed out: {}", crm[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pause_during_a_run_stops_it_before_anything_more_moves() {
    let s = SyncSetup::start().await;
    s.enable(&[SyncModule::Contacts], |_| {}).await;
    s.engine.run().await.unwrap();
    s.emulator.seed("Contacts", json!({"Last_Name": "Waiting", "Email": "waiting@example.com"}));
    s.desk().create(Kind::Contact, fields(json!({"last_name": "Held", "email": "held@example.com"})), "api").unwrap();

    let mut hold = s.emulator.hold("GET", "/crm/v8/Contacts");
    let running = tokio::spawn({
        let engine = s.engine.clone();
        async move { engine.run().await }
    });
    hold.reached().await;
    s.engine.set_paused(true).await.unwrap();
    hold.release();
    assert!(running.await.unwrap().unwrap().paused);
    assert!(contacts_by_email(&s, "waiting@example.com").is_empty(), "the page that came after the pause was not applied");
    assert!(crm_contacts_by_email(&s, "held@example.com").is_empty(), "nothing was exported after the pause");

    // Resumed, the next run moves both: nothing was skipped.
    s.engine.set_paused(false).await.unwrap();
    s.engine.run().await.unwrap();
    assert_eq!(contacts_by_email(&s, "waiting@example.com").len(), 1);
    assert_eq!(crm_contacts_by_email(&s, "held@example.com").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn restoring_a_contact_from_the_recycle_bin_syncs_it_again() {
    let s = deskpane_tests::DeskServer::start().await;
    let admin = s.admin().await;
    let sync = s.api("admin/plugins/zoho-crm/sync");
    let mut settings: Value = admin.get(&sync).send().await.unwrap().json::<Value>().await.unwrap()["settings"].clone();
    settings["modules"]["contacts"]["enabled"] = json!(true);
    settings["modules"]["contacts"]["on_desk_delete"] = json!("always");
    assert_eq!(admin.put(&sync).json(&settings).send().await.unwrap().status(), 200);
    admin.post(format!("{sync}/run")).send().await.unwrap();
    let in_crm = || s.emulator.records("Contacts").iter().any(|c| c["Email"] == "restored@example.com");
    let created: Value = admin
        .post(s.api("contacts"))
        .json(&json!({"fields": {"last_name": "Restored", "email": "restored@example.com"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    deskpane_tests::eventually("the new contact is in the CRM", || async { in_crm() }).await;
    assert_eq!(admin.delete(s.api(&format!("contacts/{id}"))).send().await.unwrap().status(), 200);
    deskpane_tests::eventually("the deleted contact is gone from the CRM", || async { !in_crm() }).await;

    let restored = admin.post(s.api(&format!("recycle-bin/contacts/{id}/restore"))).send().await.unwrap();
    assert_eq!(restored.status(), 200);
    deskpane_tests::eventually("the restored contact is in the CRM again", || async { in_crm() }).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crm_record_that_keeps_failing_appears_once_in_the_failure_log_until_it_syncs() {
    let s = SyncSetup::start().await;
    // The CRM's Title feeds the desk's mandatory last name: a CRM contact
    // without a title fails there.
    s.enable(&[SyncModule::Contacts], |m| {
        m.fields.retain(|p| p.desk != "last_name" && p.crm != "Title");
        m.fields.push(deskpane::sync::mapping::FieldPair { desk: "last_name".into(), crm: "Title".into() });
    })
    .await;
    let crm_id = s.emulator.seed("Contacts", json!({"Last_Name": "Untitled", "Email": "untitled@example.com"}));
    s.engine.run().await.unwrap();
    for city in ["Leeds", "York"] {
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        crm_edit(&s, "Contacts", &crm_id, json!({"Mailing_City": city})).await;
        s.engine.run().await.unwrap();
    }
    let failures = s.engine.store().failures("zoho-crm");
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].reason, "Mandatory Field Missing (last_name)");
    assert_eq!(failures[0].crm_id.as_deref(), Some(crm_id.as_str()));

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    crm_edit(&s, "Contacts", &crm_id, json!({"Title": "Titled"})).await;
    s.engine.run().await.unwrap();
    assert_eq!(contacts_by_email(&s, "untitled@example.com")[0].text("last_name"), Some("Titled"));
    assert!(s.engine.store().failures("zoho-crm").is_empty(), "the entry went when it synced");
}
