//! The plugin runtime: wasmtime's component model with the pooling
//! allocator, one `InstancePre` per plugin and a fresh `Store` per call.
//!
//! Every call is bounded four ways: a CPU deadline (epoch interruption that
//! traps once the guest has run its budget, host calls not counted), a
//! wall-clock timeout around the whole call (host calls counted), a memory
//! cap, and a cap on instances running at once (further calls wait their
//! turn, oldest work first: `slots`). Whatever the plugin does, the caller
//! gets a typed [`CallError`] and the host keeps serving.

pub(crate) mod bindings;
pub(crate) mod host;
mod slots;
pub(crate) mod wasi;

pub use slots::work_begun;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, Trap, UpdateDeadline};

use crate::contract::{
    ActionKind, ActionRequest, Activity, ActivityKind, ChangePage, ConnectorError, CrmRecord, FeedQuery, Field, FieldMeta, File, ListView,
    Module, Note, Notification, Notified, Potential, Profile, RecordRef, Requester, Written,
};
use crate::credentials::CredentialSource;
use crate::manifest::{served_contract, ConfigType, Manifest, CONTRACT_VERSIONS};
use crate::outbound::{DnsOverrides, Outbound};
use crate::package::PluginPackage;
use crate::policy::{AllowList, LimitRequest, Limits, PatternError};
use bindings::convert::Lift;
use bindings::Bound;
use host::{HostState, PluginShared};

/// How the runtime as a whole is sized.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Plugin instances alive at once across all plugins (pool slots).
    pub max_instances: u32,
    /// The most any plugin is granted.
    pub ceiling: Limits,
    /// Epoch tick: the granularity of CPU deadlines.
    pub epoch_tick: Duration,
    /// Fixed DNS answers (tests, demos); see [`DnsOverrides`].
    pub dns_overrides: DnsOverrides,
    /// Where compiled plugins are kept, keyed by the component's hash and
    /// this engine's settings, so a plugin compiles once, not at every
    /// start (a 15 MB JavaScript plugin takes seconds). `None`: compile
    /// every time. The folder must be the desk's own (private): what is in
    /// it is run as machine code.
    pub compiled_cache: Option<std::path::PathBuf>,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            max_instances: 64,
            ceiling: Limits::ceiling(),
            epoch_tick: Duration::from_millis(5),
            dns_overrides: DnsOverrides::new(),
            compiled_cache: None,
        }
    }
}

