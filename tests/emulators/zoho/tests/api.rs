//! The emulator against its README, over HTTP: one test per rule group.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, AUTHORIZATION, LOCATION, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use zoho_emulator::{EmulatorConfig, ZohoEmulator};

/// An emulator and an authorised client for it.
struct Crm {
    zoho: ZohoEmulator,
    http: reqwest::Client,
    token: String,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
    body: Value,
}

impl Crm {
    async fn start() -> Crm {
        Crm::with(EmulatorConfig::default()).await
    }

    async fn with(config: EmulatorConfig) -> Crm {
        let zoho = ZohoEmulator::start(config).await.expect("emulator starts");
        let token = zoho.issue_access_token();
        let http = reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Crm { zoho, http, token }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.zoho.base_url())
    }

    async fn call(&self, method: Method, path: &str, query: &[(&str, &str)], body: Option<Value>, headers: &[(&str, &str)]) -> Answer {
        let mut request =
            self.http.request(method, self.url(path)).query(query).header(AUTHORIZATION, format!("Zoho-oauthtoken {}", self.token));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.expect("request is answered")).await
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Answer {
        self.call(Method::GET, path, query, None, &[]).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, &[], Some(body), &[]).await
    }

    async fn put(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, &[], Some(body), &[]).await
    }

    async fn delete(&self, path: &str, query: &[(&str, &str)]) -> Answer {
        self.call(Method::DELETE, path, query, None, &[]).await
    }

    /// Every record of a list, following page tokens.
    async fn list_all(&self, path: &str, query: &[(&str, &str)]) -> Vec<Value> {
        let mut records = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut q: Vec<(&str, &str)> = query.to_vec();
            if let Some(t) = &token {
                q.push(("page_token", t));
            }
            let page = self.get(path, &q).await;
            if page.status == StatusCode::NO_CONTENT {
                return records;
            }
            assert_eq!(page.status, StatusCode::OK, "{}", page.text);
            records.extend(page.body["data"].as_array().unwrap().iter().cloned());
            match page.body["info"]["next_page_token"].as_str() {
                Some(next) => token = Some(next.to_string()),
                None => return records,
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

fn ids(records: &[Value]) -> Vec<String> {
    records.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

fn error(code: &str, details: Value, message: &str) -> Value {
    json!({"code": code, "details": details, "message": message, "status": "error"})
}

fn is_zoho_time(text: &str) -> bool {
    // 2026-11-21T09:30:00+00:00
    text.len() == 25 && chrono::DateTime::parse_from_rfc3339(text).is_ok() && text.as_bytes()[19] == b'+'
}

fn contact(last: &str, email: &str) -> Value {
    json!({"Last_Name": last, "Email": email})
}

// ---- accounts server -----------------------------------------------------

#[tokio::test]
async fn refresh_grant_returns_a_token_and_the_api_domain() {
    let crm = Crm::start().await;
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", "1000.DESKPANE"),
        ("client_secret", "deskpane-secret"),
        ("refresh_token", "1000.refresh.demo"),
    ];
    let grant = answer(crm.http.post(crm.url("/oauth/v2/token")).form(&form).send().await.unwrap()).await;
    assert_eq!(grant.status, StatusCode::OK);
    assert_eq!(grant.body["expires_in"], 3600);
    assert_eq!(grant.body["api_domain"], crm.zoho.base_url());
    assert_eq!(grant.body["token_type"], "Bearer");
    assert!(grant.body["scope"].is_string());
    assert!(grant.body.get("refresh_token").is_none());
    assert_eq!(crm.zoho.refresh_token(), "1000.refresh.demo");

    let token = grant.body["access_token"].as_str().unwrap();
    let users = crm
        .http
        .get(crm.url("/crm/v8/users"))
        .query(&[("type", "ActiveUsers")])
        .header(AUTHORIZATION, format!("Zoho-oauthtoken {token}"))
        .send()
        .await
        .unwrap();
    let users = answer(users).await;
    assert_eq!(users.status, StatusCode::OK);
    let first = &users.body["users"][0];
    assert!(first["id"].is_string() && first["full_name"].is_string() && first["email"].is_string());

    // Zoho also takes the parameters in the query string.
    let grant = answer(crm.http.post(crm.url("/oauth/v2/token")).query(&form).send().await.unwrap()).await;
    assert!(grant.body["access_token"].is_string());
}

#[tokio::test]
async fn authorization_code_flow_redirects_and_grants_a_refresh_token() {
    let crm = Crm::start().await;
    let auth = crm
        .http
        .get(crm.url("/oauth/v2/auth"))
        .query(&[
            ("client_id", "1000.DESKPANE"),
            ("redirect_uri", "http://127.0.0.1:9/callback"),
            ("scope", "ZohoCRM.modules.ALL"),
            ("state", "xyz 1"),
            ("response_type", "code"),
            ("access_type", "offline"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(auth.status(), StatusCode::FOUND);
    let location = reqwest::Url::parse(auth.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/callback");
    let param = |name: &str| location.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    assert_eq!(param("state").as_deref(), Some("xyz 1"));
    assert_eq!(param("location").as_deref(), Some("us"));
    assert_eq!(param("accounts-server"), Some(crm.zoho.base_url()));
    let code = param("code").expect("a code");

    let exchange = |code: String| {
        let form = vec![
            ("grant_type", "authorization_code".to_string()),
            ("client_id", "1000.DESKPANE".into()),
            ("client_secret", "deskpane-secret".into()),
            ("code", code),
            ("redirect_uri", "http://127.0.0.1:9/callback".into()),
        ];
        crm.http.post(crm.url("/oauth/v2/token")).form(&form).send()
    };
    let grant = answer(exchange(code.clone()).await.unwrap()).await;
    assert_eq!(grant.status, StatusCode::OK);
    assert_eq!(grant.body["api_domain"], crm.zoho.base_url());
    assert_eq!(grant.body["scope"], "ZohoCRM.modules.ALL");
    let refresh = grant.body["refresh_token"].as_str().expect("a refresh token").to_string();
    assert!(grant.body["access_token"].is_string());

    // The new refresh token works; the code works once.
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", "1000.DESKPANE"),
        ("client_secret", "deskpane-secret"),
        ("refresh_token", refresh.as_str()),
    ];
    let again = answer(crm.http.post(crm.url("/oauth/v2/token")).form(&form).send().await.unwrap()).await;
    assert!(again.body["access_token"].is_string());
    let reused = answer(exchange(code).await.unwrap()).await;
    assert_eq!(reused.status, StatusCode::OK);
    assert_eq!(reused.body, json!({"error": "invalid_code"}));
}

#[tokio::test]
async fn the_client_is_configurable() {
    let config = EmulatorConfig { client_id: "1000.OTHER".into(), client_secret: "other-secret".into(), ..Default::default() };
    let crm = Crm::with(config).await;
    let grant = |id: &'static str, secret: &'static str| {
        let form = [("grant_type", "refresh_token"), ("client_id", id), ("client_secret", secret), ("refresh_token", "1000.refresh.demo")];
        let request = crm.http.post(crm.url("/oauth/v2/token")).form(&form);
        async move { answer(request.send().await.unwrap()).await.body }
    };
    assert!(grant("1000.OTHER", "other-secret").await["access_token"].is_string());
    assert_eq!(grant("1000.DESKPANE", "deskpane-secret").await, json!({"error": "invalid_client"}));
}

#[tokio::test]
async fn token_errors_are_answered_with_200() {
    let crm = Crm::start().await;
    let try_grant = |fields: [(&'static str, &'static str); 4]| {
        let request = crm.http.post(crm.url("/oauth/v2/token")).form(&fields);
        async move { answer(request.send().await.unwrap()).await }
    };
    for (fields, expected) in [
        (
            [
                ("grant_type", "refresh_token"),
                ("client_id", "1000.OTHER"),
                ("client_secret", "deskpane-secret"),
                ("refresh_token", "1000.refresh.demo"),
            ],
            "invalid_client",
        ),
        (
            [
                ("grant_type", "refresh_token"),
                ("client_id", "1000.DESKPANE"),
                ("client_secret", "wrong"),
                ("refresh_token", "1000.refresh.demo"),
            ],
            "invalid_client",
        ),
        (
            [
                ("grant_type", "refresh_token"),
                ("client_id", "1000.DESKPANE"),
                ("client_secret", "deskpane-secret"),
                ("refresh_token", "1000.nope"),
            ],
            "invalid_code",
        ),
        (
            [
                ("grant_type", "authorization_code"),
                ("client_id", "1000.DESKPANE"),
                ("client_secret", "deskpane-secret"),
                ("code", "1000.nope"),
            ],
            "invalid_code",
        ),
    ] {
        let grant = try_grant(fields).await;
        assert_eq!(grant.status, StatusCode::OK);
        assert_eq!(grant.body, json!({"error": expected}));
    }
    let other =
        try_grant([("grant_type", "password"), ("client_id", "1000.DESKPANE"), ("client_secret", "deskpane-secret"), ("code", "x")]).await;
    assert_eq!(other.body, json!({"error": "unsupported_grant_type"}));
}

// ---- authentication ------------------------------------------------------

#[tokio::test]
async fn missing_header_or_other_scheme_is_401_authentication_failure() {
    let crm = Crm::start().await;
    let expected = error("AUTHENTICATION_FAILURE", json!({}), "Authentication failed");
    let bare = answer(crm.http.get(crm.url("/crm/v8/Contacts?fields=Last_Name")).send().await.unwrap()).await;
    assert_eq!(bare.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bare.body, expected);
    let bearer = crm
        .http
        .get(crm.url("/crm/v8/Contacts?fields=Last_Name"))
        .header(AUTHORIZATION, format!("Bearer {}", crm.token))
        .send()
        .await
        .unwrap();
    let bearer = answer(bearer).await;
    assert_eq!(bearer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bearer.body, expected);
}

#[tokio::test]
async fn expired_token_is_401_invalid_token() {
    let crm = Crm::start().await;
    crm.zoho.seed("Contacts", contact("Lovelace", "ada@example.com"));
    assert_eq!(crm.get("/crm/v8/Contacts", &[("fields", "Last_Name")]).await.status, StatusCode::OK);
    crm.zoho.expire_tokens();
    let expired = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name")]).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.body, error("INVALID_TOKEN", json!({}), "invalid oauth token"));

    let mut stranger = Crm::start().await;
    stranger.token = "1000.not.issued".into();
    assert_eq!(stranger.get("/crm/v8/Contacts", &[("fields", "Last_Name")]).await.body["code"], "INVALID_TOKEN");
}

// ---- modules and fields --------------------------------------------------

#[tokio::test]
async fn unknown_module_is_400_invalid_module() {
    let crm = Crm::start().await;
    let list = crm.get("/crm/v8/Widgets", &[("fields", "Name")]).await;
    assert_eq!(list.status, StatusCode::BAD_REQUEST);
    assert_eq!(list.body, error("INVALID_MODULE", json!({}), "the module name given seems to be invalid"));
    assert_eq!(crm.post("/crm/v8/Widgets", json!({"data": [{}]})).await.body["code"], "INVALID_MODULE");
    crm.zoho.seed("Contacts", contact("Lovelace", "ada@example.com"));
    assert_eq!(crm.get("/crm/v8/contacts", &[("fields", "Last_Name")]).await.status, StatusCode::OK, "module names ignore case");
    for module in ["Accounts", "Products", "Deals", "Leads", "Cases", "Notes", "Calls", "Events", "Tasks"] {
        assert_eq!(crm.get(&format!("/crm/v8/{module}"), &[("fields", "id")]).await.status, StatusCode::NO_CONTENT, "{module}");
    }
}

#[tokio::test]
async fn records_carry_ids_times_owner_and_creators() {
    let crm = Crm::start().await;
    let created = crm.post("/crm/v8/Contacts", json!({"data": [{"First_Name": "Ada", "Last_Name": "Lovelace"}]})).await;
    let id = created.body["data"][0]["details"]["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 19);
    assert!(id.chars().all(|c| c.is_ascii_digit()));
    let record = crm.get(&format!("/crm/v8/Contacts/{id}"), &[]).await.body["data"][0].clone();
    assert!(is_zoho_time(record["Created_Time"].as_str().unwrap()), "{}", record["Created_Time"]);
    assert!(is_zoho_time(record["Modified_Time"].as_str().unwrap()));
    let owner = &record["Owner"];
    assert!(owner["name"].is_string() && owner["id"].is_string() && owner["email"].is_string(), "{owner}");
    assert_eq!(record["Created_By"]["id"], owner["id"]);
    assert_eq!(record["Modified_By"]["id"], owner["id"]);
    let users = crm.get("/crm/v8/users", &[("type", "ActiveUsers")]).await;
    let users = users.body["users"].as_array().unwrap().clone();
    assert_eq!(users[0]["id"], owner["id"], "API writes are owned by the connecting user");
    // A record may be seeded with another owner.
    let other = users.iter().find(|u| u["id"] != owner["id"]).expect("a second user");
    let seeded = crm.zoho.seed("Contacts", json!({"Last_Name": "Hopper", "Owner": {"id": other["id"]}}));
    let seeded = crm.zoho.record("Contacts", &seeded).unwrap();
    assert_eq!(seeded["Owner"], json!({"id": other["id"], "name": other["full_name"], "email": other["email"]}));
    assert_eq!(seeded["Created_By"]["id"], owner["id"]);
}

#[tokio::test]
async fn lookups_are_written_by_id_and_read_with_a_name() {
    let crm = Crm::start().await;
    let account = crm.zoho.seed("Accounts", json!({"Account_Name": "Zylker"}));
    let created = crm
        .post(
            "/crm/v8/Contacts",
            json!({"data": [
                {"Last_Name": "A", "Account_Name": {"id": account}},
                {"Last_Name": "B", "Account_Name": account},
            ]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let list = crm.get("/crm/v8/Contacts", &[("fields", "Account_Name")]).await;
    for record in list.body["data"].as_array().unwrap() {
        assert_eq!(record["Account_Name"], json!({"id": account, "name": "Zylker"}));
    }
    // Seeded lookups get their name on read too.
    let seeded = crm
        .zoho
        .seed("Deals", json!({"Deal_Name": "D", "Stage": "Qualification", "Closing_Date": "2026-12-01", "Account_Name": {"id": account}}));
    assert_eq!(crm.zoho.record("Deals", &seeded).unwrap()["Account_Name"]["name"], "Zylker");
}

#[tokio::test]
async fn field_metadata_describes_the_module() {
    let crm = Crm::start().await;
    let meta = crm.get("/crm/v8/settings/fields", &[("module", "Contacts")]).await;
    assert_eq!(meta.status, StatusCode::OK);
    let fields = meta.body["fields"].as_array().unwrap();
    let field = |name: &str| fields.iter().find(|f| f["api_name"] == name).unwrap_or_else(|| panic!("{name}")).clone();
    let allowed: HashSet<&str> = [
        "text",
        "textarea",
        "email",
        "phone",
        "website",
        "integer",
        "currency",
        "double",
        "boolean",
        "date",
        "datetime",
        "picklist",
        "multiselectpicklist",
        "lookup",
        "ownerlookup",
    ]
    .into();
    for f in fields {
        for key in [
            "api_name",
            "field_label",
            "display_label",
            "data_type",
            "system_mandatory",
            "length",
            "read_only",
            "custom_field",
            "pick_list_values",
            "lookup",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
        assert!(allowed.contains(f["data_type"].as_str().unwrap()), "{f}");
    }
    let last = field("Last_Name");
    assert_eq!(
        (last["data_type"].as_str(), last["system_mandatory"].as_bool(), last["length"].as_u64()),
        (Some("text"), Some(true), Some(80))
    );
    assert_eq!(field("First_Name")["system_mandatory"], false);
    let tier = field("Support_Tier");
    assert_eq!(tier["custom_field"], true);
    let values: Vec<(&str, &str, u64)> = tier["pick_list_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["display_value"].as_str().unwrap(), v["actual_value"].as_str().unwrap(), v["sequence_number"].as_u64().unwrap()))
        .collect();
    assert_eq!(values, vec![("Gold", "Gold", 1), ("Silver", "Silver", 2), ("Bronze", "Bronze", 3)]);
    assert_eq!(field("Account_Name")["lookup"]["module"]["api_name"], "Accounts");
    assert_eq!(field("Tickets_Raised")["data_type"], "integer");
    assert_eq!(field("Owner")["data_type"], "ownerlookup");
    assert_eq!(field("Email")["data_type"], "email");
    assert_eq!(field("Customer_Type")["custom_field"], true);

    let deals = crm.get("/crm/v8/settings/fields", &[("module", "Deals")]).await;
    let closing = deals.body["fields"].as_array().unwrap().iter().find(|f| f["api_name"] == "Closing_Date").unwrap().clone();
    assert_eq!((closing["data_type"].as_str(), closing["system_mandatory"].as_bool()), (Some("date"), Some(true)));

    let missing = crm.get("/crm/v8/settings/fields", &[]).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.body, error("REQUIRED_PARAM_MISSING", json!({"param_name": "module"}), "One of the expected parameter is missing"));
    assert_eq!(crm.get("/crm/v8/settings/fields", &[("module", "Widgets")]).await.body["code"], "INVALID_MODULE");
}

// ---- reading -------------------------------------------------------------

#[tokio::test]
async fn list_without_fields_is_refused() {
    let crm = Crm::start().await;
    crm.zoho.seed("Contacts", contact("Lovelace", "ada@example.com"));
    let list = crm.get("/crm/v8/Contacts", &[]).await;
    assert_eq!(list.status, StatusCode::BAD_REQUEST);
    assert_eq!(list.body, error("REQUIRED_PARAM_MISSING", json!({"param_name": "fields"}), "One of the expected parameter is missing"));
}

#[tokio::test]
async fn list_returns_only_the_named_fields_and_id() {
    let crm = Crm::start().await;
    let ada = crm.zoho.seed("Contacts", json!({"First_Name": "Ada", "Last_Name": "Lovelace", "Email": "ada@example.com", "Phone": "1"}));
    let grace = crm.zoho.seed("Contacts", contact("Hopper", "grace@example.com"));
    let list = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name,Email")]).await;
    assert_eq!(list.status, StatusCode::OK);
    for record in list.body["data"].as_array().unwrap() {
        let keys: HashSet<&str> = record.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, HashSet::from(["id", "Last_Name", "Email"]));
    }
    // Default order: id descending.
    assert_eq!(ids(list.body["data"].as_array().unwrap()), vec![grace.clone(), ada.clone()]);
    let unknown = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name,Nickname")]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (unknown.body["code"].as_str(), unknown.body["details"].clone()),
        (Some("INVALID_DATA"), json!({"param_name": "fields", "api_name": "Nickname"}))
    );
    // `ids` narrows the list.
    let one = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("ids", &ada)]).await;
    assert_eq!(ids(one.body["data"].as_array().unwrap()), vec![ada]);
}

#[tokio::test]
async fn per_page_defaults_to_200_and_may_not_exceed_it() {
    let crm = Crm::start().await;
    crm.zoho.seed_many("Contacts", (0..250).map(|i| json!({"Last_Name": format!("C{i}")})).collect());
    let first = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name")]).await;
    assert_eq!(first.body["info"]["per_page"], 200);
    assert_eq!(first.body["info"]["count"], 200);
    assert_eq!(first.body["info"]["more_records"], true);
    let too_many = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("per_page", "201")]).await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    assert_eq!(too_many.body["code"], "INVALID_DATA");
    assert_eq!(too_many.body["details"], json!({"param_name": "per_page", "maximum": 200}));
    let second = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("page", "2")]).await;
    assert_eq!(second.body["info"]["count"], 50);
    assert_eq!(second.body["info"]["more_records"], false);
    assert_eq!(second.body["info"]["next_page_token"], Value::Null);
}

#[tokio::test]
async fn paging_past_2000_records_needs_page_token() {
    let crm = Crm::start().await;
    let seeded = crm.zoho.seed_many("Contacts", (0..2500).map(|i| json!({"Last_Name": format!("Contact {i}")})).collect());

    // Page 10 is the last `page` can reach; page 11 is refused.
    let page10 = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("page", "10")]).await;
    assert_eq!(page10.status, StatusCode::OK);
    let info = &page10.body["info"];
    for key in [
        "per_page",
        "count",
        "page",
        "sort_by",
        "sort_order",
        "more_records",
        "next_page_token",
        "previous_page_token",
        "page_token_expiry",
    ] {
        assert!(info.get(key).is_some(), "info.{key}");
    }
    assert_eq!((info["page"].as_u64(), info["count"].as_u64(), info["more_records"].as_bool()), (Some(10), Some(200), Some(true)));
    assert_eq!((info["sort_by"].as_str(), info["sort_order"].as_str()), (Some("id"), Some("desc")));
    assert!(info["next_page_token"].is_string() && info["previous_page_token"].is_string());
    let expiry = chrono::DateTime::parse_from_rfc3339(info["page_token_expiry"].as_str().unwrap()).unwrap();
    let ahead = expiry.timestamp() - chrono::Utc::now().timestamp();
    assert!((86_400 - 60..=86_400 + 60).contains(&ahead), "page tokens are reported to last a day, not {ahead}s");
    let page11 = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("page", "11")]).await;
    assert_eq!(page11.status, StatusCode::BAD_REQUEST);
    assert_eq!(page11.body, error("DISCRETE_PAGINATION_LIMIT_EXCEEDED", json!({}), "cannot fetch more than 2000 records, use page_token"));

    // A page straddling the 2,000th record stops at it, and its token goes on.
    let straddling = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("per_page", "150"), ("page", "14")]).await;
    assert_eq!(straddling.body["info"]["count"], 50);
    assert_eq!(straddling.body["info"]["more_records"], true);
    assert!(straddling.body["info"]["next_page_token"].is_string());
    // Past the last record: 204.
    let few = Crm::start().await;
    few.zoho.seed("Contacts", contact("Only", "only@example.com"));
    assert_eq!(few.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("page", "3")]).await.status, StatusCode::NO_CONTENT);

    // The token of page 10 continues beyond 2,000 (with `page` beside it,
    // Zoho refuses the request).
    let token = info["next_page_token"].as_str().unwrap();
    let both = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("page_token", token), ("page", "1")]).await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);
    let page11 = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("page_token", token)]).await;
    assert_eq!(page11.status, StatusCode::OK);
    let expected_page11: Vec<String> = seeded.iter().rev().skip(2000).take(200).cloned().collect();
    assert_eq!(ids(page11.body["data"].as_array().unwrap()), expected_page11);

    // Following tokens from the start reaches every record once, in order, quickly.
    let started = Instant::now();
    let all = crm.list_all("/crm/v8/Contacts", &[("fields", "Last_Name"), ("sort_order", "asc")]).await;
    assert!(started.elapsed() < Duration::from_secs(10), "listing took {:?}", started.elapsed());
    assert_eq!(ids(&all), seeded);

    let bogus = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("page_token", "not-issued")]).await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST);
    assert_eq!(bogus.body["code"], "INVALID_DATA");
    assert_eq!(bogus.body["details"], json!({"param_name": "page_token"}));
    // A token continues only the list it came from.
    let other_module = crm.get("/crm/v8/Leads", &[("fields", "Last_Name"), ("page_token", token)]).await;
    assert_eq!(other_module.body["details"], json!({"param_name": "page_token"}));
}

