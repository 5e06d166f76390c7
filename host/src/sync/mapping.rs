//! Field mappings between desk records and CRM records. Pure.
//!
//! A mapping pairs a desk field with a CRM field. The mapping editor refuses
//! a pair whose types disagree; a value that still does not fit when a
//! record syncs is reported in the seeds' words ("Text value is given for
//! an Integer field") and the record goes to the failure log.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::contract::{Field, FieldMeta, FieldType, Value};
use crate::desk::schema::{self, FieldKind};
use crate::desk::Kind;

/// One desk field synced with one CRM field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldPair {
    pub desk: String,
    pub crm: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("desk field `{0}` does not exist on this module; custom desk fields are named cf_*")]
    UnknownDeskField(String),
    #[error("CRM field `{0}` does not exist on this module")]
    UnknownCrmField(String),
    #[error("desk field `{desk}` ({desk_type}) cannot be mapped to CRM field `{crm}` ({crm_type}): their types disagree")]
    TypesDisagree { desk: String, desk_type: &'static str, crm: String, crm_type: &'static str },
    #[error("CRM field `{0}` is mapped twice")]
    MappedTwice(String),
}

/// The name of a desk field type, as the mapping editor shows it.
pub fn desk_type_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text(_) => "Text",
        FieldKind::Email => "Email",
        FieldKind::Integer => "Integer",
        FieldKind::Decimal => "Decimal",
        FieldKind::Boolean => "Boolean",
        FieldKind::Date => "Date",
        FieldKind::Choice(_) => "Pick list",
        FieldKind::Ref(_) => "Lookup",
    }
}

pub fn crm_type_name(t: FieldType) -> &'static str {
    match t {
        FieldType::Text => "Text",
        FieldType::Textarea => "Text area",
        FieldType::Email => "Email",
        FieldType::Phone => "Phone",
        FieldType::Url => "URL",
        FieldType::Integer => "Integer",
        FieldType::Decimal => "Decimal",
        FieldType::Currency => "Currency",
        FieldType::Percent => "Percent",
        FieldType::Boolean => "Boolean",
        FieldType::Date => "Date",
        FieldType::Datetime => "Date/Time",
        FieldType::Picklist => "Pick list",
        FieldType::MultiPicklist => "Multi-select",
        FieldType::Lookup => "Lookup",
        FieldType::User => "User",
        FieldType::Other => "Other",
    }
}

/// Whether values of the desk kind can live in the CRM type and back.
fn compatible(desk: FieldKind, crm: FieldType) -> bool {
    use FieldType as C;
    match desk {
        FieldKind::Text(_) => matches!(crm, C::Text | C::Textarea | C::Email | C::Phone | C::Url | C::Picklist | C::Other),
        FieldKind::Email => matches!(crm, C::Email | C::Text),
        FieldKind::Integer => matches!(crm, C::Integer),
        FieldKind::Decimal => matches!(crm, C::Decimal | C::Currency | C::Percent | C::Integer),
        FieldKind::Boolean => matches!(crm, C::Boolean),
        FieldKind::Date => matches!(crm, C::Date),
        FieldKind::Choice(_) => matches!(crm, C::Picklist | C::Text),
        FieldKind::Ref(_) => matches!(crm, C::Lookup),
    }
}

/// The desk kind of a field, custom fields (`cf_*`) taking the CRM's.
fn desk_kind(kind: Kind, field: &str) -> Option<Option<FieldKind>> {
    if field.starts_with("cf_") {
        return Some(None);
    }
    schema::fields(kind).iter().find(|f| f.name == field).map(|f| Some(f.kind))
}

/// Checks a mapping against the desk schema and the CRM's field metadata.
pub fn check(kind: Kind, crm: &[FieldMeta], pairs: &[FieldPair]) -> Result<(), MappingError> {
    let mut seen = std::collections::BTreeSet::new();
    for pair in pairs {
        let desk = desk_kind(kind, &pair.desk).ok_or_else(|| MappingError::UnknownDeskField(pair.desk.clone()))?;
        let meta = crm.iter().find(|m| m.name == pair.crm).ok_or_else(|| MappingError::UnknownCrmField(pair.crm.clone()))?;
        if !seen.insert(pair.crm.clone()) {
            return Err(MappingError::MappedTwice(pair.crm.clone()));
        }
        if let Some(desk) = desk {
            if !compatible(desk, meta.field_type) {
                return Err(MappingError::TypesDisagree {
                    desk: pair.desk.clone(),
                    desk_type: desk_type_name(desk),
                    crm: pair.crm.clone(),
                    crm_type: crm_type_name(meta.field_type),
                });
            }
        }
    }
    Ok(())
}

/// A value that does not fit the field it is written to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given} value is given for {} {expected} field", article(.expected))]
pub struct ValueMismatch {
    pub field: String,
    pub given: &'static str,
    pub expected: &'static str,
}

/// "a" or "an" before a type name ("an Integer", "a Decimal").
fn article(word: &str) -> &'static str {
    if word.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

pub(crate) fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::String(_) => "Text",
        Json::Number(n) if n.is_i64() => "Integer",
        Json::Number(_) => "Decimal",
        Json::Bool(_) => "Boolean",
        Json::Array(_) => "List",
        Json::Object(_) => "Object",
        Json::Null => "Empty",
    }
}

