//! `deskpane-componentize <core.wasm> <component.wasm>`
//!
//! wit-bindgen leaves the contract's type information in a custom section of
//! the core module; wit-component reads it and wraps the module into a
//! component. Kept as a tiny tool so that building plugins does not wait for
//! the host (and wasmtime) to compile.

use anyhow::{bail, Context, Result};
use wit_component::ComponentEncoder;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        bail!("usage: deskpane-componentize <core.wasm> <component.wasm>");
    };
    let module = std::fs::read(input).with_context(|| format!("cannot read {input}"))?;
    let component = ComponentEncoder::default()
        .module(&module)
        .with_context(|| format!("{input} has no deskpane:connector type information; was it built with the plugin SDK?"))?
        .validate(true)
        .encode()
        .with_context(|| format!("cannot turn {input} into a component"))?;
    std::fs::write(output, component).with_context(|| format!("cannot write {output}"))?;
    Ok(())
}
