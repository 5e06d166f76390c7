//! The one retry policy: when a call a plugin failed is tried again. Pure.
//!
//! It is applied in one place, the sync engine's background work
//! (`sync::engine::with_retry`). The runtime does not retry (it only
//! refreshes an expired credential once and repeats the call), and request
//! handlers do not retry: someone waiting on a page gets the failure at once
//! and can try again, instead of a page that hangs for minutes.

use std::time::Duration;

/// Retries after the first attempt.
pub const MAX_RETRIES: u32 = 5;

/// The longest wait between two attempts, whatever the CRM asks.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// First wait after a transient failure; it doubles each attempt.
pub const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// A failure worth trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retryable {
    /// The CRM's rate limit, with the wait it asked for.
    RateLimited { retry_after_secs: u32 },
    /// A failure that may pass (a 5xx, a dropped connection).
    Transient,
}

/// How long to wait before retry number `attempt` (1-based), or `None`
/// when the call has been tried enough.
pub fn backoff(failure: Retryable, attempt: u32) -> Option<Duration> {
    if attempt == 0 || attempt > MAX_RETRIES {
        return None;
    }
    let wait = match failure {
        // Never zero: no hammering a CRM that said "now".
        Retryable::RateLimited { retry_after_secs } => Duration::from_secs(u64::from(retry_after_secs.max(1))),
        Retryable::Transient => FIRST_BACKOFF * (1 << (attempt - 1)),
    };
    Some(wait.min(MAX_BACKOFF))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_failures_back_off_exponentially_up_to_the_cap() {
        let waits: Vec<_> = (1..=MAX_RETRIES).map(|a| backoff(Retryable::Transient, a).unwrap()).collect();
        assert_eq!(waits.iter().map(|w| w.as_millis()).collect::<Vec<_>>(), vec![250, 500, 1000, 2000, 4000]);
        assert_eq!(backoff(Retryable::Transient, MAX_RETRIES + 1), None);
    }

    #[test]
    fn rate_limits_wait_what_the_crm_asks_within_bounds() {
        let limited = |secs| Retryable::RateLimited { retry_after_secs: secs };
        assert_eq!(backoff(limited(7), 1), Some(Duration::from_secs(7)));
        assert_eq!(backoff(limited(0), 1), Some(Duration::from_secs(1)), "no zero-delay hammering");
        assert_eq!(backoff(limited(3600), 1), Some(MAX_BACKOFF));
        assert_eq!(backoff(limited(7), MAX_RETRIES + 1), None);
    }
}
