//! What a plugin author's `deskpane plugin new` and `deskpane plugin build`
//! do, kept apart from the runtime (no wasmtime here, so the repository's
//! own plugin build does not wait for it):
//!
//! - [`scaffold`]: a new connector project outside this repository, in
//!   Rust, JavaScript or Python, from the examples in `plugins/examples/`,
//!   with the contract's WIT (and for Rust the SDK) inside it.
//! - [`build`]: builds such a project into `plugin.wasm` beside its
//!   `plugin.toml`, with the language's own toolchain.
//! - [`componentize`]: wraps a core module built with wit-bindgen into a
//!   component.

pub mod build;
pub mod componentize;
pub mod scaffold;

use std::fmt;

/// A language a plugin project is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Rust,
    JavaScript,
    Python,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Rust, Language::JavaScript, Language::Python];

    /// The name used on the command line: `rust`, `js`, `python`.
    pub fn flag(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::JavaScript => "js",
            Language::Python => "python",
        }
    }

    pub fn parse(text: &str) -> Option<Language> {
        match text.to_ascii_lowercase().as_str() {
            "rust" | "rs" => Some(Language::Rust),
            "js" | "javascript" => Some(Language::JavaScript),
            "python" | "py" => Some(Language::Python),
            _ => None,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Language::Rust => "Rust",
            Language::JavaScript => "JavaScript",
            Language::Python => "Python",
        })
    }
}

/// The contract version new projects target: the newest this host runs.
pub const CONTRACT: &str = "0.4.0";

/// The contract's WIT, as a project vendors it.
pub const CONTRACT_WIT: &str = include_str!("../../../wit/v0.4.0/connector.wit");
