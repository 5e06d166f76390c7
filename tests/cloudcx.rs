//! The CloudCX plugin against the CloudCX emulator, through the real host:
//! real component, real sandbox, the API key injected by the host, real
//! HTTP on loopback, real signed webhook deliveries.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use cloudcx_emulator::{CloudcxEmulator, EmulatorConfig, Sender};
use deskpane::contract::{
    ActionKind, ActionRequest, ActivityKind, ChangeKind, ChangePage, ConnectorError, CrmRecord, FeedQuery, Field, MatchKey, Module,
    Notification, RecordRef, Requester, Value,
};
use deskpane::credentials::{Secret, StaticCredentials};
use deskpane::runtime::CallError;
use deskpane::{Plugin, PluginSettings, Runtime};
use deskpane_tests::{plugin, runtime};
use serde_json::{json, Value as Json};

struct Setup {
    emu: CloudcxEmulator,
    plugin: Plugin,
    _runtime: Runtime,
}

/// An emulator, and the CloudCX plugin connected to it the way an admin
/// connects it: the tenant's API key, its API address, its loopback host granted.
async fn setup() -> Setup {
    let config = EmulatorConfig { retry_delay: Duration::from_millis(50), ..Default::default() };
    let emu = CloudcxEmulator::start(config).await.expect("emulator starts");
    let (plugin, runtime) = connect(&emu, &emu.api_key());
    Setup { emu, plugin, _runtime: runtime }
}

fn connect(emu: &CloudcxEmulator, key: &str) -> (Plugin, Runtime) {
    let runtime = runtime();
    let creds = StaticCredentials::new();
    creds.insert("cloudcx", "cloudcx", Secret { value: key.into(), api_base: None });
    let settings = PluginSettings {
        config: [("api-url".to_string(), emu.base_url())].into(),
        extra_hosts: vec![emu.base_url()],
        ..Default::default()
    };
    let plugin = runtime.load(&plugin("cloudcx"), &settings, Arc::new(creds)).expect("cloudcx plugin loads");
    (plugin, runtime)
}

fn requester(email: Option<&str>, phone: Option<&str>) -> Requester {
    Requester { email: email.map(Into::into), secondary_email: None, phone: phone.map(Into::into), name: None, account_name: None }
}

fn visitor_ref(id: &str) -> RecordRef {
    RecordRef { module: Module::Contacts, id: id.into(), name: None }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn field(name: &str, value: Value) -> Field {
    Field { name: name.into(), label: None, value }
}

/// A field's value in a record; `Null` when the record has no such field.
fn value<'a>(record: &'a CrmRecord, name: &str) -> &'a Value {
    record.fields.iter().find(|f| f.name == name).map(|f| &f.value).unwrap_or(&Value::Null)
}

fn connector_error(e: &CallError) -> ConnectorError {
    e.connector_error().cloned().unwrap_or_else(|| panic!("not a connector error: {e}"))
}

fn unsupported(result: Result<impl std::fmt::Debug, CallError>) -> String {
    match result.map_err(|e| connector_error(&e)) {
        Err(ConnectorError::Unsupported(m)) => m,
        other => panic!("expected unsupported, got {other:?}"),
    }
}

fn feed(page_size: u32, since: Option<&str>) -> FeedQuery {
    FeedQuery { list_views: vec![], since: since.map(Into::into), filters: vec![], page_size }
}

/// Seeds a visitor with a web chat and an inbox conversation, and an
/// offline message; answers the visitor's id and the three conversations,
/// newest first.
fn seed_ada(emu: &CloudcxEmulator) -> (String, [String; 3]) {
    let ada = emu.seed_visitor(json!({
        "name": "Ada Lovelace", "email": "ada@analytical.example", "phone": "+44 20 7946 0001", "company": "Analytical Engines",
        "custom_variables": {"plan": "Enterprise", "seats": 40}
    }));
    let chat = emu.seed_conversation(json!({
        "visitor_id": ada, "channel": "web_chat", "agent_email": "grace@desk.example", "wrap_up": "Resolved", "note": "Sent the guide",
        "custom_fields": {"topic": "billing"},
        "messages": [
            {"from": "visitor", "text": "My invoice is wrong.", "sent_at": "2026-11-20T10:00:00.000Z"},
            {"from": "agent", "text": "Let me check.\nOne moment."},
            {"from": "system", "text": "Chat ended by agent."}
        ],
        "attachments": [{"name": "invoice.pdf", "content_type": "application/pdf", "size": 2048}]
    }));
    let inbox = emu.seed_conversation(json!({
        "visitor_id": ada, "channel": "inbox", "agent_email": "billing@desk.example", "subject": "Refund request", "status": "open",
        "ended_at": null,
        "messages": [{"from": "visitor", "text": "Please refund the duplicate charge.", "sent_at": "2026-11-21T09:00:00.000Z"}]
    }));
    let offline = emu.seed_conversation(json!({
        "visitor_id": ada, "channel": "web_chat", "offline": true, "status": "ended",
        "messages": [{"from": "visitor", "text": "Call me back please.", "sent_at": "2026-11-22T23:00:00.000Z"}]
    }));
    (ada, [offline, inbox, chat])
}

