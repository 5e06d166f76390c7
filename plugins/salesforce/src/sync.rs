//! The sync half of the contract for Salesforce.
//!
//! The change feed is SOQL ordered by `(SystemModstamp, Id)`: each page
//! asks for the records strictly after the last one it gave, so records
//! sharing a timestamp are never skipped at a page boundary. Once the
//! records are caught up, the same walk over `queryAll ... IsDeleted =
//! true` reports deletions (Salesforce keeps deleted records in the
//! recycle bin for 15 days). The cursor carries both positions.

use std::collections::HashMap;

use deskpane_plugin_sdk::prelude::*;
use serde_json::{json, Value as Json};

use crate::api::{encode, record_error, Salesforce, BATCH};
use crate::convert::{self, module_of, sobject, str_field, Describe};
use crate::soql::{self, quote};
use crate::time::{self, Millis};
use crate::SalesforceCrm;

/// Salesforce's largest query batch; a feed page is one batch at most.
const MAX_PAGE: u32 = 2000;

/// Values per `IN (...)` of a duplicate check or a modification-time read,
/// keeping the query URL well under Salesforce's 16 KB.
const IN_CHUNK: usize = 100;

/// Largest notification body accepted.
const MAX_NOTIFICATION_BYTES: usize = 1 << 20;

/// Most record ids one notification may announce.
const MAX_NOTIFIED_IDS: usize = 10_000;

/// The describe of an sObject.
pub fn describe(sf: &Salesforce, sobject: &str) -> Result<Describe, ConnectorError> {
    Ok(Describe::parse(&sf.get(&format!("/sobjects/{sobject}/describe"))?))
}

/// Where a walk stands: after the record with this `(SystemModstamp, Id)`,
/// or at or after `stamp` alone when no record was seen yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Position {
    stamp: Option<Millis>,
    id: Option<String>,
}

impl Position {
    fn condition(&self) -> Option<String> {
        let stamp = time::soql(self.stamp?);
        Some(match &self.id {
            Some(id) => format!("(SystemModstamp > {stamp} OR (SystemModstamp = {stamp} AND Id > {}))", quote(id)),
            None => format!("SystemModstamp >= {stamp}"),
        })
    }

    fn to_json(&self) -> Json {
        json!({ "stamp": self.stamp.map(time::rfc3339), "id": self.id })
    }

    fn from_json(j: &Json) -> Option<Position> {
        let stamp = match &j["stamp"] {
            Json::Null => None,
            s => Some(time::parse(s.as_str()?)?),
        };
        let id = match &j["id"] {
            Json::Null => None,
            s => Some(s.as_str().filter(|id| soql::is_id(id))?.to_string()),
        };
        (stamp.is_some() || id.is_none()).then_some(Position { stamp, id })
    }

    /// Moves past a record read in the walk.
    fn advance(&mut self, record: &Json) -> Result<Millis, ConnectorError> {
        let stamp = str_field(record, "SystemModstamp").and_then(|s| time::parse(&s));
        let id = str_field(record, "Id").filter(|id| soql::is_id(id));
        match (stamp, id) {
            (Some(stamp), Some(id)) => {
                *self = Position { stamp: Some(stamp), id: Some(id) };
                Ok(stamp)
            }
            _ => Err(ConnectorError::Permanent(format!("Salesforce gave a record without a valid Id and SystemModstamp: {record}"))),
        }
    }
}

/// The change-feed cursor: where the records walk and the deletions walk stand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Cursor {
    records: Position,
    deleted: Position,
}

impl Cursor {
    fn start(since: Option<&str>) -> Result<Cursor, ConnectorError> {
        let stamp = since
            .map(|s| {
                time::parse(s).ok_or_else(|| ConnectorError::Permanent(format!("`since` is not an RFC 3339 time: `{}`", s.escape_debug())))
            })
            .transpose()?;
        let at = Position { stamp, id: None };
        Ok(Cursor { records: at.clone(), deleted: at })
    }

