//! The end-to-end harness: a fake Discord with a configured guild, the real `ticket-bot` wiring over a real SQLite
//! file, and the simulated map server linked to it. The bot reaches the fake as `https://discord.com` over TLS
//! (`offline::app_config`), so serenity's own rate limiter runs as it does against Discord.
#![allow(clippy::unwrap_used, clippy::expect_used)] // A test harness: a failed unwrap is a failed test.

use std::time::Duration;

pub use adapter_discord::sim::permissions;
use adapter_discord::sim::{FakeDiscord, Interaction, MessageState};
use adapter_xilero::sim::{MapServer, SimEvent};
use serde_json::{Value, json};
use ticket_bot::database::DatabaseConfig;
use ticket_bot::offline::{self, Setup};
pub use ticket_bot::offline::{SERVER, custom_ids, embed_field};
use ticket_bot::{App, AppConfig};
use tokio::sync::mpsc::UnboundedReceiver;

/// How long a test waits for something that should happen at once.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// The game link's secret.
const LINK_SECRET: &str = "a-long-enough-link-secret";

/// The people of the test guild.
#[derive(Debug, Clone, Copy)]
pub struct People {
    /// Manage Server: runs the admin commands.
    pub admin: u64,
    /// Has the support role (support capability and ping).
    pub staff: u64,
    /// Has the in-game staff role.
    pub gm: u64,
    /// Has the recruiter role (recruitment capability).
    pub rita: u64,
    /// A plain member.
    pub ann: u64,
    /// Another plain member.
    pub bob: u64,
}

/// The channels and roles set up for the bot.
#[derive(Debug, Clone, Copy)]
pub struct Places {
    /// The guild.
    pub guild: u64,
    /// Support panel channel.
    pub support_panel: u64,
    /// Staff action log.
    pub log: u64,
    /// Support ticket category.
    pub support_category: u64,
    /// In-game ticket category.
    pub game_category: u64,
    /// The support role.
    pub support_role: u64,
    /// The in-game staff role.
    pub game_role: u64,
    /// Recruitment panel channel.
    pub recruitment_panel: u64,
    /// Recruitment ticket category.
    pub recruitment_category: u64,
    /// Permanent application records.
    pub records: u64,
    /// The recruiter role (recruitment capability and ping).
    pub recruiter_role: u64,
    /// Granted to approved Members.
    pub member_role: u64,
    /// Granted to approved Affiliates.
    pub affiliate_role: u64,
}

/// Everything running.
pub struct Stack {
    /// The fake Discord.
    pub discord: FakeDiscord,
    /// The bot.
    pub app: App,
    /// The people.
    pub people: People,
    /// The channels and roles.
    pub places: Places,
    /// Holds the database file.
    dir: tempfile::TempDir,
    /// The database the bot was started on (kept across restarts).
    database: DatabaseConfig,
}

/// The bot's configuration: the database in `dir`, a fixed pid secret, the game link on a free port.
fn config(discord: &FakeDiscord, dir: &tempfile::TempDir, guild: u64) -> AppConfig {
    offline::app_config(discord, dir.path().join("tickets.db"), vec![42; 32], LINK_SECRET, guild).unwrap()
}

/// An option of a slash command.
pub fn opt(name: &str, kind: u8, value: impl Into<Value>) -> Value {
    json!({ "name": name, "type": kind, "value": value.into() })
}

/// A subcommand with options.
pub fn sub(name: &str, options: Vec<Value>) -> Value {
    json!([{ "name": name, "type": 1, "options": options }])
}

impl Stack {
    /// A guild with roles, people and channels; the bot started and configured with slash commands.
    pub async fn start() -> Stack {
        Self::start_with(|_| {}).await
    }

    /// [`Stack::start`] with the bot's Discord request timeout set to `timeout`, returning once the setup's own
    /// posts (panels…) are all done, so that the faults a test asks for meet only the requests it means.
    pub async fn start_settled(timeout: Duration) -> Stack {
        let stack = Self::start_with(|config| config.discord.request_timeout = timeout).await;
        let store = stack.app.store().clone();
        let settled = eventually(async || {
            ticket_core::TicketStore::pending_effects(&*store, None).await.unwrap().is_empty().then_some(())
        })
        .await;
        assert!(settled.is_some(), "the setup's effects are done");
        stack
    }

