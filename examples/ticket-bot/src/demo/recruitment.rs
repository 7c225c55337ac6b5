//! Scene 3: an applicant goes from the recruitment panel to Finalised: the Step 1 wizard, the Quick Q&A, staff
//! approval, RSI acceptance, and the permanent record changing status on the way.

use adapter_discord::sim::MessageState;

use super::DemoError;
use super::show::has_control;
use super::stage::Stage;
use crate::offline::{custom_ids, embed_field};

/// The custom id on `message` starting with `prefix`.
fn control(message: &MessageState, prefix: &str) -> Result<String, DemoError> {
    custom_ids(message)
        .into_iter()
        .find(|id| id.starts_with(prefix))
        .ok_or_else(|| DemoError::Step(format!("no control {prefix}… on the message")))
}

fn status_is(status: &'static str) -> impl Fn(&MessageState) -> bool {
    move |m| embed_field(m, "Status").as_deref() == Some(status)
}

/// The channel a reply points to (`… <#id>`).
fn linked_channel(reply: Option<String>) -> Result<u64, DemoError> {
    reply
        .as_deref()
        .and_then(|r| r.split("<#").nth(1))
        .and_then(|r| r.split('>').next())
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| DemoError::Step(format!("the reply names no channel: {reply:?}")))
}

pub(crate) async fn play(stage: &mut Stage) -> Result<(), DemoError> {
    stage.heading("Scene 3: an applicant goes from the recruitment panel to Finalised");
    let (cara, rex, olivia) = (stage.people.cara, stage.people.rex, stage.people.olivia);
    let (panel_channel, records, log) = (stage.places.recruitment, stage.places.applications, stage.places.log);
    let panel = stage.expect("#recruitment", panel_channel, "the panel", |m| has_control(m, "recruit:open")).await?;

    let opened = stage.click(panel_channel, panel.id, "recruit:open", "Apply to Join", cara).await?;
    let channel = linked_channel(opened.reply_text())?;
    stage.names.refresh_channels(&stage.discord, stage.places.guild);
    let place = format!("#{}", stage.names.channel_name(channel));

    // Step 1: Member or Affiliate, the area, then the details form.
    let wizard = stage.expect(&place, channel, "the Step 1 wizard", |m| has_control(m, "recruit:role:")).await?;
    let role = control(&wizard, "recruit:role:")?;
    stage.choose(channel, wizard.id, &role, ("member", "Member"), cara).await?;
    let step =
        stage.expect_edit(&place, channel, wizard.id, "the area step", |m| has_control(m, "recruit:area:")).await?;
    let area = control(&step, "recruit:area:")?;
    stage.choose(channel, wizard.id, &area, ("medical", "medical"), cara).await?;
    let step = stage
        .expect_edit(&place, channel, wizard.id, "the details step", |m| has_control(m, "recruit:details:"))
        .await?;
    let details = control(&step, "recruit:details:")?;
    let click = stage.click(channel, wizard.id, &details, "Continue", cara).await?;
    let form = click.modal().ok_or_else(|| DemoError::Step("no Step 1 form".into()))?;
    let answers = [
        ("time_zone", "Europe/London"),
        ("rsi_handle", "Cara_Stardust"),
        ("notes", "Medic main; I fly search and rescue most evenings."),
    ];
    stage.fill_in(channel, &form, &answers, cara).await?;
    stage
        .expect_edit(&place, channel, wizard.id, "the wizard closed", |m| m.content.contains("Step 1 submitted"))
        .await?;
    let prompt = stage.expect(&place, channel, "the Q&A button", |m| has_control(m, "recruit:qna:")).await?;
    let record = stage.expect("#applications", records, "the permanent record", status_is("Pending")).await?;
    // The RSI profile lookup runs last in the ticket's chain (without an RSI directory it says so).
    stage.expect(&place, channel, "the RSI lookup", |m| m.embeds.to_string().contains("\"title\":\"RSI ")).await?;

    // The Quick Q&A.
    let qna = control(&prompt, "recruit:qna:")?;
    let click = stage.click(channel, prompt.id, &qna, "Answer Q&A", cara).await?;
    let form = click.modal().ok_or_else(|| DemoError::Step("no Q&A form".into()))?;
    let ids: Vec<String> = form.inputs.iter().map(|i| i.custom_id.clone()).collect();
    let values = ["medical, search and rescue", "18:00-22:00", "yes", "Happy to help new players."];
    let fields: Vec<(&str, &str)> = ids.iter().map(String::as_str).zip(values).collect();
    stage.fill_in(channel, &form, &fields, cara).await?;
    let done = |m: &MessageState| m.components.to_string().contains("Q&A completed");
    stage.expect_edit(&place, channel, prompt.id, "the Q&A tile completed", done).await?;
    stage.expect(&place, channel, "the Q&A answers", |m| m.embeds.to_string().contains("Q&A answers")).await?;
    stage.expect_edit("#applications", records, record.id, "Q&A received", status_is("Q&A received")).await?;

    // Staff approve: the role is granted, the ticket stays open for RSI acceptance.
    let review = stage.discord.messages(channel).into_iter().find(|m| has_control(m, "recruit:approve:"));
    let review = review.ok_or_else(|| DemoError::Step("no Approve button".into()))?;
    let approve = control(&review, "recruit:approve:")?;
    stage.click(channel, review.id, &approve, "Approve", rex).await?;
    let finalise_control =
        stage.expect(&place, channel, "the finalise control", |m| has_control(m, "recruit:finalise:")).await?;
    stage.expect_edit("#applications", records, record.id, "Approved", status_is("Approved")).await?;
    let (guild, member_role) = (stage.places.guild, stage.places.member_role);
    let granted = move |d: &adapter_discord::sim::FakeDiscord| {
        d.member(guild, cara).is_some_and(|m| m.roles.contains(&member_role))
    };
    stage.wait("the Member role is granted", granted).await?;
    stage.say("[Discord] Cara now has the role @Member");
    let approved = |m: &MessageState| m.embeds.to_string().contains("approved");
    stage.expect("#ticket-log", log, "the approval in the log", approved).await?;

    // An admin confirms the RSI-side acceptance.
    let finalise = control(&finalise_control, "recruit:finalise:")?;
    stage.click(channel, finalise_control.id, &finalise, "Finalize - RSI accepted", olivia).await?;
    stage.wait("the application channel is deleted", |d| d.channel(channel).is_none()).await?;
    stage.say(format!("[Discord] {place} is deleted; the permanent record stays"));
    stage.expect_edit("#applications", records, record.id, "Finalised", status_is("Finalised")).await?;
    let finalised = |m: &MessageState| m.embeds.to_string().contains("finalised");
    stage.expect("#ticket-log", log, "the finalisation in the log", finalised).await?;
    stage.check_violations()
}
