//! The sync engine of one plugin: reads the CRM's change feed into the
//! desk and the desk's change log into the CRM, through the plugin only.
//!
//! Order of a run: for each enabled module (accounts first, since contacts
//! refer to them) the CRM's changes are imported; then the desk's change
//! log is exported. The first run of a module is the bulk first sync:
//! records created during the last year, both ways.
//!
//! Durability: a desk record and its mapping and fingerprint are written
//! in one transaction; a CRM write is recorded (mapping, fingerprint) only
//! after the CRM acknowledged it; cursors move only after the records they
//! cover are written. A crash at any point resumes where it left off:
//! replayed changes meet their mapping and change nothing, and records the
//! CRM acknowledged but the desk did not record are matched again by their
//! duplicate-check field instead of being created twice.
//!
//! Echo loops: desk changes written by the engine carry the origin
//! `sync:<plugin>` and are not exported; CRM changes the engine wrote come
//! back equal to their fingerprint and change nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::conflict::{self, merge, Direction, Values};
use super::manager::SYNC_RUNNING;
use super::mapping::{self, FieldPair};
use super::settings::{ModuleSettings, OnCrmDelete, OnDeskDelete, SyncModule, SyncSettings};
use super::store::{Failure, Fingerprint, Flow, HistoryEntry, SyncStore, ALREADY_MAPPED};
use crate::clock::now;
use crate::contract::{Change, ChangeKind, ConnectorError, CrmRecord, FeedQuery, Field, FieldMeta, FieldType, RecordRef, Value};
use crate::desk::schema::{self, FieldKind};
use crate::desk::{ChangeOp, Desk, DeskError, Kind, Record};
use crate::policy::retry::{self, Retryable};
use crate::registry::Registry;
use crate::{CallError, Plugin};
use deskpane_store::{CommitError, Stage};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("plugin `{0}` is not installed or not enabled")]
    NotEnabled(String),
    #[error("no plugin `{0}` is installed")]
    NotInstalled(String),
    #[error("sync is paused; resume it to try again")]
    Paused,
    #[error(transparent)]
    Plugin(#[from] CallError),
    #[error(transparent)]
    Desk(#[from] DeskError),
    #[error("the field mapping of {module} is not valid: {error}")]
    Mapping { module: &'static str, error: mapping::MappingError },
    /// The store's lock on this plugin's sync was lost mid-run (the
    /// connection holding it broke): another replica may be running it now.
    #[error("this desk lost its hold on the sync to the store mid-run; another replica carries on from where it stopped")]
    LeaseLost,
}

/// Where a running sync stands, for the console and the CLI.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub running: bool,
    pub first_sync: bool,
    pub phase: String,
    pub module: Option<SyncModule>,
    /// Records handled so far in this run.
    pub done: u64,
    /// Why the last run failed, in words for the admin (a CRM failure
    /// never shows its addresses here).
    pub last_error: Option<String>,
    /// The last failure's technical cause, when it was the CRM's or the
    /// plugin's (the console shows it behind "Details").
    pub last_error_details: Option<String>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub added: u64,
    pub updated: u64,
    pub failed: u64,
}

/// What one run did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct RunReport {
    pub imported: BTreeMap<SyncModule, Counts>,
    pub exported: BTreeMap<SyncModule, Counts>,
    pub paused: bool,
    /// Another desk replica on the store is running this plugin's sync:
    /// this one did nothing (and may try again soon, to take over should
    /// that replica stop).
    pub elsewhere: bool,
    /// How many runs had started (on any replica) when this one found
    /// another running: see [`FollowUp::Wanted`].
    pub runs_started: u64,
}

/// Why a replica that found another running a plugin's sync looks again
/// once it can take the lease, and so when it runs then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// To carry on a run the other replica did not finish (it stopped).
    Unfinished,
    /// Also for a change this replica was told of while run `n` went on
    /// elsewhere, which may have read past it: runs unless a later run has
    /// finished since.
    Wanted(u64),
}

pub struct SyncEngine {
    plugin: String,
    registry: Arc<Registry>,
    desk: Desk,
    store: SyncStore,
    progress: Arc<Mutex<Progress>>,
    /// One run at a time.
    running: tokio::sync::Mutex<()>,
    /// The integration was deleted: no run goes on (see [`Self::retire`]).
    retired: AtomicBool,
    /// When this process last asked the CRM to notify the desk: CRMs end a
    /// notification channel after a while (Zoho: an hour), so the runner
    /// asks again at start and every [`WATCH_RENEWAL`].
    watched_at: Mutex<Option<std::time::Instant>>,
}

/// How often the runner renews the CRM's notification channel: well within
/// the hour Zoho CRM keeps a channel it was given no expiry for.
pub const WATCH_RENEWAL: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// The seeds' failure-log wording for a CRM error.
pub fn reason(e: &ConnectorError) -> String {
    match e {
        ConnectorError::MandatoryMissing(_) => "Mandatory Field Missing".into(),
        ConnectorError::AlreadyMapped(_) => ALREADY_MAPPED.into(),
        ConnectorError::Duplicate(d) => format!("Duplicate record: another CRM record already has this {}", d.field),
        ConnectorError::TypeMismatch(t) => match t.expected {
            FieldType::Integer => format!("Text value is given for an Integer field ({})", t.field),
            _ => t.message.clone(),
        },
        // The CRM plugins begin a permanent error with the CRM's own code
        // (`INVALID_DATA: ...`); the seeds' wording goes in front of it.
        ConnectorError::Permanent(m) => match m.split_once(':').map(|(code, _)| code.trim()) {
            Some("REQUIRED_PARAM_MISSING" | "MISSING_ARGUMENT" | "MISSING_PARAMETER") => format!("Missing Parameter ({m})"),
            Some(
                "INVALID_DATA"
                | "INVALID_REQUEST"
                | "INVALID_FIELD"
                | "MALFORMED_ID"
                | "MALFORMED_QUERY"
                | "INVALID_CROSS_REFERENCE_KEY"
                | "INVALID_FIELD_FOR_INSERT_UPDATE"
                | "INVALID_MODULE",
            ) => format!("Incorrect API parameter or Parameter Value ({m})"),
            _ => m.clone(),
        },
        other => other.message(),
    }
}

/// Why the desk refused a CRM record, in the seeds' words: "Mandatory
/// Field Missing", "Text value is given for an Integer field" (`values`
/// are what the CRM sent, by desk field).
fn desk_reason(e: &DeskError, values: &Values) -> String {
    let DeskError::Invalid { errors, .. } = e else { return e.to_string() };
    let missing = |f: &&crate::desk::FieldError| matches!(f.code, "required" | "emptied");
    if errors.iter().any(|f| missing(&f)) {
        let fields: Vec<&str> = errors.iter().filter(missing).map(|f| f.field.as_str()).collect();
        return format!("Mandatory Field Missing ({})", fields.join(", "));
    }
    let typed = errors.iter().find_map(|f| {
        let expected = match f.code {
            "integer" => "Integer",
            "number" => "Decimal",
            "boolean" => "Boolean",
            "date" | "date_time" => "Date",
            _ => return None,
        };
        let given = values.get(&f.field).map(mapping::json_kind).unwrap_or("Empty");
        Some(format!("{} ({})", mapping::ValueMismatch { field: f.field.clone(), given, expected }, f.field))
    });
    typed.unwrap_or_else(|| e.to_string())
}

fn module_of(kind: Kind) -> Option<SyncModule> {
    SyncModule::ALL.into_iter().find(|m| m.kind() == kind)
}

