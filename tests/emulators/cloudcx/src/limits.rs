//! The per-minute request limit, counted per tenant in fixed windows of a
//! minute that start with the tenant's first request.

use std::collections::HashMap;
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(60);

pub struct Limiter {
    per_minute: Option<u32>,
    window: Duration,
    /// tenant id -> (window start, requests admitted in it)
    windows: HashMap<String, (Instant, u32)>,
}

impl Limiter {
    pub fn new(per_minute: Option<u32>, window: Duration) -> Limiter {
        Limiter { per_minute, window, windows: HashMap::new() }
    }

    /// Counts a request of the tenant, or answers the seconds until its window ends.
    pub fn admit(&mut self, tenant: &str) -> Result<(), u64> {
        let Some(limit) = self.per_minute else { return Ok(()) };
        let now = Instant::now();
        let (start, used) = self.windows.entry(tenant.to_string()).or_insert((now, 0));
        if now.duration_since(*start) >= self.window {
            (*start, *used) = (now, 0);
        }
        if *used >= limit {
            let left = self.window.saturating_sub(now.duration_since(*start));
            let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            return Err(seconds.max(1));
        }
        *used += 1;
        Ok(())
    }

    /// Changes the limit and starts fresh windows.
    pub fn set(&mut self, per_minute: Option<u32>) {
        self.per_minute = per_minute;
        self.windows.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tenant_has_its_own_window() {
        let mut limiter = Limiter::new(Some(2), Duration::from_millis(200));
        assert!(limiter.admit("a").is_ok());
        assert!(limiter.admit("a").is_ok());
        assert_eq!(limiter.admit("a"), Err(1));
        assert!(limiter.admit("b").is_ok());
        std::thread::sleep(Duration::from_millis(220));
        assert!(limiter.admit("a").is_ok());
    }

    #[test]
    fn no_limit_admits_everything() {
        let mut limiter = Limiter::new(None, WINDOW);
        assert!((0..1000).all(|_| limiter.admit("a").is_ok()));
        limiter.set(Some(1));
        assert!(limiter.admit("a").is_ok());
        assert_eq!(limiter.admit("a"), Err(60));
    }
}