#[tokio::test]
async fn sort_by_times_or_id_in_either_order() {
    let crm = Crm::start().await;
    let a = crm.zoho.seed(
        "Contacts",
        json!({"Last_Name": "A", "Created_Time": "2026-01-03T00:00:00+00:00", "Modified_Time": "2026-02-01T00:00:00+00:00"}),
    );
    let b = crm.zoho.seed(
        "Contacts",
        json!({"Last_Name": "B", "Created_Time": "2026-01-01T00:00:00+00:00", "Modified_Time": "2026-02-03T00:00:00+00:00"}),
    );
    // Offsets are compared as instants: C was created 2025-12-31T20:00Z, before B.
    let c = crm.zoho.seed(
        "Contacts",
        json!({"Last_Name": "C", "Created_Time": "2026-01-01T01:00:00+05:00", "Modified_Time": "2026-02-02T00:00:00-03:00"}),
    );
    let order = |query: Vec<(&'static str, &'static str)>| {
        let crm = &crm;
        async move {
            let mut q = vec![("fields", "Last_Name")];
            q.extend(query);
            ids(crm.get("/crm/v8/Contacts", &q).await.body["data"].as_array().unwrap())
        }
    };
    assert_eq!(order(vec![]).await, vec![c.clone(), b.clone(), a.clone()]);
    assert_eq!(order(vec![("sort_order", "asc")]).await, vec![a.clone(), b.clone(), c.clone()]);
    assert_eq!(order(vec![("sort_by", "Created_Time"), ("sort_order", "asc")]).await, vec![c.clone(), b.clone(), a.clone()]);
    assert_eq!(order(vec![("sort_by", "Modified_Time")]).await, vec![b.clone(), c.clone(), a.clone()]);
    let info = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("sort_by", "Modified_Time"), ("sort_order", "asc")]).await;
    assert_eq!((info.body["info"]["sort_by"].as_str(), info.body["info"]["sort_order"].as_str()), (Some("Modified_Time"), Some("asc")));
    let bad = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("sort_by", "Last_Name")]).await;
    assert_eq!((bad.status, bad.body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_DATA")));
}

#[tokio::test]
async fn custom_views_filter_lists() {
    let crm = Crm::start().await;
    let gold = crm.zoho.seed("Contacts", json!({"Last_Name": "Gold", "Support_Tier": "Gold"}));
    crm.zoho.seed("Contacts", json!({"Last_Name": "Bronze", "Support_Tier": "Bronze"}));
    let cvid = crm.zoho.add_custom_view("Contacts", "Gold customers", "(Support_Tier:equals:gold)");
    assert_eq!(cvid.len(), 19);

    let views = crm.get("/crm/v8/settings/custom_views", &[("module", "Contacts")]).await;
    let summary: Vec<Value> = views.body["custom_views"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| json!({"id": v["id"], "name": v["name"], "display_value": v["display_value"], "system_defined": v["system_defined"]}))
        .collect();
    let all_view = crm.zoho.all_view("Contacts");
    assert_eq!(
        summary,
        vec![
            json!({"id": all_view, "name": "All", "display_value": "All", "system_defined": true}),
            json!({"id": cvid, "name": "Gold customers", "display_value": "Gold customers", "system_defined": false}),
        ]
    );
    let in_view = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("cvid", &cvid)]).await;
    assert_eq!(ids(in_view.body["data"].as_array().unwrap()), vec![gold]);
    let all = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("cvid", &all_view)]).await;
    assert_eq!(all.body["data"].as_array().unwrap().len(), 2);
    // The readable ids of earlier emulator versions are gone.
    let readable = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("cvid", "Contacts_all")]).await;
    assert_eq!(readable.status, StatusCode::BAD_REQUEST);
    let unknown = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("cvid", "123")]).await;
    assert_eq!((unknown.status, unknown.body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_DATA")));
    // A view belongs to its module.
    let elsewhere = crm.get("/crm/v8/Leads", &[("fields", "Last_Name"), ("cvid", &cvid)]).await;
    assert_eq!(elsewhere.status, StatusCode::BAD_REQUEST);
    let views = crm.get("/crm/v8/settings/custom_views", &[]).await;
    assert_eq!(views.body["code"], "REQUIRED_PARAM_MISSING");
}

#[tokio::test]
async fn if_modified_since_lists_changes_and_304_when_none() {
    let crm = Crm::start().await;
    crm.zoho.seed("Contacts", json!({"Last_Name": "Old", "Modified_Time": "2026-01-01T00:00:00+00:00"}));
    let mid = crm.zoho.seed("Contacts", json!({"Last_Name": "Mid", "Modified_Time": "2026-06-01T12:00:00+00:00"}));
    let new = crm.zoho.seed("Contacts", json!({"Last_Name": "New", "Modified_Time": "2026-09-01T00:00:00+00:00"}));
    let since = |value: &'static str| {
        let crm = &crm;
        async move { crm.call(Method::GET, "/crm/v8/Contacts", &[("fields", "Last_Name")], None, &[("If-Modified-Since", value)]).await }
    };
    // "At or after", compared as instants whatever the offset.
    let changed = since("2026-06-01T17:30:00+05:30").await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(ids(changed.body["data"].as_array().unwrap()), vec![new.clone(), mid]);
    let http_date = since("Tue, 01 Sep 2026 00:00:00 GMT").await;
    assert_eq!(ids(http_date.body["data"].as_array().unwrap()), vec![new]);
    let garbled = since("last tuesday").await;
    assert_eq!((garbled.status, garbled.body["details"].clone()), (StatusCode::BAD_REQUEST, json!({"param_name": "If-Modified-Since"})));
    let none = since("2027-01-01T00:00:00+00:00").await;
    assert_eq!(none.status, StatusCode::NOT_MODIFIED);
    assert!(none.text.is_empty());
}

