//! A guild's settings on their normalized tables: `guild_settings` (the root, with the version),
//! `ticket_panel_config`, `ticket_notify_roles`, `ticket_recruitment_options`, `recruit_panel_settings`,
//! `recruit_settings`, `recruit_qna_questions`, `capability_roles`, `org_roles`, `discord_guild_channels`,
//! `ticket_transcript_settings`, `ticket_claim_settings` and `ticket_close_settings`.

use deadpool_postgres::GenericClient;
use ticket_core::permissions::Capability;
use ticket_core::qna::QnaQuestion;
use ticket_core::recruitment::RequestedRole;
use ticket_core::settings::{
    CapabilityRoles, ClaimSettings, CloseSettings, GuildSettings, InGameSettings, Inactivity, OrgRoles, PanelTargets,
    PingRoles, PostedPanels, RecruitmentOption, RsiOrg, TicketType, TranscriptSettings,
};
use ticket_core::{ChannelId, GuildId, RoleId};

use crate::PostgresError;
use crate::codec::{
    count, execute, from_name, get, id, name, opt_id, opt_row, position, posted, raw_id, rows, stored_count,
    stored_opt_count,
};

fn channel(raw: Option<i64>) -> Option<ChannelId> {
    raw.map(|c| ChannelId::new(raw_id(c)))
}

fn role(raw: Option<i64>) -> Option<RoleId> {
    raw.map(|r| RoleId::new(raw_id(r)))
}

/// The stored version of a guild's settings, if it saved any.
pub(crate) async fn version<C: GenericClient>(c: &C, guild: GuildId) -> Result<Option<u64>, PostgresError> {
    let row = opt_row(c, "SELECT version FROM guild_settings WHERE guild_id = $1", &[&id(guild.get())]).await?;
    row.map(|r| stored_count(get(&r, 0)?, "settings version")).transpose()
}

/// Every guild that saved settings, in id order (for an export).
pub(crate) async fn guilds<C: GenericClient>(c: &C) -> Result<Vec<GuildId>, PostgresError> {
    let found = rows(c, "SELECT guild_id FROM guild_settings ORDER BY guild_id", &[]).await?;
    found.iter().map(|r| Ok(GuildId::new(raw_id(get(r, 0)?)))).collect()
}