    /// [`Stack::start`], with the bot's configuration changed by `tune` (a [`Stack::restart`] starts the bot with
    /// the usual configuration again, on the same database).
    pub async fn start_with(tune: impl FnOnce(&mut AppConfig)) -> Stack {
        let discord = FakeDiscord::start().await.unwrap();
        let guild = discord.create_guild("RagnaSync Test");
        let support_role = discord.create_role(guild, "Support", 0);
        let game_role = discord.create_role(guild, "GM", 0);
        let recruiter_role = discord.create_role(guild, "Recruiter", 0);
        let member_role = discord.create_role(guild, "Member", 0);
        let affiliate_role = discord.create_role(guild, "Affiliate", 0);
        let people = People {
            admin: discord.add_member(guild, "owner", &[]),
            staff: discord.add_member(guild, "sam", &[support_role]),
            gm: discord.add_member(guild, "gm-alice", &[game_role]),
            rita: discord.add_member(guild, "rita", &[recruiter_role]),
            ann: discord.add_member(guild, "ann", &[]),
            bob: discord.add_member(guild, "bob", &[]),
        };
        discord.set_owner(guild, people.admin);
        let places = Places {
            guild,
            support_panel: discord.create_text_channel(guild, "support", None),
            log: discord.create_text_channel(guild, "ticket-log", None),
            support_category: discord.create_category(guild, "Support Tickets"),
            game_category: discord.create_category(guild, "In-game Tickets"),
            support_role,
            game_role,
            recruitment_panel: discord.create_text_channel(guild, "join-us", None),
            recruitment_category: discord.create_category(guild, "Applications"),
            records: discord.create_text_channel(guild, "application-records", None),
            recruiter_role,
            member_role,
            affiliate_role,
        };
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(&discord, &dir, guild);
        tune(&mut config);
        let database = config.database.clone();
        let app = App::start_with(config, offline::services()).await.unwrap();
        let stack = Stack { discord, app, people, places, dir, database };
        stack.wait_until_ready().await;
        stack.configure().await;
        stack
    }

    async fn wait_until_ready(&self) {
        let ready = self.discord.wait_for(PATIENCE, offline::bot_ready).await;
        assert!(ready, "the bot connected and registered its commands");
    }

    /// Sets the bot up with the slash commands a server owner runs.
    async fn configure(&self) {
        let p = &self.places;
        let setup = Setup {
            support_panel: p.support_panel,
            recruitment_panel: p.recruitment_panel,
            support_category: p.support_category,
            recruitment_category: p.recruitment_category,
            log: p.log,
            game_category: p.game_category,
            records: p.records,
            support_role: p.support_role,
            game_role: p.game_role,
            recruiter_role: p.recruiter_role,
            member_role: p.member_role,
            affiliate_role: p.affiliate_role,
            areas: &["medical", "salvage"],
        };
        for (name, subcommand, options) in setup.commands() {
            let options = options.into_iter().map(|(key, kind, value)| opt(key, kind, value)).collect();
            self.admin_command(name, sub(subcommand, options)).await;
        }
    }

    /// Runs a slash command as the admin in the support panel channel and checks it was answered.
    /// Fills the guild with channels up to Discord's 500-channel cap: the next channel is refused.
    pub fn fill_to_the_channel_cap(&self) {
        let guild = self.places.guild;
        for i in self.discord.channels(guild).len()..500 {
            self.discord.create_text_channel(guild, &format!("filler-{i}"), None);
        }
    }

    /// Takes Manage Channels from the bot's role: Discord refuses its channels for good (`403`).
    pub fn take_manage_channels_from_the_bot(&self) {
        let guild = self.places.guild;
        let bot_role = self.discord.roles(guild).into_iter().find(|r| r.name == "Bot").unwrap();
        self.discord.set_role_permissions(guild, bot_role.id, bot_role.permissions & !permissions::MANAGE_CHANNELS);
    }

    /// Deletes one of the filler channels by hand (room again under the cap).
    pub async fn delete_a_filler(&self) {
        let filler = self.discord.channels(self.places.guild).into_iter().find(|c| c.name.starts_with("filler-"));
        self.discord.delete_channel_by_hand(filler.unwrap().id).await;
    }

    pub async fn admin_command(&self, name: &str, options: Value) -> Interaction {
        let asked = self
            .discord
            .run_command(self.places.guild, self.places.support_panel, self.people.admin, name, options)
            .await;
        assert!(asked.reply_text().is_some(), "/{name} was answered: {asked:?}");
        asked
    }

