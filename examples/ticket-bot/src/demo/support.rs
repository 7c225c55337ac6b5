//! Scene 2: a member opens a support ticket from the panel; staff answer and resolve it.

use super::DemoError;
use super::show::has_control;
use super::stage::Stage;

pub(crate) async fn play(stage: &mut Stage) -> Result<(), DemoError> {
    stage.heading("Scene 2: a member opens a support ticket from the panel; staff resolve it");
    let (ann, sam) = (stage.people.ann, stage.people.sam);
    let (panel_channel, log) = (stage.places.support, stage.places.log);
    let panel =
        stage.expect("#support", panel_channel, "the panel", |m| has_control(m, "tickets:open-support")).await?;

    let click = stage.click(panel_channel, panel.id, "tickets:open-support", "Open Support Ticket", ann).await?;
    let form = click.modal().ok_or_else(|| DemoError::Step("no form for the opening question".into()))?;
    stage.fill_in(panel_channel, &form, &[("question", "My ship fell through the hangar floor")], ann).await?;
    let channel = stage.channel_named("support-ann").await?;
    let welcome =
        stage.expect("#support-ann", channel, "the welcome message", |m| has_control(m, "tickets:resolve")).await?;

    stage.click(channel, welcome.id, "tickets:claim", "Claim", sam).await?;
    stage.expect("#support-ann", channel, "who holds the ticket", |m| m.content.contains("has claimed")).await?;
    stage.type_in(channel, sam, "Hi Ann! I put a fresh ship in your hangar; can you check?").await?;
    stage.type_in(channel, ann, "It's there, thank you!").await?;

    let click = stage.click(channel, welcome.id, "tickets:resolve", "Resolve (Staff)", sam).await?;
    let form = click.modal().ok_or_else(|| DemoError::Step("no resolution form for staff".into()))?;
    stage.fill_in(channel, &form, &[("resolution", "Replaced the ship; the hangar bug is reported.")], sam).await?;
    let resolved = |m: &adapter_discord::sim::MessageState| m.embeds.to_string().contains("Support ticket resolved");
    stage.expect("#ticket-log", log, "the resolution in the log", resolved).await?;
    stage.wait("#support-ann is deleted", |d| d.channel(channel).is_none()).await?;
    stage.say("[Discord] #support-ann is deleted: support ticket channels are deleted when resolved");
    stage.expect_dm(ann, "the DM to Ann", |m| m.embeds.to_string().contains("was resolved")).await?;
    stage.check_violations()
}
