//! Resource limits of one plugin. Pure: the runtime and the outbound HTTP
//! client enforce what this module decides.

use std::time::Duration;

use serde::Deserialize;

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

    /// What a plugin gets: its request where given, the defaults otherwise,
    /// never more than `ceiling`.
    pub fn grant(requested: &LimitRequest, ceiling: &Limits) -> Limits {
        let d = Limits::default();
        let ms = |v: Option<u64>, default: Duration, max: Duration| {
            v.map(Duration::from_millis).unwrap_or(default).min(max)
        };
        Limits {
            memory_bytes: requested
                .memory_mib
                .map(|m| m << 20)
                .unwrap_or(d.memory_bytes)
                .min(ceiling.memory_bytes),
            cpu: ms(requested.cpu_ms, d.cpu, ceiling.cpu),
            call_timeout: ms(requested.call_timeout_ms, d.call_timeout, ceiling.call_timeout),
            max_concurrency: requested
                .max_concurrency
                .unwrap_or(d.max_concurrency)
                .clamp(1, ceiling.max_concurrency),
            queue_timeout: ms(requested.queue_timeout_ms, d.queue_timeout, ceiling.queue_timeout),
            response_bytes: requested
                .response_bytes
                .unwrap_or(d.response_bytes)
                .min(ceiling.response_bytes),
            connect_timeout: ms(requested.connect_timeout_ms, d.connect_timeout, ceiling.connect_timeout),
            http_timeout: ms(requested.http_timeout_ms, d.http_timeout, ceiling.http_timeout),
        }
    }
}

/// Limits as a manifest (or an admin override) asks for them; unset
/// fields take the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
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

impl LimitRequest {
    /// `other`'s fields where set, ours otherwise: an admin's override on
    /// top of the manifest.
    pub fn overridden_by(&self, other: &LimitRequest) -> LimitRequest {
        LimitRequest {
            memory_mib: other.memory_mib.or(self.memory_mib),
            cpu_ms: other.cpu_ms.or(self.cpu_ms),
            call_timeout_ms: other.call_timeout_ms.or(self.call_timeout_ms),
            max_concurrency: other.max_concurrency.or(self.max_concurrency),
            queue_timeout_ms: other.queue_timeout_ms.or(self.queue_timeout_ms),
            response_bytes: other.response_bytes.or(self.response_bytes),
            connect_timeout_ms: other.connect_timeout_ms.or(self.connect_timeout_ms),
            http_timeout_ms: other.http_timeout_ms.or(self.http_timeout_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_granted_up_to_the_ceiling() {
        let ceiling = Limits::ceiling();
        let granted = Limits::grant(
            &LimitRequest {
                memory_mib: Some(100_000),
                cpu_ms: Some(500),
                max_concurrency: Some(0),
                ..Default::default()
            },
            &ceiling,
        );
        assert_eq!(granted.memory_bytes, ceiling.memory_bytes);
        assert_eq!(granted.cpu, Duration::from_millis(500));
        assert_eq!(granted.max_concurrency, 1, "at least one instance may run");
        assert_eq!(granted.call_timeout, Limits::default().call_timeout);
    }

    #[test]
    fn an_override_wins_field_by_field() {
        let manifest = LimitRequest { cpu_ms: Some(100), memory_mib: Some(32), ..Default::default() };
        let admin = LimitRequest { cpu_ms: Some(900), ..Default::default() };
        let merged = manifest.overridden_by(&admin);
        assert_eq!(merged.cpu_ms, Some(900));
        assert_eq!(merged.memory_mib, Some(32));
    }
}
