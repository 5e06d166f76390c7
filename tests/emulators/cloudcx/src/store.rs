//! Tenants and their data. The operations the control API offers live
//! here; each that fires an event answers it, for the caller to publish
//! once the lock is released. Misuse (an unknown id, ending a chat twice)
//! panics: it is a bug in the test.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::model::{Attachment, Channel, Conversation, Sender, View, Visitor};
use crate::util::now_ms;
use crate::webhooks::{Event, Webhook};

pub struct Store {
    pub base_url: String,
    tenants: HashMap<String, Tenant>,
    /// API key -> tenant id.
    keys: HashMap<String, String>,
}

pub struct Tenant {
    pub id: String,
    /// The emulator's, for conversation and attachment links.
    pub base_url: String,
    pub visitors: HashMap<String, Visitor>,
    pub conversations: HashMap<String, Conversation>,
    pub webhooks: Vec<Webhook>,
}

impl Store {
    pub fn new(base_url: String) -> Store {
        Store { base_url, tenants: HashMap::new(), keys: HashMap::new() }
    }

    /// Panics when the tenant or the key is taken.
    pub fn add_tenant(&mut self, tenant_id: &str, api_key: &str) {
        assert!(!self.tenants.contains_key(tenant_id), "tenant `{tenant_id}` exists");
        assert!(!self.keys.contains_key(api_key), "API key `{api_key}` is taken");
        self.keys.insert(api_key.into(), tenant_id.into());
        let tenant = Tenant {
            id: tenant_id.into(),
            base_url: self.base_url.clone(),
            visitors: HashMap::new(),
            conversations: HashMap::new(),
            webhooks: Vec::new(),
        };
        self.tenants.insert(tenant_id.into(), tenant);
    }

    /// The tenant an API key names.
    pub fn tenant_of_key(&self, api_key: &str) -> Option<&str> {
        self.keys.get(api_key).map(String::as_str)
    }

    pub fn tenant(&self, id: &str) -> &Tenant {
        self.tenants.get(id).unwrap_or_else(|| panic!("no tenant `{id}`"))
    }

    pub fn tenant_mut(&mut self, id: &str) -> &mut Tenant {
        self.tenants.get_mut(id).unwrap_or_else(|| panic!("no tenant `{id}`"))
    }

    /// A conversation of any tenant (the console page and attachment links
    /// are not tenant-scoped).
    pub fn any_conversation(&self, id: &str) -> Option<&Conversation> {
        self.tenants.values().find_map(|t| t.conversations.get(id))
    }

    /// An attachment of any tenant.
    pub fn any_attachment(&self, id: &str) -> Option<&Attachment> {
        self.tenants.values().flat_map(|t| t.conversations.values()).flat_map(|c| &c.attachments).find(|a| a.id == id)
    }
}

impl Tenant {
    pub fn visitor(&self, id: &str) -> &Visitor {
        self.visitors.get(id).unwrap_or_else(|| panic!("tenant {} has no visitor `{id}`", self.id))
    }

    fn conversation_mut(&mut self, id: &str) -> &mut Conversation {
        let tenant = self.id.clone();
        self.conversations.get_mut(id).unwrap_or_else(|| panic!("tenant {tenant} has no conversation `{id}`"))
    }

    /// Registering a url again replaces its earlier registration.
    pub fn register_webhook(&mut self, webhook: Webhook) {
        self.webhooks.retain(|w| w.url != webhook.url);
        self.webhooks.push(webhook);
    }

    pub fn seed_visitor(&mut self, seed: Value) -> String {
        let visitor = Visitor::from_seed(&self.id, seed, now_ms());
        let id = visitor.id.clone();
        assert!(self.visitors.insert(id.clone(), visitor).is_none(), "visitor `{id}` exists");
        id
    }

    pub fn seed_conversation(&mut self, seed: Value) -> String {
        let visitor_id = seed.get("visitor_id").and_then(Value::as_str).expect("a conversation names its visitor_id").to_string();
        let conversation = Conversation::from_seed(&self.id, &self.base_url, self.visitor(&visitor_id), seed, now_ms());
        let id = conversation.id.clone();
        assert!(self.conversations.insert(id.clone(), conversation).is_none(), "conversation `{id}` exists");
        id
    }

    pub fn create_visitor(&mut self, seed: Value) -> (String, Event) {
        let id = self.seed_visitor(seed);
        let event = self.visitor_event("ContactCreated", &id);
        (id, event)
    }

