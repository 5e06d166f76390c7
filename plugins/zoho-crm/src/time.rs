//! Date-times as Zoho writes them (`2025-12-01T01:00:00+05:30`, in the
//! organisation's time zone) and as the host sends them
//! (`2025-11-30T20:00:00Z`): compared as instants, never as text. Text
//! order is time order only within one offset, and the two sides of a
//! comparison here often have different ones. Parsing is the SDK's.

use deskpane_plugin_sdk::time::parse;

/// The later of two times, as instants. A time that does not parse loses
/// to one that does; two that do not are compared as text.
pub fn later(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let b_later = match (parse(&a), parse(&b)) {
                (Some(x), Some(y)) => y > x,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (None, None) => b > a,
            };
            Some(if b_later { b } else { a })
        }
        (a, b) => a.or(b),
    }
}

/// Whether `time` is strictly before `bound`, as instants. False when
/// either does not parse: a record whose time cannot be read is kept,
/// not silently left out.
pub fn before(time: &str, bound: &str) -> bool {
    matches!((parse(time), parse(bound)), (Some(t), Some(b)) if t < b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_later_time_is_the_later_instant_whatever_the_text_says() {
        let ist = Some("2025-12-01T01:00:00+05:30".to_string()); // 19:30Z on the 30th
        let utc = Some("2025-11-30T20:00:00Z".to_string());
        assert_eq!(later(ist.clone(), utc.clone()), utc);
        assert_eq!(later(utc.clone(), ist.clone()), utc);
        assert_eq!(later(None, ist.clone()), ist);
        assert_eq!(later(Some("garbage".into()), ist.clone()), ist);
        assert_eq!(later(ist.clone(), Some("garbage".into())), ist);
    }

    #[test]
    fn before_compares_instants_and_keeps_what_it_cannot_read() {
        assert!(before("2025-12-01T01:00:00+05:30", "2025-11-30T20:00:00Z"), "19:30Z is before 20:00Z");
        assert!(!before("2025-11-30T15:30:00-05:00", "2025-11-30T20:00:00Z"), "20:30Z is not");
        assert!(!before("2025-11-30T20:00:00+00:00", "2025-11-30T20:00:00Z"), "the same instant is not before");
        assert!(!before("garbage", "2025-11-30T20:00:00Z"));
    }
}
