//! The statistics and feedback rules of the conformance suite: what a ticket keeps for them round-trips, and
//! `ticket_stats` gives one guild's tickets opened or closed since a time.

use time::Duration;

use crate::effect::LogEntry;
use crate::feedback::{Activity, FeedbackAnswer, FeedbackPrompt, PostedLog, Rating, StaffMark};
use crate::id::{ChannelId, GuildId, MessageId, TicketId, UserId};
use crate::ports::{Commit, TicketStore};
use crate::settings::{PostedMessage, TicketType};
use crate::stats::TicketStat;
use crate::ticket::CloseReason;

use super::{T0, commit, load, sample_in_game, sample_key, sample_recruitment, sample_support, tickets};

fn mark(user: u64, at: time::OffsetDateTime) -> StaffMark {
    let key = sample_key();
    StaffMark { by: key.user(UserId::new(user)), contact: key.seal(UserId::new(user)), at }
}

/// A ticket's first response, its closer and the opener's feedback (with the log entry it is shown on) load back
/// exactly as saved, and so does the guild's feedback switch.
pub async fn ticket_activity_and_feedback_round_trip(store: &impl TicketStore) {
    let key = sample_key();
    let mut t = sample_support(1, 1, 40);
    t.activity.first_response = Some(mark(9, T0 + Duration::minutes(4)));
    commit(store, tickets(vec![t.clone()])).await;
    let mut loaded = load(store, 1).await;
    loaded.version = 0;
    assert_eq!(loaded, t, "a first response round-trips on an open ticket");

    let mut t = load(store, 1).await;
    t.close(
        CloseReason::Resolved { resolution: "done".into() },
        Some(key.user(UserId::new(9))),
        T0 + Duration::hours(2),
    )
    .expect("closes");
    t.activity.closed_by = Some(key.seal(UserId::new(9)));
    t.activity.feedback = Some(FeedbackPrompt {
        asked_at: T0 + Duration::hours(2),
        log: Some(PostedLog {
            message: PostedMessage { channel: ChannelId::new(7), message: MessageId::new(8) },
            entry: LogEntry::TicketClosed {
                ticket: t.id,
                channel_name: "support-1".into(),
                reason: "x".into(),
                reopen: true,
            },
        }),
        answer: Some(FeedbackAnswer {
            rating: Rating::new(4).expect("valid"),
            comment: Some("quick ✓ <@~sealed> @everyone".into()),
            at: T0 + Duration::hours(3),
        }),
    });
    commit(store, tickets(vec![t.clone()])).await;
    let loaded = load(store, 1).await;
    t.version = 2;
    assert_eq!(loaded, t, "a closed ticket's activity and answered feedback round-trip");

    // A prompt not answered yet, without a log entry.
    let mut r = sample_recruitment(2, 1, 41, None);
    r.close(CloseReason::Finalised, None, T0).expect("closes");
    r.activity =
        Activity { feedback: Some(FeedbackPrompt { asked_at: T0, log: None, answer: None }), ..Activity::default() };
    commit(store, tickets(vec![r.clone()])).await;
    r.version = 1;
    assert_eq!(load(store, 2).await, r, "an unanswered prompt round-trips");

    let mut settings = store.settings(GuildId::new(1)).await.expect("settings");
    assert!(!settings.closing.feedback, "feedback is off by default");
    settings.closing.feedback = true;
    commit(store, Commit { settings: Some(settings), ..Commit::default() }).await;
    assert!(store.settings(GuildId::new(1)).await.expect("settings").closing.feedback, "the switch round-trips");
}

/// `ticket_stats` gives every ticket of one guild opened or closed at or after a time (all of the guild's for no
/// time), by id, as [`TicketStat::of`] reads it; other guilds' tickets and older ones are left out, and a ticket
/// closed later is seen closed.
pub async fn ticket_stats_read_one_guild_since_a_time(store: &impl TicketStore) {
    let key = sample_key();
    let h = Duration::hours;
    let at = |t: &mut crate::ticket::Ticket, opened: i64| t.opened_at = T0 + h(opened);
    // 1: opened long ago, still open. 2: opened long ago, closed in the period by staff 9, rated 5.
    // 3: opened in the period (in game), answered. 4: another guild. 5: opened and closed long ago.
    let mut one = sample_support(1, 1, 40);
    at(&mut one, -100);
    let mut two = sample_support(2, 1, 41);
    at(&mut two, -100);
    two.close(CloseReason::Resolved { resolution: "ok".into() }, Some(key.user(UserId::new(9))), T0 + h(1))
        .expect("closes");
    two.activity.closed_by = Some(key.seal(UserId::new(9)));
    two.activity.first_response = Some(mark(9, T0 - h(99)));
    two.activity.feedback = Some(FeedbackPrompt {
        asked_at: T0 + h(1),
        log: None,
        answer: Some(FeedbackAnswer { rating: Rating::new(5).expect("valid"), comment: None, at: T0 + h(2) }),
    });
    let mut three = sample_in_game(3, 1, key.account(crate::AccountId::new(7)), "Foo");
    at(&mut three, 2);
    three.activity.first_response = Some(mark(10, T0 + h(3)));
    let mut four = sample_support(4, 2, 42);
    at(&mut four, 5);
    let mut five = sample_recruitment(5, 1, 43, None);
    at(&mut five, -100);
    five.close(CloseReason::ClosedByOpener, Some(key.user(UserId::new(43))), T0 - h(50)).expect("closes");
    let all = vec![one.clone(), two.clone(), three.clone(), four, five.clone()];
    commit(store, tickets(all)).await;

    let ids = |rows: &[TicketStat]| rows.iter().map(|r| r.ticket.get()).collect::<Vec<_>>();
    let since = store.ticket_stats(GuildId::new(1), Some(T0)).await.expect("stats");
    assert_eq!(ids(&since), vec![2, 3], "opened or closed since the time, one guild, by id");
    assert_eq!(since[0], TicketStat::of(&two), "a closed ticket's closer, first response and rating");
    assert_eq!(since[0].closed_by.map(|m| m.by), Some(key.user(UserId::new(9))));
    assert_eq!(since[0].rating.map(Rating::get), Some(5));
    assert_eq!(since[1], TicketStat::of(&three));
    assert_eq!(since[1].kind, TicketType::InGame);
    let exactly = store.ticket_stats(GuildId::new(1), Some(T0 + h(2))).await.expect("stats");
    assert_eq!(ids(&exactly), vec![3], "a ticket opened exactly at the time counts");
    let everything = store.ticket_stats(GuildId::new(1), None).await.expect("stats");
    assert_eq!(ids(&everything), vec![1, 2, 3, 5], "all of the guild's tickets for all time");
    assert_eq!(everything[3], TicketStat::of(&five), "a ticket its opener closed has no staff closer");
    assert_eq!(everything[3].closed_by, None);
    assert!(store.ticket_stats(GuildId::new(3), None).await.expect("stats").is_empty(), "an unknown guild has none");

    // Ticket 1 closes now: it is in the period.
    let mut closing = load(store, 1).await;
    closing.close(CloseReason::Inactive, None, T0 + h(4)).expect("closes");
    commit(store, tickets(vec![closing.clone()])).await;
    let since = store.ticket_stats(GuildId::new(1), Some(T0)).await.expect("stats");
    assert_eq!(ids(&since), vec![1, 2, 3], "a ticket closed later is found by its closing time");
    assert_eq!(since[0].closed_at, Some(T0 + h(4)));
    assert_eq!(since[0].ticket, TicketId::new(1));
}
