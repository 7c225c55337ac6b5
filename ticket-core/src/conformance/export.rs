//! The export rules of the conformance suite: a store lists everything it holds in id order and in pages
//! ([`StoreExport`]), and a whole deployment copies into it and back unchanged ([`copy_store`]).

use crate::effect::ChainKey;
use crate::id::{ApplicationId, EffectId, GuildId, MessageId, RoleId, TicketId, UserId};
use crate::memory_store::InMemoryStore;
use crate::ports::{Commit, Retry, StoreExport, TicketStore, TranscriptAuthor, TranscriptEntry};
use crate::store_copy::{CopyError, PAGE, StoreCounts, copy_store, count, same_to_the_microsecond};
use crate::ticket::CloseReason;
use crate::transcript::{TranscriptAttachment, TranscriptChange, TranscriptChangeKind};

use super::{
    T0, commit, sample_application, sample_effects, sample_in_game, sample_key, sample_recruitment, sample_support,
    tickets,
};

/// How many closed tickets [`fill`] adds: more than a page, so that paging is exercised.
const CLOSED: u64 = PAGE as u64 + 30;

/// A deployment with something of everything: settings of two guilds, tickets of every kind (open and closed, more
/// than a page), an application, transcripts with staff lines, attachments, edits and a deletion, and outbox effects
/// in two chains, pending, waiting for a retry and dead. Returns the counts it should have.
async fn fill(store: &impl TicketStore) -> StoreCounts {
    let key = sample_key();
    let mut settings = store.settings(GuildId::new(1)).await.expect("settings load");
    settings.dm_on_close = true;
    settings.ping_roles.recruitment = Some(RoleId::new(4));
    settings.closing.reopen_window_hours = Some(72);
    commit(store, Commit { settings: Some(settings), ..Commit::default() }).await;
    let other = store.settings(GuildId::new(2)).await.expect("settings load");
    commit(store, Commit { settings: Some(other), ..Commit::default() }).await;

    let recruitment = sample_recruitment(3, 1, 43, Some(1));
    // Times below a microsecond, as a real clock gives: a store may keep them or cut them to the microsecond.
    let mut in_game = sample_in_game(1, 1, key.account(crate::AccountId::new(2_000_001)), "Foo Bar");
    in_game.opened_at = T0 + time::Duration::nanoseconds(123_456_789);
    let open = vec![in_game, sample_support(2, 1, 42), recruitment.clone()];
    commit(store, tickets(open)).await;
    let app = sample_application(1, &recruitment, 43);
    commit(store, Commit { applications: vec![app], ..Commit::default() }).await;
    for chunk in (4..4 + CLOSED).collect::<Vec<_>>().chunks(100) {
        let closed = chunk
            .iter()
            .map(|&id| {
                let mut t = sample_support(id, 2, 100 + id);
                t.close(CloseReason::Resolved { resolution: format!("fixed {id}") }, None, T0).expect("closes");
                t
            })
            .collect();
        commit(store, tickets(closed)).await;
    }

    let staff = TranscriptEntry::line(
        TicketId::new(2),
        T0,
        TranscriptAuthor::staff(key.user(UserId::new(7)), "Staff"),
        "Have you tried relogging?",
    )
    .from_message(MessageId::new(100))
    .with_attachments(vec![TranscriptAttachment { name: "log.txt".into(), url: "https://cdn.example/log.txt".into() }]);
    let opener = TranscriptEntry::line(
        TicketId::new(2),
        T0,
        TranscriptAuthor::member(key.user(UserId::new(42)), "Opener"),
        "yes",
    )
    .from_message(MessageId::new(101));
    let closed = TranscriptEntry::line(
        TicketId::new(4),
        T0 + time::Duration::nanoseconds(999),
        TranscriptAuthor::System,
        "Closed: fixed 4",
    );
    let change =
        |message, kind| TranscriptChange { ticket: TicketId::new(2), message: MessageId::new(message), at: T0, kind };
    commit(
        store,
        Commit {
            transcript: vec![staff, opener, closed],
            transcript_changes: vec![
                change(101, TranscriptChangeKind::Edited { text: "yes, twice".into() }),
                change(100, TranscriptChangeKind::Deleted),
            ],
            ..Commit::default()
        },
    )
    .await;

    let effects = sample_effects();
    let chains = [ChainKey::Ticket(TicketId::new(1)), ChainKey::Guild(GuildId::new(1))];
    let enqueue: Vec<_> = effects.iter().enumerate().map(|(n, e)| (chains[n % 2], e.clone())).collect();
    let ids = commit(store, Commit { enqueue, ..Commit::default() }).await;
    let retry = Retry { id: ids[0], attempts: 3, not_before: T0 + time::Duration::nanoseconds(300_000_000_001) };
    commit(store, Commit { retry: vec![retry], dead: vec![ids[1]], done: vec![ids[2]], ..Commit::default() }).await;

    StoreCounts {
        guilds: 2,
        tickets: 3 + CLOSED,
        open_tickets: 3,
        applications: 1,
        transcript_lines: 3,
        pending_effects: effects.len() as u64 - 2,
        dead_effects: 1,
    }
}