// ---- lookup ----

#[tokio::test]
async fn lookup_finds_the_visitor_by_email_then_by_phone_digits() {
    let s = setup().await;
    let (ada, [latest, ..]) = seed_ada(&s.emu);

    let profile = s.plugin.lookup_requester(&requester(Some("ADA@Analytical.example"), None)).await.unwrap().expect("found");
    assert_eq!((profile.record.module, profile.record.id.as_str()), (Module::Contacts, ada.as_str()));
    assert_eq!(profile.match_key, MatchKey::Email);
    assert_eq!(profile.display_name, "Ada Lovelace");
    assert_eq!(profile.email.as_deref(), Some("ada@analytical.example"));
    assert_eq!(profile.phone.as_deref(), Some("+44 20 7946 0001"));
    let fields: Vec<(&str, &Value)> = profile.fields.iter().map(|f| (f.name.as_str(), &f.value)).collect();
    assert_eq!(fields, [("company", &text("Analytical Engines")), ("var.plan", &text("Enterprise")), ("var.seats", &Value::Integer(40))]);
    // The link is the visitor's latest conversation's page in the console.
    assert_eq!(profile.link, Some(format!("{}/app/conversations/{latest}", s.emu.base_url())));

    // The secondary email, when the first finds nobody.
    let who = Requester { secondary_email: Some("ada@analytical.example".into()), ..requester(Some("nobody@x.example"), None) };
    let profile = s.plugin.lookup_requester(&who).await.unwrap().expect("found by the secondary email");
    assert_eq!((profile.record.id.as_str(), profile.match_key), (ada.as_str(), MatchKey::SecondaryEmail));

    // The phone as the desk has it: CloudCX compares digits.
    let profile = s.plugin.lookup_requester(&requester(Some("nobody@x.example"), Some("+44 (20) 7946-0001"))).await.unwrap();
    let profile = profile.expect("found by phone");
    assert_eq!((profile.record.id.as_str(), profile.match_key), (ada.as_str(), MatchKey::Phone));

    // A visitor without conversations has no link.
    let bob = s.emu.seed_visitor(json!({"name": null, "email": "bob@x.example"}));
    let profile = s.plugin.lookup_requester(&requester(Some("bob@x.example"), None)).await.unwrap().expect("found");
    assert_eq!((profile.record.id.as_str(), profile.display_name.as_str(), profile.link), (bob.as_str(), "bob@x.example", None));
}

#[tokio::test]
async fn a_miss_is_none_and_a_name_alone_asks_nothing() {
    let s = setup().await;
    seed_ada(&s.emu);
    assert!(s.plugin.lookup_requester(&requester(Some("nobody@x.example"), Some("+1 555 0100"))).await.unwrap().is_none());
    // A phone without digits is not sent (CloudCX refuses it).
    assert!(s.plugin.lookup_requester(&requester(None, Some("n/a"))).await.unwrap().is_none());
    let before = s.emu.requests().len();
    let by_name = Requester { name: Some("Ada Lovelace".into()), account_name: Some("Analytical Engines".into()), ..requester(None, None) };
    assert!(s.plugin.lookup_requester(&by_name).await.unwrap().is_none(), "CloudCX has no name search");
    assert_eq!(s.emu.requests().len(), before, "nothing asked");
    assert!(s.emu.requests().iter().all(|r| r.status == 200), "{:?}", s.emu.requests());
}

#[tokio::test]
async fn a_refused_key_is_permanent_and_throttling_is_rate_limited() {
    let s = setup().await;
    seed_ada(&s.emu);
    let (wrong, _rt) = connect(&s.emu, "cx_live_not_a_key");
    let err = connector_error(&wrong.lookup_requester(&requester(Some("ada@analytical.example"), None)).await.unwrap_err());
    assert_eq!(err, ConnectorError::Permanent("CloudCX refused the API key; an admin must enter a valid one".into()));

    // A lookup takes two requests (visitor, conversations); one a minute is allowed.
    s.emu.set_rate_limit(Some(1));
    let err = connector_error(&s.plugin.lookup_requester(&requester(Some("ada@analytical.example"), None)).await.unwrap_err());
    assert!(matches!(err, ConnectorError::RateLimited(secs) if (1..=60).contains(&secs)), "{err:?}");
}

