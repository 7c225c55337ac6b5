//! Two processes' stores on one schema at once (two pools, as two `ticket-bot` instances during a hand-over have):
//! the store's rules hold across them. Exactly one of many racing openings for one member wins; ids are never
//! handed out twice; a versioned record is written by one racer per version; a killed session loses nothing that
//! was committed and half-writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use adapter_postgres::PostgresStore;
use common::{drop_schema, raw_client, unique_schema, url};
use ticket_core::conformance::{T0, sample_support};
use ticket_core::ports::{Commit, TranscriptAuthor, TranscriptEntry};
use ticket_core::{GuildId, StoreError, TicketId, TicketStore};

/// Two stores (two pools) on one fresh schema, and the schema's name.
async fn two_stores() -> Option<(Arc<PostgresStore>, Arc<PostgresStore>, String)> {
    raw_client().await?;
    let schema = unique_schema();
    let a = PostgresStore::connect(&url(), &schema).await.unwrap();
    let b = PostgresStore::connect(&url(), &schema).await.unwrap();
    Some((Arc::new(a), Arc::new(b), schema))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_openings_for_one_member_from_two_processes_open_one_ticket() {
    let Some((a, b, schema)) = two_stores().await else { return };
    let mut racers = Vec::new();
    for n in 0..24_u64 {
        let store = if n % 2 == 0 { a.clone() } else { b.clone() };
        racers.push(tokio::spawn(async move {
            let ticket = sample_support(100 + n, 1, 42);
            store.commit(Commit { tickets: vec![ticket], ..Commit::default() }).await
        }));
    }
    let mut won = 0;
    for racer in racers {
        match racer.await.unwrap() {
            Ok(_) => won += 1,
            Err(StoreError::Conflict) => {}
            Err(other) => panic!("a racer failed otherwise than by a conflict: {other}"),
        }
    }
    assert_eq!(won, 1, "one open support ticket per member, whichever process opened it");
    assert_eq!(a.open_tickets(GuildId::new(1)).await.unwrap().len(), 1);
    drop((a, b));
    drop_schema(&schema);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ids_from_two_processes_are_never_the_same() {
    let Some((a, b, schema)) = two_stores().await else { return };
    let mut takers = Vec::new();
    for n in 0..8 {
        let store = if n % 2 == 0 { a.clone() } else { b.clone() };
        takers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for _ in 0..25 {
                ids.push(store.next_ticket_id().await.unwrap());
            }
            ids
        }));
    }
    let mut all = HashSet::new();
    for taker in takers {
        for id in taker.await.unwrap() {
            assert!(all.insert(id), "{id} handed out twice");
        }
    }
    assert_eq!(all.len(), 200);
    drop((a, b));
    drop_schema(&schema);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_record_loaded_by_two_processes_is_saved_by_one() {
    let Some((a, b, schema)) = two_stores().await else { return };
    a.commit(Commit { tickets: vec![sample_support(1, 1, 42)], ..Commit::default() }).await.unwrap();
    for round in 0..10 {
        let (mut left, mut right) =
            (a.ticket(TicketId::new(1)).await.unwrap().unwrap(), b.ticket(TicketId::new(1)).await.unwrap().unwrap());
        left.channel_name = format!("left-{round}");
        right.channel_name = format!("right-{round}");
        let (l, r) = tokio::join!(
            a.commit(Commit { tickets: vec![left], ..Commit::default() }),
            b.commit(Commit { tickets: vec![right], ..Commit::default() })
        );
        let wins = [l.is_ok(), r.is_ok()].into_iter().filter(|ok| *ok).count();
        assert_eq!(wins, 1, "round {round}: exactly one save of the same version wins: {l:?} {r:?}");
        assert!(matches!(l, Ok(_) | Err(StoreError::Conflict)) && matches!(r, Ok(_) | Err(StoreError::Conflict)));
        let stored = a.ticket(TicketId::new(1)).await.unwrap().unwrap();
        assert_eq!(stored.version, round + 2, "one write per round");
    }
    drop((a, b));
    drop_schema(&schema);
}

/// A session killed by the server (an operator's `pg_terminate_backend`, a failover of the database) while the
/// store commits: each commit is all there or not at all, the store carries on with new connections, and what was
/// committed stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_killed_during_commits_leave_whole_commits_and_a_working_store() {
    let Some(admin) = raw_client().await else { return };
    let schema = unique_schema();
    let store = Arc::new(PostgresStore::connect(&url(), &schema).await.unwrap());
    store.commit(Commit { tickets: vec![sample_support(1, 1, 42)], ..Commit::default() }).await.unwrap();
    let writer = tokio::spawn({
        let store = store.clone();
        async move {
            let mut committed = Vec::new();
            for n in 0..200_u32 {
                // 50 lines per commit: a commit is a long transaction, often cut in the middle.
                let lines = (0..50)
                    .map(|i| {
                        let text = format!("commit {n} line {i}");
                        TranscriptEntry::line(TicketId::new(1), T0, TranscriptAuthor::System, text)
                    })
                    .collect();
                if store.commit(Commit { transcript: lines, ..Commit::default() }).await.is_ok() {
                    committed.push(n);
                }
            }
            committed
        }
    });
    let name = format!("ticket-bot store {schema}");
    let mut killed = 0;
    // Ten kills, spaced so that commits go through in between.
    while !writer.is_finished() && killed < 10 {
        let row = admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 \
                 AND state <> 'idle'",
                &[&name],
            )
            .await
            .unwrap();
        killed += row.get::<_, i64>(0);
        tokio::time::sleep(std::time::Duration::from_millis(if killed == 0 { 2 } else { 30 })).await;
    }
    let committed = writer.await.unwrap();
    println!("{} of 200 commits went through, {killed} sessions killed", committed.len());
    assert!(killed > 0, "sessions were killed while committing");
    assert!(committed.len() >= 150, "the store kept working between kills: {} of 200", committed.len());
    let lines = store.transcript(TicketId::new(1)).await.unwrap();
    let mut per_commit = std::collections::BTreeMap::<u32, usize>::new();
    for line in &lines {
        let n: u32 = line.text.split(' ').nth(1).unwrap().parse().unwrap();
        *per_commit.entry(n).or_default() += 1;
    }
    for (n, count) in &per_commit {
        assert_eq!(*count, 50, "commit {n} is whole");
    }
    let there: Vec<u32> = per_commit.keys().copied().collect();
    for n in &committed {
        assert!(there.contains(n), "commit {n} was reported done and is there");
    }
    // A commit reported failed may still have reached the database (the session died after COMMIT was sent):
    // it is there whole, never in part.
    assert!(there.len() >= committed.len());
    store.commit(Commit { tickets: vec![sample_support(2, 1, 43)], ..Commit::default() }).await.expect("still works");
    drop(store);
    drop_schema(&schema);
}
