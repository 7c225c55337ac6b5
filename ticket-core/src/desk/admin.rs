//! Admin commands: `/tickets …`, `/recruit-config …` and `/roles …`. Each checks who asks and answers with a
//! message meant to be shown only to them.

use crate::effect::{ChainKey, Destination, Effect, Notice};
use crate::id::{ChannelId, GuildId, RoleId};
use crate::message::{Embed, Message};
use crate::permissions::{Actor, Capability};
use crate::ports::Commit;
use crate::qna::{AnswerKind, QnaQuestion};
use crate::relay::clean_line;
use crate::settings::{ApplicantAccess, GuildSettings, RecruitmentOption};

use super::{Action, Desk, DeskError, Problem, retry_on_conflict};

/// `/tickets set-targets`: each target given is changed; the others stay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetsUpdate {
    /// Where the Support panel is posted.
    pub support_panel: Option<ChannelId>,
    /// Where the Recruitment panel is posted.
    pub recruitment_panel: Option<ChannelId>,
    /// Where support ticket channels are created.
    pub support_category: Option<ChannelId>,
    /// Where recruitment ticket channels are created.
    pub recruitment_category: Option<ChannelId>,
    /// Where staff action logs go.
    pub log_channel: Option<ChannelId>,
}

/// `/roles set-org`: each role given is changed; the others stay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgRolesUpdate {
    /// Granted to approved Members.
    pub member: Option<RoleId>,
    /// Granted to approved Affiliates.
    pub affiliate: Option<RoleId>,
}

/// Every admin command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminCommand {
    /// `/tickets set-targets`: sets panel channels and categories, then posts fresh panels (removing the older
    /// ones).
    SetTargets(TargetsUpdate),
    /// `/tickets show-targets`.
    ShowTargets,
    /// `/tickets set-ping`: `None` leaves a role as it is; use [`AdminCommand::ClearPing`] to remove.
    SetPing {
        /// Support ping role.
        support: Option<RoleId>,
        /// Recruitment ping role.
        recruitment: Option<RoleId>,
    },
    /// `/tickets set-ping clear:true`.
    ClearPing,
    /// `/tickets show-ping`.
    ShowPing,
    /// `/tickets set-dm-on-close`.
    SetDmOnClose(bool),
    /// `/tickets set-nick-sync`.
    SetNickSync(bool),
    /// `/tickets set-org`.
    SetOrg {
        /// The org page (https).
        url: String,
        /// An image (https).
        image: Option<String>,
    },
    /// `/tickets show-org`.
    ShowOrg,
    /// `/tickets post-support-about`.
    PostSupportAbout {
        /// Where.
        channel: ChannelId,
    },
    /// `/tickets add-option`.
    AddOption {
        /// The area name.
        name: String,
        /// A role pinged when it is chosen.
        ping_role: Option<RoleId>,
    },
    /// `/tickets remove-option`.
    RemoveOption {
        /// The area name.
        name: String,
    },
    /// `/tickets list-options`.
    ListOptions,
    /// `/recruit-config set-log-channel`: the permanent record channel.
    SetLogChannel(ChannelId),
    /// `/recruit-config set-access-mode`.
    SetAccessMode(ApplicantAccess),
    /// `/recruit-config qa-list`.
    QaList,
    /// `/recruit-config qa-add`.
    QaAdd {
        /// The question.
        label: String,
        /// Its answer kind.
        kind: AnswerKind,
        /// Whether it must be answered.
        required: bool,
    },
    /// `/recruit-config qa-edit` (positions count from 1).
    QaEdit {
        /// Which question.
        position: usize,
        /// New text.
        label: Option<String>,
        /// New kind.
        kind: Option<AnswerKind>,
        /// New required flag.
        required: Option<bool>,
    },
    /// `/recruit-config qa-move`.
    QaMove {
        /// From position.
        from: usize,
        /// To position.
        to: usize,
    },
    /// `/recruit-config qa-remove`.
    QaRemove {
        /// Which question.
        position: usize,
    },
    /// `/recruit-config qa-reset-defaults`.
    QaResetDefaults,
    /// `/roles set`: the roles that carry a capability (replacing the previous list).
    RolesSet {
        /// The capability.
        capability: Capability,
        /// Its roles.
        roles: Vec<RoleId>,
    },
    /// `/roles set-org`: the Member/Affiliate roles granted on approve.
    RolesSetOrg(OrgRolesUpdate),
    /// `/roles show`.
    RolesShow,
    /// `/tickets set-transcripts`: how many days a closed ticket's transcript is kept (`None`: for good).
    SetTranscripts {
        /// Days, from 1 to [`TranscriptSettings::MAX_RETENTION_DAYS`](crate::settings::TranscriptSettings).
        retention_days: Option<u32>,
    },
    /// `/tickets show-workflow`: how tickets are handled and close (claims, DM on close, transcripts).
    ShowWorkflow,
    /// `/tickets set-closing`: each value given is changed; the others stay.
    SetClosing {
        /// Hours the opener has to answer a close request.
        request_timeout_hours: Option<u32>,
        /// Whether openers may close their own support tickets.
        opener_can_close: Option<bool>,
        /// Hours after closing during which a support ticket may be reopened from its log entry; `Some(None)`
        /// turns reopening off.
        reopen_window_hours: Option<Option<u32>>,
        /// Whether openers are asked for a 1–5 star rating in a DM at close.
        feedback: Option<bool>,
    },
    /// `/tickets stats`: tickets opened and closed, response and resolution times and feedback, per kind of ticket
    /// and per staff member, over a period.
    Stats {
        /// The period.
        period: crate::stats::StatsPeriod,
    },
    /// `/tickets set-auto-close`: closing a kind of ticket for inactivity (`None`: off).
    SetAutoClose {
        /// Support or recruitment (in-game tickets close on logout).
        kind: crate::settings::TicketType,
        /// When to warn and close.
        inactivity: Option<crate::settings::Inactivity>,
    },
    /// `/tickets set-claim`: whether only the claimer (and administrators) may write in a claimed ticket.
    SetClaim {
        /// Exclusive replies.
        exclusive: bool,
    },
    /// `/tickets set-limits`, `block`, `unblock`, `blocked`.
    Limits(super::LimitsCommand),
    /// `/tickets snippet add|remove|list`.
    Snippet(super::SnippetCommand),
    /// `/tickets set-ingame`: where in-game tickets open and who staffs them.
    SetInGame {
        /// Category.
        category: Option<ChannelId>,
        /// Staff role.
        staff_role: Option<RoleId>,
    },
}

