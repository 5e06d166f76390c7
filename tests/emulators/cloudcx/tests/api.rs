//! The emulator against its README, over HTTP: one test per rule group.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::HeaderMap as AxumHeaders;
use cloudcx_emulator::{signature, CloudcxEmulator, Delivery, EmulatorConfig, Sender, DEMO_API_KEY, DEMO_TENANT_ID};
use reqwest::header::{HeaderMap, AUTHORIZATION, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// An emulator and a client holding its tenant's API key.
struct Cx {
    cx: CloudcxEmulator,
    http: reqwest::Client,
    key: String,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
    body: Value,
}

impl Cx {
    async fn start() -> Cx {
        Cx::with(EmulatorConfig::default()).await
    }

    async fn with(config: EmulatorConfig) -> Cx {
        let cx = CloudcxEmulator::start(config).await.expect("emulator starts");
        let key = cx.api_key();
        Cx { cx, http: reqwest::Client::builder().no_proxy().build().unwrap(), key }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.cx.base_url())
    }

    async fn call_as(&self, key: Option<&str>, method: Method, path: &str, query: &[(&str, &str)], body: Option<Value>) -> Answer {
        let mut request = self.http.request(method, self.url(path)).query(query);
        if let Some(key) = key {
            request = request.header(AUTHORIZATION, format!("Bearer {key}"));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.expect("request is answered")).await
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Answer {
        self.call_as(Some(&self.key), Method::GET, path, query, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.call_as(Some(&self.key), Method::POST, path, &[], Some(body)).await
    }

    async fn delete(&self, path: &str) -> Answer {
        self.call_as(Some(&self.key), Method::DELETE, path, &[], None).await
    }

    /// Every item of a list, following `next_cursor`.
    async fn list_all(&self, path: &str, query: &[(&str, &str)]) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut q: Vec<(&str, &str)> = query.to_vec();
            if let Some(c) = &cursor {
                q.push(("cursor", c));
            }
            let page = self.get(path, &q).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.text);
            items.extend(page.body["data"].as_array().unwrap().iter().cloned());
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return items,
            }
        }
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, headers, text, body }
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

fn assert_error(answer: &Answer, status: StatusCode, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert_eq!(answer.body["error"]["code"], code, "{}", answer.text);
    assert!(answer.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", answer.text);
}

/// `2026-11-21T09:30:00.000Z`
fn is_cx_time(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|t| t.len() == 24 && t.ends_with('Z') && t.as_bytes()[19] == b'.' && chrono::DateTime::parse_from_rfc3339(t).is_ok())
}

// ---- authentication, tenants, errors -----------------------------------------

