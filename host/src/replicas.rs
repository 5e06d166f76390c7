//! Following the other desk replicas on a shared store: their store notices
//! reach this process's registry (plugins installed, upgraded, reconfigured,
//! removed), sync runner (a change to sync) and panel caches. On sled there
//! are no others, and each part ignores the notices it sent itself.

use tokio::sync::broadcast::error::RecvError;

use crate::server::AppState;
use crate::sync::{SYNC_RUNNING, SYNC_WANTED};

/// Runs for as long as the desk serves.
pub async fn follow(state: AppState) {
    let mut notices = state.db.subscribe();
    loop {
        match notices.recv().await {
            Ok(notice) if notice.topic == deskpane_store::RESYNC => resync(&state).await,
            Ok(notice) => {
                if let Some(plugin) = state.registry.changed_elsewhere(&notice) {
                    state.registry.follow(&plugin).await;
                } else if notice.body == state.registry.replica() && (notice.topic == SYNC_WANTED || notice.topic == SYNC_RUNNING) {
                    // Its own: already acted on here.
                } else if notice.topic == SYNC_WANTED {
                    state.sync.wake();
                } else if notice.topic == SYNC_RUNNING {
                    state.sync.stand_by();
                } else {
                    state.panels.follow(&notice);
                }
            }
            // Fell behind, or notices were lost with the store's connection:
            // read again what the notices would have said.
            Err(RecvError::Lagged(_)) => resync(&state).await,
            Err(RecvError::Closed) => return,
        }
    }
}

/// Brings every plugin into line with the store, and looks for work to sync.
async fn resync(state: &AppState) {
    tracing::info!("re-reading the plugins from the store: notices from other desk replicas may have been missed");
    state.registry.follow_all().await;
    state.sync.wake();
}
