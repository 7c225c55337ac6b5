//! Snippets: saved answers (`/tickets snippet add|remove|list`) that staff post in a ticket with `/snippet <name>`.
//!
//! A snippet is posted by the bot in the ticket channel with the name of who used it, kept in the transcript like
//! a staff reply, and in an in-game ticket whispered to the player, split like any staff reply. Snippets live in
//! the guild's settings (at most [`Snippet::MAX_PER_GUILD`], each at most [`Snippet::TEXT_MAX`] characters).

use crate::effect::{ChainKey, Destination, Effect, Notice};
use crate::id::{ChannelId, GuildId, TicketId};
use crate::message::{Embed, Message};
use crate::permissions::Actor;
use crate::ports::{Commit, TranscriptAuthor, TranscriptEntry};
use crate::relay;
use crate::settings::GuildSettings;
use crate::snippet::{NameProblem, Snippet, matching};
use crate::ticket::{Ticket, TicketDetail};

use super::transcripts::{is_ticket_staff, staff_action};
use super::{Action, Desk, DeskError, Problem, retry_on_conflict};

/// The most choices an autocomplete offers (Discord's limit).
pub const SNIPPET_CHOICES_MAX: usize = 25;

/// `/tickets snippet add|remove|list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnippetCommand {
    /// Saves a snippet (replacing one of the same name).
    Add {
        /// Its name.
        name: String,
        /// Its text.
        text: String,
    },
    /// Removes a snippet.
    Remove {
        /// Its name.
        name: String,
    },
    /// Lists the snippets.
    List,
}

fn snippet_name(raw: &str) -> Result<String, DeskError> {
    Snippet::name(raw).map_err(|problem| {
        DeskError::invalid(
            "snippet name",
            match problem {
                NameProblem::Empty => Problem::Empty,
                NameProblem::TooLong => Problem::TooLong { max: Snippet::NAME_MAX },
                NameProblem::Malformed => {
                    Problem::Malformed { expected: "one word of lowercase letters, digits, - and _" }
                }
            },
        )
    })
}

/// The list `/tickets snippet list` shows.
fn snippet_list(settings: &GuildSettings) -> Message {
    let lines: Vec<String> = settings
        .snippets
        .iter()
        .map(|s| {
            let preview: String = relay::clean_line(&s.text).chars().take(60).collect();
            let more = if s.text.chars().count() > 60 { "…" } else { "" };
            format!("• `{}` — {}{more}", s.name, relay::neutralise_mentions(&preview))
        })
        .collect();
    Message::embed(Embed {
        title: Some("Snippets".into()),
        description: Some(if lines.is_empty() {
            "No snippets yet. Add one with `/tickets snippet add`.".into()
        } else {
            lines.join("\n")
        }),
        footer: Some(format!(
            "{} of {} · post one in a ticket with /snippet",
            settings.snippets.len(),
            Snippet::MAX_PER_GUILD
        )),
        ..Embed::default()
    })
}

impl Desk {
    /// Runs a snippet command on `settings` (saved by the caller when changed).
    pub(super) fn snippet_command(
        &self,
        settings: &mut GuildSettings,
        command: &SnippetCommand,
    ) -> Result<Message, DeskError> {
        match command {
            SnippetCommand::Add { name, text } => {
                let name = snippet_name(name)?;
                // Mentions are sealed like every stored text: no raw user id in the database.
                let text = self.sealed(relay::clean_text(text).trim().to_owned());
                if text.is_empty() {
                    return Err(DeskError::invalid("snippet text", Problem::Empty));
                }
                if text.chars().count() > Snippet::TEXT_MAX {
                    return Err(DeskError::invalid("snippet text", Problem::TooLong { max: Snippet::TEXT_MAX }));
                }
                let count = settings.snippets.len();
                let reply = match settings.snippets.iter_mut().find(|s| s.name == name) {
                    Some(existing) => {
                        existing.text = text;
                        format!("Snippet `{name}` updated.")
                    }
                    None if count >= Snippet::MAX_PER_GUILD => {
                        return Err(DeskError::invalid("snippet list", Problem::Full { max: Snippet::MAX_PER_GUILD }));
                    }
                    None => {
                        settings.snippets.push(Snippet { name: name.clone(), text });
                        settings.snippets.sort_by(|a, b| a.name.cmp(&b.name));
                        format!("Snippet `{name}` saved. Staff post it in a ticket with `/snippet name:{name}`.")
                    }
                };
                Ok(Message::text(reply))
            }
            SnippetCommand::Remove { name } => {
                let name = snippet_name(name)?;
                let before = settings.snippets.len();
                settings.snippets.retain(|s| s.name != name);
                if settings.snippets.len() == before {
                    return Err(DeskError::NoSuchSnippet(name));
                }
                Ok(Message::text(format!("Snippet `{name}` removed.")))
            }
            SnippetCommand::List => Ok(snippet_list(settings)),
        }
    }

