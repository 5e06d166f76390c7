//! The Zoho CRM plugin against the Zoho CRM emulator, through the real host:
//! real component, real sandbox, real OAuth refresh, real HTTP on loopback.

use std::sync::Arc;
use std::time::Duration;

use deskpane::contract::{
    ActionKind, ActionRequest, ActivityKind, ChangeKind, ConnectorError, CrmRecord, FeedQuery, Field, FieldType, MatchKey, Module,
    Notification, RecordRef, Requester, Value, WriteAction,
};
use deskpane::credentials::{OAuthClient, OAuthCredentials};
use deskpane::{Plugin, PluginSettings, Runtime};
use deskpane_tests::{plugin, runtime};
use serde_json::json;
use zoho_emulator::{EmulatorConfig, ZohoEmulator};

struct Setup {
    emu: ZohoEmulator,
    plugin: Plugin,
    _runtime: Runtime,
}

/// An emulator, and the Zoho plugin connected to it by OAuth the way an
/// admin connects it: refresh token in, access token and api_domain out.
async fn setup() -> Setup {
    let emu = ZohoEmulator::start(EmulatorConfig::default()).await.expect("emulator starts");
    let runtime = runtime();
    let creds = Arc::new(OAuthCredentials::new());
    // The token exchange goes through the same guarded client as the
    // plugin's calls: the emulator's loopback address is granted to both.
    let allow = deskpane::policy::AllowList::parse(&[emu.base_url()]).expect("valid entry");
    let limits = deskpane::policy::Limits::default();
    let client = OAuthClient {
        token_url: format!("{}/oauth/v2/token", emu.base_url()),
        client_id: "1000.DESKPANE".into(),
        client_secret: "deskpane-secret".into(),
        http: Arc::new(deskpane::outbound::GuardedHttp::new(allow, runtime.dns_overrides(), limits.connect_timeout, limits.http_timeout)),
    };
    creds.connect("zoho-crm", "crm", client, &emu.refresh_token()).await.expect("OAuth connect");
    // The emulator lives on loopback: the admin grants its address explicitly.
    let settings = PluginSettings { extra_hosts: vec![emu.base_url()], ..Default::default() };
    let plugin = runtime.load(&plugin("zoho-crm"), &settings, creds).expect("zoho plugin loads");
    Setup { emu, plugin, _runtime: runtime }
}

fn by_email(email: &str) -> Requester {
    Requester { email: Some(email.into()), secondary_email: None, phone: None, name: None, account_name: None }
}

fn contact_ref(id: &str) -> RecordRef {
    RecordRef { module: Module::Contacts, id: id.into(), name: None }
}

/// Ada, her account, and one of everything related to her.
fn seed_ada(emu: &ZohoEmulator) -> String {
    let account =
        emu.seed("Accounts", json!({"Account_Name": "Analytical Engines Ltd", "Account_Type": "Customer", "Industry": "Manufacturing"}));
    let ada = emu.seed(
        "Contacts",
        json!({
            "First_Name": "Ada", "Last_Name": "Lovelace", "Email": "ada@analytical.example",
            "Secondary_Email": "ada@home.example", "Phone": "+44 20 7946 0001",
            "Account_Name": {"id": account}, "Customer_Type": "Enterprise", "Title": "Chief Analyst",
        }),
    );
    emu.seed("Deals", json!({"Deal_Name": "Difference Engine renewal", "Stage": "Negotiation/Review", "Amount": 12500.5, "Closing_Date": "2026-12-31", "Contact_Name": {"id": ada}}));
    emu.seed(
        "Notes",
        json!({"Note_Title": "Onboarding", "Note_Content": "Prefers email.", "Parent_Id": {"id": ada}, "$se_module": "Contacts"}),
    );
    emu.seed("Calls", json!({"Subject": "Quarterly check-in", "Call_Type": "Outbound", "Call_Start_Time": "2026-11-20T10:00:00+00:00", "Call_Duration": "12:00", "Who_Id": {"id": ada}, "$se_module": "Contacts"}));
    emu.seed("Events", json!({"Event_Title": "On-site workshop", "Start_DateTime": "2026-11-25T09:00:00+00:00", "End_DateTime": "2026-11-25T12:00:00+00:00", "Who_Id": {"id": ada}, "$se_module": "Contacts"}));
    emu.seed("Tasks", json!({"Subject": "Send renewal quote", "Due_Date": "2026-11-28", "Status": "Not Started", "Who_Id": {"id": ada}, "$se_module": "Contacts"}));
    ada
}

