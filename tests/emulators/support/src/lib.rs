//! What the emulators under `tests/emulators/` share, written once: the
//! bounded log of answered requests tests inspect, a lock that survives a
//! panicked holder, unpredictable hex for tokens and ids, stable ids
//! derived from names, and form decoding. Each emulator keeps its own
//! vendor's rules.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use chrono::Utc;

/// A request an emulator answered.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// The raw query string, "" when there is none.
    pub query: String,
    pub status: u16,
}

/// Requests kept for tests to inspect; the older half goes when full.
pub const MAX_RECORDED_REQUESTS: usize = 20_000;

/// A test that panicked while holding a lock must not wedge the emulator.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Appends to a log of at most `max` entries, dropping the older half when
/// full: a load run must not grow an emulator without end.
pub fn push_bounded<T>(log: &mut Vec<T>, item: T, max: usize) {
    if log.len() >= max {
        log.drain(..max / 2);
    }
    log.push(item);
}

/// Unpredictable enough for tokens, codes and ids; no cryptographic claim.
pub fn random_hex(len: usize) -> String {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut out = String::with_capacity(len + 16);
    while out.len() < len {
        let seed = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64;
        let mut x = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ seed;
        // splitmix64
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
        out.push_str(&format!("{x:016x}"));
    }
    out.truncate(len);
    out
}

/// FNV-1a (64 bits) of a name: stable ids and schema ids derived from it,
/// alike in every run.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

/// Decoded `name=value` pairs of a query string or form body, in order.
pub fn parse_form(raw: &str) -> Vec<(String, String)> {
    match reqwest::Url::parse(&format!("http://q/?{raw}")) {
        Ok(url) => url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn a_bounded_log_drops_its_older_half_when_full() {
        let mut log: Vec<u32> = (0..10).collect();
        push_bounded(&mut log, 10, 10);
        assert_eq!(log, [5, 6, 7, 8, 9, 10]);
    }

    #[test]
    fn random_hex_has_the_length_asked_and_differs() {
        assert_eq!(random_hex(40).len(), 40);
        assert_ne!(random_hex(16), random_hex(16));
    }

    #[test]
    fn forms_decode_in_order() {
        assert_eq!(parse_form("a=1&b=x%2By+z"), [("a".to_string(), "1".to_string()), ("b".to_string(), "x+y z".to_string())]);
    }
}
