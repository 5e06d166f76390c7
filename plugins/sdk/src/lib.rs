//! Guest SDK for Deskpane connector plugins.
//!
//! A plugin implements [`Connector`]: `lookup_requester`, and whichever
//! other functions of the `deskpane:connector` contract it offers (each one
//! left out answers `unsupported`), then hands its type to
//! [`export_connector!`]:
//!
//! ```ignore
//! use deskpane_plugin_sdk::prelude::*;
//!
//! struct MyCrm;
//! impl Connector for MyCrm {
//!     fn lookup_requester(who: Requester) -> Result<Option<Profile>, ConnectorError> { /* ... */ }
//!     fn notes(of: RecordRef) -> Result<Vec<Note>, ConnectorError> { /* ... */ }
//! }
//! deskpane_plugin_sdk::export_connector!(MyCrm);
//! ```
//!
//! A plugin that implements the three exported interfaces itself (`Panels`,
//! `Sync`, `Actions`: the generated traits) hands its type to `export!`
//! instead.
//!
//! The contract's WIT is part of this crate (`wit/`), so the SDK builds
//! wherever it is copied; `deskpane plugin new` puts it beside a new plugin.
//!
//! The plugin runs in a sandbox with no clock, files, sockets or randomness:
//! it reaches its CRM through [`http`], reads its settings with
//! [`config`], and reports through [`log`]. See `docs/plugin-authors.md`.

wit_bindgen::generate!({
    path: "wit",
    world: "connector",
    pub_export_macro: true,
    default_bindings_module: "deskpane_plugin_sdk",
});

pub use deskpane::connector::types;

mod connector;
pub mod hash;
#[cfg(all(feature = "heap", target_arch = "wasm32", not(target_feature = "atomics")))]
mod heap;
pub mod json;
pub mod multipart;
pub mod paging;
pub mod time;
pub mod url;

pub use connector::{Connector, WriteResults};

/// Everything a plugin usually needs, in one `use`.
pub mod prelude {
    pub use crate::deskpane::connector::http::{HttpError, Method};
    pub use crate::deskpane::connector::types::{
        ConnectorError, CrmRecord, DuplicateInfo, Field, FieldMeta, FieldType, Module, RecordRef, TypeMismatchInfo, Value,
    };
    pub use crate::exports::deskpane::connector::actions::{ActionKind, ActionRequest, File, Guest as Actions};
    pub use crate::exports::deskpane::connector::panels::{
        Activity, ActivityKind, Guest as Panels, MatchKey, Note, Potential, Profile, Requester,
    };
    pub use crate::exports::deskpane::connector::sync::{
        Change, ChangeKind, ChangePage, FeedQuery, Guest as Sync, ListView, Notification, Notified, WriteAction, Written,
    };
    pub use crate::{config, http, json, log, paging, unsupported, url, Connector};
}

use deskpane::connector::types::ConnectorError;

/// The error a plugin returns for a function or module it does not offer.
pub fn unsupported(what: &str) -> ConnectorError {
    ConnectorError::Unsupported(what.to_string())
}

/// Installs a panic hook that reports the panic message to the host before
/// the plugin traps, so the host's error names the cause. Every SDK helper
/// calls it; a plugin that uses none may call it at the top of its exports.
pub fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            deskpane::connector::log::report_panic(&info.to_string());
        }));
    });
}

/// Logging into the host's log.
pub mod log {
    pub use crate::deskpane::connector::log::Level;

    pub fn info(message: &str) {
        crate::init();
        crate::deskpane::connector::log::log(Level::Info, message);
    }
    pub fn warn(message: &str) {
        crate::init();
        crate::deskpane::connector::log::log(Level::Warn, message);
    }
    pub fn debug(message: &str) {
        crate::init();
        crate::deskpane::connector::log::log(Level::Debug, message);
    }
    pub fn error(message: &str) {
        crate::init();
        crate::deskpane::connector::log::log(Level::Error, message);
    }
}

/// The plugin's configuration as the admin set it.
pub mod config {
    /// The value of `key`, or `None` when unset and without a default.
    pub fn get(key: &str) -> Option<String> {
        crate::init();
        crate::deskpane::connector::config::get(key)
    }
}

/// Outbound HTTP through the host.
pub mod http {
    pub use crate::deskpane::connector::http::{HttpError, Method, Request, Response};
    use crate::deskpane::connector::types::ConnectorError;

    /// Sends a request. `credential` names a credential from the manifest;
    /// the host adds its authentication header.
    pub fn send(request: &Request) -> Result<Response, HttpError> {
        crate::init();
        crate::deskpane::connector::http::send(request)
    }

    /// The base URL the CRM's authorisation server reported for a credential.
    pub fn api_base(credential: &str) -> Option<String> {
        crate::init();
        crate::deskpane::connector::http::api_base(credential)
    }

    /// A request with no body and no extra headers.
    pub fn request(method: Method, url: &str, credential: Option<&str>) -> Request {
        Request { method, url: url.to_string(), headers: Vec::new(), body: None, credential: credential.map(str::to_string) }
    }

    /// GETs `url` and returns its JSON body, with the answer's status turned
    /// into the contract's error by [`status_error`].
    pub fn get_json(url: &str, credential: Option<&str>) -> Result<serde_json::Value, ConnectorError> {
        let response = send(&request(Method::Get, url, credential))?;
        match status_error(&response) {
            Some(e) => Err(e),
            None => response.json(),
        }
    }