#[tokio::test]
async fn api_keys_name_the_tenant_and_others_are_401() {
    let cx = Cx::start().await;
    assert_eq!((cx.cx.tenant_id().as_str(), cx.key.as_str()), (DEMO_TENANT_ID, DEMO_API_KEY));
    assert_eq!(cx.get("/api/v1/visitors", &[]).await.status, StatusCode::OK);
    for key in [None, Some("cx_live_wrong")] {
        let refused = cx.call_as(key, Method::GET, "/api/v1/visitors", &[], None).await;
        assert_error(&refused, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let basic = cx.http.get(cx.url("/api/v1/visitors")).header(AUTHORIZATION, format!("Basic {}", cx.key)).send().await.unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
    // Authentication comes before routing.
    let unknown = cx.call_as(None, Method::GET, "/api/v1/nothing", &[], None).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_record_of_another_tenant_is_404_and_never_listed() {
    let cx = Cx::start().await;
    let other = cx.cx.add_tenant("globex-help", "cx_live_globex");
    let theirs = other.seed_visitor(json!({"name": "Hank Scorpio", "email": "hank@globex.example"}));
    let chat = other.start_chat(&theirs, "a@globex.example", "hello");
    let ours = cx.cx.seed_visitor(json!({"name": "Ada", "email": "hank@globex.example"}));

    assert_error(&cx.get(&format!("/api/v1/visitors/{theirs}"), &[]).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(&cx.get(&format!("/api/v1/conversations/{chat}"), &[]).await, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(ids(&cx.list_all("/api/v1/visitors", &[("email", "hank@globex.example")]).await), vec![ours.clone()]);
    assert!(cx.list_all("/api/v1/conversations", &[]).await.is_empty());

    let theirs_seen = cx.call_as(Some("cx_live_globex"), Method::GET, &format!("/api/v1/visitors/{theirs}"), &[], None).await;
    assert_eq!(theirs_seen.status, StatusCode::OK);
    assert_eq!(theirs_seen.body["tenant_id"], "globex-help");
    let ours_from_there = cx.call_as(Some("cx_live_globex"), Method::GET, &format!("/api/v1/visitors/{ours}"), &[], None).await;
    assert_error(&ours_from_there, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn unknown_endpoints_and_methods_are_404_json() {
    let cx = Cx::start().await;
    assert_error(&cx.get("/api/v1/tickets", &[]).await, StatusCode::NOT_FOUND, "not_found");
    let wrong_method = cx.call_as(Some(&cx.key), Method::PUT, "/api/v1/visitors", &[], Some(json!({}))).await;
    assert_error(&wrong_method, StatusCode::NOT_FOUND, "not_found");
    assert_error(&cx.get("/elsewhere", &[]).await, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn over_the_per_minute_limit_is_429_with_retry_after_per_tenant() {
    let cx = Cx::with(EmulatorConfig { requests_per_minute: Some(3), ..EmulatorConfig::default() }).await;
    let other = cx.cx.add_tenant("t2", "cx_live_t2");
    for _ in 0..3 {
        assert_eq!(cx.get("/api/v1/visitors", &[]).await.status, StatusCode::OK);
    }
    let limited = cx.get("/api/v1/visitors", &[]).await;
    assert_error(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let seconds: u64 = limited.headers[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&seconds), "{seconds}");
    // Another tenant has its own minute.
    let theirs = cx.call_as(Some(&other.api_key()), Method::GET, "/api/v1/visitors", &[], None).await;
    assert_eq!(theirs.status, StatusCode::OK);
    cx.cx.set_rate_limit(None);
    assert_eq!(cx.get("/api/v1/visitors", &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn requests_are_recorded_with_their_status() {
    let cx = Cx::start().await;
    cx.get("/api/v1/visitors", &[("email", "a@b.example")]).await;
    cx.call_as(None, Method::GET, "/api/v1/conversations", &[], None).await;
    let seen = cx.cx.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str(), seen[0].query.as_str(), seen[0].status),
        ("GET", "/api/v1/visitors", "email=a%40b.example", 200)
    );
    assert_eq!((seen[1].path.as_str(), seen[1].status), ("/api/v1/conversations", 401));
}

// ---- visitors ------------------------------------------------------------------

#[tokio::test]
async fn visitors_have_every_field_with_millisecond_utc_times() {
    let cx = Cx::start().await;
    let id = cx.cx.seed_visitor(json!({
        "name": "Jordan Blake", "email": "Jordan.Blake@brightwave.example", "phone": "+1 415 555 0142",
        "company": "Brightwave", "custom_variables": {"plan": "Growth", "seats": 25},
        "created_at": "2026-11-21T09:30:00Z",
    }));
    assert!(id.starts_with("vis_"));
    let got = cx.get(&format!("/api/v1/visitors/{id}"), &[]).await;
    assert_eq!(got.status, StatusCode::OK);
    let v = &got.body;
    let keys: HashSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        HashSet::from(["id", "tenant_id", "name", "email", "phone", "company", "custom_variables", "created_at", "updated_at"])
    );
    assert_eq!(v["tenant_id"], DEMO_TENANT_ID);
    assert_eq!(v["custom_variables"], json!({"plan": "Growth", "seats": 25}));
    assert_eq!(v["created_at"], "2026-11-21T09:30:00.000Z");
    assert_eq!(v["updated_at"], v["created_at"]);
    assert!(is_cx_time(&v["updated_at"]));
    assert_eq!(Some(v.clone()), cx.cx.visitor(&id));
    assert_error(&cx.get("/api/v1/visitors/vis_nope", &[]).await, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn visitors_are_found_by_email_ignoring_case_and_by_phone_digits() {
    let cx = Cx::start().await;
    let ada = cx.cx.seed_visitor(json!({"name": "Ada", "email": "Ada@Example.com", "phone": "+15550177"}));
    cx.cx.seed_visitor(json!({"name": "Bob", "email": "bob@example.com", "phone": "+1 555 0178"}));
    assert_eq!(ids(&cx.list_all("/api/v1/visitors", &[("email", "ada@example.COM")]).await), vec![ada.clone()]);
    assert_eq!(ids(&cx.list_all("/api/v1/visitors", &[("phone", "+1 (555) 017-7")]).await), vec![ada.clone()]);
    // An unencoded `+` arrives as a space: still the same digits.
    let raw = cx.http.get(format!("{}?phone=+15550177", cx.url("/api/v1/visitors"))).bearer_auth(&cx.key).send().await.unwrap();
    assert_eq!(ids(answer(raw).await.body["data"].as_array().unwrap()), vec![ada.clone()]);
    assert!(cx.list_all("/api/v1/visitors", &[("email", "ada@example")]).await.is_empty());
    assert!(cx.list_all("/api/v1/visitors", &[("email", "ada@example.com"), ("phone", "5550178")]).await.is_empty());
    assert_error(&cx.get("/api/v1/visitors", &[("phone", "call me")]).await, StatusCode::BAD_REQUEST, "invalid_request");
}

// ---- paging --------------------------------------------------------------------

#[tokio::test]
async fn pages_follow_next_cursor_in_updated_at_then_id_order_without_skipping_ties() {
    let cx = Cx::start().await;
    // 25 visitors on 3 timestamps, seeded out of order.
    let mut expected: Vec<(String, String)> = Vec::new();
    for i in 0..25 {
        let at = ["2026-11-21T09:30:00.000Z", "2026-11-20T09:30:00.000Z", "2026-11-22T09:30:00.000Z"][i % 3];
        let id = cx.cx.seed_visitor(json!({"name": format!("v{i}"), "created_at": at}));
        expected.push((at.to_string(), id));
    }
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();

    let first = cx.get("/api/v1/visitors", &[("limit", "7")]).await;
    assert_eq!(first.body["data"].as_array().unwrap().len(), 7);
    assert!(first.body["next_cursor"].is_string());
    assert_eq!(ids(&cx.list_all("/api/v1/visitors", &[("limit", "7")]).await), expected);
    assert_eq!(ids(&cx.list_all("/api/v1/visitors", &[("limit", "1")]).await), expected);
    let all = cx.get("/api/v1/visitors", &[]).await;
    assert_eq!(all.body["data"].as_array().unwrap().len(), 25, "default limit 50");
    assert!(all.body["next_cursor"].is_null());
    let exact = cx.get("/api/v1/visitors", &[("limit", "25")]).await;
    assert!(exact.body["next_cursor"].is_null(), "no cursor when nothing follows");

    // updated_since is inclusive: the ties at it are all there.
    let since = cx.list_all("/api/v1/visitors", &[("updated_since", "2026-11-21T09:30:00.000Z"), ("limit", "4")]).await;
    assert_eq!(ids(&since), expected[8..].to_vec());
    assert!(since.iter().all(|v| v["updated_at"].as_str().unwrap() >= "2026-11-21T09:30:00.000Z"));
    let offset = cx.list_all("/api/v1/visitors", &[("updated_since", "2026-11-21T10:30:00+01:00")]).await;
    assert_eq!(ids(&offset), expected[8..].to_vec());
}

#[tokio::test]
async fn a_record_changed_while_paging_moves_to_the_end_and_is_not_lost() {
    let cx = Cx::start().await;
    let seeded: Vec<String> =
        (0..6).map(|i| cx.cx.seed_visitor(json!({"name": format!("v{i}"), "created_at": "2026-11-21T09:30:00Z"}))).collect();
    let first = cx.get("/api/v1/visitors", &[("limit", "3")]).await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_string();
    cx.cx.update_visitor(&seeded[1], json!({"company": "Moved"}));
    cx.cx.update_visitor(&seeded[4], json!({"company": "Moved"}));
    let rest = cx.list_all("/api/v1/visitors", &[("limit", "3"), ("cursor", &cursor)]).await;
    assert_eq!(ids(&first.body["data"].as_array().unwrap().clone()), seeded[..3].to_vec());
    assert_eq!(ids(&rest), vec![seeded[3].clone(), seeded[5].clone(), seeded[1].clone(), seeded[4].clone()]);
}

#[tokio::test]
async fn bad_list_parameters_are_400_invalid_request() {
    let cx = Cx::start().await;
    for query in [[("limit", "0")], [("limit", "201")], [("limit", "many")], [("updated_since", "yesterday")], [("cursor", "not-a-cursor")]]
    {
        assert_error(&cx.get("/api/v1/visitors", &query).await, StatusCode::BAD_REQUEST, "invalid_request");
    }
    assert_error(&cx.get("/api/v1/conversations", &[("channel", "phone")]).await, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(cx.get("/api/v1/visitors", &[("limit", "200")]).await.status, StatusCode::OK);

    for i in 0..3 {
        cx.cx.seed_visitor(json!({"email": format!("v{i}@x.example")}));
    }
    let page = cx.get("/api/v1/visitors", &[("limit", "1")]).await;
    let cursor = page.body["next_cursor"].as_str().unwrap();
    // A cursor continues its own list with its own filters.
    assert_error(&cx.get("/api/v1/conversations", &[("cursor", cursor)]).await, StatusCode::BAD_REQUEST, "invalid_request");
    let refiltered = cx.get("/api/v1/visitors", &[("cursor", cursor), ("email", "v1@x.example")]).await;
    assert_error(&refiltered, StatusCode::BAD_REQUEST, "invalid_request");
}

// ---- conversations -----------------------------------------------------------------

#[tokio::test]
async fn conversations_list_without_transcripts_and_read_with_them() {
    let cx = Cx::start().await;
    let ada = cx.cx.seed_visitor(json!({"name": "Ada", "email": "ada@example.com"}));
    let bob = cx.cx.seed_visitor(json!({"name": "Bob"}));
    let chat = cx.cx.seed_conversation(json!({
        "visitor_id": ada, "agent_email": "agent@deskpane.example", "started_at": "2026-11-21T09:30:00Z",
        "note": "n", "wrap_up": "Resolved", "custom_fields": {"topic": "SSO"},
        "messages": [{"from": "visitor", "text": "hi"}, {"from": "agent", "text": "hello"}, {"from": "system", "text": "ended"}],
        "attachments": [{"name": "shot.png", "content_type": "image/png", "size": 2048}],
    }));
    let inbox = cx.cx.seed_conversation(json!({
        "visitor_id": ada, "channel": "inbox", "subject": "Invoice", "status": "open", "agent_email": "b@deskpane.example",
        "messages": [{"from": "visitor", "text": "invoice please"}],
    }));
    let bobs = cx.cx.seed_conversation(json!({"visitor_id": bob, "messages": [{"text": "hey"}]}));

    let listed = cx.list_all("/api/v1/conversations", &[]).await;
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|c| c.get("messages").is_none() && c.get("attachments").is_none()));
    let of_ada: HashSet<String> = ids(&cx.list_all("/api/v1/conversations", &[("visitor_id", &ada)]).await).into_iter().collect();
    assert_eq!(of_ada, HashSet::from([chat.clone(), inbox.clone()]));
    assert_eq!(ids(&cx.list_all("/api/v1/conversations", &[("channel", "inbox")]).await), vec![inbox.clone()]);
    assert_eq!(ids(&cx.list_all("/api/v1/conversations", &[("channel", "web_chat"), ("visitor_id", &bob)]).await), vec![bobs]);

    let got = cx.get(&format!("/api/v1/conversations/{chat}"), &[]).await;
    assert_eq!(got.status, StatusCode::OK);
    let c = &got.body;
    assert_eq!(c["channel"], "web_chat");
    assert_eq!(c["status"], "ended");
    assert_eq!(c["subject"], Value::Null);
    assert_eq!((c["note"].as_str(), c["wrap_up"].as_str()), (Some("n"), Some("Resolved")));
    assert_eq!(c["custom_fields"], json!({"topic": "SSO"}));
    assert_eq!(c["offline"], false);
    assert_eq!(c["url"], format!("{}/app/conversations/{chat}", cx.cx.base_url()));
    assert_eq!(c["started_at"], "2026-11-21T09:30:00.000Z");
    assert!(is_cx_time(&c["ended_at"]) && is_cx_time(&c["created_at"]) && is_cx_time(&c["updated_at"]));
    let messages = c["messages"].as_array().unwrap();
    assert_eq!(messages.iter().map(|m| m["from"].as_str().unwrap()).collect::<Vec<_>>(), ["visitor", "agent", "system"]);
    assert_eq!(messages[0]["author"], "Ada");
    assert_eq!(messages[1]["author"], "agent@deskpane.example");
    assert!(messages.iter().all(|m| m["id"].as_str().unwrap().starts_with("msg_") && is_cx_time(&m["sent_at"])));
    let attachment = &c["attachments"][0];
    assert!(attachment["id"].as_str().unwrap().starts_with("att_"));
    assert_eq!(
        (attachment["name"].as_str(), attachment["content_type"].as_str(), attachment["size"].as_u64()),
        (Some("shot.png"), Some("image/png"), Some(2048))
    );

    // The attachment link and the console page are served.
    let file = cx.http.get(attachment["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(file.headers()["content-type"], "image/png");
    assert_eq!(file.bytes().await.unwrap().len(), 2048);
    let page = cx.http.get(c["url"].as_str().unwrap()).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("hello") && page.contains("Ada"));

    let open = cx.get(&format!("/api/v1/conversations/{inbox}"), &[]).await.body;
    assert_eq!((open["status"].as_str(), open["ended_at"].as_str(), open["wrap_up"].as_str()), (Some("open"), None, None));
    assert_eq!(open["subject"], "Invoice");
    assert_error(&cx.get("/api/v1/conversations/conv_nope", &[]).await, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn control_methods_drive_the_conversation_lifecycle() {
    let cx = Cx::start().await;
    let v = cx.cx.seed_visitor(json!({"name": "Riley"}));
    let chat = cx.cx.start_chat(&v, "agent@deskpane.example", "hi");
    assert_eq!(cx.cx.conversation(&chat).unwrap()["status"], "open");
    cx.cx.post_message(&chat, Sender::Agent, "hello");
    let before = cx.cx.conversation(&chat).unwrap()["updated_at"].as_str().unwrap().to_string();
    std::thread::sleep(Duration::from_millis(5));
    cx.cx.end_chat(&chat, Some("note"), Some("Resolved"));
    let ended = cx.get(&format!("/api/v1/conversations/{chat}"), &[]).await.body;
    assert_eq!(
        (ended["status"].as_str(), ended["wrap_up"].as_str(), ended["note"].as_str()),
        (Some("ended"), Some("Resolved"), Some("note"))
    );
    assert!(ended["updated_at"].as_str().unwrap() > before.as_str());
    assert_eq!(ended["messages"].as_array().unwrap().len(), 2);

    let offline = cx.cx.offline_message(&v, "call me back");
    let o = cx.cx.conversation(&offline).unwrap();
    assert_eq!((o["offline"].as_bool(), o["status"].as_str(), o["agent_email"].as_str()), (Some(true), Some("ended"), None));

    let inbox = cx.cx.start_conversation(&v, "agent@deskpane.example", "Refund", "please");
    cx.cx.post_message(&inbox, Sender::Visitor, "order 42");
    cx.cx.close_conversation(&inbox, Some("refunded"));
    let closed = cx.cx.conversation(&inbox).unwrap();
    assert_eq!((closed["status"].as_str(), closed["subject"].as_str(), closed["wrap_up"].as_str()), (Some("closed"), Some("Refund"), None));
    assert_eq!(closed["messages"][1]["author"], "Riley");
}

// ---- webhooks: registration -----------------------------------------------------------

#[tokio::test]
async fn webhooks_register_one_per_url_list_and_delete() {
    let cx = Cx::start().await;
    let created = cx.post("/api/v1/webhooks", json!({"url": "http://127.0.0.1:9/a", "secret": "s1", "events": ["ChatStarted"]})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let keys: HashSet<&str> = created.body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, HashSet::from(["id", "url", "events", "created_at"]), "the secret is never echoed");
    assert!(created.body["id"].as_str().unwrap().starts_with("wh_") && is_cx_time(&created.body["created_at"]));

    let again = cx.post("/api/v1/webhooks", json!({"url": "http://127.0.0.1:9/a", "secret": "s2", "events": ["ChatEnded"]})).await;
    assert_eq!(again.status, StatusCode::CREATED);
    cx.post("/api/v1/webhooks", json!({"url": "http://127.0.0.1:9/b", "secret": "s", "events": ["ContactCreated"]})).await;
    let listed = cx.get("/api/v1/webhooks", &[]).await;
    assert_eq!(listed.body["next_cursor"], Value::Null);
    let hooks = listed.body["data"].as_array().unwrap();
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[0]["id"], again.body["id"]);
    assert_eq!(hooks[0]["events"], json!(["ChatEnded"]));
    assert!(!listed.text.contains("s2"));

    assert_error(
        &cx.delete(&format!("/api/v1/webhooks/{}", created.body["id"].as_str().unwrap())).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let gone = cx.delete(&format!("/api/v1/webhooks/{}", again.body["id"].as_str().unwrap())).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(cx.get("/api/v1/webhooks", &[]).await.body["data"].as_array().unwrap().len(), 1);

    // Webhooks are per tenant.
    let other = cx.cx.add_tenant("t2", "cx_live_t2");
    let theirs = cx.call_as(Some(&other.api_key()), Method::GET, "/api/v1/webhooks", &[], None).await;
    assert_eq!(theirs.body["data"], json!([]));
}

#[tokio::test]
async fn bad_webhook_registrations_are_400() {
    let cx = Cx::start().await;
    let ok = json!({"url": "https://desk.example/hooks/cloudcx", "secret": "s", "events": ["ChatStarted"]});
    for (key, value) in [
        ("url", json!("desk.example/hooks")),
        ("url", Value::Null),
        ("secret", json!("")),
        ("events", json!([])),
        ("events", json!(["ChatStarted", "TicketCreated"])),
        ("events", json!("ChatStarted")),
    ] {
        let mut body = ok.clone();
        body[key] = value;
        assert_error(&cx.post("/api/v1/webhooks", body).await, StatusCode::BAD_REQUEST, "invalid_request");
    }
    let not_json = cx.http.post(cx.url("/api/v1/webhooks")).bearer_auth(&cx.key).body("{").send().await.unwrap();
    assert_error(&answer(not_json).await, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(cx.post("/api/v1/webhooks", ok).await.status, StatusCode::CREATED);
}

// ---- webhooks: delivery ---------------------------------------------------------------

/// What a receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: AxumHeaders,
    body: String,
    at: Instant,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A loopback webhook receiver; it answers the queued statuses, then 200.
struct Receiver {
    url: String,
    got: tokio::sync::mpsc::UnboundedReceiver<Received>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let (tx, got) = tokio::sync::mpsc::unbounded_channel();
        let statuses: Arc<Mutex<VecDeque<u16>>> = Arc::default();
        let answers = Arc::clone(&statuses);
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: AxumHeaders, body: String| {
                let (tx, answers) = (tx.clone(), Arc::clone(&answers));
                async move {
                    let _ = tx.send(Received { headers, body, at: Instant::now() });
                    let status = answers.lock().unwrap().pop_front().unwrap_or(200);
                    axum::http::StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, got, statuses }
    }

    async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(10), self.got.recv()).await.expect("a delivery arrives").unwrap()
    }

    async fn nothing_more(&mut self) {
        if let Ok(Some(extra)) = tokio::time::timeout(Duration::from_millis(300), self.got.recv()).await {
            panic!("unexpected delivery {}", extra.body);
        }
    }
}

/// Waits until the emulator has logged `n` attempts.
async fn attempts(cx: &CloudcxEmulator, n: usize) -> Vec<Delivery> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = cx.deliveries();
        if log.len() >= n || Instant::now() > deadline {
            assert_eq!(log.len(), n, "{log:#?}");
            return log;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn assert_signed(got: &Received, secret: &str) {
    let timestamp: i64 = got.header("x-cloudcx-timestamp").parse().expect("a unix timestamp");
    assert!((chrono::Utc::now().timestamp() - timestamp).abs() <= 300);
    assert_eq!(got.header("x-cloudcx-signature"), signature(secret, timestamp, &got.body));
}

#[tokio::test]
async fn deliveries_are_signed_and_carry_their_event() {
    let cx = Cx::start().await;
    let mut hook = Receiver::start().await;
    let registered =
        cx.post("/api/v1/webhooks", json!({"url": hook.url, "secret": "whsec_test", "events": cloudcx_emulator::EVENT_TYPES})).await;
    assert_eq!(registered.status, StatusCode::CREATED);
    let visitor = cx.cx.create_visitor(json!({"name": "Riley Chen", "email": "riley.chen@northwind-demo.example"}));

    let got = hook.next().await;
    assert_eq!(got.header("content-type"), "application/json");
    assert_eq!(got.header("x-cloudcx-event"), "ContactCreated");
    assert!(got.header("x-cloudcx-delivery").starts_with("dlv_"));
    let signature_header = got.header("x-cloudcx-signature");
    assert!(signature_header.starts_with("v1=") && signature_header.len() == 3 + 64, "{signature_header}");
    assert_signed(&got, "whsec_test");
    // The signature is HMAC-SHA256 over "<timestamp>.<raw body>", in hex.
    let body = got.json();
    assert!(body["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!((body["type"].as_str(), body["tenant_id"].as_str()), (Some("ContactCreated"), Some(DEMO_TENANT_ID)));
    assert!(is_cx_time(&body["occurred_at"]));
    assert_eq!(body["data"]["visitor"]["id"], visitor);
    assert_eq!(body["data"]["visitor"]["email"], "riley.chen@northwind-demo.example");

    let log = attempts(&cx.cx, 1).await;
    assert_eq!((log[0].event.as_str(), log[0].status, log[0].attempt), ("ContactCreated", Some(200), 1));
    assert_eq!(log[0].delivery_id, got.header("x-cloudcx-delivery"));
    assert_eq!(log[0].webhook_id, registered.body["id"].as_str().unwrap());
    assert!(log[0].succeeded());
}

#[tokio::test]
async fn every_event_type_has_its_data() {
    let cx = Cx::start().await;
    let mut hook = Receiver::start().await;
    cx.cx.register_webhook(&hook.url, "s", &[]);
    let v = cx.cx.seed_visitor(json!({"name": "Ada", "email": "ada@example.com"}));

    let chat = cx.cx.start_chat(&v, "agent@deskpane.example", "hi");
    let started = hook.next().await.json();
    assert_eq!(started["type"], "ChatStarted");
    assert_eq!(started["data"]["conversation"]["id"], chat);
    assert!(started["data"]["conversation"].get("messages").is_none(), "no messages for *Started");
    assert_eq!(started["data"]["conversation"]["status"], "open");
    assert_eq!(started["data"]["visitor"]["id"], v);

    cx.cx.post_message(&chat, Sender::Agent, "hello");
    cx.cx.end_chat(&chat, Some("note"), Some("Resolved"));
    let ended = hook.next().await.json();
    assert_eq!(ended["type"], "ChatEnded");
    assert_eq!(ended["data"]["conversation"]["messages"].as_array().unwrap().len(), 2);
    assert_eq!(ended["data"]["conversation"]["wrap_up"], "Resolved");
    assert!(ended["data"]["conversation"]["attachments"].is_array());

    let offline = cx.cx.offline_message(&v, "call me");
    let received = hook.next().await.json();
    assert_eq!(received["type"], "OfflineMessageReceived");
    assert_eq!(received["data"]["conversation"]["id"], offline);
    assert_eq!(received["data"]["conversation"]["offline"], true);
    assert_eq!(received["data"]["conversation"]["messages"][0]["text"], "call me");

    let inbox = cx.cx.start_conversation(&v, "agent@deskpane.example", "Refund", "please");
    let opened = hook.next().await.json();
    assert_eq!(
        (opened["type"].as_str(), opened["data"]["conversation"]["subject"].as_str()),
        (Some("ConversationStarted"), Some("Refund"))
    );
    assert!(opened["data"]["conversation"].get("messages").is_none());
    cx.cx.close_conversation(&inbox, None);
    let closed = hook.next().await.json();
    assert_eq!((closed["type"].as_str(), closed["data"]["conversation"]["status"].as_str()), (Some("ConversationClosed"), Some("closed")));
    assert_eq!(closed["data"]["conversation"]["messages"][0]["text"], "please");

    cx.cx.update_visitor(&v, json!({"phone": "+1 555 0100"}));
    let updated = hook.next().await.json();
    assert_eq!((updated["type"].as_str(), updated["data"]["visitor"]["phone"].as_str()), (Some("ContactUpdated"), Some("+1 555 0100")));
    cx.cx.delete_visitor(&v);
    let deleted = hook.next().await.json();
    assert_eq!((deleted["type"].as_str(), &deleted["data"]), (Some("ContactDeleted"), &json!({"visitor_id": v})));
    assert_error(&cx.get(&format!("/api/v1/visitors/{v}"), &[]).await, StatusCode::NOT_FOUND, "not_found");
    hook.nothing_more().await;
}

#[tokio::test]
async fn only_subscribed_events_and_tenants_are_delivered() {
    let cx = Cx::start().await;
    let mut hook = Receiver::start().await;
    cx.cx.register_webhook(&hook.url, "s", &["ChatEnded"]);
    let other = cx.cx.add_tenant("t2", "cx_live_t2");
    let mut theirs = Receiver::start().await;
    other.register_webhook(&theirs.url, "s2", &[]);

    let v = cx.cx.create_visitor(json!({"name": "Ada"}));
    let chat = cx.cx.start_chat(&v, "a@deskpane.example", "hi");
    cx.cx.end_chat(&chat, None, None);
    let got = hook.next().await;
    assert_eq!(got.header("x-cloudcx-event"), "ChatEnded");
    hook.nothing_more().await;
    theirs.nothing_more().await;
    // Seeding fires nothing.
    cx.cx.seed_visitor(json!({"name": "quiet"}));
    let w = other.seed_visitor(json!({"name": "quiet"}));
    other.seed_conversation(json!({"visitor_id": w}));
    theirs.nothing_more().await;
}

#[tokio::test]
async fn failed_attempts_are_retried_three_times_a_second_apart_with_one_delivery_id() {
    let cx = Cx::start().await;
    let mut hook = Receiver::start().await;
    hook.statuses.lock().unwrap().extend([500, 503]);
    cx.cx.register_webhook(&hook.url, "s", &[]);
    cx.cx.create_visitor(json!({"name": "Ada"}));
    let (a, b, c) = (hook.next().await, hook.next().await, hook.next().await);
    assert_eq!(a.header("x-cloudcx-delivery"), b.header("x-cloudcx-delivery"));
    assert_eq!(b.header("x-cloudcx-delivery"), c.header("x-cloudcx-delivery"));
    assert_eq!((a.body.as_str(), a.header("x-cloudcx-signature")), (c.body.as_str(), c.header("x-cloudcx-signature")));
    for gap in [b.at - a.at, c.at - b.at] {
        assert!(gap >= Duration::from_millis(900) && gap < Duration::from_secs(3), "{gap:?}");
    }
    let log = attempts(&cx.cx, 3).await;
    assert_eq!(log.iter().map(|d| (d.attempt, d.status)).collect::<Vec<_>>(), [(1, Some(500)), (2, Some(503)), (3, Some(200))]);
    hook.nothing_more().await;
}

#[tokio::test]
async fn an_unreachable_receiver_costs_three_attempts_and_nothing_else() {
    let cx = Cx::with(EmulatorConfig { retry_delay: Duration::from_millis(50), ..EmulatorConfig::default() }).await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    let mut hook = Receiver::start().await;
    hook.statuses.lock().unwrap().extend([500, 500, 500]);
    cx.cx.register_webhook(&dead, "s", &[]);
    cx.cx.register_webhook(&hook.url, "s", &[]);
    cx.cx.create_visitor(json!({"name": "Ada"}));
    let log = attempts(&cx.cx, 6).await;
    let to_dead: Vec<&Delivery> = log.iter().filter(|d| d.url == dead).collect();
    assert_eq!(to_dead.len(), 3);
    assert!(to_dead.iter().all(|d| d.status.is_none() && d.error.is_some()));
    assert!(log.iter().filter(|d| d.url == hook.url).all(|d| d.status == Some(500)));
    // Still serving, still delivering.
    assert_eq!(cx.get("/api/v1/visitors", &[]).await.status, StatusCode::OK);
    cx.cx.create_visitor(json!({"name": "Bob"}));
    for _ in 0..3 {
        assert_eq!(hook.next().await.json()["data"]["visitor"]["name"], "Ada");
    }
    let next = hook.next().await;
    assert_eq!(next.json()["data"]["visitor"]["name"], "Bob");
}

#[tokio::test]
async fn redeliver_sends_the_same_body_headers_and_delivery_id() {
    let cx = Cx::start().await;
    let mut hook = Receiver::start().await;
    cx.cx.register_webhook(&hook.url, "s", &[]);
    let v = cx.cx.seed_visitor(json!({"name": "Ada"}));
    cx.cx.start_chat(&v, "a@deskpane.example", "hi");
    let first = hook.next().await;
    let delivery = attempts(&cx.cx, 1).await.remove(0);
    cx.cx.redeliver(&delivery.delivery_id);
    let again = hook.next().await;
    assert_eq!(first.body, again.body);
    for name in ["x-cloudcx-event", "x-cloudcx-delivery", "x-cloudcx-timestamp", "x-cloudcx-signature"] {
        assert_eq!(first.header(name), again.header(name), "{name}");
    }
    let log = attempts(&cx.cx, 2).await;
    assert!(log[1].redelivery && !log[0].redelivery);
    assert_eq!(log[1].delivery_id, log[0].delivery_id);
}

#[tokio::test]
async fn a_signing_secret_override_sends_a_wrong_signature() {
    let cx = Cx::start().await;
    let mut hook = Receiver::start().await;
    cx.cx.register_webhook(&hook.url, "right", &[]);
    cx.cx.set_signing_secret_override(Some("wrong"));
    cx.cx.create_visitor(json!({"name": "Ada"}));
    let forged = hook.next().await;
    let timestamp: i64 = forged.header("x-cloudcx-timestamp").parse().unwrap();
    assert_ne!(forged.header("x-cloudcx-signature"), signature("right", timestamp, &forged.body));
    assert_signed(&forged, "wrong");
    cx.cx.set_signing_secret_override(None);
    cx.cx.create_visitor(json!({"name": "Bob"}));
    assert_signed(&hook.next().await, "right");
}

// ---- demo -----------------------------------------------------------------------------

#[tokio::test]
async fn the_demo_tenant_has_visitors_chats_and_inbox_conversations() {
    let cx = Cx::start().await;
    cx.cx.seed_demo();
    let jordan = cx.list_all("/api/v1/visitors", &[("email", "jordan.blake@brightwave.example")]).await;
    assert_eq!(jordan.len(), 1);
    assert_eq!((jordan[0]["name"].as_str(), jordan[0]["company"].as_str()), (Some("Jordan Blake"), Some("Brightwave")));
    assert_eq!(ids(&cx.list_all("/api/v1/visitors", &[("phone", "14155550142")]).await), ids(&jordan));
    let mei = cx.list_all("/api/v1/visitors", &[("email", "MEI.CHEN@zylker.example")]).await;
    assert_eq!(mei[0]["name"], "Mei Chen");

    let jordans = cx.list_all("/api/v1/conversations", &[("visitor_id", jordan[0]["id"].as_str().unwrap())]).await;
    assert_eq!(jordans.iter().map(|c| c["channel"].as_str().unwrap()).collect::<HashSet<_>>(), HashSet::from(["web_chat", "inbox"]));
    let all = cx.list_all("/api/v1/conversations", &[]).await;
    assert!(all.len() >= 6);
    assert!(all.iter().any(|c| c["offline"] == true));
    assert!(all.iter().any(|c| c["status"] == "open"));
    let mut attachments = 0;
    for c in &all {
        let full = cx.get(&format!("/api/v1/conversations/{}", c["id"].as_str().unwrap()), &[]).await.body;
        assert!(!full["messages"].as_array().unwrap().is_empty());
        attachments += full["attachments"].as_array().unwrap().len();
    }
    assert!(attachments >= 1);
    assert!(all.iter().any(|c| c["wrap_up"].is_string() && c["note"].is_string() && !c["custom_fields"].as_object().unwrap().is_empty()));
}

#[tokio::test]
async fn attachment_content_is_served_whole_with_type_and_name_to_its_tenant_only() {
    let cx = Cx::start().await;
    let ada = cx.cx.seed_visitor(json!({"name": "Ada", "email": "ada@example.com"}));
    let chat = cx.cx.seed_conversation(json!({
        "visitor_id": ada,
        "attachments": [
            {"id": "att_log", "name": "sso \"trace\".txt", "content_type": "text/plain", "content": "line 1\nline 2\n"},
            {"id": "att_big", "name": "shot.png", "content_type": "image/png", "size": 3_000_000},
        ],
    }));
    let listed = cx.get(&format!("/api/v1/conversations/{chat}"), &[]).await;
    assert_eq!(listed.body["attachments"][0]["size"], 14, "a seeded content's size is its length");

    let log = cx.get("/api/v1/attachments/att_log/content", &[]).await;
    assert_eq!(log.status, StatusCode::OK);
    assert_eq!(log.text, "line 1\nline 2\n");
    assert_eq!(log.headers["content-type"], "text/plain");
    assert_eq!(log.headers["content-disposition"], "attachment; filename=\"sso _trace_.txt\"");
    let big = cx.http.get(cx.url("/api/v1/attachments/att_big/content")).bearer_auth(&cx.key).send().await.unwrap();
    assert_eq!(big.bytes().await.unwrap().len(), 3_000_000, "the API serves the whole file, beyond the link's 1 MiB");
    assert_eq!(cx.cx.attachment_bytes("att_log").unwrap(), b"line 1\nline 2\n");

    assert_error(
        &cx.call_as(None, Method::GET, "/api/v1/attachments/att_log/content", &[], None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_error(&cx.get("/api/v1/attachments/att_nope/content", &[]).await, StatusCode::NOT_FOUND, "not_found");
    cx.cx.add_tenant("globex-help", "cx_live_globex");
    let from_other = cx.call_as(Some("cx_live_globex"), Method::GET, "/api/v1/attachments/att_log/content", &[], None).await;
    assert_error(&from_other, StatusCode::NOT_FOUND, "not_found");
}
