//! The WASI 0.2 a plugin gets: deny by default (docs/sandbox.md).
//!
//! Components built by componentize-js and componentize-py import WASI
//! whether or not the plugin's code uses it: their interpreters read the
//! clock, seed hash tables and print errors. The host grants what cannot
//! reach outside the sandbox and links the rest so that it refuses:
//!
//! - clocks (wall, monotonic) and random numbers: the host's;
//! - stdout and stderr: into the host's log, tagged with the plugin, a
//!   bounded number of lines per call; stdin is closed;
//! - environment and arguments: empty; `exit` ends the call as a trap;
//! - filesystem: no directory is preopened, so nothing can be opened;
//! - sockets: TCP and UDP refused, name lookup refused. A plugin reaches
//!   its CRM only through the contract's `http` import (allow-list,
//!   credentials, caps);
//! - `wasi:http` is not linked: a component importing it is refused at
//!   load with the toolchain flag that drops it.
//!
//! The context is built on a call's first WASI use, so plugins that never
//! touch WASI (the Rust SDK's) pay nothing for it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use wasmtime::component::{Linker, ResourceTable};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder};

use super::host::{MAX_LOG_LINE as MAX_LINE, MAX_LOG_LINES as MAX_LINES};

/// Lines of stderr kept to explain a crash.
const STDERR_TAIL: usize = 8;

/// The WASI interfaces the host links, without their versions (any 0.2.x).
pub(crate) const PROVIDED: &[&str] = &[
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/wall-clock",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
    "wasi:sockets/network",
    "wasi:sockets/instance-network",
    "wasi:sockets/tcp",
    "wasi:sockets/tcp-create-socket",
    "wasi:sockets/udp",
    "wasi:sockets/udp-create-socket",
    "wasi:sockets/ip-name-lookup",
];

/// Whether an import (`wasi:io/streams@0.2.9`) is a WASI 0.2 interface the
/// host links.
pub(crate) fn provides(import: &str) -> bool {
    let (name, version) = import.split_once('@').unwrap_or((import, ""));
    version.starts_with("0.2.") && PROVIDED.contains(&name)
}

/// What to tell an author whose component imports `import`, which the host
/// does not provide: the toolchain flag that drops it, where there is one.
pub(crate) fn hint(import: &str) -> Option<&'static str> {
    if import.starts_with("wasi:http/") {
        return Some(
            "a plugin reaches its CRM through the contract's `http` import: build with componentize-js `--disable http fetch-event`, and do not use `wasi:http` from Python",
        );
    }
    if import.starts_with("wasi:") {
        return Some("the host grants WASI 0.2 (docs/sandbox.md); componentize-py `--stub-wasi` or componentize-js `--disable` drop what an interpreter imports");
    }
    None
}

pub(crate) fn add_to_linker<T: wasmtime_wasi::WasiView>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)
}

/// One call's WASI: its context, its resources, and what it printed.
pub(crate) struct CallWasi {
    pub ctx: WasiCtx,
    pub table: ResourceTable,
    pub stdio: Arc<StdioLog>,
}

impl CallWasi {
    pub fn new(plugin: &str) -> CallWasi {
        let stdio = Arc::new(StdioLog { plugin: plugin.to_string(), state: Mutex::new(StdioState::default()) });
        let mut builder = WasiCtxBuilder::new();
        builder
            .stdout(LogOutput { log: stdio.clone(), stream: Stream::Stdout })
            .stderr(LogOutput { log: stdio.clone(), stream: Stream::Stderr })
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        CallWasi { ctx: builder.build(), table: ResourceTable::new(), stdio }
    }
}

/// A call's stdout and stderr, as they reach the log.
pub(crate) struct StdioLog {
    plugin: String,
    state: Mutex<StdioState>,
}

#[derive(Default)]
struct StdioState {
    lines: u32,
    stderr_tail: VecDeque<String>,
}

