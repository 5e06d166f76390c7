//! Matching records: criteria (checked against the module's fields, then
//! evaluated by field type) and the `email`, `phone` and `word` searches.

use chrono::NaiveDate;
use serde_json::Value;

use crate::criteria::{Condition, Criteria, Operator};
use crate::error::ApiError;
use crate::modules::{DataType, Field, Module};
use crate::store::{id_of, Record, Store};
use crate::util::parse_datetime;

/// One search of `GET /{module}/search`.
pub enum Search {
    Criteria(Criteria),
    Email(String),
    Phone(String),
    Word(String),
}

/// What a condition's field names: the record id, a field, or part of a lookup.
#[derive(Clone, Copy)]
enum Target<'a> {
    Id,
    Field(&'a Field, Part),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Whole,
    LookupId,
    LookupName,
}

fn target<'a>(module: &'a Module, name: &str) -> Option<Target<'a>> {
    if name == "id" {
        return Some(Target::Id);
    }
    if let Some((base, part)) = name.split_once('.') {
        let field = module.field(base).filter(|f| matches!(f.data_type, DataType::Lookup | DataType::OwnerLookup))?;
        let part = match part {
            "id" => Part::LookupId,
            "name" => Part::LookupName,
            _ => return None,
        };
        return Some(Target::Field(field, part));
    }
    module.field(name).map(|f| Target::Field(f, Part::Whole))
}

/// How a field's values compare.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
    Date,
    Time,
    Bool,
}

fn kind(target: Target) -> Kind {
    match target {
        Target::Id => Kind::Text,
        Target::Field(field, _) => match field.data_type {
            t if t.is_numeric() => Kind::Number,
            DataType::Date => Kind::Date,
            DataType::Datetime => Kind::Time,
            DataType::Boolean => Kind::Bool,
            _ => Kind::Text,
        },
    }
}

fn invalid(reason: impl Into<String>, api_name: &str) -> ApiError {
    ApiError::InvalidQuery { reason: reason.into(), api_name: Some(api_name.into()) }
}

/// Refuses criteria naming unknown fields, operators the field's type does
/// not support, or values that do not parse as the field's type.
pub fn check(module: &Module, criteria: &Criteria) -> Result<(), ApiError> {
    for cond in criteria.conditions() {
        let target = target(module, &cond.field).ok_or_else(|| invalid("the field is not available for search", &cond.field))?;
        let kind = kind(target);
        let allowed = match cond.operator {
            Operator::Equals | Operator::NotEqual | Operator::In => true,
            Operator::StartsWith => kind == Kind::Text && !matches!(target, Target::Id),
            Operator::GreaterThan | Operator::LessThan => matches!(kind, Kind::Number | Kind::Date | Kind::Time),
        };
        if !allowed {
            return Err(invalid("the operator is not supported for the field's type", &cond.field));
        }
        for value in &cond.values {
            let parses = match kind {
                Kind::Text => true,
                Kind::Number => value.parse::<f64>().is_ok(),
                Kind::Date => parse_date(value).is_some(),
                Kind::Time => parse_datetime(value).is_some(),
                Kind::Bool => matches!(value.to_ascii_lowercase().as_str(), "true" | "false"),
            };
            if !parses {
                return Err(invalid(format!("`{value}` is not a valid value for the field"), &cond.field));
            }
        }
    }
    Ok(())
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Does the record satisfy these (checked) criteria?
pub fn criteria_matches(store: &Store, module: &Module, record: &Record, criteria: &Criteria) -> bool {
    criteria.matches(&|cond| condition_matches(store, module, record, cond))
}

/// The record's value(s) for a condition, in the comparable form of its kind.
enum Actual {
    Missing,
    Texts(Vec<String>),
    Number(f64),
    Date(NaiveDate),
    Time(i64),
    Bool(bool),
}

fn actual(store: &Store, record: &Record, target: Target) -> Actual {
    let field = match target {
        Target::Id => return Actual::Texts(vec![record.id.clone()]),
        Target::Field(field, part) => (field, part),
    };
    let (field, part) = field;
    let Some(value) = record.data.get(field.api_name).filter(|v| !v.is_null()) else { return Actual::Missing };
    match field.data_type {
        DataType::Lookup | DataType::OwnerLookup => {
            let id = id_of(value);
            let name = if field.data_type == DataType::Lookup {
                id.as_deref().and_then(|id| store.name_of(id))
            } else {
                store.user_ref(value).get("name").and_then(Value::as_str).map(str::to_string)
            };
            let mut texts = Vec::new();
            if part != Part::LookupName {
                texts.extend(id);
            }
            if part != Part::LookupId {
                texts.extend(name.map(|n| n.to_lowercase()));
            }
            Actual::Texts(texts)
        }
        t if t.is_numeric() => value.as_f64().map_or(Actual::Missing, Actual::Number),
        DataType::Date => value.as_str().and_then(parse_date).map_or(Actual::Missing, Actual::Date),
        DataType::Datetime => value.as_str().and_then(parse_datetime).map_or(Actual::Missing, |dt| Actual::Time(dt.timestamp())),
        DataType::Boolean => value.as_bool().map_or(Actual::Missing, Actual::Bool),
        DataType::MultiSelectPicklist => {
            Actual::Texts(value.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_lowercase).collect())
        }
        _ => value.as_str().map_or(Actual::Missing, |s| Actual::Texts(vec![s.to_lowercase()])),
    }
}

