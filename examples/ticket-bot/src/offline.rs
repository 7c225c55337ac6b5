//! The bot offline: the real [`App`](crate::App) against the fake Discord (`adapter_discord::sim`) and a simulated
//! XileRO map server (`adapter_xilero::sim`), everything on 127.0.0.1. The offline demo ([`crate::demo`]) runs on
//! these pieces, and the end-to-end tests (`tests/`) start the same ones.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use adapter_discord::sim::{FakeDiscord, MessageState};
use adapter_discord::{DiscordConfig, IanaZones};
use adapter_xilero::sim::{MapServer, SimConfig, SimError, SimEvent};
use adapter_xilero::{AllowedServer, LinkConfig, Secret};
use serde_json::Value;
use ticket_core::id::InvalidGameServerId;
use ticket_core::{GameServerId, GuildId};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::app::{AppConfig, Services};
use crate::database::DatabaseConfig;

/// The simulated game server's id.
pub const SERVER: &str = "xilero";

/// What `ticket-bot` runs with, but offline: the full time-zone database, no RSI lookups.
pub fn services() -> Services {
    Services::default().with_zones(Arc::new(IanaZones))
}

/// The bot's configuration against `discord`: the fake reached over TLS as `discord.com` (as Discord is, serenity's
/// rate limiter on), the database file, the pid secret, and a game link on a free port of 127.0.0.1 that lets
/// [`SERVER`] in with `link_secret`, for the Discord server `guild`.
pub fn app_config(
    discord: &FakeDiscord,
    database: PathBuf,
    pid_secret: Vec<u8>,
    link_secret: &str,
    guild: u64,
) -> Result<AppConfig, InvalidGameServerId> {
    let server = AllowedServer::new(GameServerId::new(SERVER)?, Secret::new(link_secret), GuildId::new(guild));
    let mut link = LinkConfig::new(vec![server]);
    link.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    Ok(AppConfig {
        database: DatabaseConfig::Sqlite(database),
        pid_secret,
        discord: DiscordConfig::new(discord.token())
            .with_api_address(discord.tls_addr(), discord.root_certificate_pem()),
        game_link: Some(link),
        record_edit_quiet: ticket_core::desk::RECORD_EDIT_QUIET,
    })
}

/// Whether the bot is connected to `discord` and has registered its slash commands (`/tickets`, `/roles`,
/// `/recruit-config`).
pub fn bot_ready(discord: &FakeDiscord) -> bool {
    discord.is_connected() && discord.commands().len() >= 3
}

/// Starts a simulated map server that connects to the game link at `addr` as [`SERVER`] with `link_secret`,
/// reconnecting quickly (20 ms, then up to 200 ms) when the link drops.
pub fn map_server(
    addr: SocketAddr,
    link_secret: &str,
) -> Result<(MapServer, UnboundedReceiver<SimEvent>), InvalidGameServerId> {
    let mut config =
        SimConfig::new(addr.ip().to_string(), addr.port(), GameServerId::new(SERVER)?, Secret::new(link_secret));
    config.backoff_initial = Duration::from_millis(20);
    config.backoff_max = Duration::from_millis(200);
    Ok(MapServer::start(config))
}

