//! The world the bot serves: guilds on the fake Discord, each configured for in-game tickets by slash commands and
//! linked to a simulated map server of its own.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use adapter_discord::sim::{FakeDiscord, PostedMessage};
use adapter_xilero::secret::Secret;
use adapter_xilero::sim::{MapServer, Seen, SimConfig, SimEvent};
use serde_json::{Value, json};
use ticket_bot::offline::{CHANNEL, ROLE};
use ticket_core::GameServerId;
use tokio::sync::mpsc;

use crate::Error;
use crate::process::LINK_SECRET;

/// Ticket channels one guild holds here: its in-game category and the overflow categories the bot opens (50
/// channels each) stay under Discord's 500 channels with room to spare.
pub const TICKETS_PER_GUILD: usize = 450;

/// How long one relayed message may take before the benchmark gives up on it.
const PATIENCE: Duration = Duration::from_secs(30);

/// One guild with its map server.
pub struct Place {
    pub guild: u64,
    pub server: String,
    pub staff: u64,
    pub log: u64,
    pub admin: u64,
    category: u64,
    staff_role: u64,
    pub sim: Option<Arc<MapServer>>,
}

/// A game event, with when it came.
pub struct GameEvent {
    pub event: SimEvent,
    pub at: Instant,
}

/// The fake Discord and its guilds.
pub struct World {
    pub discord: FakeDiscord,
    pub places: Vec<Place>,
    pub events: mpsc::UnboundedReceiver<GameEvent>,
    events_in: mpsc::UnboundedSender<GameEvent>,
    /// Every message posted.
    pub feed: mpsc::UnboundedReceiver<PostedMessage>,
}

impl World {
    /// A fake Discord with `guilds` guilds (the bot not connected yet).
    pub async fn new(guilds: usize) -> Result<Self, Error> {
        let discord = FakeDiscord::start().await?;
        let feed = discord.message_feed();
        let (events_in, events) = mpsc::unbounded_channel();
        let mut world = Self { discord, places: Vec::new(), events, events_in, feed };
        for _ in 0..guilds {
            world.add_guild();
        }
        Ok(world)
    }

    /// Adds a guild; its index.
    pub fn add_guild(&mut self) -> usize {
        let d = &self.discord;
        let n = self.places.len();
        let guild = d.create_guild(&format!("Bench {n}"));
        let staff_role = d.create_role(guild, "GM", 0);
        let admin = d.add_member(guild, "owner", &[]);
        d.set_owner(guild, admin);
        let staff = d.add_member(guild, "gm", &[staff_role]);
        let log = d.create_text_channel(guild, "ticket-log", None);
        let category = d.create_category(guild, "In-game Tickets");
        self.places.push(Place {
            guild,
            server: format!("bench-{n}"),
            staff,
            log,
            admin,
            category,
            staff_role,
            sim: None,
        });
        n
    }

    /// The bot's game servers: `(id, guild)`.
    pub fn servers(&self) -> Vec<(String, u64)> {
        self.places.iter().map(|p| (p.server.clone(), p.guild)).collect()
    }

