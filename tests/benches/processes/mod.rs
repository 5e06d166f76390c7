//! What the benchmarks that run `deskpane` and a CRM emulator as their own
//! processes share: release binaries, child processes that end with the
//! benchmark, and their resource use.

#![allow(dead_code)] // each benchmark uses part of it

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::Duration;

/// Where the benchmarks' own release binaries are built: a target folder of
/// their own (`target/bench-bins`). `cargo bench` builds `deskpane` with the
/// features its dev-dependencies add, a plain release build without them;
/// sharing `target/release`, each rebuilt over the other at every run.
fn bins_target_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench-bins"))
}

/// Builds these packages' binaries with the release profile (nothing to do
/// when they are current, which cargo checks in a second or so) and returns
/// the folder they are in. `cargo bench` builds the benchmark itself in
/// release, not the binaries it runs.
pub fn release_binaries(packages: &[&str]) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["build", "--release", "--bins", "--target-dir"])
        .arg(bins_target_dir())
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    for p in packages {
        command.args(["-p", p]);
    }
    eprintln!("building the release binaries of {} (cargo waits if another build holds the lock)", packages.join(", "));
    let status = command.status().expect("cargo runs");
    assert!(status.success(), "cargo build --release of {packages:?} failed");
    bins_target_dir().join("release")
}

/// The plugins `scripts/build-plugins.sh` built.
pub fn plugins_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/plugins"));
    assert!(dir.join("zoho-crm/plugin.wasm").exists(), "the plugins are not built; run scripts/build-plugins.sh first");
    dir
}

/// Set in the environment of a copy of the benchmark started as a
/// measuring shim: the file it writes its child's resource use to.
const SHIM_USAGE_FILE: &str = "DESKPANE_BENCH_SHIM_USAGE";

/// `command` made to run under a measuring shim, and the file the shim
/// writes the command's resource use to ([`Usage::read`]).
///
/// Why a shim: Linux charges a process's peak RSS (`ru_maxrss`) with the
/// peak of the address space it replaced at `exec`, and a child started by
/// `posix_spawn` (as `std::process::Command` does) replaces its parent's
/// shared one. A benchmark that prepared a store in memory first would see
/// its own peak reported as the child's. The shim is this benchmark's
/// binary started afresh (a few MiB), which starts the command itself and
/// reports what `wait4` says of it. Call [`run_shim_if_asked`] first thing
/// in `main`.
pub fn measured(command: &Command) -> (Command, PathBuf) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let usage = std::env::temp_dir().join(format!("deskpane-bench-usage-{}-{now}", std::process::id()));
    let mut shim = Command::new(std::env::current_exe().expect("the benchmark's own path"));
    shim.env(SHIM_USAGE_FILE, &usage).arg(command.get_program()).args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => shim.env(key, value),
            None => shim.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        shim.current_dir(dir);
    }
    (shim, usage)
}

/// In a copy of the benchmark started by [`measured`]: runs the command it
/// was given, writes its resource use and exits with its status. Otherwise
/// returns at once.
pub fn run_shim_if_asked() {
    use std::os::unix::process::ExitStatusExt;
    let Some(usage_file) = std::env::var_os(SHIM_USAGE_FILE) else { return };
    let mut args = std::env::args_os().skip(1);
    let program = args.next().expect("the shim is given a program");
    let child = Process::spawn(Command::new(program).args(args).env_remove(SHIM_USAGE_FILE));
    let (status, usage) = child.wait_with_usage();
    let cpu = cpu_of(&usage);
    std::fs::write(&usage_file, format!("{} {}", usage.ru_maxrss, cpu.as_micros())).expect("writes the usage file");
    std::process::exit(status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0)));
}

/// What a command run by [`measured`] used.
pub struct Usage {
    /// Peak resident memory, KiB: the command's own.
    pub max_rss_kib: u64,
    /// User + system CPU time.
    pub cpu: Duration,
}

impl Usage {
    /// Reads (and removes) the file the shim wrote.
    pub fn read(path: &Path) -> Usage {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("the shim wrote {}: {e}", path.display()));
        let _ = std::fs::remove_file(path);
        let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().expect("numbers"));
        let (max_rss_kib, cpu_us) = (fields.next().expect("peak RSS"), fields.next().expect("CPU time"));
        Usage { max_rss_kib, cpu: Duration::from_micros(cpu_us) }
    }
}

/// A child process killed (SIGKILL) and reaped when dropped, so a failing
/// benchmark leaves none behind.
pub struct Process {
    child: Option<Child>,
}

