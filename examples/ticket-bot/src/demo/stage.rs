//! The stage: the fake Discord, the simulated map server and the bot, with the moves of a scene (type, click,
//! choose, fill in a form, run a command) and the waits that make the printed story the same on every run.
//!
//! Every wait is for one specific outcome; what is printed after it is exactly what had to happen before that
//! outcome, in the order it happened, so the output does not depend on timing.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use adapter_discord::sim::{FakeDiscord, Interaction, MessageState, ModalView};
use adapter_xilero::sim::{MapServer, SimEvent};
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;

use super::DemoError;
use super::cast::{People, Places};
use super::show::Names;
use crate::offline::{CHANNEL, Opt, ROLE};

/// How long the demo waits for something that should happen at once.
pub(crate) const PATIENCE: Duration = Duration::from_secs(15);

pub(crate) struct Stage {
    pub discord: FakeDiscord,
    pub people: People,
    pub places: Places,
    pub names: Names,
    pub game: Option<(MapServer, UnboundedReceiver<SimEvent>)>,
    bot: u64,
    /// Messages already shown.
    shown: HashSet<u64>,
    /// How each message looked when last shown, to show edits.
    looked: HashMap<u64, Vec<String>>,
}

fn fail(what: impl Into<String>) -> DemoError {
    DemoError::Step(what.into())
}

impl Stage {
    pub(crate) fn new(discord: FakeDiscord, people: People, places: Places, names: Names) -> Self {
        let bot = discord.bot_user_id();
        Self { discord, people, places, names, game: None, bot, shown: HashSet::new(), looked: HashMap::new() }
    }

    pub(crate) fn say(&self, line: impl AsRef<str>) {
        println!("{}", line.as_ref());
    }

    pub(crate) fn heading(&self, title: &str) {
        println!();
        println!("== {title} ==");
    }

    /// Fails unless the fake Discord saw only what real Discord would accept.
    pub(crate) fn check_violations(&self) -> Result<(), DemoError> {
        let violations = self.discord.violations();
        if violations.is_empty() {
            Ok(())
        } else {
            Err(fail(format!("the fake Discord saw requests real Discord would refuse: {violations:?}")))
        }
    }

    /// Waits for a condition on the fake Discord.
    pub(crate) async fn wait(&self, what: &str, check: impl Fn(&FakeDiscord) -> bool) -> Result<(), DemoError> {
        if self.discord.wait_for(PATIENCE, check).await { Ok(()) } else { Err(fail(format!("timed out: {what}"))) }
    }

    /// The guild's channel with this name, once it exists.
    pub(crate) async fn channel_named(&mut self, name: &str) -> Result<u64, DemoError> {
        let guild = self.places.guild;
        self.wait(&format!("#{name} is created"), |d| d.channels(guild).iter().any(|c| c.name == name)).await?;
        self.names.refresh_channels(&self.discord, guild);
        let found = self.discord.channels(guild).into_iter().find(|c| c.name == name).map(|c| c.id);
        found.ok_or_else(|| fail(format!("#{name} vanished")))
    }

    /// Waits for a message in `channel` that passes `check`, then shows every message of the channel not shown
    /// yet, up to that one. `place` names the channel in the output.
    pub(crate) async fn expect(
        &mut self,
        place: &str,
        channel: u64,
        what: &str,
        check: impl Fn(&MessageState) -> bool,
    ) -> Result<MessageState, DemoError> {
        let timed_out = format!("timed out waiting in {place} for {what}");
        self.expect_among(place, |d| d.messages(channel), timed_out, check).await
    }

    /// Waits for a DM to `user` that passes `check`, showing the DMs up to it.
    pub(crate) async fn expect_dm(
        &mut self,
        user: u64,
        what: &str,
        check: impl Fn(&MessageState) -> bool,
    ) -> Result<(), DemoError> {
        let place = format!("DM to {}", self.names.user_name(user));
        self.expect_among(&place, |d| d.dms(user), format!("timed out waiting for {what}"), check).await?;
        Ok(())
    }

    /// Waits for one of the `messages` to pass `check`, then shows those not shown yet, up to that one.
    async fn expect_among(
        &mut self,
        place: &str,
        messages: impl Fn(&FakeDiscord) -> Vec<MessageState>,
        timed_out: String,
        check: impl Fn(&MessageState) -> bool,
    ) -> Result<MessageState, DemoError> {
        let found = self.discord.wait_for(PATIENCE, |d| messages(d).iter().any(&check)).await;
        let messages = messages(&self.discord);
        let Some(target) = messages.iter().find(|m| check(m)).cloned().filter(|_| found) else {
            return Err(fail(timed_out));
        };
        for m in messages.iter().filter(|m| m.id <= target.id) {
            if self.shown.insert(m.id) {
                self.show(place, m);
            }
        }
        Ok(target)
    }