    /// Waits until the bot registered its commands in every guild after request number `since`.
    pub async fn wait_ready(&self, since: usize, patience: Duration) -> Result<(), Error> {
        let deadline = Instant::now() + patience;
        let mut seen = since;
        let mut ready: std::collections::HashSet<u64> = std::collections::HashSet::new();
        while Instant::now() < deadline {
            for r in self.discord.requests_since(seen) {
                seen += 1;
                if r.method == "PUT" && r.path.ends_with("/commands") {
                    if let Some(guild) = r.path.split('/').skip_while(|s| *s != "guilds").nth(1) {
                        ready.insert(guild.parse().unwrap_or(0));
                    }
                }
            }
            if self.places.iter().all(|p| ready.contains(&p.guild)) && self.discord.is_connected() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Err("the bot did not get ready in time".into())
    }

    /// Configures a guild for in-game tickets with the admin's slash commands.
    pub async fn configure(&self, n: usize) -> Result<(), Error> {
        let p = &self.places[n];
        let opt = |name: &str, kind: u8, value: u64| json!({ "name": name, "type": kind, "value": value.to_string() });
        let commands: [(&str, Value); 2] = [
            ("set-targets", json!([opt("log_channel", CHANNEL, p.log)])),
            ("set-ingame", json!([opt("category", CHANNEL, p.category), opt("staff_role", ROLE, p.staff_role)])),
        ];
        for (sub, options) in commands {
            let options = json!([{ "name": sub, "type": 1, "options": options }]);
            let asked = self.discord.run_command(p.guild, p.log, p.admin, "tickets", options).await;
            if asked.reply_text().is_none() {
                return Err(format!("/tickets {sub} was not answered in guild {n}").into());
            }
        }
        Ok(())
    }

    /// Starts guild `n`'s map server against the link at `link`; returns once it is linked.
    pub async fn link(&mut self, n: usize, link: std::net::SocketAddr) -> Result<(), Error> {
        let mut config = SimConfig::new(
            link.ip().to_string(),
            link.port(),
            GameServerId::new(self.places[n].server.clone())?,
            Secret::new(LINK_SECRET),
        );
        config.backoff_initial = Duration::from_millis(20);
        config.backoff_max = Duration::from_millis(200);
        let (sim, mut events) = MapServer::start(config);
        let out = self.events_in.clone();
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                if out.send(GameEvent { event, at: Instant::now() }).is_err() {
                    break;
                }
            }
        });
        if !ticket_bot::offline::linked(&sim, Duration::from_secs(30)).await? {
            return Err(format!("map server {n} did not link up").into());
        }
        self.places[n].sim = Some(Arc::new(sim));
        Ok(())
    }

    /// Guild `n`'s map server.
    pub fn sim(&self, n: usize) -> Arc<MapServer> {
        // Every guild's map server is linked before any measurement: a missing one is a bug of this program.
        self.places[n].sim.clone().unwrap_or_else(|| panic!("map server {n} is linked first"))
    }

    /// The ticket channels of guild `n`, by name.
    pub fn ticket_channels(&self, n: usize) -> HashMap<String, u64> {
        self.discord
            .channels(self.places[n].guild)
            .into_iter()
            .filter(|c| c.name.starts_with("ticket-") && c.name != "ticket-log")
            .map(|c| (c.name, c.id))
            .collect()
    }

    /// Waits for a post in `channel` with a line ending in `text`; when the fake took it.
    pub async fn next_post(&mut self, channel: u64, text: &str) -> Result<Instant, Error> {
        let found = tokio::time::timeout(PATIENCE, async {
            while let Some(m) = self.feed.recv().await {
                if m.channel == channel && m.content.lines().any(|l| l.ends_with(text)) {
                    return Some(m.at);
                }
            }
            None
        })
        .await;
        found.ok().flatten().ok_or_else(|| format!("'{text}' was not posted").into())
    }

    /// Waits for the game to show `player` the whisper `text`; when it did.
    pub async fn next_whisper(&mut self, player: &str, text: &str) -> Result<Instant, Error> {
        let found = tokio::time::timeout(PATIENCE, async {
            while let Some(e) = self.events.recv().await {
                if let SimEvent::Sees { player: p, line: Seen::Whisper { message, .. } } = &e.event {
                    if p == player && message == text {
                        return Some(e.at);
                    }
                }
            }
            None
        })
        .await;
        found.ok().flatten().ok_or_else(|| format!("'{text}' was not whispered to {player}").into())
    }

    /// Forgets the game events and posts so far.
    pub fn drain(&mut self) {
        while self.events.try_recv().is_ok() {}
        while self.feed.try_recv().is_ok() {}
    }
}
