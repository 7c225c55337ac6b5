//! The receipts rule of the conformance suite: a game record's receipt is kept with the commit that handled it,
//! and only with it; per game server; the newest [`RECEIPTS_KEPT`] of them.

use crate::id::{GameServerId, TicketId};
use crate::ports::{Commit, StoreError, TicketStore, TranscriptAuthor, TranscriptEntry};
use crate::receipt::{GameReceipt, RECEIPTS_KEPT};

use super::{T0, commit, sample_support, tickets};

fn receipt(server: &str, run: &str, reference: &str) -> GameReceipt {
    let server = GameServerId::new(server).unwrap_or_else(|_| unreachable!("a valid id"));
    GameReceipt::new(server, run, reference).unwrap_or_else(|_| unreachable!("a valid receipt"))
}

async fn has(store: &impl TicketStore, r: &GameReceipt) -> bool {
    store.has_receipt(r).await.expect("receipts are read")
}

/// A receipt is there once its commit is, for its server and run only; a commit that fails keeps none; saving one
/// twice is no conflict; the oldest go beyond [`RECEIPTS_KEPT`] per server.
pub async fn game_receipts_are_kept_with_their_commit(store: &impl TicketStore) {
    let first = receipt("xilero", "run1", "t1");
    assert!(!has(store, &first).await, "nothing handled yet");
    let line = TranscriptEntry::line(TicketId::new(1), T0, TranscriptAuthor::System, "relayed");
    let mut with_line = tickets(vec![sample_support(1, 1, 42)]);
    with_line.transcript.push(line.clone());
    with_line.receipts.push(first.clone());
    commit(store, with_line).await;
    assert!(has(store, &first).await, "kept with its commit");
    assert!(!has(store, &receipt("xilero", "run2", "t1")).await, "another run of the game server");
    assert!(!has(store, &receipt("other", "run1", "t1")).await, "another game server");

    // A failed commit keeps no receipt.
    let failed = receipt("xilero", "run1", "t2");
    let stale = Commit { tickets: vec![sample_support(1, 1, 42)], receipts: vec![failed.clone()], ..Commit::default() };
    assert!(matches!(store.commit(stale).await, Err(StoreError::Conflict)), "a stale ticket conflicts");
    assert!(!has(store, &failed).await, "all or nothing: no receipt without its commit");

    // The same receipt again is no conflict (a record handled twice by a racing process is still handled once).
    commit(store, Commit { receipts: vec![first.clone()], ..Commit::default() }).await;

    // The newest are kept.
    let many: Vec<GameReceipt> = (0..RECEIPTS_KEPT + 10).map(|n| receipt("busy", "r", &format!("t{n}"))).collect();
    for chunk in many.chunks(2_000) {
        commit(store, Commit { receipts: chunk.to_vec(), ..Commit::default() }).await;
    }
    assert!(has(store, &many[many.len() - 1]).await, "the newest is kept");
    assert!(has(store, &many[10]).await, "as are the newest {RECEIPTS_KEPT}");
    assert!(!has(store, &many[0]).await, "the oldest went");
    assert!(has(store, &first).await, "other servers keep theirs");
}
