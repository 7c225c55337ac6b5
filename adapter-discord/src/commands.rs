//! The slash commands: `/tickets`, `/recruit-config` and `/roles`, their definitions and their parsing into
//! the core's [`AdminCommand`].

use serenity::all::{
    ChannelType, CommandOptionType, CreateCommand, CreateCommandOption, Permissions as SPermissions, ResolvedOption,
    ResolvedValue,
};
use ticket_core::desk::{AdminCommand, OrgRolesUpdate, TargetsUpdate, TranscriptTarget};
use ticket_core::permissions::Capability;
use ticket_core::qna::AnswerKind;
use ticket_core::settings::ApplicantAccess;
use ticket_core::settings::{CloseSettings, Inactivity, TicketType, TranscriptSettings};
use ticket_core::{ChannelId, RoleId, TicketId, UserId};

use crate::convert::from;

/// What a slash command asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A settings command.
    Admin(AdminCommand),
    /// `/tickets reopen-qna` or `/recruit-config reopen-qna` in the current channel.
    ReopenQna,
    /// `/recruit-config remove-member`.
    RemoveMember(UserId),
    /// `/ticket transcript`: a ticket's transcript as a file (staff may ask for any ticket's).
    Transcript(TranscriptTarget),
    /// `/ticket claim` in the current channel.
    Claim,
    /// `/ticket unclaim` in the current channel.
    Unclaim,
    /// `/ticket transfer`: hand the ticket of the current channel to a member.
    Transfer(Member),
    /// `/ticket close-request`: staff ask the opener to confirm closing.
    RequestClose,
    /// `/ticket close`: the opener closes their support ticket.
    CloseOwn,
    /// `/snippet <name>`: post a saved answer in the current ticket.
    PostSnippet(String),
}

/// A member named in a command, as Discord resolved them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Who.
    pub user: UserId,
    /// Their display name in the guild.
    pub name: String,
    /// Their roles.
    pub roles: Vec<RoleId>,
    /// Their permissions in the channel, when Discord sent them.
    pub permissions: Option<ticket_core::Permissions>,
    /// Whether they are a bot.
    pub is_bot: bool,
}

/// Why a command could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Not one of ours.
    #[error("unknown command /{0}")]
    Unknown(String),
    /// A required option is missing or has the wrong type.
    #[error("the option `{0}` is missing or invalid")]
    Option(&'static str),
}

pub(crate) fn opt(kind: CommandOptionType, name: &str, description: &str, required: bool) -> CreateCommandOption {
    CreateCommandOption::new(kind, name, description).required(required)
}

fn channel(name: &str, description: &str, kind: ChannelType, required: bool) -> CreateCommandOption {
    opt(CommandOptionType::Channel, name, description, required).channel_types(vec![kind])
}

pub(crate) fn sub(name: &str, description: &str, options: Vec<CreateCommandOption>) -> CreateCommandOption {
    options.into_iter().fold(opt(CommandOptionType::SubCommand, name, description, false), |s, o| s.add_sub_option(o))
}

fn kind_option(required: bool) -> CreateCommandOption {
    opt(CommandOptionType::String, "kind", "What kind of answer", required)
        .add_string_choice("Keywords", "keywords")
        .add_string_choice("Time range", "time_range")
        .add_string_choice("Yes/No", "yes_no")
        .add_string_choice("Paragraph", "paragraph")
}

/// The options of `transcript`: a ticket by number or by channel (default: the channel the command is run in).
fn transcript_options() -> Vec<CreateCommandOption> {
    vec![
        opt(CommandOptionType::Integer, "ticket", "The ticket's number", false).min_int_value(1),
        channel("channel", "The ticket's channel (default: here)", ChannelType::Text, false),
    ]
}

