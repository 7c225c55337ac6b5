//! Recruitment applications on `recruit_applications`, with their Q&A answers
//! (`recruit_application_answers`) and status history (`recruit_application_history`).

use deadpool_postgres::GenericClient;
use ticket_core::qna::QnaAnswer;
use ticket_core::recruitment::{Application, StatusChange, Step1};
use ticket_core::{ApplicationId, GuildId, Pid, TicketId};
use tokio_postgres::Row;

use crate::PostgresError;
use crate::codec::{
    count, execute, from_name, get, id, name, opt_id, opt_row, parse, position, posted, raw_id, rows, stored_count,
};

const COLUMNS: &str = "id, guild_id, ticket_id, applicant_pid, contact, applicant_name, status, requested_role, area, \
                       rsi_handle, time_zone, tz_info, notes, decline_reason, record_channel, record_message, \
                       qna_prompt_channel, qna_prompt_message, created_at, updated_at, version";

/// A member's applications, oldest first: served by `recruit_applications_by_applicant`.
pub(crate) const OF_APPLICANT: &str = "guild_id = $1 AND applicant_pid = $2 ORDER BY id";

/// The application of a row selected by [`COLUMNS`], with its answers and history read from their tables.
async fn decode<C: GenericClient>(c: &C, r: &Row) -> Result<Application, PostgresError> {
    let app: i64 = get(r, 0)?;
    Ok(Application {
        id: ApplicationId::new(raw_id(app)),
        guild: GuildId::new(raw_id(get(r, 1)?)),
        ticket: TicketId::new(raw_id(get(r, 2)?)),
        applicant: parse(get(r, 3)?, "applicant pid")?,
        contact: parse(get(r, 4)?, "applicant contact")?,
        applicant_name: get(r, 5)?,
        status: from_name(get(r, 6)?, "application status")?,
        form: Step1 {
            requested: from_name(get(r, 7)?, "requested role")?,
            area: get(r, 8)?,
            rsi_handle: get(r, 9)?,
            time_zone: get(r, 10)?,
            notes: get(r, 12)?,
        },
        tz_info: get(r, 11)?,
        qna: answers(c, app, false).await?,
        qna_draft: answers(c, app, true).await?,
        decline_reason: get(r, 13)?,
        record: posted(get(r, 14)?, get(r, 15)?),
        qna_prompt: posted(get(r, 16)?, get(r, 17)?),
        history: history(c, app).await?,
        created_at: get(r, 18)?,
        updated_at: get(r, 19)?,
        version: stored_count(get(r, 20)?, "application version")?,
    })
}

async fn answers<C: GenericClient>(c: &C, app: i64, draft: bool) -> Result<Vec<QnaAnswer>, PostgresError> {
    let found = rows(
        c,
        "SELECT question, kind, answer, uk_time FROM recruit_application_answers
         WHERE application_id = $1 AND draft = $2 ORDER BY position",
        &[&app, &draft],
    )
    .await?;
    found
        .iter()
        .map(|r| {
            Ok(QnaAnswer {
                question: get(r, 0)?,
                kind: from_name(get(r, 1)?, "answer kind")?,
                answer: get(r, 2)?,
                uk_time: get(r, 3)?,
            })
        })
        .collect()
}

async fn history<C: GenericClient>(c: &C, app: i64) -> Result<Vec<StatusChange>, PostgresError> {
    let found = rows(
        c,
        "SELECT status, by_pid, at FROM recruit_application_history WHERE application_id = $1 ORDER BY position",
        &[&app],
    )
    .await?;
    found
        .iter()
        .map(|r| {
            Ok(StatusChange {
                status: from_name(get(r, 0)?, "history status")?,
                by: parse(get(r, 1)?, "history pid")?,
                at: get(r, 2)?,
            })
        })
        .collect()
}

/// An application. Call inside a transaction so that its tables are read at one point in time.
pub(crate) async fn get_application<C: GenericClient>(
    c: &C,
    app: ApplicationId,
) -> Result<Option<Application>, PostgresError> {
    let sql = format!("SELECT {COLUMNS} FROM recruit_applications WHERE id = $1");
    match opt_row(c, &sql, &[&id(app.get())]).await? {
        Some(r) => Ok(Some(decode(c, &r).await?)),
        None => Ok(None),
    }
}

/// A member's applications in a guild, oldest first. Call inside a transaction.
pub(crate) async fn of_applicant<C: GenericClient>(
    c: &C,
    guild: GuildId,
    applicant: Pid,
) -> Result<Vec<Application>, PostgresError> {
    let sql = format!("SELECT {COLUMNS} FROM recruit_applications WHERE {OF_APPLICANT}");
    let found = rows(c, &sql, &[&id(guild.get()), &applicant.to_string()]).await?;
    let mut apps = Vec::with_capacity(found.len());
    for r in &found {
        apps.push(decode(c, r).await?);
    }
    Ok(apps)
}

