//! What desk records look like, and validation of what clients send.
//! Pure: no storage here.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The kinds of desk record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Ticket,
    Contact,
    Account,
    Product,
    TimeEntry,
    Activity,
    Attachment,
    Contract,
}

impl Kind {
    pub const ALL: [Kind; 8] =
        [Kind::Ticket, Kind::Contact, Kind::Account, Kind::Product, Kind::TimeEntry, Kind::Activity, Kind::Attachment, Kind::Contract];

    /// The collection name in URLs: `tickets`, `time-entries`, ...
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Ticket => "tickets",
            Kind::Contact => "contacts",
            Kind::Account => "accounts",
            Kind::Product => "products",
            Kind::TimeEntry => "time-entries",
            Kind::Activity => "activities",
            Kind::Attachment => "attachments",
            Kind::Contract => "contracts",
        }
    }

    pub fn from_plural(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.plural() == name)
    }

    pub fn singular(self) -> &'static str {
        match self {
            Kind::Ticket => "ticket",
            Kind::Contact => "contact",
            Kind::Account => "account",
            Kind::Product => "product",
            Kind::TimeEntry => "time entry",
            Kind::Activity => "activity",
            Kind::Attachment => "attachment",
            Kind::Contract => "contract",
        }
    }

    /// The kinds of record that hang off this one (the seeds' "associates")
    /// and the field that points at the parent.
    pub fn associates(self) -> &'static [(Kind, &'static str)] {
        match self {
            Kind::Contact => &[
                (Kind::Ticket, "contact_id"),
                (Kind::TimeEntry, "contact_id"),
                (Kind::Activity, "contact_id"),
                (Kind::Attachment, "contact_id"),
            ],
            Kind::Account => &[
                (Kind::Ticket, "account_id"),
                (Kind::Contact, "account_id"),
                (Kind::Contract, "account_id"),
                (Kind::Attachment, "account_id"),
            ],
            Kind::Product => &[(Kind::Attachment, "product_id")],
            _ => &[],
        }
    }
}

/// The type of a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text(usize),
    Email,
    Integer,
    Decimal,
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// One of these values.
    Choice(&'static [&'static str]),
    /// The id of a record of this kind.
    Ref(Kind),
}

/// One field of a kind.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub kind: FieldKind,
    pub required: bool,
}

const fn f(name: &'static str, kind: FieldKind, required: bool) -> FieldSpec {
    FieldSpec { name, kind, required }
}

use FieldKind::*;

pub const TICKET_STATUSES: &[&str] = &["Open", "On Hold", "Escalated", "Closed"];
pub const PRIORITIES: &[&str] = &["Low", "Medium", "High", "Urgent"];
pub const ACTIVITY_TYPES: &[&str] = &["Call", "Event", "Task"];

const TICKET_FIELDS: &[FieldSpec] = &[
    f("subject", Text(255), true),
    f("description", Text(65_535), false),
    f("status", Choice(TICKET_STATUSES), false),
    f("priority", Choice(PRIORITIES), false),
    f("contact_id", Ref(Kind::Contact), false),
    f("account_id", Ref(Kind::Account), false),
    f("product_id", Ref(Kind::Product), false),
    f("department", Text(100), false),
    f("channel", Text(50), false),
    f("email", Email, false),
];

const CONTACT_FIELDS: &[FieldSpec] = &[
    f("first_name", Text(40), false),
    f("last_name", Text(80), true),
    f("email", Email, false),
    f("secondary_email", Email, false),
    f("phone", Text(30), false),
    f("mobile", Text(30), false),
    f("title", Text(100), false),
    f("account_id", Ref(Kind::Account), false),
    f("city", Text(100), false),
    f("country", Text(100), false),
    f("description", Text(32_000), false),
];

const ACCOUNT_FIELDS: &[FieldSpec] = &[
    f("account_name", Text(200), true),
    f("phone", Text(30), false),
    f("website", Text(255), false),
    f("industry", Text(100), false),
    f("employees", Integer, false),
    f("city", Text(100), false),
    f("country", Text(100), false),
    f("description", Text(32_000), false),
];

const PRODUCT_FIELDS: &[FieldSpec] = &[
    f("product_name", Text(120), true),
    f("product_code", Text(40), false),
    f("unit_price", Decimal, false),
    f("category", Text(100), false),
    f("department", Text(100), true),
    f("active", Boolean, false),
    f("description", Text(32_000), false),
];

