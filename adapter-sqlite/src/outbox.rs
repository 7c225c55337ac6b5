//! The effect outbox on the `outbox` table: effects as JSON, with their chain as columns so that one chain's
//! pending effects are found by index, in id order.

use rusqlite::{Connection, Row, params};
use ticket_core::ports::{ExportedEffect, Retry};
use ticket_core::{ChainKey, Effect, EffectId, GuildId, PendingEffect, TicketId};

use crate::SqliteError;
use crate::codec::{from_json, id, parse_opt_time, raw_id, stored_count, time};

const COLUMNS: &str = "id, chain_kind, chain_id, effect, attempts, not_before";

const PENDING_OF_CHAIN: &str = "dead = 0 AND chain_kind = ?1 AND chain_id = ?2";

/// An `outbox` row as stored: id, chain kind, chain id, effect JSON, attempts, not before.
type OutboxRow = (i64, String, i64, String, i64, Option<String>);

fn chain_columns(chain: ChainKey) -> (&'static str, i64) {
    match chain {
        ChainKey::Ticket(t) => ("ticket", id(t.get())),
        ChainKey::Guild(g) => ("guild", id(g.get())),
    }
}

fn read(r: &Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

fn decode(row: OutboxRow) -> Result<PendingEffect, SqliteError> {
    let (effect_id, kind, chain_id, effect, attempts, not_before) = row;
    let chain = match kind.as_str() {
        "ticket" => ChainKey::Ticket(TicketId::new(raw_id(chain_id))),
        "guild" => ChainKey::Guild(GuildId::new(raw_id(chain_id))),
        other => return Err(SqliteError::decode("effect chain", format!("unknown value {other:?}"))),
    };
    Ok(PendingEffect {
        id: EffectId::new(raw_id(effect_id)),
        chain,
        effect: from_json(&effect, "effect")?,
        attempts: stored_count(attempts, "effect attempts")?,
        not_before: parse_opt_time(not_before, "effect not before")?,
    })
}

fn list(conn: &Connection, filter: &str, params: impl rusqlite::Params) -> Result<Vec<PendingEffect>, SqliteError> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE {filter} ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params, read)?;
    rows.map(|row| row.map_err(SqliteError::from).and_then(decode)).collect()
}

/// Effects not yet done (of one chain, or all), in id order.
pub(crate) fn pending(conn: &Connection, chain: Option<ChainKey>) -> Result<Vec<PendingEffect>, SqliteError> {
    match chain {
        Some(chain) => {
            let (kind, chain_id) = chain_columns(chain);
            list(conn, PENDING_OF_CHAIN, params![kind, chain_id])
        }
        None => list(conn, "dead = 0", []),
    }
}

/// Effects given up on, in id order.
pub(crate) fn dead(conn: &Connection) -> Result<Vec<PendingEffect>, SqliteError> {
    list(conn, "dead = 1", [])
}

/// Effects, pending and dead, with ids after `after`, in id order, at most `limit` (for an export).
pub(crate) fn after(
    conn: &Connection,
    after: Option<EffectId>,
    limit: usize,
) -> Result<Vec<ExportedEffect>, SqliteError> {
    let sql = format!("SELECT {COLUMNS}, dead FROM outbox WHERE id > ?1 ORDER BY id LIMIT ?2");
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![id(after.map_or(0, EffectId::get)), limit], |r| Ok((read(r)?, r.get(6)?)))?;
    rows.map(|row| {
        let (row, dead) = row?;
        Ok(ExportedEffect { pending: decode(row)?, dead })
    })
    .collect()
}

/// An effect as stored: its kind (the serde tag, for inspection) and its JSON.
fn encode(effect: &Effect) -> Result<(String, String), SqliteError> {
    // Externally tagged: `{"create_ticket_channel": {…}}` or `"…"` for a unit variant; the tag names the kind.
    let value = serde_json::to_value(effect).map_err(|e| SqliteError::encode("effect", e))?;
    let effect_kind = match &value {
        serde_json::Value::Object(map) => map.keys().next().cloned().unwrap_or_default(),
        serde_json::Value::String(name) => name.clone(),
        _ => String::new(),
    };
    Ok((effect_kind, value.to_string()))
}

