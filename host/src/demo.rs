//! Demo setup: agents, the bundled CRM plugins (Zoho CRM, and Salesforce
//! when its emulator runs) connected to their emulators, and desk tickets
//! from each CRM's contacts. Only what is missing is created, so the demo
//! keeps its data between runs, a CRM added later joins it, and a run that
//! stopped halfway is finished by the next.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value as Json};

use crate::auth::{self, Auth};
use crate::contract::{FeedQuery, Module, Value};
use crate::desk::{ChangeOp, Desk, Kind, Record};
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
    /// The emulated organisation's currency (amounts come without one).
    currency: &'static str,
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
    currency: "USD",
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
    currency: "USD",
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
/// cases) into Zoho CRM, or the first connected CRM without it. As in
/// [`setup`], each step is taken only when it is not done already; the
/// recording settings are set once, so an admin's later choices stay.
pub async fn connect_cloudcx(
    registry: &Registry,
    recorder: &crate::recording::Recorder,
    plugins_dir: &Path,
    emulator: &str,
    api_key: &str,
) -> anyhow::Result<()> {
    const CLOUDCX: &str = "cloudcx";
    let emulator = emulator.trim_end_matches('/');
    // Built here, unsigned, as in `setup`.
    registry.set_allow_unsigned(true)?;
    ensure_bundled(registry, plugins_dir, CLOUDCX)?;
    if registry.installation(CLOUDCX)?.api_keys.get("cloudcx").map(String::as_str) != Some(api_key) {
        registry.set_api_key(CLOUDCX, "cloudcx", api_key)?;
    }
    let install = registry.installation(CLOUDCX)?;
    let config = BTreeMap::from([("api-url".to_string(), emulator.to_string())]);
    if !(install.enabled && install.config == config && install.extra_hosts == [emulator]) {
        let patch = InstallationPatch {
            config: Some(config),
            extra_hosts: Some(vec![emulator.to_string()]),
            enabled: Some(true),
            ..Default::default()
        };
        registry.update(CLOUDCX, patch)?;
    }
    if recorder.store().settings(CLOUDCX).is_none() {
        // Into Zoho CRM when it is there (the seed's example), else the first CRM.
        let crm = registry.plugin(ZOHO.plugin).map(|_| ZOHO.plugin.to_string());
        let settings = crate::recording::RecordingSettings { enabled: true, crm, ..Default::default() };
        recorder.set_settings(CLOUDCX, settings).await?;
    }
    Ok(())
}

/// Sets up the demo against the given emulators (each CRM with its
/// emulator's base URL). The demo installs the plugins it built itself,
/// unsigned, so it allows unsigned plugins; a desk not set up as the demo
/// refuses them until an admin says otherwise.
///
/// Every step converges: it is taken only when it is not done already, so
/// a run that stopped halfway (an emulator that did not answer, a process
/// killed between two steps) is finished by the next run, and nothing is
/// created twice. docs/admin.md, "The demo".
pub async fn setup(auth: &Auth, desk: &Desk, registry: &Registry, plugins_dir: &Path, crms: &[(&DemoCrm, &str)]) -> anyhow::Result<()> {
    registry.set_allow_unsigned(true)?;
    for (name, email, password, profile) in LOGINS {
        if !auth.agents().iter().any(|a| a.email.eq_ignore_ascii_case(email)) {
            auth.create_agent(name, email, password, profile)?;
        }
    }
    for (crm, emulator) in crms {
        let emulator = emulator.trim_end_matches('/');
        install(registry, plugins_dir, crm, emulator).await?;
        seed_desk(desk, registry, crm).await?;
    }
    Ok(())
}

/// Installs the bundled plugin `id` from `plugins_dir` unless it is
/// installed, loads, and is at the bundled version or newer: a missing,
/// broken (not loading, or its folder's files refused) or older one is
/// installed again, keeping its settings.
fn ensure_bundled(registry: &Registry, plugins_dir: &Path, id: &str) -> anyhow::Result<()> {
    let dir = plugins_dir.join(id);
    let manifest = std::fs::read_to_string(dir.join(crate::package::MANIFEST_FILE))
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}; run scripts/build-plugins.sh", dir.display()))?;
    let bundled = crate::manifest::Manifest::parse(&manifest, &dir.join(crate::package::MANIFEST_FILE).display().to_string())?.version;
    let sound = registry.installation(id).is_ok() && registry.load_error(id).is_none() && registry.refused_files(id).is_none();
    let current = registry.manifest(id).filter(|_| sound).map(|m| m.version);
    if current.is_some_and(|v| v >= bundled) {
        return Ok(());
    }
    let component =
        std::fs::read(dir.join("plugin.wasm")).map_err(|e| anyhow::anyhow!("cannot read {}/plugin.wasm: {e}", dir.display()))?;
    registry.install(&manifest, &component).map_err(|e| anyhow::anyhow!("installing the bundled {id} plugin failed: {e}"))?;
    Ok(())
}

