//! A loopback server that stops when its handle goes: what the Sample CRM
//! and the proxy share.

use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub(crate) struct Loopback {
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Loopback {
    /// Binds 127.0.0.1 on a free port and serves `app` on the current tokio
    /// runtime.
    pub(crate) async fn start(app: Router) -> std::io::Result<Loopback> {
        Self::start_on(app, 0).await
    }

    /// Binds 127.0.0.1 on `port` (0: a free one).
    pub(crate) async fn start_on(app: Router, port: u16) -> std::io::Result<Loopback> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
                tracing::warn!("loopback server on {addr} stopped: {e}");
            }
        });
        Ok(Loopback { addr, stop: Some(stop), task: Some(task) })
    }

    /// Stops accepting, lets requests in flight finish, and waits for that.
    pub(crate) async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        // Graceful: a plugin's request in flight still gets its answer.
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
