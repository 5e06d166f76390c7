//! Sorting and paging of record lists: `page` (capped at the first 2,000
//! records), and `page_token` cursors that continue after (or before) a
//! record, so records changed while a client pages are neither skipped nor
//! repeated.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::json;

use crate::error::ApiError;
use crate::store::Record;
use crate::util::{cmp_ids, format_ts, now_ts, random_hex};

/// `page` reaches only this many records (Zoho's limit).
pub const DISCRETE_LIMIT: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortBy {
    Id,
    CreatedTime,
    ModifiedTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort {
    pub by: SortBy,
    pub descending: bool,
}

impl Sort {
    pub fn parse(by: Option<&str>, order: Option<&str>) -> Result<Sort, ApiError> {
        let by = match by {
            None | Some("id") => SortBy::Id,
            Some("Created_Time") => SortBy::CreatedTime,
            Some("Modified_Time") => SortBy::ModifiedTime,
            Some(_) => {
                return Err(ApiError::InvalidParam {
                    param: "sort_by",
                    extra: json!({"supported_values": ["id", "Created_Time", "Modified_Time"]}),
                })
            }
        };
        let descending = match order {
            None | Some("desc") => true,
            Some("asc") => false,
            Some(_) => return Err(ApiError::InvalidParam { param: "sort_order", extra: json!({"supported_values": ["asc", "desc"]}) }),
        };
        Ok(Sort { by, descending })
    }

    pub fn by_name(&self) -> &'static str {
        match self.by {
            SortBy::Id => "id",
            SortBy::CreatedTime => "Created_Time",
            SortBy::ModifiedTime => "Modified_Time",
        }
    }

    pub fn order_name(&self) -> &'static str {
        if self.descending {
            "desc"
        } else {
            "asc"
        }
    }

    fn key(&self, record: &Record) -> i64 {
        match self.by {
            SortBy::Id => 0,
            SortBy::CreatedTime => record.created,
            SortBy::ModifiedTime => record.modified,
        }
    }

    /// Order of (key, id) pairs as listed; ties on time fall back to id.
    fn cmp_keys(&self, a: (i64, &str), b: (i64, &str)) -> Ordering {
        let ascending = a.0.cmp(&b.0).then_with(|| cmp_ids(a.1, b.1));
        if self.descending {
            ascending.reverse()
        } else {
            ascending
        }
    }

    /// The records in this order, as the positions a list pages over.
    pub fn anchors<'a>(&self, records: impl IntoIterator<Item = &'a Record>) -> Vec<Anchor> {
        let mut rows: Vec<Anchor> = records.into_iter().map(|r| self.anchor(r)).collect();
        rows.sort_by(|a, b| self.cmp_anchors(a, b));
        rows
    }

    pub fn anchor(&self, record: &Record) -> Anchor {
        Anchor { key: self.key(record), id: record.id.clone() }
    }

    fn cmp_anchors(&self, a: &Anchor, b: &Anchor) -> Ordering {
        self.cmp_keys((a.key, &a.id), (b.key, &b.id))
    }
}

/// A position in a sorted list: the sort key and id of a record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Anchor {
    key: i64,
    id: String,
}

impl Anchor {
    /// The id of the record at this position.
    pub fn id(&self) -> &str {
        &self.id
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Position {
    Page(usize),
    After(Anchor),
    Before(Anchor),
}

/// Which records a list shows; a page token only continues the same source.
/// `Attachments` are the files attached to one record (`/{module}/{id}/Attachments`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    Module { module: &'static str, cvid: Option<String>, ids: Option<Vec<String>> },
    Related { module: &'static str, parent: String, related: &'static str },
    Attachments { module: &'static str, parent: String, ids: Option<Vec<String>> },
}

/// Everything needed to produce one page again: what a page token stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor {
    pub source: Source,
    pub sort: Sort,
    pub since: Option<i64>,
    pub position: Position,
}

/// The slice of a sorted list one page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: usize,
    pub end: usize,
    pub page: usize,
    pub more: bool,
}

pub fn window(sorted: &[Anchor], sort: &Sort, per_page: usize, position: &Position) -> Window {
    let len = sorted.len();
    let (start, end) = match position {
        Position::Page(page) => {
            let start = (page - 1).saturating_mul(per_page).min(len);
            (start, start.saturating_add(per_page).min(len).min(DISCRETE_LIMIT.max(start)))
        }
        Position::After(anchor) => {
            let start = sorted.partition_point(|r| sort.cmp_anchors(r, anchor) != Ordering::Greater);
            (start, (start + per_page).min(len))
        }
        Position::Before(anchor) => {
            let end = sorted.partition_point(|r| sort.cmp_anchors(r, anchor) == Ordering::Less);
            (end.saturating_sub(per_page), end)
        }
    };
    let page = match position {
        Position::Page(page) => *page,
        _ => start / per_page + 1,
    };
    Window { start, end, page, more: end < len }
}