/// The desk kind a desk field refers to, if it is a reference.
fn ref_kind(kind: Kind, field: &str) -> Option<Kind> {
    schema::fields(kind).iter().find(|f| f.name == field).and_then(|f| match f.kind {
        FieldKind::Ref(k) => Some(k),
        _ => None,
    })
}

/// A name to recognise a record by in the failure log.
fn name_of<'a>(record: impl Fn(&str) -> Option<&'a Json>) -> String {
    ["account_name", "product_name", "email", "last_name"]
        .iter()
        .find_map(|f| record(f).and_then(Json::as_str))
        .unwrap_or("(unnamed)")
        .to_string()
}

impl SyncEngine {
    pub fn new(plugin: &str, registry: Arc<Registry>, desk: Desk, store: SyncStore) -> SyncEngine {
        SyncEngine {
            plugin: plugin.to_string(),
            registry,
            desk,
            store,
            progress: Arc::default(),
            running: tokio::sync::Mutex::new(()),
            watched_at: Mutex::default(),
            retired: AtomicBool::new(false),
        }
    }

    /// The integration was deleted: a run in progress stops at its next
    /// checkpoint (see [`Self::checkpoint`]) and forgets again whatever it
    /// wrote since the deletion; no run starts any more.
    pub fn retire(&self) {
        self.retired.store(true, Ordering::SeqCst);
    }

    fn retired(&self) -> bool {
        self.retired.load(Ordering::SeqCst)
    }

    /// Whether a run may go on, asked before every CRM call that moves data
    /// and before applying what one answered: not when the integration was
    /// deleted, disabled or paused since the run began.
    fn checkpoint(&self) -> Result<(), SyncError> {
        if self.retired() {
            return Err(SyncError::NotInstalled(self.plugin.clone()));
        }
        if self.registry.plugin(&self.plugin).is_none() {
            return Err(SyncError::NotEnabled(self.plugin.clone()));
        }
        if self.settings().paused {
            return Err(SyncError::Paused);
        }
        Ok(())
    }

    /// A module's settings as saved now, if it syncs: read afresh for every
    /// page and batch, so a save during a run is honoured by the rest of it.
    fn module_settings(&self, module: SyncModule) -> Option<ModuleSettings> {
        self.settings().modules.remove(&module).filter(|m| m.enabled)
    }

    /// A module's settings as saved now, if it sends desk changes to the
    /// CRM (enabled and two-way).
    fn exporting(&self, module: SyncModule) -> Option<ModuleSettings> {
        self.module_settings(module).filter(|m| m.direction == Direction::TwoWay)
    }

    fn origin(&self) -> String {
        format!("sync:{}", self.plugin)
    }

    pub fn progress(&self) -> Progress {
        self.progress.lock().expect("progress lock").clone()
    }

    fn set_progress(&self, f: impl FnOnce(&mut Progress)) {
        f(&mut self.progress.lock().expect("progress lock"));
    }

    /// The admin's settings, or the manifest's defaults.
    /// Held to what the CRM allows (a CRM that never propagates deletes).
    pub fn settings(&self) -> SyncSettings {
        let manifest = self.registry.manifest(&self.plugin);
        let settings = self.store.settings(&self.plugin).or_else(|| manifest.as_ref().map(SyncSettings::from_manifest)).unwrap_or_default();
        match &manifest {
            Some(m) => settings.within(m),
            None => settings,
        }
    }

    /// Checks every enabled module's mapping against the CRM's field
    /// metadata, then saves the settings.
    pub async fn set_settings(&self, settings: SyncSettings) -> Result<(), SyncError> {
        let plugin = self.plugin()?;
        for (module, ms) in settings.enabled() {
            // An admin is waiting: one attempt, the failure shown at once.
            let meta = plugin.describe_module(module.module()).await?;
            mapping::check(module.kind(), &meta, &ms.fields).map_err(|error| SyncError::Mapping { module: module.name(), error })?;
        }
        let settings = match self.registry.manifest(&self.plugin) {
            Some(m) => settings.within(&m),
            None => settings,
        };
        self.store.set_settings(&self.plugin, &settings)?;
        self.watch(&plugin, &settings).await;
        Ok(())
    }

    /// Pauses or resumes. The settings themselves do not change, so nothing
    /// is checked against the CRM: pausing works when the CRM is down or
    /// its fields changed. Resuming asks the CRM for notifications again
    /// (best effort; polling covers a CRM that cannot).
    pub async fn set_paused(&self, paused: bool) -> Result<SyncSettings, SyncError> {
        let mut settings = self.settings();
        settings.paused = paused;
        self.store.set_settings(&self.plugin, &settings)?;
        if !paused {
            if let Ok(plugin) = self.plugin() {
                self.watch(&plugin, &settings).await;
            }
        }
        Ok(settings)
    }

    /// Asks the CRM to notify the desk of changes to the synced modules.
    /// A CRM that cannot is polled instead.
    async fn watch(&self, plugin: &Plugin, settings: &SyncSettings) {
        let modules: Vec<_> = settings.enabled().map(|(m, _)| m.module()).collect();
        if modules.is_empty() || settings.paused {
            return;
        }
        let Ok(token) = self.store.hook_token_or_new(&self.plugin) else { return };
        let url = format!("{}/hooks/{}", self.registry.public_url(), self.plugin);
        *self.watched_at.lock().expect("watch lock") = Some(std::time::Instant::now());
        match plugin.watch(&modules, &url, &token).await {
            Ok(()) => tracing::info!(plugin = %self.plugin, "the CRM notifies {url} of changes"),
            Err(e) => tracing::info!(plugin = %self.plugin, "no CRM notifications ({e}); polling instead"),
        }
    }

    /// The plugin this engine syncs.
    pub fn plugin_id(&self) -> &str {
        &self.plugin
    }

    /// Asks the CRM again to notify the desk when this process has not
    /// yet (a restart) or not for [`WATCH_RENEWAL`]: the channel it made
    /// expires, and the sync would silently fall back to polling.
    pub async fn renew_watch(&self) {
        let due = self.watched_at.lock().expect("watch lock").is_none_or(|at| at.elapsed() >= WATCH_RENEWAL);
        if !due || self.retired() {
            return;
        }
        let Ok(plugin) = self.plugin() else { return };
        self.watch(&plugin, &self.settings()).await;
    }

    fn plugin(&self) -> Result<Arc<Plugin>, SyncError> {
        self.registry.plugin(&self.plugin).ok_or_else(|| SyncError::NotEnabled(self.plugin.clone()))
    }

    pub fn store(&self) -> &SyncStore {
        &self.store
    }

    /// One sync run: import, then export, for every enabled module.
    ///
    /// Settings are read afresh for each page of the CRM's feed and each
    /// batch sent to it, so a save during a run (a new mapping, a module
    /// disabled or made one-way) is honoured by the rest of the run; only a
    /// batch already on its way to the CRM goes as it was. A pause or the
    /// integration's deletion during a run stops it at the next page or
    /// batch; what the CRM answered after that is not applied.
    pub async fn run(&self) -> Result<RunReport, SyncError> {
        self.run_unless_done(None).await
    }

    /// Runs if another replica's run left work to do (see [`FollowUp`]),
    /// once none holds the plugin's lease any more.
    pub async fn follow_up(&self, why: FollowUp) -> Result<RunReport, SyncError> {
        self.run_unless_done(Some(why)).await
    }

