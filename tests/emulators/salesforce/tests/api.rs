//! The emulator against its README, over HTTP: one test per rule group.

use std::time::Duration;

use reqwest::header::{HeaderMap, AUTHORIZATION, LOCATION};
use reqwest::{Method, StatusCode};
use salesforce_emulator::{EmulatorConfig, SalesforceEmulator};
use serde_json::{json, Value};

const V: &str = "/services/data/v62.0";

/// An emulator and an authorised client for it.
struct Org {
    sf: SalesforceEmulator,
    http: reqwest::Client,
    token: String,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Org {
    async fn start() -> Org {
        Org::with(EmulatorConfig::default()).await
    }

    async fn with(config: EmulatorConfig) -> Org {
        let sf = SalesforceEmulator::start(config).await.expect("emulator starts");
        let token = sf.issue_access_token();
        let http = reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Org { sf, http, token }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sf.base_url())
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Answer {
        let mut request = self.http.request(method, self.url(path)).header(AUTHORIZATION, format!("Bearer {}", self.token));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.expect("request is answered")).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, &format!("{V}{path}"), None, &[]).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, &format!("{V}{path}"), Some(body), &[]).await
    }

    async fn patch(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PATCH, &format!("{V}{path}"), Some(body), &[]).await
    }

    async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, &format!("{V}{path}"), None, &[]).await
    }

    async fn query(&self, soql: &str) -> Answer {
        self.get(&format!("/query?q={}", encode(soql))).await
    }

    /// The refresh-token grant, as simple-salesforce and jsforce post it.
    async fn refresh(&self, refresh_token: &str, client_id: &str, client_secret: &str) -> Answer {
        let form =
            [("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", client_id), ("client_secret", client_secret)];
        self.form("/services/oauth2/token", &form).await
    }

    async fn form(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        answer(self.http.post(self.url(path)).form(form).send().await.unwrap()).await
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, headers, body }
}

fn encode(text: &str) -> String {
    reqwest::Url::parse_with_params("http://x/", &[("q", text)]).unwrap().query().unwrap()[2..].to_string()
}

/// The first error of an error array: (errorCode, message).
fn error(answer: &Answer) -> (String, String) {
    let first = &answer.body[0];
    (first["errorCode"].as_str().unwrap_or_default().to_string(), first["message"].as_str().unwrap_or_default().to_string())
}

fn is_sf_time(value: &Value) -> bool {
    // 2026-11-21T09:30:00.000+0000
    value
        .as_str()
        .is_some_and(|t| t.len() == 28 && t.ends_with("+0000") && chrono::DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.3f%z").is_ok())
}

fn ago(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes)).format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

// ---- OAuth -------------------------------------------------------------------

#[tokio::test]
async fn refresh_grant_answers_a_signed_session_for_the_instance() {
    let org = Org::start().await;
    let refresh = org.sf.refresh_token();
    let grant = org.refresh(&refresh, "3MVG9DESKPANE", "deskpane-sf-secret").await;
    assert_eq!(grant.status, StatusCode::OK);
    assert_eq!(grant.body["instance_url"], org.sf.base_url());
    assert_eq!(grant.body["token_type"], "Bearer");
    assert_eq!(grant.body["scope"], "api refresh_token");
    assert!(grant.body.get("refresh_token").is_none());
    let id = grant.body["id"].as_str().unwrap();
    assert!(id.starts_with(&format!("{}/id/00D", org.sf.base_url())) && id.contains("/005"), "{id}");
    let issued_at: i64 = grant.body["issued_at"].as_str().unwrap().parse().unwrap();
    assert!(issued_at > 1_700_000_000_000);
    assert!(!grant.body["signature"].as_str().unwrap().is_empty());
    assert_eq!((org.sf.client_id(), org.sf.client_secret()), ("3MVG9DESKPANE".to_string(), "deskpane-sf-secret".to_string()));

    // The token works, and the identity URL answers for it.
    let token = grant.body["access_token"].as_str().unwrap();
    let me = answer(org.http.get(id).bearer_auth(token).send().await.unwrap()).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["user_id"], org.sf.api_user_id());
    assert_eq!(me.body["email"], "elena.vasquez@deskpane-demo.example");
}