    /// Stops the bot and starts a new one over the same database, the same Discord and the same game link address
    /// (a restart: a connected game server reconnects by itself).
    pub async fn restart(self) -> Stack {
        self.restart_with(async |_| {}).await
    }

    /// [`Stack::restart`], doing `while_down` to Discord while no bot is connected.
    pub async fn restart_with(self, while_down: impl AsyncFnOnce(&FakeDiscord)) -> Stack {
        let Stack { discord, app, people, places, dir, database } = self;
        let link = app.link_addr();
        app.shutdown().await;
        assert!(discord.wait_for(PATIENCE, |d| !d.is_connected()).await, "the old bot disconnected");
        while_down(&discord).await;
        let mut config = config(&discord, &dir, places.guild);
        config.database = database.clone();
        if let (Some(game), Some(addr)) = (config.game_link.as_mut(), link) {
            game.listen = addr;
        }
        let app = App::start_with(config, offline::services()).await.unwrap();
        let stack = Stack { discord, app, people, places, dir, database };
        stack.wait_until_ready().await;
        stack
    }

    /// A simulated map server linked to the bot.
    pub async fn game(&self) -> (MapServer, UnboundedReceiver<SimEvent>) {
        let addr = self.app.link_addr().expect("the game link runs");
        let (sim, events) = offline::map_server(addr, LINK_SECRET).unwrap();
        linked(&sim).await;
        (sim, events)
    }

    /// Opens a support ticket from the panel as `user`, answering the opening question; returns its channel.
    pub async fn open_support_ticket(&self, user: u64, question: &str) -> u64 {
        let (d, panel_channel) = (&self.discord, self.places.support_panel);
        let panel = self.wait_message(panel_channel, |m| custom_ids(m) == ["tickets:open-support"]).await;
        let click = d.click_button(panel_channel, panel.id, "tickets:open-support", user).await;
        let modal = click.modal().expect("the opening question is asked in a modal");
        let submitted = d.submit_modal(panel_channel, &modal.custom_id, &[("question", question)], user).await;
        channel_in(&submitted.reply_text().unwrap(), "Your support ticket is open: <#")
    }

    /// The guild's channel with this name.
    pub fn channel_named(&self, name: &str) -> Option<u64> {
        self.discord.channels(self.places.guild).into_iter().find(|c| c.name == name).map(|c| c.id)
    }

    /// Waits for a channel with this name to exist.
    pub async fn wait_channel(&self, name: &str) -> u64 {
        let guild = self.places.guild;
        let found = self.discord.wait_for(PATIENCE, |d| d.channels(guild).iter().any(|c| c.name == name)).await;
        assert!(found, "#{name} was created");
        self.channel_named(name).unwrap()
    }

    /// Waits until a message in `channel` satisfies `check`; returns it.
    pub async fn wait_message(&self, channel: u64, check: impl Fn(&MessageState) -> bool) -> MessageState {
        let found = self.discord.wait_for(PATIENCE, |d| d.messages(channel).iter().any(&check)).await;
        assert!(found, "the expected message arrived in {channel}: {:#?}", self.discord.messages(channel));
        self.discord.messages(channel).into_iter().find(check).unwrap()
    }

    /// `user` opens a support ticket from the panel with `question`; returns its channel.
    pub async fn open_support(&self, user: u64, question: &str) -> u64 {
        let (d, panel) = (&self.discord, self.places.support_panel);
        let button = self.wait_message(panel, |m| custom_ids(m) == ["tickets:open-support"]).await;
        let form = d.click_button(panel, button.id, "tickets:open-support", user).await.modal().expect("the form");
        let opened = d.submit_modal(panel, &form.custom_id, &[("question", question)], user).await;
        channel_in(&opened.reply_text().expect("the member is told"), "Your support ticket is open: <#")
    }

    /// Staff member `staff` resolves the support ticket of `channel` with `resolution`.
    pub async fn resolve(&self, channel: u64, staff: u64, resolution: &str) {
        let d = &self.discord;
        let welcome = self.wait_message(channel, |m| custom_ids(m).contains(&"tickets:resolve".to_owned())).await;
        let form = d.click_button(channel, welcome.id, "tickets:resolve", staff).await.modal().expect("the form");
        let done = d.submit_modal(channel, &form.custom_id, &[("resolution", resolution)], staff).await;
        assert!(done.reply_text().unwrap_or_default().starts_with("Resolved and logged"), "{done:?}");
    }