/// Applications with ids after `after`, in id order, at most `limit` (for an export). Call inside a transaction.
pub(crate) async fn after<C: GenericClient>(
    c: &C,
    after: Option<ApplicationId>,
    limit: usize,
) -> Result<Vec<Application>, PostgresError> {
    let sql = format!("SELECT {COLUMNS} FROM recruit_applications WHERE id > $1 ORDER BY id LIMIT $2");
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let found = rows(c, &sql, &[&id(after.map_or(0, ApplicationId::get)), &limit]).await?;
    let mut apps = Vec::with_capacity(found.len());
    for r in &found {
        apps.push(decode(c, r).await?);
    }
    Ok(apps)
}

/// The stored version of an application, if it exists.
pub(crate) async fn version<C: GenericClient>(c: &C, app: ApplicationId) -> Result<Option<u64>, PostgresError> {
    let row = opt_row(c, "SELECT version FROM recruit_applications WHERE id = $1", &[&id(app.get())]).await?;
    row.map(|r| stored_count(get(&r, 0)?, "application version")).transpose()
}

/// Writes an application at `version + 1`, replacing its answers and history. The caller has checked the version
/// and that its ticket exists.
pub(crate) async fn save<C: GenericClient>(c: &C, app: &Application) -> Result<(), PostgresError> {
    // Destructured in full: a field added to the domain type fails to compile here until it is stored.
    let Application {
        id: app_id,
        guild,
        ticket,
        applicant,
        contact,
        applicant_name,
        status,
        form,
        tz_info,
        qna,
        qna_draft,
        decline_reason,
        record,
        qna_prompt,
        history,
        created_at,
        updated_at,
        version,
    } = app;
    let Step1 { requested, area, time_zone, rsi_handle, notes } = form;
    let a = id(app_id.get());
    execute(
        c,
        "INSERT INTO recruit_applications (id, guild_id, ticket_id, applicant_pid, contact, applicant_name, status,
             requested_role, area, rsi_handle, time_zone, tz_info, notes, decline_reason, record_channel,
             record_message, qna_prompt_channel, qna_prompt_message, created_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
         ON CONFLICT (id) DO UPDATE SET
             guild_id = excluded.guild_id, ticket_id = excluded.ticket_id, applicant_pid = excluded.applicant_pid,
             contact = excluded.contact, applicant_name = excluded.applicant_name, status = excluded.status,
             requested_role = excluded.requested_role, area = excluded.area, rsi_handle = excluded.rsi_handle,
             time_zone = excluded.time_zone, tz_info = excluded.tz_info, notes = excluded.notes,
             decline_reason = excluded.decline_reason, record_channel = excluded.record_channel,
             record_message = excluded.record_message, qna_prompt_channel = excluded.qna_prompt_channel,
             qna_prompt_message = excluded.qna_prompt_message, created_at = excluded.created_at,
             updated_at = excluded.updated_at, version = excluded.version",
        &[
            &a,
            &id(guild.get()),
            &id(ticket.get()),
            &applicant.to_string(),
            &contact.to_string(),
            applicant_name,
            &name(status, "application status")?,
            &name(requested, "requested role")?,
            area,
            rsi_handle,
            time_zone,
            tz_info,
            notes,
            decline_reason,
            &opt_id(record.map(|p| p.channel.get())),
            &opt_id(record.map(|p| p.message.get())),
            &opt_id(qna_prompt.map(|p| p.channel.get())),
            &opt_id(qna_prompt.map(|p| p.message.get())),
            created_at,
            updated_at,
            &count(version.saturating_add(1), "application version")?,
        ],
    )
    .await?;

    execute(c, "DELETE FROM recruit_application_answers WHERE application_id = $1", &[&a]).await?;
    for (draft, list) in [(false, qna), (true, qna_draft)] {
        for (n, QnaAnswer { question, kind, answer, uk_time }) in list.iter().enumerate() {
            execute(
                c,
                "INSERT INTO recruit_application_answers (application_id, draft, position, question, kind, answer,
                     uk_time)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[&a, &draft, &position(n), question, &name(kind, "answer kind")?, answer, uk_time],
            )
            .await?;
        }
    }

    execute(c, "DELETE FROM recruit_application_history WHERE application_id = $1", &[&a]).await?;
    for (n, StatusChange { status, by, at }) in history.iter().enumerate() {
        execute(
            c,
            "INSERT INTO recruit_application_history (application_id, position, status, by_pid, at)
             VALUES ($1, $2, $3, $4, $5)",
            &[&a, &position(n), &name(status, "history status")?, &by.to_string(), at],
        )
        .await?;
    }
    Ok(())
}