/// Waits up to `patience` until `sim` is linked (it reconnects by itself with back-off), then until the bot has
/// answered everything sent before. `Ok(false)`: it did not link up in time.
pub async fn linked(sim: &MapServer, patience: Duration) -> Result<bool, SimError> {
    let up = tokio::time::timeout(patience, async {
        while !sim.is_up().await.unwrap_or(false) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    if up.is_err() {
        return Ok(false);
    }
    sim.sync().await?;
    Ok(true)
}

/// A slash command option: `(name, Discord option type, value)`.
pub type Opt = (&'static str, u8, Value);

/// Option type: a text.
pub const TEXT: u8 = 3;
/// Option type: a yes/no flag.
pub const FLAG: u8 = 5;
/// Option type: a channel (or category).
pub const CHANNEL: u8 = 7;
/// Option type: a role.
pub const ROLE: u8 = 8;

/// Where a server owner points the bot, and the areas they offer: what [`Setup::commands`] configures.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    /// The support panel's channel.
    pub support_panel: u64,
    /// The recruitment panel's channel.
    pub recruitment_panel: u64,
    /// The category support tickets open in.
    pub support_category: u64,
    /// The category applications open in.
    pub recruitment_category: u64,
    /// The staff action log.
    pub log: u64,
    /// The category in-game tickets open in.
    pub game_category: u64,
    /// Permanent application records.
    pub records: u64,
    /// The support role (support capability and ping).
    pub support_role: u64,
    /// The in-game staff role.
    pub game_role: u64,
    /// The recruiter role (recruitment capability and ping).
    pub recruiter_role: u64,
    /// Granted to approved Members.
    pub member_role: u64,
    /// Granted to approved Affiliates.
    pub affiliate_role: u64,
    /// The areas (focus options) applicants and members choose from.
    pub areas: &'static [&'static str],
}

impl Setup {
    /// The slash commands that set the bot up, in order: `(command, subcommand, options)`.
    pub fn commands(&self) -> Vec<(&'static str, &'static str, Vec<Opt>)> {
        let id = |id: u64| Value::String(id.to_string());
        let mut commands = vec![
            (
                "tickets",
                "set-targets",
                vec![
                    ("support_panel", CHANNEL, id(self.support_panel)),
                    ("recruitment_panel", CHANNEL, id(self.recruitment_panel)),
                    ("support_category", CHANNEL, id(self.support_category)),
                    ("recruitment_category", CHANNEL, id(self.recruitment_category)),
                    ("log_channel", CHANNEL, id(self.log)),
                ],
            ),
            (
                "tickets",
                "set-ping",
                vec![("support", ROLE, id(self.support_role)), ("recruitment", ROLE, id(self.recruiter_role))],
            ),
            ("tickets", "set-dm-on-close", vec![("enabled", FLAG, Value::Bool(true))]),
            (
                "tickets",
                "set-ingame",
                vec![("category", CHANNEL, id(self.game_category)), ("staff_role", ROLE, id(self.game_role))],
            ),
        ];
        for area in self.areas {
            commands.push(("tickets", "add-option", vec![("name", TEXT, Value::String((*area).to_owned()))]));
        }
        for (capability, role) in [("support", self.support_role), ("recruitment", self.recruiter_role)] {
            commands.push((
                "roles",
                "set",
                vec![("capability", TEXT, Value::String(capability.into())), ("role", ROLE, id(role))],
            ));
        }
        commands.push((
            "roles",
            "set-org",
            vec![("member", ROLE, id(self.member_role)), ("affiliate", ROLE, id(self.affiliate_role))],
        ));
        commands.push(("recruit-config", "set-log-channel", vec![("channel", CHANNEL, id(self.records))]));
        commands
    }
}

/// The custom ids of a message's buttons and selects.
pub fn custom_ids(message: &MessageState) -> Vec<String> {
    let mut out = Vec::new();
    for row in message.components.as_array().into_iter().flatten() {
        for c in row.get("components").and_then(Value::as_array).into_iter().flatten() {
            out.extend(c.get("custom_id").and_then(Value::as_str).map(str::to_owned));
        }
    }
    out
}

/// The value of the first embed field called `name`.
pub fn embed_field(message: &MessageState, name: &str) -> Option<String> {
    message
        .embeds
        .as_array()?
        .iter()
        .flat_map(|e| e.get("fields").and_then(Value::as_array).into_iter().flatten())
        .find(|f| f.get("name").and_then(Value::as_str) == Some(name))
        .and_then(|f| f.get("value").and_then(Value::as_str).map(str::to_owned))
}
