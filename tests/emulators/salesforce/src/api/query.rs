//! `GET /query?q=` and `/queryAll?q=`, and the further batches their
//! `nextRecordsUrl` points at. Rows past the first batch wait in a cursor,
//! as Salesforce's query locators do: later writes do not change them.

use axum::http::HeaderMap;
use serde_json::{json, Value};

use super::{Call, Reply};
use crate::error::ApiError;
use crate::soql;
use crate::state::Shared;
use crate::util::lock;

const DEFAULT_BATCH: usize = 2000;
const MIN_BATCH: usize = 200;

/// `Sforce-Query-Options: batchSize=N`, held between 200 and 2000.
fn batch_size(headers: &HeaderMap) -> usize {
    headers
        .get("Sforce-Query-Options")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').find_map(|part| part.trim().strip_prefix("batchSize=")?.trim().parse::<usize>().ok()))
        .map_or(DEFAULT_BATCH, |n| n.clamp(MIN_BATCH, DEFAULT_BATCH))
}

pub fn run(shared: &Shared, call: &Call, all: bool) -> Result<Reply, ApiError> {
    let text = call.param("q").ok_or_else(|| ApiError::MalformedQuery("A query string has to be specified".into()))?;
    let found = soql::query(text, &shared.store(), all, &call.version)?;
    let batch = batch_size(&call.headers);
    let (total, rows) = (found.total, found.rows);
    if rows.len() <= batch {
        return Ok(Reply::ok(json!({"totalSize": total, "done": true, "records": rows})));
    }
    let first: Vec<Value> = rows[..batch].to_vec();
    let cursor = lock(&shared.cursors).open(rows, batch);
    Ok(Reply::ok(json!({
        "totalSize": total,
        "done": false,
        "nextRecordsUrl": call.url(&format!("query/{cursor}-{batch}")),
        "records": first,
    })))
}

/// `GET /query/{cursor}-{offset}`.
pub fn more(shared: &Shared, call: &Call, locator: &str) -> Result<Reply, ApiError> {
    let (id, offset) = locator.rsplit_once('-').ok_or(ApiError::InvalidQueryLocator)?;
    let offset: usize = offset.parse().map_err(|_| ApiError::InvalidQueryLocator)?;
    let cursors = lock(&shared.cursors);
    let cursor = cursors.get(id).filter(|c| offset > 0 && offset < c.rows.len()).ok_or(ApiError::InvalidQueryLocator)?;
    let end = (offset + cursor.batch).min(cursor.rows.len());
    let mut body = json!({"totalSize": cursor.rows.len(), "done": end == cursor.rows.len(), "records": cursor.rows[offset..end]});
    if end < cursor.rows.len() {
        body["nextRecordsUrl"] = json!(call.url(&format!("query/{id}-{end}")));
    }
    Ok(Reply::ok(body))
}
