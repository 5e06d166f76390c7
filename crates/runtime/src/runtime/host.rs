//! The host side of one plugin call: the per-call store state and the
//! contract's imports (HTTP, log, config) implemented over it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::ResourceLimiter;

use crate::contract::{HttpError, HttpRequest, HttpResponse, LogLevel};
use crate::outbound::Outbound;

/// Longest log line kept from a plugin, and how many lines one call may log.
pub(crate) const MAX_LOG_LINE: usize = 4096;
pub(crate) const MAX_LOG_LINES: u32 = 1000;

/// What every call of one plugin shares.
pub(crate) struct PluginShared {
    pub id: String,
    pub outbound: Outbound,
    pub config: BTreeMap<String, String>,
}

/// The data of one call's `Store`: created fresh for each call, dropped
/// with it, so nothing leaks from one call into the next.
pub(crate) struct HostState {
    pub shared: Arc<PluginShared>,
    pub memory: MemoryCap,
    started: Instant,
    host_time: Duration,
    /// The message of a panic the guest reported through `report-panic`,
    /// if no other host call came after it.
    pub panic_message: Option<String>,
    /// Credentials the call used, refreshed if the plugin reports
    /// `auth-expired`.
    pub credentials_used: BTreeSet<String>,
    log_lines: u32,
    /// WASI, built on the call's first use of it (runtime::wasi).
    wasi: Option<super::wasi::CallWasi>,
}

impl wasmtime_wasi::WasiView for HostState {
    fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
        let plugin = &self.shared.id;
        let wasi = self.wasi.get_or_insert_with(|| super::wasi::CallWasi::new(plugin));
        wasmtime_wasi::WasiCtxView { ctx: &mut wasi.ctx, table: &mut wasi.table }
    }
}

impl HostState {
    pub fn new(shared: Arc<PluginShared>, memory_cap: u64) -> Self {
        HostState {
            shared,
            memory: MemoryCap { cap: usize::try_from(memory_cap).unwrap_or(usize::MAX), hit: false, grew: false },
            started: Instant::now(),
            host_time: Duration::ZERO,
            panic_message: None,
            credentials_used: BTreeSet::new(),
            log_lines: 0,
            wasi: None,
        }
    }

    /// The last lines the call wrote to stderr through WASI, if any.
    pub fn stderr_tail(&self) -> Option<String> {
        self.wasi.as_ref().and_then(|w| w.stdio.stderr_tail())
    }

    /// Time spent running guest code: wall time less time in host calls.
    pub fn guest_time(&self) -> Duration {
        self.started.elapsed().saturating_sub(self.host_time)
    }
}

/// Refuses memory growth past the plugin's cap and remembers that it did,
/// so the resulting trap is reported as the memory cap, not a crash.
pub(crate) struct MemoryCap {
    cap: usize,
    pub hit: bool,
    /// Whether the guest grew a memory past its initial size (instantiation
    /// asks from zero): such a call costs its slot's reset a page-protection
    /// change, the larger part of a small call (docs/plugin-authors.md).
    pub grew: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.grew |= current > 0;
        if desired > self.cap {
            self.hit = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// The contract's imports, in the host's own types; each contract
/// version's bindings (`bindings::v*`) delegate here.
impl HostState {
    pub async fn http_send(&mut self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        self.panic_message = None;
        if let Some(cred) = &request.credential {
            self.credentials_used.insert(cred.clone());
        }
        let began = Instant::now();
        let result = self.shared.outbound.send(request).await;
        self.host_time += began.elapsed();
        if let Err(e) = &result {
            tracing::debug!(plugin = %self.shared.id, "outbound request failed: {}", e.message());
        }
        result
    }

    pub fn http_api_base(&mut self, credential: &str) -> Option<String> {
        self.panic_message = None;
        self.shared.outbound.api_base(credential)
    }

    pub fn log_line(&mut self, level: LogLevel, message: String) {
        // A panic is what the runtime sees (report-panic, then an abort
        // trap), never what a log line says.
        self.panic_message = None;
        self.log_lines += 1;
        if self.log_lines > MAX_LOG_LINES {
            return;
        }
        let message = clipped(message);
        let plugin = &self.shared.id;
        match level {
            LogLevel::Trace => tracing::trace!(plugin = %plugin, "{message}"),
            LogLevel::Debug => tracing::debug!(plugin = %plugin, "{message}"),
            LogLevel::Info => tracing::info!(plugin = %plugin, "{message}"),
            LogLevel::Warn => tracing::warn!(plugin = %plugin, "{message}"),
            LogLevel::Error => tracing::error!(plugin = %plugin, "{message}"),
        }
    }

    pub fn report_panic(&mut self, message: String) {
        let message = clipped(message);
        self.log_lines += 1;
        if self.log_lines <= MAX_LOG_LINES {
            tracing::error!(plugin = %self.shared.id, "panicked at {message}");
        }
        self.panic_message = Some(message);
    }

    pub fn config_get(&mut self, key: &str) -> Option<String> {
        self.panic_message = None;
        self.shared.config.get(key).cloned()
    }
}

/// A plugin's text cut to a length the log keeps.
pub(crate) fn clipped(mut message: String) -> String {
    if message.len() > MAX_LOG_LINE {
        let mut cut = MAX_LOG_LINE;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push_str(" [truncated]");
    }
    message
}
