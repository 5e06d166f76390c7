//! One behavioural suite for every backend: each case is written once
//! against a `Store` and runs on redb (`Store::temporary`), on sled
//! (`Store::temporary_sled`) and on PostgreSQL
//! (a scratch database of its own on the server whose admin URL is in
//! `DESKPANE_TEST_POSTGRES`, as printed by `scripts/postgres.sh start`).
//! Without that variable the PostgreSQL half says so and passes.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::ops::Bound;
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use deskpane_store::{testing, Abort, Location, Notice, Store, StoreError, Tree, TxError, RESYNC};
use tokio::sync::broadcast::{self, error::TryRecvError};

const PG_ENV: &str = "DESKPANE_TEST_POSTGRES";

/// A scratch database, dropped when this is (after a failed assertion too).
struct Scratch {
    admin: String,
    url: String,
}

impl Scratch {
    /// None (and a note, once) when no PostgreSQL is configured.
    fn new() -> Option<Scratch> {
        let admin = match std::env::var(PG_ENV) {
            Ok(url) if !url.is_empty() => url,
            _ => {
                static NOTE: Once = Once::new();
                NOTE.call_once(|| {
                    // Straight to stderr: the test harness captures eprintln!.
                    use std::io::Write;
                    let _ = writeln!(
                        std::io::stderr(),
                        "PostgreSQL cases skipped: {PG_ENV} is not set (start a server with `scripts/postgres.sh start DIR` and export the URL it prints)"
                    );
                });
                return None;
            }
        };
        let url = testing::scratch_database(&admin).expect("create a scratch database");
        Some(Scratch { admin, url })
    }

    fn open(&self) -> Store {
        Store::postgres(&self.url).expect("open the PostgreSQL store")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        testing::drop_database(&self.admin, &self.url);
    }
}

/// `cases!(a, b)` runs `a(&Store)` and `b(&Store)` as `redb::a`, `sled::a`,
/// `postgres::a`, ...; `cases!(opener: c)` runs `c(&dyn Fn() -> Store)` for
/// cases that open (and drop) stores themselves; `cases!(replicas: d)` runs
/// `d(&Store, &Store)` on two replicas of one store (sled: two handles in
/// this process, its only one; PostgreSQL: two stores on one database).
macro_rules! cases {
    ($($case:ident),* $(,)?) => {
        mod redb {
            $( #[test] fn $case() { super::$case(&deskpane_store::Store::temporary().unwrap()) } )*
        }
        mod sled {
            $( #[test] fn $case() { super::$case(&deskpane_store::Store::temporary_sled().unwrap()) } )*
        }
        mod postgres {
            $( #[test] fn $case() {
                if let Some(db) = super::Scratch::new() {
                    let store = db.open();
                    super::$case(&store);
                }
            } )*
        }
    };
    (opener: $($case:ident),* $(,)?) => {
        mod redb_opener {
            $( #[test] fn $case() { super::$case(&|| deskpane_store::Store::temporary().unwrap()) } )*
        }
        mod sled_opener {
            $( #[test] fn $case() { super::$case(&|| deskpane_store::Store::temporary_sled().unwrap()) } )*
        }
        mod postgres_opener {
            $( #[test] fn $case() {
                if let Some(db) = super::Scratch::new() {
                    super::$case(&|| db.open());
                }
            } )*
        }
    };
    (staged: $($case:ident),* $(,)?) => {
        mod redb_staged {
            $( #[test] fn $case() { super::through_a_stage(&deskpane_store::Store::temporary().unwrap(), super::$case) } )*
        }
        mod sled_staged {
            $( #[test] fn $case() { super::through_a_stage(&deskpane_store::Store::temporary_sled().unwrap(), super::$case) } )*
        }
        mod postgres_staged {
            $( #[test] fn $case() {
                if let Some(db) = super::Scratch::new() {
                    super::through_a_stage(&db.open(), super::$case);
                }
            } )*
        }
    };
    (replicas: $($case:ident),* $(,)?) => {
        mod redb_replicas {
            $( #[test] fn $case() {
                let store = deskpane_store::Store::temporary().unwrap();
                super::$case(&store, &store.clone())
            } )*
        }
        mod sled_replicas {
            $( #[test] fn $case() {
                let store = deskpane_store::Store::temporary_sled().unwrap();
                super::$case(&store, &store.clone())
            } )*
        }
        mod postgres_replicas {
            $( #[test] fn $case() {
                if let Some(db) = super::Scratch::new() {
                    super::$case(&db.open(), &db.open());
                }
            } )*
        }
    };
}

cases!(
    get_insert_replace_remove,
    contains_len_is_empty_clear,
    keys_sort_bytewise,
    scan_prefix_finds_exactly_the_prefixed_keys,
    range_honours_every_bound_kind,
    iteration_crosses_pages_in_order,
    trees_are_independent,
    ids_strictly_increase,
    a_transaction_commits_across_trees,
    an_abort_undoes_every_write,
    a_transaction_reads_its_own_writes,
    ids_inside_a_transaction,
    concurrent_increments_all_count,
    a_panicking_transaction_writes_nothing,
    works_inside_a_current_thread_runtime,
    works_inside_a_multi_thread_runtime,
    signals_work_inside_a_current_thread_runtime,
    a_copy_run_again_matches_the_source_removals_included,
    staged_writes_wait_for_the_commit_and_land_together,
    a_stage_whose_reads_changed_meanwhile_writes_nothing,
    a_stage_that_only_read_commits_nothing,
    a_staged_scan_lays_the_writes_over_the_base,
);

// The same cases through a staged view: it behaves as a store, and its
// commit leaves the base holding what the view showed.
cases!(
    staged: get_insert_replace_remove,
    contains_len_is_empty_clear,
    keys_sort_bytewise,
    scan_prefix_finds_exactly_the_prefixed_keys,
    range_honours_every_bound_kind,
    iteration_crosses_pages_in_order,
    trees_are_independent,
    ids_strictly_increase,
    a_transaction_commits_across_trees,
    an_abort_undoes_every_write,
    a_transaction_reads_its_own_writes,
    ids_inside_a_transaction,
);

cases!(opener: a_store_dropped_in_async_code_does_not_panic, a_lock_outlives_the_store_handle_it_came_from);

cases!(replicas: notices_reach_every_replica_in_order, a_lock_has_one_holder_among_replicas);

fn all(tree: &Tree) -> Vec<(Vec<u8>, Vec<u8>)> {
    tree.iter().collect::<Result<_, _>>().unwrap()
}

/// `deskpane store copy` from a sled desk into `to`, run again after the
/// source changed: entries removed at the start, middle and end of a tree
/// (and a whole tree emptied) go from the copy too.
fn a_copy_run_again_matches_the_source_removals_included(to: &Store) {
    let from = Store::temporary().unwrap();
    let (t, u) = (from.tree("t").unwrap(), from.tree("u").unwrap());
    for key in [&b"a"[..], b"b", b"c", b"d", b"e"] {
        t.insert(key, b"1").unwrap();
    }
    u.insert(b"x", b"1").unwrap();
    deskpane_store::copy(&from, to, |_, _| {}).unwrap();
    for key in [&b"a"[..], b"c", b"e"] {
        t.remove(key).unwrap();
    }
    t.insert(b"b", b"2").unwrap();
    t.insert(b"f", b"3").unwrap();
    u.remove(b"x").unwrap();
    deskpane_store::copy(&from, to, |_, _| {}).unwrap();
    assert_eq!(all(&to.tree("t").unwrap()), all(&t));
    assert!(to.tree("u").unwrap().is_empty().unwrap(), "{:?}", all(&to.tree("u").unwrap()));
}

