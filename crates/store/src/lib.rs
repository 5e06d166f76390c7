//! Everything the desk keeps goes through this seam: named, ordered
//! key-value trees (byte keys, byte values, sorted bytewise), atomic
//! transactions across several trees, and a monotonic id generator.
//!
//! Three backends implement it:
//! - **redb**, one file in the desk's data folder: the default, nothing to
//!   set up, one desk process; memory bounded by its page cache whatever
//!   the store's size.
//! - **sled**, a folder: the embedded backend before redb, still opened for
//!   the data folders it made (`deskpane store copy` moves one to redb).
//! - **PostgreSQL**, shared by several desk replicas: every tree is rows of
//!   one table (see `migrations/`), transactions are serializable and
//!   retried on conflict as sled's are.
//!
//! The desk's data model (records and their indexes, the change log, the
//! registry, sessions, sync state) is keyed records already; one seam at
//! this level keeps every store above it (`Desk`, `Auth`, `Registry`,
//! `SyncStore`, the recording log) backend-agnostic and lets one behavioural
//! test suite run against both.

use std::ops::{Bound, RangeBounds};
use std::path::Path;
use std::sync::Arc;

mod copy;
mod postgres;
mod redb_file;
mod signals;
mod stage;
mod tls;

pub use copy::{copy, summary, CopyError, TreeCopy};
pub use signals::{Lock, Notice, RESYNC};
pub use stage::{CommitError, Stage};

/// Scratch PostgreSQL databases for tests (this crate's and the host's).
/// Callable from anywhere, inside a tokio runtime too.
pub mod testing {
    /// Creates a fresh database (`deskpane_test_<hex>`) on the server of
    /// `admin_url` and returns the URL of it.
    pub fn scratch_database(admin_url: &str) -> crate::Result<String> {
        crate::postgres::scratch_database(admin_url)
    }

    /// Drops the database of `url`, made by `scratch_database` (others are
    /// refused), closing the sessions still on it; failures are logged.
    pub fn drop_database(admin_url: &str, url: &str) {
        crate::postgres::drop_database(admin_url, url)
    }
}

/// A stored value (or key): owned bytes.
pub type Value = Vec<u8>;

/// A storage failure, with the backend's own error as its source.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the embedded store failed: {0}")]
    Sled(#[from] sled::Error),
    #[error("the store file failed: {0}")]
    Redb(#[from] redb::Error),
    #[error("PostgreSQL failed: {0}")]
    Postgres(String),
    /// The database was migrated by a newer deskpane than this one.
    #[error("the database's schema is newer than this deskpane knows ({0}); run the newer version or restore a backup")]
    SchemaTooNew(String),
    /// A use of the store that its backend cannot serve (a mistake in the
    /// caller): what was asked, and what to do instead.
    #[error("the store cannot do this: {0}")]
    Misuse(String),
    #[error("the store location `{0}` is not understood: use redb:FILE, a sled folder or a postgres:// URL")]
    Location(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Where the store is: a redb file, a folder for sled, or a PostgreSQL URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Redb(std::path::PathBuf),
    Sled(std::path::PathBuf),
    Postgres(String),
}

impl Location {
    /// `postgres://...` / `postgresql://...` is PostgreSQL; `redb:FILE` is a
    /// redb file; `sled:PATH` or a bare path is a sled folder (what a bare
    /// path meant before redb).
    pub fn parse(s: &str) -> Result<Location> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(Location::Postgres(s.to_string()))
        } else if let Some(path) = s.strip_prefix("redb:") {
            Ok(Location::Redb(path.into()))
        } else if let Some(path) = s.strip_prefix("sled:") {
            Ok(Location::Sled(path.into()))
        } else if s.is_empty() || s.contains("://") {
            Err(StoreError::Location(s.to_string()))
        } else {
            Ok(Location::Sled(s.into()))
        }
    }

    /// The location without a password, for logs and screens.
    pub fn redacted(&self) -> String {
        match self {
            Location::Redb(path) => format!("redb:{}", path.display()),
            Location::Sled(path) => format!("sled:{}", path.display()),
            Location::Postgres(url) => postgres::redact(url),
        }
    }
}

