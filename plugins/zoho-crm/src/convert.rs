//! Translation between Zoho's JSON and the contract's neutral types.

use deskpane_plugin_sdk::prelude::*;
use serde_json::{Map, Value as Json};

/// Zoho's API name of a contract module.
pub fn zoho_module(module: Module) -> Result<&'static str, ConnectorError> {
    Ok(match module {
        Module::Contacts => "Contacts",
        Module::Accounts => "Accounts",
        Module::Leads => "Leads",
        Module::Products => "Products",
        Module::Potentials => "Deals",
        Module::Notes => "Notes",
        Module::Cases => "Cases",
        Module::Calls => "Calls",
        Module::Events => "Events",
        Module::Tasks => "Tasks",
        Module::Chats => return Err(unsupported("Zoho CRM has no chats module")),
    })
}

/// The contract module of a Zoho API name.
pub fn contract_module(name: &str) -> Option<Module> {
    Some(match name {
        "Contacts" => Module::Contacts,
        "Accounts" => Module::Accounts,
        "Leads" => Module::Leads,
        "Products" => Module::Products,
        "Deals" => Module::Potentials,
        "Notes" => Module::Notes,
        "Cases" => Module::Cases,
        "Calls" => Module::Calls,
        "Events" => Module::Events,
        "Tasks" => Module::Tasks,
        _ => return None,
    })
}

pub fn field_type(data_type: &str) -> FieldType {
    match data_type {
        "text" | "autonumber" => FieldType::Text,
        "textarea" => FieldType::Textarea,
        "email" => FieldType::Email,
        "phone" => FieldType::Phone,
        "website" => FieldType::Url,
        "integer" | "bigint" => FieldType::Integer,
        "double" => FieldType::Decimal,
        "currency" => FieldType::Currency,
        "percent" => FieldType::Percent,
        "boolean" => FieldType::Boolean,
        "date" => FieldType::Date,
        "datetime" => FieldType::Datetime,
        "picklist" => FieldType::Picklist,
        "multiselectpicklist" => FieldType::MultiPicklist,
        "lookup" => FieldType::Lookup,
        "ownerlookup" => FieldType::User,
        _ => FieldType::Other,
    }
}

/// A Zoho JSON value as a contract value. Lookups (`{"id", "name"}`)
/// become references; `lookup_module` names their module when known.
pub fn to_value(json: &Json, lookup_module: Option<Module>) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Decimal(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => Value::Text(s.clone()),
        Json::Array(items) => Value::TextList(
            items
                .iter()
                .map(|i| match i {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
        ),
        Json::Object(o) => match o.get("id").and_then(Json::as_str) {
            Some(id) => Value::Reference(RecordRef {
                module: lookup_module.unwrap_or(Module::Accounts),
                id: id.to_string(),
                name: o.get("name").and_then(Json::as_str).map(str::to_string),
            }),
            None => Value::Text(json.to_string()),
        },
    }
}

/// A contract value as Zoho JSON.
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Text(s) | Value::Date(s) | Value::Datetime(s) => Json::String(s.clone()),
        Value::Integer(i) => Json::from(*i),
        Value::Decimal(d) => serde_json::Number::from_f64(*d).map(Json::Number).unwrap_or(Json::Null),
        Value::Boolean(b) => Json::Bool(*b),
        Value::TextList(items) => Json::Array(items.iter().cloned().map(Json::String).collect()),
        Value::Reference(r) => serde_json::json!({ "id": r.id }),
    }
}

/// Which module a lookup field of `module` points at.
pub fn lookup_target(field: &str) -> Option<Module> {
    match field {
        "Account_Name" => Some(Module::Accounts),
        "Contact_Name" | "Related_To" | "Who_Id" => Some(Module::Contacts),
        _ => None,
    }
}

/// Fields that are record bookkeeping rather than data.
const SYSTEM_FIELDS: &[&str] = &[
    "id",
    "Created_Time",
    "Modified_Time",
    "Created_By",
    "Modified_By",
    "$approval",
    "$editable",
    "$currency_symbol",
    "$process_flow",
    "$approved",
    "$review",
    "$review_process",
    "$state",
    "$orchestration",
    "$in_merge",
    "$approval_state",
    "$pathfinder",
    "$zia_owner_assignment",
    "$layout_id",
    "Tag",
];

/// A Zoho record as a contract record.
pub fn to_record(json: &Json) -> CrmRecord {
    let empty = Map::new();
    let object = json.as_object().unwrap_or(&empty);
    CrmRecord {
        id: str_field(json, "id"),
        fields: object
            .iter()
            .filter(|(k, _)| !SYSTEM_FIELDS.contains(&k.as_str()))
            .map(|(k, v)| Field { name: k.clone(), label: None, value: to_value(v, lookup_target(k)) })
            .collect(),
        created_time: str_field(json, "Created_Time"),
        modified_time: str_field(json, "Modified_Time"),
    }
}

/// A contract record as a Zoho JSON record (for writes).
pub fn from_record(record: &CrmRecord) -> Json {
    let mut object = Map::new();
    if let Some(id) = &record.id {
        object.insert("id".into(), Json::String(id.clone()));
    }
    for field in &record.fields {
        object.insert(field.name.clone(), to_json(&field.value));
    }
    Json::Object(object)
}

pub fn str_field(json: &Json, name: &str) -> Option<String> {
    match &json[name] {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `name` of a lookup or owner field.
pub fn lookup_name(json: &Json, name: &str) -> Option<String> {
    json[name]["name"].as_str().map(str::to_string)
}

/// A lookup field as a reference.
pub fn lookup_ref(json: &Json, name: &str, module: Module) -> Option<RecordRef> {
    let id = json[name]["id"].as_str()?;
    Some(RecordRef { module, id: id.to_string(), name: lookup_name(json, name) })
}

/// Escapes a value for Zoho's search criteria: `(`, `)`, `,` and `\`.
pub fn criteria_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '(' | ')' | ',' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A label for a field's API name: `Support_Tier` -> `Support Tier`.
pub fn label_of(api_name: &str) -> String {
    api_name.replace('_', " ")
}
