//! The desk's JSON API through a real server on loopback: sign-in, desk
//! records, permissions enforced on the server, CRM panels from the Zoho
//! plugin against the emulator, the admin console's plugin lifecycle, and
//! data that survives a restart.

use deskpane_tests::{eventually, metric_sample, DeskServer, ROUTES};
use serde_json::{json, Value};

async fn get(client: &reqwest::Client, url: String) -> (u16, Value) {
    let resp = client.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A plugin upload as the console sends it: `manifest` and `component`.
fn plugin_form(manifest: impl Into<Vec<u8>>, component: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .part("manifest", reqwest::multipart::Part::bytes(manifest.into()).file_name("plugin.toml"))
        .part("component", reqwest::multipart::Part::bytes(component).file_name("plugin.wasm"))
}

/// A plugin scripts/build-plugins.sh built: its manifest and component.
fn built_plugin(name: &str) -> (Vec<u8>, Vec<u8>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/plugins").join(name);
    (std::fs::read(dir.join("plugin.toml")).unwrap(), std::fs::read(dir.join("plugin.wasm")).unwrap())
}

/// The first ticket whose requester the CRM knows (has a customer type).
async fn known_ticket(s: &DeskServer, client: &reqwest::Client) -> String {
    s.known_ticket(client).await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_endpoint_needs_a_signed_in_agent() {
    let s = DeskServer::start().await;
    let anonymous = reqwest::Client::new();
    for path in ["me", "tickets", "ticket-list", "admin/plugins", "tickets/1/panels"] {
        let (status, body) = get(&anonymous, s.api(path)).await;
        assert_eq!(status, 401, "{path}");
        assert!(body["error"].as_str().unwrap().contains("sign in first"));
    }
    let (status, _) =
        send(anonymous.post(s.api("login")).json(&json!({"email": "agent@deskpane.example", "password": "wrong-password"}))).await;
    assert_eq!(status, 401);
    // A forged cookie is no session.
    let (status, _) = send(anonymous.get(s.api("me")).header("cookie", "deskpane_session=forged")).await;
    assert_eq!(status, 401);

    let agent = s.agent().await;
    let (status, me) = get(&agent, s.api("me")).await;
    assert_eq!((status, me["agent"]["profile"].as_str()), (200, Some("Agent")));
    assert!(me["agent"].get("password_hash").is_none());
    // Agents are not admins.
    let (status, _) = get(&agent, s.api("admin/plugins")).await;
    assert_eq!(status, 403);
    // Signing out ends the session.
    agent.post(s.api("logout")).send().await.unwrap();
    assert_eq!(get(&agent, s.api("me")).await.0, 401);
}

/// An agent's language (the pages' language for them): set by an admin
/// or by the agent, one of the languages the pages ship in, or none.
#[tokio::test(flavor = "multi_thread")]
async fn an_agents_language_is_set_by_an_admin_or_by_themselves() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let agent = s.agent().await;
    let (_, me) = get(&agent, s.api("me")).await;
    assert_eq!(me["agent"]["language"], Value::Null, "a demo agent follows the browser");
    let id = me["agent"]["id"].as_str().unwrap().to_string();

    let (status, updated) = send(admin.patch(s.api(&format!("admin/agents/{id}"))).json(&json!({"language": "pt-br"}))).await;
    assert_eq!((status, updated["language"].as_str()), (200, Some("pt-BR")), "{updated}");
    let (_, me) = get(&agent, s.api("me")).await;
    assert_eq!(me["agent"]["language"], "pt-BR", "the agent's pages see it at once");
    let (_, agents) = get(&admin, s.api("admin/agents")).await;
    assert!(agents["agents"].as_array().unwrap().iter().any(|a| a["id"] == id.as_str() && a["language"] == "pt-BR"));
    // Other changes leave it as it is.
    send(admin.patch(s.api(&format!("admin/agents/{id}"))).json(&json!({"name": "Agent Smith"}))).await;
    assert_eq!(get(&agent, s.api("me")).await.1["agent"]["language"], "pt-BR");

    let (status, body) = send(admin.patch(s.api(&format!("admin/agents/{id}"))).json(&json!({"language": "fr"}))).await;
    assert_eq!(status, 422);
    assert!(body["error"].as_str().unwrap().contains("en, pt-BR, zh-CN"), "{body}");

    // The agent's own setting; null goes back to the browser's.
    let (status, me) = send(agent.patch(s.api("me")).json(&json!({"language": "zh-CN"}))).await;
    assert_eq!((status, me["agent"]["language"].as_str()), (200, Some("zh-CN")));
    assert_eq!(send(agent.patch(s.api("me")).json(&json!({"language": "klingon"}))).await.0, 422);
    let (status, me) = send(agent.patch(s.api("me")).json(&json!({"language": null}))).await;
    assert_eq!((status, &me["agent"]["language"]), (200, &Value::Null));

    // A new agent may start with one.
    let new = json!({"name": "Lia", "email": "lia@deskpane.example", "password": "long enough", "profile": "Agent", "language": "zh-CN"});
    let (status, created) = send(admin.post(s.api("admin/agents")).json(&new)).await;
    assert_eq!((status, created["language"].as_str()), (201, Some("zh-CN")));
    let bad = json!({"name": "Bo", "email": "bo@deskpane.example", "password": "long enough", "profile": "Agent", "language": "xx"});
    assert_eq!(send(admin.post(s.api("admin/agents")).json(&bad)).await.0, 422);
    let (_, agents) = get(&admin, s.api("admin/agents")).await;
    assert!(!agents["agents"].as_array().unwrap().iter().any(|a| a["email"] == "bo@deskpane.example"), "refused before it exists");
}

#[tokio::test(flavor = "multi_thread")]
async fn api_tokens_work_as_bearer_credentials() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let (_, agents) = get(&admin, s.api("admin/agents")).await;
    let agent_id = agents["agents"].as_array().unwrap().iter().find(|a| a["profile"] == "Agent").unwrap()["id"].clone();
    let (status, token) = send(admin.post(s.api("admin/tokens")).json(&json!({"agent_id": agent_id}))).await;
    assert_eq!(status, 201);
    let bearer = format!("Bearer {}", token["token"].as_str().unwrap());
    let plain = reqwest::Client::new();
    let (status, me) = send(plain.get(s.api("me")).header("authorization", &bearer)).await;
    assert_eq!((status, me["agent"]["email"].as_str()), (200, Some("agent@deskpane.example")));
    let (status, _) = send(plain.get(s.api("me")).header("authorization", "Bearer dpt_nope")).await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn desk_records_are_validated_with_clear_errors() {
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    let (status, body) = send(agent.post(s.api("contacts")).json(&json!({"fields": {"email": "nope", "shoe_size": 9}}))).await;
    assert_eq!(status, 422);
    assert!(body["error"].as_str().unwrap().starts_with("the contact is not valid: "));
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["email", "shoe_size", "last_name"]);
    // Each problem also as a code the pages translate.
    let codes: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["email", "unknown", "required"]);

    let (status, contact) =
        send(agent.post(s.api("contacts")).json(&json!({"fields": {"last_name": "Nguyen", "email": "nguyen@example.com"}}))).await;
    assert_eq!(status, 201);
    let id = contact["id"].as_str().unwrap();
    let (status, ticket) = send(agent.post(s.api("tickets")).json(&json!({"fields": {"subject": "Printer jam", "contact_id": id}}))).await;
    assert_eq!(status, 201);
    let (status, patched) =
        send(agent.patch(s.api(&format!("tickets/{}", ticket["id"].as_str().unwrap()))).json(&json!({"fields": {"status": "Closed"}})))
            .await;
    assert_eq!((status, patched["fields"]["status"].as_str()), (200, Some("Closed")));
    let (status, body) = send(agent.post(s.api("tickets")).json(&json!({"fields": {"subject": "x", "contact_id": "999999"}}))).await;
    assert_eq!(status, 422);
    assert!(body["error"].as_str().unwrap().contains("contact_id refers to contact 999999, which does not exist"));
    assert_eq!(get(&agent, s.api("widgets")).await.0, 404);
    assert_eq!(get(&agent, s.api("tickets/424242")).await.0, 404);
    // Products are the admins' catalogue.
    let (status, _) = send(agent.post(s.api("products")).json(&json!({"fields": {"product_name": "X", "department": "Support"}}))).await;
    assert_eq!(status, 403);

    // Deleting moves the contact and its tickets to the recycle bin; the
    // change log saw every step.
    let (status, bin) = send(agent.delete(s.api(&format!("contacts/{id}")))).await;
    assert_eq!(status, 200);
    assert_eq!(bin["associates"].as_array().unwrap().len(), 1);
    let admin = s.admin().await;
    let (_, changes) = get(&admin, s.api("changes")).await;
    let ops: Vec<(String, String)> = changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == id)
        .map(|c| (c["kind"].as_str().unwrap().into(), c["op"].as_str().unwrap().into()))
        .collect();
    assert_eq!(ops, vec![("contact".into(), "created".into()), ("contact".into(), "deleted".into())]);
    let (status, _) = send(admin.post(s.api(&format!("recycle-bin/contacts/{id}/restore")))).await;
    assert_eq!(status, 200);
    assert_eq!(get(&agent, s.api(&format!("contacts/{id}"))).await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_zoho_panel_shows_profile_potentials_notes_and_activities() {
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    let ticket = known_ticket(&s, &agent).await;
    let (_, panels) = get(&agent, s.api(&format!("tickets/{ticket}/panels"))).await;
    assert_eq!(panels["panels"][0]["plugin"], "zoho-crm");
    assert_eq!(panels["panels"][0]["sections"], json!(["profile", "potentials", "notes", "activities"]));
    let (status, profile) = get(&agent, s.api(&format!("tickets/{ticket}/panels/zoho-crm/profile"))).await;
    assert_eq!(status, 200);
    assert!(profile["profile"]["display_name"].is_string());
    assert_eq!(profile["profile"]["match_key"], "email");
    for section in ["potentials", "notes", "activities"] {
        let (status, body) = get(&agent, s.api(&format!("tickets/{ticket}/panels/zoho-crm/{section}"))).await;
        assert_eq!(status, 200, "{section}: {body}");
        assert!(body[section].is_array());
    }
    // The second read comes from the cache; refresh goes to the CRM again.
    let (_, again) = get(&agent, s.api(&format!("tickets/{ticket}/panels/zoho-crm/notes"))).await;
    assert_eq!(again["cached"], true);
    let before = s.emulator.requests().len();
    let (_, fresh) = get(&agent, s.api(&format!("tickets/{ticket}/panels/zoho-crm/notes?refresh=1"))).await;
    assert_eq!(fresh["cached"], false);
    assert!(s.emulator.requests().len() > before);
}

#[tokio::test(flavor = "multi_thread")]
async fn restricted_sections_are_refused_and_never_fetched() {
    let s = DeskServer::start().await;
    let light = s.light_agent().await;
    let ticket = known_ticket(&s, &light).await;
    let (_, panels) = get(&light, s.api(&format!("tickets/{ticket}/panels"))).await;
    assert_eq!(panels["panels"][0]["sections"], json!(["profile", "notes", "activities"]));
    let deals_before = s.emulator.requests().iter().filter(|r| r.path.ends_with("/Deals")).count();
    let (status, body) = get(&light, s.api(&format!("tickets/{ticket}/panels/zoho-crm/potentials"))).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "your profile has restricted access to potentials; an administrator can grant it under Permissions");
    let deals_after = s.emulator.requests().iter().filter(|r| r.path.ends_with("/Deals")).count();
    assert_eq!(deals_before, deals_after, "the CRM was not asked for deals");

    // Calls restricted: activities come without calls, and are never fetched.
    let admin = s.admin().await;
    let perms = json!({"visible": true, "show": "contacts", "info": "full", "potentials": "restricted", "notes": "full", "calls": "restricted", "events": "full", "tasks": "full"});
    assert_eq!(send(admin.put(s.api("admin/plugins/zoho-crm/permissions/Light Agent")).json(&perms)).await.0, 200);
    let (_, acts) = get(&light, s.api(&format!("tickets/{ticket}/panels/zoho-crm/activities?refresh=1"))).await;
    let acts = acts["activities"].as_array().unwrap();
    assert!(!acts.is_empty(), "the control: other activities still come");
    assert!(acts.iter().all(|a| a["kind"] != "call"));
    assert!(!s.emulator.requests().iter().any(|r| r.path.ends_with("/Calls")), "calls were never requested");

    // Hidden: the panel disappears and its sections are refused.
    let hidden = json!({"visible": false, "show": "contacts", "info": "full", "potentials": "full", "notes": "full", "calls": "full", "events": "full", "tasks": "full"});
    send(admin.put(s.api("admin/plugins/zoho-crm/permissions/Light Agent")).json(&hidden)).await;
    let (_, panels) = get(&light, s.api(&format!("tickets/{ticket}/panels"))).await;
    assert_eq!(panels["panels"], json!([]));
    assert_eq!(get(&light, s.api(&format!("tickets/{ticket}/panels/zoho-crm/profile"))).await.0, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn show_accounts_puts_the_requesters_account_in_the_panel() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let perms = json!({"visible": true, "show": "accounts", "info": "full", "potentials": "full", "notes": "full", "calls": "full", "events": "full", "tasks": "full"});
    send(admin.put(s.api("admin/plugins/zoho-crm/permissions/Agent")).json(&perms)).await;
    let agent = s.agent().await;
    let ticket = known_ticket(&s, &agent).await;
    let (_, profile) = get(&agent, s.api(&format!("tickets/{ticket}/panels/zoho-crm/profile"))).await;
    assert_eq!(profile["profile"]["module"], "accounts", "{profile}");
}

#[tokio::test(flavor = "multi_thread")]
async fn handshake_mode_orders_and_filters_tickets_by_crm_customer_type() {
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    let (_, list) = get(&agent, s.api("ticket-list?order=customer-type")).await;
    assert_eq!(list["customer_type_sources"], json!(["zoho-crm"]));
    let types: Vec<Option<&str>> = list["tickets"].as_array().unwrap().iter().map(|t| t["customer_type"].as_str()).collect();
    let known: Vec<&str> = types.iter().flatten().copied().collect();
    let mut sorted = known.clone();
    sorted.sort();
    assert_eq!(known, sorted, "known customer types come in order");
    assert!(types.iter().skip_while(|t| t.is_some()).all(|t| t.is_none()), "unknown ones last");
    let wanted = known[0];
    let (_, filtered) = get(&agent, s.api(&format!("ticket-list?customer_type={wanted}"))).await;
    let filtered = filtered["tickets"].as_array().unwrap();
    assert!(!filtered.is_empty() && filtered.iter().all(|t| t["customer_type"] == wanted), "{filtered:?}");
    assert_eq!(get(&agent, s.api("ticket-list?order=sideways")).await.0, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_installed_from_files_that_runs_away_fails_only_its_own_panel() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let (manifest, component) = built_plugin("hostile");
    let (status, installed) = send(admin.post(s.api("admin/plugins")).multipart(plugin_form(manifest, component))).await;
    assert_eq!(status, 201, "{installed}");
    assert_eq!(installed["status"], "ok");
    assert_eq!(installed["enabled"], false, "a plugin installed from files starts disabled, for review");
    let (status, _) = send(admin.patch(s.api("admin/plugins/hostile")).json(&json!({"config": {"mode": "spin"}, "enabled": true}))).await;
    assert_eq!(status, 200);
    // A config the manifest does not declare is refused, and nothing changes.
    let (status, body) = send(admin.patch(s.api("admin/plugins/hostile")).json(&json!({"config": {"mood": "spin"}}))).await;
    assert_eq!(status, 422);
    assert!(body["error"].as_str().unwrap().contains("config `mood` is not declared"));

    let agent = s.agent().await;
    let ticket = known_ticket(&s, &agent).await;
    let (_, panels) = get(&agent, s.api(&format!("tickets/{ticket}/panels"))).await;
    let ids: Vec<&str> = panels["panels"].as_array().unwrap().iter().map(|p| p["plugin"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["hostile", "zoho-crm"]);
    let (status, body) = get(&agent, s.api(&format!("tickets/{ticket}/panels/hostile/profile"))).await;
    assert_eq!(status, 502);
    let error = body["error"].as_str().unwrap();
    assert!(error.starts_with("The Hostile fixture integration failed.") && !error.contains("CPU"), "agents read no internals: {body}");
    let (_, body) = get(&admin, s.api(&format!("tickets/{ticket}/panels/hostile/profile"))).await;
    assert!(body["details"].as_str().unwrap().contains("ran longer than its CPU budget"), "administrators get the cause: {body}");
    let (status, _) = get(&agent, s.api(&format!("tickets/{ticket}/panels/zoho-crm/profile"))).await;
    assert_eq!(status, 200, "the other panel still works");

    // A broken upload is refused with the reason.
    let form = plugin_form(b"id = \"x\"\nname = ".to_vec(), b"\0asm\x01\0\0\0".to_vec());
    let (status, body) = send(admin.post(s.api("admin/plugins")).multipart(form)).await;
    assert_eq!(status, 422);
    assert!(body["error"].as_str().unwrap().contains("plugin.toml:2:"), "{body}");

    // Disabling hides the panel; deleting the integration removes it.
    send(admin.patch(s.api("admin/plugins/hostile")).json(&json!({"enabled": false}))).await;
    let (_, panels) = get(&agent, s.api(&format!("tickets/{ticket}/panels"))).await;
    assert_eq!(panels["panels"].as_array().unwrap().len(), 1);
    assert_eq!(send(admin.delete(s.api("admin/plugins/zoho-crm"))).await.0, 204);
    let (_, panels) = get(&agent, s.api(&format!("tickets/{ticket}/panels"))).await;
    assert_eq!(panels["panels"], json!([]));
    let (_, list) = get(&agent, s.api("ticket-list")).await;
    assert_eq!(list["customer_type_sources"], json!([]), "Handshake Mode ends with the integration");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_connects_by_oauth_and_through_another_users_portal_link() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    assert_eq!(send(admin.post(s.api("admin/plugins/zoho-crm/disconnect"))).await.0, 200);
    let (_, plugins) = get(&admin, s.api("admin/plugins")).await;
    assert_eq!(plugins["plugins"][0]["credentials"]["crm"]["connected"], false);

    // Step 1(A): the admin authorises; the CRM redirects back with a code.
    let (status, body) = send(admin.post(s.api("admin/plugins/zoho-crm/connect"))).await;
    assert_eq!(status, 200);
    let authorize = body["authorize_url"].as_str().unwrap();
    assert!(authorize.starts_with(&format!("{}/oauth/v2/auth?", s.emulator.base_url())));
    let landed = admin.get(authorize).send().await.unwrap();
    // The desk's result page says so, links back and goes back to the plugin's page by itself.
    assert_eq!((landed.url().path(), landed.status().as_u16()), ("/oauth/callback", 200));
    assert_eq!(landed.headers()["refresh"], "3; url=/admin#plugin=zoho-crm");
    assert!(landed.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("deskpane_connected=zoho-crm;")));
    let page = landed.text().await.unwrap();
    assert!(page.contains("<h1 data-testid=result-title>Zoho CRM is connected</h1>"), "{page}");
    assert!(page.contains("href=\"/admin#plugin=zoho-crm\""), "{page}");
    let (_, plugins) = get(&admin, s.api("admin/plugins")).await;
    assert_eq!(plugins["plugins"][0]["credentials"]["crm"]["connected"], true);

    // Step 1(B): request access from the CRM's administrator, resend, approve.
    send(admin.post(s.api("admin/plugins/zoho-crm/disconnect"))).await;
    let (status, request) =
        send(admin.post(s.api("admin/plugins/zoho-crm/access-requests")).json(&json!({"email": "crm-admin@zylker.example"}))).await;
    assert_eq!((status, request["status"].as_str(), request["sent_count"].as_u64()), (201, Some("pending"), Some(1)));
    let (_, resent) =
        send(admin.post(s.api(&format!("admin/plugins/zoho-crm/access-requests/{}/resend", request["id"].as_str().unwrap())))).await;
    assert_eq!(resent["sent_count"], 2);
    let (_, outbox) = get(&admin, s.api("admin/outbox")).await;
    let emails = outbox["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 2);
    assert_eq!(emails[0]["to"], "crm-admin@zylker.example");
    let approve = request["approve_url"].as_str().unwrap();
    assert!(emails[1]["body"].as_str().unwrap().contains(approve));
    // The CRM admin opens the link (no desk sign-in) and approves.
    let crm_admin = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let page = crm_admin.get(approve).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("crm-admin@zylker.example"));
    let done = crm_admin.post(format!("{approve}/approve")).send().await.unwrap();
    assert_eq!(done.url().path(), "/oauth/callback");
    assert!(done.text().await.unwrap().contains("Zoho CRM is connected"));
    let (_, plugins) = get(&admin, s.api("admin/plugins")).await;
    let zoho = &plugins["plugins"][0];
    assert_eq!(zoho["credentials"]["crm"]["connected"], true);
    assert_eq!(zoho["access_requests"][0]["status"], "approved");
    assert_eq!(crm_admin.get(approve).send().await.unwrap().status(), 404, "the link works once");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oauth_callback_that_fails_answers_a_styled_page_in_plain_words_with_the_way_back() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let callback = |query: &str| format!("{}/oauth/callback?{query}", s.url);
    let page = |r: reqwest::Response| async move { (r.status().as_u16(), r.text().await.unwrap()) };

    // A state nobody issued: refused in words, back to the integrations.
    let (status, html) = page(reqwest::get(callback("code=x&state=forged")).await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(html.contains("<link rel=stylesheet href=/assets/style.css>") && html.contains("class=\"login-card result-card\""), "{html}");
    assert!(html.contains("has expired, was already finished, or was started in another browser"), "{html}");
    assert!(html.contains("href=\"/admin#plugins\""), "{html}");

    // A live state in another browser (without the consent cookie): the way back is the plugin's page.
    let (_, body) = send(admin.post(s.api("admin/plugins/zoho-crm/connect"))).await;
    let authorize = reqwest::Url::parse(body["authorize_url"].as_str().unwrap()).unwrap();
    let state = authorize.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    let (status, html) = page(reqwest::get(callback(&format!("code=x&state={state}"))).await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(html.contains("<h1 data-testid=result-title>Zoho CRM is not connected</h1>"), "{html}");
    assert!(html.contains("href=\"/admin#plugin=zoho-crm\">Back to Zoho CRM in the admin console</a>"), "{html}");

    // What the CRM sends back is shown as text, never as markup.
    let (status, html) = page(reqwest::get(callback("error=%3Cscript%3Ealert(1)%3C/script%3E")).await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn desk_data_settings_and_connections_survive_a_restart() {
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    let (_, created) = send(agent.post(s.api("tickets")).json(&json!({"fields": {"subject": "Remember me"}}))).await;
    let admin = s.admin().await;
    let perms = json!({"visible": true, "show": "contacts", "info": "full", "potentials": "restricted", "notes": "restricted", "calls": "full", "events": "full", "tasks": "full"});
    send(admin.put(s.api("admin/plugins/zoho-crm/permissions/Agent")).json(&perms)).await;
    // Secrets are sealed in the store: the refresh token is nowhere in it.
    let raw: Vec<u8> = {
        let installs = s.state.db.tree("plugins.installations").unwrap();
        installs.iter().values().flat_map(|v| v.unwrap().to_vec()).collect()
    };
    assert!(!raw.is_empty());
    assert!(!String::from_utf8_lossy(&raw).contains(&s.emulator.refresh_token()), "the refresh token is stored sealed");
    let (data, emulator) = s.shutdown().await;

    let restarted = DeskServer::start_on(data, emulator).await;
    let agent = restarted.agent().await;
    let (status, ticket) = get(&agent, restarted.api(&format!("tickets/{}", created["id"].as_str().unwrap()))).await;
    assert_eq!((status, ticket["fields"]["subject"].as_str()), (200, Some("Remember me")));
    let ticket = known_ticket(&restarted, &agent).await;
    let (_, panels) = get(&agent, restarted.api(&format!("tickets/{ticket}/panels"))).await;
    assert_eq!(panels["panels"][0]["sections"], json!(["profile", "activities"]));
    let (status, _) = get(&agent, restarted.api(&format!("tickets/{ticket}/panels/zoho-crm/profile"))).await;
    assert_eq!(status, 200, "the CRM connection came back from the stored refresh token");
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_is_configured_run_and_then_driven_by_changes_on_either_side() {
    let s = DeskServer::start().await;
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    let admin = s.admin().await;
    let (status, overview) = get(&admin, s.api("admin/plugins/zoho-crm/sync")).await;
    assert_eq!(status, 200);
    let mut settings = overview["settings"].clone();
    assert!(
        settings["modules"]["contacts"]["fields"].as_array().unwrap().iter().any(|f| f["desk"] == "email" && f["crm"] == "Email"),
        "standard fields come pre-mapped"
    );

    // A mapping whose types disagree is refused with the reason.
    let mut bad = settings.clone();
    bad["modules"]["contacts"]["enabled"] = json!(true);
    bad["modules"]["contacts"]["fields"].as_array_mut().unwrap().push(json!({"desk": "title", "crm": "Tickets_Raised"}));
    let (status, body) = send(admin.put(s.api("admin/plugins/zoho-crm/sync")).json(&bad)).await;
    assert_eq!(status, 422);
    assert!(body["error"].as_str().unwrap().contains("their types disagree"), "{body}");

    settings["modules"]["contacts"]["enabled"] = json!(true);
    settings["modules"]["accounts"]["enabled"] = json!(true);
    assert_eq!(send(admin.put(s.api("admin/plugins/zoho-crm/sync")).json(&settings)).await.0, 200);
    assert_eq!(send(admin.post(s.api("admin/plugins/zoho-crm/sync/run"))).await.0, 202);
    eventually("the first sync is done", || async {
        let (_, o) = get(&admin, s.api("admin/plugins/zoho-crm/sync")).await;
        o["modules"]["contacts"]["first_sync_done"] == true && o["progress"]["running"] == false
    })
    .await;
    let (_, history) = get(&admin, s.api("admin/plugins/zoho-crm/sync/history")).await;
    assert!(!history["entries"].as_array().unwrap().is_empty());
    let desk_contacts = get(&admin, s.api("contacts")).await.1["records"].as_array().unwrap().len();
    assert_eq!(desk_contacts, s.emulator.records("Contacts").len(), "the demo's contacts matched by email, not duplicated");
    // The lag behind the CRM: the import reached the end of its feed.
    let metrics = admin.get(format!("{}/metrics", s.url)).send().await.unwrap().text().await.unwrap();
    let caught_up = metric_sample(&metrics, "deskpane_sync_caught_up_timestamp_seconds", &[("plugin", "zoho-crm"), ("module", "contacts")]);
    assert!(caught_up.is_some_and(|t| t >= started.floor()), "{metrics}");

    // The CRM accepted the desk's watch (Zoho limits its token to 50
    // characters).
    let token = s.emulator.issue_access_token();
    let watches: Value = reqwest::Client::new()
        .get(format!("{}/crm/v8/actions/watch", s.emulator.base_url()))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        watches["watch"].as_array().is_some_and(|w| w.iter().any(|c| c["notify_url"] == format!("{}/hooks/zoho-crm", s.url))),
        "{watches}"
    );

    // A contact created in the CRM reaches the desk through the CRM's
    // notification, with no run started by hand.
    reqwest::Client::new()
        .post(format!("{}/crm/v8/Contacts", s.emulator.base_url()))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .json(&json!({"data": [{"Last_Name": "Notified", "Email": "notified@example.com"}]}))
        .send()
        .await
        .unwrap();
    eventually("the CRM's new contact is in the desk", || async {
        get(&admin, s.api("contacts")).await.1["records"].as_array().unwrap().iter().any(|c| c["fields"]["email"] == "notified@example.com")
    })
    .await;

    // A contact created in the desk reaches the CRM.
    let agent = s.agent().await;
    send(agent.post(s.api("contacts")).json(&json!({"fields": {"last_name": "FromDesk", "email": "fromdesk@example.com"}}))).await;
    eventually("the desk's new contact is in the CRM", || async {
        s.emulator.records("Contacts").iter().any(|c| c["Email"] == "fromdesk@example.com")
    })
    .await;

    // A notification without the right token is refused.
    let forged = json!({"module": "Contacts", "ids": ["1"], "operation": "insert", "token": "forged", "channel_id": "1"});
    let (status, _) = send(reqwest::Client::new().post(format!("{}/hooks/zoho-crm", s.url)).json(&forged)).await;
    assert_eq!(status, 401);

    // Pausing stops the exchange; deleting the integration forgets the sync.
    let (_, paused) = send(admin.post(s.api("admin/plugins/zoho-crm/sync/pause"))).await;
    assert_eq!(paused["settings"]["paused"], true);
    assert_eq!(send(admin.delete(s.api("admin/plugins/zoho-crm"))).await.0, 204);
    assert_eq!(get(&admin, s.api("admin/plugins/zoho-crm/sync")).await.0, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_key_entered_by_the_admin_reaches_the_crm_and_nothing_else() {
    let s = DeskServer::start().await;
    let crm = deskpane_tests::TestServer::start().await;
    let admin = s.admin().await;
    let (manifest, component) = built_plugin("hostile");
    assert_eq!(send(admin.post(s.api("admin/plugins")).multipart(plugin_form(manifest, component))).await.0, 201);
    let settings = json!({"config": {"mode": "fetch", "url": format!("{}/key", crm.url()), "credential": "crm"}, "extra_hosts": [crm.url()], "enabled": true});
    assert_eq!(send(admin.patch(s.api("admin/plugins/hostile")).json(&settings)).await.0, 200);

    // Not connected yet: the panel says so.
    let agent = s.agent().await;
    let ticket = known_ticket(&s, &agent).await;
    let (status, body) = get(&agent, s.api(&format!("tickets/{ticket}/panels/hostile/profile?refresh=1"))).await;
    assert_eq!(status, 502);
    assert!(body["error"].as_str().unwrap().starts_with("Hostile fixture is not connected yet. An administrator can connect it"), "{body}");
    let (_, body) = get(&admin, s.api(&format!("tickets/{ticket}/panels/hostile/profile?refresh=1"))).await;
    assert!(body["details"].as_str().unwrap().contains("credential `crm` of plugin `hostile` is not connected"), "{body}");

    // The key goes in the header the manifest names (the test CRM answers
    // 200 only to `fresh`); the plugin never sees it.
    let (status, view) = send(admin.put(s.api("admin/plugins/hostile/credentials/crm")).json(&json!({"api_key": "fresh"}))).await;
    assert_eq!(status, 200);
    assert_eq!(view["credentials"]["crm"]["connected"], true);
    assert!(!view.to_string().contains("fresh"), "the console never shows the key: {view}");
    let (status, body) = get(&agent, s.api(&format!("tickets/{ticket}/panels/hostile/profile?refresh=1"))).await;
    assert_eq!((status, body["profile"]["display_name"].as_str()), (200, Some("status 200 body 5 bytes")), "{body}");

    // A refused key is reported, not refreshed in a loop; the profile read
    // before is shown meanwhile, marked stale.
    send(admin.put(s.api("admin/plugins/hostile/credentials/crm")).json(&json!({"api_key": "stale"}))).await;
    let (status, body) = get(&agent, s.api(&format!("tickets/{ticket}/panels/hostile/profile?refresh=1"))).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["stale_since"].is_string() && body["notice"].as_str().unwrap().contains("expired or was revoked"), "{body}");

    // OAuth credentials take no key; disconnecting forgets the key.
    let (status, _) = send(admin.put(s.api("admin/plugins/zoho-crm/credentials/crm")).json(&json!({"api_key": "x"}))).await;
    assert_eq!(status, 422);
    send(admin.post(s.api("admin/plugins/hostile/disconnect"))).await;
    let (_, plugins) = get(&admin, s.api("admin/plugins")).await;
    let hostile = plugins["plugins"].as_array().unwrap().iter().find(|p| p["id"] == "hostile").unwrap().clone();
    assert_eq!(hostile["credentials"]["crm"]["connected"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_crms_list_views_are_offered_for_choosing_what_syncs() {
    let s = DeskServer::start().await;
    let cvid = s.emulator.add_custom_view("Contacts", "Key customers", "(Customer_Type:equals:Enterprise)");
    let admin = s.admin().await;
    let (status, body) = get(&admin, s.api("admin/plugins/zoho-crm/sync/list-views/contacts")).await;
    assert_eq!(status, 200);
    let views = body["list_views"].as_array().unwrap();
    assert!(views.iter().any(|v| v["id"] == cvid.as_str() && v["name"] == "Key customers"), "{body}");
    assert_eq!(get(&admin, s.api("admin/plugins/zoho-crm/sync/list-views/widgets")).await.0, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn field_metadata_is_cached_per_plugin_and_refreshed_on_request() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let zoho = s.state.registry.plugin("zoho-crm").unwrap();
    let fields = s.api("admin/plugins/zoho-crm/sync/fields/contacts");
    let (status, first) = get(&admin, fields.clone()).await;
    assert_eq!(status, 200, "{first}");
    assert!(!first["crm"].as_array().unwrap().is_empty());
    let calls = zoho.calls();
    let (_, again) = get(&admin, fields.clone()).await;
    assert_eq!(again, first);
    assert_eq!(zoho.calls(), calls, "the second page load reuses what the CRM said");
    let (status, _) = get(&admin, format!("{fields}?refresh=true")).await;
    assert_eq!(status, 200);
    assert_eq!(zoho.calls(), calls + 1, "Refresh asks the CRM again");
    // List views likewise.
    let views = s.api("admin/plugins/zoho-crm/sync/list-views/contacts");
    get(&admin, views.clone()).await;
    let calls = zoho.calls();
    get(&admin, views).await;
    assert_eq!(zoho.calls(), calls);
    // Leads do not sync, but the settings that name lead fields pick them
    // from the CRM's list: the CRM side only.
    let (status, leads) = get(&admin, s.api("admin/plugins/zoho-crm/sync/fields/leads")).await;
    assert_eq!(status, 200, "{leads}");
    assert!(leads["crm"].as_array().unwrap().iter().any(|f| f["name"] == "Company"), "{leads}");
    assert_eq!(leads["desk"], json!([]));
}

/// The sync page never waits long on the CRM: when it does not answer in
/// a few seconds, the list views come back as it last listed them (kept
/// across a restart), marked stale with a sentence for the admin and the
/// cause; fields, and list views the desk never heard of, answer 502 with
/// a sentence. No answer carries the CRM's address in its sentence.
#[tokio::test(flavor = "multi_thread")]
async fn the_sync_pages_crm_calls_are_bounded_and_list_views_fall_back_to_the_last_known() {
    use std::time::{Duration, Instant};
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let (status, fresh) = get(&admin, s.api("admin/plugins/zoho-crm/sync/list-views/contacts")).await;
    assert_eq!(status, 200, "{fresh}");
    assert!(fresh.get("stale_since").is_none() && fresh.get("notice").is_none(), "{fresh}");
    assert!(!fresh["list_views"].as_array().unwrap().is_empty());

    // After a restart (nothing cached in memory), with a CRM that takes 30 s.
    let (data, emulator) = s.shutdown().await;
    let s = DeskServer::start_on(data, emulator).await;
    let admin = s.admin().await;
    s.emulator.set_latency(Duration::from_secs(30));
    let crm_address = s.emulator.base_url();
    let within = |began: Instant, what: &str| {
        assert!(began.elapsed() < Duration::from_secs(9), "{what} took {:?}", began.elapsed());
    };

    let began = Instant::now();
    let (status, stale) = get(&admin, s.api("admin/plugins/zoho-crm/sync/list-views/contacts")).await;
    within(began, "the list views");
    assert_eq!(status, 200, "{stale}");
    assert_eq!(stale["list_views"], fresh["list_views"], "the views as the CRM last listed them");
    assert!(stale["stale_since"].is_string(), "{stale}");
    let notice = stale["notice"].as_str().unwrap();
    assert!(notice.starts_with("Zoho CRM is not answering right now") && notice.contains("(reference "), "{notice}");
    assert!(!notice.contains(&crm_address), "{notice}");
    assert!(stale["details"].as_str().is_some_and(|d| !d.is_empty()), "the cause, for the admin: {stale}");

    for path in ["admin/plugins/zoho-crm/sync/list-views/accounts", "admin/plugins/zoho-crm/sync/fields/products"] {
        let began = Instant::now();
        let (status, body) = get(&admin, s.api(path)).await;
        within(began, path);
        assert_eq!(status, 502, "{path}: {body}");
        let error = body["error"].as_str().unwrap();
        assert!(error.starts_with("Zoho CRM is not answering right now") && !error.contains(&crm_address), "{error}");
        assert!(body["details"].is_string(), "{body}");
    }
    s.emulator.set_latency(Duration::ZERO);
}

/// The CRM organisation's currency, set per integration: the panels carry
/// it for amounts the CRM reports without one (the demo sets USD, as its
/// emulated organisation); codes are three letters, stored upper case.
#[tokio::test(flavor = "multi_thread")]
async fn an_integrations_default_currency_reaches_the_panels() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let agent = s.agent().await;
    let ticket = s.state.desk.list(deskpane::desk::Kind::Ticket)[0].id.clone();
    let currency = || async {
        let (_, list) = get(&agent, s.api(&format!("tickets/{ticket}/panels"))).await;
        list["panels"].as_array().unwrap().iter().find(|p| p["plugin"] == "zoho-crm").unwrap()["currency"].clone()
    };
    assert_eq!(currency().await, "USD");

    let (status, view) = send(admin.patch(s.api("admin/plugins/zoho-crm")).json(&json!({"default_currency": " eur "}))).await;
    assert_eq!((status, view["default_currency"].as_str()), (200, Some("EUR")), "{view}");
    assert_eq!(currency().await, "EUR");

    let (status, body) = send(admin.patch(s.api("admin/plugins/zoho-crm")).json(&json!({"default_currency": "dollars"}))).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].as_str().unwrap().contains("three-letter ISO 4217 code"), "{body}");
    assert_eq!(currency().await, "EUR", "a refused code changes nothing");

    let (status, view) = send(admin.patch(s.api("admin/plugins/zoho-crm")).json(&json!({"default_currency": ""}))).await;
    assert_eq!((status, &view["default_currency"]), (200, &Value::Null), "{view}");
    assert_eq!(currency().await, Value::Null);
}

/// The OpenAPI document at `/api/openapi.json` describes exactly the routes
/// the desk serves (the route table the security tests walk), every schema
/// it references exists, and real answers have the documented fields.
#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_describes_exactly_the_served_routes() {
    let s = DeskServer::start().await;
    let (status, doc) = get(&reqwest::Client::new(), s.api("openapi.json")).await;
    assert_eq!(status, 200, "the API description is public");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "an OpenAPI 3 document");

    let mut documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |m| (m.to_uppercase(), path.clone())))
        .filter(|(m, _)| ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&m.as_str()))
        .collect();
    documented.sort();
    let mut served: Vec<(String, String)> = ROUTES.iter().map(|(m, p, _, _)| (m.to_string(), p.to_string())).collect();
    served.sort();
    let undocumented: Vec<_> = served.iter().filter(|r| !documented.contains(r)).collect();
    let unserved: Vec<_> = documented.iter().filter(|r| !served.contains(r)).collect();
    assert!(undocumented.is_empty(), "served but not documented: {undocumented:?}");
    assert!(unserved.is_empty(), "documented but not in the route table: {unserved:?}");

    // Every `$ref` points at a schema the document defines.
    let schemas = doc["components"]["schemas"].as_object().expect("component schemas");
    let text = doc.to_string();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "`{name}` is referenced but not defined");
    }

    // Real answers carry the fields their schema documents, and no others.
    let admin = s.admin().await;
    let ticket = known_ticket(&s, &admin).await;
    for path in [
        "/api/me".to_string(),
        "/api/ticket-list".to_string(),
        format!("/api/tickets/{ticket}/panels"),
        "/api/admin/plugins".to_string(),
        "/api/admin/plugins/zoho-crm/permissions".to_string(),
        "/api/admin/plugins/zoho-crm/sync".to_string(),
        "/api/admin/publishers".to_string(),
        "/api/admin/plugin-policy".to_string(),
    ] {
        // The most specific template: `/api/admin/plugins` before `/api/{kind}/{id}`.
        let template =
            ROUTES.iter().filter(|r| r.0 == "GET" && matches(r.1, &path)).min_by_key(|r| r.1.matches('{').count()).expect("a route").1;
        let reference = doc["paths"][template]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{template}: 200 has a schema"));
        let schema = &schemas[reference.rsplit('/').next().unwrap()];
        let (status, body) = get(&admin, format!("{}{path}", s.url)).await;
        assert_eq!(status, 200, "{path}");
        let documented: Vec<&String> = schema["properties"].as_object().expect("an object schema").keys().collect();
        for key in body.as_object().expect("an object").keys() {
            assert!(documented.contains(&key), "{path}: `{key}` is not documented");
        }
        for key in schema["required"].as_array().into_iter().flatten() {
            assert!(body.get(key.as_str().unwrap()).is_some(), "{path}: required `{key}` missing");
        }
    }
}

/// Whether a concrete path fits a templated one (`{x}` matches a segment).
fn matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t.starts_with('{') || t == p)
}