/// The store: cheap to clone, shared by everything in the desk.
#[derive(Clone)]
pub struct Store(Backend);

#[derive(Clone)]
enum Backend {
    /// One process: notices and locks stay in it.
    Redb(Arc<redb_file::Redb>, Arc<signals::Local>),
    /// One process, as redb.
    Sled(sled::Db, Arc<signals::Local>),
    Postgres(Arc<postgres::Pg>),
    /// A view of another store whose writes wait for [`Stage::commit`].
    Staged(Arc<stage::Inner>),
}

/// sled's page cache: its default (1 GiB) is more than a small desk's whole
/// store and made a first sync's memory grow with the records it wrote.
const SLED_CACHE_BYTES: u64 = 64 << 20;

/// How long opening a sled store waits for its lock. sled's I/O threads let
/// go of the files a moment after the last handle is dropped, so a desk
/// reopened at once in the same process (or restarted by a supervisor as
/// the old one exits) may find it still taken; another running desk keeps
/// it for good and is refused after this wait.
const SLED_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl Store {
    pub fn open(location: &Location) -> Result<Store> {
        match location {
            Location::Redb(path) => Store::redb(path),
            Location::Sled(path) => Store::sled(path),
            Location::Postgres(url) => Store::postgres(url),
        }
    }

    /// A redb store in the file `path` (created if missing).
    pub fn redb(path: &Path) -> Result<Store> {
        Ok(Store(Backend::Redb(redb_file::Redb::open(path)?, Arc::default())))
    }

    /// A sled store in `path` (created if missing).
    pub fn sled(path: &Path) -> Result<Store> {
        let config = sled::Config::new().path(path).cache_capacity(SLED_CACHE_BYTES);
        let started = std::time::Instant::now();
        loop {
            match config.open() {
                Err(e) if lock_taken(&e) && started.elapsed() < SLED_LOCK_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                opened => return Ok(Store(Backend::Sled(opened?, Arc::default()))),
            }
        }
    }

    /// A store of the default embedded backend (redb) that disappears when
    /// dropped (tests).
    pub fn temporary() -> Result<Store> {
        Ok(Store(Backend::Redb(redb_file::Redb::temporary()?, Arc::default())))
    }

    /// A sled store that disappears when dropped (tests).
    pub fn temporary_sled() -> Result<Store> {
        Ok(Store(Backend::Sled(sled::Config::new().temporary(true).open()?, Arc::default())))
    }

    /// A PostgreSQL store; brings the schema up to date first, and refuses a
    /// database migrated by a newer deskpane.
    pub fn postgres(url: &str) -> Result<Store> {
        Ok(Store(Backend::Postgres(Arc::new(postgres::Pg::connect(url)?))))
    }

    /// Which backend this is: `redb`, `sled` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match &self.0 {
            Backend::Redb(..) => "redb",
            Backend::Sled(..) => "sled",
            Backend::Postgres(_) => "postgres",
            Backend::Staged(stage) => stage.base().backend(),
        }
    }

    /// The tree called `name` (created on first write).
    pub fn tree(&self, name: &str) -> Result<Tree> {
        Ok(Tree(match &self.0 {
            Backend::Redb(db, _) => TreeInner::Redb(db.clone(), Arc::from(redb_file::tree_name(name)?)),
            Backend::Sled(db, _) => TreeInner::Sled(db.open_tree(name)?),
            Backend::Postgres(pg) => TreeInner::Postgres(pg.tree(name)),
            Backend::Staged(stage) => TreeInner::Staged(stage.tree(name)?),
        }))
    }

    /// The names of the trees that hold something.
    pub fn tree_names(&self) -> Result<Vec<String>> {
        match &self.0 {
            Backend::Redb(db, _) => db.tree_names(),
            Backend::Sled(db, _) => Ok(db
                .tree_names()
                .into_iter()
                .map(|n| String::from_utf8_lossy(&n).into_owned())
                .filter(|n| n != "__sled__default")
                .filter(|n| db.open_tree(n).map(|t| !t.is_empty()).unwrap_or(false))
                .collect()),
            Backend::Postgres(pg) => pg.tree_names(),
            Backend::Staged(stage) => stage.tree_names(),
        }
    }

    /// A new id, greater than every id this store generated before.
    pub fn generate_id(&self) -> Result<u64> {
        match &self.0 {
            Backend::Redb(db, _) => db.generate_id(),
            Backend::Sled(db, _) => Ok(db.generate_id()?),
            Backend::Postgres(pg) => pg.generate_id(),
            Backend::Staged(stage) => stage.base().generate_id(),
        }
    }

    /// Tells every desk process on this store, this one included, that
    /// `topic` changed (`body` says what; keep it short: PostgreSQL carries
    /// at most ~8000 bytes). Delivered after the writes before it are
    /// visible; never stored, so only processes running now hear it.
    pub fn notify(&self, topic: &str, body: &str) -> Result<()> {
        match &self.0 {
            Backend::Redb(_, local) | Backend::Sled(_, local) => {
                local.notify(Notice { topic: topic.to_string(), body: body.to_string() });
                Ok(())
            }
            Backend::Postgres(pg) => pg.notify(topic, body),
            Backend::Staged(stage) => stage.base().notify(topic, body),
        }
    }

    /// The notices of every desk process on this store from now on. When
    /// some may have been missed (the connection to PostgreSQL was lost),
    /// a notice with topic [`RESYNC`] says so: re-read what you keep.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Notice> {
        match &self.0 {
            Backend::Redb(_, local) | Backend::Sled(_, local) => local.subscribe(),
            Backend::Postgres(pg) => pg.subscribe(),
            Backend::Staged(stage) => stage.base().subscribe(),
        }
    }

    /// Takes the lock `name` among every desk process on this store, if no
    /// other holder has it; held until the [`Lock`] is dropped or its holder
    /// dies (PostgreSQL lets go when the process's connection closes).
    pub fn try_lock(&self, name: &str) -> Result<Option<Lock>> {
        match &self.0 {
            Backend::Redb(_, local) | Backend::Sled(_, local) => Ok(local.try_lock(name)),
            Backend::Postgres(pg) => pg.try_lock(name),
            Backend::Staged(stage) => stage.base().try_lock(name),
        }
    }

    /// Makes ids generated from now on greater than `id` (a copied store
    /// must not hand out the ids its source did).
    pub fn ids_above(&self, id: u64) -> Result<()> {
        match &self.0 {
            Backend::Redb(db, _) => db.ids_above(id),
            Backend::Sled(db, _) => {
                // sled's generator has no setter; it is cheap to run forward.
                while db.generate_id()? <= id {}
                Ok(())
            }
            Backend::Postgres(pg) => pg.ids_above(id),
            Backend::Staged(stage) => stage.base().ids_above(id),
        }
    }

    /// Makes everything written so far durable (PostgreSQL: each write is
    /// committed already; a staged view: at its commit).
    pub fn flush(&self) -> Result<()> {
        match &self.0 {
            Backend::Redb(db, _) => db.flush(),
            Backend::Sled(db, _) => db.flush().map(drop).map_err(Into::into),
            Backend::Postgres(_) | Backend::Staged(_) => Ok(()),
        }
    }

    /// Flushes, then leaves the store open until the process ends: for a
    /// process about to exit. sled 0.34's page cache, when its last handle
    /// is dropped, first builds a map of every page it holds (an aid to
    /// sled's own tests): ~350 MB for a store of a million records, more
    /// than the whole first sync that wrote it. Everything is on disk once
    /// flushed, so skipping that drop loses nothing.
    pub fn flush_for_exit(self) -> Result<()> {
        self.flush()?;
        if let Backend::Sled(..) = self.0 {
            std::mem::forget(self);
        }
        Ok(())
    }

    /// A staged view of this store: what is written through it is held in
    /// memory (and read back through it) until [`Stage::commit`] writes it
    /// all in one transaction. Many small writes cost one transaction
    /// (sled syncs its log at every transaction; PostgreSQL pays a round
    /// trip per statement). One user at a time: a sync page.
    pub fn stage(&self) -> Stage {
        Stage::new(self)
    }

    /// Runs `f` atomically over `trees`: all its writes or none. `f` may run
    /// more than once (a conflicting writer makes it start again), so it
    /// must not have effects outside the trees. Returning `Err(Abort::Abort(e))`
    /// undoes its writes and gives `TxError::Abort(e)`.
    pub fn transaction<R, E>(&self, trees: &[&Tree], f: impl Fn(&[TxTree<'_>]) -> Result<R, Abort<E>>) -> Result<R, TxError<E>> {
        match &self.0 {
            Backend::Redb(db, _) => {
                let mut names = Vec::with_capacity(trees.len());
                for tree in trees {
                    match &tree.0 {
                        TreeInner::Redb(of, name) if Arc::ptr_eq(of, db) => names.push(&**name),
                        _ => return Err(TxError::Storage(StoreError::Misuse("a transaction was given a tree of another store".into()))),
                    }
                }
                db.transaction(&names, f)
            }
            Backend::Sled(..) => {
                let sled_trees: Vec<sled::Tree> = trees
                    .iter()
                    .map(|t| match &t.0 {
                        TreeInner::Sled(t) => t.clone(),
                        _ => unreachable!("a tree of another store in a sled store"),
                    })
                    .collect();
                use sled::transaction::{ConflictableTransactionError as C, TransactionError as T, Transactional};
                sled_trees
                    .as_slice()
                    .transaction(|txs| {
                        let mine: Vec<TxTree<'_>> = txs.iter().map(TxTree::Sled).collect();
                        f(&mine).map_err(|a| match a {
                            Abort::Abort(e) => C::Abort(e),
                            Abort::Fault(TxFault(FaultInner::Sled(u))) => u.into(),
                            Abort::Fault(TxFault(other)) => C::Storage(sled::Error::ReportableBug(format!("{other:?}"))),
                        })
                    })
                    .map_err(|e| match e {
                        T::Abort(e) => TxError::Abort(e),
                        T::Storage(e) => TxError::Storage(e.into()),
                    })
            }
            Backend::Postgres(pg) => {
                let pg_trees: Vec<&postgres::PgTree> = trees
                    .iter()
                    .map(|t| match &t.0 {
                        TreeInner::Postgres(t) => t,
                        _ => unreachable!("a tree of another store in a PostgreSQL store"),
                    })
                    .collect();
                pg.transaction(&pg_trees, &f)
            }
            Backend::Staged(stage) => {
                let staged: Vec<&stage::StagedTree> = trees
                    .iter()
                    .map(|t| match &t.0 {
                        TreeInner::Staged(t) => t,
                        _ => unreachable!("an unstaged tree in a staged transaction"),
                    })
                    .collect();
                stage.transaction(&staged, f)
            }
        }
    }
}

/// One named tree.
#[derive(Clone)]
pub struct Tree(TreeInner);

#[derive(Clone)]
enum TreeInner {
    Redb(Arc<redb_file::Redb>, Arc<str>),
    Sled(sled::Tree),
    Postgres(postgres::PgTree),
    Staged(stage::StagedTree),
}

impl Tree {
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Value>> {
        match &self.0 {
            TreeInner::Redb(db, name) => db.get(name, key.as_ref()),
            TreeInner::Sled(t) => Ok(t.get(key)?.map(|v| v.to_vec())),
            TreeInner::Postgres(t) => t.get(key.as_ref()),
            TreeInner::Staged(t) => t.get(key.as_ref()),
        }
    }

    pub fn contains_key(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        match &self.0 {
            TreeInner::Redb(db, name) => Ok(db.get(name, key.as_ref())?.is_some()),
            TreeInner::Sled(t) => Ok(t.contains_key(key)?),
            TreeInner::Postgres(t) => Ok(t.get(key.as_ref())?.is_some()),
            TreeInner::Staged(t) => Ok(t.get(key.as_ref())?.is_some()),
        }
    }

    /// Sets `key` to `value`, replacing what was there.
    pub fn insert(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
        match &self.0 {
            TreeInner::Redb(db, name) => db.write(name, |t| t.insert(key.as_ref(), value.as_ref()).map(drop)),
            TreeInner::Sled(t) => t.insert(key.as_ref(), value.as_ref()).map(drop).map_err(Into::into),
            TreeInner::Postgres(t) => t.insert(key.as_ref(), value.as_ref()),
            TreeInner::Staged(t) => {
                t.insert(key.as_ref(), value.as_ref());
                Ok(())
            }
        }
    }

    /// Removes `key`; what it held, if anything.
    pub fn remove(&self, key: impl AsRef<[u8]>) -> Result<Option<Value>> {
        match &self.0 {
            TreeInner::Redb(db, name) => db.write(name, |t| Ok(t.remove(key.as_ref())?.map(|v| v.value().to_vec()))),
            TreeInner::Sled(t) => Ok(t.remove(key)?.map(|v| v.to_vec())),
            TreeInner::Postgres(t) => t.remove(key.as_ref()),
            TreeInner::Staged(t) => t.remove(key.as_ref()),
        }
    }

    /// Every entry, in key order.
    pub fn iter(&self) -> Iter {
        self.range::<&[u8], _>(..)
    }

    /// The entries whose key starts with `prefix`, in key order.
    pub fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Iter {
        let prefix = prefix.as_ref();
        let upper = || prefix_end(prefix).map_or(Bound::Unbounded, Bound::Excluded);
        match &self.0 {
            TreeInner::Redb(db, name) => Iter(IterInner::Redb(db.scan(name, Bound::Included(prefix.to_vec()), upper()))),
            TreeInner::Sled(t) => Iter(IterInner::Sled(t.scan_prefix(prefix))),
            TreeInner::Postgres(t) => Iter(IterInner::Postgres(t.scan(Bound::Included(prefix.to_vec()), upper()))),
            TreeInner::Staged(t) => Iter(IterInner::Staged(Box::new(t.scan(Bound::Included(prefix.to_vec()), upper())))),
        }
    }

    /// The entries whose key is in `range`, in key order.
    pub fn range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Iter {
        let bound = |b: Bound<&K>| match b {
            Bound::Included(k) => Bound::Included(k.as_ref().to_vec()),
            Bound::Excluded(k) => Bound::Excluded(k.as_ref().to_vec()),
            Bound::Unbounded => Bound::Unbounded,
        };
        let (lower, upper) = (bound(range.start_bound()), bound(range.end_bound()));
        match &self.0 {
            TreeInner::Redb(db, name) => Iter(IterInner::Redb(db.scan(name, lower, upper))),
            TreeInner::Sled(t) => Iter(IterInner::Sled(t.range::<Vec<u8>, _>((lower, upper)))),
            TreeInner::Postgres(t) => Iter(IterInner::Postgres(t.scan(lower, upper))),
            TreeInner::Staged(t) => Iter(IterInner::Staged(Box::new(t.scan(lower, upper)))),
        }
    }

    /// How many entries the tree has (reads them all on sled).
    pub fn len(&self) -> Result<usize> {
        match &self.0 {
            TreeInner::Redb(db, name) => db.len(name),
            TreeInner::Sled(t) => Ok(t.len()),
            TreeInner::Postgres(t) => t.len(),
            TreeInner::Staged(_) => self.iter().try_fold(0, |n, r| r.map(|_| n + 1)),
        }
    }

    pub fn is_empty(&self) -> Result<bool> {
        match &self.0 {
            TreeInner::Redb(db, name) => Ok(db.len(name)? == 0),
            TreeInner::Sled(t) => Ok(t.is_empty()),
            TreeInner::Postgres(_) | TreeInner::Staged(_) => self.iter().next().transpose().map(|first| first.is_none()),
        }
    }

    /// Makes this tree's writes durable (PostgreSQL: committed already;
    /// staged: at the stage's commit; redb: with every other tree's).
    pub fn flush(&self) -> Result<()> {
        match &self.0 {
            TreeInner::Redb(db, _) => db.flush(),
            TreeInner::Sled(t) => t.flush().map(drop).map_err(Into::into),
            TreeInner::Postgres(_) | TreeInner::Staged(_) => Ok(()),
        }
    }

    /// Removes every entry.
    pub fn clear(&self) -> Result<()> {
        match &self.0 {
            TreeInner::Redb(db, name) => db.write(name, |t| t.retain(|_, _| false)),
            TreeInner::Sled(t) => Ok(t.clear()?),
            TreeInner::Postgres(t) => t.clear(),
            TreeInner::Staged(t) => t.clear(),
        }
    }
}

/// Whether sled could not open its files because another handle holds their
/// lock. sled 0.34 reports the OS's `WouldBlock` inside an error of kind
/// `Other` whose text is all that says so.
fn lock_taken(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock
        || (io.kind() == std::io::ErrorKind::Other && io.to_string().starts_with("could not acquire lock")))
}

