//! The offline demo: the real bot ([`App`] on a SQLite file) against the built-in fake Discord
//! (`adapter_discord::sim`) and a simulated XileRO map server (`adapter_xilero::sim`), playing three short scenes
//! and printing what each person sees. Everything listens on 127.0.0.1; nothing reaches the internet.
//!
//! 1. A player opens a ticket in game with `@request`, staff answer in Discord, the player whispers back and logs
//!    out (the ticket closes).
//! 2. A member opens a support ticket from the panel; staff resolve it (logged, channel deleted, member DMed).
//! 3. An applicant applies from the recruitment panel, completes Step 1 and the Quick Q&A; staff approve; an admin
//!    finalises once RSI accepted them. The permanent record follows each status.

mod cast;
mod in_game;
mod recruitment;
mod setup;
mod show;
mod stage;
mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use adapter_discord::DiscordConfig;
use adapter_discord::sim::FakeDiscord;
use adapter_xilero::sim::{MapServer, SimConfig, SimError, SimEvent};
use adapter_xilero::{AllowedServer, LinkConfig, Secret};
use ticket_core::{GameServerId, GuildId};

use crate::app::{App, AppConfig, Services};
use crate::config::default_pid_secret_file;
use crate::env::Env;
use crate::secrets;

use show::Names;
use stage::{PATIENCE, Stage};

/// The game server's id in the demo.
const SERVER: &str = "xilero";

/// How the demo runs.
#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// Keep the database in this file (its pid secret goes to `pid.secret` beside it); `None`: a temporary file.
    pub database: Option<PathBuf>,
}

/// Why the demo failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Something the demo needs could not start.
    #[error("could not start: {0}")]
    Start(String),
    /// A step of a scene did not happen as it should.
    #[error("{0}")]
    Step(String),
    /// The simulated map server failed.
    #[error("the simulated map server: {0}")]
    Game(#[from] SimError),
}

fn start_error(what: &str) -> impl FnOnce(String) -> DemoError + '_ {
    move |error| DemoError::Start(format!("{what}: {error}"))
}

/// `n` random bytes as hexadecimal.
fn random_hex(n: usize) -> Result<String, DemoError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| DemoError::Start(format!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Plays the demo, printing the story on standard output.
pub async fn run(options: DemoOptions) -> Result<(), DemoError> {
    let dir = tempfile::tempdir().map_err(|e| start_error("a temporary folder")(e.to_string()))?;
    let (database, pid_secret) = match &options.database {
        Some(file) => {
            let (secret, _) = secrets::pid_secret(&Env::default(), &default_pid_secret_file(file))
                .map_err(|e| start_error("the pid secret")(e.to_string()))?;
            (file.clone(), secret)
        }
        None => (dir.path().join("tickets.db"), random_hex(32)?.into_bytes()),
    };
    let link_secret = random_hex(16)?;

    println!("RagnaSync Tickets: the offline demo");
    println!();
    println!("The real bot runs here against a built-in fake Discord server and a simulated XileRO game server,");
    println!("on a SQLite database. Everything stays on this computer (127.0.0.1); no token is needed.");
    println!("People: Olivia owns the Discord server; Sam is Support staff; GM Alice answers players in game;");
    println!("Ann is a member; Rex recruits; Cara applies to join; Foo plays on the game server.");

    let discord = FakeDiscord::start().await.map_err(|e| start_error("the fake Discord")(e.to_string()))?;
    let mut names = Names::default();
    let (people, places) = cast::create(&discord, &mut names);
    // The full time-zone database; RSI lookups stay off: the demo never leaves this computer.
    let services = Services::default().with_zones(Arc::new(adapter_discord::IanaZones));
    let app =
        App::start_with(app_config(&discord, database.clone(), pid_secret, &link_secret, places.guild)?, services)
            .await
            .map_err(|e| start_error("the bot")(e.to_string()))?;
    let mut stage = Stage::new(discord.clone(), people, places, names);
    let played = play(&mut stage, &app, &link_secret).await;
    if let Some((sim, _)) = stage.game.take() {
        sim.shutdown().await;
    }
    app.shutdown().await;
    discord.shutdown().await;
    played?;

    println!();
    println!("== The end ==");
    println!("Every scene played. What was stored: tickets, transcripts and applications, with people as pids");
    println!("(keyed hashes), never raw Discord or game account ids (see docs/privacy.md).");
    match &options.database {
        Some(file) => println!("The database is kept in {}.", file.display()),
        None => println!("The demo's temporary database is deleted now; `ticket-bot demo --database <file>` keeps it."),
    }
    println!("To run the bot on your own Discord server: docs/self-hosting.md.");
    Ok(())
}

fn app_config(
    discord: &FakeDiscord,
    database: PathBuf,
    pid_secret: Vec<u8>,
    link_secret: &str,
    guild: u64,
) -> Result<AppConfig, DemoError> {
    let id = GameServerId::new(SERVER).map_err(|e| DemoError::Start(e.to_string()))?;
    let server = AllowedServer { id, secret: Secret::new(link_secret), guild: GuildId::new(guild) };
    let mut link = LinkConfig::new(vec![server]);
    link.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    Ok(AppConfig {
        database,
        pid_secret,
        discord: DiscordConfig::new(discord.token()).with_api_base(discord.base_url()),
        game_link: Some(link),
    })
}

async fn play(stage: &mut Stage, app: &App, link_secret: &str) -> Result<(), DemoError> {
    let connected = |d: &FakeDiscord| d.is_connected() && d.commands().len() >= 3;
    stage.wait("the bot connects and registers its slash commands", connected).await?;
    setup::configure(stage).await?;
    stage.game = Some(start_game(app, link_secret).await?);
    in_game::play(stage).await?;
    support::play(stage).await?;
    recruitment::play(stage).await?;
    Ok(())
}

/// Starts the simulated map server and waits until it is linked to the bot.
async fn start_game(
    app: &App,
    link_secret: &str,
) -> Result<(MapServer, tokio::sync::mpsc::UnboundedReceiver<SimEvent>), DemoError> {
    let addr = app.link_addr().ok_or_else(|| DemoError::Start("the game link is not listening".into()))?;
    let id = GameServerId::new(SERVER).map_err(|e| DemoError::Start(e.to_string()))?;
    let mut config = SimConfig::new(addr.ip().to_string(), addr.port(), id, Secret::new(link_secret));
    config.backoff_initial = Duration::from_millis(20);
    config.backoff_max = Duration::from_millis(200);
    let (sim, events) = MapServer::start(config);
    let up = tokio::time::timeout(PATIENCE, async {
        while !sim.is_up().await.unwrap_or(false) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    if up.is_err() {
        return Err(DemoError::Start("the simulated map server could not link up".into()));
    }
    sim.sync().await?;
    Ok((sim, events))
}
