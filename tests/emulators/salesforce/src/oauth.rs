//! The OAuth 2.0 server Salesforce runs at login.salesforce.com: the
//! web-server (authorization code) and refresh-token flows, revocation,
//! the identity URL, and the sessions API calls must carry.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::state::Shared;
use crate::util::{hmac_sha256, lock, make_id, now_ms, parse_form, random_hex};

pub const DEMO_REFRESH_TOKEN: &str = "5Aep861DeskpaneDemo.RefreshToken.0000000000000000000000";

pub struct Auth {
    pub client_id: String,
    pub client_secret: String,
    pub org_id: String,
    /// The refresh token issued at start, for the API user.
    pub demo_refresh: String,
    /// Who every grant signs in (consent is implied).
    api_user: String,
    /// Refresh token -> user id.
    refresh_tokens: HashMap<String, String>,
    /// Access token -> (user id, the refresh token it came from).
    sessions: HashMap<String, (String, String)>,
    /// Unused authorization codes -> redirect URI.
    codes: HashMap<String, String>,
}

impl Auth {
    pub fn new(client_id: String, client_secret: String, api_user: &str) -> Auth {
        // Fixed, like Zoho's demo token, so demo configurations can name it.
        let demo_refresh = DEMO_REFRESH_TOKEN.to_string();
        Auth {
            client_id,
            client_secret,
            org_id: make_id("00D", 1),
            refresh_tokens: HashMap::from([(demo_refresh.clone(), api_user.to_string())]),
            demo_refresh,
            api_user: api_user.to_string(),
            sessions: HashMap::new(),
            codes: HashMap::new(),
        }
    }

    fn open_session(&mut self, user: &str, refresh: &str) -> String {
        let token = format!("{}!AR{}", &self.org_id[..15], random_hex(48));
        self.sessions.insert(token.clone(), (user.to_string(), refresh.to_string()));
        token
    }

    /// A session for the user as if refreshed with the demo refresh token.
    pub fn issue_access(&mut self, user: &str) -> String {
        let refresh = self.demo_refresh.clone();
        self.open_session(user, &refresh)
    }

    pub fn expire_sessions(&mut self) {
        self.sessions.clear();
    }

    /// Revokes every refresh token and the sessions opened with them.
    pub fn revoke_refresh_tokens(&mut self) {
        self.refresh_tokens.clear();
        self.sessions.clear();
    }

    /// The user of `Authorization: Bearer <token>` (`OAuth <token>` too, as older clients send).
    pub fn verify(&self, headers: &HeaderMap) -> Result<String, ApiError> {
        let value = headers.get(header::AUTHORIZATION).and_then(|h| h.to_str().ok()).ok_or(ApiError::InvalidSession)?;
        let (scheme, token) = value.trim().split_once(' ').ok_or(ApiError::InvalidSession)?;
        if !scheme.eq_ignore_ascii_case("Bearer") && !scheme.eq_ignore_ascii_case("OAuth") {
            return Err(ApiError::InvalidSession);
        }
        self.sessions.get(token.trim()).map(|(user, _)| user.clone()).ok_or(ApiError::InvalidSession)
    }

    fn identity_url(&self, base_url: &str, user: &str) -> String {
        format!("{base_url}/id/{}/{user}", self.org_id)
    }

    /// The token endpoint's answer: status and body.
    fn grant(&mut self, params: &HashMap<String, String>, base_url: &str) -> (StatusCode, Value) {
        let param = |name: &str| params.get(name).map(String::as_str).unwrap_or("");
        let error = |code: &str, description: &str| (StatusCode::BAD_REQUEST, json!({"error": code, "error_description": description}));
        if param("client_id") != self.client_id {
            return error("invalid_client_id", "client identifier invalid");
        }
        if param("client_secret") != self.client_secret {
            return error("invalid_client", "invalid client credentials");
        }
        let (user, refresh, new_refresh) = match param("grant_type") {
            "refresh_token" => match self.refresh_tokens.get(param("refresh_token")) {
                Some(user) => (user.clone(), param("refresh_token").to_string(), false),
                None => return error("invalid_grant", "expired access/refresh token"),
            },
            "authorization_code" => match self.codes.get(param("code")) {
                Some(uri) if uri != param("redirect_uri") => {
                    return error("redirect_uri_mismatch", "redirect_uri must match configuration")
                }
                Some(_) => {
                    self.codes.remove(param("code"));
                    let refresh = format!("5Aep861{}", random_hex(40));
                    let user = self.api_user.clone();
                    self.refresh_tokens.insert(refresh.clone(), user.clone());
                    (user, refresh, true)
                }
                None => return error("invalid_grant", "authentication failure"),
            },
            _ => return error("unsupported_grant_type", "grant type not supported"),
        };
        let access_token = self.open_session(&user, &refresh);
        let id = self.identity_url(base_url, &user);
        let issued_at = now_ms().to_string();
        let signature = base64::engine::general_purpose::STANDARD
            .encode(hmac_sha256(self.client_secret.as_bytes(), format!("{id}{issued_at}").as_bytes()));
        let mut body = json!({
            "access_token": access_token,
            "instance_url": base_url,
            "id": id,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": signature,
            "scope": "api refresh_token",
        });
        if new_refresh {
            body["refresh_token"] = json!(refresh);
        }
        (StatusCode::OK, body)
    }
}

