//! The plugin author's path, as an outside author walks it with nothing
//! but the `deskpane` binary: `plugin new` in a folder outside this
//! repository, `plugin build` with the language's own toolchain, `plugin
//! test` (the conformance kit, every check green), `plugin keygen` and
//! `plugin pack` (a signed package); then the admin console's API trusts the
//! publisher, installs the package, connects it to a Sample CRM, and an
//! agent's panel answers from it. One test per language.

use std::path::{Path, PathBuf};
use std::process::Command;

use deskpane_conformance::sample_crm::{Dataset, SampleCrm};
use deskpane_tests::{deskpane_binary, DeskServer};
use serde_json::{json, Value};

/// Runs `deskpane ARGS` in `dir`; its stdout on success, a panic with both
/// streams otherwise.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(deskpane_binary()).args(args).current_dir(dir).envs(env.iter().copied()).output().expect("deskpane runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "deskpane {args:?} failed ({}):\n{stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    stdout
}

/// A fresh folder outside the repository.
fn workspace(lang: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deskpane-author-{lang}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn author_path(lang: &str, env: &[(&str, &str)]) {
    let work = workspace(lang);
    let id = format!("acme-{lang}");
    run(&work, &["plugin", "new", &id, "--lang", lang], &[]);
    let project = work.join(&id);
    run(&project, &["plugin", "build"], env);
    assert!(project.join("plugin.wasm").exists(), "the build wrote plugin.wasm beside plugin.toml");

    let report: Value = serde_json::from_str(&run(&project, &["plugin", "test", "--json"], &[])).expect("a JSON report");
    let checks = report["checks"].as_array().expect("checks");
    assert!(checks.len() >= 20, "{report}");
    for check in checks {
        assert_eq!(check["outcome"], "pass", "a new {lang} project passes every check: {check}");
    }

    let key_line = run(&work, &["plugin", "keygen", "--out", "publisher.key"], &[]);
    let public_key = key_line.split_whitespace().find(|w| w.starts_with("ed25519:")).expect("the public key is printed").to_string();
    run(&project, &["plugin", "pack", ".", "--key", "../publisher.key", "--out", "../"], &[]);
    let package = std::fs::read(work.join(format!("{id}-0.1.0.dpkg"))).expect("the package file");

    let crm = SampleCrm::start(Dataset::scenarios()).await.expect("sample CRM starts");
    let s = DeskServer::start().await;
    let admin = s.admin().await;
    let status = admin
        .post(s.api("admin/publishers"))
        .json(&json!({"name": "Acme Connectors", "public_key": public_key}))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "the publisher is trusted: {status}");
    let form =
        reqwest::multipart::Form::new().part("package", reqwest::multipart::Part::bytes(package).file_name(format!("{id}-0.1.0.dpkg")));
    let resp = admin.post(s.api("admin/plugins")).multipart(form).send().await.unwrap();
    let status = resp.status();
    let installed: Value = resp.json().await.unwrap();
    assert_eq!(status, 201, "{installed}");
    assert!(installed.to_string().contains("Acme Connectors"), "the console shows the publisher: {installed}");

    let patch = json!({"enabled": true, "config": {"api-url": crm.base_url()}, "extra_hosts": [crm.base_url()]});
    let resp = admin.patch(s.api(&format!("admin/plugins/{id}"))).json(&patch).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let resp = admin
        .put(s.api(&format!("admin/plugins/{id}/credentials/sample-crm")))
        .json(&json!({"api_key": crm.api_key()}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());

    let jose = s
        .state
        .desk
        .create(
            deskpane::desk::Kind::Contact,
            json!({"last_name": "Alvarez", "email": "jose.alvarez@example.com"}).as_object().unwrap().clone(),
            "test",
        )
        .unwrap();
    let agent = s.agent().await;
    let resp = agent.get(s.api(&format!("contacts/{}/panels/{id}/profile", jose.id))).send().await.unwrap();
    let status = resp.status();
    let profile: Value = resp.json().await.unwrap();
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["profile"]["display_name"], "Jose Alvarez", "{profile}");

    s.shutdown().await;
    crm.stop().await;
    std::fs::remove_dir_all(&work).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rust_plugin_goes_from_plugin_new_to_an_agents_panel() {
    // The plugins' own build folder: the standard library built for wasm32
    // (-Zbuild-std) and the SDK's dependencies are reused from it.
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/target");
    author_path("rust", &[("CARGO_TARGET_DIR", shared.to_str().unwrap())]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_javascript_plugin_goes_from_plugin_new_to_an_agents_panel() {
    author_path("js", &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_python_plugin_goes_from_plugin_new_to_an_agents_panel() {
    author_path("python", &[]).await;
}
