//! Notices: the messages effects post.

use crate::custom_id::CustomId;
use crate::effect::{LogEntry, Notice};
use crate::id::RoleId;
use crate::message::{ButtonStyle, Component, Embed, Message, Pings, SelectOption, cut};
use crate::pid::{PidKey, PidKeyError};
use crate::ports::{CitizenProfile, ProfileError};
use crate::qna::QnaAnswer;
use crate::recruitment::{RecruitmentStatus, RequestedRole};
use crate::relay::{self, neutralise_mentions};
use crate::strings;

/// How much of an undelivered reply is quoted back to staff.
const UNDELIVERED_QUOTE_MAX: usize = 300;
use crate::ticket::TicketSource;

use super::{People, colour, escape_markdown};

/// A player's name as shown: markdown escaped and unable to ping.
fn player_label(name: &crate::relay::GameName) -> String {
    neutralise_mentions(&escape_markdown(name.as_str()))
}

/// A player's relayed text as Discord posts: `**Name** (in game): …`, neutralised and split to Discord's limit.
fn player_lines(player: &crate::relay::GameName, text: &str, people: &People<'_>) -> Vec<String> {
    let prefix = format!("**{}** (in game): ", player_label(player));
    relay::for_discord(&prefix, &people.typed(text))
}

fn role_mentions(roles: &[RoleId]) -> String {
    roles.iter().map(|r| format!("<@&{r}>")).collect::<Vec<_>>().join(" ")
}

fn button(id: CustomId, label: &str, style: ButtonStyle) -> Component {
    Component::Button { id, label: label.into(), style, disabled: false }
}

fn embed(title: impl Into<String>, description: impl Into<String>, color: u32) -> Embed {
    Embed {
        title: Some(title.into()),
        description: Some(cut(&description.into(), Embed::DESCRIPTION_MAX)).filter(|d| !d.is_empty()),
        color: Some(color),
        ..Embed::default()
    }
}

/// Renders a notice. Most notices are one message; a long player message is several. Every message fits
/// Discord's limits.
pub fn notice(notice: &Notice, key: &PidKey) -> Result<Vec<Message>, PidKeyError> {
    build(notice, key).map(|messages| messages.into_iter().map(Message::fit).collect())
}