    fn parse(text: &str) -> Result<Cursor, ConnectorError> {
        let foreign =
            || ConnectorError::Permanent(format!("the change-feed cursor `{}` is not one this plugin wrote", text.escape_debug()));
        let j: Json = serde_json::from_str(text).map_err(|_| foreign())?;
        if j["v"] != 1 {
            return Err(foreign());
        }
        Ok(Cursor {
            records: Position::from_json(&j["records"]).ok_or_else(foreign)?,
            deleted: Position::from_json(&j["deleted"]).ok_or_else(foreign)?,
        })
    }

    fn to_text(&self) -> String {
        json!({ "v": 1, "records": self.records.to_json(), "deleted": self.deleted.to_json() }).to_string()
    }
}

/// What the chosen list views select, as one condition (several views are
/// OR-ed; a view without a condition selects everything), and their scope.
fn views_filter(sf: &Salesforce, sobject: &str, views: &[String]) -> Result<soql::ViewFilter, ConnectorError> {
    let mut conditions = Vec::new();
    let mut every_record = views.is_empty();
    let mut scopes = Vec::new();
    for view in views {
        let id = soql::checked_id(view).map_err(|_| ConnectorError::NotFound(format!("list view `{}`", view.escape_debug())))?;
        let body = sf.get(&format!("/sobjects/{sobject}/listviews/{id}/describe"))?;
        let query = body["query"].as_str().ok_or_else(|| ConnectorError::Permanent(format!("list view {id} has no query")))?;
        let filter = soql::view_filter(query)
            .map_err(|why| ConnectorError::Permanent(format!("the query of list view {id} cannot be used: {why}: {query}")))?;
        scopes.push(filter.scope);
        match filter.condition {
            Some(c) => conditions.push(c),
            None => every_record = true,
        }
    }
    if scopes.windows(2).any(|w| w[0] != w[1]) {
        return Err(ConnectorError::Permanent(
            "the chosen list views have different scopes (\"my records\" and all records, say); choose views of one scope".into(),
        ));
    }
    let condition = match conditions.as_slice() {
        _ if every_record => None,
        [one] => Some(format!("({one})")),
        many => Some(format!("({})", many.iter().map(|c| format!("({c})")).collect::<Vec<_>>().join(" OR "))),
    };
    Ok(soql::ViewFilter { condition, scope: scopes.into_iter().next().flatten() })
}

/// `a = x` for each equality filter.
fn filter_conditions(filters: &[Field]) -> Result<Vec<String>, ConnectorError> {
    filters
        .iter()
        .map(|f| {
            let literal = soql::literal(&f.value);
            match (soql::is_name(&f.name), literal) {
                (true, Some(l)) => Ok(format!("{} = {l}", f.name)),
                _ => Err(ConnectorError::Permanent(format!("the filter on `{}` cannot be expressed in SOQL", f.name.escape_debug()))),
            }
        })
        .collect()
}

/// Records of `module` whose fields equal `matching`, newest first: SOQL
/// equality (Salesforce compares text without regard to case).
pub fn find(module: Module, matching: &[Field], limit: u32) -> Result<Vec<CrmRecord>, ConnectorError> {
    if matching.is_empty() {
        return Err(ConnectorError::Permanent("find needs at least one field to match".into()));
    }
    let sobject = convert::sobject(module)?;
    let sf = Salesforce::connect()?;
    let d = describe(&sf, sobject)?;
    if let Some(unknown) = matching.iter().find(|f| d.field(&f.name).is_none()) {
        return Err(ConnectorError::Permanent(format!("{sobject} has no field `{}`", unknown.name.escape_debug())));
    }
    let soql = format!(
        "SELECT {} FROM {sobject}{} ORDER BY LastModifiedDate DESC LIMIT {}",
        d.select_list().join(", "),
        where_clause(&filter_conditions(matching)?),
        limit.clamp(1, 200)
    );
    Ok(sf.query(&soql)?.iter().map(|row| convert::to_record(row, &d)).collect())
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    }
}

/// A key to compare a duplicate-check value by: Salesforce compares text
/// without regard to case.
fn match_key(value: &Value) -> Option<String> {
    Some(match value {
        Value::Null => return None,
        Value::Text(s) | Value::Date(s) | Value::Datetime(s) => s.to_lowercase(),
        Value::Integer(i) => number_key(*i as f64),
        Value::Decimal(d) => number_key(*d),
        Value::Boolean(b) => b.to_string(),
        Value::TextList(items) => items.join(";").to_lowercase(),
        Value::Reference(r) => r.id.to_lowercase(),
    })
}