#[tokio::test]
async fn empty_list_is_204_without_body() {
    let crm = Crm::start().await;
    let list = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name")]).await;
    assert_eq!(list.status, StatusCode::NO_CONTENT);
    assert!(list.text.is_empty());
    crm.zoho.seed("Contacts", contact("Lovelace", "ada@example.com"));
    let beyond = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("page", "2")]).await;
    assert_eq!(beyond.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn get_by_id_returns_every_field_and_unknown_id_is_invalid_data() {
    let crm = Crm::start().await;
    let id = crm.zoho.seed("Contacts", contact("Lovelace", "ada@example.com"));
    let one = crm.get(&format!("/crm/v8/Contacts/{id}"), &[]).await;
    assert_eq!(one.status, StatusCode::OK);
    let record = &one.body["data"][0];
    assert_eq!(record["id"], id);
    assert_eq!(record["Last_Name"], "Lovelace");
    for field in ["First_Name", "Secondary_Email", "Mobile", "Account_Name", "Support_Tier", "Tickets_Raised", "Owner", "Created_Time"] {
        assert!(record.get(field).is_some(), "{field}");
    }
    let unknown = crm.get("/crm/v8/Contacts/6421000000999999999", &[]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body, error("INVALID_DATA", json!({"id": "6421000000999999999"}), "the id given seems to be invalid"));
}

// ---- search ----------------------------------------------------------------

async fn search_ids(crm: &Crm, module: &str, query: &[(&str, &str)]) -> Vec<String> {
    let found = crm.get(&format!("/crm/v8/{module}/search"), query).await;
    match found.status {
        StatusCode::NO_CONTENT => Vec::new(),
        StatusCode::OK => {
            let mut ids = ids(found.body["data"].as_array().unwrap());
            ids.sort();
            ids
        }
        other => panic!("{other}: {}", found.text),
    }
}

#[tokio::test]
async fn criteria_search_nests_escapes_and_ignores_case() {
    let crm = Crm::start().await;
    let ada = crm.zoho.seed("Contacts", json!({"First_Name": "Ada", "Last_Name": "Lovelace", "Email": "ada@example.com", "Tickets_Raised": 3, "Mailing_City": "London (UK)"}));
    let grace = crm.zoho.seed("Contacts", json!({"First_Name": "Grace", "Last_Name": "Hopper", "Email": "grace@example.com", "Tickets_Raised": 9, "Mailing_City": "Burns, B"}));
    let zoe = crm.zoho.seed(
        "Contacts",
        json!({"First_Name": "Zoë", "Last_Name": "Ångström", "Email": "zoe@example.se", "Tickets_Raised": 5, "Mailing_City": r"C:\Temp"}),
    );
    let mut all = vec![ada.clone(), grace.clone(), zoe.clone()];
    all.sort();
    let q = |criteria: &'static str| {
        let crm = &crm;
        async move { search_ids(crm, "Contacts", &[("criteria", criteria)]).await }
    };
    assert_eq!(q("((Last_Name:equals:LOVELACE)and(Email:starts_with:ada))").await, vec![ada.clone()]);
    assert_eq!(q("(Last_Name:equals:ångström)").await, vec![zoe.clone()]);
    assert_eq!(q("(Email:starts_with:GRACE@)").await, vec![grace.clone()]);
    let mut not_ada = vec![grace.clone(), zoe.clone()];
    not_ada.sort();
    assert_eq!(q("(Last_Name:not_equal:Lovelace)").await, not_ada);
    let mut ada_or_grace = vec![ada.clone(), grace.clone()];
    ada_or_grace.sort();
    assert_eq!(q("(Last_Name:in:Lovelace,Hopper)").await, ada_or_grace);
    assert_eq!(q("(Tickets_Raised:greater_than:4)").await, not_ada);
    assert_eq!(q("(Tickets_Raised:less_than:4)").await, vec![ada.clone()]);
    assert_eq!(q("((Tickets_Raised:greater_than:4)and((Last_Name:equals:Hopper)or(First_Name:starts_with:zo)))").await, not_ada);
    assert_eq!(q("((Last_Name:equals:Hopper)or(Last_Name:equals:Lovelace)or(Last_Name:equals:Nobody))").await, ada_or_grace);
    assert_eq!(q(r"(Mailing_City:equals:London \(UK\))").await, vec![ada.clone()]);
    assert_eq!(q(r"(Mailing_City:equals:Burns\, B)").await, vec![grace.clone()]);
    assert_eq!(q(r"(Mailing_City:in:Burns\, B,London \(uk\))").await, ada_or_grace);
    assert_eq!(q(r"(Mailing_City:equals:C:\\Temp)").await, vec![zoe.clone()]);
    assert_eq!(q("(Created_Time:greater_than:2000-01-01T00:00:00+00:00)").await, all);
    assert_eq!(q("(Last_Name:equals:Lovelace,Hopper)").await, ada_or_grace, "unescaped commas separate values");
    let id_query = format!("(id:equals:{zoe})");
    assert_eq!(search_ids(&crm, "Contacts", &[("criteria", &id_query)]).await, vec![zoe.clone()]);

    let account = crm.zoho.seed("Accounts", json!({"Account_Name": "Zylker (UK)"}));
    let linked = crm.zoho.seed("Contacts", json!({"Last_Name": "Linked", "Account_Name": {"id": account}}));
    assert_eq!(q(r"(Account_Name:equals:zylker \(uk\))").await, vec![linked.clone()]);
    let by_id = format!("(Account_Name.id:equals:{account})");
    assert_eq!(search_ids(&crm, "Contacts", &[("criteria", &by_id)]).await, vec![linked.clone()]);
    assert_eq!(q(r"(Account_Name.name:starts_with:Zyl)").await, vec![linked]);

    // The criteria win over email, phone and word.
    let both = crm.get("/crm/v8/Contacts/search", &[("criteria", "(Last_Name:equals:Hopper)"), ("email", "ada@example.com")]).await;
    assert_eq!(ids(both.body["data"].as_array().unwrap()), vec![grace.clone()]);
    let email_over_word = crm.get("/crm/v8/Contacts/search", &[("word", "Hopper"), ("email", "ada@example.com")]).await;
    assert_eq!(ids(email_over_word.body["data"].as_array().unwrap()), vec![ada.clone()]);
    let nothing = crm.get("/crm/v8/Contacts/search", &[]).await;
    assert_eq!(
        nothing.body,
        error("REQUIRED_PARAM_MISSING", json!({"param_name": "criteria"}), "One of the expected parameter is missing")
    );
}

