//! `/composite/sobjects`: create (POST), update (PATCH) and delete
//! (DELETE ?ids=) up to 200 records at once, one result per record in
//! order. With `allOrNone` one failure rolls every write back.

use axum::http::Method;
use serde_json::{json, Map, Value};

use super::{only, Call, Reply};
use crate::error::{ApiError, RecordError};
use crate::schema::{object_named, object_of_id, SObject};
use crate::state::Shared;
use crate::store::Store;

const MAX_RECORDS: usize = 200;

/// One record's outcome: the id it was given (updates and deletes), and
/// the id written or the error.
type Outcome = (Option<String>, Result<String, RecordError>);

pub fn sobjects(shared: &Shared, call: &Call) -> Result<Reply, ApiError> {
    match call.method {
        Method::POST | Method::PATCH => {
            let body = call.json_object()?;
            let all_or_none = body.get("allOrNone").and_then(Value::as_bool).unwrap_or(false);
            let records = match body.get("records") {
                Some(Value::Array(records)) => records.clone(),
                _ => return Err(ApiError::JsonParser("records: expected a JSON array".into())),
            };
            if records.len() > MAX_RECORDS {
                return Err(ApiError::ExceededIdLimit);
            }
            let create = call.method == Method::POST;
            Ok(batch(&mut shared.store(), all_or_none, records.iter().map(|r| write(call, create, r)).collect()))
        }
        Method::DELETE => {
            let ids: Vec<String> =
                call.param("ids").unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
            if ids.len() > MAX_RECORDS {
                return Err(ApiError::ExceededIdLimit);
            }
            let all_or_none = call.param("allOrNone").is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let user = call.user.clone();
            let ops: Vec<Op> = ids
                .into_iter()
                .map(|id| {
                    let user = user.clone();
                    Box::new(move |store: &mut Store| -> Outcome {
                        let result = match object_of_id(&id) {
                            Some(object) => store.delete(object, &id, &user).map(|_| id.clone()),
                            None => Err(RecordError::MalformedId(id.clone())),
                        };
                        (Some(id), result)
                    }) as Op
                })
                .collect();
            Ok(batch(&mut shared.store(), all_or_none, ops))
        }
        _ => only(call, &[Method::POST, Method::PATCH, Method::DELETE]).map(|_| Reply::NoContent),
    }
}

type Op<'a> = Box<dyn FnOnce(&mut Store) -> Outcome + 'a>;

/// One record of a create or update body, as a write to run.
fn write<'a>(call: &'a Call, create: bool, record: &'a Value) -> Op<'a> {
    Box::new(move |store: &mut Store| -> Outcome {
        let Some(fields) = record.as_object() else {
            return (None, Err(RecordError::InvalidType("Record must be a JSON object".into())));
        };
        let object: Option<&'static SObject> =
            fields.get("attributes").and_then(|a| a.get("type")).and_then(Value::as_str).and_then(object_named);
        let Some(object) = object else {
            return (None, Err(RecordError::InvalidType("No SObject Type defined in attributes for record".into())));
        };
        let input: Map<String, Value> = fields.iter().filter(|(k, _)| *k != "attributes").map(|(k, v)| (k.clone(), v.clone())).collect();
        if create {
            (None, store.create(object, &input, &call.user))
        } else {
            let id = input.iter().find(|(k, _)| k.eq_ignore_ascii_case("Id")).and_then(|(_, v)| v.as_str()).map(str::to_string);
            match id {
                Some(id) => (Some(id.clone()), store.update(object, &id, &input, &call.user).map(|_| id)),
                None => (None, Err(RecordError::MissingId)),
            }
        }
    })
}

/// Runs the writes; commits what succeeded, or with `all_or_none` and any
/// failure rolls everything back.
fn batch(store: &mut Store, all_or_none: bool, ops: Vec<Op>) -> Reply {
    let outcomes: Vec<Outcome> = ops.into_iter().map(|op| op(store)).collect();
    let failed = outcomes.iter().any(|(_, r)| r.is_err());
    let rolled_back = all_or_none && failed;
    if rolled_back {
        store.rollback();
    } else {
        store.commit();
    }
    let results: Vec<Value> = outcomes
        .into_iter()
        .map(|(given, result)| {
            let error = match result {
                Ok(id) if !rolled_back => return json!({"id": id, "success": true, "errors": []}),
                Ok(_) => RecordError::RolledBack,
                Err(e) => e,
            };
            let mut entry = json!({"success": false, "errors": [error.composite()]});
            if let Some(id) = given {
                entry["id"] = json!(id);
            }
            entry
        })
        .collect();
    Reply::ok(Value::Array(results))
}
