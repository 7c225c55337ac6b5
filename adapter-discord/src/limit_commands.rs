//! The commands of limits, the blocklist and snippets: `/tickets set-limits`, `block`, `unblock`, `blocked`, the
//! `/tickets snippet` group, and `/snippet <name>` (its name autocompleted).

use serenity::all::{CommandOptionType, CreateCommand, CreateCommandOption, ResolvedOption, ResolvedValue};
use ticket_core::ChannelId;
use ticket_core::desk::{AdminCommand, BlockWho, LimitsCommand, SnippetCommand};
use ticket_core::limits::TicketLimits;
use ticket_core::settings::TicketType;
use ticket_core::snippet::Snippet;

use crate::commands::{Command, CommandError, Options, opt, sub};

/// The `/tickets` subcommands (and the `snippet` group) of this feature.
pub(crate) fn add_to_tickets(tickets: CreateCommand) -> CreateCommand {
    use CommandOptionType::{Integer, Role, String as Text, User};
    let kind = opt(Text, "kind", "Which tickets", true)
        .add_string_choice("Support", "support")
        .add_string_choice("Recruitment", "recruitment")
        .add_string_choice("In-game", "in_game");
    let snippet_name =
        || opt(Text, "name", "One word: letters, digits, - and _", true).max_length(Snippet::NAME_MAX as u16);
    let group = CreateCommandOption::new(
        CommandOptionType::SubCommandGroup,
        "snippet",
        "Saved answers staff post with /snippet",
    )
    .add_sub_option(sub(
        "add",
        "Save an answer (or replace the one of that name)",
        vec![
            snippet_name(),
            opt(Text, "text", "What is posted (at most 2000 characters)", true).max_length(Snippet::TEXT_MAX as u16),
        ],
    ))
    .add_sub_option(sub("remove", "Remove a saved answer", vec![snippet_name()]))
    .add_sub_option(sub("list", "List the saved answers", vec![]));
    tickets
        .add_option(sub(
            "set-limits",
            "Set how many tickets one person may have open and how often they may open one",
            vec![
                kind,
                opt(Integer, "max_open", "Most open tickets per person (support only; others stay at 1)", false)
                    .min_int_value(1)
                    .max_int_value(u64::from(TicketLimits::MAX_OPEN)),
                opt(Integer, "cooldown_minutes", "Minutes between two openings by one person (0: none)", false)
                    .min_int_value(0)
                    .max_int_value(u64::from(TicketLimits::MAX_COOLDOWN_MINUTES)),
            ],
        ))
        .add_option(sub(
            "block",
            "Stop a member, a role, or this ticket's player from opening tickets",
            vec![
                opt(User, "user", "The member (default: the person of this ticket channel)", false),
                opt(Role, "role", "Everyone with this role", false),
                opt(Text, "reason", "Why (they are told)", false).max_length(Block::REASON_MAX as u16),
                opt(Integer, "hours", "For how many hours (default: until unblocked)", false)
                    .min_int_value(1)
                    .max_int_value(u64::from(LimitsCommand::MAX_BLOCK_HOURS)),
            ],
        ))
        .add_option(sub(
            "unblock",
            "Let a member, a role, or this ticket's player open tickets again",
            vec![
                opt(User, "user", "The member (default: the person of this ticket channel)", false),
                opt(Role, "role", "The role", false),
            ],
        ))
        .add_option(sub("blocked", "List who may not open tickets", vec![]))
        .add_option(group)
}

use ticket_core::limits::Block;

/// `/snippet <name>`: every member sees it; the desk lets only the ticket's staff use it.
pub(crate) fn snippet_command() -> CreateCommand {
    CreateCommand::new("snippet").description("Post a saved answer in this ticket").dm_permission(false).add_option(
        opt(CommandOptionType::String, "name", "The saved answer", true)
            .max_length(Snippet::NAME_MAX as u16)
            .set_autocomplete(true),
    )
}

fn who(o: &Options<'_>, here: ChannelId) -> Result<BlockWho, CommandError> {
    match (o.member("user"), o.role("role")) {
        (Some(_), Some(_)) => Err(CommandError::Option("user")),
        (Some(m), None) => Ok(BlockWho::Member { user: m.user, name: m.name }),
        (None, Some(role)) => Ok(BlockWho::Role(role)),
        (None, None) => Ok(BlockWho::TicketIn(here)),
    }
}

fn small(value: Option<i64>, name: &'static str) -> Result<Option<u32>, CommandError> {
    value.map(|v| u32::try_from(v).map_err(|_| CommandError::Option(name))).transpose()
}

/// Reads one of this feature's commands; `None`: not one of them.
pub(crate) fn parse(name: &str, first: &ResolvedOption<'_>, here: ChannelId) -> Option<Result<Command, CommandError>> {
    let admin = |c| Ok(Command::Admin(c));
    Some(match (name, first.name, &first.value) {
        ("snippet", "name", ResolvedValue::String(text)) => Ok(Command::PostSnippet((*text).to_owned())),
        ("tickets", "snippet", ResolvedValue::SubCommandGroup(inner)) => {
            let Some(ResolvedOption { name: sub, value: ResolvedValue::SubCommand(options), .. }) = inner.first()
            else {
                return Some(Err(CommandError::Unknown("tickets snippet".into())));
            };
            let o = Options(options);
            let text = |n: &'static str| Options::need(o.text(n), n).map(str::to_owned);
            let command = match *sub {
                "add" => text("name").and_then(|name| Ok(SnippetCommand::Add { name, text: text("text")? })),
                "remove" => text("name").map(|name| SnippetCommand::Remove { name }),
                "list" => Ok(SnippetCommand::List),
                other => Err(CommandError::Unknown(format!("tickets snippet {other}"))),
            };
            command.map(|c| Command::Admin(AdminCommand::Snippet(c)))
        }
        ("tickets", sub, ResolvedValue::SubCommand(options)) => {
            let o = Options(options);
            let command = match sub {
                "set-limits" => (|| {
                    Ok(LimitsCommand::SetLimits {
                        kind: match Options::need(o.text("kind"), "kind")? {
                            "support" => TicketType::Support,
                            "recruitment" => TicketType::Recruitment,
                            "in_game" => TicketType::InGame,
                            _ => return Err(CommandError::Option("kind")),
                        },
                        max_open: o
                            .integer("max_open")
                            .map(|v| u8::try_from(v).map_err(|_| CommandError::Option("max_open")))
                            .transpose()?,
                        cooldown_minutes: small(o.integer("cooldown_minutes"), "cooldown_minutes")?,
                    })
                })(),
                "block" => (|| {
                    Ok(LimitsCommand::Block {
                        who: who(&o, here)?,
                        reason: o.text("reason").map(str::to_owned),
                        hours: small(o.integer("hours"), "hours")?,
                    })
                })(),
                "unblock" => who(&o, here).map(|who| LimitsCommand::Unblock { who }),
                "blocked" => Ok(LimitsCommand::Blocked),
                _ => return None,
            };
            command.and_then(|c| admin(AdminCommand::Limits(c)))
        }
        _ => return None,
    })
}