#[tokio::test]
async fn lookup_by_email_finds_the_contact_with_account_owner_and_link() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let profile = s.plugin.lookup_requester(&by_email("ADA@analytical.example")).await.unwrap().expect("found");
    assert_eq!(profile.record.id, ada);
    assert_eq!(profile.match_key, MatchKey::Email);
    assert_eq!(profile.display_name, "Ada Lovelace");
    assert_eq!(profile.account.as_ref().and_then(|a| a.name.as_deref()), Some("Analytical Engines Ltd"));
    assert!(profile.owner.is_some(), "owner comes from the record");
    assert_eq!(profile.link.as_deref(), Some(format!("https://crm.zoho.com/crm/tab/Contacts/{ada}").as_str()));
    let customer_type = profile.fields.iter().find(|f| f.name == "Customer_Type").expect("configured field shown");
    assert_eq!(customer_type.value, Value::Text("Enterprise".into()));
}

#[tokio::test]
async fn a_miss_is_none_after_zoho_answers_204() {
    let s = setup().await;
    seed_ada(&s.emu);
    let found = s.plugin.lookup_requester(&by_email("nobody@nowhere.example")).await.unwrap();
    assert!(found.is_none());
    assert!(s.emu.requests().iter().any(|r| r.path == "/crm/v8/Contacts/search" && r.status == 204));
}

#[tokio::test]
async fn secondary_email_phone_name_and_account_name_are_tried_in_turn() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let p = s.plugin.lookup_requester(&by_email("ada@home.example")).await.unwrap().unwrap();
    assert_eq!((p.record.id.as_str(), p.match_key), (ada.as_str(), MatchKey::SecondaryEmail));

    let who = Requester { secondary_email: Some("ada@home.example".into()), ..by_email("unknown@x.example") };
    let p = s.plugin.lookup_requester(&who).await.unwrap().unwrap();
    assert_eq!(p.match_key, MatchKey::SecondaryEmail);

    let who = Requester { phone: Some("+44 (20) 7946-0001".into()), ..by_email("unknown@x.example") };
    let p = s.plugin.lookup_requester(&who).await.unwrap().unwrap();
    assert_eq!((p.record.id.as_str(), p.match_key), (ada.as_str(), MatchKey::Phone));

    let who = Requester { name: Some("Ada Lovelace".into()), ..by_email("unknown@x.example") };
    assert_eq!(s.plugin.lookup_requester(&who).await.unwrap().unwrap().match_key, MatchKey::Name);

    let who = Requester { email: None, account_name: Some("Analytical Engines Ltd".into()), ..by_email("") };
    let p = s.plugin.lookup_requester(&who).await.unwrap().unwrap();
    assert_eq!((p.record.module, p.match_key), (Module::Accounts, MatchKey::AccountName));
    assert_eq!(p.display_name, "Analytical Engines Ltd");
}

