//! [`GameReceipt`]: a game record the bridge has handled, remembered with what it changed, so that a record the
//! game sends again (after the link broke before the bridge could acknowledge it, or after the active bridge
//! process died) is recognised and not handled twice.

use serde::{Deserialize, Serialize};

use crate::id::GameServerId;

/// How many receipts a store keeps per game server: the newest ones. A game resends only the records of its last
/// moments on one link, far fewer.
pub const RECEIPTS_KEPT: usize = 10_000;

/// The longest `run` or `ref` a receipt holds, in bytes.
pub const RECEIPT_PART_MAX: usize = 64;

/// A handled game record: the game server, the run of the game server it came from (a new id each time the map
/// server starts, so that its record numbers may start again) and the record's own `ref` in that run.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GameReceipt {
    /// The game server.
    pub server: GameServerId,
    /// The game server's run.
    pub run: String,
    /// The record's `ref`.
    pub reference: String,
}

/// Why a receipt cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a receipt's run and ref are 1 to {RECEIPT_PART_MAX} bytes of printable ASCII without spaces")]
pub struct InvalidReceipt;

impl GameReceipt {
    /// A receipt, checked: `run` and `reference` are 1 to [`RECEIPT_PART_MAX`] bytes of printable ASCII without
    /// spaces.
    pub fn new(server: GameServerId, run: &str, reference: &str) -> Result<Self, InvalidReceipt> {
        let ok = |part: &str| {
            !part.is_empty() && part.len() <= RECEIPT_PART_MAX && part.bytes().all(|b| b.is_ascii_graphic())
        };
        if ok(run) && ok(reference) {
            Ok(Self { server, run: run.to_owned(), reference: reference.to_owned() })
        } else {
            Err(InvalidReceipt)
        }
    }

    /// The receipt's key within its server: `run/ref`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.run, self.reference)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_are_short_printable_and_keyed_by_run_and_ref() {
        let server = GameServerId::new("xilero").unwrap_or_else(|_| unreachable!("a valid id"));
        let receipt = GameReceipt::new(server.clone(), "r4f2", "t17");
        assert_eq!(receipt.map(|r| r.key()), Ok("r4f2/t17".to_owned()));
        for (run, reference) in [("", "t1"), ("r", ""), ("r 1", "t1"), ("r", "t\n"), ("r", &"x".repeat(65))] {
            assert_eq!(GameReceipt::new(server.clone(), run, reference), Err(InvalidReceipt), "{run:?} {reference:?}");
        }
    }
}
