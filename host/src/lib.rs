//! Deskpane: a WebAssembly plugin host for help-desk CRM sidebars. This
//! crate is the desk around the plugins; running them is
//! `deskpane-runtime`, and what they may do is `deskpane-manifest`
//! (both re-exported here under their module names).
//!
//! - [`desk`]: the desk's tickets, contacts, accounts, products.
//! - [`auth`], [`permissions`]: agents, profiles, sessions; panel permissions.
//! - [`secrets`]: sealing secrets at rest.
//! - [`registry`]: installed plugins, their settings and CRM connections;
//!   trusted publishers and the signature policy.
//! - [`packaging`]: `plugin keygen` and `plugin pack` (signed `.dpkg` files).
//! - [`panels`]: the CRM panels beside a ticket, with a cache.
//! - [`plugin_watch`]: hot reload of plugins replaced in their folder.
//! - [`sync`]: field-mapped sync with the CRMs.
//! - [`server`]: the web server (pages and JSON API).
//! - [`demo`]: the demo's setup.

pub mod auth;
pub mod clock;
pub mod concepts;
pub mod config_file;
pub mod demo;
pub mod desk;
pub mod packaging;
pub mod panels;
pub mod permissions;
pub mod plugin_watch;
pub mod recording;
pub mod registry;
pub mod replicas;
pub mod secrets;
pub mod server;
pub mod sync;
pub mod telemetry;

pub use deskpane_manifest::{manifest, package, policy, signed};
pub use deskpane_runtime::{contract, credentials, outbound, runtime};
pub use deskpane_runtime::{CallError, CallErrorKind, Health, LoadError, Plugin, PluginSettings, Runtime, RuntimeConfig};

/// The allocator the `deskpane` binary runs with; benchmarks that embed
/// the desk declare it too, so they measure what runs. glibc's malloc cost
/// the desk ~30% of its CPU serving panels: the allocation itself and
/// threads waiting on its arena locks (issue 15, perf).
pub use mimalloc::MiMalloc as DeskAllocator;
