//! Races between tasks on a multi-threaded runtime: optimistic versions and open keys hold, ids stay unique.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::TempStore;
use ticket_core::conformance::{sample_in_game, sample_key, sample_support};
use ticket_core::ports::Commit;
use ticket_core::{AccountId, StoreError, TicketId, TicketStore};

const RACERS: usize = 16;

async fn race<F, Fut>(store: &Arc<TempStore>, attempt: F) -> (usize, usize)
where
    F: Fn(Arc<TempStore>, usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), StoreError>> + Send + 'static,
{
    let tasks: Vec<_> = (0..RACERS).map(|n| tokio::spawn(attempt(Arc::clone(store), n))).collect();
    let (mut won, mut lost) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::Conflict) => lost += 1,
            Err(e) => panic!("unexpected failure: {e}"),
        }
    }
    (won, lost)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_one_of_many_updates_from_the_same_version_wins() {
    let store = Arc::new(TempStore::new().await);
    store.commit(Commit { tickets: vec![sample_support(1, 1, 40)], ..Commit::default() }).await.unwrap();
    let loaded = store.ticket(TicketId::new(1)).await.unwrap().unwrap();
    let (won, lost) = race(&store, |s, n| {
        let mut ticket = loaded.clone();
        ticket.channel_name = format!("racer-{n}");
        async move { s.commit(Commit { tickets: vec![ticket], ..Commit::default() }).await.map(drop) }
    })
    .await;
    assert_eq!((won, lost), (1, RACERS - 1));
    assert_eq!(store.ticket(TicketId::new(1)).await.unwrap().unwrap().version, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_one_of_many_tickets_with_the_same_open_key_opens() {
    let store = Arc::new(TempStore::new().await);
    let pid = sample_key().account(AccountId::new(2_000_001));
    let (won, lost) = race(&store, |s, n| async move {
        let ticket = sample_in_game(100 + n as u64, 1, pid, "Racer");
        s.commit(Commit { tickets: vec![ticket], ..Commit::default() }).await.map(drop)
    })
    .await;
    assert_eq!((won, lost), (1, RACERS - 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ids_handed_out_concurrently_are_all_different() {
    let store = Arc::new(TempStore::new().await);
    let tasks: Vec<_> = (0..RACERS * 4)
        .map(|_| {
            let s = Arc::clone(&store);
            tokio::spawn(async move { s.next_ticket_id().await.unwrap() })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for task in tasks {
        assert!(ids.insert(task.await.unwrap()), "an id was handed out twice");
    }
    assert_eq!(ids.len(), RACERS * 4);
}
