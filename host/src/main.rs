//! The `deskpane` command.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, CommandFactory, Parser, Subcommand};
use deskpane::contract::{ActionRequest, ActivityKind, CrmRecord, FeedQuery, Module, Notification, RecordRef, Requester};
use deskpane::credentials::{Secret, StaticCredentials};
use deskpane::package::PluginPackage;
use deskpane::{Plugin, PluginSettings, Runtime, RuntimeConfig};
use serde::de::DeserializeOwned;

#[global_allocator]
static ALLOCATOR: deskpane::DeskAllocator = deskpane::DeskAllocator;

#[derive(Parser)]
#[command(name = "deskpane", version, about = "Deskpane: CRM panels and sync for help desks, from sandboxed WebAssembly plugins")]
struct Cli {
    /// Settings from a file (docs/deploy.md#configuration): each key is a
    /// long option's name; the environment (DESKPANE_*) and the command
    /// line override it.
    #[arg(long = "config-file", global = true, env = "DESKPANE_CONFIG_FILE", value_name = "FILE")]
    config_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with connector plugins.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Run the help desk's web server: ticket view, admin console, JSON API.
    Serve(ServeArgs),
    /// Run one sync of a plugin now, with progress (the server must not be
    /// running on the same data).
    Sync {
        /// The desk's data folder.
        #[arg(long, env = "DESKPANE_DATA", default_value = "data")]
        data: PathBuf,
        #[command(flatten)]
        store: StoreArg,
        /// The plugin whose sync to run, e.g. zoho-crm.
        plugin: String,
    },
    /// Print the JSON API's OpenAPI document (also served at /api/openapi.json).
    Openapi,
    /// Administrators, from the command line (the server must not be
    /// running on the same data).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The desk's store: move a single-node desk to PostgreSQL, or a desk
    /// from before redb off its sled folder.
    #[command(subcommand)]
    Store(StoreCommand),
}