/// The definitions to register in a guild.
pub fn definitions() -> Vec<CreateCommand> {
    use CommandOptionType::{Boolean, Integer, Role, String as Text, User};
    let tickets = CreateCommand::new("tickets")
        .description("Ticket panels, pings and recruitment options")
        .default_member_permissions(SPermissions::MANAGE_GUILD)
        .dm_permission(false)
        .add_option(sub(
            "set-targets",
            "Set panel channels and ticket categories, and post fresh panels",
            vec![
                channel("support_panel", "Where the Support panel is posted", ChannelType::Text, false),
                channel("recruitment_panel", "Where the Recruitment panel is posted", ChannelType::Text, false),
                channel("support_category", "Where support ticket channels are created", ChannelType::Category, false),
                channel(
                    "recruitment_category",
                    "Where recruitment ticket channels are created",
                    ChannelType::Category,
                    false,
                ),
                channel("log_channel", "Where staff action logs are posted", ChannelType::Text, false),
            ],
        ))
        .add_option(sub("show-targets", "Show the current panel/category setup", vec![]))
        .add_option(sub(
            "set-ping",
            "Set support and recruitment ping roles",
            vec![
                opt(Role, "support", "Pinged for support tickets", false),
                opt(Role, "recruitment", "Pinged for recruitment tickets", false),
                opt(Boolean, "clear", "Remove both ping roles", false),
            ],
        ))
        .add_option(sub("show-ping", "Show the current ping roles", vec![]))
        .add_option(sub(
            "set-dm-on-close",
            "Enable/disable support close DMs",
            vec![opt(Boolean, "enabled", "DM the opener when a support ticket is resolved", true)],
        ))
        .add_option(sub(
            "set-nick-sync",
            "Enable/disable RSI nickname sync on approve",
            vec![opt(Boolean, "enabled", "Set the nickname from the RSI handle on approve", true)],
        ))
        .add_option(sub(
            "set-org",
            "Set the RSI org URL and image",
            vec![
                opt(Text, "url", "The RSI organisation page (https)", true),
                opt(Text, "image", "An image for the recruitment panel (https)", false),
            ],
        ))
        .add_option(sub("show-org", "Show the RSI org URL and image", vec![]))
        .add_option(sub(
            "post-support-about",
            "Post a static support explainer",
            vec![channel("channel", "Where (default: here)", ChannelType::Text, false)],
        ))
        .add_option(sub(
            "add-option",
            "Add a selectable recruitment area",
            vec![
                opt(Text, "name", "Short and obvious, e.g. medical", true),
                opt(Role, "ping_role", "Pinged and let in when an applicant picks it", false),
            ],
        ))
        .add_option(sub(
            "remove-option",
            "Remove a selectable recruitment area",
            vec![opt(Text, "name", "The area to remove", true)],
        ))
        .add_option(sub("list-options", "List recruitment options and ping roles", vec![]))
        .add_option(sub("reopen-qna", "Repost the Q&A button in this recruitment ticket", vec![]))
        .add_option(sub(
            "set-ingame",
            "Set where in-game tickets open and who staffs them",
            vec![
                channel("category", "Where ticket-<player> channels are created", ChannelType::Category, false),
                opt(Role, "staff_role", "Staff who answer players in game", false),
            ],
        ))
        .add_option(sub(
            "set-transcripts",
            "Set how long transcripts of closed tickets are kept",
            vec![
                opt(Integer, "retention_days", "Delete transcripts this many days after closing", false)
                    .min_int_value(1)
                    .max_int_value(u64::from(TranscriptSettings::MAX_RETENTION_DAYS)),
                opt(Boolean, "keep_forever", "Keep transcripts for good", false),
            ],
        ))
        .add_option(sub("show-workflow", "Show how tickets are handled and close", vec![]))
        .add_option(sub(
            "set-closing",
            "Set close requests' timeout and whether openers close their own tickets",
            vec![
                opt(
                    Integer,
                    "request_timeout_hours",
                    "Hours before an unanswered close request closes the ticket",
                    false,
                )
                .min_int_value(1)
                .max_int_value(u64::from(CloseSettings::MAX_HOURS)),
                opt(Boolean, "opener_can_close", "Openers may close their own support tickets", false),
                opt(
                    Integer,
                    "reopen_window_hours",
                    "Hours a closed support ticket can be reopened from the log (0: off)",
                    false,
                )
                .min_int_value(0)
                .max_int_value(u64::from(CloseSettings::MAX_HOURS)),
                opt(Boolean, "feedback", "Ask openers for a 1-5 star rating in a DM when their ticket closes", false),
            ],
        ))
        .add_option({
            let mut period = opt(Text, "period", "The period to count (default: the last 30 days)", false);
            for p in ticket_core::stats::StatsPeriod::ALL {
                period = period.add_string_choice(p.label(), p.as_str());
            }
            sub(
                "stats",
                "Ticket statistics per type and per staff member: counts, response times, feedback",
                vec![period],
            )
        })
        .add_option(sub(
            "set-auto-close",
            "Close tickets of a kind when the opener stays silent",
            vec![
                opt(Text, "kind", "Which tickets", true)
                    .add_string_choice("Support", "support")
                    .add_string_choice("Recruitment", "recruitment"),
                opt(Integer, "warn_after_hours", "Warn the opener after this many hours without a word", false)
                    .min_int_value(1)
                    .max_int_value(u64::from(CloseSettings::MAX_HOURS)),
                opt(Integer, "close_after_hours", "Close this many hours after the warning", false)
                    .min_int_value(1)
                    .max_int_value(u64::from(CloseSettings::MAX_HOURS)),
                opt(Boolean, "off", "Turn auto-close off for this kind", false),
            ],
        ))
        .add_option(sub(
            "set-claim",
            "Set whether only the claimer may write in a claimed ticket",
            vec![opt(Boolean, "exclusive", "Only the claimer and administrators write; staff keep reading", true)],
        ));
    // `/ticket transcript` serves staff for any ticket, so `/tickets` has no copy of it (Discord allows 25
    // subcommands and groups per command).
    let tickets = crate::limit_commands::add_to_tickets(tickets);
    // Everyone's: members get their own tickets' transcripts; the desk checks who asks.
    let ticket = CreateCommand::new("ticket")
        .description("Tickets: transcripts, and claiming for staff")
        .dm_permission(false)
        .add_option(sub("transcript", "Get a ticket's transcript as a file", transcript_options()))
        .add_option(sub("claim", "Take this ticket: the channel shows you hold it", vec![]))
        .add_option(sub("unclaim", "Give this ticket up so any staff member can claim it", vec![]))
        .add_option(sub(
            "transfer",
            "Hand this ticket to another staff member",
            vec![opt(User, "member", "Who holds it from now on", true)],
        ))
        .add_option(sub("close-request", "Ask the opener to confirm that this ticket can close", vec![]))
        .add_option(sub("close", "Close your own support ticket (when the server allows it)", vec![]));
    let recruit = CreateCommand::new("recruit-config")
        .description("Recruitment records and the Quick Q&A")
        .dm_permission(false)
        .add_option(sub(
            "set-log-channel",
            "Set the permanent application record channel",
            vec![channel("channel", "Where records are posted", ChannelType::Text, true)],
        ))
        .add_option(sub(
            "set-access-mode",
            "Configure applicant access after approve",
            vec![
                opt(Text, "mode", "What the applicant may still do", true)
                    .add_string_choice("Keep full access", "keep")
                    .add_string_choice("Read only", "read_only")
                    .add_string_choice("Remove access", "remove"),
            ],
        ))
        .add_option(sub("qa-list", "Show the current Q&A questions", vec![]))
        .add_option(sub(
            "qa-add",
            "Add a Q&A question",
            vec![
                opt(Text, "question", "The question (at most 45 characters)", true).max_length(45),
                kind_option(true),
                opt(Boolean, "required", "Whether it must be answered (default yes)", false),
            ],
        ))
        .add_option(sub(
            "qa-edit",
            "Edit a Q&A question",
            vec![
                opt(Integer, "position", "Which question (from 1)", true).min_int_value(1),
                opt(Text, "question", "New text", false).max_length(45),
                kind_option(false),
                opt(Boolean, "required", "Whether it must be answered", false),
            ],
        ))
        .add_option(sub(
            "qa-move",
            "Reorder a Q&A question",
            vec![
                opt(Integer, "from", "Its position now", true).min_int_value(1),
                opt(Integer, "to", "Its new position", true).min_int_value(1),
            ],
        ))
        .add_option(sub(
            "qa-remove",
            "Remove a Q&A question",
            vec![opt(Integer, "position", "Which question (from 1)", true).min_int_value(1)],
        ))
        .add_option(sub("qa-reset-defaults", "Restore the recommended Q&A set", vec![]))
        // Also here, not only under `/tickets` (which only Manage Server sees by default): recruiters may use it.
        .add_option(sub("reopen-qna", "Repost the Q&A button in this recruitment ticket", vec![]))
        .add_option(sub(
            "remove-member",
            "Mark a member as removed and update the record",
            vec![opt(User, "member", "The member", true)],
        ));
    let roles = CreateCommand::new("roles")
        .description("Map capabilities and org roles")
        .default_member_permissions(SPermissions::MANAGE_GUILD)
        .dm_permission(false)
        .add_option(sub(
            "set",
            "Set the roles that carry a capability",
            vec![
                opt(Text, "capability", "Which capability", true)
                    .add_string_choice("Support", "support")
                    .add_string_choice("Recruitment", "recruitment"),
                opt(Role, "role", "A role with this capability", true),
                opt(Role, "role_2", "Another role", false),
                opt(Role, "role_3", "Another role", false),
            ],
        ))
        .add_option(sub(
            "set-org",
            "Set the Member and Affiliate roles granted on approve",
            vec![
                opt(Role, "member", "Granted to approved Members", false),
                opt(Role, "affiliate", "Granted to approved Affiliates", false),
            ],
        ))
        .add_option(sub("show", "Show the role mapping", vec![]));
    vec![tickets, ticket, recruit, roles, crate::limit_commands::snippet_command()]
}