/// The smallest key greater than every key starting with `prefix`; none
/// when the prefix is empty or all 0xff. The end of a [`Tree::range`] over
/// one prefix.
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Entries of a tree in key order, read as they are consumed.
pub struct Iter(IterInner);

enum IterInner {
    Redb(redb_file::RedbIter),
    Sled(sled::Iter),
    Postgres(postgres::PgIter),
    Staged(Box<stage::Merged>),
}

impl Iterator for Iter {
    type Item = Result<(Value, Value)>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterInner::Redb(i) => i.next(),
            IterInner::Sled(i) => i.next().map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(Into::into)),
            IterInner::Postgres(i) => i.next(),
            IterInner::Staged(i) => i.next(),
        }
    }
}

impl Iter {
    pub fn keys(self) -> impl Iterator<Item = Result<Value>> {
        self.map(|r| r.map(|(k, _)| k))
    }

    pub fn values(self) -> impl Iterator<Item = Result<Value>> {
        self.map(|r| r.map(|(_, v)| v))
    }
}

/// A tree inside a transaction.
pub enum TxTree<'a> {
    Redb(redb_file::RedbTxTree<'a>),
    Sled(&'a sled::transaction::TransactionalTree),
    Postgres(postgres::PgTxTree<'a>),
    Staged(stage::StagedTxTree<'a>),
}

impl TxTree<'_> {
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Value>, TxFault> {
        match self {
            TxTree::Redb(t) => t.get(key.as_ref()),
            TxTree::Sled(t) => t.get(key).map(|v| v.map(|v| v.to_vec())).map_err(sled_fault),
            TxTree::Postgres(t) => t.get(key.as_ref()),
            TxTree::Staged(t) => t.get(key.as_ref()),
        }
    }

    pub fn insert(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<(), TxFault> {
        match self {
            TxTree::Redb(t) => t.insert(key.as_ref(), value.as_ref()),
            TxTree::Sled(t) => t.insert(key.as_ref(), value.as_ref()).map(drop).map_err(sled_fault),
            TxTree::Postgres(t) => t.insert(key.as_ref(), value.as_ref()),
            TxTree::Staged(t) => {
                t.insert(key.as_ref(), value.as_ref());
                Ok(())
            }
        }
    }

    pub fn remove(&self, key: impl AsRef<[u8]>) -> Result<Option<Value>, TxFault> {
        match self {
            TxTree::Redb(t) => t.remove(key.as_ref()),
            TxTree::Sled(t) => t.remove(key.as_ref()).map(|v| v.map(|v| v.to_vec())).map_err(sled_fault),
            TxTree::Postgres(t) => t.remove(key.as_ref()),
            TxTree::Staged(t) => t.remove(key.as_ref()),
        }
    }

    /// A new id from the store's generator (not undone by an abort).
    pub fn generate_id(&self) -> Result<u64, TxFault> {
        match self {
            TxTree::Redb(t) => t.generate_id(),
            TxTree::Sled(t) => t.generate_id().map_err(|e| sled_fault(e.into())),
            TxTree::Postgres(t) => t.generate_id(),
            TxTree::Staged(t) => t.generate_id(),
        }
    }

    /// The first of these keys (with the values they are expected to
    /// hold, None for absent) whose value differs now: a stage's check.
    fn changed(&self, expected: &std::collections::BTreeMap<Value, Option<Value>>) -> Result<Option<Value>, TxFault> {
        match self {
            TxTree::Redb(_) | TxTree::Sled(_) => {
                for (key, value) in expected {
                    if self.get(key)? != *value {
                        return Ok(Some(key.clone()));
                    }
                }
                Ok(None)
            }
            TxTree::Postgres(t) => t.changed(expected),
            TxTree::Staged(t) => t.changed(expected),
        }
    }
}

fn sled_fault(e: sled::transaction::UnabortableTransactionError) -> TxFault {
    TxFault(FaultInner::Sled(e))
}

/// A storage failure or conflict inside a transaction: return it (with `?`)
/// and the transaction is retried or fails as a whole.
#[derive(Debug)]
pub struct TxFault(FaultInner);

#[derive(Debug)]
enum FaultInner {
    Redb(redb::Error),
    Sled(sled::transaction::UnabortableTransactionError),
    Postgres(postgres::Fault),
    Staged(Box<StoreError>),
}

/// Why a transaction's closure stopped.
#[derive(Debug)]
pub enum Abort<E> {
    /// The caller's own reason: the writes are undone.
    Abort(E),
    /// The store's: retried on conflict, else a storage error.
    Fault(TxFault),
}

impl<E> From<TxFault> for Abort<E> {
    fn from(f: TxFault) -> Self {
        Abort::Fault(f)
    }
}

/// A transaction that did not commit.
#[derive(Debug)]
pub enum TxError<E> {
    Abort(E),
    Storage(StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_ends_at_its_successor() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[b'a', 0xff]), Some(b"b".to_vec()));
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
        assert_eq!(prefix_end(b""), None);
    }

    #[test]
    fn a_sled_store_reopened_while_its_lock_is_still_held_waits_for_it() {
        let dir = std::env::temp_dir().join(format!("deskpane-store-lock-{}", std::process::id()));
        let first = Store::sled(&dir).unwrap();
        first.tree("t").unwrap().insert(b"k", b"v").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let opener = {
            let dir = dir.clone();
            std::thread::spawn(move || {
                tx.send(()).unwrap();
                Store::sled(&dir).map(|s| s.tree("t").unwrap().get(b"k").unwrap())
            })
        };
        rx.recv().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(first);
        let reopened = opener.join().unwrap();
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(reopened.expect("opened once the lock was let go"), Some(b"v".to_vec()));
    }

    #[test]
    fn locations_are_a_redb_file_a_sled_folder_or_a_postgres_url() {
        assert_eq!(Location::parse("data/db").unwrap(), Location::Sled("data/db".into()));
        assert_eq!(Location::parse("sled:/var/desk").unwrap(), Location::Sled("/var/desk".into()));
        assert_eq!(Location::parse("redb:/var/desk/store.redb").unwrap(), Location::Redb("/var/desk/store.redb".into()));
        assert_eq!(Location::Redb("data/store.redb".into()).redacted(), "redb:data/store.redb");
        assert!(matches!(Location::parse("postgres://u:p@h/db").unwrap(), Location::Postgres(_)));
        assert!(Location::parse("mysql://h/db").is_err());
    }
}
