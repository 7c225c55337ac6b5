//! A guild's settings on their normalized tables: `guild_settings` (the root, with the version),
//! `ticket_panel_config`, `ticket_notify_roles`, `ticket_recruitment_options`, `recruit_panel_settings`,
//! `recruit_settings`, `recruit_qna_questions`, `capability_roles`, `org_roles`, `discord_guild_channels` and
//! `ticket_transcript_settings`, `ticket_claim_settings` and `ticket_close_settings`.

use rusqlite::{Connection, OptionalExtension, params};
use ticket_core::permissions::Capability;
use ticket_core::qna::QnaQuestion;
use ticket_core::recruitment::RequestedRole;
use ticket_core::settings::{
    CapabilityRoles, ClaimSettings, CloseSettings, GuildSettings, InGameSettings, Inactivity, OrgRoles, PanelTargets,
    PingRoles, PostedPanels, RecruitmentOption, RsiOrg, TicketType, TranscriptSettings,
};
use ticket_core::{ChannelId, GuildId, RoleId};

use crate::SqliteError;
use crate::codec::{count, from_name, id, name, opt_id, position, posted, raw_id, stored_version};

fn channel(raw: Option<i64>) -> Option<ChannelId> {
    raw.map(|c| ChannelId::new(raw_id(c)))
}

fn role(raw: Option<i64>) -> Option<RoleId> {
    raw.map(|r| RoleId::new(raw_id(r)))
}

/// The stored version of a guild's settings, if it saved any.
pub(crate) fn version(conn: &Connection, guild: GuildId) -> Result<Option<u64>, SqliteError> {
    stored_version(conn, "SELECT version FROM guild_settings WHERE guild_id = ?1", id(guild.get()), "settings version")
}

/// Every guild that saved settings, in id order (for an export).
pub(crate) fn guilds(conn: &Connection) -> Result<Vec<GuildId>, SqliteError> {
    let mut stmt = conn.prepare_cached("SELECT guild_id FROM guild_settings ORDER BY guild_id")?;
    let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
    rows.map(|row| Ok(GuildId::new(raw_id(row?)))).collect()
}