/// A panel failure's sentence comes with a stable code and the values it
/// names, which the pages show in the agent's language.
#[tokio::test(flavor = "multi_thread")]
async fn panel_failures_carry_a_code_and_values_the_pages_translate() {
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    let (_, list) = get(&agent, s.api("ticket-list")).await;
    let tickets: Vec<&Value> = list["tickets"].as_array().unwrap().iter().filter(|t| !t["customer_type"].is_null()).collect();
    let (seen, unseen) = (tickets[0]["id"].as_str().unwrap(), tickets[1]["id"].as_str().unwrap());
    assert_eq!(get(&agent, s.api(&format!("tickets/{seen}/panels/zoho-crm/profile?refresh=1"))).await.0, 200);
    s.emulator.fail_next_with_429(20);

    // The last known data, with why in words and as a code.
    let (_, stale) = get(&agent, s.api(&format!("tickets/{seen}/panels/zoho-crm/profile?refresh=1"))).await;
    let coded = &stale["notice_code"];
    assert_eq!(coded["code"], "crm.rate_limited", "{stale}");
    assert_eq!(coded["params"]["crm"], "Zoho CRM");
    let seconds = coded["params"]["seconds"].as_str().unwrap();
    let reference = coded["params"]["reference"].as_str().unwrap();
    assert_eq!(
        stale["notice"].as_str().unwrap(),
        format!("Zoho CRM asks the desk to slow down. Try again in {seconds} seconds. (reference {reference})")
    );

    // No data to show: the error has the code beside its sentence.
    let (status, body) = get(&agent, s.api(&format!("tickets/{unseen}/panels/zoho-crm/profile?refresh=1"))).await;
    assert_eq!(status, 502);
    assert!(body["code"].as_str().is_some_and(|c| c.starts_with("crm.")), "{body}");
    assert_eq!(body["params"]["crm"], "Zoho CRM");
    assert!(body["error"].as_str().unwrap().ends_with(&format!("(reference {})", body["params"]["reference"].as_str().unwrap())));
}

