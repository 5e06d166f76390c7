//! Signed plugin packages (`.dpkg`) through the web API and the CLI: a
//! desk installs what a publisher it trusts signed, and refuses a package
//! signed by anyone else, changed after signing, unsigned (unless an admin
//! allows unsigned plugins), or built to escape its folder.
//!
//! These desks are fresh, not the demo: the demo allows unsigned plugins
//! (it installs the ones it builds), a fresh desk does not.

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use deskpane::signed::{self, SecretKey};
use deskpane_tests::serve_config;
use serde_json::{json, Value};

const ADMIN: (&str, &str) = ("rosa@desk.example", "a long passphrase");
const AGENT: (&str, &str) = ("sam@desk.example", "another passphrase");

/// A desk as `deskpane serve` starts it on a new data folder, with one
/// administrator and one agent: no demo setup.
struct FreshDesk {
    url: String,
    data: PathBuf,
    state: deskpane::server::AppState,
}

impl FreshDesk {
    async fn start() -> FreshDesk {
        let data = std::env::temp_dir().join(format!("deskpane-packages-{}", deskpane::secrets::random_token()));
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = deskpane::server::AppState::open(&serve_config(&data, &url, 8)).await.expect("desk opens");
        state.auth.create_agent("Rosa", ADMIN.0, ADMIN.1, deskpane::auth::ADMINISTRATOR).unwrap();
        state.auth.create_agent("Sam", AGENT.0, AGENT.1, deskpane::auth::AGENT).unwrap();
        let app = deskpane::server::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FreshDesk { url, data, state }
    }

    async fn client(&self, (email, password): (&str, &str)) -> reqwest::Client {
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let resp = client.post(self.api("login")).json(&json!({"email": email, "password": password})).send().await.unwrap();
        assert_eq!(resp.status(), 200, "sign-in as {email}");
        client
    }

    async fn admin(&self) -> reqwest::Client {
        self.client(ADMIN).await
    }

    fn api(&self, path: &str) -> String {
        format!("{}/api/{path}", self.url)
    }

    /// What is in the installed plugins' folder (staging folders included).
    fn plugin_files(&self) -> Vec<String> {
        let dir = self.data.join("plugins");
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }
}

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn error_of(body: &Value) -> &str {
    body["error"].as_str().unwrap_or_else(|| panic!("an error sentence: {body}"))
}

/// The example plugin scripts/build-plugins.sh built.
fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/plugins/example")
}

fn example() -> (String, Vec<u8>) {
    let dir = example_dir();
    (std::fs::read_to_string(dir.join("plugin.toml")).unwrap(), std::fs::read(dir.join("plugin.wasm")).unwrap())
}

/// The example plugin packed, signed with `key` (unsigned without).
fn example_package(key: Option<&SecretKey>) -> Vec<u8> {
    let (manifest, component) = example();
    signed::pack(&manifest, &component, key).unwrap()
}

/// The upload the console sends for a package.
fn package_form(bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part("package", reqwest::multipart::Part::bytes(bytes).file_name("example-0.1.0.dpkg"))
}

async fn install(admin: &reqwest::Client, d: &FreshDesk, package: Vec<u8>) -> (u16, Value) {
    send(admin.post(d.api("admin/plugins")).multipart(package_form(package))).await
}

async fn trust(admin: &reqwest::Client, d: &FreshDesk, name: &str, key: &SecretKey) -> Value {
    let (status, body) =
        send(admin.post(d.api("admin/publishers")).json(&json!({"name": name, "public_key": key.public_key().to_text()}))).await;
    assert_eq!(status, 201, "{body}");
    body
}

/// A package's files, by name, in order.
fn unpack(package: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = tar::Archive::new(package);
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = String::from_utf8(e.path_bytes().into_owned()).unwrap();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            (name, data)
        })
        .collect()
}

/// A tar entry: name, kind, data, link target.
type Entry<'a> = (&'a str, tar::EntryType, &'a [u8], Option<&'a str>);

