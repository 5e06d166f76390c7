//! The accounts server: OAuth 2.0 authorization-code and refresh-token
//! grants, and the access tokens `/crm/v8` requests must carry.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::state::Shared;
use crate::util::{lock, parse_form, random_hex};

pub const REFRESH_TOKEN: &str = "1000.refresh.demo";
const DEFAULT_SCOPE: &str = "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.READ,ZohoCRM.notifications.ALL";
const ACCESS_LIFETIME: Duration = Duration::from_secs(3600);

pub struct Accounts {
    client_id: String,
    client_secret: String,
    /// Refresh token -> the scope it grants.
    refresh_tokens: HashMap<String, String>,
    /// Access token -> when it expires.
    access_tokens: HashMap<String, Instant>,
    /// Unused authorization codes -> the scope consented to.
    codes: HashMap<String, String>,
}

impl Accounts {
    pub fn new(client_id: String, client_secret: String) -> Accounts {
        Accounts {
            client_id,
            client_secret,
            refresh_tokens: HashMap::from([(REFRESH_TOKEN.to_string(), DEFAULT_SCOPE.to_string())]),
            access_tokens: HashMap::new(),
            codes: HashMap::new(),
        }
    }

    pub fn issue_access(&mut self) -> String {
        let token = format!("1000.{}.{}", random_hex(32), random_hex(32));
        self.access_tokens.insert(token.clone(), Instant::now() + ACCESS_LIFETIME);
        token
    }

    pub fn expire_all(&mut self) {
        self.access_tokens.clear();
    }

    /// Checks `Authorization: Zoho-oauthtoken <token>`.
    pub fn verify(&self, header: Option<&HeaderValue>) -> Result<(), ApiError> {
        let value = header.and_then(|h| h.to_str().ok()).ok_or(ApiError::AuthenticationFailure)?;
        let (scheme, token) = value.trim().split_once(' ').ok_or(ApiError::AuthenticationFailure)?;
        // Authentication schemes are case-insensitive (RFC 9110).
        if !scheme.eq_ignore_ascii_case("Zoho-oauthtoken") {
            return Err(ApiError::AuthenticationFailure);
        }
        match self.access_tokens.get(token.trim()) {
            Some(expiry) if *expiry > Instant::now() => Ok(()),
            _ => Err(ApiError::InvalidToken),
        }
    }

    /// The token endpoint's answer; Zoho reports errors with status 200.
    fn grant(&mut self, params: &HashMap<String, String>, api_domain: &str) -> Value {
        let param = |name: &str| params.get(name).map(String::as_str).unwrap_or("");
        if param("client_id") != self.client_id || param("client_secret") != self.client_secret {
            return json!({"error": "invalid_client"});
        }
        let (scope, refresh_token) = match param("grant_type") {
            "refresh_token" => match self.refresh_tokens.get(param("refresh_token")) {
                Some(scope) => (scope.clone(), None),
                None => return json!({"error": "invalid_code"}),
            },
            "authorization_code" => match self.codes.remove(param("code")) {
                Some(scope) => {
                    let refresh = format!("1000.{}.{}", random_hex(32), random_hex(32));
                    self.refresh_tokens.insert(refresh.clone(), scope.clone());
                    (scope, Some(refresh))
                }
                None => return json!({"error": "invalid_code"}),
            },
            _ => return json!({"error": "unsupported_grant_type"}),
        };
        let mut answer = json!({
            "access_token": self.issue_access(),
            "expires_in": ACCESS_LIFETIME.as_secs(),
            "api_domain": api_domain,
            "token_type": "Bearer",
            "scope": scope,
        });
        if let Some(refresh) = refresh_token {
            answer["refresh_token"] = json!(refresh);
        }
        answer
    }
}