    /// Staff used `/snippet <name>` in a ticket channel: the snippet is posted there with their name, kept in the
    /// transcript, and in an in-game ticket whispered to the player.
    pub async fn post_snippet(&self, channel: ChannelId, staff: &Actor, name: &str) -> Result<TicketId, DeskError> {
        let name = snippet_name(name)?;
        retry_on_conflict!(self.try_post_snippet(channel, staff, &name).await)
    }

    async fn try_post_snippet(&self, channel: ChannelId, staff: &Actor, name: &str) -> Result<TicketId, DeskError> {
        let Some(ticket) = self.ports.store.ticket_by_channel(channel).await?.filter(Ticket::is_open) else {
            return Err(DeskError::NotATicket(channel));
        };
        self.same_guild(staff, ticket.guild)?;
        let settings = self.settings(ticket.guild).await?;
        let pid = self.pid_of(staff.user);
        if !is_ticket_staff(staff, &settings, &ticket, pid) {
            let action = staff_action(ticket.kind());
            tracing::info!(actor = %pid, ticket = %ticket.id, "refused: snippet by someone not staff of the ticket");
            return Err(DeskError::NotPermitted { action, needs: action.requirement() });
        }
        Desk::check_claim(&settings, &ticket, staff, pid)?;
        let snippet =
            settings.snippets.iter().find(|s| s.name == name).ok_or_else(|| DeskError::NoSuchSnippet(name.into()))?;
        let (id, now) = (ticket.id, self.ports.clock.now());
        let chain = ChainKey::Ticket(id);
        let by = staff.display_name.clone();
        let notice = Notice::Snippet { name: snippet.name.clone(), by: by.clone(), text: snippet.text.clone() };
        let mut commit = Commit {
            transcript: vec![TranscriptEntry::line(
                id,
                now,
                TranscriptAuthor::staff(pid, by.clone()),
                snippet.text.clone(),
            )],
            enqueue: vec![(chain, Effect::Post { to: Destination::Ticket(id), notice })],
            ..Commit::default()
        };
        if let TicketDetail::InGame(game) = &ticket.detail {
            // Whispered like a staff reply: split to the game's size; held by the outbox if the player is offline.
            for text in relay::for_game(&by, &snippet.text) {
                let whisper = Effect::Whisper {
                    ticket: id,
                    server: game.server.clone(),
                    player: game.name.clone(),
                    from: by.clone(),
                    text,
                };
                commit.enqueue.push((chain, whisper));
            }
        }
        self.save_and_run(commit).await?;
        tracing::info!(ticket = %id, by = %pid, "snippet posted");
        Ok(id)
    }

    /// The snippet names an autocomplete offers `actor` for what they typed: none to someone who staffs no kind of
    /// ticket (members do not learn the names).
    pub async fn snippet_choices(&self, guild: GuildId, actor: &Actor, typed: &str) -> Result<Vec<String>, DeskError> {
        self.same_guild(actor, guild)?;
        let settings = self.settings(guild).await?;
        let staff = [Action::Resolve, Action::Review, Action::ReplyInGame]
            .into_iter()
            .any(|action| actor.meets(action.requirement(), &settings));
        if actor.is_bot || !staff {
            return Ok(Vec::new());
        }
        Ok(matching(&settings.snippets, typed, SNIPPET_CHOICES_MAX).into_iter().map(str::to_owned).collect())
    }
}