fn json_key(json: &Json) -> Option<String> {
    Some(match json {
        Json::String(s) => s.to_lowercase(),
        Json::Number(n) => number_key(n.as_f64()?),
        Json::Bool(b) => b.to_string(),
        _ => return None,
    })
}

fn number_key(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// For each record to create, the existing record its duplicate-check
/// fields find: `Ok(Some(id))` when exactly one holds the first key that
/// matches anything, `Ok(None)` when none does, a duplicate error when
/// several do.
fn existing_matches(
    sf: &Salesforce,
    sobject: &str,
    describe: &Describe,
    records: &[CrmRecord],
    creates: &[usize],
    check_fields: &[String],
) -> Result<HashMap<usize, Result<Option<String>, ConnectorError>>, ConnectorError> {
    let value_of = |i: usize, field: &str| records[i].fields.iter().find(|f| f.name.eq_ignore_ascii_case(field)).map(|f| &f.value);
    let mut holders: Vec<(String, HashMap<String, Vec<String>>)> = Vec::new();
    for field in check_fields {
        let Some(info) = describe.field(field) else {
            log::warn(&format!("duplicate check on `{}` skipped: {sobject} has no such field", field.escape_debug()));
            continue;
        };
        let name = info.name.clone();
        let mut literals: Vec<String> = Vec::new();
        for &i in creates {
            if let Some(lit) = value_of(i, &name).filter(|v| !matches!(v, Value::Null)).and_then(soql::literal) {
                if !literals.contains(&lit) {
                    literals.push(lit);
                }
            }
        }
        let mut by_key: HashMap<String, Vec<String>> = HashMap::new();
        for chunk in literals.chunks(IN_CHUNK) {
            let soql = format!("SELECT Id, {name} FROM {sobject} WHERE {name} IN ({})", chunk.join(", "));
            for row in sf.query(&soql)? {
                if let (Some(key), Some(id)) = (json_key(&row[&name]), str_field(&row, "Id")) {
                    by_key.entry(key).or_default().push(id);
                }
            }
        }
        holders.push((name, by_key));
    }
    Ok(creates
        .iter()
        .map(|&i| {
            let mut found = Ok(None);
            for (name, by_key) in &holders {
                let ids = value_of(i, name).and_then(match_key).and_then(|k| by_key.get(&k));
                match ids.map(Vec::as_slice) {
                    Some([one]) => {
                        found = Ok(Some(one.clone()));
                        break;
                    }
                    Some([first, ..]) => {
                        found = Err(ConnectorError::Duplicate(DuplicateInfo { field: name.clone(), existing_id: Some(first.clone()) }));
                        break;
                    }
                    _ => {}
                }
            }
            (i, found)
        })
        .collect())
}

/// The error of one record of a composite answer, `Ok` when it succeeded.
fn succeeded(o: &Json, describe: Option<&Describe>) -> Result<(), ConnectorError> {
    if o["success"].as_bool() == Some(true) {
        return Ok(());
    }
    let (code, message, fields) = crate::api::first_error(&o["errors"]);
    Err(record_error(&code, &message, &fields, describe))
}

/// One outcome of a composite write.
fn outcome(o: &Json, known_id: Option<&str>, action: WriteAction, describe: Option<&Describe>) -> Result<Written, ConnectorError> {
    succeeded(o, describe)?;
    let id = str_field(o, "id").or_else(|| known_id.map(str::to_string));
    Ok(Written {
        id: id.ok_or_else(|| ConnectorError::Permanent("Salesforce reported success without an id".into()))?,
        action,
        modified_time: None,
    })
}

/// The outcomes of a composite answer, checked to match the batch.
fn outcomes(answer: Json, expected: usize) -> Result<Vec<Json>, ConnectorError> {
    match answer {
        Json::Array(items) if items.len() == expected => Ok(items),
        other => Err(ConnectorError::Permanent(format!(
            "Salesforce answered {} outcomes for {expected} records",
            other.as_array().map_or(0, Vec::len)
        ))),
    }
}

/// Fills in the modification times Salesforce now reports for the written
/// records. Best effort: the writes are done whatever this finds.
fn fill_modified_times(sf: &Salesforce, sobject: &str, results: &mut [Option<Result<Written, ConnectorError>>]) {
    let mut ids: Vec<String> = results.iter().flatten().flatten().map(|w| w.id.clone()).filter(|id| soql::is_id(id)).collect();
    ids.sort();
    ids.dedup();
    let mut times: HashMap<String, String> = HashMap::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let soql = format!("SELECT Id, LastModifiedDate FROM {sobject} WHERE Id IN {}", soql::in_list(chunk.iter().map(String::as_str)));
        match sf.query(&soql) {
            Ok(rows) => {
                for row in rows {
                    if let (Some(id), Some(t)) = (str_field(&row, "Id"), str_field(&row, "LastModifiedDate")) {
                        times.insert(id, time::to_rfc3339(&t));
                    }
                }
            }
            Err(e) => {
                log::warn(&format!("could not read the modification times of written {sobject} records: {:?}", e.error));
                return;
            }
        }
    }
    for written in results.iter_mut().flatten().flatten() {
        // A 15-character id matches its 18-character form's prefix.
        written.modified_time = times.iter().find(|(id, _)| id.starts_with(&written.id)).map(|(_, t)| t.clone());
    }
}

