//! `/metrics`: the desk's and the runtime's metrics in Prometheus' text
//! format, for Administrators (a Prometheus scrape job authenticates with an
//! admin API token as `Authorization: Bearer`). docs/operations.md lists the
//! metrics.

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Admin, AppState};

/// Metrics in Prometheus' text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "admin",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4", content_type = "text/plain"), (status = 401), (status = 403)))]
async fn metrics(_admin: Admin) -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], crate::telemetry::prometheus().render())
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}
