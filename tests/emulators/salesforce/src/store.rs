//! The in-memory org: records of every object (deleted ones stay, flagged,
//! as Salesforce's recycle bin), list views, and the write rules
//! (field checks, required fields, unique values, references). Writes are
//! journalled: `commit` publishes their change events, `rollback` (an
//! all-or-none batch that failed) undoes them without a trace.

mod files;

use std::collections::{BTreeSet, HashMap};

use serde_json::{json, Map, Value};

use crate::error::RecordError;
use crate::notify::{ChangeType, Event, Notifier, Target};
use crate::schema::{object_named, Default, Field, FieldType, SObject, OBJECTS};
use crate::util::{format_ms, make_id, normalize_id, now_ms, parse_date, parse_datetime};

#[derive(Debug, Clone)]
pub struct Record {
    pub object: &'static SObject,
    pub id: String,
    /// Every field of the object by its API name, null when unset.
    pub values: Map<String, Value>,
    /// `SystemModstamp` in ms.
    pub modstamp: i64,
    /// When it went to the recycle bin.
    pub deleted: Option<i64>,
}

static NULL: Value = Value::Null;

impl Record {
    pub fn get(&self, field: &str) -> &Value {
        self.values.get(field).unwrap_or(&NULL)
    }

    pub fn text(&self, field: &str) -> Option<&str> {
        self.get(field).as_str()
    }
}

#[derive(Debug, Clone)]
pub struct ListView {
    pub id: String,
    pub object: &'static SObject,
    pub label: String,
    pub developer_name: String,
    /// The SOQL condition, None for "All".
    pub condition: Option<String>,
}

/// Who writes, and how strictly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Api,
    /// Test and demo seeds: system fields may be given, required ones left out.
    Seed,
}

#[derive(Debug)]
struct Change {
    object: &'static str,
    kind: ChangeType,
    id: String,
    fields: Vec<String>,
    user: String,
    at: i64,
}

#[derive(Debug)]
enum Undo {
    Remove(String),
    Restore(Box<Record>),
}

pub struct Store {
    records: HashMap<String, Record>,
    /// Ids per object in creation order.
    tables: HashMap<&'static str, BTreeSet<String>>,
    list_views: Vec<ListView>,
    counter: u64,
    last_stamp: i64,
    case_number: u64,
    /// The user tokens act as.
    pub api_user: String,
    /// The person whose edits the test helpers (`update`, `delete`) play.
    pub ui_user: String,
    journal: Vec<Undo>,
    pending: Vec<Change>,
    notifier: Notifier,
    /// The bytes of each ContentVersion (`VersionData`), by its id.
    blobs: HashMap<String, Vec<u8>>,
}

impl Store {
    pub fn new(notifier: Notifier) -> Store {
        let mut store = Store {
            records: HashMap::new(),
            tables: OBJECTS.iter().map(|o| (o.name, BTreeSet::new())).collect(),
            list_views: Vec::new(),
            counter: 0,
            last_stamp: 0,
            case_number: 1000,
            api_user: String::new(),
            ui_user: String::new(),
            journal: Vec::new(),
            pending: Vec::new(),
            notifier,
            blobs: HashMap::new(),
        };
        store.api_user = store.seed_user("Elena", "Vasquez", "elena.vasquez@deskpane-demo.example");
        store.ui_user = store.seed_user("Tomás", "Lindqvist", "tomas.lindqvist@deskpane-demo.example");
        store.commit();
        store
    }

    pub fn seed_user(&mut self, first: &str, last: &str, email: &str) -> String {
        let user = object_named("User").expect("User is emulated");
        let input = json!({"FirstName": first, "LastName": last, "Email": email, "Username": email});
        self.seed(user, input.as_object().expect("an object"))
    }

    fn next_id(&mut self, object: &SObject) -> String {
        self.counter += 1;
        make_id(object.prefix, self.counter)
    }

    /// Now, but strictly after every earlier write.
    fn stamp(&mut self) -> i64 {
        self.last_stamp = now_ms().max(self.last_stamp + 1);
        self.last_stamp
    }

    // ---- reading --------------------------------------------------------

    pub fn get(&self, id: &str) -> Option<&Record> {
        self.records.get(id)
    }

    /// Every record of the object, deleted ones too, oldest first.
    pub fn table(&self, object: &SObject) -> impl Iterator<Item = &Record> {
        self.tables.get(object.name).into_iter().flatten().filter_map(|id| self.records.get(id))
    }

