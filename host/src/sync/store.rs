//! What the sync engine remembers, in the desk's store: which desk record is which
//! CRM record, what both held after the last sync (the fingerprint), how
//! far each side's changes were read, the 7-day history and the failure
//! log.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::conflict::Values;
use super::settings::{SyncModule, SyncSettings};
use crate::contract::ListView;
use crate::desk::{Abort, DeskError, TxResult, TxTree};

/// How long sync history is kept.
pub const HISTORY_DAYS: i64 = 7;

/// What both sides held after the last sync of a record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub values: Values,
    /// The CRM's modification time the values came with.
    pub crm_time: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Flow {
    CrmToDesk,
    DeskToCrm,
}

/// One line of sync history: a run's counts for one direction and module.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub at: String,
    pub direction: Flow,
    pub module: SyncModule,
    pub added: u64,
    pub updated: u64,
    pub failed: u64,
}

/// The runs of a plugin's sync so far, see [`SyncStore::run_mark`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunMark {
    pub started: u64,
    pub open: bool,
}

/// A record that could not be synced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub id: String,
    pub at: String,
    pub direction: Flow,
    pub module: SyncModule,
    pub desk_id: Option<String>,
    pub crm_id: Option<String>,
    /// A name to recognise the record by.
    pub record: String,
    /// The seeds' message, e.g. "Mandatory Field Missing".
    pub reason: String,
    /// The CRM record as it came, so Try Again can apply it again.
    pub crm_record: Option<Json>,
}

impl Failure {
    /// A failure to log; `id` and `at` are set when it is logged.
    pub fn new(direction: Flow, module: SyncModule, record: String, reason: String) -> Failure {
        Failure { id: String::new(), at: String::new(), direction, module, desk_id: None, crm_id: None, record, reason, crm_record: None }
    }

    pub fn desk(mut self, id: Option<String>) -> Failure {
        self.desk_id = id;
        self
    }

    pub fn crm(mut self, id: Option<String>) -> Failure {
        self.crm_id = id;
        self
    }

    /// Keeps the CRM record, so Try Again can apply it again.
    pub fn with_record(mut self, record: &crate::contract::CrmRecord) -> Failure {
        self.crm_record = Some(serde_json::to_value(record).expect("records serialise"));
        self
    }
}

#[derive(Clone)]
pub struct SyncStore {
    db: deskpane_store::Store,
    map: deskpane_store::Tree,
    base: deskpane_store::Tree,
    state: deskpane_store::Tree,
    history: deskpane_store::Tree,
    failures: deskpane_store::Tree,
}

fn map_key(plugin: &str, module: SyncModule, side: char, id: &str) -> Vec<u8> {
    format!("{side}/{plugin}/{}/{id}", module.name()).into_bytes()
}

fn base_key(plugin: &str, module: SyncModule, desk_id: &str) -> Vec<u8> {
    format!("{plugin}/{}/{desk_id}", module.name()).into_bytes()
}

fn json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("sync state serialises")
}

fn parse<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Option<T> {
    serde_json::from_slice(bytes).ok()
}

fn storage(e: deskpane_store::StoreError) -> DeskError {
    DeskError::Storage(e)
}

impl SyncStore {
    pub fn open(db: &deskpane_store::Store) -> Result<SyncStore, DeskError> {
        let tree = |name: &str| db.tree(name).map_err(storage);
        Ok(SyncStore {
            db: db.clone(),
            map: tree("sync.map")?,
            base: tree("sync.fingerprints")?,
            state: tree("sync.state")?,
            history: tree("sync.history")?,
            failures: tree("sync.failures")?,
        })
    }

    /// The trees a desk write must update with the mapping, for
    /// [`crate::desk::Desk::write_with`]: mapping, then fingerprints.
    pub fn trees(&self) -> [&deskpane_store::Tree; 2] {
        [&self.map, &self.base]
    }

