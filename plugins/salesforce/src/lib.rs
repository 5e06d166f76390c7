//! Deskpane connector for Salesforce.
//!
//! Panels: the requester is looked up by SOQL among Contacts, then Leads,
//! for each key in turn (email, secondary email, phone, name), then among
//! Accounts by account name; opportunities (through contact roles), notes,
//! logged calls (tasks of subtype Call), other tasks and events come from
//! SOQL on the record's id.
//! Sync: describe, list views, a change feed on `SystemModstamp` (plus
//! deleted records through `queryAll`), composite upsert and delete,
//! change notifications through the Deskpane package's subscription object.
//! Actions: create a lead, contact, case or task; add a note; log a call
//! (a completed Task of subtype Call).

mod api;
mod convert;
mod soql;
mod sync;
mod time;

use api::{Failure, Salesforce};
use convert::{at_path, label_of, path_str, shape_value, sobject, str_field};
use deskpane_plugin_sdk::prelude::*;
use serde_json::{json, Value as Json};
use soql::{checked_id, quote};

struct SalesforceCrm;

fn nonempty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The column an INVALID_FIELD message names: `No such column 'Foo' on
/// entity ...` or `Didn't understand relationship 'Foo' in field path`.
fn unknown_column(message: &str) -> Option<&str> {
    ["No such column '", "Didn't understand relationship '"]
        .iter()
        .find_map(|start| message.split_once(start))
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(name, _)| name)
}

/// The fixed fields (`"Id, Name, ..."`), then the extra ones not among
/// them: Salesforce refuses a field selected twice ("duplicate field
/// selected").
fn select_list<'a>(fixed: &str, extra: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut select: Vec<String> = fixed.split(", ").map(str::to_string).collect();
    for name in extra {
        if !select.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            select.push(name.clone());
        }
    }
    select
}

/// A search of one object for the requester: fixed fields, the admin's
/// extra fields (config), and optionally the secondary email field. An
/// extra field Salesforce does not know is dropped, with a warning, and
/// the search asked again, so a typo in the settings costs one request
/// rather than every profile.
struct Search<'a> {
    sf: &'a Salesforce,
    sobject: &'static str,
    fields: &'static str,
    shown: Vec<String>,
    secondary: Option<String>,
}

