//! Observability: the Prometheus recorder behind `/metrics`, the metrics
//! the desk itself reports (panels served, sync records), and a span per
//! HTTP request carrying a request id (`X-Request-Id`), inside which the
//! runtime's `plugin_call` spans and `crm request` events are logged, so
//! one ticket's panel can be followed through the log. The runtime's own
//! metrics (plugin calls, queue wait, instances, CRM requests) are written
//! in `deskpane_runtime::telemetry`. Every name is listed in
//! docs/operations.md.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing::Instrument;

use crate::sync::Flow;

/// The process's recorder, installed on first use: one per process (tests
/// start several desks in one), shared by all of them.
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.000_05, 0.0001, 0.000_25, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder already installed (an embedding program's) keeps
        // its place; /metrics then shows only what this one sees.
        let _ = metrics::set_global_recorder(recorder);
        // Histograms keep each sample until they are folded into their
        // buckets, which a scrape of /metrics or this upkeep does: without
        // it, a desk nobody scrapes would grow with every plugin call.
        let upkeep = handle.clone();
        let _ = std::thread::Builder::new().name("deskpane-metrics".into()).spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(5));
            upkeep.run_upkeep();
        });
        handle
    })
}

/// A panel section served: from the `cache`, the `crm`, `stale` (last known
/// data while the CRM fails) or `failed`.
pub fn panel_section(plugin: &str, section: &'static str, source: &'static str) {
    metrics::counter!("deskpane_panel_sections_total", "plugin" => plugin.to_string(), "section" => section, "source" => source)
        .increment(1);
}

/// A sync run's counts for one module and direction.
pub fn sync_records(plugin: &str, module: &'static str, direction: Flow, added: u64, updated: u64, failed: u64) {
    let direction = match direction {
        Flow::CrmToDesk => "crm-to-desk",
        Flow::DeskToCrm => "desk-to-crm",
    };
    for (outcome, n) in [("added", added), ("updated", updated), ("failed", failed)] {
        metrics::counter!("deskpane_sync_records_total", "plugin" => plugin.to_string(), "module" => module, "direction" => direction, "outcome" => outcome)
            .increment(n);
    }
}

/// A module's import reached the end of the CRM's change feed: every CRM
/// change made before now is in the desk. Its lag behind the CRM is
/// `time() - deskpane_sync_caught_up_timestamp_seconds`, which grows while
/// a sync stalls, fails or is paused, and stays under the poll interval
/// (or a notification's round trip) while it keeps up.
pub fn sync_caught_up(plugin: &str, module: &'static str) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    metrics::gauge!("deskpane_sync_caught_up_timestamp_seconds", "plugin" => plugin.to_string(), "module" => module).set(now.as_secs_f64());
}

/// Middleware: a span per request with a fresh request id (also answered as
/// `X-Request-Id`), and the request counted and timed by route and status.
pub async fn trace_request(request: Request, next: Next) -> Response {
    let id = crate::secrets::random_hex(8);
    // The route's pattern, not the path: paths carry ids and emails.
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let span = tracing::info_span!("http", request_id = %id, %method, %route);
    let began = Instant::now();
    let mut response = next.run(request).instrument(span).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("deskpane_http_requests_total", "method" => method, "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("deskpane_http_request_seconds", "route" => route).record(began.elapsed().as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}