/// Runs `case` on a staged view of `store`, then commits: the base must
/// hold what the view showed. (Scans over base entries and staged writes
/// together: `a_staged_scan_lays_the_writes_over_the_base`.)
fn through_a_stage(store: &Store, case: fn(&Store)) {
    let names = ["a", "b", "t", "u", "x", "y"];
    let stage = store.stage();
    let view = stage.store();
    case(&view);
    let seen: Vec<_> = names.iter().map(|n| all(&view.tree(n).unwrap())).collect();
    stage.commit().expect("nothing else wrote: the stage commits");
    let now: Vec<_> = names.iter().map(|n| all(&store.tree(n).unwrap())).collect();
    assert_eq!(now, seen, "the base holds what the staged view showed");
}

fn staged_writes_wait_for_the_commit_and_land_together(store: &Store) {
    let (a, b) = (store.tree("a").unwrap(), store.tree("b").unwrap());
    a.insert(b"old", b"1").unwrap();
    let stage = store.stage();
    let view = stage.store();
    let (va, vb) = (view.tree("a").unwrap(), view.tree("b").unwrap());
    va.insert(b"new", b"2").unwrap();
    assert_eq!(va.remove(b"old").unwrap(), Some(b"1".to_vec()));
    view.transaction::<_, ()>(&[&va, &vb], |t| {
        assert_eq!(t[0].get(b"new")?, Some(b"2".to_vec()), "a transaction on the view sees the stage");
        t[1].insert(b"k", b"3")?;
        Ok(())
    })
    .unwrap();
    assert_eq!(keys(va.iter()), [b"new".to_vec()], "the view reads its own writes");
    assert_eq!(vb.get(b"k").unwrap(), Some(b"3".to_vec()));
    view.flush().unwrap();
    assert_eq!(all(&a), [(b"old".to_vec(), b"1".to_vec())], "nothing reaches the base before the commit, flushed or not");
    assert!(b.is_empty().unwrap());
    assert!(!stage.is_empty());
    stage.commit().unwrap();
    assert_eq!(all(&a), [(b"new".to_vec(), b"2".to_vec())]);
    assert_eq!(all(&b), [(b"k".to_vec(), b"3".to_vec())]);
    assert!(stage.is_empty(), "a committed stage starts again empty");
    // The view goes on working for the next round.
    va.insert(b"later", b"4").unwrap();
    stage.commit().unwrap();
    assert_eq!(a.get(b"later").unwrap(), Some(b"4".to_vec()));
}

fn a_stage_whose_reads_changed_meanwhile_writes_nothing(store: &Store) {
    let (a, b) = (store.tree("a").unwrap(), store.tree("b").unwrap());
    a.insert(b"record", b"v1").unwrap();
    let stage = store.stage();
    let view = stage.store();
    let (va, vb) = (view.tree("a").unwrap(), view.tree("b").unwrap());
    // Read, then written from what was read (a merge).
    assert_eq!(va.get(b"record").unwrap(), Some(b"v1".to_vec()));
    va.insert(b"record", b"v1 merged").unwrap();
    vb.insert(b"link", b"record").unwrap();
    // Another writer (an agent's edit) changes it meanwhile.
    a.insert(b"record", b"v2").unwrap();
    let refused = stage.commit();
    assert!(matches!(&refused, Err(deskpane_store::CommitError::Conflict { tree, key }) if tree == "a" && key == "record"), "{refused:?}");
    assert_eq!(a.get(b"record").unwrap(), Some(b"v2".to_vec()), "the other writer's value stays");
    assert!(b.is_empty().unwrap(), "nothing of the stage was written");
    // A key read as absent and created meanwhile is a change too.
    assert_eq!(va.get(b"fresh").unwrap(), None);
    va.insert(b"other", b"x").unwrap();
    a.insert(b"fresh", b"made elsewhere").unwrap();
    assert!(matches!(stage.commit(), Err(deskpane_store::CommitError::Conflict { .. })));
    assert_eq!(a.get(b"other").unwrap(), None);
}

fn a_staged_scan_lays_the_writes_over_the_base(store: &Store) {
    let t = store.tree("t").unwrap();
    for key in ["a", "c", "e", "g"] {
        t.insert(key, b"base").unwrap();
    }
    let stage = store.stage();
    let v = stage.store().tree("t").unwrap();
    v.insert(b"0", b"new").unwrap(); // before every base key
    v.remove(b"a").unwrap(); // the first base key
    v.insert(b"c", b"staged").unwrap(); // replaces a base key
    v.insert(b"d", b"new").unwrap(); // between base keys
    v.remove(b"g").unwrap(); // the last base key
    v.insert(b"h", b"new").unwrap(); // after every base key
    v.remove(b"zz").unwrap(); // never was
    let shown = |iter: deskpane_store::Iter| -> Vec<(String, String)> {
        iter.map(|r| r.map(|(k, v)| (String::from_utf8(k).unwrap(), String::from_utf8(v).unwrap()))).collect::<Result<_, _>>().unwrap()
    };
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(shown(v.iter()), [pair("0", "new"), pair("c", "staged"), pair("d", "new"), pair("e", "base"), pair("h", "new")]);
    assert_eq!(shown(v.range(&b"b"[..]..&b"e"[..])), [pair("c", "staged"), pair("d", "new")]);
    assert_eq!(shown(v.scan_prefix(b"e")), [pair("e", "base")]);
    assert_eq!(v.len().unwrap(), 5);
    assert_eq!(shown(t.iter()).len(), 4, "the base unchanged until the commit");
    stage.commit().unwrap();
    assert_eq!(shown(t.iter()), [pair("0", "new"), pair("c", "staged"), pair("d", "new"), pair("e", "base"), pair("h", "new")]);
}

fn a_stage_that_only_read_commits_nothing(store: &Store) {
    let a = store.tree("a").unwrap();
    a.insert(b"k", b"1").unwrap();
    let stage = store.stage();
    assert_eq!(stage.store().tree("a").unwrap().get(b"k").unwrap(), Some(b"1".to_vec()));
    a.insert(b"k", b"2").unwrap();
    stage.commit().expect("a stage that wrote nothing has nothing to check");
}

fn keys(iter: deskpane_store::Iter) -> Vec<Vec<u8>> {
    iter.keys().collect::<Result<_, _>>().unwrap()
}

fn get_insert_replace_remove(store: &Store) {
    let t = store.tree("t").unwrap();
    assert_eq!(t.get(b"k").unwrap(), None);
    t.insert(b"k", b"one").unwrap();
    assert_eq!(t.get(b"k").unwrap(), Some(b"one".to_vec()));
    t.insert(b"k", b"two").unwrap();
    assert_eq!(t.get(b"k").unwrap(), Some(b"two".to_vec()));
    t.insert(b"empty", b"").unwrap();
    assert_eq!(t.get(b"empty").unwrap(), Some(vec![]));
    assert_eq!(t.remove(b"k").unwrap(), Some(b"two".to_vec()));
    assert_eq!(t.remove(b"k").unwrap(), None);
    assert_eq!(t.get(b"k").unwrap(), None);
    let big = vec![0xa5; 1 << 20];
    t.insert(b"big", &big).unwrap();
    assert_eq!(t.get(b"big").unwrap(), Some(big));
}

