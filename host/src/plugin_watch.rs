//! Hot reload: the server watches the registry's plugins folder and, when
//! an installed plugin's files change (`<data>/plugins/<id>/plugin.toml`,
//! its component), has the registry read and check them as an install
//! does and swap the new version in ([`Registry::reload_from_disk`]). A
//! change is acted on once the folder has been quiet for [`DEBOUNCE`], so a
//! manifest and a component copied one after the other are one change.
//!
//! The registry's own writes (its `.staging-*` and `.previous-*` folders)
//! are not looked at; an install's final rename is, and the registry finds
//! the files it has just loaded unchanged.

use std::collections::HashMap;
use std::path::{Component, Path};
use std::sync::Arc;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::registry::{DiskChange, Registry};

/// How long a plugin's folder must be quiet before its change is read.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// What the watcher saw.
#[derive(Debug, PartialEq, Eq)]
enum Touched {
    /// Something in this plugin's folder changed.
    Plugin(String),
    /// Events were lost (the kernel's queue overflowed): look at every plugin.
    All,
}

/// The running watch. Dropping it stops it: the file watcher closes and
/// the task that reloads plugins ends.
pub struct PluginWatch {
    _watcher: notify::RecommendedWatcher,
    task: tokio::task::JoinHandle<()>,
}

impl PluginWatch {
    /// Starts watching `registry`'s plugins folder. Needs a Tokio runtime.
    pub fn start(registry: Arc<Registry>) -> notify::Result<PluginWatch> {
        let root = registry.plugins_dir().to_path_buf();
        let (tx, rx) = mpsc::unbounded_channel();
        let events_root = root.clone();
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
            Ok(event) => {
                for touched in touched(&events_root, &event) {
                    let _ = tx.send(touched);
                }
            }
            Err(e) => tracing::warn!("watching the plugins folder: {e}"),
        })?;
        watcher.watch(&root, RecursiveMode::Recursive)?;
        tracing::info!("watching {} for plugins replaced on disk", root.display());
        let task = tokio::spawn(reload_when_quiet(registry, rx));
        Ok(PluginWatch { _watcher: watcher, task })
    }
}

