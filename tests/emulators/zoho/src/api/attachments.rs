//! Attachments: files uploaded to a record (`multipart/form-data`, part
//! `file`), listed with `fields` and paging like a related list, and
//! downloaded with their content type.

use axum::body::Bytes;
use axum::http::HeaderValue;
use serde_json::{json, Value};

use super::read::continued;
use super::{ApiRequest, Form, Reply};
use crate::error::ApiError;
use crate::modules::Module;
use crate::paging::{check_discrete, list_info, window, Cursor, Position, Sort, SortBy, Source};
use crate::state::Shared;
use crate::store::ATTACHMENT_FIELDS;
use crate::util::lock;

/// The largest file Zoho takes as an attachment: 20 MB.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// Newest first, as Zoho lists attachments.
const NEWEST_FIRST: Sort = Sort { by: SortBy::Id, descending: true };

/// The record the path names must be live.
fn check_parent(shared: &Shared, module: &Module, id: &str) -> Result<(), ApiError> {
    match shared.store().get(module.name, id) {
        Some(_) => Ok(()),
        None => Err(ApiError::InvalidRelatedId),
    }
}

/// `POST /{module}/{id}/Attachments`: the form's `file` part becomes an attachment.
pub fn upload(shared: &Shared, req: &ApiRequest, module: &'static Module, id: &str) -> Result<Reply, ApiError> {
    check_parent(shared, module, id)?;
    let parts = match &req.form {
        Some(Form::Parts(parts)) => parts.as_slice(),
        Some(Form::TooLarge) => return Err(ApiError::FileTooLarge),
        Some(Form::Malformed(reason)) => return Err(ApiError::InvalidBody { reason: reason.clone() }),
        None => &[],
    };
    // A part without a file name is a text field, not a file (RFC 7578).
    let file = parts
        .iter()
        .find(|p| p.name == "file" && p.file_name.as_deref().is_some_and(|n| !n.is_empty()))
        .ok_or(ApiError::RequiredParamMissing { param: "file" })?;
    let file_name = file.file_name.clone().unwrap_or_default();
    if file.bytes.len() > MAX_FILE_BYTES {
        return Err(ApiError::FileTooLarge);
    }
    let content_type =
        file.content_type.as_deref().filter(|t| HeaderValue::from_str(t).is_ok()).unwrap_or("application/octet-stream").to_string();
    let details = shared.store().attach(module, id, file_name, content_type, file.bytes.to_vec());
    Ok(Reply::ok(json!({"data": [{
        "code": "SUCCESS",
        "details": details,
        "message": "attachment uploaded successfully",
        "status": "success",
    }]})))
}

/// `fields`, required, each a field attachments have.
fn fields(req: &ApiRequest) -> Result<Vec<String>, ApiError> {
    let list = req.param("fields").ok_or(ApiError::RequiredParamMissing { param: "fields" })?;
    let names: Vec<String> = list.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_string).collect();
    if let Some(unknown) = names.iter().find(|n| !ATTACHMENT_FIELDS.contains(&n.as_str())) {
        return Err(ApiError::InvalidParam { param: "fields", extra: json!({"api_name": unknown}) });
    }
    if names.is_empty() {
        return Err(ApiError::RequiredParamMissing { param: "fields" });
    }
    Ok(names)
}

/// `GET /{module}/{id}/Attachments?fields=&ids=&page=&per_page=&page_token=`.
pub fn list(shared: &Shared, req: &ApiRequest, module: &'static Module, id: &str) -> Result<Reply, ApiError> {
    check_parent(shared, module, id)?;
    let fields = fields(req)?;
    let per_page = req.per_page()?;
    // Zoho: `page` and `page_token` cannot be combined.
    if req.param("page_token").is_some() && req.param("page").is_some() {
        return Err(ApiError::invalid_param("page"));
    }
    let ids = req.param("ids").map(|ids| ids.split(',').map(|id| id.trim().to_string()).filter(|id| !id.is_empty()).collect());
    let source = Source::Attachments { module: module.name, parent: id.into(), ids };
    let cursor = match req.param("page_token") {
        // A token continues the list (and `ids`) that issued it.
        Some(token) => {
            continued(shared, token, |s| matches!(s, Source::Attachments { module: m, parent, .. } if *m == module.name && parent == id))?
        }
        None => {
            let page = req.page()?;
            check_discrete(page, per_page)?;
            Cursor { source, sort: NEWEST_FIRST, since: None, position: Position::Page(page) }
        }
    };
    let Source::Attachments { ids, .. } = &cursor.source else { return Err(ApiError::invalid_param("page_token")) };

    let (data, window, neighbours) = {
        let store = shared.store();
        let attached: Vec<_> =
            store.attachments_of(module.name, id).filter(|a| ids.as_ref().is_none_or(|ids| ids.contains(&a.record.id))).collect();
        if attached.is_empty() {
            return Ok(Reply::NoContent);
        }
        let rows = cursor.sort.anchors(attached.iter().map(|a| &a.record));
        let window = window(&rows, &cursor.sort, per_page, &cursor.position);
        if window.start >= window.end {
            return Ok(Reply::NoContent);
        }
        let shown = &rows[window.start..window.end];
        let data: Vec<Value> = shown
            .iter()
            .filter_map(|row| attached.iter().find(|a| a.record.id == row.id()))
            .map(|a| store.render_attachment(a, &fields))
            .collect();
        (data, window, cursor.neighbours(shown, &window))
    };
    let info = list_info(&mut lock(&shared.page_tokens), per_page, data.len(), &window, neighbours);
    Ok(Reply::ok(json!({"data": data, "info": info})))
}

/// `GET /{module}/{id}/Attachments/{attachment_id}`: the file itself; an
/// id that is no attachment of the record answers 204, as Zoho does.
pub fn download(shared: &Shared, module: &'static Module, id: &str, attachment_id: &str) -> Result<Reply, ApiError> {
    check_parent(shared, module, id)?;
    let store = shared.store();
    Ok(match store.attachment(module.name, id, attachment_id) {
        Some(a) => {
            Reply::File { content_type: a.content_type.clone(), file_name: a.file_name.clone(), bytes: Bytes::from(a.bytes.clone()) }
        }
        None => Reply::NoContent,
    })
}
