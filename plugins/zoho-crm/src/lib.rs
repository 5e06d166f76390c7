//! Deskpane connector for Zoho CRM.
//!
//! Panels: the requester is looked up among Contacts by email, secondary
//! email, phone and name, then among Accounts by account name; deals,
//! notes, calls, events and tasks come from the record's related lists.
//! Sync: field metadata, custom views, a change feed polled by modified
//! time (plus `/deleted`), batched upsert and delete, watch notifications.
//! Actions: create a lead, contact, case or task; add a note, log a call.

mod api;
mod convert;
mod sync;
mod time;

use api::{all_pages, encode, Zoho};
use convert::{criteria_value, label_of, lookup_name, lookup_ref, str_field, zoho_module};
use deskpane_plugin_sdk::prelude::*;
use serde_json::{json, Value as Json};

struct ZohoCrm;

fn nonempty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// "View in CRM" link of a record.
fn link(module: &str, id: &str) -> Option<String> {
    let web = config::get("web-url").unwrap_or_else(|| "https://crm.zoho.com/crm".into());
    Some(format!("{}/tab/{module}/{id}", web.trim_end_matches('/')))
}

/// The fields named in config `key` that the record has, for the profile.
fn shown_fields(record: &Json, key: &str) -> Vec<Field> {
    config::get(key)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty() && !record[*name].is_null())
        .map(|name| Field {
            name: name.to_string(),
            label: Some(label_of(name)),
            value: convert::to_value(&record[name], convert::lookup_target(name)),
        })
        .collect()
}

/// The first record a search finds.
fn search_first(zoho: &Zoho, module: &str, query: &str) -> Result<Option<Json>, ConnectorError> {
    let found = zoho.get(&format!("/{module}/search?{query}&per_page=10"))?;
    Ok(found.and_then(|body| body["data"].as_array().and_then(|d| d.first().cloned())))
}

fn contact_profile(record: &Json, match_key: MatchKey) -> Profile {
    person_profile(record, match_key, Module::Contacts)
}

/// A contact or a lead (a lead has a company rather than an account).
fn person_profile(record: &Json, match_key: MatchKey, module: Module) -> Profile {
    let id = str_field(record, "id").unwrap_or_default();
    let first = str_field(record, "First_Name").unwrap_or_default();
    let last = str_field(record, "Last_Name").unwrap_or_default();
    let display_name = str_field(record, "Full_Name").unwrap_or_else(|| format!("{first} {last}").trim().to_string());
    Profile {
        record: RecordRef { module, id: id.clone(), name: Some(display_name.clone()) },
        match_key,
        display_name,
        email: str_field(record, "Email"),
        secondary_email: str_field(record, "Secondary_Email"),
        phone: str_field(record, "Phone").or_else(|| str_field(record, "Mobile")),
        account: lookup_ref(record, "Account_Name", Module::Accounts),
        owner: lookup_name(record, "Owner"),
        fields: if module == Module::Leads { shown_fields(record, "lead-fields") } else { shown_fields(record, "contact-fields") },
        link: link(if module == Module::Leads { "Leads" } else { "Contacts" }, &id),
    }
}

fn account_profile(record: &Json) -> Profile {
    let id = str_field(record, "id").unwrap_or_default();
    let name = str_field(record, "Account_Name").unwrap_or_default();
    Profile {
        record: RecordRef { module: Module::Accounts, id: id.clone(), name: Some(name.clone()) },
        match_key: MatchKey::AccountName,
        display_name: name,
        email: None,
        secondary_email: None,
        phone: str_field(record, "Phone"),
        account: None,
        owner: lookup_name(record, "Owner"),
        fields: shown_fields(record, "account-fields"),
        link: link("Accounts", &id),
    }
}

/// Deals, notes and activities hang off contacts and accounts only.
fn parent_module(of: &RecordRef) -> Result<&'static str, ConnectorError> {
    match of.module {
        Module::Contacts | Module::Accounts | Module::Leads => zoho_module(of.module),
        other => Err(unsupported(&format!("related lists of {other:?} records"))),
    }
}

fn related(zoho: &Zoho, of: &RecordRef, list: &str, fields: &str) -> Result<Vec<Json>, ConnectorError> {
    let parent = parent_module(of)?;
    all_pages(zoho, &format!("/{parent}/{}/{list}?fields={fields}", encode(&of.id)))
}

