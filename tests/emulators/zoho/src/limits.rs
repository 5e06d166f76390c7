//! API limits: credits per window, requests in flight, and 429s injected by
//! tests. Applied to authenticated `/crm/v8` requests only.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{ApiError, LimitReason};
use crate::util::lock;

pub struct Limits {
    state: Mutex<State>,
}

struct State {
    fail_next: u32,
    credits: Option<u32>,
    window: Duration,
    window_start: Instant,
    used: u32,
    concurrency: Option<u32>,
    in_flight: u32,
    /// Requests refused for the concurrency limit, ever.
    refused_in_flight: u64,
}

/// A request in flight; dropping it frees its concurrency slot.
pub struct Permit {
    limits: Arc<Limits>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut state = lock(&self.limits.state);
        state.in_flight = state.in_flight.saturating_sub(1);
    }
}

impl Limits {
    pub fn new(credits: Option<u32>, window: Duration, concurrency: Option<u32>) -> Arc<Limits> {
        Arc::new(Limits {
            state: Mutex::new(State {
                fail_next: 0,
                credits,
                window,
                window_start: Instant::now(),
                used: 0,
                concurrency,
                in_flight: 0,
                refused_in_flight: 0,
            }),
        })
    }

    pub fn admit(self: &Arc<Self>) -> Result<Permit, ApiError> {
        let mut s = lock(&self.state);
        if s.fail_next > 0 {
            s.fail_next -= 1;
            // As Zoho: a credits 429 without Retry-After.
            return Err(ApiError::TooManyRequests { reason: LimitReason::Credits, retry_after: None });
        }
        if s.concurrency.is_some_and(|max| s.in_flight >= max) {
            s.refused_in_flight += 1;
            return Err(ApiError::TooManyRequests { reason: LimitReason::Concurrency, retry_after: None });
        }
        if let Some(limit) = s.credits {
            let now = Instant::now();
            if now.duration_since(s.window_start) >= s.window {
                s.window_start = now;
                s.used = 0;
            }
            if s.used >= limit {
                let left = s.window.saturating_sub(now.duration_since(s.window_start));
                let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                return Err(ApiError::TooManyRequests { reason: LimitReason::Credits, retry_after: Some(seconds.max(1)) });
            }
            s.used += 1;
        }
        s.in_flight += 1;
        Ok(Permit { limits: Arc::clone(self) })
    }

    pub fn fail_next(&self, n: u32) {
        lock(&self.state).fail_next = n;
    }

    /// Starts a fresh window.
    pub fn set_credits(&self, per_window: Option<u32>, window: Duration) {
        let mut s = lock(&self.state);
        s.credits = per_window;
        s.window = window;
        s.window_start = Instant::now();
        s.used = 0;
    }

    pub fn set_concurrency(&self, max: Option<u32>) {
        lock(&self.state).concurrency = max;
    }

    pub fn refused_in_flight(&self) -> u64 {
        lock(&self.state).refused_in_flight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_run_out_within_a_window_and_come_back() {
        let limits = Limits::new(Some(2), Duration::from_millis(200), None);
        assert!(limits.admit().is_ok());
        assert!(limits.admit().is_ok());
        match limits.admit() {
            Err(ApiError::TooManyRequests { reason: LimitReason::Credits, retry_after: Some(1) }) => {}
            other => panic!("{:?}", other.err()),
        }
        std::thread::sleep(Duration::from_millis(220));
        assert!(limits.admit().is_ok());
    }

    #[test]
    fn concurrency_counts_permits_alive() {
        let limits = Limits::new(None, Duration::from_secs(60), Some(1));
        let first = limits.admit().unwrap();
        assert!(matches!(limits.admit(), Err(ApiError::TooManyRequests { reason: LimitReason::Concurrency, .. })));
        drop(first);
        assert!(limits.admit().is_ok());
        assert_eq!(limits.refused_in_flight(), 1);
    }

    #[test]
    fn injected_failures_come_first() {
        let limits = Limits::new(None, Duration::from_secs(60), None);
        limits.fail_next(2);
        assert!(limits.admit().is_err());
        assert!(limits.admit().is_err());
        assert!(limits.admit().is_ok());
    }
}
