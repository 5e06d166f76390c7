//! Moving a desk from one store to another (`deskpane store copy`): every
//! tree made equal to the source's, then verified by counts and checksums.
//!
//! Safe to re-run: the destination must be empty or a copy of this same
//! source (a marker the copy leaves says which) that no desk has served
//! from yet, and each run makes it equal to the source as it is now:
//! entries added, replaced or removed. Once a desk has started on the
//! copy, copying again would discard what it wrote, and is refused.

use sha2::{Digest, Sha256};

use crate::{Abort, Result, Store, StoreError, Tree, TxError};

/// Where a store keeps its identity and what it was copied from.
const META: &str = "deskpane.store";
const ID: &[u8] = b"id";
const COPIED_FROM: &[u8] = b"copied-from";
const IN_SERVICE: &[u8] = b"in-service";

/// Entries written per transaction: large enough that PostgreSQL's round
/// trips do not dominate, small enough to retry cheaply.
const BATCH: usize = 500;

/// One tree, as copied and verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeCopy {
    pub name: String,
    pub entries: u64,
    /// SHA-256 over the entries in key order, equal on both sides.
    pub checksum: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the destination already holds a desk that is not a copy of this source; copy into an empty database (or drop this one) so no desk's data is overwritten"
    )]
    NotACopy,
    #[error(
        "a desk has served from the destination since it was copied (first at {0}); copying again would discard what it wrote since. Copy into a new database instead"
    )]
    InService(String),
    #[error("tree `{tree}` differs after copying: source {source_entries} entries ({source_sum}), destination {dest_entries} ({dest_sum}); is a desk still running on either store? Stop it and copy again")]
    Mismatch { tree: String, source_entries: u64, source_sum: String, dest_entries: u64, dest_sum: String },
}

/// A store's identity, made on first ask.
fn identity(store: &Store) -> Result<Vec<u8>> {
    let meta = store.tree(META)?;
    if let Some(id) = meta.get(ID)? {
        return Ok(id);
    }
    let id = format!("{:016x}{:016x}", store.generate_id()?, std::process::id() as u64 ^ nanos());
    meta.insert(ID, &id)?;
    store.flush()?;
    Ok(id.into_bytes())
}

fn nanos() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

impl Store {
    /// Notes that a desk serves from this store (kept from the first time,
    /// given as `since`): a copy into it is no longer re-run over it.
    pub fn mark_in_service(&self, since: &str) -> Result<()> {
        let meta = self.tree(META)?;
        if meta.get(IN_SERVICE)?.is_none() {
            meta.insert(IN_SERVICE, since)?;
        }
        Ok(())
    }
}

/// Makes `to` equal to `from`, tree by tree, calling `progress(tree, n)` as
/// entries are written; then verifies it. Neither store should be in use.
pub fn copy(from: &Store, to: &Store, mut progress: impl FnMut(&str, u64)) -> Result<Vec<TreeCopy>, CopyError> {
    let source = identity(from)?;
    let marker = to.tree(META)?.get(COPIED_FROM)?;
    let empty = to.tree_names()?.is_empty();
    if !empty && marker.as_deref() != Some(source.as_slice()) {
        return Err(CopyError::NotACopy);
    }
    if let Some(since) = to.tree(META)?.get(IN_SERVICE)? {
        return Err(CopyError::InService(String::from_utf8_lossy(&since).into_owned()));
    }
    // Claimed first: an interrupted copy can be run again.
    to.tree(META)?.insert(COPIED_FROM, &source)?;

    let mut names = from.tree_names()?;
    for name in to.tree_names()? {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.retain(|n| n != META);
    names.sort();
    for name in &names {
        mirror(&from.tree(name)?, &to.tree(name)?, to, |n| progress(name, n))?;
    }
    // Ids the destination hands out must not repeat the source's (change
    // log sequence numbers, record ids).
    to.ids_above(from.generate_id()?)?;
    to.flush()?;
    verify(from, to, &names)
}

/// Writes `from`'s entries into `to` and removes those `from` lacks.
fn mirror(from: &Tree, to: &Tree, store: &Store, mut progress: impl FnMut(u64)) -> Result<()> {
    let mut batch: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(BATCH);
    let mut written = 0u64;
    let mut flush = |batch: &mut Vec<(Vec<u8>, Vec<u8>)>| -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        store
            .transaction(&[to], |t| {
                for (k, v) in batch.iter() {
                    t[0].insert(k, v)?;
                }
                Ok::<_, Abort<()>>(())
            })
            .map_err(|e| match e {
                TxError::Storage(e) => e,
                TxError::Abort(()) => unreachable!("the copy never aborts"),
            })?;
        written += batch.len() as u64;
        progress(written);
        batch.clear();
        Ok(())
    };
    for entry in from.iter() {
        batch.push(entry?);
        if batch.len() == BATCH {
            flush(&mut batch)?;
        }
    }
    flush(&mut batch)?;
    // Keys the source no longer has (a re-run after the source changed):
    // both sides walked once, side by side, in their common (bytewise) order.
    let mut gone = Vec::new();
    let mut source = from.iter().keys();
    let mut next = source.next().transpose()?;
    for key in to.iter().keys() {
        let key = key?;
        while next.as_ref().is_some_and(|n| *n < key) {
            next = source.next().transpose()?;
        }
        if next.as_ref() != Some(&key) {
            gone.push(key);
        }
    }
    for key in gone {
        to.remove(key)?;
    }
    Ok(())
}

/// Counts and checksums each tree on both sides.
fn verify(from: &Store, to: &Store, names: &[String]) -> Result<Vec<TreeCopy>, CopyError> {
    let mut copied = Vec::new();
    for name in names {
        let (source_entries, source_sum) = summary(&from.tree(name)?)?;
        let (dest_entries, dest_sum) = summary(&to.tree(name)?)?;
        if (source_entries, &source_sum) != (dest_entries, &dest_sum) {
            return Err(CopyError::Mismatch { tree: name.clone(), source_entries, source_sum, dest_entries, dest_sum });
        }
        if source_entries > 0 {
            copied.push(TreeCopy { name: name.clone(), entries: source_entries, checksum: source_sum });
        }
    }
    Ok(copied)
}

/// A tree's entry count and SHA-256 over its length-prefixed entries in key
/// order.
pub fn summary(tree: &Tree) -> Result<(u64, String)> {
    let mut hash = Sha256::new();
    let mut count = 0u64;
    for entry in tree.iter() {
        let (k, v) = entry?;
        hash.update((k.len() as u64).to_be_bytes());
        hash.update(&k);
        hash.update((v.len() as u64).to_be_bytes());
        hash.update(&v);
        count += 1;
    }
    Ok((count, hex::encode(hash.finalize())))
}
