//! Runs the sync engines of all plugins: change-driven (a desk write, a
//! CRM notification) with a polling fallback for CRMs without
//! notifications.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::catalog::Catalog;
use super::engine::{FollowUp, SyncEngine, SyncError};
use super::store::SyncStore;
use crate::desk::Desk;
use crate::registry::Registry;

/// The store notice asking every desk replica to sync now; the body is the
/// replica that asked.
pub const SYNC_WANTED: &str = "sync";

/// The store notice that a replica started a sync run; the body is the
/// replica. The others stand by to carry it on should that one stop.
pub const SYNC_RUNNING: &str = "sync-running";

/// How often a replica standing by looks whether the replica running a
/// sync is still there (its lock goes with its connection when it dies).
const TAKEOVER_CHECK: Duration = Duration::from_secs(2);

pub struct SyncManager {
    registry: Arc<Registry>,
    desk: Desk,
    store: SyncStore,
    engines: Mutex<HashMap<String, Arc<SyncEngine>>>,
    wake: Notify,
    /// A change to sync came (here or at another replica).
    wanted: AtomicBool,
    /// Another replica started a run: stand by for it.
    running_elsewhere: AtomicBool,
    catalog: Catalog,
}

impl SyncManager {
    pub fn new(registry: Arc<Registry>, desk: Desk, store: SyncStore) -> SyncManager {
        SyncManager {
            registry,
            desk,
            store,
            engines: Mutex::default(),
            wake: Notify::new(),
            wanted: AtomicBool::new(false),
            running_elsewhere: AtomicBool::new(false),
            catalog: Catalog::default(),
        }
    }

    /// The engine of an installed plugin (made on first use). Only
    /// installed plugins get one, so the map is bounded by what admins
    /// installed, never by what requests name.
    pub fn engine(&self, plugin: &str) -> Result<Arc<SyncEngine>, SyncError> {
        let mut engines = self.engines.lock().expect("engines lock");
        if let Some(engine) = engines.get(plugin) {
            return Ok(engine.clone());
        }
        if self.registry.installation(plugin).is_err() {
            return Err(SyncError::NotInstalled(plugin.to_string()));
        }
        let engine = Arc::new(SyncEngine::new(plugin, self.registry.clone(), self.desk.clone(), self.store.clone()));
        engines.insert(plugin.to_string(), engine.clone());
        Ok(engine)
    }

    /// The plugins an engine exists for (installed plugins used so far).
    pub fn engine_names(&self) -> Vec<String> {
        self.engines.lock().expect("engines lock").keys().cloned().collect()
    }

    /// The secret a CRM's notifications for `plugin` must carry, if the
    /// desk asked that CRM to notify it.
    pub fn hook_token(&self, plugin: &str) -> Option<String> {
        self.store.hook_token(plugin)
    }

    /// The CRMs' field metadata and list views, for the sync pages.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The engines of the enabled plugins that sync some module.
    fn syncing(&self) -> Vec<Arc<SyncEngine>> {
        self.registry
            .enabled()
            .into_iter()
            .filter_map(|(id, _)| self.engine(&id).ok())
            .filter(|engine| engine.settings().modules.values().any(|m| m.enabled))
            .collect()
    }

    /// Something changed on one side: sync now, here and on every other
    /// desk replica on the store (whichever holds the plugin's lock runs).
    pub fn trigger(&self) {
        self.wake();
        if let Err(e) = self.store.announce(SYNC_WANTED, self.registry.replica()) {
            tracing::warn!("the other desk replicas were not told to sync: {e}");
        }
    }

    /// Another replica asked for a sync ([`SYNC_WANTED`]): run here too.
    pub fn wake(&self) {
        self.wanted.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Another replica started a run ([`SYNC_RUNNING`]): stand by, and
    /// carry it on should that replica stop before its end.
    pub fn stand_by(&self) {
        self.running_elsewhere.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Deletes a plugin's sync state (the integration was deleted). Its
    /// engine retires: a run in progress stops at its next page or batch
    /// and forgets again what it wrote meanwhile; no run starts again, and
    /// the plugin is no longer polled or notified (its hook token is gone).
    pub fn forget(&self, plugin: &str) -> Result<(), crate::desk::DeskError> {
        if let Some(engine) = self.engines.lock().expect("engines lock").remove(plugin) {
            engine.retire();
        }
        self.catalog.forget(plugin);
        self.store.forget(plugin)
    }

    /// Runs every enabled plugin's sync whenever triggered, and at least
    /// every `poll`; keeps the CRMs' notification channels renewed. Never
    /// returns. A change runs at once; changes that come during a run (a
    /// mass update) wake one run after it, not one each. While another
    /// replica runs a plugin's sync, this one looks every
    /// [`TAKEOVER_CHECK`] whether it still does, and carries on what it
    /// left (see [`FollowUp`]).
    pub async fn run_forever(self: Arc<Self>, poll: Duration) {
        // A restarted desk asks again to be notified (the channel may have
        // expired while it was down), and finishes a run it (or a replica
        // that stopped meanwhile) left part way; else no run until
        // something changes.
        let mut standing_by: HashMap<String, FollowUp> =
            self.syncing().iter().map(|engine| (engine.plugin_id().to_string(), FollowUp::Unfinished)).collect();
        for engine in self.syncing() {
            engine.renew_watch().await;
        }
        let mut poll_at = Instant::now() + poll;
        loop {
            let deadline = if standing_by.is_empty() { poll_at } else { poll_at.min(Instant::now() + TAKEOVER_CHECK) };
            let _ = tokio::time::timeout_at(deadline, self.wake.notified()).await;
            let wanted = self.wanted.swap(false, Ordering::SeqCst) || Instant::now() >= poll_at;
            if wanted {
                poll_at = Instant::now() + poll;
            }
            let elsewhere = self.running_elsewhere.swap(false, Ordering::SeqCst);
            for engine in self.syncing() {
                let plugin = engine.plugin_id().to_string();
                if elsewhere {
                    standing_by.entry(plugin.clone()).or_insert(FollowUp::Unfinished);
                }
                let result = if wanted {
                    engine.renew_watch().await;
                    engine.run().await
                } else if let Some(&why) = standing_by.get(&plugin) {
                    engine.follow_up(why).await
                } else {
                    continue;
                };
                match result {
                    // The other replica's run may have read past this
                    // change: it is owed a run unless a later one ends.
                    Ok(report) if report.elsewhere && wanted => {
                        standing_by.insert(plugin, FollowUp::Wanted(report.runs_started));
                    }
                    Ok(report) if report.elsewhere => {}
                    Ok(_) => {
                        standing_by.remove(&plugin);
                    }
                    Err(e) => {
                        standing_by.remove(&plugin);
                        tracing::warn!(plugin = %plugin, "sync run failed: {e}");
                    }
                }
            }
        }
    }
}
