//! The attack suite: one test per hole an audit found (issue 8), each
//! probing the real server or runtime the way an attacker would, plus the
//! SSRF address list and a route-table test. docs/security.md says which
//! promise each test holds the desk to.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use deskpane::contract::Requester;
use deskpane::credentials::StaticCredentials;
use deskpane::{CallErrorKind, Plugin, PluginSettings, Runtime};
use deskpane_tests::{plugin, runtime, runtime_with_dns, Caller, DeskServer, TestServer, LOOPBACK, ROUTES};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn built(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/plugins").join(name)
}

fn hostile_manifest() -> String {
    std::fs::read_to_string(built("hostile").join("plugin.toml")).unwrap()
}

fn hostile_component() -> Vec<u8> {
    std::fs::read(built("hostile").join("plugin.wasm")).unwrap()
}

/// The hostile fixture's manifest under another id, with `extra` lines
/// after the publisher.
fn manifest_as(id: &str, extra: &str) -> String {
    hostile_manifest()
        .replace("id = \"hostile\"", &format!("id = \"{id}\""))
        .replace("publisher = \"Deskpane tests\"", &format!("publisher = \"Deskpane tests\"\n{extra}"))
}

fn upload(manifest: &str, component: Vec<u8>) -> Form {
    Form::new()
        .part("manifest", Part::bytes(manifest.as_bytes().to_vec()).file_name("plugin.toml"))
        .part("component", Part::bytes(component).file_name("plugin.wasm"))
}

fn requester() -> Requester {
    Requester { email: Some("ada@analytical.example".into()), secondary_email: None, phone: None, name: None, account_name: None }
}

fn fetcher(rt: &Runtime, url: &str, extra_hosts: &[&str]) -> Plugin {
    let settings = PluginSettings {
        config: BTreeMap::from([("mode".to_string(), "fetch".to_string()), ("url".to_string(), url.to_string())]),
        extra_hosts: extra_hosts.iter().map(|h| h.to_string()).collect(),
        ..Default::default()
    };
    rt.load(&plugin("hostile"), &settings, Arc::new(StaticCredentials::new())).expect("hostile loads")
}

/// What the fetching plugin got: `Ok(status line)` or the refusal.
async fn fetch(p: &Plugin) -> Result<String, String> {
    match p.lookup_requester(&requester()).await {
        Ok(profile) => Ok(profile.expect("a profile").display_name),
        Err(e) => Err(e.to_string()),
    }
}

// 1. A plugin upload writes any bytes to any path.
#[tokio::test(flavor = "multi_thread")]
async fn a_package_naming_a_path_outside_itself_is_refused_and_writes_nothing() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let zoho_wasm = s.data.join("plugins/zoho-crm/plugin.wasm");
    let zoho_before = std::fs::read(&zoho_wasm).unwrap();
    let marker = format!("deskpane-escape-{}", deskpane::secrets::random_token());
    let outside = std::env::temp_dir().join(format!("{marker}.wasm"));
    for component in
        [format!("../../../{marker}.wasm"), outside.display().to_string(), "../zoho-crm/plugin.wasm".into(), format!("sub/{marker}.wasm")]
    {
        let manifest = manifest_as("evil", &format!("component = \"{component}\""));
        let (status, body) = send(admin.post(s.api("admin/plugins")).multipart(upload(&manifest, hostile_component()))).await;
        assert_eq!(status, 422, "{component}: {body}");
        let error = body["error"].as_str().unwrap();
        assert!(error.contains("is not a file of this package"), "{component}: {error}");
        assert!(error.contains("plugin.toml:"), "the error points into the manifest: {error}");
    }
    assert!(!outside.exists(), "nothing written outside the data folder");
    assert!(!s.data.join(format!("{marker}.wasm")).exists() && !s.data.parent().unwrap().join(format!("{marker}.wasm")).exists());
    assert_eq!(std::fs::read(&zoho_wasm).unwrap(), zoho_before, "Zoho's component is untouched");
    let leftovers: Vec<_> = std::fs::read_dir(s.data.join("plugins")).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("zoho-crm")], "no staging folder or stray file is left");
}