impl Panels for ZohoCrm {
    fn lookup_requester(who: Requester) -> Result<Option<Profile>, ConnectorError> {
        let zoho = Zoho::connect();
        if let Some(email) = nonempty(&who.email) {
            if let Some(found) = search_first(&zoho, "Contacts", &format!("email={}", encode(email)))? {
                // Zoho's email search covers both email fields; say which matched.
                let primary = str_field(&found, "Email").is_some_and(|e| e.eq_ignore_ascii_case(email));
                let key = if primary { MatchKey::Email } else { MatchKey::SecondaryEmail };
                return Ok(Some(contact_profile(&found, key)));
            }
        }
        if let Some(email) = nonempty(&who.secondary_email) {
            if let Some(found) = search_first(&zoho, "Contacts", &format!("email={}", encode(email)))? {
                return Ok(Some(contact_profile(&found, MatchKey::SecondaryEmail)));
            }
        }
        if let Some(phone) = nonempty(&who.phone) {
            if let Some(found) = search_first(&zoho, "Contacts", &format!("phone={}", encode(phone)))? {
                return Ok(Some(contact_profile(&found, MatchKey::Phone)));
            }
        }
        // Not a contact: perhaps a lead (a visitor a contact centre recorded).
        if let Some(email) = nonempty(&who.email) {
            if let Some(found) = search_first(&zoho, "Leads", &format!("email={}", encode(email)))? {
                return Ok(Some(person_profile(&found, MatchKey::Email, Module::Leads)));
            }
        }
        if let Some(name) = nonempty(&who.name) {
            let criteria = match name.rsplit_once(' ') {
                Some((first, last)) => {
                    format!("((First_Name:equals:{})and(Last_Name:equals:{}))", criteria_value(first.trim()), criteria_value(last.trim()))
                }
                None => format!("(Last_Name:equals:{})", criteria_value(name)),
            };
            if let Some(found) = search_first(&zoho, "Contacts", &format!("criteria={}", encode(&criteria)))? {
                return Ok(Some(contact_profile(&found, MatchKey::Name)));
            }
        }
        if let Some(account) = nonempty(&who.account_name) {
            let criteria = format!("(Account_Name:equals:{})", criteria_value(account));
            if let Some(found) = search_first(&zoho, "Accounts", &format!("criteria={}", encode(&criteria)))? {
                return Ok(Some(account_profile(&found)));
            }
        }
        Ok(None)
    }

    fn potentials(of: RecordRef) -> Result<Vec<Potential>, ConnectorError> {
        if of.module == Module::Leads {
            // A lead has no deals until it is converted.
            return Ok(Vec::new());
        }
        let zoho = Zoho::connect();
        let deals = related(&zoho, &of, "Deals", "Deal_Name,Stage,Amount,Closing_Date,Owner")?;
        Ok(deals
            .iter()
            .map(|d| {
                let id = str_field(d, "id").unwrap_or_default();
                Potential {
                    record: RecordRef { module: Module::Potentials, id: id.clone(), name: str_field(d, "Deal_Name") },
                    stage: str_field(d, "Stage"),
                    amount: d["Amount"].as_f64(),
                    // Single-currency organisations report no currency per deal.
                    currency: None,
                    closing_date: str_field(d, "Closing_Date"),
                    owner: lookup_name(d, "Owner"),
                    link: link("Deals", &id),
                }
            })
            .collect())
    }

    fn notes(of: RecordRef) -> Result<Vec<Note>, ConnectorError> {
        let zoho = Zoho::connect();
        let notes = related(&zoho, &of, "Notes", "Note_Title,Note_Content,Owner,Created_Time,Created_By")?;
        Ok(notes
            .iter()
            .map(|n| {
                let id = str_field(n, "id").unwrap_or_default();
                Note {
                    record: RecordRef { module: Module::Notes, id: id.clone(), name: str_field(n, "Note_Title") },
                    title: str_field(n, "Note_Title"),
                    content: n["Note_Content"].as_str().unwrap_or_default().to_string(),
                    author: lookup_name(n, "Owner").or_else(|| lookup_name(n, "Created_By")),
                    created_time: str_field(n, "Created_Time"),
                    link: link("Notes", &id),
                }
            })
            .collect())
    }