impl<'a> Search<'a> {
    fn new(sf: &'a Salesforce, sobject: &'static str, fields: &'static str, config_key: &str) -> Search<'a> {
        // A configured field may be one the search reads anyway (a lead's
        // Company): it is shown all the same, and selected once.
        let shown = soql::names(&config::get(config_key).unwrap_or_default());
        Search { sf, sobject, fields, shown, secondary: None }
    }

    fn with_secondary(mut self, field: Option<String>) -> Self {
        self.secondary = field.filter(|f| !self.fields.split(", ").any(|x| x.eq_ignore_ascii_case(f)));
        self
    }

    /// The most recently modified record `condition` selects; the
    /// condition is built again after the fields change.
    fn first(&mut self, condition: impl Fn(Option<&str>) -> String) -> Result<Option<Json>, ConnectorError> {
        loop {
            let select = select_list(self.fields, self.shown.iter().chain(&self.secondary));
            let soql = format!(
                "SELECT {} FROM {} WHERE {} ORDER BY LastModifiedDate DESC LIMIT 1",
                select.join(", "),
                self.sobject,
                condition(self.secondary.as_deref())
            );
            match self.sf.first(&soql) {
                Ok(found) => return Ok(found),
                Err(f) if f.code == "INVALID_FIELD" && (!self.shown.is_empty() || self.secondary.is_some()) => self.drop_unknown(&f),
                Err(f) => return Err(f.into()),
            }
        }
    }

    fn drop_unknown(&mut self, failure: &Failure) {
        let bad = unknown_column(&failure.message);
        let named =
            |n: &str| bad.is_some_and(|b| n.eq_ignore_ascii_case(b) || n.split('.').next().is_some_and(|p| p.eq_ignore_ascii_case(b)));
        let before = self.shown.len() + usize::from(self.secondary.is_some());
        self.shown.retain(|n| !named(n));
        self.secondary = self.secondary.take().filter(|s| !named(s));
        if self.shown.len() + usize::from(self.secondary.is_some()) == before {
            // The message named nothing we added: ask without any of them.
            self.shown.clear();
            self.secondary = None;
        }
        // The message starts with the query; its last line says what is wrong.
        let why = failure.message.trim().rsplit('\n').next().unwrap_or_default();
        log::warn(&format!(
            "{} fields in the plugin settings that Salesforce does not know were left out of the profile: {why}",
            self.sobject
        ));
    }

    /// The admin's extra fields the record has, for the profile.
    fn shown_fields(&self, record: &Json) -> Vec<Field> {
        self.shown
            .iter()
            .filter(|name| !matches!(at_path(record, name), Json::Null | Json::Object(_)))
            .map(|name| Field { name: name.clone(), label: Some(label_of(name)), value: shape_value(at_path(record, name)) })
            .collect()
    }
}

const CONTACT_FIELDS: &str = "Id, Name, FirstName, LastName, Email, Phone, MobilePhone, AccountId, Account.Name, Owner.Name";
const LEAD_FIELDS: &str = "Id, Name, FirstName, LastName, Email, Phone, Company, Owner.Name";
const ACCOUNT_FIELDS: &str = "Id, Name, Phone, Owner.Name";

fn display_name(record: &Json) -> String {
    str_field(record, "Name").unwrap_or_else(|| {
        let first = str_field(record, "FirstName").unwrap_or_default();
        let last = str_field(record, "LastName").unwrap_or_default();
        format!("{first} {last}").trim().to_string()
    })
}

fn person_profile(sf: &Salesforce, search: &Search, record: &Json, module: Module, match_key: MatchKey) -> Profile {
    let id = str_field(record, "Id").unwrap_or_default();
    let name = display_name(record);
    let account =
        str_field(record, "AccountId").map(|id| RecordRef { module: Module::Accounts, id, name: path_str(record, "Account.Name") });
    Profile {
        record: RecordRef { module, id: id.clone(), name: Some(name.clone()) },
        match_key,
        display_name: name,
        email: str_field(record, "Email"),
        secondary_email: search.secondary.as_deref().and_then(|f| str_field(record, f)),
        phone: str_field(record, "Phone").or_else(|| str_field(record, "MobilePhone")),
        account,
        owner: path_str(record, "Owner.Name"),
        fields: search.shown_fields(record),
        link: sf.link(search.sobject, &id),
    }
}

fn account_profile(sf: &Salesforce, search: &Search, record: &Json) -> Profile {
    let id = str_field(record, "Id").unwrap_or_default();
    let name = display_name(record);
    Profile {
        record: RecordRef { module: Module::Accounts, id: id.clone(), name: Some(name.clone()) },
        match_key: MatchKey::AccountName,
        display_name: name,
        email: None,
        secondary_email: None,
        phone: str_field(record, "Phone"),
        account: None,
        owner: path_str(record, "Owner.Name"),
        fields: search.shown_fields(record),
        link: sf.link("Account", &id),
    }
}

/// `FirstName = 'Ada' AND LastName = 'Lovelace'` (the last word is the
/// last name), or `LastName = ...` for one word.
fn name_condition(name: &str) -> String {
    match name.rsplit_once(char::is_whitespace) {
        Some((first, last)) => format!("FirstName = {} AND LastName = {}", quote(first.trim()), quote(last.trim())),
        None => format!("LastName = {}", quote(name)),
    }
}

/// `Email = 'x'`, or with the secondary email field `(Email = 'x' OR Field = 'x')`.
fn email_condition(email: &str, secondary: Option<&str>) -> String {
    match secondary {
        Some(field) => format!("(Email = {q} OR {field} = {q})", q = quote(email)),
        None => format!("Email = {}", quote(email)),
    }
}

impl Panels for SalesforceCrm {
    fn lookup_requester(who: Requester) -> Result<Option<Profile>, ConnectorError> {
        let sf = Salesforce::connect()?;
        let secondary = config::get("secondary-email-field").map(|f| f.trim().to_string()).filter(|f| !f.is_empty());
        let secondary = match secondary {
            Some(f) if soql::is_name(&f) && !f.contains('.') => Some(f),
            Some(f) => {
                log::warn(&format!("ignoring the secondary email field setting `{}`: not a Contact field name", f.escape_debug()));
                None
            }
            None => None,
        };
        let mut contacts = Search::new(&sf, "Contact", CONTACT_FIELDS, "contact-fields").with_secondary(secondary);
        let mut leads = Search::new(&sf, "Lead", LEAD_FIELDS, "lead-fields");

        // Email, then secondary email: a contact, else a lead.
        let emails = [(nonempty(&who.email), MatchKey::Email), (nonempty(&who.secondary_email), MatchKey::SecondaryEmail)];
        for (email, key) in emails.into_iter().filter_map(|(e, k)| Some((e?, k))) {
            if let Some(found) = contacts.first(|sec| email_condition(email, sec))? {
                // With a secondary email field, say which of the two matched.
                let primary = str_field(&found, "Email").is_some_and(|e| e.eq_ignore_ascii_case(email));
                let key = if primary { key } else { MatchKey::SecondaryEmail };
                return Ok(Some(person_profile(&sf, &contacts, &found, Module::Contacts, key)));
            }
            if let Some(found) = leads.first(|_| email_condition(email, None))? {
                return Ok(Some(person_profile(&sf, &leads, &found, Module::Leads, key)));
            }
        }
        if let Some(phone) = nonempty(&who.phone) {
            if let Some(found) = contacts.first(|_| format!("(Phone = {q} OR MobilePhone = {q})", q = quote(phone)))? {
                return Ok(Some(person_profile(&sf, &contacts, &found, Module::Contacts, MatchKey::Phone)));
            }
            if let Some(found) = leads.first(|_| format!("Phone = {}", quote(phone)))? {
                return Ok(Some(person_profile(&sf, &leads, &found, Module::Leads, MatchKey::Phone)));
            }
        }
        if let Some(name) = nonempty(&who.name) {
            if let Some(found) = contacts.first(|_| name_condition(name))? {
                return Ok(Some(person_profile(&sf, &contacts, &found, Module::Contacts, MatchKey::Name)));
            }
            if let Some(found) = leads.first(|_| name_condition(name))? {
                return Ok(Some(person_profile(&sf, &leads, &found, Module::Leads, MatchKey::Name)));
            }
        }
        if let Some(account) = nonempty(&who.account_name) {
            let mut accounts = Search::new(&sf, "Account", ACCOUNT_FIELDS, "account-fields");
            if let Some(found) = accounts.first(|_| format!("Name = {}", quote(account)))? {
                return Ok(Some(account_profile(&sf, &accounts, &found)));
            }
        }
        Ok(None)
    }