// 2. Unauthenticated memory growth through /hooks/{name}.
#[tokio::test(flavor = "multi_thread")]
async fn notifications_for_names_that_are_not_plugins_keep_no_state() {
    let s = DeskServer::start().await;
    let anonymous = reqwest::Client::new();
    for i in 0..300 {
        let (status, body) = send(anonymous.post(format!("{}/hooks/nobody-{i}", s.url)).body("{}")).await;
        assert_eq!(status, 404, "{body}");
    }
    // The desk's own sync loop may make engines for installed plugins
    // meanwhile; none may exist for a name a request gave.
    let names = s.state.sync.engine_names();
    assert!(names.iter().all(|n| s.state.registry.plugin(n).is_some()), "no engine was made for a name a request gave: {names:?}");
}

// 3. The webhook runs plugin code before checking its token.
#[tokio::test(flavor = "multi_thread")]
async fn a_notification_is_authenticated_before_any_plugin_code_runs() {
    let s = DeskServer::start().await;
    let token = "hook-secret-0123456789";
    s.state.sync.engine("zoho-crm").unwrap().store().set_hook_token("zoho-crm", token).unwrap();
    let zoho = s.state.registry.plugin("zoho-crm").unwrap();
    let hook = format!("{}/hooks/zoho-crm", s.url);
    let http = reqwest::Client::new();
    let calls = zoho.calls();

    let big = json!({"module": "Contacts", "operation": "update", "ids": vec!["1"; 1000], "padding": "x".repeat(40_000)});
    assert_eq!(send(http.post(&hook).json(&big)).await.0, 401, "anonymous");
    // Too large to read at all: 413, or the connection closed mid-upload.
    // (Its own connection: the server closes it without reading the body.)
    if let Ok(resp) = reqwest::Client::new().post(&hook).header("connection", "close").body(vec![b'{'; 1_800_000]).send().await {
        assert_eq!(resp.status(), 413);
    }
    let wrong = json!({"module": "Contacts", "operation": "update", "ids": ["1"], "token": "hook-secret-0123456788"});
    assert_eq!(send(http.post(&hook).json(&wrong)).await.0, 401, "a near miss");
    assert_eq!(send(http.post(&hook).header("x-deskpane-token", "nope").json(&json!({}))).await.0, 401);
    let (status, body) = send(http.post(format!("{hook}?token={token}")).json(&json!({"module": "Contacts"}))).await;
    assert_eq!(status, 400, "a token in the URL is refused: {body}");
    assert_eq!(zoho.calls(), calls, "no refused notification reached the plugin");

    let right = json!({"module": "Contacts", "operation": "update", "ids": ["1"], "token": token, "channel_id": "1"});
    assert_eq!(send(http.post(&hook).json(&right)).await.0, 204, "Zoho's token in the body");
    let plain = json!({"module": "Contacts", "operation": "update", "ids": ["1"]});
    assert_eq!(send(http.post(&hook).header("x-deskpane-token", token).json(&plain)).await.0, 204, "the header");
    assert_eq!(zoho.calls(), calls + 2, "authenticated notifications are read by the plugin");
}

// 4. Allow-list entries combine wrongly.
#[tokio::test]
async fn an_entry_for_a_special_address_grants_only_its_own_port() {
    let granted = TestServer::start().await;
    let other = TestServer::start().await;
    let rt = runtime_with_dns(&[("rebind.test", LOOPBACK)]);
    let hosts = ["http://*:*", &granted.url(), &format!("http://localhost:{}", granted.port())];
    let cases = [
        (format!("{}/ok", granted.url()), true),
        (format!("{}/ok", other.url()), false),
        (format!("http://localhost:{}/ok", granted.port()), true),
        (format!("http://localhost:{}/ok", other.port()), false),
        (format!("http://rebind.test:{}/ok", granted.port()), true),
        (format!("http://rebind.test:{}/ok", other.port()), false),
    ];
    for (url, allowed) in cases {
        let got = fetch(&fetcher(&rt, &url, &hosts)).await;
        assert_eq!(got.is_ok(), allowed, "{url}: {got:?}");
        if !allowed {
            assert!(got.unwrap_err().contains("does not name explicitly"), "{url}");
        }
    }
}