/// Everything of a deployment copies into an empty store of this kind and reads back unchanged (versions restart
/// at 1; effects keep their order, attempts, retry times and dead marks under new ids); a second copy into it is
/// refused and writes nothing; ids handed out afterwards follow the copied ones.
pub async fn a_whole_store_copies_in_and_out(store: &impl StoreExport) {
    let source = InMemoryStore::new();
    let expected = fill(&source).await;
    let mut steps = Vec::new();
    let copied = copy_store(&source, store, &mut |step| steps.push(step)).await.expect("the copy succeeds");
    assert_eq!(copied, expected, "the copy counts what the source holds");
    assert_eq!(count(store).await.expect("counts"), expected, "the target holds the same");
    assert!(steps.len() > 3, "progress was reported: {steps:?}");

    let mut ticket = store.ticket(TicketId::new(2)).await.expect("loads").expect("copied");
    assert_eq!(ticket.version, 1, "a copied record starts at version 1");
    ticket.version = 0;
    assert_eq!(
        Some(ticket),
        source.ticket(TicketId::new(2)).await.expect("loads").map(|t| crate::Ticket { version: 0, ..t })
    );
    let lines = store.transcript(TicketId::new(2)).await.expect("loads");
    assert_eq!(lines, source.transcript(TicketId::new(2)).await.expect("loads"), "transcripts with edits, deletions");
    assert_eq!(lines[1].edits.len(), 1, "the edit came along");
    assert!(lines[0].deleted_at.is_some(), "the deletion came along");
    let chain = ChainKey::Ticket(TicketId::new(1));
    let order = |list: Vec<crate::PendingEffect>| -> Vec<_> {
        list.into_iter().map(|p| (p.effect, p.attempts, p.not_before)).collect()
    };
    assert!(
        same_to_the_microsecond(
            &order(store.pending_effects(Some(chain)).await.expect("loads")),
            &order(source.pending_effects(Some(chain)).await.expect("loads")),
        ),
        "a chain keeps its effects in order, with their attempts and retry times"
    );
    let in_game = store.ticket(TicketId::new(1)).await.expect("loads").expect("copied");
    let cut = (in_game.opened_at - T0).whole_nanoseconds();
    assert!(cut == 123_456_789 || cut == 123_456_000, "kept to the microsecond at least: {cut} ns");

    // Back out into an empty store: the copy from this store compares equal to the source, record by record.
    let back = InMemoryStore::new();
    assert_eq!(copy_store(store, &back, &mut |_| {}).await.expect("copies back"), expected);

    match copy_store(&source, store, &mut |_| {}).await {
        Err(CopyError::TargetNotEmpty(found)) => assert_eq!(found, expected, "refused with what the target holds"),
        other => panic!("a copy into a store that holds records must be refused, got {other:?}"),
    }
    assert_eq!(count(store).await.expect("counts"), expected, "the refused copy wrote nothing");
    let next = store.next_ticket_id().await.expect("an id");
    assert!(next.get() > 3 + CLOSED, "new ticket ids follow the copied ones, got {next}");
    let next = store.next_application_id().await.expect("an id");
    assert!(next > ApplicationId::new(1), "new application ids follow the copied ones, got {next}");
}

/// The listings are in id order, start after the id given, stop at the limit, and list dead effects with pending
/// ones (done ones are gone).
pub async fn exports_list_in_id_order_and_pages(store: &impl StoreExport) {
    assert!(store.guilds_with_settings().await.expect("lists").is_empty(), "an empty store lists no guild");
    let expected = fill(store).await;
    assert_eq!(store.guilds_with_settings().await.expect("lists"), vec![GuildId::new(1), GuildId::new(2)]);
    let first = store.tickets_after(None, 2).await.expect("lists");
    assert_eq!(first.iter().map(|t| t.id.get()).collect::<Vec<_>>(), vec![1, 2]);
    let next = store.tickets_after(Some(TicketId::new(2)), 3).await.expect("lists");
    assert_eq!(next.iter().map(|t| t.id.get()).collect::<Vec<_>>(), vec![3, 4, 5]);
    let last = store.tickets_after(Some(TicketId::new(2 + CLOSED)), 10).await.expect("lists");
    assert_eq!(last.iter().map(|t| t.id.get()).collect::<Vec<_>>(), vec![3 + CLOSED]);
    assert_eq!(store.applications_after(None, 10).await.expect("lists").len(), 1);
    assert!(store.applications_after(Some(ApplicationId::new(1)), 10).await.expect("lists").is_empty());

    let effects = store.effects_after(None, 1000).await.expect("lists");
    assert_eq!(effects.len() as u64, expected.pending_effects + expected.dead_effects);
    let ids: Vec<EffectId> = effects.iter().map(|e| e.pending.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "effects in id order: {ids:?}");
    assert!(effects[0].pending.attempts == 3 && !effects[0].dead, "the first waits for its retry");
    assert!(effects[1].dead, "the second was given up on, and is listed in its place");
    let page = store.effects_after(Some(ids[0]), 2).await.expect("lists");
    assert_eq!(page.iter().map(|e| e.pending.id).collect::<Vec<_>>(), ids[1..3].to_vec());
}
