//! Applying the recording rules: each queued conversation event becomes a
//! desk ticket and, through the connected CRM's plugin, a lead or contact
//! (found by the identification rules, or created) and, once the
//! conversation is over, a task or case under it. Every step is saved
//! before the next, so a replayed webhook or a crash between two CRM
//! writes creates nothing twice.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value as Json};

use super::rules::{self, Conversation, Key, Mode, Purpose, RecordingSettings, Target};
use super::store::{AttachedFile, Entry, How, Linked, Queued, RecordingStore};
use crate::contract::{ActionKind, ActionRequest, Change, ConnectorError, CrmRecord, Field, File, Module, RecordRef, Value, WriteAction};
use crate::desk::{Desk, DeskError, Kind};
use crate::manifest::Manifest;
use crate::registry::Registry;
use crate::sync::SyncStore;
use crate::{CallError, Plugin};

#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("plugin `{0}` is not an enabled contact-centre plugin")]
    NotContactCentre(String),
    #[error("no CRM to record into: connect a CRM plugin (Zoho CRM, Salesforce) and enable it, or choose one in the recording settings")]
    NoCrm,
    #[error("the CRM plugin `{crm}` names no {module} field for {concept}; add it under [field-mappings.{module}] in its manifest")]
    Unmapped { crm: String, module: &'static str, concept: &'static str },
    #[error("the CRM refused: {0}")]
    Crm(#[from] CallError),
    #[error("the contact centre could not hand over an attachment: {0}")]
    ContactCentre(CallError),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Desk(#[from] DeskError),
}

pub struct Recorder {
    registry: Arc<Registry>,
    desk: Desk,
    store: RecordingStore,
    /// Where the hook tokens (webhook secrets) live, beside sync's.
    tokens: SyncStore,
    wake: tokio::sync::Notify,
    /// One drain at a time.
    draining: tokio::sync::Mutex<()>,
}

fn module_name(module: Module) -> &'static str {
    module.as_str()
}

impl Recorder {
    pub fn new(registry: Arc<Registry>, desk: Desk, store: RecordingStore, tokens: SyncStore) -> Recorder {
        Recorder { registry, desk, store, tokens, wake: tokio::sync::Notify::new(), draining: tokio::sync::Mutex::new(()) }
    }

    pub fn store(&self) -> &RecordingStore {
        &self.store
    }

    /// Whether `plugin` is a contact centre: its manifest syncs `chats`.
    pub fn is_contact_centre(&self, plugin: &str) -> bool {
        self.registry.manifest(plugin).is_some_and(|m| m.modules.iter().any(|x| x == "chats"))
    }

    pub fn settings(&self, plugin: &str) -> RecordingSettings {
        self.store.settings(plugin).unwrap_or_default()
    }

    /// Saves the settings and asks the contact centre to notify the desk.
    pub async fn set_settings(&self, plugin: &str, settings: RecordingSettings) -> Result<(), RecordingError> {
        let cx = self.contact_centre(plugin)?;
        if let Some(crm) = &settings.crm {
            self.registry.plugin(crm).filter(|_| !self.is_contact_centre(crm)).ok_or_else(|| {
                RecordingError::Invalid(format!("`{crm}` is not an enabled CRM plugin; choose one of the connected CRMs"))
            })?;
        }
        self.store.set_settings(plugin, &settings)?;
        if settings.enabled {
            self.store.start_feed(plugin, &crate::clock::now_precise())?;
            self.watch(plugin, &cx).await;
        }
        Ok(())
    }

    /// Registers the desk's hook with the contact centre (best effort).
    async fn watch(&self, plugin: &str, cx: &Plugin) {
        let Ok(token) = self.tokens.hook_token_or_new(plugin) else { return };
        let url = format!("{}/hooks/{plugin}", self.registry.public_url());
        match cx.watch(&[Module::Chats], &url, &token).await {
            Ok(()) => tracing::info!(plugin, "the contact centre notifies {url}"),
            Err(e) => tracing::warn!(plugin, "the contact centre cannot notify the desk ({e})"),
        }
    }