#[tokio::test]
async fn token_errors_are_400_with_oauth_error_codes() {
    let org = Org::start().await;
    let refresh = org.sf.refresh_token();
    let bad_client = org.refresh(&refresh, "nope", "deskpane-sf-secret").await;
    assert_eq!(bad_client.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_client.body, json!({"error": "invalid_client_id", "error_description": "client identifier invalid"}));
    let bad_token = org.refresh("5Aep861nope", "3MVG9DESKPANE", "deskpane-sf-secret").await;
    assert_eq!(bad_token.body, json!({"error": "invalid_grant", "error_description": "expired access/refresh token"}));

    org.sf.revoke_refresh_token();
    let revoked = org.refresh(&refresh, "3MVG9DESKPANE", "deskpane-sf-secret").await;
    assert_eq!((revoked.status, revoked.body["error"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_grant")));
    // Sessions opened with it went too.
    assert_eq!(org.get("/sobjects").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn authorization_code_flow_redirects_and_grants_a_refresh_token() {
    let org = Org::start().await;
    let redirect = "http://127.0.0.1:9/callback";
    let authorize = org
        .http
        .get(org.url("/services/oauth2/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", "3MVG9DESKPANE"),
            ("redirect_uri", redirect),
            ("scope", "api refresh_token"),
            ("state", "s 1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(authorize.status(), StatusCode::FOUND);
    let location = reqwest::Url::parse(authorize.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/callback");
    let param = |name: &str| location.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    assert_eq!(param("state").as_deref(), Some("s 1"));
    let code = param("code").expect("a code");

    let exchange = |code: String| {
        let org = &org;
        async move {
            org.form(
                "/services/oauth2/token",
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", redirect),
                    ("client_id", "3MVG9DESKPANE"),
                    ("client_secret", "deskpane-sf-secret"),
                ],
            )
            .await
        }
    };
    let grant = exchange(code.clone()).await;
    assert_eq!(grant.status, StatusCode::OK);
    let refresh = grant.body["refresh_token"].as_str().expect("a refresh token").to_string();
    assert_eq!(grant.body["instance_url"], org.sf.base_url());
    // A code works once; the new refresh token works.
    assert_eq!(exchange(code).await.body["error"], "invalid_grant");
    let again = org.refresh(&refresh, "3MVG9DESKPANE", "deskpane-sf-secret").await;
    assert!(again.body["access_token"].is_string());
}

#[tokio::test]
async fn api_calls_need_a_live_session() {
    let org = Org::start().await;
    let missing = answer(org.http.get(org.url(&format!("{V}/sobjects"))).send().await.unwrap()).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.body, json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]));
    assert!(missing.headers.contains_key("sforce-limit-info"));
    let wrong = answer(org.http.get(org.url(&format!("{V}/sobjects"))).bearer_auth("00D!nope").send().await.unwrap()).await;
    assert_eq!(error(&wrong).0, "INVALID_SESSION_ID");
    assert_eq!(org.get("/sobjects").await.status, StatusCode::OK);
    org.sf.expire_sessions();
    let expired = org.get("/sobjects").await;
    assert_eq!((expired.status, error(&expired).0.as_str()), (StatusCode::UNAUTHORIZED, "INVALID_SESSION_ID"));
}

// ---- versions, limits ----------------------------------------------------------

#[tokio::test]
async fn versions_are_listed_without_a_session_and_others_are_404() {
    let org = Org::start().await;
    let versions = answer(org.http.get(org.url("/services/data/")).send().await.unwrap()).await;
    let list = versions.body.as_array().unwrap();
    assert_eq!(list.len(), 5);
    assert_eq!(list[4]["url"], "/services/data/v62.0");
    assert_eq!(list[4]["version"], "62.0");
    assert_eq!(list[0]["version"], "58.0");
    assert_eq!(versions.headers["sforce-limit-info"], "api-usage=0/100000");
    assert!(list[0]["label"].is_string());
    assert_eq!(org.call(Method::GET, "/services/data/v58.0/sobjects", None, &[]).await.status, StatusCode::OK);
    let old = org.call(Method::GET, "/services/data/v40.0/sobjects", None, &[]).await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);
    assert_eq!(old.body, json!([{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]));
    assert_eq!(error(&org.get("/nowhere").await).0, "NOT_FOUND");
}

#[tokio::test]
async fn daily_budget_is_counted_in_a_header_and_enforced() {
    let org = Org::with(EmulatorConfig { daily_api_requests: 3, ..Default::default() }).await;
    let first = org.get("/sobjects").await;
    assert_eq!(first.headers["sforce-limit-info"], "api-usage=1/3");
    org.get("/limits").await;
    let third = org.get("/limits").await;
    assert_eq!(third.body["DailyApiRequests"], json!({"Max": 3, "Remaining": 0}));
    let refused = org.get("/sobjects").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body, json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]));
    assert_eq!(refused.headers["sforce-limit-info"], "api-usage=3/3");
    assert_eq!(org.sf.api_usage(), (3, 3));
    org.sf.reset_api_usage();
    assert_eq!(org.get("/sobjects").await.status, StatusCode::OK);
    org.sf.set_daily_api_limit(1);
    assert_eq!(org.get("/sobjects").await.status, StatusCode::FORBIDDEN);
}

// ---- describe ------------------------------------------------------------------

#[tokio::test]
async fn describe_reports_fields_types_and_relationships() {
    let org = Org::start().await;
    let describe = org.get("/sobjects/Contact/describe").await;
    assert_eq!(describe.status, StatusCode::OK);
    assert_eq!((describe.body["name"].clone(), describe.body["label"].clone()), (json!("Contact"), json!("Contact")));
    assert_eq!(describe.body["keyPrefix"], "003");
    let fields = describe.body["fields"].as_array().unwrap();
    let field = |name: &str| fields.iter().find(|f| f["name"] == name).unwrap_or_else(|| panic!("{name}")).clone();
    let last = field("LastName");
    assert_eq!((last["type"].clone(), last["nillable"].clone(), last["length"].clone()), (json!("string"), json!(false), json!(80)));
    let account = field("AccountId");
    assert_eq!(
        (account["type"].clone(), account["referenceTo"].clone(), account["relationshipName"].clone()),
        (json!("reference"), json!(["Account"]), json!("Account"))
    );
    let tier = field("Support_Tier__c");
    assert_eq!(tier["custom"], true);
    assert_eq!(
        tier["picklistValues"].as_array().unwrap().iter().map(|p| p["value"].clone()).collect::<Vec<_>>(),
        vec![json!("Gold"), json!("Silver"), json!("Bronze")]
    );
    assert_eq!(field("Name")["createable"], false);
    assert_eq!(field("Email")["type"], "email");
    assert_eq!(field("Description")["type"], "textarea");
    assert_eq!(field("CreatedDate")["type"], "datetime");
    assert_eq!(field("Id")["type"], "id");
    for key in ["updateable", "defaultedOnCreate", "externalId", "unique", "label"] {
        assert!(last.get(key).is_some(), "{key}");
    }
    let task = org.get("/sobjects/Task/describe").await;
    let who = task.body["fields"].as_array().unwrap().iter().find(|f| f["name"] == "WhoId").unwrap().clone();
    assert_eq!(who["referenceTo"], json!(["Contact", "Lead"]));
    assert_eq!(org.get("/sobjects/Widget__c/describe").await.status, StatusCode::NOT_FOUND);
    let global = org.get("/sobjects").await;
    assert!(global.body["sobjects"].as_array().unwrap().iter().any(|o| o["name"] == "Deskpane_Subscription__c" && o["custom"] == true));
}

// ---- sObject rows ----------------------------------------------------------------

#[tokio::test]
async fn records_are_created_read_updated_and_deleted() {
    let org = Org::start().await;
    let account = org.sf.seed("Account", json!({"Name": "Northwind Traders"}));
    let created = org.post("/sobjects/Contact", json!({"FirstName": "Priya", "LastName": "Raman", "AccountId": account})).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["success"], true);
    assert_eq!(created.body["errors"], json!([]));
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("003"));

    let read = org.get(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(read.body["attributes"], json!({"type": "Contact", "url": format!("{V}/sobjects/Contact/{id}")}));
    assert_eq!(read.body["Name"], "Priya Raman");
    assert_eq!(read.body["IsDeleted"], false);
    assert_eq!(read.body["OwnerId"], org.sf.api_user_id());
    assert_eq!(read.body["CreatedById"], org.sf.api_user_id());
    assert_eq!(read.body["Email"], Value::Null);
    for stamp in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
        assert!(is_sf_time(&read.body[stamp]), "{stamp}: {}", read.body[stamp]);
    }
    // A 15-character id reads the same record; ?fields= narrows it.
    let short = org.get(&format!("/sobjects/Contact/{}?fields=LastName,AccountId", &id[..15])).await;
    assert_eq!(short.body, json!({"attributes": read.body["attributes"], "LastName": "Raman", "AccountId": account}));
    let bad_field = org.get(&format!("/sobjects/Contact/{id}?fields=Foo")).await;
    assert_eq!(error(&bad_field).0, "INVALID_FIELD");

    let updated = org
        .patch(&format!("/sobjects/Contact/{id}"), json!({"Email": "priya.raman@northwind-traders.example", "FirstName": "Priyanka"}))
        .await;
    assert_eq!(updated.status, StatusCode::NO_CONTENT);
    let after = org.sf.record("Contact", &id).unwrap();
    assert_eq!(after["Name"], "Priyanka Raman");
    assert!(after["SystemModstamp"].as_str() > read.body["SystemModstamp"].as_str());

    assert_eq!(org.delete(&format!("/sobjects/Contact/{id}")).await.status, StatusCode::NO_CONTENT);
    let gone = org.get(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.body, json!([{"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED"}]));
    assert_eq!(error(&org.patch(&format!("/sobjects/Contact/{id}"), json!({"Title": "x"})).await).0, "ENTITY_IS_DELETED");
    assert_eq!(error(&org.delete(&format!("/sobjects/Contact/{id}")).await).0, "ENTITY_IS_DELETED");
    let unknown = org.get("/sobjects/Contact/0035g0000ZZZZZZAAA").await;
    assert_eq!((unknown.status, error(&unknown).0.as_str()), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    // An id of another object is not a Contact.
    assert_eq!(org.get(&format!("/sobjects/Contact/{account}")).await.status, StatusCode::NOT_FOUND);
    assert!(org.sf.records("Contact").is_empty());
}

#[tokio::test]
async fn writes_are_checked_with_salesforce_error_codes() {
    let org = Org::start().await;
    let check = |body: Value, code: &'static str, message: &'static str, fields: Value| {
        let org = &org;
        async move {
            let answer = org.post("/sobjects/Contact", body).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST);
            assert_eq!(answer.body[0]["errorCode"], code, "{}", answer.body);
            assert!(answer.body[0]["message"].as_str().unwrap().contains(message), "{}", answer.body);
            if !fields.is_null() {
                assert_eq!(answer.body[0]["fields"], fields);
            }
        }
    };
    let cases = [
        (json!({"FirstName": "x"}), "REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", json!(["LastName"])),
        (json!({"LastName": "x", "Foo": 1}), "INVALID_FIELD", "No such column 'Foo' on sobject of type Contact", Value::Null),
        (json!({"LastName": "x".repeat(81)}), "STRING_TOO_LONG", "Last Name: data value too large: ", json!(["LastName"])),
        (json!({"LastName": "x".repeat(81)}), "STRING_TOO_LONG", "(max length=80)", Value::Null),
        (
            json!({"LastName": "x", "AccountId": "0015g0000ZZZZZZAAA"}),
            "INVALID_CROSS_REFERENCE_KEY",
            "invalid cross reference id",
            json!(["AccountId"]),
        ),
        (
            json!({"LastName": "x", "CreatedDate": "2026-01-01T00:00:00Z"}),
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            "Unable to create/update fields: CreatedDate. Please check the security settings",
            json!(["CreatedDate"]),
        ),
        (
            json!({"LastName": "x", "Email": "not-an-email"}),
            "INVALID_EMAIL_ADDRESS",
            "Email: invalid email address: not-an-email",
            json!(["Email"]),
        ),
    ];
    for (body, code, message, fields) in cases {
        check(body, code, message, fields).await;
    }

    let opportunity = org
        .post("/sobjects/Opportunity", json!({"Name": "x", "StageName": "Prospecting", "CloseDate": "2026-12-01", "Amount": "abc"}))
        .await;
    assert_eq!(error(&opportunity), ("INVALID_TYPE_ON_FIELD_IN_RECORD".into(), "Amount: value not of required type: abc".into()));

    let subscription = json!({"Name": "hook", "Callback_Url__c": "http://127.0.0.1:9/hook", "Objects__c": "Contact"});
    let first = org.post("/sobjects/Deskpane_Subscription__c", subscription.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let first_id = first.body["id"].as_str().unwrap();
    assert!(first_id.starts_with("a0D"));
    let duplicate = org.post("/sobjects/Deskpane_Subscription__c", subscription).await;
    assert_eq!(
        error(&duplicate),
        ("DUPLICATE_VALUE".into(), format!("duplicate value found: Callback_Url__c duplicates value on record with id: {first_id}"))
    );

    let unknown_type = org.post("/sobjects/Widget__c", json!({"Name": "x"})).await;
    assert_eq!(unknown_type.status, StatusCode::NOT_FOUND);
    let not_json = org.call(Method::POST, &format!("{V}/sobjects/Contact"), None, &[]).await;
    assert_eq!(error(&not_json).0, "JSON_PARSER_ERROR");
    // Updates may not empty a required field.
    let id = org.sf.seed("Contact", json!({"LastName": "Kept"}));
    let emptied = org.patch(&format!("/sobjects/Contact/{id}"), json!({"LastName": null})).await;
    assert_eq!(error(&emptied).0, "REQUIRED_FIELD_MISSING");
}