/// What an admin (or the CLI) sets for one installed plugin.
#[derive(Debug, Clone, Default)]
pub struct PluginSettings {
    /// Values for the manifest's config keys.
    pub config: BTreeMap<String, String>,
    /// Allowed hosts granted on top of the manifest's (e.g. an emulator).
    pub extra_hosts: Vec<String>,
    /// Limits above the defaults an admin approved (the manifest asks,
    /// the admin grants; see [`Limits::grant`]).
    pub approved_limits: LimitRequest,
    /// Calls at once an admin set (the CRM account's allowance), in place
    /// of the manifest's (see [`Limits::with_concurrency`]).
    pub concurrency: Option<u32>,
}

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path} is a core WebAssembly module, not a component. Turn it into one with `deskpane-componentize <core.wasm> <component.wasm>` (scripts/build-plugins.sh does this for you)")]
    CoreModule { path: String },
    #[error("{path} is not a valid WebAssembly component: {reason}")]
    InvalidComponent { path: String, reason: String },
    #[error("{path} does not implement deskpane:connector@{version}, the contract its manifest names: {reason}. Build it against wit/v{version}/connector.wit with the plugin SDK (docs/plugin-authors.md)")]
    Contract { path: String, version: String, reason: String },
    #[error("config `{key}` of plugin `{plugin}` is required but not set. Set it in the plugin's settings (CLI: --config {key}=VALUE)")]
    MissingConfig { plugin: String, key: String },
    #[error("config `{key}` is not declared in plugin `{plugin}`'s manifest; declared keys: {declared}")]
    UnknownConfig { plugin: String, key: String, declared: String },
    #[error("config `{key}` of plugin `{plugin}` must be {expected}, not `{value}`")]
    BadConfig { plugin: String, key: String, expected: &'static str, value: String },
    #[error(transparent)]
    AllowedHost(#[from] PatternError),
}

/// Why a call into a plugin failed.
#[derive(Debug, thiserror::Error)]
#[error("plugin `{plugin}` failed in `{function}`: {kind}")]
pub struct CallError {
    pub plugin: String,
    pub function: &'static str,
    pub kind: CallErrorKind,
}

#[derive(Debug, thiserror::Error)]
pub enum CallErrorKind {
    /// The plugin returned one of the contract's errors.
    #[error("{}", .0.message())]
    Connector(ConnectorError),
    #[error("it ran longer than its CPU budget of {0:?} and was stopped")]
    CpuDeadline(Duration),
    #[error("it did not finish within its {0:?} call timeout and was stopped")]
    Timeout(Duration),
    #[error("it tried to grow its memory past its cap of {} MiB and was stopped", .0 >> 20)]
    MemoryLimit(u64),
    #[error("it panicked: {0}")]
    Panicked(String),
    #[error("it crashed (trap: {0})")]
    Trapped(String),
    #[error("{0} calls were already running and no slot freed up within {1:?}; try again shortly")]
    Busy(u32, Duration),
    #[error("it could not be started: {0}")]
    Instantiate(String),
}

/// How a plugin's calls have gone since it was loaded: what an admin reads
/// as the integration's health.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Health {
    /// When a call last got an answer.
    pub last_success: Option<std::time::SystemTime>,
    /// When a call last failed for a reason of the integration (the CRM
    /// down or refusing the credential, the plugin crashing), and why.
    pub last_failure: Option<(std::time::SystemTime, String)>,
}

