//! The embedded backend on redb: every tree is a table of one file in the
//! desk's data folder (`store.redb`).
//!
//! Why redb: its B-tree lives in the file and only a bounded page cache in
//! memory, so a store of a million records costs the same memory as one of
//! ten thousand, and writing the next page of records costs the same too.
//! sled 0.34 (the embedded backend before it, still opened for the folders
//! it made) keeps per-page state in memory that grows with the store.
//!
//! Durability follows sled's contract, which the desk is written against:
//! a write is in the file at once but durable only at the next
//! [`Redb::flush`], which a background thread also runs every
//! [`FLUSH_EVERY`] while there are unflushed writes. Each write commits
//! with redb's `Durability::None`; a flush is an empty commit with
//! `Durability::Immediate`, which makes every earlier commit durable with
//! it, and records the allocator state (quick repair) so that opening the
//! file after a crash does not walk the whole tree.
//!
//! One writer at a time: redb serialises write transactions, so a
//! transaction here never conflicts and its closure runs once. A closure
//! that writes outside its transaction (through a [`crate::Tree`], or asks
//! the store for an id or a flush) would wait for its own transaction: that
//! is refused with [`StoreError::Misuse`] instead of hanging, as the store's
//! contract asks closures to write through their `TxTree`s only.

use std::cell::RefCell;
use std::ops::Bound;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, Weak};
use std::time::Duration;

use redb::{Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition, TableError, TableHandle};

use crate::{Abort, FaultInner, Result, StoreError, TxError, TxFault, TxTree, Value};

type Bytes = &'static [u8];
type Table<'t> = redb::Table<'t, Bytes, Bytes>;

/// How often unflushed writes are made durable (sled's default too).
pub(crate) const FLUSH_EVERY: Duration = Duration::from_millis(500);
/// redb's page cache; its default (1 GiB) is more than a desk needs.
const CACHE_BYTES: usize = 64 << 20;
/// How long opening waits for the file's lock (see `SLED_LOCK_WAIT`).
const LOCK_WAIT: Duration = Duration::from_secs(10);
/// The table of the id generator; tree names never start with `__deskpane`.
const IDS_TABLE: &str = "__deskpane_ids";
const IDS_KEY: &[u8] = b"reserved";
/// Ids are reserved this many at a time: one write per block, and after a
/// crash the ids of at most one block are skipped.
const ID_BLOCK: u64 = 1 << 16;

/// `name` if it may name a tree: not empty (redb refuses it) and not the
/// store's own.
pub(crate) fn tree_name(name: &str) -> Result<&str> {
    if name.is_empty() || name.starts_with("__deskpane") {
        return Err(StoreError::Misuse(format!("`{name}` cannot name a tree: names are not empty and do not start with __deskpane")));
    }
    Ok(name)
}

fn table(name: &str) -> TableDefinition<'_, Bytes, Bytes> {
    TableDefinition::new(name)
}

