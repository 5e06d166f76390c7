//! Small shared helpers: locking, times, ids, random strings, bounded logs.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};

pub use emulator_support::{lock, push_bounded, random_hex};

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
