//! A staged view of a store: its writes are held in memory, read back by
//! its own reads, and committed together in one transaction that first
//! checks nothing it read has changed since.
//!
//! Why: sled makes every transaction durable on its own (it writes and
//! syncs its log around each one), so a sync page written as 200
//! transactions cost 200 disk syncs; PostgreSQL costs a round trip per
//! statement. A page written through a stage is one transaction, and the
//! record logic above it runs unchanged: every read sees the page's
//! earlier writes, exactly as when each record committed on its own.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::{Abort, FaultInner, Iter, Result, Store, StoreError, Tree, TxError, TxFault, TxTree, Value};

/// Held writes: the new value, or None when removed.
type Overlay = BTreeMap<Value, Option<Value>>;

pub(crate) struct Inner {
    base: Store,
    trees: Mutex<BTreeMap<Arc<str>, TreeState>>,
}

struct TreeState {
    base: Tree,
    writes: Overlay,
    /// What the base held at the first read of each key: the commit
    /// checks it still does. Also answers later reads (repeatable reads,
    /// and no second round trip to PostgreSQL).
    reads: Overlay,
}

/// Writes held until [`Stage::commit`]; see [`Store::stage`].
pub struct Stage(Arc<Inner>);

/// Why a stage did not commit.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// Another writer changed something the stage read: nothing was
    /// written; do the work again (unstaged, or in a new stage).
    #[error("another writer changed `{key}` in `{tree}` while the staged writes were made")]
    Conflict { tree: String, key: String },
    #[error(transparent)]
    Storage(#[from] StoreError),
}

impl Stage {
    pub(crate) fn new(base: &Store) -> Stage {
        Stage(Arc::new(Inner { base: base.clone(), trees: Mutex::default() }))
    }

    /// The staged view: a store like any other to its users.
    pub fn store(&self) -> Store {
        Store(crate::Backend::Staged(self.0.clone()))
    }

    /// Whether anything was written through the view since the last commit.
    pub fn is_empty(&self) -> bool {
        self.0.lock().values().all(|t| t.writes.is_empty())
    }