fn contains_len_is_empty_clear(store: &Store) {
    let t = store.tree("t").unwrap();
    assert!(t.is_empty().unwrap());
    assert_eq!(t.len().unwrap(), 0);
    for i in 0..10u8 {
        t.insert([i], [i]).unwrap();
    }
    assert!(t.contains_key([3]).unwrap());
    assert!(!t.contains_key([30]).unwrap());
    assert!(!t.is_empty().unwrap());
    assert_eq!(t.len().unwrap(), 10);
    t.clear().unwrap();
    assert!(t.is_empty().unwrap());
    assert_eq!(t.len().unwrap(), 0);
    assert!(!t.contains_key([3]).unwrap());
}

fn keys_sort_bytewise(store: &Store) {
    let t = store.tree("t").unwrap();
    let mut expected: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x00],
        vec![0x00, 0x00],
        vec![0x00, 0xff],
        vec![0x01],
        b"A".to_vec(),
        b"a".to_vec(),
        b"a\x00".to_vec(),
        b"ab".to_vec(),
        vec![0x7f],
        vec![0x80],
        vec![0xc3, 0xa9],
        vec![0xff],
        vec![0xff, 0x00],
        vec![0xff, 0xff],
        vec![0xff, 0xff, 0xff],
    ];
    // Inserted in reverse so that no insertion order shows through.
    for k in expected.iter().rev() {
        t.insert(k, k).unwrap();
    }
    expected.sort();
    assert_eq!(keys(t.iter()), expected);
    assert!(all(&t).iter().all(|(k, v)| k == v));
}

fn scan_prefix_finds_exactly_the_prefixed_keys(store: &Store) {
    let t = store.tree("t").unwrap();
    let stored: Vec<Vec<u8>> = vec![
        b"a".to_vec(),
        vec![b'a', 0x00],
        vec![b'a', 0xfe],
        vec![b'a', 0xff],
        vec![b'a', 0xff, 0x00],
        vec![b'a', 0xff, 0xff],
        b"b".to_vec(),
        vec![0xff],
        vec![0xff, 0x01],
        vec![0xff, 0xff],
        vec![0xff, 0xff, 0x00],
    ];
    for k in &stored {
        t.insert(k, b"").unwrap();
    }
    for prefix in [vec![], b"a".to_vec(), vec![b'a', 0xff], vec![b'a', 0xff, 0xff], vec![0xff], vec![0xff, 0xff], b"c".to_vec()] {
        let expected: Vec<Vec<u8>> = stored.iter().filter(|k| k.starts_with(&prefix)).cloned().collect();
        assert_eq!(keys(t.scan_prefix(&prefix)), expected, "prefix {prefix:02x?}");
    }
}

fn range_honours_every_bound_kind(store: &Store) {
    let t = store.tree("t").unwrap();
    let mut model = BTreeMap::new();
    for k in [vec![0x00], vec![0x10], vec![0x10, 0x00], vec![0x20], vec![0x20, 0xff], vec![0x30], vec![0xff], vec![0xff, 0xff]] {
        t.insert(&k, &k).unwrap();
        model.insert(k.clone(), k);
    }
    // Stored keys and keys in between.
    let points: Vec<Vec<u8>> = vec![vec![], vec![0x00], vec![0x10], vec![0x15], vec![0x20, 0xff], vec![0xff], vec![0xff, 0xff, 0xff]];
    let kinds = |k: &Vec<u8>| [Bound::Included(k.clone()), Bound::Excluded(k.clone())];
    let mut bounds: Vec<Bound<Vec<u8>>> = points.iter().flat_map(kinds).collect();
    bounds.push(Bound::Unbounded);
    for lo in &bounds {
        for hi in &bounds {
            let valid = match (lo, hi) {
                (Bound::Included(l) | Bound::Excluded(l), Bound::Included(h) | Bound::Excluded(h)) => {
                    l < h || (l == h && !matches!((lo, hi), (Bound::Excluded(_), Bound::Excluded(_))))
                }
                _ => true,
            };
            if !valid {
                continue; // BTreeMap::range panics on these
            }
            let expected: Vec<Vec<u8>> = model.range::<Vec<u8>, _>((lo.clone(), hi.clone())).map(|(k, _)| k.clone()).collect();
            assert_eq!(keys(t.range::<Vec<u8>, _>((lo.clone(), hi.clone()))), expected, "range {lo:02x?} .. {hi:02x?}");
        }
    }
    // The std range forms.
    let (a, b) = (vec![0x10], vec![0x30]);
    assert_eq!(keys(t.range(a.clone()..b.clone())), [vec![0x10], vec![0x10, 0x00], vec![0x20], vec![0x20, 0xff]]);
    assert_eq!(keys(t.range(a.clone()..=b.clone())).len(), 5);
    assert_eq!(keys(t.range(a.clone()..)).len(), 7);
    assert_eq!(keys(t.range(..b.clone())).len(), 5);
    assert_eq!(keys(t.range(..=b)).len(), 6);
    assert_eq!(keys(t.range::<Vec<u8>, _>(..)).len(), 8);
}

fn iteration_crosses_pages_in_order(store: &Store) {
    let t = store.tree("t").unwrap();
    let key = |i: u32| format!("row{i:05}").into_bytes();
    // Inserted out of order.
    for i in (0..1000).rev() {
        t.insert(key(i), i.to_be_bytes()).unwrap();
    }
    let rows = all(&t);
    assert_eq!(rows.len(), 1000);
    for (i, (k, v)) in rows.iter().enumerate() {
        assert_eq!(k, &key(i as u32));
        assert_eq!(v, &(i as u32).to_be_bytes());
    }
    let values: Vec<Vec<u8>> = t.iter().values().collect::<Result<_, _>>().unwrap();
    assert_eq!(values.len(), 1000);
    assert_eq!(keys(t.range(key(100)..key(900))), (100..900).map(key).collect::<Vec<_>>());
    assert_eq!(keys(t.scan_prefix(b"row00")).len(), 1000);
    assert_eq!(keys(t.scan_prefix(b"row005")).len(), 100);
    assert_eq!(t.len().unwrap(), 1000);
    let mut iter = t.range(key(998)..);
    assert!(iter.next().is_some());
    assert!(iter.next().is_some());
    assert!(iter.next().is_none());
    assert!(iter.next().is_none());
}

fn trees_are_independent(store: &Store) {
    let (a, b) = (store.tree("a").unwrap(), store.tree("b").unwrap());
    let _empty = store.tree("never-written").unwrap();
    a.insert(b"k", b"in a").unwrap();
    b.insert(b"k", b"in b").unwrap();
    b.insert(b"only b", b"").unwrap();
    assert_eq!(a.get(b"k").unwrap(), Some(b"in a".to_vec()));
    assert_eq!(b.get(b"k").unwrap(), Some(b"in b".to_vec()));
    assert_eq!(a.len().unwrap(), 1);
    assert_eq!(keys(a.iter()), [b"k".to_vec()]);
    let mut names = store.tree_names().unwrap();
    names.sort();
    assert_eq!(names, ["a", "b"]);
    a.clear().unwrap();
    assert!(a.is_empty().unwrap());
    assert_eq!(b.len().unwrap(), 2);
    assert_eq!(store.tree_names().unwrap(), ["b"]);
    // A second handle on a tree is the same tree.
    assert_eq!(store.tree("b").unwrap().get(b"k").unwrap(), Some(b"in b".to_vec()));
}

