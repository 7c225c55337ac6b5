//! Setting the bot up the way a server owner does: slash commands in a staff channel.

use super::DemoError;
use super::show::has_control;
use super::stage::Stage;
use crate::offline::Setup;

/// Runs the set-up commands and shows the panels they post.
pub(crate) async fn configure(stage: &mut Stage) -> Result<(), DemoError> {
    let p = stage.places;
    stage.heading("Setting up: the owner configures the bot with slash commands");
    let setup = Setup {
        support_panel: p.support,
        recruitment_panel: p.recruitment,
        support_category: p.support_tickets,
        recruitment_category: p.recruitment_tickets,
        log: p.log,
        game_category: p.game_tickets,
        records: p.applications,
        support_role: p.support_role,
        game_role: p.gm_role,
        recruiter_role: p.recruiter_role,
        member_role: p.member_role,
        affiliate_role: p.affiliate_role,
        areas: &["medical", "logistics"],
    };
    for (name, sub, options) in setup.commands() {
        stage.command(name, sub, &options).await?;
    }

    stage.say("");
    stage.say("The panels the bot posted:");
    stage.expect("#support", p.support, "the support panel", |m| has_control(m, "tickets:open-support")).await?;
    stage.expect("#recruitment", p.recruitment, "the recruitment panel", |m| has_control(m, "recruit:open")).await?;
    Ok(())
}
