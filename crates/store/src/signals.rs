//! What desk processes sharing a store tell each other: notices (a topic
//! changed) and locks (one holder at a time). On sled there is one process,
//! so both stay in it; PostgreSQL carries them between processes
//! (LISTEN/NOTIFY, advisory locks: see `postgres.rs`).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, watch};

/// Sent when notices may have been missed: whoever keeps state from them
/// should read it again.
pub const RESYNC: &str = "store.resync";

/// Notices kept for a subscriber that falls behind before it starts losing
/// them (it then gets `RecvError::Lagged`, and should act as on [`RESYNC`]).
pub(crate) const BACKLOG: usize = 1024;

/// Something changed, said by one desk process to all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub topic: String,
    pub body: String,
}

/// A held lock; dropping it lets go.
pub struct Lock {
    name: String,
    held: watch::Receiver<bool>,
    _release: Box<dyn Send + Sync>,
}

impl Lock {
    pub(crate) fn new(name: &str, held: watch::Receiver<bool>, release: Box<dyn Send + Sync>) -> Lock {
        Lock { name: name.to_string(), held, _release: release }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the lock is still held (PostgreSQL: its connection is up).
    pub fn is_held(&self) -> bool {
        *self.held.borrow()
    }

    /// Resolves when the lock is lost without being dropped (the connection
    /// that held it broke): whatever it guarded must stop.
    pub async fn lost(&self) {
        let mut held = self.held.clone();
        let _ = held.wait_for(|h| !*h).await;
    }
}

impl std::fmt::Debug for Lock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lock").field("name", &self.name).field("held", &self.is_held()).finish()
    }
}

/// One process's notices and locks (the sled backend).
pub(crate) struct Local {
    notices: broadcast::Sender<Notice>,
    locks: Arc<Mutex<HashSet<String>>>,
}

impl Default for Local {
    fn default() -> Self {
        Local { notices: broadcast::channel(BACKLOG).0, locks: Arc::default() }
    }
}

impl Local {
    pub(crate) fn notify(&self, notice: Notice) {
        // Nobody listening is not an error.
        let _ = self.notices.send(notice);
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.notices.subscribe()
    }

    pub(crate) fn try_lock(&self, name: &str) -> Option<Lock> {
        if !self.locks.lock().expect("locks").insert(name.to_string()) {
            return None;
        }
        // Held for as long as the process lives: the sender never says
        // otherwise, and is kept by the release guard.
        let (tx, rx) = watch::channel(true);
        let release = Release { locks: self.locks.clone(), name: name.to_string(), _held: tx };
        Some(Lock::new(name, rx, Box::new(release)))
    }
}

struct Release {
    locks: Arc<Mutex<HashSet<String>>>,
    name: String,
    _held: watch::Sender<bool>,
}

impl Drop for Release {
    fn drop(&mut self) {
        self.locks.lock().expect("locks").remove(&self.name);
    }
}