#[tokio::test]
async fn malformed_criteria_is_invalid_query() {
    let crm = Crm::start().await;
    crm.zoho.seed("Contacts", contact("Lovelace", "ada@example.com"));
    for bad in [
        "Last_Name:equals:Lovelace",
        "(Last_Name:equals:Lovelace",
        "(Last_Name:resembles:Lovelace)",
        "(Last_Name:equals:London (UK))",
        "(Nickname:equals:x)",
        "(Tickets_Raised:greater_than:many)",
        "(Last_Name:greater_than:A)",
        r"(Last_Name:equals:a\b)",
        "(Last_Name:equals:A)and(Last_Name:equals:B)or(Last_Name:equals:C)",
    ] {
        let found = crm.get("/crm/v8/Contacts/search", &[("criteria", bad)]).await;
        assert_eq!(found.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(found.body["code"], "INVALID_QUERY", "{bad}");
        assert_eq!(found.body["status"], "error");
    }
}

#[tokio::test]
async fn email_phone_and_word_search() {
    let crm = Crm::start().await;
    let ada = crm.zoho.seed("Contacts", json!({"Last_Name": "Lovelace", "Email": "ada@zylker.example", "Secondary_Email": "ada.private@mail.example", "Phone": "+1 (415) 555-0101"}));
    let grace = crm.zoho.seed("Contacts", json!({"Last_Name": "Hopper", "Email": "grace@northwind.example", "Mobile": "212.555.0142", "Description": "Met at the Zylker summit"}));
    assert_eq!(search_ids(&crm, "Contacts", &[("email", "ADA@zylker.example")]).await, vec![ada.clone()]);
    assert_eq!(search_ids(&crm, "Contacts", &[("email", "ada.private@mail.example")]).await, vec![ada.clone()]);
    assert_eq!(search_ids(&crm, "Contacts", &[("phone", "+14155550101")]).await, vec![ada.clone()]);
    assert_eq!(search_ids(&crm, "Contacts", &[("phone", "(212) 555-0142")]).await, vec![grace.clone()]);
    let mut both = vec![ada.clone(), grace.clone()];
    both.sort();
    assert_eq!(search_ids(&crm, "Contacts", &[("word", "ZYLKER")]).await, both);
    assert_eq!(search_ids(&crm, "Contacts", &[("word", "opp")]).await, vec![grace.clone()]);
    // `fields` is optional: without it every field comes back; with it, only those.
    let full = crm.get("/crm/v8/Contacts/search", &[("email", "ada@zylker.example")]).await;
    assert!(full.body["data"][0].get("Mobile").is_some());
    let some = crm.get("/crm/v8/Contacts/search", &[("email", "ada@zylker.example"), ("fields", "Email")]).await;
    assert_eq!(some.body["data"][0].as_object().unwrap().len(), 2);
    let info = &some.body["info"];
    assert_eq!((info["count"].as_u64(), info["page"].as_u64(), info["more_records"].as_bool()), (Some(1), Some(1), Some(false)));
    let too_many = crm.get("/crm/v8/Contacts/search", &[("word", "a"), ("per_page", "500")]).await;
    assert_eq!(too_many.body["details"], json!({"param_name": "per_page", "maximum": 200}));
}

#[tokio::test]
async fn search_with_no_match_is_204_without_body() {
    let crm = Crm::start().await;
    crm.zoho.seed("Contacts", contact("Lovelace", "ada@example.com"));
    for query in [("criteria", "(Last_Name:equals:Nobody)"), ("email", "nobody@example.com"), ("phone", "000"), ("word", "zzz")] {
        let found = crm.get("/crm/v8/Contacts/search", &[query]).await;
        assert_eq!(found.status, StatusCode::NO_CONTENT, "{query:?}");
        assert!(found.text.is_empty());
    }
}

#[tokio::test]
async fn search_reaches_only_the_first_2000_matches() {
    let crm = Crm::start().await;
    crm.zoho.seed_many("Contacts", (0..2100).map(|i| json!({"Last_Name": format!("Match {i}")})).collect());
    let page10 = crm.get("/crm/v8/Contacts/search", &[("word", "match"), ("page", "10"), ("fields", "Last_Name")]).await;
    assert_eq!(page10.status, StatusCode::OK);
    assert_eq!(page10.body["info"]["count"], 200);
    assert_eq!(page10.body["info"]["more_records"], false);
    let page11 = crm.get("/crm/v8/Contacts/search", &[("word", "match"), ("page", "11"), ("fields", "Last_Name")]).await;
    assert_eq!(page11.status, StatusCode::BAD_REQUEST);
    assert_eq!(page11.body["code"], "DISCRETE_PAGINATION_LIMIT_EXCEEDED");
}

// ---- related lists ---------------------------------------------------------

#[tokio::test]
async fn related_lists_follow_the_lookups() {
    let crm = Crm::start().await;
    let z = &crm.zoho;
    let account = z.seed("Accounts", json!({"Account_Name": "Zylker"}));
    let ada = z.seed("Contacts", json!({"Last_Name": "Lovelace", "Account_Name": {"id": account}}));
    let grace = z.seed("Contacts", json!({"Last_Name": "Hopper"}));
    let deal = z.seed("Deals", json!({"Deal_Name": "D1", "Stage": "Qualification", "Closing_Date": "2026-12-01", "Contact_Name": {"id": ada}, "Account_Name": {"id": account}}));
    let note = z.seed("Notes", json!({"Note_Content": "hello", "Parent_Id": {"id": ada}, "$se_module": "Contacts"}));
    let account_note = z.seed("Notes", json!({"Note_Content": "acct", "Parent_Id": {"id": account}, "$se_module": "Accounts"}));
    let call = z.seed("Calls", json!({"Subject": "C", "Call_Start_Time": "2026-11-01T10:00:00+00:00", "Who_Id": {"id": ada}, "What_Id": {"id": account}, "$se_module": "Accounts"}));
    let event = z.seed("Events", json!({"Event_Title": "E", "Start_DateTime": "2026-11-01T10:00:00+00:00", "End_DateTime": "2026-11-01T11:00:00+00:00", "Who_Id": {"id": ada}}));
    let task = z.seed("Tasks", json!({"Subject": "T", "What_Id": {"id": account}, "$se_module": "Accounts"}));
    let task2 = z.seed("Tasks", json!({"Subject": "T2", "Who_Id": {"id": ada}}));
    let case = z.seed("Cases", json!({"Subject": "S", "Related_To": {"id": ada}, "Account_Name": {"id": account}}));
    z.seed("Deals", json!({"Deal_Name": "Other", "Stage": "Qualification", "Closing_Date": "2026-12-01", "Contact_Name": {"id": grace}}));

    let related = |module: &'static str, id: String, list: &'static str| {
        let crm = &crm;
        async move {
            let found = crm.get(&format!("/crm/v8/{module}/{id}/{list}"), &[("fields", "id")]).await;
            if found.status == StatusCode::NO_CONTENT {
                return Vec::new();
            }
            assert_eq!(found.status, StatusCode::OK, "{}", found.text);
            assert!(found.body["info"]["more_records"].is_boolean());
            ids(found.body["data"].as_array().unwrap())
        }
    };
    assert_eq!(related("Contacts", ada.clone(), "Deals").await, vec![deal.clone()]);
    assert_eq!(related("Contacts", ada.clone(), "Notes").await, vec![note]);
    assert_eq!(related("Contacts", ada.clone(), "Calls").await, vec![call.clone()]);
    assert_eq!(related("Contacts", ada.clone(), "Events").await, vec![event]);
    assert_eq!(related("Contacts", ada.clone(), "Tasks").await, vec![task2]);
    assert_eq!(related("Contacts", ada.clone(), "Cases").await, vec![case.clone()]);
    assert_eq!(related("Accounts", account.clone(), "Contacts").await, vec![ada.clone()]);
    assert_eq!(related("Accounts", account.clone(), "Deals").await, vec![deal]);
    assert_eq!(related("Accounts", account.clone(), "Notes").await, vec![account_note]);
    assert_eq!(related("Accounts", account.clone(), "Calls").await, vec![call]);
    assert_eq!(related("Accounts", account.clone(), "Tasks").await, vec![task]);
    assert_eq!(related("Accounts", account.clone(), "Cases").await, vec![case]);
    // No related records: 204.
    assert!(related("Contacts", grace.clone(), "Notes").await.is_empty());
    let empty = crm.get(&format!("/crm/v8/Contacts/{grace}/Notes"), &[("fields", "id")]).await;
    assert_eq!(empty.status, StatusCode::NO_CONTENT);
    assert!(empty.text.is_empty());

    let since = crm
        .call(
            Method::GET,
            &format!("/crm/v8/Contacts/{ada}/Deals"),
            &[("fields", "id")],
            None,
            &[("If-Modified-Since", "2099-01-01T00:00:00+00:00")],
        )
        .await;
    assert_eq!(since.status, StatusCode::NOT_MODIFIED);

    // `fields` is required, as for lists.
    let no_fields = crm.get(&format!("/crm/v8/Contacts/{ada}/Deals"), &[]).await;
    assert_eq!(
        no_fields.body,
        error("REQUIRED_PARAM_MISSING", json!({"param_name": "fields"}), "One of the expected parameter is missing")
    );
    let unknown_parent = crm.get("/crm/v8/Contacts/6421000000999999999/Deals", &[("fields", "id")]).await;
    assert_eq!((unknown_parent.status, unknown_parent.body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_DATA")));
    let unknown_list = crm.get(&format!("/crm/v8/Contacts/{ada}/Widgets"), &[("fields", "id")]).await;
    assert_eq!(unknown_list.status, StatusCode::BAD_REQUEST);

    // Same paging as lists: per_page and page tokens.
    z.seed_many("Tasks", (0..5).map(|i| json!({"Subject": format!("Bulk {i}"), "Who_Id": {"id": ada}})).collect());
    let all = crm.list_all(&format!("/crm/v8/Contacts/{ada}/Tasks"), &[("fields", "Subject"), ("per_page", "2")]).await;
    assert_eq!(all.len(), 6);
    let over = crm.get(&format!("/crm/v8/Contacts/{ada}/Tasks"), &[("fields", "Subject"), ("per_page", "300")]).await;
    assert_eq!(over.body["details"], json!({"param_name": "per_page", "maximum": 200}));
}

// ---- writing ----------------------------------------------------------------

#[tokio::test]
async fn insert_reports_each_record_and_207_on_partial_success() {
    let crm = Crm::start().await;
    let all_ok = crm.post("/crm/v8/Contacts", json!({"data": [contact("Lovelace", "ada@example.com")], "trigger": ["workflow"]})).await;
    assert_eq!(all_ok.status, StatusCode::CREATED);
    let outcome = &all_ok.body["data"][0];
    assert_eq!(
        (outcome["code"].as_str(), outcome["message"].as_str(), outcome["status"].as_str()),
        (Some("SUCCESS"), Some("record added"), Some("success"))
    );
    let details = &outcome["details"];
    assert!(is_zoho_time(details["Created_Time"].as_str().unwrap()) && is_zoho_time(details["Modified_Time"].as_str().unwrap()));
    assert!(details["Created_By"]["name"].is_string() && details["Modified_By"]["id"].is_string());
    let id = details["id"].as_str().unwrap();
    assert_eq!(crm.zoho.record("Contacts", id).unwrap()["Email"], "ada@example.com");

    let partial = crm.post("/crm/v8/Contacts", json!({"data": [contact("Hopper", "grace@example.com"), {"First_Name": "Nameless"}]})).await;
    assert_eq!(partial.status, StatusCode::MULTI_STATUS);
    assert_eq!(partial.body["data"][0]["code"], "SUCCESS");
    assert_eq!(
        partial.body["data"][1],
        error("MANDATORY_NOT_FOUND", json!({"api_name": "Last_Name", "json_path": "$.data[1].Last_Name"}), "required field not found")
    );
    let none = crm.post("/crm/v8/Contacts", json!({"data": [{"First_Name": "A"}, {"Email": "x@example.com"}]})).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(none.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(crm.zoho.records("Contacts").len(), 2);
}

#[tokio::test]
async fn insert_checks_types_fields_lengths_and_lookups() {
    let crm = Crm::start().await;
    let outcome = |record: Value| {
        let crm = &crm;
        async move {
            let answer = crm.post("/crm/v8/Contacts", json!({"data": [record]})).await;
            answer.body["data"][0].clone()
        }
    };
    assert_eq!(
        outcome(json!({"Last_Name": "A", "Tickets_Raised": "many"})).await,
        error(
            "INVALID_DATA",
            json!({"api_name": "Tickets_Raised", "json_path": "$.data[0].Tickets_Raised", "expected_data_type": "integer"}),
            "invalid data"
        )
    );
    assert_eq!(outcome(json!({"Last_Name": "A", "Tickets_Raised": 2.5})).await["details"]["expected_data_type"], "integer");
    assert_eq!(
        outcome(json!({"Last_Name": "A", "Nickname": "x"})).await,
        error("INVALID_DATA", json!({"api_name": "Nickname"}), "invalid field")
    );
    let long = outcome(json!({"Last_Name": "L".repeat(81)})).await;
    assert_eq!((long["code"].as_str(), long["details"]["api_name"].as_str()), (Some("INVALID_DATA"), Some("Last_Name")));
    assert_eq!(
        outcome(json!({"Last_Name": "A", "Account_Name": {"id": "6421000000999999999"}})).await["details"]["expected_data_type"],
        "lookup"
    );
    assert_eq!(outcome(json!({"Last_Name": "A", "Email": "not-an-email"})).await["details"]["expected_data_type"], "email");
    // Picklists take new values, as Zoho does.
    assert_eq!(outcome(json!({"Last_Name": "A", "Support_Tier": "Platinum", "Tickets_Raised": 3})).await["code"], "SUCCESS");

    let deal = |record: Value| {
        let crm = &crm;
        async move { crm.post("/crm/v8/Deals", json!({"data": [record]})).await.body["data"][0].clone() }
    };
    let base = json!({"Deal_Name": "D", "Stage": "Qualification", "Closing_Date": "2026-12-01"});
    let with = |key: &str, value: Value| {
        let mut r = base.clone();
        r[key] = value;
        r
    };
    assert_eq!(deal(base.clone()).await["code"], "SUCCESS");
    assert_eq!(deal(with("Closing_Date", json!("01/12/2026"))).await["details"]["expected_data_type"], "date");
    assert_eq!(deal(with("Amount", json!("1000"))).await["details"]["expected_data_type"], "currency");
    assert_eq!(deal(with("Amount", json!(1000.5))).await["code"], "SUCCESS");
    let product = crm.post("/crm/v8/Products", json!({"data": [{"Product_Name": "P", "Product_Active": "yes"}]})).await;
    assert_eq!(product.body["data"][0]["details"]["expected_data_type"], "boolean");
    let call = crm.post("/crm/v8/Calls", json!({"data": [{"Subject": "S", "Call_Type": "Outbound", "Call_Start_Time": "tomorrow"}]})).await;
    assert_eq!(call.body["data"][0]["details"]["expected_data_type"], "datetime");
    let call = crm.post("/crm/v8/Calls", json!({"data": [{"Subject": "S", "Call_Start_Time": "2026-11-21T09:30:00+01:00"}]})).await;
    assert_eq!(call.body["data"][0]["details"]["api_name"], "Call_Type", "a call's type is mandatory");
    let call = crm
        .post("/crm/v8/Calls", json!({"data": [{"Subject": "S", "Call_Type": "Inbound", "Call_Start_Time": "2026-11-21T09:30:00+01:00", "Call_Duration": "90"}]}))
        .await;
    assert_eq!(call.body["data"][0]["details"]["expected_data_type"], "mm:ss");
    let call = crm
        .post("/crm/v8/Calls", json!({"data": [{"Subject": "S", "Call_Type": "Inbound", "Call_Start_Time": "2026-11-21T09:30:00+01:00", "Call_Duration": "01:30"}]}))
        .await;
    assert_eq!(call.status, StatusCode::CREATED);
    let account = crm.zoho.seed("Accounts", json!({"Account_Name": "Zylker"}));
    let unparented = crm.post("/crm/v8/Tasks", json!({"data": [{"Subject": "T", "What_Id": {"id": account}}]})).await;
    assert_eq!(unparented.body["data"][0]["details"]["api_name"], "$se_module");
    let parented =
        crm.post("/crm/v8/Tasks", json!({"data": [{"Subject": "T", "What_Id": {"id": account}, "$se_module": "Accounts"}]})).await;
    assert_eq!(parented.status, StatusCode::CREATED);
    let note = crm.post("/crm/v8/Notes", json!({"data": [{"Note_Content": "n", "Parent_Id": {"id": account}}]})).await;
    assert_eq!(note.body["data"][0]["code"], "MANDATORY_NOT_FOUND");
}

#[tokio::test]
async fn duplicate_unique_field_is_duplicate_data() {
    let crm = Crm::start().await;
    let ada = crm.zoho.seed("Contacts", contact("Lovelace", "Ada@Example.com"));
    let dup = crm.post("/crm/v8/Contacts", json!({"data": [contact("Other", "ada@example.COM")]})).await;
    assert_eq!(dup.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        dup.body["data"][0],
        error(
            "DUPLICATE_DATA",
            json!({"api_name": "Email", "json_path": "$.data[0].Email", "duplicate_record": {"id": ada, "module": {"api_name": "Contacts", "id": "6421000000000002175"}}}),
            "duplicate data"
        )
    );
    // Within one batch, the second of two equal records collides with the first.
    let batch = crm.post("/crm/v8/Accounts", json!({"data": [{"Account_Name": "Zylker"}, {"Account_Name": "ZYLKER"}]})).await;
    assert_eq!(batch.status, StatusCode::MULTI_STATUS);
    assert_eq!(batch.body["data"][1]["details"]["api_name"], "Account_Name");
    crm.zoho.seed("Products", json!({"Product_Name": "Widget"}));
    let product = crm.post("/crm/v8/Products", json!({"data": [{"Product_Name": "widget"}]})).await;
    assert_eq!(product.body["data"][0]["code"], "DUPLICATE_DATA");
}

#[tokio::test]
async fn write_bodies_are_data_arrays_of_at_most_100() {
    let crm = Crm::start().await;
    let many: Vec<Value> = (0..101).map(|i| json!({"Last_Name": format!("C{i}")})).collect();
    let over = crm.post("/crm/v8/Contacts", json!({"data": many})).await;
    assert_eq!(over.status, StatusCode::BAD_REQUEST);
    assert_eq!(over.body["code"], "LIMIT_EXCEEDED");
    assert_eq!(over.body["details"], json!({"limit": 100}));
    let hundred: Vec<Value> = (0..100).map(|i| json!({"Last_Name": format!("C{i}")})).collect();
    assert_eq!(crm.post("/crm/v8/Contacts", json!({"data": hundred})).await.status, StatusCode::CREATED);
    for bad in [json!([{"Last_Name": "A"}]), json!({"records": []}), json!({"data": {"Last_Name": "A"}}), json!({"data": ["A"]})] {
        let answer = crm.post("/crm/v8/Contacts", bad.clone()).await;
        assert_eq!((answer.status, answer.body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_DATA")), "{bad}");
        assert_eq!(answer.body["status"], "error");
    }
    let not_json = crm
        .http
        .post(crm.url("/crm/v8/Contacts"))
        .header(AUTHORIZATION, format!("Zoho-oauthtoken {}", crm.token))
        .body("data=1")
        .send()
        .await
        .unwrap();
    assert_eq!(answer(not_json).await.body["code"], "INVALID_DATA");
}

#[tokio::test]
async fn update_by_body_ids_or_path_and_mandatory_fields_stay_filled() {
    let crm = Crm::start().await;
    let ada = crm
        .zoho
        .seed("Contacts", json!({"Last_Name": "Lovelace", "Email": "ada@example.com", "Created_Time": "2026-01-01T00:00:00+00:00"}));
    let grace = crm.zoho.seed("Contacts", contact("Hopper", "grace@example.com"));
    let updated = crm.put("/crm/v8/Contacts", json!({"data": [{"id": ada, "Title": "Countess"}, {"id": grace, "Title": "Admiral"}]})).await;
    assert_eq!(updated.status, StatusCode::OK);
    let outcome = &updated.body["data"][0];
    assert_eq!((outcome["code"].as_str(), outcome["message"].as_str()), (Some("SUCCESS"), Some("record updated")));
    assert_eq!(outcome["details"]["id"], ada);
    assert_eq!(outcome["details"]["Created_Time"], "2026-01-01T00:00:00+00:00");
    let record = crm.zoho.record("Contacts", &ada).unwrap();
    assert_eq!((record["Title"].as_str(), record["Last_Name"].as_str()), (Some("Countess"), Some("Lovelace")));
    assert_ne!(record["Modified_Time"], "2026-01-01T00:00:00+00:00");

    let mixed = crm.put("/crm/v8/Contacts", json!({"data": [{"id": ada, "Last_Name": ""}, {"id": "6421000000999999999", "Title": "x"}, {"id": grace, "Title": "Rear Admiral"}]})).await;
    assert_eq!(mixed.status, StatusCode::MULTI_STATUS);
    assert_eq!(
        mixed.body["data"][0],
        error("MANDATORY_NOT_FOUND", json!({"api_name": "Last_Name", "json_path": "$.data[0].Last_Name"}), "required field not found")
    );
    assert_eq!(mixed.body["data"][1], error("INVALID_DATA", json!({"id": "6421000000999999999"}), "the id given seems to be invalid"));
    assert_eq!(mixed.body["data"][2]["code"], "SUCCESS");
    let no_id = crm.put("/crm/v8/Contacts", json!({"data": [{"Title": "x"}]})).await;
    assert_eq!(no_id.status, StatusCode::BAD_REQUEST);

    // A record as read can be written back: system fields and lookup names are ignored.
    let account = crm.zoho.seed("Accounts", json!({"Account_Name": "Zylker"}));
    crm.put(&format!("/crm/v8/Contacts/{ada}"), json!({"data": [{"Account_Name": account, "Mobile": "1", "Phone": "2"}]})).await;
    let mut read = crm.get(&format!("/crm/v8/Contacts/{ada}"), &[]).await.body["data"][0].clone();
    read["Title"] = json!("Analyst");
    read["Created_Time"] = json!("2020-01-01T00:00:00+00:00");
    let written = crm.put("/crm/v8/Contacts", json!({"data": [read]})).await;
    assert_eq!(written.status, StatusCode::OK, "{}", written.text);
    let record = crm.zoho.record("Contacts", &ada).unwrap();
    assert_eq!((record["Title"].as_str(), record["Account_Name"]["name"].as_str()), (Some("Analyst"), Some("Zylker")));
    assert_eq!(record["Created_Time"], "2026-01-01T00:00:00+00:00");
    // null clears a field, and so does "" in a text field.
    crm.put(&format!("/crm/v8/Contacts/{ada}"), json!({"data": [{"Mobile": null, "Phone": ""}]})).await;
    let record = crm.zoho.record("Contacts", &ada).unwrap();
    assert_eq!((record["Mobile"].clone(), record["Phone"].clone()), (Value::Null, Value::Null));
    let two = crm.put(&format!("/crm/v8/Contacts/{ada}"), json!({"data": [{"Mobile": "1"}, {"Mobile": "2"}]})).await;
    assert_eq!((two.status, two.body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_DATA")));

    let one = crm.put(&format!("/crm/v8/Contacts/{grace}"), json!({"data": [{"Mobile": "555"}]})).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(crm.zoho.record("Contacts", &grace).unwrap()["Mobile"], "555");
    let unknown = crm.put("/crm/v8/Contacts/6421000000999999999", json!({"data": [{"Mobile": "555"}]})).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body["data"][0]["details"], json!({"id": "6421000000999999999"}));
}

#[tokio::test]
async fn upsert_updates_the_duplicate_and_inserts_otherwise() {
    let crm = Crm::start().await;
    let ada = crm.zoho.seed("Contacts", contact("Lovelace", "ada@example.com"));
    let upserted = crm
        .post(
            "/crm/v8/Contacts/upsert",
            json!({"data": [
                {"Last_Name": "Lovelace", "Email": "ADA@example.com", "Title": "Countess"},
                {"Last_Name": "Hopper", "Email": "grace@example.com"},
            ]}),
        )
        .await;
    assert_eq!(upserted.status, StatusCode::OK);
    let update = &upserted.body["data"][0];
    assert_eq!(
        (update["action"].as_str(), update["duplicate_field"].as_str(), update["message"].as_str()),
        (Some("update"), Some("Email"), Some("record updated"))
    );
    assert_eq!(update["details"]["id"], ada);
    assert_eq!(update["code"], "SUCCESS");
    let insert = &upserted.body["data"][1];
    assert_eq!((insert["action"].as_str(), insert["message"].as_str()), (Some("insert"), Some("record added")));
    assert_ne!(insert["details"]["id"], ada);
    assert_eq!(crm.zoho.record("Contacts", &ada).unwrap()["Title"], "Countess");

    let by_name = crm
        .post(
            "/crm/v8/Contacts/upsert",
            json!({"data": [{"Last_Name": "lovelace", "Mobile": "1"}], "duplicate_check_fields": ["Last_Name"]}),
        )
        .await;
    assert_eq!(by_name.body["data"][0]["duplicate_field"], "Last_Name");
    assert_eq!(by_name.body["data"][0]["details"]["id"], ada);

    let accounts = crm.post("/crm/v8/Accounts/upsert", json!({"data": [{"Account_Name": "Zylker"}]})).await;
    assert_eq!(accounts.body["data"][0]["action"], "insert");
    let again = crm.post("/crm/v8/Accounts/upsert", json!({"data": [{"Account_Name": "zylker", "Employees": 5}]})).await;
    assert_eq!(again.body["data"][0]["duplicate_field"], "Account_Name");

    let bad_check =
        crm.post("/crm/v8/Contacts/upsert", json!({"data": [{"Last_Name": "X"}], "duplicate_check_fields": ["Nickname"]})).await;
    assert_eq!(bad_check.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_check.body, error("INVALID_DATA", json!({"api_name": "Nickname"}), "invalid field"));
    let widget = crm.zoho.seed("Products", json!({"Product_Name": "Widget"}));
    let product = crm.post("/crm/v8/Products/upsert", json!({"data": [{"Product_Name": "WIDGET", "Unit_Price": 3}]})).await;
    assert_eq!(
        (product.body["data"][0]["duplicate_field"].as_str(), product.body["data"][0]["details"]["id"].as_str()),
        (Some("Product_Name"), Some(widget.as_str()))
    );
    let lead = crm.zoho.seed("Leads", json!({"Last_Name": "Brown", "Email": "olivia@acme.example"}));
    let leads = crm.post("/crm/v8/Leads/upsert", json!({"data": [{"Last_Name": "Brown", "Email": "Olivia@acme.example"}]})).await;
    assert_eq!(
        (leads.body["data"][0]["duplicate_field"].as_str(), leads.body["data"][0]["details"]["id"].as_str()),
        (Some("Email"), Some(lead.as_str()))
    );
    // Deals have no default duplicate-check field: always an insert.
    let deal = json!({"data": [{"Deal_Name": "D", "Stage": "Qualification", "Closing_Date": "2026-12-01"}]});
    crm.post("/crm/v8/Deals/upsert", deal.clone()).await;
    assert_eq!(crm.post("/crm/v8/Deals/upsert", deal).await.body["data"][0]["action"], "insert");

    let partial = crm
        .post("/crm/v8/Contacts/upsert", json!({"data": [{"Email": "new@example.com"}, {"Email": "ada@example.com", "Mobile": "2"}]}))
        .await;
    assert_eq!(partial.status, StatusCode::MULTI_STATUS);
    assert_eq!(partial.body["data"][0]["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(partial.body["data"][1]["action"], "update");
}

#[tokio::test]
async fn delete_moves_records_to_the_recycle_bin() {
    let crm = Crm::start().await;
    let ada = crm.zoho.seed("Contacts", json!({"First_Name": "Ada", "Last_Name": "Lovelace"}));
    let grace = crm.zoho.seed("Contacts", contact("Hopper", "grace@example.com"));
    let mei = crm.zoho.seed("Contacts", contact("Chen", "mei@example.com"));
    assert_eq!(crm.get("/crm/v8/Contacts/deleted", &[]).await.status, StatusCode::NO_CONTENT);

    let ids_param = format!("{ada},6421000000999999999");
    let partial = crm.delete("/crm/v8/Contacts", &[("ids", &ids_param)]).await;
    assert_eq!(partial.status, StatusCode::MULTI_STATUS);
    assert_eq!(
        partial.body["data"][0],
        json!({"code": "SUCCESS", "details": {"id": ada}, "message": "record deleted", "status": "success"})
    );
    assert_eq!(partial.body["data"][1], error("INVALID_DATA", json!({"id": "6421000000999999999"}), "the id given seems to be invalid"));
    assert!(crm.zoho.record("Contacts", &ada).is_none());
    assert_eq!(crm.get(&format!("/crm/v8/Contacts/{ada}"), &[]).await.status, StatusCode::BAD_REQUEST);

    let one = crm.delete(&format!("/crm/v8/Contacts/{grace}"), &[]).await;
    assert_eq!(one.status, StatusCode::OK);
    let gone = crm.delete(&format!("/crm/v8/Contacts/{grace}"), &[]).await;
    assert_eq!(gone.status, StatusCode::BAD_REQUEST);
    let many: Vec<String> = (0..101).map(|i| format!("{}", 6_421_000_000_000_000_000u64 + i)).collect();
    let over = crm.delete("/crm/v8/Contacts", &[("ids", &many.join(","))]).await;
    assert_eq!((over.body["code"].as_str(), over.body["details"].clone()), (Some("LIMIT_EXCEEDED"), json!({"limit": 100})));

    let bin = crm.get("/crm/v8/Contacts/deleted", &[("type", "all")]).await;
    assert_eq!(bin.status, StatusCode::OK);
    let data = bin.body["data"].as_array().unwrap();
    assert_eq!(ids(data), vec![grace.clone(), ada.clone()], "newest first");
    let entry = &data[1];
    assert_eq!(entry["display_name"], "Ada Lovelace");
    assert_eq!(entry["type"], "recycle");
    assert!(entry["deleted_by"]["name"].is_string() && entry["deleted_by"]["id"].is_string());
    assert!(entry["created_by"]["name"].is_string() && entry["created_by"]["id"].is_string());
    assert!(is_zoho_time(entry["deleted_time"].as_str().unwrap()));
    assert!(bin.body["info"]["more_records"].is_boolean());
    assert_eq!(crm.get("/crm/v8/Contacts/deleted", &[("type", "recycle")]).await.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(crm.get("/crm/v8/Contacts/deleted", &[("type", "permanent")]).await.status, StatusCode::NO_CONTENT);
    let paged = crm.get("/crm/v8/Contacts/deleted", &[("per_page", "1"), ("page", "2")]).await;
    assert_eq!(ids(paged.body["data"].as_array().unwrap()), vec![ada]);

    let future = crm.call(Method::GET, "/crm/v8/Contacts/deleted", &[], None, &[("If-Modified-Since", "2099-01-01T00:00:00+00:00")]).await;
    assert_eq!(future.status, StatusCode::NOT_MODIFIED);
    assert!(future.text.is_empty());
    let past = crm.call(Method::GET, "/crm/v8/Contacts/deleted", &[], None, &[("If-Modified-Since", "2000-01-01T00:00:00+00:00")]).await;
    assert_eq!(past.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(ids(&crm.zoho.records("Contacts")), vec![mei]);
}

// ---- notifications ---------------------------------------------------------

/// A loopback server collecting notification callbacks.
async fn receiver() -> (String, tokio::sync::mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/zoho/notify",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/zoho/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

async fn next_notification(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("a notification arrives").unwrap()
}

async fn no_notification(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Value>) {
    if let Ok(Some(extra)) = tokio::time::timeout(Duration::from_millis(300), rx.recv()).await {
        panic!("unexpected notification {extra}");
    }
}

#[tokio::test]
async fn watch_notifies_the_notify_url_on_create_edit_delete() {
    let crm = Crm::start().await;
    let (url, mut rx) = receiver().await;
    let subscribed = crm
        .post(
            "/crm/v8/actions/watch",
            json!({"watch": [{
                "channel_id": "1000000068001", "events": ["Contacts.all", "Deals.create"],
                "channel_expiry": (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339(),
                "token": "verify-me", "notify_url": url,
            }]}),
        )
        .await;
    assert_eq!(subscribed.status, StatusCode::OK, "{}", subscribed.text);
    let outcome = &subscribed.body["watch"][0];
    assert_eq!(outcome["code"], "SUCCESS");
    assert_eq!(outcome["status"], "success");
    assert_eq!(outcome["message"], "Successfully subscribed for actions-watch of the given module");
    let events = outcome["details"]["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    let contacts = events.iter().find(|e| e["resource_name"] == "Contacts").unwrap();
    assert_eq!(contacts["resource_uri"], format!("{}/crm/v8/Contacts", crm.zoho.base_url()));
    assert_eq!(contacts["channel_id"], "1000000068001");
    assert!(contacts["resource_id"].is_string() && contacts["channel_expiry"].is_string());

    let listed = crm.get("/crm/v8/actions/watch", &[]).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(listed.body["watch"].as_array().unwrap().iter().any(|w| w["channel_id"] == "1000000068001" && w["notify_url"] == url));

    // Seeding does not notify.
    crm.zoho.seed("Contacts", contact("Seeded", "seeded@example.com"));

    let created = crm.post("/crm/v8/Contacts", json!({"data": [contact("Lovelace", "ada@example.com")]})).await;
    let id = created.body["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let insert = next_notification(&mut rx).await;
    assert_eq!(insert["operation"], "insert");
    assert_eq!(insert["module"], "Contacts");
    assert_eq!(insert["ids"], json!([id]));
    assert_eq!(insert["channel_id"], "1000000068001");
    assert_eq!(insert["token"], "verify-me");
    assert_eq!(insert["resource_uri"], format!("{}/crm/v8/Contacts", crm.zoho.base_url()));
    assert_eq!(insert["query_params"], json!({}));
    assert!(insert["server_time"].as_i64().unwrap() > 1_700_000_000_000);
    assert!(insert["affected_fields"].is_array());

    crm.put(&format!("/crm/v8/Contacts/{id}"), json!({"data": [{"Title": "Countess"}]})).await;
    let update = next_notification(&mut rx).await;
    assert_eq!(update["operation"], "update");
    assert_eq!(update["ids"], json!([id]));
    assert_eq!(update["affected_fields"], json!([{ id.clone(): ["Title"] }]));

    crm.delete(&format!("/crm/v8/Contacts/{id}"), &[]).await;
    let delete = next_notification(&mut rx).await;
    assert_eq!((delete["operation"].as_str(), delete["ids"].clone()), (Some("delete"), json!([id])));

    // Deals: only creation is watched.
    let deal =
        crm.post("/crm/v8/Deals", json!({"data": [{"Deal_Name": "D", "Stage": "Qualification", "Closing_Date": "2026-12-01"}]})).await;
    let deal_id = deal.body["data"][0]["details"]["id"].as_str().unwrap().to_string();
    assert_eq!(next_notification(&mut rx).await["module"], "Deals");
    crm.put(&format!("/crm/v8/Deals/{deal_id}"), json!({"data": [{"Amount": 5}]})).await;
    no_notification(&mut rx).await;

    // A failed write changes nothing and notifies nothing.
    crm.post("/crm/v8/Contacts", json!({"data": [{"First_Name": "No last name"}]})).await;
    no_notification(&mut rx).await;

    let removed = crm.delete("/crm/v8/actions/watch", &[("channel_ids", "1000000068001")]).await;
    assert_eq!(removed.status, StatusCode::OK);
    assert_eq!(removed.body["watch"][0]["code"], "SUCCESS");
    crm.post("/crm/v8/Contacts", json!({"data": [contact("Hopper", "grace@example.com")]})).await;
    no_notification(&mut rx).await;
    assert_eq!(crm.get("/crm/v8/actions/watch", &[]).await.status, StatusCode::NO_CONTENT);

    let bad = crm.post("/crm/v8/actions/watch", json!({"watch": [{"channel_id": "1", "events": ["Contacts.all"]}]})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["watch"][0]["code"], "MANDATORY_NOT_FOUND");
}

// ---- limits -----------------------------------------------------------------

#[tokio::test]
async fn credit_limit_gives_429() {
    let crm = Crm::with(EmulatorConfig { credits_per_window: Some(3), credit_window: Duration::from_secs(60), ..Default::default() }).await;
    for _ in 0..3 {
        assert_eq!(crm.get("/crm/v8/Contacts", &[("fields", "id")]).await.status, StatusCode::NO_CONTENT);
    }
    let limited = crm.get("/crm/v8/Contacts", &[("fields", "id")]).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.body, error("TOO_MANY_REQUESTS", json!({}), "You have exceeded the API credits limit"));
    let retry: u64 = limited.headers[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // The accounts server is never limited.
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", "1000.DESKPANE"),
        ("client_secret", "deskpane-secret"),
        ("refresh_token", "1000.refresh.demo"),
    ];
    let grant = answer(crm.http.post(crm.url("/oauth/v2/token")).form(&form).send().await.unwrap()).await;
    assert!(grant.body["access_token"].is_string());

    // A new, short window lets requests through again once it has passed.
    crm.zoho.set_credit_limit(Some(1), Duration::from_millis(300));
    assert_eq!(crm.get("/crm/v8/Contacts", &[("fields", "id")]).await.status, StatusCode::NO_CONTENT);
    assert_eq!(crm.get("/crm/v8/Contacts", &[("fields", "id")]).await.status, StatusCode::TOO_MANY_REQUESTS);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(crm.get("/crm/v8/Contacts", &[("fields", "id")]).await.status, StatusCode::NO_CONTENT);
    crm.zoho.set_credit_limit(None, Duration::from_secs(60));
    for _ in 0..5 {
        assert_eq!(crm.get("/crm/v8/Contacts", &[("fields", "id")]).await.status, StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn concurrency_limit_gives_429() {
    let crm = Crm::with(EmulatorConfig { max_concurrency: Some(2), ..Default::default() }).await;
    crm.zoho.set_latency(Duration::from_millis(300));
    let request = || crm.get("/crm/v8/Contacts", &[("fields", "id")]);
    let (a, b, c, d) = tokio::join!(request(), request(), request(), request());
    let answers = [a, b, c, d];
    let limited: Vec<&Answer> = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).collect();
    assert_eq!(limited.len(), 2);
    assert_eq!(limited[0].body, error("TOO_MANY_REQUESTS", json!({}), "The concurrency limit of the user or the org has been reached"));
    assert!(limited[0].headers.get(RETRY_AFTER).is_none());
    // One at a time is always fine.
    for _ in 0..3 {
        assert_eq!(request().await.status, StatusCode::NO_CONTENT);
    }
    crm.zoho.set_concurrency_limit(None);
    let (a, b, c) = tokio::join!(request(), request(), request());
    assert!([a, b, c].iter().all(|a| a.status == StatusCode::NO_CONTENT));
}

#[tokio::test]
async fn fail_next_with_429_fails_exactly_that_many_requests() {
    let crm = Crm::start().await;
    crm.zoho.fail_next_with_429(2);
    for _ in 0..2 {
        let failed = crm.get("/crm/v8/Contacts", &[("fields", "id")]).await;
        assert_eq!(failed.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(failed.body, error("TOO_MANY_REQUESTS", json!({}), "You have exceeded the API credits limit"));
        assert!(failed.headers.get(RETRY_AFTER).is_none(), "as Zoho, no Retry-After");
    }
    assert_eq!(crm.get("/crm/v8/Contacts", &[("fields", "id")]).await.status, StatusCode::NO_CONTENT);
}

// ---- the test API -----------------------------------------------------------

#[tokio::test]
async fn requests_are_recorded_in_order() {
    let crm = Crm::start().await;
    crm.get("/crm/v8/Contacts", &[("fields", "Last_Name")]).await;
    crm.get("/crm/v8/Contacts", &[]).await;
    crm.get("/nowhere", &[]).await;
    let seen: Vec<(String, String, String, u16)> = crm.zoho.requests().into_iter().map(|r| (r.method, r.path, r.query, r.status)).collect();
    assert_eq!(
        seen,
        vec![
            ("GET".into(), "/crm/v8/Contacts".into(), "fields=Last_Name".into(), 204),
            ("GET".into(), "/crm/v8/Contacts".into(), "".into(), 400),
            ("GET".into(), "/nowhere".into(), "".into(), 404),
        ]
    );
}

#[tokio::test]
async fn demo_data_is_realistic() {
    let crm = Crm::start().await;
    crm.zoho.seed_demo();
    let contacts = crm.zoho.records("Contacts");
    assert!((10..=14).contains(&contacts.len()), "{}", contacts.len());
    assert!((5..=7).contains(&crm.zoho.records("Accounts").len()));
    assert!(contacts.iter().any(|c| c["First_Name"] == "Zoë" && c["Last_Name"] == "Ångström"));
    assert!(contacts.iter().any(|c| c["Description"].as_str().is_some_and(|d| d.contains("<p>"))));
    assert!(contacts.iter().filter(|c| c["Secondary_Email"].is_string()).count() >= 2);
    assert!(contacts.iter().filter(|c| c["Phone"].is_string() || c["Mobile"].is_string()).count() >= 8);
    let stages: HashSet<String> = crm.zoho.records("Deals").iter().map(|d| d["Stage"].as_str().unwrap().to_string()).collect();
    assert!(stages.len() >= 4);
    for module in ["Notes", "Calls", "Events", "Tasks", "Cases", "Leads"] {
        assert!(!crm.zoho.records(module).is_empty(), "{module}");
    }
    assert!(crm.zoho.records("Products").iter().all(|p| p["Department"].is_string()));
    // Activities hang off several contacts, reachable through related lists.
    let with_tasks = contacts.iter().filter(|c| crm.zoho.records("Tasks").iter().any(|t| t["Who_Id"]["id"] == c["id"])).count();
    assert!(with_tasks >= 3);
    let ada = contacts.iter().find(|c| c["Last_Name"] == "Lovelace").unwrap()["id"].as_str().unwrap().to_string();
    assert_eq!(crm.get(&format!("/crm/v8/Contacts/{ada}/Notes"), &[("fields", "Note_Content")]).await.status, StatusCode::OK);
    assert_eq!(crm.get("/crm/v8/Contacts/search", &[("word", "ångström")]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn watch_channels_are_replaced_and_upserts_notify_each_operation() {
    let crm = Crm::start().await;
    let (url, mut rx) = receiver().await;
    let subscribe = |events: Value, expiry: Option<String>| {
        let mut channel = json!({"channel_id": 42, "events": events, "notify_url": url});
        if let Some(expiry) = expiry {
            channel["channel_expiry"] = json!(expiry);
        }
        let crm = &crm;
        async move { crm.post("/crm/v8/actions/watch", json!({"watch": [channel]})).await }
    };
    // A numeric channel id is echoed as a string; expiry defaults to an hour, also beyond a week.
    let far = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let first = subscribe(json!(["Contacts.edit"]), Some(far)).await;
    let detail = &first.body["watch"][0]["details"]["events"][0];
    assert_eq!(detail["channel_id"], "42");
    let expiry = chrono::DateTime::parse_from_rfc3339(detail["channel_expiry"].as_str().unwrap()).unwrap();
    let ahead = expiry.timestamp() - chrono::Utc::now().timestamp();
    assert!((3_540..=3_660).contains(&ahead), "{ahead}");
    // Subscribing the same channel again replaces it.
    subscribe(json!(["Contacts.create", "Contacts.edit"]), None).await;
    let listed = crm.get("/crm/v8/actions/watch", &[]).await;
    assert_eq!(listed.body["watch"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["watch"][0]["events"], json!(["Contacts.create", "Contacts.edit"]));

    let ada = crm.zoho.seed("Contacts", contact("Lovelace", "ada@example.com"));
    let upsert = crm
        .post("/crm/v8/Contacts/upsert", json!({"data": [{"Last_Name": "Lovelace", "Email": "ada@example.com", "Title": "Countess"}, contact("Hopper", "grace@example.com")]}))
        .await;
    let grace = upsert.body["data"][1]["details"]["id"].as_str().unwrap().to_string();
    let mut seen = [next_notification(&mut rx).await, next_notification(&mut rx).await];
    seen.sort_by_key(|n| n["operation"].as_str().unwrap().to_string());
    assert_eq!(
        (seen[0]["operation"].as_str(), seen[0]["ids"].clone(), seen[0]["affected_fields"].clone()),
        (Some("insert"), json!([grace]), json!([]))
    );
    assert_eq!((seen[1]["operation"].as_str(), seen[1]["ids"].clone()), (Some("update"), json!([ada])));
    assert_eq!(seen[1]["token"], Value::Null);
    no_notification(&mut rx).await;

    let unknown = crm.delete("/crm/v8/actions/watch", &[("channel_ids", "42,7")]).await;
    assert_eq!(unknown.status, StatusCode::MULTI_STATUS);
    assert_eq!(unknown.body["watch"][1]["code"], "INVALID_DATA");
}

#[tokio::test]
async fn users_list_everyone_or_the_current_user() {
    let crm = Crm::start().await;
    let all = crm.get("/crm/v8/users", &[("type", "ActiveUsers")]).await;
    assert!(all.body["users"].as_array().unwrap().len() >= 2);
    let current = crm.get("/crm/v8/users", &[("type", "CurrentUser")]).await;
    assert_eq!(current.body["users"].as_array().unwrap().len(), 1);
    assert_eq!(current.body["users"][0]["id"], all.body["users"][0]["id"]);
}

#[tokio::test]
async fn unknown_paths_and_methods_are_refused() {
    let crm = Crm::start().await;
    let path = crm.get("/crm/v8/settings/layouts", &[]).await;
    assert_eq!((path.status, path.body["code"].as_str()), (StatusCode::NOT_FOUND, Some("INVALID_URL_PATTERN")));
    let method = crm.call(Method::PATCH, "/crm/v8/Contacts", &[], None, &[]).await;
    assert_eq!(method.body["code"], "INVALID_REQUEST_METHOD");
}

// ---- what Zoho's own client libraries send and read first ----------------

#[tokio::test]
async fn the_token_endpoint_reads_multipart_form_data_as_the_client_libraries_post_it() {
    let crm = Crm::start().await;
    let boundary = "----deskpane-test-boundary";
    let mut body = String::new();
    for (name, value) in [
        ("grant_type", "refresh_token"),
        ("client_id", "1000.DESKPANE"),
        ("client_secret", "deskpane-secret"),
        ("refresh_token", "1000.refresh.demo"),
    ] {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let grant = answer(
        crm.http
            .post(crm.url("/oauth/v2/token"))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(grant.status, StatusCode::OK);
    assert!(grant.body["access_token"].is_string(), "{}", grant.text);
}

#[tokio::test]
async fn modules_related_lists_and_the_org_are_described() {
    let crm = Crm::start().await;
    let modules = crm.get("/crm/v8/settings/modules", &[]).await;
    assert_eq!(modules.status, StatusCode::OK);
    let contacts =
        modules.body["modules"].as_array().unwrap().iter().find(|m| m["api_name"] == "Contacts").expect("Contacts listed").clone();
    assert!(contacts["id"].is_string() && contacts["api_supported"] == true);

    let related = crm.get("/crm/v8/settings/related_lists", &[("module", "Contacts")]).await;
    assert_eq!(related.status, StatusCode::OK);
    let names: Vec<&str> = related.body["related_lists"].as_array().unwrap().iter().filter_map(|r| r["api_name"].as_str()).collect();
    assert!(names.contains(&"Notes") && names.contains(&"Deals"), "{names:?}");
    assert_eq!(crm.get("/crm/v8/settings/related_lists", &[]).await.body["code"], "REQUIRED_PARAM_MISSING");

    let org = crm.get("/crm/v8/org", &[]).await;
    assert_eq!(org.status, StatusCode::OK);
    assert!(org.body["org"][0]["id"].is_string() && org.body["org"][0]["currency"].is_string(), "{}", org.text);
}

#[tokio::test]
async fn field_metadata_and_custom_views_carry_zohos_properties() {
    let crm = Crm::start().await;
    let fields = crm.get("/crm/v8/settings/fields", &[("module", "Contacts")]).await;
    for f in fields.body["fields"].as_array().unwrap() {
        assert!(f["id"].as_str().is_some_and(|id| id.len() == 19 && id.bytes().all(|b| b.is_ascii_digit())), "{f}");
        assert!(f["json_type"].is_string() && f["ui_type"].is_number() && f["visible"] == true, "{f}");
        for v in f["pick_list_values"].as_array().unwrap() {
            assert!(v["id"].is_string() && v["sequence_number"].is_number() && v["type"] == "used", "{v}");
        }
    }
    let views = crm.get("/crm/v8/settings/custom_views", &[("module", "Contacts")]).await;
    assert!(views.body["info"]["count"].as_u64().is_some_and(|n| n >= 1), "{}", views.text);
    assert!(views.body["info"]["default"].is_string(), "{}", views.text);
}

#[tokio::test]
async fn every_custom_view_id_is_numeric_like_zohos_the_all_views_included() {
    let crm = Crm::start().await;
    crm.zoho.add_custom_view("Accounts", "Retail", "(Industry:equals:Retail)");
    let numeric = |id: &Value| id.as_str().is_some_and(|id| id.len() == 19 && id.bytes().all(|b| b.is_ascii_digit()));
    let mut all_views = Vec::new();
    for module in ["Contacts", "Accounts", "Products", "Leads", "Deals"] {
        let views = crm.get("/crm/v8/settings/custom_views", &[("module", module)]).await;
        for v in views.body["custom_views"].as_array().unwrap() {
            // Zoho's client libraries parse view ids as big integers.
            assert!(numeric(&v["id"]), "{module}: {v}");
            assert!(v["id"].as_str().unwrap().parse::<u64>().is_ok(), "{module}: {v}");
        }
        let all = views.body["custom_views"].as_array().unwrap().iter().find(|v| v["name"] == "All").cloned().unwrap();
        assert_eq!(all["id"], crm.zoho.all_view(module), "the All view's id is the one tests are told");
        assert_eq!((all["system_defined"].as_bool(), all["default"].as_bool()), (Some(true), Some(true)));
        assert_eq!(views.body["info"]["default"], all["id"], "the default is the All view");
        all_views.push(all["id"].as_str().unwrap().to_string());
    }
    all_views.sort();
    all_views.dedup();
    assert_eq!(all_views.len(), 5, "each module's All view has its own id");
    // The same in another emulator: tests and demos may keep them.
    let other = Crm::start().await;
    assert_eq!(other.zoho.all_view("Contacts"), crm.zoho.all_view("Contacts"));
}

#[tokio::test]
async fn a_duplicate_names_the_module_by_id_too() {
    let crm = Crm::start().await;
    crm.zoho.seed("Contacts", json!({"Last_Name": "One", "Email": "same@example.com"}));
    let again = crm.post("/crm/v8/Contacts", json!({"data": [{"Last_Name": "Two", "Email": "same@example.com"}]})).await;
    let module = &again.body["data"][0]["details"]["duplicate_record"]["module"];
    assert_eq!(module["api_name"], "Contacts", "{}", again.text);
    assert!(module["id"].is_string(), "{}", again.text);
}

#[tokio::test]
async fn phone_search_matches_by_digits_even_when_the_plus_arrives_as_a_space() {
    let crm = Crm::start().await;
    let id = crm.zoho.seed("Contacts", json!({"Last_Name": "Call", "Phone": "+1 555-0177"}));
    // `+` unencoded in a query string decodes as a space.
    let url = format!("{}/crm/v8/Contacts/search?phone=+1%20555%200177&fields=Last_Name", crm.zoho.base_url());
    let found = answer(crm.http.get(url).header(AUTHORIZATION, format!("Zoho-oauthtoken {}", crm.token)).send().await.unwrap()).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.body["data"][0]["id"], id.as_str());
}

/// The emulator keeps a module's sorted order between the pages of a walk:
/// writes made between two pages must still show in the next one.
#[tokio::test]
async fn a_walk_by_page_token_sees_the_writes_made_between_its_pages() {
    let crm = Crm::start().await;
    let seeded = crm.zoho.seed_many(
        "Contacts",
        (0..5).map(|i| json!({"Last_Name": format!("Walk {i}"), "Modified_Time": format!("2026-01-01T00:00:0{i}+00:00")})).collect(),
    );
    let query = [("fields", "Last_Name"), ("sort_by", "Modified_Time"), ("sort_order", "asc"), ("per_page", "2")];
    let first = crm.get("/crm/v8/Contacts", &query).await;
    assert_eq!(ids(first.body["data"].as_array().unwrap()), seeded[..2]);

    // Between pages: the first record changes (it moves to the end), the
    // third is deleted, and a new one is created.
    let changed = crm.put(&format!("/crm/v8/Contacts/{}", seeded[0]), json!({"data": [{"Title": "Moved"}]})).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(crm.delete(&format!("/crm/v8/Contacts/{}", seeded[2]), &[]).await.status, StatusCode::OK);
    let created = crm.post("/crm/v8/Contacts", json!({"data": [{"Last_Name": "Walk new"}]})).await;
    let new_id = created.body["data"][0]["details"]["id"].as_str().expect("the created record's id").to_string();

    let mut rest = Vec::new();
    let mut token = first.body["info"]["next_page_token"].as_str().map(str::to_string);
    while let Some(t) = token {
        let page = crm.get("/crm/v8/Contacts", &[query.as_slice(), &[("page_token", t.as_str())]].concat()).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        rest.extend(ids(page.body["data"].as_array().unwrap()));
        token = page.body["info"]["next_page_token"].as_str().map(str::to_string);
    }
    assert_eq!(rest, [seeded[3].clone(), seeded[4].clone(), seeded[0].clone(), new_id]);
}

#[tokio::test]
async fn page_and_page_token_cannot_be_combined() {
    let crm = Crm::start().await;
    let both = crm.get("/crm/v8/Contacts", &[("fields", "Last_Name"), ("page", "2"), ("page_token", "x")]).await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);
    assert_eq!(both.body["code"], "INVALID_DATA");
    assert_eq!(both.body["details"]["param_name"], "page", "{}", both.text);
}

// ---- attachments --------------------------------------------------------------

/// A form whose part `file` carries `bytes` as the file `name`.
fn file_form(name: &str, content_type: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()).mime_str(content_type).unwrap();
    reqwest::multipart::Form::new().part("file", part)
}

impl Crm {
    async fn upload(&self, path: &str, form: reqwest::multipart::Form) -> Answer {
        let request = self.http.post(self.url(path)).header(AUTHORIZATION, format!("Zoho-oauthtoken {}", self.token)).multipart(form);
        answer(request.send().await.expect("request is answered")).await
    }

    /// A download: status, headers and the raw bytes.
    async fn download(&self, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = self.http.get(self.url(path)).header(AUTHORIZATION, format!("Zoho-oauthtoken {}", self.token)).send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.bytes().await.unwrap().to_vec())
    }
}

fn case(subject: &str) -> Value {
    json!({"Subject": subject, "Status": "New"})
}

#[tokio::test]
async fn a_file_uploads_lists_and_downloads_as_it_was_sent() {
    let crm = Crm::start().await;
    let case_id = crm.zoho.seed("Cases", case("Printer on fire"));
    let task_id = crm.zoho.seed("Tasks", json!({"Subject": "Call back"}));
    let log = b"line one\nline two\n".to_vec();
    let png: Vec<u8> = (0..=255u8).cycle().take(4096).collect();

    let uploaded = crm.upload(&format!("/crm/v8/Cases/{case_id}/Attachments"), file_form("trace.log", "text/plain", log.clone())).await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.text);
    let outcome = &uploaded.body["data"][0];
    assert_eq!(outcome["code"], "SUCCESS");
    assert_eq!(outcome["message"], "attachment uploaded successfully");
    assert_eq!(outcome["status"], "success");
    let details = &outcome["details"];
    let log_id = details["id"].as_str().unwrap().to_string();
    assert!(log_id.len() == 19 && log_id.chars().all(|c| c.is_ascii_digit()), "{log_id}");
    assert!(is_zoho_time(details["Created_Time"].as_str().unwrap()) && is_zoho_time(details["Modified_Time"].as_str().unwrap()));
    assert_eq!(details["Created_By"]["name"], "Dana Whitfield");
    assert!(details["Created_By"]["id"].is_string() && details["Modified_By"] == details["Created_By"]);

    let second = crm.upload(&format!("/crm/v8/cases/{case_id}/Attachments"), file_form("screen.png", "image/png", png.clone())).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    let png_id = second.body["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let on_task = crm.upload(&format!("/crm/v8/Tasks/{task_id}/Attachments"), file_form("notes.txt", "text/plain", b"x".to_vec())).await;
    assert_eq!(on_task.status, StatusCode::OK);

    // The test's view: what arrived, oldest first, per record.
    let stored = crm.zoho.attachments("Cases", &case_id);
    assert_eq!(
        stored,
        vec![
            zoho_emulator::StoredAttachment {
                id: log_id.clone(),
                file_name: "trace.log".into(),
                content_type: "text/plain".into(),
                bytes: log.clone()
            },
            zoho_emulator::StoredAttachment {
                id: png_id.clone(),
                file_name: "screen.png".into(),
                content_type: "image/png".into(),
                bytes: png.clone()
            },
        ]
    );
    assert_eq!(crm.zoho.attachments("tasks", &task_id).len(), 1);
    // A part without a type is stored (and served) as octet-stream.
    let untyped = reqwest::multipart::Part::bytes(b"raw".to_vec()).file_name("blob".to_string());
    let untyped = crm.upload(&format!("/crm/v8/Tasks/{task_id}/Attachments"), reqwest::multipart::Form::new().part("file", untyped)).await;
    assert_eq!(untyped.status, StatusCode::OK);
    assert_eq!(crm.zoho.attachments("Tasks", &task_id)[1].content_type, "application/octet-stream");
    assert!(crm.zoho.attachments("Nope", &case_id).is_empty());

    // The list: newest first, the named fields and id, paging info.
    let fields = "id,File_Name,Size,Created_Time,Parent_Id,$se_module,$type,Owner";
    let listed = crm.get(&format!("/crm/v8/Cases/{case_id}/Attachments"), &[("fields", fields)]).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let data = listed.body["data"].as_array().unwrap();
    assert_eq!(ids(data), vec![png_id.clone(), log_id.clone()]);
    assert_eq!(data[1]["File_Name"], "trace.log");
    assert_eq!(data[1]["Size"], log.len().to_string());
    assert_eq!(data[1]["Parent_Id"], json!({"id": case_id, "name": "Printer on fire"}));
    assert_eq!(data[1]["$se_module"], "Cases");
    assert_eq!(data[1]["$type"], "Attachment");
    assert_eq!(data[1]["Owner"]["email"], "dana.whitfield@deskpane.example");
    assert!(is_zoho_time(data[1]["Created_Time"].as_str().unwrap()));
    assert!(data[1].get("Modified_By").is_none(), "only the named fields come back");
    assert_eq!(
        listed.body["info"],
        json!({"per_page": 200, "count": 2, "page": 1, "more_records": false, "next_page_token": null,
               "previous_page_token": null, "page_token_expiry": null})
    );

    // The download: the bytes, the stored type, and the name to save as.
    let (status, headers, bytes) = crm.download(&format!("/crm/v8/Cases/{case_id}/Attachments/{png_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, png);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["content-disposition"], "attachment;filename=\"screen.png\"");
    let (_, headers, bytes) = crm.download(&format!("/crm/v8/Cases/{case_id}/Attachments/{log_id}")).await;
    assert_eq!((bytes, headers["content-type"].to_str().unwrap()), (log, "text/plain"));
}

#[tokio::test]
async fn attachment_errors_follow_zoho() {
    let crm = Crm::start().await;
    let case_id = crm.zoho.seed("Cases", case("Broken"));
    let path = format!("/crm/v8/Cases/{case_id}/Attachments");

    let unknown = crm.upload("/crm/v8/Cases/6421000000999999999/Attachments", file_form("a.txt", "text/plain", b"a".to_vec())).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body, error("INVALID_DATA", json!({"resource_path_index": 1}), "the related id given seems to be invalid"));
    // A contact's id is no case.
    let contact_id = crm.zoho.seed("Contacts", contact("Lovelace", "ada@example.com"));
    let wrong_module =
        crm.upload(&format!("/crm/v8/Cases/{contact_id}/Attachments"), file_form("a.txt", "text/plain", b"a".to_vec())).await;
    assert_eq!(wrong_module.body["message"], "the related id given seems to be invalid");
    let module = crm.upload("/crm/v8/Tickets/1/Attachments", file_form("a.txt", "text/plain", b"a".to_vec())).await;
    assert_eq!(module.body["code"], "INVALID_MODULE");

    let missing = error("REQUIRED_PARAM_MISSING", json!({"param_name": "file"}), "One of the expected parameter is missing");
    let other_part =
        reqwest::multipart::Form::new().part("attachment", reqwest::multipart::Part::bytes(b"a".to_vec()).file_name("a.txt".to_string()));
    let other_part = crm.upload(&path, other_part).await;
    assert_eq!((other_part.status, &other_part.body), (StatusCode::BAD_REQUEST, &missing));
    // A `file` part without a file name is a text field, not a file.
    let text_field = crm.upload(&path, reqwest::multipart::Form::new().text("file", "hello")).await;
    assert_eq!(text_field.body, missing);
    let json_body = crm.post(&path, json!({"file": "aGVsbG8="})).await;
    assert_eq!((json_body.status, &json_body.body), (StatusCode::BAD_REQUEST, &missing));
    assert!(crm.zoho.attachments("Cases", &case_id).is_empty());

    // Reading: `fields` is required and checked; no attachments is 204.
    let empty = crm.get(&path, &[("fields", "id,File_Name")]).await;
    assert_eq!((empty.status, empty.text.as_str()), (StatusCode::NO_CONTENT, ""));
    let no_fields = crm.get(&path, &[]).await;
    assert_eq!(
        no_fields.body,
        error("REQUIRED_PARAM_MISSING", json!({"param_name": "fields"}), "One of the expected parameter is missing")
    );
    let bad_field = crm.get(&path, &[("fields", "id,Last_Name")]).await;
    assert_eq!(bad_field.body["details"], json!({"param_name": "fields", "api_name": "Last_Name"}));
    let list_unknown = crm.get("/crm/v8/Cases/6421000000999999999/Attachments", &[("fields", "id")]).await;
    assert_eq!(list_unknown.body["details"], json!({"resource_path_index": 1}));

    // Downloading something that is no attachment of the record: 204.
    let other_case = crm.zoho.seed("Cases", case("Other"));
    let theirs = crm.upload(&format!("/crm/v8/Cases/{other_case}/Attachments"), file_form("b.txt", "text/plain", b"b".to_vec())).await;
    let theirs = theirs.body["data"][0]["details"]["id"].as_str().unwrap().to_string();
    let (status, _, bytes) = crm.download(&format!("{path}/{theirs}")).await;
    assert_eq!((status, bytes.len()), (StatusCode::NO_CONTENT, 0));
    let (status, _, _) = crm.download(&format!("{path}/6421000000999999999")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = crm.download(&format!("/crm/v8/Cases/6421000000999999999/Attachments/{theirs}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Same authentication as every route; other methods are refused.
    let anonymous =
        answer(crm.http.post(crm.url(&path)).multipart(file_form("a.txt", "text/plain", b"a".to_vec())).send().await.unwrap()).await;
    assert_eq!((anonymous.status, anonymous.body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("AUTHENTICATION_FAILURE")));
    let delete = crm.delete(&format!("{path}/{theirs}"), &[]).await;
    assert_eq!(delete.body["code"], "INVALID_REQUEST_METHOD");
    let put = crm.put(&path, json!({})).await;
    assert_eq!(put.body["code"], "INVALID_REQUEST_METHOD");
}

#[tokio::test]
async fn files_up_to_20_mb_are_taken_and_larger_ones_refused() {
    let crm = Crm::start().await;
    let case_id = crm.zoho.seed("Cases", case("Big logs"));
    let path = format!("/crm/v8/Cases/{case_id}/Attachments");
    const LIMIT: usize = 20 * 1024 * 1024;

    let too_big = crm.upload(&path, file_form("dump.bin", "application/octet-stream", vec![7; LIMIT + 1])).await;
    assert_eq!(too_big.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        too_big.body,
        error("FILE_SIZE_MORE_THAN_ALLOWED_SIZE", json!({}), "Please check if the size of the file is in the correct range")
    );
    assert!(crm.zoho.attachments("Cases", &case_id).is_empty());

    let at_limit = crm.upload(&path, file_form("dump.bin", "application/octet-stream", vec![7; LIMIT])).await;
    assert_eq!(at_limit.status, StatusCode::OK, "{}", at_limit.text);
    let stored = crm.zoho.attachments("Cases", &case_id);
    assert_eq!(stored.len(), 1);
    assert!(stored[0].bytes.len() == LIMIT && stored[0].bytes.iter().all(|b| *b == 7));
    let (status, _, bytes) = crm.download(&format!("{path}/{}", stored[0].id)).await;
    assert_eq!((status, bytes.len()), (StatusCode::OK, LIMIT));
}

#[tokio::test]
async fn attachment_lists_page_by_page_and_token() {
    let crm = Crm::start().await;
    let case_id = crm.zoho.seed("Cases", case("Many files"));
    let path = format!("/crm/v8/Cases/{case_id}/Attachments");
    let mut uploaded = Vec::new();
    for n in 0..5 {
        let answer = crm.upload(&path, file_form(&format!("f{n}.txt"), "text/plain", vec![b'x'; n + 1])).await;
        uploaded.push(answer.body["data"][0]["details"]["id"].as_str().unwrap().to_string());
    }
    let newest_first: Vec<String> = uploaded.iter().rev().cloned().collect();

    let first = crm.get(&path, &[("fields", "File_Name"), ("per_page", "2")]).await;
    assert_eq!(ids(first.body["data"].as_array().unwrap()), newest_first[..2]);
    assert_eq!(first.body["info"]["more_records"], true);
    let token = first.body["info"]["next_page_token"].as_str().unwrap().to_string();
    let second = crm.get(&path, &[("fields", "File_Name"), ("per_page", "2"), ("page_token", &token)]).await;
    assert_eq!(ids(second.body["data"].as_array().unwrap()), newest_first[2..4]);
    let third = crm.get(&path, &[("fields", "File_Name"), ("per_page", "2"), ("page", "3")]).await;
    assert_eq!(ids(third.body["data"].as_array().unwrap()), newest_first[4..]);
    assert_eq!((third.body["info"]["page"].as_u64(), third.body["info"]["more_records"].as_bool()), (Some(3), Some(false)));
    let past = crm.get(&path, &[("fields", "File_Name"), ("per_page", "2"), ("page", "4")]).await;
    assert_eq!(past.status, StatusCode::NO_CONTENT);
    assert_eq!(crm.list_all(&path, &[("fields", "id"), ("per_page", "2")]).await.len(), 5);

    let both = crm.get(&path, &[("fields", "id"), ("page", "1"), ("page_token", &token)]).await;
    assert_eq!(both.body["details"]["param_name"], "page");
    let other_case = crm.zoho.seed("Cases", case("Other"));
    let foreign = crm.get(&format!("/crm/v8/Cases/{other_case}/Attachments"), &[("fields", "id"), ("page_token", &token)]).await;
    assert_eq!(foreign.body["details"]["param_name"], "page_token");

    let picked = format!("{},{}", uploaded[0], uploaded[3]);
    let by_ids = crm.get(&path, &[("fields", "id"), ("ids", &picked)]).await;
    assert_eq!(ids(by_ids.body["data"].as_array().unwrap()), vec![uploaded[3].clone(), uploaded[0].clone()]);
}