    pub fn update_visitor(&mut self, id: &str, changes: Value) -> Event {
        let changes = crate::model::visitor_changes(changes);
        let tenant = self.id.clone();
        let visitor = self.visitors.get_mut(id).unwrap_or_else(|| panic!("tenant {tenant} has no visitor `{id}`"));
        visitor.apply(&changes);
        visitor.updated_at = now_ms().max(visitor.updated_at);
        self.visitor_event("ContactUpdated", id)
    }

    /// The visitor goes; its conversations stay.
    pub fn delete_visitor(&mut self, id: &str) -> Event {
        assert!(self.visitors.remove(id).is_some(), "tenant {} has no visitor `{id}`", self.id);
        Event::new("ContactDeleted", &self.id, now_ms(), json!({"visitor_id": id}))
    }

    /// Opens a conversation with a first message from the visitor.
    pub fn open_conversation(
        &mut self,
        channel: Channel,
        visitor_id: &str,
        agent_email: Option<&str>,
        subject: Option<&str>,
        text: &str,
    ) -> String {
        let now = now_ms();
        let visitor = self.visitor(visitor_id);
        let author = visitor.display_name();
        let mut conversation = Conversation {
            id: crate::util::new_id("conv"),
            tenant_id: self.id.clone(),
            channel,
            visitor_id: visitor_id.into(),
            agent_email: agent_email.map(String::from),
            subject: subject.map(String::from),
            open: true,
            started_at: now,
            ended_at: None,
            note: None,
            wrap_up: None,
            custom_fields: Default::default(),
            messages: Vec::new(),
            attachments: Vec::new(),
            offline: false,
            created_at: now,
            updated_at: now,
        };
        conversation.push_message(Sender::Visitor, author, text, now);
        let id = conversation.id.clone();
        self.conversations.insert(id.clone(), conversation);
        id
    }

    /// An offline message: a web chat that is over as it starts.
    pub fn offline_message(&mut self, visitor_id: &str, text: &str) -> String {
        let id = self.open_conversation(Channel::WebChat, visitor_id, None, None, text);
        let conversation = self.conversation_mut(&id);
        conversation.offline = true;
        conversation.open = false;
        conversation.ended_at = Some(conversation.started_at);
        id
    }

    pub fn post_message(&mut self, conversation_id: &str, from: Sender, text: &str) -> String {
        let visitor_name =
            self.conversations.get(conversation_id).and_then(|c| self.visitors.get(&c.visitor_id)).map(Visitor::display_name);
        let conversation = self.conversation_mut(conversation_id);
        assert!(conversation.open, "conversation `{conversation_id}` is {}", conversation.status());
        let author = match from {
            Sender::Visitor => visitor_name.unwrap_or_else(|| "Visitor".into()),
            Sender::Agent => conversation.agent_email.clone().unwrap_or_else(|| "agent".into()),
            Sender::System => "CloudCX".into(),
        };
        conversation.push_message(from, author, text, now_ms())
    }

    /// Ends a web chat or closes an inbox conversation.
    pub fn finish(&mut self, conversation_id: &str, channel: Channel, note: Option<&str>, wrap_up: Option<&str>) -> Event {
        let conversation = self.conversation_mut(conversation_id);
        assert_eq!(conversation.channel, channel, "conversation `{conversation_id}` is a {}", conversation.channel.name());
        assert!(conversation.open, "conversation `{conversation_id}` is {}", conversation.status());
        let now = now_ms().max(conversation.updated_at);
        conversation.open = false;
        conversation.ended_at = Some(now);
        conversation.updated_at = now;
        if note.is_some() {
            conversation.note = note.map(String::from);
        }
        conversation.wrap_up = wrap_up.map(String::from);
        let kind = match channel {
            Channel::WebChat => "ChatEnded",
            Channel::Inbox => "ConversationClosed",
        };
        self.conversation_event(kind, conversation_id, View::Full)
    }

    /// `{"visitor": Visitor}`.
    pub fn visitor_event(&self, kind: &'static str, id: &str) -> Event {
        let visitor = self.visitor(id);
        Event::new(kind, &self.id, visitor.updated_at, json!({"visitor": visitor.render()}))
    }

    /// `{"conversation", "visitor"}`; the visitor is null once deleted.
    pub fn conversation_event(&self, kind: &'static str, id: &str, view: View) -> Event {
        let conversation = &self.conversations[id];
        let visitor = self.visitors.get(&conversation.visitor_id).map(Visitor::render);
        let data = json!({"conversation": conversation.render(&self.base_url, view), "visitor": visitor});
        Event::new(kind, &self.id, conversation.updated_at, data)
    }
}
