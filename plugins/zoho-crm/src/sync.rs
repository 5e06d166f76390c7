//! The sync half of the contract for Zoho CRM.
//!
//! The change feed polls by modified time: records listed in ascending
//! `Modified_Time` with `If-Modified-Since` (one custom view after another
//! when list views are chosen), then `/deleted` since the last deletion
//! seen. The cursor carries where that walk stands. `If-Modified-Since` is
//! inclusive, so a record modified in the very second of the cursor comes
//! again in the next poll; the host recognises it by its fingerprint.
//! Times are compared as instants ([`crate::time`]): Zoho writes them in the
//! organisation's time zone, the host sends its first sync's bound in UTC.

use deskpane_plugin_sdk::prelude::*;
use serde_json::{json, Value as Json};

use crate::api::{encode, Zoho, BATCH, PAGE_SIZE};
use crate::convert::{self, contract_module, field_type, str_field, zoho_module};
use crate::time::{before, later};
use crate::ZohoCrm;

/// Zoho takes at most 50 field names in `fields`.
const MAX_FIELDS: usize = 50;

/// Where a walk of the change feed stands. Serialised as the cursor.
#[derive(Default)]
struct Cursor {
    /// `records` or `deleted`.
    deleted_phase: bool,
    /// Records modified at or after this.
    since: Option<String>,
    /// Deletions at or after this.
    deleted_since: Option<String>,
    /// Page token within the current view or the deleted list.
    token: Option<String>,
    /// Page number within the deleted list.
    page: u32,
    /// Index of the current list view.
    view: usize,
    /// Newest modified / deleted time seen in this walk.
    newest: Option<String>,
    newest_deleted: Option<String>,
    /// First sync: only records created at or after this.
    created_after: Option<String>,
}

impl Cursor {
    fn parse(text: &str) -> Result<Cursor, ConnectorError> {
        let j: Json = serde_json::from_str(text)
            .map_err(|_| ConnectorError::Permanent(format!("the change-feed cursor `{text}` is not one this plugin wrote")))?;
        let s = |k: &str| j[k].as_str().map(str::to_string);
        Ok(Cursor {
            deleted_phase: j["phase"] == "deleted",
            since: s("since"),
            deleted_since: s("deleted_since"),
            token: s("token"),
            page: j["page"].as_u64().unwrap_or(1) as u32,
            view: j["view"].as_u64().unwrap_or(0) as usize,
            newest: s("newest"),
            newest_deleted: s("newest_deleted"),
            created_after: s("created_after"),
        })
    }

    fn to_text(&self) -> String {
        json!({
            "phase": if self.deleted_phase { "deleted" } else { "records" },
            "since": self.since, "deleted_since": self.deleted_since, "token": self.token,
            "page": self.page, "view": self.view, "newest": self.newest,
            "newest_deleted": self.newest_deleted, "created_after": self.created_after,
        })
        .to_string()
    }
}

fn field_names(zoho: &Zoho, module: &str) -> Result<String, ConnectorError> {
    let meta = zoho.get(&format!("/settings/fields?module={module}"))?.unwrap_or(Json::Null);
    let names: Vec<&str> =
        meta["fields"].as_array().map(|f| f.iter().filter_map(|f| f["api_name"].as_str()).take(MAX_FIELDS).collect()).unwrap_or_default();
    Ok(names.join(","))
}

fn passes(record: &Json, filters: &[Field]) -> bool {
    filters.iter().all(|f| record[&f.name] == convert::to_json(&f.value))
}

