//! Writing: insert, update, upsert and delete, each answering one outcome
//! per record and notifying watch channels of what changed.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::{write_status, ApiRequest, Reply};
use crate::error::{ApiError, RecordError};
use crate::modules::Module;
use crate::state::Shared;
use crate::store::{id_of, Store, Written};
use crate::watch::Operation;

const MAX_RECORDS: usize = 100;

type Object = Map<String, Value>;

/// The body and its records, from a `{"data":[...], "trigger":[...]}` body.
fn body_records(req: &ApiRequest) -> Result<(Object, Vec<Object>), ApiError> {
    let body = req.json_object()?;
    let data =
        body.get("data").and_then(Value::as_array).ok_or_else(|| ApiError::InvalidBody { reason: "expected {\"data\":[...]}".into() })?;
    if data.len() > MAX_RECORDS {
        return Err(ApiError::LimitExceeded { limit: MAX_RECORDS as u32 });
    }
    if data.is_empty() {
        return Err(ApiError::InvalidBody { reason: "data is empty".into() });
    }
    let records = data
        .iter()
        .map(|r| r.as_object().cloned())
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| ApiError::InvalidBody { reason: "every entry of data must be an object".into() })?;
    Ok((body, records))
}

fn success(written: &Written, message: &str) -> Value {
    json!({"code": "SUCCESS", "details": written.details, "message": message, "status": "success"})
}

/// `{"data":[outcomes]}` with the batch status.
fn batch_reply(outcomes: Vec<Result<Value, RecordError>>, all_ok: StatusCode) -> Reply {
    let failures = outcomes.iter().filter(|o| o.is_err()).count();
    let status = write_status(outcomes.len() - failures, failures, all_ok);
    let data: Vec<Value> = outcomes.into_iter().map(|o| o.unwrap_or_else(|e| e.outcome())).collect();
    Reply::Json(status, json!({"data": data}))
}

/// Runs `write` on each record under one store lock, then notifies the
/// watch channels once and answers with the batch's status.
fn write_batch(
    shared: &Shared,
    module: &'static Module,
    records: &[Object],
    all_ok: StatusCode,
    mut write: impl FnMut(&mut Store, &Object, usize, &mut Changes) -> Result<Value, RecordError>,
) -> Reply {
    let mut changes = Changes::default();
    let outcomes = {
        let mut store = shared.store();
        records.iter().enumerate().map(|(i, record)| write(&mut store, record, i, &mut changes)).collect()
    };
    changes.publish(shared, module);
    batch_reply(outcomes, all_ok)
}

/// Collects what a batch changed, for one notification per operation.
#[derive(Default)]
struct Changes {
    inserted: Vec<String>,
    updated: Vec<String>,
    affected: Vec<Value>,
}

impl Changes {
    fn inserted(&mut self, written: &Written) {
        self.inserted.push(written.id.clone());
    }

    fn updated(&mut self, written: &Written) {
        self.updated.push(written.id.clone());
        self.affected.push(json!({ written.id.clone(): written.affected }));
    }

    fn publish(self, shared: &Shared, module: &Module) {
        shared.watch.publish(&shared.base_url, module, Operation::Insert, self.inserted, Vec::new());
        shared.watch.publish(&shared.base_url, module, Operation::Update, self.updated, self.affected);
    }
}

/// `POST /{module}`.
pub fn insert(shared: &Shared, req: &ApiRequest, module: &'static Module) -> Result<Reply, ApiError> {
    let (_, records) = body_records(req)?;
    Ok(write_batch(shared, module, &records, StatusCode::CREATED, |store, record, i, changes| {
        let written = store.insert(module, record, i)?;
        changes.inserted(&written);
        Ok(success(&written, "record added"))
    }))
}

/// `PUT /{module}`: each record names its `id`.
pub fn update_many(shared: &Shared, req: &ApiRequest, module: &'static Module) -> Result<Reply, ApiError> {
    let (_, records) = body_records(req)?;
    Ok(write_batch(shared, module, &records, StatusCode::OK, |store, record, i, changes| {
        let id = record
            .get("id")
            .and_then(id_of)
            .ok_or_else(|| RecordError::MandatoryNotFound { api_name: "id".into(), json_path: format!("$.data[{i}].id") })?;
        let written = store.update(module, &id, record, i)?;
        changes.updated(&written);
        Ok(success(&written, "record updated"))
    }))
}