// ---- activities ----

#[tokio::test]
async fn chats_are_activities_with_transcripts_and_links_newest_first() {
    let s = setup().await;
    let (ada, [offline, inbox, chat]) = seed_ada(&s.emu);
    let got = s.plugin.activities(&visitor_ref(&ada), &[ActivityKind::Chat]).await.unwrap();
    let ids: Vec<&str> = got.iter().map(|a| a.record.id.as_str()).collect();
    assert_eq!(ids, [offline.as_str(), inbox.as_str(), chat.as_str()]);
    assert!(got.iter().all(|a| a.kind == ActivityKind::Chat && a.record.module == Module::Chats));

    let [o, i, c] = [&got[0], &got[1], &got[2]];
    assert_eq!((o.subject.as_str(), o.status.as_deref(), o.owner.as_deref()), ("Offline message", Some("ended"), None));
    assert_eq!(o.description.as_deref(), Some("Visitor: Call me back please."));
    assert_eq!((i.subject.as_str(), i.status.as_deref(), i.end_time.as_deref()), ("Refund request", Some("open"), None));
    assert_eq!(i.owner.as_deref(), Some("billing@desk.example"));
    assert_eq!((c.subject.as_str(), c.status.as_deref(), c.owner.as_deref()), ("Web chat", Some("ended"), Some("grace@desk.example")));
    assert_eq!(c.start_time.as_deref(), Some("2026-11-20T10:00:00.000Z"));
    assert!(c.end_time.as_deref().is_some_and(|t| t > "2026-11-20T10:00:00.000Z"), "{:?}", c.end_time);
    assert_eq!(
        c.description.as_deref(),
        Some("Visitor: My invoice is wrong.\nAgent: Let me check.\n  One moment.\nSystem: Chat ended by agent.")
    );
    assert_eq!(c.link, Some(format!("{}/app/conversations/{chat}", s.emu.base_url())));
    // The link works: the emulator's console page.
    let page = reqwest::get(c.link.as_deref().unwrap()).await.unwrap();
    assert_eq!(page.status(), 200);

    // Other kinds: nothing, and nothing asked.
    let before = s.emu.requests().len();
    assert!(s.plugin.activities(&visitor_ref(&ada), &[ActivityKind::Call, ActivityKind::Task]).await.unwrap().is_empty());
    assert_eq!(s.emu.requests().len(), before);
    // CloudCX has no potentials or notes: empty, not an error.
    assert!(s.plugin.potentials(&visitor_ref(&ada)).await.unwrap().is_empty());
    assert!(s.plugin.notes(&visitor_ref(&ada)).await.unwrap().is_empty());
    // An unknown visitor has no conversations; an id that is not CloudCX's is not found.
    assert!(s.plugin.activities(&visitor_ref("vis_0000000000000000"), &[ActivityKind::Chat]).await.unwrap().is_empty());
    let err = connector_error(&s.plugin.activities(&visitor_ref("vis_1/../../x"), &[ActivityKind::Chat]).await.unwrap_err());
    assert!(matches!(err, ConnectorError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn every_page_of_a_visitors_conversations_is_followed() {
    let s = setup().await;
    let visitor = s.emu.seed_visitor(json!({"name": "Busy Visitor", "email": "busy@x.example"}));
    for i in 0..210 {
        s.emu.seed_conversation(json!({
            "visitor_id": visitor,
            "messages": [{"from": "visitor", "text": format!("question {i}"), "sent_at": format!("2026-10-01T00:{:02}:{:02}.000Z", i / 60, i % 60)}]
        }));
    }
    let got = s.plugin.activities(&visitor_ref(&visitor), &[ActivityKind::Chat]).await.unwrap();
    assert_eq!(got.len(), 210);
    let distinct: std::collections::HashSet<_> = got.iter().map(|a| &a.record.id).collect();
    assert_eq!(distinct.len(), 210);
    assert!(got.windows(2).all(|w| w[0].start_time >= w[1].start_time), "newest first");
    assert_eq!(got[0].description.as_deref(), Some("Visitor: question 209"));
    // The newest 50 are read in full for their transcripts; the rest are listed.
    assert_eq!(got.iter().filter(|a| a.description.is_some()).count(), 50);
    let lists: Vec<_> = s.emu.requests().into_iter().filter(|r| r.path == "/api/v1/conversations").collect();
    assert_eq!(lists.len(), 2, "two pages of 200: {lists:?}");
    assert!(lists[1].query.contains("cursor="), "{:?}", lists[1]);
}

// ---- find ----

#[tokio::test]
async fn find_matches_visitors_by_email_and_phone() {
    let s = setup().await;
    let (ada, _) = seed_ada(&s.emu);
    let found = s.plugin.find(Module::Contacts, &[field("email", text("Ada@analytical.example"))], 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id.as_deref(), Some(ada.as_str()));
    assert_eq!(value(&found[0], "name"), &text("Ada Lovelace"));
    assert_eq!(value(&found[0], "var.plan"), &text("Enterprise"));
    let both = [field("email", text("ada@analytical.example")), field("phone", text("0044 20 7946 0001"))];
    assert!(s.plugin.find(Module::Contacts, &both, 10).await.unwrap().is_empty(), "digits differ: 0044 is not +44");
    let both = [field("email", text("ada@analytical.example")), field("phone", text("+44 20 7946 0001"))];
    assert_eq!(s.plugin.find(Module::Contacts, &both, 10).await.unwrap().len(), 1);
    // Most recently changed first, at most `limit`.
    let first = s.emu.seed_visitor(json!({"email": "twin@x.example", "updated_at": "2026-01-01T00:00:00Z"}));
    let second = s.emu.seed_visitor(json!({"email": "twin@x.example", "updated_at": "2026-02-01T00:00:00Z"}));
    let twins = s.plugin.find(Module::Contacts, &[field("email", text("twin@x.example"))], 10).await.unwrap();
    assert_eq!(twins.iter().map(|r| r.id.clone().unwrap()).collect::<Vec<_>>(), [second.clone(), first]);
    assert_eq!(s.plugin.find(Module::Contacts, &[field("email", text("twin@x.example"))], 1).await.unwrap().len(), 1);

    assert!(unsupported(s.plugin.find(Module::Contacts, &[field("name", text("Ada Lovelace"))], 10).await).contains("email and phone"));
    assert!(unsupported(s.plugin.find(Module::Accounts, &[field("email", text("ada@analytical.example"))], 10).await).contains("Accounts"));
    let err = connector_error(&s.plugin.find(Module::Contacts, &[], 10).await.unwrap_err());
    assert!(matches!(err, ConnectorError::Permanent(_)), "{err:?}");
}

// ---- change feed ----

async fn all_pages(plugin: &Plugin, query: &FeedQuery, mut cursor: Option<String>) -> (Vec<ChangePage>, String) {
    let mut pages = Vec::new();
    loop {
        let page = plugin.changes(Module::Chats, query, cursor.as_deref()).await.unwrap();
        cursor = Some(page.next_cursor.clone());
        let more = page.has_more;
        pages.push(page);
        if !more {
            return (pages, cursor.unwrap());
        }
        assert!(pages.len() < 100, "the feed never ends");
    }
}

#[tokio::test]
async fn the_change_feed_pages_conversations_since_a_time_and_resumes_from_its_cursor() {
    let s = setup().await;
    let visitor = s.emu.seed_visitor(json!({"name": "Feed Visitor", "email": "feed@x.example"}));
    // 120 conversations, updated a minute apart from 08:00; four more share
    // 10:00. (In 2024: whatever the clock says, chats started now come later.)
    let mut ids = Vec::new();
    for i in 0..120 {
        let at = format!("2024-11-21T{:02}:{:02}:00.000Z", 8 + i / 60, i % 60);
        ids.push(s.emu.seed_conversation(json!({
            "visitor_id": visitor, "agent_email": "agent@desk.example", "custom_fields": {"n": i},
            "messages": [{"from": "visitor", "text": format!("hello {i}"), "sent_at": at}], "ended_at": at, "updated_at": at
        })));
    }
    for _ in 0..4 {
        ids.push(s.emu.seed_conversation(json!({
            "visitor_id": visitor, "messages": [{"from": "visitor", "text": "tie", "sent_at": "2024-11-21T09:59:00.000Z"}],
            "updated_at": "2024-11-21T10:00:00.000Z"
        })));
    }

    // Since 09:00 (another offset, inclusive): the last 60 and the four ties, 50 a page.
    let query = feed(50, Some("2024-11-21T10:00:00+01:00"));
    let (pages, cursor) = all_pages(&s.plugin, &query, None).await;
    assert_eq!(pages.iter().map(|p| p.changes.len()).collect::<Vec<_>>(), [50, 14]);
    let got: Vec<&str> = pages.iter().flat_map(|p| &p.changes).map(|c| c.id.as_str()).collect();
    let want: Vec<&str> = ids[60..].iter().map(String::as_str).collect();
    assert_eq!(got.len(), want.len());
    let mut sorted = got.clone();
    sorted.sort_unstable();
    let mut want_sorted = want.clone();
    want_sorted.sort_unstable();
    assert_eq!(sorted, want_sorted);

    // Each change is the whole conversation: the transcript, custom fields, times.
    let first = &pages[0].changes[0];
    // Not changed since it was created.
    assert_eq!((first.id.as_str(), first.kind), (ids[60].as_str(), ChangeKind::Created));
    assert_eq!(first.changed_time.as_deref(), Some("2024-11-21T09:00:00.000Z"));
    let record = first.record.as_ref().expect("the record");
    assert_eq!(record.id.as_deref(), Some(ids[60].as_str()));
    assert_eq!(value(record, "transcript"), &text("Visitor: hello 60"));
    assert_eq!(value(record, "cf.n"), &Value::Integer(60));
    assert_eq!(value(record, "channel"), &text("web_chat"));
    assert_eq!(value(record, "visitor_id"), &text(&visitor));
    assert_eq!(value(record, "agent_email"), &text("agent@desk.example"));
    assert_eq!(value(record, "offline"), &Value::Boolean(false));
    assert_eq!(value(record, "url"), &text(&format!("{}/app/conversations/{}", s.emu.base_url(), ids[60])));
    assert_eq!(value(record, "ended_at"), &Value::Datetime("2024-11-21T09:00:00.000Z".into()));

    // Nothing new: an empty page, and the ties at 10:00 are not given again.
    let again = s.plugin.changes(Module::Chats, &query, Some(&cursor)).await.unwrap();
    assert!(again.changes.is_empty() && !again.has_more, "{again:?}");

    // A chat that starts, and one that ends: only they come.
    let chat = s.emu.start_chat(&visitor, "agent@desk.example", "Is anyone there?");
    s.emu.post_message(&chat, Sender::Agent, "Yes, hello!");
    let (pages, cursor) = all_pages(&s.plugin, &query, Some(again.next_cursor)).await;
    let changes: Vec<_> = pages.iter().flat_map(|p| &p.changes).collect();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].id, chat);
    let record = changes[0].record.as_ref().unwrap();
    assert_eq!(value(record, "transcript"), &text("Visitor: Is anyone there?\nAgent: Yes, hello!"));
    assert_eq!(value(record, "status"), &text("open"));
    s.emu.end_chat(&chat, Some("Greeted"), Some("Resolved"));
    let (pages, _) = all_pages(&s.plugin, &query, Some(cursor)).await;
    let changes: Vec<_> = pages.iter().flat_map(|p| &p.changes).collect();
    assert_eq!(changes.iter().map(|c| (c.id.as_str(), c.kind)).collect::<Vec<_>>(), [(chat.as_str(), ChangeKind::Updated)]);
    let record = changes[0].record.as_ref().unwrap();
    assert_eq!((value(record, "status"), value(record, "wrap_up")), (&text("ended"), &text("Resolved")));

    // From the start, without `since`: everything, 125 conversations.
    let (pages, _) = all_pages(&s.plugin, &feed(200, None), None).await;
    assert_eq!(pages.iter().map(|p| p.changes.len()).sum::<usize>(), 125, "pages capped at 50");

    // Filters: channel by CloudCX, other fields here.
    s.emu.seed_conversation(json!({"visitor_id": visitor, "channel": "inbox", "subject": "Inbox one"}));
    let inbox = FeedQuery { filters: vec![field("channel", text("inbox"))], ..feed(50, None) };
    let (pages, _) = all_pages(&s.plugin, &inbox, None).await;
    let subjects: Vec<_> = pages.iter().flat_map(|p| &p.changes).map(|c| value(c.record.as_ref().unwrap(), "subject").clone()).collect();
    assert_eq!(subjects, [text("Inbox one")]);
    let resolved = FeedQuery { filters: vec![field("wrap_up", text("resolved"))], ..feed(50, None) };
    let (pages, _) = all_pages(&s.plugin, &resolved, None).await;
    assert_eq!(pages.iter().flat_map(|p| &p.changes).map(|c| c.id.as_str()).collect::<Vec<_>>(), [chat.as_str()]);

    // A cursor the plugin did not write is refused.
    let err = connector_error(&s.plugin.changes(Module::Chats, &query, Some("garbage")).await.unwrap_err());
    assert!(matches!(err, ConnectorError::Permanent(_)), "{err:?}");
}

#[tokio::test]
async fn a_chat_ended_in_the_millisecond_the_feed_last_saw_it_is_given_again() {
    let s = setup().await;
    let visitor = s.emu.seed_visitor(json!({"name": "Same Millisecond", "email": "same-ms@x.example"}));
    // CloudCX moves `updated_at` to max(now, updated_at): a chat last
    // changed in the future is ended without its time moving, as a chat
    // ended in the very millisecond of its last message is.
    let at = "2099-01-01T00:00:00.000Z";
    let chat = s.emu.seed_conversation(json!({
        "visitor_id": visitor, "status": "open", "messages": [{"from": "visitor", "text": "hi", "sent_at": at}],
        "created_at": "2098-12-31T23:59:00.000Z", "updated_at": at
    }));
    let query = feed(50, Some("2099-01-01T00:00:00Z"));
    let (pages, cursor) = all_pages(&s.plugin, &query, None).await;
    let changes: Vec<_> = pages.iter().flat_map(|p| &p.changes).collect();
    assert_eq!(changes.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), [chat.as_str()]);

    s.emu.end_chat(&chat, None, Some("Resolved"));
    assert_eq!(s.emu.conversation(&chat).unwrap()["updated_at"], at, "the time did not move");
    let (pages, cursor) = all_pages(&s.plugin, &query, Some(cursor)).await;
    let changes: Vec<_> = pages.iter().flat_map(|p| &p.changes).collect();
    assert_eq!(changes.iter().map(|c| (c.id.as_str(), c.kind)).collect::<Vec<_>>(), [(chat.as_str(), ChangeKind::Updated)]);
    assert_eq!(value(changes[0].record.as_ref().unwrap(), "status"), &text("ended"));

    // Given once: the next poll has nothing.
    let (pages, _) = all_pages(&s.plugin, &query, Some(cursor)).await;
    assert!(pages.iter().all(|p| p.changes.is_empty()), "{pages:?}");
}

