//! `cloudcx-emulator --port 8092 [--seed demo] [--script-chat-after SECS]
//! [--webhook URL --webhook-secret S]`: the emulator as a process, for the
//! demo and for poking at it by hand.

use std::time::Duration;

use clap::{Parser, ValueEnum};
use cloudcx_emulator::{CloudcxEmulator, EmulatorConfig, Sender};
use serde_json::json;

#[derive(Clone, Copy, ValueEnum)]
enum Seed {
    Demo,
}

#[derive(Parser)]
#[command(about = "Emulates the CloudCX contact-centre API (with signed webhooks) on 127.0.0.1")]
struct Args {
    #[arg(long, default_value_t = 8092)]
    port: u16,
    /// Data to load at start.
    #[arg(long, value_enum)]
    seed: Option<Seed>,
    /// API requests a tenant may make per minute (default: unlimited).
    #[arg(long)]
    requests_per_minute: Option<u32>,
    /// After this many seconds a new visitor, Riley Chen, chats with agent@deskpane.example; the chat then ends.
    #[arg(long, value_name = "SECS")]
    script_chat_after: Option<u64>,
    /// A webhook registered at start for every event type.
    #[arg(long, value_name = "URL", requires = "webhook_secret")]
    webhook: Option<String>,
    /// The pre-registered webhook's signing secret.
    #[arg(long, value_name = "S", requires = "webhook")]
    webhook_secret: Option<String>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).with_writer(std::io::stderr).init();
    let args = Args::parse();
    let config = EmulatorConfig { port: args.port, requests_per_minute: args.requests_per_minute, ..EmulatorConfig::default() };
    let cx = CloudcxEmulator::start(config).await?;
    if let Some(Seed::Demo) = args.seed {
        cx.seed_demo();
    }
    if let (Some(url), Some(secret)) = (&args.webhook, &args.webhook_secret) {
        let id = cx.register_webhook(url, secret, &[]);
        println!("webhook {id} registered: {url}");
    }
    println!("cloudcx-emulator listening on {}", cx.base_url());
    println!("tenant: {}  API key: {}", cx.tenant_id(), cx.api_key());
    if let Some(secs) = args.script_chat_after {
        tokio::spawn(script_chat(cx.clone(), Duration::from_secs(secs)));
    }
    tokio::signal::ctrl_c().await?;
    Ok(())
}

/// The demo's live chat: a new visitor arrives, chats, and the agent ends it.
async fn script_chat(cx: CloudcxEmulator, after: Duration) {
    let pause = Duration::from_millis(1500);
    tokio::time::sleep(after).await;
    let riley = cx.create_visitor(json!({
        "name": "Riley Chen", "email": "riley.chen@northwind-demo.example", "company": "Northwind Traders",
        "custom_variables": {"page": "/docs/webhooks"},
    }));
    let chat = cx.start_chat(&riley, "agent@deskpane.example", "Hi! Our webhook deliveries started failing signature checks.");
    println!("scripted chat {chat} started by Riley Chen ({riley})");
    for (from, text) in [
        (Sender::Agent, "Hi Riley, I can help. Did you rotate the signing secret recently?"),
        (Sender::Visitor, "Yes, yesterday. We updated it on our side too."),
        (Sender::Agent, "The old secret stays in use until the webhook is registered again with the new one."),
        (Sender::Visitor, "Re-registered it, and the deliveries verify now. Thanks!"),
    ] {
        tokio::time::sleep(pause).await;
        cx.post_message(&chat, from, text);
    }
    tokio::time::sleep(pause).await;
    cx.end_chat(&chat, Some("Signing secret rotated without re-registering the webhook."), Some("Resolved"));
    println!("scripted chat {chat} ended");
}
