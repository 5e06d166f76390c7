//! A plugin on disk: its `plugin.toml` and the component it names.

use std::path::{Path, PathBuf};

use crate::manifest::{Manifest, ManifestError};

pub const MANIFEST_FILE: &str = "plugin.toml";

/// A manifest and its component's bytes, read but not yet compiled.
#[derive(Debug, Clone)]
pub struct PluginPackage {
    pub manifest: Manifest,
    pub manifest_path: PathBuf,
    pub component_path: PathBuf,
    pub component: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("no plugin at {0}: the path does not exist. Give a plugin folder, its plugin.toml, or its .wasm component")]
    Missing(PathBuf),
    #[error("no plugin.toml at {0}. A plugin folder holds plugin.toml beside its component")]
    NoManifest(PathBuf),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("the manifest names component `{component}` but {path} does not exist. Build the plugin (scripts/build-plugins.sh) or fix `component` in plugin.toml")]
    MissingComponent { component: String, path: PathBuf },
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

impl PluginPackage {
    /// Opens a plugin from its folder, its `plugin.toml`, or its `.wasm`
    /// file (with `plugin.toml` beside it).
    pub fn open(path: &Path) -> Result<Self, PackageError> {
        if !path.exists() {
            return Err(PackageError::Missing(path.to_path_buf()));
        }
        let manifest_path = if path.is_dir() {
            path.join(MANIFEST_FILE)
        } else if path.extension().is_some_and(|e| e == "wasm") {
            path.with_file_name(MANIFEST_FILE)
        } else {
            path.to_path_buf()
        };
        if !manifest_path.exists() {
            return Err(PackageError::NoManifest(manifest_path));
        }
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| PackageError::Io { path, source }
        };
        let text = std::fs::read_to_string(&manifest_path).map_err(io(&manifest_path))?;
        let manifest = Manifest::parse(&text, &manifest_path.display().to_string())?;
        let dir = manifest_path.parent().unwrap_or(Path::new("."));
        let component_path = if path.extension().is_some_and(|e| e == "wasm") { path.to_path_buf() } else { dir.join(&manifest.component) };
        if !component_path.exists() {
            return Err(PackageError::MissingComponent { component: manifest.component.clone(), path: component_path });
        }
        let component = std::fs::read(&component_path).map_err(io(&component_path))?;
        Ok(PluginPackage { manifest, manifest_path, component_path, component })
    }
}
