//! Deskpane: a WebAssembly plugin host for help-desk CRM sidebars.
//!
//! - [`contract`]: Rust types of the `deskpane:connector` WIT contract.
//! - [`manifest`], [`package`]: a plugin's `plugin.toml` and files on disk.
//! - [`policy`]: pure sandbox decisions (allow-list, limits).
//! - [`runtime`]: wasmtime, pooling, deadlines, memory caps, concurrency.
//! - [`outbound`]: plugins' HTTP, checked and credentialed by the host.
//! - [`credentials`]: where credential secrets come from.
//! - [`desk`]: the desk's tickets, contacts, accounts, products (sled).
//! - [`auth`], [`permissions`]: agents, profiles, sessions; panel permissions.
//! - [`registry`]: installed plugins, their settings and CRM connections.
//! - [`panels`]: the CRM panels beside a ticket, with a cache.
//! - [`server`]: the web server (pages and JSON API).

pub mod auth;
pub mod contract;
pub mod credentials;
pub mod demo;
pub mod desk;
pub mod manifest;
pub mod outbound;
pub mod package;
pub mod panels;
pub mod permissions;
pub mod policy;
pub mod registry;
pub mod runtime;
pub mod secrets;
pub mod server;
pub mod sync;

pub use runtime::{CallError, CallErrorKind, LoadError, Plugin, PluginSettings, Runtime, RuntimeConfig};