/// When the CRM fails, an agent reads what happened and what to do, never
/// an address or the requester's details (those go to the log under a
/// reference; an administrator also gets them as `details`); and a section
/// loaded before is shown as it was, marked stale.
#[tokio::test(flavor = "multi_thread")]
async fn a_failing_crm_gives_agents_a_sentence_and_the_last_known_data_never_its_internals() {
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    let admin = s.admin().await;
    let (_, list) = get(&agent, s.api("ticket-list")).await;
    let tickets: Vec<&Value> = list["tickets"].as_array().unwrap().iter().filter(|t| !t["customer_type"].is_null()).collect();
    let (seen, unseen) = (tickets[0]["id"].as_str().unwrap(), tickets[1]);

    let (status, fresh) = get(&agent, s.api(&format!("tickets/{seen}/panels/zoho-crm/profile?refresh=1"))).await;
    assert_eq!(status, 200);
    assert!(fresh.get("stale_since").is_none());
    s.emulator.fail_next_with_429(20);
    let (status, stale) = get(&agent, s.api(&format!("tickets/{seen}/panels/zoho-crm/profile?refresh=1"))).await;
    assert_eq!(status, 200, "the last answer, while the CRM refuses: {stale}");
    assert_eq!(stale["profile"], fresh["profile"]);
    assert!(stale["stale_since"].is_string());
    let notice = stale["notice"].as_str().unwrap();
    assert!(notice.starts_with("Zoho CRM asks the desk to slow down") && notice.contains("(reference "), "{notice}");

    let unseen_id = unseen["id"].as_str().unwrap();
    let (status, body) = get(&agent, s.api(&format!("tickets/{unseen_id}/panels/zoho-crm/profile?refresh=1"))).await;
    assert_eq!(status, 502);
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("(reference "), "{error}");
    let email = unseen["email"].as_str().unwrap();
    for secret in ["http://", "127.0.0.1", email, "lookup-requester", "plugin `"] {
        assert!(!error.contains(secret), "`{secret}` leaks to the agent: {error}");
    }
    assert!(body.get("details").is_none(), "no details for agents");
    let (status, body) = get(&admin, s.api(&format!("tickets/{unseen_id}/panels/zoho-crm/profile?refresh=1"))).await;
    assert_eq!(status, 502);
    assert!(body["details"].as_str().is_some_and(|d| d.contains("lookup-requester")), "administrators get the cause: {body}");

    // The console shows the integration failing, with the last error and
    // when; Test connection asks again, and once the CRM answers it is
    // healthy again.
    let zoho = |plugins: &Value| plugins["plugins"].as_array().unwrap().iter().find(|p| p["id"] == "zoho-crm").unwrap().clone();
    let (_, plugins) = get(&admin, s.api("admin/plugins")).await;
    let health = &zoho(&plugins)["health"];
    assert_eq!(health["state"], "failing", "{health}");
    assert!(health["last_failure"].as_str().unwrap().contains("rate limit was reached"), "{health}");
    assert!(health["last_failure_at"].is_string() && health["last_success_at"].is_string());
    let (status, test) = send(admin.post(s.api("admin/plugins/zoho-crm/test"))).await;
    assert_eq!(status, 200);
    if test["ok"] == false {
        // The emulator still had refusals queued; they run out.
        s.emulator.fail_next_with_429(0);
        let (_, again) = send(admin.post(s.api("admin/plugins/zoho-crm/test"))).await;
        assert_eq!(again["ok"], true, "{again}");
    }
    let (_, plugins) = get(&admin, s.api("admin/plugins")).await;
    assert_eq!(zoho(&plugins)["health"]["state"], "healthy");
    assert_eq!(send(agent.post(s.api("admin/plugins/zoho-crm/test"))).await.0, 403, "administrators only");
}