impl StdioLog {
    fn line(&self, stream: Stream, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes).trim_end().to_string();
        if text.is_empty() {
            return;
        }
        let text = super::host::clipped(text);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.lines += 1;
        if state.lines <= MAX_LINES {
            match stream {
                Stream::Stdout => tracing::info!(plugin = %self.plugin, "stdout: {text}"),
                Stream::Stderr => tracing::warn!(plugin = %self.plugin, "stderr: {text}"),
            }
        }
        if stream == Stream::Stderr {
            if state.stderr_tail.len() == STDERR_TAIL {
                state.stderr_tail.pop_front();
            }
            state.stderr_tail.push_back(text);
        }
    }

    /// The last lines the call wrote to stderr: what an interpreter prints
    /// before it aborts (an uncaught exception, a traceback).
    pub fn stderr_tail(&self) -> Option<String> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        (!state.stderr_tail.is_empty()).then(|| state.stderr_tail.iter().cloned().collect::<Vec<_>>().join("\n"))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

/// stdout or stderr of a call, as WASI sees it.
struct LogOutput {
    log: Arc<StdioLog>,
    stream: Stream,
}

impl IsTerminal for LogOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(LineWriter { log: self.log.clone(), stream: self.stream, pending: Vec::new() })
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        // Only WASI 0.3 asks for this; the host links 0.2.
        Box::new(tokio::io::sink())
    }
}

/// Splits what the guest writes into log lines; a line longer than the
/// cap is cut, the rest of it dropped.
struct LineWriter {
    log: Arc<StdioLog>,
    stream: Stream,
    pending: Vec<u8>,
}

impl LineWriter {
    fn emit_complete_lines(&mut self) {
        while let Some(end) = self.pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            self.log.line(self.stream, &line);
        }
        if self.pending.len() > MAX_LINE {
            let line: Vec<u8> = std::mem::take(&mut self.pending);
            self.log.line(self.stream, &line);
        }
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for LineWriter {
    async fn ready(&mut self) {}
}

impl OutputStream for LineWriter {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        self.pending.extend_from_slice(&bytes);
        self.emit_complete_lines();
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        let rest = std::mem::take(&mut self.pending);
        self.log.line(self.stream, &rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_wasi_0_2_interfaces_the_host_links_are_provided() {
        assert!(provides("wasi:io/streams@0.2.10") && provides("wasi:sockets/tcp@0.2.0"));
        assert!(!provides("wasi:http/outgoing-handler@0.2.3"), "wasi:http is not linked");
        assert!(!provides("wasi:io/streams@0.3.0-rc-2025-09-16") && !provides("wasi:io/streams"));
        assert!(!provides("deskpane:connector/http@0.3.0"));
        assert!(hint("wasi:http/types@0.2.3").unwrap().contains("--disable http fetch-event"));
        assert_eq!(hint("acme:crm/client@1.0.0"), None);
    }

    #[test]
    fn output_becomes_lines_and_stderr_is_kept_to_explain_a_crash() {
        let log = Arc::new(StdioLog { plugin: "p".into(), state: Mutex::new(StdioState::default()) });
        let mut err = LineWriter { log: log.clone(), stream: Stream::Stderr, pending: Vec::new() };
        err.write(bytes::Bytes::from_static(b"Error: boom\n    at lookup (plugin.js:3)")).unwrap();
        assert_eq!(log.stderr_tail().as_deref(), Some("Error: boom"), "a line is logged when it ends");
        drop(err);
        assert_eq!(log.stderr_tail().as_deref(), Some("Error: boom\n    at lookup (plugin.js:3)"), "the rest when the stream closes");
        let mut out = LineWriter { log: log.clone(), stream: Stream::Stdout, pending: Vec::new() };
        out.write(bytes::Bytes::from(vec![b'x'; MAX_LINE * 3])).unwrap();
        assert!(out.pending.is_empty(), "an endless line is cut, not buffered");
        for _ in 0..(STDERR_TAIL + 3) {
            log.line(Stream::Stderr, b"again");
        }
        assert_eq!(log.stderr_tail().unwrap().lines().count(), STDERR_TAIL, "only the last lines are kept");
    }
}