    async fn run_unless_done(&self, follow_up: Option<FollowUp>) -> Result<RunReport, SyncError> {
        let _one = self.running.lock().await;
        if self.retired() {
            return Err(SyncError::NotInstalled(self.plugin.clone()));
        }
        let settings = self.settings();
        if settings.paused {
            return Ok(RunReport { paused: true, ..Default::default() });
        }
        let plugin = self.plugin()?;
        // One replica at a time runs a plugin's sync; whoever holds the
        // lock when a replica dies lets go with its connection, and the
        // next run, here or elsewhere, resumes from the stored cursors.
        let Some(lease) = self.store.lease(&self.plugin)? else {
            let runs_started = self.store.run_mark(&self.plugin).started;
            return Ok(RunReport { elsewhere: true, runs_started, ..Default::default() });
        };
        if let Some(why) = follow_up {
            let mark = self.store.run_mark(&self.plugin);
            let needed = mark.open || matches!(why, FollowUp::Wanted(n) if mark.started <= n);
            if !needed {
                return Ok(RunReport::default());
            }
        }
        self.store.open_run(&self.plugin)?;
        // The other replicas stand by to carry this run on should this
        // replica stop before its end.
        if let Err(e) = self.store.announce(SYNC_RUNNING, self.registry.replica()) {
            tracing::warn!(plugin = %self.plugin, "the other desk replicas were not told of this sync run: {e}");
        }
        self.set_progress(|p| *p = Progress { running: true, ..Default::default() });
        let modules: Vec<SyncModule> = settings.enabled().map(|(m, _)| m).collect();
        let run = tokio::select! {
            run = self.run_with(&plugin, &modules) => run,
            // Dropping the run is a crash as far as the store knows: what
            // is written is consistent, and the cursors say where to go on.
            () = lease.lost() => Err(SyncError::LeaseLost),
        };
        // A lost lease leaves the run open: whoever takes it carries on.
        if !matches!(run, Err(SyncError::LeaseLost)) {
            self.store.close_run(&self.plugin)?;
        }
        drop(lease);
        let result = match run {
            // Paused while running: the rest waits for Resume (the desk's
            // change-log position did not move, so nothing is skipped).
            Err(SyncError::Paused) => Ok(RunReport { paused: true, ..Default::default() }),
            other => other,
        };
        if self.retired() {
            // Deleted while running: forget again what this run wrote after
            // the deletion forgot the rest.
            self.store.forget(&self.plugin)?;
            self.set_progress(|p| p.running = false);
            return Err(SyncError::NotInstalled(self.plugin.clone()));
        }
        let (last_error, last_error_details) = match result.as_ref().err() {
            Some(SyncError::Plugin(e)) => {
                use crate::contract::ConnectorError as C;
                use crate::CallErrorKind as K;
                let crm = self.registry.manifest(&self.plugin).map(|m| m.name).unwrap_or_else(|| self.plugin.clone());
                let reference = crate::secrets::random_hex(4);
                tracing::warn!(plugin = %self.plugin, reference, "sync run failed: {e}");
                let sentence = match &e.kind {
                    K::Connector(C::Transient(_)) | K::Timeout(_) | K::Busy(..) => {
                        format!("{crm} is not answering right now. Sync tries again on its own. (reference {reference})")
                    }
                    _ => crate::panels::agent_sentence(&crm, e, &reference),
                };
                (Some(sentence), Some(e.to_string()))
            }
            Some(e) => (Some(e.to_string()), None),
            None => (None, None),
        };
        self.set_progress(|p| {
            p.running = false;
            p.last_error = last_error;
            p.last_error_details = last_error_details;
        });
        result
    }

    /// Runs the modules enabled when the run began, each with its settings
    /// as saved when it gets its turn.
    async fn run_with(&self, plugin: &Arc<Plugin>, modules: &[SyncModule]) -> Result<RunReport, SyncError> {
        let mut report = RunReport::default();
        let mut metas = BTreeMap::new();
        for &module in modules {
            self.checkpoint()?;
            let Some(ms) = self.module_settings(module) else { continue };
            let meta = with_retry(|| plugin.describe_module(module.module())).await?;
            let first = !self.store.first_sync_done(&self.plugin, module);
            self.set_progress(|p| {
                p.phase = "import".into();
                p.module = Some(module);
                p.first_sync |= first;
            });
            let counts = self.import(plugin, module, &ms, first).await?;
            self.history(Flow::CrmToDesk, module, counts)?;
            report.imported.insert(module, counts);
            metas.insert(module, meta);
        }
        self.set_progress(|p| p.phase = "export".into());
        report.exported = self.export(plugin, &metas).await?;
        for (module, counts) in &report.exported {
            self.history(Flow::DeskToCrm, *module, *counts)?;
        }
        // A module disabled during the run has its first sync again when
        // it is enabled.
        for &module in metas.keys() {
            if !self.store.first_sync_done(&self.plugin, module) && self.module_settings(module).is_some() {
                self.store.set_first_sync_done(&self.plugin, module)?;
            }
        }
        Ok(report)
    }

    fn history(&self, direction: Flow, module: SyncModule, c: Counts) -> Result<(), DeskError> {
        if c == Counts::default() {
            return Ok(());
        }
        crate::telemetry::sync_records(&self.plugin, module.name(), direction, c.added, c.updated, c.failed);
        self.store
            .add_history(&self.plugin, &HistoryEntry { at: now(), direction, module, added: c.added, updated: c.updated, failed: c.failed })
    }

    fn fail(&self, failure: Failure) -> Result<(), DeskError> {
        tracing::warn!(plugin = %self.plugin, "sync of {} `{}` failed: {}", failure.module.name(), failure.record, failure.reason);
        self.store.add_failure(&self.plugin, Failure { at: now(), ..failure })?;
        Ok(())
    }

    // ---- CRM -> desk ----

    /// Imports a module's CRM changes. The feed's query (list views, the
    /// first sync's year) holds for the whole walk, since the CRM's cursor
    /// belongs to it; the rest of the settings are read for every page.
    async fn import(&self, plugin: &Arc<Plugin>, module: SyncModule, ms: &ModuleSettings, first: bool) -> Result<Counts, SyncError> {
        let since = first.then(|| crate::clock::days_ago(FIRST_SYNC_DAYS));
        let query = FeedQuery { list_views: ms.list_views.clone(), since, filters: vec![], page_size: 200 };
        let fetch = |cursor: Option<String>| {
            let (plugin, query, module) = (plugin.clone(), query.clone(), module.module());
            Prefetch(tokio::spawn(async move { with_retry(|| plugin.changes(module, &query, cursor.as_deref())).await }))
        };
        let mut counts = Counts::default();
        let mut flushing = Flushes::new();
        let mut page = fetch(self.store.crm_cursor(&self.plugin, module)).join().await?;
        loop {
            // Applied with the settings as they are now, if still allowed to.
            self.checkpoint()?;
            let Some(ms) = self.module_settings(module) else {
                flushing.finish(&self.store)?;
                return Ok(counts);
            };
            // The next page is fetched (the CRM's answer, the plugin reading
            // it) on another worker while this one is written, so the two
            // overlap; the cursor still moves only once this page is written.
            let next = page.has_more.then(|| fetch(Some(page.next_cursor.clone())));
            self.staged(&mut counts, |engine, counts| {
                for change in &page.changes {
                    engine.apply_crm_change(module, &ms, change, counts)?;
                }
                Ok(())
            })?;
            self.set_progress(|p| p.done += page.changes.len() as u64);
            // The page's records are written: only now move the cursor.
            self.store.note_crm_cursor(&self.plugin, module, &page.next_cursor)?;
            flushing.due(&self.store)?;
            match next {
                Some(next) => page = next.join().await?,
                None => {
                    flushing.finish(&self.store)?;
                    crate::telemetry::sync_caught_up(&self.plugin, module.name());
                    return Ok(counts);
                }
            }
        }
    }