fn build(notice: &Notice, key: &PidKey) -> Result<Vec<Message>, PidKeyError> {
    let people = People(key);
    let one = |m: Message| Ok(vec![m]);
    match notice {
        Notice::SupportPanel => one(Message {
            embeds: vec![embed(
                "Support",
                format!(
                    "Need help? Press **{}** and tell us what is wrong. A private channel opens where staff will \
                     help you.",
                    strings::OPEN_SUPPORT_TICKET
                ),
                colour::SUPPORT,
            )],
            rows: vec![vec![button(CustomId::OpenSupport, strings::OPEN_SUPPORT_TICKET, ButtonStyle::Primary)]],
            ..Message::default()
        }),
        Notice::RecruitmentPanel { org_url, org_image } => {
            let mut panel = embed(
                "Recruitment",
                format!(
                    "Want to join as a **Member** or **Affiliate**? Press **{}**: a private channel opens with a short \
                     application. Staff review it and guide you through RSI acceptance.",
                    strings::OPEN_RECRUITMENT_TICKET
                ),
                colour::RECRUITMENT,
            );
            panel.url.clone_from(org_url);
            panel.image.clone_from(org_image);
            let mut row =
                vec![button(CustomId::OpenRecruitment, strings::OPEN_RECRUITMENT_TICKET, ButtonStyle::Success)];
            if let Some(url) = org_url {
                row.push(Component::Link { label: strings::APPLY_ON_RSI.into(), url: url.clone() });
            }
            one(Message { embeds: vec![panel], rows: vec![row], ..Message::default() })
        }
        Notice::SupportAbout => one(Message::embed(embed(
            "How support tickets work",
            format!(
                "1. Press **{}** on the support panel and describe your problem.\n\
                 2. A private channel opens that only you and staff can see.\n\
                 3. Staff answer there and press **{}** when it is sorted.\n\n\
                 **Support ticket channels are deleted when resolved.** Save anything important before staff close \
                 the ticket.",
                strings::OPEN_SUPPORT_TICKET,
                strings::RESOLVE_STAFF
            ),
            colour::SUPPORT,
        ))),
        Notice::SupportWelcome { opener, question, ping } => {
            let opener_id = people.id(opener)?;
            let mut content = people.mention(opener)?;
            if !ping.is_empty() {
                content = format!("{content} {}", role_mentions(ping));
            }
            let mut welcome = embed(
                "Support ticket",
                "Thanks for reaching out: staff will be with you shortly. Add anything that helps (screenshots, \
                 times, names) below.",
                colour::SUPPORT,
            )
            .field("Question", people.said(question), false);
            welcome.footer = Some("This channel is deleted when the ticket is resolved.".into());
            one(Message {
                content,
                embeds: vec![welcome],
                rows: vec![vec![
                    button(CustomId::Resolve, strings::RESOLVE_STAFF, ButtonStyle::Danger),
                    button(CustomId::Claim, strings::CLAIM, ButtonStyle::Secondary),
                ]],
                pings: Pings { users: vec![opener_id], roles: ping.clone() },
                ..Message::default()
            })
        }
        Notice::InGameWelcome { player, server, source, ping, opening } => {
            let via = match source {
                TicketSource::Request => "@request",
                TicketSource::Whisper => "PM @Support",
            };
            let welcome = embed(
                format!("In-game ticket: {}", neutralise_mentions(player.as_str())),
                "Messages typed in this channel are whispered to the player in game. Their replies appear here.",
                colour::IN_GAME,
            )
            .field("Player", player_label(player), true)
            .field("Server", server.as_str(), true)
            .field("Opened with", via, true);
            // The opening line rides in the welcome's content (under the pings) when the two fit in one message;
            // otherwise, and for the rest of a long line, it follows in posts of its own.
            let mut content = role_mentions(ping);
            let mut lines = opening.as_deref().map(|text| player_lines(player, text, &people)).unwrap_or_default();
            if let Some(first) = lines.first() {
                let joined = if content.is_empty() { first.clone() } else { format!("{content}\n{first}") };
                if joined.chars().count() <= relay::DISCORD_MESSAGE_MAX {
                    content = joined;
                    lines.remove(0);
                }
            }
            let welcome = Message {
                content,
                embeds: vec![welcome],
                rows: vec![vec![button(CustomId::Claim, strings::CLAIM, ButtonStyle::Secondary)]],
                pings: Pings { users: Vec::new(), roles: ping.clone() },
                ..Message::default()
            };
            Ok(std::iter::once(welcome).chain(lines.into_iter().map(Message::text)).collect())
        }
        Notice::PlayerMessage { player, text } => {
            Ok(player_lines(player, text, &people).into_iter().map(Message::text).collect())
        }
        Notice::Snippet { name, by, text } => one(Message::embed(Embed {
            description: Some(cut(&people.said(&crate::relay::clean_text(text)), Embed::DESCRIPTION_MAX)),
            footer: Some(format!("{} · snippet {name}", by.replace('\n', " "))),
            color: Some(colour::SUPPORT),
            ..Embed::default()
        })),
        Notice::ReplyHeld { player } => one(Message::text(format!(
            "📨 **{}** is offline. Your reply is held and will be whispered at their next login.",
            player_label(player)
        ))),
        Notice::ReplyUndelivered { player, text } => {
            let shown: String = people.said(text).chars().take(UNDELIVERED_QUOTE_MAX).collect();
            let quote: String = shown.lines().map(|line| format!("> {line}\n")).collect();
            one(Message::text(format!(
                "⚠️ This reply could not be whispered to **{}**: the game server did not take it. Please send it \
                 again.\n{}",
                player_label(player),
                quote.trim_end()
            )))
        }
        Notice::HeldDelivered { player, count } => one(Message::text(format!(
            "📬 **{}** logged in: {count} held {} whispered.",
            player_label(player),
            if *count == 1 { "reply was" } else { "replies were" }
        ))),
        Notice::PlayerLoggedOut { player } => one(Message::text(format!(
            "👋 **{}** logged out. Replies typed here are held and whispered at their next login.",
            player_label(player)
        ))),
        Notice::PlayerLoggedIn { player } => {
            one(Message::text(format!("🟢 **{}** is back online.", player_label(player))))
        }
        Notice::Step1Wizard { ticket, applicant, ping, options: _ } => {
            let applicant_id = people.id(applicant)?;
            let mut content = people.mention(applicant)?;
            if !ping.is_empty() {
                content = format!("{content} {}", role_mentions(ping));
            }
            let wizard = embed(
                "Recruitment application — Step 1",
                "Welcome! Complete Step 1 here:\n\
                 1. Choose **Member** or **Affiliate** below.\n\
                 2. Pick your main area/focus.\n\
                 3. Give your time zone, RSI handle and a short intro.\n\n\
                 A short Quick Q&A follows, then staff review your application.",
                colour::RECRUITMENT,
            );
            let roles = [RequestedRole::Member, RequestedRole::Affiliate]
                .into_iter()
                .map(|r| SelectOption { label: r.to_string(), value: r.as_str().into(), description: None })
                .collect();
            one(Message {
                content,
                embeds: vec![wizard],
                rows: vec![vec![Component::Select {
                    id: CustomId::Step1Role(*ticket),
                    placeholder: "Member or Affiliate".into(),
                    options: roles,
                }]],
                pings: Pings { users: vec![applicant_id], roles: ping.clone() },
                ..Message::default()
            })
        }
        Notice::Step1Summary { app, applicant, form, tz_info, area_ping } => {
            let summary = embed(
                format!("Application #{app} — Step 1 complete"),
                "Staff: review below. Approve becomes available once the Quick Q&A is in.",
                colour::RECRUITMENT,
            )
            .field("Applicant", people.mention(applicant)?, true)
            .field("Requested role", form.requested.to_string(), true)
            .field("Area/focus", &form.area, true)
            .field("Time zone", tz_info.clone().unwrap_or_else(|| form.time_zone.clone()), true)
            .field("RSI handle", escape_markdown(&form.rsi_handle), true)
            .field("Notes", people.said(&form.notes), false);
            one(Message {
                content: area_ping.map(|r| format!("<@&{r}>")).unwrap_or_default(),
                embeds: vec![summary],
                rows: vec![vec![
                    button(CustomId::Approve(*app), strings::APPROVE, ButtonStyle::Success),
                    button(CustomId::Decline(*app), strings::REJECT, ButtonStyle::Danger),
                ]],
                pings: Pings { users: Vec::new(), roles: area_ping.iter().copied().collect() },
                ..Message::default()
            })
        }
        Notice::QnaPrompt { app, pages } => {
            let pages_note = if *pages > 1 { format!(" It has {pages} short pages.") } else { String::new() };
            one(Message {
                embeds: vec![embed(
                    "Quick Q&A",
                    format!(
                        "Almost done! Press **{}** to answer a few quick questions.{pages_note}",
                        strings::ANSWER_QNA
                    ),
                    colour::RECRUITMENT,
                )],
                rows: vec![vec![button(CustomId::Qna(*app, 1), strings::ANSWER_QNA, ButtonStyle::Primary)]],
                ..Message::default()
            })
        }
        Notice::QnaSummary { app, answers } => one(Message::embed(qna_fields(
            embed(format!("Application #{app} — Q&A answers"), "", colour::RECRUITMENT),
            answers,
            &people,
        ))),
        Notice::FinaliseControl { app, by_name } => one(Message {
            embeds: vec![embed(
                format!("Application #{app} approved by {}", cut(by_name, 100)),
                format!(
                    "The role is granted and this ticket stays open for RSI acceptance. Once the applicant is accepted \
                     on RSI, press **{}**.",
                    strings::FINALIZE_RSI_ACCEPTED
                ),
                colour::RECRUITMENT,
            )],
            rows: vec![vec![button(CustomId::Finalise(*app), strings::FINALIZE_RSI_ACCEPTED, ButtonStyle::Success)]],
            ..Message::default()
        }),
        Notice::FeedbackPrompt { ticket, channel_name } => one(super::feedback_prompt(*ticket, channel_name)),
        Notice::Log(entry) => {
            let mut message = Message::embed(log(entry, &people)?);
            if let LogEntry::SupportResolved { ticket, reopen: true, .. }
            | LogEntry::TicketClosed { ticket, reopen: true, .. } = entry
            {
                message.rows = vec![vec![button(CustomId::Reopen(*ticket), strings::REOPEN, ButtonStyle::Secondary)]];
            }
            one(message)
        }
        Notice::Reopened { from, by_name, lines } => {
            let shown: Vec<String> = lines
                .iter()
                .map(|(name, text)| {
                    let text: String = people.said(text).chars().take(REOPENED_LINE_MAX).collect();
                    format!("**{}**: {}", escape_markdown(name), text)
                })
                .collect();
            let mut e = embed(
                format!("Reopened from ticket #{from}"),
                if shown.is_empty() { "The ticket had no messages.".to_owned() } else { shown.join("\n") },
                colour::SUPPORT,
            );
            e.footer = Some(format!(
                "Reopened by {by_name}. The last {} lines are shown; the log entry of ticket #{from} has the full transcript.",
                lines.len()
            ));
            one(Message::embed(e.fit()))
        }
        Notice::ResolvedDm { channel_name, resolution } => one(Message::embed(embed(
            "Your support ticket was resolved",
            format!("Ticket **#{channel_name}** is closed.\n\n**Resolution**\n{}", people.said(resolution)),
            colour::SUPPORT,
        ))),
        Notice::DeclinedDm => one(Message::embed(embed(
            "Your application",
            "Thank you for your interest in joining. After review, your application was not successful this time. \
             You are welcome to apply again in the future.",
            colour::RECRUITMENT,
        ))),
        Notice::CloseRequested { ticket, opener, by_name, hours } => {
            let opener_id = people.id(opener)?;
            one(Message {
                content: format!(
                    "{}, **{}** would like to close this ticket. Press **{}** if everything is sorted, or **{}** if \
                     you still need help. It closes by itself in {}.",
                    people.mention(opener)?,
                    escape_markdown(by_name),
                    strings::CLOSE_TICKET,
                    strings::KEEP_OPEN,
                    hours_text(*hours)
                ),
                rows: vec![vec![
                    button(CustomId::CloseConfirm(*ticket), strings::CLOSE_TICKET, ButtonStyle::Danger),
                    button(CustomId::CloseKeep(*ticket), strings::KEEP_OPEN, ButtonStyle::Secondary),
                ]],
                pings: Pings { users: vec![opener_id], roles: Vec::new() },
                ..Message::default()
            })
        }
        Notice::CloseRequestKept { by_name } => {
            one(Message::text(format!("{} keeps this ticket open.", escape_markdown(by_name))))
        }
        Notice::InactivityWarning { opener, idle_hours, closes_in_hours } => {
            let opener_id = people.id(opener)?;
            one(Message {
                content: format!(
                    "⏰ {}, this ticket has had no word from you for {}. It closes in {} unless you write here.",
                    people.mention(opener)?,
                    hours_text(*idle_hours),
                    hours_text(*closes_in_hours)
                ),
                pings: Pings { users: vec![opener_id], roles: Vec::new() },
                ..Message::default()
            })
        }
        Notice::Claimed { by, exclusive } => {
            let also = if *exclusive { " From now on only they (and administrators) write here." } else { "" };
            one(Message::text(format!(
                "🙋 {} has claimed this ticket and will take it from here.{also}",
                people.mention(by)?
            )))
        }
        Notice::Unclaimed { by_name } => one(Message::text(format!(
            "{} released this ticket: any staff member can claim it.",
            escape_markdown(by_name)
        ))),
        Notice::Transferred { from_name, to } => {
            let to_id = people.id(to)?;
            one(Message {
                content: format!("{} handed this ticket to {}.", escape_markdown(from_name), people.mention(to)?),
                pings: Pings { users: vec![to_id], roles: Vec::new() },
                ..Message::default()
            })
        }
    }
}

