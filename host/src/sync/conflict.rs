//! Settling a record that changed on both sides, field by field. Pure.
//!
//! The base is what both sides held after the last sync (the record's
//! fingerprint). For each mapped field:
//! - changed on neither side: nothing to do;
//! - changed on one side only: that side's value goes to the other;
//! - changed on both: in two-way sync the later change wins (by the
//!   records' modification times); in one-way sync the CRM wins.
//!
//! CRMs report whole seconds (Zoho, Salesforce), the desk milliseconds; so
//! times are compared to the second, and a tie within one second goes to
//! the CRM, the system of record. Otherwise a desk edit made a moment
//! before a CRM edit in the same second would win for looking later.
//!
//! In one-way sync nothing goes from the desk to the CRM: a desk-only
//! change stays in the desk until the CRM changes that field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// The default: changes flow both ways.
    #[default]
    TwoWay,
    /// The CRM is the master; the desk receives.
    CrmToDesk,
}

/// Desk field values, in desk terms.
pub type Values = BTreeMap<String, Json>;

/// What to write where.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Merge {
    pub to_desk: Values,
    pub to_crm: Values,
    /// The new base once both writes are done.
    pub base: Values,
}

/// Settles `desk` against `crm` given their common `base`. Times are
/// RFC 3339 modification times; a missing time loses to a present one.
pub fn merge(base: &Values, desk: &Values, crm: &Values, desk_time: Option<&str>, crm_time: Option<&str>, direction: Direction) -> Merge {
    let null = Json::Null;
    let mut out = Merge::default();
    let fields: std::collections::BTreeSet<&String> = base.keys().chain(desk.keys()).chain(crm.keys()).collect();
    let desk_is_later = match (parse(desk_time), parse(crm_time)) {
        (Some(d), Some(c)) => d.timestamp() > c.timestamp(),
        (Some(_), None) => true,
        _ => false,
    };
    for field in fields {
        let b = base.get(field).unwrap_or(&null);
        let d = desk.get(field).unwrap_or(&null);
        let c = crm.get(field).unwrap_or(&null);
        let (desk_changed, crm_changed) = (d != b, c != b);
        if direction == Direction::CrmToDesk && desk_changed && !crm_changed {
            // One-way: the desk's own edit stays local; the base keeps the
            // CRM's value so a later CRM change still reaches the desk.
            out.base.insert(field.clone(), c.clone());
            continue;
        }
        let winner = match (desk_changed, crm_changed) {
            (false, false) => b,
            (true, false) => d,
            (false, true) => c,
            (true, true) if d == c => d,
            (true, true) => match direction {
                Direction::TwoWay if desk_is_later => d,
                _ => c,
            },
        };
        if winner != d {
            out.to_desk.insert(field.clone(), winner.clone());
        }
        if winner != c && direction == Direction::TwoWay {
            out.to_crm.insert(field.clone(), winner.clone());
        }
        out.base.insert(field.clone(), winner.clone());
    }
    out
}

/// An RFC 3339 time, if it is one.
pub(crate) fn parse(t: Option<&str>) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    t.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(v: Json) -> Values {
        serde_json::from_value(v).unwrap()
    }

    const EARLY: Option<&str> = Some("2026-11-21T09:00:00+00:00");
    const LATE: Option<&str> = Some("2026-11-21T10:00:00Z");

    #[test]
    fn a_field_changed_on_one_side_takes_that_side() {
        let base = values(json!({"title": "CTO", "city": "London"}));
        let desk = values(json!({"title": "CEO", "city": "London"}));
        let crm = values(json!({"title": "CTO", "city": "Paris"}));
        let m = merge(&base, &desk, &crm, EARLY, EARLY, Direction::TwoWay);
        assert_eq!(m.to_crm, values(json!({"title": "CEO"})));
        assert_eq!(m.to_desk, values(json!({"city": "Paris"})));
        assert_eq!(m.base, values(json!({"title": "CEO", "city": "Paris"})));
    }

    #[test]
    fn times_compare_to_the_second_and_a_tie_goes_to_the_crm() {
        let base = values(json!({"title": "CTO"}));
        let desk = values(json!({"title": "CEO"}));
        let crm = values(json!({"title": "CFO"}));
        // The desk edited at .900, the CRM 0.5 s before or after: the CRM
        // reports the whole second only, so neither is known to be later.
        let tie = merge(&base, &desk, &crm, Some("2026-11-21T10:00:01.900Z"), Some("2026-11-21T10:00:01+00:00"), Direction::TwoWay);
        assert_eq!(tie.to_desk, values(json!({"title": "CFO"})));
        assert!(tie.to_crm.is_empty());
        let desk_next_second =
            merge(&base, &desk, &crm, Some("2026-11-21T10:00:02.100Z"), Some("2026-11-21T10:00:01+00:00"), Direction::TwoWay);
        assert_eq!(desk_next_second.to_crm, values(json!({"title": "CEO"})));
    }

    #[test]
    fn both_changed_the_later_change_wins_in_two_way() {
        let base = values(json!({"title": "CTO"}));
        let desk = values(json!({"title": "CEO"}));
        let crm = values(json!({"title": "CFO"}));
        let desk_later = merge(&base, &desk, &crm, LATE, EARLY, Direction::TwoWay);
        assert_eq!(desk_later.to_crm, values(json!({"title": "CEO"})));
        assert!(desk_later.to_desk.is_empty());
        let crm_later = merge(&base, &desk, &crm, EARLY, LATE, Direction::TwoWay);
        assert_eq!(crm_later.to_desk, values(json!({"title": "CFO"})));
        assert!(crm_later.to_crm.is_empty());
    }

    #[test]
    fn the_crm_wins_in_one_way_and_nothing_goes_to_the_crm() {
        let base = values(json!({"title": "CTO", "city": "London"}));
        let desk = values(json!({"title": "CEO", "city": "Rome"}));
        let crm = values(json!({"title": "CFO", "city": "London"}));
        let m = merge(&base, &desk, &crm, LATE, EARLY, Direction::CrmToDesk);
        assert_eq!(m.to_desk, values(json!({"title": "CFO"})));
        assert!(m.to_crm.is_empty());
        assert_eq!(m.base, values(json!({"title": "CFO", "city": "London"})));
    }

    #[test]
    fn nothing_changed_means_nothing_to_write() {
        let same = values(json!({"title": "CTO"}));
        let m = merge(&same, &same, &same, EARLY, LATE, Direction::TwoWay);
        assert!(m.to_desk.is_empty() && m.to_crm.is_empty());
        // A first sync has no base: the later side fills the other.
        let m = merge(&Values::new(), &values(json!({"title": "A"})), &values(json!({"title": "B"})), EARLY, LATE, Direction::TwoWay);
        assert_eq!(m.to_desk, values(json!({"title": "B"})));
    }
}