// ---- webhooks ----

/// A loopback receiver that records every delivery: headers and raw body.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Notification>>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let got: Arc<Mutex<Vec<Notification>>> = Arc::default();
        let app = axum::Router::new()
            .route(
                "/hooks/cloudcx",
                axum::routing::post(|State(got): State<Arc<Mutex<Vec<Notification>>>>, headers: HeaderMap, body: Bytes| async move {
                    let headers =
                        headers.iter().map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
                    got.lock().unwrap().push(Notification { headers, body: body.to_vec() });
                    StatusCode::NO_CONTENT
                }),
            )
            .with_state(got.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
        let url = format!("http://{}/hooks/cloudcx", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, got }
    }

    /// Waits for `n` deliveries.
    async fn wait_for(&self, n: usize) -> Vec<Notification> {
        let start = Instant::now();
        loop {
            let got = self.got.lock().unwrap().clone();
            if got.len() >= n {
                return got;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "{} of {n} deliveries arrived", got.len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn header<'a>(n: &'a Notification, name: &str) -> &'a str {
    n.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).unwrap_or_default()
}

/// What the host must do before it hands a delivery to the plugin: the
/// signature over "<timestamp>.<raw body>" with the token given to `watch`,
/// and a timestamp within five minutes.
fn verified(n: &Notification, token: &str) -> bool {
    let Ok(timestamp) = header(n, "x-cloudcx-timestamp").parse::<i64>() else { return false };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let body = String::from_utf8_lossy(&n.body);
    (now - timestamp).abs() <= 300 && cloudcx_emulator::signature(token, timestamp, &body) == header(n, "x-cloudcx-signature")
}