    /// Zoho's record search with an `and` of `equals` criteria (Zoho
    /// compares text without regard to case).
    fn find(module: Module, matching: Vec<Field>, limit: u32) -> Result<Vec<CrmRecord>, ConnectorError> {
        if matching.is_empty() {
            return Err(ConnectorError::Permanent("find needs at least one field to match".into()));
        }
        let zoho_name = zoho_module(module)?;
        let mut terms = Vec::new();
        for f in &matching {
            let value = match &f.value {
                Value::Text(s) | Value::Date(s) | Value::Datetime(s) => s.clone(),
                Value::Integer(i) => i.to_string(),
                Value::Decimal(d) => d.to_string(),
                Value::Boolean(b) => b.to_string(),
                Value::Reference(r) => r.id.clone(),
                Value::Null | Value::TextList(_) => {
                    return Err(ConnectorError::Permanent(format!("`{}` cannot be matched by value", f.name.escape_debug())))
                }
            };
            if !f.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(ConnectorError::Permanent(format!("`{}` is not a Zoho field name", f.name.escape_debug())));
            }
            terms.push(format!("({}:equals:{})", f.name, criteria_value(&value)));
        }
        let zoho = Zoho::connect();
        let per_page = limit.clamp(1, 200);
        let found =
            zoho.get(&format!("/{zoho_name}/search?criteria={}&per_page={per_page}", encode(&format!("({})", terms.join("and")))))?;
        let mut records: Vec<CrmRecord> =
            found.and_then(|b| b["data"].as_array().cloned()).unwrap_or_default().iter().map(convert::to_record).collect();
        // Most recently modified first (RFC 3339 times of one offset sort as text).
        records.sort_by(|a, b| b.modified_time.cmp(&a.modified_time));
        records.truncate(per_page as usize);
        Ok(records)
    }

    /// The contact, lead or account with this id (`GET /{module}/{id}`);
    /// `None` when Zoho has no such record.
    fn profile_of(of: RecordRef) -> Result<Option<Profile>, ConnectorError> {
        let zoho_name = match of.module {
            Module::Contacts | Module::Leads | Module::Accounts => zoho_module(of.module)?,
            other => return Err(unsupported(&format!("profiles of {other:?} records"))),
        };
        // Zoho's ids are digits: anything else names no record.
        if of.id.is_empty() || !of.id.chars().all(|c| c.is_ascii_digit()) {
            return Ok(None);
        }
        let zoho = Zoho::connect();
        let found = match zoho.get(&format!("/{zoho_name}/{}", encode(&of.id))) {
            Ok(found) => found,
            // An id Zoho does not have: 400 INVALID_DATA ("the id given seems to be invalid").
            Err(ConnectorError::Permanent(m)) if m.contains("INVALID_DATA") => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(record) = found.and_then(|b| b["data"].get(0).cloned()) else { return Ok(None) };
        Ok(Some(match of.module {
            Module::Accounts => Profile { match_key: MatchKey::Linked, ..account_profile(&record) },
            module => person_profile(&record, MatchKey::Linked, module),
        }))
    }

    fn activities(of: RecordRef, kinds: Vec<ActivityKind>) -> Result<Vec<Activity>, ConnectorError> {
        let zoho = Zoho::connect();
        let mut out = Vec::new();
        for kind in kinds {
            // (related list, module, fields, subject, status, start, end)
            let (list, module, fields, subject, status, start, end) = match kind {
                ActivityKind::Call => (
                    "Calls",
                    Module::Calls,
                    "Subject,Call_Type,Call_Start_Time,Call_Duration,Description,Owner",
                    "Subject",
                    "Call_Type",
                    "Call_Start_Time",
                    "",
                ),
                ActivityKind::Event => (
                    "Events",
                    Module::Events,
                    "Event_Title,Start_DateTime,End_DateTime,Venue,Description,Owner",
                    "Event_Title",
                    "",
                    "Start_DateTime",
                    "End_DateTime",
                ),
                ActivityKind::Task => {
                    ("Tasks", Module::Tasks, "Subject,Due_Date,Status,Priority,Description,Owner", "Subject", "Status", "Due_Date", "")
                }
                // Zoho CRM keeps no chats; a contact-centre plugin shows them.
                ActivityKind::Chat => continue,
            };
            for a in related(&zoho, &of, list, fields)? {
                let id = str_field(&a, "id").unwrap_or_default();
                out.push(Activity {
                    record: RecordRef { module, id: id.clone(), name: str_field(&a, subject) },
                    kind,
                    subject: str_field(&a, subject).unwrap_or_default(),
                    status: str_field(&a, status),
                    start_time: str_field(&a, start),
                    end_time: str_field(&a, end),
                    owner: lookup_name(&a, "Owner"),
                    description: str_field(&a, "Description"),
                    link: link(list, &id),
                });
            }
        }
        Ok(out)
    }
}

