//! Metadata: modules, field definitions, related lists, custom views, the
//! organisation and users, as Zoho's client libraries read them before
//! any record call.

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
        .map(|v| {
            json!({
                "id": v.id, "name": v.name, "display_value": v.name, "system_name": v.name, "system_defined": v.criteria.is_none(),
                "category": if v.criteria.is_none() { "public_views" } else { "created_by_me" }, "default": v.criteria.is_none(),
                "module": {"api_name": module.name, "id": module.id}, "offline": false, "favorite": null,
            })
        })
        .collect();
    let default = views.iter().find(|v| v["default"] == true).map(|v| v["id"].clone()).unwrap_or(Value::Null);
    let info = json!({"per_page": 200, "count": views.len(), "page": 1, "more_records": false, "default": default});
    Ok(Reply::ok(json!({"custom_views": views, "info": info})))
}

/// `GET /settings/modules`: every module the emulator serves.
pub fn modules() -> Reply {
    let modules: Vec<Value> = crate::modules::MODULES
        .iter()
        .map(|m| {
            json!({
                "id": m.id, "api_name": m.name, "module_name": m.name, "singular_label": m.name.trim_end_matches('s'),
                "plural_label": m.name, "api_supported": true, "creatable": true, "editable": true, "deletable": true,
                "viewable": true, "generated_type": "default", "visibility": 1,
            })
        })
        .collect();
    Reply::ok(json!({"modules": modules}))
}

/// `GET /settings/related_lists?module=`: the related lists served under
/// `/{module}/{id}/{related}`.
pub fn related_lists(req: &ApiRequest) -> Result<Reply, ApiError> {
    let module = module_param(req)?;
    let lists: Vec<Value> = module
        .related
        .iter()
        .map(|r| {
            let related = crate::modules::module(r);
            json!({
                "id": crate::modules::numeric_id(&format!("{}:{r}", module.name)), "api_name": r, "display_label": r,
                "name": r, "type": "default", "visible": true, "href": format!("{}/{{id}}/{r}", module.name),
                "module": related.map(|m| json!({"api_name": m.name, "id": m.id})),
            })
        })
        .collect();
    Ok(Reply::ok(json!({"related_lists": lists})))
}

/// `GET /org`: the organisation the connecting user belongs to.
pub fn org(shared: &Shared) -> Reply {
    let store = shared.store();
    let user = store.current_user();
    Reply::ok(json!({"org": [{
        "id": "4150868000000000001", "company_name": "Zylker (emulated)", "primary_email": user.email,
        "currency": "US Dollar", "currency_symbol": "$", "iso_code": "USD", "time_zone": "GMT",
        "country_code": "US", "zgid": "70000001", "domain_name": "org70000001", "type": "production",
    }]}))
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
