//! An emulator of the CloudCX contact-centre API (web chats and inbox
//! conversations with website visitors), for tests and the demo. No public
//! CloudCX API exists: `README.md` beside this crate defines the one the
//! CloudCX connector is written against, and this crate implements it.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let cx = cloudcx_emulator::CloudcxEmulator::start(Default::default()).await?;
//! cx.seed_demo();
//! println!("{} {}", cx.base_url(), cx.api_key());
//! # Ok(()) }
//! ```

mod api;
mod demo;
mod error;
mod limits;
mod model;
mod paging;
mod state;
mod store;
mod util;
mod webhooks;

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use serde_json::{json, Value};

pub use crate::model::Sender;
pub use crate::webhooks::{signature, Delivery, EVENT_TYPES};

use crate::limits::Limiter;
use crate::model::{Channel, View};
use crate::state::Shared;
use crate::store::{Store, Tenant};
use crate::util::{lock, push_bounded};
use crate::webhooks::{Event, Outbox, Webhook};

/// The demo tenant.
pub const DEMO_TENANT_ID: &str = "acme-support";
/// The demo tenant's API key.
pub const DEMO_API_KEY: &str = "cx_live_demo_0000000000000000";

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// 0 picks any free port.
    pub port: u16,
    /// The tenant created at start, which the handle returned by `start` acts for.
    pub tenant_id: String,
    pub api_key: String,
    /// API requests a tenant may make per minute; None is unlimited.
    pub requests_per_minute: Option<u32>,
    /// Between webhook delivery attempts (1 s, as specified).
    pub retry_delay: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            port: 0,
            tenant_id: DEMO_TENANT_ID.into(),
            api_key: DEMO_API_KEY.into(),
            requests_per_minute: None,
            retry_delay: Duration::from_secs(1),
        }
    }
}

pub use emulator_support::RecordedRequest;

/// A running emulator, seen as one tenant; clones share it. It serves
/// until its tokio runtime stops. The control methods act on the handle's
/// tenant; misuse (an unknown id, seeding JSON that does not fit) panics, as
/// a bug in the test.
#[derive(Clone)]
pub struct CloudcxEmulator {
    shared: Arc<Shared>,
    tenant: String,
    api_key: String,
}

