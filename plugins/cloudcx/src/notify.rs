//! CloudCX webhook deliveries into the contract's `notified`. Pure.
//!
//! The plugin does not verify the signature: the signing secret is the
//! token the host gave `watch`, which the host keeps and the plugin never
//! sees again. The host verifies `X-CloudCX-Signature` (HMAC-SHA256 of
//! `"<X-CloudCX-Timestamp>.<raw body>"` keyed with that token) and the
//! timestamp window before it calls `parse-notification`, as the manifest's
//! `[notifications]` table declares; so `notified.token` is `None`. This
//! module checks that the headers a signed delivery carries are there and
//! well formed, agree with the body, and that the body has the shape the
//! API defines. Nothing here panics on what a sender controls.

use deskpane_plugin_sdk::prelude::*;
use serde_json::Value as Json;

use crate::api::is_id;
use crate::convert::{conversation_record, str_of, visitor_fields, visitor_record};

/// Largest body read. (The host's hook endpoint caps bodies too; a
/// ChatEnded delivery carries the whole transcript.)
pub const MAX_BODY: usize = 1024 * 1024;

/// Every event type CloudCX sends.
pub const EVENT_TYPES: [&str; 8] = [
    "ChatStarted",
    "ChatEnded",
    "OfflineMessageReceived",
    "ConversationStarted",
    "ConversationClosed",
    "ContactCreated",
    "ContactUpdated",
    "ContactDeleted",
];

fn refused(why: impl Into<String>) -> ConnectorError {
    ConnectorError::Permanent(format!("not a CloudCX webhook delivery: {}", why.into()))
}

/// The value of a header, compared by name case-insensitively; a header
/// given twice is refused (which one was signed?).
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ConnectorError> {
    let mut found = headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let first = found.next();
    if found.next().is_some() {
        return Err(refused(format!("header {name} given more than once")));
    }
    Ok(first.map(str::trim))
}

fn required<'a>(headers: &'a [(String, String)], name: &str) -> Result<&'a str, ConnectorError> {
    header(headers, name)?.filter(|v| !v.is_empty()).ok_or_else(|| refused(format!("header {name} missing")))
}

/// `v1=` and 64 lower-case hex digits.
fn well_formed_signature(value: &str) -> bool {
    value.strip_prefix("v1=").is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

/// What the headers of a delivery say.
struct Delivery<'a> {
    event: &'a str,
    id: &'a str,
}

fn read_headers(headers: &[(String, String)]) -> Result<Delivery<'_>, ConnectorError> {
    let event = required(headers, "x-cloudcx-event")?;
    if !EVENT_TYPES.contains(&event) {
        return Err(refused(format!("unknown event type `{}`", event.escape_debug())));
    }
    let id = required(headers, "x-cloudcx-delivery")?;
    if !id.starts_with("dlv_") || !is_id(id) {
        return Err(refused(format!("delivery id `{}` is not a CloudCX delivery id", id.escape_debug())));
    }
    let timestamp = required(headers, "x-cloudcx-timestamp")?;
    if !(1..=12).contains(&timestamp.len()) || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused("X-CloudCX-Timestamp is not unix seconds"));
    }
    if !well_formed_signature(required(headers, "x-cloudcx-signature")?) {
        return Err(refused("X-CloudCX-Signature is not `v1=` and a hex HMAC-SHA256"));
    }
    Ok(Delivery { event, id })
}

/// An object's string field that must be there.
fn required_str<'a>(json: &'a Json, key: &str, what: &str) -> Result<&'a str, ConnectorError> {
    json.get(key).and_then(Json::as_str).filter(|s| !s.is_empty()).ok_or_else(|| refused(format!("{what} has no `{key}`")))
}

fn required_id<'a>(json: &'a Json, key: &str, prefix: &str, what: &str) -> Result<&'a str, ConnectorError> {
    let id = required_str(json, key, what)?;
    if id.starts_with(prefix) && is_id(id) {
        Ok(id)
    } else {
        Err(refused(format!("{what}'s `{key}` `{}` is not a CloudCX id", id.escape_debug())))
    }
}

/// A visitor object: an object with a visitor id.
fn checked_visitor(visitor: &Json) -> Result<&Json, ConnectorError> {
    if !visitor.is_object() {
        return Err(refused("`visitor` is not an object"));
    }
    required_id(visitor, "id", "vis_", "the visitor")?;
    Ok(visitor)
}