    /// Does `work` (a page or batch of records) as one transaction: through
    /// a staged view of the store, each record reading what the ones before
    /// it wrote, committed together. Written a transaction per record, a
    /// page cost sled 200 syncs of its log (and PostgreSQL 200 round trips);
    /// now one. When something the page read was changed meanwhile (an
    /// agent edited a record), nothing of it was written: it is done again
    /// record by record, each in its own transaction as before.
    fn staged(&self, counts: &mut Counts, work: impl Fn(&SyncEngine, &mut Counts) -> Result<(), DeskError>) -> Result<(), DeskError> {
        let stage = self.desk.store().stage();
        let view = self.over(&stage)?;
        let mut staged_counts = *counts;
        work(&view, &mut staged_counts)?;
        match stage.commit() {
            Ok(()) => {
                *counts = staged_counts;
                Ok(())
            }
            Err(CommitError::Conflict { tree, key }) => {
                tracing::info!(plugin = %self.plugin, "a page's records changed while it was written ({tree} {key}): writing them one at a time");
                work(self, counts)
            }
            Err(CommitError::Storage(e)) => Err(DeskError::Storage(e)),
        }
    }

    /// This engine over a staged view of its store (see [`Self::staged`]).
    fn over(&self, stage: &Stage) -> Result<SyncEngine, DeskError> {
        let view = stage.store();
        Ok(SyncEngine {
            plugin: self.plugin.clone(),
            registry: self.registry.clone(),
            desk: Desk::view(&view)?,
            store: SyncStore::open(&view)?,
            progress: self.progress.clone(),
            running: tokio::sync::Mutex::new(()),
            retired: AtomicBool::new(self.retired()),
            watched_at: Mutex::default(),
        })
    }

    /// A CRM record's mapped fields in desk terms, references resolved to
    /// desk ids.
    fn crm_values(&self, module: SyncModule, pairs: &[FieldPair], fields: &[Field]) -> Values {
        let mut out = Values::new();
        for pair in pairs {
            let value = fields.iter().find(|f| f.name == pair.crm).map(|f| &f.value);
            let json = match (ref_kind(module.kind(), &pair.desk), value) {
                // A reference to a record the sync does not know (its
                // module does not sync, or it is not mapped yet) cannot be
                // compared: leave the field out rather than call it empty,
                // or it would bounce between the sides forever.
                (Some(target), Some(Value::Reference(r))) => {
                    match module_of(target).and_then(|m| self.store.desk_id(&self.plugin, m, &r.id)) {
                        Some(id) => Json::String(id),
                        None => continue,
                    }
                }
                (_, Some(v)) => mapping::to_desk(v),
                (_, None) => Json::Null,
            };
            out.insert(pair.desk.clone(), json);
        }
        out
    }

    /// A desk record's mapped fields; references the CRM cannot know (not
    /// mapped) are left out, as in [`Self::crm_values`].
    fn desk_values(&self, module: SyncModule, record: &Record, pairs: &[FieldPair]) -> Values {
        let mut out = Values::new();
        for pair in pairs {
            let value = record.fields.get(&pair.desk).cloned().unwrap_or(Json::Null);
            if let (Some(target), Some(id)) = (ref_kind(module.kind(), &pair.desk), value.as_str()) {
                if module_of(target).and_then(|m| self.store.crm_id(&self.plugin, m, id)).is_none() {
                    continue;
                }
            }
            out.insert(pair.desk.clone(), value);
        }
        out
    }

