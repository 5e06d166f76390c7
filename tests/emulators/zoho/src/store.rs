//! The in-memory CRM: records per module, the recycle bin, users and custom
//! views, with the write rules (validation, mandatory fields, duplicates)
//! and the read rendering (lookup names, owners, field selection).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use crate::criteria::Criteria;
use crate::error::RecordError;
use crate::modules::{self, DataType, Field, LookupTarget, Module, MODULES};
use crate::paging::{Anchor, Sort};
use crate::util::{cmp_ids, format_datetime, format_ts, now_ts, parse_datetime};

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub full_name: &'static str,
    pub email: &'static str,
}

#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    /// Stored values: lookups as `{"id"}`, owners as `{"id"}`, times as text;
    /// includes `id`, `Created_Time`, `Modified_Time`, `Owner`, `Created_By`, `Modified_By`.
    pub data: Map<String, Value>,
    /// Parsed `Created_Time` / `Modified_Time`, kept for sorting and If-Modified-Since.
    pub created: i64,
    pub modified: i64,
}

#[derive(Debug, Clone)]
pub struct Deleted {
    pub module: &'static str,
    pub id: String,
    pub display_name: Option<String>,
    pub deleted_ts: i64,
    pub deleted_by: String,
    pub created_by: Value,
}

#[derive(Debug, Clone)]
pub struct View {
    pub id: String,
    pub module: &'static str,
    pub name: String,
    /// None for the system-defined "All" view.
    pub criteria: Option<Criteria>,
}

/// A file attached to a record. `record` holds what the list shows
/// (`File_Name`, `Size`, times, users, `Parent_Id`, the `$` keys), so
/// attachments sort and page like records.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub record: Record,
    pub module: &'static str,
    pub parent: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What `fields` may name on `/{module}/{id}/Attachments`.
pub const ATTACHMENT_FIELDS: &[&str] = &[
    "id",
    "File_Name",
    "Size",
    "Created_Time",
    "Modified_Time",
    "Owner",
    "Created_By",
    "Modified_By",
    "Parent_Id",
    "$se_module",
    "$file_id",
    "$type",
    "$state",
    "$link_url",
    "$editable",
    "$sharing_permission",
];

/// A write that succeeded: the outcome's `details` and the fields it set.
#[derive(Debug, Clone)]
pub struct Written {
    pub id: String,
    pub details: Value,
    pub affected: Vec<String>,
}

/// Fields duplicate checks and upserts look records up by: indexed, so a
/// batch against a large module does not scan it once per record.
const MATCHED_FIELDS: &[&str] = &["Email", "Secondary_Email", "Account_Name", "Product_Name"];

pub struct Store {
    tables: HashMap<&'static str, BTreeMap<String, Record>>,
    /// (module, field, comparable value) -> ids, for [`MATCHED_FIELDS`].
    matches: HashMap<(&'static str, &'static str, String), std::collections::BTreeSet<String>>,
    /// Which module holds each live record, for lookups and polymorphic links.
    located: HashMap<String, &'static str>,
    recycle: Vec<Deleted>,
    views: Vec<View>,
    users: Vec<User>,
    /// Attachment id -> the file; ids come from the record id sequence.
    attachments: BTreeMap<String, Attachment>,
    next_id: u64,
    /// Writes to each module so far, so a kept order knows it is current.
    generations: HashMap<&'static str, u64>,
    /// Whole modules in a list order, kept while the module is unchanged:
    /// a client paging 500,000 records by page token asks for the same
    /// order 2,500 times, and sorting it each time made a walk quadratic
    /// (Zoho's own lists are indexed).
    orders: HashMap<OrderOf, KeptOrder>,
}

