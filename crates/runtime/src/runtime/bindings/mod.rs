//! The contract versions this host runs: one generated module per version
//! (`wit/v<version>/`), each converting into the host's own types
//! (`crate::contract`). A plugin is prepared with the bindings of the
//! version its manifest names; the rest of the runtime dispatches on
//! [`Bound`] and sees no generated type outside this folder, but for the
//! call macros naming a 0.4.0 export's generated signature
//! (`v0_4_0::Unchecked::call`).

pub(crate) mod convert;
pub(crate) mod v0_1_0;
pub(crate) mod v0_2_0;
pub(crate) mod v0_3_0;
pub(crate) mod v0_4_0;

use wasmtime::component::{HasSelf, InstancePre, Linker};
use wasmtime::Store;

use super::host::HostState;

/// A plugin's component, linked and type-checked for its contract version.
pub(crate) enum Pre {
    V0_1_0(v0_1_0::ConnectorPre<HostState>),
    V0_2_0(v0_2_0::ConnectorPre<HostState>),
    V0_3_0(v0_3_0::ConnectorPre<HostState>),
    V0_4_0(v0_4_0::ConnectorPre<HostState>, std::sync::Arc<v0_4_0::Exports>),
}

/// One instance of a plugin, for one call.
pub(crate) enum Bound {
    V0_1_0(v0_1_0::Connector),
    V0_2_0(v0_2_0::Connector),
    V0_3_0(v0_3_0::Connector),
    V0_4_0(v0_4_0::Connector),
    /// 0.4.0 once the plugin's first instance passed the type check: only
    /// the export called is bound.
    V0_4_0Unchecked(v0_4_0::Unchecked),
}

/// Adds every version's imports to the linker: they live side by side
/// under their versioned package names.
pub(crate) fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    v0_1_0::Connector::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    v0_2_0::Connector::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    v0_3_0::Connector::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    v0_4_0::Connector::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    Ok(())
}

impl Pre {
    /// `served` is the contract version the host serves the plugin with
    /// (`manifest::served_contract`).
    pub fn new(served: &str, pre: InstancePre<HostState>) -> wasmtime::Result<Pre> {
        Ok(match served {
            "0.1.0" => Pre::V0_1_0(v0_1_0::ConnectorPre::new(pre)?),
            "0.2.0" => Pre::V0_2_0(v0_2_0::ConnectorPre::new(pre)?),
            "0.3.0" => Pre::V0_3_0(v0_3_0::ConnectorPre::new(pre)?),
            "0.4.0" => {
                let exports = v0_4_0::Exports::new(&pre)?;
                Pre::V0_4_0(v0_4_0::ConnectorPre::new(pre)?, exports)
            }
            other => wasmtime::bail!("this host has no bindings for contract {other}"),
        })
    }

    pub async fn instantiate(&self, store: &mut Store<HostState>) -> wasmtime::Result<Bound> {
        Ok(match self {
            Pre::V0_1_0(pre) => Bound::V0_1_0(pre.instantiate_async(store).await?),
            Pre::V0_2_0(pre) => Bound::V0_2_0(pre.instantiate_async(store).await?),
            Pre::V0_3_0(pre) => Bound::V0_3_0(pre.instantiate_async(store).await?),
            Pre::V0_4_0(pre, exports) if exports.checked() => {
                let instance = pre.instance_pre().instantiate_async(&mut *store).await?;
                Bound::V0_4_0Unchecked(v0_4_0::Unchecked { instance, exports: exports.clone() })
            }
            Pre::V0_4_0(pre, exports) => {
                let bound = pre.instantiate_async(&mut *store).await?;
                exports.mark_checked();
                Bound::V0_4_0(bound)
            }
        })
    }

    /// The contract version these bindings implement.
    pub fn version(&self) -> &'static str {
        match self {
            Pre::V0_1_0(_) => "0.1.0",
            Pre::V0_2_0(_) => "0.2.0",
            Pre::V0_3_0(_) => "0.3.0",
            Pre::V0_4_0(..) => "0.4.0",
        }
    }
}
