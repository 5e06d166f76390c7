//! The recording rules of seed 004, pure: what a contact-centre
//! conversation becomes in the CRM. A visitor becomes a lead (Sales) or a
//! contact (Support), found first by the admin's identification rules; the
//! chat or inbox conversation becomes a task under the lead, or a case
//! under the contact; a contact found may be left, overwritten or
//! completed with the chat's information.
//!
//! Field names here are desk concepts (`last_name`, `email`, `subject`,
//! ...); the CRM plugin's manifest maps them to its API names
//! (`[field-mappings.leads]`, `.contacts`, `.cases`, `.tasks`), so no rule
//! names a CRM.

use serde::{Deserialize, Serialize};

use crate::contract::{CrmRecord, Value};

/// Whether records are created as conversations happen or by agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    #[default]
    Automatically,
    /// Agents create them from the ticket's sidebar.
    Manually,
}

/// What a channel's conversations are recorded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// Visitors as leads, conversations as tasks.
    Sales,
    /// Visitors as contacts, conversations as cases.
    Support,
}

/// When a matching contact is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum UpdatePolicy {
    /// Do not update the contact information.
    #[default]
    DoNotUpdate,
    /// Update the contact with the information from the chat.
    Overwrite,
    /// Only add new information: never overwrite a non-empty field.
    AddNewOnly,
}

/// A visitor's detail that can identify a CRM record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Key {
    Email,
    Phone,
    Name,
    Company,
}

impl Key {
    /// The desk concept the key compares.
    pub fn concept(self) -> &'static str {
        match self {
            Key::Email => "email",
            Key::Phone => "phone",
            Key::Name => "last_name",
            Key::Company => "company",
        }
    }
}

/// Which details identify an existing account, contact or lead, each list
/// tried in order until one finds a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Identification {
    pub account: Vec<Key>,
    pub contact: Vec<Key>,
    pub lead: Vec<Key>,
}

impl Default for Identification {
    fn default() -> Self {
        Identification { account: vec![Key::Company], contact: vec![Key::Email, Key::Phone], lead: vec![Key::Email, Key::Phone] }
    }
}

/// One contact-centre installation's recording configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RecordingSettings {
    /// Off: conversations are neither recorded nor turned into tickets.
    pub enabled: bool,
    pub mode: Mode,
    pub web_chat: Purpose,
    pub inbox: Purpose,
    pub update: UpdatePolicy,
    pub identification: Identification,
    /// The CRM plugin records go to; none: the first connected CRM.
    pub crm: Option<String>,
}

impl Default for RecordingSettings {
    fn default() -> Self {
        RecordingSettings {
            enabled: false,
            mode: Mode::Automatically,
            web_chat: Purpose::Sales,
            inbox: Purpose::Support,
            update: UpdatePolicy::DoNotUpdate,
            identification: Identification::default(),
            crm: None,
        }
    }
}

impl RecordingSettings {
    pub fn purpose(&self, channel: Channel) -> Purpose {
        match channel {
            Channel::WebChat => self.web_chat,
            Channel::Inbox => self.inbox,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    WebChat,
    Inbox,
}

impl Channel {
    pub fn label(self) -> &'static str {
        match self {
            Channel::WebChat => "Web Chat",
            Channel::Inbox => "Inbox",
        }
    }
}

/// The website visitor of a conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visitor {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    /// Custom variables, in the order given.
    pub variables: Vec<(String, String)>,
}

/// An attachment of a conversation, named by the contact centre's
/// `attachment.<id>.name|content_type|size` fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub id: String,
    pub name: String,
    pub content_type: Option<String>,
    /// Bytes, as the contact centre declared it.
    pub size: Option<u64>,
}

/// A web chat or inbox conversation, as the contact-centre plugin gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub channel: Channel,
    pub tenant_id: Option<String>,
    pub agent_email: Option<String>,
    /// Inbox conversations have one.
    pub subject: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub note: Option<String>,
    pub wrap_up: Option<String>,
    pub offline: bool,
    pub transcript: String,
    pub custom_fields: Vec<(String, String)>,
    /// "name (type, size bytes)" lines.
    pub attachments: Option<String>,
    /// The attachments the contact centre can hand over (`download`).
    pub files: Vec<FileRef>,
    pub url: Option<String>,
    pub visitor: Visitor,
}

impl Conversation {
    /// Over: ended, closed, or an offline message (complete as it comes).
    pub fn is_over(&self) -> bool {
        self.ended_at.is_some() || self.offline
    }