/// A per-record outcome `{code, details, message, status}` as the contract's.
pub fn outcome(o: &Json) -> Result<Written, ConnectorError> {
    let details = &o["details"];
    let api_name = details["api_name"].as_str().unwrap_or("").to_string();
    let message = o["message"].as_str().unwrap_or("").to_string();
    match o["code"].as_str().unwrap_or("") {
        "SUCCESS" => Ok(Written {
            id: str_field(details, "id").ok_or_else(|| ConnectorError::Permanent("Zoho CRM reported success without an id".into()))?,
            action: if o["action"] == "update" || message == "record updated" { WriteAction::Updated } else { WriteAction::Created },
            modified_time: str_field(details, "Modified_Time"),
        }),
        "DUPLICATE_DATA" => {
            Err(ConnectorError::Duplicate(DuplicateInfo { field: api_name, existing_id: str_field(&details["duplicate_record"], "id") }))
        }
        "MANDATORY_NOT_FOUND" => Err(ConnectorError::MandatoryMissing(vec![api_name])),
        "INVALID_DATA" => {
            if let Some(expected) = details["expected_data_type"].as_str() {
                Err(ConnectorError::TypeMismatch(TypeMismatchInfo {
                    field: api_name.clone(),
                    expected: field_type(expected),
                    message: format!("{message}: {api_name} expects {expected}"),
                }))
            } else if let Some(id) = str_field(details, "id") {
                Err(ConnectorError::NotFound(format!("record {id}")))
            } else {
                Err(ConnectorError::Permanent(format!("INVALID_DATA: {message} ({api_name})")))
            }
        }
        "" => Err(ConnectorError::Permanent(format!("Zoho CRM gave no outcome for a record: {o}"))),
        code => Err(ConnectorError::Permanent(format!("{code}: {message}"))),
    }
}

/// The per-record outcomes of a write answer, checked to match the batch.
fn outcomes(body: Option<Json>, expected: usize) -> Result<Vec<Json>, ConnectorError> {
    let data = body.and_then(|b| b["data"].as_array().cloned()).unwrap_or_default();
    if data.len() != expected {
        return Err(ConnectorError::Permanent(format!("Zoho CRM answered {} outcomes for {expected} records", data.len())));
    }
    Ok(data)
}