impl Sync for SalesforceCrm {
    fn describe_module(module: Module) -> Result<Vec<FieldMeta>, ConnectorError> {
        let sf = Salesforce::connect()?;
        let d = describe(&sf, sobject(module)?)?;
        // Compound fields (addresses, geolocations) are read and written
        // through their parts.
        Ok(d.fields.iter().filter(|f| !matches!(f.sf_type.as_str(), "address" | "location")).map(|f| f.meta()).collect())
    }

    fn list_views(module: Module) -> Result<Vec<ListView>, ConnectorError> {
        let sf = Salesforce::connect()?;
        let mut body = sf.get(&format!("/sobjects/{}/listviews", sobject(module)?))?;
        let mut out = Vec::new();
        // The list comes in pages of 200 views at most.
        for _ in 0..50 {
            for v in body["listviews"].as_array().into_iter().flatten() {
                // A view SOQL cannot express cannot drive the change feed.
                if v["soqlCompatible"].as_bool() == Some(false) {
                    continue;
                }
                if let (Some(id), Some(name)) = (str_field(v, "id"), v["label"].as_str().or(v["developerName"].as_str())) {
                    out.push(ListView { id, name: name.to_string() });
                }
            }
            let next = body["nextRecordsUrl"].as_str().unwrap_or_default();
            let page = next.split_once("/listviews").map(|(_, rest)| rest).unwrap_or_default();
            if body["done"].as_bool().unwrap_or(true) || page.is_empty() || page.contains("..") {
                break;
            }
            body = sf.get(&format!("/sobjects/{}/listviews{page}", sobject(module)?))?;
        }
        Ok(out)
    }

