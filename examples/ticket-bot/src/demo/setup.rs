//! Setting the bot up the way a server owner does: slash commands in a staff channel.

use serde_json::Value;

use super::DemoError;
use super::show::has_control;
use super::stage::{CHANNEL, FLAG, Opt, ROLE, Stage, TEXT};

fn id(id: u64) -> Value {
    Value::String(id.to_string())
}

/// Runs the set-up commands and shows the panels they post.
pub(crate) async fn configure(stage: &mut Stage) -> Result<(), DemoError> {
    let p = stage.places;
    stage.heading("Setting up: the owner configures the bot with slash commands");
    let targets: [Opt; 5] = [
        ("support_panel", CHANNEL, id(p.support)),
        ("recruitment_panel", CHANNEL, id(p.recruitment)),
        ("support_category", CHANNEL, id(p.support_tickets)),
        ("recruitment_category", CHANNEL, id(p.recruitment_tickets)),
        ("log_channel", CHANNEL, id(p.log)),
    ];
    stage.command("tickets", "set-targets", &targets).await?;
    let pings: [Opt; 2] = [("support", ROLE, id(p.support_role)), ("recruitment", ROLE, id(p.recruiter_role))];
    stage.command("tickets", "set-ping", &pings).await?;
    stage.command("tickets", "set-dm-on-close", &[("enabled", FLAG, Value::Bool(true))]).await?;
    let ingame: [Opt; 2] = [("category", CHANNEL, id(p.game_tickets)), ("staff_role", ROLE, id(p.gm_role))];
    stage.command("tickets", "set-ingame", &ingame).await?;
    for area in ["medical", "logistics"] {
        stage.command("tickets", "add-option", &[("name", TEXT, Value::String(area.into()))]).await?;
    }
    let support: [Opt; 2] = [("capability", TEXT, Value::String("support".into())), ("role", ROLE, id(p.support_role))];
    stage.command("roles", "set", &support).await?;
    let recruitment: [Opt; 2] =
        [("capability", TEXT, Value::String("recruitment".into())), ("role", ROLE, id(p.recruiter_role))];
    stage.command("roles", "set", &recruitment).await?;
    let org: [Opt; 2] = [("member", ROLE, id(p.member_role)), ("affiliate", ROLE, id(p.affiliate_role))];
    stage.command("roles", "set-org", &org).await?;
    stage.command("recruit-config", "set-log-channel", &[("channel", CHANNEL, id(p.applications))]).await?;

    stage.say("");
    stage.say("The panels the bot posted:");
    stage.expect("#support", p.support, "the support panel", |m| has_control(m, "tickets:open-support")).await?;
    stage.expect("#recruitment", p.recruitment, "the recruitment panel", |m| has_control(m, "recruit:open")).await?;
    Ok(())
}