    /// A record of this object that is not deleted.
    pub fn live(&self, object: &SObject, id: &str) -> Result<&Record, RecordError> {
        let id = normalize_id(id).ok_or(RecordError::NotFound)?;
        match self.records.get(&id) {
            Some(r) if r.object.name != object.name => Err(RecordError::NotFound),
            Some(r) if r.deleted.is_some() => Err(RecordError::Deleted),
            Some(r) => Ok(r),
            None => Err(RecordError::NotFound),
        }
    }

    /// Live records whose field equals the value (text case-insensitively).
    pub fn find_by(&self, object: &SObject, field: &Field, value: &str) -> Vec<String> {
        let wanted = if field.ftype.is_id() { normalize_id(value).unwrap_or_default() } else { value.to_lowercase() };
        self.table(object)
            .filter(|r| r.deleted.is_none())
            .filter(|r| match r.get(field.name) {
                Value::String(s) if field.ftype.is_id() => *s == wanted,
                Value::String(s) => s.to_lowercase() == wanted,
                // External ids and unique fields are text.
                _ => false,
            })
            .map(|r| r.id.clone())
            .collect()
    }

    /// The record as `GET /sobjects/{Type}/{id}` answers it: `attributes`
    /// and every field, or only `fields`.
    pub fn render(&self, record: &Record, version: &str, fields: Option<&[&Field]>) -> Value {
        let mut out = Map::new();
        out.insert("attributes".into(), attributes(record.object.name, &record.id, version));
        match fields {
            Some(fields) => {
                for field in fields {
                    out.insert(field.name.into(), record.get(field.name).clone());
                }
            }
            None => out.extend(record.values.iter().map(|(k, v)| (k.clone(), v.clone()))),
        }
        // Binary data reads as the URL that serves it, in the request's version.
        if record.object.name == "ContentVersion" && out.get("VersionData").is_some_and(Value::is_string) {
            out.insert("VersionData".into(), json!(files::version_data_url(version, &record.id)));
        }
        Value::Object(out)
    }

    // ---- writing --------------------------------------------------------

    pub fn create(&mut self, object: &'static SObject, input: &Map<String, Value>, user: &str) -> Result<String, RecordError> {
        match object.name {
            // A file: its document and links come with it.
            "ContentVersion" => self.create_version(input, user),
            "ContentDocument" => Err(RecordError::NotInsertable(object.label.into())),
            _ => self.insert(object, input, user.to_string(), Mode::Api),
        }
    }

    /// Inserts as a seed: system fields may be given, required ones
    /// missing; the change still notifies. Panics on a bad record.
    pub fn seed(&mut self, object: &'static SObject, input: &Map<String, Value>) -> String {
        let user = self.api_user.clone();
        let written = match object.name {
            // Files are seeded as the API creates them (bytes, document, links).
            "ContentVersion" => self.create_version(input, &user),
            _ => self.insert(object, input, user, Mode::Seed),
        };
        let id = written.unwrap_or_else(|e| panic!("seeding {} {}: {}", object.name, Value::Object(input.clone()), e.message()));
        self.commit();
        id
    }

    fn insert(&mut self, object: &'static SObject, input: &Map<String, Value>, user: String, mode: Mode) -> Result<String, RecordError> {
        let mut given = self.checked(object, input, mode, true)?;
        if mode == Mode::Api {
            let missing: Vec<String> = object
                .fields
                .iter()
                .filter(|f| f.required_on_create() && given.get(f.name).is_none_or(Value::is_null))
                .map(|f| f.name.to_string())
                .collect();
            if !missing.is_empty() {
                return Err(RecordError::RequiredMissing(missing));
            }
        }
        self.check_unique(object, &given, None)?;
        let id = self.next_id(object);
        let now = self.stamp();
        let mut values = Map::new();
        for field in &object.fields {
            let value = match given.remove(field.name) {
                Some(v) => v,
                None => match field.default {
                    Default::None => Value::Null,
                    Default::Text(t) => json!(t),
                    Default::Bool(b) => json!(b),
                    Default::CurrentUser => json!(user),
                    Default::OwnId => json!(id),
                    Default::AutoNumber => {
                        self.case_number += 1;
                        json!(format!("{:08}", self.case_number))
                    }
                },
            };
            values.insert(field.name.into(), value);
        }
        values.insert("Id".into(), json!(id));
        // Only a seed may start in the recycle bin (deleted at its SystemModstamp).
        let in_bin = values.get("IsDeleted") == Some(&json!(true));
        values.insert("IsDeleted".into(), json!(in_bin));
        let created = values.get("CreatedDate").and_then(Value::as_str).and_then(parse_datetime).unwrap_or(now);
        let modified = values.get("LastModifiedDate").and_then(Value::as_str).and_then(parse_datetime).unwrap_or(created);
        let modstamp = values.get("SystemModstamp").and_then(Value::as_str).and_then(parse_datetime).unwrap_or(modified);
        for (name, ms) in [("CreatedDate", created), ("LastModifiedDate", modified), ("SystemModstamp", modstamp)] {
            values.insert(name.into(), json!(format_ms(ms)));
        }
        for name in ["CreatedById", "LastModifiedById"] {
            if values.get(name).is_none_or(Value::is_null) {
                values.insert(name.into(), json!(user));
            }
        }
        if object.person_name {
            values.insert("Name".into(), person_name(&values));
        }
        let deleted = in_bin.then_some(modstamp);
        self.records.insert(id.clone(), Record { object, id: id.clone(), values, modstamp, deleted });
        self.tables.entry(object.name).or_default().insert(id.clone());
        self.journal.push(Undo::Remove(id.clone()));
        self.pending.push(Change { object: object.name, kind: ChangeType::Create, id: id.clone(), fields: Vec::new(), user, at: now });
        Ok(id)
    }

