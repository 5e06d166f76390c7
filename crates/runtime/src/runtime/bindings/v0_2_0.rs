//! Bindings of `deskpane:connector@0.2.0` (`wit/v0.2.0/`), converted into
//! the host's own types (`crate::contract`).

wasmtime::component::bindgen!({
    path: "../../wit/v0.2.0",
    world: "connector",
    imports: { default: async | trappable },
    exports: { default: async },
});

use self::deskpane::connector::{config, http, log, types};
use self::exports::deskpane::connector::{actions, panels, sync};
use super::convert::{
    connector_conversions, conversions_before_0_4, host_imports, lift_record, lift_variant, lift_variant_older, log_with_report_panic, Lift,
};
use crate::contract as c;
use crate::runtime::host::HostState;

connector_conversions!();

conversions_before_0_4!();

host_imports!();

log_with_report_panic!();
