//! When the host retries a call the plugin failed. Pure.

use std::time::Duration;

/// Longest `retry-after` the host waits out inside one call; a longer one
/// goes back to the caller (the sync engine schedules it instead).
pub const MAX_INLINE_WAIT: Duration = Duration::from_secs(5);

/// Retries of one call after `rate-limited`.
pub const MAX_RATE_LIMIT_RETRIES: u32 = 2;

/// How long to wait before retry number `attempt` (1-based) of a call the
/// CRM rate-limited with `retry_after_secs`, or `None` to give up.
pub fn after_rate_limit(retry_after_secs: u32, attempt: u32) -> Option<Duration> {
    let wait = Duration::from_secs(u64::from(retry_after_secs.max(1)));
    (attempt <= MAX_RATE_LIMIT_RETRIES && wait <= MAX_INLINE_WAIT).then_some(wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_waits_are_retried_a_bounded_number_of_times() {
        assert_eq!(after_rate_limit(2, 1), Some(Duration::from_secs(2)));
        assert_eq!(after_rate_limit(0, 1), Some(Duration::from_secs(1)), "no zero-delay hammering");
        assert_eq!(after_rate_limit(2, 2), Some(Duration::from_secs(2)));
        assert_eq!(after_rate_limit(2, 3), None);
        assert_eq!(after_rate_limit(60, 1), None, "a long wait is the caller's to schedule");
    }
}
