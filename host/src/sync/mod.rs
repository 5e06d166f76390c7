//! Field-mapped sync between the desk and a CRM, driven through a plugin's
//! change feed, upsert and delete (issue: sync engine).
//!
//! This module holds the pure rules so far: field mappings and type checks
//! ([`mapping`]) and per-field conflict resolution ([`conflict`]). The
//! engine that runs them against the desk's change log and the plugin's
//! change feed comes next.

pub mod conflict;
pub mod mapping;
