//! The change feed of conversations, webhooks, and finding visitors.

use deskpane_plugin_sdk::hash;
use deskpane_plugin_sdk::prelude::*;
use serde_json::{json, Value as Json};

use crate::api::{checked_id, encode, is_id, list_page, Cloudcx};
use crate::convert::{change_kind, conversation_record, str_of, value_eq, visitor_fields, visitor_record};
use crate::notify::EVENT_TYPES;

/// Largest feed page: each conversation of a page is read once more for
/// its transcript and attachments, so a page costs up to this many
/// requests plus one.
pub const MAX_FEED_PAGE: u32 = 50;

/// Most conversations remembered at the last timestamp seen.
const MAX_SEEN: usize = 1000;

/// Where the feed stands, as the opaque cursor the host keeps.
///
/// While a listing is under way, `api` is CloudCX's `next_cursor`. Once
/// it ends, the next poll asks again with `updated_since` = `since` (the
/// greatest `updated_at` seen); that bound is inclusive, so `seen` names
/// the conversations already given at exactly that time, to skip. Each is
/// remembered with a fingerprint of its list item: CloudCX keeps times to
/// the millisecond, and a conversation changed again within the same
/// millisecond (a chat ended right after its last message) keeps its
/// `updated_at`, so only the changed item tells it apart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeedCursor {
    pub api: Option<String>,
    pub since: Option<String>,
    pub seen: Vec<Seen>,
}

/// A conversation given at the cursor's `since`.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub id: String,
    /// Hex FNV-1a of the list item as CloudCX sent it; none in cursors
    /// written before fingerprints were kept (the id alone then matches).
    pub print: Option<String>,
}

impl FeedCursor {
    pub fn parse(text: &str) -> Result<FeedCursor, ConnectorError> {
        let bad = || ConnectorError::Permanent(format!("`{}` is not a cursor of the CloudCX change feed", text.escape_debug()));
        let json: Json = serde_json::from_str(text).map_err(|_| bad())?;
        let opt = |key: &str| match json.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad()),
        };
        let seen_one = |entry: &Json| match entry {
            Json::String(id) => Some(Seen { id: id.clone(), print: None }),
            Json::Array(pair) => match &pair[..] {
                [Json::String(id), Json::String(print)] => Some(Seen { id: id.clone(), print: Some(print.clone()) }),
                _ => None,
            },
            _ => None,
        };
        let seen = match json.get("seen") {
            None | Some(Json::Null) => Vec::new(),
            Some(Json::Array(entries)) => entries.iter().map(|e| seen_one(e).ok_or_else(bad)).collect::<Result<_, _>>()?,
            Some(_) => return Err(bad()),
        };
        if !json.is_object() {
            return Err(bad());
        }
        Ok(FeedCursor { api: opt("api")?, since: opt("since")?, seen })
    }

    pub fn to_text(&self) -> String {
        let seen: Vec<Json> = self
            .seen
            .iter()
            .map(|s| match &s.print {
                Some(print) => json!([s.id, print]),
                None => json!(s.id),
            })
            .collect();
        json!({"api": self.api, "since": self.since, "seen": seen}).to_string()
    }

    /// Notes a listed item; false when it was given before (at `since`)
    /// and is unchanged.
    pub fn note(&mut self, item: &Json) -> bool {
        let Some(id) = str_of(item, "id") else { return true };
        let Some(updated_at) = str_of(item, "updated_at") else { return true };
        let print = format!("{:016x}", hash::fnv1a(item.to_string().as_bytes()));
        if self.since.as_deref() == Some(updated_at.as_str()) {
            let room = self.seen.len() < MAX_SEEN;
            match self.seen.iter_mut().find(|s| s.id == id) {
                Some(seen) if seen.print.as_ref().is_none_or(|p| *p == print) => return false,
                Some(seen) => seen.print = Some(print),
                None if room => self.seen.push(Seen { id, print: Some(print) }),
                None => {}
            }
        } else {
            self.since = Some(updated_at);
            self.seen = vec![Seen { id, print: Some(print) }];
        }
        true
    }
}

