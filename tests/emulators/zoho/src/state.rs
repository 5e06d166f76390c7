//! The state every handler shares. Each part has its own lock, taken one
//! at a time and never across an await.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::hold::Holds;
use crate::limits::Limits;
use crate::oauth::Accounts;
use crate::paging::PageTokens;
use crate::store::Store;
use crate::util::lock;
use crate::watch::Watch;
use crate::RecordedRequest;

pub struct Shared {
    pub base_url: String,
    pub store: Mutex<Store>,
    pub page_tokens: Mutex<PageTokens>,
    pub accounts: Mutex<Accounts>,
    pub limits: Arc<Limits>,
    pub watch: Watch,
    pub requests: Mutex<Vec<RecordedRequest>>,
    /// Added before answering each `/crm/v8` request (tests of timeouts and concurrency).
    pub latency: Mutex<Duration>,
    /// Requests to hold on their way in (tests acting mid-request).
    pub holds: Holds,
}

impl Shared {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }
}