    /// Waits until the message `id` of `channel` passes `check` (after an edit), then shows it as edited.
    pub(crate) async fn expect_edit(
        &mut self,
        place: &str,
        channel: u64,
        id: u64,
        what: &str,
        check: impl Fn(&MessageState) -> bool,
    ) -> Result<MessageState, DemoError> {
        let current = |d: &FakeDiscord| d.messages(channel).into_iter().find(|m| m.id == id);
        let found = self.discord.wait_for(PATIENCE, |d| current(d).is_some_and(|m| check(&m))).await;
        let Some(message) = current(&self.discord).filter(|_| found) else {
            return Err(fail(format!("timed out waiting in {place} for {what}")));
        };
        let lines = self.names.message(&message, self.bot);
        let before = self.looked.insert(id, lines.clone()).unwrap_or_default();
        // Only the lines that changed, to keep the story short.
        let changed: Vec<&String> = lines.iter().filter(|l| !before.contains(l)).collect();
        self.say(format!("[{place}] (message edited)"));
        for line in changed {
            self.say(format!("    {}", line.trim_start()));
        }
        Ok(message)
    }

    /// Shows what happened in the guild since the last look: channels opened and deleted, and every message
    /// not shown yet (for `ticket-bot sandbox`, where nothing is scripted). With `print` off, only takes note.
    pub(crate) fn show_news(&mut self, known: &mut HashSet<u64>, print: bool) {
        let guild = self.places.guild;
        let channels = self.discord.channels(guild);
        self.names.refresh_channels(&self.discord, guild);
        for channel in &channels {
            if known.insert(channel.id) && print {
                self.say(format!("[Discord] #{} opens", channel.name));
            }
        }
        let gone: Vec<u64> = known.iter().copied().filter(|id| !channels.iter().any(|c| c.id == *id)).collect();
        for id in gone {
            known.remove(&id);
            self.say(format!("[Discord] #{} is deleted", self.names.channel_name(id)));
        }
        for channel in channels {
            for m in self.discord.messages(channel.id) {
                if self.shown.insert(m.id) && print {
                    self.show(&format!("#{}", channel.name), &m);
                }
            }
        }
    }

    /// The channels of the guild, by name.
    pub(crate) fn channel_by_name(&self, name: &str) -> Option<u64> {
        self.discord.channels(self.places.guild).into_iter().find(|c| c.name == name).map(|c| c.id)
    }

    fn show(&mut self, place: &str, m: &MessageState) {
        let lines = self.names.message(m, self.bot);
        for (i, line) in lines.iter().enumerate() {
            if i == 0 {
                self.say(format!("[{place}] {line}"));
            } else {
                self.say(line);
            }
        }
        self.looked.insert(m.id, lines);
    }

    /// `user` types in a channel.
    pub(crate) async fn type_in(&mut self, channel: u64, user: u64, text: &str) -> Result<(), DemoError> {
        let place = self.names.channel_name(channel);
        self.say(format!("[{} in #{place}] types: {text}", self.names.user_name(user)));
        let id = self.discord.send_message(channel, user, text).await;
        self.shown.insert(id);
        self.check_violations()
    }

    /// Shows an interaction's answer to the person who acted (the ephemeral reply only they see).
    fn show_reply(&mut self, user: u64, answer: &Interaction) {
        self.names.refresh_channels(&self.discord, self.places.guild);
        let lead = format!("[{} sees, only them] ", self.names.user_name(user));
        for line in self.names.reply(&lead, answer).unwrap_or_default() {
            self.say(line);
        }
    }

    /// `user` presses the button `custom_id` (labelled `label`) on `message`.
    pub(crate) async fn click(
        &mut self,
        channel: u64,
        message: u64,
        custom_id: &str,
        label: &str,
        user: u64,
    ) -> Result<Interaction, DemoError> {
        let place = self.names.channel_name(channel);
        self.say(format!("[{} in #{place}] presses [{label}]", self.names.user_name(user)));
        let answer = self.discord.click_button(channel, message, custom_id, user).await;
        self.check_violations()?;
        if answer.response.is_none() {
            return Err(fail(format!("the bot did not answer the click on [{label}]")));
        }
        if answer.modal().is_none() {
            self.show_reply(user, &answer);
        }
        Ok(answer)
    }