/// Brings a CRM's bundled plugin to what the demo needs: installed at the
/// bundled version ([`ensure_bundled`]), configured for its emulator and
/// enabled, Light Agents' permissions set (once: an admin's later choice
/// stays), and connected.
async fn install(registry: &Registry, plugins_dir: &Path, crm: &DemoCrm, emulator: &str) -> anyhow::Result<()> {
    ensure_bundled(registry, plugins_dir, crm.plugin)?;
    let oauth = OAuthSetup {
        client_id: crm.client_id.into(),
        client_secret: crm.client_secret.into(),
        authorize_url: Some(format!("{emulator}{}", crm.authorize_path)),
        token_url: Some(format!("{emulator}{}", crm.token_path)),
    };
    let install = registry.installation(crm.plugin)?;
    let configured = install.enabled
        && install.extra_hosts == [emulator]
        && install.oauth.get("crm") == Some(&oauth)
        && install.customer_type_field.as_deref() == Some(crm.customer_type_field)
        && install.default_currency.is_some();
    if !configured {
        registry.update(
            crm.plugin,
            InstallationPatch {
                extra_hosts: Some(vec![emulator.to_string()]),
                oauth: Some(BTreeMap::from([("crm".to_string(), oauth)])),
                customer_type_field: Some(crm.customer_type_field.into()),
                // When none is set (an admin may choose another).
                default_currency: install.default_currency.is_none().then(|| crm.currency.into()),
                enabled: Some(true),
                ..Default::default()
            },
        )?;
    }
    if !install.permissions.contains_key(auth::LIGHT_AGENT) {
        // The seeds' example: Light Agents do not see potentials (opportunities).
        let restricted = PanelPermissions { potentials: Access::Restricted, ..Default::default() };
        registry.set_permissions(crm.plugin, auth::LIGHT_AGENT, restricted)?;
    }
    // Connected again when its emulator moved: the connection holds the
    // token URL it was made with.
    if !configured || !registry.is_connected(crm.plugin, "crm") {
        registry.connect_with_refresh_token(crm.plugin, "crm", crm.refresh_token, "admin@deskpane.example").await.map_err(|e| {
            anyhow::anyhow!("connecting the {} plugin to its emulator at {emulator} failed: {e}; is the emulator running?", crm.plugin)
        })?;
    }
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
/// through the plugin's change feed, each made once: contacts the desk has
/// already (by email, else by name) are left alone, except that one the
/// demo made gets its ticket if a run stopped before it; what an agent
/// deleted (in the recycle bin) is not made again.
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
    let seeded = seeded_contacts(desk);
    // What an agent deleted stays deleted.
    let binned: Vec<Record> = desk.recycle_bin().into_iter().flat_map(|e| std::iter::once(e.record).chain(e.associates)).collect();
    for (i, record) in contacts.iter().enumerate() {
        let mut fields = Map::new();
        for (desk_field, crm_field) in crm.contact_fields {
            if let Some(v) = text_of(record, crm_field) {
                fields.insert(desk_field.to_string(), Json::String(v));
            }
        }
        if !fields.contains_key("last_name") || binned.iter().any(|r| r.kind == Kind::Contact && same_person(r, &fields)) {
            continue;
        }
        // A contact the desk has already is left alone, unless the demo
        // made it and stopped before its ticket.
        if let Some(known) = desk.list(Kind::Contact).into_iter().find(|c| same_person(c, &fields)) {
            let ticketed = |t: &Record| t.kind == Kind::Ticket && t.text("contact_id") == Some(known.id.as_str());
            if seeded.contains(&known.id) && !desk.list(Kind::Ticket).iter().chain(&binned).any(ticketed) {
                create_ticket(desk, &known.id, i)?;
            }
            continue;
        }
        if let Some(account) = account_name(record) {
            let id = match accounts.get(&account) {
                Some(id) => id.clone(),
                None => {
                    let created =
                        desk.create(Kind::Account, json!({ "account_name": account }).as_object().cloned().unwrap_or_default(), DEMO)?;
                    accounts.insert(account, created.id.clone());
                    created.id
                }
            };
            fields.insert("account_id".into(), Json::String(id));
        }
        let contact = desk.create(Kind::Contact, fields, DEMO)?;
        create_ticket(desk, &contact.id, i)?;
    }
    desk.flush()?;
    Ok(())
}

/// Who the desk's records say the demo made.
const DEMO: &str = "demo";

/// The desk contacts the demo created (its change log says so).
fn seeded_contacts(desk: &Desk) -> Vec<String> {
    let (mut seeded, mut after) = (Vec::new(), None);
    loop {
        let page = desk.changes_after(after, 1000);
        let Some(last) = page.last() else { return seeded };
        after = Some(last.seq);
        seeded.extend(page.into_iter().filter(|c| c.kind == Kind::Contact && c.op == ChangeOp::Created && c.origin == DEMO).map(|c| c.id));
    }
}

/// Whether a desk contact is the CRM contact with these desk `fields`: the
/// same email, or without one the same name.
fn same_person(contact: &Record, fields: &Map<String, Json>) -> bool {
    let field = |name: &str| fields.get(name).and_then(Json::as_str).filter(|v| !v.is_empty());
    match field("email") {
        Some(email) => contact.text("email").is_some_and(|e| e.eq_ignore_ascii_case(email)),
        None => {
            contact.text("email").is_none()
                && contact.text("first_name") == field("first_name")
                && contact.text("last_name") == field("last_name")
        }
    }
}

/// The demo's ticket from a contact, the `i`th of its CRM.
fn create_ticket(desk: &Desk, contact_id: &str, i: usize) -> anyhow::Result<()> {
    let (subject, priority, status) = SUBJECTS[i % SUBJECTS.len()];
    let ticket = json!({
        "subject": subject, "priority": priority, "status": status, "channel": "Email",
        "description": format!("Hello support,\n\n{subject}. Could you have a look?\n\nThanks"),
        "contact_id": contact_id,
    });
    desk.create(Kind::Ticket, ticket.as_object().cloned().unwrap_or_default(), DEMO)?;
    Ok(())
}
