//! The Salesforce plugin against the Salesforce emulator, through the real
//! host: real component, real sandbox, real OAuth refresh through the
//! host's guarded client, real HTTP on loopback.

use std::sync::Arc;
use std::time::Duration;

use deskpane::contract::{
    ActionKind, ActionRequest, ActivityKind, ChangeKind, ConnectorError, CrmRecord, FeedQuery, Field, FieldMeta, FieldType, MatchKey,
    Module, Notification, RecordRef, Requester, Value, WriteAction,
};
use deskpane::credentials::{OAuthClient, OAuthCredentials};
use deskpane::{Plugin, PluginSettings, Runtime};
use deskpane_tests::{plugin, runtime};
use salesforce_emulator::{EmulatorConfig, SalesforceEmulator};
use serde_json::json;

struct Setup {
    emu: SalesforceEmulator,
    plugin: Plugin,
    _runtime: Runtime,
}

/// An emulator, and the Salesforce plugin connected to it by OAuth the way
/// an admin connects it: refresh token in, access token and instance_url out.
async fn setup() -> Setup {
    let emu = SalesforceEmulator::start(EmulatorConfig::default()).await.expect("emulator starts");
    let runtime = runtime();
    let creds = Arc::new(OAuthCredentials::new());
    // The token exchange goes through the same guarded client as the
    // plugin's calls: the emulator's loopback address is granted to both.
    let allow = deskpane::policy::AllowList::parse(&[emu.base_url()]).expect("valid entry");
    let limits = deskpane::policy::Limits::default();
    let client = OAuthClient {
        token_url: format!("{}/services/oauth2/token", emu.base_url()),
        client_id: emu.client_id(),
        client_secret: emu.client_secret(),
        http: Arc::new(deskpane::outbound::GuardedHttp::new(allow, runtime.dns_overrides(), limits.connect_timeout, limits.http_timeout)),
    };
    creds.connect("salesforce", "crm", client, &emu.refresh_token()).await.expect("OAuth connect");
    // The emulator lives on loopback: the admin grants its address explicitly.
    let settings = PluginSettings { extra_hosts: vec![emu.base_url()], ..Default::default() };
    let plugin = runtime.load(&plugin("salesforce"), &settings, creds).expect("salesforce plugin loads");
    Setup { emu, plugin, _runtime: runtime }
}

fn by_email(email: &str) -> Requester {
    Requester { email: Some(email.into()), secondary_email: None, phone: None, name: None, account_name: None }
}

fn nobody() -> Requester {
    Requester { email: None, secondary_email: None, phone: None, name: None, account_name: None }
}

fn contact_ref(id: &str) -> RecordRef {
    RecordRef { module: Module::Contacts, id: id.into(), name: None }
}

fn account_ref(id: &str) -> RecordRef {
    RecordRef { module: Module::Accounts, id: id.into(), name: None }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn fields(pairs: &[(&str, Value)]) -> Vec<Field> {
    pairs.iter().map(|(n, v)| Field { name: n.to_string(), label: None, value: v.clone() }).collect()
}

fn record(pairs: &[(&str, Value)]) -> CrmRecord {
    CrmRecord { id: None, fields: fields(pairs), created_time: None, modified_time: None }
}

fn with_id(id: &str, fields: &[(&str, Value)]) -> CrmRecord {
    CrmRecord { id: Some(id.into()), ..record(fields) }
}

fn link(emu: &SalesforceEmulator, sobject: &str, id: &str) -> String {
    format!("{}/lightning/r/{sobject}/{id}/view", emu.base_url())
}

/// Requests to the query endpoints: (first batches, further batches).
fn query_batches(emu: &SalesforceEmulator) -> (usize, usize) {
    let requests = emu.requests();
    let first = requests.iter().filter(|r| r.path.ends_with("/query") || r.path.ends_with("/queryAll")).count();
    let next = requests.iter().filter(|r| r.path.contains("/query/") || r.path.contains("/queryAll/")).count();
    (first, next)
}

/// How many different ids there are.
fn distinct<'a>(ids: impl IntoIterator<Item = &'a str>) -> usize {
    ids.into_iter().collect::<std::collections::HashSet<_>>().len()
}

struct Ada {
    account: String,
    contact: String,
    owner: String,
}

/// Ada, her account, her owner, and one of everything related to her.
fn seed_ada(emu: &SalesforceEmulator) -> Ada {
    let owner = emu
        .seed("User", json!({"FirstName": "Aisha", "LastName": "Bello", "Email": "aisha@desk.example", "Username": "aisha@desk.example"}));
    let account = emu.seed(
        "Account",
        json!({"Name": "Analytical Engines Ltd", "Type": "Customer", "Industry": "Manufacturing", "Phone": "+44 20 7946 0000", "OwnerId": owner}),
    );
    let contact = emu.seed(
        "Contact",
        json!({
            "FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@analytical.example", "Phone": "+44 20 7946 0001",
            "MobilePhone": "+44 7700 900001", "AccountId": account, "OwnerId": owner, "Title": "Chief Analyst",
            "Customer_Type__c": "Enterprise", "Support_Tier__c": "Gold",
        }),
    );
    let renewal = emu.seed(
        "Opportunity",
        json!({"Name": "Difference Engine renewal", "StageName": "Negotiation/Review", "Amount": 12500.5, "CloseDate": "2026-12-31", "AccountId": account, "OwnerId": owner}),
    );
    emu.seed(
        "OpportunityContactRole",
        json!({"OpportunityId": renewal, "ContactId": contact, "Role": "Decision Maker", "IsPrimary": true}),
    );
    emu.seed("Note", json!({"ParentId": contact, "Title": "Onboarding", "Body": "Prefers email.", "OwnerId": owner}));
    emu.seed(
        "Event",
        json!({"WhoId": contact, "Subject": "On-site workshop", "StartDateTime": "2026-11-25T09:00:00Z", "EndDateTime": "2026-11-25T12:00:00Z", "Location": "London", "OwnerId": owner}),
    );
    emu.seed(
        "Task",
        json!({"WhoId": contact, "Subject": "Send renewal quote", "ActivityDate": "2026-11-28", "Status": "Not Started", "OwnerId": owner}),
    );
    Ada { account, contact, owner }
}

// ---- lookup ----

#[tokio::test]
async fn lookup_by_email_finds_the_contact_with_account_owner_fields_and_link() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let profile = s.plugin.lookup_requester(&by_email("ADA@analytical.example")).await.unwrap().expect("found");
    assert_eq!((profile.record.module, profile.record.id.as_str()), (Module::Contacts, ada.contact.as_str()));
    assert_eq!(profile.match_key, MatchKey::Email);
    assert_eq!(profile.display_name, "Ada Lovelace");
    assert_eq!(profile.email.as_deref(), Some("ada@analytical.example"));
    assert_eq!(profile.phone.as_deref(), Some("+44 20 7946 0001"));
    let account = profile.account.as_ref().expect("the account is named");
    assert_eq!((account.id.as_str(), account.name.as_deref()), (ada.account.as_str(), Some("Analytical Engines Ltd")));
    assert_eq!(profile.owner.as_deref(), Some("Aisha Bello"));
    assert_eq!(profile.link, Some(link(&s.emu, "Contact", &ada.contact)));
    // The manifest's default contact-fields.
    let shown = |name: &str| profile.fields.iter().find(|f| f.name == name).map(|f| f.value.clone());
    assert_eq!(shown("Title"), Some(text("Chief Analyst")));
    assert_eq!(shown("Customer_Type__c"), Some(text("Enterprise")));
    assert_eq!(shown("Support_Tier__c"), Some(text("Gold")));
    assert_eq!(shown("Department"), None, "empty fields are left out");
}

