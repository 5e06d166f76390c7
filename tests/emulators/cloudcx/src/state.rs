//! The state every handler shares. Each part has its own lock, taken one
//! at a time and never across an await.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::limits::Limiter;
use crate::store::Store;
use crate::util::lock;
use crate::webhooks::Outbox;
use crate::RecordedRequest;

pub struct Shared {
    pub base_url: String,
    pub store: Mutex<Store>,
    pub limiter: Mutex<Limiter>,
    pub outbox: Arc<Outbox>,
    pub requests: Mutex<Vec<RecordedRequest>>,
}

impl Shared {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }
}
