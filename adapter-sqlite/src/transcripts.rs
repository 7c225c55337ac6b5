//! Ticket transcripts on the `transcripts` table (every line of every ticket, in order, kept after it closes), with
//! `transcript_attachments` and `transcript_edits` beside it; purged by a guild's retention.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use ticket_core::ports::{
    TranscriptAttachment, TranscriptAuthor, TranscriptChange, TranscriptChangeKind, TranscriptEdit, TranscriptEntry,
};
use ticket_core::relay::GameName;
use ticket_core::{GuildId, MessageId, TicketId};
use time::OffsetDateTime;

use crate::SqliteError;
use crate::codec::{id, opt_id, parse, parse_opt_time, parse_time, position, raw_id, required, time};

/// Appends a line. The caller has checked that its ticket exists.
pub(crate) fn append(conn: &Connection, entry: &TranscriptEntry) -> Result<(), SqliteError> {
    // Destructured in full: a field added to the domain type fails to compile here until it is stored.
    let TranscriptEntry { ticket, at, author, text, message, attachments, edits, deleted_at } = entry;
    let (kind, pid, name, staff) = match author {
        TranscriptAuthor::Player { name } => ("player", None, Some(name.as_str()), false),
        TranscriptAuthor::Member { pid, name, staff } => ("member", Some(pid.to_string()), Some(name.as_str()), *staff),
        TranscriptAuthor::System => ("system", None, None, false),
    };
    conn.prepare_cached(
        "INSERT INTO transcripts (ticket_id, at, author_kind, author_pid, author_name, author_staff, text, message_id,
             deleted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        id(ticket.get()),
        time(*at, "transcript time")?,
        kind,
        pid,
        name,
        staff,
        text,
        opt_id(message.map(MessageId::get)),
        deleted_at.map(|t| time(t, "transcript deletion time")).transpose()?,
    ])?;
    let line = conn.last_insert_rowid();
    let mut attach = conn.prepare_cached(
        "INSERT INTO transcript_attachments (transcript_id, position, name, url) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (n, TranscriptAttachment { name, url }) in attachments.iter().enumerate() {
        attach.execute(params![line, position(n), name, url])?;
    }
    for (n, edit) in edits.iter().enumerate() {
        add_edit(conn, line, n, edit)?;
    }
    Ok(())
}

fn add_edit(
    conn: &Connection,
    line: i64,
    n: usize,
    TranscriptEdit { at, text }: &TranscriptEdit,
) -> Result<(), SqliteError> {
    conn.prepare_cached("INSERT INTO transcript_edits (transcript_id, position, at, text) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![line, position(n), time(*at, "transcript edit time")?, text])?;
    Ok(())
}

/// Applies an edit or deletion to the newest line of its ticket that came from its message, if any.
pub(crate) fn change(conn: &Connection, change: &TranscriptChange) -> Result<(), SqliteError> {
    let TranscriptChange { ticket, message, at, kind } = change;
    let line: Option<(i64, String, i64)> = conn
        .prepare_cached(
            "SELECT t.id,
                    COALESCE((SELECT e.text FROM transcript_edits e WHERE e.transcript_id = t.id
                              ORDER BY e.position DESC LIMIT 1), t.text),
                    (SELECT count(*) FROM transcript_edits e WHERE e.transcript_id = t.id)
             FROM transcripts t WHERE t.ticket_id = ?1 AND t.message_id = ?2 ORDER BY t.id DESC LIMIT 1",
        )?
        .query_row(params![id(ticket.get()), id(message.get())], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((line, current, edits)) = line else { return Ok(()) };
    match kind {
        TranscriptChangeKind::Edited { text } if *text != current => {
            let n = usize::try_from(edits).map_err(|e| SqliteError::decode("transcript edit count", e))?;
            add_edit(conn, line, n, &TranscriptEdit { at: *at, text: text.clone() })?;
        }
        TranscriptChangeKind::Edited { .. } => {}
        TranscriptChangeKind::Deleted => {
            conn.prepare_cached("UPDATE transcripts SET deleted_at = COALESCE(deleted_at, ?2) WHERE id = ?1")?
                .execute(params![line, time(*at, "transcript deletion time")?])?;
        }
    }
    Ok(())
}

/// A ticket's transcript, in order.
pub(crate) fn of_ticket(conn: &Connection, ticket: TicketId) -> Result<Vec<TranscriptEntry>, SqliteError> {
    let t = id(ticket.get());
    let mut attachments: HashMap<i64, Vec<TranscriptAttachment>> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT a.transcript_id, a.name, a.url FROM transcript_attachments a
         JOIN transcripts t ON t.id = a.transcript_id WHERE t.ticket_id = ?1 ORDER BY a.transcript_id, a.position",
    )?;
    for row in stmt.query_map([t], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)))? {
        let (line, name, url) = row?;
        attachments.entry(line).or_default().push(TranscriptAttachment { name, url });
    }
    let mut edits: HashMap<i64, Vec<TranscriptEdit>> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT e.transcript_id, e.at, e.text FROM transcript_edits e
         JOIN transcripts t ON t.id = e.transcript_id WHERE t.ticket_id = ?1 ORDER BY e.transcript_id, e.position",
    )?;
    for row in stmt.query_map([t], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?)))? {
        let (line, at, text) = row?;
        edits.entry(line).or_default().push(TranscriptEdit { at: parse_time(&at, "transcript edit time")?, text });
    }
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, author_kind, author_pid, author_name, author_staff, text, message_id, deleted_at
         FROM transcripts WHERE ticket_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([t], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, bool>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, Option<i64>>(7)?,
            r.get::<_, Option<String>>(8)?,
        ))
    })?;
    rows.map(|row| {
        let (line, at, kind, pid, name, staff, text, message, deleted_at) = row?;
        let author = match kind.as_str() {
            "player" => TranscriptAuthor::Player {
                name: GameName::new(required(name, "transcript player")?)
                    .map_err(|e| SqliteError::decode("transcript player", e))?,
            },
            "member" => TranscriptAuthor::Member {
                pid: parse(&required(pid, "transcript member pid")?, "transcript member pid")?,
                name: required(name, "transcript member name")?,
                staff,
            },
            "system" => TranscriptAuthor::System,
            other => return Err(SqliteError::decode("transcript author", format!("unknown value {other:?}"))),
        };
        Ok(TranscriptEntry {
            ticket,
            at: parse_time(&at, "transcript time")?,
            author,
            text,
            message: message.map(|m| MessageId::new(raw_id(m))),
            attachments: attachments.remove(&line).unwrap_or_default(),
            edits: edits.remove(&line).unwrap_or_default(),
            deleted_at: parse_opt_time(deleted_at, "transcript deletion time")?,
        })
    })
    .collect()
}