/// A guild's settings; the defaults (version 0) if it never saved any. Call inside a transaction so that the
/// tables are read at one point in time.
pub(crate) async fn load<C: GenericClient>(c: &C, guild: GuildId) -> Result<GuildSettings, PostgresError> {
    let Some(version) = version(c, guild).await? else { return Ok(GuildSettings::new(guild)) };
    let g = id(guild.get());
    let mut settings = GuildSettings::new(guild);
    settings.version = version;
    settings.qna.clear();

    let panel = opt_row(
        c,
        "SELECT support_panel_channel, recruitment_panel_channel, support_category, recruitment_category,
                log_channel, support_panel_posted_channel, support_panel_posted_message,
                recruitment_panel_posted_channel, recruitment_panel_posted_message, dm_on_close, nick_sync
         FROM ticket_panel_config WHERE guild_id = $1",
        &[&g],
    )
    .await?;
    if let Some(r) = panel {
        settings.targets = PanelTargets {
            support_panel: channel(get(&r, 0)?),
            recruitment_panel: channel(get(&r, 1)?),
            support_category: channel(get(&r, 2)?),
            recruitment_category: channel(get(&r, 3)?),
            log_channel: channel(get(&r, 4)?),
        };
        settings.panels =
            PostedPanels { support: posted(get(&r, 5)?, get(&r, 6)?), recruitment: posted(get(&r, 7)?, get(&r, 8)?) };
        settings.dm_on_close = get(&r, 9)?;
        settings.nick_sync = get(&r, 10)?;
    }

    for r in rows(c, "SELECT ticket_type, role_id FROM ticket_notify_roles WHERE guild_id = $1", &[&g]).await? {
        let role_id = Some(RoleId::new(raw_id(get(&r, 1)?)));
        match from_name::<TicketType>(get(&r, 0)?, "ping role ticket type")? {
            TicketType::Support => settings.ping_roles.support = role_id,
            TicketType::Recruitment => settings.ping_roles.recruitment = role_id,
            TicketType::InGame => return Err(PostgresError::decode("ping role ticket type", "in_game")),
        }
    }

    let options =
        rows(c, "SELECT name, ping_role FROM ticket_recruitment_options WHERE guild_id = $1 ORDER BY position", &[&g])
            .await?;
    for r in options {
        settings.recruitment_options.push(RecruitmentOption { name: get(&r, 0)?, ping_role: role(get(&r, 1)?) });
    }

    if let Some(r) =
        opt_row(c, "SELECT org_url, org_image FROM recruit_panel_settings WHERE guild_id = $1", &[&g]).await?
    {
        settings.rsi_org = RsiOrg { url: get(&r, 0)?, image: get(&r, 1)? };
    }

    let recruit =
        opt_row(c, "SELECT record_channel, applicant_access FROM recruit_settings WHERE guild_id = $1", &[&g]).await?;
    if let Some(r) = recruit {
        settings.record_channel = channel(get(&r, 0)?);
        settings.applicant_access = from_name(get(&r, 1)?, "applicant access")?;
    }

    let questions =
        rows(c, "SELECT label, kind, required FROM recruit_qna_questions WHERE guild_id = $1 ORDER BY position", &[&g])
            .await?;
    for r in questions {
        settings.qna.push(QnaQuestion {
            label: get(&r, 0)?,
            kind: from_name(get(&r, 1)?, "question kind")?,
            required: get(&r, 2)?,
        });
    }

    let capability = rows(
        c,
        "SELECT capability, role_id FROM capability_roles WHERE guild_id = $1 ORDER BY capability, position",
        &[&g],
    )
    .await?;
    for r in capability {
        let cap: Capability = from_name(get(&r, 0)?, "capability")?;
        settings.capability_roles.get_mut(cap).push(RoleId::new(raw_id(get(&r, 1)?)));
    }

    for r in rows(c, "SELECT requested_role, role_id FROM org_roles WHERE guild_id = $1", &[&g]).await? {
        let role_id = Some(RoleId::new(raw_id(get(&r, 1)?)));
        match from_name::<RequestedRole>(get(&r, 0)?, "org role")? {
            RequestedRole::Member => settings.org_roles.member = role_id,
            RequestedRole::Affiliate => settings.org_roles.affiliate = role_id,
        }
    }

    let in_game = opt_row(
        c,
        "SELECT ticket_enabled, ticket_close_on_logout, ticket_category, staff_role
         FROM discord_guild_channels WHERE guild_id = $1",
        &[&g],
    )
    .await?;
    if let Some(r) = in_game {
        settings.in_game = InGameSettings {
            enabled: get(&r, 0)?,
            close_on_logout: get(&r, 1)?,
            category: channel(get(&r, 2)?),
            staff_role: role(get(&r, 3)?),
        };
    }

    if let Some(r) =
        opt_row(c, "SELECT retention_days FROM ticket_transcript_settings WHERE guild_id = $1", &[&g]).await?
    {
        settings.transcripts =
            TranscriptSettings { retention_days: stored_opt_count(get(&r, 0)?, "transcript retention")? };
    }

    if let Some(r) = opt_row(c, "SELECT exclusive FROM ticket_claim_settings WHERE guild_id = $1", &[&g]).await? {
        settings.claims = ClaimSettings { exclusive: get(&r, 0)? };
    }

    let closing = opt_row(
        c,
        "SELECT request_timeout_hours, opener_can_close, support_warn_hours, support_close_hours,
                recruitment_warn_hours, recruitment_close_hours, reopen_window_hours, feedback
         FROM ticket_close_settings WHERE guild_id = $1",
        &[&g],
    )
    .await?;
    if let Some(r) = closing {
        let hours = |idx: usize| -> Result<Option<u32>, PostgresError> { stored_opt_count(get(&r, idx)?, "hours") };
        let inactivity = |warn: Option<u32>, close: Option<u32>| {
            warn.zip(close)
                .map(|(warn_after_hours, close_after_hours)| Inactivity { warn_after_hours, close_after_hours })
        };
        settings.closing = CloseSettings {
            request_timeout_hours: stored_count(get(&r, 0)?, "close request timeout")?,
            opener_can_close: get(&r, 1)?,
            support_inactivity: inactivity(hours(2)?, hours(3)?),
            recruitment_inactivity: inactivity(hours(4)?, hours(5)?),
            reopen_window_hours: hours(6)?,
            feedback: get(&r, 7)?,
        };
    }
    crate::limits::load(c, &mut settings).await?;
    Ok(settings)
}