    /// Reads the contact-centre plugin's record of a conversation (the
    /// fields of `plugins/cloudcx`: `channel`, `transcript`, `visitor.*`,
    /// `cf.*`, `visitor.var.*`, ...).
    pub fn from_record(record: &CrmRecord) -> Result<Conversation, String> {
        let text = |name: &str| {
            record.fields.iter().find(|f| f.name == name).and_then(|f| match &f.value {
                Value::Text(s) | Value::Date(s) | Value::Datetime(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
                Value::Integer(i) => Some(i.to_string()),
                Value::Decimal(d) => Some(d.to_string()),
                Value::Boolean(b) => Some(b.to_string()),
                _ => None,
            })
        };
        let prefixed = |prefix: &str| -> Vec<(String, String)> {
            record
                .fields
                .iter()
                .filter_map(|f| {
                    let key = f.name.strip_prefix(prefix)?;
                    Some((key.to_string(), text(&f.name)?))
                })
                .collect()
        };
        let id = record.id.clone().or_else(|| text("id")).ok_or("the conversation has no id")?;
        let channel = match text("channel").as_deref() {
            Some("web_chat") => Channel::WebChat,
            Some("inbox") => Channel::Inbox,
            other => return Err(format!("conversation {id} has an unknown channel {other:?}")),
        };
        let visitor = Visitor {
            id: text("visitor.id").or_else(|| text("visitor_id")).ok_or_else(|| format!("conversation {id} names no visitor"))?,
            name: text("visitor.name"),
            email: text("visitor.email"),
            phone: text("visitor.phone"),
            company: text("visitor.company"),
            variables: prefixed("visitor.var."),
        };
        Ok(Conversation {
            channel,
            tenant_id: text("tenant_id"),
            agent_email: text("agent_email"),
            subject: text("subject"),
            started_at: text("started_at"),
            ended_at: text("ended_at"),
            note: text("note"),
            wrap_up: text("wrap_up"),
            offline: text("offline").as_deref() == Some("true"),
            transcript: text("transcript").unwrap_or_default(),
            custom_fields: prefixed("cf."),
            attachments: text("attachments"),
            files: files(record),
            url: text("url"),
            visitor,
            id,
        })
    }

    /// The case's or task's subject: tenant and channel (seed 004), and an
    /// inbox conversation's own subject.
    pub fn title(&self) -> String {
        let mut parts = Vec::new();
        if let Some(tenant) = &self.tenant_id {
            parts.push(tenant.clone());
        }
        parts.push(if self.offline { "Offline message".to_string() } else { self.channel.label().to_string() });
        let head = parts.join(" · ");
        match &self.subject {
            Some(subject) => format!("{head}: {subject}"),
            None => match &self.visitor.name {
                Some(name) => format!("{head} with {name}"),
                None => head,
            },
        }
    }

    /// The case's or task's description: the content, the conversation's
    /// id, note, wrap-up, times, custom fields and variables, attachments.
    pub fn description(&self) -> String {
        let mut out = String::new();
        let mut line = |label: &str, value: &Option<String>| {
            if let Some(v) = value {
                out.push_str(&format!("{label}: {v}\n"));
            }
        };
        line(if self.channel == Channel::Inbox { "Conversation ID" } else { "Chat ID" }, &Some(self.id.clone()));
        line("Start time", &self.started_at);
        line("End time", &self.ended_at);
        line("Agent", &self.agent_email);
        line("Note", &self.note);
        line("Agent wrap-up", &self.wrap_up);
        for (k, v) in &self.custom_fields {
            out.push_str(&format!("{k}: {v}\n"));
        }
        for (k, v) in &self.visitor.variables {
            out.push_str(&format!("{k}: {v}\n"));
        }
        if let Some(a) = &self.attachments {
            out.push_str(&format!("Attachments:\n{a}\n"));
        }
        if let Some(url) = &self.url {
            out.push_str(&format!("Link: {url}\n"));
        }
        if !self.transcript.is_empty() {
            out.push_str(&format!("\n{}\n", if self.channel == Channel::Inbox { "Conversation content" } else { "Chat content" }));
            out.push_str(&self.transcript);
        }
        out.trim_end().to_string()
    }
}

/// The largest file recording attaches to a CRM record. Chat attachments
/// are mostly screenshots and documents; CRMs cap uploads (Zoho at 20 MB),
/// and the file passes through two sandboxed plugins' memory.
pub const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;

/// Why a file of this size is not attached, if it is too large.
pub fn too_large(size: Option<u64>) -> Option<String> {
    let size = size.filter(|s| *s > MAX_ATTACHMENT_BYTES)?;
    let mib = |b: u64| format!("{:.1} MB", b as f64 / (1024.0 * 1024.0));
    Some(format!("not attached: {} is above the {} limit for attachments", mib(size), mib(MAX_ATTACHMENT_BYTES)))
}

/// The `attachment.<id>.*` fields of a conversation, in their order.
fn files(record: &CrmRecord) -> Vec<FileRef> {
    let mut out: Vec<FileRef> = Vec::new();
    for f in &record.fields {
        let Some((id, part)) = f.name.strip_prefix("attachment.").and_then(|rest| rest.rsplit_once('.')) else { continue };
        if id.is_empty() {
            continue;
        }
        let index = match out.iter().position(|r| r.id == id) {
            Some(i) => i,
            None => {
                out.push(FileRef { id: id.to_string(), name: String::new(), content_type: None, size: None });
                out.len() - 1
            }
        };
        let file = &mut out[index];
        match (part, &f.value) {
            ("name", Value::Text(name)) => file.name = name.trim().to_string(),
            ("content_type", Value::Text(kind)) => file.content_type = Some(kind.trim().to_string()).filter(|k| !k.is_empty()),
            ("size", Value::Integer(size)) => file.size = u64::try_from(*size).ok(),
            _ => {}
        }
    }
    for file in &mut out {
        if file.name.is_empty() {
            file.name = file.id.clone();
        }
    }
    out
}

/// What a record is created as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Lead,
    Contact,
    Case,
    Task,
}