    fn changes(module: Module, query: FeedQuery, cursor: Option<String>) -> Result<ChangePage, ConnectorError> {
        let sf = Salesforce::connect()?;
        let sobject = sobject(module)?;
        let mut c = match &cursor {
            Some(text) => Cursor::parse(text)?,
            None => Cursor::start(query.since.as_deref())?,
        };
        let limit = query.page_size.clamp(1, MAX_PAGE) as usize;
        let d = describe(&sf, sobject)?;
        let view = views_filter(&sf, sobject, &query.list_views)?;
        let scope = view.scope.as_ref().map(|s| format!(" USING SCOPE {s}")).unwrap_or_default();
        let mut conditions: Vec<String> = view.condition.into_iter().collect();
        conditions.extend(filter_conditions(&query.filters)?);
        conditions.extend(c.records.condition());
        let soql = format!(
            "SELECT {} FROM {sobject}{scope}{} ORDER BY SystemModstamp ASC, Id ASC LIMIT {limit}",
            d.select_list().join(", "),
            where_clause(&conditions)
        );
        let rows = sf.query(&soql)?;
        let mut changes = Vec::with_capacity(rows.len());
        for row in &rows {
            c.records.advance(row)?;
            let record = convert::to_record(row, &d);
            let created = str_field(row, "CreatedDate").and_then(|t| time::parse(&t));
            let modified = str_field(row, "LastModifiedDate").and_then(|t| time::parse(&t));
            changes.push(Change {
                kind: if created.is_some() && created == modified { ChangeKind::Created } else { ChangeKind::Updated },
                id: record.id.clone().unwrap_or_default(),
                changed_time: record.modified_time.clone(),
                record: Some(record),
            });
        }
        if rows.len() >= limit {
            return Ok(ChangePage { changes, next_cursor: c.to_text(), has_more: true });
        }
        // Records caught up: deletions, in what is left of the page. Every
        // deletion is reported, in a list view or not: the host drops those
        // of records it does not hold.
        let room = limit - rows.len();
        let mut conditions = vec!["IsDeleted = true".to_string()];
        conditions.extend(c.deleted.condition());
        let soql = format!(
            "SELECT Id, SystemModstamp FROM {sobject}{} ORDER BY SystemModstamp ASC, Id ASC LIMIT {room}",
            where_clause(&conditions)
        );
        let deleted = sf.query_all(&soql)?;
        for row in &deleted {
            let stamp = c.deleted.advance(row)?;
            changes.push(Change {
                kind: ChangeKind::Deleted,
                id: str_field(row, "Id").unwrap_or_default(),
                record: None,
                changed_time: Some(time::rfc3339(stamp)),
            });
        }
        Ok(ChangePage { changes, next_cursor: c.to_text(), has_more: deleted.len() >= room })
    }