    fn potentials(of: RecordRef) -> Result<Vec<Potential>, ConnectorError> {
        let sf = Salesforce::connect()?;
        let id = quote(checked_id(&of.id)?);
        const FIELDS: [&str; 6] = ["Id", "Name", "StageName", "Amount", "CloseDate", "Owner.Name"];
        let rows = match of.module {
            // A contact's opportunities are those it has a role in.
            Module::Contacts => {
                let select = FIELDS.map(|f| format!("Opportunity.{f}")).join(", ");
                let roles = sf.query(&format!("SELECT {select} FROM OpportunityContactRole WHERE ContactId = {id}"))?;
                roles.into_iter().map(|r| r["Opportunity"].clone()).filter(Json::is_object).collect()
            }
            Module::Accounts => sf.query(&format!("SELECT {} FROM Opportunity WHERE AccountId = {id}", FIELDS.join(", ")))?,
            // A lead has opportunities only once converted into a contact.
            Module::Leads => Vec::new(),
            other => return Err(unsupported(&format!("opportunities of {other:?} records"))),
        };
        let mut out: Vec<Potential> = Vec::with_capacity(rows.len());
        let mut seen = std::collections::HashSet::new();
        for o in &rows {
            let id = str_field(o, "Id").unwrap_or_default();
            // One opportunity may give a contact several roles.
            if !seen.insert(id.clone()) {
                continue;
            }
            out.push(Potential {
                record: RecordRef { module: Module::Potentials, id: id.clone(), name: str_field(o, "Name") },
                stage: str_field(o, "StageName"),
                amount: o["Amount"].as_f64(),
                // Single-currency orgs have no CurrencyIsoCode to report.
                currency: None,
                closing_date: str_field(o, "CloseDate"),
                owner: path_str(o, "Owner.Name"),
                link: sf.link("Opportunity", &id),
            });
        }
        // Latest closing first; undated last.
        out.sort_by(|a, b| b.closing_date.is_some().cmp(&a.closing_date.is_some()).then(b.closing_date.cmp(&a.closing_date)));
        Ok(out)
    }