/// The table `name` as of now, None when it was never written.
fn read_table(db: &Database, name: &str) -> Result<Option<redb::ReadOnlyTable<Bytes, Bytes>>> {
    let read = db.begin_read().map_err(storage)?;
    match read.open_table(table(name)) {
        // The table keeps its read transaction alive.
        Ok(t) => Ok(Some(t)),
        Err(TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(storage(e)),
    }
}

/// Records that ids below `reserved` may have been handed out.
fn write_reservation(tx: &redb::WriteTransaction, reserved: u64) -> Result<(), redb::Error> {
    tx.open_table(table(IDS_TABLE))?.insert(IDS_KEY, reserved.to_be_bytes().as_slice())?;
    Ok(())
}

/// Commits `tx` and every commit before it durably, with the allocator
/// state saved so that opening after a crash needs no full repair.
fn commit_durably(mut tx: redb::WriteTransaction) -> Result<(), redb::Error> {
    tx.set_durability(Durability::Immediate)?;
    tx.set_quick_repair(true);
    tx.commit()?;
    Ok(())
}

fn storage(e: impl Into<redb::Error>) -> StoreError {
    StoreError::Redb(e.into())
}

/// The store's file and what is shared by its handles.
pub(crate) struct Redb {
    db: Database,
    ids: Mutex<Ids>,
    /// Commits begun, counted while holding the writer before each commits:
    /// a write visible to anyone is counted already.
    written: AtomicU64,
    /// The count of commits the last durable one covers; held while making
    /// one, so a flush that finds one under way waits for it and then sees
    /// whether it covered its caller's writes.
    durable: Mutex<u64>,
    /// Removed when dropped (temporary stores of tests).
    remove_on_drop: Option<PathBuf>,
    /// Wakes the flusher to stop.
    stop: Arc<(Mutex<bool>, Condvar)>,
}

/// The id generator: ids below `reserved` may be handed out; `reserved` is
/// what the file holds (committed), so after a restart ids start there.
struct Ids {
    next: u64,
    reserved: u64,
}

impl Redb {
    /// Opens (or creates) the store in the file at `path`.
    pub(crate) fn open(path: &Path) -> Result<Arc<Redb>> {
        Redb::open_inner(path, None)
    }

    /// A store in a new file under the system's temporary folder, removed
    /// when the last handle is dropped.
    pub(crate) fn temporary() -> Result<Arc<Redb>> {
        static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("deskpane-store-{}-{n}.redb", std::process::id()));
        let _ = std::fs::remove_file(&path);
        Redb::open_inner(&path, Some(path.clone()))
    }

    fn open_inner(path: &Path, remove_on_drop: Option<PathBuf>) -> Result<Arc<Redb>> {
        create_private(path).map_err(storage)?;
        let mut builder = Database::builder();
        builder.set_cache_size(CACHE_BYTES);
        let started = std::time::Instant::now();
        let db = loop {
            match builder.create(path) {
                // The handles of a store just dropped in this process, or a
                // desk still exiting, let go of the lock a moment later.
                Err(redb::DatabaseError::DatabaseAlreadyOpen) if started.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                opened => break opened.map_err(storage)?,
            }
        };
        let reserved = match read_table(&db, IDS_TABLE)? {
            Some(t) => match t.get(IDS_KEY).map_err(storage)? {
                None => 0,
                Some(v) => be_u64(v.value()).ok_or_else(|| {
                    StoreError::Redb(redb::Error::Corrupted("the id generator's reservation is not an 8-byte number".into()))
                })?,
            },
            None => 0,
        };
        let redb = Arc::new(Redb {
            db,
            ids: Mutex::new(Ids { next: reserved, reserved }),
            written: AtomicU64::new(0),
            durable: Mutex::new(0),
            remove_on_drop,
            stop: Arc::default(),
        });
        start_flusher(&redb);
        Ok(redb)
    }

    fn ids(&self) -> std::sync::MutexGuard<'_, Ids> {
        self.ids.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn get(&self, tree: &str, key: &[u8]) -> Result<Option<Value>> {
        match read_table(&self.db, tree)? {
            Some(t) => Ok(t.get(key).map_err(storage)?.map(|v| v.value().to_vec())),
            None => Ok(None),
        }
    }

    /// Runs `f` on `tree` in a write transaction of its own, committed
    /// without waiting for the disk (see the module's notes).
    pub(crate) fn write<R>(&self, tree: &str, f: impl FnOnce(&mut Table<'_>) -> Result<R, redb::StorageError>) -> Result<R> {
        let tx = self.begin_write("writing a tree")?;
        let out = {
            let mut t = tx.open_table(table(tree)).map_err(storage)?;
            f(&mut t).map_err(storage)?
        };
        self.written.fetch_add(1, Ordering::AcqRel);
        tx.commit().map_err(storage)?;
        Ok(out)
    }

    /// The writer, for a commit that need not wait for the disk; refused
    /// (not waited for) on a thread whose transaction on this store holds
    /// it already. `what` names the write in the refusal.
    fn begin_write(&self, what: &str) -> Result<redb::WriteTransaction> {
        if WriterHeld::here(self) {
            return Err(StoreError::Misuse(format!(
                "{what} outside a transaction, from inside its closure, would wait for the transaction itself; write through the closure's trees"
            )));
        }
        let mut tx = self.db.begin_write().map_err(storage)?;
        tx.set_durability(Durability::None).map_err(storage)?;
        Ok(tx)
    }

    /// The entries of `tree` in the range, read from one snapshot; the
    /// iterator keeps the store open.
    pub(crate) fn scan(self: &Arc<Self>, tree: &str, lower: Bound<Vec<u8>>, upper: Bound<Vec<u8>>) -> RedbIter {
        let range = || -> Result<Option<redb::Range<'static, Bytes, Bytes>>> {
            let Some(t) = read_table(&self.db, tree)? else { return Ok(None) };
            // The range keeps its read transaction alive until dropped; an
            // empty or reversed one reads nothing (redb checks the bounds).
            Ok(Some(t.range::<&[u8]>((lower.as_ref().map(Vec::as_slice), upper.as_ref().map(Vec::as_slice))).map_err(storage)?))
        };
        match range() {
            Ok(Some(range)) => RedbIter::Range { range: Box::new(range), _store: self.clone() },
            Ok(None) => RedbIter::Done,
            Err(e) => RedbIter::Failed(Some(e)),
        }
    }

    pub(crate) fn len(&self, tree: &str) -> Result<usize> {
        match read_table(&self.db, tree)? {
            Some(t) => Ok(t.len().map_err(storage)? as usize),
            None => Ok(0),
        }
    }

    pub(crate) fn tree_names(&self) -> Result<Vec<String>> {
        let read = self.db.begin_read().map_err(storage)?;
        let mut names = Vec::new();
        for handle in read.list_tables().map_err(storage)? {
            let name = handle.name().to_string();
            if tree_name(&name).is_ok() && self.len(&name)? > 0 {
                names.push(name);
            }
        }
        Ok(names)
    }

    /// Makes every write made before the call durable.
    pub(crate) fn flush(&self) -> Result<()> {
        let mine = self.written.load(Ordering::Acquire);
        let mut durable = self.durable.lock().unwrap_or_else(PoisonError::into_inner);
        if *durable >= mine {
            return Ok(());
        }
        let tx = self.begin_write("a flush")?;
        // With the writer held, every commit counted has ended.
        let covered = self.written.load(Ordering::Acquire);
        commit_durably(tx).map_err(StoreError::Redb)?;
        *durable = covered;
        Ok(())
    }

    pub(crate) fn generate_id(&self) -> Result<u64> {
        loop {
            {
                let mut ids = self.ids();
                if ids.next < ids.reserved {
                    ids.next += 1;
                    return Ok(ids.next - 1);
                }
            }
            // The block is used up: reserve the next one in a write of its
            // own, taken before the generator's lock (a transaction that
            // holds the writer may be waiting for that lock).
            let tx = self.begin_write("a new id (the closure's trees give one)")?;
            let mut ids = self.ids();
            if ids.next < ids.reserved {
                continue; // another caller reserved meanwhile
            }
            let reserved = ids.next.saturating_add(ID_BLOCK);
            write_reservation(&tx, reserved).map_err(StoreError::Redb)?;
            self.written.fetch_add(1, Ordering::AcqRel);
            tx.commit().map_err(storage)?;
            ids.reserved = reserved;
        }
    }

    pub(crate) fn ids_above(&self, id: u64) -> Result<()> {
        {
            let mut ids = self.ids();
            ids.next = ids.next.max(id.saturating_add(1));
        }
        // Reserves the block from there (when past the reservation), then
        // gives the id taken back unless another caller took one since.
        let taken = self.generate_id()?;
        let mut ids = self.ids();
        if ids.next == taken + 1 {
            ids.next = taken;
        }
        Ok(())
    }

    /// Runs `f` once in one write transaction over `trees` (see the module's
    /// notes: no conflicts here).
    pub(crate) fn transaction<R, E>(&self, trees: &[&str], f: impl Fn(&[TxTree<'_>]) -> Result<R, Abort<E>>) -> Result<R, TxError<E>> {
        let fail = |e: redb::Error| TxError::Storage(StoreError::Redb(e));
        let tx = self.begin_write("another transaction").map_err(TxError::Storage)?;
        let ran = {
            // A tree named twice is one table (redb opens each once).
            let mut names: Vec<&str> = trees.to_vec();
            names.sort_unstable();
            names.dedup();
            let tables: Vec<RefCell<Table<'_>>> = names
                .iter()
                .map(|name| tx.open_table(table(name)).map(RefCell::new))
                .collect::<Result<_, _>>()
                .map_err(|e| fail(e.into()))?;
            let used = RefCell::new(None);
            let mine: Vec<TxTree<'_>> = trees
                .iter()
                .map(|name| {
                    let at = names.binary_search(name).expect("every name was opened");
                    TxTree::Redb(RedbTxTree { table: &tables[at], redb: self, used: &used })
                })
                .collect();
            let ran = {
                let _held = WriterHeld::take(self);
                // A panic is caught to abort the transaction before it goes
                // on: dropped while unwinding, redb would mark the file for a
                // full repair at the next open.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mine)))
            };
            let used = *used.borrow();
            ran.map(|outcome| outcome.map(|r| (r, used)))
        };
        let outcome = match ran {
            Ok(outcome) => outcome,
            Err(panic) => {
                let _ = tx.abort();
                std::panic::resume_unwind(panic);
            }
        };
        match outcome {
            Ok((value, used)) => {
                if let Some(last) = used {
                    // Ids handed out beyond the reservation are reserved by
                    // this same commit, so data that uses them never
                    // outlives it.
                    write_reservation(&tx, last.saturating_add(ID_BLOCK)).map_err(fail)?;
                }
                self.written.fetch_add(1, Ordering::AcqRel);
                tx.commit().map_err(|e| fail(e.into()))?;
                if let Some(last) = used {
                    let mut ids = self.ids();
                    ids.reserved = ids.reserved.max(last.saturating_add(ID_BLOCK));
                }
                Ok(value)
            }
            Err(abort) => {
                let _ = tx.abort();
                Err(match abort {
                    Abort::Abort(e) => TxError::Abort(e),
                    Abort::Fault(TxFault(FaultInner::Redb(e))) => TxError::Storage(StoreError::Redb(e)),
                    Abort::Fault(TxFault(FaultInner::Staged(e))) => TxError::Storage(*e),
                    Abort::Fault(TxFault(other)) => TxError::Storage(StoreError::Misuse(format!(
                        "a fault of another store in a transaction on a redb store: {other:?}"
                    ))),
                })
            }
        }
    }
}

/// The stores whose writer this thread holds, in a transaction's closure.
struct WriterHeld(usize);

thread_local! {
    static WRITERS_HELD: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

impl WriterHeld {
    fn take(redb: &Redb) -> WriterHeld {
        let at = redb as *const Redb as usize;
        WRITERS_HELD.with(|held| held.borrow_mut().push(at));
        WriterHeld(at)
    }

    fn here(redb: &Redb) -> bool {
        let at = redb as *const Redb as usize;
        WRITERS_HELD.with(|held| held.borrow().contains(&at))
    }
}

impl Drop for WriterHeld {
    fn drop(&mut self) {
        WRITERS_HELD.with(|held| {
            let mut held = held.borrow_mut();
            if let Some(i) = held.iter().rposition(|&at| at == self.0) {
                held.remove(i);
            }
        });
    }
}

/// Creates the file (and its folder) readable by the desk's user only,
/// when missing: it holds sessions and sealed secrets. An existing file is
/// left as its owner set it.
fn create_private(path: &Path) -> std::io::Result<()> {
    if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty() && !f.exists()) {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(folder)?;
    }
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        created => created.map(drop),
    }
}

fn be_u64(bytes: &[u8]) -> Option<u64> {
    bytes.try_into().map(u64::from_be_bytes).ok()
}

/// Flushes every [`FLUSH_EVERY`] while the store is open. Holds the store
/// weakly: the last handle dropped ends it.
fn start_flusher(redb: &Arc<Redb>) {
    let weak: Weak<Redb> = Arc::downgrade(redb);
    let stop = redb.stop.clone();
    let spawned = std::thread::Builder::new().name("deskpane-store-flush".into()).spawn(move || loop {
        {
            let (stopped, wake) = &*stop;
            let stopped = stopped.lock().unwrap_or_else(PoisonError::into_inner);
            let (stopped, _) = wake.wait_timeout(stopped, FLUSH_EVERY).unwrap_or_else(PoisonError::into_inner);
            if *stopped {
                return;
            }
        }
        let Some(redb) = weak.upgrade() else { return };
        if let Err(e) = redb.flush() {
            tracing::error!(error = %e, "the store could not make its writes durable; retrying");
        }
    });
    if let Err(e) = spawned {
        // Writes still become durable at every explicit flush and at close.
        tracing::warn!(error = %e, "no background flush for the store");
    }
}

impl Drop for Redb {
    fn drop(&mut self) {
        {
            let (stopped, wake) = &*self.stop;
            *stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
            wake.notify_all();
        }
        if self.remove_on_drop.is_some() {
            return self.remove_file();
        }
        // Ids not handed out are given back, so a clean restart goes on
        // where this run stopped; and the last writes are made durable.
        let ids = self.ids.get_mut().unwrap_or_else(PoisonError::into_inner);
        let unflushed = *self.written.get_mut() > *self.durable.get_mut().unwrap_or_else(PoisonError::into_inner);
        if ids.reserved == ids.next && !unflushed {
            return;
        }
        let next = ids.next;
        let close = || -> Result<(), redb::Error> {
            let tx = self.db.begin_write()?;
            write_reservation(&tx, next)?;
            commit_durably(tx)
        };
        if let Err(e) = close() {
            tracing::error!(error = %e, "the store's last writes could not be made durable at close");
        }
    }
}

impl Redb {
    fn remove_file(&self) {
        if let Some(path) = &self.remove_on_drop {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Entries of a table in key order, read as they are consumed.
pub(crate) enum RedbIter {
    /// (The range is dropped before the store it reads.)
    Range {
        range: Box<redb::Range<'static, Bytes, Bytes>>,
        _store: Arc<Redb>,
    },
    Failed(Option<StoreError>),
    Done,
}

impl Iterator for RedbIter {
    type Item = Result<(Value, Value)>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            RedbIter::Range { range, .. } => {
                range.next().map(|r| r.map(|(k, v)| (k.value().to_vec(), v.value().to_vec())).map_err(storage))
            }
            RedbIter::Failed(e) => e.take().map(Err),
            RedbIter::Done => None,
        }
    }
}

/// A table inside a transaction.
pub struct RedbTxTree<'a> {
    /// (A trait object: `RefCell` would tie the borrow's lifetime to the
    /// transaction's.)
    table: &'a RefCell<dyn TableOps + 'a>,
    redb: &'a Redb,
    /// The last id handed out inside the transaction beyond the reservation.
    used: &'a RefCell<Option<u64>>,
}

trait TableOps {
    fn get(&self, key: &[u8]) -> Result<Option<Value>, redb::StorageError>;
    fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<(), redb::StorageError>;
    fn remove(&mut self, key: &[u8]) -> Result<Option<Value>, redb::StorageError>;
}

impl TableOps for Table<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Value>, redb::StorageError> {
        Ok(ReadableTable::get(self, key)?.map(|v| v.value().to_vec()))
    }

    fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<(), redb::StorageError> {
        redb::Table::insert(self, key, value).map(drop)
    }

    fn remove(&mut self, key: &[u8]) -> Result<Option<Value>, redb::StorageError> {
        Ok(redb::Table::remove(self, key)?.map(|v| v.value().to_vec()))
    }
}

fn fault(e: impl Into<redb::Error>) -> TxFault {
    TxFault(FaultInner::Redb(e.into()))
}

impl RedbTxTree<'_> {
    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<Value>, TxFault> {
        self.table.borrow().get(key).map_err(fault)
    }

    pub(crate) fn insert(&self, key: &[u8], value: &[u8]) -> Result<(), TxFault> {
        self.table.borrow_mut().insert(key, value).map_err(fault)
    }

    pub(crate) fn remove(&self, key: &[u8]) -> Result<Option<Value>, TxFault> {
        self.table.borrow_mut().remove(key).map_err(fault)
    }

    /// Hands out the next id; one beyond the reservation is reserved by the
    /// transaction's own commit (this transaction holds the writer, so the
    /// generator cannot reserve with a write of its own).
    pub(crate) fn generate_id(&self) -> Result<u64, TxFault> {
        let mut ids = self.redb.ids();
        let id = ids.next;
        ids.next += 1;
        if id >= ids.reserved {
            *self.used.borrow_mut() = Some(id);
        }
        Ok(id)
    }
}