    /// `user` chooses `value` (shown as `label`) in the select `custom_id` on `message`.
    pub(crate) async fn choose(
        &mut self,
        channel: u64,
        message: u64,
        custom_id: &str,
        (value, label): (&str, &str),
        user: u64,
    ) -> Result<Interaction, DemoError> {
        let place = self.names.channel_name(channel);
        self.say(format!("[{} in #{place}] chooses: {label}", self.names.user_name(user)));
        let answer = self.discord.choose(channel, message, custom_id, &[value], user).await;
        self.check_violations()?;
        if answer.response.is_none() {
            return Err(fail(format!("the bot did not answer the choice of {label}")));
        }
        self.show_reply(user, &answer);
        Ok(answer)
    }

    /// `user` fills in the form the bot showed them and sends it; `fields` are (input id, value).
    pub(crate) async fn fill_in(
        &mut self,
        channel: u64,
        form: &ModalView,
        fields: &[(&str, &str)],
        user: u64,
    ) -> Result<Interaction, DemoError> {
        let who = self.names.user_name(user);
        self.say(format!("[{who}] fills in the form \"{}\":", form.title));
        for (id, value) in fields {
            let label = form.inputs.iter().find(|i| i.custom_id == *id).map_or(*id, |i| i.label.as_str());
            self.say(format!("    {label}: {value}"));
        }
        let answer = self.discord.submit_modal(channel, &form.custom_id, fields, user).await;
        self.check_violations()?;
        if answer.response.is_none() {
            return Err(fail(format!("the bot did not answer the form \"{}\"", form.title)));
        }
        self.show_reply(user, &answer);
        Ok(answer)
    }

    /// The owner runs `/name sub options…` in the staff room; the bot's answer is shown.
    pub(crate) async fn command(&mut self, name: &str, sub: &str, options: &[Opt]) -> Result<(), DemoError> {
        let shown: Vec<String> = options
            .iter()
            .map(|(key, kind, value)| {
                let id = value.as_str().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
                let value = match *kind {
                    CHANNEL => self.names.text(&format!("<#{id}>")),
                    ROLE => self.names.text(&format!("<@&{id}>")),
                    _ => value.as_str().map_or_else(|| value.to_string(), str::to_owned),
                };
                format!("{key}:{value}")
            })
            .collect();
        let owner = self.people.olivia;
        self.say(format!("[{} in #staff-room] /{name} {sub} {}", self.names.user_name(owner), shown.join(" ")));
        let options: Vec<Value> =
            options.iter().map(|(key, kind, value)| json!({ "name": key, "type": kind, "value": value })).collect();
        let body = json!([{ "name": sub, "type": 1, "options": options }]);
        let (guild, room) = (self.places.guild, self.places.staff_room);
        let answer = self.discord.run_command(guild, room, owner, name, body).await;
        self.check_violations()?;
        let reply = self.names.reply("    -> ", &answer).ok_or_else(|| fail(format!("/{name} {sub} got no answer")))?;
        for line in reply {
            self.say(line);
        }
        Ok(())
    }

    /// The simulated map server.
    pub(crate) fn sim(&self) -> Result<&MapServer, DemoError> {
        self.game.as_ref().map(|(sim, _)| sim).ok_or_else(|| fail("the map server is not running"))
    }

    /// Waits for a game event passing `check`; shows what players saw on the way (and the match).
    pub(crate) async fn expect_game(&mut self, what: &str, check: impl Fn(&SimEvent) -> bool) -> Result<(), DemoError> {
        let (_, events) = self.game.as_mut().ok_or_else(|| fail("the map server is not running"))?;
        let mut seen = Vec::new();
        let found = tokio::time::timeout(PATIENCE, async {
            while let Some(event) = events.recv().await {
                let done = check(&event);
                seen.push(event);
                if done {
                    return true;
                }
            }
            false
        })
        .await;
        for event in seen {
            match event {
                SimEvent::Sees { player, line } => self.say(format!("[{player} in game] sees: {line}")),
                SimEvent::TicketClosed { player } => {
                    self.say(format!("[XileRO map server] hears that {player}'s ticket closed"))
                }
                _ => {}
            }
        }
        match found {
            Ok(true) => Ok(()),
            _ => Err(fail(format!("timed out waiting for the game: {what}"))),
        }
    }
}
