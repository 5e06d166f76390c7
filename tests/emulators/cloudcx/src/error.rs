//! The API's errors: `{"error":{"code","message"}}` with their status.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 400 `invalid_request`.
    InvalidRequest(String),
    /// 401 `unauthorized`.
    Unauthorized(&'static str),
    /// 404 `not_found`.
    NotFound(String),
    /// 429 `rate_limited` with `Retry-After: <seconds>`.
    RateLimited { retry_after: u64 },
}

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::InvalidRequest(message.into())
    }

    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::InvalidRequest(message) => (StatusCode::BAD_REQUEST, "invalid_request", message.clone()),
            ApiError::Unauthorized(message) => (StatusCode::UNAUTHORIZED, "unauthorized", (*message).into()),
            ApiError::NotFound(message) => (StatusCode::NOT_FOUND, "not_found", message.clone()),
            ApiError::RateLimited { retry_after } => {
                (StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("Too many requests; retry after {retry_after} s"))
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        let mut response = (status, Json(json!({"error": {"code": code, "message": message}}))).into_response();
        if let ApiError::RateLimited { retry_after } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}