fn condition_matches(store: &Store, module: &Module, record: &Record, cond: &Condition) -> bool {
    let Some(target) = target(module, &cond.field) else { return false };
    let actual = actual(store, record, target);
    // Ordering of the record's value against one criteria value, if comparable.
    let compare = |value: &str| -> Option<std::cmp::Ordering> {
        match &actual {
            Actual::Missing | Actual::Texts(_) | Actual::Bool(_) => None,
            Actual::Number(n) => n.partial_cmp(&value.parse::<f64>().ok()?),
            Actual::Date(d) => Some(d.cmp(&parse_date(value)?)),
            Actual::Time(t) => Some(t.cmp(&parse_datetime(value)?.timestamp())),
        }
    };
    let equals = |value: &str| match &actual {
        Actual::Missing => false,
        Actual::Texts(texts) => {
            let value = value.to_lowercase();
            texts.contains(&value)
        }
        Actual::Bool(b) => value.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        _ => compare(value) == Some(std::cmp::Ordering::Equal),
    };
    match cond.operator {
        Operator::Equals | Operator::In => cond.values.iter().any(|v| equals(v)),
        Operator::NotEqual => !cond.values.iter().any(|v| equals(v)),
        Operator::StartsWith => match &actual {
            Actual::Texts(texts) => cond.values.iter().any(|v| {
                let v = v.to_lowercase();
                texts.iter().any(|t| t.starts_with(&v))
            }),
            _ => false,
        },
        Operator::GreaterThan => compare(&cond.values[0]) == Some(std::cmp::Ordering::Greater),
        Operator::LessThan => compare(&cond.values[0]) == Some(std::cmp::Ordering::Less),
    }
}

/// Phone numbers compare by their digits: a `+` sent unencoded in a query
/// string arrives as a space, and formats differ ("+1 555-0177").
fn phone_digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// The text values of the record's fields of one type.
fn texts_of<'a>(module: &'a Module, record: &'a Record, data_type: DataType) -> impl Iterator<Item = &'a str> + 'a {
    module.fields.iter().filter(move |f| f.data_type == data_type).filter_map(move |f| record.data.get(f.api_name).and_then(Value::as_str))
}

