//! Many commits at once through the group commit of the writer thread: each lands (or fails) on its own, effect
//! ids stay unique and in order per chain, and no id is ever handed out twice, not even after a reopen.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::TempStore;
use ticket_core::conformance::sample_support;
use ticket_core::ports::Commit;
use ticket_core::{ChainKey, Effect, EffectId, RoleId, StoreError, TicketId, TicketStore};

const TASKS: u64 = 200;

fn chain(ticket: u64) -> ChainKey {
    ChainKey::Ticket(TicketId::new(ticket))
}

/// The `n`th effect of a ticket's chain, recognisable when read back.
fn step(ticket: u64, n: u64) -> Effect {
    Effect::AllowRole { ticket: TicketId::new(ticket), role: RoleId::new(n) }
}

/// Opens ticket `id` with three effects on its chain.
fn opening(id: u64) -> Commit {
    Commit {
        tickets: vec![sample_support(id, 1, 1000 + id)],
        enqueue: (1..=3).map(|n| (chain(id), step(id, n))).collect(),
        ..Commit::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_commits_all_land_with_their_own_results() {
    let store = Arc::new(TempStore::new().await);
    store.commit(opening(TASKS + 1)).await.unwrap();
    let tasks: Vec<_> = (1..=TASKS)
        .map(|id| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let first = store.commit(opening(id)).await?;
                // Every tenth task also races a commit that must fail: ticket TASKS + 1 exists already.
                if id % 10 == 0 {
                    let stale = store.commit(opening(TASKS + 1)).await;
                    assert!(matches!(stale, Err(StoreError::Conflict)), "task {id}: {stale:?}");
                }
                let more = Commit { enqueue: (4..=5).map(|n| (chain(id), step(id, n))).collect(), ..Commit::default() };
                let second = store.commit(more).await?;
                Ok::<_, StoreError>((id, first, second))
            })
        })
        .collect();
    let mut all_ids = BTreeSet::new();
    for task in tasks {
        let (id, first, second) = task.await.unwrap().unwrap();
        assert_eq!((first.len(), second.len()), (3, 2), "task {id}");
        let mine: Vec<EffectId> = first.into_iter().chain(second).collect();
        assert!(mine.windows(2).all(|w| w[0] < w[1]), "task {id}: ids increase along its chain: {mine:?}");
        for effect in &mine {
            assert!(all_ids.insert(*effect), "effect id {effect:?} handed out twice");
        }
        let pending = store.pending_effects(Some(chain(id))).await.unwrap();
        let stored: Vec<(EffectId, Effect)> = pending.into_iter().map(|p| (p.id, p.effect)).collect();
        let expected: Vec<(EffectId, Effect)> = mine.into_iter().zip((1..=5).map(|n| step(id, n))).collect();
        assert_eq!(stored, expected, "task {id}: its chain holds its effects, in order");
        assert_eq!(store.ticket(TicketId::new(id)).await.unwrap().map(|t| t.version), Some(1), "ticket {id}");
    }
    assert_eq!(all_ids.len(), TASKS as usize * 5);
    assert_eq!(store.pending_effects(None).await.unwrap().len(), TASKS as usize * 5 + 3, "no stray effects");
    assert_eq!(store.integrity_check().await.unwrap(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn effect_ids_are_never_handed_out_twice() {
    let store = TempStore::new().await;
    let mut seen = BTreeSet::new();
    let mut highest = 0;
    for round in 0..3 {
        // Concurrent commits, some failing after their effects were written (rolled back to their savepoint).
        let commits = (0..20u64).map(|n| {
            let ticket = round * 100 + n + 1;
            let mut c = Commit { enqueue: vec![(chain(ticket), step(ticket, 1))], ..Commit::default() };
            if n % 4 == 0 {
                c.amend = vec![(EffectId::new(u64::MAX >> 2), step(ticket, 2))];
            }
            store.commit(c)
        });
        for outcome in futures_join(commits).await {
            match outcome {
                Ok(ids) => {
                    for id in ids {
                        assert!(id.get() > highest, "round {round}: id {id:?} not above every earlier one");
                        assert!(seen.insert(id), "id {id:?} handed out twice");
                    }
                }
                Err(StoreError::Conflict) => {}
                Err(e) => panic!("unexpected failure: {e}"),
            }
        }
        highest = seen.last().map_or(0, |id| id.get());
        // Done: the outbox is empty again, so only the sequence remembers the ids.
        let done = store.pending_effects(None).await.unwrap().into_iter().map(|p| p.id).collect();
        store.commit(Commit { done, ..Commit::default() }).await.unwrap();
    }
    let path = store.path();
    store.close().await;
    let reopened = adapter_sqlite::SqliteStore::open(&path).await.unwrap();
    let ids = reopened.commit(Commit { enqueue: vec![(chain(1), step(1, 9))], ..Commit::default() }).await.unwrap();
    assert!(ids[0].get() > highest, "after a reopen: {:?} not above {highest}", ids[0]);
    reopened.close().await;
}

/// Awaits every future at once (so that their commits queue up together), in order.
async fn futures_join<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("every future finished")).collect()
}