/// A panel's four sections load in parallel, yet the requester is looked
/// up in the CRM once: the others wait for that answer.
#[tokio::test(flavor = "multi_thread")]
async fn a_panels_sections_share_one_lookup_of_the_requester() {
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    let ticket = known_ticket(&s, &agent).await;
    let searches = || s.emulator.requests().iter().filter(|r| r.path.ends_with("/search")).count();
    // A slow CRM, so that the four requests surely overlap.
    s.emulator.set_latency(std::time::Duration::from_millis(400));
    let before = searches();
    let sections = ["profile", "potentials", "notes", "activities"]
        .map(|section| get(&agent, s.api(&format!("tickets/{ticket}/panels/zoho-crm/{section}?refresh=1"))));
    for (status, body) in futures::future::join_all(sections).await {
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(searches() - before, 1, "one search for the four sections");
}

/// A requester the CRM does not know can be created there from the panel,
/// as a contact or a lead, from what the desk knows of them; once created,
/// the panel finds them; creating twice is refused.
#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_requester_is_created_in_the_crm_from_the_panel() {
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    let (_, contact) = send(
        agent
            .post(s.api("contacts"))
            .json(&json!({"fields": {"first_name": "Nia", "last_name": "Brooks", "email": "nia@brooks.example", "phone": "+1 555 0199"}})),
    )
    .await;
    let (_, ticket) = send(agent.post(s.api("tickets")).json(&json!({"fields": {"subject": "Hello", "contact_id": contact["id"]}}))).await;
    let ticket = ticket["id"].as_str().unwrap();
    let (_, profile) = get(&agent, s.api(&format!("tickets/{ticket}/panels/zoho-crm/profile"))).await;
    assert!(profile["profile"].is_null(), "not in the CRM yet");

    let (status, created) =
        send(agent.post(s.api(&format!("tickets/{ticket}/panels/zoho-crm/requester"))).json(&json!({"kind": "create-contact"}))).await;
    assert_eq!(status, 201, "{created}");
    let stored = s.emulator.record("Contacts", created["id"].as_str().unwrap()).unwrap();
    assert_eq!(
        (stored["First_Name"].as_str(), stored["Last_Name"].as_str(), stored["Email"].as_str()),
        (Some("Nia"), Some("Brooks"), Some("nia@brooks.example"))
    );
    let (_, profile) = get(&agent, s.api(&format!("tickets/{ticket}/panels/zoho-crm/profile"))).await;
    assert_eq!(profile["profile"]["id"], created["id"], "the panel finds the new contact");
    let (status, _) =
        send(agent.post(s.api(&format!("tickets/{ticket}/panels/zoho-crm/requester"))).json(&json!({"kind": "create-lead"}))).await;
    assert_eq!(status, 409, "known now: not created twice");

    // A profile restricted from the contact information may not create either.
    let light = s.light_agent().await;
    s.state
        .registry
        .set_permissions(
            "zoho-crm",
            "Light Agent",
            deskpane::permissions::PanelPermissions { info: deskpane::permissions::Access::Restricted, ..Default::default() },
        )
        .unwrap();
    let (status, _) =
        send(light.post(s.api(&format!("tickets/{ticket}/panels/zoho-crm/requester"))).json(&json!({"kind": "create-contact"}))).await;
    assert_eq!(status, 403);
}