#[tokio::test]
async fn potentials_notes_and_activities_come_from_the_related_lists() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let deals = s.plugin.potentials(&contact_ref(&ada)).await.unwrap();
    assert_eq!(deals.len(), 1);
    assert_eq!(deals[0].record.name.as_deref(), Some("Difference Engine renewal"));
    assert_eq!(deals[0].stage.as_deref(), Some("Negotiation/Review"));
    assert_eq!(deals[0].amount, Some(12500.5));
    assert_eq!(deals[0].closing_date.as_deref(), Some("2026-12-31"));
    assert!(deals[0].owner.is_some());
    assert!(deals[0].link.as_deref().unwrap().contains("/tab/Deals/"));

    let notes = s.plugin.notes(&contact_ref(&ada)).await.unwrap();
    assert_eq!((notes[0].title.as_deref(), notes[0].content.as_str()), (Some("Onboarding"), "Prefers email."));

    let all = [ActivityKind::Call, ActivityKind::Event, ActivityKind::Task];
    let acts = s.plugin.activities(&contact_ref(&ada), &all).await.unwrap();
    let kinds: Vec<(ActivityKind, &str)> = acts.iter().map(|a| (a.kind, a.subject.as_str())).collect();
    assert_eq!(
        kinds,
        vec![
            (ActivityKind::Call, "Quarterly check-in"),
            (ActivityKind::Event, "On-site workshop"),
            (ActivityKind::Task, "Send renewal quote")
        ]
    );
    let event = &acts[1];
    assert_eq!(event.end_time.as_deref(), Some("2026-11-25T12:00:00+00:00"));
    assert_eq!(acts[2].status.as_deref(), Some("Not Started"));
    // Only the kinds asked for are fetched.
    let tasks = s.plugin.activities(&contact_ref(&ada), &[ActivityKind::Task]).await.unwrap();
    assert_eq!(tasks.len(), 1);
    assert!(!s.emu.requests().iter().any(|r| r.path.ends_with("/Calls") && r.query.contains("Due_Date")));
}

#[tokio::test]
async fn thousands_of_notes_and_deals_are_read_to_the_end_through_page_tokens() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let notes: Vec<_> = (0..2500)
        .map(|i| json!({"Note_Title": format!("note {i}"), "Note_Content": format!("content {i}"), "Parent_Id": {"id": ada}, "$se_module": "Contacts"}))
        .collect();
    s.emu.seed_many("Notes", notes);
    let deals: Vec<_> = (0..2500)
        .map(|i| json!({"Deal_Name": format!("deal {i}"), "Stage": "Qualification", "Closing_Date": "2027-01-01", "Contact_Name": {"id": ada}}))
        .collect();
    s.emu.seed_many("Deals", deals);

    let notes = s.plugin.notes(&contact_ref(&ada)).await.unwrap();
    assert_eq!(notes.len(), 2501);
    let mut ids: Vec<_> = notes.iter().map(|n| n.record.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2501, "no note twice");
    assert_eq!(s.plugin.potentials(&contact_ref(&ada)).await.unwrap().len(), 2501);
    assert!(s.emu.requests().iter().any(|r| r.path.ends_with("/Notes") && r.query.contains("page_token=")));
}

#[tokio::test]
async fn an_access_token_expiring_mid_session_is_refreshed_and_the_call_retried() {
    let s = setup().await;
    seed_ada(&s.emu);
    assert!(s.plugin.lookup_requester(&by_email("ada@analytical.example")).await.unwrap().is_some());
    s.emu.expire_tokens();
    let found = s.plugin.lookup_requester(&by_email("ada@analytical.example")).await.unwrap();
    assert!(found.is_some(), "the retried call succeeds");
    let requests = s.emu.requests();
    let token_calls = requests.iter().filter(|r| r.path == "/oauth/v2/token").count();
    assert_eq!(token_calls, 2, "connect, then one refresh");
    assert!(requests.iter().any(|r| r.status == 401));
}

#[tokio::test]
async fn a_429_is_reported_as_rate_limited_at_once_and_the_next_call_succeeds() {
    // Retrying is the sync engine's (policy::retry); a panel call is made
    // once, so an agent is never kept waiting behind a CRM's limit.
    let s = setup().await;
    seed_ada(&s.emu);
    s.emu.fail_next_with_429(1);
    let err = s.plugin.lookup_requester(&by_email("ada@analytical.example")).await.unwrap_err();
    assert!(matches!(err.connector_error(), Some(ConnectorError::RateLimited(_))), "{err}");
    let statuses: Vec<u16> = s.emu.requests().iter().filter(|r| r.path.starts_with("/crm/")).map(|r| r.status).collect();
    assert_eq!(statuses, vec![429], "one request, not retried inside the call");
    let found = s.plugin.lookup_requester(&by_email("ada@analytical.example")).await.unwrap();
    assert!(found.is_some());
}

