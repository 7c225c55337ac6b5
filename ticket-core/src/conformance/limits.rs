//! The rules of issue 16 in the conformance suite: limits, the blocklist and snippets load back as saved; each
//! slot of a member's support tickets is its own open key; a person's last opening of a kind is found.

use crate::id::{ChannelId, GuildId, RoleId, TicketId, UserId};
use crate::limits::{Block, BlockTarget, OpenLimit};
use crate::ports::{Commit, TicketStore};
use crate::settings::TicketType;
use crate::snippet::Snippet;
use crate::ticket::{CloseReason, TicketDetail};

use super::{T0, commit, load, must_conflict, sample_in_game, sample_key, sample_recruitment, sample_support, tickets};

/// Limits, blocks of every kind (with and without an end, a reason, a contact) and snippets load back as saved,
/// in order; saving fewer removes the others.
pub async fn limits_blocklist_and_snippets_round_trip(store: &impl TicketStore) {
    let key = sample_key();
    let guild = GuildId::new(91);
    let mut s = store.settings(guild).await.expect("settings load");
    s.limits.support = OpenLimit { max_open: 3, cooldown_minutes: 30 };
    s.limits.in_game.cooldown_minutes = 5;
    let block = |target, contact, until, reason: Option<&str>| Block {
        target,
        contact,
        label: "Sam".into(),
        reason: reason.map(str::to_owned),
        until,
        by: key.user(UserId::new(1)),
        at: T0,
    };
    s.blocklist = vec![
        block(BlockTarget::User(key.user(UserId::new(5))), Some(key.seal(UserId::new(5))), None, Some("spam")),
        block(BlockTarget::Role(RoleId::new(6)), None, Some(T0 + time::Duration::hours(2)), None),
        block(BlockTarget::Player(key.account(crate::AccountId::new(7))), None, None, Some("abuse")),
    ];
    s.snippets = vec![
        Snippet { name: "hello".into(), text: "Hi! How can we help?".into() },
        Snippet { name: "refund".into(), text: "x".repeat(Snippet::TEXT_MAX) },
    ];
    commit(store, Commit { settings: Some(s.clone()), ..Commit::default() }).await;
    let loaded = store.settings(guild).await.expect("settings load");
    s.version = 1;
    assert_eq!(loaded, s, "limits, blocklist and snippets load back as saved");
    let mut fewer = loaded;
    fewer.blocklist.remove(0);
    fewer.snippets.pop();
    commit(store, Commit { settings: Some(fewer.clone()), ..Commit::default() }).await;
    fewer.version = 2;
    assert_eq!(store.settings(guild).await.expect("load"), fewer, "removed entries are gone");
}

/// A member's support tickets in different slots are open side by side; two in one slot conflict; a closed
/// ticket's slot is free again; the slot loads back.
pub async fn support_slots_are_open_keys_of_their_own(store: &impl TicketStore) {
    let in_slot = |id: u64, slot: u8| {
        let mut t = sample_support(id, 1, 60);
        if let TicketDetail::Support(s) = &mut t.detail {
            s.slot = slot;
        }
        t.channel = Some(ChannelId::new(2000 + id));
        t
    };
    commit(store, tickets(vec![in_slot(1, 0), in_slot(2, 1)])).await;
    let mut expected = in_slot(2, 1);
    expected.version = 1;
    assert_eq!(load(store, 2).await, expected, "the slot loads back");
    must_conflict(store, tickets(vec![in_slot(3, 1)]), "a second ticket in a held slot").await;
    let mut first = load(store, 1).await;
    first.close(CloseReason::ClosedByOpener, None, T0).expect("closes");
    commit(store, tickets(vec![first, in_slot(4, 0)])).await;
    let key = in_slot(4, 0).open_key().unwrap_or_default();
    let holder = store.open_ticket_by_key(&key).await.expect("load");
    assert_eq!(holder.map(|t| t.id), Some(TicketId::new(4)), "slot 0 was freed and taken again");
}

/// A person's last opening of a kind is the `opened_at` of their newest ticket of that kind in that guild, open
/// or closed; other kinds, guilds and people do not count.
pub async fn the_last_opening_is_found_per_person_and_kind(store: &impl TicketStore) {
    let key = sample_key();
    let member = key.user(UserId::new(70));
    let guild = GuildId::new(1);
    let last = |kind, person| async move { store.last_opened(guild, kind, person).await.expect("read") };
    assert_eq!(last(TicketType::Support, member).await, None, "never opened one");
    let mut old = sample_support(1, 1, 70);
    old.close(CloseReason::ClosedByOpener, None, T0).expect("closes");
    let mut newer = sample_support(2, 1, 70);
    newer.opened_at = T0 + time::Duration::minutes(10);
    newer.channel_name = "support-2b".into();
    commit(store, tickets(vec![old])).await;
    commit(store, tickets(vec![newer])).await;
    let mut other_guild = sample_support(3, 2, 70);
    other_guild.opened_at = T0 + time::Duration::hours(5);
    commit(store, tickets(vec![other_guild, sample_recruitment(4, 1, 70, None)])).await;
    assert_eq!(last(TicketType::Support, member).await, Some(T0 + time::Duration::minutes(10)), "the newest");
    assert_eq!(last(TicketType::Recruitment, member).await, Some(T0), "per kind");
    assert_eq!(last(TicketType::Support, key.user(UserId::new(71))).await, None, "per person");
    let player = key.account(crate::AccountId::new(70));
    commit(store, tickets(vec![sample_in_game(5, 1, player, "Foo")])).await;
    assert_eq!(last(TicketType::InGame, player).await, Some(T0), "players by their account's pid");
}
