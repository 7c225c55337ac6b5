//! Clicks, selects, modal submits and slash commands, turned into `Desk` calls.
//!
//! Every control carries a stable [`CustomId`], so it works after a restart. Who may click is checked on every
//! click (the `Desk` checks again on every use case). Anything that runs a use case answers with an ephemeral
//! deferral first and edits it with the outcome, so Discord's three-second limit never bites.

use serenity::all::{
    ActionRowComponent, CommandInteraction, ComponentInteraction, ComponentInteractionDataKind, Context,
    CreateInteractionResponse, ModalInteraction,
};
use std::time::Duration;

use ticket_core::desk::{Action, DEFAULT_AREA, Desk, DeskError, Opened, Problem, QnaProgress, Step1Input, area_names};
use ticket_core::message::Message;
use ticket_core::qna::QnaQuestion;
use ticket_core::strings;
use ticket_core::{Actor, ChannelId, CustomId, GuildId, RequestedRole, TicketType, render};

use crate::actor;
use crate::commands::{self, Command};
use crate::convert::{self, from};

/// What a person sees when something failed on our side.
const INTERNAL_ERROR: &str = "Something went wrong on our side; nothing was changed. Please try again in a moment.";

/// The text of an error for the person who acted.
pub(crate) fn error_text(error: &DeskError) -> String {
    if error.is_refusal() {
        error.to_string()
    } else {
        tracing::error!(%error, "use case failed");
        INTERNAL_ERROR.to_owned()
    }
}

fn outcome(result: Result<Message, DeskError>) -> Message {
    result.unwrap_or_else(|e| Message::text(error_text(&e)))
}

/// The pieces of an interaction every handler needs.
struct Asked<'a> {
    ctx: &'a Context,
    guild: GuildId,
    channel: ChannelId,
    actor: Actor,
}

macro_rules! respond {
    ($asked:expr, $interaction:expr, $response:expr) => {
        if let Err(error) = $interaction.create_response(&$asked.ctx.http, $response).await {
            tracing::warn!(%error, "could not answer an interaction");
        }
    };
}

macro_rules! finish {
    ($asked:expr, $interaction:expr, $message:expr) => {
        if let Err(error) = $interaction.edit_response(&$asked.ctx.http, convert::edit_response(&$message)).await {
            tracing::warn!(%error, "could not complete an interaction");
        }
    };
}

fn ephemeral(text: impl Into<String>) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(convert::interaction_message(&Message::text(text), true))
}

fn deferred() -> CreateInteractionResponse {
    CreateInteractionResponse::Defer(serenity::all::CreateInteractionResponseMessage::new().ephemeral(true))
}

/// What the person who opened a panel ticket is told: where it is, that it is being made, or that Discord refused it.
/// What a panel reply says: where the ticket is, that its channel is being made or waits in line (the server is at
/// Discord's channel cap), or why it failed. `lead` is "Your support ticket is open:" and the like, `what` the
/// ticket's name ("Your support ticket").
fn opened_text(opened: &Opened, (lead, what, failed): (&str, &str, &str)) -> Message {
    match (opened.channel, opened.failed, opened.queued) {
        (_, true, _) => Message::text(failed),
        (Some(channel), false, _) => Message::text(format!("{lead} <#{channel}>")),
        (None, false, Some(place)) => Message::text(strings::panel_ticket_waiting(what, place)),
        (None, false, None) => Message::text(format!("{lead} being created")),
    }
}

/// How long a reply that said "being created" is kept up to date: an interaction's token lasts 15 minutes.
const WATCH_OPENING_FOR: Duration = Duration::from_secs(14 * 60);
/// How often the channel's progress is looked at meanwhile.
const WATCH_OPENING_EVERY: Duration = Duration::from_secs(1);