/// The seed's field table: which of the conversation's details go to which
/// field of the record, as desk concepts. Name goes to Last Name; Phone or
/// Cell Phone to Phone; Company to a lead's Company (a contact has none).
pub fn values(target: Target, conversation: &Conversation) -> Vec<(&'static str, String)> {
    let v = &conversation.visitor;
    let mut out = Vec::new();
    let mut push = |concept: &'static str, value: &Option<String>| {
        if let Some(value) = value.as_ref().filter(|s| !s.trim().is_empty()) {
            out.push((concept, value.clone()));
        }
    };
    match target {
        Target::Lead | Target::Contact => {
            // A CRM needs a last name: an anonymous visitor is named by email.
            let name = v.name.clone().or_else(|| v.email.clone()).or_else(|| Some(format!("Visitor {}", v.id)));
            push("last_name", &name);
            push("email", &v.email);
            push("phone", &v.phone);
            if target == Target::Lead {
                // A lead needs a company; the seed has none for contacts.
                push("company", &v.company.clone().or_else(|| Some("(unknown)".into())));
            }
        }
        Target::Case | Target::Task => {
            push("subject", &Some(conversation.title()));
            push("description", &Some(conversation.description()));
            if target == Target::Case {
                push("email", &v.email);
                push("phone", &v.phone);
                push("name", &v.name);
                push("company", &v.company);
            }
        }
    }
    out
}

