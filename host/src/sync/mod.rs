//! Field-mapped sync between the desk and a CRM, driven through a plugin's
//! change feed, upsert and delete; no CRM-specific code.
//!
//! - [`settings`]: what the admin chooses (pure data).
//! - [`mapping`]: field mappings and type checks (pure).
//! - [`conflict`]: per-field conflict resolution (pure).
//! - [`store`]: mapping, fingerprints, cursors, history, failures.
//! - [`engine`]: a run: import the CRM's changes, export the desk's.
//! - [`manager`]: runs the engines when something changed, and by polling.

pub mod catalog;
pub mod conflict;
pub mod engine;
pub mod manager;
pub mod mapping;
pub mod settings;
pub mod store;

pub use conflict::Direction;
pub use engine::{FollowUp, Progress, RunReport, SyncEngine, SyncError};
pub use manager::{SyncManager, SYNC_RUNNING, SYNC_WANTED};
pub use settings::{ModuleSettings, OnCrmDelete, OnDeskDelete, SyncModule, SyncSettings};
pub use store::{Flow, HistoryEntry, RunMark, SyncStore};
