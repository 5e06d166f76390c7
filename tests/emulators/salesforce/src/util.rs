//! Small shared helpers: locking, Salesforce's time format, ids with their
//! case-safe suffix, random strings, forms and the HMAC that signs tokens.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};

pub use emulator_support::{lock, parse_form, push_bounded, random_hex};

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// `2026-11-21T09:30:00.000+0000`, as Salesforce sends date-times.
pub fn format_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default().format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string()
}

/// A date-time in any of the forms clients send: `Z`, `+00:00` or `+0000`
/// offsets, with or without fractions; a `+` turned into a space by an
/// unencoded query string is read as `+`.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim().replace(' ', "+");
    if let Ok(dt) = DateTime::parse_from_rfc3339(&text) {
        return Some(dt.timestamp_millis());
    }
    DateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f%z").ok().map(|dt| dt.timestamp_millis())
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok().filter(|_| text.trim().len() == 10)
}

/// Midnight UTC of a date, in ms.
pub fn date_ms(date: NaiveDate) -> i64 {
    NaiveDateTime::from(date).and_utc().timestamp_millis()
}

pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// A path segment with its `%XX` escapes decoded (`+` stays `+` in paths).
pub fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// HMAC-SHA256 (RFC 2104), for the `signature` of token answers.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// An 18-character id: key prefix, pod `5g`, a reserved `0`, nine base-62
/// digits of `n`, and the case-safe suffix. Ids of one prefix sort by `n`.
pub fn make_id(prefix: &str, n: u64) -> String {
    let mut digits = [b'0'; 9];
    let mut rest = n;
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(rest % 62) as usize];
        rest /= 62;
    }
    let short = format!("{prefix}5g0{}", String::from_utf8_lossy(&digits));
    let suffix = case_suffix(&short);
    short + &suffix
}

/// The three characters Salesforce appends to a 15-character id: one per
/// five characters, encoding which of them are upper case.
fn case_suffix(short: &str) -> String {
    const TABLE: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    short
        .as_bytes()
        .chunks(5)
        .map(|chunk| {
            let flags = chunk.iter().enumerate().filter(|(_, c)| c.is_ascii_uppercase()).fold(0usize, |f, (i, _)| f | (1 << i));
            TABLE[flags] as char
        })
        .collect()
}

/// An id as the 18-character form, from 15 or 18 characters; None when it
/// cannot be an id.
pub fn normalize_id(text: &str) -> Option<String> {
    if !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    match text.len() {
        15 => Some(format!("{text}{}", case_suffix(text))),
        18 => {
            let short = &text[..15];
            let suffix = case_suffix(short);
            text[15..].eq_ignore_ascii_case(&suffix).then(|| format!("{short}{suffix}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_in_salesforce_format() {
        let ms = 1_795_253_400_000;
        assert_eq!(format_ms(ms), "2026-11-21T09:30:00.000+0000");
        for text in ["2026-11-21T09:30:00.000+0000", "2026-11-21T09:30:00Z", "2026-11-21T15:00:00+05:30", "2026-11-21T09:30:00 00:00"] {
            assert_eq!(parse_datetime(text), Some(ms), "{text}");
        }
        assert_eq!(parse_datetime("yesterday"), None);
        assert_eq!(date_ms(parse_date("2026-11-21").unwrap()), ms - 9 * 3_600_000 - 1_800_000);
    }

    #[test]
    fn ids_carry_prefix_and_case_suffix() {
        let id = make_id("003", 1);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("0035g0000000001"));
        assert_eq!(normalize_id(&id[..15]).as_deref(), Some(id.as_str()));
        assert_eq!(normalize_id(&id.to_lowercase()).as_deref(), Some(id.as_str()));
        // The known pair from Salesforce's documentation of the algorithm.
        assert_eq!(normalize_id("001A000000Bc3Df").unwrap(), "001A000000Bc3DfIAJ");
        assert!(make_id("001", 61) < make_id("001", 62));
        assert_eq!(normalize_id("not-an-id"), None);
    }

    #[test]
    fn path_segments_decode() {
        assert_eq!(percent_decode("a%20b+c%2F%zz"), "a b+c/%zz");
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
