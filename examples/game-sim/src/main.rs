//! `game-sim`: type as players on a simulated XileRO map server and see what they see.
//!
//! One process runs the whole chain: a RagnaSync link server and a `Desk` over the in-memory store, a console
//! "Discord" that prints what staff would see, and the simulated map server connected to the link over
//! loopback TCP. Commands come from stdin, so it works typed or piped:
//!
//! ```text
//! printf 'login Foo\nrequest Foo my item vanished\nstaff Foo On it!\nquit\n' | cargo run -p game-sim
//! ```
//!
//! `--conf <channels.conf>` reads the ticket settings, server id and secret from a `conf/channels.conf`.

mod command;
mod console_chat;

use std::error::Error;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use adapter_xilero::channels_conf::DEFAULT_SERVER_ID;
use adapter_xilero::sim::{MapServer, SimConfig, SimError, SimEvent};
use adapter_xilero::{AllowedServer, ChannelsConf, LinkConfig, LinkEvent, LinkHandle, LinkLimits, LinkServer, Secret};
use ticket_core::{Actor, Desk, GameServerId, GuildId, InMemoryStore, Permissions, PidKey, Ports, UserId};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{broadcast, mpsc};

use command::{Command, HELP};
use console_chat::ConsoleChat;

/// The Discord guild of the demo.
const GUILD: GuildId = GuildId::new(1);
/// The link secret when no `channels.conf` gives one (the link only listens on loopback, in this process).
const DEMO_SECRET: &str = "game-sim-demo-secret-not-for-production";
/// How long to wait for the bridge or the simulator before saying so.
const PATIENCE: Duration = Duration::from_secs(10);

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("game-sim: {e}");
            ExitCode::FAILURE
        }
    }
}

fn channels_conf() -> Result<Option<ChannelsConf>, Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (None, _) => Ok(None),
        (Some("--conf"), Some(path)) => Ok(Some(ChannelsConf::load(&PathBuf::from(path))?)),
        _ => Err("usage: game-sim [--conf conf/channels.conf]".into()),
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    let conf = channels_conf()?;
    let server_id = match &conf {
        Some(conf) => conf.server_id.clone(),
        None => GameServerId::new(DEFAULT_SERVER_ID)?,
    };
    let secret = conf.as_ref().and_then(|c| c.bridge_secret.clone()).unwrap_or_else(|| Secret::new(DEMO_SECRET));

    // The bridge: link handle first (the desk's game port), then the desk, then the server.
    let link = LinkHandle::new(LinkConfig {
        listen: "127.0.0.1:0".parse()?,
        servers: vec![AllowedServer::new(server_id.clone(), secret.clone(), GUILD)],
        limits: LinkLimits::default(),
    })?;
    let store = Arc::new(InMemoryStore::new());
    let ports = Ports::new(store, Arc::new(ConsoleChat::default())).with_game(Arc::new(link.clone()));
    let desk = Arc::new(Desk::new(ports, PidKey::new(b"game-sim demo pid key, 32 bytes or more")?));
    let link_events = link.subscribe();
    let server = LinkServer::bind(link.clone(), desk.clone()).await?;
    let addr = server.local_addr()?;
    let running = server.spawn();

    // The game: the simulated map server, connecting out to the bridge.
    let mut config = SimConfig::new(addr.ip().to_string(), addr.port(), server_id, secret);
    config.backoff_initial = Duration::from_millis(200);
    config.backoff_max = Duration::from_secs(5);
    if let Some(conf) = &conf {
        config.ticket_enabled = conf.ticket_enabled;
        config.close_on_logout = conf.close_on_logout;
    }
    let (sim, events) = MapServer::start(config);
    let mut session = Session { sim, events, link_events, desk };
    session.link_up().await;
    println!("game-sim: a simulated XileRO map server, linked to RagnaSync on {addr}. Type help for commands.");

    let echo = !std::io::stdin().is_terminal();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        if echo && !line.trim().is_empty() {
            println!("> {}", line.trim());
        }
        match command::parse(&line) {
            Ok(Command::Quit) => break,
            Ok(command) => session.run(command).await,
            Err(problem) => println!("{problem}"),
        }
    }
    session.sim.shutdown().await;
    running.shutdown().await;
    Ok(())
}

/// The running demo.
struct Session {
    sim: MapServer,
    events: mpsc::UnboundedReceiver<SimEvent>,
    link_events: broadcast::Receiver<LinkEvent>,
    desk: Arc<Desk>,
}

