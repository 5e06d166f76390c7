//! Bindings of `deskpane:connector@0.4.0` (`wit/v0.4.0/`), converted into
//! the host's own types (`crate::contract`). Adds `panels.profile-of`, the
//! match key `linked` and the action kinds `create-note` and `log-call`
//! to 0.3.0.

wasmtime::component::bindgen!({
    path: "../../wit/v0.4.0",
    world: "connector",
    imports: { default: async | trappable },
    exports: { default: async },
});

use self::deskpane::connector::{config, http, log, types};
use self::exports::deskpane::connector::{actions, panels, sync};
use super::convert::{connector_conversions, host_imports, lift_record, lift_variant, log_with_report_panic, Lift};
use crate::contract as c;
use crate::runtime::host::HostState;

connector_conversions!();

lift_variant!(panels::MatchKey, c::MatchKey { Email, SecondaryEmail, Phone, Name, AccountName, Linked });
lift_variant!(actions::ActionKind, c::ActionKind { CreateLead, CreateContact, CreateCase, CreateTask, CreateNote, LogCall });

host_imports!();

log_with_report_panic!();

lift_record!(actions::File, c::File { name, content_type, content });