/// An interpreted plugin's component is 13-20 MB: the console takes it
/// (the limit is the desk's `--max-upload-mib`, 64 MiB by default) and its
/// panel answers; beyond the limit the upload is refused with the limit.
#[tokio::test(flavor = "multi_thread")]
async fn a_python_plugin_is_installed_from_the_console_and_an_upload_over_the_limit_is_refused_naming_it() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let (manifest, component) = built_plugin("sample-crm-python");
    assert!(component.len() > 8 << 20, "a real interpreted component: {} bytes", component.len());
    let (status, installed) = send(admin.post(s.api("admin/plugins")).multipart(plugin_form(manifest, component))).await;
    assert_eq!(status, 201, "{installed}");
    let crm = deskpane_conformance::sample_crm::SampleCrm::start(deskpane_conformance::sample_crm::Dataset::scenarios()).await.unwrap();
    let setup = json!({"enabled": true, "config": {"api-url": crm.base_url()}, "extra_hosts": [crm.base_url()]});
    let (status, _) = send(admin.patch(s.api("admin/plugins/sample-crm-python")).json(&setup)).await;
    assert_eq!(status, 200);
    let (status, _) =
        send(admin.put(s.api("admin/plugins/sample-crm-python/credentials/sample-crm")).json(&json!({"api_key": crm.api_key()}))).await;
    assert_eq!(status, 200);
    let agent = s.agent().await;
    let jose = s.state.desk.create(
        deskpane::desk::Kind::Contact,
        json!({"last_name": "Alvarez", "email": "jose.alvarez@example.com"}).as_object().unwrap().clone(),
        "test",
    );
    let (status, profile) = get(&agent, s.api(&format!("contacts/{}/panels/sample-crm-python/profile", jose.unwrap().id))).await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["profile"]["display_name"], "Jose Alvarez");

    let oversized = plugin_form(b"id = \"big\"".to_vec(), vec![0u8; (65 << 20) as usize]);
    // Refused before the body is read: the connection closes after the answer.
    let resp = admin.post(s.api("admin/plugins")).header("connection", "close").multipart(oversized).send().await;
    if let Ok(resp) = resp {
        assert_eq!(resp.status(), 413);
        let body: Value = resp.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("larger than the 64 MiB"), "{body}");
    }
    assert!(s.state.registry.installation("big").is_err(), "nothing was installed");
}

