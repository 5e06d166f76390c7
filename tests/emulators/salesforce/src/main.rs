//! `salesforce-emulator --port 8091 [--seed demo]`: the emulator as a
//! process, for the demo and for poking at it by hand.

use clap::{Parser, ValueEnum};
use salesforce_emulator::{EmulatorConfig, SalesforceEmulator};

#[derive(Clone, Copy, ValueEnum)]
enum Seed {
    Demo,
}

#[derive(Parser)]
#[command(about = "Emulates Salesforce's REST API and OAuth server on 127.0.0.1")]
struct Args {
    #[arg(long, default_value_t = 8091)]
    port: u16,
    /// Data to load at start.
    #[arg(long, value_enum)]
    seed: Option<Seed>,
    #[arg(long)]
    client_id: Option<String>,
    #[arg(long)]
    client_secret: Option<String>,
    /// The org's daily API request allowance.
    #[arg(long)]
    daily_api_requests: Option<u32>,
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
        daily_api_requests: args.daily_api_requests.unwrap_or(defaults.daily_api_requests),
    };
    let sf = SalesforceEmulator::start(config).await?;
    if let Some(Seed::Demo) = args.seed {
        sf.seed_demo();
    }
    println!("salesforce-emulator listening on {}", sf.base_url());
    println!("refresh token: {}", sf.refresh_token());
    println!("client id: {}  client secret: {}", sf.client_id(), sf.client_secret());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
