//! Sign-in throttling: how long a key (an account, a client address) must
//! wait after failed attempts. Pure: the caller passes the time in.
//!
//! A key may fail `free` times; each further failure doubles the wait
//! before the next attempt, from one second up to `max_wait`. A success
//! clears the key; a key left alone for `forget_after` starts over. The
//! table holds at most `capacity` keys: when full, the key seen longest
//! ago gives way, so no request can grow it without bound.

use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct ThrottleRule {
    pub free: u32,
    pub max_wait: Duration,
    pub forget_after: Duration,
    pub capacity: usize,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
}

#[derive(Debug)]
pub struct Throttle {
    rule: ThrottleRule,
    entries: HashMap<String, Entry>,
}

impl Throttle {
    pub fn new(rule: ThrottleRule) -> Self {
        Throttle { rule, entries: HashMap::new() }
    }

    /// `Err(wait)` while `key` must still wait before trying again.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let Some(e) = self.entries.get(key) else { return Ok(()) };
        let since = now.saturating_duration_since(e.last);
        if since >= self.rule.forget_after {
            return Ok(());
        }
        let wait = self.wait_after(e.failures);
        if since < wait {
            Err(wait - since)
        } else {
            Ok(())
        }
    }

    /// Records a failed attempt of `key`.
    pub fn fail(&mut self, key: &str, now: Instant) {
        let forget = self.rule.forget_after;
        if !self.entries.contains_key(key) && self.entries.len() >= self.rule.capacity {
            self.entries.retain(|_, e| now.saturating_duration_since(e.last) < forget);
            if self.entries.len() >= self.rule.capacity {
                if let Some(oldest) = self.entries.iter().min_by_key(|(_, e)| e.last).map(|(k, _)| k.clone()) {
                    self.entries.remove(&oldest);
                }
            }
        }
        let e = self.entries.entry(key.to_string()).or_insert(Entry { failures: 0, last: now });
        if now.saturating_duration_since(e.last) >= forget {
            e.failures = 0;
        }
        e.failures = e.failures.saturating_add(1);
        e.last = now;
    }

    /// Clears `key` after a successful attempt.
    pub fn succeed(&mut self, key: &str) {
        self.entries.remove(key);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn wait_after(&self, failures: u32) -> Duration {
        if failures < self.rule.free {
            return Duration::ZERO;
        }
        let doublings = (failures - self.rule.free).min(20);
        Duration::from_secs(1u64 << doublings).min(self.rule.max_wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> ThrottleRule {
        ThrottleRule { free: 3, max_wait: Duration::from_secs(60), forget_after: Duration::from_secs(900), capacity: 4 }
    }

    #[test]
    fn free_failures_then_doubling_waits_up_to_the_maximum() {
        let mut t = Throttle::new(rule());
        let t0 = Instant::now();
        for _ in 0..2 {
            t.fail("a", t0);
            assert!(t.check("a", t0).is_ok());
        }
        t.fail("a", t0);
        assert_eq!(t.check("a", t0), Err(Duration::from_secs(1)));
        assert!(t.check("a", t0 + Duration::from_secs(1)).is_ok());
        t.fail("a", t0);
        assert_eq!(t.check("a", t0), Err(Duration::from_secs(2)));
        for _ in 0..30 {
            t.fail("a", t0);
        }
        assert_eq!(t.check("a", t0), Err(Duration::from_secs(60)));
        assert!(t.check("b", t0).is_ok(), "other keys are not affected");
    }

    #[test]
    fn success_clears_and_silence_forgets() {
        let mut t = Throttle::new(rule());
        let t0 = Instant::now();
        for _ in 0..5 {
            t.fail("a", t0);
        }
        assert!(t.check("a", t0).is_err());
        assert!(t.check("a", t0 + Duration::from_secs(900)).is_ok());
        t.fail("a", t0 + Duration::from_secs(901));
        assert!(t.check("a", t0 + Duration::from_secs(901)).is_ok(), "counting started over");
        t.succeed("a");
        assert!(t.is_empty());
    }

    #[test]
    fn the_table_never_grows_past_its_capacity() {
        let mut t = Throttle::new(rule());
        let t0 = Instant::now();
        for i in 0..100 {
            t.fail(&format!("k{i}"), t0 + Duration::from_millis(i));
        }
        assert_eq!(t.len(), 4);
    }
}