/// What to write to a contact found by identification, by the policy:
/// nothing, every incoming value that differs, or only values for fields
/// the contact has empty. `existing` holds the contact's current values.
pub fn update_plan(
    policy: UpdatePolicy,
    existing: &[(&'static str, Option<String>)],
    incoming: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let current =
        |concept: &str| existing.iter().find(|(c, _)| *c == concept).and_then(|(_, v)| v.clone()).filter(|v| !v.trim().is_empty());
    incoming
        .iter()
        .filter(|(concept, value)| match policy {
            UpdatePolicy::DoNotUpdate => false,
            UpdatePolicy::Overwrite => current(concept).as_deref() != Some(value.as_str()),
            UpdatePolicy::AddNewOnly => current(concept).is_none(),
        })
        .cloned()
        .collect()
}

/// The value a key compares for this visitor, if the visitor has it.
pub fn key_value(key: Key, visitor: &Visitor) -> Option<String> {
    match key {
        Key::Email => visitor.email.clone(),
        Key::Phone => visitor.phone.clone(),
        Key::Name => visitor.name.clone(),
        Key::Company => visitor.company.clone(),
    }
    .filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Field;

    fn conversation() -> Conversation {
        let text = |name: &str, value: &str| Field { name: name.into(), label: None, value: Value::Text(value.into()) };
        let record = CrmRecord {
            id: Some("conv_1".into()),
            fields: vec![
                text("channel", "web_chat"),
                text("tenant_id", "acme-support"),
                text("agent_email", "agent@deskpane.example"),
                text("started_at", "2026-11-30T09:00:00.000Z"),
                text("ended_at", "2026-11-30T09:12:00.000Z"),
                text("note", "Wants a quote"),
                text("wrap_up", "Sales lead"),
                text("transcript", "Visitor: Hi\nAgent: Hello"),
                text("cf.plan", "Pro"),
                text("attachments", "invoice.pdf (application/pdf, 1200 bytes)"),
                text("attachment.att_7.name", "invoice.pdf"),
                text("attachment.att_7.content_type", "application/pdf"),
                Field { name: "attachment.att_7.size".into(), label: None, value: Value::Integer(1200) },
                text("attachment.att_8.content_type", "image/png"),
                text("url", "https://cx.example/app/conversations/conv_1"),
                text("visitor.id", "vis_1"),
                text("visitor.name", "Riley Chen"),
                text("visitor.email", "riley@example.com"),
                text("visitor.phone", "+1 415 555 0100"),
                text("visitor.company", "Northwind"),
                text("visitor.var.page", "/pricing"),
            ],
            created_time: None,
            modified_time: None,
        };
        Conversation::from_record(&record).unwrap()
    }

    #[test]
    fn a_conversation_is_read_from_the_plugins_record() {
        let c = conversation();
        assert_eq!((c.channel, c.visitor.email.as_deref(), c.is_over()), (Channel::WebChat, Some("riley@example.com"), true));
        assert_eq!(c.custom_fields, [("plan".to_string(), "Pro".to_string())]);
        assert_eq!(c.visitor.variables, [("page".to_string(), "/pricing".to_string())]);
        let invoice =
            FileRef { id: "att_7".into(), name: "invoice.pdf".into(), content_type: Some("application/pdf".into()), size: Some(1200) };
        let unnamed = FileRef { id: "att_8".into(), name: "att_8".into(), content_type: Some("image/png".into()), size: None };
        assert_eq!(c.files, [invoice, unnamed], "in order; a file without a name is called by its id");
        let mut bad = CrmRecord { id: Some("x".into()), fields: vec![], created_time: None, modified_time: None };
        assert!(Conversation::from_record(&bad).unwrap_err().contains("unknown channel"));
        bad.fields.push(Field { name: "channel".into(), label: None, value: Value::Text("inbox".into()) });
        assert!(Conversation::from_record(&bad).unwrap_err().contains("names no visitor"));
    }

    #[test]
    fn the_seeds_field_table_fills_lead_contact_case_and_task() {
        let c = conversation();
        let lead = values(Target::Lead, &c);
        assert!(lead.contains(&("last_name", "Riley Chen".into())) && lead.contains(&("company", "Northwind".into())));
        assert!(!values(Target::Contact, &c).iter().any(|(k, _)| *k == "company"), "a contact has no company field");
        let task = values(Target::Task, &c);
        let subject = &task.iter().find(|(k, _)| *k == "subject").unwrap().1;
        assert_eq!(subject, "acme-support · Web Chat with Riley Chen", "tenant id and channel");
        let description = &task.iter().find(|(k, _)| *k == "description").unwrap().1;
        for part in [
            "Chat ID: conv_1",
            "Note: Wants a quote",
            "Agent wrap-up: Sales lead",
            "Start time:",
            "End time:",
            "plan: Pro",
            "page: /pricing",
            "invoice.pdf",
            "Visitor: Hi",
        ] {
            assert!(description.contains(part), "{part} in {description}");
        }
        assert!(values(Target::Case, &c).contains(&("email", "riley@example.com".into())));
    }

    #[test]
    fn files_above_the_limit_are_named_as_skipped() {
        assert_eq!(too_large(None), None);
        assert_eq!(too_large(Some(MAX_ATTACHMENT_BYTES)), None);
        assert!(too_large(Some(MAX_ATTACHMENT_BYTES + 1)).is_some());
        assert_eq!(too_large(Some(25 << 20)).as_deref(), Some("not attached: 25.0 MB is above the 10.0 MB limit for attachments"));
    }

    #[test]
    fn update_policies_leave_overwrite_or_only_complete_a_contact() {
        let existing = [("last_name", Some("Chen".to_string())), ("email", Some("riley@example.com".to_string())), ("phone", None)];
        let incoming =
            [("last_name", "Riley Chen".to_string()), ("email", "riley@example.com".to_string()), ("phone", "+1 555".to_string())];
        assert!(update_plan(UpdatePolicy::DoNotUpdate, &existing, &incoming).is_empty());
        assert_eq!(
            update_plan(UpdatePolicy::Overwrite, &existing, &incoming),
            [("last_name", "Riley Chen".into()), ("phone", "+1 555".into())]
        );
        assert_eq!(update_plan(UpdatePolicy::AddNewOnly, &existing, &incoming), [("phone", "+1 555".into())], "never a non-empty field");
    }

    #[test]
    fn an_anonymous_visitor_still_gets_a_name_and_a_lead_a_company() {
        let mut c = conversation();
        c.visitor = Visitor { id: "vis_9".into(), ..Default::default() };
        let lead = values(Target::Lead, &c);
        assert_eq!(lead, [("last_name", "Visitor vis_9".to_string()), ("company", "(unknown)".to_string())]);
    }
}