pub fn matches(store: &Store, module: &Module, record: &Record, search: &Search) -> bool {
    match search {
        Search::Criteria(criteria) => criteria_matches(store, module, record, criteria),
        Search::Email(email) => texts_of(module, record, DataType::Email).any(|e| e.eq_ignore_ascii_case(email.trim())),
        Search::Phone(phone) => {
            let wanted = phone_digits(phone);
            texts_of(module, record, DataType::Phone).any(|p| phone_digits(p) == wanted)
        }
        Search::Word(word) => {
            let word = word.to_lowercase();
            module
                .fields
                .iter()
                .filter(|f| f.data_type.is_textual())
                .filter_map(|f| record.data.get(f.api_name).and_then(Value::as_str))
                .any(|t| t.to_lowercase().contains(&word))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules;
    use serde_json::json;

    fn setup() -> (Store, &'static Module, String) {
        let mut store = Store::new();
        let contacts = modules::module("Contacts").unwrap();
        let accounts = modules::module("Accounts").unwrap();
        let account = store.seed(accounts, json!({"Account_Name": "Zylker (UK), Ltd"}));
        let id = store.seed(
            contacts,
            json!({
                "First_Name": "Zoë", "Last_Name": "Ångström", "Email": "zoe@zylker.example",
                "Secondary_Email": "zoe.private@mail.example", "Phone": "+1 (555) 010-2030",
                "Mobile": "555.777.8888", "Account_Name": {"id": account}, "Tickets_Raised": 7,
                "Created_Time": "2026-03-01T10:00:00+01:00",
            }),
        );
        (store, contacts, id)
    }

    fn hit(text: &str) -> bool {
        let (store, contacts, id) = setup();
        let criteria = Criteria::parse(text).unwrap();
        check(contacts, &criteria).unwrap();
        criteria_matches(&store, contacts, store.get("Contacts", &id).unwrap(), &criteria)
    }

    #[test]
    fn text_compares_case_insensitively() {
        assert!(hit("(Last_Name:equals:ÅNGSTRÖM)"));
        assert!(hit("(Email:starts_with:ZOE@)"));
        assert!(!hit("(Last_Name:not_equal:ångström)"));
        assert!(hit("(First_Name:in:Ada,zoë)"));
    }

    #[test]
    fn numbers_and_times_compare_by_value() {
        assert!(hit("(Tickets_Raised:greater_than:6.5)"));
        assert!(!hit("(Tickets_Raised:less_than:7)"));
        assert!(hit("(Created_Time:equals:2026-03-01T09:00:00+00:00)"));
        assert!(hit("(Created_Time:less_than:2026-03-01T09:00:01Z)"));
    }

    #[test]
    fn lookups_match_by_id_or_name() {
        let (store, contacts, id) = setup();
        let account = store.get("Contacts", &id).unwrap().data["Account_Name"]["id"].as_str().unwrap().to_string();
        assert!(hit(r"(Account_Name:equals:Zylker \(UK\)\, Ltd)"));
        assert!(hit(&format!("(Account_Name.id:equals:{account})")));
        assert!(!hit(&format!("(Account_Name.name:equals:{account})")));
        assert!(hit("(Owner.name:equals:Dana Whitfield)"));
        let _ = (store, contacts);
    }

    #[test]
    fn checks_refuse_unknown_fields_operators_and_values() {
        let contacts = modules::module("Contacts").unwrap();
        for bad in [
            "(Nickname:equals:x)",
            "(Last_Name:greater_than:x)",
            "(Tickets_Raised:equals:many)",
            "(Created_Time:greater_than:yesterday)",
            "(Tickets_Raised:starts_with:1)",
            "(Last_Name.id:equals:1)",
        ] {
            assert!(check(contacts, &Criteria::parse(bad).unwrap()).is_err(), "{bad}");
        }
    }

    #[test]
    fn email_phone_and_word_search() {
        let (store, contacts, id) = setup();
        let record = store.get("Contacts", &id).unwrap();
        assert!(matches(&store, contacts, record, &Search::Email("ZOE.PRIVATE@mail.example".into())));
        assert!(!matches(&store, contacts, record, &Search::Email("zoe@".into())));
        assert!(matches(&store, contacts, record, &Search::Phone("+15550102030".into())));
        assert!(matches(&store, contacts, record, &Search::Phone("555 777 8888".into())));
        assert!(!matches(&store, contacts, record, &Search::Phone("5550102030".into())));
        assert!(matches(&store, contacts, record, &Search::Word("GSTR".into())));
        assert!(!matches(&store, contacts, record, &Search::Word("zylker (uk)".into())));
    }
}