    fn upsert(
        module: Module,
        records: Vec<CrmRecord>,
        duplicate_check_fields: Vec<String>,
    ) -> Result<Vec<Result<Written, ConnectorError>>, ConnectorError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let sf = Salesforce::connect()?;
        let sobject = sobject(module)?;
        let d = describe(&sf, sobject)?;
        let mut results: Vec<Option<Result<Written, ConnectorError>>> = records.iter().map(|_| None).collect();
        // (input, id to update, action reported)
        let mut updates: Vec<(usize, String, WriteAction)> = Vec::new();
        let mut creates: Vec<usize> = Vec::new();
        for (i, r) in records.iter().enumerate() {
            match r.id.as_deref().map(soql::checked_id) {
                Some(Ok(id)) => updates.push((i, id.to_string(), WriteAction::Updated)),
                Some(Err(e)) => results[i] = Some(Err(e)),
                None => creates.push(i),
            }
        }
        let checks: Vec<String> = duplicate_check_fields.into_iter().filter(|f| soql::is_name(f)).collect();
        if !checks.is_empty() && !creates.is_empty() {
            let mut matches = existing_matches(&sf, sobject, &d, &records, &creates, &checks)?;
            creates.retain(|i| match matches.remove(i) {
                Some(Ok(Some(id))) => {
                    updates.push((*i, id, WriteAction::Updated));
                    false
                }
                Some(Err(e)) => {
                    results[*i] = Some(Err(e));
                    false
                }
                _ => true,
            });
        }
        for batch in updates.chunks(BATCH) {
            let body: Vec<Json> = batch
                .iter()
                .map(|(i, id, _)| {
                    let record = CrmRecord { id: Some(id.clone()), ..records[*i].clone() };
                    convert::write_body(sobject, &record, Some(&d), false)
                })
                .collect();
            let answer = sf.write(Method::Patch, "/composite/sobjects", &json!({ "allOrNone": false, "records": body }))?;
            for ((i, id, action), o) in batch.iter().zip(outcomes(answer, batch.len())?) {
                results[*i] = Some(outcome(&o, Some(id), *action, Some(&d)));
            }
        }
        for batch in creates.chunks(BATCH) {
            let body: Vec<Json> = batch.iter().map(|&i| convert::write_body(sobject, &records[i], Some(&d), true)).collect();
            let answer = sf.write(Method::Post, "/composite/sobjects", &json!({ "allOrNone": false, "records": body }))?;
            for (&i, o) in batch.iter().zip(outcomes(answer, batch.len())?) {
                results[i] = Some(outcome(&o, None, WriteAction::Created, Some(&d)));
            }
        }
        fill_modified_times(&sf, sobject, &mut results);
        Ok(results.into_iter().map(|r| r.expect("every record has an outcome")).collect())
    }

    fn delete(module: Module, ids: Vec<String>) -> Result<Vec<Result<(), ConnectorError>>, ConnectorError> {
        let sf = Salesforce::connect()?;
        sobject(module)?;
        // An id that is not one is answered without asking Salesforce.
        let mut results: Vec<Option<Result<(), ConnectorError>>> = ids.iter().map(|id| soql::checked_id(id).err().map(Err)).collect();
        let valid: Vec<usize> = (0..ids.len()).filter(|&i| results[i].is_none()).collect();
        for batch in valid.chunks(BATCH) {
            let joined = batch.iter().map(|&i| encode(&ids[i])).collect::<Vec<_>>().join(",");
            let answer = sf.delete(&format!("/composite/sobjects?ids={joined}&allOrNone=false"))?;
            for (&i, o) in batch.iter().zip(outcomes(answer, batch.len())?) {
                results[i] = Some(succeeded(&o, None));
            }
        }
        Ok(results.into_iter().map(|r| r.expect("every id has an outcome")).collect())
    }

    fn watch(modules: Vec<Module>, url: String, token: String) -> Result<(), ConnectorError> {
        let sf = Salesforce::connect()?;
        let objects = modules.iter().map(|m| sobject(*m)).collect::<Result<Vec<_>, _>>()?.join(";");
        let not_installed = |e: crate::api::Failure| match e.code.as_str() {
            // Without the Deskpane package's object the org cannot notify:
            // the host polls instead.
            "INVALID_TYPE" | "NOT_FOUND" => unsupported(&format!(
                "change notifications need the Deskpane package (object Deskpane_Subscription__c) installed in Salesforce: {}",
                e.message
            )),
            _ => e.error,
        };
        let existing = sf
            .first(&format!("SELECT Id FROM Deskpane_Subscription__c WHERE Callback_Url__c = {} LIMIT 1", quote(&url)))
            .map_err(not_installed)?;
        let fields = json!({ "Token__c": token, "Objects__c": objects });
        match existing.as_ref().and_then(|r| str_field(r, "Id")) {
            Some(id) => {
                let id = soql::checked_id(&id)?;
                sf.write(Method::Patch, &format!("/sobjects/Deskpane_Subscription__c/{id}"), &fields).map_err(not_installed)?;
            }
            None => {
                let mut body = fields;
                body["Name"] = json!("Deskpane");
                body["Callback_Url__c"] = json!(url);
                let answer = sf.write(Method::Post, "/sobjects/Deskpane_Subscription__c", &body).map_err(not_installed)?;
                if answer["success"].as_bool() == Some(false) {
                    let (code, message, fields) = crate::api::first_error(&answer["errors"]);
                    return Err(record_error(&code, &message, &fields, None));
                }
            }
        }
        Ok(())
    }

    fn parse_notification(notification: Notification) -> Result<Notified, ConnectorError> {
        let (module, changes) = parse_event(&notification.body)?;
        let token = notification
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("x-deskpane-token"))
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty());
        Ok(Notified { module, changes, token })
    }
}