    fn notes(of: RecordRef) -> Result<Vec<Note>, ConnectorError> {
        let sf = Salesforce::connect()?;
        sobject(of.module)?;
        let soql = format!(
            "SELECT Id, Title, Body, CreatedDate, CreatedBy.Name, Owner.Name FROM Note WHERE ParentId = {} ORDER BY CreatedDate DESC",
            quote(checked_id(&of.id)?)
        );
        Ok(sf
            .query(&soql)?
            .iter()
            .map(|n| {
                let id = str_field(n, "Id").unwrap_or_default();
                Note {
                    record: RecordRef { module: Module::Notes, id: id.clone(), name: str_field(n, "Title") },
                    title: str_field(n, "Title"),
                    content: n["Body"].as_str().unwrap_or_default().to_string(),
                    author: path_str(n, "CreatedBy.Name").or_else(|| path_str(n, "Owner.Name")),
                    created_time: str_field(n, "CreatedDate").map(|t| time::to_rfc3339(&t)),
                    link: sf.link("Note", &id),
                }
            })
            .collect())
    }

    fn find(module: Module, matching: Vec<Field>, limit: u32) -> Result<Vec<CrmRecord>, ConnectorError> {
        sync::find(module, &matching, limit)
    }

    /// The contact, lead or account with this Id (SOQL), as the lookup
    /// shows it; `None` when Salesforce has no such record.
    fn profile_of(of: RecordRef) -> Result<Option<Profile>, ConnectorError> {
        let sf = Salesforce::connect()?;
        let id = quote(checked_id(&of.id)?);
        let by_id = |_: Option<&str>| format!("Id = {id}");
        Ok(match of.module {
            Module::Contacts => {
                let mut contacts = Search::new(&sf, "Contact", CONTACT_FIELDS, "contact-fields");
                contacts.first(by_id)?.map(|found| person_profile(&sf, &contacts, &found, Module::Contacts, MatchKey::Linked))
            }
            Module::Leads => {
                let mut leads = Search::new(&sf, "Lead", LEAD_FIELDS, "lead-fields");
                leads.first(by_id)?.map(|found| person_profile(&sf, &leads, &found, Module::Leads, MatchKey::Linked))
            }
            Module::Accounts => {
                let mut accounts = Search::new(&sf, "Account", ACCOUNT_FIELDS, "account-fields");
                accounts.first(by_id)?.map(|found| Profile { match_key: MatchKey::Linked, ..account_profile(&sf, &accounts, &found) })
            }
            other => return Err(unsupported(&format!("profiles of {other:?} records"))),
        })
    }

