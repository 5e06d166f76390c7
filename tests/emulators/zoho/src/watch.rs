//! Notifications (`/actions/watch`): channels subscribed to module events,
//! and best-effort delivery of a callback per matching channel after each
//! API write. Deliveries go through one queue so they arrive in order.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use crate::api::{write_status, Reply};
use crate::error::{ApiError, RecordError};
use crate::modules::{self, Module};
use crate::util::{format_datetime, lock, now_ms, parse_datetime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Insert,
    Update,
    Delete,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::Insert => "insert",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }

    /// The event suffix that subscribes to it (`Contacts.create`).
    fn event(self) -> &'static str {
        match self {
            Operation::Insert => "create",
            Operation::Update => "edit",
            Operation::Delete => "delete",
        }
    }
}

#[derive(Debug, Clone)]
struct Channel {
    id: String,
    events: Vec<String>,
    /// (module, operation) pairs; None stands for `.all`.
    subscriptions: Vec<(&'static str, Option<Operation>)>,
    expiry: DateTime<FixedOffset>,
    token: Option<String>,
    notify_url: String,
}

impl Channel {
    fn modules(&self) -> Vec<&'static Module> {
        let mut names: Vec<&'static str> = Vec::new();
        for (name, _) in &self.subscriptions {
            if !names.contains(name) {
                names.push(name);
            }
        }
        names.into_iter().filter_map(modules::module).collect()
    }

    fn expired(&self) -> bool {
        self.expiry.timestamp() <= Utc::now().timestamp()
    }

    /// `details.events` of subscribe and unsubscribe answers: one per module.
    fn event_details(&self, base_url: &str) -> Vec<Value> {
        self.modules()
            .into_iter()
            .map(|m| {
                json!({
                    "channel_expiry": format_datetime(&self.expiry),
                    "resource_uri": m.resource_uri(base_url),
                    "resource_id": m.id,
                    "resource_name": m.name,
                    "channel_id": self.id,
                })
            })
            .collect()
    }
}

pub struct Delivery {
    url: String,
    payload: Value,
}

pub struct Watch {
    channels: Mutex<Vec<Channel>>,
    outbox: mpsc::UnboundedSender<Delivery>,
}

impl Watch {
    pub fn new() -> (Watch, mpsc::UnboundedReceiver<Delivery>) {
        let (outbox, queue) = mpsc::unbounded_channel();
        (Watch { channels: Mutex::new(Vec::new()), outbox }, queue)
    }

