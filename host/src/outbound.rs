//! Outbound HTTP for plugins: enforces the allow-list (before the request
//! and after DNS resolution), injects credentials, caps time and size.
//! The decisions live in `policy`; this module only sends.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

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
const RESERVED_HEADERS: &[&str] = &["host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer", "proxy-authorization"];

/// One plugin's outbound HTTP client.
pub struct Outbound {
    plugin: String,
    client: reqwest::Client,
    allow: Arc<AllowList>,
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
    ) -> Result<Self, reqwest::Error> {
        let allow = Arc::new(allow);
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver { allow: allow.clone(), overrides: Arc::new(dns.clone()) }))
            // A proxy would resolve names itself, past our address check.
            .no_proxy()
            // A redirect could leave the allow-list or carry the credential
            // elsewhere: plugins see 3xx answers and decide.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.http_timeout)
            .user_agent(concat!("deskpane/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Outbound { plugin: plugin.to_string(), client, allow, response_cap: limits.response_bytes, specs, credentials })
    }

    /// The base URL reported with a credential, if any.
    pub fn api_base(&self, credential: &str) -> Option<String> {
        self.credentials.secret(&self.plugin, credential).ok().and_then(|s| s.api_base)
    }

    /// Sends a plugin's request under the sandbox's rules.
    pub async fn send(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        let url = self.allow.check_url(&req.url).map_err(|d| HttpError::Denied(d.to_string()))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &req.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| HttpError::InvalidRequest(format!("`{name}` is not a valid header name")))?;
            if RESERVED_HEADERS.contains(&name.as_str()) {
                continue;
            }
            let value = HeaderValue::from_str(value)
                .map_err(|_| HttpError::InvalidRequest(format!("header `{name}` has an invalid value")))?;
            headers.append(name, value);
        }
        if let Some(cred) = &req.credential {
            let spec = self.specs.get(cred).ok_or_else(|| {
                HttpError::CredentialUnavailable(format!("the manifest declares no credential named `{cred}`"))
            })?;
            let secret = self
                .credentials
                .secret(&self.plugin, cred)
                .map_err(|e| HttpError::CredentialUnavailable(e.to_string()))?;
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
        let mut builder = self.client.request(method, url).headers(headers);
        if let Some(body) = req.body {
            builder = builder.body(body);
        }
        let mut resp = builder.send().await.map_err(transport_error)?;
        if resp.content_length().is_some_and(|n| n > self.response_cap) {
            return Err(HttpError::TooLarge(self.response_cap));
        }
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
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
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        let overrides = self.overrides.clone();
        let host = name.as_str().to_ascii_lowercase();
        Box::pin(async move {
            let addrs: Vec<IpAddr> = match overrides.get(&host) {
                Some(fixed) => fixed.clone(),
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.map(|s| s.ip()).collect(),
            };
            let mut accepted = Vec::new();
            let mut refused = None;
            for addr in addrs {
                match allow.check_resolved(&host, addr) {
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