/// Adds an effect; returns its id.
pub(crate) fn enqueue(conn: &Connection, chain: ChainKey, effect: &Effect) -> Result<EffectId, SqliteError> {
    let (kind, chain_id) = chain_columns(chain);
    let (effect_kind, json) = encode(effect)?;
    let effect_id: i64 = conn
        .prepare_cached(
            "INSERT INTO outbox (chain_kind, chain_id, effect_kind, effect) VALUES (?1, ?2, ?3, ?4) RETURNING id",
        )?
        .query_row(params![kind, chain_id, effect_kind, json], |r| r.get(0))?;
    Ok(EffectId::new(raw_id(effect_id)))
}

/// Replaces what a pending effect does, keeping its id, chain, attempts and retry time; whether it was pending
/// (`false`: unknown, done or dead, and nothing changed).
pub(crate) fn amend(conn: &Connection, effect: EffectId, with: &Effect) -> Result<bool, SqliteError> {
    let (effect_kind, json) = encode(with)?;
    let changed = conn
        .prepare_cached("UPDATE outbox SET effect_kind = ?2, effect = ?3 WHERE id = ?1 AND dead = 0")?
        .execute(params![id(effect.get()), effect_kind, json])?;
    Ok(changed == 1)
}

/// Removes a done effect (an unknown or dead one is left alone).
pub(crate) fn done(conn: &Connection, effect: EffectId) -> Result<(), SqliteError> {
    conn.prepare_cached("DELETE FROM outbox WHERE id = ?1 AND dead = 0")?.execute([id(effect.get())])?;
    Ok(())
}

/// Records a failure and when to try again.
pub(crate) fn retry(conn: &Connection, retry: &Retry) -> Result<(), SqliteError> {
    let Retry { id: effect, attempts, not_before } = retry;
    conn.prepare_cached("UPDATE outbox SET attempts = ?2, not_before = ?3 WHERE id = ?1 AND dead = 0")?
        .execute(params![id(effect.get()), i64::from(*attempts), time(*not_before, "effect not before")?])?;
    Ok(())
}

/// Gives up on an effect: it stays, marked dead, and never runs again.
pub(crate) fn bury(conn: &Connection, effect: EffectId) -> Result<(), SqliteError> {
    conn.prepare_cached("UPDATE outbox SET dead = 1 WHERE id = ?1 AND dead = 0")?.execute([id(effect.get())])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{database, plan};
    use ticket_core::topic::Topic;

    #[test]
    fn a_chain_is_found_by_its_index_in_id_order() {
        let steps = plan(&database(), &format!("SELECT {COLUMNS} FROM outbox WHERE {PENDING_OF_CHAIN} ORDER BY id"));
        assert!(steps.contains("USING INDEX outbox_pending_by_chain") && !steps.contains("TEMP B-TREE"), "{steps}");
    }

    #[test]
    fn effects_are_stored_with_their_kind() {
        let conn = database();
        let chain = ChainKey::Guild(GuildId::new(3));
        let id = enqueue(&conn, chain, &Effect::DeleteTicketChannel { ticket: TicketId::new(9) }).unwrap();
        let kind: String =
            conn.query_row("SELECT effect_kind FROM outbox WHERE id = ?1", [id.get() as i64], |r| r.get(0)).unwrap();
        assert_eq!(kind, "delete_ticket_channel");
        assert_eq!(pending(&conn, Some(chain)).unwrap()[0].id, id);
        assert!(
            amend(&conn, id, &Effect::SetTopic { ticket: TicketId::new(9), topic: Topic::ticket(TicketId::new(9)) })
                .unwrap()
        );
        let kind: String =
            conn.query_row("SELECT effect_kind FROM outbox WHERE id = ?1", [id.get() as i64], |r| r.get(0)).unwrap();
        assert_eq!(kind, "set_topic", "an amended effect is stored with its new kind");
        bury(&conn, id).unwrap();
        assert!(!amend(&conn, id, &Effect::DeleteTicketChannel { ticket: TicketId::new(9) }).unwrap(), "dead");
        assert!(pending(&conn, None).unwrap().is_empty());
        assert_eq!(dead(&conn).unwrap().len(), 1);
    }
}
