//! Running Deskpane connector plugins:
//!
//! - [`contract`]: the connector contract's data as the host owns it.
//! - [`runtime`]: wasmtime with the pooling allocator, a fresh store per
//!   call, CPU deadline, call timeout, memory cap, concurrency cap; one
//!   bindings module per contract version (`runtime::bindings`).
//! - [`outbound`]: plugins' HTTP, checked against the allow-list before and
//!   after DNS, credentialed by the host.
//! - [`credentials`]: where credential secrets come from; OAuth refresh.
//!
//! The decisions (allow-list, limits, retries) come from `deskpane-manifest`.

pub mod contract;
pub mod credentials;
pub mod outbound;
pub mod runtime;
mod telemetry;

pub use deskpane_manifest::{manifest, package, policy};
pub use runtime::{work_begun, CallError, CallErrorKind, Health, LoadError, Plugin, PluginSettings, Runtime, RuntimeConfig};