#[tokio::test]
async fn watch_registers_a_webhook_for_every_event_signed_with_the_token() {
    let s = setup().await;
    let receiver = Receiver::start().await;
    s.plugin.watch(&[Module::Chats], &receiver.url, "token-one").await.unwrap();
    // Watching again (the host does at every start) replaces the registration.
    s.plugin.watch(&[Module::Chats], &receiver.url, "token-two").await.unwrap();
    let hooks: Json = reqwest::Client::new()
        .get(format!("{}/api/v1/webhooks", s.emu.base_url()))
        .bearer_auth(s.emu.api_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hooks = hooks["data"].as_array().unwrap();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0]["url"], json!(receiver.url));
    assert_eq!(hooks[0]["events"].as_array().unwrap().len(), cloudcx_emulator::EVENT_TYPES.len());

    // Deliveries are signed with the latest token.
    let visitor = s.emu.create_visitor(json!({"name": "Riley Chen", "email": "riley@x.example"}));
    let got = receiver.wait_for(1).await;
    assert!(verified(&got[0], "token-two") && !verified(&got[0], "token-one"));
    assert_eq!(header(&got[0], "x-cloudcx-event"), "ContactCreated");
    assert!(String::from_utf8_lossy(&got[0].body).contains(&visitor));

    let err = connector_error(&s.plugin.watch(&[Module::Chats], "not a url", "t").await.unwrap_err());
    assert!(matches!(err, ConnectorError::Permanent(ref m) if m.contains("invalid_request")), "{err:?}");
    assert!(unsupported(s.plugin.watch(&[Module::Products], &receiver.url, "t").await).contains("Products"));
}

