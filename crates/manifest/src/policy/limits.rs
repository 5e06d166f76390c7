//! Resource limits of one plugin. Pure: the runtime and the outbound HTTP
//! client enforce what this module decides.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The limits a plugin runs under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Linear memory one instance may grow to.
    pub memory_bytes: u64,
    /// Time the plugin may spend running its own code in one call
    /// (time spent waiting on host calls does not count).
    pub cpu: Duration,
    /// Wall-clock bound on one whole call, host calls included.
    pub call_timeout: Duration,
    /// Instances of this plugin running at once; further calls wait.
    pub max_concurrency: u32,
    /// How long a call waits for a free slot before giving up.
    pub queue_timeout: Duration,
    /// Largest HTTP response body the plugin may receive.
    pub response_bytes: u64,
    /// Connecting to a CRM.
    pub connect_timeout: Duration,
    /// One whole HTTP exchange.
    pub http_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 << 20,
            cpu: Duration::from_secs(2),
            call_timeout: Duration::from_secs(20),
            max_concurrency: 4,
            queue_timeout: Duration::from_secs(30),
            response_bytes: 8 << 20,
            connect_timeout: Duration::from_secs(5),
            http_timeout: Duration::from_secs(15),
        }
    }
}

impl Limits {
    /// The most the host grants any plugin, whatever its manifest asks.
    pub fn ceiling() -> Self {
        Limits {
            memory_bytes: 512 << 20,
            cpu: Duration::from_secs(30),
            call_timeout: Duration::from_secs(120),
            max_concurrency: 64,
            queue_timeout: Duration::from_secs(120),
            response_bytes: 64 << 20,
            connect_timeout: Duration::from_secs(30),
            http_timeout: Duration::from_secs(60),
        }
    }

    /// What a plugin gets. Each limit is what the manifest asks, or the
    /// default when it asks nothing; a request above the default is granted
    /// only as far as an admin `approved` it, and never past `ceiling`. So
    /// a manifest cannot give itself more than the defaults unseen.
    pub fn grant(requested: &LimitRequest, approved: &LimitRequest, ceiling: &Limits) -> Limits {
        let d = Limits::default();
        let pick = |asked: Option<u64>, ok: Option<u64>, default: u64, max: u64| {
            let allowed = ok.map_or(default, |a| a.max(default)).min(max);
            asked.unwrap_or(default).min(allowed)
        };
        let ms = |asked: Option<u64>, ok: Option<u64>, default: Duration, max: Duration| {
            Duration::from_millis(pick(asked, ok, millis(default), millis(max)))
        };
        Limits {
            memory_bytes: pick(
                requested.memory_mib.map(|m| m << 20),
                approved.memory_mib.map(|m| m << 20),
                d.memory_bytes,
                ceiling.memory_bytes,
            ),
            cpu: ms(requested.cpu_ms, approved.cpu_ms, d.cpu, ceiling.cpu),
            call_timeout: ms(requested.call_timeout_ms, approved.call_timeout_ms, d.call_timeout, ceiling.call_timeout),
            max_concurrency: pick(
                requested.max_concurrency.map(u64::from),
                approved.max_concurrency.map(u64::from),
                u64::from(d.max_concurrency),
                u64::from(ceiling.max_concurrency),
            )
            .max(1) as u32,
            queue_timeout: ms(requested.queue_timeout_ms, approved.queue_timeout_ms, d.queue_timeout, ceiling.queue_timeout),
            response_bytes: pick(requested.response_bytes, approved.response_bytes, d.response_bytes, ceiling.response_bytes),
            connect_timeout: ms(requested.connect_timeout_ms, approved.connect_timeout_ms, d.connect_timeout, ceiling.connect_timeout),
            http_timeout: ms(requested.http_timeout_ms, approved.http_timeout_ms, d.http_timeout, ceiling.http_timeout),
        }
    }

    /// These limits with the calls at once an admin set for the plugin,
    /// when they did, in place of what the manifest asks (above the default
    /// too: it is the CRM account's allowance, which the admin knows and the
    /// plugin's author cannot, e.g. 10 to 25 by Zoho CRM edition), within
    /// the `ceiling`.
    pub fn with_concurrency(mut self, set: Option<u32>, ceiling: &Limits) -> Limits {
        if let Some(n) = set {
            self.max_concurrency = n.clamp(1, ceiling.max_concurrency);
        }
        self
    }

