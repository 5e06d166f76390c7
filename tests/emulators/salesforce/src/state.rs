//! The state every handler shares. Each part has its own lock, taken one
//! at a time and never across an await.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;

use crate::error::ApiError;
use crate::oauth::Auth;
use crate::store::Store;
use crate::util::{lock, make_id};
use crate::RecordedRequest;

pub struct Shared {
    pub base_url: String,
    pub store: Mutex<Store>,
    pub auth: Mutex<Auth>,
    pub budget: Mutex<Budget>,
    pub cursors: Mutex<Cursors>,
    pub requests: Mutex<Vec<RecordedRequest>>,
    /// Added before answering each API request (tests of timeouts).
    pub latency: Mutex<Duration>,
}

impl Shared {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }
}

/// The org's daily API request allowance (`DailyApiRequests`).
pub struct Budget {
    pub used: u32,
    pub max: u32,
}

impl Budget {
    /// Counts a request, or refuses it when the allowance is spent.
    pub fn admit(&mut self) -> Result<(), ApiError> {
        if self.used >= self.max {
            return Err(ApiError::RequestLimit);
        }
        self.used += 1;
        Ok(())
    }

    /// `Sforce-Limit-Info`'s value.
    pub fn header(&self) -> String {
        format!("api-usage={}/{}", self.used, self.max)
    }
}

/// Query cursors: the rows of a query past its first batch, served by
/// `nextRecordsUrl`. The oldest go first when too many are open.
#[derive(Default)]
pub struct Cursors {
    open: HashMap<String, Cursor>,
    order: VecDeque<String>,
    next: u64,
}

pub struct Cursor {
    pub rows: Vec<Value>,
    pub batch: usize,
}

/// Cursors kept open at once (Salesforce allows ten per user; tests page many more).
const OPEN_CURSORS: usize = 200;

impl Cursors {
    pub fn open(&mut self, rows: Vec<Value>, batch: usize) -> String {
        self.next += 1;
        let id = make_id("01g", self.next);
        if self.order.len() >= OPEN_CURSORS {
            if let Some(old) = self.order.pop_front() {
                self.open.remove(&old);
            }
        }
        self.order.push_back(id.clone());
        self.open.insert(id.clone(), Cursor { rows, batch });
        id
    }

    pub fn get(&self, id: &str) -> Option<&Cursor> {
        self.open.get(id)
    }
}