#[tokio::test]
async fn real_deliveries_are_read_into_changes_with_the_conversation_and_visitor() {
    let s = setup().await;
    let receiver = Receiver::start().await;
    let token = "4f2d0c1e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e";
    s.plugin.watch(&[Module::Chats, Module::Contacts], &receiver.url, token).await.unwrap();

    let visitor = s.emu.create_visitor(json!({"name": "Riley Chen", "email": "riley@x.example", "custom_variables": {"page": "/pricing"}}));
    let chat = s.emu.start_chat(&visitor, "agent@desk.example", "Hi, a question about plans.");
    s.emu.post_message(&chat, Sender::Agent, "Sure, ask away.");
    s.emu.end_chat(&chat, Some("Explained the plans"), Some("Sales lead"));
    let inbox = s.emu.start_conversation(&visitor, "billing@desk.example", "Invoice address", "Please change it.");
    s.emu.close_conversation(&inbox, None);
    let offline = s.emu.offline_message(&visitor, "Call me back.");
    s.emu.update_visitor(&visitor, json!({"company": "Northwind"}));
    s.emu.delete_visitor(&visitor);
    let got = receiver.wait_for(8).await;
    assert!(got.iter().all(|n| verified(n, token)), "every delivery is signed with the token");

    let mut seen = Vec::new();
    for n in &got {
        let notified = s.plugin.parse_notification(n).await.unwrap();
        assert_eq!(notified.token, None);
        assert_eq!(notified.changes.len(), 1);
        let change = &notified.changes[0];
        let event = header(n, "x-cloudcx-event");
        if let Some(record) = &change.record {
            assert_eq!(value(record, "event"), &text(event));
            assert_eq!(value(record, "delivery_id"), &text(header(n, "x-cloudcx-delivery")));
            assert_eq!(value(record, "tenant_id"), &text("acme-support"));
        }
        seen.push((event.to_string(), notified.module, change.kind, change.id.clone()));
    }
    let want = [
        ("ContactCreated", Module::Contacts, ChangeKind::Created, &visitor),
        ("ChatStarted", Module::Chats, ChangeKind::Created, &chat),
        ("ChatEnded", Module::Chats, ChangeKind::Updated, &chat),
        ("ConversationStarted", Module::Chats, ChangeKind::Created, &inbox),
        ("ConversationClosed", Module::Chats, ChangeKind::Updated, &inbox),
        ("OfflineMessageReceived", Module::Chats, ChangeKind::Created, &offline),
        ("ContactUpdated", Module::Contacts, ChangeKind::Updated, &visitor),
        ("ContactDeleted", Module::Contacts, ChangeKind::Deleted, &visitor),
    ];
    let want: Vec<_> = want.iter().map(|(e, m, k, id)| (e.to_string(), *m, *k, id.to_string())).collect();
    assert_eq!(seen, want);

    // ChatEnded carries the whole conversation and the visitor.
    let ended = s.plugin.parse_notification(&got[2]).await.unwrap();
    let record = ended.changes[0].record.as_ref().unwrap();
    assert_eq!(value(record, "transcript"), &text("Visitor: Hi, a question about plans.\nAgent: Sure, ask away."));
    assert_eq!((value(record, "note"), value(record, "wrap_up")), (&text("Explained the plans"), &text("Sales lead")));
    assert_eq!(value(record, "visitor.email"), &text("riley@x.example"));
    assert_eq!(value(record, "visitor.var.page"), &text("/pricing"));
    assert_eq!(value(record, "visitor.id"), &text(&visitor));
    // ContactUpdated carries the visitor; ContactDeleted only its id.
    let updated = s.plugin.parse_notification(&got[6]).await.unwrap();
    assert_eq!(value(updated.changes[0].record.as_ref().unwrap(), "company"), &text("Northwind"));
    let deleted = s.plugin.parse_notification(&got[7]).await.unwrap();
    assert!(deleted.changes[0].record.is_none());

    // A redelivery repeats the delivery id: the host can drop it.
    let first_delivery = header(&got[0], "x-cloudcx-delivery").to_string();
    s.emu.redeliver(&first_delivery);
    let again = receiver.wait_for(9).await;
    assert_eq!(header(&again[8], "x-cloudcx-delivery"), first_delivery);
    assert_eq!(again[8].body, got[0].body);
}