/// A fresh desk has no administrator: `deskpane admin create` makes the
/// first one, with the password from the environment (or stdin), and
/// refuses a second account with that email or a short password.
#[tokio::test(flavor = "multi_thread")]
async fn the_first_administrator_is_created_from_the_command_line() {
    let bin = deskpane_tests::deskpane_binary();
    let data = std::env::temp_dir().join(format!("deskpane-admin-{}", deskpane::secrets::random_token()));
    let create = |email: &str, password: &str| {
        std::process::Command::new(&bin)
            .args(["admin", "create", "--data"])
            .arg(&data)
            .args(["--email", email, "--name", "Rosa Diaz"])
            .env("DESKPANE_ADMIN_PASSWORD", password)
            .output()
            .expect("the deskpane binary runs (built by the README's test command)")
    };
    let made = create("Rosa@Example.com", "correct horse battery");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    assert!(String::from_utf8_lossy(&made.stdout).contains("Created administrator rosa@example.com"));
    let again = create("rosa@example.com", "another long password");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("the administrator was not created"), "{again:?}");
    let short = create("sam@example.com", "short");
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8 characters"), "{short:?}");

    let db = deskpane_store::Store::open(&deskpane::server::embedded_store(&data)).unwrap();
    let auth = deskpane::auth::Auth::open(&db).unwrap();
    assert_eq!(auth.agents().len(), 1);
    let (agent, _session) = auth.login("rosa@example.com", "correct horse battery", None).await.expect("the administrator signs in");
    assert_eq!((agent.profile.as_str(), agent.name.as_str()), (deskpane::auth::ADMINISTRATOR, "Rosa Diaz"));
    drop(db);
    std::fs::remove_dir_all(&data).ok();
}