impl Sync for ZohoCrm {
    fn describe_module(module: Module) -> Result<Vec<FieldMeta>, ConnectorError> {
        let zoho = Zoho::connect();
        let name = zoho_module(module)?;
        let body = zoho.get(&format!("/settings/fields?module={name}"))?.unwrap_or(Json::Null);
        Ok(body["fields"]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .map(|f| FieldMeta {
                        name: f["api_name"].as_str().unwrap_or_default().to_string(),
                        label: f["field_label"].as_str().or(f["display_label"].as_str()).unwrap_or_default().to_string(),
                        field_type: field_type(f["data_type"].as_str().unwrap_or_default()),
                        mandatory: f["system_mandatory"].as_bool().unwrap_or(false),
                        max_length: f["length"].as_u64().map(|l| l as u32),
                        read_only: f["read_only"].as_bool().unwrap_or(false),
                        custom: f["custom_field"].as_bool().unwrap_or(false),
                        picklist_values: f["pick_list_values"]
                            .as_array()
                            .map(|v| v.iter().filter_map(|p| p["actual_value"].as_str().map(str::to_string)).collect())
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    fn list_views(module: Module) -> Result<Vec<ListView>, ConnectorError> {
        let zoho = Zoho::connect();
        let body = zoho.get(&format!("/settings/custom_views?module={}", zoho_module(module)?))?.unwrap_or(Json::Null);
        Ok(body["custom_views"]
            .as_array()
            .map(|views| {
                views
                    .iter()
                    .filter_map(|v| {
                        Some(ListView { id: str_field(v, "id")?, name: v["display_value"].as_str().or(v["name"].as_str())?.to_string() })
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    fn changes(module: Module, query: FeedQuery, cursor: Option<String>) -> Result<ChangePage, ConnectorError> {
        let zoho = Zoho::connect();
        let name = zoho_module(module)?;
        let mut c = match &cursor {
            Some(text) => Cursor::parse(text)?,
            None => Cursor { since: query.since.clone(), created_after: query.since.clone(), page: 1, ..Default::default() },
        };
        let per_page = query.page_size.clamp(1, PAGE_SIZE);
        let mut changes = Vec::new();

        if !c.deleted_phase {
            let mut path =
                format!("/{name}?fields={}&sort_by=Modified_Time&sort_order=asc&per_page={per_page}", encode(&field_names(&zoho, name)?));
            if let Some(view) = query.list_views.get(c.view) {
                path.push_str(&format!("&cvid={}", encode(view)));
            }
            if let Some(token) = &c.token {
                path.push_str(&format!("&page_token={}", encode(token)));
            }
            let body = zoho.get_since(&path, c.since.as_deref())?;
            let data = body.as_ref().and_then(|b| b["data"].as_array().cloned()).unwrap_or_default();
            for record in &data {
                c.newest = later(c.newest.take(), str_field(record, "Modified_Time"));
                let created = str_field(record, "Created_Time");
                // Zoho writes times in the organisation's time zone, the host
                // in UTC: compared as instants.
                if c.created_after.as_ref().is_some_and(|after| created.as_ref().is_some_and(|t| before(t, after))) {
                    continue;
                }
                if !passes(record, &query.filters) {
                    continue;
                }
                let modified = str_field(record, "Modified_Time");
                changes.push(Change {
                    kind: if created.is_some() && created == modified { ChangeKind::Created } else { ChangeKind::Updated },
                    id: str_field(record, "id").unwrap_or_default(),
                    record: Some(convert::to_record(record)),
                    changed_time: modified,
                });
            }
            let info = body.as_ref().map(|b| b["info"].clone()).unwrap_or(Json::Null);
            if info["more_records"].as_bool().unwrap_or(false) {
                c.token = info["next_page_token"].as_str().map(str::to_string);
            } else if c.view + 1 < query.list_views.len() {
                c.view += 1;
                c.token = None;
            } else {
                c.deleted_phase = true;
                c.token = None;
                c.page = 1;
            }
            return Ok(ChangePage { changes, next_cursor: c.to_text(), has_more: true });
        }

        // Deletions. A first sync only learns where deletions stand now.
        let first_sync = c.created_after.is_some() && c.deleted_since.is_none();
        let page_size = if first_sync { 1 } else { per_page };
        let path = format!("/{name}/deleted?type=all&per_page={page_size}&page={}", c.page);
        let body = zoho.get_since(&path, if first_sync { None } else { c.deleted_since.as_deref() })?;
        let data = body.as_ref().and_then(|b| b["data"].as_array().cloned()).unwrap_or_default();
        for deleted in &data {
            c.newest_deleted = later(c.newest_deleted.take(), str_field(deleted, "deleted_time"));
            if !first_sync {
                changes.push(Change {
                    kind: ChangeKind::Deleted,
                    id: str_field(deleted, "id").unwrap_or_default(),
                    record: None,
                    changed_time: str_field(deleted, "deleted_time"),
                });
            }
        }
        let more = !first_sync && body.as_ref().is_some_and(|b| b["info"]["more_records"].as_bool().unwrap_or(false));
        if more {
            c.page += 1;
            return Ok(ChangePage { changes, next_cursor: c.to_text(), has_more: true });
        }
        // The walk is complete: the next one starts where this one ended.
        let next = Cursor {
            since: later(c.since, c.newest),
            deleted_since: later(c.deleted_since, c.newest_deleted).or_else(|| Some("1970-01-01T00:00:00+00:00".into())),
            page: 1,
            ..Default::default()
        };
        Ok(ChangePage { changes, next_cursor: next.to_text(), has_more: false })
    }

    fn upsert(
        module: Module,
        records: Vec<CrmRecord>,
        duplicate_check_fields: Vec<String>,
    ) -> Result<Vec<Result<Written, ConnectorError>>, ConnectorError> {
        let zoho = Zoho::connect();
        let name = zoho_module(module)?;
        let mut results: Vec<Option<Result<Written, ConnectorError>>> = records.iter().map(|_| None).collect();
        let (updates, creates): (Vec<usize>, Vec<usize>) = (0..records.len()).partition(|&i| records[i].id.is_some());
        for (batch, creating) in updates.chunks(BATCH).map(|b| (b, false)).chain(creates.chunks(BATCH).map(|b| (b, true))) {
            let data: Vec<Json> = batch.iter().map(|&i| convert::from_record(&records[i])).collect();
            let answer = if !creating {
                zoho.write(Method::Put, &format!("/{name}"), &json!({ "data": data }))?
            } else if duplicate_check_fields.is_empty() {
                zoho.write(Method::Post, &format!("/{name}"), &json!({ "data": data }))?
            } else {
                let body = json!({ "data": data, "duplicate_check_fields": duplicate_check_fields });
                zoho.write(Method::Post, &format!("/{name}/upsert"), &body)?
            };
            for (&i, o) in batch.iter().zip(outcomes(answer, batch.len())?) {
                results[i] = Some(outcome(&o));
            }
        }
        Ok(results.into_iter().map(|r| r.expect("every record is in one batch")).collect())
    }

    fn delete(module: Module, ids: Vec<String>) -> Result<Vec<Result<(), ConnectorError>>, ConnectorError> {
        let zoho = Zoho::connect();
        let name = zoho_module(module)?;
        let mut results = Vec::with_capacity(ids.len());
        for batch in ids.chunks(BATCH) {
            let joined = batch.iter().map(|id| encode(id)).collect::<Vec<_>>().join(",");
            let answer = zoho.delete(&format!("/{name}?ids={joined}"))?;
            for o in outcomes(answer, batch.len())? {
                results.push(outcome(&o).map(|_| ()));
            }
        }
        Ok(results)
    }

    fn watch(modules: Vec<Module>, url: String, token: String) -> Result<(), ConnectorError> {
        let zoho = Zoho::connect();
        let events = modules.iter().map(|m| zoho_module(*m).map(|n| format!("{n}.all"))).collect::<Result<Vec<_>, _>>()?;
        let body = json!({ "watch": [{
            "channel_id": channel_id(&url),
            "events": events,
            "token": token,
            "notify_url": url,
        }]});
        let answer = zoho.write(Method::Post, "/actions/watch", &body)?.unwrap_or(Json::Null);
        match answer["watch"][0]["code"].as_str() {
            Some("SUCCESS") => Ok(()),
            _ => Err(ConnectorError::Permanent(format!("Zoho CRM refused the watch subscription: {answer}"))),
        }
    }

    fn parse_notification(notification: Notification) -> Result<Notified, ConnectorError> {
        let body: Json = serde_json::from_slice(&notification.body)
            .map_err(|e| ConnectorError::Permanent(format!("the notification is not JSON: {e}")))?;
        let module_name = body["module"].as_str().unwrap_or_default();
        let module = contract_module(module_name)
            .ok_or_else(|| ConnectorError::Permanent(format!("the notification names an unknown module `{module_name}`")))?;
        let kind = match body["operation"].as_str() {
            Some("insert") => ChangeKind::Created,
            Some("update") => ChangeKind::Updated,
            Some("delete") => ChangeKind::Deleted,
            other => return Err(ConnectorError::Permanent(format!("the notification has an unknown operation {other:?}"))),
        };
        let changes = body["ids"]
            .as_array()
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| id.as_str().map(str::to_string).or_else(|| id.as_u64().map(|n| n.to_string())))
                    .map(|id| Change { kind, id, record: None, changed_time: None })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Notified { module, changes, token: str_field(&body, "token") })
    }
}

/// Zoho wants a numeric channel id; derive a stable one from the URL
/// (FNV-1a), so watching again replaces rather than duplicates.
fn channel_id(url: &str) -> u64 {
    deskpane_plugin_sdk::hash::fnv1a(url.as_bytes()) % 1_000_000_000_000
}
