//! What the runtime reports about plugin calls and their CRM requests, as
//! metrics (the `metrics` facade: the host installs a Prometheus recorder
//! and serves `/metrics`; without one these are no-ops) and tracing spans.
//! Every metric name is written here once; docs/operations.md lists them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use metrics::{Counter, Gauge, Histogram};

use crate::contract::ConnectorError;
use crate::runtime::CallErrorKind;

/// One plugin's metric handles, registered once and reused: a plugin call
/// costs a few microseconds, and building label strings and looking the
/// series up in the recorder at every call was a visible part of that.
pub(crate) struct PluginMetrics {
    plugin: String,
    queue_wait: Histogram,
    in_use: Gauge,
    /// By function: the latency histogram, and the call counter by outcome.
    functions: Mutex<HashMap<&'static str, FunctionMetrics>>,
}

struct FunctionMetrics {
    seconds: Histogram,
    calls: HashMap<&'static str, Counter>,
    memory_grown: Counter,
}

impl PluginMetrics {
    pub(crate) fn new(plugin: &str) -> PluginMetrics {
        PluginMetrics {
            plugin: plugin.to_string(),
            queue_wait: metrics::histogram!("deskpane_plugin_queue_wait_seconds", "plugin" => plugin.to_string()),
            in_use: metrics::gauge!("deskpane_plugin_instances_in_use", "plugin" => plugin.to_string()),
            functions: Mutex::default(),
        }
    }

    /// The handles of one function, registered at its first call.
    fn function<R>(&self, function: &'static str, with: impl FnOnce(&mut FunctionMetrics) -> R) -> R {
        let mut functions = self.functions.lock().unwrap_or_else(|e| e.into_inner());
        let plugin = &self.plugin;
        with(functions.entry(function).or_insert_with(|| FunctionMetrics {
            seconds: metrics::histogram!("deskpane_plugin_call_seconds", "plugin" => plugin.clone(), "function" => function),
            calls: HashMap::new(),
            memory_grown: metrics::counter!("deskpane_plugin_memory_grown_total", "plugin" => plugin.clone(), "function" => function),
        }))
    }

    /// A finished plugin call: counted by outcome, timed.
    pub(crate) fn call(&self, function: &'static str, outcome: &'static str, took: Duration) {
        let plugin = &self.plugin;
        self.function(function, |f| {
            f.seconds.record(took.as_secs_f64());
            f.calls
                .entry(outcome)
                .or_insert_with(|| {
                    metrics::counter!("deskpane_plugin_calls_total", "plugin" => plugin.clone(), "function" => function, "outcome" => outcome)
                })
                .increment(1);
        });
    }

    /// A call that grew its linear memory past the initial size.
    pub(crate) fn memory_grown(&self, function: &'static str) {
        self.function(function, |f| f.memory_grown.increment(1));
    }

    /// How long a call waited for one of the plugin's concurrency slots.
    pub(crate) fn queue_wait(&self, waited: Duration) {
        self.queue_wait.record(waited.as_secs_f64());
    }

    /// Counts an instance in use until the guard drops.
    pub(crate) fn in_use(&self) -> InUse<'_> {
        self.in_use.increment(1.0);
        InUse(&self.in_use)
    }
}

/// An instance in use, from creation to drop.
pub(crate) struct InUse<'a>(&'a Gauge);

impl Drop for InUse<'_> {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// One plugin's CRM request metrics, registered once and reused like
/// [`PluginMetrics`]: every request of every call passes here.
pub(crate) struct CrmMetrics {
    plugin: String,
    seconds: Histogram,
    /// By outcome.
    requests: Mutex<HashMap<&'static str, Counter>>,
}

impl CrmMetrics {
    pub(crate) fn new(plugin: &str) -> CrmMetrics {
        CrmMetrics {
            plugin: plugin.to_string(),
            seconds: metrics::histogram!("deskpane_crm_request_seconds", "plugin" => plugin.to_string()),
            requests: Mutex::default(),
        }
    }

    /// A request a plugin made to its CRM: counted by status class (or the
    /// transport failure), timed, and logged at debug level inside the
    /// call's span with its method and host (`described`, made only when
    /// that level is on).
    pub(crate) fn request(&self, outcome: &'static str, took: Duration, described: Option<(String, String)>) {
        let plugin = &self.plugin;
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(outcome)
            .or_insert_with(|| metrics::counter!("deskpane_crm_requests_total", "plugin" => plugin.clone(), "outcome" => outcome))
            .increment(1);
        self.seconds.record(took.as_secs_f64());
        if let Some((method, host)) = described {
            tracing::debug!(plugin = %plugin, method, host, outcome, ms = took.as_millis() as u64, "crm request");
        }
    }
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