    /// The contract's error for an answer that is not a success, as the
    /// host acts on it: 401 `auth-expired` (the host refreshes the
    /// credential), 429 `rate-limited` with its `Retry-After` seconds, 404
    /// `not-found`, 5xx and 408 `transient` (retried), any other 4xx
    /// `permanent` quoting the CRM's message. `None` for 1xx-3xx.
    pub fn status_error(response: &Response) -> Option<ConnectorError> {
        let status = response.status;
        let said = || {
            let body = String::from_utf8_lossy(&response.body);
            let body: String = body.chars().take(200).collect();
            if body.trim().is_empty() {
                String::new()
            } else {
                format!(": {}", body.trim())
            }
        };
        Some(match status {
            0..=399 => return None,
            401 => ConnectorError::AuthExpired,
            404 => ConnectorError::NotFound(format!("the CRM answered HTTP 404{}", said())),
            429 => ConnectorError::RateLimited(
                response.header("retry-after").and_then(|s| s.trim().parse().ok()).unwrap_or(DEFAULT_RETRY_AFTER_SECS),
            ),
            408 | 500..=599 => ConnectorError::Transient(format!("the CRM answered HTTP {status}{}", said())),
            _ => ConnectorError::Permanent(format!("the CRM refused the request with HTTP {status}{}", said())),
        })
    }

    /// Seconds to wait on a 429 that gives no `Retry-After`.
    pub const DEFAULT_RETRY_AFTER_SECS: u32 = 30;

    /// A request carrying a JSON body.
    pub fn json_request(method: Method, url: &str, credential: Option<&str>, body: &serde_json::Value) -> Request {
        let mut req = request(method, url, credential);
        req.headers.push(("content-type".to_string(), "application/json".to_string()));
        req.body = Some(serde_json::to_vec(body).expect("a JSON value always serialises"));
        req
    }

    impl Response {
        /// The first header of that name, compared case-insensitively.
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
        }

        /// The body parsed as JSON; an empty body is `null`.
        pub fn json(&self) -> Result<serde_json::Value, ConnectorError> {
            if self.body.is_empty() {
                return Ok(serde_json::Value::Null);
            }
            serde_json::from_slice(&self.body)
                .map_err(|e| ConnectorError::Permanent(format!("the CRM answered HTTP {} with a body that is not JSON: {e}", self.status)))
        }
    }

    /// Turns a transport failure into the contract's error: timeouts and
    /// connection failures are transient, sandbox refusals permanent.
    impl From<HttpError> for ConnectorError {
        fn from(e: HttpError) -> Self {
            match e {
                HttpError::Timeout => ConnectorError::Transient("the CRM did not answer in time".into()),
                HttpError::Connection(m) => ConnectorError::Transient(format!("connection failed: {m}")),
                HttpError::Denied(m) => ConnectorError::Permanent(format!("request refused by the sandbox: {m}")),
                HttpError::CredentialUnavailable(m) => ConnectorError::Permanent(format!("not connected to the CRM: {m}")),
                HttpError::TooLarge(n) => ConnectorError::Permanent(format!("response larger than the {n}-byte cap")),
                HttpError::InvalidRequest(m) => ConnectorError::Permanent(format!("invalid request: {m}")),
            }
        }
    }
}

/// Implements the `sync` interface as "unsupported" for a plugin that only
/// shows panels (a contact centre without sync, say).
#[macro_export]
macro_rules! impl_sync_unsupported {
    ($t:ty) => {
        impl $crate::prelude::Sync for $t {
            fn describe_module(_: $crate::prelude::Module) -> Result<Vec<$crate::prelude::FieldMeta>, $crate::prelude::ConnectorError> {
                Err($crate::unsupported("sync"))
            }
            fn list_views(_: $crate::prelude::Module) -> Result<Vec<$crate::prelude::ListView>, $crate::prelude::ConnectorError> {
                Err($crate::unsupported("sync"))
            }
            fn changes(
                _: $crate::prelude::Module,
                _: $crate::prelude::FeedQuery,
                _: Option<String>,
            ) -> Result<$crate::prelude::ChangePage, $crate::prelude::ConnectorError> {
                Err($crate::unsupported("sync"))
            }
            fn upsert(
                _: $crate::prelude::Module,
                _: Vec<$crate::prelude::CrmRecord>,
                _: Vec<String>,
            ) -> Result<Vec<Result<$crate::prelude::Written, $crate::prelude::ConnectorError>>, $crate::prelude::ConnectorError> {
                Err($crate::unsupported("sync"))
            }
            fn delete(
                _: $crate::prelude::Module,
                _: Vec<String>,
            ) -> Result<Vec<Result<(), $crate::prelude::ConnectorError>>, $crate::prelude::ConnectorError> {
                Err($crate::unsupported("sync"))
            }
            fn watch(_: Vec<$crate::prelude::Module>, _: String, _: String) -> Result<(), $crate::prelude::ConnectorError> {
                Err($crate::unsupported("sync"))
            }
            fn parse_notification(_: $crate::prelude::Notification) -> Result<$crate::prelude::Notified, $crate::prelude::ConnectorError> {
                Err($crate::unsupported("sync"))
            }
        }
    };
}

/// Implements the `actions` interface as "unsupported".
#[macro_export]
macro_rules! impl_actions_unsupported {
    ($t:ty) => {
        impl $crate::prelude::Actions for $t {
            fn perform(_: $crate::prelude::ActionRequest) -> Result<$crate::prelude::RecordRef, $crate::prelude::ConnectorError> {
                Err($crate::unsupported("record actions"))
            }
            fn attach(_: $crate::prelude::RecordRef, _: $crate::prelude::File) -> Result<String, $crate::prelude::ConnectorError> {
                Err($crate::unsupported("attachments"))
            }
            fn download(_: String) -> Result<$crate::prelude::File, $crate::prelude::ConnectorError> {
                Err($crate::unsupported("attachments"))
            }
        }
    };
}
