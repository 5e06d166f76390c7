//! `deskpane plugin new`: a connector project outside this repository,
//! started from the example of its language in `plugins/examples/` (each
//! a working connector for the Sample CRM, tested by the conformance kit),
//! with everything it needs to build on its own: the contract's WIT, and for
//! Rust the SDK with that WIT inside it.

use std::path::{Path, PathBuf};

use crate::{Language, CONTRACT_WIT};

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("`{0}` is not a valid plugin id. Use 2 to 64 lowercase letters, digits and hyphens, e.g. `acme-crm`")]
    InvalidId(String),
    #[error("{0} already exists and is not empty; choose another name or folder")]
    NotEmpty(PathBuf),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// One file of a template: its path in the project and its text.
type File = (&'static str, &'static str);

const RUST_EXAMPLE: &[File] = &[
    ("plugin.toml", include_str!("../../../plugins/examples/rust/plugin.toml")),
    ("src/lib.rs", include_str!("../../../plugins/examples/rust/src/lib.rs")),
];
const JS_EXAMPLE: &[File] = &[
    ("plugin.toml", include_str!("../../../plugins/examples/js/plugin.toml")),
    ("plugin.js", include_str!("../../../plugins/examples/js/plugin.js")),
];
const PYTHON_EXAMPLE: &[File] = &[
    ("plugin.toml", include_str!("../../../plugins/examples/python/plugin.toml")),
    ("app.py", include_str!("../../../plugins/examples/python/app.py")),
];

/// The Rust SDK's sources, vendored into a Rust project as `deskpane-sdk/`
/// (its WIT goes to `deskpane-sdk/wit/`). `every_sdk_source_is_vendored`
/// keeps this list complete.
pub const SDK_SOURCES: &[File] = &[
    ("src/lib.rs", include_str!("../../../plugins/sdk/src/lib.rs")),
    ("src/connector.rs", include_str!("../../../plugins/sdk/src/connector.rs")),
    ("src/hash.rs", include_str!("../../../plugins/sdk/src/hash.rs")),
    ("src/heap.rs", include_str!("../../../plugins/sdk/src/heap.rs")),
    ("src/json.rs", include_str!("../../../plugins/sdk/src/json.rs")),
    ("src/multipart.rs", include_str!("../../../plugins/sdk/src/multipart.rs")),
    ("src/paging.rs", include_str!("../../../plugins/sdk/src/paging.rs")),
    ("src/time.rs", include_str!("../../../plugins/sdk/src/time.rs")),
    ("src/url.rs", include_str!("../../../plugins/sdk/src/url.rs")),
];

const SAMPLE_CRM_API: &str = include_str!("../../conformance/README.md");

/// The toolchain pins a JavaScript or Python project builds with (the ones
/// this repository's examples are built and tested with).
const COMPONENTIZE_JS: &str = "0.23.0";
const COMPONENTIZE_PY: &str = "0.25.1";
const WIT_BINDGEN: &str = "0.61";

/// Creates the project `dir` (which must not exist or be empty) for the
/// plugin `id`; returns the files written.
pub fn new_project(dir: &Path, id: &str, language: Language) -> Result<Vec<PathBuf>, ScaffoldError> {
    if !deskpane_manifest::manifest::valid_id(id) {
        return Err(ScaffoldError::InvalidId(id.to_string()));
    }
    if dir.read_dir().is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(ScaffoldError::NotEmpty(dir.to_path_buf()));
    }
    let mut files: Vec<(String, String)> = Vec::new();
    let example = match language {
        Language::Rust => RUST_EXAMPLE,
        Language::JavaScript => JS_EXAMPLE,
        Language::Python => PYTHON_EXAMPLE,
    };
    for (path, text) in example {
        let text = if *path == "plugin.toml" { manifest(text, id) } else { text.replace("crates/conformance/README.md", "SAMPLE-CRM.md") };
        files.push((path.to_string(), text));
    }
    files.push(("SAMPLE-CRM.md".into(), SAMPLE_CRM_API.into()));
    files.push(("README.md".into(), readme(id, language)));
    match language {
        Language::Rust => {
            files.push(("Cargo.toml".into(), rust_cargo_toml(id)));
            files.push((".gitignore".into(), "/target\n/plugin.wasm\n*.dpkg\n".into()));
            for (path, text) in SDK_SOURCES {
                files.push((format!("deskpane-sdk/{path}"), text.to_string()));
            }
            files.push(("deskpane-sdk/Cargo.toml".into(), sdk_cargo_toml()));
            files.push(("deskpane-sdk/wit/connector.wit".into(), CONTRACT_WIT.into()));
        }
        Language::JavaScript => {
            files.push(("package.json".into(), package_json(id)));
            files.push(("wit/connector.wit".into(), CONTRACT_WIT.into()));
            files.push((".gitignore".into(), "/node_modules\n/plugin.wasm\n*.dpkg\n".into()));
        }
        Language::Python => {
            files.push(("requirements.txt".into(), format!("componentize-py=={COMPONENTIZE_PY}\n")));
            files.push(("wit/connector.wit".into(), CONTRACT_WIT.into()));
            files.push((".gitignore".into(), "/.venv\n/target\n__pycache__/\n/plugin.wasm\n*.dpkg\n".into()));
        }
    }
    let mut written = Vec::new();
    for (path, text) in files {
        let path = dir.join(path);
        let io = |source| ScaffoldError::Io { path: path.clone(), source };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&path, text).map_err(io)?;
        written.push(path);
    }
    Ok(written)
}