/// A guild's settings; the defaults (version 0) if it never saved any. Call inside a transaction so that the
/// tables are read at one point in time.
pub(crate) fn load(conn: &Connection, guild: GuildId) -> Result<GuildSettings, SqliteError> {
    let Some(version) = version(conn, guild)? else { return Ok(GuildSettings::new(guild)) };
    let g = id(guild.get());
    let mut settings = GuildSettings::new(guild);
    settings.version = version;
    settings.qna.clear();

    let panel = conn
        .prepare_cached(
            "SELECT support_panel_channel, recruitment_panel_channel, support_category, recruitment_category,
                    log_channel, support_panel_posted_channel, support_panel_posted_message,
                    recruitment_panel_posted_channel, recruitment_panel_posted_message, dm_on_close, nick_sync
             FROM ticket_panel_config WHERE guild_id = ?1",
        )?
        .query_row([g], |r| {
            Ok((
                PanelTargets {
                    support_panel: channel(r.get(0)?),
                    recruitment_panel: channel(r.get(1)?),
                    support_category: channel(r.get(2)?),
                    recruitment_category: channel(r.get(3)?),
                    log_channel: channel(r.get(4)?),
                },
                PostedPanels { support: posted(r.get(5)?, r.get(6)?), recruitment: posted(r.get(7)?, r.get(8)?) },
                r.get::<_, bool>(9)?,
                r.get::<_, bool>(10)?,
            ))
        })
        .optional()?;
    if let Some((targets, panels, dm_on_close, nick_sync)) = panel {
        (settings.targets, settings.panels, settings.dm_on_close, settings.nick_sync) =
            (targets, panels, dm_on_close, nick_sync);
    }

    let mut roles = conn.prepare_cached("SELECT ticket_type, role_id FROM ticket_notify_roles WHERE guild_id = ?1")?;
    for row in roles.query_map([g], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (kind, role_id) = row?;
        let role_id = Some(RoleId::new(raw_id(role_id)));
        match from_name::<TicketType>(&kind, "ping role ticket type")? {
            TicketType::Support => settings.ping_roles.support = role_id,
            TicketType::Recruitment => settings.ping_roles.recruitment = role_id,
            TicketType::InGame => return Err(SqliteError::decode("ping role ticket type", "in_game")),
        }
    }

    let mut options = conn.prepare_cached(
        "SELECT name, ping_role FROM ticket_recruitment_options WHERE guild_id = ?1 ORDER BY position",
    )?;
    for row in options.query_map([g], |r| Ok(RecruitmentOption { name: r.get(0)?, ping_role: role(r.get(1)?) }))? {
        settings.recruitment_options.push(row?);
    }

    let org = conn
        .prepare_cached("SELECT org_url, org_image FROM recruit_panel_settings WHERE guild_id = ?1")?
        .query_row([g], |r| Ok(RsiOrg { url: r.get(0)?, image: r.get(1)? }))
        .optional()?;
    if let Some(org) = org {
        settings.rsi_org = org;
    }

    let recruit = conn
        .prepare_cached("SELECT record_channel, applicant_access FROM recruit_settings WHERE guild_id = ?1")?
        .query_row([g], |r| Ok((channel(r.get(0)?), r.get::<_, String>(1)?)))
        .optional()?;
    if let Some((record_channel, access)) = recruit {
        settings.record_channel = record_channel;
        settings.applicant_access = from_name(&access, "applicant access")?;
    }

    let mut questions = conn.prepare_cached(
        "SELECT label, kind, required FROM recruit_qna_questions WHERE guild_id = ?1 ORDER BY position",
    )?;
    for row in questions.query_map([g], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)))? {
        let (label, kind, required) = row?;
        settings.qna.push(QnaQuestion { label, kind: from_name(&kind, "question kind")?, required });
    }

    let mut capability = conn.prepare_cached(
        "SELECT capability, role_id FROM capability_roles WHERE guild_id = ?1 ORDER BY capability, position",
    )?;
    for row in capability.query_map([g], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (cap, role_id) = row?;
        let cap: Capability = from_name(&cap, "capability")?;
        settings.capability_roles.get_mut(cap).push(RoleId::new(raw_id(role_id)));
    }

    let mut org_roles = conn.prepare_cached("SELECT requested_role, role_id FROM org_roles WHERE guild_id = ?1")?;
    for row in org_roles.query_map([g], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (requested, role_id) = row?;
        let role_id = Some(RoleId::new(raw_id(role_id)));
        match from_name::<RequestedRole>(&requested, "org role")? {
            RequestedRole::Member => settings.org_roles.member = role_id,
            RequestedRole::Affiliate => settings.org_roles.affiliate = role_id,
        }
    }

    let in_game = conn
        .prepare_cached(
            "SELECT ticket_enabled, ticket_close_on_logout, ticket_category, staff_role
             FROM discord_guild_channels WHERE guild_id = ?1",
        )?
        .query_row([g], |r| {
            Ok(InGameSettings {
                enabled: r.get(0)?,
                close_on_logout: r.get(1)?,
                category: channel(r.get(2)?),
                staff_role: role(r.get(3)?),
            })
        })
        .optional()?;
    if let Some(in_game) = in_game {
        settings.in_game = in_game;
    }

    let transcripts = conn
        .prepare_cached("SELECT retention_days FROM ticket_transcript_settings WHERE guild_id = ?1")?
        .query_row([g], |r| Ok(TranscriptSettings { retention_days: r.get(0)? }))
        .optional()?;
    if let Some(transcripts) = transcripts {
        settings.transcripts = transcripts;
    }

    let claims = conn
        .prepare_cached("SELECT exclusive FROM ticket_claim_settings WHERE guild_id = ?1")?
        .query_row([g], |r| Ok(ClaimSettings { exclusive: r.get(0)? }))
        .optional()?;
    if let Some(claims) = claims {
        settings.claims = claims;
    }

    let inactivity = |warn: Option<u32>, close: Option<u32>| {
        warn.zip(close).map(|(warn_after_hours, close_after_hours)| Inactivity { warn_after_hours, close_after_hours })
    };
    let closing = conn
        .prepare_cached(
            "SELECT request_timeout_hours, opener_can_close, support_warn_hours, support_close_hours,
                    recruitment_warn_hours, recruitment_close_hours, reopen_window_hours, feedback
             FROM ticket_close_settings WHERE guild_id = ?1",
        )?
        .query_row([g], |r| {
            Ok(CloseSettings {
                request_timeout_hours: r.get(0)?,
                opener_can_close: r.get(1)?,
                support_inactivity: inactivity(r.get(2)?, r.get(3)?),
                recruitment_inactivity: inactivity(r.get(4)?, r.get(5)?),
                reopen_window_hours: r.get(6)?,
                feedback: r.get(7)?,
            })
        })
        .optional()?;
    if let Some(closing) = closing {
        settings.closing = closing;
    }
    crate::limits::load(conn, &mut settings)?;
    Ok(settings)
}

