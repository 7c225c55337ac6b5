//! Scene 1: a player opens a ticket from inside the game, staff answer from Discord, the player answers and logs
//! out.

use adapter_discord::sim::OverwriteKind;
use adapter_discord::sim::permissions::VIEW_CHANNEL;
use adapter_xilero::sim::{Seen, SimEvent};

use super::DemoError;
use super::stage::Stage;

/// The player.
pub(crate) const PLAYER: &str = "Foo";

fn sees(event: &SimEvent, wanted: impl Fn(&Seen) -> bool) -> bool {
    matches!(event, SimEvent::Sees { player, line } if player == PLAYER && wanted(line))
}

/// Who may see a channel, by role name.
fn who_may_see(stage: &Stage, channel: u64) -> Vec<String> {
    let Some(state) = stage.discord.channel(channel) else { return Vec::new() };
    let mut names: Vec<String> = state
        .overwrites
        .iter()
        .filter(|o| o.allow & VIEW_CHANNEL != 0 && o.kind == OverwriteKind::Role)
        .map(|o| stage.names.text(&format!("<@&{}>", o.id)))
        .collect();
    names.sort();
    names
}

pub(crate) async fn play(stage: &mut Stage) -> Result<(), DemoError> {
    stage.heading("Scene 1: a player opens a ticket from inside the game");
    let alice = stage.people.alice;
    stage.say("[XileRO map server] is linked to the bot: connected to its game link and authenticated");
    stage.sim()?.login(PLAYER).await?;
    stage.say(format!("[{PLAYER} in game] logs in to the XileRO map server"));
    stage.say(format!("[{PLAYER} in game] types: @request my item vanished"));
    if !stage.sim()?.request(PLAYER, "my item vanished").await? {
        return Err(DemoError::Step("the map server did not send the ticket to the bot".into()));
    }
    stage.expect_game("the @request echo", |e| sees(e, |l| matches!(l, Seen::RequestEcho(_)))).await?;

    let channel = stage.channel_named("ticket-foo").await?;
    let category = stage.discord.channel(channel).and_then(|c| c.parent).map(|p| stage.names.channel_name(p));
    stage.say(format!(
        "[Discord] the channel #ticket-foo opens in \"{}\"; only {} and the bot can see it",
        category.unwrap_or_default(),
        who_may_see(stage, channel).join(", ")
    ));
    stage.expect("#ticket-foo", channel, "the player's message", |m| m.content.ends_with("my item vanished")).await?;
    stage.expect_game("Ticket Created", |e| sees(e, |l| *l == Seen::TicketCreated)).await?;

    stage.type_in(channel, alice, "On it! Check your storage.").await?;
    stage.expect_game("the staff reply", |e| sees(e, |l| matches!(l, Seen::Whisper { .. }))).await?;

    stage.say(format!("[{PLAYER} in game] whispers @Support: found it, thanks!"));
    if !stage.sim()?.whisper_support(PLAYER, "found it, thanks!").await? {
        return Err(DemoError::Step("the map server did not relay the whisper".into()));
    }
    stage.expect("#ticket-foo", channel, "the player's answer", |m| m.content.ends_with("found it, thanks!")).await?;

    stage.say(format!("[{PLAYER} in game] logs out"));
    stage.sim()?.logout(PLAYER).await?;
    stage.wait("#ticket-foo is deleted at logout", |d| d.channel(channel).is_none()).await?;
    stage.say("[Discord] #ticket-foo is deleted: the ticket closes when the player logs out (close_on_logout)");
    let log = stage.places.log;
    stage
        .expect("#ticket-log", log, "the closing log", |m| m.embeds.to_string().contains("In-game ticket closed"))
        .await?;
    stage.expect_game("the ticket closed", |e| matches!(e, SimEvent::TicketClosed { .. })).await?;
    stage.check_violations()
}