    /// Records, inside a transaction over [`SyncStore::trees`], that
    /// `desk_id` is `crm_id` and what both now hold.
    pub fn link_tx(
        txs: &[TxTree],
        plugin: &str,
        module: SyncModule,
        desk_id: &str,
        crm_id: &str,
        fingerprint: &Fingerprint,
    ) -> TxResult<()> {
        let (map, base) = (&txs[0], &txs[1]);
        // A CRM record mapped to another desk record is a duplicate.
        if let Some(other) = map.get(map_key(plugin, module, 'c', crm_id))? {
            if other != desk_id.as_bytes() {
                return Err(Abort::Abort(DeskError::Refused(ALREADY_MAPPED.into())));
            }
        }
        map.insert(map_key(plugin, module, 'd', desk_id), crm_id.as_bytes())?;
        map.insert(map_key(plugin, module, 'c', crm_id), desk_id.as_bytes())?;
        base.insert(base_key(plugin, module, desk_id), json(fingerprint))?;
        Ok(())
    }

    /// Links outside a desk write (the CRM acknowledged a desk record).
    /// Not flushed: the caller flushes once per batch.
    pub fn link(&self, plugin: &str, module: SyncModule, desk_id: &str, crm_id: &str, fingerprint: &Fingerprint) -> Result<(), DeskError> {
        self.db.transaction(&self.trees(), |txs| Self::link_tx(txs, plugin, module, desk_id, crm_id, fingerprint))?;
        Ok(())
    }

    /// The lock on `plugin`'s sync among the desk replicas on the store;
    /// `None` while another holds it.
    pub fn lease(&self, plugin: &str) -> Result<Option<deskpane_store::Lock>, DeskError> {
        self.db.try_lock(&format!("sync/{plugin}")).map_err(storage)
    }

    /// How many runs of `plugin`'s sync have started, and whether the last
    /// one is still open: open while nobody holds the plugin's lease means
    /// the replica running it stopped part way.
    pub fn run_mark(&self, plugin: &str) -> RunMark {
        self.get_state(&format!("run/{plugin}")).and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default()
    }

    /// A run starts (under the plugin's lease): its number.
    pub fn open_run(&self, plugin: &str) -> Result<u64, DeskError> {
        let started = self.run_mark(plugin).started + 1;
        self.set_state(&format!("run/{plugin}"), &serde_json::to_string(&RunMark { started, open: true }).expect("mark serialises"))?;
        Ok(started)
    }

    /// The run that started last came to its end (done, failed or paused).
    pub fn close_run(&self, plugin: &str) -> Result<(), DeskError> {
        let started = self.run_mark(plugin).started;
        self.set_state(&format!("run/{plugin}"), &serde_json::to_string(&RunMark { started, open: false }).expect("mark serialises"))
    }

    /// Tells every desk replica on the store (see [`deskpane_store::Store::notify`]).
    pub fn announce(&self, topic: &str, body: &str) -> Result<(), DeskError> {
        self.db.notify(topic, body).map_err(storage)
    }

    /// Makes everything written so far durable.
    pub fn flush(&self) -> Result<(), DeskError> {
        self.db.flush().map_err(storage)?;
        Ok(())
    }

    pub fn unlink(&self, plugin: &str, module: SyncModule, desk_id: &str) -> Result<(), DeskError> {
        if let Some(crm) = self.map.remove(map_key(plugin, module, 'd', desk_id)).map_err(storage)? {
            self.map.remove(map_key(plugin, module, 'c', &String::from_utf8_lossy(&crm))).map_err(storage)?;
        }
        self.base.remove(base_key(plugin, module, desk_id)).map_err(storage)?;
        self.db.flush().map_err(storage)?;
        Ok(())
    }

