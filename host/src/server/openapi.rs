//! The OpenAPI document's frame: title, version, how callers authenticate.
//! The paths and schemas come from the handlers' `#[utoipa::path]`
//! annotations as the router registers them, so a route cannot be served
//! without being described (tests/web_api.rs checks the route table too).

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder, SecurityRequirement};

pub fn document() -> OpenApi {
    let components = ComponentsBuilder::new()
        .schema_from::<super::ErrorBody>()
        .security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(super::SESSION_COOKIE))))
        .security_scheme("token", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()))
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Deskpane")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "The desk's JSON API: desk records, the CRM panels beside a ticket, and the admin console \
                     (plugins, permissions, agents, API tokens, sync). Sign in with `POST /api/login` (session \
                     cookie) or send an API token as `Authorization: Bearer ...`. `/api/admin/...` is for \
                     Administrators. Errors are `{\"error\": \"...\"}`. See docs/api.md.",
                ))
                .build(),
        )
        .components(Some(components))
        .security(Some(vec![
            SecurityRequirement::new("session", Vec::<String>::new()),
            SecurityRequirement::new("token", Vec::<String>::new()),
        ]))
        .build()
}
