//! Small shared helpers: locking, time formats, random strings, queries.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};

pub use emulator_support::{lock, parse_form, push_bounded, random_hex};

/// Seconds since the epoch; Zoho's times have second precision.
pub fn now_ts() -> i64 {
    Utc::now().timestamp()
}

/// `2026-11-21T09:30:00+00:00`.
pub fn format_ts(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0).unwrap_or_default().to_rfc3339_opts(SecondsFormat::Secs, false)
}

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// An ISO 8601 date-time with offset, normalised to second precision and
/// keeping the given offset.
pub fn parse_datetime(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text.trim()).ok()
}

pub fn format_datetime(dt: &DateTime<FixedOffset>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// `If-Modified-Since` takes ISO 8601 or an HTTP date.
pub fn parse_http_or_iso(text: &str) -> Option<i64> {
    let text = text.trim();
    parse_datetime(text).or_else(|| DateTime::parse_from_rfc2822(text).ok()).map(|dt| dt.timestamp())
}

/// Orders 19-digit ids numerically, and any other string after them.
pub fn cmp_ids(a: &str, b: &str) -> std::cmp::Ordering {
    (a.len(), a).cmp(&(b.len(), b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_have_second_precision_and_offset() {
        assert_eq!(format_ts(1_795_253_400), "2026-11-21T09:30:00+00:00");
        let dt = parse_datetime("2026-11-21T15:00:00.123+05:30").unwrap();
        assert_eq!(format_datetime(&dt), "2026-11-21T15:00:00+05:30");
        assert_eq!(parse_http_or_iso("Sat, 21 Nov 2026 09:30:00 GMT"), Some(1_795_253_400));
        assert_eq!(parse_http_or_iso("2026-11-21T15:00:00+05:30"), Some(1_795_253_400));
        assert_eq!(parse_http_or_iso("yesterday"), None);
    }

    #[test]
    fn random_hex_differs() {
        let a = random_hex(32);
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_hex(32));
    }

    #[test]
    fn forms_decode() {
        assert_eq!(
            parse_form("a=1&criteria=(Email%3Aequals%3Ax%2By)&b=two+words"),
            vec![("a".into(), "1".into()), ("criteria".into(), "(Email:equals:x+y)".into()), ("b".into(), "two words".into())]
        );
    }
}