/// Which order: a module, its sort, and `If-Modified-Since`.
type OrderOf = (&'static str, Sort, Option<i64>);

/// An order as of the module's `generation`th write.
struct KeptOrder {
    generation: u64,
    order: Arc<[Anchor]>,
}

/// Orders kept at most: one per walk going on.
const KEPT_ORDERS: usize = 8;

/// Ids are 19 digits, like Zoho's.
const FIRST_ID: u64 = 6_421_000_000_000_010_001;

/// The id of a module's system-defined "All" view: 19 digits like every
/// Zoho id (clients parse custom view ids as big integers), fixed per
/// module so it is the same in every emulator.
pub fn all_view_id(module: &str) -> String {
    crate::modules::numeric_id(&format!("{module}:custom_views:All"))
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    pub fn new() -> Store {
        let views = MODULES.iter().map(|m| View { id: all_view_id(m.name), module: m.name, name: "All".into(), criteria: None }).collect();
        Store {
            tables: MODULES.iter().map(|m| (m.name, BTreeMap::new())).collect(),
            matches: HashMap::new(),
            located: HashMap::new(),
            recycle: Vec::new(),
            views,
            users: vec![
                User { id: "6421000000000000201".into(), full_name: "Dana Whitfield", email: "dana.whitfield@deskpane.example" },
                User { id: "6421000000000000202".into(), full_name: "Sam Okafor", email: "sam.okafor@deskpane.example" },
            ],
            attachments: BTreeMap::new(),
            next_id: FIRST_ID,
            generations: HashMap::new(),
            orders: HashMap::new(),
        }
    }

    /// The user the emulator's tokens act as.
    pub fn current_user(&self) -> &User {
        &self.users[0]
    }

    pub fn users(&self) -> &[User] {
        &self.users
    }

    fn new_id(&mut self) -> String {
        let id = self.next_id;
        self.next_id += 1;
        id.to_string()
    }

    pub fn table(&self, module: &str) -> impl Iterator<Item = &Record> {
        self.tables.get(module).into_iter().flat_map(BTreeMap::values)
    }

    pub fn get(&self, module: &str, id: &str) -> Option<&Record> {
        self.tables.get(module)?.get(id)
    }

    /// A whole module's records modified at or after `since`, in `sort`'s
    /// order: kept until the module is next written.
    pub fn sorted(&mut self, module: &'static str, sort: Sort, since: Option<i64>) -> Arc<[Anchor]> {
        let generation = self.generations.get(module).copied().unwrap_or(0);
        let key = (module, sort, since);
        if let Some(kept) = self.orders.get(&key).filter(|kept| kept.generation == generation) {
            return kept.order.clone();
        }
        let order: Arc<[Anchor]> = sort.anchors(self.table(module).filter(|r| since.is_none_or(|since| r.modified >= since))).into();
        self.orders.retain(|(m, ..), kept| self.generations.get(m).copied().unwrap_or(0) == kept.generation);
        if self.orders.len() >= KEPT_ORDERS {
            self.orders.clear();
        }
        self.orders.insert(key, KeptOrder { generation, order: order.clone() });
        order
    }

    pub fn recycle_bin<'a>(&'a self, module: &'a str) -> impl DoubleEndedIterator<Item = &'a Deleted> + 'a {
        self.recycle.iter().filter(move |d| d.module == module)
    }

    // ---- attachments ----------------------------------------------------

    /// Attaches a file to a live record (the caller checked it exists) and
    /// returns the upload outcome's `details`.
    pub fn attach(&mut self, module: &'static Module, parent: &str, file_name: String, content_type: String, bytes: Vec<u8>) -> Value {
        let id = self.new_id();
        let now = format_ts(now_ts());
        let user = json!({"id": self.current_user().id});
        let mut data = Map::new();
        for (key, value) in [
            ("id", json!(id)),
            ("File_Name", json!(file_name)),
            // Zoho reports the size in bytes, as a string.
            ("Size", json!(bytes.len().to_string())),
            ("Created_Time", json!(now)),
            ("Modified_Time", json!(now)),
            ("Owner", user.clone()),
            ("Created_By", user.clone()),
            ("Modified_By", user),
            ("Parent_Id", json!({"id": parent})),
            ("$se_module", json!(module.name)),
            ("$file_id", json!(crate::util::random_hex(64))),
            ("$type", json!("Attachment")),
            ("$state", json!("save")),
            ("$link_url", Value::Null),
            ("$editable", json!(true)),
            ("$sharing_permission", json!("full_access")),
        ] {
            data.insert(key.into(), value);
        }
        let ts = now_ts();
        let record = Record { id: id.clone(), data, created: ts, modified: ts };
        let details = self.write_details(&record);
        let attachment = Attachment { record, module: module.name, parent: parent.into(), file_name, content_type, bytes };
        self.attachments.insert(id, attachment);
        details
    }

    /// The files attached to a record, oldest first.
    pub fn attachments_of<'a>(&'a self, module: &'a str, parent: &'a str) -> impl Iterator<Item = &'a Attachment> + 'a {
        self.attachments.values().filter(move |a| a.module == module && a.parent == parent)
    }

    /// One file attached to that record.
    pub fn attachment(&self, module: &str, parent: &str, id: &str) -> Option<&Attachment> {
        self.attachments.get(id).filter(|a| a.module == module && a.parent == parent)
    }

    /// An attachment as the list shows it: `id` and the named fields.
    pub fn render_attachment(&self, attachment: &Attachment, fields: &[String]) -> Value {
        let data = &attachment.record.data;
        let mut out = Map::new();
        for name in fields {
            let value = match name.as_str() {
                "Owner" | "Created_By" | "Modified_By" => self.user_ref(&data[name.as_str()]),
                "Parent_Id" => self.lookup_ref(&data["Parent_Id"]),
                other => data.get(other).cloned().unwrap_or(Value::Null),
            };
            out.insert(name.clone(), value);
        }
        out.insert("id".into(), json!(attachment.record.id));
        Value::Object(out)
    }

    // ---- custom views -------------------------------------------------

    pub fn add_view(&mut self, module: &'static Module, name: &str, criteria: Criteria) -> String {
        let id = self.new_id();
        self.views.push(View { id: id.clone(), module: module.name, name: name.into(), criteria: Some(criteria) });
        id
    }

    pub fn views<'a>(&'a self, module: &'a str) -> impl Iterator<Item = &'a View> + 'a {
        self.views.iter().filter(move |v| v.module == module)
    }

    pub fn view(&self, module: &str, cvid: &str) -> Option<&View> {
        self.views.iter().find(|v| v.module == module && v.id == cvid)
    }

    // ---- reading ------------------------------------------------------

    /// `{"name","id","email"}` of a user, or the stored value when the id is not a user's.
    pub fn user_ref(&self, stored: &Value) -> Value {
        let id = id_of(stored);
        match self.users.iter().find(|u| Some(u.id.as_str()) == id.as_deref()) {
            Some(u) => json!({"name": u.full_name, "id": u.id, "email": u.email}),
            None => stored.clone(),
        }
    }

    /// The display name of the live record with that id.
    pub fn name_of(&self, id: &str) -> Option<String> {
        let module = self.located.get(id)?;
        let record = self.get(module, id)?;
        modules::module(module)?.display_name(&record.data)
    }

    fn lookup_ref(&self, stored: &Value) -> Value {
        let Some(id) = id_of(stored) else { return Value::Null };
        let name = self.name_of(&id).map(Value::String).or_else(|| stored.get("name").cloned()).unwrap_or(Value::Null);
        json!({"id": id, "name": name})
    }

    fn render_value(&self, field: &Field, stored: Option<&Value>) -> Value {
        match (field.data_type, stored) {
            (_, None | Some(Value::Null)) => Value::Null,
            (DataType::Lookup, Some(v)) => self.lookup_ref(v),
            (DataType::OwnerLookup, Some(v)) => self.user_ref(v),
            (_, Some(v)) => v.clone(),
        }
    }

    /// The record as the API answers it: `id` plus the named fields, or
    /// every field (unset ones as null) when `fields` is None.
    pub fn render(&self, module: &Module, record: &Record, fields: Option<&[String]>) -> Value {
        let mut out = Map::new();
        match fields {
            Some(names) => {
                for name in names {
                    if let Some(field) = module.field(name) {
                        out.insert(name.clone(), self.render_value(field, record.data.get(name)));
                    }
                }
            }
            None => {
                // Seeded records may carry fields the schema does not know; keep them visible.
                for (key, value) in &record.data {
                    out.insert(key.clone(), value.clone());
                }
                for field in &module.fields {
                    out.insert(field.api_name.into(), self.render_value(field, record.data.get(field.api_name)));
                }
            }
        }
        out.insert("id".into(), Value::String(record.id.clone()));
        Value::Object(out)
    }

    // ---- seeding ------------------------------------------------------

    /// Inserts as given, filling what a record always has; no validation.
    pub fn seed(&mut self, module: &'static Module, record: Value) -> String {
        let Value::Object(mut data) = record else { panic!("seed: a {} record must be a JSON object", module.name) };
        let id = match data.remove("id") {
            Some(Value::String(s)) if !s.is_empty() => s,
            Some(Value::Number(n)) => n.to_string(),
            _ => self.new_id(),
        };
        if let Ok(n) = id.parse::<u64>() {
            self.next_id = self.next_id.max(n + 1);
        }
        let time = |data: &Map<String, Value>, key: &str| {
            data.get(key).and_then(Value::as_str).map(|text| {
                let dt = parse_datetime(text).unwrap_or_else(|| panic!("seed: {key} `{text}` is not ISO 8601 with offset"));
                (dt.timestamp(), format_datetime(&dt))
            })
        };
        let now = now_ts();
        let created = time(&data, "Created_Time").unwrap_or_else(|| (now, format_ts(now)));
        // A record seeded in the past was last modified then, not now.
        let modified = time(&data, "Modified_Time").unwrap_or_else(|| created.clone());
        data.insert("Created_Time".into(), Value::String(created.1));
        data.insert("Modified_Time".into(), Value::String(modified.1));
        for field in module.fields.iter().filter(|f| matches!(f.data_type, DataType::Lookup | DataType::OwnerLookup)) {
            if let Some(Value::String(s)) = data.get(field.api_name) {
                let v = json!({"id": s});
                data.insert(field.api_name.into(), v);
            }
        }
        let user = json!({"id": self.current_user().id});
        for key in ["Owner", "Created_By", "Modified_By"] {
            data.entry(key).or_insert_with(|| user.clone());
        }
        data.insert("id".into(), Value::String(id.clone()));
        self.put(module, Record { id: id.clone(), data, created: created.0, modified: modified.0 });
        id
    }

    fn put(&mut self, module: &'static Module, record: Record) {
        self.located.insert(record.id.clone(), module.name);
        if let Some(old) = self.get(module.name, &record.id).cloned() {
            self.index(module.name, &old, false);
        }
        self.index(module.name, &record, true);
        self.tables.entry(module.name).or_default().insert(record.id.clone(), record);
    }

    /// Adds (`add`) or removes a record's entries in the match index.
    fn index(&mut self, module: &'static str, record: &Record, add: bool) {
        // Every write passes here: orders kept of this module are stale.
        *self.generations.entry(module).or_default() += 1;
        for field in MATCHED_FIELDS {
            let Some(value) = record.data.get(*field).and_then(comparable) else { continue };
            let key = (module, *field, value.to_string());
            if add {
                self.matches.entry(key).or_default().insert(record.id.clone());
            } else if let Some(ids) = self.matches.get_mut(&key) {
                ids.remove(&record.id);
                if ids.is_empty() {
                    self.matches.remove(&key);
                }
            }
        }
    }

    // ---- writing ------------------------------------------------------

    /// The id of an existing record whose `field` equals `value` (text case-insensitively).
    pub fn find_match(&self, module: &Module, field: &str, value: &Value) -> Option<&Record> {
        let wanted = comparable(value)?;
        if let Some(indexed) = MATCHED_FIELDS.iter().find(|f| **f == field) {
            let ids = self.matches.get(&(module.name, *indexed, wanted.to_string()))?;
            return ids.iter().next().and_then(|id| self.get(module.name, id));
        }
        self.table(module.name).find(|r| r.data.get(field).and_then(comparable).is_some_and(|v| v == wanted))
    }

    pub fn insert(&mut self, module: &'static Module, input: &Map<String, Value>, index: usize) -> Result<Written, RecordError> {
        let changes = self.prepare(module, input, index, None)?;
        for &unique in module.unique {
            if let Some(value) = changes.get(unique) {
                if let Some(existing) = self.find_match(module, unique, value) {
                    return Err(RecordError::DuplicateData {
                        api_name: unique.into(),
                        json_path: json_path(index, unique),
                        id: existing.id.clone(),
                        module: module.name,
                    });
                }
            }
        }
        let id = self.new_id();
        let now = now_ts();
        let user = json!({"id": self.current_user().id});
        let affected: Vec<String> = changes.keys().cloned().collect();
        let mut data: Map<String, Value> = changes.into_iter().filter(|(_, v)| !v.is_null()).collect();
        data.entry("Owner").or_insert_with(|| user.clone());
        data.insert("Created_By".into(), user.clone());
        data.insert("Modified_By".into(), user);
        data.insert("Created_Time".into(), Value::String(format_ts(now)));
        data.insert("Modified_Time".into(), Value::String(format_ts(now)));
        data.insert("id".into(), Value::String(id.clone()));
        let record = Record { id: id.clone(), data, created: now, modified: now };
        let details = self.write_details(&record);
        self.put(module, record);
        Ok(Written { id, details, affected })
    }

    pub fn update(&mut self, module: &'static Module, id: &str, input: &Map<String, Value>, index: usize) -> Result<Written, RecordError> {
        let existing = self.get(module.name, id).ok_or_else(|| RecordError::UnknownId { id: id.into() })?;
        let changes = self.prepare(module, input, index, Some(existing))?;
        let now = now_ts();
        let user = json!({"id": self.current_user().id});
        let before = existing.clone();
        self.index(module.name, &before, false);
        let record = self.tables.get_mut(module.name).and_then(|t| t.get_mut(id)).expect("checked above");
        let affected: Vec<String> = changes.keys().cloned().collect();
        for (key, value) in changes {
            if value.is_null() {
                record.data.remove(&key);
            } else {
                record.data.insert(key, value);
            }
        }
        record.modified = now;
        record.data.insert("Modified_Time".into(), Value::String(format_ts(now)));
        record.data.insert("Modified_By".into(), user);
        let record = record.clone();
        self.index(module.name, &record, true);
        Ok(Written { id: id.into(), details: self.write_details(&record), affected })
    }

    pub fn delete(&mut self, module: &'static Module, id: &str) -> Result<(), RecordError> {
        let record = self.tables.get_mut(module.name).and_then(|t| t.remove(id)).ok_or_else(|| RecordError::UnknownId { id: id.into() })?;
        self.index(module.name, &record, false);
        self.located.remove(id);
        self.recycle.push(Deleted {
            module: module.name,
            id: record.id,
            display_name: module.display_name(&record.data),
            deleted_ts: now_ts(),
            deleted_by: self.current_user().id.clone(),
            created_by: record.data.get("Created_By").cloned().unwrap_or(Value::Null),
        });
        Ok(())
    }

    /// `{"name","id"}` of a user, as write outcomes and the recycle bin show them.
    pub fn user_brief(&self, stored: &Value) -> Value {
        let full = self.user_ref(stored);
        json!({"name": full.get("name").cloned().unwrap_or(Value::Null), "id": id_of(stored)})
    }

    fn write_details(&self, record: &Record) -> Value {
        json!({
            "id": record.id,
            "Created_Time": record.data["Created_Time"],
            "Modified_Time": record.data["Modified_Time"],
            "Created_By": self.user_brief(&record.data["Created_By"]),
            "Modified_By": self.user_brief(&record.data["Modified_By"]),
        })
    }

    /// Checks a record of a write and returns the normalised values it sets.
    /// `existing` is the record being updated (None on insert).
    fn prepare(
        &self,
        module: &Module,
        input: &Map<String, Value>,
        index: usize,
        existing: Option<&Record>,
    ) -> Result<Map<String, Value>, RecordError> {
        // The module a polymorphic lookup points into: this write's, else the stored one.
        let se_module = input
            .get("$se_module")
            .and_then(Value::as_str)
            .and_then(modules::module)
            .or_else(|| existing.and_then(|r| r.data.get("$se_module")).and_then(Value::as_str).and_then(modules::module))
            .map(|m| m.name);
        let mut changes = Map::new();
        for (key, value) in input {
            if key == "id" {
                continue;
            }
            let field = module.field(key).ok_or_else(|| RecordError::UnknownField { api_name: key.clone() })?;
            // Zoho ignores system fields (times, creators) sent back on write.
            if field.read_only {
                continue;
            }
            changes.insert(key.clone(), self.check_value(field, value, &json_path(index, key), se_module)?);
        }
        for field in module.fields.iter().filter(|f| f.mandatory) {
            let missing = match changes.get(field.api_name) {
                Some(value) => value.is_null(),
                None => existing.is_none(),
            };
            if missing {
                return Err(RecordError::MandatoryNotFound {
                    api_name: field.api_name.into(),
                    json_path: json_path(index, field.api_name),
                });
            }
        }
        Ok(changes)
    }

    fn check_value(&self, field: &Field, value: &Value, path: &str, se_module: Option<&'static str>) -> Result<Value, RecordError> {
        let wrong = |expected: &'static str| RecordError::WrongType { api_name: field.api_name.into(), json_path: path.into(), expected };
        let wrong_type = || wrong(field.data_type.api_name());
        if value.is_null() {
            return Ok(Value::Null);
        }
        use DataType::*;
        match field.data_type {
            Text | Textarea | Email | Phone | Website | Picklist => {
                let text = value.as_str().ok_or_else(wrong_type)?;
                if text.is_empty() {
                    return Ok(Value::Null);
                }
                if text.chars().count() > field.length as usize {
                    return Err(RecordError::TooLong { api_name: field.api_name.into(), json_path: path.into(), maximum: field.length });
                }
                if field.data_type == Email && !looks_like_email(text) {
                    return Err(wrong_type());
                }
                // A call's duration is minutes and seconds, "mm:ss" ("75:05" for a long one).
                if field.api_name == "Call_Duration" && !looks_like_duration(text) {
                    return Err(wrong("mm:ss"));
                }
                if field.api_name == "$se_module" {
                    let module = modules::module(text).ok_or_else(|| wrong("module"))?;
                    return Ok(Value::String(module.name.into()));
                }
                Ok(Value::String(text.into()))
            }
            MultiSelectPicklist => match value.as_array() {
                Some(items) if items.iter().all(Value::is_string) => Ok(value.clone()),
                _ => Err(wrong_type()),
            },
            Integer if value.is_i64() || value.is_u64() => Ok(value.clone()),
            Currency | Double if value.is_number() => Ok(value.clone()),
            Boolean if value.is_boolean() => Ok(value.clone()),
            Date => match value.as_str() {
                Some(s) if s.len() == 10 && NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => Ok(value.clone()),
                _ => Err(wrong_type()),
            },
            Datetime => match value.as_str().and_then(parse_datetime) {
                Some(dt) => Ok(Value::String(format_datetime(&dt))),
                None => Err(wrong_type()),
            },
            Lookup => {
                let id = id_of(value).ok_or_else(wrong_type)?;
                let target = match field.lookup {
                    Some(LookupTarget::Module(m)) => m,
                    _ => se_module.ok_or_else(|| RecordError::MandatoryNotFound {
                        api_name: "$se_module".into(),
                        json_path: path.rsplit_once('.').map(|(p, _)| format!("{p}.$se_module")).unwrap_or_default(),
                    })?,
                };
                if self.get(target, &id).is_none() {
                    return Err(wrong_type());
                }
                Ok(json!({"id": id}))
            }
            OwnerLookup => {
                let id = id_of(value).ok_or_else(wrong_type)?;
                if !self.users.iter().any(|u| u.id == id) {
                    return Err(wrong_type());
                }
                Ok(json!({"id": id}))
            }
            Integer | Currency | Double | Boolean => Err(wrong_type()),
        }
    }

    /// Rendered records of a module, oldest id first (for tests).
    pub fn rendered(&self, module: &Module) -> Vec<Value> {
        let mut rows: Vec<&Record> = self.table(module.name).collect();
        rows.sort_by(|a, b| cmp_ids(&a.id, &b.id));
        rows.into_iter().map(|r| self.render(module, r, None)).collect()
    }
}