/// Whether a record's fields equal every filter (text without regard to case).
pub fn passes(record: &CrmRecord, filters: &[Field]) -> bool {
    filters.iter().all(|f| {
        let value = record.fields.iter().find(|r| r.name == f.name).map(|r| &r.value).unwrap_or(&Value::Null);
        match (value, &f.value) {
            (Value::Text(a), Value::Text(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => value_eq(a, b),
        }
    })
}

/// The conversation with its messages and attachments, else the list
/// item (a conversation another tenant's id or gone answers 404).
pub fn detail(cx: &Cloudcx, item: &Json) -> Result<Json, ConnectorError> {
    match str_of(item, "id").filter(|id| is_id(id)) {
        Some(id) => match cx.get(&format!("/conversations/{id}")) {
            Ok(full) if full.is_object() => Ok(full),
            Ok(_) | Err(ConnectorError::NotFound(_)) => Ok(item.clone()),
            Err(e) => Err(e),
        },
        None => Ok(item.clone()),
    }
}

pub fn changes(module: Module, query: FeedQuery, cursor: Option<String>) -> Result<ChangePage, ConnectorError> {
    if module != Module::Chats {
        return Err(unsupported(&format!("CloudCX's change feed has conversations (chats) only, not {module:?}")));
    }
    if !query.list_views.is_empty() {
        return Err(unsupported("CloudCX has no list views"));
    }
    // `channel` is filtered by CloudCX, other fields here.
    let mut channel = None;
    let mut filters = Vec::new();
    for f in query.filters {
        match (&f.name[..], &f.value) {
            ("channel", Value::Text(c)) if c == "web_chat" || c == "inbox" => channel = Some(c.clone()),
            ("channel", other) => return Err(ConnectorError::Permanent(format!("the channel filter is web_chat or inbox, not {other:?}"))),
            _ => filters.push(f),
        }
    }
    let mut feed = match &cursor {
        Some(text) => FeedCursor::parse(text)?,
        None => FeedCursor { since: query.since.clone().filter(|s| !s.trim().is_empty()), ..Default::default() },
    };
    let limit = query.page_size.clamp(1, MAX_FEED_PAGE);
    let path = match &feed.api {
        // A CloudCX cursor carries its filters: sent alone.
        Some(api) => format!("/conversations?limit={limit}&cursor={}", encode(api)),
        None => {
            let mut path = format!("/conversations?limit={limit}");
            if let Some(since) = &feed.since {
                path.push_str(&format!("&updated_since={}", encode(since)));
            }
            if let Some(channel) = &channel {
                path.push_str(&format!("&channel={channel}"));
            }
            path
        }
    };
    let cx = Cloudcx::connect()?;
    let (items, next) = list_page(&cx.get(&path)?)?;
    let mut out = Vec::with_capacity(items.len());
    // Each conversation carries its visitor (`visitor.*`), as a webhook
    // event does, so the desk can record it from the feed alone; a page
    // reads each visitor once.
    let mut visitors: std::collections::HashMap<String, Json> = std::collections::HashMap::new();
    for item in &items {
        let Some(id) = str_of(item, "id") else { continue };
        if !feed.note(item) {
            continue;
        }
        let full = detail(&cx, item)?;
        let mut record = conversation_record(&full);
        if let Some(visitor_id) = str_of(&full, "visitor_id").filter(|v| is_id(v)) {
            if !visitors.contains_key(&visitor_id) {
                let visitor = cx.get(&format!("/visitors/{}", encode(&visitor_id))).unwrap_or(Json::Null);
                visitors.insert(visitor_id.clone(), visitor);
            }
            record.fields.extend(visitor_fields(&visitors[&visitor_id], "visitor."));
        }
        if !passes(&record, &filters) {
            continue;
        }
        out.push(Change { kind: change_kind(&full), id, changed_time: record.modified_time.clone(), record: Some(record) });
    }
    let has_more = next.is_some();
    feed.api = next;
    Ok(ChangePage { changes: out, next_cursor: feed.to_text(), has_more })
}

pub fn watch(modules: Vec<Module>, url: String, token: String) -> Result<(), ConnectorError> {
    if let Some(other) = modules.iter().find(|m| !matches!(m, Module::Chats | Module::Contacts)) {
        return Err(unsupported(&format!("CloudCX notifies of conversations and visitors, not {other:?}")));
    }
    if token.is_empty() {
        return Err(ConnectorError::Permanent("CloudCX signs webhooks with the token: it cannot be empty".into()));
    }
    // Every event type: the token is the signing secret, and registering
    // the same url again replaces the earlier registration.
    let cx = Cloudcx::connect()?;
    let answer = cx.post("/webhooks", &json!({"url": url, "secret": token, "events": EVENT_TYPES}))?;
    let id = str_of(&answer, "id").unwrap_or_else(|| "?".into());
    log::info(&format!("CloudCX webhook {id} notifies {url} of {}", EVENT_TYPES.join(", ")));
    Ok(())
}

/// What a visitor search asks: the `email` and `phone` filters.
#[derive(Debug, Default, PartialEq)]
pub struct VisitorQuery {
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl VisitorQuery {
    /// The query of `find`'s fields; `None` when no visitor can match
    /// (a phone without digits, two different emails).
    pub fn from_fields(matching: &[Field]) -> Result<Option<VisitorQuery>, ConnectorError> {
        if matching.is_empty() {
            return Err(ConnectorError::Permanent("find needs at least one field to match".into()));
        }
        let mut q = VisitorQuery::default();
        for f in matching {
            let name = f.name.to_ascii_lowercase();
            if name != "email" && name != "phone" {
                return Err(unsupported(&format!("CloudCX finds visitors by email and phone only, not by `{}`", f.name.escape_debug())));
            }
            let Value::Text(text) = &f.value else {
                return Err(ConnectorError::Permanent(format!("the {name} to find is text, not {:?}", f.value)));
            };
            let (slot, value) = if name == "email" {
                (&mut q.email, text.trim().to_lowercase())
            } else {
                (&mut q.phone, text.chars().filter(char::is_ascii_digit).collect())
            };
            if value.is_empty() {
                return Ok(None);
            }
            match slot {
                Some(before) if *before != value => return Ok(None),
                _ => *slot = Some(value),
            }
        }
        Ok(Some(q))
    }

    pub fn path(&self) -> String {
        let mut params = Vec::new();
        if let Some(email) = &self.email {
            params.push(format!("email={}", encode(email)));
        }
        if let Some(phone) = &self.phone {
            params.push(format!("phone={}", encode(phone)));
        }
        format!("/visitors?{}", params.join("&"))
    }
}

/// Visitors matching the query, most recently changed first.
pub fn visitors(cx: &Cloudcx, query: &VisitorQuery) -> Result<Vec<Json>, ConnectorError> {
    // CloudCX lists by updated_at ascending.
    let mut found = cx.all(&query.path())?;
    found.reverse();
    Ok(found)
}

pub fn find(module: Module, matching: &[Field], limit: u32) -> Result<Vec<CrmRecord>, ConnectorError> {
    if module != Module::Contacts {
        return Err(unsupported(&format!("CloudCX finds visitors (contacts) only, not {module:?}")));
    }
    let Some(query) = VisitorQuery::from_fields(matching)? else { return Ok(Vec::new()) };
    if limit == 0 {
        return Ok(Vec::new());
    }
    let cx = Cloudcx::connect()?;
    Ok(visitors(&cx, &query)?.iter().take(limit as usize).map(visitor_record).collect())
}

/// A visitor's conversations (list items), newest first.
pub fn conversations_of(cx: &Cloudcx, visitor_id: &str) -> Result<Vec<Json>, ConnectorError> {
    let id = checked_id(visitor_id, "visitor")?;
    let mut all = cx.all(&format!("/conversations?visitor_id={}", encode(id)))?;
    newest_first(&mut all);
    Ok(all)
}

/// Sorts conversations by start, newest first (then by id).
pub fn newest_first(conversations: &mut [Json]) {
    conversations.sort_by(|a, b| {
        let key = |c: &Json| (str_of(c, "started_at"), str_of(c, "id"));
        key(b).cmp(&key(a))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str, value: &str) -> Field {
        Field { name: name.into(), label: None, value: Value::Text(value.into()) }
    }

    fn item(id: &str, updated_at: &str, status: &str) -> Json {
        json!({"id": id, "updated_at": updated_at, "status": status})
    }

    #[test]
    fn the_feed_cursor_round_trips_and_skips_what_it_gave_at_the_last_time() {
        let mut c = FeedCursor::default();
        assert!(c.note(&item("conv_1", "t1", "open")));
        assert!(c.note(&item("conv_2", "t2", "open")));
        assert!(c.note(&item("conv_3", "t2", "open")));
        assert_eq!((c.since.as_deref(), c.seen.iter().map(|s| s.id.as_str()).collect::<Vec<_>>()), (Some("t2"), vec!["conv_2", "conv_3"]));
        let back = FeedCursor::parse(&c.to_text()).unwrap();
        assert_eq!(back, c);
        // Asked again from t2 (inclusive): the two come again and are skipped.
        let mut again = back;
        assert!(!again.note(&item("conv_2", "t2", "open")));
        assert!(!again.note(&item("conv_3", "t2", "open")));
        assert!(again.note(&item("conv_4", "t2", "open")));
        assert!(again.note(&item("conv_2", "t3", "open")), "changed since: given again");
        assert_eq!(again.seen.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["conv_2"]);

        let with_api = FeedCursor { api: Some("abc".into()), since: None, seen: vec![] };
        assert_eq!(FeedCursor::parse(&with_api.to_text()).unwrap(), with_api);
        for bad in ["", "abc", "[]", "{\"api\": 3}", "{\"seen\": [1]}", "{\"seen\": \"x\"}", "{\"seen\": [[\"conv_1\"]]}"] {
            assert!(matches!(FeedCursor::parse(bad), Err(ConnectorError::Permanent(_))), "{bad}");
        }
    }

    #[test]
    fn a_conversation_changed_again_within_the_same_millisecond_is_given_again_once() {
        let mut c = FeedCursor::default();
        assert!(c.note(&item("conv_1", "t1", "open")));
        // Ended in the same millisecond as its last message: same time, new item.
        let mut again = FeedCursor::parse(&c.to_text()).unwrap();
        assert!(again.note(&item("conv_1", "t1", "ended")));
        let mut after = FeedCursor::parse(&again.to_text()).unwrap();
        assert!(!after.note(&item("conv_1", "t1", "ended")), "unchanged since: skipped");
        assert_eq!(after.seen.len(), 1);
    }

    #[test]
    fn a_cursor_written_with_ids_alone_still_skips_by_id() {
        let mut old = FeedCursor::parse(r#"{"api": null, "since": "t1", "seen": ["conv_1"]}"#).unwrap();
        assert!(!old.note(&item("conv_1", "t1", "ended")));
        assert!(old.note(&item("conv_2", "t1", "open")));
    }

    #[test]
    fn filters_compare_text_without_case() {
        let record = conversation_record(&json!({"id": "conv_1", "status": "ended", "wrap_up": "Resolved", "offline": false}));
        assert!(passes(&record, &[]));
        assert!(passes(&record, &[text("wrap_up", "resolved"), text("status", "ENDED")]));
        assert!(!passes(&record, &[text("wrap_up", "Escalated")]));
        assert!(passes(&record, &[Field { name: "offline".into(), label: None, value: Value::Boolean(false) }]));
        assert!(passes(&record, &[Field { name: "note".into(), label: None, value: Value::Null }]));
        assert!(!passes(&record, &[text("nope", "x")]));
    }

    #[test]
    fn find_asks_by_email_and_phone_digits_only() {
        let q =
            VisitorQuery::from_fields(&[text("Email", " Mei.Chen@Zylker.example "), text("phone", "+1 (415) 555-0123")]).unwrap().unwrap();
        assert_eq!(q, VisitorQuery { email: Some("mei.chen@zylker.example".into()), phone: Some("14155550123".into()) });
        assert_eq!(q.path(), "/visitors?email=mei.chen%40zylker.example&phone=14155550123");
        assert_eq!(VisitorQuery::from_fields(&[text("phone", "n/a")]).unwrap(), None, "no digits: nobody");
        assert_eq!(VisitorQuery::from_fields(&[text("email", "a@x.example"), text("email", "b@x.example")]).unwrap(), None);
        assert!(VisitorQuery::from_fields(&[text("email", "a@x.example"), text("email", "A@x.example")]).unwrap().is_some());
        assert!(matches!(VisitorQuery::from_fields(&[]), Err(ConnectorError::Permanent(_))));
        assert!(matches!(VisitorQuery::from_fields(&[text("name", "Mei Chen")]), Err(ConnectorError::Unsupported(_))));
        let number = Field { name: "phone".into(), label: None, value: Value::Integer(5) };
        assert!(matches!(VisitorQuery::from_fields(&[number]), Err(ConnectorError::Permanent(_))));
    }

    #[test]
    fn conversations_sort_newest_first() {
        let mut list = vec![
            json!({"id": "conv_a", "started_at": "2026-11-01T00:00:00.000Z"}),
            json!({"id": "conv_c", "started_at": "2026-11-03T00:00:00.000Z"}),
            json!({"id": "conv_b", "started_at": "2026-11-03T00:00:00.000Z"}),
        ];
        newest_first(&mut list);
        let ids: Vec<_> = list.iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["conv_c", "conv_b", "conv_a"]);
    }
}