#[tokio::test]
async fn ssrf_spellings_redirects_and_userinfo_never_reach_a_special_address() {
    let server = TestServer::start().await;
    let rt = runtime_with_dns(&[("loopback.test", LOOPBACK)]);
    let port = server.port();
    let urls = [
        format!("http://127.1:{port}/ok"),
        format!("http://0177.0.0.1:{port}/ok"),
        format!("http://0x7f000001:{port}/ok"),
        format!("http://2130706433:{port}/ok"),
        format!("http://0:{port}/ok"),
        format!("http://0.0.0.0:{port}/ok"),
        format!("http://[::]:{port}/ok"),
        format!("http://[::1]:{port}/ok"),
        format!("http://[::ffff:127.0.0.1]:{port}/ok"),
        format!("http://[::127.0.0.1]:{port}/ok"),
        format!("http://[64:ff9b::7f00:1]:{port}/ok"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://100.64.0.1/".to_string(),
        format!("http://user:pass@127.0.0.1:{port}/ok"),
        format!("http://public.example@127.0.0.1:{port}/ok"),
        format!("http://127.0.0.1:{port}@public.example/ok"),
        format!("http://localhost.:{port}/ok"),
        // (A zone id, `http://[fe80::1%25lo]/`, is no URL at all: the
        // config check and the allow-list's own table test refuse it.)
        format!("http://loopback.test:{port}/ok"),
    ];
    for url in &urls {
        let got = fetch(&fetcher(&rt, url, &["http://*:*"])).await;
        assert!(got.is_err(), "{url} must be refused, got {got:?}");
    }
    // A redirect to a disallowed host is not followed: the plugin sees the 302.
    let redirect = format!("{}/redirect?to=http://169.254.169.254/", server.url());
    assert_eq!(fetch(&fetcher(&rt, &redirect, &[&server.url()])).await.unwrap(), "status 302 body 0 bytes");
}

// 5. The OAuth token exchange bypasses the sandbox.
#[tokio::test(flavor = "multi_thread")]
async fn the_oauth_token_exchange_goes_through_the_plugins_allow_list() {
    let s = DeskServer::start().await;
    let token_server = TestServer::start().await;
    let manifest = hostile_manifest().replace(
        "[credentials.crm]\nkind = \"api-key\"\nheader = \"X-Api-Key\"",
        "[credentials.crm]\nkind = \"oauth2\"\nauthorize-url = \"https://accounts.crm.example/auth\"\ntoken-url = \"https://accounts.crm.example/token\"",
    );
    assert!(manifest.contains("oauth2"), "the fixture's manifest changed");
    let registry = &s.state.registry;
    registry.install(&manifest, &hostile_component()).unwrap();
    let oauth = |token_url: String| deskpane::registry::InstallationPatch {
        oauth: Some(BTreeMap::from([(
            "crm".to_string(),
            deskpane::registry::OAuthSetup {
                client_id: "id".into(),
                client_secret: "very-secret".into(),
                authorize_url: None,
                token_url: Some(token_url),
            },
        )])),
        ..Default::default()
    };
    // Empty allow-list: the client secret goes nowhere.
    registry.update("hostile", oauth(format!("{}/token", token_server.url()))).unwrap();
    let err = registry.connect_with_refresh_token("hostile", "crm", "refresh", "test").await.unwrap_err();
    assert!(err.to_string().contains("not on the plugin's allow-list"), "{err}");
    // A redirect from an allowed token server is not followed.
    let elsewhere = TestServer::start().await;
    let redirect = format!("{}/redirect?to={}/token", token_server.url(), elsewhere.url());
    let mut patch = oauth(redirect);
    patch.extra_hosts = Some(vec![token_server.url()]);
    registry.update("hostile", patch).unwrap();
    assert!(registry.connect_with_refresh_token("hostile", "crm", "refresh", "test").await.is_err());
    assert_eq!((token_server.token_requests(), elsewhere.token_requests()), (0, 0));
    // Granted by the admin, the same exchange goes through.
    registry.update("hostile", oauth(format!("{}/token", token_server.url()))).unwrap();
    registry.connect_with_refresh_token("hostile", "crm", "refresh", "test").await.unwrap();
    assert_eq!(token_server.token_requests(), 1);
}

// 6. Login: throttling, enumeration by timing, hashing on the async workers.
#[tokio::test(flavor = "multi_thread")]
async fn failed_sign_ins_are_throttled_per_account() {
    let s = DeskServer::start().await;
    let http = reqwest::Client::new();
    let login = |password: &str| http.post(s.api("login")).json(&json!({"email": "agent@deskpane.example", "password": password}));
    for _ in 0..5 {
        assert_eq!(send(login("wrong-password")).await.0, 401);
    }
    let resp = login("agent-pass-123").send().await.unwrap();
    assert_eq!(resp.status(), 429, "even the right password waits after repeated failures");
    assert!(resp.headers().get("retry-after").is_some());
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("too many failed sign-ins"), "{body}");
    // Other accounts are not locked out by it.
    assert_eq!(
        send(http.post(s.api("login")).json(&json!({"email": "light@deskpane.example", "password": "light-pass-123"}))).await.0,
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_sign_ins_are_throttled_per_client_address() {
    let s = DeskServer::start().await;
    let http = reqwest::Client::new();
    for i in 0..20 {
        let (status, _) =
            send(http.post(s.api("login")).json(&json!({"email": format!("guess{i}@deskpane.example"), "password": "wrong-password"})))
                .await;
        assert_eq!(status, 401);
    }
    let (status, _) = send(http.post(s.api("login")).json(&json!({"email": "admin@deskpane.example", "password": "admin-pass-123"}))).await;
    assert_eq!(status, 429, "one address guessing across many accounts is slowed down");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_account_costs_the_same_work_as_a_known_one() {
    let s = DeskServer::start().await;
    let http = reqwest::Client::new();
    let timed = |email: String| {
        let req = http.post(s.api("login")).json(&json!({"email": email, "password": "wrong-password"}));
        async move {
            let began = std::time::Instant::now();
            let status = req.send().await.unwrap().status();
            assert_eq!(status, 401);
            began.elapsed()
        }
    };
    // Different accounts each time, so no throttle interferes; the decoy
    // hash is made on the first unknown sign-in, so warm it up.
    timed("warm-up@nowhere.example".into()).await;
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for (i, email) in ["admin@deskpane.example", "agent@deskpane.example", "light@deskpane.example"].iter().enumerate() {
        known.push(timed(email.to_string()).await);
        unknown.push(timed(format!("nobody{i}@nowhere.example")).await);
    }
    known.sort();
    unknown.sort();
    // Before the fix an unknown account answered ~30x faster; equal work
    // keeps the two within a small factor whatever the machine's speed.
    assert!(unknown[1] * 3 >= known[1], "unknown {unknown:?} vs known {known:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn password_hashing_does_not_hold_up_other_requests() {
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    let http = reqwest::Client::new();
    let logins = futures::future::join_all((0..8).map(|i| {
        let req = http.post(s.api("login")).json(&json!({"email": format!("load{i}@deskpane.example"), "password": "wrong-password"}));
        async move { req.send().await.unwrap().status().as_u16() }
    }));
    let api = async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        for _ in 0..10 {
            assert_eq!(agent.get(s.api("me")).send().await.unwrap().status(), 200);
        }
        std::time::Instant::now()
    };
    let ((statuses, logins_done), api_done) = tokio::join!(async { (logins.await, std::time::Instant::now()) }, api);
    assert!(statuses.iter().all(|s| *s == 401));
    assert!(api_done < logins_done, "ten API calls finished while eight hashes queued on their bounded pool");
}

// 7. No revocation.
#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_revoked_and_agents_deactivated_or_deleted_lose_access_at_once() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let (_, agents) = send(admin.get(s.api("admin/agents"))).await;
    let id_of = |email: &str| {
        agents["agents"].as_array().unwrap().iter().find(|a| a["email"] == email).unwrap()["id"].as_str().unwrap().to_string()
    };
    let (agent_id, light_id) = (id_of("agent@deskpane.example"), id_of("light@deskpane.example"));
    let http = reqwest::Client::new();
    let me = |token: &str| http.get(s.api("me")).bearer_auth(token.to_string());

    let (status, created) =
        send(admin.post(s.api("admin/tokens")).json(&json!({"agent_id": agent_id, "label": "CI", "expires_in_days": 30}))).await;
    assert_eq!(status, 201, "{created}");
    assert!(created["expires_at"].is_string());
    let token = created["token"].as_str().unwrap().to_string();
    assert_eq!(send(me(&token)).await.0, 200);
    let (_, listed) = send(admin.get(s.api("admin/tokens"))).await;
    assert!(listed["tokens"].as_array().unwrap().iter().any(|t| t["id"] == created["id"] && t.get("token").is_none()), "{listed}");
    assert_eq!(send(admin.delete(s.api(&format!("admin/tokens/{}", created["id"].as_str().unwrap())))).await.0, 204);
    assert_eq!(send(me(&token)).await.0, 401, "a revoked token stops working");
    let (status, _) = send(admin.post(s.api("admin/tokens")).json(&json!({"agent_id": agent_id, "expires_in_days": 10_000}))).await;
    assert_eq!(status, 422, "tokens cannot be made to last for ever");

    // Deactivation ends the agent's session and token and blocks sign-in.
    let agent = s.agent().await;
    let (_, t) = send(admin.post(s.api("admin/tokens")).json(&json!({"agent_id": agent_id}))).await;
    let agent_token = t["token"].as_str().unwrap().to_string();
    let (status, body) = send(admin.patch(s.api(&format!("admin/agents/{agent_id}"))).json(&json!({"active": false}))).await;
    assert_eq!((status, body["active"].as_bool()), (200, Some(false)));
    assert_eq!(send(agent.get(s.api("me"))).await.0, 401);
    assert_eq!(send(me(&agent_token)).await.0, 401);
    let (status, body) =
        send(http.post(s.api("login")).json(&json!({"email": "agent@deskpane.example", "password": "agent-pass-123"}))).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"].as_str().unwrap().contains("deactivated"));
    send(admin.patch(s.api(&format!("admin/agents/{agent_id}"))).json(&json!({"active": true}))).await;
    assert_eq!(
        send(http.post(s.api("login")).json(&json!({"email": "agent@deskpane.example", "password": "agent-pass-123"}))).await.0,
        200
    );

    // A removed admin's token stops working.
    send(admin.patch(s.api(&format!("admin/agents/{light_id}"))).json(&json!({"profile": "Administrator"}))).await;
    let (_, t) = send(admin.post(s.api("admin/tokens")).json(&json!({"agent_id": light_id}))).await;
    let removed_admin = t["token"].as_str().unwrap().to_string();
    assert_eq!(send(http.get(s.api("admin/plugins")).bearer_auth(&removed_admin)).await.0, 200);
    assert_eq!(send(admin.delete(s.api(&format!("admin/agents/{light_id}")))).await.0, 204);
    assert_eq!(send(http.get(s.api("admin/plugins")).bearer_auth(&removed_admin)).await.0, 401);

    // An admin cannot lock the desk out.
    let (_, me_body) = send(admin.get(s.api("me"))).await;
    let self_id = me_body["agent"]["id"].as_str().unwrap();
    assert_eq!(send(admin.patch(s.api(&format!("admin/agents/{self_id}"))).json(&json!({"active": false}))).await.0, 409);
}

// 8. CSRF.
#[tokio::test(flavor = "multi_thread")]
async fn state_changes_from_another_site_are_refused() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let other_port = format!("http://127.0.0.1:{}", s.url.rsplit(':').next().unwrap().parse::<u16>().unwrap() + 1);
    for origin in ["http://evil.example", other_port.as_str(), "null"] {
        let (status, body) = send(admin.post(s.api("admin/plugins/zoho-crm/disconnect")).header("origin", origin)).await;
        assert_eq!(status, 403, "{origin}: {body}");
        // Refused before the upload is read, so the server closes this
        // connection: say so, or the client may reuse it for the next call.
        let install = admin.post(s.api("admin/plugins")).header("origin", origin).header("connection", "close");
        let (status, _) = send(install.multipart(upload(&hostile_manifest(), hostile_component()))).await;
        assert_eq!(status, 403, "multipart install from {origin}");
    }
    let (status, _) = send(admin.post(s.api("admin/plugins/zoho-crm/disconnect")).header("sec-fetch-site", "same-site")).await;
    assert_eq!(status, 403, "a sibling subdomain is another site's page");
    assert!(s.state.registry.is_connected("zoho-crm", "crm"), "none of them disconnected the CRM");
    // The desk's own pages pass.
    let (status, _) =
        send(admin.post(s.api("admin/plugins/zoho-crm/disconnect")).header("origin", &s.url).header("sec-fetch-site", "same-origin")).await;
    assert_eq!(status, 200);
}

// 9. OAuth state not bound to the session and never expiring.
#[tokio::test(flavor = "multi_thread")]
async fn an_oauth_round_trip_finishes_only_in_the_browser_that_started_it_and_in_time() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    send(admin.post(s.api("admin/plugins/zoho-crm/disconnect"))).await;
    let start =
        || async { send(admin.post(s.api("admin/plugins/zoho-crm/connect"))).await.1["authorize_url"].as_str().unwrap().to_string() };

    let stolen = start().await;
    let other_browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let landed = other_browser.get(&stolen).send().await.unwrap();
    assert_eq!(landed.status(), 400, "another browser cannot finish the admin's consent");
    assert!(!s.state.registry.is_connected("zoho-crm", "crm"));

    s.state.registry.set_consent_lifetime(1);
    let late = start().await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(admin.get(&late).send().await.unwrap().status(), 400, "an expired consent is refused");
    assert!(!s.state.registry.is_connected("zoho-crm", "crm"));

    s.state.registry.set_consent_lifetime(600);
    let fine = start().await;
    let landed = admin.get(&fine).send().await.unwrap();
    assert_eq!((landed.url().path(), landed.status().as_u16()), ("/oauth/callback", 200));
    assert!(s.state.registry.is_connected("zoho-crm", "crm"));
}

