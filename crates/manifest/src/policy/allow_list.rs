//! Which outbound requests a plugin may make. Pure: no I/O, no wasmtime.
//!
//! An entry is `scheme://host[:port]`:
//! - scheme is `http` or `https`;
//! - host is a DNS name, `*.suffix` (one or more labels before `suffix`),
//!   `*` (any host), `localhost`, or an IP literal (`127.0.0.1`, `[::1]`);
//! - port is a number or `*`; without one, the scheme's default port.
//!
//! An entry grants exactly its scheme, host and port, nothing else.
//!
//! Two checks guard every request. [`AllowList::check_url`] runs before the
//! request; [`AllowList::check_resolved`] runs on every address the host
//! name resolved to, so a public-looking name that resolves to a private
//! address is refused (DNS rebinding). Loopback, private, link-local and
//! other special addresses pass only when an entry for the request's own
//! scheme and port names them: an IP-literal entry for that very address,
//! or `localhost` for a request to `localhost` reaching loopback. So
//! `http://127.0.0.1:8090` grants port 8090 of loopback and no other port,
//! whatever wildcard entries stand beside it. IPv6 forms that carry an IPv4
//! address (mapped, compatible, NAT64, 6to4) are judged as that address.

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
#[error(
    "allowed host `{entry}` is not valid: {reason}; write it as scheme://host[:port], e.g. https://*.example.com or http://127.0.0.1:8080"
)]
pub struct PatternError {
    pub entry: String,
    pub reason: String,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    #[error("`{0}` is not a valid absolute URL")]
    BadUrl(String),
    #[error("{0} carries a user name or password; send credentials by naming a credential, not in the URL")]
    UserInfo(String),
    #[error("scheme `{0}` is not allowed; only http and https are")]
    Scheme(String),
    #[error("{url} is not on the plugin's allow-list")]
    NotListed { url: String },
    #[error("{host} resolves to {addr}, a {class} address, which the allow-list does not name explicitly")]
    SpecialAddress { host: String, addr: IpAddr, class: &'static str },
}

impl HostPattern {
    pub fn parse(entry: &str) -> Result<Self, PatternError> {
        let err = |reason: &str| PatternError { entry: entry.to_string(), reason: reason.to_string() };
        let (scheme, rest) = entry.split_once("://").ok_or_else(|| err("it has no scheme"))?;
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
        Ok(HostPattern { scheme, host, port, source: entry.to_string() })
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

    /// Whether this entry names `addr` explicitly for a request to `host`
    /// on this scheme and port, so that a special (loopback, private...)
    /// address is acceptable there.
    fn names_explicitly(&self, scheme: Scheme, host: &str, port: u16, addr: IpAddr) -> bool {
        if self.scheme != scheme || !matches!(self.port, PortMatch::Any) && self.port != PortMatch::Exact(port) {
            return false;
        }
        match &self.host {
            HostMatch::Ip(ip) => canonical(*ip) == canonical(addr),
            HostMatch::Exact(h) => h == "localhost" && host == "localhost" && canonical(addr).is_loopback(),
            _ => false,
        }
    }

    /// Whether the entry lets any host through (`*`): refused in manifests,
    /// where a plugin must name what it reaches.
    pub fn is_any_host(&self) -> bool {
        self.host == HostMatch::Any
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
        let entries = entries.iter().map(|e| HostPattern::parse(e.as_ref())).collect::<Result<_, _>>()?;
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
        let scheme = parse_scheme(url.scheme())?;
        let host = url.host_str().ok_or_else(|| Denial::BadUrl(raw.to_string()))?.to_ascii_lowercase();
        let port = url.port_or_known_default().ok_or_else(|| Denial::BadUrl(raw.to_string()))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Denial::UserInfo(format!("{}://{}:{}", url.scheme(), host, port)));
        }
        if !self.entries.iter().any(|e| e.matches(scheme, &host, port)) {
            return Err(Denial::NotListed { url: format!("{}://{}:{}", url.scheme(), host, port) });
        }
        if let Some(ip) = parse_ip(&host) {
            self.check_resolved(url.scheme(), &host, port, ip)?;
        }
        Ok(url)
    }

    /// The check after DNS resolution, for each address `host` resolved to
    /// for a request with this scheme and port.
    pub fn check_resolved(&self, scheme: &str, host: &str, port: u16, addr: IpAddr) -> Result<(), Denial> {
        let scheme = parse_scheme(scheme)?;
        match special_class(addr) {
            None => Ok(()),
            Some(class) => {
                let host = host.to_ascii_lowercase();
                if self.entries.iter().any(|e| e.names_explicitly(scheme, &host, port, addr)) {
                    Ok(())
                } else {
                    Err(Denial::SpecialAddress { host, addr, class })
                }
            }
        }
    }
}

fn parse_scheme(scheme: &str) -> Result<Scheme, Denial> {
    match scheme {
        "http" => Ok(Scheme::Http),
        "https" => Ok(Scheme::Https),
        other => Err(Denial::Scheme(other.to_string())),
    }
}

/// IPv6 addresses that carry an IPv4 address are judged as that address:
/// IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64
/// (`64:ff9b::a.b.c.d`) and 6to4 (`2002:aabb:ccdd::`).
fn canonical(addr: IpAddr) -> IpAddr {
    let IpAddr::V6(v6) = addr else { return addr };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return IpAddr::V4(v4);
    }
    let s = v6.segments();
    let embedded = |hi: u16, lo: u16| IpAddr::V4(std::net::Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    match s {
        // `::` and `::1` are themselves, not IPv4-compatible addresses.
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 => embedded(hi, lo),
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => embedded(hi, lo),
        [0x2002, hi, lo, ..] => embedded(hi, lo),
        _ => addr,
    }
}

