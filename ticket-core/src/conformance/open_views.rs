//! The narrow views of open tickets in the conformance suite: what a start-up reconciliation and a game server's
//! resync read instead of whole tickets.

use crate::id::{AccountId, ChannelId, GameServerId, GuildId, TicketId};
use crate::ports::{Commit, OpenGamePlayer, TicketStore};
use crate::ticket::{CloseReason, Ticket, TicketDetail};

use super::{T0, commit, load, name, sample_in_game, sample_key, sample_support, tickets};

fn server(id: &str) -> GameServerId {
    GameServerId::new(id).unwrap_or_else(|_| unreachable!("sample server ids are valid"))
}

/// An open in-game ticket of `player` (account `account`) on `on`, with a channel or not.
fn in_game(id: u64, guild: u64, on: &str, account: u64, player: &str, channel: Option<u64>) -> Ticket {
    let mut ticket = sample_in_game(id, guild, sample_key().account(AccountId::new(account)), player);
    ticket.channel = channel.map(ChannelId::new);
    if let TicketDetail::InGame(game) = &mut ticket.detail {
        game.server = server(on);
    }
    ticket
}

fn player(ticket: u64, account: u64, player: &str, online: bool, held: bool) -> OpenGamePlayer {
    OpenGamePlayer {
        ticket: TicketId::new(ticket),
        player: sample_key().account(AccountId::new(account)),
        name: name(player),
        online,
        held,
    }
}

/// `open_ticket_channels` lists the open tickets of one guild that have a channel, by ticket id, and follows new
/// channels and closes.
pub async fn open_ticket_channels_list_open_tickets_with_a_channel(store: &impl TicketStore) {
    let mut without = sample_support(2, 1, 41);
    without.channel = None;
    let mut closed = sample_support(3, 1, 42);
    closed.close(CloseReason::ChannelDeleted, None, T0).expect("closes");
    commit(
        store,
        tickets(vec![
            in_game(5, 1, "main", 5, "Eve", Some(500)),
            in_game(1, 1, "main", 1, "Ann", Some(100)),
            without,
            closed,
            sample_support(4, 2, 43),
        ]),
    )
    .await;
    let channels = |guild| async move { store.open_ticket_channels(GuildId::new(guild)).await.expect("load") };
    let pair = |ticket, channel| (TicketId::new(ticket), ChannelId::new(channel));
    assert_eq!(channels(1).await, [pair(1, 100), pair(5, 500)], "open tickets with a channel, by id");
    assert_eq!(channels(2).await, [pair(4, 1004)], "one guild's tickets only");
    assert!(channels(3).await.is_empty(), "a guild without tickets has none");

    let mut given = load(store, 2).await;
    given.channel = Some(ChannelId::new(200));
    let mut moved = load(store, 1).await;
    moved.channel = Some(ChannelId::new(101));
    let mut gone = load(store, 5).await;
    gone.close(CloseReason::ChannelDeleted, None, T0).expect("closes");
    commit(store, Commit { tickets: vec![given, moved, gone], ..Commit::default() }).await;
    assert_eq!(channels(1).await, [pair(1, 101), pair(2, 200)], "new channels are listed, closed tickets are not");
}

/// `open_game_players` lists the open in-game tickets of one game server in one guild, by ticket id, with the
/// player, their name, whether they are online and whether replies are held for them; it follows logins, logouts,
/// renames, delivered replies and closes.
pub async fn open_game_players_list_one_servers_open_tickets(store: &impl TicketStore) {
    let mut offline = in_game(4, 1, "main", 4, "Dan", Some(400));
    if let TicketDetail::InGame(game) = &mut offline.detail {
        game.online = false;
        game.held.clear();
    }
    let mut closed = in_game(6, 1, "main", 6, "Fay", None);
    closed.close(CloseReason::PlayerLoggedOut, None, T0).expect("closes");
    commit(
        store,
        tickets(vec![
            in_game(1, 1, "main", 1, "Ann", Some(100)),
            in_game(2, 1, "other", 2, "Bob", None),
            in_game(3, 2, "main", 3, "Cid", None),
            offline,
            sample_support(5, 1, 41),
            closed,
        ]),
    )
    .await;
    let players = |guild, on| async move { store.open_game_players(GuildId::new(guild), &server(on)).await };
    assert_eq!(
        players(1, "main").await.expect("load"),
        [player(1, 1, "Ann", true, true), player(4, 4, "Dan", false, false)],
        "one server's open in-game tickets in one guild, by id"
    );
    assert_eq!(players(1, "other").await.expect("load"), [player(2, 2, "Bob", true, true)]);
    assert_eq!(players(2, "main").await.expect("load"), [player(3, 3, "Cid", true, true)]);
    assert!(players(1, "none").await.expect("load").is_empty(), "an unknown server has none");

    let mut renamed = load(store, 1).await;
    if let TicketDetail::InGame(game) = &mut renamed.detail {
        game.online = false;
        game.name = name("Annie");
    }
    let mut back = load(store, 4).await;
    if let TicketDetail::InGame(game) = &mut back.detail {
        game.online = true;
    }
    let mut delivered = load(store, 2).await;
    if let TicketDetail::InGame(game) = &mut delivered.detail {
        game.held.clear();
    }
    let mut gone = load(store, 3).await;
    gone.close(CloseReason::PlayerLoggedOut, None, T0).expect("closes");
    commit(store, Commit { tickets: vec![renamed, back, delivered, gone], ..Commit::default() }).await;
    assert_eq!(
        players(1, "main").await.expect("load"),
        [player(1, 1, "Annie", false, true), player(4, 4, "Dan", true, false)],
        "logins, logouts and renames are followed"
    );
    assert_eq!(players(1, "other").await.expect("load"), [player(2, 2, "Bob", true, false)], "delivered replies");
    assert!(players(2, "main").await.expect("load").is_empty(), "closed tickets are not listed");
}
