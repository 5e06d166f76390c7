//! Deskpane: a WebAssembly plugin host for help-desk CRM sidebars.
//!
//! - [`contract`]: Rust types of the `deskpane:connector` WIT contract.
//! - [`manifest`], [`package`]: a plugin's `plugin.toml` and files on disk.
//! - [`policy`]: pure sandbox decisions (allow-list, limits).
//! - [`runtime`]: wasmtime, pooling, deadlines, memory caps, concurrency.
//! - [`outbound`]: plugins' HTTP, checked and credentialed by the host.
//! - [`credentials`]: where credential secrets come from.

pub mod contract;
pub mod credentials;
pub mod manifest;
pub mod outbound;
pub mod package;
pub mod policy;
pub mod runtime;

pub use runtime::{CallError, CallErrorKind, LoadError, Plugin, PluginSettings, Runtime, RuntimeConfig};