/// A tar archive of these entries, names and kinds written as given (the
/// `tar` crate's own path checks would refuse the hostile ones).
fn raw_tar(entries: &[Entry]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, kind, data, link) in entries {
        let mut header = tar::Header::new_gnu();
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        header.set_entry_type(*kind);
        header.set_mode(0o644);
        header.set_size(data.len() as u64);
        if let Some(link) = link {
            header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
        }
        header.set_cksum();
        builder.append(&header, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn repack(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let entries: Vec<Entry> = files.iter().map(|(n, d)| (n.as_str(), tar::EntryType::Regular, d.as_slice(), None)).collect();
    raw_tar(&entries)
}

/// A package signed by a publisher the admin trusts installs, and the
/// plugin shows who signed it; when the admin stops trusting them, the
/// plugin stays, marked as no longer trusted.
#[tokio::test(flavor = "multi_thread")]
async fn a_package_signed_by_a_trusted_publisher_installs_and_shows_its_publisher() {
    let d = FreshDesk::start().await;
    let admin = d.admin().await;
    let key = SecretKey::generate().unwrap();
    let fingerprint = key.public_key().fingerprint();
    let added = trust(&admin, &d, "Example Ltd", &key).await;
    assert_eq!(added["fingerprint"], fingerprint);
    assert_eq!(added["public_key"], key.public_key().to_text());

    let (status, view) = install(&admin, &d, example_package(Some(&key))).await;
    assert_eq!(status, 201, "{view}");
    assert_eq!(view["id"], "example");
    assert_eq!(view["enabled"], false, "a new plugin installs disabled");
    assert_eq!(view["signature"], json!({"publisher": "Example Ltd", "fingerprint": fingerprint, "trusted": true}));
    let (_, list) = send(admin.get(d.api("admin/plugins"))).await;
    assert_eq!(list["plugins"][0]["signature"]["publisher"], "Example Ltd");
    let (_, publishers) = send(admin.get(d.api("admin/publishers"))).await;
    assert_eq!(publishers["publishers"][0]["plugins"], json!(["example"]));
    assert_eq!(d.state.registry.installation("example").unwrap().signed_by.unwrap().fingerprint, fingerprint);

    // An upgrade signed by the same publisher installs too.
    let (status, _) = install(&admin, &d, example_package(Some(&key))).await;
    assert_eq!(status, 201);

    let resp = admin.delete(d.api(&format!("admin/publishers/{fingerprint}"))).send().await.unwrap();
    assert_eq!(resp.status(), 204);
    let (_, list) = send(admin.get(d.api("admin/plugins"))).await;
    assert_eq!(list["plugins"][0]["signature"]["trusted"], false, "{list}");
    let (status, body) = install(&admin, &d, example_package(Some(&key))).await;
    assert_eq!(status, 403, "a removed publisher's next package is refused: {body}");
}

/// A component or manifest changed after signing is refused with the
/// sentence that says so, and nothing is written.
#[tokio::test(flavor = "multi_thread")]
async fn a_package_changed_after_signing_is_refused() {
    let d = FreshDesk::start().await;
    let admin = d.admin().await;
    let key = SecretKey::generate().unwrap();
    trust(&admin, &d, "Example Ltd", &key).await;
    let files = unpack(&example_package(Some(&key)));
    assert_eq!(files.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(), ["plugin.toml", "plugin.wasm", "signature.json"]);

    let mut component_changed = files.clone();
    let last = component_changed[1].1.len() - 1;
    component_changed[1].1[last] ^= 1;
    let mut manifest_changed = files.clone();
    let widened = String::from_utf8(files[0].1.clone()).unwrap() + "\n[network]\nallowed-hosts = [\"https://exfiltrate.example\"]\n";
    manifest_changed[0].1 = widened.into_bytes();
    for (what, files) in [("component", component_changed), ("manifest", manifest_changed)] {
        let (status, body) = install(&admin, &d, repack(&files)).await;
        assert_eq!(status, 422, "{what}: {body}");
        assert!(error_of(&body).contains("the package was changed after it was signed"), "{what}: {body}");
    }
    assert!(d.state.registry.installations().is_empty());
    assert!(d.plugin_files().is_empty(), "nothing written: {:?}", d.plugin_files());
}

/// A package signed by a key the desk does not trust is refused, naming
/// the key's fingerprint and where an admin adds it.
#[tokio::test(flavor = "multi_thread")]
async fn a_package_signed_by_an_unknown_key_is_refused() {
    let d = FreshDesk::start().await;
    let admin = d.admin().await;
    trust(&admin, &d, "Example Ltd", &SecretKey::generate().unwrap()).await;
    let stranger = SecretKey::generate().unwrap();
    let (status, body) = install(&admin, &d, example_package(Some(&stranger))).await;
    assert_eq!(status, 403, "{body}");
    let expected = format!(
        "signed by a publisher this desk does not trust: {}; an admin adds the key under Trusted publishers",
        stranger.public_key().fingerprint()
    );
    assert!(error_of(&body).contains(&expected), "{body}");
    assert!(d.plugin_files().is_empty());
}

/// A fresh desk refuses unsigned plugins, packed or loose, until an admin
/// turns on "Allow unsigned plugins"; turning it off refuses them again.
#[tokio::test(flavor = "multi_thread")]
async fn unsigned_plugins_are_refused_on_a_fresh_desk_until_an_admin_allows_them() {
    let d = FreshDesk::start().await;
    let admin = d.admin().await;
    let (_, policy) = send(admin.get(d.api("admin/plugin-policy"))).await;
    assert_eq!(policy, json!({"allow_unsigned": false}), "secure by default");
    let (manifest, component) = example();
    let loose = || {
        reqwest::multipart::Form::new()
            .part("manifest", reqwest::multipart::Part::bytes(manifest.clone().into_bytes()).file_name("plugin.toml"))
            .part("component", reqwest::multipart::Part::bytes(component.clone()).file_name("plugin.wasm"))
    };

    let (status, body) = install(&admin, &d, example_package(None)).await;
    assert_eq!(status, 403, "{body}");
    assert!(error_of(&body).contains("not signed"), "{body}");
    assert!(error_of(&body).contains("Allow unsigned plugins"), "{body}");
    let (status, body) = send(admin.post(d.api("admin/plugins")).multipart(loose())).await;
    assert_eq!(status, 403, "loose files are unsigned too: {body}");
    assert!(d.plugin_files().is_empty());

    // An agent cannot turn it on.
    let agent = d.client(AGENT).await;
    let (status, _) = send(agent.put(d.api("admin/plugin-policy")).json(&json!({"allow_unsigned": true}))).await;
    assert_eq!(status, 403);

    let (status, policy) = send(admin.put(d.api("admin/plugin-policy")).json(&json!({"allow_unsigned": true}))).await;
    assert_eq!((status, policy), (200, json!({"allow_unsigned": true})));
    let (status, view) = install(&admin, &d, example_package(None)).await;
    assert_eq!(status, 201, "{view}");
    assert_eq!(view["signature"], Value::Null, "shown as unsigned");
    let (status, view) = send(admin.post(d.api("admin/plugins")).multipart(loose())).await;
    assert_eq!(status, 201, "{view}");

    // A signed package is still checked while unsigned ones are allowed.
    let (status, _) = install(&admin, &d, example_package(Some(&SecretKey::generate().unwrap()))).await;
    assert_eq!(status, 403, "an unknown signer is refused whatever the switch");

    let (status, _) = send(admin.put(d.api("admin/plugin-policy")).json(&json!({"allow_unsigned": false}))).await;
    assert_eq!(status, 200);
    let (status, _) = install(&admin, &d, example_package(None)).await;
    assert_eq!(status, 403);
    assert!(!d.state.registry.allow_unsigned());
}

/// Archives built to escape or to smuggle files are refused before
/// anything is written: `../x`, an extra entry, a symlink, a folder, a
/// name twice; and a package sent together with loose files.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_archives_are_refused_and_write_nothing() {
    let d = FreshDesk::start().await;
    let admin = d.admin().await;
    // Unsigned allowed: each archive is refused for its shape, not its signature.
    d.state.registry.set_allow_unsigned(true).unwrap();
    let (manifest, component) = example();
    let (m, c) = (manifest.as_bytes(), component.as_slice());
    let file = tar::EntryType::Regular;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "parent path",
            raw_tar(&[("plugin.toml", file, m, None), ("plugin.wasm", file, c, None), ("../x", file, b"escaped", None)]),
            "points outside the package",
        ),
        ("absolute path", raw_tar(&[("plugin.toml", file, m, None), ("/tmp/deskpane-x", file, b"x", None)]), "absolute path"),
        (
            "extra entry",
            raw_tar(&[("plugin.toml", file, m, None), ("plugin.wasm", file, c, None), ("run.sh", file, b"#!/bin/sh", None)]),
            "holds `run.sh`, which is not plugin.toml",
        ),
        (
            "symlink",
            raw_tar(&[("plugin.toml", file, m, None), ("plugin.wasm", tar::EntryType::Symlink, b"", Some("/etc/passwd"))]),
            "is a link",
        ),
        ("folder", raw_tar(&[("plugin.toml", file, m, None), ("plugins", tar::EntryType::Directory, b"", None)]), "not a plain file"),
        ("name twice", raw_tar(&[("plugin.toml", file, m, None), ("plugin.toml", file, m, None)]), "twice"),
        ("component missing", raw_tar(&[("plugin.toml", file, m, None)]), "which the package does not hold"),
        ("not a tar", b"PK\x03\x04 a zip file".to_vec(), "not a Deskpane package"),
    ];
    for (what, bytes, expected) in cases {
        let (status, body) = install(&admin, &d, bytes).await;
        assert_eq!(status, 422, "{what}: {body}");
        assert!(error_of(&body).contains(expected), "{what}: {body}");
        assert!(!error_of(&body).contains(d.data.to_str().unwrap()), "{what}: no server path: {body}");
    }
    assert!(d.plugin_files().is_empty(), "nothing written: {:?}", d.plugin_files());
    assert!(!d.data.join("x").exists() && !d.data.join("plugins/x").exists());

    let both = package_form(example_package(None))
        .part("manifest", reqwest::multipart::Part::bytes(manifest.into_bytes()).file_name("plugin.toml"));
    let (status, body) = send(admin.post(d.api("admin/plugins")).multipart(both)).await;
    assert_eq!(status, 400, "{body}");
    assert!(error_of(&body).contains("alone"), "{body}");
}