impl Health {
    /// Failing: the last call that ended failed.
    pub fn failing(&self) -> bool {
        match (&self.last_failure, self.last_success) {
            (Some((failed, _)), Some(ok)) => *failed > ok,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

impl CallError {
    /// Whether the failure is the integration's (the CRM unreachable or
    /// throttling, the credential refused, the plugin crashing or too slow),
    /// not an answer about one record (not found, duplicate, unsupported).
    pub fn is_integration_failure(&self) -> bool {
        match &self.kind {
            CallErrorKind::Connector(e) => matches!(
                e,
                ConnectorError::Transient(_) | ConnectorError::AuthExpired | ConnectorError::RateLimited(_) | ConnectorError::Permanent(_)
            ),
            _ => true,
        }
    }

    /// The contract error the plugin returned, if that is what failed.
    pub fn connector_error(&self) -> Option<&ConnectorError> {
        match &self.kind {
            CallErrorKind::Connector(e) => Some(e),
            _ => None,
        }
    }
}

/// The engine and the things all plugins share. Cheap to share behind an
/// `Arc`; dropping it stops its epoch ticker.
pub struct Runtime {
    engine: Engine,
    linker: Linker<HostState>,
    config: RuntimeConfig,
    ticker_stop: Arc<AtomicBool>,
}

impl Runtime {
    pub fn new(config: RuntimeConfig) -> wasmtime::Result<Self> {
        let n = config.max_instances.max(1);
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(n)
            // Interpreted plugins are many core instances: a componentize-py
            // component has 14 (its interpreter, libc, the WASI adapter...).
            .total_core_instances(n * 16)
            .total_memories(n)
            .total_tables(n * 8)
            .total_stacks(n)
            .max_memory_size(usize::try_from(config.ceiling.memory_bytes).unwrap_or(usize::MAX))
            // Reset a slot's memory and tables by zeroing what was used
            // rather than returning the pages to the kernel and faulting
            // them in again on the next call (issue 15's profile: most of a
            // call's cost was those page faults and TLB flushes). Memory
            // is still zeroed between calls: no data crosses instances.
            .linear_memory_keep_resident(1 << 20)
            .table_keep_resident(64 << 10)
            .pagemap_scan(wasmtime::Enabled::Auto);
        let mut wasm = Config::new();
        wasm.wasm_component_model(true).epoch_interruption(true).allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        if let Some(dir) = &config.compiled_cache {
            // wasmtime's cache takes absolute paths only; `--data data` is relative.
            let dir = std::path::absolute(dir).map_err(|e| wasmtime::format_err!("the compiled-plugin folder {}: {e}", dir.display()))?;
            let mut cache = wasmtime::CacheConfig::new();
            cache.with_directory(dir);
            wasm.cache(Some(wasmtime::Cache::new(cache)?));
        }
        let engine = Engine::new(&wasm)?;
        let mut linker = Linker::new(&engine);
        bindings::add_to_linker(&mut linker)?;
        wasi::add_to_linker(&mut linker)?;

        // The epoch ticker: the clock CPU deadlines are measured against.
        let ticker_stop = Arc::new(AtomicBool::new(false));
        let (stop, ticking, tick) = (ticker_stop.clone(), engine.clone(), config.epoch_tick);
        std::thread::Builder::new()
            .name("deskpane-epoch".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    ticking.increment_epoch();
                }
            })
            .map_err(|e| wasmtime::format_err!("cannot start the epoch ticker: {e}"))?;
        Ok(Runtime { engine, linker, config, ticker_stop })
    }

    /// Compiles a plugin's component and checks it against the contract,
    /// without settings: what `deskpane plugin check` runs.
    pub fn check(&self, package: &PluginPackage) -> Result<Limits, LoadError> {
        self.prepare(package)?;
        Ok(Limits::grant(&package.manifest.limits, &package.manifest.limits, &self.config.ceiling))
    }

    fn prepare(&self, package: &PluginPackage) -> Result<bindings::Pre, LoadError> {
        let path = package.component_path.display().to_string();
        let bytes = &package.component;
        if !bytes.starts_with(b"\0asm") {
            let reason = "the file does not start with the WebAssembly magic bytes".to_string();
            return Err(LoadError::InvalidComponent { path, reason });
        }
        if bytes.len() >= 8 && bytes[4..8] == [1, 0, 0, 0] {
            return Err(LoadError::CoreModule { path });
        }
        let contract = &package.manifest.contract;
        let served = served_contract(contract).ok_or_else(|| LoadError::Contract {
            path: path.clone(),
            version: contract.to_string(),
            reason: format!("this host runs contract versions {}", CONTRACT_VERSIONS.join(", ")),
        })?;
        let component = Component::new(&self.engine, bytes)
            .map_err(|e| LoadError::InvalidComponent { path: path.clone(), reason: format!("{e:#}") })?;
        if let Some(reason) = self.missing_imports(&component) {
            return Err(LoadError::Contract { path, version: served.to_string(), reason });
        }
        self.linker.instantiate_pre(&component).and_then(|pre| bindings::Pre::new(served, pre)).map_err(|e| LoadError::Contract {
            path,
            version: served.to_string(),
            reason: format!("{e:#}"),
        })
    }

    /// Every import of the component the host does not provide, in one
    /// sentence with what to do (the linker alone names only the first).
    /// The contract's own imports are left to the bindings, which say
    /// which version the component implements.
    fn missing_imports(&self, component: &Component) -> Option<String> {
        let missing: Vec<String> = component
            .component_type()
            .imports(&self.engine)
            .map(|(name, _)| name.to_string())
            .filter(|name| !name.starts_with("deskpane:connector/") && !wasi::provides(name))
            .collect();
        if missing.is_empty() {
            return None;
        }
        let mut hints: Vec<&str> = Vec::new();
        for hint in missing.iter().filter_map(|m| wasi::hint(m)) {
            if !hints.contains(&hint) {
                hints.push(hint);
            }
        }
        let mut reason = format!("the component imports what this host does not provide: {}", missing.join(", "));
        for hint in hints {
            reason.push_str(&format!("; {hint}"));
        }
        Some(reason)
    }

    /// Compiles a plugin's component, checks it against the contract and
    /// its settings against the manifest, and readies it for calls.
    pub fn load(
        &self,
        package: &PluginPackage,
        settings: &PluginSettings,
        credentials: Arc<dyn CredentialSource>,
    ) -> Result<Plugin, LoadError> {
        let manifest = &package.manifest;
        let pre = self.prepare(package)?;
        let config = resolve_config(manifest, &settings.config)?;
        let limits = Limits::grant(&manifest.limits, &settings.approved_limits, &self.config.ceiling)
            .with_concurrency(settings.concurrency, &self.config.ceiling);
        let mut allow = manifest.allowed_hosts.clone();
        allow.extend(AllowList::parse(&settings.extra_hosts)?);
        let outbound =
            Outbound::new(&manifest.id, allow, &limits, manifest.credentials.clone(), credentials.clone(), &self.config.dns_overrides);
        Ok(Plugin {
            engine: self.engine.clone(),
            pre,
            slots: slots::Slots::new(limits.max_concurrency as usize),
            shared: Arc::new(PluginShared { id: manifest.id.clone(), outbound, config }),
            manifest: manifest.clone(),
            limits,
            credentials,
            calls: Default::default(),
            health: Default::default(),
            metrics: crate::telemetry::PluginMetrics::new(&manifest.id),
        })
    }
}

impl Runtime {
    /// The most this runtime grants any plugin.
    pub fn ceiling(&self) -> &Limits {
        &self.config.ceiling
    }

