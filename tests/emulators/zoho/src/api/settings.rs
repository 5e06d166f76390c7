//! Metadata: field definitions, custom views and users.

use serde_json::{json, Value};

use super::{module_named, ApiRequest, Reply};
use crate::error::ApiError;
use crate::modules::Module;
use crate::state::Shared;

fn module_param(req: &ApiRequest) -> Result<&'static Module, ApiError> {
    module_named(req.param("module").ok_or(ApiError::RequiredParamMissing { param: "module" })?)
}

/// `GET /settings/fields?module=`.
pub fn fields(req: &ApiRequest) -> Result<Reply, ApiError> {
    let module = module_param(req)?;
    let fields: Vec<Value> = module.fields.iter().map(|f| f.metadata()).collect();
    Ok(Reply::ok(json!({"fields": fields})))
}

/// `GET /settings/custom_views?module=`.
pub fn custom_views(shared: &Shared, req: &ApiRequest) -> Result<Reply, ApiError> {
    let module = module_param(req)?;
    let views: Vec<Value> = shared
        .store()
        .views(module.name)
        .map(|v| json!({"id": v.id, "name": v.name, "display_value": v.name, "system_defined": v.criteria.is_none()}))
        .collect();
    Ok(Reply::ok(json!({"custom_views": views})))
}

/// `GET /users?type=`: `CurrentUser` is the connecting user; other types list everyone (all are active).
pub fn users(shared: &Shared, req: &ApiRequest) -> Result<Reply, ApiError> {
    let store = shared.store();
    let current = store.current_user().id.clone();
    let only_current = req.param("type") == Some("CurrentUser");
    let users: Vec<Value> = store
        .users()
        .iter()
        .filter(|u| !only_current || u.id == current)
        .map(|u| json!({"id": u.id, "full_name": u.full_name, "email": u.email, "status": "active"}))
        .collect();
    let info = json!({"per_page": 200, "count": users.len(), "page": 1, "more_records": false});
    Ok(Reply::ok(json!({"users": users, "info": info})))
}
