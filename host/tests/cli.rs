//! `deskpane plugin check` and `deskpane plugin call`, run as a plugin
//! author runs them: the real binary on real components.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn deskpane(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_deskpane")).args(args).output().expect("deskpane runs")
}

fn built(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/plugins").join(name);
    assert!(dir.join("plugin.wasm").exists(), "run scripts/build-plugins.sh first: {} is missing", dir.display());
    dir
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch plugin folder holding `manifest` and `component` bytes.
fn scratch(name: &str, manifest: &str, component: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deskpane-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("plugin.toml"), manifest).unwrap();
    std::fs::write(dir.join("plugin.wasm"), component).unwrap();
    dir
}

fn example_manifest() -> String {
    std::fs::read_to_string(built("example").join("plugin.toml")).unwrap()
}

#[test]
fn check_accepts_the_example_plugin_and_summarises_it() {
    let out = deskpane(&["plugin", "check", built("example").to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("ok: Example CRM 0.1.0 (example) by Deskpane"), "{text}");
    assert!(text.contains("implements deskpane:connector@0.4.0 (served by this host's 0.4.0 bindings"), "{text}");
    assert!(text.contains("memory 16 MiB, cpu 500ms"), "{text}");
}

#[test]
fn check_reports_the_contract_version_of_a_plugin_built_for_an_older_one() {
    let legacy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/prebuilt/v0.1.0-example");
    let out = deskpane(&["plugin", "check", legacy.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .contains("implements deskpane:connector@0.1.0 (served by this host's 0.1.0 bindings; it runs 0.1.0, 0.2.0, 0.3.0, 0.4.0)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn call_prints_the_result_as_json() {
    let out = deskpane(&["plugin", "call", built("example").to_str().unwrap(), "lookup-requester", r#"{"email": "grace@cobol.example"}"#]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is JSON");
    assert_eq!(json["display_name"], "Grace Hopper");
    assert_eq!(json["match_key"], "Email");
    assert_eq!(json["account"]["name"], "Compiler Works Inc");

    let out = deskpane(&["plugin", "call", built("example").to_str().unwrap(), "potentials", r#"{"module": "Contacts", "id": "c-1002"}"#]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json[0]["stage"], "Negotiation/Review");

    // A miss is `null`, not an error.
    let out =
        deskpane(&["plugin", "call", built("example").to_str().unwrap(), "lookup-requester", r#"{"email": "nobody@nowhere.example"}"#]);
    assert_eq!(stdout(&out).trim(), "null");
}

#[test]
fn call_reports_a_plugin_error_with_exit_code_1() {
    let out = deskpane(&["plugin", "call", built("example").to_str().unwrap(), "notes", r#"{"module": "Contacts", "id": "c-404"}"#]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).trim(), "error: plugin `example` failed in `notes`: not found: contact c-404");
}

#[test]
fn call_refuses_bad_arguments_and_unknown_functions() {
    let dir = built("example");
    let out = deskpane(&["plugin", "call", dir.to_str().unwrap(), "lookup-requester", "{not json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the arguments of `lookup-requester` are not valid"), "{}", stderr(&out));

    let out = deskpane(&["plugin", "call", dir.to_str().unwrap(), "steal-tokens"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`steal-tokens` is not a function of the contract"), "{}", stderr(&out));

    let out = deskpane(&["plugin", "call", dir.to_str().unwrap(), "lookup-requester", "{}", "--config", "nope=1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("config `nope` is not declared"), "{}", stderr(&out));
}

#[test]
fn check_points_at_the_line_and_column_of_a_broken_manifest() {
    let component = std::fs::read(built("example").join("plugin.wasm")).unwrap();
    let broken = example_manifest().replace("publisher = \"Deskpane\"", "publisher = Deskpane");
    let dir = scratch("broken", &broken, &component);
    let out = deskpane(&["plugin", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let line = broken.lines().position(|l| l.starts_with("publisher")).unwrap() + 1;
    let err = stderr(&out);
    assert!(err.contains(&format!("plugin.toml:{line}:13: ")), "{err}");
    assert!(err.contains("See docs/plugin-authors.md"), "{err}");
}

#[test]
fn check_refuses_what_is_not_a_connector_component() {
    let manifest = example_manifest();
    // An empty component: valid WebAssembly, but no contract exports.
    let empty_component = b"\0asm\x0d\0\x01\0";
    let dir = scratch("empty", &manifest, empty_component);
    let out = deskpane(&["plugin", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not implement deskpane:connector@0.4.0"), "{}", stderr(&out));

    // A core module that was never componentized.
    let dir = scratch("core", &manifest, b"\0asm\x01\0\0\0");
    let out = deskpane(&["plugin", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a core WebAssembly module, not a component"), "{}", stderr(&out));

    // Not WebAssembly at all.
    let dir = scratch("text", &manifest, b"hello");
    let out = deskpane(&["plugin", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not a valid WebAssembly component"), "{}", stderr(&out));
}

#[test]
fn check_names_a_missing_plugin_or_component() {
    let out = deskpane(&["plugin", "check", "/nonexistent/plugin"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no plugin at /nonexistent/plugin"), "{}", stderr(&out));

    let dir = scratch("nocomponent", &example_manifest(), b"");
    std::fs::remove_file(dir.join("plugin.wasm")).unwrap();
    let out = deskpane(&["plugin", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("names component `plugin.wasm` but"), "{}", stderr(&out));
}

/// The Zoho plugin, run by hand against a running Zoho CRM emulator.
#[tokio::test(flavor = "multi_thread")]
async fn call_runs_the_zoho_plugin_against_the_emulator() {
    use zoho_emulator::{EmulatorConfig, ZohoEmulator};
    let emu = ZohoEmulator::start(EmulatorConfig::default()).await.unwrap();
    emu.seed_demo();
    let contact = emu.records("Contacts").into_iter().find(|c| c["Email"].is_string()).expect("demo has contacts with email");
    let email = contact["Email"].as_str().unwrap().to_string();
    let id = contact["id"].as_str().unwrap().to_string();
    let plugin = built("zoho-crm");
    let token = emu.issue_access_token();
    let base = emu.base_url();
    let run = move |function: &'static str, args: String| {
        let (plugin, token, base) = (plugin.clone(), token.clone(), base.clone());
        tokio::task::spawn_blocking(move || {
            deskpane(&[
                "plugin",
                "call",
                plugin.to_str().unwrap(),
                function,
                &args,
                "--credential",
                &format!("crm={token}"),
                "--api-base",
                &format!("crm={base}"),
                "--allow-host",
                &base,
            ])
        })
    };
    let out = run("lookup-requester", format!(r#"{{"email": "{email}"}}"#)).await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let profile: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(profile["record"]["id"], id.as_str());
    assert_eq!(profile["email"], email.as_str());

    let of = format!(r#"{{"module": "Contacts", "id": "{id}"}}"#);
    for function in ["potentials", "notes", "activities"] {
        let out = run(function, of.clone()).await.unwrap();
        assert!(out.status.success(), "{function}: {}", stderr(&out));
        let list: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert!(list.is_array(), "{function} prints a JSON list");
    }

    // Without the emulator's address granted, the sandbox refuses.
    let out = tokio::task::spawn_blocking({
        let plugin = built("zoho-crm");
        let base = emu.base_url();
        move || {
            deskpane(&[
                "plugin",
                "call",
                plugin.to_str().unwrap(),
                "lookup-requester",
                r#"{"email": "a@b.c"}"#,
                "--credential",
                "crm=x",
                "--api-base",
                &format!("crm={base}"),
            ])
        }
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is not on the plugin's allow-list"), "{}", stderr(&out));
}
