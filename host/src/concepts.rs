//! What the keys of a manifest's `[field-mappings.<module>]` may name: the
//! desk's own fields for the modules that sync (contacts, accounts,
//! products), the recording's concepts for the records it writes (leads,
//! cases, tasks), the sidebar's for the notes, calls and tasks agents add. A key nothing reads is a mistake in the manifest, caught
//! by `deskpane plugin check` and at install, not at the first sync.

use crate::desk::{schema, Kind};
use crate::manifest::Manifest;

/// What recording (and the panel's Create lead) write to a lead.
const LEAD_CONCEPTS: &[&str] = &["first_name", "last_name", "email", "phone", "mobile", "title", "company", "description"];
/// What recording writes to a case or a task (docs/recording.md).
const ACTIVITY_CONCEPTS: &[&str] = &["subject", "description", "email", "phone", "name", "company"];
/// What the sidebar writes to a task besides (a due date).
const TASK_CONCEPTS: &[&str] = &["subject", "description", "email", "phone", "name", "company", "due_date"];
/// What the sidebar's Add note writes (contract 0.4.0's `create-note`).
const NOTE_CONCEPTS: &[&str] = &["title", "content"];
/// What the sidebar's Log call writes (contract 0.4.0's `log-call`).
const CALL_CONCEPTS: &[&str] = &["subject", "direction", "start_time", "duration", "description"];

/// The keys `[field-mappings.<module>]` may have; `None`: nothing reads
/// that module's mappings.
fn concepts(module: &str) -> Option<Vec<&'static str>> {
    let desk = |kind| schema::fields(kind).iter().map(|f| f.name).collect();
    match module {
        "contacts" => Some(desk(Kind::Contact)),
        "accounts" => Some(desk(Kind::Account)),
        "products" => Some(desk(Kind::Product)),
        "leads" => Some(LEAD_CONCEPTS.to_vec()),
        "cases" => Some(ACTIVITY_CONCEPTS.to_vec()),
        "tasks" => Some(TASK_CONCEPTS.to_vec()),
        "notes" => Some(NOTE_CONCEPTS.to_vec()),
        "calls" => Some(CALL_CONCEPTS.to_vec()),
        _ => None,
    }
}

/// Every mapping key nothing reads, in one sentence; custom desk fields
/// (`cf_*`) are accepted for the synced modules.
pub fn check(manifest: &Manifest) -> Result<(), String> {
    let mut problems = Vec::new();
    for (module, map) in &manifest.field_mappings {
        let Some(known) = concepts(module) else {
            problems.push(format!("[field-mappings.{module}]: the desk maps no fields of {module}; remove the table"));
            continue;
        };
        let custom_ok = matches!(module.as_str(), "contacts" | "accounts" | "products");
        for key in map.keys() {
            let allowed = known.contains(&key.as_str()) || (custom_ok && key.starts_with("cf_"));
            if !allowed {
                problems.push(format!("[field-mappings.{module}] `{key}` is not one of: {}", known.join(", ")));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("plugin.toml: {}", problems.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(extra: &str) -> Manifest {
        let text = format!(
            "id = \"crm\"\nname = \"CRM\"\nversion = \"1.0.0\"\ncontract = \"0.4.0\"\npublisher = \"x\"\ncomponent = \"plugin.wasm\"\nmodules = [\"contacts\"]\n{extra}"
        );
        Manifest::parse(&text, "plugin.toml").unwrap()
    }

    #[test]
    fn every_bundled_plugins_mappings_name_what_the_desk_reads() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins");
        let mut checked = 0;
        for entry in std::fs::read_dir(&root).unwrap().flatten() {
            let path = entry.path().join("plugin.toml");
            if let Ok(text) = std::fs::read_to_string(&path) {
                let m = Manifest::parse(&text, "plugin.toml").unwrap();
                assert_eq!(check(&m), Ok(()), "{}", path.display());
                checked += 1;
            }
        }
        assert!(checked >= 4, "the bundled plugins were found ({checked})");
    }

    #[test]
    fn an_invented_key_or_table_is_named() {
        let err = check(&manifest("[field-mappings.contacts]\nemail = \"Email\"\nshoe_size = \"Shoe__c\"\n")).unwrap_err();
        assert!(err.contains("[field-mappings.contacts] `shoe_size` is not one of: first_name"), "{err}");
        let err = check(&manifest("[field-mappings.cases]\nsubject = \"Subject\"\ntitle = \"Title\"\n")).unwrap_err();
        assert!(err.contains("`title` is not one of: subject"), "{err}");
        let err = check(&manifest("[field-mappings.notes]\nbody = \"Note_Content\"\n")).unwrap_err();
        assert!(err.contains("`body` is not one of: title, content"), "{err}");
        let err = check(&manifest("[field-mappings.events]\nsubject = \"Event_Title\"\n")).unwrap_err();
        assert!(err.contains("the desk maps no fields of events"), "{err}");
        assert_eq!(check(&manifest("[field-mappings.contacts]\ncf_tier = \"Tier__c\"\n")), Ok(()), "custom desk fields");
    }
}
