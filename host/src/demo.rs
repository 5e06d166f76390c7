//! Demo setup: agents, the bundled Zoho CRM plugin connected to the Zoho
//! CRM emulator, and desk tickets from the emulator's contacts. Runs once:
//! what exists already is left as it is, so the demo keeps its data
//! between runs.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value as Json};

use crate::auth::{self, Auth};
use crate::contract::{FeedQuery, Module};
use crate::desk::{Desk, Kind};
use crate::panels::display;
use crate::permissions::{Access, PanelPermissions};
use crate::registry::{InstallationPatch, OAuthSetup, Registry};

pub const LOGINS: [(&str, &str, &str, &str); 3] = [
    ("Ada Admin", "admin@deskpane.example", "admin-pass-123", auth::ADMINISTRATOR),
    ("Sam Agent", "agent@deskpane.example", "agent-pass-123", auth::AGENT),
    ("Lee Light", "light@deskpane.example", "light-pass-123", auth::LIGHT_AGENT),
];

const ZOHO: &str = "zoho-crm";

const SUBJECTS: &[(&str, &str, &str)] = &[
    ("Invoice shows the wrong VAT rate", "High", "Open"),
    ("Cannot export reports to PDF", "Medium", "Open"),
    ("Request: add two seats to our plan", "Low", "On Hold"),
    ("Login loop after password reset", "Urgent", "Escalated"),
    ("Where is my order #20931?", "Medium", "Open"),
    ("API returns 500 on bulk upload", "High", "Open"),
];

pub async fn setup(auth: &Auth, desk: &Desk, registry: &Registry, plugins_dir: &Path, emulator: &str) -> anyhow::Result<()> {
    let emulator = emulator.trim_end_matches('/');
    if auth.agents().is_empty() {
        for (name, email, password, profile) in LOGINS {
            auth.create_agent(name, email, password, profile)?;
        }
    }
    if registry.installation(ZOHO).is_err() {
        let dir = plugins_dir.join(ZOHO);
        let manifest = std::fs::read_to_string(dir.join("plugin.toml"))
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}; run scripts/build-plugins.sh", dir.display()))?;
        let component = std::fs::read(dir.join("plugin.wasm"))?;
        registry.install(&manifest, &component)?;
        let oauth = OAuthSetup {
            client_id: "1000.DESKPANE".into(),
            client_secret: "deskpane-secret".into(),
            authorize_url: Some(format!("{emulator}/oauth/v2/auth")),
            token_url: Some(format!("{emulator}/oauth/v2/token")),
        };
        registry.update(
            ZOHO,
            InstallationPatch {
                extra_hosts: Some(vec![emulator.to_string()]),
                oauth: Some(BTreeMap::from([("crm".to_string(), oauth)])),
                customer_type_field: Some("Customer_Type".into()),
                enabled: Some(true),
                ..Default::default()
            },
        )?;
        // The seeds' example: Light Agents do not see potentials.
        registry.set_permissions(ZOHO, auth::LIGHT_AGENT, PanelPermissions { potentials: Access::Restricted, ..Default::default() })?;
        registry.connect_with_refresh_token(ZOHO, "crm", "1000.refresh.demo", "admin@deskpane.example").await?;
    }
    if desk.list(Kind::Ticket).is_empty() {
        seed_desk(desk, registry).await?;
    }
    Ok(())
}

fn text_of(record: &crate::contract::CrmRecord, name: &str) -> Option<String> {
    record.fields.iter().find(|f| f.name == name).map(|f| display(&f.value)).filter(|s| !s.is_empty())
}

/// Desk contacts, accounts and tickets for the CRM's contacts, read
/// through the plugin's change feed.
async fn seed_desk(desk: &Desk, registry: &Registry) -> anyhow::Result<()> {
    let plugin =
        registry.plugin(ZOHO).ok_or_else(|| anyhow::anyhow!("the Zoho CRM plugin did not load: {:?}", registry.load_error(ZOHO)))?;
    let query = FeedQuery { list_views: vec![], since: None, filters: vec![], page_size: 200 };
    let mut cursor = None;
    let mut contacts = Vec::new();
    loop {
        let page = plugin.changes(Module::Contacts, &query, cursor.as_deref()).await?;
        contacts.extend(page.changes.into_iter().filter_map(|c| c.record));
        cursor = Some(page.next_cursor);
        if !page.has_more {
            break;
        }
    }
    let mut accounts: BTreeMap<String, String> = BTreeMap::new();
    for (i, crm) in contacts.iter().enumerate() {
        let mut fields = Map::new();
        for (desk_field, crm_field) in [
            ("first_name", "First_Name"),
            ("last_name", "Last_Name"),
            ("email", "Email"),
            ("secondary_email", "Secondary_Email"),
            ("phone", "Phone"),
            ("title", "Title"),
        ] {
            if let Some(v) = text_of(crm, crm_field) {
                fields.insert(desk_field.into(), Json::String(v));
            }
        }
        if !fields.contains_key("last_name") {
            continue;
        }
        if let Some(account) = text_of(crm, "Account_Name") {
            let id = match accounts.get(&account) {
                Some(id) => id.clone(),
                None => {
                    let created =
                        desk.create(Kind::Account, json!({ "account_name": account }).as_object().cloned().unwrap_or_default(), "demo")?;
                    accounts.insert(account, created.id.clone());
                    created.id
                }
            };
            fields.insert("account_id".into(), Json::String(id));
        }
        let contact = desk.create(Kind::Contact, fields, "demo")?;
        let (subject, priority, status) = SUBJECTS[i % SUBJECTS.len()];
        let ticket = json!({
            "subject": subject, "priority": priority, "status": status, "channel": "Email",
            "description": format!("Hello support,\n\n{subject}. Could you have a look?\n\nThanks"),
            "contact_id": contact.id,
        });
        desk.create(Kind::Ticket, ticket.as_object().cloned().unwrap_or_default(), "demo")?;
    }
    desk.flush()?;
    Ok(())
}