const TIME_ENTRY_FIELDS: &[FieldSpec] = &[
    f("ticket_id", Ref(Kind::Ticket), false),
    f("contact_id", Ref(Kind::Contact), false),
    f("minutes", Integer, true),
    f("note", Text(2_000), false),
];

const ACTIVITY_FIELDS: &[FieldSpec] = &[
    f("type", Choice(ACTIVITY_TYPES), true),
    f("subject", Text(255), true),
    f("contact_id", Ref(Kind::Contact), false),
    f("ticket_id", Ref(Kind::Ticket), false),
    f("due_date", Date, false),
];

const ATTACHMENT_FIELDS: &[FieldSpec] = &[
    f("file_name", Text(255), true),
    f("size", Integer, false),
    f("contact_id", Ref(Kind::Contact), false),
    f("account_id", Ref(Kind::Account), false),
    f("product_id", Ref(Kind::Product), false),
    f("ticket_id", Ref(Kind::Ticket), false),
];

const CONTRACT_FIELDS: &[FieldSpec] = &[
    f("contract_name", Text(200), true),
    f("account_id", Ref(Kind::Account), true),
    f("start_date", Date, false),
    f("end_date", Date, false),
];

/// The standard fields of each kind. Fields named `cf_*` are custom
/// fields: any text, number or boolean.
pub fn fields(kind: Kind) -> &'static [FieldSpec] {
    match kind {
        Kind::Ticket => TICKET_FIELDS,
        Kind::Contact => CONTACT_FIELDS,
        Kind::Account => ACCOUNT_FIELDS,
        Kind::Product => PRODUCT_FIELDS,
        Kind::TimeEntry => TIME_ENTRY_FIELDS,
        Kind::Activity => ACTIVITY_FIELDS,
        Kind::Attachment => ATTACHMENT_FIELDS,
        Kind::Contract => CONTRACT_FIELDS,
    }
}

/// One problem with one field: the English words, and the same as a
/// stable code with its values for pages that translate it
/// (`error.field.<code>` in the web catalogs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    pub code: &'static str,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub params: std::collections::BTreeMap<&'static str, String>,
}

impl FieldError {
    pub fn new(field: &str, problem: Problem) -> FieldError {
        let (code, params) = problem.code();
        FieldError { field: field.to_string(), message: problem.to_string(), code, params }
    }
}

