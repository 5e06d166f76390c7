//! What a Deskpane plugin is and what it may do, decided without running it:
//!
//! - [`manifest`]: `plugin.toml`, parsed and checked with line/column errors;
//!   the contract versions a host runs.
//! - [`package`]: a plugin folder on disk (manifest + component bytes).
//! - [`signed`]: signed single-file packages (`.dpkg`): pack, open, verify;
//!   publisher keys.
//! - [`policy`]: pure decisions the runtime and server enforce: outbound
//!   allow-list, resource limits, retries, sign-in throttling.
//!
//! No wasmtime and no store: an SDK, a plugin's CI or a registry can check a
//! package with this crate alone.

pub mod manifest;
pub mod package;
pub mod policy;
pub mod signed;
