//! Demo setup: agents, the bundled CRM plugins (Zoho CRM, and Salesforce
//! when its emulator runs) connected to their emulators, and desk tickets
//! from each CRM's contacts. Only what is missing is created, so the demo
//! keeps its data between runs and a CRM added later joins it.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value as Json};

use crate::auth::{self, Auth};
use crate::contract::{FeedQuery, Module, Value};
use crate::desk::{Desk, Kind};
use crate::panels::display;
use crate::permissions::{Access, PanelPermissions};
use crate::registry::{InstallationPatch, OAuthSetup, Registry};

pub const LOGINS: [(&str, &str, &str, &str); 3] = [
    ("Ada Admin", "admin@deskpane.example", "admin-pass-123", auth::ADMINISTRATOR),
    ("Sam Agent", "agent@deskpane.example", "agent-pass-123", auth::AGENT),
    ("Lee Light", "light@deskpane.example", "light-pass-123", auth::LIGHT_AGENT),
];

/// A CRM the demo connects, with what its emulator accepts.
pub struct DemoCrm {
    /// The bundled plugin's id (its folder under the plugins directory).
    pub plugin: &'static str,
    client_id: &'static str,
    client_secret: &'static str,
    authorize_path: &'static str,
    token_path: &'static str,
    refresh_token: &'static str,
    /// The CRM field holding the customer type (Handshake Mode).
    customer_type_field: &'static str,
    /// Desk contact field -> the CRM's field, for the demo's desk contacts.
    contact_fields: &'static [(&'static str, &'static str)],
}

/// Zoho CRM, as `zoho-emulator --seed demo` serves it.
pub const ZOHO: DemoCrm = DemoCrm {
    plugin: "zoho-crm",
    client_id: "1000.DESKPANE",
    client_secret: "deskpane-secret",
    authorize_path: "/oauth/v2/auth",
    token_path: "/oauth/v2/token",
    refresh_token: "1000.refresh.demo",
    customer_type_field: "Customer_Type",
    contact_fields: &[
        ("first_name", "First_Name"),
        ("last_name", "Last_Name"),
        ("email", "Email"),
        ("secondary_email", "Secondary_Email"),
        ("phone", "Phone"),
        ("title", "Title"),
    ],
};

/// Salesforce, as `salesforce-emulator --seed demo` serves it.
pub const SALESFORCE: DemoCrm = DemoCrm {
    plugin: "salesforce",
    client_id: "3MVG9DESKPANE",
    client_secret: "deskpane-sf-secret",
    authorize_path: "/services/oauth2/authorize",
    token_path: "/services/oauth2/token",
    refresh_token: "5Aep861DeskpaneDemo.RefreshToken.0000000000000000000000",
    customer_type_field: "Customer_Type__c",
    contact_fields: &[("first_name", "FirstName"), ("last_name", "LastName"), ("email", "Email"), ("phone", "Phone"), ("title", "Title")],
};

const SUBJECTS: &[(&str, &str, &str)] = &[
    ("Invoice shows the wrong VAT rate", "High", "Open"),
    ("Cannot export reports to PDF", "Medium", "Open"),
    ("Request: add two seats to our plan", "Low", "On Hold"),
    ("Login loop after password reset", "Urgent", "Escalated"),
    ("Where is my order #20931?", "Medium", "Open"),
    ("API returns 500 on bulk upload", "High", "Open"),
];

/// The CloudCX demo tenant's API key (`cloudcx-emulator --seed demo`).
pub const CLOUDCX_API_KEY: &str = "cx_live_demo_0000000000000000";

/// Installs the bundled CloudCX plugin connected to the CloudCX emulator at
/// `emulator` with `api_key`, and records its conversations automatically
/// (web chats as leads and tasks, inbox conversations as contacts and
/// cases) into Zoho CRM, or the first connected CRM without it. Skipped
/// when already installed.
pub async fn connect_cloudcx(
    registry: &Registry,
    recorder: &crate::recording::Recorder,
    plugins_dir: &Path,
    emulator: &str,
    api_key: &str,
) -> anyhow::Result<()> {
    const CLOUDCX: &str = "cloudcx";
    if registry.installation(CLOUDCX).is_ok() {
        return Ok(());
    }
    let emulator = emulator.trim_end_matches('/');
    let dir = plugins_dir.join(CLOUDCX);
    let manifest = std::fs::read_to_string(dir.join("plugin.toml"))
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}; run scripts/build-plugins.sh", dir.display()))?;
    registry.install(&manifest, &std::fs::read(dir.join("plugin.wasm"))?)?;
    registry.set_api_key(CLOUDCX, "cloudcx", api_key)?;
    registry.update(
        CLOUDCX,
        InstallationPatch {
            config: Some(BTreeMap::from([("api-url".to_string(), emulator.to_string())])),
            extra_hosts: Some(vec![emulator.to_string()]),
            enabled: Some(true),
            ..Default::default()
        },
    )?;
    // Into Zoho CRM when it is there (the seed's example), else the first CRM.
    let crm = registry.plugin(ZOHO.plugin).map(|_| ZOHO.plugin.to_string());
    let settings = crate::recording::RecordingSettings { enabled: true, crm, ..Default::default() };
    recorder.set_settings(CLOUDCX, settings).await?;
    Ok(())
}