impl Actions for ZohoCrm {
    fn perform(request: ActionRequest) -> Result<RecordRef, ConnectorError> {
        let zoho = Zoho::connect();
        let (module, zoho_name) = match request.kind {
            ActionKind::CreateLead => (Module::Leads, "Leads"),
            ActionKind::CreateContact => (Module::Contacts, "Contacts"),
            ActionKind::CreateCase => (Module::Cases, "Cases"),
            ActionKind::CreateTask => (Module::Tasks, "Tasks"),
            ActionKind::CreateNote => (Module::Notes, "Notes"),
            ActionKind::LogCall => (Module::Calls, "Calls"),
        };
        let mut record = convert::from_record(&CrmRecord { id: None, fields: request.fields, created_time: None, modified_time: None });
        if let Some(related) = &request.related_to {
            let target = json!({ "id": related.id });
            match (module, related.module) {
                (Module::Cases, Module::Contacts) => record["Related_To"] = target,
                (Module::Cases | Module::Contacts, Module::Accounts) => record["Account_Name"] = target,
                (Module::Tasks | Module::Calls, Module::Contacts) => {
                    record["Who_Id"] = target;
                    record["$se_module"] = json!("Contacts");
                }
                (Module::Tasks | Module::Calls, other) => {
                    record["What_Id"] = target;
                    record["$se_module"] = json!(zoho_module(other)?);
                }
                (Module::Notes, parent) => {
                    record["Parent_Id"] = target;
                    record["$se_module"] = json!(parent_module(&RecordRef { module: parent, id: String::new(), name: None })?);
                }
                _ => {}
            }
        }
        if module == Module::Notes && record.get("Parent_Id").is_none() {
            return Err(ConnectorError::Permanent("a note needs a record to go on".into()));
        }
        if module == Module::Calls {
            call_in_zoho_form(&mut record);
        }
        // The owner is the CRM user with the agent's email, else the
        // connecting user (Zoho's default when Owner is absent).
        if let Some(email) = nonempty(&request.owner_email) {
            if let Some(user) = find_user(&zoho, email)? {
                record["Owner"] = json!({ "id": user });
            }
        }
        let body = zoho.write(Method::Post, &format!("/{zoho_name}"), &json!({ "data": [record] }))?;
        let outcome = body.as_ref().and_then(|b| b["data"].get(0).cloned()).unwrap_or(Json::Null);
        let written = sync::outcome(&outcome)?;
        let name = request_name(&record);
        Ok(RecordRef { module, id: written.id, name })
    }

    /// Uploads the file to the record's Attachments (multipart, part `file`).
    fn attach(to: RecordRef, file: File) -> Result<String, ConnectorError> {
        let zoho = Zoho::connect();
        let path = format!("/{}/{}/Attachments", zoho_module(to.module)?, encode(&to.id));
        let form = deskpane_plugin_sdk::multipart::file("file", &file.name, &file.content_type, &file.content);
        let body = zoho.upload(&path, form)?;
        let outcome = body.as_ref().and_then(|b| b["data"].get(0).cloned()).unwrap_or(Json::Null);
        Ok(sync::outcome(&outcome)?.id)
    }

    fn download(_id: String) -> Result<File, ConnectorError> {
        Err(unsupported("downloading files from Zoho CRM"))
    }
}

fn request_name(record: &Json) -> Option<String> {
    ["Subject", "Last_Name", "Account_Name", "Note_Title"].iter().find_map(|f| record[*f].as_str().map(str::to_string))
}

/// A logged call's values as Zoho takes them: `Call_Type` Outbound,
/// Inbound or Missed (the contract says `outbound`, `inbound`, `missed`);
/// `Call_Duration` as "mm:ss" (the contract gives seconds; a held call
/// without one lasted "00:00"); `Call_Start_Time` with a numeric offset
/// rather than `Z`.
fn call_in_zoho_form(record: &mut Json) {
    if let Some(kind) = record["Call_Type"].as_str() {
        let mut chars = kind.trim().chars();
        let capitalised = chars.next().map(|c| c.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase());
        record["Call_Type"] = json!(capitalised.unwrap_or_default());
    }
    let missed = record["Call_Type"].as_str() == Some("Missed");
    match record["Call_Duration"].as_i64() {
        Some(seconds) => {
            let seconds = seconds.max(0);
            record["Call_Duration"] = json!(format!("{:02}:{:02}", seconds / 60, seconds % 60));
        }
        None if !missed && record["Call_Duration"].as_str().is_none() => record["Call_Duration"] = json!("00:00"),
        None => {}
    }
    if let Some(start) = record["Call_Start_Time"].as_str() {
        if let Some(utc) = start.strip_suffix('Z') {
            record["Call_Start_Time"] = json!(format!("{}+00:00", utc.split('.').next().unwrap_or(utc)));
        }
    }
}

/// The id of the active CRM user with this email.
fn find_user(zoho: &Zoho, email: &str) -> Result<Option<String>, ConnectorError> {
    let users = zoho.get("/users?type=ActiveUsers")?;
    Ok(users.and_then(|u| {
        u["users"].as_array().and_then(|list| {
            list.iter()
                .find(|user| user["email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(email)))
                .and_then(|user| str_field(user, "id"))
        })
    }))
}

deskpane_plugin_sdk::export!(ZohoCrm);