/// Writes a guild's settings over the stored ones, at `version + 1`. The caller has checked the version.
pub(crate) fn save(conn: &Connection, settings: &GuildSettings) -> Result<(), SqliteError> {
    // Destructured in full: a field added to the domain type fails to compile here until it is stored.
    let GuildSettings {
        guild,
        targets,
        panels,
        ping_roles,
        dm_on_close,
        nick_sync,
        rsi_org,
        recruitment_options,
        qna,
        record_channel,
        applicant_access,
        capability_roles,
        org_roles,
        in_game,
        transcripts,
        claims,
        closing,
        limits,
        blocklist,
        snippets,
        version,
    } = settings;
    let PanelTargets { support_panel, recruitment_panel, support_category, recruitment_category, log_channel } =
        targets;
    let PostedPanels { support: support_posted, recruitment: recruitment_posted } = panels;
    let PingRoles { support: support_ping, recruitment: recruitment_ping } = ping_roles;
    let RsiOrg { url, image } = rsi_org;
    let CapabilityRoles { support: support_roles, recruitment: recruitment_roles } = capability_roles;
    let OrgRoles { member, affiliate } = org_roles;
    let InGameSettings { enabled, close_on_logout, category, staff_role } = in_game;
    let TranscriptSettings { retention_days } = transcripts;
    let ClaimSettings { exclusive } = claims;
    let CloseSettings {
        request_timeout_hours,
        opener_can_close,
        support_inactivity,
        recruitment_inactivity,
        reopen_window_hours,
        feedback,
    } = closing;
    let g = id(guild.get());
    let ch = |c: &Option<ChannelId>| opt_id(c.map(ChannelId::get));
    let rl = |r: &Option<RoleId>| opt_id(r.map(RoleId::get));

    conn.prepare_cached(
        "INSERT INTO guild_settings (guild_id, version) VALUES (?1, ?2)
         ON CONFLICT (guild_id) DO UPDATE SET version = excluded.version",
    )?
    .execute(params![g, count(version.saturating_add(1), "settings version")?])?;

    conn.prepare_cached(
        "INSERT INTO ticket_panel_config (guild_id, support_panel_channel, recruitment_panel_channel, support_category,
             recruitment_category, log_channel, support_panel_posted_channel, support_panel_posted_message,
             recruitment_panel_posted_channel, recruitment_panel_posted_message, dm_on_close, nick_sync)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (guild_id) DO UPDATE SET
             support_panel_channel = excluded.support_panel_channel,
             recruitment_panel_channel = excluded.recruitment_panel_channel,
             support_category = excluded.support_category,
             recruitment_category = excluded.recruitment_category,
             log_channel = excluded.log_channel,
             support_panel_posted_channel = excluded.support_panel_posted_channel,
             support_panel_posted_message = excluded.support_panel_posted_message,
             recruitment_panel_posted_channel = excluded.recruitment_panel_posted_channel,
             recruitment_panel_posted_message = excluded.recruitment_panel_posted_message,
             dm_on_close = excluded.dm_on_close,
             nick_sync = excluded.nick_sync",
    )?
    .execute(params![
        g,
        ch(support_panel),
        ch(recruitment_panel),
        ch(support_category),
        ch(recruitment_category),
        ch(log_channel),
        opt_id(support_posted.map(|p| p.channel.get())),
        opt_id(support_posted.map(|p| p.message.get())),
        opt_id(recruitment_posted.map(|p| p.channel.get())),
        opt_id(recruitment_posted.map(|p| p.message.get())),
        dm_on_close,
        nick_sync,
    ])?;

    conn.prepare_cached("DELETE FROM ticket_notify_roles WHERE guild_id = ?1")?.execute([g])?;
    let mut notify =
        conn.prepare_cached("INSERT INTO ticket_notify_roles (guild_id, ticket_type, role_id) VALUES (?1, ?2, ?3)")?;
    for (kind, ping) in [(TicketType::Support, support_ping), (TicketType::Recruitment, recruitment_ping)] {
        if let Some(r) = ping {
            notify.execute(params![g, name(&kind, "ticket type")?, id(r.get())])?;
        }
    }

    conn.prepare_cached("DELETE FROM ticket_recruitment_options WHERE guild_id = ?1")?.execute([g])?;
    let mut option = conn.prepare_cached(
        "INSERT INTO ticket_recruitment_options (guild_id, position, name, ping_role) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (n, RecruitmentOption { name: option_name, ping_role }) in recruitment_options.iter().enumerate() {
        option.execute(params![g, position(n), option_name, rl(ping_role)])?;
    }

    conn.prepare_cached(
        "INSERT INTO recruit_panel_settings (guild_id, org_url, org_image) VALUES (?1, ?2, ?3)
         ON CONFLICT (guild_id) DO UPDATE SET org_url = excluded.org_url, org_image = excluded.org_image",
    )?
    .execute(params![g, url, image])?;

    conn.prepare_cached(
        "INSERT INTO recruit_settings (guild_id, record_channel, applicant_access) VALUES (?1, ?2, ?3)
         ON CONFLICT (guild_id) DO UPDATE SET
             record_channel = excluded.record_channel, applicant_access = excluded.applicant_access",
    )?
    .execute(params![g, ch(record_channel), name(applicant_access, "applicant access")?])?;

    conn.prepare_cached("DELETE FROM recruit_qna_questions WHERE guild_id = ?1")?.execute([g])?;
    let mut question = conn.prepare_cached(
        "INSERT INTO recruit_qna_questions (guild_id, position, label, kind, required) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (n, QnaQuestion { label, kind, required }) in qna.iter().enumerate() {
        question.execute(params![g, position(n), label, name(kind, "question kind")?, required])?;
    }

    conn.prepare_cached("DELETE FROM capability_roles WHERE guild_id = ?1")?.execute([g])?;
    let mut capability = conn.prepare_cached(
        "INSERT INTO capability_roles (guild_id, capability, position, role_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (cap, roles) in [(Capability::Support, support_roles), (Capability::Recruitment, recruitment_roles)] {
        for (n, r) in roles.iter().enumerate() {
            capability.execute(params![g, name(&cap, "capability")?, position(n), id(r.get())])?;
        }
    }

    conn.prepare_cached("DELETE FROM org_roles WHERE guild_id = ?1")?.execute([g])?;
    let mut org =
        conn.prepare_cached("INSERT INTO org_roles (guild_id, requested_role, role_id) VALUES (?1, ?2, ?3)")?;
    for (requested, granted) in [(RequestedRole::Member, member), (RequestedRole::Affiliate, affiliate)] {
        if let Some(r) = granted {
            org.execute(params![g, name(&requested, "requested role")?, id(r.get())])?;
        }
    }

    conn.prepare_cached(
        "INSERT INTO discord_guild_channels (guild_id, ticket_enabled, ticket_close_on_logout, ticket_category, staff_role)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (guild_id) DO UPDATE SET
             ticket_enabled = excluded.ticket_enabled,
             ticket_close_on_logout = excluded.ticket_close_on_logout,
             ticket_category = excluded.ticket_category,
             staff_role = excluded.staff_role",
    )?
    .execute(params![g, enabled, close_on_logout, ch(category), rl(staff_role)])?;

    conn.prepare_cached(
        "INSERT INTO ticket_transcript_settings (guild_id, retention_days) VALUES (?1, ?2)
         ON CONFLICT (guild_id) DO UPDATE SET retention_days = excluded.retention_days",
    )?
    .execute(params![g, retention_days])?;

    conn.prepare_cached(
        "INSERT INTO ticket_claim_settings (guild_id, exclusive) VALUES (?1, ?2)
         ON CONFLICT (guild_id) DO UPDATE SET exclusive = excluded.exclusive",
    )?
    .execute(params![g, exclusive])?;

    conn.prepare_cached(
        "INSERT INTO ticket_close_settings (guild_id, request_timeout_hours, opener_can_close, support_warn_hours,
             support_close_hours, recruitment_warn_hours, recruitment_close_hours, reopen_window_hours, feedback)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (guild_id) DO UPDATE SET
             request_timeout_hours = excluded.request_timeout_hours, opener_can_close = excluded.opener_can_close,
             support_warn_hours = excluded.support_warn_hours, support_close_hours = excluded.support_close_hours,
             recruitment_warn_hours = excluded.recruitment_warn_hours,
             recruitment_close_hours = excluded.recruitment_close_hours,
             reopen_window_hours = excluded.reopen_window_hours, feedback = excluded.feedback",
    )?
    .execute(params![
        g,
        request_timeout_hours,
        opener_can_close,
        support_inactivity.map(|i| i.warn_after_hours),
        support_inactivity.map(|i| i.close_after_hours),
        recruitment_inactivity.map(|i| i.warn_after_hours),
        recruitment_inactivity.map(|i| i.close_after_hours),
        reopen_window_hours,
        feedback,
    ])?;
    crate::limits::save(conn, *guild, limits, blocklist, snippets)?;
    Ok(())
}