// ---- logged calls (Task's call fields) -----------------------------------------

#[tokio::test]
async fn task_describes_its_subtype_and_call_fields() {
    let org = Org::start().await;
    let describe = org.get("/sobjects/Task/describe").await;
    let fields = describe.body["fields"].as_array().unwrap();
    let field = |name: &str| fields.iter().find(|f| f["name"] == name).unwrap_or_else(|| panic!("{name}")).clone();
    let values =
        |f: &Value| f["picklistValues"].as_array().unwrap().iter().map(|p| p["value"].as_str().unwrap().to_string()).collect::<Vec<_>>();

    let subtype = field("TaskSubtype");
    assert_eq!((subtype["type"].clone(), subtype["label"].clone()), (json!("picklist"), json!("Task Subtype")));
    assert_eq!(values(&subtype), ["Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"]);
    assert_eq!(
        (subtype["restrictedPicklist"].clone(), subtype["createable"].clone(), subtype["updateable"].clone(), subtype["nillable"].clone()),
        (json!(true), json!(true), json!(false), json!(true)),
        "set on create only"
    );
    assert_eq!(subtype["defaultedOnCreate"], true);
    let call_type = field("CallType");
    assert_eq!((call_type["type"].clone(), call_type["label"].clone()), (json!("picklist"), json!("Call Type")));
    assert_eq!(values(&call_type), ["Internal", "Inbound", "Outbound"]);
    assert_eq!((call_type["restrictedPicklist"].clone(), call_type["updateable"].clone()), (json!(true), json!(true)));
    let duration = field("CallDurationInSeconds");
    assert_eq!(
        (duration["type"].clone(), duration["label"].clone(), duration["soapType"].clone()),
        (json!("int"), json!("Call Duration"), json!("xsd:int"))
    );
    for (name, label) in [("CallDisposition", "Call Result"), ("CallObject", "Call Object Identifier")] {
        let f = field(name);
        assert_eq!((f["type"].clone(), f["label"].clone(), f["length"].clone()), (json!("string"), json!(label), json!(255)), "{name}");
    }
    assert_eq!(field("Status")["restrictedPicklist"], false, "other picklists stay unrestricted");
    let event = org.get("/sobjects/Event/describe").await;
    assert!(!event.body["fields"].as_array().unwrap().iter().any(|f| f["name"] == "CallType" || f["name"] == "TaskSubtype"));
}

