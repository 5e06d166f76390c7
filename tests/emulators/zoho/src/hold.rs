//! Holding one request on its way in, so a test can act while a client is
//! waiting on the CRM (an extension for tests; Zoho has nothing like it).

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::util::lock;

/// A held request is let go after this even if the test never releases
/// it, so a failing test cannot wedge the emulator.
const MAX_HOLD: Duration = Duration::from_secs(30);

/// Holds waiting for their request.
#[derive(Default)]
pub struct Holds {
    pending: Mutex<Vec<Pending>>,
}

struct Pending {
    method: String,
    path: String,
    reached: oneshot::Sender<()>,
    release: oneshot::Receiver<()>,
}

/// The test's end of a hold: wait until the request arrives, then release it.
pub struct Hold {
    reached: Option<oneshot::Receiver<()>>,
    release: Option<oneshot::Sender<()>>,
}

impl Holds {
    /// Holds the next request with this method and path.
    pub fn add(&self, method: &str, path: &str) -> Hold {
        let (reached_tx, reached_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        lock(&self.pending).push(Pending { method: method.to_uppercase(), path: path.into(), reached: reached_tx, release: release_rx });
        Hold { reached: Some(reached_rx), release: Some(release_tx) }
    }

    /// Waits, if a hold is set for this request, until the test releases it.
    pub async fn wait(&self, method: &str, path: &str) {
        let pending = {
            let mut pending = lock(&self.pending);
            let at = pending.iter().position(|p| p.method == method && p.path == path);
            at.map(|i| pending.remove(i))
        };
        if let Some(p) = pending {
            let _ = p.reached.send(());
            let _ = tokio::time::timeout(MAX_HOLD, p.release).await;
        }
    }
}

impl Hold {
    /// Waits until the held request has arrived (it is now waiting).
    pub async fn reached(&mut self) {
        if let Some(rx) = self.reached.take() {
            tokio::time::timeout(MAX_HOLD, rx).await.expect("the held request arrives").expect("the emulator keeps the hold");
        }
    }

    /// Lets the held request go on (dropping the hold does too).
    pub fn release(mut self) {
        if let Some(tx) = self.release.take() {
            let _ = tx.send(());
        }
    }
}