fn json_path(index: usize, key: &str) -> String {
    format!("$.data[{index}].{key}")
}

/// The id of a lookup written as `{"id": ...}`, a bare string or a number.
pub fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o.get("id").and_then(|v| match v {
            Value::Object(_) => None,
            other => id_of(other),
        }),
        _ => None,
    }
}

/// A value as compared for duplicates and upsert: text case-insensitively, lookups by id.
fn comparable(value: &Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(Value::String(s.to_lowercase())),
        Value::Object(_) => id_of(value).map(Value::String),
        other => Some(other.clone()),
    }
}

fn looks_like_duration(text: &str) -> bool {
    match text.split_once(':') {
        Some((minutes, seconds)) => {
            !minutes.is_empty()
                && minutes.chars().all(|c| c.is_ascii_digit())
                && seconds.len() == 2
                && seconds.chars().all(|c| c.is_ascii_digit())
                && seconds < "60"
        }
        None => false,
    }
}

fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contacts() -> &'static Module {
        modules::module("Contacts").unwrap()
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn ids_are_19_digits_and_increase() {
        let mut store = Store::new();
        let a = store.seed(contacts(), json!({"Last_Name": "A"}));
        let b = store.seed(contacts(), json!({"Last_Name": "B"}));
        assert_eq!(a.len(), 19);
        assert!(a.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(cmp_ids(&a, &b), std::cmp::Ordering::Less);
    }

    #[test]
    fn insert_validates_types_lengths_and_lookups() {
        let mut store = Store::new();
        let err = |r: Result<Written, RecordError>| r.unwrap_err();
        assert!(matches!(
            err(store.insert(contacts(), &obj(json!({"Last_Name": "X", "Tickets_Raised": "3"})), 0)),
            RecordError::WrongType { expected: "integer", .. }
        ));
        assert!(matches!(
            err(store.insert(contacts(), &obj(json!({"Last_Name": "X".repeat(81)})), 0)),
            RecordError::TooLong { maximum: 80, .. }
        ));
        assert!(matches!(
            err(store.insert(contacts(), &obj(json!({"Last_Name": "X", "Account_Name": {"id": "1"}})), 0)),
            RecordError::WrongType { expected: "lookup", .. }
        ));
        assert!(matches!(
            err(store.insert(contacts(), &obj(json!({"Last_Name": "X", "Email": "not an email"})), 0)),
            RecordError::WrongType { expected: "email", .. }
        ));
        assert!(matches!(
            err(store.insert(contacts(), &obj(json!({"First_Name": "X"})), 3)),
            RecordError::MandatoryNotFound { ref json_path, .. } if json_path == "$.data[3].Last_Name"
        ));
    }

    #[test]
    fn a_call_needs_its_type_and_takes_its_duration_as_minutes_and_seconds() {
        let mut store = Store::new();
        let calls = modules::module("Calls").unwrap();
        let ada = store.seed(contacts(), json!({"Last_Name": "Lovelace"}));
        let call = |extra: Value| {
            let mut record = obj(json!({"Subject": "Call", "Call_Start_Time": "2026-11-21T09:30:00+00:00", "Who_Id": {"id": ada}}));
            record.extend(obj(extra));
            record
        };
        assert!(matches!(
            store.insert(calls, &call(json!({})), 0).unwrap_err(),
            RecordError::MandatoryNotFound { ref api_name, .. } if api_name == "Call_Type"
        ));
        for bad in ["5", "5:7", "05:60", "ab:cd", ":30"] {
            let err = store.insert(calls, &call(json!({"Call_Type": "Outbound", "Call_Duration": bad})), 0).unwrap_err();
            assert!(matches!(err, RecordError::WrongType { expected: "mm:ss", .. }), "{bad}");
        }
        for good in ["00:00", "05:07", "75:05"] {
            store.insert(calls, &call(json!({"Call_Type": "Outbound", "Call_Duration": good})), 0).unwrap();
        }
        store.insert(calls, &call(json!({"Call_Type": "Missed"})), 0).expect("a missed call has no duration");
    }

    #[test]
    fn lookups_are_stored_by_id_and_read_with_a_name() {
        let mut store = Store::new();
        let accounts = modules::module("Accounts").unwrap();
        let account = store.seed(accounts, json!({"Account_Name": "Zylker"}));
        let written = store.insert(contacts(), &obj(json!({"Last_Name": "X", "Account_Name": account})), 0).unwrap();
        let record = store.get("Contacts", &written.id).unwrap();
        assert_eq!(record.data["Account_Name"], json!({"id": account}));
        let rendered = store.render(contacts(), record, None);
        assert_eq!(rendered["Account_Name"], json!({"id": account, "name": "Zylker"}));
        assert_eq!(rendered["Owner"]["name"], "Dana Whitfield");
    }
}