#[tokio::test]
async fn a_call_is_logged_as_a_task_of_subtype_call_and_queried_by_its_fields() {
    let org = Org::start().await;
    let contact = org.sf.seed("Contact", json!({"LastName": "Raman"}));
    let call = json!({
        "WhoId": contact, "Subject": "Invoice question", "Status": "Completed", "ActivityDate": "2026-11-21",
        "TaskSubtype": "Call", "CallType": "Outbound", "CallDurationInSeconds": 300, "CallDisposition": "Resent the invoice",
        "CallObject": "cti-4711", "Description": "Walked through the invoice.",
    });
    let created = org.post("/sobjects/Task", call).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    let stored = org.sf.record("Task", &id).unwrap();
    assert_eq!(
        (&stored["TaskSubtype"], &stored["CallType"], &stored["CallDurationInSeconds"], &stored["CallDisposition"], &stored["CallObject"]),
        (&json!("Call"), &json!("Outbound"), &json!(300), &json!("Resent the invoice"), &json!("cti-4711"))
    );
    // Integer text is an int, as for every int field.
    let text_duration =
        org.post("/sobjects/Task", json!({"Subject": "Quick one", "TaskSubtype": "Call", "CallDurationInSeconds": "45"})).await;
    let quick = text_duration.body["id"].as_str().unwrap().to_string();
    assert_eq!(org.sf.record("Task", &quick).unwrap()["CallDurationInSeconds"], 45);
    // A task created without a subtype is a plain Task.
    let plain = org.post("/sobjects/Task", json!({"WhoId": contact, "Subject": "Send the quote"})).await;
    let plain = plain.body["id"].as_str().unwrap().to_string();
    let plain_task = org.sf.record("Task", &plain).unwrap();
    assert_eq!((&plain_task["TaskSubtype"], &plain_task["CallType"]), (&json!("Task"), &Value::Null));

    let calls = org
        .query(&format!(
            "SELECT Id, Subject, TaskSubtype, CallType, CallDurationInSeconds, CallDisposition, CallObject FROM Task \
             WHERE WhoId = '{contact}' AND TaskSubtype = 'Call'"
        ))
        .await;
    assert_eq!(calls.status, StatusCode::OK, "{}", calls.body);
    let found = rows(&calls);
    assert_eq!(found.len(), 1);
    assert_eq!(
        (&found[0]["Id"], &found[0]["CallType"], &found[0]["CallDurationInSeconds"], &found[0]["CallObject"]),
        (&json!(id), &json!("Outbound"), &json!(300), &json!("cti-4711"))
    );
    let others = org.query(&format!("SELECT Id FROM Task WHERE WhoId = '{contact}' AND TaskSubtype != 'Call'")).await;
    assert_eq!(rows(&others).iter().map(|r| r["Id"].as_str().unwrap()).collect::<Vec<_>>(), [plain.as_str()]);
    let long = org.query("SELECT Subject FROM Task WHERE CallDurationInSeconds > 60 ORDER BY CallDurationInSeconds DESC").await;
    assert_eq!(rows(&long).iter().map(|r| r["Subject"].clone()).collect::<Vec<_>>(), [json!("Invoice question")]);

    // The call fields are updated like any other; the subtype is not.
    let updated = org.patch(&format!("/sobjects/Task/{id}"), json!({"CallType": "Inbound", "CallDurationInSeconds": 360})).await;
    assert_eq!(updated.status, StatusCode::NO_CONTENT, "{}", updated.body);
    assert_eq!(org.sf.record("Task", &id).unwrap()["CallType"], "Inbound");
    let resubtyped = org.patch(&format!("/sobjects/Task/{plain}"), json!({"TaskSubtype": "Call"})).await;
    assert_eq!(resubtyped.status, StatusCode::BAD_REQUEST);
    assert_eq!(resubtyped.body[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE");
    assert!(resubtyped.body[0]["message"].as_str().unwrap().starts_with("Unable to create/update fields: TaskSubtype."));
    assert_eq!(resubtyped.body[0]["fields"], json!(["TaskSubtype"]));
    assert_eq!(org.sf.record("Task", &plain).unwrap()["TaskSubtype"], "Task", "unchanged");
}

#[tokio::test]
async fn restricted_picklists_refuse_values_they_do_not_list() {
    let org = Org::start().await;
    let refused = |body: Value, field: &'static str, message: &'static str| {
        let org = &org;
        async move {
            let answer = org.post("/sobjects/Task", body).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
            assert_eq!(
                answer.body,
                json!([{"message": message, "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "fields": [field]}])
            );
        }
    };
    refused(
        json!({"Subject": "x", "TaskSubtype": "Call", "CallType": "Sideways"}),
        "CallType",
        "Call Type: bad value for restricted picklist field: Sideways",
    )
    .await;
    // Exactly as listed: the API name, case included.
    refused(
        json!({"Subject": "x", "TaskSubtype": "Call", "CallType": "outbound"}),
        "CallType",
        "Call Type: bad value for restricted picklist field: outbound",
    )
    .await;
    refused(
        json!({"Subject": "x", "TaskSubtype": "Meeting"}),
        "TaskSubtype",
        "Task Subtype: bad value for restricted picklist field: Meeting",
    )
    .await;
    refused(
        json!({"Subject": "x", "TaskSubtype": "List Email"}),
        "TaskSubtype",
        "Task Subtype: bad value for restricted picklist field: List Email",
    )
    .await;
    assert!(org.sf.records("Task").is_empty(), "nothing written");
    // Empty clears, as for every field; an unrestricted picklist takes any text.
    let open = org.post("/sobjects/Task", json!({"Subject": "x", "CallType": "", "Priority": "Whenever"})).await;
    assert_eq!(open.status, StatusCode::CREATED, "{}", open.body);
    let id = open.body["id"].as_str().unwrap().to_string();
    let bad_type = org.post("/sobjects/Task", json!({"Subject": "x", "CallDurationInSeconds": "five minutes"})).await;
    assert_eq!(
        bad_type.body,
        json!([{"message": "Call Duration: value not of required type: five minutes", "errorCode": "INVALID_TYPE_ON_FIELD_IN_RECORD", "fields": ["CallDurationInSeconds"]}])
    );
    let bad_update = org.patch(&format!("/sobjects/Task/{id}"), json!({"CallType": "Conference"})).await;
    assert_eq!(
        error(&bad_update),
        ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST".into(), "Call Type: bad value for restricted picklist field: Conference".into())
    );
    assert_eq!(org.sf.record("Task", &id).unwrap()["CallType"], Value::Null);

    // In a composite batch the record fails with the same error.
    let batch = org
        .post(
            "/composite/sobjects",
            json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Task"}, "Subject": "good", "TaskSubtype": "Call", "CallType": "Inbound"},
                {"attributes": {"type": "Task"}, "Subject": "bad", "TaskSubtype": "Call", "CallType": "Missed"},
            ]}),
        )
        .await;
    assert_eq!(batch.body[0]["success"], true);
    assert_eq!(
        batch.body[1]["errors"][0],
        json!({"statusCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "message": "Call Type: bad value for restricted picklist field: Missed", "fields": ["CallType"]})
    );
}

#[tokio::test]
async fn upsert_by_external_id_creates_updates_or_lists_the_matches() {
    let org = Org::start().await;
    let created = org.patch("/sobjects/Contact/External_Id__c/ext-1", json!({"LastName": "Weber"})).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["created"], true);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(org.sf.record("Contact", &id).unwrap()["External_Id__c"], "ext-1");

    let updated = org.patch("/sobjects/Contact/External_Id__c/ext-1", json!({"Title": "IT Manager"})).await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(updated.body, json!({"id": id, "success": true, "errors": [], "created": false}));

    let by_id = org.get("/sobjects/Contact/External_Id__c/ext-1").await;
    assert_eq!(by_id.body["Title"], "IT Manager");

    org.sf.seed("Contact", json!({"LastName": "Twin", "External_Id__c": "ext-1"}));
    let many = org.patch("/sobjects/Contact/External_Id__c/ext-1", json!({"Title": "x"})).await;
    assert_eq!(many.status, StatusCode::MULTIPLE_CHOICES);
    assert_eq!(many.body.as_array().unwrap().len(), 2);
    assert!(many.body[0].as_str().unwrap().starts_with(&format!("{V}/sobjects/Contact/003")));

    let not_external = org.patch("/sobjects/Contact/Email/a@b.example", json!({"LastName": "x"})).await;
    assert_eq!((not_external.status, error(&not_external).0.as_str()), (StatusCode::NOT_FOUND, "NOT_FOUND"));
}

// ---- SOQL ------------------------------------------------------------------------

#[tokio::test]
async fn queries_nest_parent_relationships() {
    let org = Org::start().await;
    org.sf.seed_demo();
    let found = org
        .query("SELECT Id, Name, Email, Account.Name, Owner.Email, CreatedBy.Name FROM Contact WHERE Email = 'priya.raman@northwind-traders.example'")
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!((found.body["totalSize"].clone(), found.body["done"].clone()), (json!(1), json!(true)));
    let priya = &found.body["records"][0];
    assert_eq!(priya["attributes"]["type"], "Contact");
    assert_eq!(priya["Name"], "Priya Raman");
    assert_eq!(priya["Account"]["Name"], "Northwind Traders");
    assert_eq!(priya["Account"]["attributes"]["type"], "Account");
    assert_eq!(priya["Owner"]["Email"], "elena.vasquez@deskpane-demo.example");
    assert_eq!(priya["CreatedBy"]["Name"], "Elena Vasquez");
    let priya_id = priya["Id"].as_str().unwrap().to_string();

    // Opportunities through contact roles; activities through Who / What.
    let roles = org
        .query(&format!("SELECT Opportunity.Name, Opportunity.StageName, Role FROM OpportunityContactRole WHERE ContactId = '{priya_id}' ORDER BY Opportunity.Name"))
        .await;
    assert_eq!(roles.body["totalSize"], 2);
    assert_eq!(roles.body["records"][0]["Opportunity"]["StageName"], "Negotiation/Review");
    let tasks =
        org.query(&format!("SELECT Subject, Who.Name, What.Name FROM Task WHERE WhoId = '{priya_id}' ORDER BY ActivityDate DESC")).await;
    assert_eq!(tasks.body["totalSize"], 2);
    assert_eq!(tasks.body["records"][0]["Who"]["attributes"]["type"], "Name");
    assert_eq!(tasks.body["records"][0]["Who"]["Name"], "Priya Raman");
    let notes = org.query(&format!("SELECT Title, Parent.Name FROM Note WHERE ParentId = '{}'", &priya_id[..15])).await;
    assert_eq!(notes.body["totalSize"], 2);
    assert_eq!(notes.body["records"][0]["Parent"]["Name"], "Priya Raman");

    // A contact without an account has "Account": null.
    let loner = org.sf.seed("Contact", json!({"LastName": "Alone"}));
    let alone = org.query(&format!("SELECT Account.Name FROM Contact WHERE Id = '{loner}'")).await;
    assert_eq!(alone.body["records"][0]["Account"], Value::Null);

    let count = org.query("SELECT COUNT() FROM Contact WHERE Email = null").await;
    assert_eq!((count.body["totalSize"].clone(), count.body["records"].clone()), (json!(5), json!([])));
}

#[tokio::test]
async fn query_errors_follow_salesforce() {
    let org = Org::start().await;
    let unknown = org.query("SELECT Foo FROM Contact").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error(&unknown),
        (
            "INVALID_FIELD".into(),
            "\nSELECT Foo FROM Contact\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo' on entity 'Contact'. If you are attempting \
             to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe \
             call for the appropriate names."
                .into()
        )
    );
    assert_eq!(error(&org.query("SELECT Id FROM Foo").await), ("INVALID_TYPE".into(), "sObject type 'Foo' is not supported.".into()));
    let malformed = org.query("SELECT Id FROM Contact WHERE").await;
    assert_eq!(error(&malformed).0, "MALFORMED_QUERY");
    assert!(error(&malformed).1.contains("unexpected token: <EOF>"));
    assert_eq!(error(&org.query("SELECT Id FROM Contact WHERE LastName = 'a' AND Email = 'b' OR Title = 'c'").await).0, "MALFORMED_QUERY");
    assert_eq!(error(&org.query("SELECT Id FROM Contact OFFSET 2001").await).0, "NUMBER_OUTSIDE_VALID_RANGE");
}

#[tokio::test]
async fn query_filters_order_limit_and_offset() {
    let org = Org::start().await;
    for (last, tier, email) in [
        ("Adams", "Gold", Some("a@x.example")),
        ("Baker", "Silver", None),
        ("Clark", "Gold", Some("c@x.example")),
        ("Diaz", "Bronze", None),
    ] {
        org.sf.seed("Contact", json!({"LastName": last, "Support_Tier__c": tier, "Email": email}));
    }
    let names = |answer: &Answer| {
        answer.body["records"].as_array().unwrap().iter().map(|r| r["LastName"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(
        names(&org.query("SELECT LastName FROM Contact WHERE Support_Tier__c IN ('Gold') ORDER BY LastName DESC").await),
        ["Clark", "Adams"]
    );
    assert_eq!(
        names(&org.query("SELECT LastName FROM Contact WHERE NOT (Support_Tier__c = 'Gold' OR Email != null)").await),
        ["Baker", "Diaz"]
    );
    assert_eq!(
        names(&org.query("SELECT LastName FROM Contact WHERE LastName LIKE '%a%' AND Support_Tier__c NOT IN ('Silver')").await),
        ["Adams", "Clark", "Diaz"]
    );
    assert_eq!(
        names(&org.query("SELECT LastName FROM Contact ORDER BY Email ASC NULLS LAST, LastName LIMIT 3").await),
        ["Adams", "Clark", "Baker"]
    );
    assert_eq!(
        names(&org.query("SELECT LastName FROM Contact ORDER BY Email DESC NULLS FIRST, LastName LIMIT 2 OFFSET 1").await),
        ["Diaz", "Clark"]
    );
    assert_eq!(
        names(&org.query("SELECT LastName FROM Contact WHERE CreatedDate = TODAY AND LastModifiedDate > LAST_N_DAYS:2 LIMIT 1").await)
            .len(),
        0
    );
    assert_eq!(
        names(
            &org.query("SELECT LastName FROM Contact WHERE CreatedDate = LAST_N_DAYS:2 AND SystemModstamp >= 2020-01-01T00:00:00.000+0000")
                .await
        )
        .len(),
        4
    );
}

#[tokio::test]
async fn large_results_come_in_batches_through_next_records_url() {
    let org = Org::start().await;
    org.sf.seed_many("Contact", (0..2450).map(|i| json!({"LastName": format!("Bulk {i:04}")})).collect());
    let first = org.query("SELECT Id, LastName FROM Contact ORDER BY LastName").await;
    assert_eq!((first.body["totalSize"].clone(), first.body["done"].clone()), (json!(2450), json!(false)));
    assert_eq!(first.body["records"].as_array().unwrap().len(), 2000);
    let next = first.body["nextRecordsUrl"].as_str().unwrap().to_string();
    assert!(next.starts_with(&format!("{V}/query/01g")) && next.ends_with("-2000"), "{next}");
    let second = org.call(Method::GET, &next, None, &[]).await;
    assert_eq!((second.body["done"].clone(), second.body["records"].as_array().unwrap().len()), (json!(true), 450));
    assert_eq!(second.body["records"][0]["LastName"], "Bulk 2000");
    assert!(second.body.get("nextRecordsUrl").is_none());

    // batchSize is honoured between 200 and 2000.
    let small = org
        .call(Method::GET, &format!("{V}/query?q={}", encode("SELECT Id FROM Contact")), None, &[("Sforce-Query-Options", "batchSize=500")])
        .await;
    assert_eq!(small.body["records"].as_array().unwrap().len(), 500);
    assert!(small.body["nextRecordsUrl"].as_str().unwrap().ends_with("-500"));
    let tiny = org
        .call(Method::GET, &format!("{V}/query?q={}", encode("SELECT Id FROM Contact")), None, &[("Sforce-Query-Options", "batchSize=10")])
        .await;
    assert_eq!(tiny.body["records"].as_array().unwrap().len(), 200);
    let mut seen = 200;
    let mut url = tiny.body["nextRecordsUrl"].as_str().map(str::to_string);
    while let Some(next) = url {
        let page = org.call(Method::GET, &next, None, &[]).await;
        seen += page.body["records"].as_array().unwrap().len();
        url = page.body["nextRecordsUrl"].as_str().map(str::to_string);
    }
    assert_eq!(seen, 2450);
    assert_eq!(error(&org.get("/query/01g5g0000000999AAA-2000").await).0, "INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn query_all_includes_the_recycle_bin() {
    let org = Org::start().await;
    let kept = org.sf.seed("Contact", json!({"LastName": "Kept"}));
    let binned = org.sf.seed("Contact", json!({"LastName": "Binned"}));
    org.sf.delete("Contact", &binned);
    let live = org.query("SELECT Id, IsDeleted FROM Contact").await;
    assert_eq!(live.body["records"].as_array().unwrap().iter().map(|r| r["Id"].clone()).collect::<Vec<_>>(), vec![json!(kept)]);
    let all = org.get(&format!("/queryAll?q={}", encode("SELECT Id, IsDeleted FROM Contact WHERE IsDeleted = true"))).await;
    assert_eq!(all.body["totalSize"], 1);
    assert_eq!(all.body["records"][0]["Id"], binned);
    assert_eq!(all.body["records"][0]["IsDeleted"], true);
    // Deleted by a person in Salesforce, not the API user.
    assert_ne!(org.sf.record("Contact", &binned).unwrap()["LastModifiedById"], org.sf.api_user_id());
    org.sf.undelete("Contact", &binned);
    assert_eq!(org.query("SELECT Id FROM Contact").await.body["totalSize"], 2);
}

// ---- replication ------------------------------------------------------------------

#[tokio::test]
async fn updated_and_deleted_windows_report_changes_by_the_minute() {
    let org = Org::start().await;
    let old = org.sf.seed("Contact", json!({"LastName": "Old", "SystemModstamp": ago(120)}));
    let changed = org.sf.seed("Contact", json!({"LastName": "Changed", "SystemModstamp": ago(10)}));
    let binned = org.sf.seed("Contact", json!({"LastName": "Binned", "SystemModstamp": ago(5), "IsDeleted": true}));
    let start = ago(60);
    let end = ago(0);
    let window = format!("?start={}&end={}", encode(&start), encode(&end));
    let updated = org.get(&format!("/sobjects/Contact/updated/{window}")).await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(updated.body["ids"], json!([changed]));
    let latest = updated.body["latestDateCovered"].as_str().unwrap();
    assert!(latest.ends_with(":00.000+0000") && latest <= end.as_str(), "{latest}");
    let deleted = org.get(&format!("/sobjects/Contact/deleted/{window}")).await;
    assert_eq!(deleted.body["deletedRecords"].as_array().unwrap().len(), 1);
    assert_eq!(deleted.body["deletedRecords"][0]["id"], binned);
    assert!(is_sf_time(&deleted.body["deletedRecords"][0]["deletedDate"]));
    assert!(is_sf_time(&deleted.body["earliestDateAvailable"]) && is_sf_time(&deleted.body["latestDateCovered"]));
    assert_ne!(updated.body["ids"][0], old);
    // The deleted record is gone from the API but not from the bin.
    assert_eq!(error(&org.get(&format!("/sobjects/Contact/{binned}")).await).0, "ENTITY_IS_DELETED");

    let too_old = format!("?start={}&end={}", encode(&ago(16 * 24 * 60)), encode(&end));
    let refused = org.get(&format!("/sobjects/Contact/deleted/{too_old}")).await;
    assert_eq!((refused.status, error(&refused).0.as_str()), (StatusCode::BAD_REQUEST, "INVALID_REPLICATION_DATE"));
    assert_eq!(org.get(&format!("/sobjects/Contact/updated/{too_old}")).await.status, StatusCode::OK);
    let much_too_old = format!("?start={}&end={}", encode(&ago(31 * 24 * 60)), encode(&end));
    assert_eq!(error(&org.get(&format!("/sobjects/Contact/updated/{much_too_old}")).await).0, "INVALID_REPLICATION_DATE");
}

// ---- composite ---------------------------------------------------------------------

#[tokio::test]
async fn composite_writes_report_each_record_in_order() {
    let org = Org::start().await;
    let created = org
        .post(
            "/composite/sobjects",
            json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Contact"}, "LastName": "One"},
                {"attributes": {"type": "Contact"}, "FirstName": "no last name"},
                {"attributes": {"type": "Account"}, "Name": "Acme"},
            ]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK);
    let results = created.body.as_array().unwrap();
    assert_eq!(results[0]["success"], true);
    assert!(results[0]["id"].as_str().unwrap().starts_with("003"));
    assert_eq!(results[1]["success"], false);
    assert_eq!(
        results[1]["errors"][0],
        json!({"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]", "fields": ["LastName"]})
    );
    assert!(results[2]["id"].as_str().unwrap().starts_with("001"));
    let one = results[0]["id"].as_str().unwrap().to_string();

    let updated = org
        .patch(
            "/composite/sobjects",
            json!({"allOrNone": false, "records": [{"attributes": {"type": "Contact"}, "Id": one, "Title": "CTO"}]}),
        )
        .await;
    assert_eq!(updated.body, json!([{"id": one, "success": true, "errors": []}]));
    assert_eq!(org.sf.record("Contact", &one).unwrap()["Title"], "CTO");

    let deleted = org.delete(&format!("/composite/sobjects?ids={one},0035g0000ZZZZZZAAA&allOrNone=false")).await;
    assert_eq!(deleted.body[0], json!({"id": one, "success": true, "errors": []}));
    assert_eq!(deleted.body[1]["success"], false);
    assert_eq!(deleted.body[1]["errors"][0]["statusCode"], "NOT_FOUND");

    let too_many: Vec<Value> = (0..201).map(|i| json!({"attributes": {"type": "Contact"}, "LastName": format!("n{i}")})).collect();
    let refused = org.post("/composite/sobjects", json!({"allOrNone": false, "records": too_many})).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body, json!([{"message": "Maximum number of records is 200", "errorCode": "EXCEEDED_ID_LIMIT"}]));
}

#[tokio::test]
async fn all_or_none_rolls_back_every_record() {
    let org = Org::start().await;
    let answer = org
        .post(
            "/composite/sobjects",
            json!({"allOrNone": true, "records": [
                {"attributes": {"type": "Contact"}, "LastName": "Good"},
                {"attributes": {"type": "Contact"}, "LastName": "Bad", "Email": "nope"},
            ]}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.body[0],
        json!({"success": false, "errors": [{
            "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            "message": "Record rolled back because not all records were valid and the request was using AllOrNone header",
            "fields": [],
        }]})
    );
    assert_eq!(answer.body[1]["errors"][0]["statusCode"], "INVALID_EMAIL_ADDRESS");
    assert!(org.sf.records("Contact").is_empty());

    let keep = org.sf.seed("Contact", json!({"LastName": "Keep"}));
    let update = org
        .patch(
            "/composite/sobjects",
            json!({"allOrNone": true, "records": [
                {"attributes": {"type": "Contact"}, "Id": keep, "Title": "Changed"},
                {"attributes": {"type": "Contact"}, "Id": "0035g0000ZZZZZZAAA", "Title": "x"},
            ]}),
        )
        .await;
    assert_eq!(update.body[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK");
    assert_eq!(update.body[0]["id"], keep);
    assert_eq!(org.sf.record("Contact", &keep).unwrap()["Title"], Value::Null);
}

// ---- list views ---------------------------------------------------------------------

#[tokio::test]
async fn list_views_describe_their_query() {
    let org = Org::start().await;
    org.sf.seed_demo();
    let views = org.get("/sobjects/Contact/listviews").await;
    assert_eq!(views.body["done"], true);
    let list = views.body["listviews"].as_array().unwrap();
    assert_eq!(views.body["size"], list.len());
    let labels: Vec<&str> = list.iter().map(|v| v["label"].as_str().unwrap()).collect();
    assert!(labels.contains(&"All Contacts") && labels.contains(&"My Contacts"), "{labels:?}");
    let gold = list.iter().find(|v| v["label"] == "Gold Support Contacts").unwrap();
    assert!(gold["id"].as_str().unwrap().starts_with("00B"));
    assert_eq!(gold["soqlCompatible"], true);
    assert_eq!(gold["developerName"], "Gold_Support_Contacts");
    let describe = org.call(Method::GET, gold["describeUrl"].as_str().unwrap(), None, &[]).await;
    let query = describe.body["query"].as_str().unwrap();
    assert!(
        query.starts_with("SELECT ")
            && query.contains(" FROM Contact WHERE Support_Tier__c = 'Gold' ORDER BY Name ASC NULLS FIRST, Id ASC NULLS FIRST"),
        "{query}"
    );
    assert_eq!(describe.body["sobjectType"], "Contact");
    assert_eq!(describe.body["whereCondition"], json!({"field": "Support_Tier__c", "operator": "equals", "values": ["'Gold'"]}));
    assert!(describe.body["columns"].as_array().unwrap().iter().any(|c| c["fieldNameOrPath"] == "Account.Name"));
    // The view's query runs as is.
    assert_eq!(org.query(query).await.body["totalSize"], 5);

    let all = list.iter().find(|v| v["label"] == "All Contacts").unwrap();
    let all_query =
        org.call(Method::GET, all["describeUrl"].as_str().unwrap(), None, &[]).await.body["query"].as_str().unwrap().to_string();
    assert!(!all_query.contains("WHERE"));
    let accounts = org.get("/sobjects/Account/listviews").await;
    assert_eq!(accounts.body["listviews"][0]["label"], "All Accounts");
    let id = org.sf.add_list_view("Lead", "Web Leads", "LeadSource = 'Web'");
    assert_eq!(org.get(&format!("/sobjects/Lead/listviews/{id}")).await.body["label"], "Web Leads");
    assert_eq!(org.get("/sobjects/Lead/listviews/00B5g0000ZZZZZZAAA/describe").await.status, StatusCode::NOT_FOUND);
}

// ---- notifications ------------------------------------------------------------------

/// A loopback server collecting notification callbacks with their token header.
async fn receiver() -> (String, tokio::sync::mpsc::UnboundedReceiver<(String, Value)>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/sf/notify",
        axum::routing::post(move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| {
            let tx = tx.clone();
            async move {
                let token = headers.get("x-deskpane-token").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                let _ = tx.send((token, body));
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sf/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

async fn next_event(rx: &mut tokio::sync::mpsc::UnboundedReceiver<(String, Value)>) -> (String, Value) {
    tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("a notification arrives").unwrap()
}

async fn no_event(rx: &mut tokio::sync::mpsc::UnboundedReceiver<(String, Value)>) {
    if let Ok(Some(extra)) = tokio::time::timeout(Duration::from_millis(300), rx.recv()).await {
        panic!("unexpected notification {extra:?}");
    }
}

fn header(event: &Value) -> &Value {
    &event["payload"]["ChangeEventHeader"]
}

#[tokio::test]
async fn subscriptions_receive_change_events() {
    let org = Org::start().await;
    let (url, mut rx) = receiver().await;
    // A dead subscriber is logged, not fatal.
    org.sf.seed(
        "Deskpane_Subscription__c",
        json!({"Name": "dead", "Callback_Url__c": "http://127.0.0.1:9/dead", "Token__c": "x", "Objects__c": "Contact"}),
    );
    let subscribed = org
        .post(
            "/sobjects/Deskpane_Subscription__c",
            json!({"Name": "desk", "Callback_Url__c": url, "Token__c": "tok-1", "Objects__c": "Contact;Account"}),
        )
        .await;
    assert_eq!(subscribed.status, StatusCode::CREATED);

    let created = org.post("/sobjects/Contact", json!({"LastName": "Raman"})).await;
    let id = created.body["id"].as_str().unwrap().to_string();
    let (token, event) = next_event(&mut rx).await;
    assert_eq!(token, "tok-1");
    let h = header(&event);
    assert_eq!(
        (h["entityName"].clone(), h["changeType"].clone(), h["recordIds"].clone()),
        (json!("Contact"), json!("CREATE"), json!([id]))
    );
    assert_eq!(h["commitUser"], org.sf.api_user_id());
    assert_eq!(h["changeOrigin"], "com/salesforce/api/rest/62.0");
    assert!(h["commitTimestamp"].as_i64().unwrap() > 0 && h["transactionKey"].is_string() && h["sequenceNumber"] == 1);
    assert!(event["schema"].is_string() && event["event"]["replayId"].as_u64().unwrap() >= 1);

    org.patch(&format!("/sobjects/Contact/{id}"), json!({"Title": "Head of Operations"})).await;
    let (_, event) = next_event(&mut rx).await;
    assert_eq!(header(&event)["changeType"], "UPDATE");
    assert!(header(&event)["changedFields"].as_array().unwrap().contains(&json!("Title")));

    // A mass update of one object is one event with every id.
    let other = org.sf.seed("Contact", json!({"LastName": "Weber"}));
    assert_eq!(header(&next_event(&mut rx).await.1)["changeType"], "CREATE");
    org.patch(
        "/composite/sobjects",
        json!({"allOrNone": false, "records": [
            {"attributes": {"type": "Contact"}, "Id": id, "Department": "Ops"},
            {"attributes": {"type": "Contact"}, "Id": other, "Department": "IT"},
        ]}),
    )
    .await;
    let (_, event) = next_event(&mut rx).await;
    assert_eq!((header(&event)["changeType"].clone(), header(&event)["recordIds"].clone()), (json!("UPDATE"), json!([id, other])));

    // Edits in Salesforce itself notify too, as another user.
    org.sf.update("Contact", &id, json!({"MobilePhone": "+1 206 555 0199"}));
    let (_, event) = next_event(&mut rx).await;
    assert_eq!(header(&event)["changeType"], "UPDATE");
    assert_ne!(header(&event)["commitUser"], org.sf.api_user_id());
    org.sf.delete("Contact", &other);
    assert_eq!(header(&next_event(&mut rx).await.1)["changeType"], "DELETE");
    org.sf.undelete("Contact", &other);
    assert_eq!(header(&next_event(&mut rx).await.1)["changeType"], "UNDELETE");
    org.delete(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(header(&next_event(&mut rx).await.1)["recordIds"], json!([id]));

    // Objects not subscribed, and failed or rolled-back writes, send nothing.
    org.post("/sobjects/Lead", json!({"LastName": "Bellini", "Company": "Brightwave"})).await;
    org.post("/sobjects/Contact", json!({"FirstName": "no last name"})).await;
    org.post(
        "/composite/sobjects",
        json!({"allOrNone": true, "records": [{"attributes": {"type": "Contact"}, "LastName": "ok"}, {"attributes": {"type": "Contact"}}]}),
    )
    .await;
    no_event(&mut rx).await;
    org.post("/sobjects/Account", json!({"Name": "Acme"})).await;
    assert_eq!(header(&next_event(&mut rx).await.1)["entityName"], "Account");
}

// ---- test hooks -------------------------------------------------------------------------

#[tokio::test]
async fn requests_are_recorded_and_latency_is_added() {
    let org = Org::start().await;
    org.get("/sobjects/Contact/describe").await;
    org.query("SELECT Id FROM Contact").await;
    let requests = org.sf.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str(), requests[0].status),
        ("GET", "/services/data/v62.0/sobjects/Contact/describe", 200)
    );
    assert!(requests[1].query.starts_with("q=SELECT"));
    org.sf.set_latency(Duration::from_millis(300));
    let started = std::time::Instant::now();
    org.get("/limits").await;
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn demo_data_is_realistic() {
    let org = Org::start().await;
    org.sf.seed_demo();
    let contacts = org.sf.records("Contact");
    assert!(contacts.len() >= 20, "{}", contacts.len());
    assert!(contacts.iter().filter(|c| c["Email"].is_null()).count() >= 3);
    assert!(org.sf.records("Account").len() >= 10);
    assert!(org.sf.records("User").len() >= 4);
    assert!(org.sf.records("Product2").len() >= 3);
    let lead = org.query("SELECT Name, Company FROM Lead WHERE Email = 'marco.bellini@brightwave.example'").await;
    assert_eq!(lead.body["records"][0]["Name"], "Marco Bellini");
    let priya = contacts.iter().find(|c| c["Email"] == "priya.raman@northwind-traders.example").unwrap();
    let id = priya["Id"].as_str().unwrap();
    for (object, field) in [("Note", "ParentId"), ("Task", "WhoId"), ("Event", "WhoId"), ("OpportunityContactRole", "ContactId")] {
        let found = org.query(&format!("SELECT COUNT() FROM {object} WHERE {field} = '{id}'")).await;
        assert!(found.body["totalSize"].as_u64().unwrap() >= 1, "{object}");
    }
    assert!(is_sf_time(&priya["CreatedDate"]) && priya["CreatedDate"].as_str() < priya["LastModifiedDate"].as_str());
}

// ---- files (ContentVersion, ContentDocument, ContentDocumentLink) ------------

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl Org {
    /// A download: status, headers and the raw bytes.
    async fn download(&self, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response =
            self.http.get(self.url(&format!("{V}{path}"))).header(AUTHORIZATION, format!("Bearer {}", self.token)).send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.bytes().await.unwrap().to_vec())
    }
}

fn rows(answer: &Answer) -> Vec<Value> {
    answer.body["records"].as_array().unwrap_or_else(|| panic!("no records: {}", answer.body)).clone()
}

#[tokio::test]
async fn a_content_version_stores_the_file_and_links_it_to_the_record() {
    let org = Org::start().await;
    let user = org.sf.api_user_id();
    let case = org.sf.seed("Case", json!({"Subject": "Printer on fire"}));
    let bytes: Vec<u8> = (0..=255u8).cycle().take(3000).collect();

    let created = org
        .post(
            "/sobjects/ContentVersion",
            json!({"Title": "printer trace", "PathOnClient": "trace.log", "VersionData": base64(&bytes),
                   "FirstPublishLocationId": case, "ContentLocation": "S"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(created.body, json!({"id": id, "success": true, "errors": []}));
    assert!(id.len() == 18 && id.starts_with("068"), "{id}");

    let version = org.get(&format!("/sobjects/ContentVersion/{id}")).await;
    assert_eq!(version.status, StatusCode::OK);
    let document = version.body["ContentDocumentId"].as_str().unwrap().to_string();
    assert!(document.len() == 18 && document.starts_with("069"), "{document}");
    for (field, value) in [
        ("Title", json!("printer trace")),
        ("PathOnClient", json!("trace.log")),
        ("FileExtension", json!("log")),
        ("FileType", json!("UNKNOWN")),
        ("ContentSize", json!(3000)),
        ("FirstPublishLocationId", json!(case)),
        ("ContentLocation", json!("S")),
        ("IsLatest", json!(true)),
        ("VersionNumber", json!("1")),
        ("OwnerId", json!(user)),
        ("VersionData", json!(format!("{V}/sobjects/ContentVersion/{id}/VersionData"))),
    ] {
        assert_eq!(version.body[field], value, "{field}");
    }
    assert!(is_sf_time(&version.body["CreatedDate"]));
    // The URL follows the version of the request.
    let older = org.call(Method::GET, &format!("/services/data/v60.0/sobjects/ContentVersion/{id}?fields=VersionData"), None, &[]).await;
    assert_eq!(older.body["VersionData"], format!("/services/data/v60.0/sobjects/ContentVersion/{id}/VersionData"));

    let (status, headers, downloaded) = org.download(&format!("/sobjects/ContentVersion/{id}/VersionData")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(downloaded, bytes);
    assert_eq!(headers["content-type"], "application/octetstream");

    let doc = org.get(&format!("/sobjects/ContentDocument/{document}")).await;
    assert_eq!(doc.body["Title"], "printer trace");
    assert_eq!(doc.body["LatestPublishedVersionId"], id);
    assert_eq!(doc.body["ContentSize"], 3000);
    assert_eq!(doc.body["OwnerId"], user);

    // The document is linked to the record (viewers) and to its owner (inferred).
    let links = org
        .query(&format!("SELECT ContentDocumentId, LinkedEntityId, ShareType FROM ContentDocumentLink WHERE LinkedEntityId = '{case}'"))
        .await;
    assert_eq!(links.status, StatusCode::OK, "{}", links.body);
    let found = rows(&links);
    assert_eq!(found.len(), 1);
    assert_eq!(
        (&found[0]["ContentDocumentId"], &found[0]["LinkedEntityId"], &found[0]["ShareType"]),
        (&json!(document), &json!(case), &json!("V"))
    );
    let all_links = org
        .query(&format!(
            "SELECT LinkedEntityId, ShareType, ContentDocument.Title FROM ContentDocumentLink WHERE ContentDocumentId IN ('{document}')"
        ))
        .await;
    let mut linked: Vec<(String, String)> =
        rows(&all_links).iter().map(|r| (r["LinkedEntityId"].as_str().unwrap().into(), r["ShareType"].as_str().unwrap().into())).collect();
    linked.sort();
    let mut expected = vec![(case.clone(), "V".to_string()), (user.clone(), "I".to_string())];
    expected.sort();
    assert_eq!(linked, expected);
    assert_eq!(rows(&all_links)[0]["ContentDocument"]["Title"], "printer trace");
    let versions = org.query(&format!("SELECT Id, Title, ContentSize FROM ContentVersion WHERE ContentDocumentId = '{document}'")).await;
    assert_eq!(rows(&versions).len(), 1);
    assert_eq!(rows(&versions)[0]["Id"], id);

    // The test's view, by 18- or 15-character id.
    let stored = salesforce_emulator::StoredFile {
        id: id.clone(),
        content_document_id: document.clone(),
        title: "printer trace".into(),
        path_on_client: "trace.log".into(),
        bytes: bytes.clone(),
    };
    assert_eq!(org.sf.files_of(&case), vec![stored.clone()]);
    assert_eq!(org.sf.files_of(&case[..15]), vec![stored]);

    // Title defaults to the file's name; the type follows the extension.
    let task = org.sf.seed("Task", json!({"Subject": "Call back"}));
    let pdf = org
        .post(
            "/sobjects/ContentVersion",
            json!({"PathOnClient": "C:\\docs\\Q3 report.PDF", "VersionData": base64(b"%PDF-1.7"), "FirstPublishLocationId": task}),
        )
        .await;
    assert_eq!(pdf.status, StatusCode::CREATED, "{}", pdf.body);
    let on_task = org.sf.files_of(&task);
    assert_eq!((on_task[0].title.as_str(), on_task[0].bytes.as_slice()), ("Q3 report", b"%PDF-1.7".as_slice()));
    let pdf = org.sf.record("ContentVersion", pdf.body["id"].as_str().unwrap()).unwrap();
    assert_eq!((&pdf["FileType"], &pdf["FileExtension"]), (&json!("PDF"), &json!("pdf")));

    // Without a location the file goes to the writer's own library.
    let private = org.post("/sobjects/ContentVersion", json!({"PathOnClient": "notes.txt", "VersionData": base64(b"mine")})).await;
    assert_eq!(private.status, StatusCode::CREATED);
    assert_eq!(org.sf.record("ContentVersion", private.body["id"].as_str().unwrap()).unwrap()["FirstPublishLocationId"], user);
    assert_eq!(org.sf.files_of(&user).len(), 3);
    assert_eq!(org.sf.files_of(&case).len(), 1);

    let describe = org.get("/sobjects/ContentVersion/describe").await;
    let data = describe.body["fields"].as_array().unwrap().iter().find(|f| f["name"] == "VersionData").unwrap().clone();
    assert_eq!((&data["type"], &data["soapType"], &data["updateable"]), (&json!("base64"), &json!("xsd:base64Binary"), &json!(false)));
}

#[tokio::test]
async fn content_version_errors_follow_salesforce() {
    let org = Org::start().await;
    let case = org.sf.seed("Case", json!({"Subject": "x"}));
    let file = |extra: Value| {
        let mut body = json!({"Title": "t", "PathOnClient": "t.txt", "VersionData": base64(b"hello"), "FirstPublishLocationId": case});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        body
    };
    let create = |body: Value| {
        let org = &org;
        async move { org.post("/sobjects/ContentVersion", body).await }
    };

    let no_data = create(file(json!({"VersionData": null}))).await;
    assert_eq!(no_data.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        no_data.body,
        json!([{"message": "Required fields are missing: [VersionData]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["VersionData"]}])
    );
    let no_path = create(file(json!({"PathOnClient": null}))).await;
    assert_eq!(no_path.body[0]["fields"], json!(["PathOnClient"]));
    let neither = create(json!({"Title": "t"})).await;
    assert_eq!(neither.body[0]["message"], "Required fields are missing: [PathOnClient, VersionData]");

    let bad_base64 = create(file(json!({"VersionData": "%%% not base64 %%%"}))).await;
    assert_eq!(bad_base64.status, StatusCode::BAD_REQUEST);
    assert_eq!(error(&bad_base64).0, "JSON_PARSER_ERROR");
    assert!(bad_base64.body[0].get("fields").is_none());

    // FirstPublishLocationId must be a live record a file can be published to.
    let integrity = |answer: &Answer| (answer.status, error(answer).0, answer.body[0]["fields"].clone());
    let expected = (StatusCode::BAD_REQUEST, "FIELD_INTEGRITY_EXCEPTION".to_string(), json!(["FirstPublishLocationId"]));
    let gone = org.sf.seed("Case", json!({"Subject": "gone"}));
    org.sf.delete("Case", &gone);
    let deleted = create(file(json!({"FirstPublishLocationId": gone}))).await;
    assert_eq!(integrity(&deleted), expected);
    assert_eq!(error(&deleted).1, format!("First Publish Location ID: id value of incorrect type: {gone}"));
    assert_eq!(integrity(&create(file(json!({"FirstPublishLocationId": "5005g0000ZZZZZZAAA"}))).await), expected);
    assert_eq!(integrity(&create(file(json!({"FirstPublishLocationId": "nope"}))).await), expected);
    let someone_else = org.sf.seed("User", json!({"LastName": "Other", "Email": "o@x.example", "Username": "o@x.example"}));
    assert_eq!(integrity(&create(file(json!({"FirstPublishLocationId": someone_else}))).await), expected);

    let external = create(file(json!({"ContentLocation": "E"}))).await;
    assert_eq!(error(&external).0, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
    assert_eq!(error(&create(file(json!({"ContentSize": 5}))).await).0, "INVALID_FIELD_FOR_INSERT_UPDATE");
    assert_eq!(error(&create(file(json!({"Bogus": 1}))).await).0, "INVALID_FIELD");
    // Nothing of a refused file is left behind.
    assert_eq!(org.query("SELECT COUNT() FROM ContentVersion").await.body["totalSize"], 0);
    assert_eq!(org.query("SELECT COUNT() FROM ContentDocument").await.body["totalSize"], 0);
    assert!(org.sf.files_of(&case).is_empty());

    // Documents come only with a version; the bytes are written once.
    let document = org.post("/sobjects/ContentDocument", json!({"Title": "t"})).await;
    assert_eq!(
        document.body,
        json!([{"message": "entity type cannot be inserted: Content Document", "errorCode": "INVALID_TYPE_FOR_OPERATION"}])
    );
    let id = create(file(json!({}))).await.body["id"].as_str().unwrap().to_string();
    let patched = org.patch(&format!("/sobjects/ContentVersion/{id}"), json!({"VersionData": base64(b"other")})).await;
    assert_eq!(error(&patched).0, "INVALID_FIELD_FOR_INSERT_UPDATE");
    assert_eq!(org.patch(&format!("/sobjects/ContentVersion/{id}"), json!({"Title": "renamed"})).await.status, StatusCode::NO_CONTENT);
    let (status, _, _) = org.download("/sobjects/ContentVersion/0685g0000ZZZZZZAAA/VersionData").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let post_data = org.post(&format!("/sobjects/ContentVersion/{id}/VersionData"), json!({})).await;
    assert_eq!(post_data.status, StatusCode::METHOD_NOT_ALLOWED);

    // ContentDocumentLink is only queried by the documents or records it links.
    let restriction = "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or \
                       LinkedEntityId using the equals operator or multiple Id's using the IN operator.";
    for soql in [
        "SELECT Id FROM ContentDocumentLink".to_string(),
        "SELECT Id FROM ContentDocumentLink WHERE ShareType = 'V'".to_string(),
        format!("SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '{case}' OR ShareType = 'V'"),
        format!("SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId != '{case}'"),
        "SELECT COUNT() FROM ContentDocumentLink".to_string(),
    ] {
        let refused = org.query(&soql).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{soql}");
        assert_eq!(error(&refused), ("MALFORMED_QUERY".to_string(), restriction.to_string()), "{soql}");
    }
    let and = org.query(&format!("SELECT Id FROM ContentDocumentLink WHERE ShareType = 'V' AND LinkedEntityId = '{}'", &case[..15])).await;
    assert_eq!(rows(&and).len(), 1);
}

#[tokio::test]
async fn a_20_mb_file_fits_in_one_json_body() {
    let org = Org::start().await;
    let case = org.sf.seed("Case", json!({"Subject": "Big logs"}));
    let bytes: Vec<u8> = (0..20 * 1024 * 1024 + 1000).map(|i: usize| (i % 251) as u8).collect();
    let created = org
        .post(
            "/sobjects/ContentVersion",
            json!({"PathOnClient": "dump.bin", "VersionData": base64(&bytes), "FirstPublishLocationId": case}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let stored = org.sf.files_of(&case);
    assert_eq!(stored.len(), 1);
    assert!(stored[0].bytes == bytes, "the bytes arrive unchanged");
    let (_, _, downloaded) = org.download(&format!("/sobjects/ContentVersion/{}/VersionData", stored[0].id)).await;
    assert_eq!(downloaded.len(), bytes.len());
}

#[tokio::test]
async fn files_go_through_composite_and_roll_back_with_it() {
    let org = Org::start().await;
    let case = org.sf.seed("Case", json!({"Subject": "x"}));
    let version = json!({"attributes": {"type": "ContentVersion"}, "PathOnClient": "a.txt", "VersionData": base64(b"a"), "FirstPublishLocationId": case});
    let rolled_back =
        org.post("/composite/sobjects", json!({"allOrNone": true, "records": [version, {"attributes": {"type": "Contact"}}]})).await;
    assert_eq!(rolled_back.body[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK");
    assert!(org.sf.files_of(&case).is_empty());
    assert!(org.sf.records("ContentDocument").is_empty() && org.sf.records("ContentVersion").is_empty());

    let kept = org.post("/composite/sobjects", json!({"allOrNone": false, "records": [version]})).await;
    assert_eq!(kept.body[0]["success"], true, "{}", kept.body);
    assert_eq!(org.sf.files_of(&case)[0].bytes, b"a");
    // A file is shared with another record by linking its document there.
    let account = org.sf.seed("Account", json!({"Name": "Acme"}));
    let document = org.sf.files_of(&case)[0].content_document_id.clone();
    let link = org.post("/sobjects/ContentDocumentLink", json!({"ContentDocumentId": document, "LinkedEntityId": account})).await;
    assert_eq!(link.status, StatusCode::CREATED, "{}", link.body);
    assert!(link.body["id"].as_str().unwrap().starts_with("06A"));
    assert_eq!(org.sf.files_of(&account)[0].bytes, b"a");
    // Tests seed files as the API creates them.
    let seeded = org
        .sf
        .seed("ContentVersion", json!({"PathOnClient": "s.txt", "VersionData": base64(b"seeded"), "FirstPublishLocationId": account}));
    assert!(seeded.starts_with("068"));
    assert_eq!(org.sf.files_of(&account).iter().map(|f| f.title.as_str()).collect::<Vec<_>>(), ["a", "s"]);
}
