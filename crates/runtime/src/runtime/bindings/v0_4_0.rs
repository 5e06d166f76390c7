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

// ---- exports bound one call at a time ----------------------------------

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use wasmtime::component::{ComponentExportIndex, ComponentNamedList, Instance, InstancePre, Lower, TypedFunc};
use wasmtime::Store;

/// The interfaces under the names of the `Connector`'s accessors, so the
/// host's call macros can name an export's generated signature
/// (`deskpane_connector_panels::Guest::func_notes`) from the accessor.
pub(crate) use self::exports::deskpane::connector::actions as deskpane_connector_actions;
pub(crate) use self::exports::deskpane::connector::panels as deskpane_connector_panels;
pub(crate) use self::exports::deskpane::connector::sync as deskpane_connector_sync;

/// Every function the contract exports, by interface.
const EXPORTS: [(&str, &str, &[&str]); 3] = [
    (
        "deskpane_connector_panels",
        "deskpane:connector/panels@0.4.0",
        &["lookup-requester", "potentials", "notes", "activities", "find", "profile-of"],
    ),
    (
        "deskpane_connector_sync",
        "deskpane:connector/sync@0.4.0",
        &["describe-module", "list-views", "changes", "upsert", "delete", "watch", "parse-notification"],
    ),
    ("deskpane_connector_actions", "deskpane:connector/actions@0.4.0", &["perform", "attach", "download"]),
];

/// Where each export is in one plugin's component, found once, and whether
/// the component's exports have passed wasmtime's type check against the
/// generated bindings. The generated `ConnectorPre::instantiate_async`
/// checks all sixteen at every instance (~15% of a call); a plugin's first
/// instance goes that way, and later ones bind only the export called.
pub(crate) struct Exports {
    /// (accessor, function in snake case, index).
    index: Vec<(&'static str, String, ComponentExportIndex)>,
    checked: AtomicBool,
}

impl Exports {
    pub(crate) fn new(pre: &InstancePre<HostState>) -> wasmtime::Result<Arc<Exports>> {
        let component = pre.component();
        let mut index = Vec::new();
        for (accessor, interface, functions) in EXPORTS {
            let Some(at) = component.get_export_index(None, interface) else {
                wasmtime::bail!("the component does not export `{interface}`")
            };
            for function in functions {
                let Some(f) = component.get_export_index(Some(&at), function) else {
                    wasmtime::bail!("the component does not export `{function}` in `{interface}`")
                };
                index.push((accessor, function.replace('-', "_"), f));
            }
        }
        Ok(Arc::new(Exports { index, checked: AtomicBool::new(false) }))
    }

    /// Whether a whole instance of this component has been type-checked.
    pub(crate) fn checked(&self) -> bool {
        self.checked.load(Ordering::Acquire)
    }

    pub(crate) fn mark_checked(&self) {
        self.checked.store(true, Ordering::Release);
    }
}

/// An instance of a component whose exports passed the type check on an
/// earlier instance: each call binds its one export without checking again.
pub(crate) struct Unchecked {
    pub(crate) instance: Instance,
    pub(crate) exports: Arc<Exports>,
}

impl Unchecked {
    /// Calls `function` of the interface behind `accessor` with the types of
    /// `signature`, the generated bindings' `Guest::func_*` for that same
    /// function: the call macros derive all three from one identifier, so
    /// they cannot disagree.
    pub(crate) async fn call<'p, G, P, R>(
        &self,
        store: &mut Store<HostState>,
        accessor: &str,
        function: &str,
        _signature: fn(&'p G) -> TypedFunc<P, (R,)>,
        params: P,
    ) -> wasmtime::Result<R>
    where
        P: ComponentNamedList + Lower + Send + Sync,
        (R,): ComponentNamedList + wasmtime::component::Lift + Send + Sync + 'static,
    {
        let Some((_, _, index)) = self.exports.index.iter().find(|(a, f, _)| *a == accessor && f == function) else {
            wasmtime::bail!("the contract has no export `{function}` in `{accessor}`")
        };
        let func = self.instance.get_func(&mut *store, index).ok_or_else(|| wasmtime::format_err!("`{function}` is not a function"))?;
        // SAFETY: `Exports::checked` says an instance of this same component
        // passed the generated bindings' type check of every export, this
        // one with these very types (`signature` is its accessor), and all
        // instances of a component export the same types.
        let typed = unsafe { TypedFunc::<P, (R,)>::new_unchecked(func) };
        let (result,) = typed.call_async(&mut *store, params).await?;
        Ok(result)
    }
}
