//! Small shared helpers: locking, times, ids, random strings, bounded logs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};

/// Locks, ignoring poisoning: a panicking test must not wedge every later request.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Milliseconds since the epoch: the precision of every CloudCX time.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// `2026-11-21T09:30:00.000Z`.
pub fn format_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An RFC 3339 time with any offset, to milliseconds (finer digits are cut).
/// A `+` that arrived as a space (an unencoded query) is taken as `+`.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc3339(&text.replace(' ', "+")))
        .ok()
        .map(|dt| dt.timestamp_millis())
}

/// Unpredictable enough for ids and tokens; no cryptographic claim.
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

/// A new id `<prefix>_<16 hex>`: a process-wide counter first, so ids sort
/// in order of creation, then random digits.
pub fn new_id(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("{prefix}_{:08x}{}", NEXT.fetch_add(1, Ordering::Relaxed), random_hex(8))
}

/// The digits of a phone number: how phone numbers are compared.
pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Appends to a log kept for tests; the older half goes when it is full.
pub fn push_bounded<T>(log: &mut Vec<T>, item: T, max: usize) {
    if log.len() >= max {
        log.drain(..max / 2);
    }
    log.push(item);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_have_millisecond_precision_in_utc() {
        assert_eq!(format_ms(1_795_253_400_000), "2026-11-21T09:30:00.000Z");
        assert_eq!(parse_time("2026-11-21T15:00:00.123456+05:30"), Some(1_795_253_400_123));
        assert_eq!(parse_time("2026-11-21T09:30:00 00:00"), Some(1_795_253_400_000));
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn ids_sort_by_creation_and_carry_their_prefix() {
        let a = new_id("vis");
        let b = new_id("vis");
        assert!(a.starts_with("vis_") && a.len() == 20);
        assert!(a < b);
    }

    #[test]
    fn phones_compare_by_digits() {
        assert_eq!(digits("+1 (555) 017-7"), digits("+15550177"));
    }

    #[test]
    fn bounded_logs_drop_the_older_half() {
        let mut log: Vec<u32> = (0..10).collect();
        push_bounded(&mut log, 10, 10);
        assert_eq!(log, vec![5, 6, 7, 8, 9, 10]);
    }
}