/// Tells the person who opened a panel ticket where it is (or why it failed), and while its channel is being made
/// (Discord was unavailable, or the server is at its channel cap and the ticket waits in line) looks again now and
/// then and edits the reply when its place in line changes and once the channel is made or refused for good, so
/// that nobody is left with "being created".
macro_rules! report_opening {
    ($asked:expr, $interaction:expr, $desk:expr, $opened:expr, $texts:expr) => {
        let reply = match &$opened {
            Ok(opened) => opened_text(opened, $texts),
            Err(e) => Message::text(error_text(e)),
        };
        finish!($asked, $interaction, reply);
        if let Ok(opened) = $opened {
            if opened.pending() {
                let deadline = tokio::time::Instant::now() + WATCH_OPENING_FOR;
                let mut shown = opened.queued;
                while tokio::time::Instant::now() < deadline {
                    tokio::time::sleep(WATCH_OPENING_EVERY).await;
                    match $desk.opening(opened.ticket).await {
                        Ok(now) if now.pending() && now.queued == shown => continue,
                        Ok(now) if now.pending() => {
                            shown = now.queued;
                            finish!($asked, $interaction, opened_text(&now, $texts));
                        }
                        Ok(now) => {
                            finish!($asked, $interaction, opened_text(&now, $texts));
                            break;
                        }
                        Err(error) => {
                            tracing::warn!(%error, "could not follow a ticket's channel being made");
                            break;
                        }
                    }
                }
            }
        }
    };
}

impl<'a> Asked<'a> {
    /// The pieces of a guild interaction; `None` outside a guild (the bot only works in guilds).
    fn new(
        ctx: &'a Context,
        guild: Option<serenity::all::GuildId>,
        channel: serenity::all::ChannelId,
        member: Option<&serenity::all::Member>,
        user: &serenity::all::User,
    ) -> Option<Self> {
        let guild = from::guild(guild?);
        Some(Self { ctx, guild, channel: from::channel(channel), actor: actor::from_interaction(guild, member, user) })
    }
}