/// Sets up the demo against the given emulators (each CRM with its
/// emulator's base URL).
pub async fn setup(auth: &Auth, desk: &Desk, registry: &Registry, plugins_dir: &Path, crms: &[(&DemoCrm, &str)]) -> anyhow::Result<()> {
    if auth.agents().is_empty() {
        for (name, email, password, profile) in LOGINS {
            auth.create_agent(name, email, password, profile)?;
        }
    }
    for (crm, emulator) in crms {
        let emulator = emulator.trim_end_matches('/');
        if registry.installation(crm.plugin).is_ok() {
            continue;
        }
        install(registry, plugins_dir, crm, emulator).await?;
        seed_desk(desk, registry, crm).await?;
    }
    Ok(())
}

/// Installs a CRM's bundled plugin and connects it to its emulator.
async fn install(registry: &Registry, plugins_dir: &Path, crm: &DemoCrm, emulator: &str) -> anyhow::Result<()> {
    let dir = plugins_dir.join(crm.plugin);
    let manifest = std::fs::read_to_string(dir.join("plugin.toml"))
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}; run scripts/build-plugins.sh", dir.display()))?;
    let component = std::fs::read(dir.join("plugin.wasm"))?;
    registry.install(&manifest, &component)?;
    let oauth = OAuthSetup {
        client_id: crm.client_id.into(),
        client_secret: crm.client_secret.into(),
        authorize_url: Some(format!("{emulator}{}", crm.authorize_path)),
        token_url: Some(format!("{emulator}{}", crm.token_path)),
    };
    registry.update(
        crm.plugin,
        InstallationPatch {
            extra_hosts: Some(vec![emulator.to_string()]),
            oauth: Some(BTreeMap::from([("crm".to_string(), oauth)])),
            customer_type_field: Some(crm.customer_type_field.into()),
            enabled: Some(true),
            ..Default::default()
        },
    )?;
    // The seeds' example: Light Agents do not see potentials (opportunities).
    registry.set_permissions(crm.plugin, auth::LIGHT_AGENT, PanelPermissions { potentials: Access::Restricted, ..Default::default() })?;
    registry.connect_with_refresh_token(crm.plugin, "crm", crm.refresh_token, "admin@deskpane.example").await?;
    Ok(())
}

fn text_of(record: &crate::contract::CrmRecord, name: &str) -> Option<String> {
    record.fields.iter().find(|f| f.name == name).map(|f| display(&f.value)).filter(|s| !s.is_empty())
}

/// The name of the account a CRM contact belongs to: its account lookup's
/// name, whatever the CRM calls the field.
fn account_name(record: &crate::contract::CrmRecord) -> Option<String> {
    record.fields.iter().find_map(|f| match &f.value {
        Value::Reference(r) if r.module == Module::Accounts => r.name.clone(),
        _ => None,
    })
}

/// Desk contacts, accounts and tickets for the CRM's contacts, read
/// through the plugin's change feed. Contacts the desk has already (by
/// email) are left alone.
async fn seed_desk(desk: &Desk, registry: &Registry, crm: &DemoCrm) -> anyhow::Result<()> {
    let plugin = registry
        .plugin(crm.plugin)
        .ok_or_else(|| anyhow::anyhow!("the {} plugin did not load: {:?}", crm.plugin, registry.load_error(crm.plugin)))?;
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
    let mut accounts: BTreeMap<String, String> =
        desk.list(Kind::Account).into_iter().filter_map(|a| Some((a.text("account_name")?.to_string(), a.id))).collect();
    let known: Vec<String> = desk.list(Kind::Contact).iter().filter_map(|c| c.text("email").map(str::to_lowercase)).collect();
    for (i, record) in contacts.iter().enumerate() {
        let mut fields = Map::new();
        for (desk_field, crm_field) in crm.contact_fields {
            if let Some(v) = text_of(record, crm_field) {
                fields.insert(desk_field.to_string(), Json::String(v));
            }
        }
        let email = fields.get("email").and_then(Json::as_str).map(str::to_lowercase);
        if !fields.contains_key("last_name") || email.is_some_and(|e| known.contains(&e)) {
            continue;
        }
        if let Some(account) = account_name(record) {
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
