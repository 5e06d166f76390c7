//! Lists: `limit`, `updated_since` and `cursor`. Every list is ordered by
//! (updated_at, id); a cursor is the position after the last item of a
//! page plus the filters of the list that issued it, so the next page
//! starts after that (time, id) pair: items sharing a timestamp are never
//! skipped, and an item changed while a client pages moves to the end and
//! is listed again rather than lost.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;
use crate::util::parse_time;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

/// What a cursor stands for (hex-encoded JSON: opaque to clients).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    list: String,
    filters: BTreeMap<String, String>,
    after: (i64, String),
}

/// A parsed list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    list: &'static str,
    pub limit: usize,
    /// The filter parameters given (or carried by the cursor), empty ones left out.
    pub filters: BTreeMap<String, String>,
    since: Option<i64>,
    after: Option<(i64, String)>,
}

impl ListQuery {
    /// Reads `limit`, `cursor`, `updated_since` and the list's filters
    /// (`filter_names`) from the query. With a cursor the filters are the
    /// cursor's; any given again must be the same.
    pub fn parse(list: &'static str, params: &HashMap<String, String>, filter_names: &[&str]) -> Result<ListQuery, ApiError> {
        let param = |name: &str| params.get(name).map(String::as_str).filter(|v| !v.is_empty());
        let limit = match param("limit") {
            None => DEFAULT_LIMIT,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => return Err(ApiError::invalid(format!("`limit` must be a whole number from 1 to {MAX_LIMIT}"))),
            },
        };
        let mut filters: BTreeMap<String, String> = ["updated_since"]
            .iter()
            .chain(filter_names)
            .filter_map(|name| param(name).map(|v| (name.to_string(), v.to_string())))
            .collect();
        let mut after = None;
        if let Some(text) = param("cursor") {
            let cursor =
                decode(text).filter(|c| c.list == list).ok_or_else(|| ApiError::invalid("`cursor` is not one this list issued"))?;
            if let Some((name, _)) = filters.iter().find(|(name, value)| cursor.filters.get(*name) != Some(value)) {
                return Err(ApiError::invalid(format!("`{name}` differs from the list the cursor continues")));
            }
            filters = cursor.filters;
            after = Some(cursor.after);
        }
        let since = match filters.get("updated_since") {
            None => None,
            Some(text) => Some(parse_time(text).ok_or_else(|| ApiError::invalid("`updated_since` must be an RFC 3339 time"))?),
        };
        Ok(ListQuery { list, limit, filters, since, after })
    }

    pub fn filter(&self, name: &str) -> Option<&str> {
        self.filters.get(name).map(String::as_str)
    }

    /// One page of the items (already filtered by the list's own filters),
    /// as `{"data", "next_cursor"}`.
    pub fn page<T>(&self, items: impl Iterator<Item = T>, key: impl Fn(&T) -> (i64, &str), render: impl Fn(&T) -> Value) -> Value {
        let mut items: Vec<T> = items
            .filter(|item| self.since.is_none_or(|since| key(item).0 >= since))
            .filter(|item| self.after.as_ref().is_none_or(|(at, id)| key(item) > (*at, id.as_str())))
            .collect();
        items.sort_by(|a, b| key(a).cmp(&key(b)));
        let more = items.len() > self.limit;
        items.truncate(self.limit);
        let next_cursor = match items.last() {
            Some(last) if more => {
                let (at, id) = key(last);
                Some(encode(&Cursor { list: self.list.into(), filters: self.filters.clone(), after: (at, id.to_string()) }))
            }
            _ => None,
        };
        serde_json::json!({"data": items.iter().map(render).collect::<Vec<_>>(), "next_cursor": next_cursor})
    }
}

fn encode(cursor: &Cursor) -> String {
    hex::encode(serde_json::to_vec(cursor).unwrap_or_default())
}

fn decode(text: &str) -> Option<Cursor> {
    serde_json::from_slice(&hex::decode(text).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn pages_share_timestamps_without_skipping() {
        let items: Vec<(i64, String)> = (0..7).map(|i| (1000 + i / 3, format!("vis_{i}"))).collect();
        let mut query = ListQuery::parse("visitors", &params(&[("limit", "2")]), &[]).unwrap();
        let mut seen = Vec::new();
        loop {
            let page = query.page(items.iter(), |i| (i.0, i.1.as_str()), |i| Value::from(i.1.clone()));
            seen.extend(page["data"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()));
            match page["next_cursor"].as_str() {
                Some(cursor) => query = ListQuery::parse("visitors", &params(&[("limit", "2"), ("cursor", cursor)]), &[]).unwrap(),
                None => break,
            }
        }
        assert_eq!(seen, items.iter().map(|i| i.1.clone()).collect::<Vec<_>>());
    }

    #[test]
    fn cursors_keep_their_filters_and_list() {
        let items = [(5i64, "a".to_string()), (6, "b".to_string())];
        let first = ListQuery::parse("visitors", &params(&[("limit", "1"), ("email", "x@y")]), &["email"]).unwrap();
        let page = first.page(items.iter(), |i| (i.0, i.1.as_str()), |i| Value::from(i.1.clone()));
        let cursor = page["next_cursor"].as_str().unwrap();
        let next = ListQuery::parse("visitors", &params(&[("cursor", cursor)]), &["email"]).unwrap();
        assert_eq!(next.filter("email"), Some("x@y"));
        assert!(ListQuery::parse("visitors", &params(&[("cursor", cursor), ("email", "other@y")]), &["email"]).is_err());
        assert!(ListQuery::parse("conversations", &params(&[("cursor", cursor)]), &["email"]).is_err());
        assert!(ListQuery::parse("visitors", &params(&[("cursor", "zz")]), &[]).is_err());
        for limit in ["0", "201", "ten"] {
            assert!(ListQuery::parse("visitors", &params(&[("limit", limit)]), &[]).is_err(), "{limit}");
        }
    }
}