    fn contact_centre(&self, plugin: &str) -> Result<Arc<Plugin>, RecordingError> {
        self.registry
            .plugin(plugin)
            .filter(|_| self.is_contact_centre(plugin))
            .ok_or_else(|| RecordingError::NotContactCentre(plugin.into()))
    }

    /// Queues the conversations a notification announced, durably; a
    /// delivery taken before adds nothing. Answers how many were queued.
    pub fn enqueue(&self, plugin: &str, changes: &[Change]) -> Result<usize, RecordingError> {
        let mut queued = 0;
        for change in changes {
            let Some(record) = &change.record else { continue };
            let delivery = record.fields.iter().find(|f| f.name == "delivery_id").and_then(|f| match &f.value {
                Value::Text(s) => Some(s.clone()),
                _ => None,
            });
            if self.store.enqueue(plugin, &Queued { delivery, conversation: record.clone() })? {
                queued += 1;
            }
        }
        if queued > 0 {
            self.wake.notify_one();
        }
        Ok(queued)
    }

    /// Applies every queued event, oldest first; answers how many. An event
    /// whose CRM call failed stays logged with the reason (Try Again).
    pub async fn drain(&self) -> usize {
        let _one = self.draining.lock().await;
        let mut done = 0;
        while let Some((key, plugin, event)) = self.store.next_queued() {
            if let Err(e) = self.apply(&plugin, &event.conversation).await {
                tracing::warn!(plugin = %plugin, "recording a conversation failed: {e}");
            }
            if let Err(e) = self.store.dequeue(&key) {
                tracing::error!("cannot take a recorded event off the queue: {e}");
                break;
            }
            done += 1;
        }
        done
    }

    /// Drains whenever woken; every `poll` also reads the contact
    /// centres' feeds (the fallback for webhooks that did not arrive).
    /// Never returns.
    pub async fn run_forever(self: Arc<Self>, poll: Duration) {
        loop {
            self.drain().await;
            if tokio::time::timeout(poll, self.wake.notified()).await.is_err() {
                self.poll().await;
            }
        }
    }

    /// Queues the conversations each recording contact centre changed
    /// since the last poll (since recording was switched on, at first).
    /// What webhooks already brought is applied again harmlessly: every
    /// step is recorded per conversation. Answers how many were queued.
    pub async fn poll(&self) -> usize {
        let mut queued = 0;
        for (id, plugin) in self.registry.enabled() {
            if !self.is_contact_centre(&id) || !self.settings(&id).enabled {
                continue;
            }
            let (mut cursor, since) = self.store.feed_position(&id);
            let query = crate::contract::FeedQuery { list_views: Vec::new(), since, filters: Vec::new(), page_size: 50 };
            loop {
                let page = match plugin.changes(Module::Chats, &query, cursor.as_deref()).await {
                    Ok(page) => page,
                    Err(e) => {
                        tracing::warn!(plugin = %id, "reading the contact centre's conversations failed: {e}");
                        break;
                    }
                };
                match self.enqueue(&id, &page.changes) {
                    Ok(n) => queued += n,
                    Err(e) => {
                        tracing::error!(plugin = %id, "cannot queue conversations: {e}");
                        break;
                    }
                }
                // Stored only once the page is queued: a crash reads it again.
                if self.store.set_feed_cursor(&id, &page.next_cursor).is_err() {
                    break;
                }
                cursor = Some(page.next_cursor);
                if !page.has_more {
                    break;
                }
            }
        }
        queued
    }

    /// Everything recorded for a contact centre, newest first.
    pub fn log(&self, plugin: &str) -> Vec<Entry> {
        self.store.entries(plugin)
    }

    /// Try Again: applies a conversation's last known state once more.
    pub async fn retry(&self, plugin: &str, conversation: &str) -> Result<Entry, RecordingError> {
        let entry = self
            .store
            .entry(plugin, conversation)
            .ok_or_else(|| RecordingError::Invalid(format!("no conversation {conversation} was recorded")))?;
        self.apply(plugin, &entry.conversation).await
    }