impl Cursor {
    /// The cursors of the pages after and before `shown`, the rows of the
    /// page `window` is, where there are such pages.
    pub fn neighbours(&self, shown: &[Anchor], window: &Window) -> (Option<Cursor>, Option<Cursor>) {
        let next = (window.more && !shown.is_empty())
            .then(|| Cursor { position: Position::After(shown[shown.len() - 1].clone()), ..self.clone() });
        let previous =
            (window.start > 0 && !shown.is_empty()).then(|| Cursor { position: Position::Before(shown[0].clone()), ..self.clone() });
        (next, previous)
    }
}

/// A list answer's `info`: the page, and tokens for the pages around it.
/// Tokens never expire here; Zoho's last a day, so that is what is reported.
pub fn list_info(
    tokens: &mut PageTokens,
    per_page: usize,
    count: usize,
    window: &Window,
    (next, previous): (Option<Cursor>, Option<Cursor>),
) -> serde_json::Map<String, serde_json::Value> {
    let next_token = next.map(|c| tokens.issue(c));
    let previous_token = previous.map(|c| tokens.issue(c));
    let expiry = next_token.as_ref().map(|_| format_ts(now_ts() + 24 * 3600));
    let info = json!({
        "per_page": per_page,
        "count": count,
        "page": window.page,
        "more_records": window.more,
        "next_page_token": next_token,
        "previous_page_token": previous_token,
        "page_token_expiry": expiry,
    });
    match info {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("json! of an object is an object"),
    }
}

/// `page` is refused when it starts beyond the first 2,000 records.
pub fn check_discrete(page: usize, per_page: usize) -> Result<(), ApiError> {
    if (page - 1).saturating_mul(per_page) >= DISCRETE_LIMIT {
        return Err(ApiError::DiscretePaginationLimit);
    }
    Ok(())
}

/// Issued page tokens. A token is a keyed hash of its cursor, so asking for
/// the same page twice reuses the token instead of growing the table.
pub struct PageTokens {
    issued: HashMap<String, Cursor>,
    key: String,
}

impl Default for PageTokens {
    fn default() -> Self {
        PageTokens { issued: HashMap::new(), key: random_hex(16) }
    }
}

impl PageTokens {
    pub fn issue(&mut self, cursor: Cursor) -> String {
        let digest = |salt: u8| {
            let mut h = DefaultHasher::new();
            (&self.key, salt, &cursor).hash(&mut h);
            h.finish()
        };
        let token = format!("{:016x}{:016x}", digest(1), digest(2));
        self.issued.insert(token.clone(), cursor);
        token
    }

    pub fn get(&self, token: &str) -> Option<Cursor> {
        self.issued.get(token).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn records(n: usize) -> Vec<Record> {
        (0..n)
            .map(|i| Record {
                id: format!("{}", 6_421_000_000_000_010_001u64 + i as u64),
                data: Map::new(),
                created: 1000 + (i as i64 % 3),
                modified: 2000 - i as i64,
            })
            .collect()
    }

    #[test]
    fn sorts_by_time_then_id() {
        let all = records(6);
        let rows = Sort { by: SortBy::CreatedTime, descending: false }.anchors(&all);
        let created: Vec<i64> = rows.iter().map(|r| r.key).collect();
        assert_eq!(created, vec![1000, 1000, 1001, 1001, 1002, 1002]);
        assert!(cmp_ids(&rows[0].id, &rows[1].id).is_lt());
    }

    #[test]
    fn pages_stop_at_2000_and_cursors_continue() {
        let all = records(2500);
        let sort = Sort { by: SortBy::Id, descending: false };
        let rows = sort.anchors(&all);
        let w = window(&rows, &sort, 150, &Position::Page(14));
        assert_eq!((w.start, w.end, w.more), (1950, 2000, true));
        assert!(check_discrete(14, 150).is_ok());
        assert!(check_discrete(15, 150).is_err());
        assert!(check_discrete(11, 200).is_err());
        let next = window(&rows, &sort, 200, &Position::After(rows[1999].clone()));
        assert_eq!((next.start, next.end, next.more, next.page), (2000, 2200, true, 11));
        let prev = window(&rows, &sort, 200, &Position::Before(rows[2000].clone()));
        assert_eq!((prev.start, prev.end), (1800, 2000));
        let last = window(&rows, &sort, 200, &Position::After(rows[2399].clone()));
        assert_eq!((last.start, last.end, last.more), (2400, 2500, false));
    }

    #[test]
    fn a_cursor_survives_removal_of_its_anchor() {
        let all = records(10);
        let sort = Sort { by: SortBy::Id, descending: true };
        let mut rows = sort.anchors(&all);
        let anchor = rows.remove(3);
        let w = window(&rows, &sort, 2, &Position::After(anchor));
        assert_eq!(rows[w.start].id, all[5].id);
    }

    #[test]
    fn tokens_are_stable_per_cursor() {
        let mut tokens = PageTokens::default();
        let cursor = Cursor {
            source: Source::Module { module: "Contacts", cvid: None, ids: None },
            sort: Sort { by: SortBy::Id, descending: true },
            since: None,
            position: Position::Page(2),
        };
        let a = tokens.issue(cursor.clone());
        assert_eq!(a, tokens.issue(cursor.clone()));
        assert_eq!(tokens.get(&a), Some(cursor));
        assert_eq!(tokens.get("nope"), None);
    }
}
