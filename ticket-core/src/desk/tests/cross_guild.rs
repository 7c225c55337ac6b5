//! Controls, forms and commands carry ticket, application and channel ids, and a member of another Discord server
//! with the bot in it can send any of them from there. Every use case refuses what belongs to another guild than
//! the one the actor acted in, before anything changes. (An owner of another guild used to approve and finalise
//! applications of this one: the desk checked their permissions there against this guild's settings.)

use super::*;
use crate::desk::{Action, AdminCommand};
use crate::recruitment::{RecruitmentStatus, RequestedRole};
use crate::settings::{RecruitmentOption, TicketType};
use crate::{DeskError, Step1Input, TicketSource};

const APPLICANT: u64 = 5555;
const FRESH: u64 = 5556;
const ELSEWHERE: GuildId = GuildId::new(2);

fn step1() -> Step1Input {
    Step1Input {
        requested: RequestedRole::Member,
        area: "medical".into(),
        time_zone: "UTC".into(),
        rsi_handle: "Pilot_One".into(),
        notes: String::new(),
    }
}

/// The same person, acting in another guild.
fn elsewhere(actor: Actor) -> Actor {
    Actor { guild: ELSEWHERE, ..actor }
}

fn other_guild<T: std::fmt::Debug>(what: &str, result: Result<T, DeskError>) {
    assert!(matches!(result, Err(DeskError::OtherGuild)), "{what}: expected OtherGuild, got {result:?}");
}

#[pollster::test]
async fn every_use_case_refuses_what_belongs_to_another_guild() {
    let world = World::configured();
    world.configure(|s| {
        s.recruitment_options = vec![RecruitmentOption { name: "medical".into(), ping_role: None }];
        s
    });
    let applicant = member(APPLICANT, "Applicant");
    let applied = world.desk.open_recruitment_ticket(GUILD, &applicant).await.unwrap();
    let app = world.desk.submit_step1(applied.ticket, &applicant, &step1()).await.unwrap();
    let fresh = world.desk.open_recruitment_ticket(GUILD, &member(FRESH, "Fresh")).await.unwrap();
    let support = world.desk.open_support_ticket(GUILD, &member(42, "Ann"), "help").await.unwrap();
    let game = world.desk.open_game_ticket(GUILD, &server(), &player("Foo", 1), TicketSource::Request, "hi").await;
    let game = match game.unwrap() {
        crate::InGameOutcome::Opened(t) => t,
        other => panic!("a new in-game ticket, got {other:?}"),
    };
    let (recruitment_channel, support_channel, game_channel) =
        (world.channel_of(applied.ticket), world.channel_of(support.ticket), world.channel_of(game));
    world.take_calls();
    let open_before = world.store.open_tickets(GUILD).await.unwrap().len();

    // Someone who owns another guild: every permission there, every role id this guild uses.
    let roles = vec![RECRUITER_ROLE, SUPPORT_ROLE, GAME_STAFF];
    let mallory = Actor::member(ELSEWHERE, UserId::new(666), "Mallory", roles, Permissions::all());
    let desk = &world.desk;

    // Controls and forms.
    other_guild("Step 1 wizard", desk.may_fill_step1(fresh.ticket, &elsewhere(member(FRESH, "Fresh"))).await);
    other_guild("Step 1 form", desk.submit_step1(fresh.ticket, &elsewhere(member(FRESH, "Fresh")), &step1()).await);
    other_guild("Answer Q&A", desk.qna_questions(app, &elsewhere(applicant.clone()), 1).await);
    let answers = vec!["medic".to_owned(), "18:00-22:00".into(), "yes".into(), String::new()];
    other_guild("Q&A form", desk.submit_qna(app, &elsewhere(applicant.clone()), 1, &answers).await);
    other_guild("Approve", desk.approve(app, &mallory).await);
    other_guild("Decline form", desk.decline(app, &mallory, "no").await);
    other_guild("Finalise", desk.finalise(app, &mallory).await);
    other_guild("Resolve form", desk.resolve_ticket(support_channel, &mallory, "done").await);
    other_guild("Resolve button", desk.permits(GUILD, &mallory, Action::Resolve).await);
    other_guild("Decline button", desk.permits(GUILD, &mallory, Action::Review).await);
    other_guild("Open Support Ticket", desk.may_open_ticket(GUILD, &mallory, TicketType::Support).await);
    other_guild("the opening question", desk.open_support_ticket(GUILD, &mallory, "hi").await);
    other_guild("Apply to Join", desk.open_recruitment_ticket(GUILD, &mallory).await);
    // Commands, and messages typed in ticket channels.
    other_guild("/tickets", desk.admin(GUILD, &mallory, AdminCommand::ShowTargets).await);
    other_guild("/recruit-config remove-member", desk.remove_member(GUILD, &mallory, UserId::new(APPLICANT)).await);
    other_guild("reopen-qna", desk.reopen_qna(recruitment_channel, &mallory).await);
    other_guild("a reply in an in-game ticket", desk.channel_message(game_channel, &mallory, "hi").await);
    other_guild("a message in a support ticket", desk.channel_message(support_channel, &mallory, "hi").await);

    assert_eq!(world.take_calls(), Vec::<Call>::new(), "nothing was sent, granted, renamed or deleted");
    let stored = world.store.application(app).await.unwrap().unwrap();
    assert_eq!(stored.status, RecruitmentStatus::Pending, "the application is untouched");
    assert_eq!(world.store.open_tickets(GUILD).await.unwrap().len(), open_before, "no ticket opened or closed");

    // The same actions from inside the guild still work.
    let rita = recruiter(77, "Rita");
    assert_eq!(desk.reopen_qna(recruitment_channel, &rita).await.unwrap(), app);
}