#[derive(Subcommand)]
enum StoreCommand {
    /// Copy everything the desk keeps from one store to another, then
    /// verify both by counts and checksums. Safe to run again: the
    /// destination is made equal to the source as it is then. Stop every
    /// desk using either store first; the data folder's `secret.key` must go
    /// with the data (docs/deploy.md).
    Copy {
        /// The store to copy: `redb:./data/store.redb`, `sled:./data/db` or
        /// `postgres://...`.
        #[arg(long, value_parser = parse_store)]
        from: deskpane_store::Location,
        /// The store to fill: an empty database, or an earlier copy of the
        /// same source.
        #[arg(long, value_parser = parse_store)]
        to: deskpane_store::Location,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator: the first one of a fresh desk, or another.
    /// The password comes from the environment variable
    /// DESKPANE_ADMIN_PASSWORD, else from the first line of standard input.
    Create {
        /// The desk's data folder (created if missing).
        #[arg(long, env = "DESKPANE_DATA", default_value = "data")]
        data: PathBuf,
        #[command(flatten)]
        store: StoreArg,
        /// The administrator's email: their sign-in.
        #[arg(long)]
        email: String,
        /// Their name, as agents see it.
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
}

/// Where the desk's records, agents, plugins' settings and sync state are
/// kept when not in the data folder, and the key their secrets are sealed
/// with.
#[derive(Args)]
struct StoreArg {
    /// The shared store, `postgres://user@host/db` (several replicas serve
    /// one desk from it; docs/deploy.md), or `redb:FILE`. Default: the data
    /// folder's `store.redb` (its sled folder `db` if it has one).
    #[arg(long = "store", env = "DESKPANE_STORE", value_name = "URL", value_parser = parse_store)]
    location: Option<deskpane_store::Location>,
    /// The file holding the key stored secrets are sealed with (made if
    /// missing). Default: secret.key in the data folder. Every replica on
    /// one store needs the same key.
    #[arg(long, env = "DESKPANE_SECRET_KEY", value_name = "FILE")]
    secret_key: Option<PathBuf>,
}

fn parse_store(s: &str) -> Result<deskpane_store::Location, String> {
    deskpane_store::Location::parse(s).map_err(|e| e.to_string())
}

#[derive(Args)]
struct ServeArgs {
    /// Where the desk keeps its data (created if missing).
    #[arg(long, env = "DESKPANE_DATA", default_value = "data")]
    data: PathBuf,
    #[command(flatten)]
    store: StoreArg,
    /// Address to listen on.
    #[arg(long, env = "DESKPANE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// The desk's address as browsers reach it (OAuth redirects, links).
    #[arg(long, env = "DESKPANE_PUBLIC_URL")]
    public_url: Option<String>,
    /// Serve the pages' files from this folder instead of those built into
    /// the binary (to edit `web/` and reload without rebuilding).
    #[arg(long, env = "DESKPANE_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// Built plugins (for --demo).
    #[arg(long, env = "DESKPANE_PLUGINS_DIR", default_value = "target/plugins")]
    plugins_dir: PathBuf,
    /// Set up the demo against the Zoho CRM emulator at this URL: agents,
    /// the Zoho plugin connected, tickets. Only what is missing is created.
    #[arg(long, value_name = "EMULATOR_URL")]
    demo: Option<String>,
    /// With --demo: also install the bundled Salesforce plugin, connected to
    /// the Salesforce emulator at this URL, with tickets from its contacts.
    #[arg(long, value_name = "EMULATOR_URL", requires = "demo")]
    demo_salesforce: Option<String>,
    /// With --demo: also install the bundled CloudCX plugin, connected to
    /// the CloudCX emulator at this URL, recording its chats into the CRM.
    #[arg(long, value_name = "EMULATOR_URL", requires = "demo")]
    demo_cloudcx: Option<String>,
    /// How long panel data is cached, in seconds.
    #[arg(long, env = "DESKPANE_PANEL_TTL", default_value_t = 60)]
    panel_ttl: u64,
    /// Seconds between sync polls of CRMs (changes on the desk and CRM
    /// notifications start a sync at once).
    #[arg(long, env = "DESKPANE_SYNC_POLL", default_value_t = 60)]
    sync_poll: u64,
    /// An origin (`https://helpdesk.example`) allowed to frame the
    /// embeddable panel `/embed/panel`; repeat for several. Nothing else of
    /// the desk may be framed.
    #[arg(long = "embed-origin", env = "DESKPANE_EMBED_ORIGIN", value_name = "ORIGIN", value_delimiter = ',')]
    embed_origins: Vec<String>,
    /// The largest plugin upload (manifest and component) the admin
    /// console takes, in MiB.
    #[arg(long, env = "DESKPANE_MAX_UPLOAD_MIB", default_value_t = deskpane::server::DEFAULT_MAX_UPLOAD_BYTES >> 20)]
    max_upload_mib: u64,
    /// A proxy or load balancer (an address or a network, `10.0.0.0/8`)
    /// whose `X-Forwarded-For` names the client (sign-in throttling goes
    /// by client address); repeat, or separate with commas.
    #[arg(long = "trusted-proxy", env = "DESKPANE_TRUSTED_PROXY", value_name = "CIDR", value_delimiter = ',', value_parser = parse_network)]
    trusted_proxies: Vec<ipnet::IpNet>,
    /// Whether cookies are marked Secure (sent over TLS only). Default:
    /// when --public-url is https (TLS ends at the proxy in front).
    #[arg(long, env = "DESKPANE_SECURE_COOKIES", value_name = "true|false")]
    secure_cookies: Option<bool>,
}

/// An address (a network of one) or a network.
fn parse_network(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{s}` is neither an IP address nor a network like 10.0.0.0/8"))
}

#[derive(Subcommand)]
enum PluginCommand {
    /// Start a connector project in a new folder NAME: a working connector
    /// for the Sample CRM in Rust, JavaScript or Python, with the contract
    /// (and for Rust the SDK) inside it.
    New {
        /// The plugin's id, also the folder's name: lowercase letters, digits, hyphens.
        name: String,
        /// The language: rust, js or python.
        #[arg(long, default_value = "rust")]
        lang: String,
        /// Create the project here instead of ./NAME.
        #[arg(long, value_name = "FOLDER")]
        dir: Option<PathBuf>,
    },
    /// Serve the Sample CRM with the conformance kit's data on 127.0.0.1, to
    /// try a plugin by hand (`plugin call ... --config api-url=URL`), until Ctrl-C.
    SampleCrm {
        /// The port to listen on (0: any free one).
        #[arg(long, default_value_t = 8099)]
        port: u16,
    },
    /// Build a plugin project into plugin.wasm beside its plugin.toml, with
    /// its language's toolchain, then check it as `plugin check` does.
    Build {
        /// The project folder.
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// The conformance kit: run a built plugin against the Sample CRM's
    /// scenarios (or your own CRM with --base-url) and report, check by
    /// check, what is right and what is wrong. Exit code 1 when a check fails.
    Test {
        /// Plugin folder, its plugin.toml, or its .wasm component.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Test against your own CRM at this address instead of the Sample CRM
        /// (the checks that need the Sample CRM's data are skipped).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// With --base-url: a credential's secret, NAME=TOKEN (repeatable).
        #[arg(long = "credential", value_name = "NAME=TOKEN")]
        credentials: Vec<String>,
        /// With --base-url: an email your CRM knows, to test the sections of a found record.
        #[arg(long, value_name = "EMAIL")]
        probe_email: Option<String>,
        /// The config key that takes the CRM's address (default: api-url, else the first url setting).
        #[arg(long, value_name = "KEY")]
        url_key: Option<String>,
        /// A further config value for the plugin: KEY=VALUE (repeatable).
        #[arg(long = "config", value_name = "KEY=VALUE")]
        config: Vec<String>,
    },
    /// Make a publisher's signing key: writes the secret key to FILE (mode
    /// 0600, never over an existing file) and prints the public key desks trust.
    Keygen {
        /// Where to write the secret key.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Check a plugin as `plugin check` does and pack it into one signed
    /// package file, `<id>-<version>.dpkg`, for the admin console.
    Pack {
        /// Plugin folder, its plugin.toml, or its .wasm component.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The secret key `plugin keygen` wrote.
        #[arg(long, value_name = "FILE", required_unless_present = "unsigned", conflicts_with = "unsigned")]
        key: Option<PathBuf>,
        /// Pack without signing (a desk refuses it unless its admin allows unsigned plugins).
        #[arg(long)]
        unsigned: bool,
        /// The package file to write, or a folder to write it in (default: the current folder).
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Validate a plugin's manifest and component against the contract.
    Check {
        /// Plugin folder, its plugin.toml, or its .wasm component.
        path: PathBuf,
    },
    /// Load a plugin in the real sandbox, call one function, print the result as JSON.
    #[command(after_help = CALL_HELP)]
    Call {
        /// Plugin folder, its plugin.toml, or its .wasm component.
        plugin: PathBuf,
        /// The contract function to call, e.g. lookup-requester.
        function: String,
        /// The arguments as JSON: the single argument itself, or an array of them.
        args: Option<String>,
        #[command(flatten)]
        settings: SettingsArgs,
    },
}

const CALL_HELP: &str = "Functions and their JSON arguments:
  lookup-requester    {\"email\": \"ada@analytical.example\"}
  potentials | notes  {\"module\": \"Contacts\", \"id\": \"c-1001\"}
  profile-of          {\"module\": \"Contacts\", \"id\": \"c-1001\"}
  activities          [{\"module\": \"Contacts\", \"id\": \"c-1001\"}, [\"Call\", \"Event\", \"Task\"]]
  describe-module     \"Contacts\"
  list-views          \"Contacts\"
  changes             [\"Contacts\", {\"list_views\": [], \"filters\": [], \"page_size\": 200}, null]
  upsert              [\"Contacts\", [{\"fields\": [{\"name\": \"Last_Name\", \"value\": {\"Text\": \"Lovelace\"}}]}], [\"Email\"]]
  delete              [\"Contacts\", [\"c-1001\"]]
  watch               [[\"Contacts\"], \"https://desk.example/notify\", \"secret\"]
  parse-notification  {\"headers\": [], \"body\": [123, 125]}
  perform             {\"kind\": \"CreateLead\", \"fields\": []}";

#[derive(Args)]
struct SettingsArgs {
    /// A config value for the plugin: KEY=VALUE (repeatable).
    #[arg(long = "config", value_name = "KEY=VALUE")]
    config: Vec<String>,
    /// A credential's secret: NAME=TOKEN (repeatable).
    #[arg(long = "credential", value_name = "NAME=TOKEN")]
    credentials: Vec<String>,
    /// The base URL reported with a credential: NAME=URL (repeatable).
    #[arg(long = "api-base", value_name = "NAME=URL")]
    api_bases: Vec<String>,
    /// An outbound host allowed on top of the manifest's (repeatable).
    #[arg(long = "allow-host", value_name = "PATTERN")]
    allow_hosts: Vec<String>,
    /// A fixed DNS answer, like curl's --resolve: HOST=IP (repeatable).
    #[arg(long = "resolve", value_name = "HOST=IP")]
    resolve: Vec<String>,
}

/// A failure with its exit code: 1 when the plugin failed, 2 when the
/// command could not run it.
struct Failure(u8, String);

type Outcome = Result<(), Failure>;

fn usage(message: impl Into<String>) -> Failure {
    Failure(2, message.into())
}

#[tokio::main]
async fn main() -> ExitCode {
    // The settings file goes in as DESKPANE_* defaults, under the
    // environment and the command line.
    if let Err(e) = deskpane::config_file::apply(std::env::args_os(), &Cli::command()) {
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    // `deskpane plugin check ... | head` closes the pipe early: a command
    // ends quietly, as other command-line tools do, instead of `println!`
    // panicking. The server keeps Rust's default (ignored, EPIPE errors).
    #[cfg(unix)]
    if !matches!(cli.command, Command::Serve(_)) {
        // SAFETY: sets the process-wide disposition of one signal back to
        // the default; nothing else in the process handles SIGPIPE.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    // The conformance kit provokes failures on purpose: the runtime's
    // warnings about them would bury its report.
    let quiet = matches!(cli.command, Command::Plugin(PluginCommand::Test { .. }));
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| if quiet { "error" } else { "warn" }.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let outcome = match cli.command {
        Command::Plugin(PluginCommand::Check { path }) => check(path),
        Command::Plugin(PluginCommand::New { name, lang, dir }) => new_project(&name, &lang, dir),
        Command::Plugin(PluginCommand::Build { path }) => build_project(path),
        Command::Plugin(PluginCommand::SampleCrm { port }) => sample_crm(port).await,
        Command::Plugin(PluginCommand::Test { path, json, base_url, credentials, probe_email, url_key, config }) => {
            conformance(path, json, base_url, &credentials, probe_email, url_key, &config).await
        }
        Command::Plugin(PluginCommand::Keygen { out }) => {
            deskpane::packaging::keygen(&out).map(|key| println!("{key}")).map_err(|e| usage(format!("{e:#}")))
        }
        Command::Plugin(PluginCommand::Pack { path, key, unsigned: _, out }) => pack(&path, key.as_deref(), out.as_deref()),
        Command::Plugin(PluginCommand::Call { plugin, function, args, settings }) => {
            call(plugin, &function, args.as_deref(), settings).await
        }
        Command::Serve(args) => serve(args).await.map_err(|e| Failure(2, format!("{e:#}"))),
        Command::Sync { data, store, plugin } => sync_now(data, store, &plugin).await,
        Command::Admin(AdminCommand::Create { data, store, email, name }) => create_admin(&data, store.location.as_ref(), &email, &name),
        Command::Store(StoreCommand::Copy { from, to }) => copy_store(&from, &to),
        Command::Openapi => {
            let doc = deskpane::server::openapi_document().to_pretty_json().expect("the OpenAPI document serialises");
            // A reader that stops early (`| head`) is not an error.
            let _ = writeln!(std::io::stdout().lock(), "{doc}");
            Ok(())
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

fn check(path: PathBuf) -> Outcome {
    let package = PluginPackage::open(&path).map_err(|e| usage(e.to_string()))?;
    let runtime = Runtime::new(cli_runtime_config()).map_err(|e| usage(format!("cannot start the runtime: {e:#}")))?;
    deskpane::concepts::check(&package.manifest).map_err(usage)?;
    let l = runtime.check(&package).map_err(|e| usage(e.to_string()))?;
    let m = &package.manifest;
    println!("ok: {} {} ({}) by {}", m.name, m.version, m.id, m.publisher);
    println!("  manifest:  {}", package.manifest_path.display());
    println!(
        "  component: {} ({} bytes), implements deskpane:connector@{} (served by this host's {} bindings; it runs {})",
        package.component_path.display(),
        package.component.len(),
        m.contract,
        deskpane::manifest::served_contract(&m.contract).unwrap_or("no"),
        deskpane::manifest::CONTRACT_VERSIONS.join(", "),
    );
    let hosts: Vec<String> = m.allowed_hosts.entries().map(|h| h.to_string()).collect();
    println!("  network:   {}", if hosts.is_empty() { "none".to_string() } else { hosts.join(", ") });
    let creds: Vec<&String> = m.credentials.keys().collect();
    println!("  credentials: {}", if creds.is_empty() { "none".to_string() } else { format!("{creds:?}") });
    println!("  config:    {}", m.config.keys().cloned().collect::<Vec<_>>().join(", "));
    println!("  modules:   {}", m.modules.join(", "));
    println!(
        "  limits:    memory {} MiB, cpu {:?}, call timeout {:?}, {} concurrent, responses up to {} bytes",
        l.memory_bytes >> 20,
        l.cpu,
        l.call_timeout,
        l.max_concurrency,
        l.response_bytes
    );
    Ok(())
}

fn pack(path: &std::path::Path, key: Option<&std::path::Path>, out: Option<&std::path::Path>) -> Outcome {
    let runtime = Runtime::new(cli_runtime_config()).map_err(|e| usage(format!("cannot start the runtime: {e:#}")))?;
    let packed = deskpane::packaging::pack(&runtime, path, key, out).map_err(|e| usage(format!("{e:#}")))?;
    for warning in &packed.warnings {
        eprintln!("warning: {warning}");
    }
    println!("{packed}");
    Ok(())
}

fn new_project(name: &str, lang: &str, dir: Option<PathBuf>) -> Outcome {
    use deskpane_authoring::Language;
    let language = Language::parse(lang).ok_or_else(|| usage(format!("--lang `{lang}`: use rust, js or python")))?;
    let dir = dir.unwrap_or_else(|| PathBuf::from(name));
    deskpane_authoring::scaffold::new_project(&dir, name, language).map_err(|e| usage(e.to_string()))?;
    println!("created {} ({language}): a connector for the Sample CRM to make your own", dir.display());
    println!("next:");
    println!("  cd {}", dir.display());
    println!("  deskpane plugin build     # -> plugin.wasm");
    println!("  deskpane plugin test      # the conformance kit");
    println!("  deskpane plugin pack --key FILE   # a signed package for the admin console");
    Ok(())
}

fn build_project(dir: PathBuf) -> Outcome {
    let began = std::time::Instant::now();
    let built = deskpane_authoring::build::build(&dir, &mut |step| eprintln!("build: {step}")).map_err(|e| Failure(1, e.to_string()))?;
    let bytes = std::fs::metadata(&built).map(|m| m.len()).unwrap_or(0);
    eprintln!("build: {} ({bytes} bytes) in {:.1} s", built.display(), began.elapsed().as_secs_f64());
    // A component the host would refuse (a WASI import it does not grant,
    // an export missing) is reported now rather than at install.
    check(dir)
}

async fn sample_crm(port: u16) -> Outcome {
    use deskpane_conformance::sample_crm::{Dataset, SampleCrm};
    let crm =
        SampleCrm::start_on(Dataset::scenarios(), port).await.map_err(|e| usage(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    println!("Sample CRM at {} (API: crates/conformance/README.md)", crm.base_url());
    println!("API key: {}", crm.api_key());
    println!("try:  deskpane plugin call PLUGIN lookup-requester '{{\"email\": \"jose.alvarez@example.com\"}}' \\");
    println!("        --config api-url={0} --credential sample-crm={1} --allow-host {0}", crm.base_url(), crm.api_key());
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    crm.stop().await;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn conformance(
    path: PathBuf,
    json: bool,
    base_url: Option<String>,
    credentials: &[String],
    probe_email: Option<String>,
    url_key: Option<String>,
    config: &[String],
) -> Outcome {
    use deskpane_conformance::checks::{Options, Target};
    let package = PluginPackage::open(&path).map_err(|e| usage(e.to_string()))?;
    let target = match base_url {
        Some(base_url) => Target::Server { base_url, credentials: pairs(credentials, "credential")? },
        None if !credentials.is_empty() || probe_email.is_some() => {
            return Err(usage("--credential and --probe-email go with --base-url (the Sample CRM needs neither)"))
        }
        None => Target::SampleCrm,
    };
    let options = Options {
        target,
        url_key,
        config: pairs(config, "config")?,
        probe: probe_email,
        manifest_problems: deskpane::concepts::check(&package.manifest).err().into_iter().collect(),
    };
    let runtime = Runtime::new(cli_runtime_config()).map_err(|e| usage(format!("cannot start the runtime: {e:#}")))?;
    let report = deskpane_conformance::checks::run(&runtime, &package, &options).await;
    if json {
        println!("{}", serde_json::to_string_pretty(&report).expect("a report serialises"));
    } else {
        print!("{}", report.render_text());
    }
    if report.failed() > 0 {
        Err(Failure(1, format!("{} of {} checks failed", report.failed(), report.checks.len())))
    } else {
        Ok(())
    }
}

fn pairs(values: &[String], flag: &str) -> Result<Vec<(String, String)>, Failure> {
    values
        .iter()
        .map(|v| {
            v.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| usage(format!("--{flag} `{v}` must be written NAME=VALUE")))
        })
        .collect()
}

async fn call(path: PathBuf, function: &str, args: Option<&str>, flags: SettingsArgs) -> Outcome {
    let package = PluginPackage::open(&path).map_err(|e| usage(e.to_string()))?;
    let id = package.manifest.id.clone();

    let mut config = cli_runtime_config();
    for (host, ip) in pairs(&flags.resolve, "resolve")? {
        let ip: IpAddr = ip.parse().map_err(|_| usage(format!("--resolve {host}={ip}: `{ip}` is not an IP address")))?;
        config.dns_overrides.entry(host.to_ascii_lowercase()).or_default().push(ip);
    }
    let credentials = StaticCredentials::new();
    let api_bases: BTreeMap<String, String> = pairs(&flags.api_bases, "api-base")?.into_iter().collect();
    for (name, token) in pairs(&flags.credentials, "credential")? {
        credentials.insert(&id, &name, Secret { value: token, api_base: api_bases.get(&name).cloned() });
    }
    let settings = PluginSettings {
        config: pairs(&flags.config, "config")?.into_iter().collect(),
        extra_hosts: flags.allow_hosts,
        // Whoever runs the CLI operates the host: the manifest's limits stand.
        approved_limits: package.manifest.limits.clone(),
        concurrency: None,
    };
    let runtime = Runtime::new(config).map_err(|e| usage(format!("cannot start the runtime: {e:#}")))?;
    let plugin = runtime.load(&package, &settings, Arc::new(credentials)).map_err(|e| usage(e.to_string()))?;
    let json = dispatch(&plugin, function, args.unwrap_or("null")).await?;
    println!("{json}");
    Ok(())
}

/// Parses `args` for `function`, calls it, and renders the result.
async fn dispatch(plugin: &Plugin, function: &str, args: &str) -> Result<String, Failure> {
    fn parse<T: DeserializeOwned>(function: &str, args: &str) -> Result<T, Failure> {
        serde_json::from_str(args)
            .map_err(|e| usage(format!("the arguments of `{function}` are not valid: {e}. See `deskpane plugin call --help` for examples")))
    }
    fn render<T: serde::Serialize>(result: Result<T, deskpane::CallError>) -> Result<String, Failure> {
        let value = result.map_err(|e| Failure(1, e.to_string()))?;
        Ok(serde_json::to_string_pretty(&value).expect("contract types serialise"))
    }
    match function {
        "lookup-requester" => render(plugin.lookup_requester(&parse::<Requester>(function, args)?).await),
        "potentials" => render(plugin.potentials(&parse::<RecordRef>(function, args)?).await),
        "notes" => render(plugin.notes(&parse::<RecordRef>(function, args)?).await),
        "profile-of" => render(plugin.profile_of(&parse::<RecordRef>(function, args)?).await),
        "activities" => {
            // Either a record reference alone (all kinds) or [record, kinds].
            let (of, kinds) = match parse::<RecordRef>(function, args) {
                Ok(of) => (of, vec![ActivityKind::Call, ActivityKind::Event, ActivityKind::Task, ActivityKind::Chat]),
                Err(_) => parse::<(RecordRef, Vec<ActivityKind>)>(function, args)?,
            };
            render(plugin.activities(&of, &kinds).await)
        }
        "describe-module" => render(plugin.describe_module(parse::<Module>(function, args)?).await),
        "list-views" => render(plugin.list_views(parse::<Module>(function, args)?).await),
        "changes" => {
            let (module, query, cursor) = parse::<(Module, FeedQuery, Option<String>)>(function, args)?;
            render(plugin.changes(module, &query, cursor.as_deref()).await)
        }
        "upsert" => {
            let (module, records, keys) = parse::<(Module, Vec<CrmRecord>, Vec<String>)>(function, args)?;
            render(plugin.upsert(module, &records, &keys).await)
        }
        "delete" => {
            let (module, ids) = parse::<(Module, Vec<String>)>(function, args)?;
            render(plugin.delete(module, &ids).await)
        }
        "watch" => {
            let (modules, url, token) = parse::<(Vec<Module>, String, String)>(function, args)?;
            render(plugin.watch(&modules, &url, &token).await)
        }
        "parse-notification" => render(plugin.parse_notification(&parse::<Notification>(function, args)?).await),
        "perform" => render(plugin.perform(&parse::<ActionRequest>(function, args)?).await),
        other => Err(usage(format!(
            "`{other}` is not a function of the contract. Functions: lookup-requester, potentials, notes, profile-of, activities, describe-module, list-views, changes, upsert, delete, watch, parse-notification, perform"
        ))),
    }
}

fn create_admin(data: &std::path::Path, store: Option<&deskpane_store::Location>, email: &str, name: &str) -> Outcome {
    let password = match std::env::var("DESKPANE_ADMIN_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| usage(format!("cannot read the password from standard input: {e}")))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    deskpane::server::create_private_dir(data).map_err(|e| usage(format!("cannot create the data folder {}: {e}", data.display())))?;
    let db = deskpane::server::open_store(data, store).map_err(|e| usage(e.to_string()))?;
    let auth = deskpane::auth::Auth::open(&db).map_err(|e| Failure(2, e.to_string()))?;
    let agent = auth
        .create_agent(name, email, &password, deskpane::auth::ADMINISTRATOR)
        .map_err(|e| usage(format!("the administrator was not created: {e}")))?;
    db.flush().map_err(|e| Failure(2, format!("cannot save: {e}")))?;
    println!(
        "Created administrator {} ({}). Start the desk with `deskpane serve --data {}` and sign in at /admin.",
        agent.email,
        agent.name,
        data.display()
    );
    Ok(())
}

fn copy_store(from: &deskpane_store::Location, to: &deskpane_store::Location) -> Outcome {
    use deskpane_store::Store;
    if from == to {
        return Err(usage("--from and --to are the same store"));
    }
    let open = |location: &deskpane_store::Location| {
        Store::open(location).map_err(|e| usage(deskpane::server::OpenStoreError::at(location, e).to_string()))
    };
    let (source, destination) = (open(from)?, open(to)?);
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}").expect("valid template"));
    let copied = deskpane_store::copy(&source, &destination, |tree, n| {
        bar.set_message(format!("{tree}: {n} entries"));
        bar.tick();
    });
    bar.finish_and_clear();
    let copied = copied.map_err(|e| Failure(1, format!("the copy stopped: {e}")))?;
    for tree in &copied {
        println!("{:<28} {:>10} entries  sha256 {}", tree.name, tree.entries, &tree.checksum[..16]);
    }
    let total: u64 = copied.iter().map(|t| t.entries).sum();
    println!("Copied {total} entries in {} trees from {} to {}; both sides verified equal.", copied.len(), from.redacted(), to.redacted());
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    use deskpane::server::{self, AppState, ServeConfig};
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{}", args.listen));
    let config = ServeConfig {
        data: args.data.clone(),
        public_url: public_url.clone(),
        web_dir: args.web_dir.clone(),
        panel_ttl: std::time::Duration::from_secs(args.panel_ttl),
        runtime: RuntimeConfig::default(),
        embed_origins: args.embed_origins.clone(),
        max_upload_bytes: args.max_upload_mib << 20,
        store: args.store.location.clone(),
        secret_key: args.store.secret_key.clone(),
        trusted_proxies: args.trusted_proxies.clone(),
        secure_cookies: args.secure_cookies,
    };
    let state = AppState::open(&config).await?;
    if let Some(zoho) = &args.demo {
        let mut crms = vec![(&deskpane::demo::ZOHO, zoho.as_str())];
        if let Some(salesforce) = &args.demo_salesforce {
            crms.push((&deskpane::demo::SALESFORCE, salesforce.as_str()));
        }
        deskpane::demo::setup(&state.auth, &state.desk, &state.registry, &args.plugins_dir, &crms).await?;
        if let Some(cloudcx) = &args.demo_cloudcx {
            let key = deskpane::demo::CLOUDCX_API_KEY;
            deskpane::demo::connect_cloudcx(&state.registry, &state.recorder, &args.plugins_dir, cloudcx, key).await?;
        }
    }
    let db = state.db.clone();
    // Hot reload for as long as the server runs (docs/admin.md); without
    // it (no inotify watch left, say) plugins change by install only.
    let _plugin_watch = state.watch_plugins().inspect_err(|e| tracing::warn!("plugins replaced on disk will not be reloaded: {e}")).ok();
    tokio::spawn(state.sync.clone().run_forever(std::time::Duration::from_secs(args.sync_poll)));
    tokio::spawn(state.recorder.clone().run_forever(std::time::Duration::from_secs(args.sync_poll)));
    // Other desk replicas on a shared store: their changes reach this one.
    tokio::spawn(deskpane::replicas::follow(state.clone()));
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
    println!("Deskpane is running at {public_url}");
    if !state.auth.agents().iter().any(|a| a.active && a.profile == deskpane::auth::ADMINISTRATOR) {
        println!(
            "No administrator yet: stop the desk and run `deskpane admin create --data {} --email you@example.com` (docs/admin.md).",
            args.data.display()
        );
    }
    if args.demo.is_some() {
        println!("Demo sign-ins:");
        for (name, email, password, profile) in deskpane::demo::LOGINS {
            println!("  {profile:<14} {email:<26} {password:<16} ({name})");
        }
    }
    // Connect info: sign-in throttling counts failures per client address.
    axum::serve(listener, server::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    db.flush_for_exit()?;
    Ok(())
}

/// Ctrl-C or SIGTERM: stop taking requests, finish the running ones.
async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler installs");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

async fn sync_now(data: PathBuf, store: StoreArg, plugin: &str) -> Outcome {
    use deskpane::server::{AppState, ServeConfig};
    let config = ServeConfig {
        data,
        public_url: "http://127.0.0.1:8080".into(),
        web_dir: None,
        panel_ttl: std::time::Duration::from_secs(60),
        runtime: RuntimeConfig::default(),
        embed_origins: Vec::new(),
        max_upload_bytes: deskpane::server::DEFAULT_MAX_UPLOAD_BYTES,
        store: store.location,
        secret_key: store.secret_key,
        ..Default::default()
    };
    let state = AppState::open(&config).await.map_err(|e| usage(format!("{e:#}")))?;
    let engine = state.sync.engine(plugin).map_err(|e| Failure(2, e.to_string()))?;
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}").expect("valid template"));
    let shown = engine.clone();
    let ticker = tokio::spawn({
        let bar = bar.clone();
        async move {
            loop {
                let p = shown.progress();
                let module = p.module.map(|m| m.name()).unwrap_or("");
                let first = if p.first_sync { " (first sync)" } else { "" };
                bar.set_message(format!("{} {module}{first}: {} records", p.phase, p.done));
                bar.tick();
                tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            }
        }
    });
    let result = engine.run().await;
    ticker.abort();
    bar.finish_and_clear();
    let report = result.map_err(|e| Failure(1, e.to_string()))?;
    if report.paused {
        println!("sync of {plugin} is paused; resume it in the admin console");
    }
    for (direction, counts) in [("CRM -> desk", &report.imported), ("desk -> CRM", &report.exported)] {
        for (module, c) in counts {
            println!("{direction} {:<9} added {:>6}  updated {:>6}  failed {:>6}", module.name(), c.added, c.updated, c.failed);
        }
    }
    let failures = engine.store().failures(plugin).len();
    if failures > 0 {
        println!("{failures} records are in the failure log (admin console: Sync > Failure log)");
    }
    // The process ends here: the store is left undropped (see `flush_for_exit`).
    state.db.clone().flush_for_exit().map_err(|e| Failure(1, e.to_string()))?;
    Ok(())
}

/// The CLI's runtime: compiled plugins kept in the user's cache folder
/// (`$XDG_CACHE_HOME/deskpane/compiled`, else `~/.cache/...`), so a second
/// `plugin check` or `plugin call` of a large plugin does not recompile it.
fn cli_runtime_config() -> RuntimeConfig {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")));
    RuntimeConfig { compiled_cache: base.map(|b| b.join("deskpane/compiled")), ..RuntimeConfig::default() }
}
