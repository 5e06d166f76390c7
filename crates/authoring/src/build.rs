//! `deskpane plugin build`: a project into `plugin.wasm` beside its
//! `plugin.toml`, with its language's toolchain:
//!
//! - Rust: cargo for `wasm32-unknown-unknown` (rustup's target, or Debian's
//!   rustc-web with `-Zbuild-std` where rustup has no wasm target), then
//!   [`componentize`](crate::componentize) in this process.
//! - JavaScript: componentize-js from the project's `node_modules`
//!   (`npm install` first when it is missing).
//! - Python: componentize-py from the project's `.venv` (made with
//!   `requirements.txt` when missing), run on a copy of the sources so the
//!   component holds no virtualenv, caches or build output.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Language;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(
        "{0} holds no plugin project: no Cargo.toml, plugin.js or app.py beside a plugin.toml. Start one with `deskpane plugin new NAME`"
    )]
    NotAProject(PathBuf),
    #[error("{0}")]
    Manifest(String),
    #[error("{tool} is needed to build a {language} plugin and was not found. {hint}")]
    ToolMissing { tool: &'static str, language: Language, hint: &'static str },
    #[error("`{command}` failed ({status}); its output is above")]
    Failed { command: String, status: String },
    #[error("cannot run `{command}`: {source}")]
    Spawn { command: String, source: std::io::Error },
    #[error("the build made no {0}")]
    NoOutput(PathBuf),
    #[error(transparent)]
    Componentize(#[from] crate::componentize::ComponentizeError),
    #[error("cannot read or write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// The language of the project in `dir`, from the files it holds.
pub fn detect(dir: &Path) -> Result<Language, BuildError> {
    let found = |name: &str| dir.join(name).is_file();
    if !found(deskpane_manifest::package::MANIFEST_FILE) {
        return Err(BuildError::NotAProject(dir.to_path_buf()));
    }
    if found("Cargo.toml") {
        Ok(Language::Rust)
    } else if found("plugin.js") {
        Ok(Language::JavaScript)
    } else if found("app.py") {
        Ok(Language::Python)
    } else {
        Err(BuildError::NotAProject(dir.to_path_buf()))
    }
}

/// Builds the project in `dir`; `progress` hears each step. Returns the
/// component's path (the one its manifest names, beside `plugin.toml`).
pub fn build(dir: &Path, progress: &mut dyn FnMut(&str)) -> Result<PathBuf, BuildError> {
    let language = detect(dir)?;
    let manifest_path = dir.join(deskpane_manifest::package::MANIFEST_FILE);
    let text = std::fs::read_to_string(&manifest_path).map_err(|source| BuildError::Io { path: manifest_path.clone(), source })?;
    let manifest = deskpane_manifest::manifest::Manifest::parse(&text, &manifest_path.display().to_string())
        .map_err(|e| BuildError::Manifest(e.to_string()))?;
    let wit = if language == Language::Rust { PathBuf::new() } else { dir.join("wit") };
    if language != Language::Rust && !wit.is_dir() {
        return Err(BuildError::Manifest(format!(
            "{} has no wit/ folder with the contract; `deskpane plugin new` writes one",
            dir.display()
        )));
    }
    let out = dir.join(&manifest.component);
    let part = dir.join(format!("{}.part", manifest.component));
    progress(&format!("building {} {} ({language})", manifest.id, manifest.version));
    match language {
        Language::Rust => {
            let core = cargo_build(dir, progress)?;
            progress("turning the module into a component");
            let bytes = std::fs::read(&core).map_err(|source| BuildError::Io { path: core.clone(), source })?;
            let component = crate::componentize::componentize(&bytes)?;
            std::fs::write(&part, component).map_err(|source| BuildError::Io { path: part.clone(), source })?;
        }
        Language::JavaScript => {
            let tool = dir.join("node_modules/.bin/componentize-js");
            if !tool.exists() {
                progress("installing componentize-js (npm install)");
                run(Command::new(which("npm", language, "Install Node.js 20 or newer with npm")?)
                    .args(["install", "--no-audit", "--no-fund"])
                    .current_dir(dir))?;
            }
            progress("componentize-js");
            // fetch() and its wasi:http imports left out: a plugin reaches the
            // network only through the contract's `http` import.
            run(Command::new(&tool)
                .arg("plugin.js")
                .arg("--wit")
                .arg("wit")
                .args(["--world-name", "connector", "--disable", "http", "fetch-event", "--out"])
                .arg(&part)
                .current_dir(dir))?;
        }
        Language::Python => {
            let venv = dir.join(".venv");
            let tool = venv.join("bin/componentize-py");
            if !tool.exists() {
                progress("making .venv with componentize-py (python3 -m venv, pip install -r requirements.txt)");
                let python = which("python3", language, "Install Python 3.9 or newer with its venv module")?;
                run(Command::new(python).args(["-m", "venv"]).arg(&venv))?;
                run(Command::new(venv.join("bin/pip")).args(["install", "--quiet", "-r", "requirements.txt"]).current_dir(dir))?;
            }
            let stage = dir.join("target/deskpane-build");
            copy_sources(dir, &stage)?;
            progress("componentize-py");
            run(Command::new(&tool)
                .arg("--quiet")
                .arg("--wit-path")
                .arg(&wit)
                .args(["--world", "connector", "componentize", "--python-path"])
                .arg(&stage)
                .args(["app", "--output"])
                .arg(&part)
                .env("RUST_BACKTRACE", "0"))?;
        }
    }
    if !part.exists() {
        return Err(BuildError::NoOutput(part));
    }
    std::fs::rename(&part, &out).map_err(|source| BuildError::Io { path: out.clone(), source })?;
    Ok(out)
}

/// Runs cargo for wasm32 and returns the core module it made.
fn cargo_build(dir: &Path, progress: &mut dyn FnMut(&str)) -> Result<PathBuf, BuildError> {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| dir.join("target"));
    let target_dir = if target_dir.is_relative() { dir.join(target_dir) } else { target_dir };
    let mut cargo = match toolchain() {
        Some(Toolchain::Rustup) => {
            progress("cargo build --release --target wasm32-unknown-unknown");
            let mut c = Command::new("cargo");
            c.args(["build", "--release", "--target", "wasm32-unknown-unknown"]);
            c
        }
        Some(Toolchain::DebianWeb) => {
            progress("cargo build --release --target wasm32-unknown-unknown -Zbuild-std (Debian's rustc-web)");
            let mut c = Command::new("/usr/bin/cargo");
            // The host toolchain's variables (set when this runs under cargo
            // or rustup) would pick another compiler.
            for var in ["RUSTUP_TOOLCHAIN", "CARGO", "RUSTC_WRAPPER", "RUSTUP_HOME_OVERRIDE"] {
                c.env_remove(var);
            }
            c.env("RUSTC", "/usr/bin/rustc").env("RUSTC_BOOTSTRAP", "1");
            c.args(["build", "--release", "--target", "wasm32-unknown-unknown", "-Zbuild-std=std,panic_abort"]);
            c
        }
        None => {
            return Err(BuildError::ToolMissing {
                tool: "A Rust compiler for wasm32-unknown-unknown",
                language: Language::Rust,
                hint: "Run `rustup target add wasm32-unknown-unknown`, or on Debian `apt install rustc-web cargo-web rust-web-src lld-22`",
            })
        }
    };
    run(cargo.arg("--target-dir").arg(&target_dir).current_dir(dir))?;
    let name = crate_name(dir)?;
    let core = target_dir.join("wasm32-unknown-unknown/release").join(format!("{}.wasm", name.replace('-', "_")));
    if core.exists() {
        Ok(core)
    } else {
        Err(BuildError::NoOutput(core))
    }
}

