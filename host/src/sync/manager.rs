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

    /// Something changed on one side: sync soon.
    pub fn trigger(&self) {
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
    /// every `poll`. Never returns.
    pub async fn run_forever(self: Arc<Self>, poll: Duration) {
        loop {
            let _ = tokio::time::timeout(poll, self.wake.notified()).await;
            // Gather a burst of changes (a mass update) into one run.
            tokio::time::sleep(Duration::from_millis(500)).await;
            for (id, _) in self.registry.enabled() {
                let Ok(engine) = self.engine(&id) else { continue };
                if !engine.settings().modules.values().any(|m| m.enabled) {
                    continue;
                }
                if let Err(e) = engine.run().await {
                    tracing::warn!(plugin = %id, "sync run failed: {e}");
                }
            }
        }
    }
}
