//! Visitors and conversations: how they are kept, rendered as the API shows
//! them, and read from the JSON tests seed. Seeding JSON that does not fit
//! panics: it is a bug in the test.

use serde_json::{json, Map, Value};

use crate::util::{format_ms, new_id, parse_time};

#[derive(Debug, Clone)]
pub struct Visitor {
    pub id: String,
    pub tenant_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub custom_variables: Map<String, Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

const VISITOR_TEXT: [&str; 4] = ["name", "email", "phone", "company"];

impl Visitor {
    pub fn render(&self) -> Value {
        json!({
            "id": self.id,
            "tenant_id": self.tenant_id,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "company": self.company,
            "custom_variables": self.custom_variables,
            "created_at": format_ms(self.created_at),
            "updated_at": format_ms(self.updated_at),
        })
    }

    /// A visitor from seeding JSON: the text fields, `custom_variables`, and
    /// optionally `id`, `created_at`, `updated_at`.
    pub fn from_seed(tenant_id: &str, seed: Value, now: i64) -> Visitor {
        let seed = object(seed, "visitor");
        check_keys(&seed, &["id", "created_at", "updated_at", "custom_variables", "name", "email", "phone", "company"], "visitor");
        let created_at = time(&seed, "created_at").unwrap_or(now);
        let mut visitor = Visitor {
            id: given_id(&seed, "vis"),
            tenant_id: tenant_id.into(),
            name: None,
            email: None,
            phone: None,
            company: None,
            custom_variables: Map::new(),
            created_at,
            updated_at: time(&seed, "updated_at").unwrap_or(created_at),
        };
        visitor.apply(&seed);
        visitor
    }

    /// Applies the text fields and `custom_variables` of an update: `null`
    /// clears a field; custom variables merge, `null` removing one.
    pub fn apply(&mut self, changes: &Map<String, Value>) {
        for key in VISITOR_TEXT {
            if let Some(value) = changes.get(key) {
                let slot = match key {
                    "name" => &mut self.name,
                    "email" => &mut self.email,
                    "phone" => &mut self.phone,
                    _ => &mut self.company,
                };
                *slot = opt_text(value, key);
            }
        }
        match changes.get("custom_variables") {
            None | Some(Value::Null) => {}
            Some(Value::Object(vars)) => {
                for (k, v) in vars {
                    match v {
                        Value::Null => self.custom_variables.remove(k),
                        v => self.custom_variables.insert(k.clone(), v.clone()),
                    };
                }
            }
            Some(other) => panic!("custom_variables is an object, not {other}"),
        }
    }

    /// How a message from this visitor is signed.
    pub fn display_name(&self) -> String {
        self.name.clone().or_else(|| self.email.clone()).unwrap_or_else(|| "Visitor".into())
    }
}

/// Checks the keys of a visitor update.
pub fn visitor_changes(changes: Value) -> Map<String, Value> {
    let changes = object(changes, "visitor update");
    check_keys(&changes, &["custom_variables", "name", "email", "phone", "company"], "visitor update");
    changes
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    WebChat,
    Inbox,
}

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Channel::WebChat => "web_chat",
            Channel::Inbox => "inbox",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        [Channel::WebChat, Channel::Inbox].into_iter().find(|c| c.name() == text)
    }

    /// The status a finished conversation of this channel has.
    pub fn finished(self) -> &'static str {
        match self {
            Channel::WebChat => "ended",
            Channel::Inbox => "closed",
        }
    }
}

/// Who sent a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    Visitor,
    Agent,
    System,
}

impl Sender {
    pub fn name(self) -> &'static str {
        match self {
            Sender::Visitor => "visitor",
            Sender::Agent => "agent",
            Sender::System => "system",
        }
    }

    fn parse(text: &str) -> Sender {
        [Sender::Visitor, Sender::Agent, Sender::System]
            .into_iter()
            .find(|s| s.name() == text)
            .unwrap_or_else(|| panic!("a message is from visitor, agent or system, not `{text}`"))
    }
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: String,
    pub from: Sender,
    pub author: String,
    pub text: String,
    pub sent_at: i64,
}

