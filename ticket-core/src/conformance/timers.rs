//! The timer rules of the conformance suite: a ticket's clocks round-trip, and open tickets are found by when
//! they are due.

use crate::id::{TicketId, UserId};
use crate::ports::{Commit, TicketStore};
use crate::ticket::{CloseReason, CloseRequest, TicketTimers};

use super::{T0, commit, load, sample_key, sample_support, tickets};

/// Clocks round-trip; `tickets_due` gives open tickets due by a time, soonest first and at most as many as asked;
/// closed tickets and tickets without a due time are never due; `next_ticket_due` is the soonest.
pub async fn tickets_are_found_by_when_they_are_due(store: &impl TicketStore) {
    let key = sample_key();
    let minutes = |m: i64| T0 + time::Duration::minutes(m);
    let due = |id: u64, at: Option<i64>| {
        let mut t = sample_support(id, 1, 40 + id);
        t.timers.due_at = at.map(minutes);
        t
    };
    let mut requested = due(1, Some(30));
    requested.timers = TicketTimers {
        close_request: Some(CloseRequest {
            by: key.user(UserId::new(9)),
            by_name: "Sam ✓".into(),
            at: minutes(6),
            closes_at: minutes(30),
        }),
        opener_active_at: Some(minutes(5)),
        warned_at: Some(minutes(7)),
        due_at: Some(minutes(30)),
    };
    let mut closed = due(4, Some(1));
    closed.close(CloseReason::Inactive, None, T0).expect("closes");
    assert!(store.next_ticket_due().await.expect("next").is_none(), "nothing is due in an empty store");
    commit(store, tickets(vec![requested.clone(), due(2, Some(10)), due(3, None), closed, due(5, Some(10))])).await;

    let mut loaded = load(store, 1).await;
    loaded.version = 0;
    assert_eq!(loaded, requested, "a ticket's clocks round-trip");
    assert_eq!(load(store, 4).await.closed.map(|c| c.reason), Some(CloseReason::Inactive));
    let ids = |list: Vec<crate::Ticket>| list.into_iter().map(|t| t.id.get()).collect::<Vec<_>>();
    assert_eq!(ids(store.tickets_due(minutes(60), 10).await.expect("due")), [2, 5, 1], "soonest first, then by id");
    assert_eq!(ids(store.tickets_due(minutes(10), 10).await.expect("due")), [2, 5], "due at the time counts");
    assert_eq!(ids(store.tickets_due(minutes(60), 1).await.expect("due")), [2], "at most as many as asked");
    assert!(store.tickets_due(minutes(9), 10).await.expect("due").is_empty());
    assert_eq!(store.next_ticket_due().await.expect("next"), Some(minutes(10)));

    // Moving, clearing and closing update what is due.
    let mut moved = load(store, 2).await;
    moved.timers.due_at = Some(minutes(90));
    let mut cleared = load(store, 5).await;
    cleared.timers.due_at = None;
    let mut done = load(store, 1).await;
    done.close(CloseReason::CloseRequestUnanswered, None, minutes(30)).expect("closes");
    commit(store, Commit { tickets: vec![moved, cleared, done], ..Commit::default() }).await;
    assert!(store.tickets_due(minutes(60), 10).await.expect("due").is_empty());
    assert_eq!(store.next_ticket_due().await.expect("next"), Some(minutes(90)));
    assert_eq!(ids(store.tickets_due(minutes(90), 10).await.expect("due")), [2]);
    assert!(store.ticket(TicketId::new(3)).await.expect("load").is_some());
}