impl CloudcxEmulator {
    /// Binds 127.0.0.1 and serves on the current tokio runtime.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<CloudcxEmulator> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let base_url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let mut store = Store::new(base_url.clone());
        store.add_tenant(&config.tenant_id, &config.api_key);
        let (outbox, queue) = Outbox::new();
        let shared = Arc::new(Shared {
            base_url,
            store: Mutex::new(store),
            limiter: Mutex::new(Limiter::new(config.requests_per_minute, limits::WINDOW)),
            outbox: Arc::clone(&outbox),
            requests: Mutex::new(Vec::new()),
        });
        tokio::spawn(webhooks::deliver(outbox, queue, config.retry_delay));
        let app = api::router(Arc::clone(&shared))
            .layer(middleware::from_fn_with_state(Arc::clone(&shared), record_request))
            .with_state(Arc::clone(&shared));
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("cloudcx emulator stopped: {e}");
            }
        });
        Ok(CloudcxEmulator { shared, tenant: config.tenant_id, api_key: config.api_key })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The API key of this handle's tenant.
    pub fn api_key(&self) -> String {
        self.api_key.clone()
    }

    pub fn tenant_id(&self) -> String {
        self.tenant.clone()
    }

    /// Adds a tenant to the same server and answers a handle acting for it.
    /// Panics when the tenant id or the key is taken.
    pub fn add_tenant(&self, tenant_id: &str, api_key: &str) -> CloudcxEmulator {
        self.shared.store().add_tenant(tenant_id, api_key);
        CloudcxEmulator { shared: Arc::clone(&self.shared), tenant: tenant_id.into(), api_key: api_key.into() }
    }

    /// API requests a tenant may make per minute (None: unlimited); starts fresh windows.
    pub fn set_rate_limit(&self, per_minute: Option<u32>) {
        lock(&self.shared.limiter).set(per_minute);
    }

    /// Every request served so far, in order of completion (the last
    /// `MAX_RECORDED_REQUESTS` at most).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    // ---- data --------------------------------------------------------------

    /// Inserts a visitor as data already there: no event. Fields as the API
    /// shows them (`name`, `email`, `phone`, `company`, `custom_variables`),
    /// optionally `id`, `created_at`, `updated_at`. Returns the id.
    pub fn seed_visitor(&self, visitor: Value) -> String {
        self.tenant(|t| t.seed_visitor(visitor))
    }

    /// Inserts a conversation as data already there: no event. See the
    /// README's "Seeding" for the fields and their defaults. Returns the id.
    pub fn seed_conversation(&self, conversation: Value) -> String {
        self.tenant(|t| t.seed_conversation(conversation))
    }

    /// The visitor as `GET /visitors/{id}` shows it.
    pub fn visitor(&self, id: &str) -> Option<Value> {
        self.tenant(|t| t.visitors.get(id).map(|v| v.render()))
    }

    /// The bytes of an attachment, as `GET /attachments/{id}/content` serves them.
    pub fn attachment_bytes(&self, id: &str) -> Option<Vec<u8>> {
        self.shared.store().any_attachment(id).map(|a| a.bytes())
    }

    /// The conversation as `GET /conversations/{id}` shows it.
    pub fn conversation(&self, id: &str) -> Option<Value> {
        self.tenant(|t| t.conversations.get(id).map(|c| c.render(&t.base_url, View::Full)))
    }

    /// A visitor appears (ContactCreated). Fields as `seed_visitor`.
    pub fn create_visitor(&self, visitor: Value) -> String {
        self.fire(|t| t.create_visitor(visitor))
    }

    /// A visitor changes (ContactUpdated): the given fields replace theirs,
    /// `null` clears one; `custom_variables` merge (`null` removes a key).
    pub fn update_visitor(&self, id: &str, changes: Value) {
        self.fire(|t| ((), t.update_visitor(id, changes)))
    }

    /// A visitor is deleted (ContactDeleted); their conversations stay.
    pub fn delete_visitor(&self, id: &str) {
        self.fire(|t| ((), t.delete_visitor(id)))
    }

    // ---- conversations -----------------------------------------------------

    /// A visitor starts a web chat, answered by the agent (ChatStarted).
    pub fn start_chat(&self, visitor_id: &str, agent_email: &str, text: &str) -> String {
        self.open(Channel::WebChat, visitor_id, agent_email, None, text, "ChatStarted")
    }

    /// A visitor writes to the inbox (ConversationStarted).
    pub fn start_conversation(&self, visitor_id: &str, agent_email: &str, subject: &str, text: &str) -> String {
        self.open(Channel::Inbox, visitor_id, agent_email, Some(subject), text, "ConversationStarted")
    }

    fn open(&self, channel: Channel, visitor_id: &str, agent: &str, subject: Option<&str>, text: &str, kind: &'static str) -> String {
        self.fire(|t| {
            let id = t.open_conversation(channel, visitor_id, Some(agent), subject, text);
            let event = t.conversation_event(kind, &id, View::WithoutMessages);
            (id, event)
        })
    }

    /// A message in an open conversation (no event). Returns its id.
    pub fn post_message(&self, conversation_id: &str, from: Sender, text: &str) -> String {
        self.tenant(|t| t.post_message(conversation_id, from, text))
    }

    /// The agent ends a web chat (ChatEnded, with the transcript).
    pub fn end_chat(&self, conversation_id: &str, note: Option<&str>, wrap_up: Option<&str>) {
        self.fire(|t| ((), t.finish(conversation_id, Channel::WebChat, note, wrap_up)))
    }

    /// The agent closes an inbox conversation (ConversationClosed, with the transcript).
    pub fn close_conversation(&self, conversation_id: &str, note: Option<&str>) {
        self.fire(|t| ((), t.finish(conversation_id, Channel::Inbox, note, None)))
    }

    /// A visitor leaves a message while no agent is online
    /// (OfflineMessageReceived): an ended web chat with `offline: true`, no
    /// agent, and the one message.
    pub fn offline_message(&self, visitor_id: &str, text: &str) -> String {
        self.fire(|t| {
            let id = t.offline_message(visitor_id, text);
            let event = t.conversation_event("OfflineMessageReceived", &id, View::Full);
            (id, event)
        })
    }

    // ---- webhooks ----------------------------------------------------------

    /// Registers a webhook as `POST /webhooks` would (replacing one with the
    /// same url); no events means every event type. Returns its id.
    pub fn register_webhook(&self, url: &str, secret: &str, events: &[&str]) -> String {
        let events: Vec<&str> = if events.is_empty() { EVENT_TYPES.to_vec() } else { events.to_vec() };
        let webhook =
            Webhook::parse(&json!({"url": url, "secret": secret, "events": events})).unwrap_or_else(|e| panic!("webhook {url}: {e:?}"));
        let id = webhook.id.clone();
        self.tenant(|t| t.register_webhook(webhook));
        id
    }

    /// Every delivery attempt so far, in order (the last
    /// `webhooks::MAX_LOGGED_ATTEMPTS` at most; all tenants).
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.outbox.deliveries()
    }

    /// Sends a delivery again exactly as first sent (body, headers,
    /// `X-CloudCX-Delivery`), as a retry would, with retries of its own.
    /// Panics on an unknown delivery id.
    pub fn redeliver(&self, delivery_id: &str) {
        assert!(self.shared.outbox.redeliver(delivery_id), "no delivery `{delivery_id}`");
    }

    /// Signs deliveries made from now on with this secret instead of each
    /// webhook's (a wrong signature); None goes back to the right one.
    pub fn set_signing_secret_override(&self, secret: Option<&str>) {
        self.shared.outbox.set_secret_override(secret.map(String::from));
    }

    /// Seeds the demo tenant's data (visitors, past chats and inbox conversations).
    pub fn seed_demo(&self) {
        demo::seed_demo(self);
    }

    fn tenant<R>(&self, f: impl FnOnce(&mut Tenant) -> R) -> R {
        f(self.shared.store().tenant_mut(&self.tenant))
    }

    /// Runs a change that fires an event, then publishes it to the
    /// tenant's webhooks once the store is unlocked.
    fn fire<R>(&self, f: impl FnOnce(&mut Tenant) -> (R, Event)) -> R {
        let (result, event, webhooks) = self.tenant(|t| {
            let (result, event) = f(t);
            (result, event, t.webhooks.clone())
        });
        self.shared.outbox.publish(&event, &webhooks);
        result
    }
}

pub use emulator_support::MAX_RECORDED_REQUESTS;

async fn record_request(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    let response = next.run(request).await;
    let recorded = RecordedRequest { method, path, query, status: response.status().as_u16() };
    push_bounded(&mut lock(&shared.requests), recorded, MAX_RECORDED_REQUESTS);
    response
}