impl AdminCommand {
    fn action(&self) -> Action {
        use AdminCommand as C;
        match self {
            C::SetLogChannel(_)
            | C::SetAccessMode(_)
            | C::QaList
            | C::QaAdd { .. }
            | C::QaEdit { .. }
            | C::QaMove { .. }
            | C::QaRemove { .. }
            | C::QaResetDefaults => Action::RecruitConfig,
            C::RolesSet { .. } | C::RolesSetOrg(_) | C::RolesShow => Action::Roles,
            _ => Action::TicketsAdmin,
        }
    }
}

fn channel(c: Option<ChannelId>) -> String {
    c.map(|c| format!("<#{c}>")).unwrap_or_else(|| "not set".into())
}

fn role(r: Option<RoleId>) -> String {
    r.map(|r| format!("<@&{r}>")).unwrap_or_else(|| "not set".into())
}

fn roles(list: &[RoleId]) -> String {
    if list.is_empty() {
        "not set".into()
    } else {
        list.iter().map(|r| format!("<@&{r}>")).collect::<Vec<_>>().join(", ")
    }
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn https_url(field: &'static str, raw: &str) -> Result<String, DeskError> {
    let url = raw.trim();
    let valid = url.len() <= 512
        && url.strip_prefix("https://").is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
        && !url.chars().any(char::is_whitespace);
    if valid {
        Ok(url.to_owned())
    } else {
        Err(DeskError::invalid(field, Problem::Malformed { expected: "an https:// link" }))
    }
}

fn option_name(raw: &str) -> Result<String, DeskError> {
    let name = clean_line(raw).trim().to_lowercase();
    if name.is_empty() {
        return Err(DeskError::invalid("option name", Problem::Empty));
    }
    if name.chars().count() > 32 {
        return Err(DeskError::invalid("option name", Problem::TooLong { max: 32 }));
    }
    if name.contains(':') {
        return Err(DeskError::invalid("option name", Problem::Malformed { expected: "a name without ':'" }));
    }
    Ok(name)
}

fn position(len: usize, position: usize) -> Result<usize, DeskError> {
    if position == 0 || position > len {
        return Err(crate::qna::QnaError::NoSuchQuestion { position, len }.into());
    }
    Ok(position - 1)
}

fn qa_list(settings: &GuildSettings) -> Message {
    qa_list_after(settings, "")
}

/// The Q&A list, its text after `preface` (on a line of its own) when there is one.
fn qa_list_after(settings: &GuildSettings, preface: &str) -> Message {
    let lines: Vec<String> = settings
        .qna
        .iter()
        .enumerate()
        .map(|(i, q)| format!("{}. **{}** — {}{}", i + 1, q.label, q.kind, if q.required { "" } else { " (optional)" }))
        .collect();
    let pages = QnaQuestion::pages(&settings.qna);
    Message::embed(Embed {
        title: Some("Quick Q&A questions".into()),
        description: Some(if preface.is_empty() {
            lines.join("\n")
        } else {
            format!("{preface}\n{}", lines.join("\n"))
        }),
        footer: Some(format!("{} question(s), {pages} page(s) of up to 5", settings.qna.len())),
        ..Embed::default()
    })
}

impl Desk {
    /// Runs an admin command for `actor` in `guild` and returns the reply to show them.
    pub async fn admin(&self, guild: GuildId, actor: &Actor, command: AdminCommand) -> Result<Message, DeskError> {
        retry_on_conflict!(self.try_admin(guild, actor, &command).await)
    }

    async fn try_admin(&self, guild: GuildId, actor: &Actor, command: &AdminCommand) -> Result<Message, DeskError> {
        let mut settings = self.settings(guild).await?;
        self.require(actor, &settings, command.action())?;
        let before = settings.clone();
        let mut enqueue: Vec<Effect> = Vec::new();
        use AdminCommand as C;
        let mut reply = match command {
            C::SetTargets(update) => {
                let t = &mut settings.targets;
                t.support_panel = update.support_panel.or(t.support_panel);
                t.recruitment_panel = update.recruitment_panel.or(t.recruitment_panel);
                t.support_category = update.support_category.or(t.support_category);
                t.recruitment_category = update.recruitment_category.or(t.recruitment_category);
                t.log_channel = update.log_channel.or(t.log_channel);
                if let Some(c) = settings.targets.support_panel {
                    enqueue.push(Effect::Post { to: Destination::Channel(c), notice: Notice::SupportPanel });
                }
                if let Some(c) = settings.targets.recruitment_panel {
                    let notice = Notice::RecruitmentPanel {
                        org_url: settings.rsi_org.url.clone(),
                        org_image: settings.rsi_org.image.clone(),
                    };
                    enqueue.push(Effect::Post { to: Destination::Channel(c), notice });
                }
                let mut reply = targets(&settings);
                reply.content = "Saved. Fresh panels are being posted and the older ones removed.".into();
                reply
            }
            C::ShowTargets => targets(&settings),
            C::SetPing { support, recruitment } => {
                settings.ping_roles.support = support.or(settings.ping_roles.support);
                settings.ping_roles.recruitment = recruitment.or(settings.ping_roles.recruitment);
                Message::text(format!("Saved. {}", pings(&settings)))
            }
            C::ClearPing => {
                settings.ping_roles = Default::default();
                Message::text("Ping roles cleared.")
            }
            C::ShowPing => Message::text(pings(&settings)),
            C::SetDmOnClose(on) => {
                settings.dm_on_close = *on;
                Message::text(format!("DM on close is {} for support tickets.", on_off(*on)))
            }
            C::SetNickSync(on) => {
                settings.nick_sync = *on;
                Message::text(format!(
                    "Nickname sync on approve is {}.{}",
                    on_off(*on),
                    if *on { " The bot needs Manage Nicknames and a role above the members it renames." } else { "" }
                ))
            }
            C::SetOrg { url, image } => {
                settings.rsi_org.url = Some(https_url("org URL", url)?);
                settings.rsi_org.image = image.as_deref().map(|i| https_url("image URL", i)).transpose()?;
                Message::text(format!(
                    "Saved. {}\nRun /tickets set-targets to refresh the recruitment panel.",
                    org(&settings)
                ))
            }
            C::ShowOrg => Message::text(org(&settings)),
            C::PostSupportAbout { channel } => {
                enqueue.push(Effect::Post { to: Destination::Channel(*channel), notice: Notice::SupportAbout });
                Message::text(format!("Posting the support explainer in <#{channel}>."))
            }
            C::AddOption { name, ping_role } => {
                let name = option_name(name)?;
                if settings.option(&name).is_some() {
                    return Err(DeskError::invalid("option name", Problem::Duplicate { given: name }));
                }
                if settings.recruitment_options.len() >= GuildSettings::MAX_OPTIONS {
                    return Err(DeskError::invalid("option list", Problem::Full { max: GuildSettings::MAX_OPTIONS }));
                }
                settings.recruitment_options.push(RecruitmentOption { name: name.clone(), ping_role: *ping_role });
                Message::text(format!(
                    "Added **{name}**{}.",
                    ping_role.map(|r| format!(" (pings <@&{r}>)")).unwrap_or_default()
                ))
            }
            C::RemoveOption { name } => {
                let wanted = option_name(name)?;
                let before_len = settings.recruitment_options.len();
                settings.recruitment_options.retain(|o| !o.name.eq_ignore_ascii_case(&wanted));
                if settings.recruitment_options.len() == before_len {
                    return Err(DeskError::invalid("option list", Problem::Unknown { given: wanted }));
                }
                Message::text(format!("Removed **{wanted}**."))
            }
            C::ListOptions => options(&settings),
            C::SetLogChannel(c) => {
                settings.record_channel = Some(*c);
                Message::text(format!("Permanent application records will be posted in <#{c}>."))
            }
            C::SetAccessMode(mode) => {
                settings.applicant_access = *mode;
                Message::text(format!(
                    "After approve, applicants {}.",
                    match mode {
                        ApplicantAccess::Keep => "keep full access to their ticket",
                        ApplicantAccess::ReadOnly => "can read their ticket but no longer write",
                        ApplicantAccess::Remove => "lose access to their ticket",
                    }
                ))
            }
            C::QaList => qa_list(&settings),
            C::QaAdd { label, kind, required } => {
                if settings.qna.len() >= QnaQuestion::MAX_QUESTIONS {
                    return Err(crate::qna::QnaError::TooManyQuestions { max: QnaQuestion::MAX_QUESTIONS }.into());
                }
                settings.qna.push(QnaQuestion::new(label, *kind, *required)?);
                qa_list(&settings)
            }
            C::QaEdit { position: at, label, kind, required } => {
                let i = position(settings.qna.len(), *at)?;
                let q = &settings.qna[i];
                let edited = QnaQuestion::new(
                    label.as_deref().unwrap_or(&q.label),
                    kind.unwrap_or(q.kind),
                    required.unwrap_or(q.required),
                )?;
                settings.qna[i] = edited;
                qa_list(&settings)
            }
            C::QaMove { from, to } => {
                let from = position(settings.qna.len(), *from)?;
                let to = position(settings.qna.len(), *to)?;
                let q = settings.qna.remove(from);
                settings.qna.insert(to, q);
                qa_list(&settings)
            }
            C::QaRemove { position: at } => {
                let i = position(settings.qna.len(), *at)?;
                settings.qna.remove(i);
                // An application cannot go on without questions: like a guild that never set any, it gets the
                // default set.
                if QnaQuestion::fall_back_if_empty(&mut settings.qna) {
                    qa_list_after(&settings, "That was the last question, so the Q&A falls back to the default set:")
                } else {
                    qa_list(&settings)
                }
            }
            C::QaResetDefaults => {
                settings.qna = QnaQuestion::defaults();
                qa_list(&settings)
            }
            C::RolesSet { capability, roles: list } => {
                let mut list = list.clone();
                list.dedup();
                *settings.capability_roles.get_mut(*capability) = list;
                role_map(&settings)
            }
            C::RolesSetOrg(update) => {
                settings.org_roles.member = update.member.or(settings.org_roles.member);
                settings.org_roles.affiliate = update.affiliate.or(settings.org_roles.affiliate);
                role_map(&settings)
            }
            C::RolesShow => role_map(&settings),
            C::SetTranscripts { retention_days } => {
                settings.transcripts.retention_days = retention(*retention_days)?;
                let mut reply = workflow(&settings);
                reply.content = match retention_days {
                    Some(days) => format!(
                        "Saved. Transcripts of tickets closed more than {days} day{} ago will be deleted.",
                        if *days == 1 { "" } else { "s" }
                    ),
                    None => "Saved. Transcripts are kept for good.".into(),
                };
                reply
            }
            C::ShowWorkflow => workflow(&settings),
            C::Stats { period } => self.stats_message(guild, *period).await?,
            C::SetClosing { request_timeout_hours, opener_can_close, reopen_window_hours, feedback } => {
                if let Some(h) = request_timeout_hours {
                    settings.closing.request_timeout_hours = hours_setting("close request timeout", *h)?;
                }
                if let Some(window) = reopen_window_hours {
                    settings.closing.reopen_window_hours =
                        window.map(|h| hours_setting("reopening window", h)).transpose()?;
                }
                settings.closing.opener_can_close = opener_can_close.unwrap_or(settings.closing.opener_can_close);
                settings.closing.feedback = feedback.unwrap_or(settings.closing.feedback);
                let mut reply = workflow(&settings);
                reply.content = "Saved.".into();
                reply
            }
            C::SetAutoClose { kind, inactivity } => {
                let checked = match inactivity {
                    Some(i) => Some(crate::settings::Inactivity {
                        warn_after_hours: hours_setting("warning time", i.warn_after_hours)?,
                        close_after_hours: hours_setting("closing time", i.close_after_hours)?,
                    }),
                    None => None,
                };
                match kind {
                    crate::settings::TicketType::Support => settings.closing.support_inactivity = checked,
                    crate::settings::TicketType::Recruitment => settings.closing.recruitment_inactivity = checked,
                    crate::settings::TicketType::InGame => {
                        return Err(DeskError::invalid(
                            "ticket kind",
                            Problem::Malformed { expected: "support or recruitment (in-game tickets close on logout)" },
                        ));
                    }
                }
                let mut reply = workflow(&settings);
                reply.content = "Saved. Open tickets follow the new times from now on.".into();
                reply
            }
            C::SetClaim { exclusive } => {
                settings.claims.exclusive = *exclusive;
                let mut reply = workflow(&settings);
                reply.content = if *exclusive {
                    "Saved. Once a ticket is claimed, only the claimer and administrators write in it; staff keep \
                     reading. Tickets claimed before keep their access until claimed again."
                        .into()
                } else {
                    "Saved. Every staff member may write in claimed tickets.".into()
                };
                reply
            }
            C::Limits(command) => self.limits_command(&mut settings, actor, command).await?,
            C::Snippet(command) => self.snippet_command(&mut settings, command)?,
            C::SetInGame { category, staff_role } => {
                settings.in_game.category = category.or(settings.in_game.category);
                settings.in_game.staff_role = staff_role.or(settings.in_game.staff_role);
                Message::text(format!(
                    "In-game tickets open in {} and are staffed by {}.",
                    channel(settings.in_game.category),
                    role(settings.in_game.staff_role)
                ))
            }
        };
        // A ping role just set that Discord would not notify: the admin is told now, not when a ticket goes unseen.
        let set: Vec<RoleId> = match command {
            C::SetPing { support, recruitment } => [*support, *recruitment].into_iter().flatten().collect(),
            C::AddOption { ping_role, .. } => ping_role.iter().copied().collect(),
            C::SetInGame { staff_role, .. } => staff_role.iter().copied().collect(),
            _ => Vec::new(),
        };
        let silent = self.silent_among(guild, &set).await?;
        if !silent.is_empty() {
            reply.content.push_str(&super::pings::silent_note(&silent));
        }
        if settings != before || !enqueue.is_empty() {
            let chain = ChainKey::Guild(guild);
            let commit = Commit {
                settings: (settings != before).then_some(settings),
                enqueue: enqueue.into_iter().map(|e| (chain, e)).collect(),
                ..Commit::default()
            };
            self.save_and_run(commit).await?;
            tracing::info!(guild = %guild, by = %self.pid_of(actor.user), command = ?command.action(), "admin command");
            if matches!(command, C::SetClosing { .. } | C::SetAutoClose { .. }) {
                self.reschedule_open_tickets(guild).await?;
            }
        }
        Ok(reply)
    }
}

fn targets(s: &GuildSettings) -> Message {
    let t = &s.targets;
    Message::embed(
        Embed { title: Some("Ticket targets".into()), ..Embed::default() }
            .field("Support panel", channel(t.support_panel), true)
            .field("Recruitment panel", channel(t.recruitment_panel), true)
            .field("Action log", channel(t.log_channel), true)
            .field("Support category", channel(t.support_category), true)
            .field("Recruitment category", channel(t.recruitment_category), true)
            .field("Application records", channel(s.record_channel), true),
    )
}

fn pings(s: &GuildSettings) -> String {
    format!("Support ping: {} · Recruitment ping: {}", role(s.ping_roles.support), role(s.ping_roles.recruitment))
}

fn org(s: &GuildSettings) -> String {
    format!(
        "RSI org page: {} · Image: {}",
        s.rsi_org.url.as_deref().unwrap_or("not set"),
        s.rsi_org.image.as_deref().unwrap_or("not set")
    )
}

fn options(s: &GuildSettings) -> Message {
    let lines: Vec<String> =
        s.recruitment_options.iter().map(|o| format!("• **{}** — ping: {}", o.name, role(o.ping_role))).collect();
    let list = if lines.is_empty() {
        format!("None yet: applicants see **{}**. Add some with /tickets add-option.", super::recruitment::DEFAULT_AREA)
    } else {
        lines.join("\n")
    };
    Message::embed(Embed {
        title: Some("Recruitment options".into()),
        description: Some(format!(
            "{list}\n\nRecruitment ping (every application): {}",
            role(s.ping_roles.recruitment)
        )),
        ..Embed::default()
    })
}

/// `/tickets set-transcripts`: from 1 to [`TranscriptSettings::MAX_RETENTION_DAYS`](crate::settings::TranscriptSettings)
/// days; `None` keeps transcripts for good.
fn retention(days: Option<u32>) -> Result<Option<u32>, DeskError> {
    let max = crate::settings::TranscriptSettings::MAX_RETENTION_DAYS;
    match days {
        Some(0) => Err(DeskError::invalid("retention", Problem::Malformed { expected: "at least 1 day" })),
        Some(d) if d > max => Err(DeskError::invalid("retention", Problem::TooLong { max: max as usize })),
        _ => Ok(days),
    }
}

/// An hours setting: from 1 to [`CloseSettings::MAX_HOURS`](crate::settings::CloseSettings).
fn hours_setting(field: &'static str, hours: u32) -> Result<u32, DeskError> {
    let max = crate::settings::CloseSettings::MAX_HOURS;
    match hours {
        0 => Err(DeskError::invalid(field, Problem::Malformed { expected: "at least 1 hour" })),
        h if h > max => Err(DeskError::invalid(field, Problem::TooLong { max: max as usize })),
        h => Ok(h),
    }
}

fn auto_close(i: Option<crate::settings::Inactivity>) -> String {
    match i {
        Some(i) => format!(
            "warn after {}h without a word from the opener, close {}h later",
            i.warn_after_hours, i.close_after_hours
        ),
        None => "off".to_owned(),
    }
}

fn workflow(s: &GuildSettings) -> Message {
    let retention = match s.transcripts.retention_days {
        Some(1) => "1 day after closing".to_owned(),
        Some(days) => format!("{days} days after closing"),
        None => "kept for good".to_owned(),
    };
    Message::embed(
        Embed { title: Some("Ticket workflow".into()), ..Embed::default() }
            .field(
                "Claims",
                if s.claims.exclusive { "only the claimer writes in a claimed ticket" } else { "staff all write" },
                true,
            )
            .field("DM on close (support)", on_off(s.dm_on_close), true)
            .field("Close requests", format!("close unanswered after {}h", s.closing.request_timeout_hours), true)
            .field("Openers close their support tickets", on_off(s.closing.opener_can_close), true)
            .field(
                "Reopening (support)",
                s.closing
                    .reopen_window_hours
                    .map_or("off".to_owned(), |h| format!("from the log, for {h}h after closing")),
                true,
            )
            .field(
                "Feedback (support, recruitment)",
                if s.closing.feedback { "openers rate 1–5 stars in a DM at close" } else { "off" },
                true,
            )
            .field("Auto-close (support)", auto_close(s.closing.support_inactivity), false)
            .field("Auto-close (recruitment)", auto_close(s.closing.recruitment_inactivity), false)
            .field("Transcripts", format!("attached to the log entry at close; {retention}"), true),
    )
}

fn role_map(s: &GuildSettings) -> Message {
    Message::embed(
        Embed { title: Some("Role mapping".into()), ..Embed::default() }
            .field("Support capability", roles(&s.capability_roles.support), true)
            .field("Recruitment capability", roles(&s.capability_roles.recruitment), true)
            .field("Member role", role(s.org_roles.member), true)
            .field("Affiliate role", role(s.org_roles.affiliate), true),
    )
}
