//! Ticket transcripts on the `transcripts` table (every line of every ticket, in order, kept after it closes), with
//! `transcript_attachments` and `transcript_edits` beside it; purged by a guild's retention.

use std::collections::HashMap;

use deadpool_postgres::GenericClient;
use ticket_core::ports::{
    TranscriptAttachment, TranscriptAuthor, TranscriptChange, TranscriptChangeKind, TranscriptEdit, TranscriptEntry,
};
use ticket_core::relay::GameName;
use ticket_core::{GuildId, MessageId, TicketId};
use time::OffsetDateTime;

use crate::PostgresError;
use crate::codec::{execute, get, id, one_row, opt_id, opt_row, parse, position, raw_id, required, rows};

/// A ticket's lines in order: served by `transcripts_by_ticket`.
pub(crate) const OF_TICKET: &str = "ticket_id = $1 ORDER BY id";

/// Appends a line. The caller has checked that its ticket exists.
pub(crate) async fn append<C: GenericClient>(c: &C, entry: &TranscriptEntry) -> Result<(), PostgresError> {
    // Destructured in full: a field added to the domain type fails to compile here until it is stored.
    let TranscriptEntry { ticket, at, author, text, message, attachments, edits, deleted_at } = entry;
    let (kind, pid, name, staff) = match author {
        TranscriptAuthor::Player { name } => ("player", None, Some(name.as_str()), false),
        TranscriptAuthor::Member { pid, name, staff } => ("member", Some(pid.to_string()), Some(name.as_str()), *staff),
        TranscriptAuthor::System => ("system", None, None, false),
    };
    let row = one_row(
        c,
        "INSERT INTO transcripts (ticket_id, at, author_kind, author_pid, author_name, author_staff, text, message_id,
             deleted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        &[&id(ticket.get()), at, &kind, &pid, &name, &staff, text, &opt_id(message.map(MessageId::get)), deleted_at],
    )
    .await?;
    let line: i64 = get(&row, 0)?;
    for (n, TranscriptAttachment { name, url }) in attachments.iter().enumerate() {
        execute(
            c,
            "INSERT INTO transcript_attachments (transcript_id, position, name, url) VALUES ($1, $2, $3, $4)",
            &[&line, &position(n), name, url],
        )
        .await?;
    }
    for (n, edit) in edits.iter().enumerate() {
        add_edit(c, line, n, edit).await?;
    }
    Ok(())
}

async fn add_edit<C: GenericClient>(
    c: &C,
    line: i64,
    n: usize,
    TranscriptEdit { at, text }: &TranscriptEdit,
) -> Result<(), PostgresError> {
    execute(
        c,
        "INSERT INTO transcript_edits (transcript_id, position, at, text) VALUES ($1, $2, $3, $4)",
        &[&line, &position(n), at, text],
    )
    .await?;
    Ok(())
}

/// Applies an edit or deletion to the newest line of its ticket that came from its message, if any.
pub(crate) async fn change<C: GenericClient>(c: &C, change: &TranscriptChange) -> Result<(), PostgresError> {
    let TranscriptChange { ticket, message, at, kind } = change;
    let line = opt_row(
        c,
        "SELECT t.id,
                COALESCE((SELECT e.text FROM transcript_edits e WHERE e.transcript_id = t.id
                          ORDER BY e.position DESC LIMIT 1), t.text),
                (SELECT count(*) FROM transcript_edits e WHERE e.transcript_id = t.id)
         FROM transcripts t WHERE t.ticket_id = $1 AND t.message_id = $2 ORDER BY t.id DESC LIMIT 1",
        &[&id(ticket.get()), &id(message.get())],
    )
    .await?;
    let Some(line) = line else { return Ok(()) };
    let (line, current, edits): (i64, String, i64) = (get(&line, 0)?, get(&line, 1)?, get(&line, 2)?);
    match kind {
        TranscriptChangeKind::Edited { text } if *text != current => {
            let n = usize::try_from(edits).map_err(|e| PostgresError::decode("transcript edit count", e))?;
            add_edit(c, line, n, &TranscriptEdit { at: *at, text: text.clone() }).await?;
        }
        TranscriptChangeKind::Edited { .. } => {}
        TranscriptChangeKind::Deleted => {
            execute(c, "UPDATE transcripts SET deleted_at = COALESCE(deleted_at, $2) WHERE id = $1", &[&line, at])
                .await?;
        }
    }
    Ok(())
}

