//! What desk replicas on one store share of the registry. The store is the
//! truth: each installation's settings, and its package (manifest and
//! component) so that every replica runs the same files. A replica that
//! changes a plugin (install, upgrade, settings, connection, removal, files
//! replaced on disk) says so with a store notice; the others bring their
//! plugins folder and what they run into line with the store.
//!
//! On sled (one process) the notices go only to the process that sent them,
//! which ignores its own.

use std::path::Path;

use super::{confined, folder_digest_of, Installation, Registry, RegistryError, MANIFEST_FILE};

/// The store's packages: `<id>/manifest`, `<id>/component` and, written
/// last, `<id>/digest` (the folder digest those files make).
const PACKAGES: &str = "plugins.packages";
/// The notice topic of a plugin changed by a replica; the body is
/// `<replica>:<plugin id>`.
pub const PLUGIN_CHANGED: &str = "plugin";

fn key(id: &str, part: &str) -> String {
    format!("{id}/{part}")
}

impl Registry {
    fn packages(&self) -> Result<deskpane_store::Tree, RegistryError> {
        Ok(self.db.tree(PACKAGES)?)
    }

    /// Keeps the files of `id`'s folder in the store, for the other
    /// replicas (and for this one, should its folder be lost).
    pub(super) fn share_package(&self, id: &str, dir: &Path) -> Result<(), RegistryError> {
        let manifest_text = std::fs::read(dir.join(MANIFEST_FILE))?;
        let manifest = super::admit_manifest(&String::from_utf8_lossy(&manifest_text))?;
        let component = std::fs::read(confined(dir, &manifest.component)?)?;
        let digest = folder_digest_of(&[(MANIFEST_FILE, &manifest_text), (&manifest.component, &component)]);
        let packages = self.packages()?;
        if packages.get(key(id, "digest"))?.as_deref() == Some(digest.as_bytes()) {
            return Ok(());
        }
        // The digest last: a replica never takes a half-written package.
        packages.remove(key(id, "digest"))?;
        packages.insert(key(id, "manifest"), &manifest_text)?;
        packages.insert(key(id, "component"), &component)?;
        packages.insert(key(id, "digest"), digest.as_bytes())?;
        packages.flush()?;
        Ok(())
    }

    pub(super) fn unshare_package(&self, id: &str) -> Result<(), RegistryError> {
        let packages = self.packages()?;
        for part in ["digest", "manifest", "component"] {
            packages.remove(key(id, part))?;
        }
        Ok(())
    }

    /// Puts the store's package of `id` into its folder when the folder
    /// holds other files (or none). The digest of what the folder then
    /// holds (the store's package), so that loading it need not read it
    /// twice; `None` when the store has no package for it.
    pub(super) fn fetch_package(&self, id: &str) -> Result<Option<String>, RegistryError> {
        let packages = self.packages()?;
        let Some(digest) = packages.get(key(id, "digest"))? else {
            return Ok(None);
        };
        let digest = String::from_utf8_lossy(&digest).into_owned();
        let target = confined(&self.dir, id)?;
        if super::folder_digest(&target).as_ref() == Some(&digest) {
            return Ok(Some(digest));
        }
        let (Some(manifest_text), Some(component)) = (packages.get(key(id, "manifest"))?, packages.get(key(id, "component"))?) else {
            return Ok(None);
        };
        let manifest = super::admit_manifest(&String::from_utf8_lossy(&manifest_text))?;
        let staging = self.dir.join(format!(".staging-{}", crate::secrets::random_token()));
        std::fs::create_dir_all(&staging)?;
        let written = (|| -> Result<(), RegistryError> {
            std::fs::write(confined(&staging, MANIFEST_FILE)?, &manifest_text)?;
            std::fs::write(confined(&staging, &manifest.component)?, &component)?;
            Ok(super::swap_folder(&self.dir, &staging, &target)?)
        })();
        let _ = std::fs::remove_dir_all(&staging);
        written?;
        Ok(Some(digest))
    }

    /// This process among the desk replicas on the store (random, new at
    /// every start).
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// Tells the other replicas that `id` changed.
    pub(super) fn announce(&self, id: &str) {
        if let Err(e) = self.db.notify(PLUGIN_CHANGED, &format!("{}:{id}", self.replica)) {
            tracing::warn!(plugin = %id, "the other desk replicas were not told of the change: {e}");
        }
    }

    /// A store notice about a plugin: `Some(id)` when another replica
    /// changed it.
    pub fn changed_elsewhere(&self, notice: &deskpane_store::Notice) -> Option<String> {
        let (replica, id) = notice.body.split_once(':')?;
        (notice.topic == PLUGIN_CHANGED && replica != self.replica).then(|| id.to_string())
    }

    /// Another replica changed `id`: this one runs what the store now says,
    /// files, settings and credentials, and drops what it cached from it.
    pub async fn follow(&self, id: &str) {
        let install = {
            let _files = self.files.lock().expect("registry files lock");
            match self.installation(id) {
                Ok(install) => {
                    let digest = self.fetch_package(id).unwrap_or_else(|e| {
                        tracing::error!(plugin = %id, "the plugin's files from the store could not be put in its folder: {e}");
                        None
                    });
                    self.permissions.write().expect("permissions lock").remove(id);
                    self.set_loaded(&install, self.load(&install, digest));
                    Some(install)
                }
                Err(_) => {
                    self.unload(id);
                    None
                }
            }
        };
        if let Some(install) = install {
            self.follow_credentials(&install).await;
        }
        self.changed(id);
    }

    /// [`Registry::follow`] for every plugin the store or this process knows.
    pub async fn follow_all(&self) {
        let mut ids: Vec<String> = self.installations().into_iter().map(|i| i.id).collect();
        for id in self.loaded.read().expect("registry lock").keys() {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        for id in ids {
            self.follow(&id).await;
        }
    }

    /// Forgets a plugin removed elsewhere: what runs, its credentials, its
    /// folder.
    fn unload(&self, id: &str) {
        let Some(dir) = confined(&self.dir, id).ok() else { return };
        if let Some(loaded) = self.loaded.write().expect("registry lock").remove(id) {
            tracing::info!(plugin = %id, version = %loaded.manifest.version, "removed on another replica");
        }
        self.credentials.forget_plugin(id);
        self.permissions.write().expect("permissions lock").remove(id);
        if dir.exists() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    /// Connects the credentials another replica connected (or changed), and
    /// disconnects those it disconnected.
    async fn follow_credentials(&self, install: &Installation) {
        self.credentials.forget_plugin_except(&install.id, install.connections.keys().chain(install.api_keys.keys()));
        for (name, key) in &install.api_keys {
            self.credentials.keys.insert(&install.id, name, crate::credentials::Secret { value: key.clone(), api_base: None });
        }
        for (name, connection) in &install.connections {
            if self.credentials.oauth.holds(&install.id, name, &connection.refresh_token) {
                continue;
            }
            let connected = match self.oauth_client(install, name) {
                Ok(client) => {
                    self.credentials.oauth.connect(&install.id, name, client, &connection.refresh_token).await.map_err(RegistryError::from)
                }
                Err(e) => Err(e),
            };
            if let Err(e) = connected {
                tracing::warn!(plugin = %install.id, "connecting credential `{name}` as another replica did failed: {e}");
            }
        }
    }
}
