//! Bindings of `deskpane:connector@0.1.0` (`wit/v0.1.0/`), converted into
//! the host's own types (`crate::contract`).

wasmtime::component::bindgen!({
    path: "../../wit/v0.1.0",
    world: "connector",
    imports: { default: async | trappable },
    exports: { default: async },
});

use self::deskpane::connector::{config, http, log, types};
use self::exports::deskpane::connector::{actions, panels, sync};
use super::convert::{connector_conversions, lift_record, lift_variant, Lift};
use crate::contract as c;
use crate::runtime::host::HostState;

connector_conversions!();

impl types::Host for HostState {}

impl http::Host for HostState {
    async fn send(&mut self, request: http::Request) -> wasmtime::Result<Result<http::Response, http::HttpError>> {
        Ok(self.http_send(request.lift()).await.lift())
    }

    async fn api_base(&mut self, credential: String) -> wasmtime::Result<Option<String>> {
        Ok(self.http_api_base(&credential))
    }
}

impl config::Host for HostState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.config_get(&key))
    }
}

impl log::Host for HostState {
    async fn log(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
        self.log_line(level.lift(), message);
        Ok(())
    }
}