enum Toolchain {
    /// rustup's toolchain with the wasm32 target's standard library.
    Rustup,
    /// Debian's rustc-web and rust-web-src: std built from source.
    DebianWeb,
}

fn toolchain() -> Option<Toolchain> {
    let libdir = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", "wasm32-unknown-unknown"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if libdir.is_some_and(|d| d.is_dir()) {
        return Some(Toolchain::Rustup);
    }
    let debian = Path::new("/usr/bin/rustc").exists() && Path::new("/usr/lib/rustlib/src/rust/library").is_dir();
    debian.then_some(Toolchain::DebianWeb)
}

/// The package name in `Cargo.toml` (the library's file is named after it).
fn crate_name(dir: &Path) -> Result<String, BuildError> {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|source| BuildError::Io { path: path.clone(), source })?;
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if let Some(value) = line.strip_prefix("name").map(str::trim_start).and_then(|l| l.strip_prefix('=')) {
            if in_package {
                return Ok(value.trim().trim_matches('"').to_string());
            }
        }
    }
    Err(BuildError::Manifest(format!("{} names no [package] name", path.display())))
}

/// The project's own files, without what tools put beside them.
fn copy_sources(from: &Path, to: &Path) -> Result<(), BuildError> {
    const SKIP: &[&str] = &[".venv", "target", "node_modules", "__pycache__", ".git", "wit"];
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BuildError::Io { path, source }
    };
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let name = entry.file_name();
        let name_text = name.to_string_lossy();
        if SKIP.contains(&name_text.as_ref())
            || name_text.ends_with(".wasm")
            || name_text.ends_with(".part")
            || name_text.ends_with(".dpkg")
        {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_sources(&path, &to.join(&name))?;
        } else {
            std::fs::copy(&path, to.join(&name)).map_err(io(&path))?;
        }
    }
    Ok(())
}

fn which(tool: &'static str, language: Language, hint: &'static str) -> Result<PathBuf, BuildError> {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(tool)).find(|p| p.is_file()))
        .ok_or(BuildError::ToolMissing { tool, language, hint })
}

fn run(command: &mut Command) -> Result<(), BuildError> {
    let shown = format!("{command:?}").replace('"', "");
    let status = command.status().map_err(|source| BuildError::Spawn { command: shown.clone(), source })?;
    if status.success() {
        Ok(())
    } else {
        Err(BuildError::Failed { command: shown, status: status.to_string() })
    }
}