/// Names and keys of publishers are checked, with sentences.
#[tokio::test(flavor = "multi_thread")]
async fn publishers_are_added_with_a_valid_key_and_name_and_removed_by_fingerprint() {
    let d = FreshDesk::start().await;
    let admin = d.admin().await;
    let key = SecretKey::generate().unwrap().public_key().to_text();
    for (name, public_key, expected) in [
        ("Example Ltd", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", "ed25519:"),
        ("Example Ltd", "ed25519:AAAA", "32 bytes"),
        ("   ", key.as_str(), "give the publisher a name"),
        (&"x".repeat(81), key.as_str(), "at most 80 characters"),
        ("Two\nlines", key.as_str(), "one line"),
    ] {
        let (status, body) = send(admin.post(d.api("admin/publishers")).json(&json!({"name": name, "public_key": public_key}))).await;
        assert_eq!(status, 422, "{name:?} {public_key}: {body}");
        assert!(error_of(&body).contains(expected), "{body}");
    }
    let (status, added) = send(admin.post(d.api("admin/publishers")).json(&json!({"name": " Example Ltd ", "public_key": key}))).await;
    assert_eq!(status, 201);
    assert_eq!(added["name"], "Example Ltd");
    // The same key again renames it; it is listed once.
    let (status, _) = send(admin.post(d.api("admin/publishers")).json(&json!({"name": "Example Group", "public_key": key}))).await;
    assert_eq!(status, 201);
    let (_, list) = send(admin.get(d.api("admin/publishers"))).await;
    assert_eq!(list["publishers"].as_array().unwrap().len(), 1);
    assert_eq!(list["publishers"][0]["name"], "Example Group");

    let (status, body) = send(admin.delete(d.api("admin/publishers/0000000000000000000000ff"))).await;
    assert_eq!(status, 404, "{body}");
    let fingerprint = added["fingerprint"].as_str().unwrap().to_uppercase();
    let resp = admin.delete(d.api(&format!("admin/publishers/{fingerprint}"))).send().await.unwrap();
    assert_eq!(resp.status(), 204);
    let (_, list) = send(admin.get(d.api("admin/publishers"))).await;
    assert_eq!(list["publishers"], json!([]));
}

/// `deskpane plugin keygen` writes a private key file (never over another)
/// and prints the public key; `deskpane plugin pack` checks the plugin and
/// writes `<id>-<version>.dpkg`, which installs once the key is trusted.
#[tokio::test(flavor = "multi_thread")]
async fn the_cli_makes_a_key_and_a_package_that_installs() {
    use std::os::unix::fs::PermissionsExt;
    let bin = deskpane_tests::deskpane_binary();
    let work = std::env::temp_dir().join(format!("deskpane-pack-{}", deskpane::secrets::random_token()));
    std::fs::create_dir_all(&work).unwrap();
    let key_file = work.join("publisher.key");
    let deskpane = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(&bin)
            .args(args)
            .current_dir(&work)
            .output()
            .expect("the deskpane binary runs (cargo build -p deskpane --bins; the README's test command builds it)")
    };
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();

    let made = deskpane(&["plugin".as_ref(), "keygen".as_ref(), "--out".as_ref(), key_file.as_os_str()]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let stdout = text(&made.stdout);
    let public = stdout.split_whitespace().find(|w| w.starts_with("ed25519:")).expect("the public key is printed").to_string();
    let secret_text = std::fs::read_to_string(&key_file).unwrap();
    assert!(secret_text.starts_with("deskpane-secret-key-v1 "));
    let secret = secret_text.split_whitespace().nth(1).unwrap();
    assert!(!stdout.contains(secret) && !text(&made.stderr).contains(secret), "the secret key is never printed");
    assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(SecretKey::from_file_text(&secret_text).unwrap().public_key().to_text(), public);

    let again = deskpane(&["plugin".as_ref(), "keygen".as_ref(), "--out".as_ref(), key_file.as_os_str()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("never overwrites"), "{}", text(&again.stderr));
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), secret_text, "the key is untouched");

    let packed = deskpane(&["plugin".as_ref(), "pack".as_ref(), example_dir().as_os_str(), "--key".as_ref(), key_file.as_os_str()]);
    assert!(packed.status.success(), "{}", text(&packed.stderr));
    assert!(text(&packed.stdout).contains(&public), "{}", text(&packed.stdout));
    let package_path = work.join("example-0.1.0.dpkg");
    let package = std::fs::read(&package_path).expect("<id>-<version>.dpkg in the current folder");
    let opened = signed::open(&package, u64::MAX).unwrap();
    assert_eq!(opened.signer.map(|k| k.to_text()), Some(public.clone()));

    // Neither a key nor --unsigned: a usage error. --unsigned: a warning.
    let bare = deskpane(&["plugin".as_ref(), "pack".as_ref(), example_dir().as_os_str()]);
    assert_eq!(bare.status.code(), Some(2), "{}", text(&bare.stderr));
    let unsigned_out = work.join("unsigned.dpkg");
    let unsigned = deskpane(&[
        "plugin".as_ref(),
        "pack".as_ref(),
        example_dir().as_os_str(),
        "--unsigned".as_ref(),
        "--out".as_ref(),
        unsigned_out.as_os_str(),
    ]);
    assert!(unsigned.status.success(), "{}", text(&unsigned.stderr));
    assert!(text(&unsigned.stderr).contains("warning: the package is unsigned"), "{}", text(&unsigned.stderr));
    assert_eq!(signed::open(&std::fs::read(&unsigned_out).unwrap(), u64::MAX).unwrap().signer, None);

    // A plugin that fails `plugin check` is not packed.
    let broken = work.join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::copy(example_dir().join("plugin.toml"), broken.join("plugin.toml")).unwrap();
    std::fs::write(broken.join("plugin.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let refused = deskpane(&["plugin".as_ref(), "pack".as_ref(), broken.as_os_str(), "--key".as_ref(), key_file.as_os_str()]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stdout));
    assert!(!work.join("example-0.1.0.dpkg.partial").exists());

    let d = FreshDesk::start().await;
    let admin = d.admin().await;
    let (status, _) =
        send(admin.post(d.api("admin/publishers")).json(&json!({"name": "Our plugin team", "public_key": public.clone()}))).await;
    assert_eq!(status, 201);
    let (status, view) = install(&admin, &d, package).await;
    assert_eq!(status, 201, "{view}");
    assert_eq!(view["signature"]["publisher"], "Our plugin team");
    let _ = std::fs::remove_dir_all(&work);
}