fn record(fields: &[(&str, Value)]) -> CrmRecord {
    CrmRecord {
        id: None,
        fields: fields.iter().map(|(n, v)| Field { name: n.to_string(), label: None, value: v.clone() }).collect(),
        created_time: None,
        modified_time: None,
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

#[tokio::test]
async fn every_zoho_write_outcome_maps_to_a_typed_result_and_a_partial_batch_goes_through() {
    let s = setup().await;
    let existing = s.emu.seed("Contacts", json!({"Last_Name": "Hopper", "Email": "grace@cobol.example"}));
    let mut unknown_id = record(&[("Last_Name", text("Ghost"))]);
    unknown_id.id = Some("1234567890123456789".into());
    let batch = vec![
        record(&[("Last_Name", text("Turing")), ("Email", text("alan@bletchley.example"))]),
        record(&[("Email", text("nameless@example.com"))]),
        record(&[("Last_Name", text("Hopper")), ("Email", text("grace@cobol.example"))]),
        record(&[("Last_Name", text("Count")), ("Tickets_Raised", text("many"))]),
        unknown_id,
    ];
    // No duplicate-check fields: a plain insert, so the duplicate is refused.
    let outcomes = s.plugin.upsert(Module::Contacts, &batch, &[]).await.unwrap();
    assert_eq!(outcomes.len(), 5);
    let created = outcomes[0].as_ref().expect("first record is created");
    assert_eq!(created.action, WriteAction::Created);
    assert_eq!(s.emu.record("Contacts", &created.id).unwrap()["Last_Name"], "Turing");
    assert!(matches!(&outcomes[1], Err(ConnectorError::MandatoryMissing(f)) if f == &vec!["Last_Name".to_string()]), "{:?}", outcomes[1]);
    match &outcomes[2] {
        Err(ConnectorError::Duplicate(d)) => {
            assert_eq!(d.field, "Email");
            assert_eq!(d.existing_id.as_deref(), Some(existing.as_str()));
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
    match &outcomes[3] {
        Err(ConnectorError::TypeMismatch(t)) => {
            assert_eq!((t.field.as_str(), t.expected), ("Tickets_Raised", FieldType::Integer));
        }
        other => panic!("expected a type mismatch, got {other:?}"),
    }
    assert!(matches!(&outcomes[4], Err(ConnectorError::NotFound(_))), "{:?}", outcomes[4]);
    assert!(s.emu.requests().iter().any(|r| r.status == 207), "Zoho answered multi-status");

    // With a duplicate-check field the same record updates the existing one.
    let outcomes = s
        .plugin
        .upsert(
            Module::Contacts,
            &[record(&[("Last_Name", text("Hopper")), ("Email", text("GRACE@cobol.example")), ("Title", text("Rear Admiral"))])],
            &["Email".into()],
        )
        .await
        .unwrap();
    let written = outcomes[0].as_ref().unwrap();
    assert_eq!((written.id.as_str(), written.action), (existing.as_str(), WriteAction::Updated));
    assert_eq!(s.emu.record("Contacts", &existing).unwrap()["Title"], "Rear Admiral");
}

#[tokio::test]
async fn unicode_and_html_come_back_unchanged_as_data() {
    let s = setup().await;
    let tricky = "<script>alert('x')</script> & <b>bold</b> \"quoted\"";
    let id = s
        .emu
        .seed("Contacts", json!({"First_Name": "Zoë", "Last_Name": "Ångström-Ñúñez 漢字 🚀", "Email": "zoe@example.com", "Title": tricky}));
    s.emu.seed("Notes", json!({"Note_Title": "<i>t</i>", "Note_Content": tricky, "Parent_Id": {"id": id}, "$se_module": "Contacts"}));
    let p = s.plugin.lookup_requester(&by_email("zoe@example.com")).await.unwrap().unwrap();
    assert_eq!(p.display_name, "Zoë Ångström-Ñúñez 漢字 🚀");
    let title = p.fields.iter().find(|f| f.name == "Title").unwrap();
    assert_eq!(title.value, text(tricky));
    let notes = s.plugin.notes(&contact_ref(&id)).await.unwrap();
    assert_eq!((notes[0].title.as_deref(), notes[0].content.as_str()), (Some("<i>t</i>"), tricky));
}

fn feed(page_size: u32) -> FeedQuery {
    FeedQuery { list_views: vec![], since: None, filters: vec![], page_size }
}

/// Reads the change feed to its end; returns the changes and the cursor.
async fn drain(plugin: &Plugin, module: Module, query: &FeedQuery, mut cursor: Option<String>) -> (Vec<(ChangeKind, String)>, String) {
    let mut seen = Vec::new();
    for _ in 0..1000 {
        let page = plugin.changes(module, query, cursor.as_deref()).await.unwrap();
        seen.extend(page.changes.into_iter().map(|c| (c.kind, c.id)));
        cursor = Some(page.next_cursor);
        if !page.has_more {
            return (seen, cursor.unwrap());
        }
    }
    panic!("the change feed never ended");
}

#[tokio::test]
async fn the_change_feed_pages_through_records_then_reports_updates_and_deletions() {
    let s = setup().await;
    let ids: Vec<String> = (0..450).map(|i| s.emu.seed("Accounts", json!({"Account_Name": format!("Account {i:03}")}))).collect();
    // Modified-time polling is inclusive of the cursor's second, so a later
    // record moves the cursor past the bulk of them.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    s.emu.seed("Accounts", json!({"Account_Name": "Latest"}));
    let (first, cursor) = drain(&s.plugin, Module::Accounts, &feed(200), None).await;
    assert_eq!(first.len(), 451);
    assert!(first.iter().all(|(k, _)| *k == ChangeKind::Created));

    // Changes made through the API afterwards show up in the next walk.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut edit = record(&[("Account_Name", text("Account 007 (renamed)"))]);
    edit.id = Some(ids[7].clone());
    s.plugin.upsert(Module::Accounts, &[edit], &[]).await.unwrap()[0].as_ref().unwrap();
    s.plugin.delete(Module::Accounts, &[ids[8].clone()]).await.unwrap()[0].as_ref().unwrap();
    let (next, _) = drain(&s.plugin, Module::Accounts, &feed(200), Some(cursor)).await;
    assert!(next.contains(&(ChangeKind::Updated, ids[7].clone())), "{next:?}");
    assert!(next.contains(&(ChangeKind::Deleted, ids[8].clone())), "{next:?}");
    assert!(!next.iter().any(|(_, id)| id == &ids[100]), "untouched records do not come again");
}

#[tokio::test]
async fn the_change_feed_honours_list_views_filters_and_the_first_sync_window() {
    let s = setup().await;
    s.emu.seed("Products", json!({"Product_Name": "Widget", "Department": "Support"}));
    s.emu.seed("Products", json!({"Product_Name": "Gadget", "Department": "Sales"}));
    s.emu.seed("Products", json!({"Product_Name": "Old Widget", "Department": "Support", "Created_Time": "2020-01-01T00:00:00+00:00", "Modified_Time": "2020-01-01T00:00:00+00:00"}));
    let query = FeedQuery {
        list_views: vec![],
        since: Some("2025-11-21T00:00:00+00:00".into()),
        filters: vec![Field { name: "Department".into(), label: None, value: text("Support") }],
        page_size: 50,
    };
    let (seen, _) = drain(&s.plugin, Module::Products, &query, None).await;
    assert_eq!(seen.len(), 1, "only this year's Support products: {seen:?}");

    s.emu.seed("Contacts", json!({"Last_Name": "InView", "Mailing_City": "London"}));
    s.emu.seed("Contacts", json!({"Last_Name": "OutOfView", "Mailing_City": "Paris"}));
    let cvid = s.emu.add_custom_view("Contacts", "Londoners", "(Mailing_City:equals:London)");
    let views = s.plugin.list_views(Module::Contacts).await.unwrap();
    assert!(views.iter().any(|v| v.id == cvid && v.name == "Londoners"));
    let query = FeedQuery { list_views: vec![cvid], ..feed(50) };
    let (seen, _) = drain(&s.plugin, Module::Contacts, &query, None).await;
    assert_eq!(seen.len(), 1);
}

#[tokio::test]
async fn field_metadata_describes_types_mandatory_and_custom_fields() {
    let s = setup().await;
    let fields = s.plugin.describe_module(Module::Contacts).await.unwrap();
    let last = fields.iter().find(|f| f.name == "Last_Name").unwrap();
    assert!(last.mandatory && !last.custom);
    assert_eq!(last.field_type, FieldType::Text);
    let tier = fields.iter().find(|f| f.name == "Support_Tier").unwrap();
    assert!(tier.custom);
    assert_eq!(tier.field_type, FieldType::Picklist);
    assert!(tier.picklist_values.contains(&"Gold".to_string()));
    let tickets = fields.iter().find(|f| f.name == "Tickets_Raised").unwrap();
    assert_eq!(tickets.field_type, FieldType::Integer);
    let err = s.plugin.describe_module(Module::Chats).await.unwrap_err();
    assert!(matches!(err.connector_error(), Some(ConnectorError::Unsupported(_))));
}

#[tokio::test]
async fn watch_subscribes_and_notifications_parse_into_changes() {
    use axum::{extract::State, routing::post, Router};
    let received: Arc<tokio::sync::Mutex<Vec<Vec<u8>>>> = Arc::default();
    let app = Router::new()
        .route(
            "/notify",
            post(|State(r): State<Arc<tokio::sync::Mutex<Vec<Vec<u8>>>>>, body: axum::body::Bytes| async move {
                r.lock().await.push(body.to_vec());
            }),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let s = setup().await;
    s.plugin.watch(&[Module::Contacts], &url, "desk-token").await.unwrap();
    let created = s.plugin.upsert(Module::Contacts, &[record(&[("Last_Name", text("Noticed"))])], &[]).await.unwrap();
    let id = created[0].as_ref().unwrap().id.clone();

    // Bounded: a notification that never comes fails the test, not hangs it.
    let waiting = async {
        loop {
            if let Some(b) = received.lock().await.first().cloned() {
                break b;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let body = tokio::time::timeout(Duration::from_secs(10), waiting).await.expect("the CRM notified within 10 s");
    let notified = s.plugin.parse_notification(&Notification { headers: vec![], body }).await.unwrap();
    assert_eq!(notified.module, Module::Contacts);
    assert_eq!(notified.token.as_deref(), Some("desk-token"));
    assert_eq!(notified.changes.len(), 1);
    assert_eq!((notified.changes[0].kind, notified.changes[0].id.as_str()), (ChangeKind::Created, id.as_str()));
}

#[tokio::test]
async fn record_actions_create_a_case_and_a_task_owned_by_the_agent() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let case = s
        .plugin
        .perform(&ActionRequest {
            kind: ActionKind::CreateCase,
            fields: vec![Field { name: "Subject".into(), label: None, value: text("Chat: printer on fire") }],
            related_to: Some(contact_ref(&ada)),
            owner_email: None,
        })
        .await
        .unwrap();
    assert_eq!(case.module, Module::Cases);
    let stored = s.emu.record("Cases", &case.id).unwrap();
    assert_eq!(stored["Related_To"]["id"], ada.as_str());

    let task = s
        .plugin
        .perform(&ActionRequest {
            kind: ActionKind::CreateTask,
            fields: vec![Field { name: "Subject".into(), label: None, value: text("Follow up chat") }],
            related_to: Some(contact_ref(&ada)),
            owner_email: Some("nobody-in-crm@example.com".into()),
        })
        .await
        .unwrap();
    let stored = s.emu.record("Tasks", &task.id).unwrap();
    assert_eq!(stored["Who_Id"]["id"], ada.as_str());
    assert!(stored["Owner"]["id"].is_string(), "falls back to the connecting user");

    let err = s
        .plugin
        .perform(&ActionRequest { kind: ActionKind::CreateLead, fields: vec![], related_to: None, owner_email: None })
        .await
        .unwrap_err();
    assert!(matches!(err.connector_error(), Some(ConnectorError::MandatoryMissing(_))), "{err}");
}

fn matching(name: &str, value: &str) -> Field {
    Field { name: name.into(), label: None, value: text(value) }
}

/// `find` (contract 0.3.0) searches one module by field values: a lead is
/// found among leads, never a contact with the same email, and every
/// field must match.
#[tokio::test]
async fn find_searches_one_module_by_every_given_field() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let lead = s.emu.seed("Leads", json!({"Last_Name": "Lovelace", "Email": "ada@analytical.example", "Company": "Engines"}));
    let contacts = s.plugin.find(Module::Contacts, &[matching("Email", "ADA@analytical.example")], 5).await.unwrap();
    assert_eq!(contacts.iter().map(|r| r.id.clone().unwrap()).collect::<Vec<_>>(), [ada]);
    let leads = s.plugin.find(Module::Leads, &[matching("Email", "ada@analytical.example")], 5).await.unwrap();
    assert_eq!(leads.iter().map(|r| r.id.clone().unwrap()).collect::<Vec<_>>(), [lead]);
    let both = [matching("Email", "ada@analytical.example"), matching("Last_Name", "Babbage")];
    assert!(s.plugin.find(Module::Contacts, &both, 5).await.unwrap().is_empty(), "every field must match");
    let odd = s.plugin.find(Module::Contacts, &[matching("Email", "a(b),c\\d@example.com")], 5).await.unwrap();
    assert!(odd.is_empty(), "criteria characters in a value are escaped, not interpreted");
}

/// `profile-of` (contract 0.4.0) reads a contact, lead or account by id as
/// the lookup shows it, with the match key `linked`; an id Zoho does not
/// have is `None`.
#[tokio::test]
async fn the_profile_of_a_linked_record_is_read_by_id() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let profile = s.plugin.profile_of(&contact_ref(&ada)).await.unwrap().expect("Ada is there");
    assert_eq!((profile.display_name.as_str(), profile.match_key), ("Ada Lovelace", MatchKey::Linked));
    assert_eq!(profile.account.and_then(|a| a.name).as_deref(), Some("Analytical Engines Ltd"));
    assert!(s.emu.requests().iter().any(|r| r.path == format!("/crm/v8/Contacts/{ada}")), "read by id");

    let lead = s.emu.seed("Leads", json!({"First_Name": "Grace", "Last_Name": "Hopper", "Company": "Compiler Works"}));
    let found = s.plugin.profile_of(&RecordRef { module: Module::Leads, id: lead, name: None }).await.unwrap().unwrap();
    assert_eq!((found.record.module, found.display_name.as_str()), (Module::Leads, "Grace Hopper"));

    assert_eq!(s.plugin.profile_of(&contact_ref("6421000000009999999")).await.unwrap(), None, "unknown id");
    assert_eq!(s.plugin.profile_of(&contact_ref("../users")).await.unwrap(), None, "not a Zoho id: never sent");
    let err = s.plugin.profile_of(&RecordRef { module: Module::Products, id: "1".into(), name: None }).await.unwrap_err();
    assert!(matches!(err.connector_error(), Some(ConnectorError::Unsupported(_))), "{err}");
}

/// `create-note` (contract 0.4.0) posts a Note with `Parent_Id` and
/// `$se_module`, which the record's Notes related list then shows.
#[tokio::test]
async fn a_note_is_added_to_the_record_and_shows_in_its_notes() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let note = s
        .plugin
        .perform(&ActionRequest {
            kind: ActionKind::CreateNote,
            fields: vec![
                Field { name: "Note_Title".into(), label: None, value: text("Phone call") },
                Field { name: "Note_Content".into(), label: None, value: text("Wants the invoice resent.\nBy Friday.") },
            ],
            related_to: Some(contact_ref(&ada)),
            owner_email: Some("sam.okafor@deskpane.example".into()),
        })
        .await
        .unwrap();
    assert_eq!((note.module, note.name.as_deref()), (Module::Notes, Some("Phone call")));
    let stored = s.emu.record("Notes", &note.id).unwrap();
    assert_eq!((stored["Parent_Id"]["id"].as_str(), stored["$se_module"].as_str()), (Some(ada.as_str()), Some("Contacts")));
    assert_eq!(stored["Owner"]["email"], "sam.okafor@deskpane.example", "owned by the agent's CRM user");
    assert!(s.emu.requests().iter().any(|r| r.method == "POST" && r.path == "/crm/v8/Notes"));
    let notes = s.plugin.notes(&contact_ref(&ada)).await.unwrap();
    assert!(notes.iter().any(|n| n.content == "Wants the invoice resent.\nBy Friday."), "{notes:?}");

    // Without a record to go on, Zoho would refuse it: the plugin says so first.
    let err = s
        .plugin
        .perform(&ActionRequest {
            kind: ActionKind::CreateNote,
            fields: vec![Field { name: "Note_Content".into(), label: None, value: text("Orphan") }],
            related_to: None,
            owner_email: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err.connector_error(), Some(ConnectorError::Permanent(_))), "{err}");
}

/// `log-call` (contract 0.4.0) posts a Call as Zoho takes it: `Call_Type`
/// capitalised, the duration in seconds as "mm:ss", the start time with a
/// numeric offset, `Who_Id` for a contact (`What_Id` for an account); the
/// record's Calls related list then shows it.
#[tokio::test]
async fn a_call_is_logged_in_zohos_forms_and_shows_in_the_activities() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let call = s
        .plugin
        .perform(&ActionRequest {
            kind: ActionKind::LogCall,
            fields: vec![
                Field { name: "Subject".into(), label: None, value: text("Invoice question") },
                Field { name: "Call_Type".into(), label: None, value: text("inbound") },
                Field { name: "Call_Start_Time".into(), label: None, value: Value::Datetime("2026-11-21T09:30:00Z".into()) },
                Field { name: "Call_Duration".into(), label: None, value: Value::Integer(754) },
                Field { name: "Description".into(), label: None, value: text("Resent the invoice.") },
            ],
            related_to: Some(contact_ref(&ada)),
            owner_email: None,
        })
        .await
        .unwrap();
    assert_eq!(call.module, Module::Calls);
    let stored = s.emu.record("Calls", &call.id).unwrap();
    assert_eq!(stored["Call_Type"], "Inbound");
    assert_eq!(stored["Call_Duration"], "12:34");
    assert_eq!(stored["Call_Start_Time"], "2026-11-21T09:30:00+00:00");
    assert_eq!((stored["Who_Id"]["id"].as_str(), stored["$se_module"].as_str()), (Some(ada.as_str()), Some("Contacts")));
    let calls = s.plugin.activities(&contact_ref(&ada), &[ActivityKind::Call]).await.unwrap();
    assert!(calls.iter().any(|c| c.subject == "Invoice question" && c.status.as_deref() == Some("Inbound")), "{calls:?}");

    // A missed call has no duration; an account's call goes under What_Id.
    let account = s.emu.records("Accounts")[0]["id"].as_str().unwrap().to_string();
    let missed = s
        .plugin
        .perform(&ActionRequest {
            kind: ActionKind::LogCall,
            fields: vec![
                Field { name: "Subject".into(), label: None, value: text("No answer") },
                Field { name: "Call_Type".into(), label: None, value: text("missed") },
                Field { name: "Call_Start_Time".into(), label: None, value: Value::Datetime("2026-11-21T10:00:00+01:00".into()) },
            ],
            related_to: Some(RecordRef { module: Module::Accounts, id: account.clone(), name: None }),
            owner_email: None,
        })
        .await
        .unwrap();
    let stored = s.emu.record("Calls", &missed.id).unwrap();
    assert_eq!((stored["Call_Type"].as_str(), stored["Call_Duration"].is_null()), (Some("Missed"), true));
    assert_eq!((stored["What_Id"]["id"].as_str(), stored["$se_module"].as_str()), (Some(account.as_str()), Some("Accounts")));
}