/// The changes a Change Data Capture event announces:
/// `{"payload": {"ChangeEventHeader": {entityName, changeType, recordIds, commitTimestamp}}}`.
fn parse_event(body: &[u8]) -> Result<(Module, Vec<Change>), ConnectorError> {
    let bad = |why: &str| ConnectorError::Permanent(format!("the notification is not a Salesforce change event: {why}"));
    if body.len() > MAX_NOTIFICATION_BYTES {
        return Err(bad(&format!("its body has {} bytes, more than {MAX_NOTIFICATION_BYTES}", body.len())));
    }
    let event: Json = serde_json::from_slice(body).map_err(|e| bad(&format!("its body is not JSON ({e})")))?;
    let header = &event["payload"]["ChangeEventHeader"];
    if !header.is_object() {
        return Err(bad("it has no payload.ChangeEventHeader"));
    }
    let entity = header["entityName"].as_str().ok_or_else(|| bad("it names no entityName"))?;
    let module =
        module_of(entity).ok_or_else(|| bad(&format!("it is about `{}`, not an object this plugin syncs", entity.escape_debug())))?;
    let change_type = header["changeType"].as_str().ok_or_else(|| bad("it has no changeType"))?;
    // GAP_ events say the same without the field values.
    let kind = match change_type.strip_prefix("GAP_").unwrap_or(change_type) {
        "CREATE" | "UNDELETE" => ChangeKind::Created,
        "UPDATE" | "OVERFLOW" => ChangeKind::Updated,
        "DELETE" => ChangeKind::Deleted,
        other => return Err(bad(&format!("its changeType `{}` is not one Salesforce sends", other.escape_debug()))),
    };
    let ids = match &header["recordIds"] {
        Json::Array(ids) if ids.len() <= MAX_NOTIFIED_IDS => ids,
        Json::Array(ids) => return Err(bad(&format!("it names {} records, more than {MAX_NOTIFIED_IDS}", ids.len()))),
        _ => return Err(bad("it has no recordIds list")),
    };
    let changed_time = header["commitTimestamp"].as_i64().filter(|ms| *ms >= 0).map(time::rfc3339);
    let mut seen = std::collections::HashSet::new();
    // Wildcard ids (`001*`, in overflow events) name no one record: the host
    // reads the change feed for those.
    let changes = ids
        .iter()
        .filter_map(Json::as_str)
        .filter(|id| soql::is_id(id) && seen.insert(*id))
        .map(|id| Change { kind, id: id.to_string(), record: None, changed_time: changed_time.clone() })
        .collect();
    Ok((module, changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_never_skip_a_shared_timestamp() {
        let start = Cursor::start(Some("2025-11-21T09:30:00+01:00")).unwrap();
        assert_eq!(start.records.condition().as_deref(), Some("SystemModstamp >= 2025-11-21T08:30:00.000+0000"));
        assert_eq!(Cursor::parse(&start.to_text()).unwrap(), start);
        assert_eq!(Cursor::start(None).unwrap().records.condition(), None);

        let mut c = start;
        let stamp = c.records.advance(&json!({"Id": "003000000000002AAA", "SystemModstamp": "2026-11-21T09:30:00.250+0000"})).unwrap();
        assert_eq!(time::rfc3339(stamp), "2026-11-21T09:30:00.250Z");
        assert_eq!(
            c.records.condition().as_deref(),
            Some("(SystemModstamp > 2026-11-21T09:30:00.250+0000 OR (SystemModstamp = 2026-11-21T09:30:00.250+0000 AND Id > '003000000000002AAA'))")
        );
        let text = c.to_text();
        assert_eq!(Cursor::parse(&text).unwrap(), c);
        assert!(c.records.advance(&json!({"Id": "003000000000002AAA"})).is_err());
    }

    #[test]
    fn foreign_or_forged_cursors_are_refused() {
        for bad in [
            "",
            "stamp|id",
            "{}",
            r#"{"v":1,"records":{"stamp":"2026-11-21T09:30:00Z","id":"x' OR Id != '"},"deleted":{}}"#,
            r#"{"v":1,"records":{"stamp":"2026-11-21 OR 1=1","id":null},"deleted":{}}"#,
            r#"{"v":1,"records":{"stamp":null,"id":"003000000000002AAA"},"deleted":{}}"#,
        ] {
            assert!(matches!(Cursor::parse(bad), Err(ConnectorError::Permanent(_))), "{bad}");
        }
        assert!(Cursor::start(Some("last year")).is_err());
    }

    #[test]
    fn filters_and_keys() {
        let f = |name: &str, value: Value| Field { name: name.into(), label: None, value };
        assert_eq!(
            filter_conditions(&[f("Department__c", Value::Text("Sales'".into())), f("IsActive", Value::Boolean(true))]).unwrap(),
            [r"Department__c = 'Sales\''", "IsActive = true"]
        );
        assert!(filter_conditions(&[f("x = 1 OR y", Value::Integer(1))]).is_err());
        assert_eq!(where_clause(&[]), "");
        assert_eq!(match_key(&Value::Text("Ada@Example.com".into())), json_key(&json!("ada@example.com")));
        assert_eq!(match_key(&Value::Integer(5)), json_key(&json!(5.0)));
        assert_eq!(match_key(&Value::Null), None);
    }

    #[test]
    fn composite_outcomes_map_per_record() {
        let ok = outcome(&json!({"id": "003000000000001AAA", "success": true, "errors": []}), None, WriteAction::Created, None).unwrap();
        assert_eq!(ok.id, "003000000000001AAA");
        assert!(matches!(ok.action, WriteAction::Created));
        let failed = json!({"success": false, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]", "fields": ["LastName"]}]});
        assert!(
            matches!(outcome(&failed, None, WriteAction::Created, None), Err(ConnectorError::MandatoryMissing(f)) if f == ["LastName"])
        );
        assert!(outcomes(json!([{}, {}]), 3).is_err());
        assert!(outcomes(json!({"not": "a list"}), 1).is_err());
    }

    #[test]
    fn change_events_become_notified_changes() {
        let body = json!({"schema": "x", "payload": {"ChangeEventHeader": {
            "entityName": "Contact", "changeType": "UNDELETE",
            "recordIds": ["003000000000001AAA", "003000000000002AAA", "003000000000001AAA", "003*", 5],
            "commitTimestamp": 1_795_253_400_000i64, "commitUser": "005000000000001AAA",
            "changeOrigin": "com/salesforce/api/rest/62.0", "transactionKey": "t", "sequenceNumber": 1, "changedFields": []
        }}, "event": {"replayId": 7}});
        let (module, changes) = parse_event(body.to_string().as_bytes()).unwrap();
        assert!(matches!(module, Module::Contacts));
        assert_eq!(changes.len(), 2);
        assert!(changes.iter().all(|c| matches!(c.kind, ChangeKind::Created) && c.record.is_none()));
        assert_eq!(changes[0].changed_time.as_deref(), Some("2026-11-21T09:30:00Z"));

        let kind = |t: &str| {
            let body =
                json!({"payload": {"ChangeEventHeader": {"entityName": "Product2", "changeType": t, "recordIds": ["01t000000000001AAA"]}}});
            parse_event(body.to_string().as_bytes()).map(|(m, c)| (m, c[0].kind))
        };
        assert!(matches!(kind("DELETE"), Ok((Module::Products, ChangeKind::Deleted))));
        assert!(matches!(kind("UPDATE"), Ok((_, ChangeKind::Updated))));
        assert!(matches!(kind("GAP_CREATE"), Ok((_, ChangeKind::Created))));
        assert!(kind("EXPLODE").is_err());

        for hostile in [
            &b"not json"[..],
            b"[]",
            b"{\"payload\":{}}",
            br#"{"payload":{"ChangeEventHeader":{"entityName":"Secret__c","changeType":"CREATE","recordIds":[]}}}"#,
            br#"{"payload":{"ChangeEventHeader":{"entityName":"Contact","changeType":"CREATE","recordIds":"003"}}}"#,
            br#"{"payload":{"ChangeEventHeader":{"entityName":7,"changeType":"CREATE","recordIds":[]}}}"#,
        ] {
            assert!(matches!(parse_event(hostile), Err(ConnectorError::Permanent(_))), "{}", String::from_utf8_lossy(hostile));
        }
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_event(deep.as_bytes()).is_err());
        assert!(parse_event(&vec![b' '; MAX_NOTIFICATION_BYTES + 1]).is_err());
        let many = json!({"payload": {"ChangeEventHeader": {"entityName": "Contact", "changeType": "UPDATE",
            "recordIds": vec!["003000000000001AAA"; MAX_NOTIFIED_IDS + 1]}}});
        assert!(parse_event(many.to_string().as_bytes()).is_err());
    }
}
