//! wit-bindgen leaves the contract's type information in a custom section
//! of the core module; wit-component reads it and wraps the module into a
//! component, as the host loads it.

#[derive(Debug, thiserror::Error)]
pub enum ComponentizeError {
    #[error("the module has no deskpane:connector type information; was it built with the plugin SDK? ({0})")]
    NoTypeInformation(String),
    #[error("cannot turn the module into a component: {0}")]
    Encode(String),
}

/// The component of a core module built with wit-bindgen (the Rust SDK).
pub fn componentize(core: &[u8]) -> Result<Vec<u8>, ComponentizeError> {
    wit_component::ComponentEncoder::default()
        .module(core)
        .map_err(|e| ComponentizeError::NoTypeInformation(format!("{e:#}")))?
        .validate(true)
        .encode()
        .map_err(|e| ComponentizeError::Encode(format!("{e:#}")))
}