/// The example's manifest under the new plugin's id and name, published by
/// its author rather than by Deskpane.
fn manifest(example: &str, id: &str) -> String {
    example
        .lines()
        .map(|line| {
            if line.starts_with("id = ") {
                format!("id = \"{id}\"")
            } else if line.starts_with("name = ") {
                format!("name = \"{}\"", title(id))
            } else if line.starts_with("publisher = ") {
                "publisher = \"Your name or company\"".to_string()
            } else {
                line.replace("crates/conformance/README.md", "SAMPLE-CRM.md")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// `acme-crm` -> `Acme Crm`.
fn title(id: &str) -> String {
    id.split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn rust_cargo_toml(id: &str) -> String {
    format!(
        r#"[package]
name = "{id}"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]

[dependencies]
# The plugin SDK for this host's contract, with the contract's WIT inside it.
deskpane-plugin-sdk = {{ path = "deskpane-sdk" }}
serde_json = "1"

# Small and self-contained: a plugin is loaded into every sandbox instance.
[profile.release]
opt-level = "s"
lto = true
codegen-units = 1
panic = "abort"
strip = "debuginfo"

# A project of its own, not part of an enclosing workspace.
[workspace]
"#
    )
}

fn sdk_cargo_toml() -> String {
    format!(
        r#"[package]
name = "deskpane-plugin-sdk"
description = "Guest SDK for Deskpane connector plugins: bindings to the deskpane:connector contract and helpers"
version = "0.1.0"
edition = "2021"
license = "Apache-2.0"

[dependencies]
wit-bindgen = {{ version = "{WIT_BINDGEN}", default-features = false, features = ["macros", "realloc"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
dlmalloc = {{ version = "0.2", optional = true }}

[features]
# The SDK's global allocator (src/heap.rs); turn off to bring your own.
default = ["heap"]
heap = ["dep:dlmalloc"]
"#
    )
}

fn package_json(id: &str) -> String {
    format!(
        r#"{{
  "name": "{id}",
  "private": true,
  "description": "A Deskpane connector plugin in JavaScript; `deskpane plugin build` builds it",
  "type": "module",
  "engines": {{ "node": ">=20" }},
  "devDependencies": {{
    "@bytecodealliance/componentize-js": "{COMPONENTIZE_JS}"
  }}
}}
"#
    )
}

fn readme(id: &str, language: Language) -> String {
    let source = match language {
        Language::Rust => "`src/lib.rs`",
        Language::JavaScript => "`plugin.js`",
        Language::Python => "`app.py`",
    };
    let toolchain = match language {
        Language::Rust => {
            "Rust with the `wasm32-unknown-unknown` target (`rustup target add wasm32-unknown-unknown`), \
             or on Debian `apt install rustc-web cargo-web rust-web-src lld-22`"
        }
        Language::JavaScript => "Node.js 20 or newer with npm (`deskpane plugin build` runs `npm install` the first time)",
        Language::Python => "Python 3.9 or newer (`deskpane plugin build` makes `.venv` with componentize-py the first time)",
    };
    format!(
        r#"# {title}

A Deskpane connector plugin in {language}. It starts as a working connector for the
Sample CRM (its API: `SAMPLE-CRM.md`): change {source} and `plugin.toml` to speak to your
CRM. The whole guide: docs/plugin-authors.md in the Deskpane repository.

Needs: {toolchain}.

```sh
deskpane plugin build .          # -> plugin.wasm beside plugin.toml
deskpane plugin test .           # the conformance kit against the Sample CRM
deskpane plugin test . --base-url https://your.crm.example --credential sample-crm=TOKEN
deskpane plugin call . lookup-requester '{{"email":"ada@example.com"}}' \
  --config api-url=https://your.crm.example --credential sample-crm=TOKEN
deskpane plugin keygen --out ~/.deskpane/publisher.key   # once; give the public key to admins
deskpane plugin pack . --key ~/.deskpane/publisher.key   # -> {id}-0.1.0.dpkg, signed
```

An admin installs the `.dpkg` in the admin console (Integrations > Install plugin), after
adding your public key under Trusted publishers.
"#,
        title = title(id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("deskpane-scaffold-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn every_sdk_source_is_vendored() {
        let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins/sdk/src");
        let mut on_disk: Vec<String> =
            std::fs::read_dir(sdk).unwrap().map(|e| format!("src/{}", e.unwrap().file_name().to_string_lossy())).collect();
        on_disk.sort();
        let mut vendored: Vec<String> = SDK_SOURCES.iter().map(|(p, _)| p.to_string()).collect();
        vendored.sort();
        assert_eq!(vendored, on_disk, "add the SDK's new file to SDK_SOURCES");
    }

    #[test]
    fn a_project_gets_its_id_its_own_manifest_and_the_contract() {
        for language in Language::ALL {
            let dir = scratch(language.flag());
            let files = new_project(&dir, "acme-crm", language).unwrap();
            let manifest = std::fs::read_to_string(dir.join("plugin.toml")).unwrap();
            let parsed = deskpane_manifest::manifest::Manifest::parse(&manifest, "plugin.toml").unwrap();
            assert_eq!((parsed.id.as_str(), parsed.name.as_str()), ("acme-crm", "Acme Crm"));
            assert_eq!(parsed.publisher, "Your name or company");
            assert!(files.iter().any(|f| f.ends_with("connector.wit")), "{language} project vendors the WIT");
            assert!(!std::fs::read_to_string(dir.join("README.md")).unwrap().contains("crates/conformance"));
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn a_bad_id_or_a_folder_in_use_is_refused() {
        let dir = scratch("used");
        assert!(matches!(new_project(&dir, "Acme CRM", Language::Rust), Err(ScaffoldError::InvalidId(_))));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("keep.txt"), "mine").unwrap();
        assert!(matches!(new_project(&dir, "acme", Language::Rust), Err(ScaffoldError::NotEmpty(_))));
        assert_eq!(std::fs::read_to_string(dir.join("keep.txt")).unwrap(), "mine");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
