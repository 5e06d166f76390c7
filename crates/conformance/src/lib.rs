//! Deskpane's conformance kit: what `deskpane plugin test` runs. See
//! `README.md` beside this crate for the Sample CRM's API and the checks.
//!
//! - [`sample_crm`]: the Sample CRM on loopback, with the kit's scenario data.
//! - [`proxy`]: a fault-injecting proxy in front of the CRM; the plugin only
//!   ever talks to it.
//! - [`checks`]: [`run`] loads a plugin in the real sandbox and reports,
//!   check by check, what is right and what is wrong ([`Report`]).

pub mod checks;
pub mod proxy;
mod report;
pub mod sample_crm;
mod serve;

pub use checks::{run, url_key, CheckResult, Options, Outcome, Report, SetupError, Target, CHECKS};