    /// One conversation event: the desk ticket, then (automatically) the
    /// person and, when the conversation is over, the task or case.
    async fn apply(&self, plugin: &str, record: &CrmRecord) -> Result<Entry, RecordingError> {
        let settings = self.settings(plugin);
        let conversation = Conversation::from_record(record).map_err(RecordingError::Invalid)?;
        let mut entry = self.store.entry(plugin, &conversation.id).unwrap_or_else(|| Entry {
            conversation_id: conversation.id.clone(),
            crm: None,
            person: None,
            activity: None,
            files: Vec::new(),
            ticket: None,
            failure: None,
            updated_at: crate::clock::now(),
            conversation: record.clone(),
        });
        entry.conversation = record.clone();
        if !settings.enabled {
            return Ok(entry);
        }
        let outcome = self.record(plugin, &settings, &conversation, &mut entry).await;
        entry.failure = outcome.as_ref().err().map(|e| e.to_string());
        entry.updated_at = crate::clock::now();
        self.store.save_entry(plugin, &entry)?;
        outcome.map(|()| entry)
    }

    async fn record(&self, plugin: &str, settings: &RecordingSettings, c: &Conversation, entry: &mut Entry) -> Result<(), RecordingError> {
        self.ticket(plugin, c, entry)?;
        if settings.mode == Mode::Manually {
            // A case or task an agent created: Try Again attaches what is left.
            if let (Some(activity), Some(crm_id)) = (entry.activity.clone(), entry.crm.clone()) {
                let crm = self.registry.plugin(&crm_id).ok_or(RecordingError::NoCrm)?;
                self.attach_files(plugin, &crm, &activity.record, c, entry).await?;
            }
            return Ok(());
        }
        let purpose = settings.purpose(c.channel);
        let (crm_id, crm, manifest) = self.crm(settings)?;
        entry.crm = Some(crm_id.clone());
        if entry.person.is_none() {
            let person = self.person(&crm_id, &crm, &manifest, settings, purpose, c).await?;
            entry.person = Some(person);
            // Saved before the next write: a crash now creates no second lead.
            self.store.save_entry(plugin, entry)?;
        }
        if entry.activity.is_none() && c.is_over() {
            let target = match purpose {
                Purpose::Sales => Target::Task,
                Purpose::Support => Target::Case,
            };
            let related = entry.person.as_ref().map(|p| p.record.clone());
            let record = self.create(&crm_id, &crm, &manifest, target, c, related).await?;
            entry.activity = Some(Linked { record, how: How::Created });
            self.store.save_entry(plugin, entry)?;
        }
        if let Some(activity) = entry.activity.clone() {
            self.attach_files(plugin, &crm, &activity.record, c, entry).await?;
        }
        Ok(())
    }

    /// Attaches the conversation's files to its task or case, each once:
    /// the entry remembers every file attached (or skipped) before the
    /// next, so a replay or Try Again attaches only what is left.
    async fn attach_files(
        &self,
        plugin: &str,
        crm: &Plugin,
        to: &RecordRef,
        c: &Conversation,
        entry: &mut Entry,
    ) -> Result<(), RecordingError> {
        let pending: Vec<&rules::FileRef> = c.files.iter().filter(|f| !entry.files.iter().any(|d| d.source_id == f.id)).collect();
        if pending.is_empty() {
            return Ok(());
        }
        let cx = self.contact_centre(plugin)?;
        for file in pending {
            let (crm_id, skipped) = match attach_one(&cx, crm, to, file).await? {
                Ok(id) => (Some(id), None),
                Err(why) => (None, Some(why)),
            };
            entry.files.push(AttachedFile { source_id: file.id.clone(), name: file.name.clone(), crm_id, skipped });
            self.store.save_entry(plugin, entry)?;
        }
        Ok(())
    }