#[tokio::test]
async fn lookup_by_phone_and_by_name_find_the_contact() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let who = Requester { phone: Some("+44 20 7946 0001".into()), ..by_email("unknown@x.example") };
    let p = s.plugin.lookup_requester(&who).await.unwrap().expect("found by phone");
    assert_eq!((p.record.id.as_str(), p.match_key), (ada.contact.as_str(), MatchKey::Phone));
    // The mobile number finds her too.
    let who = Requester { phone: Some("+44 7700 900001".into()), ..nobody() };
    let p = s.plugin.lookup_requester(&who).await.unwrap().expect("found by mobile");
    assert_eq!((p.record.id.as_str(), p.match_key), (ada.contact.as_str(), MatchKey::Phone));

    let who = Requester { name: Some("Ada Lovelace".into()), ..by_email("unknown@x.example") };
    let p = s.plugin.lookup_requester(&who).await.unwrap().expect("found by name");
    assert_eq!((p.record.id.as_str(), p.match_key), (ada.contact.as_str(), MatchKey::Name));
}

#[tokio::test]
async fn lookup_by_account_name_gives_the_account_profile() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let who = Requester { account_name: Some("Analytical Engines Ltd".into()), ..nobody() };
    let p = s.plugin.lookup_requester(&who).await.unwrap().expect("found by account name");
    assert_eq!((p.record.module, p.record.id.as_str(), p.match_key), (Module::Accounts, ada.account.as_str(), MatchKey::AccountName));
    assert_eq!(p.display_name, "Analytical Engines Ltd");
    assert_eq!(p.owner.as_deref(), Some("Aisha Bello"));
    assert_eq!(p.phone.as_deref(), Some("+44 20 7946 0000"));
    assert_eq!(p.link, Some(link(&s.emu, "Account", &ada.account)));
    let industry = p.fields.iter().find(|f| f.name == "Industry").expect("configured account field shown");
    assert_eq!(industry.value, text("Manufacturing"));
}

#[tokio::test]
async fn a_miss_is_none() {
    let s = setup().await;
    seed_ada(&s.emu);
    let who = Requester {
        phone: Some("+1 555 0000".into()),
        name: Some("No Body".into()),
        account_name: Some("No Such Ltd".into()),
        ..by_email("nobody@nowhere.example")
    };
    assert!(s.plugin.lookup_requester(&who).await.unwrap().is_none());
    let failed: Vec<_> = s.emu.requests().into_iter().filter(|r| r.status >= 400).collect();
    assert!(failed.is_empty(), "a miss is no error: {failed:?}");
}

#[tokio::test]
async fn a_requester_who_is_only_a_lead_is_found_as_a_lead() {
    let s = setup().await;
    seed_ada(&s.emu);
    let lead = s.emu.seed(
        "Lead",
        json!({"FirstName": "Marco", "LastName": "Bellini", "Company": "Brightwave", "Email": "marco.bellini@brightwave.example", "Title": "Operations Director", "Status": "Working - Contacted"}),
    );
    let p = s.plugin.lookup_requester(&by_email("marco.bellini@brightwave.example")).await.unwrap().expect("the lead is found");
    assert_eq!((p.record.module, p.record.id.as_str(), p.match_key), (Module::Leads, lead.as_str(), MatchKey::Email));
    assert_eq!(p.display_name, "Marco Bellini");
    assert_eq!(p.owner.as_deref(), Some("Elena Vasquez"), "the API user owns what it has no owner for");
    assert_eq!(p.link, Some(link(&s.emu, "Lead", &lead)));
    let shown = |name: &str| p.fields.iter().find(|f| f.name == name).map(|f| f.value.clone());
    assert_eq!(shown("Company"), Some(text("Brightwave")));
    assert_eq!(shown("Status"), Some(text("Working - Contacted")));
}

#[tokio::test]
async fn an_email_with_plus_and_apostrophe_is_escaped_and_encoded() {
    let s = setup().await;
    // Near misses: a `+` sent unencoded arrives as a space; a quote badly
    // escaped breaks the query or matches another record.
    s.emu.seed("Contact", json!({"LastName": "Other", "Email": "oneil+desk@example.com"}));
    s.emu.seed("Contact", json!({"LastName": "Another", "Email": "o'neil@example.com"}));
    let id = s.emu.seed("Contact", json!({"FirstName": "Siobhán", "LastName": "O'Neil", "Email": "o'neil+desk@example.com"}));
    let p = s.plugin.lookup_requester(&by_email("o'neil+desk@example.com")).await.unwrap().expect("found");
    assert_eq!(p.record.id, id);
    assert_eq!(p.display_name, "Siobhán O'Neil");
    let who = Requester { name: Some("Siobhán O'Neil".into()), ..nobody() };
    assert_eq!(s.plugin.lookup_requester(&who).await.unwrap().expect("found by name").record.id, id);
    let failed: Vec<_> = s.emu.requests().into_iter().filter(|r| r.status >= 400).collect();
    assert!(failed.is_empty(), "{failed:?}");
}

// ---- potentials, notes, activities ----

#[tokio::test]
async fn a_contacts_opportunities_come_through_its_contact_roles() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let second = s.emu.seed(
        "Opportunity",
        json!({"Name": "Analytical Engine pilot", "StageName": "Prospecting", "CloseDate": "2027-03-01", "AccountId": ada.account}),
    );
    // Two roles on one opportunity: it is listed once.
    s.emu.seed("OpportunityContactRole", json!({"OpportunityId": second, "ContactId": ada.contact, "Role": "Evaluator"}));
    s.emu.seed("OpportunityContactRole", json!({"OpportunityId": second, "ContactId": ada.contact, "Role": "Technical Buyer"}));
    // The account's other opportunity, without a role for Ada: not hers.
    s.emu.seed("Opportunity", json!({"Name": "Unrelated", "StageName": "Closed Won", "CloseDate": "2026-01-01", "AccountId": ada.account}));

    let deals = s.plugin.potentials(&contact_ref(&ada.contact)).await.unwrap();
    let names: Vec<_> = deals.iter().map(|d| d.record.name.as_deref().unwrap_or_default()).collect();
    assert_eq!(names, ["Analytical Engine pilot", "Difference Engine renewal"], "latest closing first");
    let renewal = &deals[1];
    assert_eq!(renewal.record.module, Module::Potentials);
    assert_eq!(renewal.stage.as_deref(), Some("Negotiation/Review"));
    assert_eq!(renewal.amount, Some(12500.5));
    assert_eq!(renewal.closing_date.as_deref(), Some("2026-12-31"));
    assert_eq!(renewal.owner.as_deref(), Some("Aisha Bello"));
    assert_eq!(renewal.link, Some(link(&s.emu, "Opportunity", &renewal.record.id)));
    assert_eq!(deals[0].link, Some(link(&s.emu, "Opportunity", &second)));
}

#[tokio::test]
async fn a_contact_with_2500_opportunities_gets_all_of_them_through_next_records_url() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let opportunities: Vec<_> =
        (0..2499).map(|i| json!({"Name": format!("deal {i:04}"), "StageName": "Qualification", "CloseDate": "2027-01-01"})).collect();
    let ids = s.emu.seed_many("Opportunity", opportunities);
    let roles: Vec<_> = ids.iter().map(|id| json!({"OpportunityId": id, "ContactId": ada.contact, "Role": "Influencer"})).collect();
    s.emu.seed_many("OpportunityContactRole", roles);

    let deals = s.plugin.potentials(&contact_ref(&ada.contact)).await.unwrap();
    assert_eq!(deals.len(), 2500);
    assert_eq!(distinct(deals.iter().map(|d| d.record.id.as_str())), 2500, "no opportunity twice");
    let (first, next) = query_batches(&s.emu);
    assert_eq!(first, 1, "one query");
    assert!(next >= 1, "its later batches were fetched through nextRecordsUrl ({first} + {next} batches)");
}

#[tokio::test]
async fn an_accounts_opportunities_are_those_of_the_account() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let other = s.emu.seed("Account", json!({"Name": "Elsewhere"}));
    s.emu.seed("Opportunity", json!({"Name": "Elsewhere deal", "StageName": "Prospecting", "CloseDate": "2027-01-01", "AccountId": other}));
    s.emu.seed(
        "Opportunity",
        json!({"Name": "Second engine", "StageName": "Prospecting", "CloseDate": "2027-06-30", "AccountId": ada.account}),
    );
    let deals = s.plugin.potentials(&account_ref(&ada.account)).await.unwrap();
    let names: Vec<_> = deals.iter().map(|d| d.record.name.as_deref().unwrap_or_default()).collect();
    assert_eq!(names, ["Second engine", "Difference Engine renewal"]);
}