    fn activities(of: RecordRef, kinds: Vec<ActivityKind>) -> Result<Vec<Activity>, ConnectorError> {
        let sf = Salesforce::connect()?;
        // People are an activity's "who", everything else its "what".
        let relation = match of.module {
            Module::Contacts | Module::Leads => "WhoId",
            Module::Accounts | Module::Potentials | Module::Cases => "WhatId",
            other => return Err(unsupported(&format!("activities of {other:?} records"))),
        };
        let id = quote(checked_id(&of.id)?);
        let mut out = Vec::new();
        let mut done: Vec<ActivityKind> = Vec::new();
        for kind in kinds {
            if done.contains(&kind) {
                continue;
            }
            done.push(kind);
            // Salesforce logs a call as a Task of subtype Call: calls are
            // those tasks, tasks the others. It keeps no chats.
            let (module, sobject, fields, only, order) = match kind {
                ActivityKind::Task => (
                    Module::Tasks,
                    "Task",
                    "Id, Subject, Status, ActivityDate, Description, Owner.Name",
                    " AND TaskSubtype != 'Call'",
                    "ActivityDate",
                ),
                ActivityKind::Call => (
                    Module::Calls,
                    "Task",
                    "Id, Subject, Status, ActivityDate, Description, Owner.Name, CallType, CallDisposition",
                    " AND TaskSubtype = 'Call'",
                    "ActivityDate",
                ),
                ActivityKind::Event => (
                    Module::Events,
                    "Event",
                    "Id, Subject, StartDateTime, EndDateTime, ActivityDate, Location, Description, Owner.Name",
                    "",
                    "StartDateTime",
                ),
                ActivityKind::Chat => continue,
            };
            let soql = format!("SELECT {fields} FROM {sobject} WHERE {relation} = {id}{only} ORDER BY {order} DESC");
            for a in sf.query(&soql)? {
                let id = str_field(&a, "Id").unwrap_or_default();
                let when = |f: &str| str_field(&a, f).and_then(|t| time::date_or_datetime(&t));
                // A call's status is how it went: its result when one was
                // logged (a missed call's "Missed"), else its direction.
                let status = match kind {
                    ActivityKind::Call => str_field(&a, "CallDisposition").or_else(|| str_field(&a, "CallType")),
                    _ => None,
                };
                out.push(Activity {
                    record: RecordRef { module, id: id.clone(), name: str_field(&a, "Subject") },
                    kind,
                    subject: str_field(&a, "Subject").unwrap_or_default(),
                    status: status.or_else(|| str_field(&a, "Status")),
                    start_time: when("StartDateTime").or_else(|| when("ActivityDate")),
                    end_time: when("EndDateTime"),
                    owner: path_str(&a, "Owner.Name"),
                    description: str_field(&a, "Description"),
                    link: sf.link(sobject, &id),
                });
            }
        }
        Ok(out)
    }
}

impl Actions for SalesforceCrm {
    fn perform(request: ActionRequest) -> Result<RecordRef, ConnectorError> {
        let sf = Salesforce::connect()?;
        let (module, sobject) = match request.kind {
            ActionKind::CreateLead => (Module::Leads, "Lead"),
            ActionKind::CreateContact => (Module::Contacts, "Contact"),
            ActionKind::CreateCase => (Module::Cases, "Case"),
            ActionKind::CreateTask => (Module::Tasks, "Task"),
            ActionKind::CreateNote => (Module::Notes, "Note"),
            // Salesforce has no calls object: a logged call is a Task of
            // subtype Call (see `call_in_salesforce_form`).
            ActionKind::LogCall => (Module::Calls, "Task"),
        };
        let record = CrmRecord { id: None, fields: request.fields, created_time: None, modified_time: None };
        let mut body = convert::write_body(sobject, &record, None, true);
        if let Some(object) = body.as_object_mut() {
            object.remove("attributes");
        }
        if module == Module::Notes {
            // A Note hangs off its parent; its Title (80 characters) is
            // required: the start of the body when none was given.
            let parent = request.related_to.as_ref().ok_or_else(|| ConnectorError::Permanent("a note needs a record to go on".into()))?;
            body["ParentId"] = json!(checked_id(&parent.id)?);
            if str_field(&body, "Title").is_none() {
                let text = str_field(&body, "Body").unwrap_or_default();
                let first_line = text.lines().next().unwrap_or_default().trim();
                let title: String = first_line.chars().take(80).collect();
                body["Title"] = json!(if title.is_empty() { "Note".to_string() } else { title });
            }
        }
        if module == Module::Calls {
            call_in_salesforce_form(&mut body);
        }
        if let Some(related) = &request.related_to {
            let field = match (module, related.module) {
                (Module::Cases, Module::Contacts) => Some("ContactId"),
                (Module::Cases | Module::Contacts, Module::Accounts) => Some("AccountId"),
                // A task's (or a call's) person is its "who", anything else its "what".
                (Module::Tasks | Module::Calls, Module::Contacts | Module::Leads) => Some("WhoId"),
                (Module::Tasks | Module::Calls, Module::Accounts | Module::Potentials | Module::Cases) => Some("WhatId"),
                _ => None,
            };
            if let Some(field) = field {
                body[field] = json!(checked_id(&related.id)?);
            }
        }
        // The owner is the active user with the agent's email, else the
        // connecting user (Salesforce's default when OwnerId is absent).
        if let Some(email) = nonempty(&request.owner_email) {
            let soql = format!("SELECT Id FROM User WHERE Email = {} AND IsActive = true LIMIT 1", quote(email));
            if let Some(user) = sf.first(&soql)?.and_then(|u| str_field(&u, "Id")) {
                body["OwnerId"] = json!(user);
            }
        }
        let answer = sf.write(Method::Post, &format!("/sobjects/{sobject}"), &body)?;
        if answer["success"].as_bool() == Some(false) {
            let (code, message, fields) = api::first_error(&answer["errors"]);
            return Err(api::record_error(&code, &message, &fields, None));
        }
        let id = str_field(&answer, "id").ok_or_else(|| ConnectorError::Permanent(format!("Salesforce created no {sobject}: {answer}")))?;
        let name = ["Subject", "Name", "LastName", "Company"].iter().find_map(|f| str_field(&body, f));
        let name = match (str_field(&body, "FirstName"), str_field(&body, "LastName")) {
            (Some(first), Some(last)) if name.as_deref() == Some(last.as_str()) => Some(format!("{first} {last}")),
            _ => name,
        };
        Ok(RecordRef { module, id, name })
    }