    /// The engine plugins are compiled for: what a benchmark uses to
    /// measure raw wasmtime beside the host's calls (the floor).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The fixed DNS answers every guarded client of this runtime uses.
    pub fn dns_overrides(&self) -> &DnsOverrides {
        &self.config.dns_overrides
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// The manifest's defaults overlaid with the admin's values, checked.
fn resolve_config(manifest: &Manifest, given: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, LoadError> {
    let plugin = &manifest.id;
    for key in given.keys() {
        if !manifest.config.contains_key(key) {
            let declared = manifest.config.keys().cloned().collect::<Vec<_>>().join(", ");
            return Err(LoadError::UnknownConfig {
                plugin: plugin.clone(),
                key: key.clone(),
                declared: if declared.is_empty() { "none".into() } else { declared },
            });
        }
    }
    let mut out = BTreeMap::new();
    for (key, field) in &manifest.config {
        let Some(value) = given.get(key).or(field.default.as_ref()) else {
            if field.required {
                return Err(LoadError::MissingConfig { plugin: plugin.clone(), key: key.clone() });
            }
            continue;
        };
        let expected = match field.kind {
            ConfigType::Integer if value.parse::<i64>().is_err() => Some("a whole number"),
            ConfigType::Boolean if value != "true" && value != "false" => Some("`true` or `false`"),
            ConfigType::Url if url::Url::parse(value).is_err() => Some("an absolute URL"),
            _ => None,
        };
        if let Some(expected) = expected {
            return Err(LoadError::BadConfig { plugin: plugin.clone(), key: key.clone(), expected, value: value.clone() });
        }
        out.insert(key.clone(), value.clone());
    }
    Ok(out)
}

/// A loaded plugin, ready for calls from many tasks at once.
pub struct Plugin {
    engine: Engine,
    pre: bindings::Pre,
    slots: slots::Slots,
    shared: Arc<PluginShared>,
    manifest: Manifest,
    limits: Limits,
    credentials: Arc<dyn CredentialSource>,
    /// Instances started since load: how often plugin code ran.
    calls: std::sync::atomic::AtomicU64,
    health: std::sync::Mutex<Health>,
    metrics: crate::telemetry::PluginMetrics,
}

/// A 0.4.0 export called on an instance bound one export at a time
/// ([`Bound::V0_4_0Unchecked`]): the accessor, the function and its
/// generated signature all come from the one `$iface.$method`.
macro_rules! unchecked_call {
    ($bound:ident, $store:ident, $iface:ident . $method:ident ( $($arg:expr),* )) => {
        pastey::paste!($bound.call(
            &mut $store,
            stringify!($iface),
            stringify!($method),
            bindings::v0_4_0::$iface::Guest::[<func_ $method>],
            ($($arg,)*),
        ))
        .await
        .map(Lift::lift)
    };
}

/// Calls one export of the plugin through [`Plugin::invoke`], in whichever
/// contract version the plugin was built for. The arguments are written
/// once and converted into that version's types (`.lift()`); the result
/// comes back in the host's own types.
macro_rules! export_call {
    ($self:ident, $name:literal, $iface:ident . $method:ident ( $($arg:expr),* )) => {
        $self
            .invoke($name, |bound: Bound, mut store: Store<HostState>| async move {
                let result = match &bound {
                    Bound::V0_1_0(b) => pastey::paste!(b.$iface().[<call_ $method>](&mut store, $($arg),*)).await.map(Lift::lift),
                    Bound::V0_2_0(b) => pastey::paste!(b.$iface().[<call_ $method>](&mut store, $($arg),*)).await.map(Lift::lift),
                    Bound::V0_3_0(b) => pastey::paste!(b.$iface().[<call_ $method>](&mut store, $($arg),*)).await.map(Lift::lift),
                    Bound::V0_4_0(b) => pastey::paste!(b.$iface().[<call_ $method>](&mut store, $($arg),*)).await.map(Lift::lift),
                    Bound::V0_4_0Unchecked(b) => unchecked_call!(b, store, $iface.$method($($arg),*)),
                };
                (store, result)
            })
            .await
    };
}

/// [`export_call!`] for an export that came with contract 0.3.0: a plugin
/// built for an older contract answers `unsupported` without running.
macro_rules! export_call_since_0_3 {
    ($self:ident, $name:literal, $iface:ident . $method:ident ( $($arg:expr),* )) => {{
        if !matches!($self.pre, bindings::Pre::V0_3_0(_) | bindings::Pre::V0_4_0(..)) {
            let why = format!("`{}` came with contract 0.3.0; this plugin was built for {}", $name, $self.contract_version());
            return Err(CallError {
                plugin: $self.id().to_string(),
                function: $name,
                kind: CallErrorKind::Connector(ConnectorError::Unsupported(why)),
            });
        }
        $self
            .invoke($name, |bound: Bound, mut store: Store<HostState>| async move {
                let result = match &bound {
                    Bound::V0_3_0(b) => pastey::paste!(b.$iface().[<call_ $method>](&mut store, $($arg),*)).await.map(Lift::lift),
                    Bound::V0_4_0(b) => pastey::paste!(b.$iface().[<call_ $method>](&mut store, $($arg),*)).await.map(Lift::lift),
                    Bound::V0_4_0Unchecked(b) => unchecked_call!(b, store, $iface.$method($($arg),*)),
                    Bound::V0_1_0(_) | Bound::V0_2_0(_) => unreachable!("older contracts answered above"),
                };
                (store, result)
            })
            .await
    }};
}

/// What a plugin built before contract 0.4.0 answers, without running, to
/// what came with 0.4.0: `unsupported`.
macro_rules! unsupported_before_0_4 {
    ($self:ident, $name:literal, $what:expr) => {
        return Err(CallError {
            plugin: $self.id().to_string(),
            function: $name,
            kind: CallErrorKind::Connector(ConnectorError::Unsupported(format!(
                "{} came with contract 0.4.0; this plugin was built for {}",
                $what,
                $self.contract_version()
            ))),
        })
    };
}

/// [`export_call!`] for an export that came with contract 0.4.0: a plugin
/// built for an older contract answers `unsupported` without running.
macro_rules! export_call_since_0_4 {
    ($self:ident, $name:literal, $iface:ident . $method:ident ( $($arg:expr),* )) => {{
        if !matches!($self.pre, bindings::Pre::V0_4_0(..)) {
            unsupported_before_0_4!($self, $name, format!("`{}`", $name));
        }
        $self
            .invoke($name, |bound: Bound, mut store: Store<HostState>| async move {
                let result = match &bound {
                    Bound::V0_4_0(b) => pastey::paste!(b.$iface().[<call_ $method>](&mut store, $($arg),*)).await.map(Lift::lift),
                    Bound::V0_4_0Unchecked(b) => unchecked_call!(b, store, $iface.$method($($arg),*)),
                    Bound::V0_1_0(_) | Bound::V0_2_0(_) | Bound::V0_3_0(_) => unreachable!("older contracts answered above"),
                };
                (store, result)
            })
            .await
    }};
}

impl Plugin {
    pub fn id(&self) -> &str {
        &self.manifest.id
    }

    /// The contract version the host serves this plugin with.
    pub fn contract_version(&self) -> &'static str {
        self.pre.version()
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The limits this plugin was granted.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// How many times plugin code was started since the plugin loaded.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    pub async fn lookup_requester(&self, who: &Requester) -> Result<Option<Profile>, CallError> {
        export_call!(self, "lookup-requester", deskpane_connector_panels.lookup_requester(&who.clone().lift()))
    }

    pub async fn potentials(&self, of: &RecordRef) -> Result<Vec<Potential>, CallError> {
        export_call!(self, "potentials", deskpane_connector_panels.potentials(&of.clone().lift()))
    }

    pub async fn notes(&self, of: &RecordRef) -> Result<Vec<Note>, CallError> {
        export_call!(self, "notes", deskpane_connector_panels.notes(&of.clone().lift()))
    }

    pub async fn activities(&self, of: &RecordRef, kinds: &[ActivityKind]) -> Result<Vec<Activity>, CallError> {
        export_call!(self, "activities", deskpane_connector_panels.activities(&of.clone().lift(), &kinds.to_vec().lift()))
    }

    /// Records of `module` whose fields equal `matching` (contract 0.3.0
    /// on); a plugin built for an older contract answers `unsupported`
    /// without running.
    pub async fn find(&self, module: Module, matching: &[Field], limit: u32) -> Result<Vec<CrmRecord>, CallError> {
        export_call_since_0_3!(self, "find", deskpane_connector_panels.find(module.lift(), &matching.to_vec().lift(), limit))
    }

    /// The profile of a record the host knows (a linked requester;
    /// contract 0.4.0 on); a plugin built for an older contract answers
    /// `unsupported` without running.
    pub async fn profile_of(&self, of: &RecordRef) -> Result<Option<Profile>, CallError> {
        export_call_since_0_4!(self, "profile-of", deskpane_connector_panels.profile_of(&of.clone().lift()))
    }

    pub async fn describe_module(&self, module: Module) -> Result<Vec<FieldMeta>, CallError> {
        export_call!(self, "describe-module", deskpane_connector_sync.describe_module(module.lift()))
    }

    pub async fn list_views(&self, module: Module) -> Result<Vec<ListView>, CallError> {
        export_call!(self, "list-views", deskpane_connector_sync.list_views(module.lift()))
    }

    pub async fn changes(&self, module: Module, query: &FeedQuery, cursor: Option<&str>) -> Result<ChangePage, CallError> {
        export_call!(self, "changes", deskpane_connector_sync.changes(module.lift(), &query.clone().lift(), cursor))
    }

    pub async fn upsert(
        &self,
        module: Module,
        records: &[CrmRecord],
        duplicate_check_fields: &[String],
    ) -> Result<Vec<Result<Written, ConnectorError>>, CallError> {
        export_call!(self, "upsert", deskpane_connector_sync.upsert(module.lift(), &records.to_vec().lift(), duplicate_check_fields))
    }

    pub async fn delete(&self, module: Module, ids: &[String]) -> Result<Vec<Result<(), ConnectorError>>, CallError> {
        export_call!(self, "delete", deskpane_connector_sync.delete(module.lift(), ids))
    }

    pub async fn watch(&self, modules: &[Module], url: &str, token: &str) -> Result<(), CallError> {
        export_call!(self, "watch", deskpane_connector_sync.watch(&modules.to_vec().lift(), url, token))
    }

    pub async fn parse_notification(&self, notification: &Notification) -> Result<Notified, CallError> {
        export_call!(self, "parse-notification", deskpane_connector_sync.parse_notification(&notification.clone().lift()))
    }

    /// Creates a record. The action kinds of contract 0.4.0 (`create-note`,
    /// `log-call`) are refused as `unsupported`, without running, for a
    /// plugin built for an older contract, which has no such case.
    pub async fn perform(&self, request: &ActionRequest) -> Result<RecordRef, CallError> {
        if matches!(request.kind, ActionKind::CreateNote | ActionKind::LogCall) && !matches!(self.pre, bindings::Pre::V0_4_0(..)) {
            let kind = if request.kind == ActionKind::CreateNote { "create-note" } else { "log-call" };
            unsupported_before_0_4!(self, "perform", format!("the action `{kind}`"));
        }
        export_call!(self, "perform", deskpane_connector_actions.perform(&request.clone().lift()))
    }

    /// Attaches a file to a CRM record (contract 0.3.0 on); answers the
    /// attachment's id.
    pub async fn attach(&self, to: &RecordRef, file: &File) -> Result<String, CallError> {
        export_call_since_0_3!(self, "attach", deskpane_connector_actions.attach(&to.clone().lift(), &file.clone().lift()))
    }

    /// The content of a file the plugin's records name (contract 0.3.0 on).
    pub async fn download(&self, id: &str) -> Result<File, CallError> {
        export_call_since_0_3!(self, "download", deskpane_connector_actions.download(id))
    }

    /// Runs one export. When the plugin reports `auth-expired`, refreshes
    /// the credentials the call used and runs it once more. Nothing else is
    /// retried here: retrying is the caller's, under `policy::retry`, so
    /// retries never stack.
    async fn invoke<T, F, Fut>(&self, function: &'static str, run: F) -> Result<T, CallError>
    where
        F: Fn(Bound, Store<HostState>) -> Fut,
        Fut: Future<Output = (Store<HostState>, wasmtime::Result<Result<T, ConnectorError>>)> + Send,
    {
        use tracing::Instrument;
        let began = std::time::Instant::now();
        let span = tracing::info_span!("plugin_call", plugin = %self.id(), function);
        let result = self.call_refreshing(function, run).instrument(span).await;
        self.metrics.call(function, crate::telemetry::outcome(&result), began.elapsed());
        self.note_health(&result);
        result
    }

    async fn call_refreshing<T, F, Fut>(&self, function: &'static str, run: F) -> Result<T, CallError>
    where
        F: Fn(Bound, Store<HostState>) -> Fut,
        Fut: Future<Output = (Store<HostState>, wasmtime::Result<Result<T, ConnectorError>>)> + Send,
    {
        let (result, used) = self.call_once(function, &run).await;
        if !matches!(result.as_ref().err().and_then(CallError::connector_error), Some(ConnectorError::AuthExpired)) || used.is_empty() {
            return result;
        }
        for name in &used {
            if let Err(e) = self.credentials.refresh(self.id(), name).await {
                tracing::warn!(plugin = %self.id(), "{e}");
                return result;
            }
        }
        self.call_once(function, &run).await.0
    }

    /// Notes how a call went for [`Plugin::health`]: an answer (a record
    /// not found or refused included) says the integration works; a failure
    /// of the CRM, the connection or the plugin says it does not.
    fn note_health<T>(&self, result: &Result<T, CallError>) {
        let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Err(e) if e.is_integration_failure() => health.last_failure = Some((std::time::SystemTime::now(), e.to_string())),
            _ => health.last_success = Some(std::time::SystemTime::now()),
        }
    }

    /// How the plugin's calls have gone since it was loaded.
    pub fn health(&self) -> Health {
        self.health.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    async fn call_once<T, F, Fut>(&self, function: &'static str, run: &F) -> (Result<T, CallError>, Vec<String>)
    where
        F: Fn(Bound, Store<HostState>) -> Fut,
        Fut: Future<Output = (Store<HostState>, wasmtime::Result<Result<T, ConnectorError>>)> + Send,
    {
        let fail = |kind| CallError { plugin: self.id().to_string(), function, kind };
        let limits = &self.limits;

        // Back-pressure: wait for a slot rather than fail at once, oldest
        // work first (`slots`). A free slot is taken without arming the
        // queue's timer.
        let queued = std::time::Instant::now();
        let _slot = match self.slots.try_take() {
            Some(slot) => slot,
            None => match tokio::time::timeout(limits.queue_timeout, self.slots.take(slots::begun().unwrap_or(queued))).await {
                Ok(slot) => slot,
                Err(_) => return (Err(fail(CallErrorKind::Busy(limits.max_concurrency, limits.queue_timeout))), Vec::new()),
            },
        };
        self.metrics.queue_wait(queued.elapsed());
        let _in_use = self.metrics.in_use();

        self.calls.fetch_add(1, Ordering::Relaxed);
        let mut store = Store::new(&self.engine, HostState::new(self.shared.clone(), limits.memory_bytes));
        store.limiter(|state| &mut state.memory);
        let cpu = limits.cpu;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |ctx| {
            if ctx.data().guest_time() > cpu {
                Ok(UpdateDeadline::Interrupt)
            } else {
                // Yield so one busy plugin cannot starve the executor.
                Ok(UpdateDeadline::Yield(1))
            }
        });

        let call = async move {
            match self.pre.instantiate(&mut store).await {
                Ok(bindings) => run(bindings, store).await,
                Err(e) => (store, Err(e.context(InstantiateFailed))),
            }
        };
        match tokio::time::timeout(limits.call_timeout, call).await {
            Err(_) => (Err(fail(CallErrorKind::Timeout(limits.call_timeout))), Vec::new()),
            Ok((store, outcome)) => {
                let state = store.data();
                if state.memory.grew {
                    self.metrics.memory_grown(function);
                }
                let used = state.credentials_used.iter().cloned().collect();
                let result = match outcome {
                    Ok(Ok(value)) => Ok(value),
                    Ok(Err(e)) => Err(fail(CallErrorKind::Connector(e))),
                    Err(trap) => Err(fail(classify(&trap, state, limits))),
                };
                (result, used)
            }
        }
    }
}

#[derive(Debug)]
struct InstantiateFailed;

impl std::fmt::Display for InstantiateFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("instantiation failed")
    }
}

impl std::error::Error for InstantiateFailed {}

/// Names the cause of a trap from what the store saw.
fn classify(err: &wasmtime::Error, state: &HostState, limits: &Limits) -> CallErrorKind {
    if err.downcast_ref::<InstantiateFailed>().is_some() {
        return CallErrorKind::Instantiate(format!("{err:#}"));
    }
    if err.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        return CallErrorKind::CpuDeadline(limits.cpu);
    }
    if state.memory.hit {
        return CallErrorKind::MemoryLimit(limits.memory_bytes);
    }
    if let (Some(message), Some(Trap::UnreachableCodeReached)) = (&state.panic_message, err.downcast_ref::<Trap>()) {
        return CallErrorKind::Panicked(message.clone());
    }
    // An interpreter (componentize-js, -py) prints the uncaught exception
    // to stderr, then aborts.
    if let (Some(said), Some(Trap::UnreachableCodeReached)) = (state.stderr_tail(), err.downcast_ref::<Trap>()) {
        return CallErrorKind::Panicked(said);
    }
    match err.downcast_ref::<Trap>() {
        Some(trap) => CallErrorKind::Trapped(trap.to_string()),
        None => CallErrorKind::Trapped(format!("{err:#}")),
    }
}