#[tokio::test]
async fn notes_are_read_all_2500_of_them() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let notes = s.plugin.notes(&contact_ref(&ada.contact)).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!((notes[0].title.as_deref(), notes[0].content.as_str()), (Some("Onboarding"), "Prefers email."));
    assert_eq!(notes[0].author.as_deref(), Some("Elena Vasquez"), "the API user seeded it");
    assert!(notes[0].created_time.as_deref().is_some_and(|t| t.ends_with('Z') || t.contains("+00:00")), "{:?}", notes[0].created_time);
    assert_eq!(notes[0].link, Some(link(&s.emu, "Note", &notes[0].record.id)));

    let many: Vec<_> =
        (0..2499).map(|i| json!({"ParentId": ada.contact, "Title": format!("note {i}"), "Body": format!("content {i}")})).collect();
    s.emu.seed_many("Note", many);
    let before = query_batches(&s.emu);
    let notes = s.plugin.notes(&contact_ref(&ada.contact)).await.unwrap();
    assert_eq!(notes.len(), 2500);
    assert_eq!(distinct(notes.iter().map(|n| n.record.id.as_str())), 2500, "no note twice");
    let after = query_batches(&s.emu);
    assert!(after.1 > before.1, "later batches came through nextRecordsUrl");
}

/// Salesforce logs a call as a Task of subtype Call: those tasks are the
/// calls, the other tasks the tasks, events the events.
#[tokio::test]
async fn calls_events_and_tasks_come_as_their_kinds() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let call = s.emu.seed(
        "Task",
        json!({"WhoId": ada.contact, "Subject": "Renewal call", "ActivityDate": "2026-11-20", "Status": "Completed",
            "TaskSubtype": "Call", "CallType": "Inbound", "CallDurationInSeconds": 420, "OwnerId": ada.owner}),
    );
    let missed = s.emu.seed(
        "Task",
        json!({"WhoId": ada.contact, "Subject": "Missed call", "ActivityDate": "2026-11-19", "Status": "Completed",
            "TaskSubtype": "Call", "CallType": "Inbound", "CallDisposition": "Missed"}),
    );
    let all = [ActivityKind::Call, ActivityKind::Event, ActivityKind::Task];
    let acts = s.plugin.activities(&contact_ref(&ada.contact), &all).await.unwrap();
    let kinds: Vec<(ActivityKind, Module, &str)> = acts.iter().map(|a| (a.kind, a.record.module, a.subject.as_str())).collect();
    assert_eq!(
        kinds,
        vec![
            (ActivityKind::Call, Module::Calls, "Renewal call"),
            (ActivityKind::Call, Module::Calls, "Missed call"),
            (ActivityKind::Event, Module::Events, "On-site workshop"),
            (ActivityKind::Task, Module::Tasks, "Send renewal quote"),
        ]
    );
    let (logged, not_taken) = (&acts[0], &acts[1]);
    assert_eq!(logged.record.id, call);
    assert_eq!(logged.status.as_deref(), Some("Inbound"), "a call's status is its direction");
    assert_eq!(not_taken.status.as_deref(), Some("Missed"), "or its result, when one was logged");
    assert_eq!(not_taken.record.id, missed);
    assert!(logged.start_time.as_deref().is_some_and(|t| t.starts_with("2026-11-20")), "{:?}", logged.start_time);
    assert_eq!(logged.owner.as_deref(), Some("Aisha Bello"));
    assert_eq!(logged.link, Some(link(&s.emu, "Task", &call)));
    let event = &acts[2];
    assert!(event.start_time.as_deref().is_some_and(|t| t.starts_with("2026-11-25T09:00:00")), "{:?}", event.start_time);
    assert!(event.end_time.as_deref().is_some_and(|t| t.starts_with("2026-11-25T12:00:00")), "{:?}", event.end_time);
    assert_eq!(event.owner.as_deref(), Some("Aisha Bello"));
    assert_eq!(event.link, Some(link(&s.emu, "Event", &event.record.id)));
    let task = &acts[3];
    assert_eq!(task.status.as_deref(), Some("Not Started"));
    assert!(task.start_time.as_deref().is_some_and(|t| t.starts_with("2026-11-28")), "{:?}", task.start_time);

    let before = s.emu.requests().len();
    let calls = s.plugin.activities(&contact_ref(&ada.contact), &[ActivityKind::Call]).await.unwrap();
    assert_eq!(calls.iter().map(|a| a.subject.as_str()).collect::<Vec<_>>(), ["Renewal call", "Missed call"]);
    let tasks = s.plugin.activities(&contact_ref(&ada.contact), &[ActivityKind::Task]).await.unwrap();
    assert_eq!(tasks.iter().map(|a| a.subject.as_str()).collect::<Vec<_>>(), ["Send renewal quote"], "calls are not tasks twice");
    assert!(!s.emu.requests()[before..].iter().any(|r| r.query.contains("Event")), "only the kinds asked for are fetched");
}

// ---- sessions and limits ----

#[tokio::test]
async fn an_expired_session_is_refreshed_and_the_call_retried_once() {
    let s = setup().await;
    seed_ada(&s.emu);
    assert!(s.plugin.lookup_requester(&by_email("ada@analytical.example")).await.unwrap().is_some());
    s.emu.expire_sessions();
    let found = s.plugin.lookup_requester(&by_email("ada@analytical.example")).await.unwrap();
    assert!(found.is_some(), "the retried call succeeds");
    let requests = s.emu.requests();
    let token_calls = requests.iter().filter(|r| r.path == "/services/oauth2/token").count();
    assert_eq!(token_calls, 2, "connect, then one refresh");
    assert_eq!(requests.iter().filter(|r| r.status == 401).count(), 1, "one refused call");
}

#[tokio::test]
async fn a_revoked_refresh_token_gives_a_clear_auth_error() {
    let s = setup().await;
    seed_ada(&s.emu);
    s.emu.revoke_refresh_token();
    let err = s.plugin.lookup_requester(&by_email("ada@analytical.example")).await.unwrap_err();
    assert!(matches!(err.connector_error(), Some(ConnectorError::AuthExpired)), "{err}");
    assert!(err.to_string().contains("reconnect"), "the message says what to do: {err}");
    let requests = s.emu.requests();
    assert!(requests.iter().any(|r| r.path == "/services/oauth2/token" && r.status == 400), "the refresh was refused");
    assert_eq!(requests.iter().filter(|r| r.status == 401).count(), 1, "not retried without a new session");
}

#[tokio::test]
async fn the_daily_request_limit_is_rate_limited_until_a_new_day() {
    let s = setup().await;
    seed_ada(&s.emu);
    assert!(s.plugin.lookup_requester(&by_email("ada@analytical.example")).await.unwrap().is_some());
    let (used, _) = s.emu.api_usage();
    assert!(used >= 1, "the lookup was counted");
    s.emu.set_daily_api_limit(used);
    let err = s.plugin.lookup_requester(&by_email("ada@analytical.example")).await.unwrap_err();
    assert!(matches!(err.connector_error(), Some(ConnectorError::RateLimited(_))), "{err}");
    assert!(s.emu.requests().iter().any(|r| r.status == 403));
    s.emu.reset_api_usage();
    assert!(s.plugin.lookup_requester(&by_email("ada@analytical.example")).await.unwrap().is_some());
}

// ---- describe and list views ----

fn meta<'a>(fields: &'a [FieldMeta], name: &str) -> &'a FieldMeta {
    fields.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("{name} is described"))
}