// 10. Secrets at rest.
#[tokio::test(flavor = "multi_thread")]
async fn no_secret_is_stored_in_plain_text_and_the_data_folder_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    // A secret-typed config value, on a plugin that declares one.
    let manifest = manifest_as("vault", "")
        .replace("[config.credential]", "[config.password]\ntype = \"secret\"\nlabel = \"Password\"\n\n[config.credential]");
    s.state.registry.install(&manifest, &hostile_component()).unwrap();
    let (status, view) =
        send(admin.patch(s.api("admin/plugins/vault")).json(&json!({"config": {"password": "config-secret-value"}}))).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["config"]["password"], "", "the console never receives a secret");
    assert_eq!(view["secrets_set"], json!(["password"]));
    // Saving the form again with the secret left empty keeps it.
    send(admin.patch(s.api("admin/plugins/vault")).json(&json!({"config": {"password": "", "mode": "healthy"}}))).await;
    assert_eq!(s.state.registry.installation("vault").unwrap().config["password"], "config-secret-value");
    s.state.db.flush().unwrap();
    for name in s.state.db.tree_names().unwrap() {
        for entry in s.state.db.tree(&name).unwrap().iter() {
            let (k, v) = entry.unwrap();
            let text = format!("{}{}", String::from_utf8_lossy(&k), String::from_utf8_lossy(&v));
            for secret in ["deskpane-secret", "1000.refresh.demo", "config-secret-value"] {
                assert!(!text.contains(secret), "`{secret}` is stored in plain text in tree {name}");
            }
        }
    }
    assert_eq!(std::fs::metadata(&s.data).unwrap().permissions().mode() & 0o777, 0o700);
}