    fn apply_crm_change(&self, module: SyncModule, ms: &ModuleSettings, change: &Change, counts: &mut Counts) -> Result<(), DeskError> {
        let mut mapped = self.store.desk_id(&self.plugin, module, &change.id);
        if change.kind == ChangeKind::Deleted {
            if let Some(desk_id) = mapped {
                self.crm_deleted(module, ms, &desk_id)?;
            }
            return Ok(());
        }
        // Mapped to a desk record that was deleted in the desk since.
        if let Some(desk_id) = mapped.clone().filter(|id| self.desk.get(module.kind(), id).is_none()) {
            // A feed may replay what it already gave; a CRM change since the
            // last sync is a later time or different values (CRM times are
            // whole seconds, so an edit in the same second shows by value).
            let known = self.store.fingerprint(&self.plugin, module, &desk_id);
            let later = match (record_time(change), conflict::parse(known.as_ref().and_then(|f| f.crm_time.as_deref()))) {
                (Some(now), Some(then)) => now > then,
                _ => true,
            };
            let differs = change
                .record
                .as_ref()
                .is_some_and(|r| known.as_ref().is_none_or(|f| !same(&self.crm_values(module, &ms.fields, &r.fields), &f.values)));
            let changed_since = later || differs;
            if !changed_since || (ms.direction == Direction::TwoWay && ms.on_desk_delete == OnDeskDelete::Always) {
                // Nothing new in the CRM (a feed replay), or the desk's
                // delete goes to the CRM in this run's export.
                return Ok(());
            }
            // The delete stays in the desk (one-way, or "never delete in
            // the CRM"): the CRM record changed since, so it comes back as
            // a new desk record (seed 001).
            self.store.unlink(&self.plugin, module, &desk_id)?;
            mapped = None;
        }
        let Some(record) = &change.record else { return Ok(()) };
        let crm = self.crm_values(module, &ms.fields, &record.fields);
        if module == SyncModule::Products && !ms.departments.is_empty() {
            let department = crm.get("department").and_then(Json::as_str).unwrap_or("");
            if !ms.departments.iter().any(|d| d == department) {
                return Ok(());
            }
        }
        let existing = mapped.and_then(|id| self.desk.get(module.kind(), &id));
        let (target, secondary_match) = match existing {
            Some(r) => (Some(r), false),
            None => self.duplicate_match(module, ms, &crm),
        };
        let name = name_of(|f| crm.get(f));
        let outcome = match target {
            Some(desk) => {
                if let Some(other) = self.store.crm_id(&self.plugin, module, &desk.id).filter(|other| other != &change.id) {
                    let reason =
                        format!("{ALREADY_MAPPED} (desk {} {} is mapped to CRM record {other})", module.kind().singular(), desk.id);
                    return self.fail(
                        Failure::new(Flow::CrmToDesk, module, name, reason)
                            .desk(Some(desk.id))
                            .crm(Some(change.id.clone()))
                            .with_record(record),
                    );
                }
                let base = self.store.fingerprint(&self.plugin, module, &desk.id).map(|f| f.values).unwrap_or_default();
                let mut m = merge(
                    &base,
                    &self.desk_values(module, &desk, &ms.fields),
                    &crm,
                    Some(&desk.updated_at),
                    record.modified_time.as_deref(),
                    ms.direction,
                );
                if secondary_match {
                    // Mapped by secondary email: the desk's primary email
                    // becomes the CRM's.
                    if let Some(email) = crm.get("email").filter(|e| !e.is_null()) {
                        m.to_desk.insert("email".into(), email.clone());
                        m.base.insert("email".into(), email.clone());
                    }
                }
                // Fields the desk won still have to reach the CRM: the export
                // sends what differs from the fingerprint, so they keep their
                // old fingerprint value.
                let mut values = m.base.clone();
                for field in m.to_crm.keys() {
                    values.insert(field.clone(), base.get(field).cloned().unwrap_or(Json::Null));
                }
                let fingerprint = Fingerprint { values, crm_time: record.modified_time.clone() };
                let newly = self.store.crm_id(&self.plugin, module, &desk.id).is_none();
                if !newly && m.to_desk.is_empty() && same(&fingerprint.values, &base) {
                    // Nothing new: a replay, or our own write coming back.
                    return Ok(());
                }
                let fields: Map<String, Json> = m.to_desk.into_iter().collect();
                // An existing desk record, newly matched or not: updated, not
                // added (the history says what really happened).
                self.write_desk(module, Some(&desk.id), fields, &change.id, &fingerprint).map(|_| "updated")
            }
            None => {
                let fields: Map<String, Json> = crm.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect();
                let fingerprint = Fingerprint { values: crm.clone(), crm_time: record.modified_time.clone() };
                self.write_desk(module, None, fields, &change.id, &fingerprint).map(|_| "added")
            }
        };
        if outcome.is_ok() {
            self.store.clear_failures(&self.plugin, module, None, Some(&change.id))?;
        }
        match outcome {
            Ok("added") => counts.added += 1,
            Ok(_) => counts.updated += 1,
            Err(e @ (DeskError::Invalid { .. } | DeskError::Refused(_) | DeskError::NotFound { .. })) => {
                counts.failed += 1;
                self.fail(
                    Failure::new(Flow::CrmToDesk, module, name, desk_reason(&e, &crm)).crm(Some(change.id.clone())).with_record(record),
                )?;
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// Writes a desk record with its mapping and fingerprint, atomically.
    fn write_desk(
        &self,
        module: SyncModule,
        id: Option<&str>,
        fields: Map<String, Json>,
        crm_id: &str,
        fingerprint: &Fingerprint,
    ) -> Result<Record, DeskError> {
        let plugin = self.plugin.clone();
        self.desk.write_with(module.kind(), id, fields, &self.origin(), &self.store.trees(), |txs, record| {
            SyncStore::link_tx(txs, &plugin, module, &record.id, crm_id, fingerprint)
        })
    }

    /// The desk record an unmapped CRM record is the same as: contacts by
    /// email (and secondary email when chosen), accounts by account name,
    /// products by product name. The flag says it matched by secondary email.
    fn duplicate_match(&self, module: SyncModule, ms: &ModuleSettings, crm: &Values) -> (Option<Record>, bool) {
        let key = module.duplicate_key();
        if let Some(value) = crm.get(key).and_then(Json::as_str).filter(|v| !v.is_empty()) {
            if let Some(found) = self.desk.find(module.kind(), key, value).into_iter().next() {
                return (Some(found), false);
            }
        }
        if module == SyncModule::Contacts && ms.secondary_email {
            if let Some(secondary) = crm.get("secondary_email").and_then(Json::as_str).filter(|v| !v.is_empty()) {
                if let Some(found) = self.desk.find(Kind::Contact, "email", secondary).into_iter().next() {
                    return (Some(found), true);
                }
            }
        }
        if module == SyncModule::Contacts && text(crm, "email").is_empty() {
            return (self.match_without_email(crm), false);
        }
        (None, false)
    }

    /// A contact without email matches by its second key: first and last
    /// name and account, all equal (case-insensitive; absent equals absent),
    /// among desk contacts that have no email and sync with nothing yet.
    /// Only a single candidate matches: two lookalikes stay apart.
    fn match_without_email(&self, crm: &Values) -> Option<Record> {
        let last = text(crm, "last_name");
        if last.is_empty() {
            return None;
        }
        let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        let mut candidates = self.desk.find(Kind::Contact, "last_name", &last).into_iter().filter(|r| {
            r.text("email").unwrap_or("").is_empty()
                && same(r.text("first_name").unwrap_or(""), &text(crm, "first_name"))
                && same(r.text("account_id").unwrap_or(""), &text(crm, "account_id"))
                && self.store.crm_id(&self.plugin, SyncModule::Contacts, &r.id).is_none()
        });
        match (candidates.next(), candidates.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }

    fn crm_deleted(&self, module: SyncModule, ms: &ModuleSettings, desk_id: &str) -> Result<(), DeskError> {
        let delete = match ms.on_crm_delete {
            OnCrmDelete::Always => true,
            OnCrmDelete::IfNoAssociates => self.desk.associates(module.kind(), desk_id).is_empty(),
            OnCrmDelete::Never => false,
        };
        if delete && self.desk.get(module.kind(), desk_id).is_some() {
            let entry = self.desk.delete(module.kind(), desk_id, true, &self.origin())?;
            // Associates that sync themselves (an account's contacts) went
            // to the bin too: unmap them, so they sync again when restored
            // or changed in the CRM, instead of never again.
            for associate in &entry.associates {
                if let Some(m) = module_of(associate.kind) {
                    self.store.unlink(&self.plugin, m, &associate.id)?;
                }
            }
        }
        self.store.unlink(&self.plugin, module, desk_id)
    }

    // ---- desk -> CRM ----

    /// Exports the desk's changes of the modules imported in this run
    /// (`metas`: their CRM field metadata).
    async fn export(
        &self,
        plugin: &Arc<Plugin>,
        metas: &BTreeMap<SyncModule, Vec<FieldMeta>>,
    ) -> Result<BTreeMap<SyncModule, Counts>, SyncError> {
        self.checkpoint()?;
        let settings = self.settings();
        let exported = |module: &SyncModule| {
            metas.contains_key(module) && settings.modules.get(module).is_some_and(|m| m.enabled && m.direction == Direction::TwoWay)
        };
        // First sync: the desk's records created during the last year.
        let first: BTreeSet<SyncModule> =
            SyncModule::ALL.into_iter().filter(|m| exported(m) && !self.store.first_sync_done(&self.plugin, *m)).collect();
        // A module in its first sync walks its records a page at a time
        // (holding no list of them): every record of the last year, those
        // the change log lists included. The change log lists every record
        // the desk ever wrote; older ones wait until they change after the
        // first sync.
        let mut pending: BTreeMap<SyncModule, Outbox> = first.iter().map(|&m| (m, Outbox::Walk { after: None })).collect();
        // Then what changed since the last export.
        let origin = self.origin();
        let mut seq = self.store.desk_seq(&self.plugin);
        let mut deletions = Vec::new();
        loop {
            let changes = self.desk.changes_after(seq, 1000);
            let Some(last) = changes.last().map(|c| c.seq) else { break };
            for c in changes.iter().filter(|c| c.origin != origin) {
                let Some(module) = module_of(c.kind).filter(exported) else { continue };
                match c.op {
                    ChangeOp::Deleted => deletions.push((module, c.id.clone())),
                    _ => {
                        if let Outbox::Listed(ids) = pending.entry(module).or_insert_with(|| Outbox::Listed(BTreeSet::new())) {
                            ids.insert(c.id.clone());
                        }
                    }
                }
            }
            seq = Some(last);
        }
        let mut out = BTreeMap::new();
        for (module, ids) in pending {
            let Some(meta) = metas.get(&module) else { continue };
            let counts = self.export_records(plugin, module, meta, ids, Patience::Background).await?;
            out.insert(module, counts);
        }
        for (module, desk_id) in deletions {
            self.checkpoint()?;
            // The delete preference as saved now.
            let Some(ms) = self.exporting(module) else { continue };
            if let Some(crm_id) = self.store.crm_id(&self.plugin, module, &desk_id) {
                if ms.on_desk_delete == OnDeskDelete::Always {
                    let outcome = with_retry(|| plugin.delete(module.module(), std::slice::from_ref(&crm_id))).await?;
                    if let Some(Err(e)) = outcome.first() {
                        if !matches!(e, ConnectorError::NotFound(_)) {
                            self.fail(
                                Failure::new(Flow::DeskToCrm, module, desk_id.clone(), reason(e))
                                    .desk(Some(desk_id.clone()))
                                    .crm(Some(crm_id.clone())),
                            )?;
                            continue;
                        }
                    }
                }
                self.store.unlink(&self.plugin, module, &desk_id)?;
            }
        }
        // Everything up to `seq` is in the CRM (or in the failure log).
        if let Some(seq) = seq {
            self.store.set_desk_seq(&self.plugin, seq)?;
        }
        Ok(out)
    }

    /// A desk record's mapped fields as CRM fields, references as CRM ids.
    fn crm_fields(
        &self,
        module: SyncModule,
        values: &Values,
        pairs: &[FieldPair],
        meta: &[FieldMeta],
    ) -> Result<Vec<Field>, mapping::ValueMismatch> {
        // Only the fields given: the rest stay as the CRM has them.
        let pairs: Vec<FieldPair> = pairs.iter().filter(|p| values.contains_key(&p.desk)).cloned().collect();
        let mut plain = Map::new();
        let mut refs = Vec::new();
        for pair in &pairs {
            let value = values.get(&pair.desk).cloned().unwrap_or(Json::Null);
            match ref_kind(module.kind(), &pair.desk) {
                Some(target) => {
                    let crm_id = value.as_str().and_then(|id| module_of(target).and_then(|m| self.store.crm_id(&self.plugin, m, id)));
                    if let Some(crm_id) = crm_id {
                        let target_module = module_of(target).map(SyncModule::module).expect("references point at synced modules");
                        refs.push(Field {
                            name: pair.crm.clone(),
                            label: None,
                            value: Value::Reference(RecordRef { module: target_module, id: crm_id, name: None }),
                        });
                    }
                }
                None => {
                    plain.insert(pair.desk.clone(), value);
                }
            }
        }
        let plain_pairs: Vec<FieldPair> = pairs.iter().filter(|p| ref_kind(module.kind(), &p.desk).is_none()).cloned().collect();
        let mut fields = mapping::desk_to_crm(&plain, &plain_pairs, meta)?;
        fields.extend(refs);
        Ok(fields)
    }

    /// Sends desk records to the CRM, 100 at a time, each batch with the
    /// module's settings as saved when it is made.
    async fn export_records(
        &self,
        plugin: &Arc<Plugin>,
        module: SyncModule,
        meta: &[FieldMeta],
        mut ids: Outbox,
        patience: Patience,
    ) -> Result<Counts, SyncError> {
        let mut counts = Counts::default();
        // Duplicate-key values claimed by a record of this run that the CRM
        // has not yet taken (once mapped, the desk's index finds it).
        let mut claimed: HashMap<String, String> = HashMap::new();
        // The batch the CRM is taking, on a task of its own (the CRM's
        // answer, the plugin writing and reading JSON), while the next batch
        // is made here: the two overlap. Batches are made, sent and recorded
        // in order; a record claimed by an earlier batch is known to the
        // next through `claimed`.
        let mut sending: Option<Sending> = None;
        let mut flushing = Flushes::new();
        while let Some(chunk) = ids.next_chunk(&self.desk, module.kind()) {
            let next = self.next_batch(module, meta, &chunk, &mut claimed, &mut counts);
            // Whatever became of the next batch (a pause, an error), what
            // the CRM took of the one before is recorded first: a record it
            // created and the desk did not map would be created again.
            if let Some(sent) = sending.take() {
                self.record_batch(module, sent, &mut counts, &mut claimed, &mut flushing).await?;
            }
            // Disabled or made one-way during the run: nothing more goes out.
            let Some((batch, ms)) = next? else { break };
            sending = self.send_batch(plugin, module, &ms, batch, patience);
        }
        if let Some(sent) = sending.take() {
            self.record_batch(module, sent, &mut counts, &mut claimed, &mut flushing).await?;
        }
        flushing.finish(&self.store)?;
        Ok(counts)
    }

    /// The next batch to send, with the module's settings as saved now;
    /// `None` when the module no longer exports.
    fn next_batch(
        &self,
        module: SyncModule,
        meta: &[FieldMeta],
        chunk: &[String],
        claimed: &mut HashMap<String, String>,
        counts: &mut Counts,
    ) -> Result<Option<(Vec<Outgoing>, ModuleSettings)>, SyncError> {
        self.checkpoint()?;
        let Some(ms) = self.exporting(module) else { return Ok(None) };
        Ok(Some((self.export_batch(module, &ms, meta, chunk, claimed, counts)?, ms)))
    }

    /// The CRM records to write for these desk records: only fields the desk
    /// changed since the last sync. Records that cannot go are logged.
    fn export_batch(
        &self,
        module: SyncModule,
        ms: &ModuleSettings,
        meta: &[FieldMeta],
        ids: &[String],
        claimed: &mut HashMap<String, String>,
        counts: &mut Counts,
    ) -> Result<Vec<Outgoing>, SyncError> {
        let mut batch = Vec::new();
        for id in ids {
            let id = id.clone();
            let Some(record) = self.desk.get(module.kind(), &id) else { continue };
            if module == SyncModule::Products
                && !ms.departments.is_empty()
                && !ms.departments.iter().any(|d| record.text("department") == Some(d.as_str()))
            {
                continue;
            }
            let values = self.desk_values(module, &record, &ms.fields);
            let crm_id = self.store.crm_id(&self.plugin, module, &id);
            let base = self.store.fingerprint(&self.plugin, module, &id).map(|f| f.values).unwrap_or_default();
            // Only fields the desk changed since the last sync go out.
            let changed: Values = match &crm_id {
                Some(_) => {
                    values.iter().filter(|(k, v)| base.get(*k).unwrap_or(&Json::Null) != *v).map(|(k, v)| (k.clone(), v.clone())).collect()
                }
                None => values.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect(),
            };
            if changed.is_empty() {
                continue;
            }
            match self.crm_fields(module, &changed, &ms.fields, meta) {
                Ok(fields) if fields.is_empty() && crm_id.is_some() => continue,
                Ok(fields) => {
                    if crm_id.is_none() {
                        if let Some(holder) = self.key_holder(module, &record, claimed) {
                            counts.failed += 1;
                            let reason = duplicate_in_desk(module, &holder);
                            self.fail(Failure::new(Flow::DeskToCrm, module, name_of(|f| record.fields.get(f)), reason).desk(Some(id)))?;
                            continue;
                        }
                    }
                    // What both sides hold once the CRM takes it.
                    let mut new_base = if crm_id.is_none() { values.clone() } else { base.clone() };
                    new_base.extend(changed);
                    let creating = crm_id.is_none();
                    batch.push((id, CrmRecord { id: crm_id, fields, created_time: None, modified_time: None }, new_base, creating));
                }
                Err(mismatch) => {
                    counts.failed += 1;
                    let reason = format!("{mismatch} ({})", mismatch.field);
                    self.fail(Failure::new(Flow::DeskToCrm, module, name_of(|f| record.fields.get(f)), reason).desk(Some(id)))?;
                }
            }
        }
        Ok(batch)
    }

    /// Starts writing a batch to the CRM; [`SyncEngine::record_batch`]
    /// records what it acknowledged.
    fn send_batch(
        &self,
        plugin: &Arc<Plugin>,
        module: SyncModule,
        ms: &ModuleSettings,
        batch: Vec<Outgoing>,
        patience: Patience,
    ) -> Option<Sending> {
        if batch.is_empty() {
            return None;
        }
        // Contacts match by email, accounts and products by name, so a
        // record the CRM took but we did not record is not created twice.
        let key = ms.fields.iter().find(|p| p.desk == module.duplicate_key()).map(|p| p.crm.clone());
        let duplicate_check: Vec<String> = key.into_iter().collect();
        let records: Vec<CrmRecord> = batch.iter().map(|(_, r, _, _)| r.clone()).collect();
        let plugin = plugin.clone();
        let upsert = tokio::spawn(async move { patience.call(|| plugin.upsert(module.module(), &records, &duplicate_check)).await });
        Some(Sending { batch, upsert: Prefetch(upsert) })
    }

    /// Records what the CRM acknowledged of a batch: mappings and
    /// fingerprints, or failures.
    async fn record_batch(
        &self,
        module: SyncModule,
        sending: Sending,
        counts: &mut Counts,
        claimed: &mut HashMap<String, String>,
        flushing: &mut Flushes,
    ) -> Result<(), SyncError> {
        let Sending { batch, upsert } = sending;
        let outcomes = upsert.join().await?;
        self.staged(counts, |engine, counts| engine.record_outcomes(module, &batch, &outcomes, counts))?;
        // Keys of records now mapped are found through the desk's index; a
        // refused record keeps its claim, as it holds the key in the desk.
        let mapped: BTreeSet<&str> =
            batch.iter().map(|(desk_id, ..)| desk_id.as_str()).filter(|id| self.store.crm_id(&self.plugin, module, id).is_some()).collect();
        claimed.retain(|_, holder| !mapped.contains(holder.as_str()));
        flushing.due(&self.store)?;
        self.set_progress(|p| p.done += batch.len() as u64);
        Ok(())
    }

    /// Maps what the CRM took of a batch, logs what it refused.
    fn record_outcomes(
        &self,
        module: SyncModule,
        batch: &[Outgoing],
        outcomes: &[Result<crate::contract::Written, ConnectorError>],
        counts: &mut Counts,
    ) -> Result<(), DeskError> {
        for ((desk_id, record, values, creating), outcome) in batch.iter().zip(outcomes) {
            match outcome {
                Ok(written) => {
                    let fingerprint = Fingerprint { values: values.clone(), crm_time: written.modified_time.clone() };
                    match self.store.link(&self.plugin, module, desk_id, &written.id, &fingerprint) {
                        Ok(()) => {
                            self.store.clear_failures(&self.plugin, module, Some(desk_id), None)?;
                            if *creating {
                                counts.added += 1;
                            } else {
                                counts.updated += 1;
                            }
                        }
                        Err(e) => {
                            counts.failed += 1;
                            let name = self
                                .desk
                                .get(module.kind(), desk_id)
                                .map(|r| name_of(|f| r.fields.get(f)))
                                .unwrap_or_else(|| desk_id.clone());
                            self.fail(
                                Failure::new(Flow::DeskToCrm, module, name, e.to_string())
                                    .desk(Some(desk_id.clone()))
                                    .crm(Some(written.id.clone()))
                                    .with_record(record),
                            )?;
                        }
                    }
                }
                Err(e) => {
                    counts.failed += 1;
                    let name =
                        self.desk.get(module.kind(), desk_id).map(|r| name_of(|f| r.fields.get(f))).unwrap_or_else(|| desk_id.clone());
                    self.fail(
                        Failure::new(Flow::DeskToCrm, module, name, reason(e))
                            .desk(Some(desk_id.clone()))
                            .crm(record.id.clone())
                            .with_record(record),
                    )?;
                }
            }
        }
        Ok(())
    }

    /// The desk record that already holds `record`'s duplicate key (email,
    /// account or product name) for the CRM: one that is mapped, or one
    /// earlier in this batch. The CRM keeps one record per key, so sending
    /// a second would overwrite the first's CRM record. Claims the key for
    /// `record` when free.
    fn key_holder(&self, module: SyncModule, record: &Record, claimed: &mut HashMap<String, String>) -> Option<Record> {
        let key = module.duplicate_key();
        let value = record.text(key).map(str::trim).filter(|v| !v.is_empty())?;
        let folded = value.to_lowercase();
        if let Some(holder) = claimed.get(&folded).and_then(|id| self.desk.get(module.kind(), id)) {
            return Some(holder);
        }
        let mapped = self
            .desk
            .find(module.kind(), key, value)
            .into_iter()
            .find(|other| other.id != record.id && self.store.crm_id(&self.plugin, module, &other.id).is_some());
        if mapped.is_none() {
            claimed.insert(folded, record.id.clone());
        }
        mapped
    }

    /// "Try Again": syncs a failed record once more and drops its entry
    /// when that works (a new entry is logged when it fails again). An
    /// entry that is gone counts as synced: a later sync cleared it.
    pub async fn retry(&self, failure_id: &str) -> Result<bool, SyncError> {
        let _one = self.running.lock().await;
        // Paused means no data moves, Try Again included.
        if self.settings().paused {
            return Err(SyncError::Paused);
        }
        // Gone already: a later sync of the record succeeded.
        let Some(failure) = self.store.failures(&self.plugin).into_iter().find(|f| f.id == failure_id) else { return Ok(true) };
        // The module no longer syncs that way (disabled, or made one-way):
        // the entry stays.
        let ms = match failure.direction {
            Flow::CrmToDesk => self.module_settings(failure.module),
            Flow::DeskToCrm => self.exporting(failure.module),
        };
        let Some(ms) = ms else { return Ok(false) };
        let plugin = self.plugin()?;
        self.store.take_failure(&self.plugin, failure_id)?;
        let ms = &ms;
        let before = self.store.failures(&self.plugin).len();
        match failure.direction {
            Flow::CrmToDesk => {
                let record: Option<CrmRecord> = failure.crm_record.clone().and_then(|r| serde_json::from_value(r).ok());
                if let (Some(record), Some(crm_id)) = (record, failure.crm_id.clone()) {
                    let change = Change { kind: ChangeKind::Updated, id: crm_id, record: Some(record), changed_time: None };
                    self.apply_crm_change(failure.module, ms, &change, &mut Counts::default())?;
                }
            }
            Flow::DeskToCrm => {
                if let Some(desk_id) = failure.desk_id.clone() {
                    // An admin clicked Try Again and waits: one attempt each.
                    let meta = plugin.describe_module(failure.module.module()).await?;
                    self.export_records(&plugin, failure.module, &meta, Outbox::Listed(BTreeSet::from([desk_id])), Patience::Interactive)
                        .await?;
                }
            }
        }
        self.store.flush()?;
        Ok(self.store.failures(&self.plugin).len() <= before)
    }
}

/// A desk record on its way to the CRM: desk id, the CRM record to write,
/// what both sides hold once the CRM takes it, and whether it is new there.
type Outgoing = (String, CrmRecord, Values, bool);

/// The desk records an export sends, a batch at a time.
enum Outbox {
    /// Every record of the module created in the last year, walked in id
    /// order from after `after` (a first sync).
    Walk { after: Option<String> },
    /// These records (changed since the last export, or one to retry).
    Listed(BTreeSet<String>),
}

impl Outbox {
    /// The ids of the next batch, `None` when none is left.
    fn next_chunk(&mut self, desk: &Desk, kind: Kind) -> Option<Vec<String>> {
        match self {
            Outbox::Walk { after } => loop {
                let page = desk.page_after(kind, after.as_deref(), BATCH);
                *after = Some(page.last()?.id.clone());
                let ids: Vec<String> = page.into_iter().filter(within_first_sync).map(|r| r.id).collect();
                if !ids.is_empty() {
                    return Some(ids);
                }
            },
            Outbox::Listed(ids) => {
                let chunk: Vec<String> = std::iter::from_fn(|| ids.pop_first()).take(BATCH).collect();
                (!chunk.is_empty()).then_some(chunk)
            }
        }
    }
}

/// A batch on its way to the CRM, and the call taking it there.
struct Sending {
    batch: Vec<Outgoing>,
    upsert: Prefetch<Result<Vec<Result<crate::contract::Written, ConnectorError>>, CallError>>,
}

/// Records per write to the CRM.
const BATCH: usize = 100;

/// The first sync of a module takes the records created during this many
/// days, on both sides.
pub const FIRST_SYNC_DAYS: i64 = 365;

/// Whether a desk record was created during the first sync's window
/// (compared as times: the desk writes milliseconds, the window seconds).
fn within_first_sync(record: &Record) -> bool {
    let since = chrono::Utc::now() - chrono::Duration::days(FIRST_SYNC_DAYS);
    conflict::parse(Some(&record.created_at)).is_some_and(|created| created >= since)
}

/// A value as text, empty when absent or null.
fn text(values: &Values, field: &str) -> String {
    match values.get(field) {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// When the CRM last changed the record a change carries.
fn record_time(change: &Change) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    conflict::parse(change.record.as_ref().and_then(|r| r.modified_time.as_deref()).or(change.changed_time.as_deref()))
}

/// Why a record was kept back: another desk record holds its key.
fn duplicate_in_desk(module: SyncModule, holder: &Record) -> String {
    let what = match module {
        SyncModule::Contacts => "email",
        SyncModule::Accounts => "account name",
        SyncModule::Products => "product name",
    };
    let name = [holder.text("first_name"), holder.text("last_name"), holder.text("account_name"), holder.text("product_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "Not sent to the CRM: {} {name} (desk id {}) already syncs with this {what}, and the CRM keeps one record per {what}. Change the {what} or merge the two records.",
        module.kind().singular(),
        holder.id
    )
}

/// Equal values, an absent field counting as empty.
fn same(a: &Values, b: &Values) -> bool {
    let set = |v: &Values| v.iter().filter(|(_, x)| !x.is_null()).map(|(k, x)| (k.clone(), x.clone())).collect::<Values>();
    set(a) == set(b)
}

/// Whether a plugin call may be retried: in background work under the one
/// retry policy; while someone waits on a page, never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Patience {
    Background,
    Interactive,
}

impl Patience {
    async fn call<T, F, Fut>(self, call: F) -> Result<T, CallError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, CallError>>,
    {
        match self {
            Patience::Background => with_retry(call).await,
            Patience::Interactive => {
                let mut call = call;
                call().await
            }
        }
    }
}

/// Runs a plugin call under the one retry policy (`policy::retry`): rate
/// limits wait what the CRM asked, transient failures back off, both a
/// bounded number of times. Background work only, never a request handler.
pub async fn with_retry<T, F, Fut>(mut call: F) -> Result<T, CallError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, CallError>>,
{
    let mut attempt = 0;
    loop {
        let result = call().await;
        let failure = match result.as_ref().err().and_then(CallError::connector_error) {
            Some(ConnectorError::RateLimited(secs)) => Retryable::RateLimited { retry_after_secs: *secs },
            Some(ConnectorError::Transient(_)) => Retryable::Transient,
            _ => return result,
        };
        attempt += 1;
        match retry::backoff(failure, attempt) {
            Some(wait) => tokio::time::sleep(wait).await,
            None => return result,
        }
    }
}

/// A plugin call running on a task of its own, so the sync's own task
/// can write meanwhile; stopped if dropped unjoined (a run that fails
/// midway leaves nothing fetching for nobody).
struct Prefetch<T>(tokio::task::JoinHandle<T>);

/// Makes what the sync writes durable every [`FLUSH_EVERY`] rather than at
/// every page and batch: a flush is milliseconds of waiting on the disk
/// (sled syncing its log), and a first sync makes hundreds of pages. Order
/// needs no flush: the store keeps writes in order through a crash (see
/// [`SyncStore::note_crm_cursor`]), so a crash takes back at most the last
/// [`FLUSH_EVERY`] of pages, which the next run reads again from the cursor
/// kept. [`Self::finish`] flushes before a walk returns. (Flushing each
/// page on another thread while the next is written was measured too:
/// as fast, but the desk's peak memory grew by half.)
struct Flushes {
    last: std::time::Instant,
}

/// See [`Flushes`]: sled's own background flush runs every 500 ms.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

impl Flushes {
    fn new() -> Flushes {
        Flushes { last: std::time::Instant::now() }
    }

    /// Flushes if the last flush is [`FLUSH_EVERY`] ago.
    fn due(&mut self, store: &SyncStore) -> Result<(), DeskError> {
        if self.last.elapsed() >= FLUSH_EVERY {
            self.finish(store)?;
        }
        Ok(())
    }

    /// Flushes now.
    fn finish(&mut self, store: &SyncStore) -> Result<(), DeskError> {
        store.flush()?;
        self.last = std::time::Instant::now();
        Ok(())
    }
}

impl<T> Prefetch<T> {
    async fn join(mut self) -> T {
        match (&mut self.0).await {
            Ok(value) => value,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => unreachable!("a prefetch is only cancelled when dropped: {e}"),
        }
    }
}

impl<T> Drop for Prefetch<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn crm_codes_of_permanent_errors_get_the_seeds_words() {
        let permanent = |m: &str| reason(&ConnectorError::Permanent(m.into()));
        assert_eq!(
            permanent("REQUIRED_PARAM_MISSING: the module is missing"),
            "Missing Parameter (REQUIRED_PARAM_MISSING: the module is missing)"
        );
        assert!(permanent("MISSING_ARGUMENT: Id not specified").starts_with("Missing Parameter"));
        for code in ["INVALID_DATA", "INVALID_FIELD", "MALFORMED_ID", "INVALID_CROSS_REFERENCE_KEY"] {
            assert!(permanent(&format!("{code}: bad")).starts_with("Incorrect API parameter or Parameter Value ("), "{code}");
        }
        assert_eq!(permanent("Salesforce refused the record without saying why: x"), "Salesforce refused the record without saying why: x");
    }
    use crate::CallErrorKind;

    fn failing(e: ConnectorError) -> CallError {
        CallError { plugin: "p".into(), function: "changes", kind: CallErrorKind::Connector(e) }
    }

    #[test]
    fn a_crm_value_the_desk_refuses_is_logged_in_the_seeds_words() {
        use crate::desk::schema::{FieldError, Problem};
        let invalid =
            |field: &str, problem: Problem| DeskError::Invalid { kind: Kind::Contact, errors: vec![FieldError::new(field, problem)] };
        let values: Values = [("cf_count".to_string(), Json::from("many")), ("cf_rate".to_string(), Json::from(true))].into();
        assert_eq!(desk_reason(&invalid("cf_count", Problem::Integer), &values), "Text value is given for an Integer field (cf_count)");
        assert_eq!(desk_reason(&invalid("cf_rate", Problem::Number), &values), "Boolean value is given for a Decimal field (cf_rate)");
        assert_eq!(desk_reason(&invalid("last_name", Problem::Required), &values), "Mandatory Field Missing (last_name)");
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_and_rate_limits_are_retried_with_backoff() {
        let mut calls = 0;
        let started = tokio::time::Instant::now();
        let result = with_retry(|| {
            calls += 1;
            let n = calls;
            async move {
                match n {
                    1 => Err(failing(ConnectorError::Transient("502".into()))),
                    2 => Err(failing(ConnectorError::RateLimited(7))),
                    _ => Ok("done"),
                }
            }
        })
        .await;
        assert_eq!(result.unwrap(), "done");
        assert_eq!(calls, 3);
        // 250 ms backoff, then the CRM's retry-after of 7 s.
        assert_eq!(started.elapsed(), Duration::from_millis(7250));
    }

    #[tokio::test(start_paused = true)]
    async fn permanent_failures_are_not_retried_and_retries_are_bounded() {
        let mut calls = 0;
        let result: Result<(), _> = with_retry(|| {
            calls += 1;
            async { Err(failing(ConnectorError::Permanent("no".into()))) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls, 1);
        let mut calls = 0;
        let result: Result<(), _> = with_retry(|| {
            calls += 1;
            async { Err(failing(ConnectorError::Transient("down".into()))) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls, 1 + retry::MAX_RETRIES);
    }
}