/// The most characters of one line shown in a reopened ticket's recap.
const REOPENED_LINE_MAX: usize = 300;

/// `1 hour`, `36 hours`.
fn hours_text(hours: u32) -> String {
    if hours == 1 { "1 hour".to_owned() } else { format!("{hours} hours") }
}

/// Adds one field per Q&A answer (with its UK-time version) to an embed.
pub(crate) fn qna_fields(mut embed: Embed, answers: &[QnaAnswer], people: &People<'_>) -> Embed {
    for a in answers {
        let mut value = a.answer.as_deref().map(|answer| people.said(answer)).unwrap_or_else(|| "—".into());
        if let Some(uk) = &a.uk_time {
            value = format!("{value} (local) · {uk} UK time");
        }
        embed = embed.field(&a.question, value, a.kind != crate::qna::AnswerKind::Paragraph);
    }
    embed
}

fn log(entry: &LogEntry, people: &People<'_>) -> Result<Embed, PidKeyError> {
    Ok(match entry {
        LogEntry::SupportResolved { ticket, channel_name, opener, by, by_name: _, question, resolution, reopen: _ } => {
            embed("Support ticket resolved", format!("#{channel_name} (ticket {ticket})"), colour::LOG)
                .field("Opened by", people.mention(opener)?, true)
                .field("Resolved by", people.mention(by)?, true)
                .field("Question", people.said(question), false)
                .field("Resolution", people.said(resolution), false)
        }
        LogEntry::Recruitment { app, action, applicant, by, by_name: _, reason } => {
            let (verb, color) = match action {
                RecruitmentStatus::Approved => ("approved", colour::RECRUITMENT),
                RecruitmentStatus::Declined => ("declined", colour::DANGER),
                RecruitmentStatus::Finalised => ("finalised", colour::RECRUITMENT),
                RecruitmentStatus::Removed => ("marked removed", colour::WARNING),
                RecruitmentStatus::Pending | RecruitmentStatus::QnaReceived => ("updated", colour::LOG),
            };
            let mut e = embed(format!("Application #{app} {verb}"), "", color)
                .field("Applicant", people.mention(applicant)?, true)
                .field("By", people.mention(by)?, true);
            if let Some(reason) = reason {
                e = e.field("Reason", people.said(reason), false);
            }
            e
        }
        LogEntry::NicknameRefused { applicant, nickname, reason } => embed(
            "Nickname not changed",
            "Discord refused the nickname change; the application carries on. The bot needs Manage Nicknames and a \
             role above the member's highest role.",
            colour::WARNING,
        )
        .field("Member", people.mention(applicant)?, true)
        .field("Nickname", escape_markdown(nickname), true)
        .field("Discord said", reason, false),
        LogEntry::ActionFailed { action, error } => {
            embed("Action failed", "The bot gave up on an action; staff may need to do it by hand.", colour::DANGER)
                .field("Action", action, false)
                .field("Error", error, false)
        }
        LogEntry::ChannelCapReached { ticket } => embed(
            "Channel limit reached",
            "Discord allows 500 channels per server, and this one has them all. New tickets wait in line for a \
             channel and open, first come first served, as channels are deleted; what their openers write is kept \
             meanwhile. Delete unused channels to make room.",
            colour::WARNING,
        )
        .field("First in line", format!("Ticket {ticket}"), true),
        LogEntry::InGameClosed { ticket, player, reason } => {
            embed("In-game ticket closed", format!("Ticket {ticket}"), colour::LOG)
                .field("Player", player_label(player), true)
                .field("Reason", reason, true)
        }
        LogEntry::TicketClosed { ticket, channel_name, reason, reopen: _ } => {
            embed("Ticket closed", format!("Ticket {ticket} (#{})", escape_markdown(channel_name)), colour::LOG)
                .field("Reason", reason, true)
                .field("Transcript", "attached", true)
        }
    })
}

