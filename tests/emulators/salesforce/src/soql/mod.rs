//! SOQL: text -> tokens (`lexer`) -> syntax tree (`parser`) -> a plan
//! checked against the schema, run over the store (`eval`). Errors carry the
//! offending position and become Salesforce's located messages
//! (`\nSELECT Foo FROM Contact\n       ^\nERROR at Row:1:Column:8\n...`).

mod eval;
mod lexer;
mod parser;

use serde_json::{json, Value};

use crate::error::ApiError;
use crate::schema::SObject;
use crate::store::Store;

pub use eval::Found;
use parser::{Cond, Lit, Op};

/// `Restriction` is one of Salesforce's implementation restrictions (its
/// message is not located in the text).
#[derive(Debug, Clone, PartialEq)]
pub enum SoqlError {
    Malformed { pos: usize, message: String },
    InvalidField { pos: usize, message: String },
    InvalidType(String),
    OffsetTooLarge,
    Restriction(String),
}

impl SoqlError {
    /// The API error, with the message located in the query text.
    pub fn into_api(self, text: &str) -> ApiError {
        match self {
            SoqlError::Malformed { pos, message } => ApiError::MalformedQuery(located(text, pos, &message)),
            SoqlError::InvalidField { pos, message } => ApiError::InvalidField(located(text, pos, &message)),
            SoqlError::InvalidType(name) => ApiError::InvalidType(format!("sObject type '{name}' is not supported.")),
            SoqlError::OffsetTooLarge => ApiError::OffsetTooLarge,
            SoqlError::Restriction(message) => ApiError::MalformedQuery(message),
        }
    }
}

/// `\n<line>\n<caret>\nERROR at Row:r:Column:c\n<message>`, as Salesforce writes it.
fn located(text: &str, pos: usize, message: &str) -> String {
    let pos = pos.min(text.len());
    let before = &text[..pos];
    let row = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let column = text[line_start..pos].chars().count() + 1;
    let line = text[line_start..].lines().next().unwrap_or("");
    format!("\n{line}\n{}^\nERROR at Row:{row}:Column:{column}\n{message}", " ".repeat(column - 1))
}

/// Parses, checks and runs a query; `all` includes deleted rows.
pub fn query(text: &str, store: &Store, all: bool, version: &str) -> Result<Found, ApiError> {
    let plan = lexer::lex(text).and_then(|tokens| parser::parse(&tokens)).and_then(|q| eval::bind(&q)).map_err(|e| e.into_api(text))?;
    Ok(plan.run(store, all, version))
}

/// A list view's filter: checked against the object, and as describe's
/// `whereCondition` (`{"field","operator","values"}` or
/// `{"conditions":[...],"conjunction"}`).
pub fn list_view_condition(object: &'static SObject, text: &str) -> Result<Value, ApiError> {
    let cond = lexer::lex(text).and_then(|tokens| parser::parse_condition(&tokens)).map_err(|e| e.into_api(text))?;
    eval::check_condition(object, &cond).map_err(|e| e.into_api(text))?;
    Ok(where_json(&cond))
}

fn where_json(cond: &Cond) -> Value {
    let group = |parts: &[Cond], conjunction: &str| json!({"conditions": parts.iter().map(where_json).collect::<Vec<_>>(), "conjunction": conjunction});
    match cond {
        Cond::And(parts) => group(parts, "and"),
        Cond::Or(parts) => group(parts, "or"),
        Cond::Not(inner) => group(std::slice::from_ref(inner.as_ref()), "not"),
        Cond::Cmp { path, op, value } => {
            let operator = match op {
                Op::Eq => "equals",
                Op::Ne => "notEqual",
                Op::Lt => "lessThan",
                Op::Le => "lessOrEqual",
                Op::Gt => "greaterThan",
                Op::Ge => "greaterOrEqual",
                Op::Like => "like",
            };
            json!({"field": path.text(), "operator": operator, "values": [literal_text(&value.lit)]})
        }
        Cond::In { path, negated, values } => json!({
            "field": path.text(),
            "operator": if *negated { "notIn" } else { "in" },
            "values": values.iter().map(|v| literal_text(&v.lit)).collect::<Vec<_>>(),
        }),
    }
}

