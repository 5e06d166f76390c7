//! Errors of the API: request-level errors (`ApiError`, answered with
//! Zoho's shared error shape and status) and per-record outcomes of writes
//! (`RecordError`, one entry of the `data` array).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    AuthenticationFailure,
    InvalidToken,
    InvalidModule,
    RequiredParamMissing {
        param: &'static str,
    },
    /// A query parameter with a bad value; `extra` joins `param_name` in `details`.
    InvalidParam {
        param: &'static str,
        extra: Value,
    },
    InvalidId {
        id: String,
    },
    /// The record in a sub-resource's path (`/{module}/{id}/Attachments`)
    /// is no live record of the module.
    InvalidRelatedId,
    /// An uploaded file over the size Zoho takes.
    FileTooLarge,
    InvalidRelatedList {
        name: String,
    },
    InvalidBody {
        reason: String,
    },
    InvalidQuery {
        reason: String,
        api_name: Option<String>,
    },
    InvalidField {
        api_name: String,
    },
    DiscretePaginationLimit,
    LimitExceeded {
        limit: u32,
    },
    TooManyRequests {
        reason: LimitReason,
        retry_after: Option<u64>,
    },
    InvalidUrl,
    InvalidMethod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitReason {
    Credits,
    Concurrency,
}

impl ApiError {
    pub fn invalid_param(param: &'static str) -> ApiError {
        ApiError::InvalidParam { param, extra: json!({}) }
    }

    fn parts(&self) -> (StatusCode, &'static str, Value, String) {
        use ApiError::*;
        let bad = StatusCode::BAD_REQUEST;
        match self {
            AuthenticationFailure => (StatusCode::UNAUTHORIZED, "AUTHENTICATION_FAILURE", json!({}), "Authentication failed".into()),
            InvalidToken => (StatusCode::UNAUTHORIZED, "INVALID_TOKEN", json!({}), "invalid oauth token".into()),
            InvalidModule => (bad, "INVALID_MODULE", json!({}), "the module name given seems to be invalid".into()),
            RequiredParamMissing { param } => {
                (bad, "REQUIRED_PARAM_MISSING", json!({"param_name": param}), "One of the expected parameter is missing".into())
            }
            InvalidParam { param, extra } => {
                let mut details = json!({"param_name": param});
                if let (Some(d), Some(e)) = (details.as_object_mut(), extra.as_object()) {
                    d.extend(e.clone());
                }
                (bad, "INVALID_DATA", details, format!("the {param} given seems to be invalid"))
            }
            InvalidId { id } => (bad, "INVALID_DATA", json!({"id": id}), "the id given seems to be invalid".into()),
            // The index of the offending segment after `/crm/v8/`: the record id.
            InvalidRelatedId => (bad, "INVALID_DATA", json!({"resource_path_index": 1}), "the related id given seems to be invalid".into()),
            FileTooLarge => {
                (bad, "FILE_SIZE_MORE_THAN_ALLOWED_SIZE", json!({}), "Please check if the size of the file is in the correct range".into())
            }
            InvalidRelatedList { name } => {
                (bad, "INVALID_DATA", json!({"api_name": name}), "the related list given seems to be invalid".into())
            }
            InvalidBody { reason } => (bad, "INVALID_DATA", json!({}), format!("invalid request body: {reason}")),
            InvalidQuery { reason, api_name } => {
                let mut details = json!({"reason": reason});
                if let Some(name) = api_name {
                    details["api_name"] = json!(name);
                }
                (bad, "INVALID_QUERY", details, "invalid query formed".into())
            }
            InvalidField { api_name } => (bad, "INVALID_DATA", json!({"api_name": api_name}), "invalid field".into()),
            DiscretePaginationLimit => {
                (bad, "DISCRETE_PAGINATION_LIMIT_EXCEEDED", json!({}), "cannot fetch more than 2000 records, use page_token".into())
            }
            LimitExceeded { limit } => (bad, "LIMIT_EXCEEDED", json!({"limit": limit}), "limit exceeded".into()),
            TooManyRequests { reason, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_REQUESTS",
                json!({}),
                match reason {
                    LimitReason::Credits => "You have exceeded the API credits limit",
                    LimitReason::Concurrency => "The concurrency limit of the user or the org has been reached",
                }
                .into(),
            ),
            InvalidUrl => (
                StatusCode::NOT_FOUND,
                "INVALID_URL_PATTERN",
                json!({}),
                "Please check if the URL trying to access is a correct one".into(),
            ),
            InvalidMethod => (bad, "INVALID_REQUEST_METHOD", json!({}), "The http request method type is not a valid one".into()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, details, message) = self.parts();
        let body = json!({"code": code, "details": details, "message": message, "status": "error"});
        let mut response = (status, Json(body)).into_response();
        if let ApiError::TooManyRequests { retry_after: Some(seconds), .. } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Why one record of a write failed.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordError {
    MandatoryNotFound { api_name: String, json_path: String },
    DuplicateData { api_name: String, json_path: String, id: String, module: &'static str },
    WrongType { api_name: String, json_path: String, expected: &'static str },
    TooLong { api_name: String, json_path: String, maximum: u32 },
    UnknownField { api_name: String },
    UnknownId { id: String },
}

impl RecordError {
    /// The entry of the response's `data` array.
    pub fn outcome(&self) -> Value {
        use RecordError::*;
        let (code, details, message) = match self {
            MandatoryNotFound { api_name, json_path } => {
                ("MANDATORY_NOT_FOUND", json!({"api_name": api_name, "json_path": json_path}), "required field not found")
            }
            DuplicateData { api_name, json_path, id, module } => (
                "DUPLICATE_DATA",
                json!({
                    "api_name": api_name,
                    "json_path": json_path,
                    "duplicate_record": {
                        "id": id,
                        "module": {"api_name": module, "id": crate::modules::module(module).map(|m| m.id)},
                    },
                }),
                "duplicate data",
            ),
            WrongType { api_name, json_path, expected } => {
                ("INVALID_DATA", json!({"api_name": api_name, "json_path": json_path, "expected_data_type": expected}), "invalid data")
            }
            TooLong { api_name, json_path, maximum } => {
                ("INVALID_DATA", json!({"api_name": api_name, "json_path": json_path, "maximum_length": maximum}), "invalid data")
            }
            UnknownField { api_name } => ("INVALID_DATA", json!({"api_name": api_name}), "invalid field"),
            UnknownId { id } => ("INVALID_DATA", json!({"id": id}), "the id given seems to be invalid"),
        };
        json!({"code": code, "details": details, "message": message, "status": "error"})
    }
}