#[tokio::test]
async fn describe_maps_salesforce_types_to_the_contracts() {
    let s = setup().await;
    let contacts = s.plugin.describe_module(Module::Contacts).await.unwrap();
    assert_eq!(meta(&contacts, "Email").field_type, FieldType::Email);
    assert_eq!(meta(&contacts, "Phone").field_type, FieldType::Phone);
    assert_eq!(meta(&contacts, "Description").field_type, FieldType::Textarea);
    let tier = meta(&contacts, "Support_Tier__c");
    assert_eq!(tier.field_type, FieldType::Picklist);
    assert!(tier.custom);
    assert_eq!(tier.picklist_values, ["Gold", "Silver", "Bronze"]);
    assert_eq!(meta(&contacts, "Customer_Type__c").picklist_values, ["Enterprise", "SMB", "Partner", "Prospect"]);
    assert_eq!(meta(&contacts, "AccountId").field_type, FieldType::Lookup);
    assert_eq!(meta(&contacts, "OwnerId").field_type, FieldType::User);
    let last = meta(&contacts, "LastName");
    assert!(last.mandatory && !last.read_only && !last.custom);
    assert_eq!((last.field_type, last.max_length), (FieldType::Text, Some(80)));
    assert!(!meta(&contacts, "FirstName").mandatory);
    let name = meta(&contacts, "Name");
    assert!(name.read_only && !name.mandatory, "{name:?}");
    assert!(meta(&contacts, "CreatedDate").read_only);
    assert_eq!(meta(&contacts, "CreatedDate").field_type, FieldType::Datetime);

    let accounts = s.plugin.describe_module(Module::Accounts).await.unwrap();
    assert!(meta(&accounts, "Name").mandatory && !meta(&accounts, "Name").read_only);
    assert_eq!(meta(&accounts, "Website").field_type, FieldType::Url);
    assert_eq!(meta(&accounts, "NumberOfEmployees").field_type, FieldType::Integer);
    assert_eq!(meta(&accounts, "AnnualRevenue").field_type, FieldType::Currency);
    assert!(meta(&accounts, "Type").picklist_values.contains(&"Customer".to_string()));

    let products = s.plugin.describe_module(Module::Products).await.unwrap();
    assert!(meta(&products, "Name").mandatory);
    assert_eq!(meta(&products, "IsActive").field_type, FieldType::Boolean);
    assert_eq!(meta(&products, "Family").field_type, FieldType::Picklist);

    let err = s.plugin.describe_module(Module::Calls).await.unwrap_err();
    assert!(matches!(err.connector_error(), Some(ConnectorError::Unsupported(_))), "{err}");
}

#[tokio::test]
async fn list_views_are_the_orgs() {
    let s = setup().await;
    let all = s.emu.add_list_view("Contact", "All Contacts", "");
    let gold = s.emu.add_list_view("Contact", "Gold Support Contacts", "Support_Tier__c = 'Gold'");
    let accounts = s.emu.add_list_view("Account", "All Accounts", "");
    let views = s.plugin.list_views(Module::Contacts).await.unwrap();
    let got: Vec<(&str, &str)> = views.iter().map(|v| (v.id.as_str(), v.name.as_str())).collect();
    assert_eq!(got, [(all.as_str(), "All Contacts"), (gold.as_str(), "Gold Support Contacts")]);
    let views = s.plugin.list_views(Module::Accounts).await.unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!((views[0].id.as_str(), views[0].name.as_str()), (accounts.as_str(), "All Accounts"));
}

// ---- the change feed ----

fn feed(page_size: u32) -> FeedQuery {
    FeedQuery { list_views: vec![], since: None, filters: vec![], page_size }
}

/// Reads the change feed to its end; returns the changes, the cursor and
/// how many pages it took.
async fn drain(
    plugin: &Plugin,
    module: Module,
    query: &FeedQuery,
    mut cursor: Option<String>,
) -> (Vec<(ChangeKind, String)>, String, usize) {
    let mut seen = Vec::new();
    for pages in 1..=1000 {
        let page = plugin.changes(module, query, cursor.as_deref()).await.unwrap();
        assert!(page.changes.len() <= query.page_size as usize, "a page holds at most page_size changes");
        seen.extend(page.changes.into_iter().map(|c| (c.kind, c.id)));
        cursor = Some(page.next_cursor);
        if !page.has_more {
            return (seen, cursor.unwrap(), pages);
        }
    }
    panic!("the change feed never ended");
}

