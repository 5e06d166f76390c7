//! Timestamps. Salesforce sends `2026-11-21T09:30:00.000+0000`; the
//! contract speaks RFC 3339; SOQL takes either. The sandbox has no clock
//! and the plugin no date library, so this converts through milliseconds
//! since the epoch with the civil-calendar arithmetic of H. Hinnant.

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

/// Latest instant accepted: 9999-12-31T23:59:59.999Z.
const MAX_MILLIS: Millis = 253_402_300_799_999;

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM|±HHMM]` (Salesforce's and
/// RFC 3339's shapes; `T` or a space, any number of fraction digits, no
/// offset meaning UTC) to milliseconds. `None` for anything else.
pub fn parse(text: &str) -> Option<Millis> {
    let b = text.trim().as_bytes();
    if b.len() < 19 || b.len() > 40 {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(digits.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        // Milliseconds: the first three digits, padded.
        for k in 0..3 {
            millis = millis * 10 + b.get(start + k).filter(|_| start + k < i).map_or(0, |d| i64::from(d - b'0'));
        }
    }
    let offset_minutes = match &b[i..] {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => (two(*h1, *h2)?, two(*m1, *m2)?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = h * 60 + m;
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    let ms = secs * 1_000 + millis;
    (0..=MAX_MILLIS).contains(&ms).then_some(ms)
}

fn two(a: u8, b: u8) -> Option<i64> {
    (a.is_ascii_digit() && b.is_ascii_digit()).then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn parts(ms: Millis) -> (i64, i64, i64, i64, i64, i64, i64) {
    let ms = ms.clamp(0, MAX_MILLIS);
    let (days, rest) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, mo, d) = civil_from_days(days);
    (y, mo, d, rest / 3_600_000, rest / 60_000 % 60, rest / 1_000 % 60, rest % 1_000)
}

/// RFC 3339 in UTC: `2026-11-21T09:30:00Z`, with milliseconds when there are any.
pub fn rfc3339(ms: Millis) -> String {
    let (y, mo, d, h, mi, s, milli) = parts(ms);
    if milli == 0 {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
    }
}

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
