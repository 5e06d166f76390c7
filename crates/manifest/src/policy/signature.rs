//! Whether a CRM's notification is genuine, for CRMs that sign their
//! webhooks instead of echoing a token (CloudCX, Stripe-style): an
//! HMAC-SHA256 of `"<timestamp>.<raw body>"` keyed with the secret the desk
//! gave at `watch`, sent in a header beside the timestamp. A timestamp too
//! far from now is refused, so a captured delivery cannot be replayed
//! later. Pure: the caller supplies the headers, the body and the time.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The manifest's `[notifications]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SignatureSpec {
    /// The header carrying the signature, e.g. `X-CloudCX-Signature`.
    pub signature_header: String,
    /// What precedes the hex digest in that header, e.g. `v1=`.
    #[serde(default)]
    pub signature_prefix: String,
    /// The header carrying the signing time in Unix seconds.
    pub timestamp_header: String,
    /// How far the signing time may be from now, in seconds.
    #[serde(default = "SignatureSpec::default_max_age")]
    pub max_age_secs: u64,
}

impl SignatureSpec {
    fn default_max_age() -> u64 {
        300
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the notification lacks its {0} header")]
    Missing(String),
    #[error("the notification's timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("the notification was signed {0} s from now, more than allowed (a replay?)")]
    Stale(u64),
    #[error("the notification's signature does not match")]
    Mismatch,
}

impl SignatureSpec {
    /// Checks `headers` (names compared without regard to case) and `body`
    /// against `secret`, at `now` (Unix seconds).
    pub fn verify(&self, headers: &[(String, String)], body: &[u8], secret: &str, now: i64) -> Result<(), SignatureError> {
        let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim());
        let stamp = header(&self.timestamp_header).ok_or_else(|| SignatureError::Missing(self.timestamp_header.clone()))?;
        let signed_at: i64 = stamp.parse().map_err(|_| SignatureError::BadTimestamp)?;
        let age = now.abs_diff(signed_at);
        if age > self.max_age_secs {
            return Err(SignatureError::Stale(age));
        }
        let given = header(&self.signature_header).ok_or_else(|| SignatureError::Missing(self.signature_header.clone()))?;
        let given = given.strip_prefix(self.signature_prefix.as_str()).ok_or(SignatureError::Mismatch)?;
        let given = hex::decode(given).map_err(|_| SignatureError::Mismatch)?;
        let expected = sign(secret, stamp, body);
        if expected.ct_eq(&given).into() {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }
}

/// HMAC-SHA256 of `"<timestamp>.<body>"`.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> SignatureSpec {
        SignatureSpec {
            signature_header: "X-CloudCX-Signature".into(),
            signature_prefix: "v1=".into(),
            timestamp_header: "X-CloudCX-Timestamp".into(),
            max_age_secs: 300,
        }
    }

    fn headers(stamp: &str, signature: &str) -> Vec<(String, String)> {
        vec![("x-cloudcx-timestamp".into(), stamp.into()), ("x-cloudcx-signature".into(), signature.into())]
    }

    const BODY: &[u8] = br#"{"type":"ChatStarted"}"#;

    #[test]
    fn a_delivery_signed_with_the_secret_passes() {
        let signature = format!("v1={}", hex::encode(sign("s3cret", "1700000000", BODY)));
        assert_eq!(spec().verify(&headers("1700000000", &signature), BODY, "s3cret", 1_700_000_100), Ok(()));
    }

    #[test]
    fn the_worked_example_of_the_cloudcx_api_passes() {
        // tests/emulators/cloudcx/README.md, "Worked example".
        let body = br#"{"data":{"visitor_id":"vis_000000010000abcd"},"id":"evt_0000000200001234","occurred_at":"2026-11-21T09:30:00.000Z","tenant_id":"acme-support","type":"ContactDeleted"}"#;
        let signature = "v1=24575a1d63e7e9973d3dd4c85a04d3cf636d1d12b1bbd991b3485e78cb85c1a9";
        assert_eq!(spec().verify(&headers("1795253400", signature), body, "whsec_demo_secret", 1_795_253_460), Ok(()));
    }

    #[test]
    fn wrong_secret_body_prefix_or_missing_headers_are_refused() {
        let good = format!("v1={}", hex::encode(sign("s3cret", "1700000000", BODY)));
        let now = 1_700_000_000;
        assert_eq!(spec().verify(&headers("1700000000", &good), BODY, "other", now), Err(SignatureError::Mismatch));
        assert_eq!(spec().verify(&headers("1700000000", &good), b"{}", "s3cret", now), Err(SignatureError::Mismatch));
        assert_eq!(spec().verify(&headers("1700000000", &good[3..]), BODY, "s3cret", now), Err(SignatureError::Mismatch));
        assert_eq!(spec().verify(&headers("1700000000", "v1=zz"), BODY, "s3cret", now), Err(SignatureError::Mismatch));
        assert_eq!(spec().verify(&[], BODY, "s3cret", now), Err(SignatureError::Missing("X-CloudCX-Timestamp".into())));
        assert_eq!(spec().verify(&headers("soon", &good), BODY, "s3cret", now), Err(SignatureError::BadTimestamp));
    }

    #[test]
    fn a_delivery_signed_too_long_ago_or_ahead_is_refused_as_a_replay() {
        let good = format!("v1={}", hex::encode(sign("s3cret", "1700000000", BODY)));
        assert_eq!(spec().verify(&headers("1700000000", &good), BODY, "s3cret", 1_700_000_301), Err(SignatureError::Stale(301)));
        assert_eq!(spec().verify(&headers("1700000000", &good), BODY, "s3cret", 1_699_999_000), Err(SignatureError::Stale(1000)));
    }
}
