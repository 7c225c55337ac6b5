//! Which bridge address the simulated map server tries, and when: the rule of `contrib/rathena`'s
//! `ragnasync_bridges.cpp`.
//!
//! Several bridge processes may run on one database; only the active one listens, and the others refuse
//! connections until they take over. So the addresses are tried in turn: a failed attempt, a refused or closed
//! connection or a lost link moves on to the next address at once, and the back-off only applies once a whole
//! round of them has failed. With several addresses that back-off stays short
//! ([`SimConfig::round_backoff_max`]), so that a newly active bridge is found within seconds; with one address it
//! is the usual back-off.

use std::time::Duration;

use super::SimConfig;

pub(super) struct Rotation {
    count: usize,
    current: usize,
    /// Attempts failed in a row in this round.
    failures: usize,
    /// The wait after the next failed round.
    backoff: Duration,
    initial: Duration,
    max: Duration,
}

impl Rotation {
    pub(super) fn new(config: &SimConfig) -> Self {
        let count = config.bridge_count();
        let max = if count > 1 { config.backoff_max.min(config.round_backoff_max) } else { config.backoff_max };
        Self { count, current: 0, failures: 0, backoff: config.backoff_initial, initial: config.backoff_initial, max }
    }

    /// The index of the address to try now (0 is [`SimConfig::host`]).
    pub(super) fn current(&self) -> usize {
        self.current
    }

    /// Linked, or told to connect now: the next round starts from the current address with the shortest back-off.
    pub(super) fn fresh_round(&mut self) {
        self.failures = 0;
        self.backoff = self.initial;
    }

    /// The attempt on the current address failed, or its link was lost: moves on to the next address. Returns how
    /// long to wait before trying it: nothing while the round is not over, else the back-off, which then doubles.
    pub(super) fn failed(&mut self) -> Duration {
        self.current = (self.current + 1) % self.count;
        self.failures += 1;
        if self.failures < self.count {
            return Duration::ZERO;
        }
        self.failures = 0;
        let wait = self.backoff.min(self.max);
        self.backoff = self.backoff.saturating_mul(2).min(self.max);
        wait
    }
}

#[cfg(test)]
mod tests {
    use ticket_core::GameServerId;

    use super::*;
    use crate::secret::Secret;

    const MS: Duration = Duration::from_millis(1);

    fn rotation(more: usize) -> Rotation {
        let id = GameServerId::new("xilero").unwrap();
        let mut config = SimConfig::new("a", 6150, id, Secret::new("0123456789abcdef"));
        config.more_bridges = (0..more).map(|i| (format!("b{i}"), 6150)).collect();
        Rotation::new(&config)
    }

    /// (address tried next, wait before it) after each of `n` failures.
    fn failures(rotation: &mut Rotation, n: usize) -> Vec<(usize, Duration)> {
        (0..n)
            .map(|_| {
                let wait = rotation.failed();
                (rotation.current(), wait)
            })
            .collect()
    }

    #[test]
    fn one_address_backs_off_as_always() {
        let mut one = rotation(0);
        let tried = failures(&mut one, 8);
        assert!(tried.iter().all(|(at, _)| *at == 0));
        let waits: Vec<Duration> = tried.iter().map(|(_, wait)| *wait).collect();
        let expected = [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000].map(|ms| ms * MS);
        assert_eq!(waits, expected);
        one.fresh_round();
        assert_eq!(one.failed(), 500 * MS);
    }

    #[test]
    fn several_addresses_are_tried_in_turn_and_back_off_only_after_a_round() {
        let mut three = rotation(2);
        let zero = Duration::ZERO;
        assert_eq!(
            failures(&mut three, 9),
            [
                (1, zero),
                (2, zero),
                (0, 500 * MS),
                (1, zero),
                (2, zero),
                (0, 1_000 * MS),
                (1, zero),
                (2, zero),
                (0, 2_000 * MS)
            ]
        );
        assert_eq!(failures(&mut three, 3)[2], (0, 2_000 * MS), "capped at round_backoff_max");
    }

    #[test]
    fn a_lost_link_moves_on_and_the_round_starts_there() {
        let mut two = rotation(1);
        assert_eq!(two.failed(), Duration::ZERO);
        two.fresh_round(); // linked to the second address
        assert_eq!(two.current(), 1);
        assert_eq!(failures(&mut two, 2), [(0, Duration::ZERO), (1, 500 * MS)], "the first at once, then the back-off");
    }
}
