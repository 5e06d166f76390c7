//! What the runtime reports about plugin calls and their CRM requests, as
//! metrics (the `metrics` facade: the host installs a Prometheus recorder
//! and serves `/metrics`; without one these are no-ops) and tracing spans.
//! Every metric name is written here once; docs/operations.md lists them.

use std::time::Duration;

use crate::contract::ConnectorError;
use crate::runtime::CallErrorKind;

/// A finished plugin call: counted by outcome, timed.
pub(crate) fn plugin_call(plugin: &str, function: &'static str, outcome: &'static str, took: Duration) {
    let labels = [("plugin", plugin.to_string()), ("function", function.to_string())];
    metrics::counter!("deskpane_plugin_calls_total", &[&labels[..], &[("outcome", outcome.to_string())]].concat()).increment(1);
    metrics::histogram!("deskpane_plugin_call_seconds", &labels).record(took.as_secs_f64());
}

/// How long a call waited for one of the plugin's concurrency slots.
pub(crate) fn queue_wait(plugin: &str, waited: Duration) {
    metrics::histogram!("deskpane_plugin_queue_wait_seconds", "plugin" => plugin.to_string()).record(waited.as_secs_f64());
}

/// Counts an instance in use from creation to drop.
pub(crate) struct InUse(String);

impl InUse {
    pub(crate) fn new(plugin: &str) -> InUse {
        metrics::gauge!("deskpane_plugin_instances_in_use", "plugin" => plugin.to_string()).increment(1.0);
        InUse(plugin.to_string())
    }
}

impl Drop for InUse {
    fn drop(&mut self) {
        metrics::gauge!("deskpane_plugin_instances_in_use", "plugin" => self.0.clone()).decrement(1.0);
    }
}

/// A request a plugin made to its CRM: counted by status class (or the
/// transport failure), timed, and logged at debug level inside the call's span.
pub(crate) fn crm_request(plugin: &str, method: &str, host: &str, outcome: &'static str, took: Duration) {
    metrics::counter!("deskpane_crm_requests_total", "plugin" => plugin.to_string(), "outcome" => outcome).increment(1);
    metrics::histogram!("deskpane_crm_request_seconds", "plugin" => plugin.to_string()).record(took.as_secs_f64());
    tracing::debug!(plugin, method, host, outcome, ms = took.as_millis() as u64, "crm request");
}

/// `2xx`, `4xx`, ... for a status.
pub(crate) fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The outcome label of a call: `ok`, or the failure's kind.
pub(crate) fn outcome<T>(result: &Result<T, crate::CallError>) -> &'static str {
    let Err(e) = result else { return "ok" };
    match &e.kind {
        CallErrorKind::Connector(c) => match c {
            ConnectorError::Duplicate(_) => "duplicate",
            ConnectorError::MandatoryMissing(_) => "mandatory-missing",
            ConnectorError::TypeMismatch(_) => "type-mismatch",
            ConnectorError::AlreadyMapped(_) => "already-mapped",
            ConnectorError::NotFound(_) => "not-found",
            ConnectorError::RateLimited(_) => "rate-limited",
            ConnectorError::AuthExpired => "auth-expired",
            ConnectorError::Transient(_) => "transient",
            ConnectorError::Permanent(_) => "permanent",
            ConnectorError::Unsupported(_) => "unsupported",
        },
        CallErrorKind::CpuDeadline(_) => "cpu-deadline",
        CallErrorKind::Timeout(_) => "timeout",
        CallErrorKind::MemoryLimit(_) => "memory-limit",
        CallErrorKind::Panicked(_) => "panicked",
        CallErrorKind::Trapped(_) => "trapped",
        CallErrorKind::Busy(..) => "busy",
        CallErrorKind::Instantiate(_) => "instantiate",
    }
}
