//! CloudCX's JSON (visitors, conversations) into the contract's neutral
//! types. Pure: no host calls, so it is tested natively.

use deskpane_plugin_sdk::prelude::*;
use serde_json::Value as Json;

/// Most custom variables or custom fields shown of one record; the chat
/// widget sets them, so their number is the website's choice.
const MAX_CUSTOM: usize = 100;

/// A string field with a non-blank value.
pub fn str_of(json: &Json, key: &str) -> Option<String> {
    json.get(key).and_then(Json::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// A JSON value of a custom variable or custom field as a field value.
pub fn to_value(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => n.as_f64().map(Value::Decimal).unwrap_or_else(|| Value::Text(n.to_string())),
        },
        Json::String(s) => Value::Text(s.clone()),
        Json::Array(items) if items.iter().all(Json::is_string) => {
            Value::TextList(items.iter().filter_map(Json::as_str).map(str::to_string).collect())
        }
        other => Value::Text(other.to_string()),
    }
}

fn text_or_null(json: &Json, key: &str) -> Value {
    str_of(json, key).map(Value::Text).unwrap_or(Value::Null)
}

fn time_or_null(json: &Json, key: &str) -> Value {
    str_of(json, key).map(Value::Datetime).unwrap_or(Value::Null)
}

fn field(name: impl Into<String>, label: &str, value: Value) -> Field {
    Field { name: name.into(), label: Some(label.to_string()), value }
}

/// The entries of a `{key: value}` object, at most [`MAX_CUSTOM`], in key order.
fn custom_entries(json: &Json, key: &str) -> Vec<(String, Value)> {
    let Some(map) = json.get(key).and_then(Json::as_object) else { return Vec::new() };
    let mut entries: Vec<_> = map.iter().map(|(k, v)| (k.clone(), to_value(v))).collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.truncate(MAX_CUSTOM);
    entries
}

/// Whether two values are the same (the bindings' `Value` has no `==`).
pub fn value_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Text(a), Value::Text(b)) | (Value::Date(a), Value::Date(b)) | (Value::Datetime(a), Value::Datetime(b)) => a == b,
        (Value::Integer(a), Value::Integer(b)) => a == b,
        (Value::Decimal(a), Value::Decimal(b)) => a == b,
        (Value::Boolean(a), Value::Boolean(b)) => a == b,
        (Value::TextList(a), Value::TextList(b)) => a == b,
        (Value::Reference(a), Value::Reference(b)) => a.module == b.module && a.id == b.id,
        _ => false,
    }
}

/// Text for a person to read: control characters other than newlines and
/// tabs dropped, line ends made `\n`.
pub fn clean_text(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n").chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect()
}

// ---- visitors ----

/// The visitor's name, else email, else phone, else "Anonymous visitor".
pub fn display_name(visitor: &Json) -> String {
    ["name", "email", "phone"]
        .iter()
        .find_map(|k| str_of(visitor, k))
        .map(|n| clean_text(&n))
        .unwrap_or_else(|| "Anonymous visitor".to_string())
}

/// The fields shown in a profile: company, then the custom variables
/// (`var.<key>`, labelled with the key).
pub fn profile_fields(visitor: &Json) -> Vec<Field> {
    let mut out = Vec::new();
    if let Some(company) = str_of(visitor, "company") {
        out.push(field("company", "Company", Value::Text(company)));
    }
    for (key, value) in custom_entries(visitor, "custom_variables") {
        out.push(Field { name: format!("var.{key}"), label: Some(key), value });
    }
    out
}

/// The requester's profile from a visitor; `link` is the visitor's latest
/// conversation's page.
pub fn profile(visitor: &Json, match_key: MatchKey, link: Option<String>) -> Profile {
    let name = display_name(visitor);
    Profile {
        record: RecordRef { module: Module::Contacts, id: str_of(visitor, "id").unwrap_or_default(), name: Some(name.clone()) },
        match_key,
        display_name: name,
        email: str_of(visitor, "email"),
        secondary_email: None,
        phone: str_of(visitor, "phone"),
        account: None,
        owner: None,
        fields: profile_fields(visitor),
        link,
    }
}