fn sorted_ids(changes: &[(ChangeKind, String)]) -> Vec<String> {
    let mut ids: Vec<String> = changes.iter().map(|(_, id)| id.clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn the_change_feed_starts_at_since_and_pages_through_shared_timestamps() {
    let s = setup().await;
    // Before the window: not reported.
    let old = "2020-01-01T00:00:00.000+0000";
    s.emu.seed("Contact", json!({"LastName": "Old", "CreatedDate": old, "LastModifiedDate": old, "SystemModstamp": old}));
    // 130 records written in the same millisecond, then 20 later ones.
    let stamp = "2026-01-10T08:00:00.000+0000";
    let same: Vec<_> = (0..130)
        .map(|i| json!({"LastName": format!("Same {i:03}"), "CreatedDate": stamp, "LastModifiedDate": stamp, "SystemModstamp": stamp}))
        .collect();
    let mut expected = s.emu.seed_many("Contact", same);
    let later: Vec<_> = (0..20)
        .map(|i| {
            let t = format!("2026-01-10T08:{:02}:00.000+0000", i + 1);
            json!({"LastName": format!("Later {i:02}"), "CreatedDate": t, "LastModifiedDate": t, "SystemModstamp": t})
        })
        .collect();
    expected.extend(s.emu.seed_many("Contact", later));
    expected.sort();

    let query = FeedQuery { since: Some("2025-06-01T00:00:00Z".into()), ..feed(40) };
    let first = s.plugin.changes(Module::Contacts, &query, None).await.unwrap();
    assert_eq!(first.changes.len(), 40);
    assert!(first.has_more);
    let c = &first.changes[0];
    assert_eq!(c.kind, ChangeKind::Created);
    let fields = &c.record.as_ref().expect("the record comes with the change").fields;
    assert!(fields.iter().any(|f| f.name == "LastName" && matches!(&f.value, Value::Text(t) if t.starts_with("Same"))), "{fields:?}");

    let (seen, cursor, pages) = drain(&s.plugin, Module::Contacts, &query, None).await;
    assert!(pages >= 4, "{pages} pages");
    assert_eq!(sorted_ids(&seen), expected, "every record once: none skipped at a shared timestamp, none twice");
    assert!(seen.iter().all(|(k, _)| *k == ChangeKind::Created));

    // Nothing new: an empty walk from the cursor.
    let (again, _, _) = drain(&s.plugin, Module::Contacts, &query, Some(cursor)).await;
    assert!(again.is_empty(), "{again:?}");
}

#[tokio::test]
async fn updates_and_deletions_after_the_cursor_show_up_in_the_next_walk() {
    let s = setup().await;
    let ids: Vec<String> = (0..30).map(|i| s.emu.seed("Account", json!({"Name": format!("Account {i:02}")}))).collect();
    let (first, cursor, _) = drain(&s.plugin, Module::Accounts, &feed(10), None).await;
    assert!(first.iter().all(|(k, _)| *k == ChangeKind::Created), "{first:?}");
    assert_eq!(sorted_ids(&first), {
        let mut ids = ids.clone();
        ids.sort();
        ids
    });

    s.emu.update("Account", &ids[7], json!({"Name": "Account 07 (renamed)"}));
    s.emu.delete("Account", &ids[8]);
    let (next, cursor, _) = drain(&s.plugin, Module::Accounts, &feed(10), Some(cursor)).await;
    assert_eq!(next, vec![(ChangeKind::Updated, ids[7].clone()), (ChangeKind::Deleted, ids[8].clone())]);

    // Writes through the plugin show up too; seen changes do not come again.
    s.plugin.upsert(Module::Accounts, &[with_id(&ids[3], &[("Industry", text("Retail"))])], &[]).await.unwrap()[0].as_ref().unwrap();
    s.plugin.delete(Module::Accounts, &[ids[4].clone()]).await.unwrap()[0].as_ref().unwrap();
    let (last, _, _) = drain(&s.plugin, Module::Accounts, &feed(10), Some(cursor)).await;
    assert_eq!(last, vec![(ChangeKind::Updated, ids[3].clone()), (ChangeKind::Deleted, ids[4].clone())]);
    assert!(s.emu.requests().iter().any(|r| r.path.ends_with("/queryAll")), "deletions come from queryAll");
}

#[tokio::test]
async fn a_list_view_limits_the_change_feed_to_its_records() {
    let s = setup().await;
    let gold: Vec<String> =
        (0..5).map(|i| s.emu.seed("Contact", json!({"LastName": format!("Gold {i}"), "Support_Tier__c": "Gold"}))).collect();
    for i in 0..7 {
        s.emu.seed("Contact", json!({"LastName": format!("Silver {i}"), "Support_Tier__c": "Silver"}));
    }
    s.emu.seed("Contact", json!({"LastName": "Untiered"}));
    let view = s.emu.add_list_view("Contact", "Gold Support Contacts", "Support_Tier__c = 'Gold'");
    let everything = s.emu.add_list_view("Contact", "All Contacts", "");

    let query = FeedQuery { list_views: vec![view.clone()], ..feed(2) };
    let (seen, _, _) = drain(&s.plugin, Module::Contacts, &query, None).await;
    let mut expected = gold.clone();
    expected.sort();
    assert_eq!(sorted_ids(&seen), expected);

    // A view without a condition selects every record.
    let query = FeedQuery { list_views: vec![view, everything], ..feed(50) };
    let (seen, _, _) = drain(&s.plugin, Module::Contacts, &query, None).await;
    assert_eq!(seen.len(), 13);

    // A filter narrows further.
    let query = FeedQuery { filters: vec![Field { name: "LastName".into(), label: None, value: text("Gold 3") }], ..feed(50) };
    let (seen, _, _) = drain(&s.plugin, Module::Contacts, &query, None).await;
    assert_eq!(seen, vec![(ChangeKind::Created, gold[3].clone())]);
}

// ---- upsert and delete ----

#[tokio::test]
async fn upsert_creates_updates_and_matches_by_the_duplicate_check_field() {
    let s = setup().await;
    let grace = s.emu.seed("Contact", json!({"LastName": "Hopper", "Email": "grace@cobol.example"}));
    let outcomes = s
        .plugin
        .upsert(
            Module::Contacts,
            &[
                record(&[("FirstName", text("Alan")), ("LastName", text("Turing")), ("Email", text("alan@bletchley.example"))]),
                with_id(&grace, &[("Title", text("Rear Admiral"))]),
                record(&[("LastName", text("Hopper")), ("Email", text("GRACE@cobol.example")), ("Department", text("Navy"))]),
                record(&[("LastName", text("Clarke")), ("Email", text("joan@bletchley.example"))]),
            ],
            &["Email".into()],
        )
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 4);
    let alan = outcomes[0].as_ref().expect("created");
    assert_eq!(alan.action, WriteAction::Created);
    let stored = s.emu.record("Contact", &alan.id).expect("in Salesforce");
    assert_eq!((stored["FirstName"].as_str(), stored["LastName"].as_str()), (Some("Alan"), Some("Turing")));
    assert!(alan.modified_time.is_some(), "the modification time is reported");

    let updated = outcomes[1].as_ref().expect("updated by id");
    assert_eq!((updated.id.as_str(), updated.action), (grace.as_str(), WriteAction::Updated));
    let matched = outcomes[2].as_ref().expect("matched by email");
    assert_eq!((matched.id.as_str(), matched.action), (grace.as_str(), WriteAction::Updated));
    let stored = s.emu.record("Contact", &grace).unwrap();
    assert_eq!((stored["Title"].as_str(), stored["Department"].as_str()), (Some("Rear Admiral"), Some("Navy")));
    let hoppers = s.emu.records("Contact").into_iter().filter(|r| r["LastName"] == "Hopper").count();
    assert_eq!(hoppers, 1, "not duplicated");
    assert_eq!(outcomes[3].as_ref().unwrap().action, WriteAction::Created);
    assert_eq!(s.emu.records("Contact").len(), 3);
}

#[tokio::test]
async fn a_batch_of_250_goes_in_several_composite_requests_with_outcomes_in_order() {
    let s = setup().await;
    let existing = s.emu.seed("Contact", json!({"LastName": "Existing"}));
    let mut batch: Vec<CrmRecord> = (0..250).map(|i| record(&[("LastName", text(&format!("Bulk {i:03}")))])).collect();
    batch[10] = record(&[("FirstName", text("Nameless"))]);
    batch[210] = record(&[("LastName", text(&"x".repeat(81)))]);
    batch[120] = with_id(&existing, &[("Title", text("Updated in bulk"))]);
    let outcomes = s.plugin.upsert(Module::Contacts, &batch, &[]).await.unwrap();
    assert_eq!(outcomes.len(), 250);
    for (i, o) in outcomes.iter().enumerate() {
        match i {
            10 => assert!(matches!(o, Err(ConnectorError::MandatoryMissing(f)) if f == &["LastName".to_string()]), "{o:?}"),
            210 => assert!(matches!(o, Err(ConnectorError::TypeMismatch(t)) if t.field == "LastName"), "{o:?}"),
            120 => {
                let w = o.as_ref().unwrap();
                assert_eq!((w.id.as_str(), w.action), (existing.as_str(), WriteAction::Updated));
            }
            _ => {
                let w = o.as_ref().unwrap_or_else(|e| panic!("record {i}: {e:?}"));
                assert_eq!(w.action, WriteAction::Created);
                let stored = s.emu.record("Contact", &w.id).unwrap();
                assert_eq!(stored["LastName"], format!("Bulk {i:03}"), "outcome {i} is record {i}'s");
            }
        }
    }
    assert_eq!(s.emu.record("Contact", &existing).unwrap()["Title"], "Updated in bulk");
    let composite = s.emu.requests().iter().filter(|r| r.method == "POST" && r.path.ends_with("/composite/sobjects")).count();
    assert_eq!(composite, 2, "at most 200 records per composite request");
    assert_eq!(s.emu.records("Contact").len(), 248);
}

#[tokio::test]
async fn every_salesforce_write_error_maps_to_the_contracts() {
    let s = setup().await;
    let gone = s.emu.seed("Contact", json!({"LastName": "Gone"}));
    s.emu.delete("Contact", &gone);
    let unknown = {
        // A well-formed Contact id that no record has: this org's next id, made unused.
        let id = s.emu.seed("Contact", json!({"LastName": "Temporary"}));
        let mut chars: Vec<char> = id.chars().collect();
        chars[14] = if chars[14] == 'Z' { 'Y' } else { 'Z' };
        chars.into_iter().collect::<String>()
    };
    assert!(s.emu.record("Contact", &unknown).is_none());
    let outcomes = s
        .plugin
        .upsert(
            Module::Contacts,
            &[
                record(&[("FirstName", text("Nameless"))]),
                record(&[("LastName", text(&"x".repeat(81)))]),
                with_id(&unknown, &[("Title", text("Ghost"))]),
                with_id(&gone, &[("Title", text("Ghost"))]),
                record(&[("LastName", text("Fine"))]),
            ],
            &[],
        )
        .await
        .unwrap();
    assert!(matches!(&outcomes[0], Err(ConnectorError::MandatoryMissing(f)) if f == &["LastName".to_string()]), "{:?}", outcomes[0]);
    match &outcomes[1] {
        Err(ConnectorError::TypeMismatch(t)) => {
            assert_eq!((t.field.as_str(), t.expected), ("LastName", FieldType::Text));
            assert!(t.message.contains("STRING_TOO_LONG"), "{}", t.message);
        }
        other => panic!("expected a type mismatch, got {other:?}"),
    }
    assert!(matches!(&outcomes[2], Err(ConnectorError::NotFound(_))), "unknown id: {:?}", outcomes[2]);
    assert!(matches!(&outcomes[3], Err(ConnectorError::NotFound(_))), "deleted id: {:?}", outcomes[3]);
    assert_eq!(outcomes[4].as_ref().unwrap().action, WriteAction::Created, "one bad record does not stop the others");

    // A value of the wrong type: Accounts have numbers.
    let outcomes =
        s.plugin.upsert(Module::Accounts, &[record(&[("Name", text("Typed")), ("NumberOfEmployees", text("many"))])], &[]).await.unwrap();
    match &outcomes[0] {
        Err(ConnectorError::TypeMismatch(t)) => {
            assert_eq!((t.field.as_str(), t.expected), ("NumberOfEmployees", FieldType::Integer));
            assert!(t.message.contains("INVALID_TYPE_ON_FIELD_IN_RECORD"), "{}", t.message);
        }
        other => panic!("expected a type mismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn a_duplicate_check_value_held_by_several_records_is_a_duplicate_with_an_existing_id() {
    // Salesforce's DUPLICATE_VALUE comes from unique fields; the emulator's
    // Contact and Account have none (External_Id__c is not unique), so the
    // duplicate a sync meets is the ambiguous match the plugin refuses.
    let s = setup().await;
    let first = s.emu.seed("Contact", json!({"LastName": "Twin", "Email": "twin@example.com"}));
    let second = s.emu.seed("Contact", json!({"LastName": "Twin", "Email": "twin@example.com"}));
    let outcomes = s
        .plugin
        .upsert(Module::Contacts, &[record(&[("LastName", text("Twin")), ("Email", text("twin@example.com"))])], &["Email".into()])
        .await
        .unwrap();
    match &outcomes[0] {
        Err(ConnectorError::Duplicate(d)) => {
            assert_eq!(d.field, "Email");
            let id = d.existing_id.as_deref().expect("an existing id");
            assert!(id == first || id == second, "{id}");
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
    assert_eq!(s.emu.records("Contact").len(), 2, "nothing written");
}

#[tokio::test]
async fn delete_reports_each_id() {
    let s = setup().await;
    let a = s.emu.seed("Contact", json!({"LastName": "A"}));
    let b = s.emu.seed("Contact", json!({"LastName": "B"}));
    let unknown = "003000000000000AAA".to_string();
    let outcomes = s.plugin.delete(Module::Contacts, &[a.clone(), unknown, "not an id".into(), b.clone()]).await.unwrap();
    assert_eq!(outcomes.len(), 4);
    assert!(outcomes[0].is_ok() && outcomes[3].is_ok(), "{outcomes:?}");
    assert!(matches!(&outcomes[1], Err(ConnectorError::NotFound(_))), "{:?}", outcomes[1]);
    assert!(matches!(&outcomes[2], Err(ConnectorError::NotFound(_))), "{:?}", outcomes[2]);
    assert!(s.emu.records("Contact").is_empty());
    assert_eq!(s.emu.record("Contact", &a).unwrap()["IsDeleted"], true, "in the recycle bin");
}

// ---- watch and notifications ----

type Received = Arc<tokio::sync::Mutex<Vec<(Vec<(String, String)>, Vec<u8>)>>>;

/// A receiver on loopback that keeps every POST's headers and body.
async fn receiver() -> (String, Received) {
    use axum::{extract::State, http::HeaderMap, routing::post, Router};
    let received: Received = Arc::default();
    let app = Router::new()
        .route(
            "/sf/notify",
            post(|State(r): State<Received>, headers: HeaderMap, body: axum::body::Bytes| async move {
                let headers = headers.iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string())).collect();
                r.lock().await.push((headers, body.to_vec()));
            }),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sf/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

/// The `n`th notification (from 0), within 10 s.
async fn nth(received: &Received, n: usize) -> Notification {
    let waiting = async {
        loop {
            if let Some((headers, body)) = received.lock().await.get(n).cloned() {
                break Notification { headers, body };
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), waiting).await.expect("Salesforce notified within 10 s")
}

#[tokio::test]
async fn watch_subscribes_and_change_events_parse_into_changes() {
    let (url, received) = receiver().await;
    let s = setup().await;
    s.plugin.watch(&[Module::Contacts, Module::Accounts], &url, "desk-token").await.unwrap();
    let subscriptions = s.emu.records("Deskpane_Subscription__c");
    assert_eq!(subscriptions.len(), 1);
    assert_eq!(subscriptions[0]["Callback_Url__c"], url.as_str());
    assert_eq!(subscriptions[0]["Token__c"], "desk-token");
    assert_eq!(subscriptions[0]["Objects__c"], "Contact;Account");
    // Watching again updates the subscription rather than adding one.
    s.plugin.watch(&[Module::Contacts], &url, "desk-token-2").await.unwrap();
    let subscriptions = s.emu.records("Deskpane_Subscription__c");
    assert_eq!(subscriptions.len(), 1);
    assert_eq!((subscriptions[0]["Token__c"].as_str(), subscriptions[0]["Objects__c"].as_str()), (Some("desk-token-2"), Some("Contact")));

    // A create through the plugin.
    let created = s.plugin.upsert(Module::Contacts, &[record(&[("LastName", text("Noticed"))])], &[]).await.unwrap();
    let id = created[0].as_ref().unwrap().id.clone();
    let event = nth(&received, 0).await;
    let notified = s.plugin.parse_notification(&event).await.unwrap();
    assert_eq!(notified.module, Module::Contacts);
    assert_eq!(notified.token.as_deref(), Some("desk-token-2"));
    assert_eq!(notified.changes.len(), 1);
    assert_eq!((notified.changes[0].kind, notified.changes[0].id.as_str()), (ChangeKind::Created, id.as_str()));
    assert!(notified.changes[0].changed_time.is_some());

    // A mass update through the plugin: one event naming both.
    let other = s.emu.seed("Contact", json!({"LastName": "Also"}));
    nth(&received, 1).await;
    s.plugin
        .upsert(Module::Contacts, &[with_id(&id, &[("Title", text("A"))]), with_id(&other, &[("Title", text("B"))])], &[])
        .await
        .unwrap();
    let notified = s.plugin.parse_notification(&nth(&received, 2).await).await.unwrap();
    let mut changes: Vec<_> = notified.changes.iter().map(|c| (c.kind, c.id.clone())).collect();
    changes.sort_by(|a, b| a.1.cmp(&b.1));
    let mut expected = vec![(ChangeKind::Updated, id.clone()), (ChangeKind::Updated, other.clone())];
    expected.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(changes, expected);

    // A deletion by a person in Salesforce.
    s.emu.delete("Contact", &other);
    let notified = s.plugin.parse_notification(&nth(&received, 3).await).await.unwrap();
    assert_eq!(notified.changes.iter().map(|c| (c.kind, c.id.as_str())).collect::<Vec<_>>(), [(ChangeKind::Deleted, other.as_str())]);

    // Accounts are no longer watched.
    s.emu.seed("Account", json!({"Name": "Unwatched"}));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(received.lock().await.len(), 4, "only watched objects notify");
}

#[tokio::test]
async fn a_garbage_notification_is_refused_with_an_error() {
    let s = setup().await;
    for body in [&b"garbage"[..], b"{}", b"[1,2,3]", br#"{"payload":{"ChangeEventHeader":{"entityName":"Contact"}}}"#] {
        let err = s.plugin.parse_notification(&Notification { headers: vec![], body: body.to_vec() }).await.unwrap_err();
        assert!(matches!(err.connector_error(), Some(ConnectorError::Permanent(_))), "{}: {err}", String::from_utf8_lossy(body));
    }
}

// ---- actions ----

#[tokio::test]
async fn create_lead_and_create_task_land_in_salesforce() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let lead = s
        .plugin
        .perform(&ActionRequest {
            kind: ActionKind::CreateLead,
            fields: fields(&[
                ("FirstName", text("Marco")),
                ("LastName", text("Bellini")),
                ("Company", text("Brightwave")),
                ("Email", text("marco.bellini@brightwave.example")),
            ]),
            related_to: None,
            owner_email: None,
        })
        .await
        .unwrap();
    assert_eq!((lead.module, lead.name.as_deref()), (Module::Leads, Some("Marco Bellini")));
    let stored = s.emu.record("Lead", &lead.id).expect("the lead is in Salesforce");
    assert_eq!(stored["Company"], "Brightwave");
    assert_eq!(stored["Email"], "marco.bellini@brightwave.example");
    assert_eq!(stored["OwnerId"], s.emu.api_user_id().as_str(), "the connecting user owns it");

    let task = s
        .plugin
        .perform(&ActionRequest {
            kind: ActionKind::CreateTask,
            fields: fields(&[("Subject", text("Follow up chat")), ("ActivityDate", Value::Date("2026-12-01".into()))]),
            related_to: Some(contact_ref(&ada.contact)),
            owner_email: Some("aisha@desk.example".into()),
        })
        .await
        .unwrap();
    assert_eq!((task.module, task.name.as_deref()), (Module::Tasks, Some("Follow up chat")));
    let stored = s.emu.record("Task", &task.id).expect("the task is in Salesforce");
    assert_eq!(stored["WhoId"], ada.contact.as_str());
    assert_eq!(stored["Subject"], "Follow up chat");
    assert_eq!(stored["ActivityDate"], "2026-12-01");
    assert_eq!(stored["OwnerId"], ada.owner.as_str(), "owned by the agent's Salesforce user");

    let err = s
        .plugin
        .perform(&ActionRequest { kind: ActionKind::CreateLead, fields: vec![], related_to: None, owner_email: None })
        .await
        .unwrap_err();
    assert!(matches!(err.connector_error(), Some(ConnectorError::MandatoryMissing(f)) if f.contains(&"LastName".to_string())), "{err}");
}

fn matching(name: &str, value: &str) -> Field {
    Field { name: name.into(), label: None, value: text(value) }
}

/// `find` (contract 0.3.0) searches one object by field values with SOQL:
/// a lead is found among leads only, every field must match, quotes in a
/// value are escaped, and an unknown field is refused, not sent.
#[tokio::test]
async fn find_searches_one_object_by_every_given_field() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let lead = s.emu.seed("Lead", json!({"LastName": "Lovelace", "Email": "ada@analytical.example", "Company": "Engines"}));
    let contacts = s.plugin.find(Module::Contacts, &[matching("Email", "ADA@analytical.example")], 5).await.unwrap();
    assert_eq!(contacts.iter().map(|r| r.id.clone().unwrap()).collect::<Vec<_>>(), [ada.contact]);
    let leads = s.plugin.find(Module::Leads, &[matching("Email", "ada@analytical.example")], 5).await.unwrap();
    assert_eq!(leads.iter().map(|r| r.id.clone().unwrap()).collect::<Vec<_>>(), [lead]);
    let both = [matching("Email", "ada@analytical.example"), matching("LastName", "Babbage")];
    assert!(s.plugin.find(Module::Contacts, &both, 5).await.unwrap().is_empty(), "every field must match");
    assert!(s.plugin.find(Module::Contacts, &[matching("Email", "x' OR Email != '")], 5).await.unwrap().is_empty(), "quotes escaped");
    let err = s.plugin.find(Module::Contacts, &[matching("Shoe_Size__c", "9")], 5).await.unwrap_err();
    assert!(err.to_string().contains("no field `Shoe_Size__c`"), "{err}");
}

/// A unique field (the org's `Badge_Number__c`) held by another contact:
/// Salesforce answers DUPLICATE_VALUE and the plugin reports a duplicate
/// naming the field and the record that holds the value.
#[tokio::test]
async fn a_value_a_unique_field_already_holds_is_a_duplicate_naming_the_holder() {
    let s = setup().await;
    let holder = s.emu.seed("Contact", json!({"LastName": "Holder", "Badge_Number__c": "B-1001"}));
    let outcomes = s
        .plugin
        .upsert(Module::Contacts, &[record(&[("LastName", text("Newcomer")), ("Badge_Number__c", text("B-1001"))])], &[])
        .await
        .unwrap();
    match &outcomes[0] {
        Err(ConnectorError::Duplicate(d)) => {
            assert_eq!((d.field.as_str(), d.existing_id.as_deref()), ("Badge_Number__c", Some(holder.as_str())), "{d:?}")
        }
        other => panic!("a duplicate, not {other:?}"),
    }
    assert_eq!(s.emu.records("Contact").len(), 1, "nothing created");
}

/// `profile-of` (contract 0.4.0) reads a contact, lead or account by Id
/// with SOQL, as the lookup shows it, with the match key `linked`; an Id
/// Salesforce does not have is `None`.
#[tokio::test]
async fn the_profile_of_a_linked_record_is_read_by_id() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let profile = s.plugin.profile_of(&contact_ref(&ada.contact)).await.unwrap().expect("Ada is there");
    assert_eq!((profile.display_name.as_str(), profile.match_key), ("Ada Lovelace", MatchKey::Linked));
    assert_eq!(profile.account.and_then(|a| a.name).as_deref(), Some("Analytical Engines Ltd"));
    let account = s.plugin.profile_of(&account_ref(&ada.account)).await.unwrap().expect("the account");
    assert_eq!(account.display_name, "Analytical Engines Ltd");
    let missing = contact_ref(&format!("003{}", "0".repeat(12)));
    assert_eq!(s.plugin.profile_of(&missing).await.unwrap(), None, "an Id Salesforce does not have");
}

/// `create-note` (contract 0.4.0) creates a Note under the record, its
/// Title the start of the body when none was given.
#[tokio::test]
async fn a_note_is_added_under_the_record() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let note = s
        .plugin
        .perform(&ActionRequest {
            kind: ActionKind::CreateNote,
            fields: fields(&[("Body", text("Wants the invoice resent.\nBy Friday."))]),
            related_to: Some(contact_ref(&ada.contact)),
            owner_email: Some("aisha@desk.example".into()),
        })
        .await
        .unwrap();
    assert_eq!(note.module, Module::Notes);
    let notes = s.plugin.notes(&contact_ref(&ada.contact)).await.unwrap();
    let added = notes.iter().find(|n| n.record.id == note.id).expect("shown in the contact's notes");
    assert_eq!(
        (added.title.as_deref(), added.content.as_str()),
        (Some("Wants the invoice resent."), "Wants the invoice resent.\nBy Friday.")
    );
}

/// A call as the host asks the plugin to log it from the sidebar: the
/// fields named by the manifest's `[field-mappings.calls]`.
fn call_request(direction: &str, duration: Option<i64>, of: RecordRef, owner_email: Option<&str>) -> ActionRequest {
    let mut pairs = vec![
        ("Subject", text("Invoice question")),
        ("CallType", text(direction)),
        ("ActivityDate", Value::Datetime("2026-11-21T09:30:00Z".into())),
        ("Description", text("Resent the invoice.")),
    ];
    if let Some(seconds) = duration {
        pairs.push(("CallDurationInSeconds", Value::Integer(seconds)));
    }
    ActionRequest { kind: ActionKind::LogCall, fields: fields(&pairs), related_to: Some(of), owner_email: owner_email.map(str::to_string) }
}

/// `log-call` (contract 0.4.0) creates a completed Task of subtype Call on
/// the contact or lead (`WhoId`), the direction as `CallType`, the
/// duration in seconds, the call's date as `ActivityDate`; it answers the
/// created record as a call, which the calls then show.
#[tokio::test]
async fn a_call_is_logged_as_a_completed_task_of_subtype_call() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let logged =
        s.plugin.perform(&call_request("outbound", Some(300), contact_ref(&ada.contact), Some("aisha@desk.example"))).await.unwrap();
    assert_eq!((logged.module, logged.name.as_deref()), (Module::Calls, Some("Invoice question")));
    assert!(logged.id.starts_with("00T"), "a Task: {}", logged.id);
    let stored = s.emu.record("Task", &logged.id).expect("the call is in Salesforce");
    for (field, expected) in [
        ("TaskSubtype", json!("Call")),
        ("Status", json!("Completed")),
        ("Subject", json!("Invoice question")),
        ("CallType", json!("Outbound")),
        ("CallDurationInSeconds", json!(300)),
        ("CallDisposition", json!(null)),
        ("ActivityDate", json!("2026-11-21")),
        ("Description", json!("Resent the invoice.")),
        ("WhoId", json!(ada.contact)),
        ("OwnerId", json!(ada.owner)),
    ] {
        assert_eq!(stored[field], expected, "{field}: {stored}");
    }
    let calls = s.plugin.activities(&contact_ref(&ada.contact), &[ActivityKind::Call]).await.unwrap();
    assert_eq!(
        calls.iter().map(|c| (c.record.id.as_str(), c.status.as_deref())).collect::<Vec<_>>(),
        [(logged.id.as_str(), Some("Outbound"))]
    );
    let tasks = s.plugin.activities(&contact_ref(&ada.contact), &[ActivityKind::Task]).await.unwrap();
    assert!(tasks.iter().all(|t| t.record.id != logged.id), "a call is not shown as a task too");

    // A missed call: inbound, its result "Missed", no duration. On a lead too.
    let lead = s.emu.seed("Lead", json!({"LastName": "Bellini", "Company": "Brightwave"}));
    let missed = s
        .plugin
        .perform(&call_request("missed", None, RecordRef { module: Module::Leads, id: lead.clone(), name: None }, None))
        .await
        .unwrap();
    let stored = s.emu.record("Task", &missed.id).unwrap();
    assert_eq!(
        (&stored["CallType"], &stored["CallDisposition"], &stored["CallDurationInSeconds"], &stored["WhoId"]),
        (&json!("Inbound"), &json!("Missed"), &json!(null), &json!(lead))
    );
    assert_eq!(stored["OwnerId"], s.emu.api_user_id().as_str(), "the connecting user owns it");
    // On an account, the call is what it is about (`WhatId`).
    let about = s.plugin.perform(&call_request("inbound", Some(60), account_ref(&ada.account), None)).await.unwrap();
    let stored = s.emu.record("Task", &about.id).unwrap();
    assert_eq!((&stored["WhatId"], &stored["WhoId"], &stored["CallType"]), (&json!(ada.account), &json!(null), &json!("Inbound")));
}

/// A call type Salesforce does not have is refused by Salesforce (a
/// restricted picklist) and reported as a type mismatch naming `CallType`
/// and the value; nothing is written.
#[tokio::test]
async fn a_call_type_salesforce_does_not_have_is_refused_as_a_type_mismatch() {
    let s = setup().await;
    let ada = seed_ada(&s.emu);
    let before = s.emu.records("Task").len();
    let err = s.plugin.perform(&call_request("sideways", Some(30), contact_ref(&ada.contact), None)).await.unwrap_err();
    match err.connector_error() {
        Some(ConnectorError::TypeMismatch(t)) => {
            assert_eq!(t.field, "CallType");
            assert_eq!(t.expected, FieldType::Picklist);
            assert_eq!(t.message, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Call Type: bad value for restricted picklist field: sideways");
        }
        other => panic!("a type mismatch, not {other:?}: {err}"),
    }
    assert_eq!(s.emu.records("Task").len(), before, "nothing written");
}

// ---- from the sidebar, through the desk's API ----

async fn api(request: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

/// The demo desk with Salesforce: an agent on Priya Raman's ticket (she
/// lives in Salesforce) logs calls from the Salesforce panel, as the
/// sidebar's Log call sends them. Each lands in Salesforce as a completed
/// Task of subtype Call on her contact, and the panel's activities show it
/// as a call; a direction the sidebar does not have is refused, naming the
/// ones it has, before Salesforce is asked.
#[tokio::test(flavor = "multi_thread")]
async fn a_call_logged_from_the_sidebar_lands_in_salesforce_as_a_task_of_subtype_call() {
    let s = deskpane_tests::DeskServer::with_salesforce().await;
    let sf = s.salesforce.as_ref().expect("the Salesforce emulator");
    let agent = s.agent().await;
    let (_, list) = api(agent.get(s.api("ticket-list"))).await;
    let ticket = list["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["email"] == "priya.raman@northwind-traders.example")
        .expect("the demo has a ticket from Priya Raman")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = |what: &str| s.api(&format!("tickets/{ticket}/panels/salesforce/{what}"));
    let (_, panels) = api(agent.get(s.api(&format!("tickets/{ticket}/panels")))).await;
    let panel = panels["panels"].as_array().unwrap().iter().find(|p| p["plugin"] == "salesforce").expect("the Salesforce panel").clone();
    assert!(panel["actions"].as_array().unwrap().contains(&json!("call")), "the panel offers Log call: {panel}");
    let (_, profile) = api(agent.get(url("profile"))).await;
    let priya = profile["profile"]["id"].as_str().expect("Priya is found in Salesforce").to_string();
    let tasks_before = sf.records("Task").len();

    let call = json!({"subject": "Invoice question", "direction": "outbound", "duration_seconds": 300,
        "description": "Resent the invoice.", "start_time": "2026-11-21T09:30:00Z"});
    let (status, logged) = api(agent.post(url("actions/call")).json(&call)).await;
    assert_eq!(status, 201, "{logged}");
    assert_eq!((logged["module"].as_str(), logged["name"].as_str()), (Some("calls"), Some("Invoice question")), "{logged}");
    let stored = sf.record("Task", logged["id"].as_str().unwrap()).expect("the call is a Task in Salesforce");
    for (field, expected) in [
        ("TaskSubtype", json!("Call")),
        ("Status", json!("Completed")),
        ("Subject", json!("Invoice question")),
        ("CallType", json!("Outbound")),
        ("CallDurationInSeconds", json!(300)),
        ("ActivityDate", json!("2026-11-21")),
        ("Description", json!("Resent the invoice.")),
        ("WhoId", json!(priya)),
    ] {
        assert_eq!(stored[field], expected, "{field}: {stored}");
    }
    // No Salesforce user has the agent's email: the connecting user owns it.
    assert_eq!(stored["OwnerId"], sf.api_user_id().as_str());
    let (_, activities) = api(agent.get(url("activities"))).await;
    let shown = activities["activities"].as_array().unwrap().iter().find(|a| a["id"] == logged["id"]).cloned();
    let shown = shown.unwrap_or_else(|| panic!("the panel shows the call at once: {activities}"));
    assert_eq!(
        (shown["kind"].as_str(), shown["subject"].as_str(), shown["status"].as_str()),
        (Some("call"), Some("Invoice question"), Some("Outbound"))
    );

    // A missed call, with no time given: logged today, inbound, its result "Missed".
    let (status, missed) =
        api(agent.post(url("actions/call")).json(&json!({"subject": "Tried to call back", "direction": "missed"}))).await;
    assert_eq!(status, 201, "{missed}");
    let stored = sf.record("Task", missed["id"].as_str().unwrap()).unwrap();
    assert_eq!(
        (&stored["TaskSubtype"], &stored["CallType"], &stored["CallDisposition"], &stored["CallDurationInSeconds"]),
        (&json!("Call"), &json!("Inbound"), &json!("Missed"), &json!(null))
    );
    let today = chrono::Utc::now().date_naive().to_string();
    assert!(stored["ActivityDate"].as_str().is_some_and(|d| d.len() == 10 && d <= today.as_str()), "{}", stored["ActivityDate"]);
    assert_eq!(sf.records("Task").len(), tasks_before + 2);

    // A call type the sidebar does not have: refused, saying which it has.
    let (status, refused) = api(agent.post(url("actions/call")).json(&json!({"subject": "x", "direction": "sideways"}))).await;
    assert_eq!(status, 422, "{refused}");
    let message = refused["error"].as_str().unwrap_or_default();
    assert!(message.contains("unknown variant `sideways`") && message.contains("`outbound`, `inbound`, `missed`"), "{refused}");
    assert_eq!(sf.records("Task").len(), tasks_before + 2, "nothing written");
}
