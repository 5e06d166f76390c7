//! Deskpane connector for CloudCX, a contact centre (web chats and inbox
//! conversations with website visitors). The API is specified in
//! `tests/emulators/cloudcx/README.md`.
//!
//! Panels: the requester is the visitor found by email, secondary email,
//! then phone (CloudCX compares digits); CloudCX has no name search. The
//! visitor's web chats and inbox conversations are `chat` activities with
//! their transcripts. No potentials or notes.
//! Sync: a change feed of conversations (`chats`) by `updated_at`, and
//! webhooks signed with the host's token; `parse-notification` reads a
//! delivery the host has verified. Nothing is written to CloudCX.
//! Find: visitors by `email` and `phone`.

mod api;
mod convert;
mod notify;
mod sync;

use api::Cloudcx;
use deskpane_plugin_sdk::prelude::*;
use serde_json::Value as Json;
use sync::VisitorQuery;

struct CloudcxConnector;

/// Most conversations of one visitor read in full for their transcripts;
/// older ones are listed without.
const MAX_TRANSCRIPTS: usize = 50;

fn nonempty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn console_url() -> Option<String> {
    config::get("console-url").filter(|c| !c.trim().is_empty())
}

/// The visitor's profile, linked to their latest conversation.
fn profile_of(cx: &Cloudcx, visitor: &Json, key: MatchKey) -> Result<Profile, ConnectorError> {
    let id = convert::str_of(visitor, "id").unwrap_or_default();
    let latest = if api::is_id(&id) { sync::conversations_of(cx, &id)?.into_iter().next() } else { None };
    let link = latest.and_then(|c| convert::link(&c, console_url().as_deref()));
    Ok(convert::profile(visitor, key, link))
}

fn unsupported_sync(what: &str) -> ConnectorError {
    unsupported(&format!(
        "CloudCX offers no {what}: its conversations are read through the change feed (module chats) and webhooks, and nothing is written to CloudCX"
    ))
}

impl Panels for CloudcxConnector {
    fn lookup_requester(who: Requester) -> Result<Option<Profile>, ConnectorError> {
        let mut asks = Vec::new();
        if let Some(email) = nonempty(&who.email) {
            asks.push((VisitorQuery { email: Some(email.to_lowercase()), phone: None }, MatchKey::Email));
        }
        if let Some(email) = nonempty(&who.secondary_email) {
            asks.push((VisitorQuery { email: Some(email.to_lowercase()), phone: None }, MatchKey::SecondaryEmail));
        }
        // CloudCX compares phones by digits; one without any is refused.
        let digits: String = who.phone.as_deref().unwrap_or_default().chars().filter(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            asks.push((VisitorQuery { email: None, phone: Some(digits) }, MatchKey::Phone));
        }
        // Name and account name: CloudCX has no name search.
        if asks.is_empty() {
            return Ok(None);
        }
        let cx = Cloudcx::connect()?;
        for (query, key) in asks {
            if let Some(visitor) = sync::visitors(&cx, &query)?.first() {
                return Ok(Some(profile_of(&cx, visitor, key)?));
            }
        }
        Ok(None)
    }

    fn potentials(_of: RecordRef) -> Result<Vec<Potential>, ConnectorError> {
        // CloudCX has none: an empty section rather than an error.
        Ok(Vec::new())
    }

    fn notes(_of: RecordRef) -> Result<Vec<Note>, ConnectorError> {
        Ok(Vec::new())
    }

    fn activities(of: RecordRef, kinds: Vec<ActivityKind>) -> Result<Vec<Activity>, ConnectorError> {
        if !kinds.contains(&ActivityKind::Chat) {
            return Ok(Vec::new());
        }
        if of.module != Module::Contacts {
            return Err(unsupported(&format!("CloudCX has conversations of visitors (contacts), not of {:?}", of.module)));
        }
        let cx = Cloudcx::connect()?;
        let console = console_url();
        let conversations = sync::conversations_of(&cx, &of.id)?;
        let mut out = Vec::with_capacity(conversations.len());
        for (i, item) in conversations.iter().enumerate() {
            let full = if i < MAX_TRANSCRIPTS { sync::detail(&cx, item)? } else { item.clone() };
            out.push(convert::chat_activity(&full, console.as_deref()));
        }
        if conversations.len() > MAX_TRANSCRIPTS {
            log::info(&format!(
                "visitor {} has {} conversations: the newest {MAX_TRANSCRIPTS} carry transcripts",
                of.id,
                conversations.len()
            ));
        }
        Ok(out)
    }

    fn find(module: Module, matching: Vec<Field>, limit: u32) -> Result<Vec<CrmRecord>, ConnectorError> {
        sync::find(module, &matching, limit)
    }

    /// A contact centre's visitors are looked up, never linked by hand.
    fn profile_of(_of: RecordRef) -> Result<Option<Profile>, ConnectorError> {
        Err(unsupported("profiles of linked records"))
    }
}

impl Sync for CloudcxConnector {
    fn describe_module(_module: Module) -> Result<Vec<FieldMeta>, ConnectorError> {
        Err(unsupported_sync("field metadata"))
    }

    fn list_views(_module: Module) -> Result<Vec<ListView>, ConnectorError> {
        Err(unsupported_sync("list views"))
    }

    fn changes(module: Module, query: FeedQuery, cursor: Option<String>) -> Result<ChangePage, ConnectorError> {
        sync::changes(module, query, cursor)
    }

    fn upsert(
        _module: Module,
        _records: Vec<CrmRecord>,
        _duplicate_check_fields: Vec<String>,
    ) -> Result<Vec<Result<Written, ConnectorError>>, ConnectorError> {
        Err(unsupported_sync("writes"))
    }

    fn delete(_module: Module, _ids: Vec<String>) -> Result<Vec<Result<(), ConnectorError>>, ConnectorError> {
        Err(unsupported_sync("deletes"))
    }

    fn watch(modules: Vec<Module>, url: String, token: String) -> Result<(), ConnectorError> {
        sync::watch(modules, url, token)
    }

    fn parse_notification(notification: Notification) -> Result<Notified, ConnectorError> {
        deskpane_plugin_sdk::init();
        notify::parse(&notification)
    }
}

impl Actions for CloudcxConnector {
    fn perform(_request: ActionRequest) -> Result<RecordRef, ConnectorError> {
        Err(unsupported("CloudCX records are not created from the desk"))
    }

    fn attach(_to: RecordRef, _file: File) -> Result<String, ConnectorError> {
        Err(unsupported("CloudCX records take no attachments from the desk"))
    }

    /// A conversation's attachment (`attachment.<id>.*` fields), whole.
    fn download(id: String) -> Result<File, ConnectorError> {
        deskpane_plugin_sdk::init();
        let cx = api::Cloudcx::connect()?;
        cx.file(api::checked_id(&id, "attachment")?)
    }
}

deskpane_plugin_sdk::export!(CloudcxConnector);