    /// The folder holding the SQLite file (when the bot uses one) and the pid secret.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Asserts the fake saw nothing Discord would not have accepted.
    pub fn assert_no_violations(&self) {
        let violations = self.discord.violations();
        assert!(violations.is_empty(), "the fake Discord saw violations: {violations:#?}");
    }

    /// Stops everything.
    pub async fn stop(self) {
        self.app.shutdown().await;
        self.discord.shutdown().await;
    }
}

/// Waits until the map server is linked and has resynced (it reconnects by itself with back-off).
pub async fn linked(sim: &MapServer) {
    assert!(offline::linked(sim, PATIENCE).await.unwrap(), "the map server linked up");
}

/// Waits for a game event passing `check`, skipping the others; whether one came in time.
pub async fn game_event(events: &mut UnboundedReceiver<SimEvent>, check: impl Fn(&SimEvent) -> bool) -> bool {
    let found = tokio::time::timeout(PATIENCE, async {
        while let Some(event) = events.recv().await {
            if check(&event) {
                return true;
            }
        }
        false
    })
    .await;
    found == Ok(true)
}

/// Tries `attempt` every 20 ms until it gives a value, for up to [`PATIENCE`].
pub async fn eventually<T>(mut attempt: impl AsyncFnMut() -> Option<T>) -> Option<T> {
    let found = tokio::time::timeout(PATIENCE, async {
        loop {
            if let Some(value) = attempt().await {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    found.ok()
}

/// The channel a reply points to after `lead` (which ends in `<#`), as in `Your support ticket is open: <#123>`.
pub fn channel_in(reply: &str, lead: &str) -> u64 {
    let Some(rest) = reply.strip_prefix(lead) else { panic!("{reply}") };
    rest.trim_end_matches('>').parse().unwrap()
}

/// Every text a person reads in a message body: the content, then each embed's title, description and fields.
pub fn plain_text(content: &str, embeds: &Value) -> String {
    let mut out = vec![content.to_owned()];
    for e in embeds.as_array().into_iter().flatten() {
        for key in ["title", "description"] {
            out.extend(e[key].as_str().map(str::to_owned));
        }
        for f in e["fields"].as_array().into_iter().flatten() {
            out.push(format!("{}: {}", f["name"].as_str().unwrap_or(""), f["value"].as_str().unwrap_or("")));
        }
    }
    out.join("\n")
}

/// Every text of a message a person reads ([`plain_text`] of its content and embeds).
pub fn readable(message: &MessageState) -> String {
    plain_text(&message.content, &message.embeds)
}

/// The roles and users a message may ping, per its allowed mentions.
pub fn may_ping(message: &MessageState) -> (Vec<String>, Vec<String>, Vec<String>) {
    let list = |key: &str| -> Vec<String> {
        message.allowed_mentions[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    (list("parse"), list("users"), list("roles"))
}

/// What a post in a ticket channel relays of `player`'s text: what follows `**player** (in game): ` at the start of
/// the post or of one of its lines (the welcome carries the opening line under its pings).
pub fn relayed_text<'a>(content: &'a str, player: &str) -> Option<&'a str> {
    let prefix = format!("**{player}** (in game): ");
    content.strip_prefix(&prefix).or_else(|| {
        let at = content.find(&format!("\n{prefix}"))?;
        Some(&content[at + 1 + prefix.len()..])
    })
}

/// The lines `player` sent that were relayed into `channel`, in the channel's order, split back into the lines
/// typed (lines that waited behind a post go out together, one post with a line each).
pub fn player_lines(d: &FakeDiscord, channel: u64, player: &str) -> Vec<String> {
    d.messages(channel)
        .iter()
        .filter_map(|m| relayed_text(&m.content, player).map(str::to_owned))
        .flat_map(|text| text.lines().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// A player's relayed messages that are only digits, in order: the parts of a long text of digits `player` sent.
pub fn digit_parts(d: &FakeDiscord, channel: u64, player: &str) -> Vec<String> {
    let digits = |c: &&str| c.bytes().all(|b| b.is_ascii_digit());
    d.messages(channel)
        .iter()
        .filter_map(|m| relayed_text(&m.content, player).filter(digits).map(str::to_owned))
        .collect()
}
