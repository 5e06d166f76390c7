//! Change notifications: after each committed write the store hands its
//! changes here, and each subscribed callback URL gets a POST shaped like a
//! Change Data Capture event. Deliveries go through one bounded queue to a
//! background task, so they arrive in order and never hold up a request; a
//! full queue or a failed POST is logged and dropped.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::util::random_hex;

/// Deliveries waiting at most; beyond it new ones are dropped (and logged).
pub const QUEUE_CAPACITY: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    Create,
    Update,
    Delete,
    Undelete,
}

impl ChangeType {
    fn name(self) -> &'static str {
        match self {
            ChangeType::Create => "CREATE",
            ChangeType::Update => "UPDATE",
            ChangeType::Delete => "DELETE",
            ChangeType::Undelete => "UNDELETE",
        }
    }
}

/// One event: every record of one object changed the same way in one commit.
#[derive(Debug, Clone)]
pub struct Event {
    pub object: &'static str,
    pub kind: ChangeType,
    pub ids: Vec<String>,
    pub changed_fields: Vec<String>,
    pub user: String,
    pub at_ms: i64,
}

/// A subscribed callback: `Callback_Url__c` and `Token__c` of a subscription.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    pub token: String,
}

pub struct Delivery {
    target: Target,
    body: Value,
}

pub struct Notifier {
    outbox: mpsc::Sender<Delivery>,
    replay_id: u64,
}

impl Notifier {
    pub fn new() -> (Notifier, mpsc::Receiver<Delivery>) {
        let (outbox, queue) = mpsc::channel(QUEUE_CAPACITY);
        (Notifier { outbox, replay_id: 0 }, queue)
    }

    pub fn publish(&mut self, event: &Event, targets: &[Target]) {
        if targets.is_empty() {
            return;
        }
        self.replay_id += 1;
        let body = json!({
            "schema": schema_id(event.object),
            "payload": {
                "ChangeEventHeader": {
                    "entityName": event.object,
                    "changeType": event.kind.name(),
                    "recordIds": event.ids,
                    "commitTimestamp": event.at_ms,
                    "commitUser": event.user,
                    "changeOrigin": "com/salesforce/api/rest/62.0",
                    "transactionKey": format!("{}-{}-{}", random_hex(8), random_hex(4), random_hex(12)),
                    "sequenceNumber": 1,
                    "commitNumber": self.replay_id,
                    "changedFields": event.changed_fields,
                },
            },
            "event": {"replayId": self.replay_id},
        });
        for target in targets {
            let delivery = Delivery { target: target.clone(), body: body.clone() };
            if let Err(e) = self.outbox.try_send(delivery) {
                tracing::warn!("notification to {} dropped: {e}", target.url);
            }
        }
    }
}

/// A stable, Salesforce-looking schema id per object.
fn schema_id(object: &str) -> String {
    let hash = emulator_support::fnv1a(object.as_bytes());
    format!("{hash:016x}{:06x}", hash % 0xff_ffff)
}

/// Posts queued deliveries, one at a time.
pub async fn deliver(mut queue: mpsc::Receiver<Delivery>) {
    // Callbacks go to loopback receivers in tests: never through a proxy.
    let client = match reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build() {
        Ok(client) => client,
        Err(e) => return tracing::error!("no HTTP client for notifications: {e}"),
    };
    while let Some(Delivery { target, body }) = queue.recv().await {
        let sent = client.post(&target.url).header("X-Deskpane-Token", &target.token).json(&body).send().await;
        match sent {
            Ok(answer) if !answer.status().is_success() => tracing::warn!("notification to {} answered {}", target.url, answer.status()),
            Ok(_) => {}
            Err(e) => tracing::warn!("notification to {} failed: {e}", target.url),
        }
    }
}
