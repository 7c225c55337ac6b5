//! Ticket transcripts on the `transcripts` table: every line of every ticket, in order, kept after it closes.

use rusqlite::{Connection, params};
use ticket_core::TicketId;
use ticket_core::ports::{TranscriptAuthor, TranscriptEntry};
use ticket_core::relay::GameName;

use crate::SqliteError;
use crate::codec::{id, parse, parse_time, required, time};

/// Appends a line. The caller has checked that its ticket exists.
pub(crate) fn append(conn: &Connection, entry: &TranscriptEntry) -> Result<(), SqliteError> {
    // Destructured in full: a field added to the domain type fails to compile here until it is stored.
    let TranscriptEntry { ticket, at, author, text } = entry;
    let (kind, pid, name) = match author {
        TranscriptAuthor::Player { name } => ("player", None, Some(name.as_str())),
        TranscriptAuthor::Member { pid, name } => ("member", Some(pid.to_string()), Some(name.as_str())),
        TranscriptAuthor::System => ("system", None, None),
    };
    conn.prepare_cached(
        "INSERT INTO transcripts (ticket_id, at, author_kind, author_pid, author_name, text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![id(ticket.get()), time(*at, "transcript time")?, kind, pid, name, text])?;
    Ok(())
}

/// A ticket's transcript, in order.
pub(crate) fn of_ticket(conn: &Connection, ticket: TicketId) -> Result<Vec<TranscriptEntry>, SqliteError> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, author_kind, author_pid, author_name, text FROM transcripts WHERE ticket_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id(ticket.get())], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    rows.map(|row| {
        let (at, kind, pid, name, text) = row?;
        let author = match kind.as_str() {
            "player" => TranscriptAuthor::Player {
                name: GameName::new(required(name, "transcript player")?)
                    .map_err(|e| SqliteError::decode("transcript player", e))?,
            },
            "member" => TranscriptAuthor::Member {
                pid: parse(&required(pid, "transcript member pid")?, "transcript member pid")?,
                name: required(name, "transcript member name")?,
            },
            "system" => TranscriptAuthor::System,
            other => return Err(SqliteError::decode("transcript author", format!("unknown value {other:?}"))),
        };
        Ok(TranscriptEntry { ticket, at: parse_time(&at, "transcript time")?, author, text })
    })
    .collect()
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
}
