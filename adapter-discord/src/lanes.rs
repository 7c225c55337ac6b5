//! One call at a time per serenity rate-limit bucket.
//!
//! serenity's rate limiter keeps, per bucket (a route and its channel or guild), the calls left and the reset, as
//! Discord's `X-RateLimit-*` headers last said, and waits before a call when none are left. But calls that wait on a
//! bucket together all go at once when its window resets (serenity counts down only while it knows what is left),
//! and meet Discord's limit together: a burst of `429`s, each retried after its `Retry-After`, and counted by
//! Discord against the bot's invalid requests. So calls that share a bucket the bot may hit from several tickets at
//! once (posts to the staff log or a records channel, DMs, a guild's members) go here one after the other: each finds
//! the bucket as the previous answer left it, and serenity waits for the reset before it when the bucket is used up.
//! A call Discord never answers holds its lane until the request timeout.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OwnedMutexGuard;

/// A serenity bucket: the route (serenity's `Route` variant) and its major parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Bucket {
    /// `/guilds/{id}/channels` (creating a guild's channels: the whole creation, listing included, is one turn).
    GuildChannels(u64),
    /// `/channels/{id}/messages` (posting and listing).
    ChannelMessages(u64),
    /// `/channels/{id}/messages/{message}` (editing, deleting).
    ChannelMessage(u64),
    /// `/users/@me/channels` (opening a DM), one bucket for every user.
    DmChannels,
    /// `/guilds/{id}/members/{user}`.
    GuildMember(u64),
    /// `/guilds/{id}/members/{user}/roles/{role}`.
    GuildMemberRole(u64),
}

/// Lanes at which idle ones are forgotten (so the map does not keep every channel ever posted to).
const PRUNE_AT: usize = 1024;

/// The lanes, one per bucket in use. Cheap to clone; clones share the lanes.
#[derive(Clone, Default)]
pub(crate) struct Lanes {
    lanes: Arc<Mutex<HashMap<Bucket, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Lanes {
    /// Waits for `bucket`'s turn; the call goes while the returned guard lives.
    pub async fn turn(&self, bucket: Bucket) -> OwnedMutexGuard<()> {
        let lane = {
            // Only map operations under the lock: a poisoned lock still guards a consistent map.
            let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
            if lanes.len() >= PRUNE_AT {
                // A lane nobody holds or waits for has no clone out.
                lanes.retain(|_, lane| Arc::strong_count(lane) > 1);
            }
            Arc::clone(lanes.entry(bucket).or_default())
        };
        lane.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_call_at_a_time_per_bucket_and_idle_lanes_are_forgotten() {
        let lanes = Lanes::default();
        let first = lanes.turn(Bucket::ChannelMessages(1)).await;
        let other = lanes.turn(Bucket::ChannelMessages(2)).await;
        let waiting =
            tokio::time::timeout(std::time::Duration::from_millis(50), lanes.turn(Bucket::ChannelMessages(1)));
        assert!(waiting.await.is_err(), "the same bucket waits");
        drop(first);
        drop(lanes.turn(Bucket::ChannelMessages(1)).await);
        drop(other);
        for channel in 0..PRUNE_AT as u64 {
            drop(lanes.turn(Bucket::ChannelMessage(channel)).await);
        }
        let _held = lanes.turn(Bucket::DmChannels).await;
        let kept = lanes.lanes.lock().unwrap_or_else(PoisonError::into_inner).len();
        assert!(kept < PRUNE_AT / 2, "idle lanes were forgotten: {kept} kept");
    }
}
