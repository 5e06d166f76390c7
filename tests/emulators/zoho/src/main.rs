//! `zoho-emulator --port 8090 [--seed demo] [--seed-accounts N]
//! [--seed-contacts N]`: the emulator as a process, for the demo, for
//! benchmarks that run it beside a `deskpane` process, and for poking at it
//! by hand. It prints its address once it listens, after seeding.

use clap::{Parser, ValueEnum};
use zoho_emulator::{EmulatorConfig, ZohoEmulator};

#[derive(Clone, Copy, ValueEnum)]
enum Seed {
    Demo,
}

#[derive(Parser)]
#[command(about = "Emulates Zoho CRM's v8 REST API and accounts server on 127.0.0.1")]
struct Args {
    #[arg(long, default_value_t = 8090)]
    port: u16,
    /// Data to load at start.
    #[arg(long, value_enum)]
    seed: Option<Seed>,
    /// Generated accounts to load at start, for load tests and benchmarks:
    /// `CRM Account {i}`, industry Retail (`ZohoEmulator::seed_generated`).
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed_accounts: usize,
    /// Generated contacts to load at start, for load tests and benchmarks:
    /// `Crm {i}`, `crm{i}@example.com`, title Buyer.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed_contacts: usize,
    #[arg(long)]
    client_id: Option<String>,
    #[arg(long)]
    client_secret: Option<String>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).with_writer(std::io::stderr).init();
    let args = Args::parse();
    let defaults = EmulatorConfig::default();
    let config = EmulatorConfig {
        port: args.port,
        client_id: args.client_id.unwrap_or(defaults.client_id),
        client_secret: args.client_secret.unwrap_or(defaults.client_secret),
        ..defaults
    };
    let (client_id, client_secret) = (config.client_id.clone(), config.client_secret.clone());
    let zoho = ZohoEmulator::start(config).await?;
    if let Some(Seed::Demo) = args.seed {
        zoho.seed_demo();
    }
    zoho.seed_generated(args.seed_accounts, args.seed_contacts);
    println!("zoho-emulator listening on {}", zoho.base_url());
    println!("refresh token: {}", zoho.refresh_token());
    println!("client id: {client_id}  client secret: {client_secret}");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