impl Drop for PluginWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The plugins an event is about. Reads are not changes (the registry
/// reads the files it loads); metadata alone is not either.
fn touched(root: &Path, event: &notify::Event) -> Vec<Touched> {
    if event.need_rescan() {
        return vec![Touched::All];
    }
    let changes = match event.kind {
        EventKind::Create(_) | EventKind::Remove(_) | EventKind::Any => true,
        EventKind::Modify(kind) => !matches!(kind, ModifyKind::Metadata(_)),
        EventKind::Access(kind) => kind == AccessKind::Close(AccessMode::Write),
        EventKind::Other => false,
    };
    if !changes {
        return Vec::new();
    }
    let mut ids = Vec::new();
    for path in &event.paths {
        if let Some(id) = plugin_of(root, path) {
            let touched = Touched::Plugin(id);
            if !ids.contains(&touched) {
                ids.push(touched);
            }
        }
    }
    ids
}

/// The plugin whose folder `path` is in (or is), if any: the first name
/// under the plugins folder, unless it is hidden (the registry's own
/// `.staging-*` and `.previous-*`).
fn plugin_of(root: &Path, path: &Path) -> Option<String> {
    match path.strip_prefix(root).ok()?.components().next()? {
        Component::Normal(name) => name.to_str().filter(|n| !n.starts_with('.')).map(str::to_string),
        _ => None,
    }
}

/// Reloads each touched plugin once its folder has been quiet for
/// [`DEBOUNCE`]; ends when the watcher is dropped.
async fn reload_when_quiet(registry: Arc<Registry>, mut rx: mpsc::UnboundedReceiver<Touched>) {
    let mut due: HashMap<String, Instant> = HashMap::new();
    loop {
        let next = due.values().min().copied();
        tokio::select! {
            touched = rx.recv() => match touched {
                None => return,
                Some(Touched::Plugin(id)) => {
                    due.insert(id, Instant::now() + DEBOUNCE);
                }
                Some(Touched::All) => {
                    for install in registry.installations() {
                        due.insert(install.id, Instant::now() + DEBOUNCE);
                    }
                }
            },
            _ = tokio::time::sleep_until(next.unwrap_or_else(Instant::now)), if next.is_some() => {
                let now = Instant::now();
                let ready: Vec<String> = due.iter().filter(|(_, at)| **at <= now).map(|(id, _)| id.clone()).collect();
                for id in ready {
                    due.remove(&id);
                    reload(&registry, id).await;
                }
            }
        }
    }
}

/// One plugin's files changed: the registry reads, checks and swaps them
/// (compiling is blocking work). A refusal is logged and kept for the
/// console by the registry.
async fn reload(registry: &Arc<Registry>, id: String) {
    let registry = registry.clone();
    let plugin = id.clone();
    match tokio::task::spawn_blocking(move || registry.reload_from_disk(&plugin)).await {
        Ok(Ok(DiskChange::Reloaded { from, to })) => {
            let from = from.map_or_else(|| "a version that did not load".to_string(), |v| format!("version {v}"));
            tracing::info!(plugin = %id, "reloaded from its folder: {from} -> version {to}");
        }
        Ok(Ok(DiskChange::Unchanged | DiskChange::NotInstalled)) => {}
        Ok(Err(_)) => {}
        Err(e) => tracing::error!(plugin = %id, "reloading from its folder failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, MetadataKind, RemoveKind};

    fn event(kind: EventKind, paths: &[&str]) -> notify::Event {
        paths.iter().fold(notify::Event::new(kind), |e, p| e.add_path(p.into()))
    }

    #[test]
    fn changes_in_a_plugins_folder_name_the_plugin_and_nothing_else_does() {
        let root = Path::new("/data/plugins");
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        assert_eq!(touched(root, &event(write, &["/data/plugins/example/plugin.wasm"])), vec![Touched::Plugin("example".into())]);
        assert_eq!(
            touched(root, &event(EventKind::Create(CreateKind::Folder), &["/data/plugins/zoho-crm"])),
            vec![Touched::Plugin("zoho-crm".into())]
        );
        let closed = EventKind::Access(AccessKind::Close(AccessMode::Write));
        assert_eq!(touched(root, &event(closed, &["/data/plugins/example/plugin.toml"])), vec![Touched::Plugin("example".into())]);
        // Renamed within the folder: one plugin, named once.
        let renamed = EventKind::Modify(ModifyKind::Name(notify::event::RenameMode::Both));
        let both = event(renamed, &["/data/plugins/example/plugin.wasm.tmp", "/data/plugins/example/plugin.wasm"]);
        assert_eq!(touched(root, &both), vec![Touched::Plugin("example".into())]);

        // The registry's own folders, reads, metadata, and the root itself.
        assert!(touched(root, &event(write, &["/data/plugins/.staging-abc/plugin.wasm"])).is_empty());
        assert!(touched(root, &event(EventKind::Remove(RemoveKind::Folder), &["/data/plugins/.previous-abc"])).is_empty());
        let opened = EventKind::Access(AccessKind::Open(AccessMode::Any));
        assert!(touched(root, &event(opened, &["/data/plugins/example/plugin.wasm"])).is_empty());
        let read = EventKind::Access(AccessKind::Close(AccessMode::Read));
        assert!(touched(root, &event(read, &["/data/plugins/example/plugin.wasm"])).is_empty());
        let touched_only = EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any));
        assert!(touched(root, &event(touched_only, &["/data/plugins/example/plugin.wasm"])).is_empty());
        assert!(touched(root, &event(write, &["/data/plugins"])).is_empty());
        assert!(touched(root, &event(write, &["/elsewhere/example/plugin.wasm"])).is_empty());

        let overflow = notify::Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan);
        assert_eq!(touched(root, &overflow), vec![Touched::All]);
    }
}
