//! Date-times for plugins, which have no clock and no date library in the
//! sandbox: RFC 3339 / ISO 8601 text to milliseconds since the epoch, so
//! times written in different offsets compare as the instants they are
//! (`2025-12-01T01:00:00+05:30` is before `2025-11-30T20:00:00Z`), and
//! back to RFC 3339 in UTC, with the civil-calendar arithmetic of H. Hinnant.

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

/// Latest instant accepted: 9999-12-31T23:59:59.999Z.
const MAX_MILLIS: Millis = 253_402_300_799_999;

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM|±HHMM]` (RFC 3339's shape and
/// the CRMs' variants: `T`, `t` or a space, any number of fraction digits,
/// beyond milliseconds ignored, no offset meaning UTC) to milliseconds.
/// `None` for anything else.
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

/// Year, month, day, hour, minute, second and millisecond of an instant,
/// in UTC.
pub fn parts(ms: Millis) -> (i64, i64, i64, i64, i64, i64, i64) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_any_offset_are_the_same_instant_as_in_utc() {
        let utc = parse("2025-11-30T19:30:00Z").unwrap();
        assert_eq!(parse("2025-12-01T01:00:00+05:30"), Some(utc));
        assert_eq!(parse("2025-11-30T14:30:00-05:00"), Some(utc));
        assert_eq!(parse("2025-11-30T19:30:00+00:00"), Some(utc));
        assert_eq!(parse("2025-11-30T19:30:00.000+0000"), Some(utc), "Salesforce's shape");
        assert_eq!(parse("2025-11-30t19:30:00z"), Some(utc));
        assert_eq!(parse("2025-11-30 19:30:00"), Some(utc), "no offset: UTC");
        assert_eq!(parse("2025-11-30T19:30:00.25Z"), Some(utc + 250));
        assert_eq!(parse("2025-11-30T19:30:00.123456789Z"), Some(utc + 123));
    }

    #[test]
    fn instants_count_from_the_unix_epoch_across_leap_years() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("2000-03-01T00:00:00Z"), Some(951_868_800_000));
        assert_eq!(parse("2024-02-29T12:00:00Z"), Some(1_709_208_000_000));
        assert_eq!(parse("2026-11-21T15:00:00+05:30"), Some(1_795_253_400_000));
        assert_eq!(parse("9999-12-31T23:59:59.999Z"), Some(MAX_MILLIS));
    }

    #[test]
    fn instants_are_written_back_in_utc() {
        assert_eq!(rfc3339(parse("2025-12-01T01:00:00+05:30").unwrap()), "2025-11-30T19:30:00Z");
        assert_eq!(rfc3339(parse("2025-11-30T19:30:00.250Z").unwrap()), "2025-11-30T19:30:00.250Z");
        assert_eq!(parts(0), (1970, 1, 1, 0, 0, 0, 0));
    }

    #[test]
    fn what_is_not_a_date_time_is_refused() {
        for bad in [
            "",
            "yesterday",
            "2025-11-30",
            "2025-11-30T19:30Z",
            "2025-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2025-11-31T00:00:00Z",
            "2025-11-30T24:00:00Z",
            "2025-11-30T19:30:00+5:30",
            "2025-11-30T19:30:00+05:30:00",
            "2025-11-30T19:30:00.Z",
            "2025-11-30T19:30:00Zjunk",
            "1969-12-31T23:59:59Z",
            "Sun, 30 Nov 2025 19:30:00 GMT",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
