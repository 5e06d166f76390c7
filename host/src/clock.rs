//! Timestamps the desk writes, in one place and one format: RFC 3339 in
//! UTC. Seconds for what people read (history, failures, connections);
//! milliseconds where records must order within a second (desk records).
//! Strings of one precision compare in time order.

use chrono::{SecondsFormat, Utc};

/// Now, to the second: `2026-11-29T23:59:59Z`.
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Now, to the millisecond: `2026-11-29T23:59:59.123Z`.
pub fn now_precise() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `days` days ago, to the second.
pub fn days_ago(days: i64) -> String {
    (Utc::now() - chrono::Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}