    pub fn crm_id(&self, plugin: &str, module: SyncModule, desk_id: &str) -> Option<String> {
        self.map.get(map_key(plugin, module, 'd', desk_id)).ok().flatten().map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    pub fn desk_id(&self, plugin: &str, module: SyncModule, crm_id: &str) -> Option<String> {
        self.map.get(map_key(plugin, module, 'c', crm_id)).ok().flatten().map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    pub fn fingerprint(&self, plugin: &str, module: SyncModule, desk_id: &str) -> Option<Fingerprint> {
        self.base.get(base_key(plugin, module, desk_id)).ok().flatten().and_then(|v| parse(&v))
    }

    /// Number of mapped records of a module.
    pub fn mapped_count(&self, plugin: &str, module: SyncModule) -> usize {
        self.map.scan_prefix(format!("d/{plugin}/{}/", module.name())).count()
    }

    fn get_state(&self, key: &str) -> Option<String> {
        self.state.get(key).ok().flatten().map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    fn set_state(&self, key: &str, value: &str) -> Result<(), DeskError> {
        self.put_state(key, value)?;
        self.db.flush().map_err(storage)?;
        Ok(())
    }

    fn put_state(&self, key: &str, value: &str) -> Result<(), DeskError> {
        self.state.insert(key, value.as_bytes()).map_err(storage)
    }

    /// Where the CRM's change feed was last read to.
    pub fn crm_cursor(&self, plugin: &str, module: SyncModule) -> Option<String> {
        self.get_state(&format!("cursor/{plugin}/{}", module.name()))
    }

    /// Moves the cursor, durable at the next [`Self::flush`]. Write it after
    /// the records it covers: the store keeps writes in order through a
    /// crash (sled recovers a prefix of its log), so a cursor is never kept
    /// without them.
    pub fn note_crm_cursor(&self, plugin: &str, module: SyncModule, cursor: &str) -> Result<(), DeskError> {
        self.put_state(&format!("cursor/{plugin}/{}", module.name()), cursor)
    }

    /// The desk change-log position last exported.
    pub fn desk_seq(&self, plugin: &str) -> Option<u64> {
        self.get_state(&format!("deskseq/{plugin}")).and_then(|s| s.parse().ok())
    }

    pub fn set_desk_seq(&self, plugin: &str, seq: u64) -> Result<(), DeskError> {
        self.set_state(&format!("deskseq/{plugin}"), &seq.to_string())
    }

    /// Whether the first sync (bulk import and export) of a module is done.
    pub fn first_sync_done(&self, plugin: &str, module: SyncModule) -> bool {
        self.get_state(&format!("first/{plugin}/{}", module.name())).is_some()
    }

    pub fn set_first_sync_done(&self, plugin: &str, module: SyncModule) -> Result<(), DeskError> {
        self.set_state(&format!("first/{plugin}/{}", module.name()), &crate::clock::now())
    }

    pub fn settings(&self, plugin: &str) -> Option<SyncSettings> {
        self.get_state(&format!("settings/{plugin}")).and_then(|s| serde_json::from_str(&s).ok())
    }

    pub fn set_settings(&self, plugin: &str, settings: &SyncSettings) -> Result<(), DeskError> {
        self.set_state(&format!("settings/{plugin}"), &serde_json::to_string(settings).expect("settings serialise"))
    }

    /// The secret a CRM's notifications must carry.
    pub fn hook_token(&self, plugin: &str) -> Option<String> {
        self.get_state(&format!("hook/{plugin}"))
    }

    /// The hook token, made now if there is none yet: replicas watching
    /// at the same moment agree on one (the first stored), or the CRM
    /// would sign with a token the store no longer holds.
    pub fn hook_token_or_new(&self, plugin: &str) -> Result<String, DeskError> {
        if let Some(token) = self.hook_token(plugin) {
            return Ok(token);
        }
        // 160 bits in 40 characters: CRMs limit a channel token's length
        // (Zoho: 50).
        let fresh = crate::secrets::random_hex(20);
        let key = format!("hook/{plugin}");
        let token = self.db.transaction(&[&self.state], |txs| match txs[0].get(&key)? {
            Some(stored) => Ok(String::from_utf8_lossy(&stored).into_owned()),
            None => {
                txs[0].insert(key.as_bytes(), fresh.as_bytes())?;
                Ok(fresh.clone())
            }
        })?;
        self.db.flush().map_err(storage)?;
        Ok(token)
    }

    pub fn set_hook_token(&self, plugin: &str, token: &str) -> Result<(), DeskError> {
        self.set_state(&format!("hook/{plugin}"), token)
    }

    /// The CRM's list views of a module as it last listed them, and when
    /// (RFC 3339): the sync page names the saved selection by them while
    /// the CRM does not answer.
    pub fn last_list_views(&self, plugin: &str, module: SyncModule) -> Option<(String, Vec<ListView>)> {
        self.get_state(&format!("views/{plugin}/{}", module.name())).and_then(|s| serde_json::from_str(&s).ok())
    }

    /// Keeps what the CRM just listed; written only when it changed.
    pub fn set_last_list_views(&self, plugin: &str, module: SyncModule, views: &[ListView]) -> Result<(), DeskError> {
        if self.last_list_views(plugin, module).is_some_and(|(_, known)| known == views) {
            return Ok(());
        }
        let value = serde_json::to_string(&(crate::clock::now(), views)).expect("list views serialise");
        self.set_state(&format!("views/{plugin}/{}", module.name()), &value)
    }

    /// Adds an entry (its `at` is when it was written: RFC 3339 UTC to the
    /// second, as [`crate::clock::now`]) and prunes as of then.
    pub fn add_history(&self, plugin: &str, entry: &HistoryEntry) -> Result<(), DeskError> {
        let key = format!("{plugin}/{}/{:020}", entry.at, self.db.generate_id().map_err(storage)?);
        self.history.insert(key, json(entry)).map_err(storage)?;
        self.prune_history(plugin, &entry.at)
    }

    /// Keeps 7 days before `now`: on every write and every read, so a quiet
    /// week does not leave old entries behind.
    fn prune_history(&self, plugin: &str, now: &str) -> Result<(), DeskError> {
        let Some(cutoff) = history_cutoff(now) else { return Ok(()) };
        let old: Vec<_> = self
            .history
            .range(format!("{plugin}/").into_bytes()..format!("{plugin}/{cutoff}").into_bytes())
            .keys()
            .filter_map(Result::ok)
            .collect();
        for k in old {
            self.history.remove(k).map_err(storage)?;
        }
        Ok(())
    }

    /// Newest first.
    pub fn history(&self, plugin: &str) -> Vec<HistoryEntry> {
        self.history_at(plugin, &crate::clock::now())
    }

    /// The history as it stands at `now` (RFC 3339): entries more than 7
    /// days older are pruned first. [`Self::history`] is this at the clock's
    /// now; tests pass a later time rather than wait a week.
    pub fn history_at(&self, plugin: &str, now: &str) -> Vec<HistoryEntry> {
        if let Err(e) = self.prune_history(plugin, now) {
            tracing::warn!(plugin, "pruning the sync history failed: {e}");
        }
        let mut out: Vec<HistoryEntry> =
            self.history.scan_prefix(format!("{plugin}/")).values().filter_map(Result::ok).filter_map(|v| parse(&v)).collect();
        out.reverse();
        out
    }

    /// Logs a failure. An older entry of the same record, module and
    /// direction is replaced: the log shows each record's latest failure
    /// once, not every attempt.
    pub fn add_failure(&self, plugin: &str, mut failure: Failure) -> Result<Failure, DeskError> {
        let same_record = |f: &Failure| {
            f.module == failure.module
                && f.direction == failure.direction
                && ((failure.desk_id.is_some() && f.desk_id == failure.desk_id) || (failure.crm_id.is_some() && f.crm_id == failure.crm_id))
        };
        for old in self.failures(plugin).into_iter().filter(same_record) {
            self.failures.remove(format!("{plugin}/{}", old.id)).map_err(storage)?;
        }
        failure.id = format!("{:020}", self.db.generate_id().map_err(storage)?);
        self.failures.insert(format!("{plugin}/{}", failure.id), json(&failure)).map_err(storage)?;
        Ok(failure)
    }

    /// Newest first.
    pub fn failures(&self, plugin: &str) -> Vec<Failure> {
        let mut out: Vec<Failure> =
            self.failures.scan_prefix(format!("{plugin}/")).values().filter_map(Result::ok).filter_map(|v| parse(&v)).collect();
        out.reverse();
        out
    }

    /// Drops a record's failure entries once it synced after all.
    pub fn clear_failures(&self, plugin: &str, module: SyncModule, desk_id: Option<&str>, crm_id: Option<&str>) -> Result<(), DeskError> {
        for (key, value) in self.failures.scan_prefix(format!("{plugin}/")).filter_map(Result::ok) {
            let Some(f) = parse::<Failure>(&value) else { continue };
            let same = f.module == module
                && ((desk_id.is_some() && f.desk_id.as_deref() == desk_id) || (crm_id.is_some() && f.crm_id.as_deref() == crm_id));
            if same {
                self.failures.remove(key).map_err(storage)?;
            }
        }
        Ok(())
    }

    pub fn take_failure(&self, plugin: &str, id: &str) -> Result<Option<Failure>, DeskError> {
        Ok(self.failures.remove(format!("{plugin}/{id}")).map_err(storage)?.and_then(|v| parse(&v)))
    }

    /// Forgets everything of a plugin (the integration was deleted).
    pub fn forget(&self, plugin: &str) -> Result<(), DeskError> {
        for tree in [&self.history, &self.failures] {
            for k in tree.scan_prefix(format!("{plugin}/")).keys().filter_map(Result::ok) {
                tree.remove(k).map_err(storage)?;
            }
        }
        for k in self.base.scan_prefix(format!("{plugin}/")).keys().filter_map(Result::ok) {
            self.base.remove(k).map_err(storage)?;
        }
        for side in ['d', 'c'] {
            for k in self.map.scan_prefix(format!("{side}/{plugin}/")).keys().filter_map(Result::ok) {
                self.map.remove(k).map_err(storage)?;
            }
        }
        // Exact keys and `{plugin}/` prefixes only: forgetting `zoho` must
        // not touch `zoho-crm`.
        for prefix in ["cursor", "deskseq", "first", "settings", "hook", "views", "run"] {
            self.state.remove(format!("{prefix}/{plugin}")).map_err(storage)?;
            for k in self.state.scan_prefix(format!("{prefix}/{plugin}/")).keys().filter_map(Result::ok) {
                self.state.remove(k).map_err(storage)?;
            }
        }
        self.db.flush().map_err(storage)?;
        Ok(())
    }
}

/// Where the history kept at `now` begins, in the form history keys use
/// (UTC to the second, so text order is time order).
fn history_cutoff(now: &str) -> Option<String> {
    let now = chrono::DateTime::parse_from_rfc3339(now).ok()?;
    Some((now - chrono::Duration::days(HISTORY_DAYS)).with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// The seeds' message for a CRM record mapped to another desk record.
pub const ALREADY_MAPPED: &str = "CRM ID is already mapped with another Support Entity";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_keeps_seven_days_whatever_the_offset_of_now() {
        let db = deskpane_store::Store::temporary().unwrap();
        let store = SyncStore::open(&db).unwrap();
        let entry = |at: &str| HistoryEntry {
            at: at.into(),
            direction: Flow::CrmToDesk,
            module: SyncModule::Contacts,
            added: 1,
            updated: 0,
            failed: 0,
        };
        store.add_history("zoho-crm", &entry("2026-11-01T10:00:00Z")).unwrap();
        store.add_history("zoho-crm", &entry("2026-11-05T10:00:00Z")).unwrap();
        store.add_history("zoho", &entry("2026-11-01T10:00:00Z")).unwrap();
        assert_eq!(store.history_at("zoho-crm", "2026-11-08T10:00:00Z").len(), 2, "exactly 7 days: kept");
        // 2026-11-08T11:00:00Z, written in another offset.
        let kept = store.history_at("zoho-crm", "2026-11-08T16:30:00+05:30");
        assert_eq!(kept.iter().map(|e| e.at.as_str()).collect::<Vec<_>>(), vec!["2026-11-05T10:00:00Z"]);
        assert_eq!(store.history_at("zoho", "2026-11-01T10:00:00Z").len(), 1, "another plugin's history is its own");
        // A write prunes as of its own time.
        store.add_history("zoho-crm", &entry("2026-11-13T10:00:00Z")).unwrap();
        assert_eq!(store.history_at("zoho-crm", "2026-11-05T00:00:00Z").len(), 1, "pruned for good");
    }

    #[test]
    fn forgetting_a_plugin_leaves_a_plugin_whose_id_it_prefixes_alone() {
        let db = deskpane_store::Store::temporary().unwrap();
        let store = SyncStore::open(&db).unwrap();
        for plugin in ["zoho", "zoho-crm"] {
            store.set_settings(plugin, &SyncSettings::default()).unwrap();
            store.note_crm_cursor(plugin, SyncModule::Contacts, "c1").unwrap();
            store.set_desk_seq(plugin, 7).unwrap();
            store.set_first_sync_done(plugin, SyncModule::Contacts).unwrap();
            store.set_hook_token(plugin, "t").unwrap();
        }
        store.forget("zoho").unwrap();
        assert!(store.settings("zoho").is_none() && store.crm_cursor("zoho", SyncModule::Contacts).is_none());
        assert!(store.hook_token("zoho").is_none() && store.desk_seq("zoho").is_none());
        assert!(store.settings("zoho-crm").is_some(), "settings kept");
        assert_eq!(store.crm_cursor("zoho-crm", SyncModule::Contacts).as_deref(), Some("c1"));
        assert_eq!(store.desk_seq("zoho-crm"), Some(7));
        assert!(store.first_sync_done("zoho-crm", SyncModule::Contacts));
        assert_eq!(store.hook_token("zoho-crm").as_deref(), Some("t"));
    }

    #[test]
    fn replicas_watching_together_share_the_first_hook_token_made() {
        let db = deskpane_store::Store::temporary().unwrap();
        let (one, other) = (SyncStore::open(&db).unwrap(), SyncStore::open(&db).unwrap());
        let tokens: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let store = [&one, &other][i % 2];
                    s.spawn(move || store.hook_token_or_new("zoho-crm").unwrap())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(tokens[0].len(), 40);
        assert!(tokens.iter().all(|t| *t == tokens[0]), "one token: {tokens:?}");
        assert_eq!(one.hook_token("zoho-crm"), Some(tokens[0].clone()));
    }

    #[test]
    fn a_run_is_open_from_its_start_until_its_end_and_numbered() {
        let db = deskpane_store::Store::temporary().unwrap();
        let store = SyncStore::open(&db).unwrap();
        assert_eq!(store.run_mark("zoho-crm"), RunMark { started: 0, open: false });
        assert_eq!(store.open_run("zoho-crm").unwrap(), 1);
        assert_eq!(store.run_mark("zoho-crm"), RunMark { started: 1, open: true });
        store.close_run("zoho-crm").unwrap();
        assert_eq!(store.open_run("zoho-crm").unwrap(), 2);
        assert_eq!(store.run_mark("zoho"), RunMark::default(), "per plugin");
        store.forget("zoho-crm").unwrap();
        assert_eq!(store.run_mark("zoho-crm"), RunMark::default(), "forgotten with the plugin");
    }
}
