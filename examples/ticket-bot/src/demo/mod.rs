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
pub mod sandbox;
mod setup;
mod show;
mod stage;
mod support;

use std::fmt::Display;
use std::path::PathBuf;

use adapter_discord::sim::FakeDiscord;
use adapter_xilero::sim::{MapServer, SimError, SimEvent};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::app::App;
use crate::config::default_pid_secret_file;
use crate::env::Env;
use crate::{offline, secrets};

use show::Names;
use stage::{PATIENCE, Stage};

/// The least time between two edits of one record in the demo (see `App`'s `record_edit_quiet`).
const DEMO_RECORD_EDIT_QUIET: std::time::Duration = std::time::Duration::from_millis(200);

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

pub(crate) fn start_error<E: Display>(what: &str) -> impl FnOnce(E) -> DemoError + '_ {
    move |error| DemoError::Start(format!("{what}: {error}"))
}

/// Plays the demo, printing the story on standard output.
pub async fn run(options: DemoOptions) -> Result<(), DemoError> {
    // A temporary folder only when the database is not kept; it is deleted when the demo ends.
    let mut temporary = None;
    let (database, pid_secret) = match &options.database {
        Some(file) => {
            let (secret, _) = secrets::pid_secret(&Env::default(), &default_pid_secret_file(file))
                .map_err(start_error("the pid secret"))?;
            (file.clone(), secret)
        }
        None => {
            let dir = temporary.insert(tempfile::tempdir().map_err(start_error("a temporary folder"))?);
            let secret = secrets::random_hex(secrets::NEW_SECRET_BYTES).map_err(start_error("the pid secret"))?;
            (dir.path().join("tickets.db"), secret.into_bytes())
        }
    };
    let link_secret = secrets::random_hex(16).map_err(start_error("the link secret"))?;

    println!("RagnaSync Tickets: the offline demo");
    println!();
    println!("The real bot runs here against a built-in fake Discord server and a simulated XileRO game server,");
    println!("on a SQLite database. Everything stays on this computer (127.0.0.1); no token is needed.");
    println!("People: Olivia owns the Discord server; Sam is Support staff; GM Alice answers players in game;");
    println!("Ann is a member; Rex recruits; Cara applies to join; Foo plays on the game server.");

    let discord = FakeDiscord::start().await.map_err(start_error("the fake Discord"))?;
    let mut names = Names::default();
    let (people, places) = cast::create(&discord, &mut names);
    let mut config = offline::app_config(&discord, database, pid_secret, &link_secret, places.guild)
        .map_err(start_error("the game link"))?;
    // The scene's staff decide within a second, where people take minutes: a short quiet time between record edits
    // keeps it quick (and every status still shows).
    config.record_edit_quiet = DEMO_RECORD_EDIT_QUIET;
    // RSI lookups stay off: the demo never leaves this computer.
    let app = App::start_with(config, offline::services()).await.map_err(start_error("the bot"))?;
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

async fn play(stage: &mut Stage, app: &App, link_secret: &str) -> Result<(), DemoError> {
    stage.wait("the bot connects and registers its slash commands", offline::bot_ready).await?;
    setup::configure(stage).await?;
    stage.game = Some(start_game(app, link_secret).await?);
    in_game::play(stage).await?;
    support::play(stage).await?;
    recruitment::play(stage).await?;
    Ok(())
}

/// Starts the simulated map server and waits until it is linked to the bot.
async fn start_game(app: &App, link_secret: &str) -> Result<(MapServer, UnboundedReceiver<SimEvent>), DemoError> {
    let addr = app.link_addr().ok_or_else(|| DemoError::Start("the game link is not listening".into()))?;
    let (sim, events) = offline::map_server(addr, link_secret).map_err(start_error("the map server"))?;
    if !offline::linked(&sim, PATIENCE).await? {
        return Err(DemoError::Start("the simulated map server could not link up".into()));
    }
    Ok((sim, events))
}
