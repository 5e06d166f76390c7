//! Webhooks: event types, registrations, signatures, and delivery. Each
//! event becomes one delivery per registered webhook that wants it; a
//! delivery is signed once and queued (bounded) for a background task that
//! posts it, retrying a non-2xx or unanswered attempt, and logs every
//! attempt. A full queue or a failed delivery is logged, never fatal.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::error::ApiError;
use crate::util::{format_ms, lock, new_id, now_ms, push_bounded};

/// Deliveries waiting at most; beyond it new ones are dropped (and logged).
pub const QUEUE_CAPACITY: usize = 1024;
/// Attempts per delivery.
pub const ATTEMPTS: u32 = 3;
/// Delivery attempts kept for `deliveries()`; the older half goes when full.
pub const MAX_LOGGED_ATTEMPTS: usize = 10_000;
/// Deliveries kept for `redeliver`.
const MAX_KEPT_DELIVERIES: usize = 10_000;

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

/// `v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`: the
/// `X-CloudCX-Signature` of a delivery.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes a key of any length; this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub secret: String,
    pub events: Vec<String>,
    pub created_at: i64,
}

impl Webhook {
    /// A registration from `POST /webhooks`'s body.
    pub fn parse(body: &Value) -> Result<Webhook, ApiError> {
        let body = body.as_object().ok_or_else(|| ApiError::invalid("the body is a JSON object {\"url\",\"secret\",\"events\"}"))?;
        let text = |key: &str| match body.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            _ => Err(ApiError::invalid(format!("`{key}` is required: a non-empty string"))),
        };
        let url = text("url")?;
        match reqwest::Url::parse(&url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {}
            _ => return Err(ApiError::invalid("`url` must be an absolute http or https URL")),
        }
        let secret = text("secret")?;
        let listed = body
            .get("events")
            .and_then(Value::as_array)
            .filter(|events| !events.is_empty())
            .ok_or_else(|| ApiError::invalid("`events` is required: a non-empty array of event types"))?;
        let mut events: Vec<String> = Vec::new();
        for event in listed {
            match event.as_str().filter(|e| EVENT_TYPES.contains(e)) {
                Some(e) if !events.iter().any(|known| known == e) => events.push(e.into()),
                Some(_) => {}
                None => return Err(ApiError::invalid(format!("unknown event type {event}; known: {}", EVENT_TYPES.join(", ")))),
            }
        }
        Ok(Webhook { id: new_id("wh"), url, secret, events, created_at: now_ms() })
    }

    /// As the API shows it: never the secret.
    pub fn render(&self) -> Value {
        json!({"id": self.id, "url": self.url, "events": self.events, "created_at": format_ms(self.created_at)})
    }

    pub fn wants(&self, event: &str) -> bool {
        self.events.iter().any(|e| e == event)
    }
}

/// An event about to be delivered: its type and body.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: &'static str,
    pub id: String,
    pub body: String,
}

impl Event {
    pub fn new(kind: &'static str, tenant_id: &str, occurred_at: i64, data: Value) -> Event {
        debug_assert!(EVENT_TYPES.contains(&kind));
        let id = new_id("evt");
        let body = json!({"id": id, "type": kind, "tenant_id": tenant_id, "occurred_at": format_ms(occurred_at), "data": data});
        Event { kind, id, body: body.to_string() }
    }
}

/// One delivery: what every attempt sends, unchanged.
#[derive(Debug, Clone)]
pub struct Job {
    delivery_id: String,
    event: &'static str,
    event_id: String,
    webhook_id: String,
    url: String,
    timestamp: i64,
    signature: String,
    body: String,
    redelivery: bool,
}

/// One attempt to deliver an event to a webhook, as `deliveries()` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// `X-CloudCX-Delivery`: the same for every attempt and redelivery.
    pub delivery_id: String,
    /// The event type (`X-CloudCX-Event`).
    pub event: String,
    /// The body's `id` (`evt_...`).
    pub event_id: String,
    pub webhook_id: String,
    pub url: String,
    /// 1 to 3 within one delivery (or redelivery).
    pub attempt: u32,
    /// True for an attempt made by `redeliver`.
    pub redelivery: bool,
    /// The receiver's status; None when it did not answer.
    pub status: Option<u16>,
    /// Why there was no answer.
    pub error: Option<String>,
    /// `X-CloudCX-Timestamp`.
    pub timestamp: i64,
    /// `X-CloudCX-Signature`.
    pub signature: String,
    /// The raw body.
    pub body: String,
}

impl Delivery {
    /// Answered with a 2xx.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

pub struct Outbox {
    queue: mpsc::Sender<Job>,
    kept: Mutex<VecDeque<Job>>,
    log: Mutex<Vec<Delivery>>,
    secret_override: Mutex<Option<String>>,
}

impl Outbox {
    /// The outbox and the queue its delivery task reads.
    pub fn new() -> (Arc<Outbox>, mpsc::Receiver<Job>) {
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let outbox = Outbox { queue, kept: Mutex::new(VecDeque::new()), log: Mutex::new(Vec::new()), secret_override: Mutex::new(None) };
        (Arc::new(outbox), receiver)
    }