impl Session {
    async fn run(&mut self, command: Command) {
        // Events left from before this command (a reconnection, say) are not answers to it.
        while self.link_events.try_recv().is_ok() {}
        match command {
            Command::Login(name) => {
                let sent = match self.sim.login(&name).await {
                    Ok(_) => Ok(self.is_up().await),
                    Err(e) => Err(e),
                };
                self.settled(sent, "login").await;
            }
            Command::Logout(name) => {
                let up = self.is_up().await;
                let sent = self.sim.logout(&name).await.map(|()| up);
                self.settled(sent, "logout").await;
            }
            Command::Request(name, text) => {
                let sent = self.sim.request(&name, &text).await;
                self.settled(sent, "ticket").await;
            }
            Command::Whisper(name, text) => {
                let sent = self.sim.whisper_support(&name, &text).await;
                self.settled(sent, "ticket").await;
            }
            Command::Staff(name, text) => self.staff(&name, &text).await,
            Command::Config(enabled, close_on_logout) => {
                let sent = self.sim.set_config(enabled, close_on_logout).await;
                self.settled(sent, "config").await;
            }
            Command::Down => {
                if let Err(e) = self.sim.disconnect().await {
                    println!("{e}");
                    return;
                }
                self.wait_link("the bridge noticed", |e| matches!(e, LinkEvent::Disconnected { .. })).await;
                self.print_events();
            }
            Command::Up => {
                if let Err(e) = self.sim.connect().await {
                    println!("{e}");
                    return;
                }
                self.link_up().await;
            }
            Command::Help => println!("{HELP}"),
            Command::Quit | Command::Nothing => {}
        }
    }

    async fn is_up(&self) -> bool {
        self.sim.is_up().await.unwrap_or(false)
    }

    /// After a player's command: whether it sent a record with `action` to the bridge, or why it failed.
    async fn settled(&mut self, sent: Result<bool, SimError>, action: &str) {
        match sent {
            Ok(sent) => self.settle(sent.then_some(action)).await,
            Err(e) => println!("{e}"),
        }
    }

    /// A staff member types in the player's ticket channel.
    async fn staff(&mut self, name: &str, text: &str) {
        let open = match self.desk.store().open_tickets(GUILD).await {
            Ok(open) => open,
            Err(e) => return println!("cannot read tickets: {e}"),
        };
        let ticket = open.iter().find(|t| t.in_game().is_ok_and(|g| g.name.as_str().eq_ignore_ascii_case(name)));
        let Some((channel, channel_name)) = ticket.and_then(|t| Some((t.channel?, &t.channel_name))) else {
            return println!("{name} has no open ticket");
        };
        let staff = Actor::member(GUILD, UserId::new(7), "GM Alice", vec![], Permissions::MANAGE_CHANNELS);
        println!("[discord #{channel_name}] GM Alice: {text}");
        if let Err(e) = self.desk.channel_message(channel, &staff, text).await {
            println!("[discord] refused: {e}");
        }
        self.settle(None).await;
    }

    /// Waits until the bridge handled the record just sent (if any) and the game received everything the bridge
    /// sent meanwhile; then prints what players saw.
    async fn settle(&mut self, sent: Option<&str>) {
        self.print_events();
        if let Some(action) = sent {
            self.wait_link(action, |e| matches!(e, LinkEvent::Handled { action: a, .. } if *a == action)).await;
        }
        if self.is_up().await && self.sim.sync().await.is_err() {
            println!("(game) the link dropped");
        }
        self.print_events();
    }

    /// Waits for the link to come up and the game's announcements to be handled.
    async fn link_up(&mut self) {
        let wait = async {
            while let Some(event) = self.events.recv().await {
                print_event(&event);
                if event == SimEvent::LinkUp {
                    return true;
                }
            }
            false
        };
        if !tokio::time::timeout(PATIENCE, wait).await.unwrap_or(false) {
            println!("(game) the link to RagnaSync did not come up");
            return;
        }
        self.wait_link("sync_done", |e| matches!(e, LinkEvent::Handled { action: "sync_done", .. })).await;
        self.settle(None).await;
    }

    async fn wait_link(&mut self, what: &str, pred: impl Fn(&LinkEvent) -> bool) {
        let wait = async {
            loop {
                match self.link_events.recv().await {
                    Ok(event) if pred(&event) => return true,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return false,
                }
            }
        };
        if !tokio::time::timeout(PATIENCE, wait).await.unwrap_or(false) {
            println!("(bridge) no answer in time: {what}");
        }
    }

    fn print_events(&mut self) {
        while let Ok(event) = self.events.try_recv() {
            print_event(&event);
        }
    }
}

fn print_event(event: &SimEvent) {
    // Refusals about a ticket are shown as what the player sees; the record itself is protocol detail.
    if matches!(event, SimEvent::BridgeError { re: Some(_), .. }) {
        return;
    }
    println!("{event}");
}