/// What is wrong with a field's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("a custom field holds text, a number or true/false")]
    Custom,
    #[error("is not a field of a {kind}; known fields: {known}, or custom fields named cf_*")]
    Unknown { kind: &'static str, known: String },
    #[error("is required and cannot be empty")]
    Emptied,
    #[error("is required")]
    Required,
    #[error("must be text")]
    Text,
    #[error("is longer than {0} characters")]
    TooLong(usize),
    #[error("must be an email address like name@example.com")]
    Email,
    #[error("must be a whole number")]
    Integer,
    #[error("must be a number")]
    Number,
    #[error("must be true or false")]
    Boolean,
    #[error("must be a date written YYYY-MM-DD")]
    Date,
    #[error("must be an RFC 3339 date-time")]
    DateTime,
    #[error("must be one of: {0}")]
    Choice(String),
    #[error("refers to {kind} {id}, which does not exist")]
    Missing { kind: &'static str, id: String },
    #[error("must be the id of a {0}")]
    Reference(&'static str),
}

impl Problem {
    fn code(&self) -> (&'static str, std::collections::BTreeMap<&'static str, String>) {
        use std::collections::BTreeMap;
        let none = BTreeMap::new;
        match self {
            Problem::Custom => ("custom", none()),
            Problem::Unknown { known, .. } => ("unknown", BTreeMap::from([("known", known.clone())])),
            Problem::Emptied => ("emptied", none()),
            Problem::Required => ("required", none()),
            Problem::Text => ("text", none()),
            Problem::TooLong(max) => ("too_long", BTreeMap::from([("max", max.to_string())])),
            Problem::Email => ("email", none()),
            Problem::Integer => ("integer", none()),
            Problem::Number => ("number", none()),
            Problem::Boolean => ("boolean", none()),
            Problem::Date => ("date", none()),
            Problem::DateTime => ("date_time", none()),
            Problem::Choice(options) => ("choice", BTreeMap::from([("options", options.clone())])),
            Problem::Missing { id, .. } => ("missing", BTreeMap::from([("id", id.clone())])),
            Problem::Reference(_) => ("reference", none()),
        }
    }
}

/// Checks `fields` for `kind`. `partial` (an update) allows required
/// fields to be absent but not emptied. `exists` answers whether a
/// referenced record exists.
pub fn validate(kind: Kind, values: &Map<String, Value>, partial: bool, exists: &dyn Fn(Kind, &str) -> bool) -> Vec<FieldError> {
    let specs = fields(kind);
    let mut errors = Vec::new();
    let mut err = |field: &str, problem: Problem| errors.push(FieldError::new(field, problem));
    for (name, value) in values {
        if name.starts_with("cf_") {
            if !matches!(value, Value::Null | Value::String(_) | Value::Number(_) | Value::Bool(_)) {
                err(name, Problem::Custom);
            }
            continue;
        }
        let Some(spec) = specs.iter().find(|s| s.name == name) else {
            let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
            err(name, Problem::Unknown { kind: kind.singular(), known: known.join(", ") });
            continue;
        };
        if value.is_null() || value.as_str() == Some("") {
            if spec.required {
                err(name, Problem::Emptied);
            }
            continue;
        }
        if let Some(problem) = check_value(spec.kind, value, exists) {
            err(name, problem);
        }
    }
    if !partial {
        for spec in specs.iter().filter(|s| s.required) {
            if !values.contains_key(spec.name) {
                err(spec.name, Problem::Required);
            }
        }
    }
    errors
}

fn check_value(kind: FieldKind, value: &Value, exists: &dyn Fn(Kind, &str) -> bool) -> Option<Problem> {
    match kind {
        Text(max) => match value.as_str() {
            None => Some(Problem::Text),
            Some(s) if s.chars().count() > max => Some(Problem::TooLong(max)),
            _ => None,
        },
        Email => match value.as_str() {
            Some(s) if is_email(s) => None,
            _ => Some(Problem::Email),
        },
        Integer => (!value.is_i64()).then_some(Problem::Integer),
        Decimal => (!value.is_number()).then_some(Problem::Number),
        Boolean => (!value.is_boolean()).then_some(Problem::Boolean),
        Date => match value.as_str() {
            Some(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => None,
            _ => Some(Problem::Date),
        },
        Choice(options) => match value.as_str() {
            Some(s) if options.contains(&s) => None,
            _ => Some(Problem::Choice(options.join(", "))),
        },
        Ref(target) => match value.as_str() {
            Some(id) if exists(target, id) => None,
            Some(id) => Some(Problem::Missing { kind: target.singular(), id: id.to_string() }),
            None => Some(Problem::Reference(target.singular())),
        },
    }
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(kind: Kind, v: Value, partial: bool) -> Vec<String> {
        let map = v.as_object().unwrap().clone();
        validate(kind, &map, partial, &|k, id| k == Kind::Account && id == "a1")
            .into_iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect()
    }

    #[test]
    fn a_valid_contact_passes() {
        assert!(check(
            Kind::Contact,
            json!({"last_name": "Lovelace", "email": "ada@example.com", "account_id": "a1", "cf_tier": "Gold"}),
            false
        )
        .is_empty());
    }

    #[test]
    fn each_field_error_is_named_and_explained() {
        let errors = check(Kind::Contact, json!({"email": "not-an-email", "account_id": "a9", "shoe_size": 9, "cf_x": [1]}), false);
        assert_eq!(
            errors,
            vec![
                "account_id: refers to account a9, which does not exist",
                "cf_x: a custom field holds text, a number or true/false",
                "email: must be an email address like name@example.com",
                "shoe_size: is not a field of a contact; known fields: first_name, last_name, email, secondary_email, phone, mobile, title, account_id, city, country, description, or custom fields named cf_*",
                "last_name: is required",
            ]
        );
    }

    #[test]
    fn updates_may_omit_but_not_empty_required_fields() {
        assert!(check(Kind::Contact, json!({"title": "CTO"}), true).is_empty());
        assert_eq!(check(Kind::Contact, json!({"last_name": ""}), true), vec!["last_name: is required and cannot be empty"]);
    }

    #[test]
    fn types_are_checked() {
        let errors = check(Kind::Account, json!({"account_name": "X", "employees": "many"}), false);
        assert_eq!(errors, vec!["employees: must be a whole number"]);
        let errors = check(Kind::Ticket, json!({"subject": "x", "status": "Pending"}), false);
        assert_eq!(errors, vec!["status: must be one of: Open, On Hold, Escalated, Closed"]);
    }
}