/// A desk value as the CRM field's contract value.
pub fn to_crm(field: &str, value: &Json, target: FieldType) -> Result<Value, ValueMismatch> {
    use FieldType as C;
    let mismatch = || ValueMismatch { field: field.to_string(), given: json_kind(value), expected: crm_type_name(target) };
    Ok(match (target, value) {
        (_, Json::Null) => Value::Null,
        (C::Integer, Json::Number(n)) => Value::Integer(n.as_i64().ok_or_else(mismatch)?),
        (C::Decimal | C::Currency | C::Percent, Json::Number(n)) => Value::Decimal(n.as_f64().ok_or_else(mismatch)?),
        (C::Boolean, Json::Bool(b)) => Value::Boolean(*b),
        (C::Date, Json::String(s)) => Value::Date(s.clone()),
        (C::Datetime, Json::String(s)) => Value::Datetime(s.clone()),
        (C::MultiPicklist, Json::Array(items)) => Value::TextList(items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect()),
        (C::Text | C::Textarea | C::Email | C::Phone | C::Url | C::Picklist | C::Other, Json::String(s)) => Value::Text(s.clone()),
        _ => return Err(mismatch()),
    })
}

/// A CRM value as desk JSON.
pub fn to_desk(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Text(s) | Value::Date(s) | Value::Datetime(s) => Json::String(s.clone()),
        Value::Integer(i) => Json::from(*i),
        Value::Decimal(d) => serde_json::Number::from_f64(*d).map(Json::Number).unwrap_or(Json::Null),
        Value::Boolean(b) => Json::Bool(*b),
        Value::TextList(items) => Json::String(items.join(";")),
        Value::Reference(r) => Json::String(r.name.clone().unwrap_or_else(|| r.id.clone())),
    }
}

/// The CRM fields of a desk record under a mapping. Fields that do not fit
/// are reported, not sent.
pub fn desk_to_crm(desk: &Map<String, Json>, pairs: &[FieldPair], meta: &[FieldMeta]) -> Result<Vec<Field>, ValueMismatch> {
    pairs
        .iter()
        .filter_map(|p| {
            let target = meta.iter().find(|m| m.name == p.crm)?;
            if target.read_only {
                return None;
            }
            let value = desk.get(&p.desk).unwrap_or(&Json::Null);
            Some(to_crm(&p.crm, value, target.field_type).map(|value| Field { name: p.crm.clone(), label: None, value }))
        })
        .collect()
}

/// The desk fields of a CRM record under a mapping.
pub fn crm_to_desk(crm: &[Field], pairs: &[FieldPair]) -> Map<String, Json> {
    pairs
        .iter()
        .map(|p| {
            let value = crm.iter().find(|f| f.name == p.crm).map(|f| to_desk(&f.value)).unwrap_or(Json::Null);
            (p.desk.clone(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(name: &str, t: FieldType) -> FieldMeta {
        FieldMeta {
            name: name.into(),
            label: name.into(),
            field_type: t,
            mandatory: false,
            max_length: None,
            read_only: false,
            custom: false,
            picklist_values: vec![],
        }
    }

    fn pair(desk: &str, crm: &str) -> FieldPair {
        FieldPair { desk: desk.into(), crm: crm.into() }
    }

    #[test]
    fn mappings_whose_types_disagree_are_refused_in_the_editor() {
        let crm = [meta("Account_Name", FieldType::Text), meta("Employees", FieldType::Integer), meta("Account_Type", FieldType::Picklist)];
        assert!(check(Kind::Account, &crm, &[pair("account_name", "Account_Name"), pair("employees", "Employees")]).is_ok());
        let err = check(Kind::Account, &crm, &[pair("employees", "Account_Type")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "desk field `employees` (Integer) cannot be mapped to CRM field `Account_Type` (Pick list): their types disagree"
        );
        assert!(matches!(check(Kind::Account, &crm, &[pair("shoe_size", "Employees")]), Err(MappingError::UnknownDeskField(_))));
        assert!(matches!(check(Kind::Account, &crm, &[pair("employees", "Nope")]), Err(MappingError::UnknownCrmField(_))));
        assert!(matches!(
            check(Kind::Account, &crm, &[pair("account_name", "Account_Name"), pair("cf_name", "Account_Name")]),
            Err(MappingError::MappedTwice(_))
        ));
        // Custom desk fields take the CRM field's type.
        assert!(check(Kind::Account, &crm, &[pair("cf_headcount", "Employees")]).is_ok());
    }

    #[test]
    fn a_value_that_slips_through_is_named_in_the_seeds_words() {
        let crm = [meta("Tickets_Raised", FieldType::Integer)];
        let desk: Map<String, Json> = serde_json::from_value(serde_json::json!({"cf_tickets": "many"})).unwrap();
        let err = desk_to_crm(&desk, &[pair("cf_tickets", "Tickets_Raised")], &crm).unwrap_err();
        assert_eq!(err.to_string(), "Text value is given for an Integer field");
        let decimal = ValueMismatch { field: "Amount".into(), given: "Text", expected: "Decimal" };
        assert_eq!(decimal.to_string(), "Text value is given for a Decimal field", "not \"an Decimal\"");
        assert_eq!(err.field, "Tickets_Raised");
    }

    #[test]
    fn values_convert_both_ways() {
        let crm = [meta("Last_Name", FieldType::Text), meta("Employees", FieldType::Integer), meta("Price", FieldType::Currency)];
        let pairs = [pair("last_name", "Last_Name"), pair("employees", "Employees"), pair("unit_price", "Price")];
        let desk: Map<String, Json> =
            serde_json::from_value(serde_json::json!({"last_name": "Lovelace", "employees": 12, "unit_price": 9.5})).unwrap();
        let fields = desk_to_crm(&desk, &pairs, &crm).unwrap();
        assert_eq!(fields[1].value, Value::Integer(12));
        assert_eq!(fields[2].value, Value::Decimal(9.5));
        assert_eq!(crm_to_desk(&fields, &pairs), desk);
    }
}
