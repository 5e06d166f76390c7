//! The connector contract's data, as the host owns it.
//!
//! Plugins are built against one version of the WIT contract
//! (`wit/v<version>/connector.wit`); `runtime::bindings` has one generated
//! module per version and converts its types into these. Everything else in
//! the host speaks only these types, so a new contract version changes the
//! bindings, not the panels, the sync or the server. Field and variant names
//! follow the WIT; the serde form is what the CLI prints and reads.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Module {
    Contacts,
    Accounts,
    Leads,
    Products,
    Potentials,
    Notes,
    Cases,
    Calls,
    Events,
    Tasks,
    Chats,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldType {
    Text,
    Textarea,
    Email,
    Phone,
    Url,
    Integer,
    Decimal,
    Currency,
    Percent,
    Boolean,
    Date,
    Datetime,
    Picklist,
    MultiPicklist,
    Lookup,
    User,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordRef {
    pub module: Module,
    pub id: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Null,
    Text(String),
    Integer(i64),
    Decimal(f64),
    Boolean(bool),
    Date(String),
    Datetime(String),
    TextList(Vec<String>),
    Reference(RecordRef),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub label: Option<String>,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldMeta {
    pub name: String,
    pub label: String,
    pub field_type: FieldType,
    pub mandatory: bool,
    pub max_length: Option<u32>,
    pub read_only: bool,
    pub custom: bool,
    pub picklist_values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrmRecord {
    pub id: Option<String>,
    pub fields: Vec<Field>,
    pub created_time: Option<String>,
    pub modified_time: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateInfo {
    pub field: String,
    pub existing_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeMismatchInfo {
    pub field: String,
    pub expected: FieldType,
    pub message: String,
}

/// A failure a plugin reports, in the contract's terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConnectorError {
    Duplicate(DuplicateInfo),
    MandatoryMissing(Vec<String>),
    TypeMismatch(TypeMismatchInfo),
    AlreadyMapped(String),
    NotFound(String),
    RateLimited(u32),
    AuthExpired,
    Transient(String),
    Permanent(String),
    Unsupported(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Requester {
    pub email: Option<String>,
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub account_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchKey {
    Email,
    SecondaryEmail,
    Phone,
    Name,
    AccountName,
    /// An agent linked the requester to this record (contract 0.4.0).
    Linked,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub record: RecordRef,
    pub match_key: MatchKey,
    pub display_name: String,
    pub email: Option<String>,
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub account: Option<RecordRef>,
    pub owner: Option<String>,
    pub fields: Vec<Field>,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Potential {
    pub record: RecordRef,
    pub stage: Option<String>,
    pub amount: Option<f64>,
    pub currency: Option<String>,
    pub closing_date: Option<String>,
    pub owner: Option<String>,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub record: RecordRef,
    pub title: Option<String>,
    pub content: String,
    pub author: Option<String>,
    pub created_time: Option<String>,
    pub link: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActivityKind {
    Call,
    Event,
    Task,
    Chat,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub record: RecordRef,
    pub kind: ActivityKind,
    pub subject: String,
    pub status: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub owner: Option<String>,
    pub description: Option<String>,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListView {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedQuery {
    pub list_views: Vec<String>,
    pub since: Option<String>,
    pub filters: Vec<Field>,
    pub page_size: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub id: String,
    pub record: Option<CrmRecord>,
    pub changed_time: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangePage {
    pub changes: Vec<Change>,
    pub next_cursor: String,
    pub has_more: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WriteAction {
    Created,
    Updated,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Written {
    pub id: String,
    pub action: WriteAction,
    pub modified_time: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notified {
    pub module: Module,
    pub changes: Vec<Change>,
    pub token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionKind {
    CreateLead,
    CreateContact,
    CreateCase,
    CreateTask,
    /// A note on the related record (contract 0.4.0).
    CreateNote,
    /// A call held with the related record, logged (contract 0.4.0).
    LogCall,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRequest {
    pub kind: ActionKind,
    pub fields: Vec<Field>,
    pub related_to: Option<RecordRef>,
    pub owner_email: Option<String>,
}

/// A file attached to a record or read from the system holding it.
#[derive(Clone, PartialEq, Eq)]
pub struct File {
    pub name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

impl std::fmt::Debug for File {
    // The content would flood a log line; its size says enough.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("File")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("bytes", &self.content.len())
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

/// A request a plugin asks the host to send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: HttpMethod,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub credential: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum HttpError {
    Denied(String),
    CredentialUnavailable(String),
    Timeout,
    TooLarge(u64),
    Connection(String),
    InvalidRequest(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl ConnectorError {
    /// What went wrong, as a sentence for the failure log or the panel.
    pub fn message(&self) -> String {
        match self {
            ConnectorError::Duplicate(d) => match &d.existing_id {
                Some(id) => format!("duplicate: record {id} already has this {}", d.field),
                None => format!("duplicate: another record already has this {}", d.field),
            },
            ConnectorError::MandatoryMissing(fields) => format!("Mandatory Field Missing: {}", fields.join(", ")),
            ConnectorError::TypeMismatch(t) => format!("field {}: {}", t.field, t.message),
            ConnectorError::AlreadyMapped(m) => format!("CRM ID is already mapped with another Support Entity ({m})"),
            ConnectorError::NotFound(what) => format!("not found: {what}"),
            ConnectorError::RateLimited(secs) => format!("the CRM's rate limit was reached; retry after {secs} s"),
            ConnectorError::AuthExpired => "the CRM refused the credential as expired or revoked; reconnect the CRM".into(),
            ConnectorError::Transient(m) => format!("temporary failure: {m}"),
            ConnectorError::Permanent(m) => m.clone(),
            ConnectorError::Unsupported(what) => format!("not supported by this plugin: {what}"),
        }
    }
}

impl std::fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ConnectorError {}

impl HttpError {
    /// What went wrong, as a sentence.
    pub fn message(&self) -> String {
        match self {
            HttpError::Denied(m) => format!("request refused by the sandbox: {m}"),
            HttpError::CredentialUnavailable(m) => format!("credential unavailable: {m}"),
            HttpError::Timeout => "the server did not answer in time".into(),
            HttpError::TooLarge(cap) => format!("the response exceeded the {cap}-byte cap"),
            HttpError::Connection(m) => format!("connection failed: {m}"),
            HttpError::InvalidRequest(m) => format!("invalid request: {m}"),
        }
    }
}

impl Module {
    /// The module's name as the contract and manifests spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Module::Contacts => "contacts",
            Module::Accounts => "accounts",
            Module::Leads => "leads",
            Module::Products => "products",
            Module::Potentials => "potentials",
            Module::Notes => "notes",
            Module::Cases => "cases",
            Module::Calls => "calls",
            Module::Events => "events",
            Module::Tasks => "tasks",
            Module::Chats => "chats",
        }
    }
}