/// The kind of non-public address, or `None` for a public one.
pub fn special_class(addr: IpAddr) -> Option<&'static str> {
    match canonical(addr) {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
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
            } else if v4.is_multicast()
                || a >= 240
                // Protocol assignments, documentation, benchmarking.
                || matches!((a, b, c), (192, 0, 0) | (192, 0, 2) | (198, 51, 100) | (203, 0, 113))
                || (a == 198 && (b == 18 || b == 19))
            {
                Some("reserved")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if v6.is_unique_local() || (s[0] & 0xffc0) == 0xfec0 || (s[0], s[1], s[2]) == (0x64, 0xff9b, 1) {
                // Unique local, the old site-local, local-use NAT64.
                Some("private")
            } else if v6.is_unicast_link_local() {
                Some("link-local")
            } else if v6.is_multicast() {
                Some("reserved")
            } else if (s[0], s[1]) == (0x2001, 0xdb8) || (s[0], s[1]) == (0x2001, 0) || (s[0], s[1], s[2], s[3]) == (0x100, 0, 0, 0) {
                // Documentation, Teredo (a tunnel to anywhere), discard-only.
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
        assert!(l.check_resolved("https", "crm.example.com", 443, ip("93.184.216.34")).is_ok());
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "fec0::1",
            "2001:db8::1",
            "192.0.2.1",
        ] {
            let err = l.check_resolved("https", "crm.example.com", 443, ip(bad)).unwrap_err();
            assert!(matches!(err, Denial::SpecialAddress { .. }), "{bad}: {err}");
        }
        // NAT64 of a public address is public.
        assert!(l.check_resolved("https", "crm.example.com", 443, ip("64:ff9b::5db8:d822")).is_ok());
        // `localhost` named explicitly may reach loopback, and only loopback.
        assert!(l.check_resolved("http", "localhost", 80, ip("127.0.0.1")).is_ok());
        assert!(l.check_resolved("http", "localhost", 80, ip("::1")).is_ok());
        assert!(l.check_resolved("http", "localhost", 80, ip("10.0.0.1")).is_err());
        assert!(l.check_resolved("https", "localhost", 443, ip("127.0.0.1")).is_err(), "the entry is for http only");
    }

    #[test]
    fn an_entry_for_a_special_address_grants_only_its_own_scheme_and_port() {
        let l = list(&["http://*:*", "http://127.0.0.1:18101", "http://localhost:18101"]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(l.check_url("http://127.0.0.1:18101/").is_ok());
        assert!(l.check_url("http://127.0.0.1:18102/").is_err(), "another port of the same address");
        assert!(l.check_url("https://127.0.0.1:18101/").is_err(), "another scheme");
        assert!(l.check_resolved("http", "localhost", 18101, ip("127.0.0.1")).is_ok());
        assert!(l.check_resolved("http", "localhost", 18102, ip("127.0.0.1")).is_err());
        // A wildcard host that resolves to loopback gets no more than the
        // explicit entry grants.
        assert!(l.check_resolved("http", "rebind.example", 18101, ip("127.0.0.1")).is_ok());
        assert!(l.check_resolved("http", "rebind.example", 18102, ip("127.0.0.1")).is_err());
        // `localhost.` is not `localhost`.
        assert!(l.check_resolved("http", "localhost.", 18101, ip("127.0.0.1")).is_ok(), "the IP entry names 127.0.0.1 on 18101");
        assert!(list(&["http://*:*", "http://localhost:18101"]).check_resolved("http", "localhost.", 18101, ip("127.0.0.1")).is_err());
    }

    #[test]
    fn ssrf_spellings_of_special_addresses_are_refused() {
        let l = list(&["http://*:*", "https://*:*"]);
        for url in [
            "http://127.1/",
            "http://0177.0.0.1/",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://0/",
            "http://0.0.0.0/",
            "http://[::]/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::7f00:1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://[fe80::1%25eth0]/",
            "http://evil.example@127.0.0.1/",
            "http://127.0.0.1:80@evil.example/",
            "http://user:pw@crm.example/",
            "https://[2002:7f00:1::]/",
        ] {
            assert!(l.check_url(url).is_err(), "{url} must be refused");
        }
        assert!(l.check_url("http://93.184.216.34/").is_ok());
    }

    #[test]
    fn denial_messages_name_the_cause() {
        let l = list(&["https://crm.example.com"]);
        let err = l.check_resolved("https", "crm.example.com", 443, "127.0.0.1".parse().unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "crm.example.com resolves to 127.0.0.1, a loopback address, which the allow-list does not name explicitly"
        );
        let err = l.check_url("https://other.example.com/x").unwrap_err();
        assert_eq!(err.to_string(), "https://other.example.com:443 is not on the plugin's allow-list");
    }

    #[test]
    fn bad_entries_are_refused_with_a_reason() {
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://exa*mple.com",
            "https://*.",
            "https://example.com/path",
            "https://example.com:99999",
            "https://user@example.com",
            "https://[::1",
        ] {
            let err = HostPattern::parse(bad).unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }
}