#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub url: String,
    /// The seed's `content` (text), else `size` placeholder bytes.
    pub content: Option<Vec<u8>>,
}

impl Attachment {
    /// The attachment's bytes: the seeded content, else placeholder bytes
    /// of the declared size.
    pub fn bytes(&self) -> Vec<u8> {
        match &self.content {
            Some(content) => content.clone(),
            None => b"CloudCX emulator placeholder\n".iter().copied().cycle().take(self.size as usize).collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: String,
    pub tenant_id: String,
    pub channel: Channel,
    pub visitor_id: String,
    pub agent_email: Option<String>,
    pub subject: Option<String>,
    pub open: bool,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub note: Option<String>,
    pub wrap_up: Option<String>,
    pub custom_fields: Map<String, Value>,
    pub messages: Vec<Message>,
    pub attachments: Vec<Attachment>,
    pub offline: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// How much of a conversation a rendering shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// `GET /conversations/{id}`, ChatEnded, ConversationClosed, OfflineMessageReceived.
    Full,
    /// ChatStarted and ConversationStarted: no `messages`.
    WithoutMessages,
    /// List items: neither `messages` nor `attachments`.
    Summary,
}

impl Conversation {
    pub fn status(&self) -> &'static str {
        if self.open {
            "open"
        } else {
            self.channel.finished()
        }
    }

    pub fn render(&self, base_url: &str, view: View) -> Value {
        let mut out = json!({
            "id": self.id,
            "tenant_id": self.tenant_id,
            "channel": self.channel.name(),
            "visitor_id": self.visitor_id,
            "agent_email": self.agent_email,
            "subject": self.subject,
            "status": self.status(),
            "started_at": format_ms(self.started_at),
            "ended_at": self.ended_at.map(format_ms),
            "note": self.note,
            "wrap_up": self.wrap_up,
            "custom_fields": self.custom_fields,
            "offline": self.offline,
            "created_at": format_ms(self.created_at),
            "updated_at": format_ms(self.updated_at),
            "url": format!("{base_url}/app/conversations/{}", self.id),
        });
        if view != View::Summary {
            out["attachments"] = self
                .attachments
                .iter()
                .map(|a| json!({"id": a.id, "name": a.name, "content_type": a.content_type, "size": a.size, "url": a.url}))
                .collect();
        }
        if view == View::Full {
            out["messages"] = self
                .messages
                .iter()
                .map(|m| json!({"id": m.id, "from": m.from.name(), "author": m.author, "text": m.text, "sent_at": format_ms(m.sent_at)}))
                .collect();
        }
        out
    }

    /// Appends a message; the conversation's `updated_at` moves to it.
    pub fn push_message(&mut self, from: Sender, author: String, text: &str, at: i64) -> String {
        let id = new_id("msg");
        self.messages.push(Message { id: id.clone(), from, author, text: text.into(), sent_at: at });
        self.updated_at = self.updated_at.max(at);
        id
    }

    /// A conversation from seeding JSON (see the README's "Seeding").
    pub fn from_seed(tenant_id: &str, base_url: &str, visitor: &Visitor, seed: Value, now: i64) -> Conversation {
        let seed = object(seed, "conversation");
        check_keys(
            &seed,
            &[
                "id",
                "channel",
                "visitor_id",
                "agent_email",
                "subject",
                "status",
                "started_at",
                "ended_at",
                "note",
                "wrap_up",
                "custom_fields",
                "messages",
                "attachments",
                "offline",
                "created_at",
                "updated_at",
            ],
            "conversation",
        );
        let text = |key: &str| seed.get(key).and_then(|v| opt_text(v, key));
        let channel = match text("channel") {
            None => Channel::WebChat,
            Some(name) => Channel::parse(&name).unwrap_or_else(|| panic!("channel is web_chat or inbox, not `{name}`")),
        };
        let open = match text("status").as_deref() {
            None => false,
            Some("open") => true,
            Some(status) if status == channel.finished() => false,
            Some(status) => panic!("a {} conversation cannot be `{status}`", channel.name()),
        };
        let (subject, wrap_up) = (text("subject"), text("wrap_up"));
        match channel {
            Channel::WebChat => assert!(subject.is_none(), "a web chat has no subject"),
            Channel::Inbox => assert!(wrap_up.is_none(), "an inbox conversation has no wrap_up"),
        }
        let agent_email = text("agent_email");
        let raw_messages = match seed.get("messages") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(other) => panic!("messages is an array, not {other}"),
        };
        let first_sent = raw_messages.first().and_then(|m| m.get("sent_at")).and_then(Value::as_str).and_then(parse_time);
        let started_at = time(&seed, "started_at").or(first_sent).unwrap_or(now);
        let mut conversation = Conversation {
            id: given_id(&seed, "conv"),
            tenant_id: tenant_id.into(),
            channel,
            visitor_id: visitor.id.clone(),
            agent_email: agent_email.clone(),
            subject,
            open,
            started_at,
            ended_at: None,
            note: text("note"),
            wrap_up,
            custom_fields: match seed.get("custom_fields") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::Object(fields)) => fields.clone(),
                Some(other) => panic!("custom_fields is an object, not {other}"),
            },
            messages: Vec::new(),
            attachments: Vec::new(),
            offline: seed.get("offline").map(|v| v.as_bool().expect("offline is a boolean")).unwrap_or(false),
            created_at: time(&seed, "created_at").unwrap_or(started_at),
            updated_at: started_at,
        };
        let mut at = started_at;
        for (i, raw) in raw_messages.into_iter().enumerate() {
            let raw = object(raw, "message");
            check_keys(&raw, &["id", "from", "author", "text", "sent_at"], "message");
            let from = Sender::parse(raw.get("from").and_then(Value::as_str).unwrap_or("visitor"));
            let author = raw.get("author").and_then(|v| opt_text(v, "author")).unwrap_or_else(|| match from {
                Sender::Visitor => visitor.display_name(),
                Sender::Agent => agent_email.clone().unwrap_or_else(|| "agent".into()),
                Sender::System => "CloudCX".into(),
            });
            let text = raw.get("text").and_then(Value::as_str).unwrap_or_else(|| panic!("message {i} has no text"));
            at = time(&raw, "sent_at").unwrap_or(if i == 0 { at } else { at + 45_000 });
            conversation.push_message(from, author, text, at);
            if let Some(given) = raw.get("id").and_then(Value::as_str) {
                conversation.messages[i].id = checked_prefix(given, "msg");
            }
        }
        for raw in match seed.get("attachments") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(other) => panic!("attachments is an array, not {other}"),
        } {
            let raw = object(raw, "attachment");
            check_keys(&raw, &["id", "name", "content_type", "size", "url", "content"], "attachment");
            let id = given_id(&raw, "att");
            let name = raw.get("name").and_then(Value::as_str).expect("an attachment has a name").to_string();
            let url = raw.get("url").and_then(Value::as_str).map(String::from).unwrap_or_else(|| attachment_url(base_url, &id, &name));
            let content = raw.get("content").map(|v| v.as_str().expect("content is text").as_bytes().to_vec());
            let size = match (&content, raw.get("size")) {
                (Some(content), None) => content.len() as u64,
                (_, Some(v)) => v.as_u64().expect("size is a whole number"),
                (None, None) => 1024,
            };
            assert!(size <= 64 << 20, "attachment sizes stop at 64 MiB");
            conversation.attachments.push(Attachment {
                content_type: raw.get("content_type").and_then(Value::as_str).unwrap_or("application/octet-stream").into(),
                size,
                content,
                id,
                name,
                url,
            });
        }
        if !open {
            conversation.ended_at = Some(time(&seed, "ended_at").unwrap_or(at.max(started_at) + 60_000));
        }
        let last = conversation.ended_at.unwrap_or(at).max(conversation.created_at);
        conversation.updated_at = time(&seed, "updated_at").unwrap_or(last);
        conversation
    }
}