// 11. Plugins grant themselves the ceiling, unseen.
#[tokio::test(flavor = "multi_thread")]
async fn limits_above_the_defaults_wait_for_an_admin_and_are_shown_before_enabling() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let greedy =
        manifest_as("greedy", "").replace("memory-mib = 32", "memory-mib = 100000").replace("max-concurrency = 2", "max-concurrency = 64");
    let (status, view) = send(admin.post(s.api("admin/plugins")).multipart(upload(&greedy, hostile_component()))).await;
    assert_eq!(status, 201, "{view}");
    assert_eq!(view["enabled"], false);
    assert_eq!(view["sandbox"]["allowed_hosts"], json!([]));
    assert_eq!(
        (view["sandbox"]["limits"]["memory_mib"].as_u64(), view["sandbox"]["limits"]["max_concurrency"].as_u64()),
        (Some(64), Some(4)),
        "{view}"
    );
    assert_eq!(view["sandbox"]["requests_above_defaults"].as_array().unwrap().len(), 2, "{view}");
    let (_, view) = send(admin.patch(s.api("admin/plugins/greedy")).json(&json!({"approve_limits": true}))).await;
    assert_eq!(
        (view["sandbox"]["limits"]["memory_mib"].as_u64(), view["sandbox"]["limits"]["max_concurrency"].as_u64()),
        (Some(512), Some(64)),
        "{view}"
    );
    assert_eq!(view["sandbox"]["above_defaults_approved"], true);

    let any_host =
        manifest_as("roamer", "").replace("[credentials.crm]", "[network]\nallowed-hosts = [\"http://*:*\"]\n\n[credentials.crm]");
    let (status, body) = send(admin.post(s.api("admin/plugins")).multipart(upload(&any_host, hostile_component()))).await;
    assert_eq!(status, 422);
    assert!(body["error"].as_str().unwrap().contains("lets the plugin reach any server"), "{body}");
}