    /// Updates fields of a live record. `Id` in the input must be its own.
    pub fn update(&mut self, object: &'static SObject, id: &str, input: &Map<String, Value>, user: &str) -> Result<(), RecordError> {
        let old = self.live(object, id)?.clone();
        let mut input = input.clone();
        if let Some((key, given)) = input.iter().find(|(k, _)| k.eq_ignore_ascii_case("Id")).map(|(k, v)| (k.clone(), v.clone())) {
            if given.as_str().and_then(normalize_id).as_deref() != Some(old.id.as_str()) {
                return Err(RecordError::MalformedId(given.as_str().unwrap_or_default().to_string()));
            }
            input.remove(&key);
        }
        let given = self.checked(object, &input, Mode::Api, false)?;
        let emptied: Vec<String> = object
            .fields
            .iter()
            .filter(|f| !f.nillable && f.updateable && given.get(f.name).is_some_and(Value::is_null))
            .map(|f| f.name.to_string())
            .collect();
        if !emptied.is_empty() {
            return Err(RecordError::RequiredMissing(emptied));
        }
        self.check_unique(object, &given, Some(&old.id))?;
        let now = self.stamp();
        let mut record = old.clone();
        let mut changed: Vec<String> = given.iter().filter(|(k, v)| old.get(k) != *v).map(|(k, _)| k.clone()).collect();
        record.values.extend(given);
        if object.person_name {
            let name = person_name(&record.values);
            if record.get("Name") != &name {
                changed.push("Name".into());
            }
            record.values.insert("Name".into(), name);
        }
        changed.extend(["LastModifiedDate".to_string(), "LastModifiedById".into(), "SystemModstamp".into()]);
        touch(&mut record, now, user);
        self.replace(record, old);
        self.pending.push(Change {
            object: object.name,
            kind: ChangeType::Update,
            id: id_of(id),
            fields: changed,
            user: user.into(),
            at: now,
        });
        Ok(())
    }

    /// Moves a live record to the recycle bin.
    pub fn delete(&mut self, object: &'static SObject, id: &str, user: &str) -> Result<(), RecordError> {
        let old = self.live(object, id)?.clone();
        let now = self.stamp();
        let mut record = old.clone();
        record.deleted = Some(now);
        record.values.insert("IsDeleted".into(), json!(true));
        touch(&mut record, now, user);
        let id = record.id.clone();
        self.replace(record, old);
        self.pending.push(Change { object: object.name, kind: ChangeType::Delete, id, fields: Vec::new(), user: user.into(), at: now });
        Ok(())
    }

    /// Brings a record back from the recycle bin.
    pub fn undelete(&mut self, object: &'static SObject, id: &str, user: &str) -> Result<(), RecordError> {
        let old = match self.live(object, id) {
            Err(RecordError::Deleted) => self.records[&id_of(id)].clone(),
            Ok(_) => return Err(RecordError::InvalidType("entity is not in the recycle bin".into())),
            Err(e) => return Err(e),
        };
        let now = self.stamp();
        let mut record = old.clone();
        record.deleted = None;
        record.values.insert("IsDeleted".into(), json!(false));
        touch(&mut record, now, user);
        let id = record.id.clone();
        self.replace(record, old);
        self.pending.push(Change { object: object.name, kind: ChangeType::Undelete, id, fields: Vec::new(), user: user.into(), at: now });
        Ok(())
    }