    /// A file in Salesforce Files: a ContentVersion published to the
    /// record (`FirstPublishLocationId`), which links its document there.
    fn attach(to: RecordRef, file: File) -> Result<String, ConnectorError> {
        let sf = Salesforce::connect()?;
        let body = convert::content_version(&file, checked_id(&to.id)?);
        let answer = sf.post_raw("/sobjects/ContentVersion", body)?;
        if answer["success"].as_bool() == Some(false) {
            let (code, message, fields) = api::first_error(&answer["errors"]);
            return Err(api::record_error(&code, &message, &fields, None));
        }
        str_field(&answer, "id").ok_or_else(|| ConnectorError::Permanent(format!("Salesforce stored no file: {answer}")))
    }

    fn download(_id: String) -> Result<File, ConnectorError> {
        Err(unsupported("downloading files from Salesforce"))
    }
}

/// A logged call as Salesforce keeps one: a Task of subtype Call, done
/// (`Status` Completed). The contract's values in Salesforce's forms:
/// the direction (`outbound`, `inbound`, `missed`) as `CallType` Outbound
/// or Inbound (Salesforce also has Internal) — a missed call is an
/// inbound one whose result, `CallDisposition`, is "Missed", as Salesforce
/// has no Missed type; the duration in seconds as `CallDurationInSeconds`
/// (negative as 0; a call without one has none); the start time (RFC
/// 3339) as the task's `ActivityDate`, the date as written in the offset
/// it was given in. A direction that is none of these goes to Salesforce
/// as it is, which refuses it (`CallType` is a restricted picklist).
fn call_in_salesforce_form(body: &mut Json) {
    body["TaskSubtype"] = json!("Call");
    body["Status"] = json!("Completed");
    if let Some(direction) = body["CallType"].as_str().map(|d| d.trim().to_ascii_lowercase()) {
        let (call_type, result) = match direction.as_str() {
            "outbound" => ("Outbound", None),
            "inbound" => ("Inbound", None),
            "internal" => ("Internal", None),
            "missed" => ("Inbound", Some("Missed")),
            _ => return finish_call(body),
        };
        body["CallType"] = json!(call_type);
        if let Some(result) = result {
            if str_field(body, "CallDisposition").is_none() {
                body["CallDisposition"] = json!(result);
            }
        }
    }
    finish_call(body);
}

/// The duration and the date of [`call_in_salesforce_form`].
fn finish_call(body: &mut Json) {
    let seconds = match &body["CallDurationInSeconds"] {
        Json::Number(n) => n.as_i64(),
        Json::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    if let Some(seconds) = seconds {
        body["CallDurationInSeconds"] = json!(seconds.max(0));
    }
    // `2026-11-21T09:30:00Z` -> `2026-11-21`; a date stays as it is.
    let date = body["ActivityDate"]
        .as_str()
        .filter(|start| !time::is_date(start) && time::parse(start).is_some())
        .and_then(|start| start.get(..10))
        .filter(|date| time::is_date(date))
        .map(str::to_string);
    if let Some(date) = date {
        body["ActivityDate"] = json!(date);
    }
}

deskpane_plugin_sdk::export!(SalesforceCrm);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_conditions_quote_what_the_desk_sends() {
        assert_eq!(email_condition("ada+test@example.com", None), "Email = 'ada+test@example.com'");
        assert_eq!(
            email_condition("o'neil@x.com", Some("Secondary_Email__c")),
            r"(Email = 'o\'neil@x.com' OR Secondary_Email__c = 'o\'neil@x.com')"
        );
        assert_eq!(name_condition("Ada  Lovelace"), "FirstName = 'Ada' AND LastName = 'Lovelace'");
        assert_eq!(name_condition("Mary Ann O'Hara"), r"FirstName = 'Mary Ann' AND LastName = 'O\'Hara'");
        assert_eq!(name_condition("Plato"), "LastName = 'Plato'");
    }

    #[test]
    fn configured_fields_are_selected_once() {
        let shown = ["Company".to_string(), "title".to_string(), "Status".to_string(), "Status".to_string()];
        assert_eq!(select_list(LEAD_FIELDS, &shown).join(", "), format!("{LEAD_FIELDS}, title, Status"));
        assert_eq!(select_list(ACCOUNT_FIELDS, &[]).join(", "), ACCOUNT_FIELDS);
    }

    fn call(fields: Json) -> Json {
        let mut body = fields;
        call_in_salesforce_form(&mut body);
        body
    }

    #[test]
    fn a_call_is_written_as_a_completed_task_of_subtype_call() {
        let logged = call(json!({"Subject": "Invoice", "CallType": "outbound", "CallDurationInSeconds": 300,
            "ActivityDate": "2026-11-21T09:30:00Z", "Description": "Resent it."}));
        assert_eq!(
            logged,
            json!({"Subject": "Invoice", "TaskSubtype": "Call", "Status": "Completed", "CallType": "Outbound",
                "CallDurationInSeconds": 300, "ActivityDate": "2026-11-21", "Description": "Resent it."})
        );
        // The date of the call where it was held, not in UTC.
        assert_eq!(call(json!({"ActivityDate": "2026-11-21T23:30:00-05:00"}))["ActivityDate"], "2026-11-21");
        assert_eq!(call(json!({"ActivityDate": "2026-11-21"}))["ActivityDate"], "2026-11-21");
        assert_eq!(call(json!({"CallType": " Inbound "}))["CallType"], "Inbound");
        assert_eq!(call(json!({"CallType": "INTERNAL"}))["CallType"], "Internal");
        assert_eq!(call(json!({"CallDurationInSeconds": -5}))["CallDurationInSeconds"], 0);
        assert_eq!(call(json!({"CallDurationInSeconds": "90"}))["CallDurationInSeconds"], 90);
        assert!(call(json!({"Subject": "x"})).get("CallDurationInSeconds").is_none(), "no duration given, none written");
    }

    #[test]
    fn a_missed_call_is_an_inbound_one_whose_result_is_missed() {
        let missed = call(json!({"CallType": "missed"}));
        assert_eq!((&missed["CallType"], &missed["CallDisposition"]), (&json!("Inbound"), &json!("Missed")));
        let noted = call(json!({"CallType": "missed", "CallDisposition": "Voicemail full"}));
        assert_eq!(noted["CallDisposition"], "Voicemail full", "a result given is kept");
        // What Salesforce has no type for goes as it is, for Salesforce to refuse.
        let odd = call(json!({"CallType": "Sideways", "ActivityDate": "2026-11-21T09:30:00Z"}));
        assert_eq!((&odd["CallType"], &odd["ActivityDate"]), (&json!("Sideways"), &json!("2026-11-21")));
        assert!(odd.get("CallDisposition").is_none());
    }

    #[test]
    fn the_unknown_column_is_read_from_salesforce_message() {
        let m = "\nSELECT Foo FROM Contact\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo' on entity 'Contact'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.";
        assert_eq!(unknown_column(m), Some("Foo"));
        assert_eq!(unknown_column("Didn't understand relationship 'Acount' in field path."), Some("Acount"));
        assert_eq!(unknown_column("something else"), None);
    }
}
