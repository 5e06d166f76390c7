//! The desk side: tickets, contacts, accounts, products and their
//! associates, kept in the desk's store, with a recycle bin and a change log that the
//! sync engine reads.
//!
//! Every write is one store transaction over the records, the change log
//! and the recycle bin, flushed before it is acknowledged, so a crash
//! leaves either all of it or none.

pub mod schema;

use crate::clock::now_precise;
pub use deskpane_store::{Abort, TxTree};
use deskpane_store::{Store, StoreError, Tree, TxError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use schema::{FieldError, Kind};

/// A desk record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Record {
    pub id: String,
    pub kind: Kind,
    pub fields: Map<String, Value>,
    /// RFC 3339.
    pub created_at: String,
    pub updated_at: String,
}

impl Record {
    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_str).filter(|s| !s.is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeOp {
    Created,
    Updated,
    Deleted,
    Restored,
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Change {
    pub seq: u64,
    pub kind: Kind,
    pub id: String,
    pub op: ChangeOp,
    pub at: String,
    /// Who made it: `api`, `agent:<id>`, or `sync:<plugin>` (the sync
    /// engine skips its own writes, so changes do not bounce back).
    pub origin: String,
}

/// A deleted record and the associates deleted with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BinEntry {
    pub record: Record,
    pub associates: Vec<Record>,
    pub deleted_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("the {} is not valid: {}", .kind.singular(), describe(.errors))]
    Invalid { kind: Kind, errors: Vec<FieldError> },
    #[error("no {} with id {id}", .kind.singular())]
    NotFound { kind: Kind, id: String },
    /// A linked write refused the change (e.g. a mapping conflict).
    #[error("{0}")]
    Refused(String),
    /// The details go to the log, not to the person who asked.
    #[error("the desk's storage failed; the server log has the details")]
    Storage(#[from] StoreError),
}

fn describe(errors: &[FieldError]) -> String {
    errors.iter().map(|e| format!("{} {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
}

impl From<TxError<DeskError>> for DeskError {
    fn from(e: TxError<DeskError>) -> Self {
        match e {
            TxError::Abort(e) => e,
            TxError::Storage(e) => e.into(),
        }
    }
}

fn key(kind: Kind, id: &str) -> Vec<u8> {
    format!("{}/{id}", kind.plural()).into_bytes()
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("desk values serialise")
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> T {
    serde_json::from_slice(bytes).expect("the desk store holds only what it wrote")
}

/// Fields looked up by value (the sync's duplicate checks), indexed so a
/// lookup does not scan every record.
const INDEXED: &[(Kind, &str)] = &[(Kind::Contact, "email"), (Kind::Account, "account_name"), (Kind::Product, "product_name")];

fn index_key(kind: Kind, field: &str, value: &str, id: &str) -> Vec<u8> {
    format!("{}/{field}/{}\0{id}", kind.plural(), value.to_lowercase()).into_bytes()
}

fn index_prefix(kind: Kind, field: &str, value: &str) -> Vec<u8> {
    format!("{}/{field}/{}\0", kind.plural(), value.to_lowercase()).into_bytes()
}

/// Keeps the index in step with a record being written (`Some`) or
/// removed (`None`), given what it was before.
fn reindex(index: &TxTree, before: Option<&Record>, after: Option<&Record>) -> TxResult<()> {
    for (kind, field) in INDEXED {
        if let Some(r) = before.filter(|r| r.kind == *kind) {
            if let Some(v) = r.text(field) {
                index.remove(index_key(*kind, field, v, &r.id))?;
            }
        }
        if let Some(r) = after.filter(|r| r.kind == *kind) {
            if let Some(v) = r.text(field) {
                index.insert(index_key(*kind, field, v, &r.id), r.id.as_bytes())?;
            }
        }
    }
    Ok(())
}

pub type TxResult<T> = Result<T, Abort<DeskError>>;

fn log_change(log: &TxTree, kind: Kind, id: &str, op: ChangeOp, origin: &str) -> TxResult<()> {
    let seq = log.generate_id()?;
    let change = Change { seq, kind, id: id.to_string(), op, at: now_precise(), origin: origin.to_string() };
    log.insert(seq.to_be_bytes(), encode(&change))?;
    Ok(())
}

/// The desk's records.
#[derive(Clone)]
pub struct Desk {
    store: Store,
    records: Tree,
    log: Tree,
    bin: Tree,
    index: Tree,
}

impl Desk {
    pub fn open(store: &Store) -> Result<Desk, DeskError> {
        let desk = Desk::view(store)?;
        // A store written before the index existed gets one now.
        if desk.index.is_empty()? && !desk.records.is_empty()? {
            for (kind, field) in INDEXED {
                for r in desk.list(*kind) {
                    if let Some(v) = r.text(field) {
                        desk.index.insert(index_key(*kind, field, v, &r.id), r.id.as_bytes())?;
                    }
                }
            }
        }
        Ok(desk)
    }

    /// The desk's records in `store` as they are, without the start-up work
    /// of [`Desk::open`]: for another view of a store a desk was opened on
    /// (the sync's staged pages).
    pub fn view(store: &Store) -> Result<Desk, DeskError> {
        Ok(Desk {
            store: store.clone(),
            records: store.tree("desk.records")?,
            log: store.tree("desk.changes")?,
            bin: store.tree("desk.recycle-bin")?,
            index: store.tree("desk.index")?,
        })
    }

    /// The store the desk keeps its records in (for what lives beside them,
    /// and the notices between desk replicas).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn get(&self, kind: Kind, id: &str) -> Option<Record> {
        self.records.get(key(kind, id)).ok().flatten().map(|v| decode(&v))
    }

    fn exists(&self, kind: Kind, id: &str) -> bool {
        self.records.contains_key(key(kind, id)).unwrap_or(false)
    }

    pub fn list(&self, kind: Kind) -> Vec<Record> {
        self.each(kind).collect()
    }

    /// The records of `kind` one at a time, read as they are asked for
    /// (a first sync walks 100,000 contacts without holding them all).
    pub fn each(&self, kind: Kind) -> impl Iterator<Item = Record> + '_ {
        let prefix = format!("{}/", kind.plural());
        self.records.scan_prefix(prefix).filter_map(Result::ok).map(|(_, v)| decode(&v))
    }

    /// Up to `limit` records of `kind` after the one with id `after` (from
    /// the first when `None`), in id order: a walk of a large module a page
    /// at a time, holding nothing between pages.
    pub fn page_after(&self, kind: Kind, after: Option<&str>, limit: usize) -> Vec<Record> {
        use std::ops::Bound;
        let prefix = format!("{}/", kind.plural()).into_bytes();
        let end = deskpane_store::prefix_end(&prefix).map_or(Bound::Unbounded, Bound::Excluded);
        let start = match after {
            Some(id) => Bound::Excluded(key(kind, id)),
            None => Bound::Included(prefix),
        };
        self.records.range::<Vec<u8>, _>((start, end)).filter_map(Result::ok).take(limit).map(|(_, v)| decode(&v)).collect()
    }

    /// Records of `kind` whose `field` equals `value` (case-insensitive).
    pub fn find(&self, kind: Kind, field: &str, value: &str) -> Vec<Record> {
        if INDEXED.contains(&(kind, field)) {
            return self
                .index
                .scan_prefix(index_prefix(kind, field, value))
                .values()
                .filter_map(Result::ok)
                .filter_map(|id| self.get(kind, &String::from_utf8_lossy(&id)))
                .collect();
        }
        self.list(kind).into_iter().filter(|r| r.text(field).is_some_and(|v| v.eq_ignore_ascii_case(value))).collect()
    }

    pub fn create(&self, kind: Kind, fields: Map<String, Value>, origin: &str) -> Result<Record, DeskError> {
        let record = self.write_with(kind, None, fields, origin, &[], |_, _| Ok(()))?;
        self.store.flush()?;
        Ok(record)
    }

    /// Creates (`id` = None) or updates a record and, in the same
    /// transaction, lets `also` write to `extra` trees: the sync engine
    /// records its mapping and fingerprint with the record, so a crash
    /// keeps both or neither. Not flushed: the caller flushes before it
    /// acknowledges (the sync engine once per page, with its cursor).
    pub fn write_with<F>(
        &self,
        kind: Kind,
        id: Option<&str>,
        fields: Map<String, Value>,
        origin: &str,
        extra: &[&Tree],
        also: F,
    ) -> Result<Record, DeskError>
    where
        F: Fn(&[TxTree], &Record) -> TxResult<()>,
    {
        self.write(kind, id, fields, origin, None, extra, also)
    }

    /// Creates a record that was created elsewhere at `created_at` (RFC
    /// 3339): records brought over from another help desk keep their age,
    /// which the sync's first-sync window goes by. The change log notes the
    /// creation now, as any other.
    pub fn create_dated(&self, kind: Kind, fields: Map<String, Value>, created_at: &str, origin: &str) -> Result<Record, DeskError> {
        if chrono::DateTime::parse_from_rfc3339(created_at).is_err() {
            let errors = vec![FieldError::new("created_at", schema::Problem::DateTime)];
            return Err(DeskError::Invalid { kind, errors });
        }
        let record = self.write(kind, None, fields, origin, Some(created_at), &[], |_, _| Ok(()))?;
        self.store.flush()?;
        Ok(record)
    }

    #[allow(clippy::too_many_arguments)]
    fn write<F>(
        &self,
        kind: Kind,
        id: Option<&str>,
        fields: Map<String, Value>,
        origin: &str,
        created_at: Option<&str>,
        extra: &[&Tree],
        also: F,
    ) -> Result<Record, DeskError>
    where
        F: Fn(&[TxTree], &Record) -> TxResult<()>,
    {
        let errors = schema::validate(kind, &fields, id.is_some(), &|k, id| self.exists(k, id));
        if !errors.is_empty() {
            return Err(DeskError::Invalid { kind, errors });
        }
        let new_id = match id {
            Some(id) => id.to_string(),
            None => (self.store.generate_id()? + 1000).to_string(),
        };
        let mut trees = vec![&self.records, &self.log, &self.index];
        trees.extend(extra.iter().copied());
        let record = self.store.transaction(&trees, |txs| {
            let (records, log, index) = (&txs[0], &txs[1], &txs[2]);
            let at = now_precise();
            let (record, before, op) = match id {
                Some(id) => {
                    let current =
                        records.get(key(kind, id))?.ok_or_else(|| Abort::Abort(DeskError::NotFound { kind, id: id.to_string() }))?;
                    let before: Record = decode(&current);
                    let mut record = before.clone();
                    for (name, value) in &fields {
                        if value.is_null() {
                            record.fields.remove(name);
                        } else {
                            record.fields.insert(name.clone(), value.clone());
                        }
                    }
                    record.updated_at = at;
                    (record, Some(before), ChangeOp::Updated)
                }
                None => (
                    Record {
                        id: new_id.clone(),
                        kind,
                        fields: without_nulls(fields.clone()),
                        created_at: created_at.map(str::to_string).unwrap_or_else(|| at.clone()),
                        updated_at: at,
                    },
                    None,
                    ChangeOp::Created,
                ),
            };
            records.insert(key(kind, &record.id), encode(&record))?;
            reindex(index, before.as_ref(), Some(&record))?;
            log_change(log, kind, &record.id, op, origin)?;
            also(&txs[3..], &record)?;
            Ok(record)
        })?;
        Ok(record)
    }

    /// Sets the given fields (null clears one) and leaves the rest.
    pub fn update(&self, kind: Kind, id: &str, fields: Map<String, Value>, origin: &str) -> Result<Record, DeskError> {
        let record = self.write_with(kind, Some(id), fields, origin, &[], |_, _| Ok(()))?;
        self.store.flush()?;
        Ok(record)
    }

    /// The records that hang off this one (the seeds' associates).
    pub fn associates(&self, kind: Kind, id: &str) -> Vec<Record> {
        kind.associates()
            .iter()
            .flat_map(|(child, field)| self.list(*child).into_iter().filter(move |r| r.text(field) == Some(id)))
            .collect()
    }

    /// Moves the record and, with `with_associates`, its associates to
    /// the recycle bin.
    pub fn delete(&self, kind: Kind, id: &str, with_associates: bool, origin: &str) -> Result<BinEntry, DeskError> {
        let record = self.get(kind, id).ok_or_else(|| DeskError::NotFound { kind, id: id.to_string() })?;
        let associates = if with_associates { self.associates(kind, id) } else { Vec::new() };
        let entry = BinEntry { record, associates, deleted_at: now_precise() };
        self.store.transaction(&[&self.records, &self.log, &self.bin, &self.index], |t| {
            let (records, log, bin, index) = (&t[0], &t[1], &t[2], &t[3]);
            for r in std::iter::once(&entry.record).chain(&entry.associates) {
                records.remove(key(r.kind, &r.id))?;
                reindex(index, Some(r), None)?;
                log_change(log, r.kind, &r.id, ChangeOp::Deleted, origin)?;
            }
            bin.insert(key(kind, id), encode(&entry))?;
            Ok(())
        })?;
        self.store.flush()?;
        Ok(entry)
    }

    pub fn recycle_bin(&self) -> Vec<BinEntry> {
        self.bin.iter().filter_map(Result::ok).map(|(_, v)| decode(&v)).collect()
    }

    /// Brings a record and its associates back from the recycle bin.
    pub fn restore(&self, kind: Kind, id: &str, origin: &str) -> Result<Record, DeskError> {
        let entry: BinEntry =
            self.bin.get(key(kind, id))?.map(|v| decode(&v)).ok_or_else(|| DeskError::NotFound { kind, id: id.to_string() })?;
        self.store.transaction(&[&self.records, &self.log, &self.bin, &self.index], |t| {
            let (records, log, bin, index) = (&t[0], &t[1], &t[2], &t[3]);
            for r in std::iter::once(&entry.record).chain(&entry.associates) {
                records.insert(key(r.kind, &r.id), encode(r))?;
                reindex(index, None, Some(r))?;
                log_change(log, r.kind, &r.id, ChangeOp::Restored, origin)?;
            }
            bin.remove(key(kind, id))?;
            Ok(())
        })?;
        self.store.flush()?;
        Ok(entry.record)
    }

    /// Change-log entries after `seq`, oldest first.
    pub fn changes_after(&self, seq: Option<u64>, limit: usize) -> Vec<Change> {
        let start = seq.map(|s| (s + 1).to_be_bytes().to_vec()).unwrap_or_default();
        self.log.range(start..).filter_map(Result::ok).take(limit).map(|(_, v)| decode(&v)).collect()
    }

    pub fn flush(&self) -> Result<(), DeskError> {
        self.store.flush()?;
        Ok(())
    }
}

fn without_nulls(mut fields: Map<String, Value>) -> Map<String, Value> {
    fields.retain(|_, v| !v.is_null());
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn desk() -> Desk {
        Desk::open(&Store::temporary().unwrap()).unwrap()
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn records_are_created_updated_and_logged() {
        let d = desk();
        let acct = d.create(Kind::Account, obj(json!({"account_name": "Acme"})), "api").unwrap();
        let c = d.create(Kind::Contact, obj(json!({"last_name": "Coyote", "account_id": acct.id})), "api").unwrap();
        let c2 = d.update(Kind::Contact, &c.id, obj(json!({"title": "Genius", "account_id": null})), "agent:1").unwrap();
        assert_eq!(c2.text("title"), Some("Genius"));
        assert!(c2.fields.get("account_id").is_none());
        let log = d.changes_after(None, 10);
        let ops: Vec<_> = log.iter().map(|c| (c.kind, c.op, c.origin.as_str())).collect();
        assert_eq!(
            ops,
            vec![
                (Kind::Account, ChangeOp::Created, "api"),
                (Kind::Contact, ChangeOp::Created, "api"),
                (Kind::Contact, ChangeOp::Updated, "agent:1")
            ]
        );
        assert_eq!(d.changes_after(Some(log[1].seq), 10).len(), 1);
    }

    #[test]
    fn lookups_by_email_follow_updates_and_deletes() {
        let d = desk();
        let c = d.create(Kind::Contact, obj(json!({"last_name": "Coyote", "email": "Wile@Acme.example"})), "api").unwrap();
        assert_eq!(d.find(Kind::Contact, "email", "wile@acme.example")[0].id, c.id);
        d.update(Kind::Contact, &c.id, obj(json!({"email": "wile.e@acme.example"})), "api").unwrap();
        assert!(d.find(Kind::Contact, "email", "wile@acme.example").is_empty());
        assert_eq!(d.find(Kind::Contact, "email", "WILE.E@acme.example").len(), 1);
        d.delete(Kind::Contact, &c.id, false, "api").unwrap();
        assert!(d.find(Kind::Contact, "email", "wile.e@acme.example").is_empty());
        d.restore(Kind::Contact, &c.id, "api").unwrap();
        assert_eq!(d.find(Kind::Contact, "email", "wile.e@acme.example").len(), 1);
    }

    #[test]
    fn invalid_input_is_refused_and_nothing_is_written() {
        let d = desk();
        let err = d.create(Kind::Contact, obj(json!({"email": "x"})), "api").unwrap_err();
        assert!(err.to_string().starts_with("the contact is not valid: email must be an email address"), "{err}");
        assert!(d.list(Kind::Contact).is_empty());
        assert!(d.changes_after(None, 10).is_empty());
        assert!(matches!(d.update(Kind::Contact, "404", Map::new(), "api"), Err(DeskError::NotFound { .. })));
    }

    #[test]
    fn delete_moves_associates_to_the_bin_and_restore_brings_them_back() {
        let d = desk();
        let c = d.create(Kind::Contact, obj(json!({"last_name": "Coyote"})), "api").unwrap();
        let t = d.create(Kind::Ticket, obj(json!({"subject": "Anvil", "contact_id": c.id})), "api").unwrap();
        d.create(Kind::TimeEntry, obj(json!({"minutes": 5, "contact_id": c.id})), "api").unwrap();
        assert_eq!(d.associates(Kind::Contact, &c.id).len(), 2);
        let entry = d.delete(Kind::Contact, &c.id, true, "api").unwrap();
        assert_eq!(entry.associates.len(), 2);
        assert!(d.get(Kind::Ticket, &t.id).is_none());
        assert_eq!(d.recycle_bin().len(), 1);
        assert!(d.find(Kind::Contact, "last_name", "coyote").is_empty());
        d.restore(Kind::Contact, &c.id, "api").unwrap();
        assert!(d.get(Kind::Ticket, &t.id).is_some());
        assert!(d.recycle_bin().is_empty());
    }
}