    /// The CRM plugin to write to: the chosen one, else the first enabled
    /// plugin that is not a contact centre.
    fn crm(&self, settings: &RecordingSettings) -> Result<(String, Arc<Plugin>, Manifest), RecordingError> {
        let id = match &settings.crm {
            Some(id) => id.clone(),
            None => {
                let mut ids: Vec<String> =
                    self.registry.enabled().into_iter().map(|(id, _)| id).filter(|id| !self.is_contact_centre(id)).collect();
                ids.sort();
                ids.into_iter().next().ok_or(RecordingError::NoCrm)?
            }
        };
        let plugin = self.registry.plugin(&id).ok_or(RecordingError::NoCrm)?;
        let manifest = plugin.manifest().clone();
        Ok((id, plugin, manifest))
    }

    /// The lead (Sales) or contact (Support) of the visitor: found by the
    /// identification rules, else created. A contact found is updated as
    /// the update policy says.
    async fn person(
        &self,
        crm_id: &str,
        crm: &Plugin,
        manifest: &Manifest,
        settings: &RecordingSettings,
        purpose: Purpose,
        c: &Conversation,
    ) -> Result<Linked, RecordingError> {
        let (module, keys, target) = match purpose {
            Purpose::Sales => (Module::Leads, &settings.identification.lead, Target::Lead),
            Purpose::Support => (Module::Contacts, &settings.identification.contact, Target::Contact),
        };
        if let Some(found) = self.identify(crm_id, crm, manifest, module, keys, &c.visitor).await? {
            let id = found.id.clone().unwrap_or_default();
            let name = field_text(manifest, module, &found, "last_name");
            let record = RecordRef { module, id, name };
            if target != Target::Contact {
                return Ok(Linked { record, how: How::Found });
            }
            let existing: Vec<(&'static str, Option<String>)> =
                ["last_name", "email", "phone"].into_iter().map(|k| (k, field_text(manifest, module, &found, k))).collect();
            let plan = rules::update_plan(settings.update, &existing, &rules::values(target, c));
            if plan.is_empty() {
                return Ok(Linked { record, how: How::Found });
            }
            let fields = crm_fields(crm_id, manifest, module, &plan)?;
            let update = CrmRecord { id: Some(record.id.clone()), fields, created_time: None, modified_time: None };
            match crm.upsert(module, &[update], &[]).await?.into_iter().next() {
                Some(Ok(w)) if w.action == WriteAction::Updated => Ok(Linked { record, how: How::Updated }),
                Some(Ok(_)) => Ok(Linked { record, how: How::Updated }),
                Some(Err(e)) => Err(RecordingError::Invalid(format!("updating the contact failed: {}", e.message()))),
                None => Err(RecordingError::Invalid("the CRM answered nothing for the contact update".into())),
            }
        } else {
            // A new contact goes under the account the company identifies.
            let account = match target {
                Target::Contact => self
                    .identify(crm_id, crm, manifest, Module::Accounts, &settings.identification.account, &c.visitor)
                    .await?
                    .map(|a| RecordRef { module: Module::Accounts, id: a.id.clone().unwrap_or_default(), name: None }),
                _ => None,
            };
            let record = self.create(crm_id, crm, manifest, target, c, account).await?;
            Ok(Linked { record, how: How::Created })
        }
    }

    /// The first record the keys find, tried in order. A CRM plugin built
    /// for a contract without `find` finds nothing (all are created).
    async fn identify(
        &self,
        crm_id: &str,
        crm: &Plugin,
        manifest: &Manifest,
        module: Module,
        keys: &[Key],
        visitor: &rules::Visitor,
    ) -> Result<Option<CrmRecord>, RecordingError> {
        for key in keys {
            let Some(value) = rules::key_value(*key, visitor) else { continue };
            // An account's company is its name.
            let concept = if module == Module::Accounts && *key == Key::Company { "account_name" } else { key.concept() };
            let Some(name) = crm_field(manifest, module, concept) else { continue };
            let matching = [Field { name, label: None, value: Value::Text(value) }];
            match crm.find(module, &matching, 1).await {
                Ok(found) if !found.is_empty() => return Ok(found.into_iter().next()),
                Ok(_) => {}
                Err(e) if is_unsupported(&e) => {
                    tracing::info!(crm = crm_id, "the CRM plugin cannot search {}: {e}", module_name(module));
                    return Ok(None);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(None)
    }

    /// Creates a lead, contact, case or task from the conversation, owned
    /// by the CRM user with the chatting agent's email (else the user who
    /// connected the CRM: the plugin's fallback).
    async fn create(
        &self,
        crm_id: &str,
        crm: &Plugin,
        manifest: &Manifest,
        target: Target,
        c: &Conversation,
        related_to: Option<RecordRef>,
    ) -> Result<RecordRef, RecordingError> {
        let (kind, module) = match target {
            Target::Lead => (ActionKind::CreateLead, Module::Leads),
            Target::Contact => (ActionKind::CreateContact, Module::Contacts),
            Target::Case => (ActionKind::CreateCase, Module::Cases),
            Target::Task => (ActionKind::CreateTask, Module::Tasks),
        };
        let fields = crm_fields(crm_id, manifest, module, &rules::values(target, c))?;
        let request = ActionRequest { kind, fields, related_to, owner_email: c.agent_email.clone() };
        Ok(crm.perform(&request).await?)
    }

    /// The desk's ticket for the conversation (channel Chat), its requester
    /// the desk contact with the visitor's email (created when missing);
    /// its description follows the conversation; attachments listed.
    fn ticket(&self, plugin: &str, c: &Conversation, entry: &mut Entry) -> Result<(), RecordingError> {
        let origin = format!("recording:{plugin}");
        let description = c.description();
        if let Some(id) = &entry.ticket {
            if self.desk.get(Kind::Ticket, id).is_some_and(|t| t.text("description") != Some(description.as_str())) {
                self.desk.update(Kind::Ticket, id, obj(json!({ "description": description })), &origin)?;
            }
            return Ok(());
        }
        let contact = match &c.visitor.email {
            Some(email) => match self.desk.find(Kind::Contact, "email", email).into_iter().next() {
                Some(found) => Some(found.id),
                None => {
                    let name = c.visitor.name.clone().unwrap_or_else(|| email.clone());
                    let mut fields = obj(json!({ "last_name": name, "email": email }));
                    if let Some(phone) = &c.visitor.phone {
                        fields.insert("phone".into(), Json::String(phone.clone()));
                    }
                    Some(self.desk.create(Kind::Contact, fields, &origin)?.id)
                }
            },
            None => None,
        };
        let mut fields = obj(json!({ "subject": c.title(), "description": description, "channel": "Chat", "status": "Open" }));
        if let Some(contact) = contact {
            fields.insert("contact_id".into(), Json::String(contact));
        }
        if let Some(email) = &c.visitor.email {
            fields.insert("email".into(), Json::String(email.clone()));
        }
        let ticket = self.desk.create(Kind::Ticket, fields, &origin)?;
        entry.ticket = Some(ticket.id);
        self.store.save_entry(plugin, entry)?;
        Ok(())
    }

    /// Manual mode: an agent creates a lead, contact, case or task for the
    /// conversation of a desk ticket, with the same field tables and owner
    /// rule. A case or task goes under the person recorded for it, if any.
    pub async fn create_manually(&self, ticket: &str, kind: ActionKind) -> Result<RecordRef, RecordingError> {
        let (plugin, conversation) = self
            .store
            .ticket_conversation(ticket)
            .ok_or_else(|| RecordingError::Invalid(format!("ticket {ticket} did not come from a contact centre conversation")))?;
        let mut entry =
            self.store.entry(&plugin, &conversation).ok_or_else(|| RecordingError::Invalid("the conversation is not known".into()))?;
        let c = Conversation::from_record(&entry.conversation).map_err(RecordingError::Invalid)?;
        let settings = self.settings(&plugin);
        let (crm_id, crm, manifest) = self.crm(&settings)?;
        let target = match kind {
            ActionKind::CreateLead => Target::Lead,
            ActionKind::CreateContact => Target::Contact,
            ActionKind::CreateCase => Target::Case,
            ActionKind::CreateTask => Target::Task,
            ActionKind::CreateNote | ActionKind::LogCall => {
                return Err(RecordingError::Invalid("a conversation is recorded as a lead, contact, case or task".into()))
            }
        };
        let related = match target {
            Target::Case | Target::Task => entry.person.as_ref().map(|p| p.record.clone()),
            _ => None,
        };
        let created = self.create(&crm_id, &crm, &manifest, target, &c, related).await?;
        let linked = Some(Linked { record: created.clone(), how: How::Created });
        entry.crm = Some(crm_id);
        entry.updated_at = crate::clock::now();
        match target {
            Target::Lead | Target::Contact => entry.person = linked,
            Target::Case | Target::Task => {
                entry.activity = linked;
                // A new case or task takes the conversation's files afresh.
                entry.files.clear();
                self.store.save_entry(&plugin, &entry)?;
                // The record exists either way: a file that failed is the
                // log's to show, with Try Again.
                let attached = self.attach_files(&plugin, &crm, &created, &c, &mut entry).await;
                entry.failure = attached.err().map(|e| e.to_string());
            }
        }
        self.store.save_entry(&plugin, &entry)?;
        Ok(created)
    }
}

/// One file from the contact centre to the CRM record: the attachment's
/// CRM id, or why it was not attached (too large, a plugin that cannot
/// transfer files). A failure retrying may mend is the outer error.
async fn attach_one(cx: &Plugin, crm: &Plugin, to: &RecordRef, file: &rules::FileRef) -> Result<Result<String, String>, RecordingError> {
    if let Some(why) = rules::too_large(file.size) {
        return Ok(Err(why));
    }
    let got = match cx.download(&file.id).await {
        Ok(got) => got,
        Err(e) if is_unsupported(&e) => {
            return Ok(Err(format!("not attached: the contact-centre plugin `{}` cannot hand over files", cx.id())))
        }
        Err(e) => return Err(RecordingError::ContactCentre(e)),
    };
    if let Some(why) = rules::too_large(Some(got.content.len() as u64)) {
        return Ok(Err(why));
    }
    let content_type = file.content_type.clone().unwrap_or(got.content_type);
    let upload = File { name: file.name.clone(), content_type, content: got.content };
    match crm.attach(to, &upload).await {
        Ok(id) => Ok(Ok(id)),
        Err(e) if is_unsupported(&e) => Ok(Err(format!("not attached: the CRM plugin `{}` cannot attach files", crm.id()))),
        Err(e) => Err(e.into()),
    }
}

fn is_unsupported(e: &CallError) -> bool {
    matches!(e.connector_error(), Some(ConnectorError::Unsupported(_)))
}

fn obj(v: Json) -> Map<String, Json> {
    v.as_object().cloned().unwrap_or_default()
}

/// The CRM's API name for a desk concept of a module, from the CRM
/// plugin's manifest (`[field-mappings.<module>]`).
fn crm_field(manifest: &Manifest, module: Module, concept: &str) -> Option<String> {
    manifest.field_mappings.get(module_name(module)).and_then(|m| m.get(concept)).cloned()
}

/// Concept values as CRM fields; concepts the CRM has no field for are
/// left out, except a person's last name and an activity's subject, which
/// every CRM needs.
fn crm_fields(crm: &str, manifest: &Manifest, module: Module, values: &[(&'static str, String)]) -> Result<Vec<Field>, RecordingError> {
    let mut out = Vec::new();
    for (concept, value) in values {
        match crm_field(manifest, module, concept) {
            Some(name) => out.push(Field { name, label: None, value: Value::Text(value.clone()) }),
            None if matches!(*concept, "last_name" | "subject") => {
                return Err(RecordingError::Unmapped { crm: crm.into(), module: module_name(module), concept })
            }
            None => {}
        }
    }
    Ok(out)
}

/// A record's text value for a desk concept.
fn field_text(manifest: &Manifest, module: Module, record: &CrmRecord, concept: &str) -> Option<String> {
    let name = crm_field(manifest, module, concept)?;
    record.fields.iter().find(|f| f.name == name).and_then(|f| match &f.value {
        Value::Text(s) => Some(s.clone()).filter(|s| !s.is_empty()),
        _ => None,
    })
}