#[tokio::test]
async fn hostile_deliveries_are_refused_and_the_plugin_keeps_working() {
    let s = setup().await;
    let receiver = Receiver::start().await;
    s.plugin.watch(&[Module::Chats], &receiver.url, "secret-token").await.unwrap();
    let (ada, _) = seed_ada(&s.emu);
    let chat = s.emu.start_chat(&ada, "agent@desk.example", "hello");
    s.emu.end_chat(&chat, None, None);
    let good = receiver.wait_for(2).await[1].clone();
    assert!(s.plugin.parse_notification(&good).await.is_ok());

    let with_body = |body: Vec<u8>| Notification { headers: good.headers.clone(), body };
    let without = |name: &str| Notification {
        headers: good.headers.iter().filter(|(k, _)| !k.eq_ignore_ascii_case(name)).cloned().collect(),
        body: good.body.clone(),
    };
    let retyped = String::from_utf8(good.body.clone()).unwrap().replace("\"ChatEnded\"", "\"ContactDeleted\"");
    let evil_id = String::from_utf8(good.body.clone()).unwrap().replace(&chat, "conv_1/../../admin");
    let hostile = [
        ("empty", with_body(Vec::new())),
        ("binary", with_body(vec![0xff, 0x00, 0xfe, 0x7b])),
        ("over the size cap", with_body(vec![b' '; 1024 * 1024 + 1])),
        ("deeply nested", with_body(format!("{}{}", "[".repeat(50_000), "]".repeat(50_000)).into_bytes())),
        ("not an object", with_body(b"\"ChatEnded\"".to_vec())),
        ("the body's type differs from the header", with_body(retyped.into_bytes())),
        ("an id that is a path", with_body(evil_id.into_bytes())),
        ("no event header", without("x-cloudcx-event")),
        ("no signature", without("x-cloudcx-signature")),
        ("no timestamp", without("x-cloudcx-timestamp")),
        ("no delivery id", without("x-cloudcx-delivery")),
    ];
    for (what, n) in &hostile {
        let err = connector_error(&s.plugin.parse_notification(n).await.expect_err(what));
        assert!(matches!(&err, ConnectorError::Permanent(m) if m.starts_with("not a CloudCX webhook delivery")), "{what}: {err:?}");
    }
    // No panic, no trap: the plugin still answers.
    assert!(s.plugin.lookup_requester(&requester(Some("ada@analytical.example"), None)).await.unwrap().is_some());
}

