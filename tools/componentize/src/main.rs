//! `deskpane-componentize <core.wasm> <component.wasm>`
//!
//! The componentize step of `deskpane plugin build`, as a tiny binary so
//! that the repository's plugin build (scripts/build-plugins.sh) does not
//! wait for the host (and wasmtime) to compile.

use anyhow::{bail, Context, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        bail!("usage: deskpane-componentize <core.wasm> <component.wasm>");
    };
    let module = std::fs::read(input).with_context(|| format!("cannot read {input}"))?;
    let component = deskpane_authoring::componentize::componentize(&module).with_context(|| input.clone())?;
    std::fs::write(output, component).with_context(|| format!("cannot write {output}"))?;
    Ok(())
}