/// The calls a plugin makes at once are the CRM account's allowance, which
/// the admin knows (Zoho CRM: 10 to 25 by edition) and the manifest's author
/// cannot: an admin sets it above or below the manifest's ask, within the
/// desk's ceiling, and can return to the manifest's.
#[tokio::test(flavor = "multi_thread")]
async fn an_admin_sets_the_calls_a_plugin_makes_at_once_within_the_ceiling() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let slots = || s.state.registry.plugin("zoho-crm").expect("Zoho CRM runs").limits().max_concurrency;
    assert_eq!(slots(), 4, "the default until the manifest's 8 is approved");
    let (status, view) = send(admin.patch(s.api("admin/plugins/zoho-crm")).json(&json!({"concurrency": 20}))).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!((view["sandbox"]["limits"]["max_concurrency"].as_u64(), view["sandbox"]["concurrency_set"].as_u64()), (Some(20), Some(20)));
    assert_eq!(view["sandbox"]["concurrency_ceiling"], 64);
    assert_eq!(slots(), 20, "the running plugin has 20 slots");

    let (status, body) = send(admin.patch(s.api("admin/plugins/zoho-crm")).json(&json!({"concurrency": 65}))).await;
    assert_eq!(status, 422);
    assert!(body["error"].as_str().unwrap().contains("between 1 and 64"), "{body}");
    assert_eq!(slots(), 20, "a refused change changes nothing");
    for hostile in [json!(-1), json!(2.5), json!("20"), json!(u64::MAX)] {
        let (status, body) = send(admin.patch(s.api("admin/plugins/zoho-crm")).json(&json!({"concurrency": hostile}))).await;
        assert!((400..500).contains(&status), "{hostile}: {status} {body}");
        assert!(body["error"].is_string(), "{hostile}: a sentence, not a bare status: {body}");
    }
    assert_eq!(slots(), 20, "nor does a value that is not a count");

    let (_, view) = send(admin.patch(s.api("admin/plugins/zoho-crm")).json(&json!({"concurrency": 0, "approve_limits": true}))).await;
    assert_eq!((view["sandbox"]["limits"]["max_concurrency"].as_u64(), view["sandbox"]["concurrency_set"].as_u64()), (Some(8), None));
    assert_eq!(slots(), 8, "the manifest's, approved");
}