/// Writes a guild's settings over the stored ones, at `version + 1`. The caller has checked the version.
pub(crate) async fn save<C: GenericClient>(c: &C, settings: &GuildSettings) -> Result<(), PostgresError> {
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
    let wide = |v: Option<u32>| v.map(i64::from);

    execute(
        c,
        "INSERT INTO guild_settings (guild_id, version) VALUES ($1, $2)
         ON CONFLICT (guild_id) DO UPDATE SET version = excluded.version",
        &[&g, &count(version.saturating_add(1), "settings version")?],
    )
    .await?;

    execute(
        c,
        "INSERT INTO ticket_panel_config (guild_id, support_panel_channel, recruitment_panel_channel, support_category,
             recruitment_category, log_channel, support_panel_posted_channel, support_panel_posted_message,
             recruitment_panel_posted_channel, recruitment_panel_posted_message, dm_on_close, nick_sync)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
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
        &[
            &g,
            &ch(support_panel),
            &ch(recruitment_panel),
            &ch(support_category),
            &ch(recruitment_category),
            &ch(log_channel),
            &opt_id(support_posted.map(|p| p.channel.get())),
            &opt_id(support_posted.map(|p| p.message.get())),
            &opt_id(recruitment_posted.map(|p| p.channel.get())),
            &opt_id(recruitment_posted.map(|p| p.message.get())),
            dm_on_close,
            nick_sync,
        ],
    )
    .await?;

    execute(c, "DELETE FROM ticket_notify_roles WHERE guild_id = $1", &[&g]).await?;
    for (kind, ping) in [(TicketType::Support, support_ping), (TicketType::Recruitment, recruitment_ping)] {
        if let Some(r) = ping {
            execute(
                c,
                "INSERT INTO ticket_notify_roles (guild_id, ticket_type, role_id) VALUES ($1, $2, $3)",
                &[&g, &name(&kind, "ticket type")?, &id(r.get())],
            )
            .await?;
        }
    }

    execute(c, "DELETE FROM ticket_recruitment_options WHERE guild_id = $1", &[&g]).await?;
    for (n, RecruitmentOption { name: option_name, ping_role }) in recruitment_options.iter().enumerate() {
        execute(
            c,
            "INSERT INTO ticket_recruitment_options (guild_id, position, name, ping_role) VALUES ($1, $2, $3, $4)",
            &[&g, &position(n), option_name, &rl(ping_role)],
        )
        .await?;
    }

    execute(
        c,
        "INSERT INTO recruit_panel_settings (guild_id, org_url, org_image) VALUES ($1, $2, $3)
         ON CONFLICT (guild_id) DO UPDATE SET org_url = excluded.org_url, org_image = excluded.org_image",
        &[&g, url, image],
    )
    .await?;

    execute(
        c,
        "INSERT INTO recruit_settings (guild_id, record_channel, applicant_access) VALUES ($1, $2, $3)
         ON CONFLICT (guild_id) DO UPDATE SET
             record_channel = excluded.record_channel, applicant_access = excluded.applicant_access",
        &[&g, &ch(record_channel), &name(applicant_access, "applicant access")?],
    )
    .await?;

    execute(c, "DELETE FROM recruit_qna_questions WHERE guild_id = $1", &[&g]).await?;
    for (n, QnaQuestion { label, kind, required }) in qna.iter().enumerate() {
        execute(
            c,
            "INSERT INTO recruit_qna_questions (guild_id, position, label, kind, required) VALUES ($1, $2, $3, $4, $5)",
            &[&g, &position(n), label, &name(kind, "question kind")?, required],
        )
        .await?;
    }

    execute(c, "DELETE FROM capability_roles WHERE guild_id = $1", &[&g]).await?;
    for (cap, roles) in [(Capability::Support, support_roles), (Capability::Recruitment, recruitment_roles)] {
        for (n, r) in roles.iter().enumerate() {
            execute(
                c,
                "INSERT INTO capability_roles (guild_id, capability, position, role_id) VALUES ($1, $2, $3, $4)",
                &[&g, &name(&cap, "capability")?, &position(n), &id(r.get())],
            )
            .await?;
        }
    }

    execute(c, "DELETE FROM org_roles WHERE guild_id = $1", &[&g]).await?;
    for (requested, granted) in [(RequestedRole::Member, member), (RequestedRole::Affiliate, affiliate)] {
        if let Some(r) = granted {
            execute(
                c,
                "INSERT INTO org_roles (guild_id, requested_role, role_id) VALUES ($1, $2, $3)",
                &[&g, &name(&requested, "requested role")?, &id(r.get())],
            )
            .await?;
        }
    }

    execute(
        c,
        "INSERT INTO discord_guild_channels (guild_id, ticket_enabled, ticket_close_on_logout, ticket_category, staff_role)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (guild_id) DO UPDATE SET
             ticket_enabled = excluded.ticket_enabled,
             ticket_close_on_logout = excluded.ticket_close_on_logout,
             ticket_category = excluded.ticket_category,
             staff_role = excluded.staff_role",
        &[&g, enabled, close_on_logout, &ch(category), &rl(staff_role)],
    )
    .await?;

    execute(
        c,
        "INSERT INTO ticket_transcript_settings (guild_id, retention_days) VALUES ($1, $2)
         ON CONFLICT (guild_id) DO UPDATE SET retention_days = excluded.retention_days",
        &[&g, &wide(*retention_days)],
    )
    .await?;

    execute(
        c,
        "INSERT INTO ticket_claim_settings (guild_id, exclusive) VALUES ($1, $2)
         ON CONFLICT (guild_id) DO UPDATE SET exclusive = excluded.exclusive",
        &[&g, exclusive],
    )
    .await?;

    execute(
        c,
        "INSERT INTO ticket_close_settings (guild_id, request_timeout_hours, opener_can_close, support_warn_hours,
             support_close_hours, recruitment_warn_hours, recruitment_close_hours, reopen_window_hours, feedback)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (guild_id) DO UPDATE SET
             request_timeout_hours = excluded.request_timeout_hours, opener_can_close = excluded.opener_can_close,
             support_warn_hours = excluded.support_warn_hours, support_close_hours = excluded.support_close_hours,
             recruitment_warn_hours = excluded.recruitment_warn_hours,
             recruitment_close_hours = excluded.recruitment_close_hours,
             reopen_window_hours = excluded.reopen_window_hours, feedback = excluded.feedback",
        &[
            &g,
            &i64::from(*request_timeout_hours),
            opener_can_close,
            &wide(support_inactivity.map(|i| i.warn_after_hours)),
            &wide(support_inactivity.map(|i| i.close_after_hours)),
            &wide(recruitment_inactivity.map(|i| i.warn_after_hours)),
            &wide(recruitment_inactivity.map(|i| i.close_after_hours)),
            &wide(*reopen_window_hours),
            feedback,
        ],
    )
    .await?;
    crate::limits::save(c, *guild, limits, blocklist, snippets).await?;
    Ok(())
}