    /// Writes everything held in one transaction of the base store, if
    /// every key read through the view still holds what it held then; the
    /// stage is empty afterwards, committed or not. Durable as the base
    /// store's transactions are (sled: once flushed).
    pub fn commit(&self) -> Result<(), CommitError> {
        let trees = std::mem::take(&mut *self.0.lock());
        if trees.values().all(|t| t.writes.is_empty()) {
            return Ok(());
        }
        let states: Vec<(&Arc<str>, &TreeState)> = trees.iter().collect();
        let bases: Vec<&Tree> = states.iter().map(|(_, t)| &t.base).collect();
        let outcome = self.0.base.transaction(&bases, |txs| {
            for ((name, state), tx) in states.iter().zip(txs) {
                if let Some(key) = tx.changed(&state.reads)? {
                    return Err(Abort::Abort(CommitError::Conflict {
                        tree: name.to_string(),
                        key: String::from_utf8_lossy(&key).into_owned(),
                    }));
                }
            }
            for ((_, state), tx) in states.iter().zip(txs) {
                for (key, value) in &state.writes {
                    match value {
                        Some(value) => tx.insert(key, value)?,
                        None => drop(tx.remove(key)?),
                    }
                }
            }
            Ok(())
        });
        outcome.map_err(|e| match e {
            TxError::Abort(conflict) => conflict,
            TxError::Storage(e) => CommitError::Storage(e),
        })
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<Arc<str>, TreeState>> {
        self.trees.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn base(&self) -> &Store {
        &self.base
    }

    pub(crate) fn tree(self: &Arc<Self>, name: &str) -> Result<StagedTree> {
        Ok(StagedTree { name: name.into(), base: Box::new(self.base.tree(name)?), stage: self.clone() })
    }

    /// The trees that hold something as the view sees them.
    pub(crate) fn tree_names(self: &Arc<Self>) -> Result<Vec<String>> {
        let mut names: std::collections::BTreeSet<String> = self.base.tree_names()?.into_iter().collect();
        names.extend(self.lock().keys().map(|n| n.to_string()));
        let mut out = Vec::new();
        for name in names {
            if self.tree(&name)?.scan(Bound::Unbounded, Bound::Unbounded).next().transpose()?.is_some() {
                out.push(name);
            }
        }
        Ok(out)
    }

    /// Runs `f` over staged trees: its writes join the stage when it
    /// returns Ok, and are dropped when it aborts. Nothing else writes
    /// through the view meanwhile (a stage has one user), so it runs once.
    pub(crate) fn transaction<R, E>(
        &self,
        trees: &[&StagedTree],
        f: impl Fn(&[TxTree<'_>]) -> Result<R, Abort<E>>,
    ) -> Result<R, TxError<E>> {
        let txs: Vec<TxTree<'_>> = trees.iter().map(|tree| TxTree::Staged(StagedTxTree { tree, local: RefCell::default() })).collect();
        match f(&txs) {
            Ok(r) => {
                for tx in txs {
                    let TxTree::Staged(tx) = tx else { unreachable!("staged trees only") };
                    let mut stage = self.lock();
                    let state = tx.tree.state(&mut stage);
                    state.writes.extend(tx.local.into_inner());
                }
                Ok(r)
            }
            Err(Abort::Abort(e)) => Err(TxError::Abort(e)),
            Err(Abort::Fault(TxFault(FaultInner::Staged(e)))) => Err(TxError::Storage(*e)),
            Err(Abort::Fault(other)) => unreachable!("a staged transaction's trees fault only as staged trees: {other:?}"),
        }
    }
}

/// A tree seen through a stage.
#[derive(Clone)]
pub(crate) struct StagedTree {
    name: Arc<str>,
    base: Box<Tree>,
    stage: Arc<Inner>,
}

impl StagedTree {
    fn state<'a>(&self, stage: &'a mut BTreeMap<Arc<str>, TreeState>) -> &'a mut TreeState {
        stage.entry(self.name.clone()).or_insert_with(|| TreeState {
            base: (*self.base).clone(),
            writes: Overlay::new(),
            reads: Overlay::new(),
        })
    }

    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<Value>> {
        let mut stage = self.stage.lock();
        let state = self.state(&mut stage);
        if let Some(value) = state.writes.get(key).or_else(|| state.reads.get(key)) {
            return Ok(value.clone());
        }
        let value = state.base.get(key)?;
        state.reads.insert(key.to_vec(), value.clone());
        Ok(value)
    }

    pub(crate) fn insert(&self, key: &[u8], value: &[u8]) {
        let mut stage = self.stage.lock();
        self.state(&mut stage).writes.insert(key.to_vec(), Some(value.to_vec()));
    }

    pub(crate) fn remove(&self, key: &[u8]) -> Result<Option<Value>> {
        let old = self.get(key)?;
        let mut stage = self.stage.lock();
        self.state(&mut stage).writes.insert(key.to_vec(), None);
        Ok(old)
    }

    /// The base's entries in range with the stage's writes laid over them.
    /// Keys seen by a scan are not checked at commit (only keys read one by
    /// one are): a scan's use is to find keys, which are then read.
    pub(crate) fn scan(&self, lower: Bound<Vec<u8>>, upper: Bound<Vec<u8>>) -> Merged {
        let mut stage = self.stage.lock();
        let state = self.state(&mut stage);
        let held: Vec<(Value, Option<Value>)> =
            state.writes.range::<Vec<u8>, _>((lower.clone(), upper.clone())).map(|(k, v)| (k.clone(), v.clone())).collect();
        let base = state.base.range::<Vec<u8>, _>((lower, upper));
        Merged { base: base.peekable(), held: held.into_iter().peekable() }
    }

    pub(crate) fn clear(&self) -> Result<()> {
        let keys: Vec<Value> = self.scan(Bound::Unbounded, Bound::Unbounded).map(|r| r.map(|(k, _)| k)).collect::<Result<_>>()?;
        let mut stage = self.stage.lock();
        let state = self.state(&mut stage);
        for key in keys {
            state.writes.insert(key, None);
        }
        Ok(())
    }
}

/// A staged tree's scan: the base's entries and the stage's writes merged
/// in key order, a write replacing (or removing) the base's entry.
pub(crate) struct Merged {
    base: std::iter::Peekable<Iter>,
    held: std::iter::Peekable<std::vec::IntoIter<(Value, Option<Value>)>>,
}

impl Iterator for Merged {
    type Item = Result<(Value, Value)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let from_base = match (self.base.peek(), self.held.peek()) {
                (None, None) => return None,
                (Some(Err(_)), _) => return self.base.next(),
                (Some(Ok((b, _))), Some((h, _))) => match b.cmp(h) {
                    std::cmp::Ordering::Less => true,
                    std::cmp::Ordering::Greater => false,
                    std::cmp::Ordering::Equal => {
                        self.base.next(); // replaced by the held write
                        false
                    }
                },
                (Some(_), None) => true,
                (None, Some(_)) => false,
            };
            if from_base {
                return self.base.next();
            }
            match self.held.next() {
                Some((key, Some(value))) => return Some(Ok((key, value))),
                Some((_, None)) => continue, // removed
                None => return None,
            }
        }
    }
}

/// A staged tree inside a transaction: writes kept apart until it returns.
pub struct StagedTxTree<'a> {
    tree: &'a StagedTree,
    local: RefCell<Overlay>,
}

fn fault(e: StoreError) -> TxFault {
    TxFault(FaultInner::Staged(Box::new(e)))
}

impl StagedTxTree<'_> {
    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<Value>, TxFault> {
        if let Some(value) = self.local.borrow().get(key) {
            return Ok(value.clone());
        }
        self.tree.get(key).map_err(fault)
    }

    pub(crate) fn insert(&self, key: &[u8], value: &[u8]) {
        self.local.borrow_mut().insert(key.to_vec(), Some(value.to_vec()));
    }

    pub(crate) fn remove(&self, key: &[u8]) -> Result<Option<Value>, TxFault> {
        let old = self.get(key)?;
        self.local.borrow_mut().insert(key.to_vec(), None);
        Ok(old)
    }

    pub(crate) fn generate_id(&self) -> Result<u64, TxFault> {
        self.tree.stage.base.generate_id().map_err(fault)
    }

    pub(crate) fn changed(&self, _reads: &Overlay) -> Result<Option<Value>, TxFault> {
        // A stage committed into another stage is checked by that one.
        Ok(None)
    }
}
