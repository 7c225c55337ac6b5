//! Recruitment applications on `recruit_applications`, with their Q&A answers
//! (`recruit_application_answers`) and status history (`recruit_application_history`).

use rusqlite::{Connection, OptionalExtension, Row, params};
use ticket_core::qna::QnaAnswer;
use ticket_core::recruitment::{Application, StatusChange, Step1};
use ticket_core::settings::PostedMessage;
use ticket_core::{ApplicationId, GuildId, Pid, TicketId};

use crate::SqliteError;
use crate::codec::{
    count, from_name, id, name, opt_id, parse, parse_time, position, posted, raw_id, stored_count, stored_version, time,
};

const COLUMNS: &str = "id, guild_id, ticket_id, applicant_pid, contact, applicant_name, status, requested_role, area, \
                       rsi_handle, time_zone, tz_info, notes, decline_reason, record_channel, record_message, \
                       qna_prompt_channel, qna_prompt_message, created_at, updated_at, version";

const OF_APPLICANT: &str = "guild_id = ?1 AND applicant_pid = ?2 ORDER BY id";

/// A `recruit_applications` row as stored.
struct ApplicationRow {
    id: i64,
    guild: i64,
    ticket: i64,
    applicant: String,
    contact: String,
    applicant_name: String,
    status: String,
    requested: String,
    area: String,
    rsi_handle: String,
    time_zone: String,
    tz_info: Option<String>,
    notes: String,
    decline_reason: Option<String>,
    record: Option<PostedMessage>,
    qna_prompt: Option<PostedMessage>,
    created_at: String,
    updated_at: String,
    version: i64,
}

impl ApplicationRow {
    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            guild: r.get(1)?,
            ticket: r.get(2)?,
            applicant: r.get(3)?,
            contact: r.get(4)?,
            applicant_name: r.get(5)?,
            status: r.get(6)?,
            requested: r.get(7)?,
            area: r.get(8)?,
            rsi_handle: r.get(9)?,
            time_zone: r.get(10)?,
            tz_info: r.get(11)?,
            notes: r.get(12)?,
            decline_reason: r.get(13)?,
            record: posted(r.get(14)?, r.get(15)?),
            qna_prompt: posted(r.get(16)?, r.get(17)?),
            created_at: r.get(18)?,
            updated_at: r.get(19)?,
            version: r.get(20)?,
        })
    }

    /// The application, with its answers and history read from their tables.
    fn into_application(self, conn: &Connection) -> Result<Application, SqliteError> {
        Ok(Application {
            id: ApplicationId::new(raw_id(self.id)),
            guild: GuildId::new(raw_id(self.guild)),
            ticket: TicketId::new(raw_id(self.ticket)),
            applicant: parse(&self.applicant, "applicant pid")?,
            contact: parse(&self.contact, "applicant contact")?,
            applicant_name: self.applicant_name,
            status: from_name(&self.status, "application status")?,
            form: Step1 {
                requested: from_name(&self.requested, "requested role")?,
                area: self.area,
                time_zone: self.time_zone,
                rsi_handle: self.rsi_handle,
                notes: self.notes,
            },
            tz_info: self.tz_info,
            qna: answers(conn, self.id, false)?,
            qna_draft: answers(conn, self.id, true)?,
            decline_reason: self.decline_reason,
            record: self.record,
            qna_prompt: self.qna_prompt,
            history: history(conn, self.id)?,
            created_at: parse_time(&self.created_at, "created at")?,
            updated_at: parse_time(&self.updated_at, "updated at")?,
            version: stored_count(self.version, "application version")?,
        })
    }
}

fn answers(conn: &Connection, app: i64, draft: bool) -> Result<Vec<QnaAnswer>, SqliteError> {
    let mut stmt = conn.prepare_cached(
        "SELECT question, kind, answer, uk_time FROM recruit_application_answers
         WHERE application_id = ?1 AND draft = ?2 ORDER BY position",
    )?;
    let rows = stmt.query_map(params![app, draft], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?))
    })?;
    rows.map(|row| {
        let (question, kind, answer, uk_time) = row?;
        Ok(QnaAnswer { question, kind: from_name(&kind, "answer kind")?, answer, uk_time })
    })
    .collect()
}