/// A literal as SOQL text (how list view describes quote values).
fn literal_text(lit: &Lit) -> String {
    use parser::DateRange::*;
    match lit {
        Lit::Null => "null".into(),
        Lit::Bool(b) => b.to_string(),
        Lit::Str(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Lit::Num(n) => n.to_string(),
        Lit::Date(d) => d.to_string(),
        Lit::DateTime(ms) => crate::util::format_ms(*ms),
        Lit::Range(Today) => "TODAY".into(),
        Lit::Range(Yesterday) => "YESTERDAY".into(),
        Lit::Range(Tomorrow) => "TOMORROW".into(),
        Lit::Range(LastNDays(n)) => format!("LAST_N_DAYS:{n}"),
        Lit::Range(NextNDays(n)) => format!("NEXT_N_DAYS:{n}"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map};

    use super::*;
    use crate::notify::Notifier;
    use crate::schema::object_named;

    fn store() -> Store {
        let (notifier, _queue) = Notifier::new();
        let mut store = Store::new(notifier);
        let seed = |store: &mut Store, object: &str, value: Value| {
            let map: Map<String, Value> = value.as_object().unwrap().clone();
            store.seed(object_named(object).unwrap(), &map)
        };
        let acme = seed(&mut store, "Account", json!({"Name": "Acme"}));
        seed(&mut store, "Contact", json!({"FirstName": "Priya", "LastName": "Raman", "Email": "priya@x.example", "AccountId": acme}));
        seed(&mut store, "Contact", json!({"LastName": "O'Brien", "Title": "CTO"}));
        let lead = seed(&mut store, "Lead", json!({"LastName": "Bellini", "Company": "Brightwave"}));
        seed(&mut store, "Task", json!({"Subject": "Call", "WhoId": lead, "ActivityDate": "2026-11-21"}));
        store
    }

    fn rows(store: &Store, text: &str) -> Vec<Value> {
        query(text, store, false, "v62.0").unwrap_or_else(|e| panic!("{text}: {e:?}")).rows
    }

    #[test]
    fn nests_parent_relationships() {
        let store = store();
        let found = rows(&store, "SELECT Name, Account.Name, Owner.Email FROM Contact ORDER BY LastName");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0]["Name"], "O'Brien");
        assert_eq!(found[0]["Account"], Value::Null);
        assert_eq!(found[1]["Account"]["Name"], "Acme");
        assert_eq!(found[1]["Account"]["attributes"]["type"], "Account");
        assert_eq!(found[1]["Owner"]["Email"], "elena.vasquez@deskpane-demo.example");
        assert_eq!(found[1]["attributes"]["type"], "Contact");
        assert!(found[1].get("Id").is_none());
        let tasks = rows(&store, "SELECT Who.Name, Who.Type FROM Task WHERE Who.Name LIKE 'bell%'");
        assert_eq!(tasks[0]["Who"]["attributes"]["type"], "Name");
        assert!(tasks[0]["Who"]["attributes"]["url"].as_str().unwrap().contains("/sobjects/Lead/00Q"));
        assert_eq!(tasks[0]["Who"]["Type"], "Lead");
    }

    #[test]
    fn filters_with_every_operator() {
        let store = store();
        let count = |cond: &str| rows(&store, &format!("SELECT Id FROM Contact WHERE {cond}")).len();
        assert_eq!(count("Email = 'PRIYA@x.example'"), 1);
        assert_eq!(count("Email != null"), 1);
        assert_eq!(count("Email = null"), 1);
        assert_eq!(count("Email != 'priya@x.example'"), 1);
        assert_eq!(count("LastName IN ('raman', 'nobody')"), 1);
        assert_eq!(count("LastName NOT IN ('raman')"), 1);
        assert_eq!(count("NOT (LastName = 'Raman' OR Title = 'CTO')"), 0);
        assert_eq!(count("LastName = 'O\\'Brien'"), 1);
        assert_eq!(count("Account.Name = 'Acme' AND CreatedDate = TODAY"), 1);
        assert_eq!(count("CreatedDate > 2020-01-01T00:00:00Z"), 2);
        assert_eq!(count("CreatedDate < LAST_N_DAYS:3"), 0);
        assert_eq!(count("CreatedDate = LAST_N_DAYS:3"), 2);
        assert_eq!(rows(&store, "SELECT Id FROM Task WHERE ActivityDate >= 2026-11-21 AND ActivityDate < 2026-11-22").len(), 1);
        assert_eq!(rows(&store, "SELECT Id FROM Contact LIMIT 1 OFFSET 1").len(), 1);
        assert_eq!(query("SELECT COUNT() FROM Contact", &store, false, "v62.0").unwrap().total, 2);
    }

    #[test]
    fn errors_are_located_as_salesforce_writes_them() {
        let store = store();
        let err = query("SELECT Foo FROM Contact", &store, false, "v62.0").err().unwrap();
        assert_eq!(
            err,
            ApiError::InvalidField(
                "\nSELECT Foo FROM Contact\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo' on entity 'Contact'. If you are \
                 attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL \
                 or the describe call for the appropriate names."
                    .into()
            )
        );
        assert_eq!(
            query("SELECT Id FROM Foo", &store, false, "v62.0").err(),
            Some(ApiError::InvalidType("sObject type 'Foo' is not supported.".into()))
        );
        assert!(
            matches!(query("SELECT Id FROM Contact WHERE Bogus.Name = 'x'", &store, false, "v62.0"), Err(ApiError::InvalidField(m)) if m.contains("Didn't understand relationship 'Bogus'"))
        );
        assert!(
            matches!(query("SELECT Id FROM Contact WHERE CreatedDate = '2026-01-01'", &store, false, "v62.0"), Err(ApiError::InvalidField(m)) if m.contains("must be of type dateTime"))
        );
        assert!(
            matches!(query("SELECT Id FROM Contact\nWHERE LastName = 5", &store, false, "v62.0"), Err(ApiError::InvalidField(m)) if m.contains("Row:2:Column:18"))
        );
        assert!(matches!(query("SELECT Id FROM Contact OFFSET 2001", &store, false, "v62.0"), Err(ApiError::OffsetTooLarge)));
        assert!(matches!(query("SELECT Id Contact", &store, false, "v62.0"), Err(ApiError::MalformedQuery(_))));
    }

    #[test]
    fn list_view_conditions_become_where_conditions() {
        let contact = object_named("Contact").unwrap();
        assert_eq!(
            list_view_condition(contact, "Support_Tier__c = 'Gold' AND MailingCountry IN ('Norway', 'Sweden')").unwrap(),
            json!({"conjunction": "and", "conditions": [
                {"field": "Support_Tier__c", "operator": "equals", "values": ["'Gold'"]},
                {"field": "MailingCountry", "operator": "in", "values": ["'Norway'", "'Sweden'"]},
            ]})
        );
        assert!(list_view_condition(contact, "Nope = 1").is_err());
    }
}
