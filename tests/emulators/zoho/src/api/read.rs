//! Reading: lists, one record, search, related lists and the recycle bin.

use std::sync::Arc;

use serde_json::{json, Value};

use super::{ApiRequest, Reply};
use crate::criteria::Criteria;
use crate::error::ApiError;
use crate::modules::{self, Module};
use crate::paging::{check_discrete, list_info, window, Anchor, Cursor, Position, Sort, Source, DISCRETE_LIMIT};
use crate::search::{self, Search};
use crate::state::Shared;
use crate::store::{id_of, Record, Store};
use crate::util::{format_ts, lock};

/// `GET /{module}`.
pub fn list(shared: &Shared, req: &ApiRequest, module: &'static Module) -> Result<Reply, ApiError> {
    let fields = req.required_fields(module)?;
    let per_page = req.per_page()?;
    // Zoho: `page` and `page_token` cannot be combined.
    if req.param("page_token").is_some() && req.param("page").is_some() {
        return Err(ApiError::invalid_param("page"));
    }
    let cursor = match req.param("page_token") {
        Some(token) => continued(shared, token, |source| matches!(source, Source::Module { module: m, .. } if *m == module.name))?,
        None => {
            let page = req.page()?;
            check_discrete(page, per_page)?;
            let sort = Sort::parse(req.param("sort_by"), req.param("sort_order"))?;
            let cvid = req.param("cvid").map(str::to_string);
            if let Some(cvid) = &cvid {
                shared.store().view(module.name, cvid).ok_or_else(|| ApiError::invalid_param("cvid"))?;
            }
            let ids = req.param("ids").map(|ids| ids.split(',').map(|id| id.trim().to_string()).collect());
            let source = Source::Module { module: module.name, cvid, ids };
            Cursor { source, sort, since: req.if_modified_since()?, position: Position::Page(page) }
        }
    };
    page_of_records(shared, module, &fields, per_page, cursor)
}

/// `GET /{module}/{id}/{related}`.
pub fn related(shared: &Shared, req: &ApiRequest, parent: &'static Module, id: &str, related: &str) -> Result<Reply, ApiError> {
    let related_module = parent
        .related
        .iter()
        .find(|r| r.eq_ignore_ascii_case(related))
        .and_then(|r| modules::module(r))
        .ok_or_else(|| ApiError::InvalidRelatedList { name: related.into() })?;
    if shared.store().get(parent.name, id).is_none() {
        return Err(ApiError::InvalidId { id: id.into() });
    }
    let fields = req.required_fields(related_module)?;
    let per_page = req.per_page()?;
    let source = Source::Related { module: parent.name, parent: id.into(), related: related_module.name };
    // Zoho: `page` and `page_token` cannot be combined.
    if req.param("page_token").is_some() && req.param("page").is_some() {
        return Err(ApiError::invalid_param("page"));
    }
    let cursor = match req.param("page_token") {
        Some(token) => continued(shared, token, |s| *s == source)?,
        None => {
            let page = req.page()?;
            check_discrete(page, per_page)?;
            let sort = Sort::parse(req.param("sort_by"), req.param("sort_order"))?;
            Cursor { source, sort, since: req.if_modified_since()?, position: Position::Page(page) }
        }
    };
    page_of_records(shared, related_module, &fields, per_page, cursor)
}

/// The cursor of an issued page token for this kind of list.
pub(super) fn continued(shared: &Shared, token: &str, same_list: impl Fn(&Source) -> bool) -> Result<Cursor, ApiError> {
    lock(&shared.page_tokens).get(token).filter(|cursor| same_list(&cursor.source)).ok_or_else(|| ApiError::invalid_param("page_token"))
}

/// Whether a record belongs to a list's source.
fn in_source(store: &Store, module: &Module, source: &Source, view: Option<&Criteria>, record: &Record) -> bool {
    match source {
        Source::Module { ids, .. } => {
            ids.as_ref().is_none_or(|ids| ids.contains(&record.id))
                && view.is_none_or(|criteria| search::criteria_matches(store, module, record, criteria))
        }
        Source::Related { module: parent, parent: parent_id, related } => {
            let links = modules::module(parent).and_then(|p| p.relation(related)).unwrap_or(&[]);
            links.iter().any(|field| record.data.get(*field).and_then(id_of).as_deref() == Some(parent_id.as_str()))
        }
        // Attachments are paged by `attachments::list`, never as records.
        Source::Attachments { .. } => false,
    }
}

