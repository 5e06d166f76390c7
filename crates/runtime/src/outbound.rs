//! Outbound HTTP for plugins: enforces the allow-list (before the request
//! and after DNS resolution), injects credentials, caps time and size.
//! The decisions live in `policy`; this module only sends.
//!
//! Every request a plugin causes goes through a [`GuardedHttp`]: the
//! plugin's own calls and the host's OAuth token exchanges for it alike.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::contract::{HttpError, HttpMethod, HttpRequest, HttpResponse};
use crate::credentials::CredentialSource;
use crate::manifest::CredentialSpec;
use crate::policy::{AllowList, Denial, Limits};

/// Fixed answers for host names, like curl's `--resolve`: lets tests and
/// demos give a name to a loopback emulator. Resolved addresses still pass
/// the allow-list's address rule.
pub type DnsOverrides = HashMap<String, Vec<IpAddr>>;

/// Headers a plugin may not set: they belong to the transport.
const RESERVED_HEADERS: &[&str] =
    &["host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer", "proxy-authorization"];

/// Clients whose every connection passes an allow-list: checked on the URL
/// before sending and on each address DNS gives, with redirects and proxies
/// off. The address rule depends on the request's scheme and port, which a
/// resolver is not told; so there is one client (and connection pool) per
/// scheme and port, its resolver built for them.
pub struct GuardedHttp {
    allow: Arc<AllowList>,
    dns: Arc<DnsOverrides>,
    connect_timeout: Duration,
    timeout: Duration,
    clients: Mutex<HashMap<(String, u16), reqwest::Client>>,
}

/// Scheme-and-port clients kept at once; a plugin that roams more ports
/// than this starts over with fresh ones (bounded memory, no leak).
const MAX_CLIENTS: usize = 16;

impl GuardedHttp {
    pub fn new(allow: AllowList, dns: &DnsOverrides, connect_timeout: Duration, timeout: Duration) -> Self {
        GuardedHttp { allow: Arc::new(allow), dns: Arc::new(dns.clone()), connect_timeout, timeout, clients: Mutex::default() }
    }