/// A click or a select.
pub(crate) async fn component(ctx: &Context, desk: &Desk, i: &ComponentInteraction) {
    // The feedback prompt is a DM: its buttons work outside any guild.
    if let Ok(id @ CustomId::FeedbackRate(..)) = i.data.custom_id.parse::<CustomId>() {
        return crate::feedback::star(ctx, desk, i, &id).await;
    }
    let Some(asked) = Asked::new(ctx, i.guild_id, i.channel_id, i.member.as_ref(), &i.user) else { return };
    let Ok(id) = i.data.custom_id.parse::<CustomId>() else {
        respond!(asked, i, ephemeral("This control is no longer in use."));
        return;
    };
    let chosen = match &i.data.kind {
        ComponentInteractionDataKind::StringSelect { values } => values.first().cloned(),
        _ => None,
    };
    match id {
        CustomId::OpenSupport => match desk.may_open_ticket(asked.guild, &asked.actor, TicketType::Support).await {
            Ok(()) => {
                respond!(asked, i, CreateInteractionResponse::Modal(convert::modal(&render::open_support_form())))
            }
            Err(e) => respond!(asked, i, ephemeral(error_text(&e))),
        },
        CustomId::CloseConfirm(ticket) | CustomId::CloseKeep(ticket) => {
            let close = matches!(id, CustomId::CloseConfirm(_));
            respond!(asked, i, deferred());
            let result = desk.answer_close_request(ticket, &asked.actor, close).await;
            let done =
                if close { "The ticket is closed. This channel is being deleted." } else { "The ticket stays open." };
            finish!(asked, i, outcome(result.map(|()| Message::text(done))));
        }
        CustomId::Reopen(ticket) => {
            respond!(asked, i, deferred());
            let result = desk.reopen_ticket(ticket, &asked.actor).await;
            let texts = ("Reopened:", "The reopened ticket", strings::SUPPORT_TICKET_FAILED);
            report_opening!(asked, i, desk, result, texts);
        }
        CustomId::Claim => {
            respond!(asked, i, deferred());
            let result = desk.claim_ticket(asked.channel, &asked.actor).await;
            finish!(asked, i, outcome(result.map(|o| Message::text(o.reply()))));
        }
        CustomId::Resolve => match desk.permits(asked.guild, &asked.actor, Action::Resolve).await {
            Ok(()) => respond!(asked, i, CreateInteractionResponse::Modal(convert::modal(&render::resolve_form()))),
            Err(e) => respond!(asked, i, ephemeral(error_text(&e))),
        },
        CustomId::OpenRecruitment => {
            respond!(asked, i, deferred());
            let result = desk.open_recruitment_ticket(asked.guild, &asked.actor).await;
            let texts = ("Your application channel is open:", "Your application", strings::APPLICATION_FAILED);
            report_opening!(asked, i, desk, result, texts);
        }
        CustomId::Step1Role(ticket) => {
            let role = chosen.as_deref().and_then(RequestedRole::parse);
            let step = async {
                desk.may_fill_step1(ticket, &asked.actor).await?;
                let role = role.ok_or(DeskError::Invalid {
                    field: "role",
                    problem: Problem::Malformed { expected: "Member or Affiliate" },
                })?;
                let settings = desk.store().settings(asked.guild).await?;
                Ok::<_, DeskError>(render::step1_area_step(ticket, role, &area_names(&settings)))
            };
            update_or_refuse(&asked, i, step.await).await;
        }
        CustomId::Step1Area(ticket, role) => {
            let step = async {
                desk.may_fill_step1(ticket, &asked.actor).await?;
                let area = chosen.filter(|a| !a.is_empty()).unwrap_or_else(|| DEFAULT_AREA.to_owned());
                Ok::<_, DeskError>(render::step1_details_step(ticket, role, &area))
            };
            update_or_refuse(&asked, i, step.await).await;
        }
        CustomId::Step1Details(ticket, role, area) => match desk.may_fill_step1(ticket, &asked.actor).await {
            Ok(()) => {
                let modal = render::step1_details_form(ticket, role, &area);
                respond!(asked, i, CreateInteractionResponse::Modal(convert::modal(&modal)));
            }
            Err(e) => respond!(asked, i, ephemeral(error_text(&e))),
        },
        CustomId::Qna(app, page) => match desk.qna_questions(app, &asked.actor, page).await {
            Ok(questions) => {
                let modal = render::qna_form(app, &questions, page);
                respond!(asked, i, CreateInteractionResponse::Modal(convert::modal(&modal)));
            }
            Err(e) => respond!(asked, i, ephemeral(error_text(&e))),
        },
        CustomId::Approve(app) => {
            respond!(asked, i, deferred());
            let result = desk.approve(app, &asked.actor).await;
            finish!(asked, i, outcome(result.map(|_| Message::text(format!("Application #{app} approved.")))));
        }
        CustomId::Decline(app) => match desk.permits(asked.guild, &asked.actor, Action::Review).await {
            Ok(()) => respond!(asked, i, CreateInteractionResponse::Modal(convert::modal(&render::decline_form(app)))),
            Err(e) => respond!(asked, i, ephemeral(error_text(&e))),
        },
        CustomId::Finalise(app) => {
            respond!(asked, i, deferred());
            let result = desk.finalise(app, &asked.actor).await;
            finish!(asked, i, outcome(result.map(|_| Message::text(format!("Application #{app} finalised.")))));
        }
        CustomId::OpenSupportForm
        | CustomId::ResolveForm
        | CustomId::Step1Form(..)
        | CustomId::DeclineForm(_)
        | CustomId::FeedbackRate(..)
        | CustomId::FeedbackForm(..) => {
            respond!(asked, i, ephemeral("This control is no longer in use."));
        }
    }
}

/// Replaces the clicked message with the next wizard step, or tells the clicker why not.
async fn update_or_refuse(asked: &Asked<'_>, i: &ComponentInteraction, next: Result<Message, DeskError>) {
    match next {
        Ok(message) => {
            respond!(asked, i, CreateInteractionResponse::UpdateMessage(convert::interaction_message(&message, false)));
        }
        Err(e) => respond!(asked, i, ephemeral(error_text(&e))),
    }
}