    fn replace(&mut self, record: Record, old: Record) {
        self.records.insert(record.id.clone(), record);
        self.journal.push(Undo::Restore(Box::new(old)));
    }

    /// Makes the writes since the last commit final and notifies
    /// subscribers: one event per object and kind of change.
    pub fn commit(&mut self) {
        self.journal.clear();
        let mut events: Vec<Event> = Vec::new();
        for change in std::mem::take(&mut self.pending) {
            match events.iter_mut().find(|e| e.object == change.object && e.kind == change.kind) {
                Some(event) => {
                    event.ids.push(change.id);
                    for field in change.fields {
                        if !event.changed_fields.contains(&field) {
                            event.changed_fields.push(field);
                        }
                    }
                    event.at_ms = change.at;
                }
                None => events.push(Event {
                    object: change.object,
                    kind: change.kind,
                    ids: vec![change.id],
                    changed_fields: change.fields,
                    user: change.user,
                    at_ms: change.at,
                }),
            }
        }
        for event in &events {
            let targets = self.subscribers(event.object);
            self.notifier.publish(event, &targets);
        }
    }

    /// Undoes every write since the last commit; nothing is notified.
    pub fn rollback(&mut self) {
        self.pending.clear();
        while let Some(undo) = self.journal.pop() {
            match undo {
                Undo::Remove(id) => {
                    self.blobs.remove(&id);
                    if let Some(record) = self.records.remove(&id) {
                        if let Some(table) = self.tables.get_mut(record.object.name) {
                            table.remove(&id);
                        }
                    }
                }
                Undo::Restore(record) => {
                    self.records.insert(record.id.clone(), *record);
                }
            }
        }
    }

    /// Runs writes as one transaction: committed when `work` succeeds,
    /// rolled back when it fails.
    pub fn transaction<R, E>(&mut self, work: impl FnOnce(&mut Store) -> Result<R, E>) -> Result<R, E> {
        let result = work(self);
        match result {
            Ok(_) => self.commit(),
            Err(_) => self.rollback(),
        }
        result
    }

    /// Callback URLs of live `Deskpane_Subscription__c` records naming the object.
    fn subscribers(&self, object: &str) -> Vec<Target> {
        let Some(subscription) = object_named("Deskpane_Subscription__c") else { return Vec::new() };
        self.table(subscription)
            .filter(|r| r.deleted.is_none())
            .filter(|r| r.text("Objects__c").is_some_and(|list| list.split([';', ',']).any(|o| o.trim().eq_ignore_ascii_case(object))))
            .filter_map(|r| {
                Some(Target { url: r.text("Callback_Url__c")?.to_string(), token: r.text("Token__c").unwrap_or_default().to_string() })
            })
            .collect()
    }

    // ---- checks ---------------------------------------------------------

    /// The input's fields by API name with values converted, as Salesforce
    /// checks them: unknown names first, then fields that may not be
    /// written, then each value.
    fn checked(&self, object: &SObject, input: &Map<String, Value>, mode: Mode, create: bool) -> Result<Map<String, Value>, RecordError> {
        let mut fields = Vec::new();
        for (key, value) in input {
            if key == "attributes" {
                continue;
            }
            match object.field(key) {
                Some(field) => fields.push((field, value)),
                None => return Err(RecordError::UnknownField { name: key.clone(), object: object.name.into() }),
            }
        }
        let system = |f: &Field| mode == Mode::Seed && f.name != "Id" && !(object.person_name && f.name == "Name");
        let not_writable: Vec<String> = fields
            .iter()
            .filter(|(f, _)| !(if create { f.createable } else { f.updateable }) && !system(f))
            .map(|(f, _)| f.name.to_string())
            .collect();
        if !not_writable.is_empty() {
            return Err(RecordError::NotWritable(not_writable));
        }
        let mut out = Map::new();
        for (field, value) in fields {
            out.insert(field.name.into(), self.convert(field, value)?);
        }
        Ok(out)
    }