    /// `POST` / `PUT /actions/watch`: one outcome per channel; a channel id
    /// given again replaces that channel.
    pub fn subscribe(&self, base_url: &str, body: &Value) -> Result<Reply, ApiError> {
        let items = body
            .get("watch")
            .and_then(Value::as_array)
            .filter(|items| !items.is_empty())
            .ok_or_else(|| ApiError::InvalidBody { reason: "expected {\"watch\":[...]}".into() })?;
        let mut channels = lock(&self.channels);
        let outcomes: Vec<Result<Value, RecordError>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let channel = parse_channel(item, i)?;
                let details = json!({"events": channel.event_details(base_url)});
                channels.retain(|c| c.id != channel.id);
                channels.push(channel);
                Ok(json!({
                    "code": "SUCCESS",
                    "details": details,
                    "message": "Successfully subscribed for actions-watch of the given module",
                    "status": "success",
                }))
            })
            .collect();
        Ok(outcome_reply("watch", outcomes))
    }

    /// `GET /actions/watch`: one entry per channel and module.
    pub fn list(&self, base_url: &str) -> Reply {
        let mut channels = lock(&self.channels);
        channels.retain(|c| !c.expired());
        let entries: Vec<Value> = channels
            .iter()
            .flat_map(|c| {
                c.modules().into_iter().map(move |m| {
                    let prefix = format!("{}.", m.name);
                    json!({
                        "channel_id": c.id,
                        "events": c.events.iter().filter(|e| e.starts_with(&prefix)).collect::<Vec<_>>(),
                        "channel_expiry": format_datetime(&c.expiry),
                        "resource_uri": m.resource_uri(base_url),
                        "resource_id": m.id,
                        "resource_name": m.name,
                        "notify_url": c.notify_url,
                        "token": c.token,
                    })
                })
            })
            .collect();
        if entries.is_empty() {
            Reply::NoContent
        } else {
            Reply::ok(json!({"watch": entries}))
        }
    }

    /// `DELETE /actions/watch?channel_ids=`.
    pub fn unsubscribe(&self, base_url: &str, ids: &str) -> Reply {
        let mut channels = lock(&self.channels);
        let outcomes = ids
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(|id| match channels.iter().position(|c| c.id == id) {
                Some(at) => {
                    let channel = channels.remove(at);
                    Ok(json!({
                        "code": "SUCCESS",
                        "details": {"events": channel.event_details(base_url)},
                        "message": "Successfully unsubscribed from actions-watch",
                        "status": "success",
                    }))
                }
                None => Err(json!({
                    "code": "INVALID_DATA",
                    "details": {"channel_id": id},
                    "message": "the channel id given seems to be invalid",
                    "status": "error",
                })),
            })
            .collect::<Vec<_>>();
        let failures = outcomes.iter().filter(|o| o.is_err()).count();
        let status = write_status(outcomes.len() - failures, failures, axum::http::StatusCode::OK);
        let entries: Vec<Value> = outcomes.into_iter().map(|o| o.unwrap_or_else(|e| e)).collect();
        Reply::Json(status, json!({"watch": entries}))
    }

    /// Queues a callback for every live channel watching this change.
    pub fn publish(&self, base_url: &str, module: &Module, operation: Operation, ids: Vec<String>, affected: Vec<Value>) {
        if ids.is_empty() {
            return;
        }
        let channels = lock(&self.channels);
        for channel in channels.iter().filter(|c| !c.expired()) {
            let watching = channel.subscriptions.iter().any(|(m, op)| *m == module.name && op.is_none_or(|op| op == operation));
            if !watching {
                continue;
            }
            let payload = json!({
                "server_time": now_ms(),
                "query_params": {},
                "module": module.name,
                "resource_uri": module.resource_uri(base_url),
                "ids": ids,
                "affected_fields": affected,
                "operation": operation.name(),
                "channel_id": channel.id,
                "token": channel.token,
            });
            // The receiver lives as long as the runtime; a closed queue only means shutdown.
            let _ = self.outbox.send(Delivery { url: channel.notify_url.clone(), payload });
        }
    }
}

/// Posts queued callbacks, one at a time; failures are dropped (best effort).
pub async fn deliver(mut queue: mpsc::UnboundedReceiver<Delivery>, client: reqwest::Client) {
    while let Some(delivery) = queue.recv().await {
        if let Err(e) = client.post(&delivery.url).json(&delivery.payload).send().await {
            tracing::debug!("notification to {} failed: {e}", delivery.url);
        }
    }
}

/// The `data`-like answer of a batch: 200 / 207 / 400 by outcome.
fn outcome_reply(key: &str, outcomes: Vec<Result<Value, RecordError>>) -> Reply {
    let failures = outcomes.iter().filter(|o| o.is_err()).count();
    let status = write_status(outcomes.len() - failures, failures, axum::http::StatusCode::OK);
    let entries: Vec<Value> = outcomes.into_iter().map(|o| o.unwrap_or_else(|e| e.outcome())).collect();
    let mut body = Map::new();
    body.insert(key.into(), Value::Array(entries));
    Reply::Json(status, Value::Object(body))
}