// 12. Permission gaps.
#[tokio::test(flavor = "multi_thread")]
async fn a_profile_that_may_not_see_the_panel_sees_no_crm_data_and_new_profiles_see_nothing() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    assert_eq!(send(admin.post(s.api("admin/profiles")).json(&json!({"name": "Billing"}))).await.0, 201);
    let (_, matrix) = send(admin.get(s.api("admin/plugins/zoho-crm/permissions"))).await;
    assert_eq!(matrix["permissions"]["Billing"]["visible"], false, "{matrix}");
    assert_eq!(matrix["permissions"]["Billing"]["potentials"], "restricted");
    send(
        admin
            .post(s.api("admin/agents"))
            .json(&json!({"name": "Bill", "email": "bill@deskpane.example", "password": "bill-pass-123", "profile": "Billing"})),
    )
    .await;
    let bill = s.client("bill@deskpane.example", "bill-pass-123").await;
    let (_, list) = send(bill.get(s.api("ticket-list"))).await;
    assert!(list["tickets"].as_array().unwrap().iter().all(|t| t["customer_type"].is_null()), "{list}");

    let agent = s.agent().await;
    let (_, list) = send(agent.get(s.api("ticket-list"))).await;
    assert!(list["tickets"].as_array().unwrap().iter().any(|t| !t["customer_type"].is_null()), "the control: Agents see customer types");
    let mut hidden = matrix["permissions"]["Agent"].clone();
    hidden["visible"] = json!(false);
    assert_eq!(send(admin.put(s.api("admin/plugins/zoho-crm/permissions/Agent")).json(&hidden)).await.0, 200);
    let (_, list) = send(agent.get(s.api("ticket-list"))).await;
    assert!(list["tickets"].as_array().unwrap().iter().all(|t| t["customer_type"].is_null()), "{list}");
}