/// `PUT /{module}/{id}`: one record, the id from the path.
pub fn update_one(shared: &Shared, req: &ApiRequest, module: &'static Module, id: &str) -> Result<Reply, ApiError> {
    let (_, records) = body_records(req)?;
    if records.len() != 1 {
        return Err(ApiError::InvalidBody { reason: "updating one record takes one entry in data".into() });
    }
    Ok(write_batch(shared, module, &records, StatusCode::OK, |store, record, _, changes| {
        let written = store.update(module, id, record, 0)?;
        changes.updated(&written);
        Ok(success(&written, "record updated"))
    }))
}

/// `POST /{module}/upsert`: update the record a duplicate-check field
/// matches, insert otherwise.
pub fn upsert(shared: &Shared, req: &ApiRequest, module: &'static Module) -> Result<Reply, ApiError> {
    let (body, records) = body_records(req)?;
    let given: Vec<String> = match body.get("duplicate_check_fields") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|f| f.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ApiError::InvalidBody { reason: "duplicate_check_fields must list field names".into() })?,
        Some(_) => return Err(ApiError::InvalidBody { reason: "duplicate_check_fields must be an array".into() }),
    };
    if let Some(unknown) = given.iter().find(|f| module.field(f).is_none_or(|f| f.read_only)) {
        return Err(ApiError::InvalidField { api_name: unknown.clone() });
    }
    // None given: the module's default duplicate-check fields.
    let check_fields = if given.is_empty() { module.default_duplicate_check.iter().map(|f| f.to_string()).collect() } else { given };

    Ok(write_batch(shared, module, &records, StatusCode::OK, |store, record, i, changes| {
        let existing = check_fields.iter().find_map(|field| {
            let value = record.get(field)?;
            store.find_match(module, field, value).map(|r| (r.id.clone(), field.clone()))
        });
        let outcome = match existing {
            Some((id, field)) => {
                let written = store.update(module, &id, record, i)?;
                changes.updated(&written);
                let mut outcome = success(&written, "record updated");
                outcome["action"] = json!("update");
                outcome["duplicate_field"] = json!(field);
                outcome
            }
            None => {
                let written = store.insert(module, record, i)?;
                changes.inserted(&written);
                let mut outcome = success(&written, "record added");
                outcome["action"] = json!("insert");
                outcome["duplicate_field"] = Value::Null;
                outcome
            }
        };
        Ok(outcome)
    }))
}

/// `DELETE /{module}?ids=`.
pub fn delete_many(shared: &Shared, req: &ApiRequest, module: &'static Module) -> Result<Reply, ApiError> {
    let ids: Vec<&str> = req
        .param("ids")
        .ok_or(ApiError::RequiredParamMissing { param: "ids" })?
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    if ids.is_empty() {
        return Err(ApiError::RequiredParamMissing { param: "ids" });
    }
    if ids.len() > MAX_RECORDS {
        return Err(ApiError::LimitExceeded { limit: MAX_RECORDS as u32 });
    }
    delete(shared, module, &ids)
}

/// `DELETE /{module}/{id}`.
pub fn delete_one(shared: &Shared, module: &'static Module, id: &str) -> Result<Reply, ApiError> {
    delete(shared, module, &[id])
}

fn delete(shared: &Shared, module: &'static Module, ids: &[&str]) -> Result<Reply, ApiError> {
    let mut deleted = Vec::new();
    let outcomes = {
        let mut store = shared.store();
        ids.iter()
            .map(|id| {
                store.delete(module, id)?;
                deleted.push(id.to_string());
                Ok(json!({"code": "SUCCESS", "details": {"id": id}, "message": "record deleted", "status": "success"}))
            })
            .collect()
    };
    shared.watch.publish(&shared.base_url, module, Operation::Delete, deleted, Vec::new());
    Ok(batch_reply(outcomes, StatusCode::OK))
}
