//! A connector for the Sample CRM (API: crates/conformance/README.md):
//! finds the ticket's requester, then shows their deals, notes and
//! activities. Sync and actions are left to the SDK's defaults
//! (`unsupported`).

use deskpane_plugin_sdk::prelude::*;
use serde_json::Value as Json;

const CREDENTIAL: Option<&str> = Some("sample-crm");

struct SampleCrm;

fn base() -> Result<String, ConnectorError> {
    config::get("api-url").ok_or_else(|| ConnectorError::Permanent("the plugin's `api-url` setting is empty".into()))
}

/// Every item of a paged list under `/api/...`, pages followed to the end.
fn all(path: &[&str], query: &[(&str, &str)]) -> Result<Vec<Json>, ConnectorError> {
    let base = base()?;
    paging::collect(|page| {
        let mut query = query.to_vec();
        query.extend(page.map(|p| ("page", p)));
        let segments: Vec<&str> = std::iter::once("api").chain(path.iter().copied()).collect();
        let body = http::get_json(&url::build(&base, &segments, &query), CREDENTIAL)?;
        Ok((json::items(&body, "data").to_vec(), json::text(&body, "next_page")))
    })
}

fn link(kind: &str, id: &str) -> Option<String> {
    base().ok().map(|b| url::build(&b, &["app", kind, id], &[]))
}

fn record(module: Module, v: &Json, name: Option<String>) -> RecordRef {
    RecordRef { module, id: json::text(v, "id").unwrap_or_default(), name }
}

fn profile(c: &Json, match_key: MatchKey) -> Profile {
    let name = json::joined(&[json::text(c, "first_name"), json::text(c, "last_name")]);
    let id = json::text(c, "id").unwrap_or_default();
    let account = json::object(c, "account").map(|a| record(Module::Accounts, a, json::text(a, "name")));
    let fields = [("title", "Title"), ("customer_type", "Customer type")]
        .into_iter()
        .filter_map(|(key, label)| {
            let value = Value::Text(json::text(c, key)?);
            Some(Field { name: key.into(), label: Some(label.into()), value })
        })
        .collect();
    Profile {
        record: record(Module::Contacts, c, name.clone()),
        match_key,
        display_name: name.unwrap_or_else(|| id.clone()),
        email: json::text(c, "email"),
        secondary_email: json::text(c, "secondary_email"),
        phone: json::text(c, "phone"),
        account,
        owner: json::text(c, "owner"),
        fields,
        link: link("contacts", &id),
    }
}

impl Connector for SampleCrm {
    /// Tries the requester's keys in the contract's order; the first search
    /// that finds a contact wins.
    fn lookup_requester(who: Requester) -> Result<Option<Profile>, ConnectorError> {
        let phone_digits = who.phone.as_ref().map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>());
        let keys = [
            ("email", who.email.clone(), MatchKey::Email),
            ("secondary_email", who.email.clone(), MatchKey::SecondaryEmail),
            ("secondary_email", who.secondary_email.clone(), MatchKey::SecondaryEmail),
            ("email", who.secondary_email.clone(), MatchKey::SecondaryEmail),
            ("phone", phone_digits, MatchKey::Phone),
            ("name", who.name.clone(), MatchKey::Name),
            ("account", who.account_name.clone(), MatchKey::AccountName),
        ];
        for (key, value, match_key) in keys {
            let Some(value) = value.filter(|v| !v.trim().is_empty()) else { continue };
            let found = http::get_json(&url::build(&base()?, &["api", "contacts"], &[(key, &value)]), CREDENTIAL)?;
            if let Some(contact) = json::items(&found, "data").first() {
                return Ok(Some(profile(contact, match_key)));
            }
        }
        Ok(None)
    }

    fn potentials(of: RecordRef) -> Result<Vec<Potential>, ConnectorError> {
        let deals = all(&["contacts", &of.id, "deals"], &[])?;
        Ok(deals
            .iter()
            .map(|d| Potential {
                record: record(Module::Potentials, d, json::text(d, "name")),
                stage: json::text(d, "stage"),
                amount: json::number(d, "amount"),
                currency: json::text(d, "currency"),
                closing_date: json::text(d, "close_date"),
                owner: json::text(d, "owner"),
                link: link("deals", &json::text(d, "id").unwrap_or_default()),
            })
            .collect())
    }

    fn notes(of: RecordRef) -> Result<Vec<Note>, ConnectorError> {
        let notes = all(&["contacts", &of.id, "notes"], &[])?;
        Ok(notes
            .iter()
            .map(|n| Note {
                record: record(Module::Notes, n, json::text(n, "title")),
                title: json::text(n, "title"),
                content: json::text(n, "body").unwrap_or_default(),
                author: json::text(n, "author"),
                created_time: json::text(n, "created_at"),
                link: link("notes", &json::text(n, "id").unwrap_or_default()),
            })
            .collect())
    }

    fn activities(of: RecordRef, kinds: Vec<ActivityKind>) -> Result<Vec<Activity>, ConnectorError> {
        let kind_of = |k: &str| match k {
            "call" => Some((ActivityKind::Call, Module::Calls)),
            "event" => Some((ActivityKind::Event, Module::Events)),
            "task" => Some((ActivityKind::Task, Module::Tasks)),
            "chat" => Some((ActivityKind::Chat, Module::Chats)),
            _ => None,
        };
        let items = all(&["contacts", &of.id, "activities"], &[])?;
        Ok(items
            .iter()
            .filter_map(|a| {
                let (kind, module) = kind_of(&json::text(a, "kind")?).filter(|(k, _)| kinds.contains(k))?;
                Some(Activity {
                    record: record(module, a, json::text(a, "subject")),
                    kind,
                    subject: json::text(a, "subject").unwrap_or_default(),
                    status: json::text(a, "status"),
                    start_time: json::text(a, "starts_at"),
                    end_time: json::text(a, "ends_at"),
                    owner: json::text(a, "owner"),
                    description: json::text(a, "description"),
                    link: link("activities", &json::text(a, "id").unwrap_or_default()),
                })
            })
            .collect())
    }
}

deskpane_plugin_sdk::export_connector!(SampleCrm);