    /// Checks `raw` against the allow-list and returns the client that
    /// may send it.
    pub fn prepare(&self, raw: &str) -> Result<(url::Url, reqwest::Client), GuardedError> {
        let url = self.allow.check_url(raw)?;
        let port = url.port_or_known_default().unwrap_or(0);
        let key = (url.scheme().to_string(), port);
        let mut clients = self.clients.lock().expect("client cache lock");
        if let Some(client) = clients.get(&key) {
            return Ok((url, client.clone()));
        }
        if clients.len() >= MAX_CLIENTS {
            clients.clear();
        }
        let resolver = GuardedResolver { allow: self.allow.clone(), overrides: self.dns.clone(), scheme: key.0.clone(), port };
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(resolver))
            // A proxy would resolve names itself, past our address check.
            .no_proxy()
            // A redirect could leave the allow-list or carry the credential
            // elsewhere: callers see 3xx answers and decide.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(concat!("deskpane/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| GuardedError::Client(e.to_string()))?;
        clients.insert(key, client.clone());
        Ok((url, client))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GuardedError {
    #[error(transparent)]
    Denied(#[from] Denial),
    #[error("cannot build an HTTP client: {0}")]
    Client(String),
}

/// One plugin's outbound HTTP client.
pub struct Outbound {
    plugin: String,
    http: GuardedHttp,
    metrics: crate::telemetry::CrmMetrics,
    response_cap: u64,
    specs: std::collections::BTreeMap<String, CredentialSpec>,
    credentials: Arc<dyn CredentialSource>,
}

impl Outbound {
    pub fn new(
        plugin: &str,
        allow: AllowList,
        limits: &Limits,
        specs: std::collections::BTreeMap<String, CredentialSpec>,
        credentials: Arc<dyn CredentialSource>,
        dns: &DnsOverrides,
    ) -> Self {
        let http = GuardedHttp::new(allow, dns, limits.connect_timeout, limits.http_timeout);
        let metrics = crate::telemetry::CrmMetrics::new(plugin);
        Outbound { plugin: plugin.to_string(), http, metrics, response_cap: limits.response_bytes, specs, credentials }
    }

    /// The base URL reported with a credential, if any.
    pub fn api_base(&self, credential: &str) -> Option<String> {
        self.credentials.secret(&self.plugin, credential).ok().and_then(|s| s.api_base)
    }

    /// Sends a plugin's request under the sandbox's rules.
    pub async fn send(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        let began = std::time::Instant::now();
        // For the debug log, when on: the method and the host only (paths
        // and queries carry customers' emails).
        let described = tracing::enabled!(tracing::Level::DEBUG).then(|| {
            let host = url::Url::parse(&req.url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
            (format!("{:?}", req.method).to_ascii_uppercase(), host)
        });
        let result = self.send_checked(req).await;
        let outcome = match &result {
            Ok(resp) => crate::telemetry::status_class(resp.status),
            Err(HttpError::Denied(_)) => "denied",
            Err(HttpError::Timeout) => "timeout",
            Err(HttpError::TooLarge(_)) => "too-large",
            Err(HttpError::Connection(_)) => "connection",
            Err(HttpError::CredentialUnavailable(_)) => "no-credential",
            Err(HttpError::InvalidRequest(_)) => "invalid",
        };
        self.metrics.request(outcome, began.elapsed(), described);
        result
    }

    async fn send_checked(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        let (url, client) = self.http.prepare(&req.url).map_err(|e| match e {
            GuardedError::Denied(d) => HttpError::Denied(d.to_string()),
            GuardedError::Client(reason) => HttpError::Connection(reason),
        })?;
        let mut headers = HeaderMap::new();
        for (name, value) in &req.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| HttpError::InvalidRequest(format!("`{name}` is not a valid header name")))?;
            if RESERVED_HEADERS.contains(&name.as_str()) {
                continue;
            }
            let value =
                HeaderValue::from_str(value).map_err(|_| HttpError::InvalidRequest(format!("header `{name}` has an invalid value")))?;
            headers.append(name, value);
        }
        if let Some(cred) = &req.credential {
            let spec = self
                .specs
                .get(cred)
                .ok_or_else(|| HttpError::CredentialUnavailable(format!("the manifest declares no credential named `{cred}`")))?;
            let secret = self.credentials.secret(&self.plugin, cred).map_err(|e| HttpError::CredentialUnavailable(e.to_string()))?;
            let (name, value) = spec.header(&secret.value);
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| HttpError::InvalidRequest(format!("credential header `{name}` is not valid")))?;
            let mut value = HeaderValue::from_str(&value)
                .map_err(|_| HttpError::CredentialUnavailable(format!("credential `{cred}` holds characters a header cannot carry")))?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let method = match req.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let mut builder = client.request(method, url).headers(headers);
        if let Some(body) = req.body {
            builder = builder.body(body);
        }
        let mut resp = builder.send().await.map_err(transport_error)?;
        if resp.content_length().is_some_and(|n| n > self.response_cap) {
            return Err(HttpError::TooLarge(self.response_cap));
        }
        let status = resp.status().as_u16();
        let headers =
            resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(transport_error)? {
            if body.len() as u64 + chunk.len() as u64 > self.response_cap {
                return Err(HttpError::TooLarge(self.response_cap));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse { status, headers, body })
    }
}

/// Maps a reqwest failure to the contract's error, recognising a refusal
/// by the resolver's address check anywhere in the error chain.
fn transport_error(e: reqwest::Error) -> HttpError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(denial) = err.downcast_ref::<Denial>() {
            return HttpError::Denied(denial.to_string());
        }
        source = err.source();
    }
    if e.is_timeout() {
        HttpError::Timeout
    } else if e.is_builder() {
        HttpError::InvalidRequest(e.to_string())
    } else {
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(err) = source {
            msg.push_str(": ");
            msg.push_str(&err.to_string());
            source = err.source();
        }
        HttpError::Connection(msg)
    }
}

/// Resolves names, then keeps only the addresses the allow-list accepts.
/// Connecting only to addresses that passed here closes the gap between
/// checking a name and connecting to it.
struct GuardedResolver {
    allow: Arc<AllowList>,
    overrides: Arc<DnsOverrides>,
    scheme: String,
    port: u16,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        let overrides = self.overrides.clone();
        let (scheme, port) = (self.scheme.clone(), self.port);
        let host = name.as_str().to_ascii_lowercase();
        Box::pin(async move {
            let addrs: Vec<IpAddr> = match overrides.get(&host) {
                Some(fixed) => fixed.clone(),
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.map(|s| s.ip()).collect(),
            };
            let mut accepted = Vec::new();
            let mut refused = None;
            for addr in addrs {
                match allow.check_resolved(&scheme, &host, port, addr) {
                    Ok(()) => accepted.push(SocketAddr::new(addr, 0)),
                    Err(denial) => {
                        refused.get_or_insert(denial);
                    }
                }
            }
            if accepted.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> = match refused {
                    Some(denial) => Box::new(denial),
                    None => format!("{host} has no addresses").into(),
                };
                return Err(err);
            }
            Ok(Box::new(accepted.into_iter()) as Addrs)
        })
    }
}