fn history(conn: &Connection, app: i64) -> Result<Vec<StatusChange>, SqliteError> {
    let mut stmt = conn.prepare_cached(
        "SELECT status, by_pid, at FROM recruit_application_history WHERE application_id = ?1 ORDER BY position",
    )?;
    let rows =
        stmt.query_map([app], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    rows.map(|row| {
        let (status, by, at) = row?;
        Ok(StatusChange {
            status: from_name(&status, "history status")?,
            by: parse(&by, "history pid")?,
            at: parse_time(&at, "history time")?,
        })
    })
    .collect()
}

/// An application. Call inside a transaction so that its tables are read at one point in time.
pub(crate) fn get(conn: &Connection, app: ApplicationId) -> Result<Option<Application>, SqliteError> {
    let sql = format!("SELECT {COLUMNS} FROM recruit_applications WHERE id = ?1");
    let row = conn.prepare_cached(&sql)?.query_row([id(app.get())], ApplicationRow::read).optional()?;
    row.map(|r| r.into_application(conn)).transpose()
}

/// A member's applications in a guild, oldest first. Call inside a transaction.
pub(crate) fn of_applicant(conn: &Connection, guild: GuildId, applicant: Pid) -> Result<Vec<Application>, SqliteError> {
    let sql = format!("SELECT {COLUMNS} FROM recruit_applications WHERE {OF_APPLICANT}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows: Vec<ApplicationRow> = stmt
        .query_map(params![id(guild.get()), applicant.to_string()], ApplicationRow::read)?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(|r| r.into_application(conn)).collect()
}

/// Applications with ids after `after`, in id order, at most `limit` (for an export). Call inside a transaction.
pub(crate) fn after(
    conn: &Connection,
    after: Option<ApplicationId>,
    limit: usize,
) -> Result<Vec<Application>, SqliteError> {
    let sql = format!("SELECT {COLUMNS} FROM recruit_applications WHERE id > ?1 ORDER BY id LIMIT ?2");
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows: Vec<ApplicationRow> = stmt
        .query_map(params![id(after.map_or(0, ApplicationId::get)), limit], ApplicationRow::read)?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(|r| r.into_application(conn)).collect()
}

/// The stored version of an application, if it exists.
pub(crate) fn version(conn: &Connection, app: ApplicationId) -> Result<Option<u64>, SqliteError> {
    stored_version(conn, "SELECT version FROM recruit_applications WHERE id = ?1", id(app.get()), "application version")
}

/// Writes an application at `version + 1`, replacing its answers and history. The caller has checked the version
/// and that its ticket exists.
pub(crate) fn save(conn: &Connection, app: &Application) -> Result<(), SqliteError> {
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
    conn.prepare_cached(
        "INSERT INTO recruit_applications (id, guild_id, ticket_id, applicant_pid, contact, applicant_name, status,
             requested_role, area, rsi_handle, time_zone, tz_info, notes, decline_reason, record_channel,
             record_message, qna_prompt_channel, qna_prompt_message, created_at, updated_at, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)
         ON CONFLICT (id) DO UPDATE SET
             guild_id = excluded.guild_id, ticket_id = excluded.ticket_id, applicant_pid = excluded.applicant_pid,
             contact = excluded.contact, applicant_name = excluded.applicant_name, status = excluded.status,
             requested_role = excluded.requested_role, area = excluded.area, rsi_handle = excluded.rsi_handle,
             time_zone = excluded.time_zone, tz_info = excluded.tz_info, notes = excluded.notes,
             decline_reason = excluded.decline_reason, record_channel = excluded.record_channel,
             record_message = excluded.record_message, qna_prompt_channel = excluded.qna_prompt_channel,
             qna_prompt_message = excluded.qna_prompt_message, created_at = excluded.created_at,
             updated_at = excluded.updated_at, version = excluded.version",
    )?
    .execute(params![
        a,
        id(guild.get()),
        id(ticket.get()),
        applicant.to_string(),
        contact.to_string(),
        applicant_name,
        name(status, "application status")?,
        name(requested, "requested role")?,
        area,
        rsi_handle,
        time_zone,
        tz_info,
        notes,
        decline_reason,
        opt_id(record.map(|p| p.channel.get())),
        opt_id(record.map(|p| p.message.get())),
        opt_id(qna_prompt.map(|p| p.channel.get())),
        opt_id(qna_prompt.map(|p| p.message.get())),
        time(*created_at, "created at")?,
        time(*updated_at, "updated at")?,
        count(version.saturating_add(1), "application version")?,
    ])?;

    conn.prepare_cached("DELETE FROM recruit_application_answers WHERE application_id = ?1")?.execute([a])?;
    let mut answer = conn.prepare_cached(
        "INSERT INTO recruit_application_answers (application_id, draft, position, question, kind, answer, uk_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (draft, list) in [(false, qna), (true, qna_draft)] {
        for (n, QnaAnswer { question, kind, answer: text, uk_time }) in list.iter().enumerate() {
            answer.execute(params![a, draft, position(n), question, name(kind, "answer kind")?, text, uk_time])?;
        }
    }

    conn.prepare_cached("DELETE FROM recruit_application_history WHERE application_id = ?1")?.execute([a])?;
    let mut change = conn.prepare_cached(
        "INSERT INTO recruit_application_history (application_id, position, status, by_pid, at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (n, StatusChange { status, by, at }) in history.iter().enumerate() {
        change.execute(params![
            a,
            position(n),
            name(status, "history status")?,
            by.to_string(),
            time(*at, "history time")?
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{database, plan};

    #[test]
    fn an_applicants_applications_are_found_by_index_in_order() {
        let steps = plan(&database(), &format!("SELECT {COLUMNS} FROM recruit_applications WHERE {OF_APPLICANT}"));
        assert!(steps.contains("USING INDEX recruit_applications_by_applicant"), "{steps}");
        assert!(!steps.contains("TEMP B-TREE"), "{steps}");
    }
}
