//! Runs the sync engines of all plugins: change-driven (a desk write, a
//! CRM notification) with a polling fallback for CRMs without
//! notifications.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::catalog::Catalog;
use super::engine::{SyncEngine, SyncError};
use super::store::SyncStore;
use crate::desk::Desk;
use crate::registry::Registry;

/// The store notice asking every desk replica to sync now; the body is the
/// replica that asked.
pub const SYNC_WANTED: &str = "sync";

/// How soon a replica whose run found another replica running it looks
/// again (the other's lock goes with its connection when it dies).
const TAKEOVER_CHECK: Duration = Duration::from_secs(2);

pub struct SyncManager {
    registry: Arc<Registry>,
    desk: Desk,
    store: SyncStore,
    engines: Mutex<HashMap<String, Arc<SyncEngine>>>,
    wake: Notify,
    catalog: Catalog,
}

impl SyncManager {
    pub fn new(registry: Arc<Registry>, desk: Desk, store: SyncStore) -> SyncManager {
        SyncManager { registry, desk, store, engines: Mutex::default(), wake: Notify::new(), catalog: Catalog::default() }
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

    /// How many engines exist (one per installed plugin used so far).
    pub fn engine_count(&self) -> usize {
        self.engines.lock().expect("engines lock").len()
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
        self.wake.notify_one();
        self.tell_others();
    }

    /// Wakes the other desk replicas' runners only: a run here started,
    /// and they stand by to carry it on should this replica stop.
    pub fn tell_others(&self) {
        if let Err(e) = self.store.announce(SYNC_WANTED, self.registry.replica()) {
            tracing::warn!("the other desk replicas were not told to sync: {e}");
        }
    }

    /// Another replica asked for a sync ([`SYNC_WANTED`]): run here too.
    pub fn wake(&self) {
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
    /// mass update) wake one run after it, not one each.
    pub async fn run_forever(self: Arc<Self>, poll: Duration) {
        // A restarted desk asks again to be notified (the channel may have
        // expired while it was down); no run until something changes.
        for engine in self.syncing() {
            engine.renew_watch().await;
        }
        let mut wait = poll;
        loop {
            let _ = tokio::time::timeout(wait, self.wake.notified()).await;
            wait = poll;
            for engine in self.syncing() {
                engine.renew_watch().await;
                match engine.run().await {
                    // Running on another replica: look again soon, to take
                    // over within seconds should that replica die.
                    Ok(report) if report.elsewhere => wait = wait.min(TAKEOVER_CHECK),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(plugin = %engine.plugin_id(), "sync run failed: {e}"),
                }
            }
        }
    }
}
