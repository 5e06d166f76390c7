//! The CRM panels beside a ticket: who the requester is, what each plugin
//! shows of them, permissions enforced before any plugin is called, and a
//! cache with a TTL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

use crate::contract::{ActivityKind, MatchKey, Profile, RecordRef, Requester, Value};
use crate::desk::{Desk, Kind, Record};
use crate::permissions::{PanelPermissions, Section, ShowAs};
use crate::registry::Registry;
use crate::CallError;

pub const DEFAULT_TTL: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum PanelError {
    #[error("your profile does not see this plugin's panel; an administrator can change that under Permissions")]
    Hidden,
    #[error("your profile has restricted access to {0}; an administrator can grant it under Permissions")]
    Restricted(&'static str),
    #[error("plugin `{0}` is not installed or not enabled")]
    NoPlugin(String),
    #[error("no ticket with id {0}")]
    NoTicket(String),
    #[error(transparent)]
    Plugin(#[from] CallError),
}

/// Text for a contract value, as the panel shows it.
pub fn display(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Text(s) | Value::Date(s) | Value::Datetime(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Decimal(d) => d.to_string(),
        Value::Boolean(b) => if *b { "Yes" } else { "No" }.to_string(),
        Value::TextList(items) => items.join(", "),
        Value::Reference(r) => r.name.clone().unwrap_or_else(|| r.id.clone()),
    }
}

fn profile_json(p: &Profile) -> Json {
    json!({
        "module": p.record.module.as_str(),
        "id": p.record.id,
        "display_name": p.display_name,
        "match_key": match p.match_key {
            MatchKey::Email => "email",
            MatchKey::SecondaryEmail => "secondary email",
            MatchKey::Phone => "phone",
            MatchKey::Name => "name",
            MatchKey::AccountName => "account name",
        },
        "email": p.email,
        "secondary_email": p.secondary_email,
        "phone": p.phone,
        "account": p.account.as_ref().map(|a| a.name.clone().unwrap_or_else(|| a.id.clone())),
        "owner": p.owner,
        "link": p.link,
        "fields": p.fields.iter().map(|f| json!({
            "name": f.name,
            "label": f.label.clone().unwrap_or_else(|| f.name.replace('_', " ")),
            "value": display(&f.value),
        })).collect::<Vec<_>>(),
    })
}

fn activity_kind(kind: ActivityKind) -> &'static str {
    match kind {
        ActivityKind::Call => "call",
        ActivityKind::Event => "event",
        ActivityKind::Task => "task",
        ActivityKind::Chat => "chat",
    }
}

type CacheKey = (String, String, String);

pub struct Panels {
    registry: Arc<Registry>,
    desk: Desk,
    ttl: Duration,
    cache: Mutex<HashMap<CacheKey, (Instant, Json)>>,
}

impl Panels {
    pub fn new(registry: Arc<Registry>, desk: Desk, ttl: Duration) -> Panels {
        Panels { registry, desk, ttl, cache: Mutex::default() }
    }

    /// What the desk knows of a ticket's requester.
    pub fn requester(&self, ticket: &Record) -> Requester {
        let contact = ticket.text("contact_id").and_then(|id| self.desk.get(Kind::Contact, id));
        let account_id = ticket.text("account_id").or_else(|| contact.as_ref().and_then(|c| c.text("account_id")));
        let account = account_id.and_then(|id| self.desk.get(Kind::Account, id));
        let c = |field: &str| contact.as_ref().and_then(|c| c.text(field)).map(str::to_string);
        let name = [c("first_name"), c("last_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
        Requester {
            email: c("email").or_else(|| ticket.text("email").map(str::to_string)),
            secondary_email: c("secondary_email"),
            phone: c("phone").or_else(|| c("mobile")),
            name: (!name.is_empty()).then_some(name),
            account_name: account.as_ref().and_then(|a| a.text("account_name")).map(str::to_string),
        }
    }

    fn cached(&self, key: &CacheKey, refresh: bool) -> Option<Json> {
        if refresh {
            return None;
        }
        let cache = self.cache.lock().expect("panel cache lock");
        cache.get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, v)| v.clone())
    }

    fn store(&self, key: CacheKey, value: Json) {
        let mut cache = self.cache.lock().expect("panel cache lock");
        cache.retain(|_, (at, _)| at.elapsed() < self.ttl);
        cache.insert(key, (Instant::now(), value));
    }

    /// The requester's CRM profile through `plugin`, as the permissions'
    /// `show` setting asks (the contact, or their account).
    pub async fn profile(&self, plugin_id: &str, ticket: &Record, show: ShowAs, refresh: bool) -> Result<Option<Profile>, PanelError> {
        Ok(self.lookup(plugin_id, ticket, show, refresh).await?.0)
    }

    /// The profile, and whether it came from the cache.
    async fn lookup(&self, plugin_id: &str, ticket: &Record, show: ShowAs, refresh: bool) -> Result<(Option<Profile>, bool), PanelError> {
        let plugin = self.registry.plugin(plugin_id).ok_or_else(|| PanelError::NoPlugin(plugin_id.into()))?;
        let mut who = self.requester(ticket);
        let key = (plugin_id.to_string(), "lookup".to_string(), format!("{show:?}{who:?}"));
        if let Some(hit) = self.cached(&key, refresh) {
            return Ok((serde_json::from_value(hit).ok().flatten(), true));
        }
        let mut profile = plugin.lookup_requester(&who).await?;
        if show == ShowAs::Accounts {
            // Show the account: by the desk's account name, else the
            // account the CRM contact belongs to.
            let account_name =
                who.account_name.clone().or_else(|| profile.as_ref().and_then(|p| p.account.as_ref()).and_then(|a| a.name.clone()));
            profile = match account_name {
                Some(name) => {
                    who = Requester { email: None, secondary_email: None, phone: None, name: None, account_name: Some(name) };
                    plugin.lookup_requester(&who).await?
                }
                None => None,
            };
        }
        self.store(key, serde_json::to_value(&profile).expect("profiles serialise"));
        Ok((profile, false))
    }

    /// One section of one plugin's panel for a ticket. Restricted sections
    /// fail before the plugin is called.
    pub async fn section(
        &self,
        plugin_id: &str,
        ticket_id: &str,
        permissions: &PanelPermissions,
        section: Section,
        refresh: bool,
    ) -> Result<Json, PanelError> {
        if !permissions.visible {
            return Err(PanelError::Hidden);
        }
        if !permissions.allows(section) {
            let what = match section {
                Section::Profile => "contact and account information",
                Section::Potentials => "potentials",
                Section::Notes => "notes",
                Section::Activities => "activities",
            };
            return Err(PanelError::Restricted(what));
        }
        let ticket = self.desk.get(Kind::Ticket, ticket_id).ok_or_else(|| PanelError::NoTicket(ticket_id.into()))?;
        let (profile, cached) = self.lookup(plugin_id, &ticket, permissions.show, refresh).await?;
        if section == Section::Profile {
            return Ok(json!({ "profile": profile.as_ref().map(profile_json), "cached": cached }));
        }
        let Some(profile) = profile else {
            return Ok(json!({ section.name(): [], "cached": cached }));
        };
        let kinds = permissions.activity_kinds();
        let key = (plugin_id.to_string(), section.name().to_string(), format!("{}:{:?}", profile.record.id, kinds));
        if let Some(hit) = self.cached(&key, refresh) {
            return Ok(json!({ section.name(): hit, "cached": true }));
        }
        let plugin = self.registry.plugin(plugin_id).ok_or_else(|| PanelError::NoPlugin(plugin_id.into()))?;
        let of: &RecordRef = &profile.record;
        let data = match section {
            Section::Potentials => Json::Array(
                plugin
                    .potentials(of)
                    .await?
                    .iter()
                    .map(|p| json!({"id": p.record.id, "name": p.record.name, "stage": p.stage, "amount": p.amount, "currency": p.currency, "closing_date": p.closing_date, "owner": p.owner, "link": p.link}))
                    .collect(),
            ),
            Section::Notes => Json::Array(
                plugin
                    .notes(of)
                    .await?
                    .iter()
                    .map(|n| json!({"id": n.record.id, "title": n.title, "content": n.content, "author": n.author, "created_time": n.created_time, "link": n.link}))
                    .collect(),
            ),
            Section::Activities => Json::Array(
                plugin
                    .activities(of, &kinds)
                    .await?
                    .iter()
                    .map(|a| json!({"id": a.record.id, "kind": activity_kind(a.kind), "subject": a.subject, "status": a.status, "start_time": a.start_time, "end_time": a.end_time, "owner": a.owner, "description": a.description, "link": a.link}))
                    .collect(),
            ),
            Section::Profile => unreachable!("answered above"),
        };
        self.store(key, data.clone());
        Ok(json!({ section.name(): data, "cached": false }))
    }

    /// The requester's customer type from the CRM (Handshake Mode): the
    /// profile field named by the plugin's `customer-type-field` setting.
    pub async fn customer_type(&self, plugin_id: &str, field: &str, ticket: &Record) -> Option<String> {
        let profile = self.profile(plugin_id, ticket, ShowAs::Contacts, false).await.ok()??;
        profile.fields.iter().find(|f| f.name == field).map(|f| display(&f.value)).filter(|s| !s.is_empty())
    }
}