    /// Signs and queues a delivery of the event to each webhook that wants it.
    pub fn publish(&self, event: &Event, webhooks: &[Webhook]) {
        let secret_override = lock(&self.secret_override).clone();
        for webhook in webhooks.iter().filter(|w| w.wants(event.kind)) {
            let timestamp = now_ms() / 1000;
            let secret = secret_override.as_deref().unwrap_or(&webhook.secret);
            let job = Job {
                delivery_id: new_id("dlv"),
                event: event.kind,
                event_id: event.id.clone(),
                webhook_id: webhook.id.clone(),
                url: webhook.url.clone(),
                timestamp,
                signature: signature(secret, timestamp, &event.body),
                body: event.body.clone(),
                redelivery: false,
            };
            let mut kept = lock(&self.kept);
            if kept.len() >= MAX_KEPT_DELIVERIES {
                kept.pop_front();
            }
            kept.push_back(job.clone());
            drop(kept);
            self.enqueue(job);
        }
    }

    /// Queues a delivery again exactly as first sent; false when unknown.
    pub fn redeliver(&self, delivery_id: &str) -> bool {
        let job = lock(&self.kept).iter().find(|j| j.delivery_id == delivery_id).cloned();
        match job {
            Some(job) => {
                self.enqueue(Job { redelivery: true, ..job });
                true
            }
            None => false,
        }
    }

    fn enqueue(&self, job: Job) {
        let (event, url) = (job.event, job.url.clone());
        if let Err(e) = self.queue.try_send(job) {
            tracing::warn!("webhook {event} to {url} dropped: {e}");
        }
    }

    pub fn set_secret_override(&self, secret: Option<String>) {
        *lock(&self.secret_override) = secret;
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.log).clone()
    }

    fn record(&self, job: &Job, attempt: u32, status: Option<u16>, error: Option<String>) {
        let entry = Delivery {
            delivery_id: job.delivery_id.clone(),
            event: job.event.into(),
            event_id: job.event_id.clone(),
            webhook_id: job.webhook_id.clone(),
            url: job.url.clone(),
            attempt,
            redelivery: job.redelivery,
            status,
            error,
            timestamp: job.timestamp,
            signature: job.signature.clone(),
            body: job.body.clone(),
        };
        push_bounded(&mut lock(&self.log), entry, MAX_LOGGED_ATTEMPTS);
    }
}

/// Posts queued deliveries one at a time, each up to `ATTEMPTS` times
/// `retry_delay` apart, logging every attempt.
pub async fn deliver(outbox: Arc<Outbox>, mut queue: mpsc::Receiver<Job>, retry_delay: Duration) {
    // Receivers are loopback servers in tests and the demo: never through a proxy.
    let client = match reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(5)).build() {
        Ok(client) => client,
        Err(e) => return tracing::error!("no HTTP client for webhooks: {e}"),
    };
    while let Some(job) = queue.recv().await {
        for attempt in 1..=ATTEMPTS {
            let sent = client
                .post(&job.url)
                .header("content-type", "application/json")
                .header("X-CloudCX-Event", job.event)
                .header("X-CloudCX-Delivery", &job.delivery_id)
                .header("X-CloudCX-Timestamp", job.timestamp.to_string())
                .header("X-CloudCX-Signature", &job.signature)
                .body(job.body.clone())
                .send()
                .await;
            let (status, error) = match sent {
                Ok(answer) => (Some(answer.status().as_u16()), None),
                Err(e) => (None, Some(e.to_string())),
            };
            outbox.record(&job, attempt, status, error.clone());
            if status.is_some_and(|s| (200..300).contains(&s)) {
                break;
            }
            let why = error.unwrap_or_else(|| format!("status {}", status.unwrap_or_default()));
            tracing::warn!("webhook {} {} to {} attempt {attempt}/{ATTEMPTS} failed: {why}", job.event, job.delivery_id, job.url);
            if attempt < ATTEMPTS {
                tokio::time::sleep(retry_delay).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_signature_example_holds() {
        let body = r#"{"data":{"visitor_id":"vis_000000010000abcd"},"id":"evt_0000000200001234","occurred_at":"2026-11-21T09:30:00.000Z","tenant_id":"acme-support","type":"ContactDeleted"}"#;
        assert_eq!(
            signature("whsec_demo_secret", 1_795_253_400, body),
            "v1=24575a1d63e7e9973d3dd4c85a04d3cf636d1d12b1bbd991b3485e78cb85c1a9"
        );
    }

    #[test]
    fn registrations_need_url_secret_and_known_events() {
        let ok = json!({"url": "http://127.0.0.1:9/hook", "secret": "s", "events": ["ChatStarted", "ChatStarted", "ContactDeleted"]});
        let hook = Webhook::parse(&ok).unwrap();
        assert_eq!(hook.events, vec!["ChatStarted", "ContactDeleted"]);
        assert!(hook.render().get("secret").is_none());
        for (key, value) in [
            ("url", json!("ftp://x/")),
            ("url", json!("not a url")),
            ("secret", json!("")),
            ("events", json!([])),
            ("events", json!(["Nope"])),
        ] {
            let mut body = ok.clone();
            body[key] = value;
            assert!(Webhook::parse(&body).is_err(), "{key}");
        }
    }
}