/// What an RSI lookup found, for the applicant's ticket.
pub fn rsi_profile(handle: &str, found: &Result<CitizenProfile, ProfileError>) -> Message {
    match found {
        Ok(p) => {
            let mut e = embed(format!("RSI profile: {}", p.handle), "", colour::RECRUITMENT)
                .field("Display name", escape_markdown(&p.display_name), true)
                .field(
                    "Main org",
                    p.main_org.as_ref().map(|o| format!("{} [{}]", o.name, o.sid)).unwrap_or_else(|| "none".into()),
                    true,
                )
                .field("Enlisted", p.enlisted.map(|d| d.to_string()).unwrap_or_else(|| "unknown".into()), true);
            e.url = Some(p.url.clone());
            e.thumbnail.clone_from(&p.avatar_url);
            Message::embed(e).fit()
        }
        Err(ProfileError::NotFound) => Message::embed(embed(
            "RSI profile not found",
            format!(
                "No RSI citizen is called **{}**. Check the handle's spelling on robertsspaceindustries.com.",
                escape_markdown(handle)
            ),
            colour::WARNING,
        )),
        Err(e) => Message::embed(embed(
            "RSI lookup unavailable",
            format!("Could not look up **{}** on RSI right now ({e}).", escape_markdown(handle)),
            colour::WARNING,
        )),
    }
}
