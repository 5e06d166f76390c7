//! Demo data for the tenant "acme-support": visitors (one of them a Zoho
//! demo contact, Mei Chen of Zylker) and their past web chats and inbox
//! conversations with transcripts, notes, wrap-ups, custom fields and an
//! attachment. Times are relative to now, so incremental sync in the demo
//! looks natural.

use serde_json::json;

use crate::util::{format_ms, now_ms};
use crate::CloudcxEmulator;

/// A time some days and hours ago.
fn ago(days: i64, hours: i64) -> String {
    format_ms(now_ms() - (days * 24 + hours) * 3_600_000)
}

pub fn seed_demo(cx: &CloudcxEmulator) {
    let jordan = cx.seed_visitor(json!({
        "name": "Jordan Blake", "email": "jordan.blake@brightwave.example", "phone": "+1 415 555 0142",
        "company": "Brightwave", "custom_variables": {"plan": "Growth", "signup_source": "pricing page", "seats": 25},
        "created_at": ago(60, 2), "updated_at": ago(1, 4),
    }));
    let mei = cx.seed_visitor(json!({
        "name": "Mei Chen", "email": "mei.chen@zylker.example", "phone": "+1 415 555 0123", "company": "Zylker Corp",
        "custom_variables": {"plan": "Enterprise", "account_manager": "Sam Rivera"},
        "created_at": ago(120, 5), "updated_at": ago(3, 1),
    }));
    let priya = cx.seed_visitor(json!({
        "name": "Priya Raman", "email": "priya.raman@globex.example", "phone": "+34 91 555 0188", "company": "Globex Industries",
        "custom_variables": {"plan": "Starter"}, "created_at": ago(30, 7), "updated_at": ago(6, 2),
    }));
    let sam = cx.seed_visitor(json!({
        "name": "Sam Okafor", "email": "sam@okafor-design.example", "company": null,
        "custom_variables": {}, "created_at": ago(9, 3), "updated_at": ago(2, 8),
    }));
    let anonymous = cx.seed_visitor(json!({
        "name": null, "email": null, "custom_variables": {"page": "/pricing", "browser": "Firefox 140"},
        "created_at": ago(0, 5), "updated_at": ago(0, 5),
    }));

    cx.seed_conversation(json!({
        "visitor_id": jordan, "channel": "web_chat", "agent_email": "agent@deskpane.example",
        "started_at": ago(1, 5), "status": "ended",
        "note": "SSO metadata URL was pasted with a trailing space; fixed on their side.",
        "wrap_up": "Resolved", "custom_fields": {"topic": "SSO", "priority": "high"},
        "messages": [
            {"from": "visitor", "text": "Hi! Our SAML login fails with \"invalid issuer\" since this morning."},
            {"from": "agent", "text": "Sorry about that, Jordan. Could you send a screenshot of the error?"},
            {"from": "visitor", "text": "Sure, attached."},
            {"from": "agent", "text": "Thanks. The metadata URL in your IdP has a trailing space; removing it should fix it."},
            {"from": "visitor", "text": "That was it, it works now. Thanks!"},
            {"from": "system", "text": "Chat ended by agent."},
        ],
        "attachments": [{"name": "saml-error.png", "content_type": "image/png", "size": 48213}],
    }));
    cx.seed_conversation(json!({
        "visitor_id": jordan, "channel": "inbox", "agent_email": "billing@deskpane.example",
        "subject": "Copy of the October invoice", "started_at": ago(12, 3), "status": "closed",
        "note": "Sent the PDF again; billing address updated.", "custom_fields": {"topic": "billing"},
        "messages": [
            {"from": "visitor", "text": "Could you send me the October invoice again? Our finance team cannot find it."},
            {"from": "agent", "text": "Of course, it is on its way to jordan.blake@brightwave.example."},
        ],
    }));
    cx.seed_conversation(json!({
        "visitor_id": mei, "channel": "web_chat", "agent_email": "agent@deskpane.example",
        "started_at": ago(3, 2), "status": "ended",
        "note": "Asked for a higher API rate limit for the nightly export; escalated to the account team.",
        "wrap_up": "Escalated", "custom_fields": {"topic": "API limits", "priority": "normal"},
        "messages": [
            {"from": "visitor", "text": "We hit 429s during our nightly export. Can the limit be raised?"},
            {"from": "agent", "text": "I can ask the account team. How many requests per minute do you need?"},
            {"from": "visitor", "text": "About 600 per minute between 01:00 and 02:00 UTC."},
            {"from": "agent", "text": "Noted, I've escalated it. You'll hear back within a day."},
        ],
    }));
    cx.seed_conversation(json!({
        "visitor_id": mei, "channel": "inbox", "agent_email": "agent@deskpane.example",
        "subject": "Feature request: export conversations as CSV", "started_at": ago(2, 6), "status": "open",
        "custom_fields": {"topic": "feature request"},
        "messages": [
            {"from": "visitor", "text": "Would it be possible to export all conversations of a month as CSV?"},
        ],
    }));
    cx.seed_conversation(json!({
        "visitor_id": priya, "channel": "web_chat", "agent_email": "agent@deskpane.example",
        "started_at": ago(6, 4), "status": "ended", "wrap_up": "Sales lead",
        "note": "Interested in upgrading 40 seats to Growth; wants a quote in EUR.",
        "custom_fields": {"topic": "pricing"},
        "messages": [
            {"from": "visitor", "text": "Hola! Do you offer annual pricing in euros?"},
            {"from": "agent", "text": "We do. How many seats are you thinking of?"},
            {"from": "visitor", "text": "Around 40, on the Growth plan."},
            {"from": "agent", "text": "I'll have a quote sent to priya.raman@globex.example today."},
        ],
    }));
    cx.seed_conversation(json!({
        "visitor_id": sam, "channel": "web_chat", "offline": true, "started_at": ago(2, 9), "status": "ended",
        "messages": [
            {"from": "visitor", "text": "Hi, I'd like to know whether you have a non-profit discount. Please email me."},
        ],
    }));
    cx.seed_conversation(json!({
        "visitor_id": anonymous, "channel": "web_chat", "agent_email": "agent@deskpane.example",
        "started_at": ago(0, 5), "status": "ended", "wrap_up": "No response",
        "messages": [
            {"from": "agent", "text": "Hi there! Can I help you with our pricing?"},
            {"from": "system", "text": "The visitor left the page."},
        ],
    }));
}