fn ids_strictly_increase(store: &Store) {
    let mut last = store.generate_id().unwrap();
    for _ in 0..200 {
        let id = store.generate_id().unwrap();
        assert!(id > last, "{id} after {last}");
        last = id;
    }
}

fn counter(t: &Tree) -> u64 {
    t.get(b"n").unwrap().map_or(0, |v| u64::from_be_bytes(v.try_into().unwrap()))
}

fn a_transaction_commits_across_trees(store: &Store) {
    let (a, b) = (store.tree("a").unwrap(), store.tree("b").unwrap());
    b.insert(b"gone", b"x").unwrap();
    let out = store
        .transaction::<_, ()>(&[&a, &b], |t| {
            t[0].insert(b"k", b"va")?;
            t[1].insert(b"k", b"vb")?;
            let old = t[1].remove(b"gone")?;
            Ok(old)
        })
        .unwrap();
    assert_eq!(out, Some(b"x".to_vec()));
    assert_eq!(a.get(b"k").unwrap(), Some(b"va".to_vec()));
    assert_eq!(b.get(b"k").unwrap(), Some(b"vb".to_vec()));
    assert_eq!(b.get(b"gone").unwrap(), None);
}

fn an_abort_undoes_every_write(store: &Store) {
    let (a, b) = (store.tree("a").unwrap(), store.tree("b").unwrap());
    a.insert(b"kept", b"before").unwrap();
    b.insert(b"kept", b"before").unwrap();
    let out = store.transaction(&[&a, &b], |t| {
        t[0].insert(b"new", b"x")?;
        t[0].insert(b"kept", b"after")?;
        t[1].remove(b"kept")?;
        Err::<(), _>(Abort::Abort("changed my mind"))
    });
    assert!(matches!(out, Err(TxError::Abort("changed my mind"))), "{out:?}");
    assert_eq!(all(&a), [(b"kept".to_vec(), b"before".to_vec())]);
    assert_eq!(all(&b), [(b"kept".to_vec(), b"before".to_vec())]);
    // The store still works afterwards.
    store.transaction::<_, ()>(&[&a], |t| t[0].insert(b"later", b"y").map_err(Into::into)).unwrap();
    assert_eq!(a.len().unwrap(), 2);
}

fn a_transaction_reads_its_own_writes(store: &Store) {
    let (a, b) = (store.tree("a").unwrap(), store.tree("b").unwrap());
    a.insert(b"old", b"1").unwrap();
    store
        .transaction::<_, ()>(&[&a, &b], |t| {
            assert_eq!(t[0].get(b"old")?, Some(b"1".to_vec()));
            t[0].insert(b"old", b"2")?;
            assert_eq!(t[0].get(b"old")?, Some(b"2".to_vec()));
            assert_eq!(t[0].remove(b"old")?, Some(b"2".to_vec()));
            assert_eq!(t[0].get(b"old")?, None);
            assert_eq!(t[0].remove(b"old")?, None);
            t[1].insert(b"new", b"3")?;
            assert_eq!(t[1].get(b"new")?, Some(b"3".to_vec()));
            // Same key, other tree.
            assert_eq!(t[0].get(b"new")?, None);
            Ok(())
        })
        .unwrap();
    assert_eq!(a.get(b"old").unwrap(), None);
    assert_eq!(b.get(b"new").unwrap(), Some(b"3".to_vec()));
}

fn ids_inside_a_transaction(store: &Store) {
    let t = store.tree("t").unwrap();
    let before = store.generate_id().unwrap();
    let (x, y) = store
        .transaction::<_, ()>(&[&t], |t| {
            let x = t[0].generate_id()?;
            let y = t[0].generate_id()?;
            t[0].insert(b"id", x.to_be_bytes())?;
            Ok((x, y))
        })
        .unwrap();
    assert!(before < x && x < y, "{before} {x} {y}");
    assert!(store.generate_id().unwrap() > y);
    // An aborted transaction's id is not given out again.
    let aborted = match store.transaction(&[&t], |t| Err::<(), _>(Abort::Abort(t[0].generate_id().map_err(Abort::Fault)?))) {
        Err(TxError::Abort(id)) => id,
        other => panic!("{other:?}"),
    };
    assert!(store.generate_id().unwrap() > aborted);
}

fn concurrent_increments_all_count(store: &Store) {
    const THREADS: u64 = 8;
    const EACH: u64 = 50;
    let t = store.tree("counter").unwrap();
    let log = store.tree("log").unwrap();
    std::thread::scope(|s| {
        for thread in 0..THREADS {
            let (store, t, log) = (store.clone(), t.clone(), log.clone());
            s.spawn(move || {
                for i in 0..EACH {
                    store
                        .transaction::<_, ()>(&[&t, &log], |tx| {
                            let n = tx[0].get(b"n")?.map_or(0, |v| u64::from_be_bytes(v.try_into().unwrap()));
                            tx[0].insert(b"n", (n + 1).to_be_bytes())?;
                            tx[1].insert(format!("{thread}/{i:03}"), (n + 1).to_be_bytes())?;
                            Ok(())
                        })
                        .unwrap();
                }
            });
        }
    });
    assert_eq!(counter(&t), THREADS * EACH);
    // Every increment saw a distinct value: none was lost or doubled.
    let mut seen: Vec<u64> = log.iter().values().map(|v| u64::from_be_bytes(v.unwrap().try_into().unwrap())).collect();
    seen.sort();
    assert_eq!(seen, (1..=THREADS * EACH).collect::<Vec<_>>());
}

fn a_panicking_transaction_writes_nothing(store: &Store) {
    let t = store.tree("t").unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = store.transaction::<(), ()>(&[&t], |tx| {
            tx[0].insert(b"k", b"v")?;
            panic!("a bug in the closure");
        });
    }));
    assert!(outcome.is_err());
    assert_eq!(t.get(b"k").unwrap(), None);
    // Many more: a connection left inside a transaction would show here.
    for i in 0..40u8 {
        store.transaction::<_, ()>(&[&t], |tx| tx[0].insert([i], [i]).map_err(Into::into)).unwrap();
    }
    assert_eq!(t.len().unwrap(), 40);
}

/// Everything the host does from its handlers, in async code.
async fn exercise(store: Store, tree: String) {
    let t = store.tree(&tree).unwrap();
    t.insert(b"k", b"v").unwrap();
    assert_eq!(t.get(b"k").unwrap(), Some(b"v".to_vec()));
    assert_eq!(all(&t).len(), 1);
    store.generate_id().unwrap();
    store.transaction::<_, ()>(&[&t], |tx| tx[0].insert(b"k2", b"v2").map_err(Into::into)).unwrap();
    assert_eq!(t.remove(b"k2").unwrap(), Some(b"v2".to_vec()));
    tokio::task::yield_now().await;
    store.tree_names().unwrap();
}

fn works_inside_a_current_thread_runtime(store: &Store) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(exercise(store.clone(), "blocked on".into()));
    runtime.block_on(async {
        let task = tokio::spawn(exercise(store.clone(), "spawned".into()));
        task.await.unwrap();
    });
}