impl Process {
    pub fn spawn(command: &mut Command) -> Process {
        let child = command.spawn().unwrap_or_else(|e| panic!("{command:?} starts: {e}"));
        Process { child: Some(child) }
    }

    pub fn id(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    pub fn take_stdout(&mut self) -> ChildStdout {
        self.child.as_mut().expect("running").stdout.take().expect("stdout is piped")
    }

    /// Waits for the process to end, with its resource use (`wait4`):
    /// `ru_maxrss` is its peak resident memory in KiB, its own, not
    /// this process's nor another child's.
    pub fn wait_with_usage(mut self) -> (ExitStatus, libc::rusage) {
        use std::os::unix::process::ExitStatusExt;
        let child = self.child.take().expect("running");
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value; wait4 fills it.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: `pid` is our child, not yet reaped (`Child` was never
            // waited on); status and usage point at live locals.
            let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            if r == pid {
                break;
            }
            let e = std::io::Error::last_os_error();
            assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "wait4 of {pid}: {e}");
        }
        // Reaped here: dropping `Child` neither waits nor kills.
        drop(child);
        (ExitStatus::from_raw(status), usage)
    }

    /// SIGTERM (a graceful stop), then waits up to `grace` before SIGKILL.
    pub fn terminate(mut self, grace: Duration) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        // SAFETY: signals our own child, which has not been reaped.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = std::time::Instant::now() + grace;
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                return status;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                return child.wait().expect("wait");
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A CRM emulator binary running on a free loopback port, with what it
/// printed at start: its address and OAuth client.
pub struct Emulator {
    pub process: Process,
    pub base_url: String,
    pub refresh_token: String,
    pub client_id: String,
    pub client_secret: String,
    /// The rest of its standard output, kept open so it never writes to a
    /// closed pipe.
    _stdout: BufReader<ChildStdout>,
}

impl Emulator {
    /// Starts `bin` (`zoho-emulator`, `salesforce-emulator`) with `args`
    /// after `--port 0` and waits until it prints its address (it seeds
    /// before) and its client.
    pub fn start(bin: &Path, args: &[&str]) -> Emulator {
        let mut process = Process::spawn(Command::new(bin).args(["--port", "0"]).args(args).stdout(Stdio::piped()));
        let mut stdout = BufReader::new(process.take_stdout());
        let (mut base_url, mut refresh_token, mut client) = (None, None, None);
        let mut line = String::new();
        while base_url.is_none() || refresh_token.is_none() || client.is_none() {
            line.clear();
            assert!(stdout.read_line(&mut line).expect("reads its output") > 0, "{} ended before it listened", bin.display());
            let line = line.trim();
            if let Some((_, url)) = line.split_once(" listening on ") {
                base_url = Some(url.to_string());
            } else if let Some(token) = line.strip_prefix("refresh token: ") {
                refresh_token = Some(token.to_string());
            } else if let Some(rest) = line.strip_prefix("client id: ") {
                let (id, secret) = rest.split_once("  client secret: ").expect("client id and secret on one line");
                client = Some((id.to_string(), secret.to_string()));
            }
        }
        let (client_id, client_secret) = client.unwrap();
        Emulator { process, base_url: base_url.unwrap(), refresh_token: refresh_token.unwrap(), client_id, client_secret, _stdout: stdout }
    }

    /// Its CPU time so far (user + system), from /proc.
    pub fn cpu_time(&self) -> Duration {
        process_cpu_time(self.process.id())
    }

    /// Its peak resident memory so far in MiB (VmHWM).
    pub fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.process.id())).unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    }
}

/// A running process's CPU time (user + system) from /proc/PID/stat.
pub fn process_cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line: 11 and 12 after `)` and the state.
    let ticks: u64 = fields.get(11..13).map(|f| f.iter().filter_map(|t| t.parse::<u64>().ok()).sum()).unwrap_or(0);
    // SAFETY: sysconf reads a constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_secs_f64(ticks as f64 / hz as f64)
}

/// User + system CPU time from a `wait4` resource use.
pub fn cpu_of(usage: &libc::rusage) -> Duration {
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Bytes under `path`, recursively (a file: its size).
pub fn dir_size(path: &Path) -> u64 {
    match std::fs::read_dir(path) {
        Ok(entries) => entries.filter_map(Result::ok).map(|e| dir_size(&e.path())).sum(),
        // A file (the redb store), or nothing there.
        Err(_) => std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
    }
}

/// The machine's load averages (1, 5, 15 minutes), printed with the
/// figures: the development machine is shared.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

/// A fresh data folder under the system's temporary folder.
pub fn temp_data_dir(prefix: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()))
}