/// A ticket's transcript, in order. Call inside a transaction so that its three tables are read at one point.
pub(crate) async fn of_ticket<C: GenericClient>(
    c: &C,
    ticket: TicketId,
) -> Result<Vec<TranscriptEntry>, PostgresError> {
    let t = id(ticket.get());
    let mut attachments: HashMap<i64, Vec<TranscriptAttachment>> = HashMap::new();
    let found = rows(
        c,
        "SELECT a.transcript_id, a.name, a.url FROM transcript_attachments a
         JOIN transcripts t ON t.id = a.transcript_id WHERE t.ticket_id = $1 ORDER BY a.transcript_id, a.position",
        &[&t],
    )
    .await?;
    for r in &found {
        attachments.entry(get(r, 0)?).or_default().push(TranscriptAttachment { name: get(r, 1)?, url: get(r, 2)? });
    }
    let mut edits: HashMap<i64, Vec<TranscriptEdit>> = HashMap::new();
    let found = rows(
        c,
        "SELECT e.transcript_id, e.at, e.text FROM transcript_edits e
         JOIN transcripts t ON t.id = e.transcript_id WHERE t.ticket_id = $1 ORDER BY e.transcript_id, e.position",
        &[&t],
    )
    .await?;
    for r in &found {
        edits.entry(get(r, 0)?).or_default().push(TranscriptEdit { at: get(r, 1)?, text: get(r, 2)? });
    }
    let sql = format!(
        "SELECT id, at, author_kind, author_pid, author_name, author_staff, text, message_id, deleted_at
         FROM transcripts WHERE {OF_TICKET}"
    );
    let found = rows(c, &sql, &[&t]).await?;
    found
        .iter()
        .map(|r| {
            let line: i64 = get(r, 0)?;
            let name: Option<String> = get(r, 4)?;
            let author = match get::<&str>(r, 2)? {
                "player" => TranscriptAuthor::Player {
                    name: GameName::new(required(name, "transcript player")?)
                        .map_err(|e| PostgresError::decode("transcript player", e))?,
                },
                "member" => TranscriptAuthor::Member {
                    pid: parse(
                        &required(get::<Option<String>>(r, 3)?, "transcript member pid")?,
                        "transcript member pid",
                    )?,
                    name: required(name, "transcript member name")?,
                    staff: get(r, 5)?,
                },
                "system" => TranscriptAuthor::System,
                other => return Err(PostgresError::decode("transcript author", format!("unknown value {other:?}"))),
            };
            Ok(TranscriptEntry {
                ticket,
                at: get(r, 1)?,
                author,
                text: get(r, 6)?,
                message: get::<Option<i64>>(r, 7)?.map(|m| MessageId::new(raw_id(m))),
                attachments: attachments.remove(&line).unwrap_or_default(),
                edits: edits.remove(&line).unwrap_or_default(),
                deleted_at: get(r, 8)?,
            })
        })
        .collect()
}

/// Deletes the lines (with their attachments and edits, by `ON DELETE CASCADE`) of a guild's tickets closed before
/// `closed_before`; returns how many lines went. The tickets are found by `tickets_closed_by_guild`, their lines by
/// `transcripts_by_ticket`.
pub(crate) async fn purge<C: GenericClient>(
    c: &C,
    guild: GuildId,
    closed_before: OffsetDateTime,
) -> Result<u64, PostgresError> {
    execute(
        c,
        "DELETE FROM transcripts WHERE ticket_id IN
             (SELECT id FROM tickets WHERE guild_id = $1 AND closed_at IS NOT NULL AND closed_at < $2)",
        &[&id(guild.get()), &closed_before],
    )
    .await
}