/// One page of a list or related list, with Zoho's `info` and page tokens.
fn page_of_records(shared: &Shared, module: &Module, fields: &[String], per_page: usize, cursor: Cursor) -> Result<Reply, ApiError> {
    let (data, window, neighbours) = {
        let mut store = shared.store();
        let rows: Arc<[Anchor]> = match &cursor.source {
            Source::Module { cvid: None, ids: None, .. } => store.sorted(module.name, cursor.sort, cursor.since),
            source => {
                let view = match source {
                    Source::Module { cvid: Some(cvid), .. } => {
                        store.view(module.name, cvid).ok_or_else(|| ApiError::invalid_param("cvid"))?.criteria.clone()
                    }
                    _ => None,
                };
                let matching = store
                    .table(module.name)
                    .filter(|r| cursor.since.is_none_or(|since| r.modified >= since))
                    .filter(|r| in_source(&store, module, source, view.as_ref(), r));
                cursor.sort.anchors(matching).into()
            }
        };
        if rows.is_empty() {
            return Ok(if cursor.since.is_some() { Reply::NotModified } else { Reply::NoContent });
        }
        let window = window(&rows, &cursor.sort, per_page, &cursor.position);
        if window.start >= window.end {
            return Ok(Reply::NoContent);
        }
        let shown = &rows[window.start..window.end];
        let data: Vec<Value> =
            shown.iter().filter_map(|row| store.get(module.name, row.id())).map(|r| store.render(module, r, Some(fields))).collect();
        (data, window, cursor.neighbours(shown, &window))
    };
    let mut info = list_info(&mut lock(&shared.page_tokens), per_page, data.len(), &window, neighbours);
    info.insert("sort_by".into(), json!(cursor.sort.by_name()));
    info.insert("sort_order".into(), json!(cursor.sort.order_name()));
    Ok(Reply::ok(json!({"data": data, "info": info})))
}

/// `GET /{module}/{id}`: every field.
pub fn get_one(shared: &Shared, module: &'static Module, id: &str) -> Result<Reply, ApiError> {
    let store = shared.store();
    let record = store.get(module.name, id).ok_or_else(|| ApiError::InvalidId { id: id.into() })?;
    Ok(Reply::ok(json!({"data": [store.render(module, record, None)]})))
}

/// `GET /{module}/search`: criteria, then email, phone, word (Zoho's precedence).
pub fn search(shared: &Shared, req: &ApiRequest, module: &'static Module) -> Result<Reply, ApiError> {
    let per_page = req.per_page()?;
    let page = req.page()?;
    check_discrete(page, per_page)?;
    let fields = req.fields(module)?;
    let search = if let Some(text) = req.param("criteria") {
        let criteria = Criteria::parse(text).map_err(|e| ApiError::InvalidQuery { reason: e.reason, api_name: None })?;
        search::check(module, &criteria)?;
        Search::Criteria(criteria)
    } else if let Some(email) = req.param("email") {
        Search::Email(email.into())
    } else if let Some(phone) = req.param("phone") {
        Search::Phone(phone.into())
    } else if let Some(word) = req.param("word") {
        Search::Word(word.into())
    } else {
        return Err(ApiError::RequiredParamMissing { param: "criteria" });
    };
    let sort = Sort::parse(req.param("sort_by"), req.param("sort_order"))?;

    let store = shared.store();
    let mut rows = sort.anchors(store.table(module.name).filter(|r| search::matches(&store, module, r, &search)));
    // Zoho's search reaches only the first 2,000 matches.
    rows.truncate(DISCRETE_LIMIT);
    let window = window(&rows, &sort, per_page, &Position::Page(page));
    if window.start >= window.end {
        return Ok(Reply::NoContent);
    }
    let data: Vec<Value> = rows[window.start..window.end]
        .iter()
        .filter_map(|row| store.get(module.name, row.id()))
        .map(|r| store.render(module, r, fields.as_deref()))
        .collect();
    let info = json!({"per_page": per_page, "count": data.len(), "page": page, "more_records": window.more});
    Ok(Reply::ok(json!({"data": data, "info": info})))
}

/// `GET /{module}/deleted`: the recycle bin, newest first.
pub fn deleted(shared: &Shared, req: &ApiRequest, module: &'static Module) -> Result<Reply, ApiError> {
    let include_recycled = match req.param("type") {
        None | Some("all") | Some("recycle") => true,
        // Records are only ever moved to the recycle bin, never purged.
        Some("permanent") => false,
        Some(_) => {
            return Err(ApiError::InvalidParam { param: "type", extra: json!({"supported_values": ["all", "recycle", "permanent"]}) })
        }
    };
    let per_page = req.per_page()?;
    let page = req.page()?;
    let since = req.if_modified_since()?;

    let store = shared.store();
    let mut rows: Vec<_> = store
        .recycle_bin(module.name)
        .rev()
        .filter(|_| include_recycled)
        .filter(|d| since.is_none_or(|since| d.deleted_ts >= since))
        .collect();
    if rows.is_empty() {
        return Ok(if since.is_some() { Reply::NotModified } else { Reply::NoContent });
    }
    // Stable: equal times keep the latest deletion first.
    rows.sort_by_key(|d| std::cmp::Reverse(d.deleted_ts));
    let start = (page - 1).saturating_mul(per_page).min(rows.len());
    let end = start.saturating_add(per_page).min(rows.len());
    if start >= end {
        return Ok(Reply::NoContent);
    }
    let data: Vec<Value> = rows[start..end]
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "display_name": d.display_name,
                "type": "recycle",
                "deleted_by": store.user_brief(&json!({"id": d.deleted_by})),
                "deleted_time": format_ts(d.deleted_ts),
                "created_by": store.user_brief(&d.created_by),
            })
        })
        .collect();
    let info = json!({"per_page": per_page, "count": data.len(), "page": page, "more_records": end < rows.len()});
    Ok(Reply::ok(json!({"data": data, "info": info})))
}