fn parse_channel(item: &Value, index: usize) -> Result<Channel, RecordError> {
    let path = |key: &str| format!("$.watch[{index}].{key}");
    let missing = |key: &str| RecordError::MandatoryNotFound { api_name: key.into(), json_path: path(key) };
    let wrong = |key: &str, expected: &'static str| RecordError::WrongType { api_name: key.into(), json_path: path(key), expected };
    let item = item.as_object().ok_or_else(|| wrong("watch", "jsonobject"))?;

    let id = match item.get("channel_id") {
        None | Some(Value::Null) => return Err(missing("channel_id")),
        Some(Value::Number(n)) if n.is_u64() => n.to_string(),
        Some(Value::String(s)) if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) => s.clone(),
        Some(_) => return Err(wrong("channel_id", "long")),
    };

    let events: Vec<String> = match item.get("events") {
        None | Some(Value::Null) => return Err(missing("events")),
        Some(Value::Array(list)) if !list.is_empty() => {
            list.iter().map(|e| e.as_str().map(str::to_string).ok_or_else(|| wrong("events", "jsonarray"))).collect::<Result<_, _>>()?
        }
        Some(_) => return Err(wrong("events", "jsonarray")),
    };
    let mut subscriptions = Vec::new();
    for event in &events {
        let (module, op) = event.split_once('.').ok_or_else(|| wrong("events", "jsonarray"))?;
        let module = modules::module(module).ok_or_else(|| wrong("events", "jsonarray"))?;
        let op = match op {
            "all" => None,
            _ => Some(
                [Operation::Insert, Operation::Update, Operation::Delete]
                    .into_iter()
                    .find(|o| o.event() == op)
                    .ok_or_else(|| wrong("events", "jsonarray"))?,
            ),
        };
        subscriptions.push((module.name, op));
    }

    let now = Utc::now().fixed_offset();
    let default_expiry = now + Duration::from_secs(3600);
    let expiry = match item.get("channel_expiry") {
        None | Some(Value::Null) => default_expiry,
        Some(value) => {
            let expiry = value.as_str().and_then(parse_datetime).ok_or_else(|| wrong("channel_expiry", "datetime"))?;
            if expiry <= now {
                return Err(wrong("channel_expiry", "datetime"));
            }
            // Zoho caps channels at a week; beyond that it falls back to an hour.
            if expiry > now + Duration::from_secs(7 * 24 * 3600) {
                default_expiry
            } else {
                expiry
            }
        }
    };

    let token = match item.get("token") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() > 50 => {
            return Err(RecordError::TooLong { api_name: "token".into(), json_path: path("token"), maximum: 50 })
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(wrong("token", "text")),
    };

    let notify_url = match item.get("notify_url") {
        None | Some(Value::Null) => return Err(missing("notify_url")),
        Some(Value::String(s)) => match reqwest::Url::parse(s) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => s.clone(),
            _ => return Err(wrong("notify_url", "url")),
        },
        Some(_) => return Err(wrong("notify_url", "url")),
    };

    Ok(Channel { id, events, subscriptions, expiry, token, notify_url })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_channel() {
        let channel = parse_channel(
            &json!({"channel_id": 1000000068001u64, "events": ["Contacts.all", "Deals.edit"], "token": "t", "notify_url": "http://127.0.0.1:9/cb"}),
            0,
        )
        .unwrap();
        assert_eq!(channel.id, "1000000068001");
        assert_eq!(channel.subscriptions, vec![("Contacts", None), ("Deals", Some(Operation::Update))]);
        assert_eq!(channel.modules().len(), 2);
    }

    #[test]
    fn refuses_bad_channels() {
        let ok = json!({"channel_id": "1", "events": ["Contacts.all"], "notify_url": "http://x/"});
        for (key, value) in [
            ("channel_id", json!("abc")),
            ("events", json!(["Widgets.all"])),
            ("events", json!(["Contacts.read"])),
            ("notify_url", json!("ftp://x/")),
            ("token", json!("x".repeat(51))),
            ("channel_expiry", json!("2001-01-01T00:00:00+00:00")),
        ] {
            let mut item = ok.clone();
            item[key] = value;
            assert!(parse_channel(&item, 0).is_err(), "{key}");
        }
        let mut item = ok.clone();
        item.as_object_mut().unwrap().remove("notify_url");
        assert!(
            matches!(parse_channel(&item, 2), Err(RecordError::MandatoryNotFound { ref json_path, .. }) if json_path == "$.watch[2].notify_url")
        );
    }
}