/// An upgrade through the console takes effect at once: the panel answers
/// from the new version, not from what the old one cached.
#[tokio::test(flavor = "multi_thread")]
async fn an_upgraded_plugin_answers_at_once_not_from_the_old_versions_cache() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let (manifest, component) = built_plugin("example");
    let manifest = String::from_utf8(manifest).unwrap();
    let install = |manifest: String| send(admin.post(s.api("admin/plugins")).multipart(plugin_form(manifest, component.clone())));
    assert_eq!(install(manifest.clone()).await.0, 201);
    assert_eq!(send(admin.patch(s.api("admin/plugins/example")).json(&json!({"enabled": true}))).await.0, 200);
    let ada = s
        .state
        .desk
        .create(
            deskpane::desk::Kind::Contact,
            json!({"last_name": "Lovelace", "email": "ada@analytical.example"}).as_object().unwrap().clone(),
            "test",
        )
        .unwrap();
    let agent = s.agent().await;
    let profile = || get(&agent, s.api(&format!("contacts/{}/panels/example/profile", ada.id)));
    let (_, before) = profile().await;
    assert_eq!(before["profile"]["link"], "https://crm.example/contacts/c-1001");
    assert_eq!(profile().await.1["cached"], true, "the second answer comes from the cache");

    let upgraded = manifest.replace("version = \"0.1.0\"", "version = \"0.2.0\"").replace("https://crm.example", "https://crm2.example");
    let (status, view) = install(upgraded).await;
    assert_eq!(status, 201, "{view}");
    assert_eq!(view["enabled"], true, "an upgrade keeps the installation's settings");
    let (_, after) = profile().await;
    assert_eq!(after["profile"]["link"], "https://crm2.example/contacts/c-1001", "{after}");
    assert_eq!(after["cached"], false);

    // Under load: agents keep refreshing while the plugin is upgraded again
    // and a broken version is offered; no call fails, the broken version
    // is refused, and the last good one answers.
    let url = s.api(&format!("contacts/{}/panels/example/profile?refresh=1", ada.id));
    let load: Vec<_> = (0..8)
        .map(|_| {
            let (agent, url) = (agent.clone(), url.clone());
            tokio::spawn(async move {
                let mut links = Vec::new();
                for _ in 0..25 {
                    let (status, body) = get(&agent, url.clone()).await;
                    assert_eq!(status, 200, "a call during the upgrade failed: {body}");
                    links.push(body["profile"]["link"].as_str().unwrap().to_string());
                }
                links
            })
        })
        .collect();
    let third = manifest.replace("version = \"0.1.0\"", "version = \"0.3.0\"").replace("https://crm.example", "https://crm3.example");
    assert_eq!(install(third).await.0, 201);
    let broken = plugin_form(manifest.clone(), b"\0asm\x0d\0\x01\0garbage".to_vec());
    let (status, body) = send(admin.post(s.api("admin/plugins")).multipart(broken)).await;
    assert_eq!(status, 422, "a broken version is refused: {body}");
    for task in load {
        let links = task.await.unwrap();
        assert!(links.iter().all(|l| l.starts_with("https://crm2.example") || l.starts_with("https://crm3.example")), "{links:?}");
    }
    let (_, last) = get(&agent, url).await;
    assert_eq!(last["profile"]["link"], "https://crm3.example/contacts/c-1001", "the last good version serves");
}

/// Handshake Mode while the CRM is down: the list says which CRM could not
/// give customer types, rather than silently showing every type unknown;
/// once it answers again the notice is gone.
#[tokio::test(flavor = "multi_thread")]
async fn the_ticket_list_names_the_crm_whose_customer_types_are_unavailable() {
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    s.emulator.fail_next_with_429(10_000);
    let (status, list) = get(&agent, s.api("ticket-list")).await;
    assert_eq!(status, 200);
    assert_eq!(list["customer_types_unavailable"], json!(["Zoho CRM"]), "{list}");
    assert!(list["tickets"].as_array().unwrap().iter().all(|t| t["customer_type"].is_null()));
    s.emulator.fail_next_with_429(0);
    let (_, list) = get(&agent, s.api("ticket-list")).await;
    assert_eq!(list["customer_types_unavailable"], json!([]));
    assert!(list["tickets"].as_array().unwrap().iter().any(|t| t["customer_type"].is_string()));
}

/// `/metrics` (Administrators only) counts and times plugin calls by
/// plugin, function and outcome, the CRM requests they made, panel sections
/// by where they came from, and HTTP requests by route pattern (never by a
/// path, which carries ids); every answer names its request id.
#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_plugin_calls_crm_requests_panels_and_routes_for_administrators_only() {
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    let admin = s.admin().await;
    let ticket = known_ticket(&s, &agent).await;
    // Fresh from the CRM (the ticket list may have cached the lookup).
    let resp = agent.get(s.api(&format!("tickets/{ticket}/panels/zoho-crm/notes?refresh=1"))).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let id = resp.headers().get("x-request-id").expect("a request id").to_str().unwrap().to_string();
    assert!(id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");

    let metrics = format!("{}/metrics", s.url);
    assert_eq!(agent.get(&metrics).send().await.unwrap().status(), 403, "agents do not read metrics");
    assert_eq!(reqwest::get(&metrics).await.unwrap().status(), 401, "nor does anyone signed out");
    let resp = admin.get(&metrics).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
    let text = resp.text().await.unwrap();
    let calls = [("plugin", "zoho-crm"), ("function", "lookup-requester"), ("outcome", "ok")];
    assert!(metric_sample(&text, "deskpane_plugin_calls_total", &calls) >= Some(1.0), "{text}");
    let timed = [("plugin", "zoho-crm"), ("function", "lookup-requester")];
    assert!(metric_sample(&text, "deskpane_plugin_call_seconds_count", &timed) >= Some(1.0), "{text}");
    assert!(metric_sample(&text, "deskpane_crm_requests_total", &[("plugin", "zoho-crm"), ("outcome", "2xx")]) >= Some(1.0), "{text}");
    let served = [("plugin", "zoho-crm"), ("section", "notes"), ("source", "crm")];
    assert!(metric_sample(&text, "deskpane_panel_sections_total", &served) >= Some(1.0), "{text}");
    let route = [("route", "/api/{kind}/{id}/panels/{plugin}/{section}"), ("status", "200")];
    assert!(metric_sample(&text, "deskpane_http_requests_total", &route) >= Some(1.0), "{text}");
    // The Zoho plugin's lookup runs in its initial memory (the SDK's heap):
    // the counter exists and stays at zero.
    assert_eq!(metric_sample(&text, "deskpane_plugin_memory_grown_total", &timed), Some(0.0), "{text}");
}

/// A requester the CRM does not know under their desk email is linked by an
/// agent to the record the CRM has: searched by email or name (contacts,
/// then leads), linked per desk contact (every ticket of theirs and their
/// contact page show it), then unlinked again.
#[tokio::test(flavor = "multi_thread")]
async fn an_agent_searches_the_crm_and_links_an_unknown_requester_to_an_existing_record() {
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    let crm_id = s.emulator.seed(
        "Contacts",
        json!({"First_Name": "Nia", "Last_Name": "Brooks-Li", "Email": "nia.brooks@work.example", "Phone": "+1 555 0142", "Customer_Type": "Partner"}),
    );
    let lead = s.emulator.seed("Leads", json!({"First_Name": "Nia", "Last_Name": "Brooks-Li", "Company": "Brooks Studio"}));
    let (_, contact) = send(
        agent.post(s.api("contacts")).json(&json!({"fields": {"first_name": "Nia", "last_name": "Brooks", "email": "nia@home.example"}})),
    )
    .await;
    let contact = contact["id"].as_str().unwrap().to_string();
    let ticket = |subject: &'static str| {
        let agent = agent.clone();
        let url = s.api("tickets");
        let contact = contact.clone();
        async move {
            let (_, t) = send(agent.post(url).json(&json!({"fields": {"subject": subject, "contact_id": contact}}))).await;
            t["id"].as_str().unwrap().to_string()
        }
    };
    let first = ticket("Invoice").await;
    let panel = |id: &str, section: &str| s.api(&format!("tickets/{id}/panels/zoho-crm/{section}"));
    let (_, profile) = get(&agent, panel(&first, "profile")).await;
    assert!(profile["profile"].is_null(), "not found under the desk's email: {profile}");
    let (_, panels) = get(&agent, s.api(&format!("tickets/{first}/panels"))).await;
    assert_eq!(panels["panels"][0]["actions"], json!(["link", "note", "call", "task"]));

    let (status, found) = get(&agent, panel(&first, "search?q=nia.brooks%40work.example")).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["records"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!((found["records"][0]["id"].as_str(), found["records"][0]["module"].as_str()), (Some(crm_id.as_str()), Some("contacts")));
    assert_eq!(found["records"][0]["name"], "Nia Brooks-Li");
    let (_, by_name) = get(&agent, panel(&first, "search?q=Nia%20Brooks-Li")).await;
    let hits: Vec<(&str, &str)> =
        by_name["records"].as_array().unwrap().iter().map(|r| (r["module"].as_str().unwrap(), r["id"].as_str().unwrap())).collect();
    assert_eq!(hits, [("contacts", crm_id.as_str()), ("leads", lead.as_str())], "contacts first, then leads");
    assert_eq!(by_name["records"][1]["organisation"], "Brooks Studio");
    let (_, by_phone) = get(&agent, panel(&first, "search?q=%2B1%20555%200142")).await;
    assert_eq!(by_phone["records"][0]["id"], crm_id.as_str(), "{by_phone}");
    assert_eq!(get(&agent, panel(&first, "search?q=%20")).await.0, 400, "an empty query");

    let link = s.api(&format!("tickets/{first}/panels/zoho-crm/link"));
    let (status, _) = send(agent.put(link.clone()).json(&json!({"module": "contacts", "id": "6421000000009999999"}))).await;
    assert_eq!(status, 404, "a record the CRM does not have");
    let (status, linked) = send(agent.put(link.clone()).json(&json!({"module": "contacts", "id": crm_id}))).await;
    assert_eq!(status, 200, "{linked}");
    assert_eq!(
        (linked["profile"]["display_name"].as_str(), linked["profile"]["match_key"].as_str()),
        (Some("Nia Brooks-Li"), Some("linked"))
    );
    let (_, profile) = get(&agent, panel(&first, "profile")).await;
    assert_eq!((profile["profile"]["id"].as_str(), profile["profile"]["match_key"].as_str()), (Some(crm_id.as_str()), Some("linked")));
    // Handshake Mode's customer type follows the link too.
    let customer_type = |list: &Value, id: &str| {
        list["tickets"].as_array().unwrap().iter().find(|t| t["id"] == id).map(|t| t["customer_type"].clone()).unwrap()
    };
    let (_, list) = get(&agent, s.api("ticket-list")).await;
    assert_eq!(customer_type(&list, &first), json!("Partner"), "{list}");
    // Kept per desk contact: their other tickets and their page show it too.
    let second = ticket("Another question").await;
    let (_, profile) = get(&agent, panel(&second, "profile")).await;
    assert_eq!(profile["profile"]["id"], crm_id.as_str());
    let (_, profile) = get(&agent, s.api(&format!("contacts/{contact}/panels/zoho-crm/profile"))).await;
    assert_eq!(profile["profile"]["id"], crm_id.as_str());

    assert_eq!(send(agent.delete(link.clone())).await.0, 204);
    let (_, profile) = get(&agent, panel(&second, "profile")).await;
    assert!(profile["profile"].is_null(), "looked up again: {profile}");
    let (_, list) = get(&agent, s.api("ticket-list")).await;
    assert!(customer_type(&list, &first).is_null(), "{list}");
    assert_eq!(send(agent.delete(link)).await.0, 404, "nothing linked");
}