/// Deletes the lines (with their attachments and edits) of a guild's tickets closed before `closed_before`;
/// returns how many lines went.
pub(crate) fn purge(conn: &Connection, guild: GuildId, closed_before: OffsetDateTime) -> Result<u64, SqliteError> {
    // Times are stored as RFC 3339 text, whose order is not the order of time across offsets and precisions: the
    // tickets are compared here, once parsed. Only closed tickets that still have lines are read.
    let mut stmt = conn.prepare_cached(
        "SELECT k.id, k.closed_at FROM tickets k
         WHERE k.guild_id = ?1 AND k.closed_at IS NOT NULL
           AND EXISTS (SELECT 1 FROM transcripts t WHERE t.ticket_id = k.id)",
    )?;
    let mut expired = Vec::new();
    for row in stmt.query_map([id(guild.get())], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
        let (ticket, closed_at) = row?;
        if parse_time(&closed_at, "ticket closing time")? < closed_before {
            expired.push(ticket);
        }
    }
    let mut purged = 0;
    for ticket in expired {
        for table in ["transcript_attachments", "transcript_edits"] {
            conn.prepare_cached(&format!(
                "DELETE FROM {table} WHERE transcript_id IN (SELECT id FROM transcripts WHERE ticket_id = ?1)"
            ))?
            .execute([ticket])?;
        }
        purged += conn.prepare_cached("DELETE FROM transcripts WHERE ticket_id = ?1")?.execute([ticket])? as u64;
    }
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use crate::test_support::{database, plan};

    #[test]
    fn a_transcript_is_read_by_its_index_in_order() {
        let steps = plan(&database(), "SELECT text FROM transcripts WHERE ticket_id = ?1 ORDER BY id");
        assert!(
            steps.contains("USING COVERING INDEX transcripts_by_ticket")
                || steps.contains("USING INDEX transcripts_by_ticket"),
            "{steps}"
        );
        assert!(!steps.contains("TEMP B-TREE"), "{steps}");
    }

    #[test]
    fn the_line_of_a_message_is_found_by_its_index() {
        let steps = plan(
            &database(),
            "SELECT id FROM transcripts WHERE ticket_id = ?1 AND message_id = ?2 ORDER BY id DESC LIMIT 1",
        );
        assert!(steps.contains("transcripts_by_message"), "{steps}");
    }

    #[test]
    fn closed_tickets_of_a_guild_are_found_by_their_index() {
        let steps =
            plan(&database(), "SELECT id, closed_at FROM tickets WHERE guild_id = ?1 AND closed_at IS NOT NULL");
        assert!(steps.contains("tickets_closed_by_guild"), "{steps}");
    }
}
