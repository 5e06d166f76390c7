//! What an admin chooses for a plugin's sync (the seeds' Step 2 and 3,
//! delete preferences, pause). Pure data with defaults.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::conflict::Direction;
use super::mapping::FieldPair;
use crate::contract::Module;
use crate::desk::Kind;
use crate::manifest::Manifest;

/// The modules that sync, as the seeds list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SyncModule {
    Contacts,
    Accounts,
    Products,
}

impl SyncModule {
    pub const ALL: [SyncModule; 3] = [SyncModule::Accounts, SyncModule::Contacts, SyncModule::Products];

    pub fn name(self) -> &'static str {
        match self {
            SyncModule::Contacts => "contacts",
            SyncModule::Accounts => "accounts",
            SyncModule::Products => "products",
        }
    }

    pub fn parse(s: &str) -> Option<SyncModule> {
        SyncModule::ALL.into_iter().find(|m| m.name() == s)
    }

    pub fn kind(self) -> Kind {
        match self {
            SyncModule::Contacts => Kind::Contact,
            SyncModule::Accounts => Kind::Account,
            SyncModule::Products => Kind::Product,
        }
    }

    pub fn module(self) -> Module {
        match self {
            SyncModule::Contacts => Module::Contacts,
            SyncModule::Accounts => Module::Accounts,
            SyncModule::Products => Module::Products,
        }
    }

    /// The desk field records are matched by before they are mapped:
    /// contacts by email, accounts by account name, products by product name.
    pub fn duplicate_key(self) -> &'static str {
        match self {
            SyncModule::Contacts => "email",
            SyncModule::Accounts => "account_name",
            SyncModule::Products => "product_name",
        }
    }
}

/// On deleting a CRM record (Zoho's delete preferences).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OnCrmDelete {
    /// Delete the desk record and its associates (to the recycle bin).
    Always,
    /// Delete only when it has no associates; otherwise unmap.
    IfNoAssociates,
    /// Only remove the mapping.
    #[default]
    Never,
}

/// On deleting a desk record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OnDeskDelete {
    Always,
    #[default]
    Never,
}

/// One module's sync settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ModuleSettings {
    pub enabled: bool,
    pub direction: Direction,
    pub fields: Vec<FieldPair>,
    /// Contacts: also match by the CRM's secondary email.
    pub secondary_email: bool,
    /// Only records in these CRM list views; empty means all.
    pub list_views: Vec<String>,
    /// Products: only these desk departments; empty means all.
    pub departments: Vec<String>,
    pub on_crm_delete: OnCrmDelete,
    pub on_desk_delete: OnDeskDelete,
}

impl Default for ModuleSettings {
    fn default() -> Self {
        ModuleSettings {
            enabled: false,
            direction: Direction::TwoWay,
            fields: Vec::new(),
            secondary_email: false,
            list_views: Vec::new(),
            departments: Vec::new(),
            on_crm_delete: OnCrmDelete::Never,
            on_desk_delete: OnDeskDelete::Never,
        }
    }
}

/// A plugin's sync settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SyncSettings {
    pub paused: bool,
    pub modules: BTreeMap<SyncModule, ModuleSettings>,
}

impl SyncSettings {
    /// Defaults from the manifest: its modules, with the standard fields
    /// pre-mapped, not yet enabled.
    /// These settings as the CRM allows them: a CRM whose manifest says
    /// deletions do not propagate (Salesforce, seed 001) keeps every delete
    /// preference at "never", whatever was sent.
    pub fn within(mut self, manifest: &Manifest) -> SyncSettings {
        if !manifest.sync.propagate_deletes {
            for ms in self.modules.values_mut() {
                ms.on_crm_delete = OnCrmDelete::Never;
                ms.on_desk_delete = OnDeskDelete::Never;
            }
        }
        self
    }

    pub fn from_manifest(manifest: &Manifest) -> SyncSettings {
        let modules = SyncModule::ALL
            .into_iter()
            .filter(|m| manifest.modules.iter().any(|n| n == m.name()))
            .map(|m| {
                let fields = manifest
                    .field_mappings
                    .get(m.name())
                    .map(|map| map.iter().map(|(desk, crm)| FieldPair { desk: desk.clone(), crm: crm.clone() }).collect())
                    .unwrap_or_default();
                (m, ModuleSettings { fields, ..Default::default() })
            })
            .collect();
        SyncSettings { paused: false, modules }
    }

    pub fn enabled(&self) -> impl Iterator<Item = (SyncModule, &ModuleSettings)> {
        // Accounts first: contacts refer to them.
        SyncModule::ALL.into_iter().filter_map(|m| self.modules.get(&m).filter(|s| s.enabled).map(|s| (m, s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"
id = "crm"
name = "CRM"
version = "1.0.0"
contract = "0.2.0"
publisher = "Test"
modules = ["contacts", "accounts"]

[field-mappings.contacts]
email = "Email"
"#;

    fn deleting() -> SyncSettings {
        let all = ModuleSettings { on_crm_delete: OnCrmDelete::Always, on_desk_delete: OnDeskDelete::Always, ..Default::default() };
        SyncSettings { paused: false, modules: [(SyncModule::Contacts, all)].into() }
    }

    #[test]
    fn a_crm_that_never_propagates_deletes_keeps_every_preference_at_never() {
        let text = format!("{MANIFEST}\n[sync]\npropagate-deletes = false\n");
        let held = deleting().within(&Manifest::parse(&text, "plugin.toml").unwrap());
        let ms = &held.modules[&SyncModule::Contacts];
        assert_eq!((ms.on_crm_delete, ms.on_desk_delete), (OnCrmDelete::Never, OnDeskDelete::Never));
        let kept = deleting().within(&Manifest::parse(MANIFEST, "plugin.toml").unwrap());
        assert_eq!(kept, deleting(), "a CRM that lets admins choose keeps their choice");
    }

    #[test]
    fn defaults_come_pre_mapped_from_the_manifest_and_disabled() {
        let settings = SyncSettings::from_manifest(&Manifest::parse(MANIFEST, "plugin.toml").unwrap());
        let contacts = &settings.modules[&SyncModule::Contacts];
        assert!(!contacts.enabled);
        assert_eq!(contacts.fields, vec![FieldPair { desk: "email".into(), crm: "Email".into() }]);
        assert!(settings.modules.contains_key(&SyncModule::Accounts) && !settings.modules.contains_key(&SyncModule::Products));
    }
}
