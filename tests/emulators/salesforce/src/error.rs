//! Errors, typed: `ApiError` for a whole request (answered as Salesforce's
//! JSON array `[{"message","errorCode","fields"?}]`) and `RecordError` for
//! one record of a write (also the `errors` entry of composite answers).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum RecordError {
    RequiredMissing(Vec<String>),
    Duplicate {
        field: String,
        id: String,
    },
    UnknownField {
        name: String,
        object: String,
    },
    TooLong {
        field: String,
        label: String,
        value: String,
        max: u32,
    },
    WrongType {
        field: String,
        label: String,
        value: String,
    },
    InvalidEmail {
        field: String,
        label: String,
        value: String,
    },
    NotWritable(Vec<String>),
    CrossReference {
        field: String,
    },
    NotFound,
    Deleted,
    /// A good record of an all-or-none batch that failed elsewhere.
    RolledBack,
    /// A composite record without `attributes.type`, or of an unknown type.
    InvalidType(String),
    /// An id that cannot be one.
    MalformedId(String),
    /// A composite update record without `Id`.
    MissingId,
    /// A value Salesforce refuses on integrity grounds (a file published
    /// where it cannot be).
    FieldIntegrity {
        field: String,
        message: String,
    },
    /// A value of a restricted picklist that is not one of its values.
    RestrictedPicklist {
        field: String,
        label: String,
        value: String,
    },
    /// A value that does not deserialize (base64 that is not base64).
    JsonParser(String),
    /// An object the API does not create (ContentDocument: files are
    /// created through a ContentVersion); the label names it.
    NotInsertable(String),
}

impl RecordError {
    pub fn code(&self) -> &'static str {
        use RecordError::*;
        match self {
            RequiredMissing(_) => "REQUIRED_FIELD_MISSING",
            Duplicate { .. } => "DUPLICATE_VALUE",
            UnknownField { .. } => "INVALID_FIELD",
            TooLong { .. } => "STRING_TOO_LONG",
            WrongType { .. } => "INVALID_TYPE_ON_FIELD_IN_RECORD",
            InvalidEmail { .. } => "INVALID_EMAIL_ADDRESS",
            NotWritable(_) => "INVALID_FIELD_FOR_INSERT_UPDATE",
            CrossReference { .. } => "INVALID_CROSS_REFERENCE_KEY",
            NotFound => "NOT_FOUND",
            Deleted => "ENTITY_IS_DELETED",
            RolledBack => "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            InvalidType(_) => "INVALID_TYPE",
            MalformedId(_) => "MALFORMED_ID",
            MissingId => "MISSING_ARGUMENT",
            FieldIntegrity { .. } => "FIELD_INTEGRITY_EXCEPTION",
            RestrictedPicklist { .. } => "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            JsonParser(_) => "JSON_PARSER_ERROR",
            NotInsertable(_) => "INVALID_TYPE_FOR_OPERATION",
        }
    }

    pub fn message(&self) -> String {
        use RecordError::*;
        match self {
            RequiredMissing(fields) => format!("Required fields are missing: [{}]", fields.join(", ")),
            Duplicate { field, id } => format!("duplicate value found: {field} duplicates value on record with id: {id}"),
            UnknownField { name, object } => format!("No such column '{name}' on sobject of type {object}"),
            TooLong { label, value, max, .. } => format!("{label}: data value too large: {value} (max length={max})"),
            WrongType { label, value, .. } => format!("{label}: value not of required type: {value}"),
            InvalidEmail { label, value, .. } => format!("{label}: invalid email address: {value}"),
            NotWritable(fields) => format!(
                "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is \
                 read/write for your profile or permission set.",
                fields.join(", ")
            ),
            CrossReference { .. } => "invalid cross reference id".into(),
            NotFound => "The requested resource does not exist".into(),
            Deleted => "entity is deleted".into(),
            RolledBack => "Record rolled back because not all records were valid and the request was using AllOrNone header".into(),
            InvalidType(message) => message.clone(),
            MalformedId(id) => format!("malformed id {id}"),
            MissingId => "Id not specified in an update call".into(),
            FieldIntegrity { message, .. } => message.clone(),
            RestrictedPicklist { label, value, .. } => format!("{label}: bad value for restricted picklist field: {value}"),
            JsonParser(message) => message.clone(),
            NotInsertable(label) => format!("entity type cannot be inserted: {label}"),
        }
    }

    pub fn fields(&self) -> Vec<String> {
        use RecordError::*;
        match self {
            RequiredMissing(fields) | NotWritable(fields) => fields.clone(),
            Duplicate { field, .. } | TooLong { field, .. } | WrongType { field, .. } | InvalidEmail { field, .. } => vec![field.clone()],
            CrossReference { field } | FieldIntegrity { field, .. } | RestrictedPicklist { field, .. } => vec![field.clone()],
            _ => Vec::new(),
        }
    }

    /// The entry of a composite answer's `errors`.
    pub fn composite(&self) -> Value {
        json!({"statusCode": self.code(), "message": self.message(), "fields": self.fields()})
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    InvalidSession,
    RequestLimit,
    NotFound,
    MethodNotAllowed(String),
    JsonParser(String),
    MalformedQuery(String),
    InvalidField(String),
    InvalidType(String),
    InvalidQueryLocator,
    OffsetTooLarge,
    ExceededIdLimit,
    ReplicationDate(String),
    ExternalIdField(String),
    Record(RecordError),
}

impl From<RecordError> for ApiError {
    fn from(e: RecordError) -> ApiError {
        ApiError::Record(e)
    }
}

impl ApiError {
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        use ApiError::*;
        let bad = StatusCode::BAD_REQUEST;
        match self {
            InvalidSession => (StatusCode::UNAUTHORIZED, "INVALID_SESSION_ID", "Session expired or invalid".into()),
            RequestLimit => (StatusCode::FORBIDDEN, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.".into()),
            NotFound => (StatusCode::NOT_FOUND, "NOT_FOUND", "The requested resource does not exist".into()),
            MethodNotAllowed(allowed) => {
                (StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", format!("HTTP Method not allowed. Allowed are {allowed}"))
            }
            JsonParser(message) => (bad, "JSON_PARSER_ERROR", message.clone()),
            MalformedQuery(message) => (bad, "MALFORMED_QUERY", message.clone()),
            InvalidField(message) => (bad, "INVALID_FIELD", message.clone()),
            InvalidType(message) => (bad, "INVALID_TYPE", message.clone()),
            InvalidQueryLocator => (bad, "INVALID_QUERY_LOCATOR", "invalid query locator".into()),
            OffsetTooLarge => (bad, "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000".into()),
            ExceededIdLimit => (bad, "EXCEEDED_ID_LIMIT", "Maximum number of records is 200".into()),
            ReplicationDate(message) => (bad, "INVALID_REPLICATION_DATE", message.clone()),
            ExternalIdField(name) => {
                (StatusCode::NOT_FOUND, "NOT_FOUND", format!("Provided external ID field does not exist or is not accessible: {name}"))
            }
            Record(e) => {
                let status = match e {
                    RecordError::NotFound | RecordError::Deleted => StatusCode::NOT_FOUND,
                    _ => bad,
                };
                (status, e.code(), e.message())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        let mut entry = json!({"message": message, "errorCode": code});
        if let ApiError::Record(e) = &self {
            if !e.fields().is_empty() {
                entry["fields"] = json!(e.fields());
            }
        }
        (status, Json(json!([entry]))).into_response()
    }
}