/// The options of a subcommand, by name.
pub(crate) struct Options<'a>(pub(crate) &'a [ResolvedOption<'a>]);

impl<'a> Options<'a> {
    pub(crate) fn get(&self, name: &str) -> Option<&'a ResolvedValue<'a>> {
        self.0.iter().find(|o| o.name == name).map(|o| &o.value)
    }
    pub(crate) fn channel(&self, name: &'static str) -> Option<ChannelId> {
        match self.get(name) {
            Some(ResolvedValue::Channel(c)) => Some(from::channel(c.id)),
            _ => None,
        }
    }
    pub(crate) fn role(&self, name: &'static str) -> Option<RoleId> {
        match self.get(name) {
            Some(ResolvedValue::Role(r)) => Some(from::role(r.id)),
            _ => None,
        }
    }
    pub(crate) fn text(&self, name: &'static str) -> Option<&'a str> {
        match self.get(name) {
            Some(ResolvedValue::String(s)) => Some(s),
            _ => None,
        }
    }
    pub(crate) fn flag(&self, name: &'static str) -> Option<bool> {
        match self.get(name) {
            Some(ResolvedValue::Boolean(b)) => Some(*b),
            _ => None,
        }
    }
    pub(crate) fn position(&self, name: &'static str) -> Option<usize> {
        self.integer(name).and_then(|i| usize::try_from(i).ok())
    }
    /// An hours option: absent is `None`; present but not a valid number of hours is an error.
    pub(crate) fn hours(&self, name: &'static str) -> Result<Option<u32>, CommandError> {
        self.integer(name).map(|h| u32::try_from(h).map_err(|_| CommandError::Option(name))).transpose()
    }
    pub(crate) fn integer(&self, name: &'static str) -> Option<i64> {
        match self.get(name) {
            Some(ResolvedValue::Integer(i)) => Some(*i),
            _ => None,
        }
    }
    pub(crate) fn user(&self, name: &'static str) -> Option<UserId> {
        match self.get(name) {
            Some(ResolvedValue::User(u, _)) => Some(from::user(u.id)),
            _ => None,
        }
    }
    pub(crate) fn member(&self, name: &'static str) -> Option<Member> {
        match self.get(name) {
            Some(ResolvedValue::User(u, m)) => Some(Member {
                user: from::user(u.id),
                name: m.and_then(|m| m.nick.clone()).unwrap_or_else(|| u.display_name().to_owned()),
                roles: m.map(|m| m.roles.iter().map(|r| from::role(*r)).collect()).unwrap_or_default(),
                permissions: m.and_then(|m| m.permissions).map(crate::convert::permissions_from),
                is_bot: u.bot,
            }),
            _ => None,
        }
    }
    pub(crate) fn need<T>(value: Option<T>, name: &'static str) -> Result<T, CommandError> {
        value.ok_or(CommandError::Option(name))
    }
}

fn answer_kind(text: &str) -> Option<AnswerKind> {
    Some(match text {
        "keywords" => AnswerKind::Keywords,
        "time_range" => AnswerKind::TimeRange,
        "yes_no" => AnswerKind::YesNo,
        "paragraph" => AnswerKind::Paragraph,
        _ => return None,
    })
}

/// Reads a slash command (`name` and its resolved options) issued in `here`.
pub fn parse(name: &str, options: &[ResolvedOption<'_>], here: ChannelId) -> Result<Command, CommandError> {
    let Some(first) = options.first() else { return Err(CommandError::Unknown(name.to_owned())) };
    if let Some(parsed) = crate::limit_commands::parse(name, first, here) {
        return parsed;
    }
    let ResolvedValue::SubCommand(sub) = &first.value else { return Err(CommandError::Unknown(name.to_owned())) };
    let o = Options(sub);
    use AdminCommand as A;
    let admin = match (name, first.name) {
        ("tickets", "set-targets") => A::SetTargets(TargetsUpdate {
            support_panel: o.channel("support_panel"),
            recruitment_panel: o.channel("recruitment_panel"),
            support_category: o.channel("support_category"),
            recruitment_category: o.channel("recruitment_category"),
            log_channel: o.channel("log_channel"),
        }),
        ("tickets", "show-targets") => A::ShowTargets,
        ("tickets", "set-ping") if o.flag("clear") == Some(true) => A::ClearPing,
        ("tickets", "set-ping") => A::SetPing { support: o.role("support"), recruitment: o.role("recruitment") },
        ("tickets", "show-ping") => A::ShowPing,
        ("tickets", "set-dm-on-close") => A::SetDmOnClose(Options::need(o.flag("enabled"), "enabled")?),
        ("tickets", "set-nick-sync") => A::SetNickSync(Options::need(o.flag("enabled"), "enabled")?),
        ("tickets", "set-org") => A::SetOrg {
            url: Options::need(o.text("url"), "url")?.to_owned(),
            image: o.text("image").map(str::to_owned),
        },
        ("tickets", "show-org") => A::ShowOrg,
        ("tickets", "post-support-about") => A::PostSupportAbout { channel: o.channel("channel").unwrap_or(here) },
        ("tickets", "add-option") => {
            A::AddOption { name: Options::need(o.text("name"), "name")?.to_owned(), ping_role: o.role("ping_role") }
        }
        ("tickets", "remove-option") => A::RemoveOption { name: Options::need(o.text("name"), "name")?.to_owned() },
        ("tickets", "list-options") => A::ListOptions,
        ("tickets" | "recruit-config", "reopen-qna") => return Ok(Command::ReopenQna),
        ("ticket", "transcript") => {
            let target = match (o.integer("ticket"), o.channel("channel")) {
                (Some(n), _) => TranscriptTarget::Ticket(TicketId::new(
                    u64::try_from(n).ok().filter(|n| *n > 0).ok_or(CommandError::Option("ticket"))?,
                )),
                (None, Some(channel)) => TranscriptTarget::Channel(channel),
                (None, None) => TranscriptTarget::Channel(here),
            };
            return Ok(Command::Transcript(target));
        }
        ("tickets", "set-transcripts") if o.flag("keep_forever") == Some(true) => {
            A::SetTranscripts { retention_days: None }
        }
        ("tickets", "set-transcripts") => A::SetTranscripts {
            retention_days: Some(
                Options::need(o.integer("retention_days"), "retention_days")
                    .and_then(|d| u32::try_from(d).map_err(|_| CommandError::Option("retention_days")))?,
            ),
        },
        ("tickets", "show-workflow") => A::ShowWorkflow,
        ("tickets", "set-claim") => A::SetClaim { exclusive: Options::need(o.flag("exclusive"), "exclusive")? },
        ("ticket", "claim") => return Ok(Command::Claim),
        ("ticket", "close-request") => return Ok(Command::RequestClose),
        ("ticket", "close") => return Ok(Command::CloseOwn),
        ("tickets", "set-closing") => A::SetClosing {
            request_timeout_hours: o.hours("request_timeout_hours")?,
            opener_can_close: o.flag("opener_can_close"),
            // 0 turns reopening off.
            reopen_window_hours: o.hours("reopen_window_hours")?.map(|h| (h > 0).then_some(h)),
            feedback: o.flag("feedback"),
        },
        ("tickets", "stats") => A::Stats {
            period: match o.text("period") {
                None => ticket_core::stats::StatsPeriod::default(),
                Some(p) => ticket_core::stats::StatsPeriod::parse(p).ok_or(CommandError::Option("period"))?,
            },
        },
        ("tickets", "set-auto-close") => A::SetAutoClose {
            kind: match Options::need(o.text("kind"), "kind")? {
                "support" => TicketType::Support,
                "recruitment" => TicketType::Recruitment,
                _ => return Err(CommandError::Option("kind")),
            },
            inactivity: if o.flag("off") == Some(true) {
                None
            } else {
                Some(Inactivity {
                    warn_after_hours: Options::need(o.hours("warn_after_hours")?, "warn_after_hours")?,
                    close_after_hours: Options::need(o.hours("close_after_hours")?, "close_after_hours")?,
                })
            },
        },
        ("ticket", "unclaim") => return Ok(Command::Unclaim),
        ("ticket", "transfer") => return Ok(Command::Transfer(Options::need(o.member("member"), "member")?)),
        ("tickets", "set-ingame") => A::SetInGame { category: o.channel("category"), staff_role: o.role("staff_role") },
        ("recruit-config", "set-log-channel") => A::SetLogChannel(Options::need(o.channel("channel"), "channel")?),
        ("recruit-config", "set-access-mode") => A::SetAccessMode(match Options::need(o.text("mode"), "mode")? {
            "keep" => ApplicantAccess::Keep,
            "read_only" => ApplicantAccess::ReadOnly,
            "remove" => ApplicantAccess::Remove,
            _ => return Err(CommandError::Option("mode")),
        }),
        ("recruit-config", "qa-list") => A::QaList,
        ("recruit-config", "qa-add") => A::QaAdd {
            label: Options::need(o.text("question"), "question")?.to_owned(),
            kind: Options::need(o.text("kind").and_then(answer_kind), "kind")?,
            required: o.flag("required").unwrap_or(true),
        },
        ("recruit-config", "qa-edit") => A::QaEdit {
            position: Options::need(o.position("position"), "position")?,
            label: o.text("question").map(str::to_owned),
            kind: o.text("kind").and_then(answer_kind),
            required: o.flag("required"),
        },
        ("recruit-config", "qa-move") => {
            A::QaMove { from: Options::need(o.position("from"), "from")?, to: Options::need(o.position("to"), "to")? }
        }
        ("recruit-config", "qa-remove") => A::QaRemove { position: Options::need(o.position("position"), "position")? },
        ("recruit-config", "qa-reset-defaults") => A::QaResetDefaults,
        ("recruit-config", "remove-member") => {
            return Ok(Command::RemoveMember(Options::need(o.user("member"), "member")?));
        }
        ("roles", "set") => A::RolesSet {
            capability: match Options::need(o.text("capability"), "capability")? {
                "support" => Capability::Support,
                "recruitment" => Capability::Recruitment,
                _ => return Err(CommandError::Option("capability")),
            },
            roles: [o.role("role"), o.role("role_2"), o.role("role_3")].into_iter().flatten().collect(),
        },
        ("roles", "set-org") => {
            A::RolesSetOrg(OrgRolesUpdate { member: o.role("member"), affiliate: o.role("affiliate") })
        }
        ("roles", "show") => A::RolesShow,
        (name, sub) => return Err(CommandError::Unknown(format!("{name} {sub}"))),
    };
    Ok(Command::Admin(admin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_obey_discord_naming_rules() {
        for command in definitions() {
            let json = serde_json::to_value(&command).unwrap();
            let name = json["name"].as_str().unwrap();
            assert!(name.len() <= 32 && name.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
            for sub in json["options"].as_array().unwrap() {
                let sub_name = sub["name"].as_str().unwrap();
                assert!(sub_name.len() <= 32, "{sub_name}");
                assert!(sub["description"].as_str().unwrap().len() <= 100);
                let options = sub["options"].as_array().cloned().unwrap_or_default();
                assert!(options.len() <= 25);
                let mut seen_optional = false;
                for o in options {
                    let required = o["required"].as_bool().unwrap_or(false);
                    assert!(!(seen_optional && required), "{sub_name}: required options come first");
                    seen_optional |= !required;
                    let option_name = o["name"].as_str().unwrap();
                    assert!(option_name.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()));
                }
            }
        }
    }

    #[test]
    fn tickets_stays_within_discords_25_subcommands_and_groups() {
        let json: Vec<serde_json::Value> = definitions().iter().map(|c| serde_json::to_value(c).unwrap()).collect();
        for command in &json {
            let count = command["options"].as_array().map_or(0, Vec::len);
            assert!(count <= 25, "/{} has {count} options", command["name"]);
        }
        let tickets = json.iter().find(|c| c["name"] == "tickets").unwrap();
        let names: Vec<&str> =
            tickets["options"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 25, "Discord's most: nothing more fits: {names:?}");
        assert!(!names.contains(&"transcript"), "/ticket transcript serves staff for any ticket");
        for s in ["set-limits", "block", "unblock", "blocked", "snippet", "stats"] {
            assert!(names.contains(&s), "/tickets {s}");
        }
        let snippet = json.iter().find(|c| c["name"] == "snippet").unwrap();
        assert_eq!(snippet["options"][0]["autocomplete"], true, "/snippet's name is autocompleted");
    }

    #[test]
    fn every_spec_command_is_defined() {
        let json: Vec<serde_json::Value> = definitions().iter().map(|c| serde_json::to_value(c).unwrap()).collect();
        let subs = |name: &str| -> Vec<String> {
            let c = json.iter().find(|c| c["name"] == name).unwrap();
            c["options"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap().to_owned()).collect()
        };
        for s in [
            "set-targets",
            "show-targets",
            "set-ping",
            "show-ping",
            "set-dm-on-close",
            "set-nick-sync",
            "set-org",
            "show-org",
            "post-support-about",
            "add-option",
            "remove-option",
            "list-options",
            "reopen-qna",
        ] {
            assert!(subs("tickets").contains(&s.to_owned()), "/tickets {s}");
        }
        for s in [
            "set-log-channel",
            "set-access-mode",
            "qa-list",
            "qa-add",
            "qa-edit",
            "qa-move",
            "qa-remove",
            "qa-reset-defaults",
            "remove-member",
            "reopen-qna",
        ] {
            assert!(subs("recruit-config").contains(&s.to_owned()), "/recruit-config {s}");
        }
        assert_eq!(subs("roles"), vec!["set", "set-org", "show"]);
        for s in ["set-transcripts", "show-workflow", "set-claim", "set-closing", "set-auto-close", "stats"] {
            assert!(subs("tickets").contains(&s.to_owned()), "/tickets {s}");
        }
        assert_eq!(subs("ticket"), vec!["transcript", "claim", "unclaim", "transfer", "close-request", "close"]);
        let ticket = json.iter().find(|c| c["name"] == "ticket").unwrap();
        assert!(ticket["default_member_permissions"].is_null(), "every member can see /ticket");
        let recruit = json.iter().find(|c| c["name"] == "recruit-config").unwrap();
        assert!(recruit["default_member_permissions"].is_null(), "recruiters can see /recruit-config");
        let tickets = json.iter().find(|c| c["name"] == "tickets").unwrap();
        assert_eq!(tickets["default_member_permissions"], "32", "only Manage Server sees /tickets by default");
    }
}