    fn convert(&self, field: &Field, value: &Value) -> Result<Value, RecordError> {
        let raw = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let wrong = || RecordError::WrongType { field: field.name.into(), label: field.label.into(), value: raw.clone() };
        let converted = match (field.ftype, value) {
            (_, Value::Null) => Value::Null,
            (t, Value::String(s)) if s.is_empty() && t != FieldType::Boolean => Value::Null,
            (FieldType::Boolean, Value::Bool(b)) => json!(b),
            (FieldType::Boolean, Value::String(s)) => json!(s.parse::<bool>().map_err(|_| wrong())?),
            (FieldType::Int, Value::Number(n)) => json!(n.as_i64().ok_or_else(wrong)?),
            (FieldType::Int, Value::String(s)) => json!(s.trim().parse::<i64>().map_err(|_| wrong())?),
            (t, Value::Number(n)) if t.is_number() => json!(n.as_f64().ok_or_else(wrong)?),
            (t, Value::String(s)) if t.is_number() => json!(s.trim().parse::<f64>().ok().filter(|f| f.is_finite()).ok_or_else(wrong)?),
            (FieldType::Date, Value::String(s)) => json!(parse_date(s).ok_or_else(wrong)?.to_string()),
            (FieldType::Datetime, Value::String(s)) => json!(format_ms(parse_datetime(s).ok_or_else(wrong)?)),
            (t, Value::String(s)) if t.is_id() => {
                let target = normalize_id(s).and_then(|id| self.records.get(&id)).filter(|r| r.deleted.is_none());
                match target {
                    Some(r) if field.reference_to.contains(&r.object.name) || field.ftype == FieldType::Id => json!(r.id),
                    _ => return Err(RecordError::CrossReference { field: field.name.into() }),
                }
            }
            (FieldType::Email, Value::String(s)) => {
                if !looks_like_email(s) {
                    return Err(RecordError::InvalidEmail { field: field.name.into(), label: field.label.into(), value: s.clone() });
                }
                json!(s)
            }
            (t, Value::String(s)) if t.is_text() => json!(s),
            // Salesforce reads JSON numbers and booleans into text fields as their text.
            (t, Value::Number(_) | Value::Bool(_)) if t.is_text() && !t.is_id() && t != FieldType::Email => json!(raw),
            _ => return Err(wrong()),
        };
        if let Value::String(s) = &converted {
            // A restricted picklist takes only its own values, exactly as listed.
            if field.restricted && !field.picklist.contains(&s.as_str()) {
                return Err(RecordError::RestrictedPicklist { field: field.name.into(), label: field.label.into(), value: s.clone() });
            }
            if field.length > 0 && s.chars().count() > field.length as usize {
                return Err(RecordError::TooLong {
                    field: field.name.into(),
                    label: field.label.into(),
                    value: s.clone(),
                    max: field.length,
                });
            }
        }
        Ok(converted)
    }

    fn check_unique(&self, object: &SObject, given: &Map<String, Value>, own_id: Option<&str>) -> Result<(), RecordError> {
        for field in object.fields.iter().filter(|f| f.unique) {
            let Some(Value::String(value)) = given.get(field.name) else { continue };
            if let Some(other) = self.find_by(object, field, value).into_iter().find(|id| Some(id.as_str()) != own_id) {
                return Err(RecordError::Duplicate { field: field.name.into(), id: other });
            }
        }
        Ok(())
    }

    // ---- list views ------------------------------------------------------

    pub fn add_list_view(&mut self, object: &'static SObject, label: &str, condition: Option<String>) -> String {
        self.counter += 1;
        let id = make_id("00B", self.counter);
        let developer_name: String = label.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        self.list_views.push(ListView { id: id.clone(), object, label: label.into(), developer_name, condition });
        id
    }

    pub fn list_views(&self, object: &SObject) -> Vec<&ListView> {
        self.list_views.iter().filter(|v| v.object.name == object.name).collect()
    }
}

/// `attributes` of a record.
pub fn attributes(object: &str, id: &str, version: &str) -> Value {
    json!({"type": object, "url": format!("/services/data/{version}/sobjects/{object}/{id}")})
}

fn id_of(id: &str) -> String {
    normalize_id(id).unwrap_or_else(|| id.to_string())
}

fn touch(record: &mut Record, now: i64, user: &str) {
    record.modstamp = now;
    record.values.insert("LastModifiedDate".into(), json!(format_ms(now)));
    record.values.insert("SystemModstamp".into(), json!(format_ms(now)));
    record.values.insert("LastModifiedById".into(), json!(user));
}

fn person_name(values: &Map<String, Value>) -> Value {
    let parts: Vec<&str> = ["FirstName", "LastName"].iter().filter_map(|f| values.get(*f).and_then(Value::as_str)).collect();
    if parts.is_empty() {
        Value::Null
    } else {
        json!(parts.join(" "))
    }
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !s.contains(' ')
        }
        None => false,
    }
}
