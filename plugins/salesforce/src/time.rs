//! Timestamps. Salesforce sends `2026-11-21T09:30:00.000+0000`; the
//! contract speaks RFC 3339; SOQL takes either. Parsing and writing
//! RFC 3339 are the SDK's (`deskpane_plugin_sdk::time`); this adds
//! Salesforce's own shapes.

pub use deskpane_plugin_sdk::time::{parse, parts, rfc3339, Millis};

/// A SOQL datetime literal in Salesforce's own shape, to the millisecond:
/// `2026-11-21T09:30:00.000+0000`.
pub fn soql(ms: Millis) -> String {
    let (y, mo, d, h, mi, s, milli) = parts(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}+0000")
}

/// A Salesforce datetime as RFC 3339; text that is not a datetime is
/// passed on as it is.
pub fn to_rfc3339(text: &str) -> String {
    parse(text).map(rfc3339).unwrap_or_else(|| text.to_string())
}

/// Whether `text` is a `YYYY-MM-DD` date.
pub fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10 && parse(&format!("{text}T00:00:00Z")).is_some()
}

/// A date (`YYYY-MM-DD`) or datetime as RFC 3339: dates are taken as
/// midnight UTC (a task's due date, say).
pub fn date_or_datetime(text: &str) -> Option<String> {
    if is_date(text) {
        Some(format!("{text}T00:00:00Z"))
    } else {
        parse(text).map(rfc3339)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_and_rfc3339_shapes_parse_to_the_same_instant() {
        let sf = parse("2026-11-21T09:30:00.000+0000").unwrap();
        assert_eq!(parse("2026-11-21T09:30:00Z"), Some(sf));
        assert_eq!(parse("2026-11-21T10:30:00+01:00"), Some(sf));
        assert_eq!(parse("2026-11-21T04:30:00.000-0500"), Some(sf));
        assert_eq!(parse("2026-11-21T09:30:00.123456Z"), Some(sf + 123));
        assert_eq!(parse("2026-11-21T09:30:00.5Z"), Some(sf + 500));
        assert_eq!(rfc3339(sf), "2026-11-21T09:30:00Z");
        assert_eq!(rfc3339(sf + 7), "2026-11-21T09:30:00.007Z");
        assert_eq!(soql(sf + 7), "2026-11-21T09:30:00.007+0000");
        assert_eq!(to_rfc3339("2026-11-21T09:30:00.000+0000"), "2026-11-21T09:30:00Z");
    }

    #[test]
    fn epoch_and_calendar_edges() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_253_400_000), "2026-11-21T09:30:00Z");
        assert_eq!(rfc3339(parse("2028-02-29T23:59:59.999Z").unwrap()), "2028-02-29T23:59:59.999Z");
        assert_eq!(rfc3339(parse("2000-03-01T00:00:00+00:00").unwrap() - 1), "2000-02-29T23:59:59.999Z");
        assert_eq!(parse("2027-02-29T00:00:00Z"), None);
        assert_eq!(parse("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse("2026-11-21"), None);
        assert_eq!(parse("2026-11-21T09:30:00+9999"), None);
        assert_eq!(parse("2026-11-21T09:30:00.Z"), None);
        assert_eq!(parse("1969-12-31T23:59:59Z"), None);
        assert_eq!(parse("２０２６-11-21T09:30:00Z"), None);
        assert!(is_date("2026-11-28"));
        assert!(!is_date("2026-11-31"));
        assert_eq!(date_or_datetime("2026-11-28").as_deref(), Some("2026-11-28T00:00:00Z"));
    }
}