fn works_inside_a_multi_thread_runtime(store: &Store) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..4).map(|i| tokio::spawn(exercise(store.clone(), format!("task {i}")))).collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
}

fn a_store_dropped_in_async_code_does_not_panic(open: &dyn Fn() -> Store) {
    let current = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    current.block_on(async {
        let store = open();
        store.tree("t").unwrap().insert(b"k", b"v").unwrap();
        drop(store);
        // The last handle being a tree or an iterator.
        let store = open();
        let tree = store.tree("t").unwrap();
        drop(store);
        let iter = tree.iter();
        drop(tree);
        assert!(iter.count() <= 1);
    });
    let multi = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    multi.block_on(async {
        let store = open();
        tokio::spawn(async move {
            store.generate_id().unwrap();
            drop(store);
        })
        .await
        .unwrap();
    });
}

/// How long anything asynchronous (a notice's delivery, a lock's release
/// on PostgreSQL) may take here.
const WAIT: Duration = Duration::from_secs(10);

fn notice(topic: &str, body: &str) -> Notice {
    Notice { topic: topic.into(), body: body.into() }
}

/// The next notice, waiting for it: PostgreSQL delivers them asynchronously.
fn next_notice(rx: &mut broadcast::Receiver<Notice>) -> Notice {
    let deadline = Instant::now() + WAIT;
    loop {
        match rx.try_recv() {
            Ok(notice) => return notice,
            Err(TryRecvError::Empty) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("no notice within {WAIT:?}: {e:?}"),
        }
    }
}

/// Nothing more arrives (given a moment to).
fn assert_quiet(rx: &mut broadcast::Receiver<Notice>) {
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(rx.try_recv().map_err(|e| e.to_string()), Err(TryRecvError::Empty.to_string()));
}

/// `f`'s first `Some` within `within`, trying every 20 ms.
fn eventually<T>(within: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(t) = f() {
            return Some(t);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn notices_reach_every_replica_in_order(a: &Store, b: &Store) {
    let mut on_a = a.subscribe();
    let mut on_b = b.subscribe();
    a.notify("records", "ticket/42").unwrap();
    b.notify("sync/zoho-crm", "two\nlines, é ✓").unwrap();
    b.notify("plugins", "").unwrap();
    for rx in [&mut on_a, &mut on_b] {
        // The sender's own subscribers hear it too.
        assert_eq!(next_notice(rx), notice("records", "ticket/42"));
        assert_eq!(next_notice(rx), notice("sync/zoho-crm", "two\nlines, é ✓"));
        assert_eq!(next_notice(rx), notice("plugins", ""));
    }
    for i in 0..100 {
        a.notify("burst", &i.to_string()).unwrap();
    }
    for rx in [&mut on_a, &mut on_b] {
        let bodies: Vec<String> = (0..100).map(|_| next_notice(rx)).map(|n| format!("{}:{}", n.topic, n.body)).collect();
        assert_eq!(bodies, (0..100).map(|i| format!("burst:{i}")).collect::<Vec<_>>());
    }
    // A subscriber hears what is sent after it subscribed, nothing before.
    let mut late = a.subscribe();
    b.notify("late", "").unwrap();
    assert_eq!(next_notice(&mut late), notice("late", ""));
    for rx in [&mut on_a, &mut on_b] {
        assert_eq!(next_notice(rx), notice("late", ""));
    }
    for rx in [&mut on_a, &mut on_b, &mut late] {
        assert_quiet(rx);
    }
}

fn a_lock_has_one_holder_among_replicas(a: &Store, b: &Store) {
    const NAME: &str = "sync/zoho-crm";
    let first = a.try_lock(NAME).unwrap().expect("a free lock is taken");
    assert_eq!(first.name(), NAME);
    assert!(first.is_held());
    assert!(a.try_lock(NAME).unwrap().is_none(), "taken twice by one replica");
    assert!(b.try_lock(NAME).unwrap().is_none(), "taken by a second replica");
    let other = b.try_lock("sync/hubspot").unwrap().expect("another name is another lock");
    assert!(other.is_held());
    drop(first);
    // Free as soon as the drop returns: the next sync run, here or on
    // another replica, must not find it still taken and skip its work.
    let second = b.try_lock(NAME).unwrap().expect("a dropped lock is free again at once");
    assert!(second.is_held());
    assert!(a.try_lock(NAME).unwrap().is_none());
    assert!(other.is_held());
    assert!(format!("{second:?}").contains(NAME));
}

fn signals_work_inside_a_current_thread_runtime(store: &Store) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let mut rx = store.subscribe();
        store.notify("async", "body").unwrap();
        let heard = tokio::time::timeout(WAIT, rx.recv()).await.expect("a notice in time").unwrap();
        assert_eq!(heard, notice("async", "body"));

        let lock = store.try_lock("async").unwrap().expect("free");
        assert!(store.try_lock("async").unwrap().is_none());
        // Neither blocks nor panics in async code.
        drop(lock);
        let deadline = Instant::now() + WAIT;
        let again = loop {
            if let Some(lock) = store.try_lock("async").unwrap() {
                break lock;
            }
            assert!(Instant::now() < deadline, "a dropped lock is free again");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(again.is_held());
        // A lock is still "held" while it is: lost() waits.
        assert!(tokio::time::timeout(Duration::from_millis(100), again.lost()).await.is_err());
    });
}

fn a_lock_outlives_the_store_handle_it_came_from(open: &dyn Fn() -> Store) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = open();
        let other = open();
        let lock = store.try_lock("kept").unwrap().expect("free");
        drop(store);
        assert!(lock.is_held());
        if other.backend() == "postgres" {
            // The same database: still taken.
            assert!(other.try_lock("kept").unwrap().is_none());
        }
        // The lock is the store's last handle now: dropping it shuts the
        // store's runtime down, inside async code.
        drop(lock);
        assert!(eventually(WAIT, || other.try_lock("kept").unwrap()).is_some());
    });
}

// PostgreSQL only.

fn pg_admin(url: &str) -> (tokio::runtime::Runtime, tokio_postgres::Client) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        client
    });
    (runtime, client)
}

#[test]
fn postgres_reopened_sees_the_data() {
    let Some(db) = Scratch::new() else { return };
    let store = db.open();
    store.tree("t").unwrap().insert(b"k", b"v").unwrap();
    let id = store.generate_id().unwrap();
    drop(store);
    // Reopening runs the migrations again: nothing to do.
    let store = db.open();
    assert_eq!(store.backend(), "postgres");
    assert_eq!(store.tree("t").unwrap().get(b"k").unwrap(), Some(b"v".to_vec()));
    assert!(store.generate_id().unwrap() > id);
    let store2 = Store::open(&Location::parse(&db.url).unwrap()).unwrap();
    assert_eq!(store2.tree("t").unwrap().len().unwrap(), 1);
}

#[test]
fn postgres_the_first_id_is_zero_like_sled() {
    let Some(db) = Scratch::new() else { return };
    assert_eq!(db.open().generate_id().unwrap(), 0);
    assert_eq!(Store::temporary().unwrap().generate_id().unwrap(), 0);
}

#[test]
fn postgres_replicas_starting_together_all_open() {
    let Some(db) = Scratch::new() else { return };
    std::thread::scope(|s| {
        let opened: Vec<_> = (0..6).map(|_| s.spawn(|| db.open().tree("t").unwrap().insert(b"k", b"v"))).collect();
        for o in opened {
            o.join().unwrap().unwrap();
        }
    });
}

