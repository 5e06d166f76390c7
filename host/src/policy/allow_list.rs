//! Which outbound requests a plugin may make. Pure: no I/O, no wasmtime.
//!
//! An entry is `scheme://host[:port]`:
//! - scheme is `http` or `https`;
//! - host is a DNS name, `*.suffix` (one or more labels before `suffix`),
//!   `*` (any host), `localhost`, or an IP literal (`127.0.0.1`, `[::1]`);
//! - port is a number or `*`; without one, the scheme's default port.
//!
//! Two checks guard every request. [`AllowList::check_url`] runs before the
//! request; [`AllowList::check_resolved`] runs on every address the host
//! name resolved to, so a public-looking name that resolves to a private
//! address is refused (DNS rebinding). Loopback, private, link-local and
//! other special addresses pass only when an entry names them explicitly:
//! an IP-literal entry for that address, or `localhost` for loopback.

use std::fmt;
use std::net::IpAddr;

use url::Url;

/// One parsed allow-list entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    scheme: Scheme,
    host: HostMatch,
    port: PortMatch,
    source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostMatch {
    Any,
    /// `*.example.com`: stored as `.example.com`.
    Suffix(String),
    Exact(String),
    Ip(IpAddr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortMatch {
    Any,
    Exact(u16),
}

/// Why an allow-list entry could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("allowed host `{entry}` is not valid: {reason}; write it as scheme://host[:port], e.g. https://*.example.com or http://127.0.0.1:8080")]
pub struct PatternError {
    pub entry: String,
    pub reason: String,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    #[error("`{0}` is not a valid absolute URL")]
    BadUrl(String),
    #[error("scheme `{0}` is not allowed; only http and https are")]
    Scheme(String),
    #[error("{url} is not on the plugin's allow-list")]
    NotListed { url: String },
    #[error("{host} resolves to {addr}, a {class} address, which the allow-list does not name explicitly")]
    SpecialAddress {
        host: String,
        addr: IpAddr,
        class: &'static str,
    },
}

impl HostPattern {
    pub fn parse(entry: &str) -> Result<Self, PatternError> {
        let err = |reason: &str| PatternError {
            entry: entry.to_string(),
            reason: reason.to_string(),
        };
        let (scheme, rest) = entry
            .split_once("://")
            .ok_or_else(|| err("it has no scheme"))?;
        let scheme = match scheme {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return Err(err("the scheme must be http or https")),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') || rest.contains('?') || rest.contains('@') {
            return Err(err("it must not contain a path, query or user"));
        }
        // Split host and port, minding IPv6 brackets.
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (addr, after) = v6.split_once(']').ok_or_else(|| err("unclosed `[`"))?;
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(|| err("junk after `]`"))?),
            };
            (format!("[{addr}]"), port)
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (rest.to_string(), None),
            }
        };
        let port = match port {
            None => PortMatch::Exact(match scheme {
                Scheme::Http => 80,
                Scheme::Https => 443,
            }),
            Some("*") => PortMatch::Any,
            Some(p) => PortMatch::Exact(p.parse().map_err(|_| err("the port is not a number from 0 to 65535 or `*`"))?),
        };
        let host = host.to_ascii_lowercase();
        let host = if host == "*" {
            HostMatch::Any
        } else if let Some(suffix) = host.strip_prefix("*.") {
            if suffix.is_empty() || suffix.contains('*') {
                return Err(err("a wildcard must be `*.` followed by a domain"));
            }
            HostMatch::Suffix(format!(".{suffix}"))
        } else if host.contains('*') {
            return Err(err("`*` may only stand alone or as the first label"));
        } else if let Some(ip) = parse_ip(&host) {
            HostMatch::Ip(ip)
        } else if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
            return Err(err("the host is not a valid DNS name or IP address"));
        } else {
            HostMatch::Exact(host)
        };
        Ok(HostPattern {
            scheme,
            host,
            port,
            source: entry.to_string(),
        })
    }

    fn matches(&self, scheme: Scheme, host: &str, port: u16) -> bool {
        if self.scheme != scheme {
            return false;
        }
        if let PortMatch::Exact(p) = self.port {
            if p != port {
                return false;
            }
        }
        match &self.host {
            HostMatch::Any => true,
            HostMatch::Suffix(s) => host.ends_with(s.as_str()) && host.len() > s.len(),
            HostMatch::Exact(h) => h == host,
            HostMatch::Ip(ip) => parse_ip(host) == Some(*ip),
        }
    }

    /// Whether this entry names `addr` explicitly, so that a special
    /// (loopback, private...) address is acceptable.
    fn names_explicitly(&self, host: &str, addr: IpAddr) -> bool {
        match &self.host {
            HostMatch::Ip(ip) => *ip == addr,
            HostMatch::Exact(h) => h == "localhost" && host == "localhost" && addr.is_loopback(),
            _ => false,
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn parse_ip(host: &str) -> Option<IpAddr> {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    bare.parse().ok()
}

/// A plugin's outbound allow-list. Empty denies everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    entries: Vec<HostPattern>,
}

impl AllowList {
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, PatternError> {
        let entries = entries
            .iter()
            .map(|e| HostPattern::parse(e.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(AllowList { entries })
    }

    /// Adds entries granted on top of the manifest (by an admin or a test).
    pub fn extend(&mut self, other: AllowList) {
        self.entries.extend(other.entries);
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> impl Iterator<Item = &HostPattern> {
        self.entries.iter()
    }

    /// The check before a request: scheme, host and port must match an
    /// entry; a URL whose host is an IP literal must also pass the address
    /// rule, since no resolution will happen.
    pub fn check_url(&self, raw: &str) -> Result<Url, Denial> {
        let url = Url::parse(raw).map_err(|_| Denial::BadUrl(raw.to_string()))?;
        let scheme = match url.scheme() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => return Err(Denial::Scheme(other.to_string())),
        };
        let host = url.host_str().ok_or_else(|| Denial::BadUrl(raw.to_string()))?.to_ascii_lowercase();
        let port = url.port_or_known_default().ok_or_else(|| Denial::BadUrl(raw.to_string()))?;
        if !self.entries.iter().any(|e| e.matches(scheme, &host, port)) {
            return Err(Denial::NotListed {
                url: format!("{}://{}:{}", url.scheme(), host, port),
            });
        }
        if let Some(ip) = parse_ip(&host) {
            self.check_resolved(&host, ip)?;
        }
        Ok(url)
    }

    /// The check after DNS resolution, for each address `host` resolved to.
    pub fn check_resolved(&self, host: &str, addr: IpAddr) -> Result<(), Denial> {
        let addr = canonical(addr);
        match special_class(addr) {
            None => Ok(()),
            Some(class) => {
                let host = host.to_ascii_lowercase();
                if self.entries.iter().any(|e| e.names_explicitly(&host, addr)) {
                    Ok(())
                } else {
                    Err(Denial::SpecialAddress { host, addr, class })
                }
            }
        }
    }
}

/// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(addr),
        v4 => v4,
    }
}

/// The kind of non-public address, or `None` for a public one.
pub fn special_class(addr: IpAddr) -> Option<&'static str> {
    match canonical(addr) {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                Some("loopback")
            } else if v4.is_private() {
                Some("private")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if v4.is_unspecified() || v4.is_broadcast() || a == 0 {
                Some("unspecified")
            } else if a == 100 && (64..128).contains(&b) {
                Some("shared (carrier-grade NAT)")
            } else if v4.is_multicast() || a >= 240 {
                Some("reserved")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if v6.is_unique_local() {
                Some("private")
            } else if v6.is_unicast_link_local() {
                Some("link-local")
            } else if v6.is_multicast() {
                Some("reserved")
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> AllowList {
        AllowList::parse(entries).unwrap()
    }

    #[test]
    fn urls_are_checked_against_scheme_host_and_port() {
        let cases: &[(&[&str], &str, bool)] = &[
            (&["https://api.example.com"], "https://api.example.com/v1/x", true),
            (&["https://api.example.com"], "https://API.example.com/", true),
            (&["https://api.example.com"], "http://api.example.com/", false),
            (&["https://api.example.com"], "https://api.example.com:8443/", false),
            (&["https://api.example.com:8443"], "https://api.example.com:8443/", true),
            (&["https://api.example.com"], "https://evil.example.com/", false),
            (&["https://api.example.com"], "https://api.example.com.evil.net/", false),
            (&["https://*.zoho.com"], "https://www.zoho.com/", true),
            (&["https://*.zoho.com"], "https://a.b.zoho.com/", true),
            (&["https://*.zoho.com"], "https://zoho.com/", false),
            (&["https://*.zoho.com"], "https://evilzoho.com/", false),
            (&["http://*:*"], "http://anything.test:1234/", true),
            (&["http://crm.test:*"], "http://crm.test:9/", true),
            (&[], "https://api.example.com/", false),
            (&["https://api.example.com"], "ftp://api.example.com/", false),
            (&["https://api.example.com"], "not a url", false),
        ];
        for (entries, url, allowed) in cases {
            assert_eq!(list(entries).check_url(url).is_ok(), *allowed, "{entries:?} vs {url}");
        }
    }

    #[test]
    fn special_addresses_need_an_explicit_entry() {
        let cases: &[(&[&str], &str, bool)] = &[
            (&["http://127.0.0.1:8080"], "http://127.0.0.1:8080/", true),
            (&["http://*:*"], "http://127.0.0.1:8080/", false),
            (&["http://*:*"], "http://10.0.0.8/", false),
            (&["http://*:*"], "http://169.254.169.254/", false),
            (&["http://*:*"], "http://[::1]:80/", false),
            (&["http://[::1]:*"], "http://[::1]:80/", true),
            (&["http://*:*"], "http://[::ffff:127.0.0.1]/", false),
            (&["http://*:*"], "http://93.184.216.34/", true),
        ];
        for (entries, url, allowed) in cases {
            assert_eq!(list(entries).check_url(url).is_ok(), *allowed, "{entries:?} vs {url}");
        }
    }

    #[test]
    fn resolved_addresses_are_judged_by_class() {
        let l = list(&["https://crm.example.com", "http://localhost:*"]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(l.check_resolved("crm.example.com", ip("93.184.216.34")).is_ok());
        for bad in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1"] {
            let err = l.check_resolved("crm.example.com", ip(bad)).unwrap_err();
            assert!(matches!(err, Denial::SpecialAddress { .. }), "{bad}: {err}");
        }
        // `localhost` named explicitly may reach loopback, and only loopback.
        assert!(l.check_resolved("localhost", ip("127.0.0.1")).is_ok());
        assert!(l.check_resolved("localhost", ip("::1")).is_ok());
        assert!(l.check_resolved("localhost", ip("10.0.0.1")).is_err());
    }

    #[test]
    fn denial_messages_name_the_cause() {
        let l = list(&["https://crm.example.com"]);
        let err = l.check_resolved("crm.example.com", "127.0.0.1".parse().unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "crm.example.com resolves to 127.0.0.1, a loopback address, which the allow-list does not name explicitly"
        );
        let err = l.check_url("https://other.example.com/x").unwrap_err();
        assert_eq!(err.to_string(), "https://other.example.com:443 is not on the plugin's allow-list");
    }

    #[test]
    fn bad_entries_are_refused_with_a_reason() {
        for bad in ["example.com", "ftp://example.com", "https://exa*mple.com", "https://*.", "https://example.com/path", "https://example.com:99999", "https://user@example.com", "https://[::1"] {
            let err = HostPattern::parse(bad).unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }
}