/// The value of a modal's text input.
pub(crate) fn field(i: &ModalInteraction, id: &str) -> String {
    i.data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|c| match c {
            ActionRowComponent::InputText(input) if input.custom_id == id => input.value.clone(),
            _ => None,
        })
        .unwrap_or_default()
}

/// A submitted modal.
pub(crate) async fn modal(ctx: &Context, desk: &Desk, i: &ModalInteraction) {
    if let Ok(id @ CustomId::FeedbackForm(..)) = i.data.custom_id.parse::<CustomId>() {
        return crate::feedback::form(ctx, desk, i, &id).await;
    }
    let Some(asked) = Asked::new(ctx, i.guild_id, i.channel_id, i.member.as_ref(), &i.user) else { return };
    let Ok(id) = i.data.custom_id.parse::<CustomId>() else {
        respond!(asked, i, ephemeral("This form is no longer in use."));
        return;
    };
    respond!(asked, i, deferred());
    let reply = match id {
        CustomId::OpenSupportForm => {
            let result = desk.open_support_ticket(asked.guild, &asked.actor, &field(i, "question")).await;
            let texts = ("Your support ticket is open:", "Your support ticket", strings::SUPPORT_TICKET_FAILED);
            report_opening!(asked, i, desk, result, texts);
            return;
        }
        CustomId::ResolveForm => desk
            .resolve_ticket(asked.channel, &asked.actor, &field(i, "resolution"))
            .await
            .map(|_| Message::text("Resolved and logged. This channel is being deleted.")),
        CustomId::Step1Form(ticket, requested, area) => {
            let form = Step1Input {
                requested,
                area,
                time_zone: field(i, "time_zone"),
                rsi_handle: field(i, "rsi_handle"),
                notes: field(i, "notes"),
            };
            let result = desk.submit_step1(ticket, &asked.actor, &form).await;
            if result.is_ok() {
                if let Some(wizard) = &i.message {
                    let done = convert::edit_message(&Message::text("✅ Step 1 submitted."));
                    if let Err(error) = i.channel_id.edit_message(&ctx.http, wizard.id, done).await {
                        tracing::info!(%error, "could not close the Step 1 wizard message");
                    }
                }
            }
            result.map(|_| Message::text("Step 1 saved. Next: press **Answer Q&A** below."))
        }
        CustomId::Qna(app, page) => {
            // Discord returns the inputs in the order the modal listed them: the page's questions in order.
            let answers: Vec<String> = i
                .data
                .components
                .iter()
                .flat_map(|row| row.components.iter())
                .filter_map(|c| match c {
                    ActionRowComponent::InputText(input) => Some(input.value.clone().unwrap_or_default()),
                    _ => None,
                })
                .collect();
            match desk.submit_qna(app, &asked.actor, page, &answers).await {
                Ok(QnaProgress::NextPage(next)) => {
                    // The Q&A prompt itself moves on to the next page (a modal cannot open another modal).
                    let pages = match desk.store().settings(asked.guild).await {
                        Ok(settings) => QnaQuestion::pages(&settings.qna),
                        Err(_) => next,
                    };
                    if let Some(prompt) = &i.message {
                        let moved = convert::edit_message(&render::qna_next_page(app, next, pages));
                        if let Err(error) = i.channel_id.edit_message(&ctx.http, prompt.id, moved).await {
                            tracing::warn!(%error, "could not move the Q&A prompt to its next page");
                        }
                    }
                    Ok(Message::text(format!(
                        "Page {page} of {pages} saved. Press **Continue** on the Quick Q&A for the rest."
                    )))
                }
                Ok(QnaProgress::Completed) => {
                    Ok(Message::text("Thanks! Your answers are in; staff will review your application."))
                }
                Err(e) => Err(e),
            }
        }
        CustomId::DeclineForm(app) => desk
            .decline(app, &asked.actor, &field(i, "reason"))
            .await
            .map(|_| Message::text(format!("Application #{app} declined. The applicant gets a generic message."))),
        _ => Ok(Message::text("This form is no longer in use.")),
    };
    finish!(asked, i, outcome(reply));
}

