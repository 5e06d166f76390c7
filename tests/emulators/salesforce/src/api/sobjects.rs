//! `/sobjects`: describe, list views, single-record create, read, update,
//! delete and upsert by external id, and the replication windows
//! (`/updated`, `/deleted`).

use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::{only, Call, Reply};
use crate::error::{ApiError, RecordError};
use crate::schema::{Field, SObject, OBJECTS};
use crate::soql;
use crate::state::Shared;
use crate::store::{ListView, Store};
use crate::util::{format_ms, normalize_id, now_ms, parse_datetime};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// `GET /sobjects`.
pub fn global(call: &Call) -> Reply {
    Reply::ok(json!({
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": OBJECTS.iter().map(|o| o.summary(&call.version)).collect::<Vec<_>>(),
    }))
}

pub fn route(shared: &Shared, call: &Call, object: &'static SObject, rest: &[&str]) -> Result<Reply, ApiError> {
    use Method as M;
    match rest {
        [] => match call.method {
            M::GET => Ok(Reply::ok(json!({"objectDescribe": object.summary(&call.version), "recentItems": []}))),
            M::POST => create(shared, call, object),
            _ => only(call, &[M::GET, M::POST]).map(|_| Reply::NoContent),
        },
        ["describe"] => {
            only(call, &[M::GET])?;
            Ok(Reply::ok(object.describe(&call.version)))
        }
        ["listviews"] => {
            only(call, &[M::GET])?;
            let store = shared.store();
            let views: Vec<Value> = store.list_views(object).into_iter().map(|v| list_view_entry(call, v)).collect();
            Ok(Reply::ok(json!({"done": true, "listviews": views, "nextRecordsUrl": null, "size": views.len()})))
        }
        ["listviews", id] => {
            only(call, &[M::GET])?;
            Ok(Reply::ok(list_view_entry(call, &list_view(shared, object, id)?)))
        }
        ["listviews", id, "describe"] => {
            only(call, &[M::GET])?;
            list_view_describe(&list_view(shared, object, id)?)
        }
        ["updated"] => {
            only(call, &[M::GET])?;
            updated(shared, call, object)
        }
        ["deleted"] => {
            only(call, &[M::GET])?;
            deleted(shared, call, object)
        }
        [id] => match call.method {
            M::GET => read(shared, call, object, id),
            M::PATCH => {
                let input = call.json_object()?;
                shared.store().transaction(|s| s.update(object, id, &input, &call.user))?;
                Ok(Reply::NoContent)
            }
            M::DELETE => {
                shared.store().transaction(|s| s.delete(object, id, &call.user))?;
                Ok(Reply::NoContent)
            }
            _ => only(call, &[M::GET, M::PATCH, M::DELETE]).map(|_| Reply::NoContent),
        },
        [id, "VersionData"] if object.name == "ContentVersion" => {
            only(call, &[M::GET])?;
            let store = shared.store();
            let version = store.live(object, id)?;
            let bytes = store.blob(&version.id).unwrap_or_default();
            Ok(Reply::Blob(bytes.to_vec().into()))
        }
        [field, value] => {
            let field = object
                .field(field)
                .filter(|f| f.external_id || f.name == "Id")
                .ok_or_else(|| ApiError::ExternalIdField(field.to_string()))?;
            match call.method {
                M::GET => by_external_id(shared, call, object, field, value),
                M::PATCH => upsert(shared, call, object, field, value),
                _ => only(call, &[M::GET, M::PATCH]).map(|_| Reply::NoContent),
            }
        }
        _ => Err(ApiError::NotFound),
    }
}

fn create(shared: &Shared, call: &Call, object: &'static SObject) -> Result<Reply, ApiError> {
    let input = call.json_object()?;
    let id = shared.store().transaction(|s| s.create(object, &input, &call.user))?;
    Ok(Reply::Json(StatusCode::CREATED, json!({"id": id, "success": true, "errors": []})))
}

