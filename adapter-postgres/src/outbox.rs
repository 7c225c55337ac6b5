//! The effect outbox on the `outbox` table: effects as `jsonb`, with their chain as columns so that one chain's
//! pending effects are found by index, in id order.

use deadpool_postgres::GenericClient;
use ticket_core::ports::{ExportedEffect, Retry};
use ticket_core::{ChainKey, Effect, EffectId, GuildId, PendingEffect, TicketId};
use tokio_postgres::Row;

use crate::PostgresError;
use crate::codec::{Params, execute, from_json, get, id, one_row, raw_id, rows, stored_count};

const COLUMNS: &str = "id, chain_kind, chain_id, effect, attempts, not_before";

/// One chain's pending effects: served by `outbox_pending_by_chain`.
pub(crate) const PENDING_OF_CHAIN: &str = "NOT dead AND chain_kind = $1 AND chain_id = $2";

fn chain_columns(chain: ChainKey) -> (&'static str, i64) {
    match chain {
        ChainKey::Ticket(t) => ("ticket", id(t.get())),
        ChainKey::Guild(g) => ("guild", id(g.get())),
    }
}

fn decode(r: &Row) -> Result<PendingEffect, PostgresError> {
    let chain_id: i64 = get(r, 2)?;
    let chain = match get::<&str>(r, 1)? {
        "ticket" => ChainKey::Ticket(TicketId::new(raw_id(chain_id))),
        "guild" => ChainKey::Guild(GuildId::new(raw_id(chain_id))),
        other => return Err(PostgresError::decode("effect chain", format!("unknown value {other:?}"))),
    };
    Ok(PendingEffect {
        id: EffectId::new(raw_id(get(r, 0)?)),
        chain,
        effect: from_json(get(r, 3)?, "effect")?,
        attempts: stored_count(get(r, 4)?, "effect attempts")?,
        not_before: get(r, 5)?,
    })
}

async fn list<C: GenericClient>(c: &C, filter: &str, params: &Params<'_>) -> Result<Vec<PendingEffect>, PostgresError> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE {filter} ORDER BY id");
    rows(c, &sql, params).await?.iter().map(decode).collect()
}

/// Effects not yet done (of one chain, or all), in id order.
pub(crate) async fn pending<C: GenericClient>(
    c: &C,
    chain: Option<ChainKey>,
) -> Result<Vec<PendingEffect>, PostgresError> {
    match chain {
        Some(chain) => {
            let (kind, chain_id) = chain_columns(chain);
            list(c, PENDING_OF_CHAIN, &[&kind, &chain_id]).await
        }
        None => list(c, "NOT dead", &[]).await,
    }
}

/// Effects, pending and dead, with ids after `after`, in id order, at most `limit` (for an export).
pub(crate) async fn after<C: GenericClient>(
    c: &C,
    after: Option<EffectId>,
    limit: usize,
) -> Result<Vec<ExportedEffect>, PostgresError> {
    let sql = format!("SELECT {COLUMNS}, dead FROM outbox WHERE id > $1 ORDER BY id LIMIT $2");
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let found = rows(c, &sql, &[&id(after.map_or(0, EffectId::get)), &limit]).await?;
    found.iter().map(|r| Ok(ExportedEffect { pending: decode(r)?, dead: get(r, 6)? })).collect()
}

/// Effects given up on, in id order.
pub(crate) async fn dead<C: GenericClient>(c: &C) -> Result<Vec<PendingEffect>, PostgresError> {
    list(c, "dead", &[]).await
}

/// An effect as stored: its kind (the serde tag, for inspection) and its JSON.
fn encode(effect: &Effect) -> Result<(String, serde_json::Value), PostgresError> {
    // Externally tagged: `{"create_ticket_channel": {…}}` or `"…"` for a unit variant; the tag names the kind.
    let value = serde_json::to_value(effect).map_err(|e| PostgresError::encode("effect", e))?;
    let effect_kind = match &value {
        serde_json::Value::Object(map) => map.keys().next().cloned().unwrap_or_default(),
        serde_json::Value::String(name) => name.clone(),
        _ => String::new(),
    };
    Ok((effect_kind, value))
}

/// Adds an effect; returns its id (from the table's sequence: never handed out twice).
pub(crate) async fn enqueue<C: GenericClient>(
    c: &C,
    chain: ChainKey,
    effect: &Effect,
) -> Result<EffectId, PostgresError> {
    let (kind, chain_id) = chain_columns(chain);
    let (effect_kind, json) = encode(effect)?;
    let row = one_row(
        c,
        "INSERT INTO outbox (chain_kind, chain_id, effect_kind, effect) VALUES ($1, $2, $3, $4) RETURNING id",
        &[&kind, &chain_id, &effect_kind, &json],
    )
    .await?;
    Ok(EffectId::new(raw_id(get(&row, 0)?)))
}

/// Replaces what a pending effect does, keeping its id, chain, attempts and retry time; whether it was pending
/// (`false`: unknown, done or dead, and nothing changed).
pub(crate) async fn amend<C: GenericClient>(c: &C, effect: EffectId, with: &Effect) -> Result<bool, PostgresError> {
    let (effect_kind, json) = encode(with)?;
    let changed = execute(
        c,
        "UPDATE outbox SET effect_kind = $2, effect = $3 WHERE id = $1 AND NOT dead",
        &[&id(effect.get()), &effect_kind, &json],
    )
    .await?;
    Ok(changed == 1)
}

/// Removes a done effect (an unknown or dead one is left alone).
pub(crate) async fn done<C: GenericClient>(c: &C, effect: EffectId) -> Result<(), PostgresError> {
    execute(c, "DELETE FROM outbox WHERE id = $1 AND NOT dead", &[&id(effect.get())]).await?;
    Ok(())
}

/// Records a failure and when to try again.
pub(crate) async fn retry<C: GenericClient>(c: &C, retry: &Retry) -> Result<(), PostgresError> {
    let Retry { id: effect, attempts, not_before } = retry;
    execute(
        c,
        "UPDATE outbox SET attempts = $2, not_before = $3 WHERE id = $1 AND NOT dead",
        &[&id(effect.get()), &i64::from(*attempts), not_before],
    )
    .await?;
    Ok(())
}

/// Gives up on an effect: it stays, marked dead, and never runs again.
pub(crate) async fn bury<C: GenericClient>(c: &C, effect: EffectId) -> Result<(), PostgresError> {
    execute(c, "UPDATE outbox SET dead = true WHERE id = $1 AND NOT dead", &[&id(effect.get())]).await?;
    Ok(())
}