/// From a found profile an agent adds a note, logs a call and a task on
/// the CRM record (Zoho Notes, Calls, Tasks), which the sections then
/// show; each is checked against the agent's profile, and a requester with
/// no CRM record has nothing to add them to.
#[tokio::test(flavor = "multi_thread")]
async fn notes_calls_and_tasks_are_added_from_a_found_profile_as_the_profile_allows() {
    let s = DeskServer::start().await;
    let agent = s.agent().await;
    let ticket = known_ticket(&s, &agent).await;
    let url = |what: &str| s.api(&format!("tickets/{ticket}/panels/zoho-crm/{what}"));
    let (_, profile) = get(&agent, url("profile")).await;
    let crm_id = profile["profile"]["id"].as_str().expect("a known requester").to_string();

    let (status, note) =
        send(agent.post(url("actions/note")).json(&json!({"title": "Callback", "content": "Wants a callback on Monday."}))).await;
    assert_eq!(status, 201, "{note}");
    let stored = s.emulator.record("Notes", note["id"].as_str().unwrap()).unwrap();
    assert_eq!(
        (stored["Parent_Id"]["id"].as_str(), stored["Note_Content"].as_str()),
        (Some(crm_id.as_str()), Some("Wants a callback on Monday."))
    );
    let (_, notes) = get(&agent, url("notes")).await;
    assert!(notes["notes"].as_array().unwrap().iter().any(|n| n["content"] == "Wants a callback on Monday."), "shown at once: {notes}");

    let call = json!({"subject": "Invoice question", "direction": "outbound", "duration_seconds": 300, "description": "Resent it.",
        "start_time": "2026-11-21T09:30:00Z"});
    let (status, logged) = send(agent.post(url("actions/call")).json(&call)).await;
    assert_eq!(status, 201, "{logged}");
    let stored = s.emulator.record("Calls", logged["id"].as_str().unwrap()).unwrap();
    assert_eq!((stored["Call_Type"].as_str(), stored["Call_Duration"].as_str()), (Some("Outbound"), Some("05:00")));
    assert_eq!(stored["Who_Id"]["id"], crm_id.as_str());
    let (status, task) =
        send(agent.post(url("actions/task")).json(&json!({"subject": "Send the invoice again", "due_date": "2026-12-01"}))).await;
    assert_eq!(status, 201, "{task}");
    assert_eq!(s.emulator.record("Tasks", task["id"].as_str().unwrap()).unwrap()["Due_Date"], "2026-12-01");
    let (_, activities) = get(&agent, url("activities")).await;
    let subjects: Vec<&str> = activities["activities"].as_array().unwrap().iter().filter_map(|a| a["subject"].as_str()).collect();
    assert!(subjects.contains(&"Invoice question") && subjects.contains(&"Send the invoice again"), "{subjects:?}");

    // What the agent typed is checked before the CRM is asked.
    assert_eq!(send(agent.post(url("actions/note")).json(&json!({"content": "  "}))).await.0, 400);
    let bad_time = json!({"subject": "x", "direction": "inbound", "start_time": "yesterday"});
    assert_eq!(send(agent.post(url("actions/call")).json(&bad_time)).await.0, 400);
    assert_eq!(send(agent.post(url("actions/task")).json(&json!({"subject": "x", "due_date": "31/12/2026"}))).await.0, 400);

    // A profile restricted from notes and calls may not add them (the
    // plugin is not called), and its panel offers only what it may do.
    let light = s.light_agent().await;
    let restricted = deskpane::permissions::PanelPermissions {
        notes: deskpane::permissions::Access::Restricted,
        calls: deskpane::permissions::Access::Restricted,
        ..Default::default()
    };
    s.state.registry.set_permissions("zoho-crm", "Light Agent", restricted).unwrap();
    let (_, panels) = get(&light, s.api(&format!("tickets/{ticket}/panels"))).await;
    assert_eq!(panels["panels"][0]["actions"], json!(["link", "task"]));
    let notes_before = s.emulator.records("Notes").len();
    let (status, refused) = send(light.post(url("actions/note")).json(&json!({"content": "Light note"}))).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (403, Some("your profile has restricted access to notes; an administrator can grant it under Permissions"))
    );
    assert_eq!(refused["code"], "panel.restricted.notes", "a code the pages translate: {refused}");
    assert_eq!(send(light.post(url("actions/call")).json(&json!({"subject": "x", "direction": "inbound"}))).await.0, 403);
    assert_eq!(s.emulator.records("Notes").len(), notes_before, "nothing written");
    assert_eq!(send(light.post(url("actions/task")).json(&json!({"subject": "Light task"}))).await.0, 201, "tasks stay allowed");
    // Without the contact information: no search, no link, no actions.
    let no_info = deskpane::permissions::PanelPermissions { info: deskpane::permissions::Access::Restricted, ..Default::default() };
    s.state.registry.set_permissions("zoho-crm", "Light Agent", no_info).unwrap();
    let (status, refused) = get(&light, url("search?q=ada")).await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("panel.restricted.profile")), "{refused}");
    assert_eq!(send(light.put(url("link")).json(&json!({"module": "contacts", "id": crm_id}))).await.0, 403);
    assert_eq!(send(light.post(url("actions/task")).json(&json!({"subject": "x"}))).await.0, 403);

    // A requester with no CRM record has nothing to add them to.
    let (_, stranger) =
        send(agent.post(s.api("tickets")).json(&json!({"fields": {"subject": "Hi", "email": "nobody@nowhere.example"}}))).await;
    let stranger = stranger["id"].as_str().unwrap();
    let (status, body) =
        send(agent.post(s.api(&format!("tickets/{stranger}/panels/zoho-crm/actions/note"))).json(&json!({"content": "x"}))).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("panel.no_record")), "{body}");
}

/// CRMs end a notification channel after a while (Zoho CRM: an hour when
/// given no expiry), and it may end while the desk is down: a restarted
/// desk asks again to be notified, so the CRM's changes keep arriving by
/// notification rather than at the next poll.
#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_desk_renews_the_crms_notification_channel() {
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let (_, mut settings) = get(&admin, s.api("admin/plugins/zoho-crm/sync")).await;
    let mut settings = settings["settings"].take();
    settings["modules"]["contacts"]["enabled"] = json!(true);
    assert_eq!(send(admin.put(s.api("admin/plugins/zoho-crm/sync")).json(&settings)).await.0, 200);
    let crm = s.emulator.base_url();
    let token = s.emulator.issue_access_token();
    let channels = || {
        let (crm, token) = (crm.clone(), token.clone());
        async move {
            let answer = reqwest::Client::new()
                .get(format!("{crm}/crm/v8/actions/watch"))
                .header("Authorization", format!("Zoho-oauthtoken {token}"))
                .send()
                .await
                .unwrap();
            // 204: no channel, as Zoho answers.
            let watches: Value = if answer.status() == 204 { Value::Null } else { answer.json().await.unwrap() };
            watches["watch"].as_array().cloned().unwrap_or_default()
        }
    };
    let ids: Vec<String> = channels().await.iter().map(|c| c["channel_id"].to_string().trim_matches('"').to_string()).collect();
    assert!(!ids.is_empty(), "saving the settings made a channel");

    // The desk stops; meanwhile the channel ends.
    let (data, emulator) = s.shutdown().await;
    let ended = reqwest::Client::new()
        .delete(format!("{crm}/crm/v8/actions/watch?channel_ids={}", ids.join(",")))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .send()
        .await
        .unwrap();
    assert!(ended.status().is_success(), "{}", ended.status());
    assert!(channels().await.is_empty());

    let s = DeskServer::start_on(data, emulator).await;
    eventually("the restarted desk asked to be notified again", || async {
        channels().await.iter().any(|c| c["notify_url"] == format!("{}/hooks/zoho-crm", s.url))
    })
    .await;
    // And a CRM change arrives by that notification (the runner polls hourly here).
    reqwest::Client::new()
        .post(format!("{crm}/crm/v8/Contacts"))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .json(&json!({"data": [{"Last_Name": "Renewed", "Email": "renewed@example.com"}]}))
        .send()
        .await
        .unwrap();
    let admin = s.admin().await;
    eventually("the CRM's new contact is in the desk", || async {
        get(&admin, s.api("contacts")).await.1["records"].as_array().unwrap().iter().any(|c| c["fields"]["email"] == "renewed@example.com")
    })
    .await;
}