/// `POST /oauth/v2/token`; parameters may come in the form body or, as Zoho
/// also accepts, in the query string.
/// Parameters come in the query, an urlencoded body, or multipart form
/// data (what Zoho's own client libraries post).
pub async fn token(State(shared): State<Arc<Shared>>, request: axum::extract::Request) -> Json<Value> {
    use axum::extract::FromRequest;
    let mut params: HashMap<String, String> = parse_form(request.uri().query().unwrap_or("")).into_iter().collect();
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if multipart {
        if let Ok(mut form) = axum::extract::Multipart::from_request(request, &()).await {
            while let Ok(Some(field)) = form.next_field().await {
                let name = field.name().unwrap_or_default().to_string();
                if let Ok(value) = field.text().await {
                    params.insert(name, value);
                }
            }
        }
    } else if let Ok(body) = Bytes::from_request(request, &()).await {
        params.extend(parse_form(&String::from_utf8_lossy(&body)));
    }
    Json(lock(&shared.accounts).grant(&params, &shared.base_url))
}

/// `GET /oauth/v2/auth`: consent is implied, so it redirects at once with a code.
pub async fn authorize(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let params: HashMap<String, String> = parse_form(query.as_deref().unwrap_or("")).into_iter().collect();
    let param = |name: &str| params.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let mut accounts = lock(&shared.accounts);
    if param("client_id") != Some(accounts.client_id.as_str()) {
        return (StatusCode::BAD_REQUEST, "Invalid Client").into_response();
    }
    if param("response_type") != Some("code") {
        return (StatusCode::BAD_REQUEST, "response_type must be code").into_response();
    }
    let Some(mut redirect) = param("redirect_uri").and_then(|uri| reqwest::Url::parse(uri).ok()) else {
        return (StatusCode::BAD_REQUEST, "Invalid Redirect Uri").into_response();
    };
    let code = format!("1000.{}.{}", random_hex(32), random_hex(32));
    accounts.codes.insert(code.clone(), param("scope").unwrap_or(DEFAULT_SCOPE).to_string());
    {
        let mut pairs = redirect.query_pairs_mut();
        pairs.append_pair("code", &code);
        if let Some(state) = param("state") {
            pairs.append_pair("state", state);
        }
        pairs.append_pair("location", "us");
        pairs.append_pair("accounts-server", &shared.base_url);
    }
    (StatusCode::FOUND, [(header::LOCATION, redirect.to_string())]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn refresh_grant_issues_a_working_token() {
        let mut accounts = Accounts::new("id".into(), "secret".into());
        let answer = accounts.grant(
            &params(&[("grant_type", "refresh_token"), ("client_id", "id"), ("client_secret", "secret"), ("refresh_token", REFRESH_TOKEN)]),
            "http://x",
        );
        let token = answer["access_token"].as_str().unwrap();
        let header = HeaderValue::from_str(&format!("Zoho-oauthtoken {token}")).unwrap();
        assert_eq!(accounts.verify(Some(&header)), Ok(()));
        accounts.expire_all();
        assert_eq!(accounts.verify(Some(&header)), Err(ApiError::InvalidToken));
    }

    #[test]
    fn errors_answer_with_an_error_field() {
        let mut accounts = Accounts::new("id".into(), "secret".into());
        let bad_secret =
            params(&[("grant_type", "refresh_token"), ("client_id", "id"), ("client_secret", "x"), ("refresh_token", REFRESH_TOKEN)]);
        assert_eq!(accounts.grant(&bad_secret, "http://x"), json!({"error": "invalid_client"}));
        let bad_token =
            params(&[("grant_type", "refresh_token"), ("client_id", "id"), ("client_secret", "secret"), ("refresh_token", "1000.x")]);
        assert_eq!(accounts.grant(&bad_token, "http://x"), json!({"error": "invalid_code"}));
    }

    #[test]
    fn other_schemes_fail_authentication() {
        let accounts = Accounts::new("id".into(), "secret".into());
        assert_eq!(accounts.verify(None), Err(ApiError::AuthenticationFailure));
        let bearer = HeaderValue::from_static("Bearer abc");
        assert_eq!(accounts.verify(Some(&bearer)), Err(ApiError::AuthenticationFailure));
    }
}