/// Fields named in `?fields=`, each a field of the object.
fn selected_fields(call: &Call, object: &SObject) -> Result<Option<Vec<&'static Field>>, ApiError> {
    let Some(list) = call.param("fields") else { return Ok(None) };
    let object: &'static SObject = super::object(object.name)?;
    list.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|name| {
            object.field(name).ok_or_else(|| {
                ApiError::InvalidField(format!(
                    "No such column '{name}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' \
                     after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                    object.name
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn read(shared: &Shared, call: &Call, object: &'static SObject, id: &str) -> Result<Reply, ApiError> {
    let fields = selected_fields(call, object)?;
    let store = shared.store();
    let record = store.live(object, id)?;
    Ok(Reply::ok(store.render(record, &call.version, fields.as_deref())))
}

/// Live records whose external id field holds the value.
fn matches(store: &Store, object: &SObject, field: &Field, value: &str) -> Vec<String> {
    if field.name == "Id" {
        return store.live(object, value).map(|r| vec![r.id.clone()]).unwrap_or_default();
    }
    store.find_by(object, field, value)
}

/// 300 Multiple Choices: the URLs of the records that match.
fn multiple(call: &Call, object: &SObject, ids: &[String]) -> Reply {
    Reply::Json(
        StatusCode::MULTIPLE_CHOICES,
        json!(ids.iter().map(|id| call.url(&format!("sobjects/{}/{id}", object.name))).collect::<Vec<_>>()),
    )
}

fn by_external_id(shared: &Shared, call: &Call, object: &'static SObject, field: &Field, value: &str) -> Result<Reply, ApiError> {
    let fields = selected_fields(call, object)?;
    let store = shared.store();
    match matches(&store, object, field, value).as_slice() {
        [] => Err(RecordError::NotFound.into()),
        [id] => Ok(Reply::ok(store.render(store.live(object, id)?, &call.version, fields.as_deref()))),
        ids => Ok(multiple(call, object, ids)),
    }
}

/// `PATCH /sobjects/{Type}/{ExternalIdField}/{value}`.
fn upsert(shared: &Shared, call: &Call, object: &'static SObject, field: &Field, value: &str) -> Result<Reply, ApiError> {
    let mut input = call.json_object()?;
    let mut store = shared.store();
    let found = matches(&store, object, field, value);
    match found.as_slice() {
        [] if field.name == "Id" => Err(RecordError::NotFound.into()),
        [] => {
            input.retain(|k, _| !k.eq_ignore_ascii_case(field.name));
            input.insert(field.name.into(), json!(value));
            let id = store.transaction(|s| s.create(object, &input, &call.user))?;
            Ok(Reply::Json(StatusCode::CREATED, json!({"id": id, "success": true, "errors": [], "created": true})))
        }
        [id] => {
            store.transaction(|s| s.update(object, id, &input, &call.user))?;
            Ok(Reply::ok(json!({"id": id, "success": true, "errors": [], "created": false})))
        }
        ids => Ok(multiple(call, object, ids)),
    }
}

/// `start` and `end` of a replication window, down to the minute as
/// Salesforce counts them; `end` is no later than now.
fn window(call: &Call, max_days: i64) -> Result<(i64, i64), ApiError> {
    let param = |name: &str| {
        let text = call.param(name).ok_or_else(|| ApiError::ReplicationDate(format!("Missing required parameter: {name}")))?;
        parse_datetime(text).ok_or_else(|| ApiError::ReplicationDate(format!("{name}: not a valid date-time: {text}")))
    };
    let (start, end) = (param("start")?, param("end")?);
    let now = now_ms();
    if start < now - max_days * DAY_MS {
        return Err(ApiError::ReplicationDate(format!("startDate cannot be more than {max_days} days ago")));
    }
    if end < start {
        return Err(ApiError::ReplicationDate("EndDate can not be before StartDate".into()));
    }
    let floor = |ms: i64| ms - ms.rem_euclid(MINUTE_MS);
    Ok((floor(start), floor(end.min(now))))
}

/// `GET /sobjects/{Type}/updated/?start=&end=`: records created or changed in the window.
fn updated(shared: &Shared, call: &Call, object: &'static SObject) -> Result<Reply, ApiError> {
    let (start, latest) = window(call, 30)?;
    let store = shared.store();
    let ids: Vec<&str> =
        store.table(object).filter(|r| r.deleted.is_none() && r.modstamp >= start && r.modstamp < latest).map(|r| r.id.as_str()).collect();
    Ok(Reply::ok(json!({"ids": ids, "latestDateCovered": format_ms(latest)})))
}

/// `GET /sobjects/{Type}/deleted/?start=&end=`: records sent to the recycle bin in the window.
fn deleted(shared: &Shared, call: &Call, object: &'static SObject) -> Result<Reply, ApiError> {
    let (start, latest) = window(call, 15)?;
    let store = shared.store();
    let bin: Vec<(&str, i64)> = store.table(object).filter_map(|r| Some((r.id.as_str(), r.deleted?))).collect();
    let records: Vec<Value> = bin
        .iter()
        .filter(|(_, at)| *at >= start && *at < latest)
        .map(|(id, at)| json!({"id": id, "deletedDate": format_ms(*at)}))
        .collect();
    let earliest = bin.iter().map(|(_, at)| *at).min().unwrap_or(now_ms() - 15 * DAY_MS);
    Ok(Reply::ok(json!({
        "deletedRecords": records,
        "earliestDateAvailable": format_ms(earliest - earliest.rem_euclid(MINUTE_MS)),
        "latestDateCovered": format_ms(latest),
    })))
}

fn list_view(shared: &Shared, object: &SObject, id: &str) -> Result<ListView, ApiError> {
    let id = normalize_id(id).ok_or(ApiError::NotFound)?;
    shared.store().list_views(object).into_iter().find(|v| v.id == id).cloned().ok_or(ApiError::NotFound)
}

fn list_view_entry(call: &Call, view: &ListView) -> Value {
    let url = call.url(&format!("sobjects/{}/listviews/{}", view.object.name, view.id));
    json!({
        "id": view.id,
        "label": view.label,
        "developerName": view.developer_name,
        "soqlCompatible": true,
        "url": url,
        "describeUrl": format!("{url}/describe"),
        "resultsUrl": format!("{url}/results"),
    })
}

/// Columns a list view shows: the common fields the object has.
fn columns(object: &SObject) -> Vec<(&'static str, &'static str)> {
    const CANDIDATES: &[(&str, &str)] = &[
        ("Name", "Name"),
        ("Subject", "Subject"),
        ("Account.Name", "Account Name"),
        ("Company", "Company"),
        ("Title", "Title"),
        ("Phone", "Phone"),
        ("Email", "Email"),
        ("Industry", "Industry"),
        ("StageName", "Stage"),
        ("Status", "Status"),
        ("Owner.Name", "Owner Name"),
    ];
    CANDIDATES
        .iter()
        .filter(|(path, _)| match path.split_once('.') {
            Some((relationship, _)) => object.relationship(relationship).is_some(),
            None => object.field(path).is_some(),
        })
        .copied()
        .collect()
}

/// `GET /sobjects/{Type}/listviews/{id}/describe`.
fn list_view_describe(view: &ListView) -> Result<Reply, ApiError> {
    let object = view.object;
    let columns = columns(object);
    let sort = if object.field("Name").is_some() { "Name" } else { "Id" };
    let mut select: Vec<&str> = columns.iter().map(|(path, _)| *path).collect();
    select.extend(["Id", "CreatedDate", "LastModifiedDate", "SystemModstamp"]);
    let mut query = format!("SELECT {} FROM {}", select.join(", "), object.name);
    let where_condition = match &view.condition {
        Some(condition) => {
            query.push_str(&format!(" WHERE {condition}"));
            soql::list_view_condition(object, condition)?
        }
        None => json!({"conditions": [], "conjunction": "and"}),
    };
    query.push_str(&format!(" ORDER BY {sort} ASC NULLS FIRST, Id ASC NULLS FIRST"));
    let column = |path: &str, label: &str, hidden: bool| {
        let ftype = object.field(path).map_or("string", |f| f.ftype.api_name());
        json!({
            "fieldNameOrPath": path, "label": label, "type": ftype, "hidden": hidden, "sortable": true,
            "selectListItem": path, "searchable": !hidden,
            "sortDirection": if path == sort { json!("ascending") } else { Value::Null },
        })
    };
    let mut described: Vec<Value> = columns.iter().map(|(path, label)| column(path, label, false)).collect();
    described.extend(["Id", "CreatedDate", "LastModifiedDate", "SystemModstamp"].map(|p| column(p, p, true)));
    let order = |path: &str| json!({"fieldNameOrPath": path, "nullsPosition": "first", "sortDirection": "ascending"});
    let mut body = Map::new();
    body.insert("id".into(), json!(view.id));
    body.insert("sobjectType".into(), json!(object.name));
    body.insert("query".into(), json!(query));
    body.insert("columns".into(), Value::Array(described));
    body.insert("orderBy".into(), json!([order(sort), order("Id")]));
    body.insert("whereCondition".into(), where_condition);
    body.insert("scope".into(), Value::Null);
    body.insert("relatedEntityId".into(), Value::Null);
    Ok(Reply::ok(Value::Object(body)))
}