/// A slash command.
pub(crate) async fn command(ctx: &Context, desk: &Desk, i: &CommandInteraction) {
    let Some(asked) = Asked::new(ctx, i.guild_id, i.channel_id, i.member.as_deref(), &i.user) else { return };
    let parsed = commands::parse(&i.data.name, &i.data.options(), asked.channel);
    respond!(asked, i, deferred());
    let reply = match parsed {
        Err(e) => Ok(Message::text(e.to_string())),
        Ok(Command::Admin(command)) => desk.admin(asked.guild, &asked.actor, command).await,
        Ok(Command::ReopenQna) => {
            desk.reopen_qna(asked.channel, &asked.actor).await.map(|_| Message::text("The Q&A button is posted again."))
        }
        Ok(Command::Transcript(target)) => desk.transcript_for(&asked.actor, target).await,
        Ok(Command::RequestClose) => desk.request_close(asked.channel, &asked.actor).await.map(|_| {
            Message::text("The opener is asked to confirm; the ticket closes by itself if they do not answer.")
        }),
        Ok(Command::CloseOwn) => desk
            .close_by_opener(asked.channel, &asked.actor)
            .await
            .map(|_| Message::text("Your ticket is closed. This channel is being deleted.")),
        Ok(Command::Claim) => desk.claim_ticket(asked.channel, &asked.actor).await.map(|o| Message::text(o.reply())),
        Ok(Command::Unclaim) => {
            desk.unclaim_ticket(asked.channel, &asked.actor).await.map(|o| Message::text(o.reply()))
        }
        Ok(Command::Transfer(to)) => {
            let to = Actor {
                guild: asked.guild,
                user: to.user,
                display_name: to.name,
                roles: to.roles,
                permissions: to.permissions.unwrap_or_else(ticket_core::Permissions::empty),
                is_bot: to.is_bot,
            };
            desk.transfer_ticket(asked.channel, &asked.actor, &to).await.map(|o| Message::text(o.reply()))
        }
        Ok(Command::PostSnippet(name)) => desk
            .post_snippet(asked.channel, &asked.actor, &name)
            .await
            .map(|_| Message::text(format!("Snippet `{}` posted.", name.trim().to_lowercase()))),
        Ok(Command::RemoveMember(member)) => desk
            .remove_member(asked.guild, &asked.actor, member)
            .await
            .map(|app| Message::text(format!("Application #{app} is marked Removed."))),
    };
    finish!(asked, i, outcome(reply));
}

/// An autocomplete (`/snippet name:`): up to 25 snippet names containing what was typed, answered at once.
pub(crate) async fn autocomplete(ctx: &Context, desk: &Desk, i: &CommandInteraction) {
    let Some(asked) = Asked::new(ctx, i.guild_id, i.channel_id, i.member.as_deref(), &i.user) else { return };
    let typed = i.data.autocomplete().map(|o| o.value.to_owned()).unwrap_or_default();
    let names = match (i.data.name.as_str(), desk.snippet_choices(asked.guild, &asked.actor, &typed).await) {
        ("snippet", Ok(names)) => names,
        (_, Err(error)) => {
            tracing::warn!(%error, "could not list snippets for an autocomplete");
            Vec::new()
        }
        _ => Vec::new(),
    };
    let choices = names
        .into_iter()
        .fold(serenity::all::CreateAutocompleteResponse::new(), |r, name| r.add_string_choice(name.clone(), name));
    respond!(asked, i, CreateInteractionResponse::Autocomplete(choices));
}

/// `!reopen_qna` typed in a recruitment ticket.
pub(crate) async fn reopen_by_prefix(ctx: &Context, desk: &Desk, channel: serenity::all::ChannelId, actor: &Actor) {
    if let Err(e) = desk.reopen_qna(from::channel(channel), actor).await {
        let text = error_text(&e);
        if let Err(error) = channel.send_message(&ctx.http, convert::create_message(&Message::text(text))).await {
            tracing::warn!(%error, "could not answer !reopen_qna");
        }
    }
}
