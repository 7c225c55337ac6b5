//! `ticket-bot sandbox`: the bot with the game link of your configuration, against the built-in fake Discord.
//!
//! For a game-server owner checking a map server (rAthena with `contrib/rathena`, or their own) before connecting
//! a real Discord server: the bot listens where `[game_link]` says, lets in the servers it lists (with their
//! secrets, code pages and source addresses), and prints what Discord would show. Staff answers are typed on
//! standard input as GM Alice: `#ticket-foo On it!`. Nothing leaves this computer except the game link itself.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use adapter_discord::sim::FakeDiscord;
use adapter_xilero::LinkEvent;
use ticket_core::GuildId;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::cast;
use super::show::Names;
use super::stage::Stage;
use super::{DemoError, setup, start_error};
use crate::app::App;
use crate::config::{Config, default_pid_secret_file};
use crate::env::Env;
use crate::{offline, secrets, signal};

/// How often Discord is looked at for news.
const LOOK_EVERY: Duration = Duration::from_millis(100);

/// What the sandbox prints when it is ready, and on `help`.
pub const HELP: &str = "\
Type, as GM Alice (in-game staff):
  #<channel> <text>   say <text> in a channel, e.g. `#ticket-foo On it! Check your storage.`
  channels            list the channels
  help                this text
  quit                stop (Ctrl-C works too)";

/// Runs the sandbox with `config` (which must have a `[game_link]`), until `quit`, the end of standard input,
/// Ctrl-C or SIGTERM. `database`: keep the database in this file.
pub async fn run(config: Config, database: Option<PathBuf>) -> Result<(), DemoError> {
    let Some(mut link) = config.link_config() else {
        return Err(DemoError::Start(
            "the configuration has no [game_link]: the sandbox runs your game link (see docs/configuration.md)".into(),
        ));
    };
    let mut temporary = None;
    let (database, pid_secret) = match database {
        Some(file) => {
            let (secret, _) = secrets::pid_secret(&Env::default(), &default_pid_secret_file(&file))
                .map_err(start_error("the pid secret"))?;
            (file, secret)
        }
        None => {
            let dir = temporary.insert(tempfile::tempdir().map_err(start_error("a temporary folder"))?);
            let secret = secrets::random_hex(secrets::NEW_SECRET_BYTES).map_err(start_error("the pid secret"))?;
            (dir.path().join("tickets.db"), secret.into_bytes())
        }
    };
    let discord = FakeDiscord::start().await.map_err(start_error("the fake Discord"))?;
    let mut names = Names::default();
    let (people, places) = cast::create(&discord, &mut names);
    // Every game server's tickets open in the fake Discord server.
    for server in &mut link.servers {
        server.guild = GuildId::new(places.guild);
    }
    let mut app_config = offline::app_config(&discord, database, pid_secret, "unused-link-secret", places.guild)
        .map_err(start_error("the configuration"))?;
    app_config.game_link = Some(link.clone());
    let app = App::start_with(app_config, offline::services()).await.map_err(start_error("the bot"))?;
    let mut stage = Stage::new(discord.clone(), people, places, names);
    let result = serve(&mut stage, &app, &link).await;
    app.shutdown().await;
    discord.shutdown().await;
    result
}

async fn serve(stage: &mut Stage, app: &App, link: &adapter_xilero::LinkConfig) -> Result<(), DemoError> {
    stage.say("RagnaSync Tickets: the sandbox");
    stage.say("The real bot, with your game link, against a built-in fake Discord server on this computer.");
    stage.wait("the bot connects and registers its slash commands", offline::bot_ready).await?;
    setup::configure(stage).await?;
    let mut known = HashSet::new();
    stage.show_news(&mut known, false);
    let addr = app.link_addr().ok_or_else(|| DemoError::Start("the game link is not listening".into()))?;
    stage.say("");
    stage.say(format!("Game link: listening on {addr}. Map servers allowed:"));
    for server in &link.servers {
        let from: Vec<String> = server.allow_from.iter().map(ToString::to_string).collect();
        stage.say(format!("  {} (encoding {}, from {})", server.id, server.encoding, from.join(", ")));
    }
    stage.say(HELP);
    let mut events = app.link().map(adapter_xilero::LinkHandle::subscribe);
    let mut input = BufReader::new(tokio::io::stdin()).lines();
    let mut look = tokio::time::interval(LOOK_EVERY);
    let stop = signal::shutdown_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = look.tick() => stage.show_news(&mut known, true),
            event = async { events.as_mut()?.recv().await.ok() }, if events.is_some() => {
                if let Some(line) = event.as_ref().and_then(describe) {
                    stage.say(line);
                }
            }
            line = input.next_line() => {
                let Ok(Some(line)) = line else { break };
                if !command(stage, line.trim()).await? {
                    break;
                }
            }
        }
    }
    stage.show_news(&mut known, true);
    Ok(())
}

/// Runs one line of input; `false` to stop.
async fn command(stage: &mut Stage, line: &str) -> Result<bool, DemoError> {
    match line {
        "" => {}
        "quit" | "exit" => return Ok(false),
        "help" => stage.say(HELP),
        "channels" => {
            let channels = stage.discord.channels(stage.places.guild);
            let listed: Vec<String> = channels.iter().map(|c| format!("#{}", c.name)).collect();
            stage.say(listed.join(" "));
        }
        _ => match line.strip_prefix('#').and_then(|rest| rest.split_once(' ')) {
            Some((name, text)) => match stage.channel_by_name(name) {
                Some(channel) => {
                    let alice = stage.people.alice;
                    stage.type_in(channel, alice, text.trim()).await?;
                }
                None => stage.say(format!("no channel #{name} (type `channels` to list them)")),
            },
            None => stage.say(format!("not understood: {line:?} (type `help`)")),
        },
    }
    Ok(true)
}

/// A line about the game link, for the events a game-server owner checks for.
fn describe(event: &LinkEvent) -> Option<String> {
    Some(match event {
        LinkEvent::Authenticated { server, replaced, .. } => {
            let again = if *replaced { " (replacing its previous connection)" } else { "" };
            format!("[game link] map server {server} is linked: authenticated{again}")
        }
        LinkEvent::AuthRefused { peer, code } => format!("[game link] a connection from {peer} was refused: {code}"),
        LinkEvent::Disconnected { server, reason, .. } => match reason {
            Some(code) => format!("[game link] map server {server} disconnected ({code})"),
            None => format!("[game link] map server {server} disconnected"),
        },
        LinkEvent::Refused { server, code } => format!("[game link] {server} sent a record that was refused: {code}"),
        LinkEvent::Handled { error: Some(code), server, action } => {
            format!("[game link] {server}: the bot refused a {action} record: {code}")
        }
        LinkEvent::Handled { .. } => return None,
    })
}