/// The changes a delivery announces, after checking its headers and body.
pub fn parse(notification: &Notification) -> Result<Notified, ConnectorError> {
    if notification.body.len() > MAX_BODY {
        return Err(refused(format!("body of {} bytes is over the {MAX_BODY}-byte cap", notification.body.len())));
    }
    let delivery = read_headers(&notification.headers)?;
    let body: Json = serde_json::from_slice(&notification.body).map_err(|e| refused(format!("the body is not JSON: {e}")))?;
    if !body.is_object() {
        return Err(refused("the body is not a JSON object"));
    }
    let event = required_str(&body, "type", "the body")?;
    if event != delivery.event {
        return Err(refused(format!(
            "the body's type `{}` is not the X-CloudCX-Event header's `{}`",
            event.escape_debug(),
            delivery.event
        )));
    }
    let event_id = required_id(&body, "id", "evt_", "the body")?;
    let tenant = required_str(&body, "tenant_id", "the body")?;
    let occurred_at = required_str(&body, "occurred_at", "the body")?;
    let data = body.get("data").filter(|d| d.is_object()).ok_or_else(|| refused("the body has no `data` object"))?;

    // What every record of a delivery carries, so the host can read the
    // event and drop a delivery it has seen (retries repeat the id).
    let about = [
        ("event", "Event", event),
        ("delivery_id", "Delivery id", delivery.id),
        ("event_id", "Event id", event_id),
        ("tenant_id", "Tenant", tenant),
    ]
    .map(|(name, label, value)| Field { name: name.into(), label: Some(label.into()), value: Value::Text(value.into()) });

    let (module, change) = match event {
        "ContactDeleted" => {
            let id = required_id(data, "visitor_id", "vis_", "the data")?;
            (Module::Contacts, Change { kind: ChangeKind::Deleted, id: id.into(), record: None, changed_time: Some(occurred_at.into()) })
        }
        "ContactCreated" | "ContactUpdated" => {
            let visitor = checked_visitor(data.get("visitor").unwrap_or(&Json::Null))?;
            let mut record = visitor_record(visitor);
            record.fields.splice(0..0, about);
            let kind = if event == "ContactCreated" { ChangeKind::Created } else { ChangeKind::Updated };
            let id = str_of(visitor, "id").unwrap_or_default();
            (Module::Contacts, Change { kind, id, record: Some(record), changed_time: Some(occurred_at.into()) })
        }
        _ => {
            let conversation =
                data.get("conversation").filter(|c| c.is_object()).ok_or_else(|| refused("the data has no `conversation` object"))?;
            let id = required_id(conversation, "id", "conv_", "the conversation")?;
            let channel = required_str(conversation, "channel", "the conversation")?;
            let expected = if event.starts_with("Conversation") { "inbox" } else { "web_chat" };
            if channel != expected {
                return Err(refused(format!("a {event} event about a `{}` conversation", channel.escape_debug())));
            }
            required_id(conversation, "visitor_id", "vis_", "the conversation")?;
            let mut record = conversation_record(conversation);
            record.fields.splice(0..0, about);
            // The visitor is null once deleted: their fields are then empty.
            match data.get("visitor") {
                None | Some(Json::Null) => record.fields.extend(visitor_fields(&Json::Null, "visitor.")),
                Some(visitor) => record.fields.extend(visitor_fields(checked_visitor(visitor)?, "visitor.")),
            }
            let kind = match event {
                "ChatStarted" | "ConversationStarted" | "OfflineMessageReceived" => ChangeKind::Created,
                _ => ChangeKind::Updated,
            };
            (Module::Chats, Change { kind, id: id.into(), record: Some(record), changed_time: Some(occurred_at.into()) })
        }
    };
    Ok(Notified { module, changes: vec![change], token: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::tests::check;
    use serde_json::json;

    type Headers = Vec<(String, String)>;

    const SIGNATURE: &str = "v1=24575a1d63e7e9973d3dd4c85a04d3cf636d1d12b1bbd991b3485e78cb85c1a9";

    fn headers(event: &str) -> Headers {
        vec![
            ("content-type".into(), "application/json".into()),
            ("x-cloudcx-event".into(), event.into()),
            ("X-CloudCX-Delivery".into(), "dlv_00000003000000aa".into()),
            ("x-cloudcx-timestamp".into(), "1795253400".into()),
            ("x-cloudcx-signature".into(), SIGNATURE.into()),
        ]
    }

    fn delivery(event: &str, data: Json) -> Notification {
        let body = json!({"id": "evt_0000000200001234", "type": event, "tenant_id": "acme-support", "occurred_at": "2026-11-21T09:30:00.000Z", "data": data});
        Notification { headers: headers(event), body: serde_json::to_vec(&body).unwrap() }
    }

    fn visitor() -> Json {
        json!({"id": "vis_000000010000abcd", "tenant_id": "acme-support", "name": "Jordan Blake", "email": "jordan@brightwave.example",
               "phone": "+1 415 555 0142", "company": "Brightwave", "custom_variables": {"plan": "Growth"},
               "created_at": "2026-11-01T00:00:00.000Z", "updated_at": "2026-11-21T09:30:00.000Z"})
    }

    fn conversation(channel: &str) -> Json {
        json!({"id": "conv_00000001000000ff", "channel": channel, "visitor_id": "vis_000000010000abcd", "agent_email": "agent@acme.example",
               "subject": null, "status": "ended", "started_at": "2026-11-21T09:20:00.000Z", "ended_at": "2026-11-21T09:30:00.000Z",
               "note": null, "wrap_up": "Resolved", "custom_fields": {}, "offline": false,
               "messages": [{"id": "msg_1", "from": "visitor", "author": "Jordan Blake", "text": "Hi", "sent_at": "2026-11-21T09:20:00.000Z"}],
               "attachments": [], "created_at": "2026-11-21T09:20:00.000Z", "updated_at": "2026-11-21T09:30:00.000Z",
               "url": "https://acme.cloudcx.example/app/conversations/conv_00000001000000ff"})
    }

    fn message(e: ConnectorError) -> String {
        match e {
            ConnectorError::Permanent(m) => m,
            other => panic!("expected permanent, got {other:?}"),
        }
    }

    #[test]
    fn the_readme_example_delivery_is_a_deletion() {
        let body = br#"{"data":{"visitor_id":"vis_000000010000abcd"},"id":"evt_0000000200001234","occurred_at":"2026-11-21T09:30:00.000Z","tenant_id":"acme-support","type":"ContactDeleted"}"#;
        let n = parse(&Notification { headers: headers("ContactDeleted"), body: body.to_vec() }).unwrap();
        assert_eq!((n.module, n.token), (Module::Contacts, None));
        assert_eq!(n.changes.len(), 1);
        let c = &n.changes[0];
        assert_eq!((c.kind, c.id.as_str(), c.record.is_none()), (ChangeKind::Deleted, "vis_000000010000abcd", true));
        assert_eq!(c.changed_time.as_deref(), Some("2026-11-21T09:30:00.000Z"));
    }

    #[test]
    fn conversation_events_carry_the_conversation_the_visitor_and_the_delivery() {
        for (event, channel, kind) in [
            ("ChatStarted", "web_chat", ChangeKind::Created),
            ("ChatEnded", "web_chat", ChangeKind::Updated),
            ("OfflineMessageReceived", "web_chat", ChangeKind::Created),
            ("ConversationStarted", "inbox", ChangeKind::Created),
            ("ConversationClosed", "inbox", ChangeKind::Updated),
        ] {
            let n = parse(&delivery(event, json!({"conversation": conversation(channel), "visitor": visitor()}))).unwrap();
            assert_eq!(n.module, Module::Chats, "{event}");
            let c = &n.changes[0];
            assert_eq!((c.kind, c.id.as_str()), (kind, "conv_00000001000000ff"), "{event}");
            let f = &c.record.as_ref().unwrap().fields;
            check(f, "event", Value::Text(event.into()));
            check(f, "delivery_id", Value::Text("dlv_00000003000000aa".into()));
            check(f, "event_id", Value::Text("evt_0000000200001234".into()));
            check(f, "tenant_id", Value::Text("acme-support".into()));
            check(f, "transcript", Value::Text("Visitor: Hi".into()));
            check(f, "channel", Value::Text(channel.into()));
            check(f, "visitor.id", Value::Text("vis_000000010000abcd".into()));
            check(f, "visitor.email", Value::Text("jordan@brightwave.example".into()));
            check(f, "visitor.var.plan", Value::Text("Growth".into()));
        }
        // The visitor was deleted: null, and the visitor fields are empty.
        let n = parse(&delivery("ChatEnded", json!({"conversation": conversation("web_chat"), "visitor": null}))).unwrap();
        let f = &n.changes[0].record.as_ref().unwrap().fields;
        check(f, "visitor.id", Value::Null);
        check(f, "visitor_id", Value::Text("vis_000000010000abcd".into()));
    }

    #[test]
    fn contact_events_carry_the_visitor() {
        for (event, kind) in [("ContactCreated", ChangeKind::Created), ("ContactUpdated", ChangeKind::Updated)] {
            let n = parse(&delivery(event, json!({"visitor": visitor()}))).unwrap();
            assert_eq!(n.module, Module::Contacts);
            let c = &n.changes[0];
            assert_eq!((c.kind, c.id.as_str()), (kind, "vis_000000010000abcd"));
            let f = &c.record.as_ref().unwrap().fields;
            check(f, "name", Value::Text("Jordan Blake".into()));
            check(f, "var.plan", Value::Text("Growth".into()));
            check(f, "event", Value::Text(event.into()));
        }
    }

    #[test]
    fn hostile_or_broken_deliveries_are_refused_without_panicking() {
        let good = delivery("ChatEnded", json!({"conversation": conversation("web_chat"), "visitor": visitor()}));
        assert!(parse(&good).is_ok());
        let with_body = |body: &[u8]| Notification { headers: good.headers.clone(), body: body.to_vec() };
        let with_headers = |edit: &dyn Fn(&mut Headers)| {
            let mut n = good.clone();
            edit(&mut n.headers);
            n
        };
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let cases: Vec<(&str, Notification)> = vec![
            ("empty body", with_body(b"")),
            ("not JSON", with_body(b"\xff\xfe<html>")),
            ("too deep", with_body(deep.as_bytes())),
            ("too large", with_body(&vec![b' '; MAX_BODY + 1])),
            ("an array", with_body(b"[]")),
            ("no data", with_body(br#"{"id":"evt_1","type":"ChatEnded","tenant_id":"t","occurred_at":"x"}"#)),
            ("data not an object", with_body(br#"{"id":"evt_1","type":"ChatEnded","tenant_id":"t","occurred_at":"x","data":[1]}"#)),
            ("no conversation", with_body(br#"{"id":"evt_1","type":"ChatEnded","tenant_id":"t","occurred_at":"x","data":{}}"#)),
            (
                "conversation id a path",
                with_body(br#"{"id":"evt_1","type":"ChatEnded","tenant_id":"t","occurred_at":"x","data":{"conversation":{"id":"conv_1/../../x","channel":"web_chat","visitor_id":"vis_1"}}}"#),
            ),
            (
                "numeric id",
                with_body(br#"{"id":"evt_1","type":"ChatEnded","tenant_id":"t","occurred_at":"x","data":{"conversation":{"id":7,"channel":"web_chat","visitor_id":"vis_1"}}}"#),
            ),
            (
                "an inbox conversation in a chat event",
                with_body(br#"{"id":"evt_1","type":"ChatEnded","tenant_id":"t","occurred_at":"x","data":{"conversation":{"id":"conv_1","channel":"inbox","visitor_id":"vis_1"}}}"#),
            ),
            (
                "visitor not an object",
                with_body(br#"{"id":"evt_1","type":"ChatEnded","tenant_id":"t","occurred_at":"x","data":{"conversation":{"id":"conv_1","channel":"web_chat","visitor_id":"vis_1"},"visitor":"v"}}"#),
            ),
            ("event id missing", with_body(br#"{"type":"ChatEnded","tenant_id":"t","occurred_at":"x","data":{}}"#)),
            ("body type differs from the header", with_body(br#"{"id":"evt_1","type":"ContactDeleted","tenant_id":"t","occurred_at":"x","data":{"visitor_id":"vis_1"}}"#)),
            ("no event header", with_headers(&|h| h.retain(|(k, _)| k != "x-cloudcx-event"))),
            ("unknown event", with_headers(&|h| h[1].1 = "ChatTransferred".into())),
            ("no signature", with_headers(&|h| h.retain(|(k, _)| k != "x-cloudcx-signature"))),
            ("bad signature shape", with_headers(&|h| h[4].1 = "sha256=abc".into())),
            ("upper-case hex", with_headers(&|h| h[4].1 = SIGNATURE.to_uppercase().replace("V1=", "v1="))),
            ("no timestamp", with_headers(&|h| h.retain(|(k, _)| k != "x-cloudcx-timestamp"))),
            ("timestamp not a number", with_headers(&|h| h[3].1 = "-1".into())),
            ("bad delivery id", with_headers(&|h| h[2].1 = "dlv_../../etc".into())),
            ("delivery header twice", with_headers(&|h| h.push(("X-CLOUDCX-DELIVERY".into(), "dlv_2".into())))),
        ];
        for (what, n) in cases {
            let m = message(parse(&n).expect_err(what));
            assert!(m.starts_with("not a CloudCX webhook delivery"), "{what}: {m}");
        }
        assert!(parse(&delivery("ContactDeleted", json!({"visitor_id": null}))).is_err());
        assert!(parse(&delivery("ContactUpdated", json!({"visitor": {"name": "no id"}}))).is_err());
    }
}
