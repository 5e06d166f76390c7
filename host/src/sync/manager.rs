//! Runs the sync engines of all plugins: change-driven (a desk write, a
//! CRM notification) with a polling fallback for CRMs without
//! notifications.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::engine::SyncEngine;
use super::store::SyncStore;
use crate::desk::Desk;
use crate::registry::Registry;

pub struct SyncManager {
    registry: Arc<Registry>,
    desk: Desk,
    store: SyncStore,
    engines: Mutex<HashMap<String, Arc<SyncEngine>>>,
    wake: Notify,
}

impl SyncManager {
    pub fn new(registry: Arc<Registry>, desk: Desk, store: SyncStore) -> SyncManager {
        SyncManager { registry, desk, store, engines: Mutex::default(), wake: Notify::new() }
    }

    /// The engine of an installed plugin (made on first use).
    pub fn engine(&self, plugin: &str) -> Arc<SyncEngine> {
        self.engines
            .lock()
            .expect("engines lock")
            .entry(plugin.to_string())
            .or_insert_with(|| Arc::new(SyncEngine::new(plugin, self.registry.clone(), self.desk.clone(), self.store.clone())))
            .clone()
    }

    /// Something changed on one side: sync soon.
    pub fn trigger(&self) {
        self.wake.notify_one();
    }

    /// Deletes a plugin's sync state (the integration was deleted).
    pub fn forget(&self, plugin: &str) -> Result<(), crate::desk::DeskError> {
        self.engines.lock().expect("engines lock").remove(plugin);
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
                let engine = self.engine(&id);
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