    /// The limits a manifest asks for above the defaults, as `name: value`
    /// lines for the admin who must approve them.
    pub fn above_defaults(requested: &LimitRequest) -> Vec<String> {
        let g = Limits::grant(requested, requested, &Limits::ceiling());
        let d = Limits::default();
        let mut out = Vec::new();
        if g.memory_bytes > d.memory_bytes {
            out.push(format!("memory {} MiB (default {})", g.memory_bytes >> 20, d.memory_bytes >> 20));
        }
        for (name, got, default) in [
            ("CPU per call", g.cpu, d.cpu),
            ("call timeout", g.call_timeout, d.call_timeout),
            ("queue timeout", g.queue_timeout, d.queue_timeout),
            ("connect timeout", g.connect_timeout, d.connect_timeout),
            ("HTTP timeout", g.http_timeout, d.http_timeout),
        ] {
            if got > default {
                out.push(format!("{name} {} ms (default {})", got.as_millis(), default.as_millis()));
            }
        }
        if g.max_concurrency > d.max_concurrency {
            out.push(format!("{} concurrent calls (default {})", g.max_concurrency, d.max_concurrency));
        }
        if g.response_bytes > d.response_bytes {
            out.push(format!("responses up to {} bytes (default {})", g.response_bytes, d.response_bytes));
        }
        out
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Limits as a manifest (or an admin override) asks for them; unset
/// fields take the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct LimitRequest {
    pub memory_mib: Option<u64>,
    pub cpu_ms: Option<u64>,
    pub call_timeout_ms: Option<u64>,
    pub max_concurrency: Option<u32>,
    pub queue_timeout_ms: Option<u64>,
    pub response_bytes: Option<u64>,
    pub connect_timeout_ms: Option<u64>,
    pub http_timeout_ms: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_gets_at_most_the_defaults_until_an_admin_approves() {
        let asked = LimitRequest { memory_mib: Some(100_000), cpu_ms: Some(500), max_concurrency: Some(64), ..Default::default() };
        let d = Limits::default();
        let unapproved = Limits::grant(&asked, &LimitRequest::default(), &Limits::ceiling());
        assert_eq!(unapproved.memory_bytes, d.memory_bytes);
        assert_eq!(unapproved.max_concurrency, d.max_concurrency);
        assert_eq!(unapproved.cpu, Duration::from_millis(500), "asking for less than the default needs no approval");
        let approved = Limits::grant(&asked, &asked, &Limits::ceiling());
        assert_eq!(approved.memory_bytes, Limits::ceiling().memory_bytes, "never past the host's ceiling");
        assert_eq!(approved.max_concurrency, 64);
        let partly = Limits::grant(&asked, &LimitRequest { memory_mib: Some(128), ..Default::default() }, &Limits::ceiling());
        assert_eq!(partly.memory_bytes, 128 << 20);
        assert_eq!(partly.max_concurrency, d.max_concurrency);
    }

    #[test]
    fn calls_at_once_set_by_an_admin_replace_the_manifests_within_the_ceiling() {
        let asked = LimitRequest { max_concurrency: Some(8), ..Default::default() };
        let granted = Limits::grant(&asked, &asked, &Limits::ceiling());
        assert_eq!(granted.clone().with_concurrency(None, &Limits::ceiling()).max_concurrency, 8);
        assert_eq!(granted.clone().with_concurrency(Some(20), &Limits::ceiling()).max_concurrency, 20, "above the ask");
        assert_eq!(granted.clone().with_concurrency(Some(2), &Limits::ceiling()).max_concurrency, 2, "below it");
        assert_eq!(granted.clone().with_concurrency(Some(1000), &Limits::ceiling()).max_concurrency, 64, "never past the ceiling");
        assert_eq!(granted.with_concurrency(Some(0), &Limits::ceiling()).max_concurrency, 1);
    }

    #[test]
    fn zero_concurrency_still_runs_one_instance() {
        let asked = LimitRequest { max_concurrency: Some(0), ..Default::default() };
        assert_eq!(Limits::grant(&asked, &asked, &Limits::ceiling()).max_concurrency, 1);
    }

    #[test]
    fn requests_above_defaults_are_listed_for_approval() {
        assert!(Limits::above_defaults(&LimitRequest { cpu_ms: Some(100), ..Default::default() }).is_empty());
        let listed = Limits::above_defaults(&LimitRequest { memory_mib: Some(512), max_concurrency: Some(64), ..Default::default() });
        assert_eq!(listed, vec!["memory 512 MiB (default 64)".to_string(), "64 concurrent calls (default 4)".to_string()]);
    }
}
