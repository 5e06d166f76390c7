//! The CRM's field metadata and list views, per plugin and module, kept for
//! a while so that the sync pages do not call the plugin each time they
//! open; the pages' Refresh asks the CRM again. One attempt per fetch: an
//! admin is waiting, so a failure is shown at once, never retried here.
//!
//! Keys are installed plugins times the three synced modules, so the map
//! stays small whatever requests ask.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::contract::{FieldMeta, ListView, Module};
use crate::{CallError, Plugin};

/// How long an answer is reused.
pub const CATALOG_TTL: Duration = Duration::from_secs(10 * 60);

type Entries<T> = Mutex<HashMap<(String, Module), (Instant, Arc<Vec<T>>)>>;

#[derive(Default)]
pub struct Catalog {
    fields: Entries<FieldMeta>,
    views: Entries<ListView>,
}

impl Catalog {
    /// The module's fields as the CRM describes them.
    pub async fn fields(&self, plugin: &Plugin, module: Module, refresh: bool) -> Result<Arc<Vec<FieldMeta>>, CallError> {
        cached(&self.fields, plugin, module, refresh, || plugin.describe_module(module)).await
    }

    /// The CRM's list views of the module.
    pub async fn list_views(&self, plugin: &Plugin, module: Module, refresh: bool) -> Result<Arc<Vec<ListView>>, CallError> {
        cached(&self.views, plugin, module, refresh, || plugin.list_views(module)).await
    }

    /// Drops what is known of a plugin (reconfigured or deleted).
    pub fn forget(&self, plugin: &str) {
        self.fields.lock().expect("catalog lock").retain(|(p, _), _| p != plugin);
        self.views.lock().expect("catalog lock").retain(|(p, _), _| p != plugin);
    }
}

async fn cached<T, F, Fut>(entries: &Entries<T>, plugin: &Plugin, module: Module, refresh: bool, fetch: F) -> Result<Arc<Vec<T>>, CallError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, CallError>>,
{
    let key = (plugin.id().to_string(), module);
    if !refresh {
        if let Some((at, value)) = entries.lock().expect("catalog lock").get(&key) {
            if at.elapsed() < CATALOG_TTL {
                return Ok(value.clone());
            }
        }
    }
    let value = Arc::new(fetch().await?);
    entries.lock().expect("catalog lock").insert(key, (Instant::now(), value.clone()));
    Ok(value)
}