// 13. Headers, error bodies, internal paths, forged panics.
#[tokio::test(flavor = "multi_thread")]
async fn pages_carry_the_browser_security_headers_and_only_the_panel_may_be_framed() {
    let s = DeskServer::start().await;
    let http = reqwest::Client::new();
    for path in ["/", "/admin", "/api/me"] {
        let resp = http.get(format!("{}{path}", s.url)).send().await.unwrap();
        let h = resp.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
    }
    let embed = http.get(format!("{}/embed/panel", s.url)).send().await.unwrap();
    assert!(embed.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'self'"));
    assert!(embed.headers().get("x-frame-options").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_answer_json_without_server_paths() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let http = reqwest::Client::new();
    let resp = http.post(s.api("login")).header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert!(resp.status().is_client_error());
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"].is_string(), "{body}");
    let (status, body) = send(http.get(s.api("no-such-route/at/all"))).await;
    assert_eq!(status, 404);
    assert!(body["error"].is_string(), "{body}");
    let (status, body) = send(http.put(format!("{}/api/login", s.url))).await;
    assert_eq!(status, 405);
    assert!(body["error"].is_string(), "{body}");

    let (status, body) =
        send(admin.post(s.api("admin/plugins")).multipart(upload(&manifest_as("broken", ""), b"\0asm\x0d\0\x01\0garbage".to_vec()))).await;
    assert_eq!(status, 422);
    let error = body["error"].as_str().unwrap();
    let data = s.data.display().to_string();
    assert!(
        !error.contains(&data) && !error.contains(".staging-") && !error.contains(&std::env::temp_dir().display().to_string()),
        "{error}"
    );
    assert!(error.contains("plugin.wasm"), "it still names the file: {error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cookies_are_secure_when_the_desk_is_served_over_tls() {
    let data = std::env::temp_dir().join(format!("deskpane-tls-{}", deskpane::secrets::random_token()));
    let config = deskpane::server::ServeConfig {
        data,
        public_url: "https://desk.example".into(),
        web_dir: None,
        panel_ttl: Duration::from_secs(60),
        runtime: deskpane::RuntimeConfig { max_instances: 4, ..Default::default() },
        embed_origins: Vec::new(),
        max_upload_bytes: deskpane::server::DEFAULT_MAX_UPLOAD_BYTES,
        store: None,
        ..Default::default()
    };
    let state = deskpane::server::AppState::open(&config).await.unwrap();
    state.auth.create_agent("Ada", "ada@desk.example", "long enough", deskpane::auth::ADMINISTRATOR).unwrap();
    let listener = tokio::net::TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, deskpane::server::router(state)).await.unwrap() });
    let resp = reqwest::Client::new()
        .post(format!("{url}/api/login"))
        .json(&json!({"email": "ada@desk.example", "password": "long enough"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
}

#[tokio::test]
async fn a_panic_is_what_the_runtime_sees_not_what_a_log_line_says() {
    let rt = runtime();
    let load = |mode: &str| {
        let settings = PluginSettings { config: BTreeMap::from([("mode".to_string(), mode.to_string())]), ..Default::default() };
        rt.load(&plugin("hostile"), &settings, Arc::new(StaticCredentials::new())).unwrap()
    };
    let forged = load("fake-panic").lookup_requester(&requester()).await.unwrap_err();
    assert!(matches!(forged.kind, CallErrorKind::Trapped(_)), "logging panic text then crashing is a crash: {forged}");
    assert!(!forged.to_string().contains("forged message"), "{forged}");
    let real = load("panic").lookup_requester(&requester()).await.unwrap_err();
    match real.kind {
        CallErrorKind::Panicked(message) => assert!(message.contains("hostile plugin panics on purpose"), "{message}"),
        other => panic!("a real panic is reported as one, got {other}"),
    }
}

/// Every route that is not public refuses an anonymous caller, and every
/// admin route refuses an agent.
#[tokio::test(flavor = "multi_thread")]
async fn the_route_table_refuses_anonymous_callers_and_agents_where_it_must() {
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    let anonymous = reqwest::Client::new();
    let call = |client: &reqwest::Client, method: &str, path: &str| {
        client.request(method.parse().unwrap(), format!("{}{path}", s.url)).header("content-type", "application/json").body("{}")
    };
    let guarded = || ROUTES.iter().filter(|r| r.3 != Caller::Public);
    assert!(guarded().count() > 40, "the route table is the whole API");
    for (method, _, path, _) in guarded() {
        assert_eq!(send(call(&anonymous, method, path)).await.0, 401, "anonymous {method} {path}");
    }
    for (method, _, path, _) in guarded().filter(|r| r.3 == Caller::Admin) {
        assert_eq!(send(call(&agent, method, path)).await.0, 403, "agent {method} {path}");
    }
    assert!(s.state.registry.is_connected("zoho-crm", "crm") && s.state.registry.plugin("zoho-crm").is_some(), "nothing changed");
}