#[test]
fn postgres_a_newer_schema_is_refused() {
    let Some(db) = Scratch::new() else { return };
    drop(db.open());
    let (runtime, client) = pg_admin(&db.url);
    runtime
        .block_on(client.batch_execute(
            "INSERT INTO deskpane_schema_history (version, name, applied_on, checksum) \
             VALUES (9999, 'from_the_future', '2030-01-01T00:00:00Z', '12345')",
        ))
        .unwrap();
    match Store::postgres(&db.url) {
        Err(StoreError::SchemaTooNew(message)) => assert!(message.contains("V9999__from_the_future"), "{message}"),
        Err(e) => panic!("expected SchemaTooNew, got {e}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

#[test]
fn postgres_errors_and_logs_hide_the_password() {
    let location = Location::parse("postgres://desk:hunter2@db.example:5432/desk?sslmode=disable").unwrap();
    assert_eq!(location.redacted(), "postgres://desk:***@db.example:5432/desk?sslmode=disable");
    assert_eq!(Location::parse("postgres://h/d?password=hunter2").unwrap().redacted(), "postgres://h/d?password=***");

    // Nothing listens on port 1.
    let refused = Store::postgres("postgres://desk:hunter2@127.0.0.1:1/desk").err().expect("no server there").to_string();
    assert!(!refused.contains("hunter2"), "{refused}");
    assert!(refused.contains("127.0.0.1:1/desk"), "{refused}");

    let Some(db) = Scratch::new() else { return };
    // The test server trusts every login: the password is ignored, the
    // database is missing.
    let missing = db.url.rsplit_once('/').unwrap().0.replacen("postgres@", "postgres:hunter2@", 1) + "/no_such_database";
    let message = Store::postgres(&missing).err().expect("no such database").to_string();
    assert!(!message.contains("hunter2"), "{message}");
    assert!(message.contains("no_such_database"), "{message}");
}

/// The test server's root certificate (`scripts/postgres.sh` makes one and
/// the test command exports its path); None, with a note, without it.
fn test_root() -> Option<String> {
    match std::env::var("DESKPANE_TEST_POSTGRES_ROOTCERT") {
        Ok(path) if std::path::Path::new(&path).exists() => Some(path),
        _ => {
            let _ = writeln!(std::io::stderr(), "TLS cases skipped: DESKPANE_TEST_POSTGRES_ROOTCERT names no file");
            None
        }
    }
}

impl Scratch {
    /// The scratch database's URL with another host and these parameters.
    fn url_with(&self, host: &str, params: &str) -> String {
        format!("{}?{params}", self.url.replacen("127.0.0.1", host, 1))
    }

    /// Whether each open connection of a deskpane store to this database
    /// uses TLS, as the server sees it.
    fn sessions_use_tls(&self) -> Vec<bool> {
        let (runtime, client) = pg_admin(&self.admin);
        let database = self.url.rsplit_once('/').unwrap().1.to_string();
        let rows = runtime
            .block_on(client.query(
                "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
                 WHERE a.datname = $1 AND a.application_name = 'deskpane'",
                &[&database],
            ))
            .unwrap();
        rows.iter().map(|r| r.get(0)).collect()
    }
}

/// Every kind of connection a store makes: pooled, listening, locking.
fn use_every_connection(store: &Store) -> (broadcast::Receiver<Notice>, Option<deskpane_store::Lock>) {
    store.tree("t").unwrap().insert(b"k", b"v").unwrap();
    (store.subscribe(), store.try_lock("tls").unwrap())
}

#[test]
fn postgres_connections_use_tls_as_the_url_asks() {
    let Some(root) = test_root() else { return };
    let Some(db) = Scratch::new() else { return };
    // The certificate names `localhost` and comes from the test root.
    let store = Store::postgres(&db.url_with("localhost", &format!("sslmode=verify-full&sslrootcert={root}"))).unwrap();
    let _held = use_every_connection(&store);
    let tls = db.sessions_use_tls();
    assert!(tls.len() >= 3 && tls.iter().all(|t| *t), "pool, listener and lock all on TLS: {tls:?}");

    // A name the certificate does not carry, or roots that did not sign it:
    // no connection, and the sentence says it is the certificate.
    for (host, params) in [
        ("127.0.0.1", format!("sslmode=verify-full&sslrootcert={root}")),
        ("localhost", "sslmode=verify-full".to_string()),
        ("localhost", "sslmode=verify-ca&sslrootcert=system".to_string()),
    ] {
        let refused = Store::postgres(&db.url_with(host, &params)).err().unwrap_or_else(|| panic!("{host} {params} was accepted"));
        assert!(refused.to_string().contains("certificate"), "{host} {params}: {refused}");
    }
    // verify-ca checks the chain only; require with a root file is verify-ca.
    for params in ["sslmode=verify-ca", "sslmode=require"] {
        Store::postgres(&db.url_with("127.0.0.1", &format!("{params}&sslrootcert={root}"))).unwrap();
    }
    let refused = Store::postgres(&db.url_with("localhost", "sslmode=verify-full&sslrootcert=/no/such/root.crt")).err().unwrap();
    assert!(refused.to_string().contains("/no/such/root.crt"), "{refused}");
}

#[test]
fn postgres_plain_only_when_the_url_says_disable() {
    let Some(_) = test_root() else { return };
    for (params, tls) in [("sslmode=disable", false), ("application_name=deskpane", true), ("sslmode=require", true)] {
        let Some(db) = Scratch::new() else { return };
        let store = Store::postgres(&db.url_with("127.0.0.1", params)).unwrap();
        let _held = use_every_connection(&store);
        let seen = db.sessions_use_tls();
        assert!(!seen.is_empty() && seen.iter().all(|t| *t == tls), "{params}: {seen:?}");
    }
}

#[test]
fn postgres_a_swallowed_fault_still_fails_the_transaction() {
    let Some(db) = Scratch::new() else { return };
    let store = db.open();
    let good = store.tree("good").unwrap();
    // PostgreSQL text cannot hold NUL: every statement on this tree fails.
    let bad = store.tree("bad\0name").unwrap();
    let out = store.transaction::<_, ()>(&[&good, &bad], |t| {
        t[0].insert(b"k", b"v")?;
        // A read goes to the server at once: it fails, and the closure
        // swallows the fault.
        assert!(t[1].get(b"k").is_err());
        // The transaction is dead now; the first fault answers again.
        assert!(t[0].get(b"other").is_err());
        Ok(())
    });
    assert!(matches!(out, Err(TxError::Storage(StoreError::Postgres(_)))), "{out:?}");
    assert_eq!(good.get(b"k").unwrap(), None);
    // Writes go to the server at the commit: one that fails there fails
    // the whole transaction, the other tree's write included.
    let out = store.transaction::<_, ()>(&[&good, &bad], |t| {
        t[0].insert(b"k", b"v")?;
        t[1].insert(b"k", b"v")?;
        Ok(())
    });
    assert!(matches!(out, Err(TxError::Storage(StoreError::Postgres(_)))), "{out:?}");
    assert_eq!(good.get(b"k").unwrap(), None);
    assert!(bad.insert(b"k", b"v").is_err());
    store.transaction::<_, ()>(&[&good], |t| t[0].insert(b"k", b"v").map_err(Into::into)).unwrap();
    assert_eq!(good.get(b"k").unwrap(), Some(b"v".to_vec()));
}

#[test]
fn postgres_a_notice_too_long_is_refused() {
    let Some(db) = Scratch::new() else { return };
    let store = db.open();
    let mut rx = store.subscribe();
    // Topic, newline and body: 7999 bytes, PostgreSQL's most.
    let longest = "x".repeat(7997);
    store.notify("t", &longest).unwrap();
    assert_eq!(next_notice(&mut rx), notice("t", &longest));
    let message = store.notify("t", &format!("{longest}x")).unwrap_err().to_string();
    assert!(message.contains("8000"), "{message}");
    // A newline would move the topic's end.
    assert!(store.notify("two\nlines", "").is_err());
    assert_quiet(&mut rx);
}

#[test]
fn postgres_a_broken_listen_connection_resyncs() {
    let Some(db) = Scratch::new() else { return };
    let store = db.open();
    let mut rx = store.subscribe();
    store.notify("before", "").unwrap();
    assert_eq!(next_notice(&mut rx), notice("before", ""));
    let (runtime, admin) = pg_admin(&db.url);
    let terminate = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = current_database() AND query = 'LISTEN deskpane'";
    for round in 0..2 {
        assert_eq!(runtime.block_on(admin.query(terminate, &[])).unwrap().len(), 1, "one listener (round {round})");
        assert_eq!(next_notice(&mut rx), notice(RESYNC, ""), "round {round}");
        store.notify("after", &round.to_string()).unwrap();
        assert_eq!(next_notice(&mut rx), notice("after", &round.to_string()));
    }
    assert_quiet(&mut rx);
}

#[test]
fn postgres_a_lock_whose_connection_is_terminated_is_lost() {
    let Some(db) = Scratch::new() else { return };
    let store = db.open();
    let lock = store.try_lock("sync/zoho-crm").unwrap().expect("free");
    let (runtime, admin) = pg_admin(&db.url);
    let terminated = runtime
        .block_on(admin.query(
            "SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()",
            &[],
        ))
        .unwrap();
    assert_eq!(terminated.len(), 1, "one advisory lock on this database");
    runtime.block_on(async { tokio::time::timeout(WAIT, lock.lost()).await.expect("lost() resolves") });
    assert!(!lock.is_held());
    // The server let go of it too.
    assert!(eventually(WAIT, || store.try_lock("sync/zoho-crm").unwrap()).is_some());
}

/// The URL of the database whose lock `lock_holder_child` takes.
const HOLDER_ENV: &str = "DESKPANE_TEST_LOCK_HOLDER";
const HOLDER_NAME: &str = "sync/zoho-crm";
const HOLDING: &str = "deskpane-test: locked";

/// Not a test: `postgres_a_killed_holder_lets_go` runs this test binary
/// again with it selected, as the replica that it kills.
#[test]
#[ignore = "a helper process for postgres_a_killed_holder_lets_go"]
fn lock_holder_child() {
    let Ok(url) = std::env::var(HOLDER_ENV) else { return };
    let store = Store::postgres(&url).unwrap();
    let _lock = store.try_lock(HOLDER_NAME).unwrap().expect("the lock is free");
    say(HOLDING);
    // Until killed (bounded, should the parent die first).
    std::thread::sleep(Duration::from_secs(60));
}

/// Kills the child, whatever happens to the test.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A line to the parent of a helper process, past the harness's capture
/// of println!.
fn say(line: &str) {
    let mut out = std::io::stdout();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

/// Runs the ignored test `name` of this binary as a helper process with
/// the environment variable `var` set to `value`, and reads its output
/// until a line says `marker`: the child, and what follows the marker on
/// that line, or every line it said before its output ended without it.
fn helper_saying(name: &str, var: &str, value: impl AsRef<std::ffi::OsStr>, marker: &str) -> (Killed, Result<String, Vec<String>>) {
    let mut child = Killed(
        Command::new(std::env::current_exe().unwrap())
            .args([name, "--exact", "--ignored", "--test-threads=1"])
            .env(var, value)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = std::io::BufReader::new(child.0.stdout.take().unwrap());
    let mut said = Vec::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        // The harness prints "test NAME ... " before what the test says.
        if let Some((_, rest)) = line.split_once(marker) {
            return (child, Ok(rest.to_string()));
        }
        said.push(line);
    }
    (child, Err(said))
}

#[test]
fn postgres_a_killed_holder_lets_go() {
    let Some(db) = Scratch::new() else { return };
    let store = db.open();
    let (mut child, said) = helper_saying("lock_holder_child", HOLDER_ENV, &db.url, HOLDING);
    assert!(said.is_ok() && child.0.try_wait().unwrap().is_none(), "the child ended without the lock: {said:?}");
    assert!(store.try_lock(HOLDER_NAME).unwrap().is_none(), "the child holds the lock");
    // SIGKILL: no destructor runs, nothing is said to the server; the
    // kernel closes the socket.
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let killed = Instant::now();
    let lock = eventually(Duration::from_secs(10), || store.try_lock(HOLDER_NAME).unwrap());
    assert!(lock.is_some_and(|l| l.is_held()), "still taken {:?} after the holder was killed", killed.elapsed());
}

#[test]
fn postgres_a_dropped_store_leaves_no_connection_behind() {
    let Some(db) = Scratch::new() else { return };
    let (runtime, admin) = pg_admin(&db.url);
    let sessions = || -> i64 {
        let sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
        runtime.block_on(admin.query_one(sql, &[])).unwrap().get(0)
    };
    let store = db.open();
    let _rx = store.subscribe();
    let lock = store.try_lock("held").unwrap().expect("free");
    store.notify("t", "").unwrap();
    assert!(sessions() >= 3, "pooled, listening and locking connections");
    drop(store);
    // The lock keeps the store's runtime (and its connections) up.
    assert!(lock.is_held());
    drop(lock);
    assert!(eventually(WAIT, || (sessions() == 0).then_some(())).is_some(), "{} sessions left", sessions());
}

// redb only.

/// A folder for a redb file, removed afterwards.
struct Folder(std::path::PathBuf);

impl Folder {
    fn new(name: &str) -> Folder {
        let dir = std::env::temp_dir().join(format!("deskpane-redb-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Folder(dir)
    }

    fn file(&self) -> std::path::PathBuf {
        self.0.join("store.redb")
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn redb_reopened_sees_the_data_and_its_ids_go_on() {
    let folder = Folder::new("reopen");
    let store = Store::open(&Location::parse(&format!("redb:{}", folder.file().display())).unwrap()).unwrap();
    assert_eq!(store.backend(), "redb");
    let tree = store.tree("t").unwrap();
    tree.insert(b"k", b"v").unwrap();
    let outside: Vec<u64> = (0..3).map(|_| store.generate_id().unwrap()).collect();
    let inside = store
        .transaction::<_, ()>(&[&tree], |t| {
            t[0].insert(b"in", b"tx")?;
            Ok(t[0].generate_id()?)
        })
        .unwrap();
    assert_eq!(outside, [0, 1, 2], "ids start at zero, as on the other backends");
    assert_eq!(inside, 3);
    drop((tree, store));

    let store = Store::redb(&folder.file()).unwrap();
    let tree = store.tree("t").unwrap();
    assert_eq!(tree.get(b"k").unwrap(), Some(b"v".to_vec()));
    assert_eq!(tree.get(b"in").unwrap(), Some(b"tx".to_vec()));
    assert_eq!(store.tree_names().unwrap(), ["t"], "the id generator's table is not a tree");
    assert_eq!(store.generate_id().unwrap(), 4, "after a clean close the ids go on where they stopped");
    store.ids_above(1_000_000).unwrap();
    assert_eq!(store.generate_id().unwrap(), 1_000_001);
}

/// The redb file `redb_writer_child` writes to.
const WRITER_ENV: &str = "DESKPANE_TEST_REDB_WRITER";
const FLUSHED: &str = "deskpane-test: flushed";

/// Not a test: `redb_flushed_writes_and_ids_survive_a_kill` runs this test
/// binary again with it selected, as the desk that it kills.
#[test]
#[ignore = "a helper process for redb_flushed_writes_and_ids_survive_a_kill"]
fn redb_writer_child() {
    let Ok(path) = std::env::var(WRITER_ENV) else { return };
    let store = Store::redb(std::path::Path::new(&path)).unwrap();
    let (records, index) = (store.tree("records").unwrap(), store.tree("index").unwrap());
    let mut last_id = 0;
    for page in 0..20u32 {
        last_id = store
            .transaction::<_, ()>(&[&records, &index], |t| {
                let mut id = 0;
                for n in 0..100u32 {
                    id = t[0].generate_id()?;
                    t[0].insert(format!("r/{page:04}/{n:04}"), id.to_be_bytes())?;
                    t[1].insert(format!("i/{id:020}"), format!("r/{page:04}/{n:04}"))?;
                }
                Ok(id)
            })
            .unwrap();
    }
    last_id = last_id.max(store.generate_id().unwrap());
    store.flush().unwrap();
    // Written after the flush: may be lost, must not break what was flushed.
    for n in 0..500u32 {
        records.insert(format!("unflushed/{n:04}"), b"x").unwrap();
    }
    say(&format!("{FLUSHED} {last_id}"));
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn redb_flushed_writes_and_ids_survive_a_kill() {
    let folder = Folder::new("kill");
    let (mut child, said) = helper_saying("redb_writer_child", WRITER_ENV, folder.file(), FLUSHED);
    let last_id: u64 = said.expect("the writer said what it flushed").trim().parse().unwrap();
    // SIGKILL: no destructor, no last commit.
    child.0.kill().unwrap();
    child.0.wait().unwrap();

    let store = Store::redb(&folder.file()).expect("the file opens after a kill");
    let (records, index) = (store.tree("records").unwrap(), store.tree("index").unwrap());
    assert_eq!(records.scan_prefix("r/").count(), 2000, "every flushed record is there");
    assert_eq!(index.len().unwrap(), 2000);
    for entry in records.scan_prefix("r/") {
        let (key, id) = entry.unwrap();
        let id = u64::from_be_bytes(id.try_into().unwrap());
        assert_eq!(index.get(format!("i/{id:020}")).unwrap(), Some(key), "each record's index entry came with it");
    }
    let next = store.generate_id().unwrap();
    assert!(next > last_id, "an id handed out before the kill ({last_id}) is not handed out again ({next})");
    // And the store takes writes again.
    records.insert(b"after", b"kill").unwrap();
    store.flush().unwrap();
}

#[test]
fn redb_makes_its_file_private_and_refuses_one_that_is_not_a_store() {
    use std::os::unix::fs::PermissionsExt;
    let folder = Folder::new("private");
    let file = folder.0.join("nested").join("store.redb");
    drop(Store::redb(&file).expect("made with its folder"));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600, "sessions and sealed secrets: the desk's user only");
    assert_eq!(mode(file.parent().unwrap()), 0o700);

    let other = folder.0.join("notes.txt");
    std::fs::write(&other, "not a store, but long enough to hold a header ".repeat(200)).unwrap();
    let refused = Store::redb(&other).err().expect("a file that is not a store is refused");
    assert!(refused.to_string().starts_with("the store file failed"), "{refused}");
    assert!(std::fs::read_to_string(&other).unwrap().starts_with("not a store"), "and left as it was");
}

#[test]
fn redb_refuses_what_a_transaction_closure_must_not_do_instead_of_hanging() {
    let store = Store::temporary().unwrap();
    let (t, other) = (store.tree("t").unwrap(), store.tree("other").unwrap());
    t.insert(b"unflushed", b"so a flush has work to do").unwrap();
    let refusals = store
        .transaction::<_, ()>(&[&t, &t], |txs| {
            txs[0].insert(b"in", b"tx")?;
            // The same tree named twice is one tree.
            assert_eq!(txs[1].get(b"in")?, Some(b"tx".to_vec()));
            // Writes outside the transaction would wait for it: refused.
            Ok([other.insert(b"out", b"side").err(), store.flush().err(), store.ids_above(1 << 40).err()])
        })
        .unwrap();
    for refused in refusals {
        let refused = refused.expect("refused, not waited for").to_string();
        assert!(refused.starts_with("the store cannot do this") && refused.contains("write through the closure's trees"), "{refused}");
    }
    assert_eq!(t.get(b"in").unwrap(), Some(b"tx".to_vec()), "the transaction itself committed");
    assert_eq!(other.get(b"out").unwrap(), None);
    // Outside a closure the same calls work.
    other.insert(b"out", b"side").unwrap();
    store.flush().unwrap();

    let elsewhere = Store::temporary().unwrap().tree("t").unwrap();
    let mixed = store.transaction::<_, ()>(&[&t, &elsewhere], |_| Ok(()));
    assert!(matches!(mixed, Err(TxError::Storage(StoreError::Misuse(_)))), "a tree of another store is refused");
    assert!(matches!(store.tree(""), Err(StoreError::Misuse(_))), "an empty tree name is refused");
    assert!(matches!(store.tree("__deskpane_ids"), Err(StoreError::Misuse(_))), "the store's own table is not a tree");
}

#[test]
fn redb_a_panicking_transaction_leaves_the_file_needing_no_repair() {
    let folder = Folder::new("panic");
    let store = Store::redb(&folder.file()).unwrap();
    let t = store.tree("t").unwrap();
    t.insert(b"before", b"kept").unwrap();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = store.transaction::<(), ()>(&[&t], |txs| {
            txs[0].insert(b"during", b"lost")?;
            panic!("a bad record");
        });
    }));
    assert!(panicked.is_err());
    t.insert(b"after", b"kept").unwrap();
    drop((t, store));
    // Opened as redb itself, to hear whether it repairs: a repair walks the
    // whole file, seconds for a large store at every start.
    let repaired = std::rc::Rc::new(std::cell::Cell::new(false));
    let seen = repaired.clone();
    let db = ::redb::Database::builder().set_repair_callback(move |_| seen.set(true)).create(folder.file()).unwrap();
    assert!(!repaired.get(), "the file was closed cleanly, needing no repair");
    drop(db);
    let store = Store::redb(&folder.file()).unwrap();
    let t = store.tree("t").unwrap();
    assert_eq!(t.get(b"during").unwrap(), None);
    assert_eq!((t.get(b"before").unwrap(), t.get(b"after").unwrap()), (Some(b"kept".to_vec()), Some(b"kept".to_vec())));
}