// ---- what CloudCX does not offer ----

#[tokio::test]
async fn sync_writes_and_actions_are_unsupported() {
    let s = setup().await;
    assert!(unsupported(s.plugin.describe_module(Module::Chats).await).contains("CloudCX offers no field metadata"));
    assert!(unsupported(s.plugin.list_views(Module::Chats).await).contains("list views"));
    let record = CrmRecord { id: None, fields: vec![field("subject", text("x"))], created_time: None, modified_time: None };
    assert!(unsupported(s.plugin.upsert(Module::Chats, &[record], &[]).await).contains("writes"));
    assert!(unsupported(s.plugin.delete(Module::Chats, &["conv_1".into()]).await).contains("deletes"));
    assert!(unsupported(s.plugin.changes(Module::Contacts, &feed(50, None), None).await).contains("chats"));
    let views = FeedQuery { list_views: vec!["all".into()], ..feed(50, None) };
    assert!(unsupported(s.plugin.changes(Module::Chats, &views, None).await).contains("no list views"));
    let action = ActionRequest { kind: ActionKind::CreateTask, fields: vec![], related_to: None, owner_email: None };
    assert!(unsupported(s.plugin.perform(&action).await).contains("not created from the desk"));
    assert!(s.emu.requests().is_empty(), "none of these asked CloudCX anything");
}