/// A visitor's fields, each name prefixed (`visitor.` in a conversation's
/// record, nothing in the visitor's own).
pub fn visitor_fields(visitor: &Json, prefix: &str) -> Vec<Field> {
    let mut out = vec![
        field(format!("{prefix}id"), "Visitor id", text_or_null(visitor, "id")),
        field(format!("{prefix}name"), "Name", text_or_null(visitor, "name")),
        field(format!("{prefix}email"), "Email", text_or_null(visitor, "email")),
        field(format!("{prefix}phone"), "Phone", text_or_null(visitor, "phone")),
        field(format!("{prefix}company"), "Company", text_or_null(visitor, "company")),
    ];
    for (key, value) in custom_entries(visitor, "custom_variables") {
        out.push(Field { name: format!("{prefix}var.{key}"), label: Some(key), value });
    }
    out
}

/// A visitor as a record (panels.find, contact notifications).
pub fn visitor_record(visitor: &Json) -> CrmRecord {
    CrmRecord {
        id: str_of(visitor, "id"),
        fields: visitor_fields(visitor, ""),
        created_time: str_of(visitor, "created_at"),
        modified_time: str_of(visitor, "updated_at"),
    }
}

// ---- conversations ----

/// The conversation as an agent reads it, one message a line:
/// `Visitor: ...`, `Agent: ...`, `System: ...`; a message's further lines
/// are indented. `None` without messages (list items have none).
pub fn transcript(conversation: &Json) -> Option<String> {
    let messages = conversation.get("messages")?.as_array()?;
    let lines: Vec<String> = messages
        .iter()
        .filter_map(|m| {
            let speaker = match m.get("from").and_then(Json::as_str) {
                Some("visitor") => "Visitor",
                Some("agent") => "Agent",
                Some("system") => "System",
                _ => return None,
            };
            let text = clean_text(m.get("text").and_then(Json::as_str).unwrap_or_default());
            Some(format!("{speaker}: {}", text.trim_end().replace('\n', "\n  ")))
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The attachments as text, one a line: `name (type, size bytes)`.
pub fn attachments_text(conversation: &Json) -> Option<String> {
    let items = conversation.get("attachments")?.as_array()?;
    let lines: Vec<String> = items
        .iter()
        .map(|a| {
            let name = clean_text(a.get("name").and_then(Json::as_str).unwrap_or("unnamed")).replace('\n', " ");
            let kind = a.get("content_type").and_then(Json::as_str).unwrap_or("application/octet-stream");
            match a.get("size").and_then(Json::as_u64) {
                Some(size) => format!("{name} ({kind}, {size} bytes)"),
                None => format!("{name} ({kind})"),
            }
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// What an agent calls the conversation: the inbox subject, else "Web
/// chat" / "Offline message" / "Inbox conversation".
pub fn subject(conversation: &Json) -> String {
    if let Some(subject) = str_of(conversation, "subject") {
        return clean_text(&subject).replace('\n', " ");
    }
    match conversation.get("channel").and_then(Json::as_str) {
        Some("inbox") => "Inbox conversation".into(),
        _ if conversation.get("offline").and_then(Json::as_bool) == Some(true) => "Offline message".into(),
        _ => "Web chat".into(),
    }
}

/// The conversation's page in the agent console: `<console>/app/conversations/<id>`
/// when the admin set a console address, else the `url` CloudCX gives.
pub fn link(conversation: &Json, console: Option<&str>) -> Option<String> {
    let console = console.map(|c| c.trim().trim_end_matches('/')).filter(|c| !c.is_empty());
    match (console, str_of(conversation, "id")) {
        (Some(console), Some(id)) if crate::api::is_id(&id) => Some(format!("{console}/app/conversations/{id}")),
        _ => str_of(conversation, "url").filter(|u| u.starts_with("https://") || u.starts_with("http://")),
    }
}

/// A conversation as a `chat` activity of its visitor.
pub fn chat_activity(conversation: &Json, console: Option<&str>) -> Activity {
    let subject = subject(conversation);
    Activity {
        record: RecordRef { module: Module::Chats, id: str_of(conversation, "id").unwrap_or_default(), name: Some(subject.clone()) },
        kind: ActivityKind::Chat,
        subject,
        status: str_of(conversation, "status"),
        start_time: str_of(conversation, "started_at"),
        end_time: str_of(conversation, "ended_at"),
        owner: str_of(conversation, "agent_email"),
        description: transcript(conversation),
        link: link(conversation, console),
    }
}

/// A conversation's fields, named as the API names them; the transcript
/// and attachments as text, custom fields as `cf.<name>`.
pub fn conversation_fields(conversation: &Json) -> Vec<Field> {
    let c = conversation;
    let mut out = vec![
        field("id", "Conversation id", text_or_null(c, "id")),
        field("channel", "Channel", text_or_null(c, "channel")),
        field("visitor_id", "Visitor id", text_or_null(c, "visitor_id")),
        field("agent_email", "Agent", text_or_null(c, "agent_email")),
        field("subject", "Subject", text_or_null(c, "subject")),
        field("status", "Status", text_or_null(c, "status")),
        field("started_at", "Started", time_or_null(c, "started_at")),
        field("ended_at", "Ended", time_or_null(c, "ended_at")),
        field("note", "Note", text_or_null(c, "note")),
        field("wrap_up", "Wrap-up", text_or_null(c, "wrap_up")),
        field("offline", "Offline message", c.get("offline").and_then(Json::as_bool).map(Value::Boolean).unwrap_or(Value::Null)),
        field("url", "Link", text_or_null(c, "url")),
        field("transcript", "Transcript", transcript(c).map(Value::Text).unwrap_or(Value::Null)),
        field("attachments", "Attachments", attachments_text(c).map(Value::Text).unwrap_or(Value::Null)),
    ];
    for (key, value) in custom_entries(c, "custom_fields") {
        out.push(Field { name: format!("cf.{key}"), label: Some(key), value });
    }
    out.extend(attachment_fields(c));
    out
}

/// Each attachment the host can fetch with `download`, as
/// `attachment.<id>.name`, `.content_type` and `.size` (bytes).
fn attachment_fields(conversation: &Json) -> Vec<Field> {
    let Some(items) = conversation.get("attachments").and_then(Json::as_array) else { return Vec::new() };
    let mut out = Vec::new();
    for a in items {
        let Some(id) = a.get("id").and_then(Json::as_str).filter(|id| crate::api::is_id(id)) else { continue };
        let name = clean_text(a.get("name").and_then(Json::as_str).unwrap_or("unnamed")).replace('\n', " ");
        let kind = a.get("content_type").and_then(Json::as_str).unwrap_or("application/octet-stream");
        out.push(field(format!("attachment.{id}.name"), "Attachment", Value::Text(name)));
        out.push(field(format!("attachment.{id}.content_type"), "Attachment type", Value::Text(kind.to_string())));
        if let Some(size) = a.get("size").and_then(Json::as_i64) {
            out.push(field(format!("attachment.{id}.size"), "Attachment size", Value::Integer(size)));
        }
    }
    out
}

/// The file name a `Content-Disposition` header gives (`filename="..."`).
pub fn disposition_name(header: &str) -> Option<String> {
    let (_, rest) = header.split_once("filename=")?;
    let name = match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next()?,
        None => rest.split(';').next()?.trim(),
    };
    let name = clean_text(name).replace(['\n', '/', '\\'], "_");
    (!name.trim().is_empty()).then_some(name)
}

/// A conversation as a record (change feed, notifications).
pub fn conversation_record(conversation: &Json) -> CrmRecord {
    CrmRecord {
        id: str_of(conversation, "id"),
        fields: conversation_fields(conversation),
        created_time: str_of(conversation, "created_at"),
        modified_time: str_of(conversation, "updated_at"),
    }
}

/// Created when the conversation has not changed since it was created.
pub fn change_kind(conversation: &Json) -> ChangeKind {
    match (str_of(conversation, "created_at"), str_of(conversation, "updated_at")) {
        (Some(created), Some(updated)) if created == updated => ChangeKind::Created,
        _ => ChangeKind::Updated,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub fn field_value<'a>(fields: &'a [Field], name: &str) -> &'a Value {
        &fields.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no field {name} in {fields:?}")).value
    }

    /// The field `name` holds `expected`.
    pub fn check(fields: &[Field], name: &str, expected: Value) {
        let got = field_value(fields, name);
        assert!(value_eq(got, &expected), "{name}: {got:?}, expected {expected:?}");
    }

    fn chat() -> Json {
        json!({
            "id": "conv_0001", "tenant_id": "acme-support", "channel": "web_chat", "visitor_id": "vis_0001",
            "agent_email": "agent@acme.example", "subject": null, "status": "ended",
            "started_at": "2026-11-21T09:30:00.000Z", "ended_at": "2026-11-21T09:40:00.000Z",
            "note": "Sent the SSO guide", "wrap_up": "Resolved", "custom_fields": {"priority": 2, "topic": "sso", "tags": ["a", "b"]},
            "messages": [
                {"id": "msg_1", "from": "visitor", "author": "Jordan", "text": "SSO fails\r\nwith an error", "sent_at": "2026-11-21T09:30:00.000Z"},
                {"id": "msg_2", "from": "agent", "author": "agent@acme.example", "text": "Which \u{1b}[31mIdP?", "sent_at": "2026-11-21T09:31:00.000Z"},
                {"id": "msg_3", "from": "system", "author": "CloudCX", "text": "Chat ended", "sent_at": "2026-11-21T09:40:00.000Z"},
                {"id": "msg_4", "from": "robot", "text": "ignored"}
            ],
            "attachments": [{"id": "att_1", "name": "saml-error.png", "content_type": "image/png", "size": 48213, "url": "https://x/files/att_1"}],
            "offline": false, "created_at": "2026-11-21T09:30:00.000Z", "updated_at": "2026-11-21T09:40:00.000Z",
            "url": "https://acme.cloudcx.example/app/conversations/conv_0001"
        })
    }

    #[test]
    fn the_transcript_is_plain_text_one_message_a_line() {
        assert_eq!(transcript(&chat()).unwrap(), "Visitor: SSO fails\n  with an error\nAgent: Which [31mIdP?\nSystem: Chat ended");
        assert_eq!(transcript(&json!({"messages": []})), None);
        assert_eq!(transcript(&json!({"id": "conv_1"})), None, "list items have no messages");
        assert_eq!(transcript(&json!({"messages": [{"from": "visitor"}]})).as_deref(), Some("Visitor: "));
    }

    #[test]
    fn a_conversation_is_a_chat_activity() {
        let a = chat_activity(&chat(), None);
        assert_eq!((a.record.module, a.record.id.as_str(), a.kind), (Module::Chats, "conv_0001", ActivityKind::Chat));
        assert_eq!(a.subject, "Web chat");
        assert_eq!(a.status.as_deref(), Some("ended"));
        assert_eq!((a.start_time.as_deref(), a.end_time.as_deref()), (Some("2026-11-21T09:30:00.000Z"), Some("2026-11-21T09:40:00.000Z")));
        assert_eq!(a.owner.as_deref(), Some("agent@acme.example"));
        assert!(a.description.unwrap().starts_with("Visitor: SSO fails"));
        assert_eq!(a.link.as_deref(), Some("https://acme.cloudcx.example/app/conversations/conv_0001"));
        let b = chat_activity(&chat(), Some("https://console.acme.example/"));
        assert_eq!(b.link.as_deref(), Some("https://console.acme.example/app/conversations/conv_0001"));

        let inbox = json!({"id": "conv_2", "channel": "inbox", "subject": "Copy of the\ninvoice", "status": "closed"});
        assert_eq!(subject(&inbox), "Copy of the invoice");
        assert_eq!(subject(&json!({"channel": "inbox", "subject": null})), "Inbox conversation");
        assert_eq!(subject(&json!({"channel": "web_chat", "offline": true})), "Offline message");
        assert_eq!(link(&json!({"id": "conv_3", "url": "javascript:alert(1)"}), None), None, "only web links");
    }

    #[test]
    fn a_conversation_is_a_record_with_every_field() {
        let r = conversation_record(&chat());
        assert_eq!(r.id.as_deref(), Some("conv_0001"));
        assert_eq!(
            (r.created_time.as_deref(), r.modified_time.as_deref()),
            (Some("2026-11-21T09:30:00.000Z"), Some("2026-11-21T09:40:00.000Z"))
        );
        let f = &r.fields;
        check(f, "channel", Value::Text("web_chat".into()));
        check(f, "subject", Value::Null);
        check(f, "started_at", Value::Datetime("2026-11-21T09:30:00.000Z".into()));
        check(f, "offline", Value::Boolean(false));
        check(f, "wrap_up", Value::Text("Resolved".into()));
        assert!(matches!(field_value(f, "transcript"), Value::Text(t) if t.starts_with("Visitor: SSO fails")));
        check(f, "attachments", Value::Text("saml-error.png (image/png, 48213 bytes)".into()));
        check(f, "attachment.att_1.name", Value::Text("saml-error.png".into()));
        check(f, "attachment.att_1.content_type", Value::Text("image/png".into()));
        check(f, "attachment.att_1.size", Value::Integer(48213));
        check(f, "cf.priority", Value::Integer(2));
        check(f, "cf.tags", Value::TextList(vec!["a".into(), "b".into()]));
        assert_eq!(change_kind(&chat()), ChangeKind::Updated);
        assert_eq!(change_kind(&json!({"created_at": "t", "updated_at": "t"})), ChangeKind::Created);

        // A list item: no messages, no attachments.
        let item = conversation_record(&json!({"id": "conv_5", "channel": "inbox", "offline": false}));
        check(&item.fields, "transcript", Value::Null);
        check(&item.fields, "attachments", Value::Null);
    }

    #[test]
    fn only_attachments_with_a_cloudcx_id_are_offered_for_download() {
        let c = json!({"attachments": [{"id": "../etc", "name": "x"}, {"name": "no-id.txt"}, {"id": "att_9", "name": "a\nb.txt"}]});
        let names: Vec<_> = attachment_fields(&c).into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["attachment.att_9.name", "attachment.att_9.content_type"]);
        check(&attachment_fields(&c), "attachment.att_9.name", Value::Text("a b.txt".into()));
    }

    #[test]
    fn a_content_disposition_names_the_file_without_path_parts() {
        assert_eq!(disposition_name("attachment; filename=\"shot.png\"").as_deref(), Some("shot.png"));
        assert_eq!(disposition_name("attachment; filename=report.pdf; size=3").as_deref(), Some("report.pdf"));
        assert_eq!(disposition_name("attachment; filename=\"../../x\"").as_deref(), Some(".._.._x"));
        assert_eq!(disposition_name("inline"), None);
        assert_eq!(disposition_name("attachment; filename=\"\""), None);
    }

    #[test]
    fn a_visitor_is_a_profile_and_a_record() {
        let v = json!({
            "id": "vis_1", "name": "Jordan Blake", "email": "jordan@brightwave.example", "phone": "+1 415 555 0142",
            "company": "Brightwave", "custom_variables": {"plan": "Growth", "seats": 25, "trial": false, "ratio": 0.5, "nested": {"a": 1}},
            "created_at": "2026-11-01T00:00:00.000Z", "updated_at": "2026-11-02T00:00:00.000Z"
        });
        let p = profile(&v, MatchKey::Phone, Some("https://x/app/conversations/conv_1".into()));
        assert_eq!((p.record.module, p.record.id.as_str(), p.match_key), (Module::Contacts, "vis_1", MatchKey::Phone));
        assert_eq!(p.display_name, "Jordan Blake");
        assert_eq!((p.email.as_deref(), p.phone.as_deref()), (Some("jordan@brightwave.example"), Some("+1 415 555 0142")));
        let names: Vec<_> = p.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["company", "var.nested", "var.plan", "var.ratio", "var.seats", "var.trial"]);
        check(&p.fields, "var.plan", Value::Text("Growth".into()));
        check(&p.fields, "var.seats", Value::Integer(25));
        check(&p.fields, "var.ratio", Value::Decimal(0.5));
        check(&p.fields, "var.trial", Value::Boolean(false));
        check(&p.fields, "var.nested", Value::Text("{\"a\":1}".into()));
        assert_eq!(p.fields[1].label.as_deref(), Some("nested"));

        let r = visitor_record(&v);
        assert_eq!((r.id.as_deref(), r.modified_time.as_deref()), (Some("vis_1"), Some("2026-11-02T00:00:00.000Z")));
        check(&r.fields, "email", Value::Text("jordan@brightwave.example".into()));
        let prefixed = visitor_fields(&v, "visitor.");
        check(&prefixed, "visitor.company", Value::Text("Brightwave".into()));
        check(&prefixed, "visitor.var.plan", Value::Text("Growth".into()));

        assert_eq!(display_name(&json!({"name": null, "email": "a@b.example"})), "a@b.example");
        assert_eq!(display_name(&json!({"name": "  ", "email": null, "phone": null})), "Anonymous visitor");
        let many: serde_json::Map<String, Json> = (0..500).map(|i| (format!("k{i:03}"), json!(i))).collect();
        assert_eq!(profile_fields(&json!({"custom_variables": many})).len(), MAX_CUSTOM);
    }
}