/// Where the emulator serves an attachment's (placeholder) content.
pub fn attachment_url(base_url: &str, id: &str, name: &str) -> String {
    let name: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    format!("{base_url}/files/{id}/{name}")
}

fn object(value: Value, what: &str) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("a {what} is a JSON object, not {other}"),
    }
}

fn check_keys(map: &Map<String, Value>, known: &[&str], what: &str) {
    if let Some(key) = map.keys().find(|k| !known.contains(&k.as_str())) {
        panic!("a {what} has no field `{key}` (known: {})", known.join(", "));
    }
}

fn opt_text(value: &Value, key: &str) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => panic!("{key} is a string or null, not {other}"),
    }
}

fn time(map: &Map<String, Value>, key: &str) -> Option<i64> {
    let value = map.get(key).filter(|v| !v.is_null())?;
    Some(value.as_str().and_then(parse_time).unwrap_or_else(|| panic!("{key} is an RFC 3339 time, not {value}")))
}

fn given_id(map: &Map<String, Value>, prefix: &str) -> String {
    match map.get("id").and_then(Value::as_str) {
        Some(id) => checked_prefix(id, prefix),
        None => new_id(prefix),
    }
}

fn checked_prefix(id: &str, prefix: &str) -> String {
    assert!(id.starts_with(&format!("{prefix}_")), "id `{id}` does not start with {prefix}_");
    id.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visitor() -> Visitor {
        Visitor::from_seed("t", json!({"name": "Ada", "custom_variables": {"plan": "Pro"}}), 1_000)
    }

    #[test]
    fn seeded_conversations_fill_times_authors_and_status() {
        let conv = Conversation::from_seed(
            "t",
            "http://x",
            &visitor(),
            json!({
                "agent_email": "a@x.example",
                "started_at": "2026-11-21T09:30:00Z",
                "messages": [{"from": "visitor", "text": "hi"}, {"from": "agent", "text": "hello"}],
                "attachments": [{"name": "log file.txt", "content_type": "text/plain", "size": 12}],
            }),
            0,
        );
        assert_eq!(conv.status(), "ended");
        assert_eq!(conv.messages[0].author, "Ada");
        assert_eq!(conv.messages[1].author, "a@x.example");
        assert_eq!(conv.messages[1].sent_at - conv.messages[0].sent_at, 45_000);
        assert_eq!(conv.ended_at, Some(conv.messages[1].sent_at + 60_000));
        assert_eq!(conv.updated_at, conv.ended_at.unwrap());
        assert!(conv.attachments[0].url.ends_with("/log_file.txt"));
        let summary = conv.render("http://x", View::Summary);
        assert!(summary.get("messages").is_none() && summary.get("attachments").is_none());
        assert_eq!(summary["url"], format!("http://x/app/conversations/{}", conv.id));
        let started = conv.render("http://x", View::WithoutMessages);
        assert!(started.get("messages").is_none() && started["attachments"].is_array());
    }

    #[test]
    #[should_panic(expected = "no wrap_up")]
    fn inbox_conversations_have_no_wrap_up() {
        Conversation::from_seed("t", "http://x", &visitor(), json!({"channel": "inbox", "wrap_up": "x"}), 0);
    }

    #[test]
    fn visitor_updates_merge_custom_variables() {
        let mut v = visitor();
        v.apply(&visitor_changes(json!({"email": "a@b.example", "name": null, "custom_variables": {"plan": null, "tier": 2}})));
        assert_eq!((v.name.as_deref(), v.email.as_deref()), (None, Some("a@b.example")));
        assert_eq!(Value::Object(v.custom_variables), json!({"tier": 2}));
    }
}
