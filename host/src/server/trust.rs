//! `/api/admin/publishers` and `/api/admin/plugin-policy`: the publishers
//! whose signed packages this desk installs, and whether it takes unsigned
//! plugins. Administrators only.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Admin, ApiResult, AppState};
use crate::registry::TrustedPublisher;

/// A trusted publisher.
#[derive(Serialize, ToSchema)]
pub struct PublisherView {
    /// The admin's name for them.
    name: String,
    /// `ed25519:<base64>`, as `deskpane plugin keygen` prints it.
    public_key: String,
    /// A short name for the key (24 hex characters), shown on plugin cards.
    fingerprint: String,
    /// RFC 3339.
    added_at: String,
    /// Installed plugins whose installed version this key signed.
    plugins: Vec<String>,
}

fn view(s: &AppState, p: TrustedPublisher) -> PublisherView {
    let plugins = s
        .registry
        .installations()
        .into_iter()
        .filter(|i| i.signed_by.as_ref().is_some_and(|by| by.public_key == p.public_key))
        .map(|i| i.id)
        .collect();
    PublisherView { name: p.name, public_key: p.public_key, fingerprint: p.fingerprint, added_at: p.added_at, plugins }
}

#[derive(Serialize, ToSchema)]
struct Publishers {
    publishers: Vec<PublisherView>,
}

/// The publishers whose signed packages this desk installs.
#[utoipa::path(get, path = "/api/admin/publishers", tag = "admin", responses((status = 200, body = Publishers), (status = 403)))]
async fn publishers(State(s): State<AppState>, _admin: Admin) -> Json<Publishers> {
    Json(Publishers { publishers: s.registry.trusted_publishers().into_iter().map(|p| view(&s, p)).collect() })
}

#[derive(Deserialize, ToSchema)]
struct PublisherBody {
    /// Who they are, at most 80 characters.
    name: String,
    /// `ed25519:<base64>`, as `deskpane plugin keygen` printed it.
    public_key: String,
}

/// Trusts a publisher's key; adding a key already trusted renames it.
#[utoipa::path(post, path = "/api/admin/publishers", tag = "admin", request_body = PublisherBody,
    responses((status = 201, body = PublisherView), (status = 422, description = "The name or key is not valid")))]
async fn add_publisher(
    State(s): State<AppState>,
    Admin(by): Admin,
    Json(body): Json<PublisherBody>,
) -> ApiResult<(StatusCode, Json<PublisherView>)> {
    let publisher = s.registry.trust_publisher(&body.name, &body.public_key)?;
    tracing::info!(by = %by.email, fingerprint = %publisher.fingerprint, "trusted publisher added");
    Ok((StatusCode::CREATED, Json(view(&s, publisher))))
}

/// Stops trusting a publisher. Plugins they signed stay installed; their
/// next version must come from a trusted publisher.
#[utoipa::path(delete, path = "/api/admin/publishers/{fingerprint}", tag = "admin", params(("fingerprint" = String, Path)),
    responses((status = 204), (status = 404)))]
async fn remove_publisher(State(s): State<AppState>, Admin(by): Admin, Path(fingerprint): Path<String>) -> ApiResult<StatusCode> {
    let publisher = s.registry.distrust_publisher(&fingerprint)?;
    tracing::info!(by = %by.email, fingerprint = %publisher.fingerprint, "trusted publisher removed");
    Ok(StatusCode::NO_CONTENT)
}

/// Whether plugins that no trusted publisher signed may be installed.
#[derive(Serialize, Deserialize, ToSchema)]
struct PluginPolicy {
    /// Off on a fresh desk: only packages signed by a trusted publisher install.
    allow_unsigned: bool,
}

/// The desk's plugin signature policy.
#[utoipa::path(get, path = "/api/admin/plugin-policy", tag = "admin", responses((status = 200, body = PluginPolicy)))]
async fn policy(State(s): State<AppState>, _admin: Admin) -> Json<PluginPolicy> {
    Json(PluginPolicy { allow_unsigned: s.registry.allow_unsigned() })
}

/// Turns the installing of unsigned plugins on or off. Installed plugins
/// are not affected.
#[utoipa::path(put, path = "/api/admin/plugin-policy", tag = "admin", request_body = PluginPolicy,
    responses((status = 200, body = PluginPolicy)))]
async fn set_policy(State(s): State<AppState>, Admin(by): Admin, Json(body): Json<PluginPolicy>) -> ApiResult<Json<PluginPolicy>> {
    s.registry.set_allow_unsigned(body.allow_unsigned)?;
    if body.allow_unsigned {
        tracing::warn!(by = %by.email, "unsigned plugins are allowed");
    } else {
        tracing::info!(by = %by.email, "unsigned plugins are refused");
    }
    Ok(Json(PluginPolicy { allow_unsigned: s.registry.allow_unsigned() }))
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(publishers, add_publisher)).routes(routes!(remove_publisher)).routes(routes!(policy, set_policy))
}