/// Form parameters from the query string and an urlencoded body.
async fn form(query: Option<String>, body: Bytes) -> HashMap<String, String> {
    let mut params: HashMap<String, String> = parse_form(query.as_deref().unwrap_or("")).into_iter().collect();
    params.extend(parse_form(&String::from_utf8_lossy(&body)));
    params
}

/// `POST /services/oauth2/token`.
pub async fn token(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    let params = form(query, body).await;
    let (status, body) = lock(&shared.auth).grant(&params, &shared.base_url);
    (status, Json(body)).into_response()
}

/// `POST /services/oauth2/revoke`: a refresh token takes its sessions with it.
pub async fn revoke(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    let params = form(query, body).await;
    let token = params.get("token").cloned().unwrap_or_default();
    let mut auth = lock(&shared.auth);
    if auth.refresh_tokens.remove(&token).is_some() {
        auth.sessions.retain(|_, (_, refresh)| *refresh != token);
    } else if auth.sessions.remove(&token).is_none() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unsupported_token_type", "error_description": "this token type is not supported"})),
        )
            .into_response();
    }
    StatusCode::OK.into_response()
}

/// `GET /services/oauth2/authorize`: consent is implied, so it redirects at once with a code.
pub async fn authorize(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let params: HashMap<String, String> = parse_form(query.as_deref().unwrap_or("")).into_iter().collect();
    let param = |name: &str| params.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let mut auth = lock(&shared.auth);
    if param("client_id") != Some(auth.client_id.as_str()) {
        return (StatusCode::BAD_REQUEST, "error=invalid_client_id&error_description=client%20identifier%20invalid").into_response();
    }
    let Some(mut redirect) = param("redirect_uri").and_then(|uri| reqwest::Url::parse(uri).ok()) else {
        return (StatusCode::BAD_REQUEST, "error=redirect_uri_mismatch&error_description=redirect_uri%20must%20match%20configuration")
            .into_response();
    };
    {
        let mut pairs = redirect.query_pairs_mut();
        if param("response_type") == Some("code") {
            let code = format!("aPrx{}", random_hex(40));
            auth.codes.insert(code.clone(), param("redirect_uri").unwrap_or_default().to_string());
            pairs.append_pair("code", &code);
        } else {
            pairs.append_pair("error", "unsupported_response_type");
            pairs.append_pair("error_description", "response type not supported");
        }
        if let Some(state) = param("state") {
            pairs.append_pair("state", state);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, HeaderValue::from_str(redirect.as_str()).unwrap_or(HeaderValue::from_static("/")))])
        .into_response()
}

/// `GET /id/{org}/{user}`: the identity service clients call after a grant.
pub async fn identity(State(shared): State<Arc<Shared>>, Path((org, user)): Path<(String, String)>, headers: HeaderMap) -> Response {
    let auth = lock(&shared.auth);
    if let Err(e) = auth.verify(&headers) {
        return e.into_response();
    }
    if org != auth.org_id {
        return ApiError::NotFound.into_response();
    }
    let org_id = auth.org_id.clone();
    drop(auth);
    let store = shared.store();
    let Some(record) = store.get(&user).filter(|r| r.object.name == "User") else { return ApiError::NotFound.into_response() };
    let text = |f: &str| record.get(f).clone();
    let base = &shared.base_url;
    Json(json!({
        "id": format!("{base}/id/{org_id}/{user}"),
        "asserted_user": true,
        "user_id": user,
        "organization_id": org_id,
        "username": text("Username"),
        "nick_name": text("FirstName"),
        "display_name": text("Name"),
        "email": text("Email"),
        "first_name": text("FirstName"),
        "last_name": text("LastName"),
        "active": true,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "urls": {
            "rest": format!("{base}/services/data/v{{version}}/"),
            "sobjects": format!("{base}/services/data/v{{version}}/sobjects/"),
            "query": format!("{base}/services/data/v{{version}}/query/"),
        },
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn refresh_grant_opens_a_signed_session() {
        let mut auth = Auth::new("id".into(), "secret".into(), "005x");
        let refresh = auth.demo_refresh.clone();
        let (status, body) = auth.grant(
            &params(&[("grant_type", "refresh_token"), ("client_id", "id"), ("client_secret", "secret"), ("refresh_token", &refresh)]),
            "http://x",
        );
        assert_eq!(status, StatusCode::OK);
        let expected =
            hmac_sha256(b"secret", format!("{}{}", body["id"].as_str().unwrap(), body["issued_at"].as_str().unwrap()).as_bytes());
        assert_eq!(body["signature"], base64::engine::general_purpose::STANDARD.encode(expected));
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, format!("Bearer {}", body["access_token"].as_str().unwrap()).parse().unwrap());
        assert_eq!(auth.verify(&headers), Ok("005x".to_string()));
        auth.revoke_refresh_tokens();
        assert_eq!(auth.verify(&headers), Err(ApiError::InvalidSession));
    }
}
