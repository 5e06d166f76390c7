//! What each agent profile may see of a plugin's panel (the seeds'
//! "Profile-level Permissions"). Pure: the panel service enforces it by not
//! fetching what is restricted.

use serde::{Deserialize, Serialize};

use crate::contract::ActivityKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    Full,
    Restricted,
}

/// Whether the panel shows the requester's contact or their account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ShowAs {
    Contacts,
    Accounts,
}

/// One profile's permissions on one plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct PanelPermissions {
    /// Unchecked: the panel is hidden for this profile.
    pub visible: bool,
    pub show: ShowAs,
    /// Contact / account information.
    pub info: Access,
    pub potentials: Access,
    pub notes: Access,
    pub calls: Access,
    pub events: Access,
    pub tasks: Access,
}

impl Default for PanelPermissions {
    fn default() -> Self {
        PanelPermissions {
            visible: true,
            show: ShowAs::Contacts,
            info: Access::Full,
            potentials: Access::Full,
            notes: Access::Full,
            calls: Access::Full,
            events: Access::Full,
            tasks: Access::Full,
        }
    }
}

impl PanelPermissions {
    /// Nothing visible: what a profile gets before an admin grants access.
    pub fn hidden() -> Self {
        PanelPermissions {
            visible: false,
            show: ShowAs::Contacts,
            info: Access::Restricted,
            potentials: Access::Restricted,
            notes: Access::Restricted,
            calls: Access::Restricted,
            events: Access::Restricted,
            tasks: Access::Restricted,
        }
    }
}

/// A part of the panel, each fetched and permitted on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    Profile,
    Potentials,
    Notes,
    Activities,
}

impl Section {
    pub fn parse(s: &str) -> Option<Section> {
        Some(match s {
            "profile" => Section::Profile,
            "potentials" => Section::Potentials,
            "notes" => Section::Notes,
            "activities" => Section::Activities,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Section::Profile => "profile",
            Section::Potentials => "potentials",
            Section::Notes => "notes",
            Section::Activities => "activities",
        }
    }
}

impl PanelPermissions {
    /// Whether this profile may read `section` at all. Activities are
    /// allowed when at least one of calls, events and tasks is.
    pub fn allows(&self, section: Section) -> bool {
        self.visible
            && match section {
                Section::Profile => self.info == Access::Full,
                Section::Potentials => self.potentials == Access::Full,
                Section::Notes => self.notes == Access::Full,
                Section::Activities => !self.activity_kinds().is_empty(),
            }
    }

    /// The activity kinds this profile may read.
    pub fn activity_kinds(&self) -> Vec<ActivityKind> {
        [(self.calls, ActivityKind::Call), (self.events, ActivityKind::Event), (self.tasks, ActivityKind::Task)]
            .into_iter()
            .filter(|(access, _)| *access == Access::Full)
            .map(|(_, kind)| kind)
            .collect()
    }

    /// These permissions on a CRM that has only the `offered` activity
    /// kinds (the manifest's `panel.activities`): the others are never
    /// asked for, whatever a profile was granted.
    pub fn offered(mut self, offered: &[String]) -> PanelPermissions {
        for (kind, access) in [("call", &mut self.calls), ("event", &mut self.events), ("task", &mut self.tasks)] {
            if !offered.iter().any(|o| o == kind) {
                *access = Access::Restricted;
            }
        }
        self
    }

    /// The sections this profile may read, in panel order.
    pub fn sections(&self) -> Vec<Section> {
        [Section::Profile, Section::Potentials, Section::Notes, Section::Activities].into_iter().filter(|s| self.allows(*s)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restricted_sections_are_not_allowed() {
        let light = PanelPermissions { potentials: Access::Restricted, calls: Access::Restricted, ..Default::default() };
        assert!(!light.allows(Section::Potentials));
        assert!(light.allows(Section::Activities));
        assert_eq!(light.activity_kinds(), vec![ActivityKind::Event, ActivityKind::Task]);
        assert_eq!(light.sections(), vec![Section::Profile, Section::Notes, Section::Activities]);
    }

    #[test]
    fn kinds_the_crm_does_not_have_are_never_asked_for() {
        let salesforce = PanelPermissions::default().offered(&["event".into(), "task".into()]);
        assert_eq!(salesforce.activity_kinds(), vec![ActivityKind::Event, ActivityKind::Task]);
        let calls_only = PanelPermissions { calls: Access::Restricted, ..Default::default() }.offered(&["call".into()]);
        assert!(calls_only.activity_kinds().is_empty() && !calls_only.allows(Section::Activities), "no offered kind is granted");
    }

    #[test]
    fn activities_need_one_kind_and_hidden_panels_allow_nothing() {
        let none =
            PanelPermissions { calls: Access::Restricted, events: Access::Restricted, tasks: Access::Restricted, ..Default::default() };
        assert!(!none.allows(Section::Activities));
        let hidden = PanelPermissions { visible: false, ..Default::default() };
        assert!(hidden.sections().is_empty());
    }
}
