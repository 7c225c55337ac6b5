//! The transcript rules of the conformance suite: order, what a line keeps (staff, message, attachments), edits and
//! deletions of its message, and purging by retention.

use crate::id::{MessageId, TicketId, UserId};
use crate::ports::{Commit, TicketStore};
use crate::ticket::CloseReason;
use crate::transcript::{
    TranscriptAttachment, TranscriptAuthor, TranscriptChange, TranscriptChangeKind, TranscriptEntry,
};

use super::{T0, commit, load, name, sample_key, sample_support, tickets};

fn line(ticket: u64, n: u32, author: TranscriptAuthor) -> TranscriptEntry {
    TranscriptEntry::line(
        TicketId::new(ticket),
        T0 + time::Duration::seconds(n.into()),
        author,
        format!("line {n} — {}", "x".repeat(n as usize)),
    )
}

/// Transcript lines come back in order, including after the ticket closed.
pub async fn transcripts_append_in_order_and_outlive_the_channel(store: &impl TicketStore) {
    let key = sample_key();
    commit(store, tickets(vec![sample_support(1, 1, 42)])).await;
    let first = vec![
        line(1, 1, TranscriptAuthor::member(key.user(UserId::new(42)), "Opener")),
        line(1, 2, TranscriptAuthor::Player { name: name("Foo") }),
    ];
    commit(store, Commit { transcript: first.clone(), ..Commit::default() }).await;
    let mut t = load(store, 1).await;
    t.close(CloseReason::ChannelDeleted, None, T0).expect("closes");
    commit(
        store,
        Commit { tickets: vec![t], transcript: vec![line(1, 3, TranscriptAuthor::System)], ..Commit::default() },
    )
    .await;
    let all = store.transcript(TicketId::new(1)).await.expect("load");
    let mut expected = first;
    expected.push(line(1, 3, TranscriptAuthor::System));
    assert_eq!(all, expected, "transcript in order, kept after close");
    assert!(store.transcript(TicketId::new(2)).await.expect("load").is_empty());
}

/// A line keeps whether its author wrote as staff, its message and its attachments; edits of the message are kept
/// in order and a deletion marks it (once, at its first time); a change to a message without a line, or to a line
/// of another ticket, changes nothing; a line and a change of its message can be saved in one commit.
pub async fn transcripts_keep_staff_attachments_edits_and_deletions(store: &impl TicketStore) {
    let key = sample_key();
    commit(store, tickets(vec![sample_support(1, 1, 42), sample_support(2, 1, 43)])).await;
    let staff = line(1, 1, TranscriptAuthor::staff(key.user(UserId::new(7)), "Staff <b>"))
        .from_message(MessageId::new(100))
        .with_attachments(vec![
            TranscriptAttachment { name: "log.txt".into(), url: "https://cdn.example/a/log.txt".into() },
            TranscriptAttachment { name: "shot 1.png".into(), url: "https://cdn.example/a/shot%201.png".into() },
        ]);
    let opener =
        line(1, 2, TranscriptAuthor::member(key.user(UserId::new(42)), "Opener")).from_message(MessageId::new(101));
    let other =
        line(2, 3, TranscriptAuthor::member(key.user(UserId::new(43)), "Other")).from_message(MessageId::new(102));
    commit(store, Commit { transcript: vec![staff.clone(), opener.clone(), other.clone()], ..Commit::default() }).await;
    let change = |ticket: u64, message: u64, minutes: i64, kind: TranscriptChangeKind| TranscriptChange {
        ticket: TicketId::new(ticket),
        message: MessageId::new(message),
        at: T0 + time::Duration::minutes(minutes),
        kind,
    };
    let edited = |text: &str| TranscriptChangeKind::Edited { text: text.into() };
    let changes = vec![
        change(1, 101, 1, edited("first edit")),
        change(1, 101, 2, edited("second edit")),
        change(1, 100, 3, TranscriptChangeKind::Deleted),
        change(1, 100, 4, TranscriptChangeKind::Deleted),
        change(1, 999, 5, edited("no such message")),
        change(1, 102, 6, edited("a message of ticket 2")),
    ];
    commit(store, Commit { transcript_changes: changes.clone(), ..Commit::default() }).await;
    let mut expected = vec![staff, opener];
    for c in &changes {
        if let Some(l) = expected.iter_mut().find(|l| l.message == Some(c.message) && l.ticket == c.ticket) {
            l.apply(&c.kind, c.at);
        }
    }
    let all = store.transcript(TicketId::new(1)).await.expect("load");
    assert_eq!(all, expected, "staff flag, message, attachments, edits and deletion kept");
    assert_eq!(all[1].edits.len(), 2);
    assert_eq!(all[1].current_text(), "second edit");
    assert_eq!(all[0].deleted_at, Some(T0 + time::Duration::minutes(3)), "the first deletion counts");
    assert_eq!(store.transcript(TicketId::new(2)).await.expect("load"), vec![other], "ticket 2 untouched");

    let fresh = line(1, 9, TranscriptAuthor::System).from_message(MessageId::new(200));
    let together = Commit {
        transcript: vec![fresh.clone()],
        transcript_changes: vec![change(1, 200, 9, edited("edited at once"))],
        ..Commit::default()
    };
    commit(store, together).await;
    let last = store.transcript(TicketId::new(1)).await.expect("load").pop().expect("a line");
    assert_eq!(last.current_text(), "edited at once", "a change applies to a line of the same commit");
    assert_eq!(last.text, fresh.text);
}

/// Purging removes the lines of a guild's tickets closed before the time, and only those: open tickets (however old
/// their lines), tickets closed later and other guilds' tickets keep theirs; the tickets themselves stay.
pub async fn transcripts_are_purged_per_guild_after_closing(store: &impl TicketStore) {
    let day = time::Duration::days(1);
    let mut early = sample_support(1, 1, 41);
    let mut late = sample_support(2, 1, 42);
    let open = sample_support(3, 1, 43);
    let mut elsewhere = sample_support(4, 2, 44);
    early.close(CloseReason::ChannelDeleted, None, T0).expect("closes");
    late.close(CloseReason::ChannelDeleted, None, T0 + day * 10).expect("closes");
    elsewhere.close(CloseReason::ChannelDeleted, None, T0).expect("closes");
    let mut lines = Vec::new();
    for ticket in 1..=4 {
        lines.push(line(ticket, 1, TranscriptAuthor::System));
        lines.push(line(ticket, 2, TranscriptAuthor::System).from_message(MessageId::new(ticket * 10)));
    }
    let edit = crate::transcript::TranscriptChange {
        ticket: TicketId::new(1),
        message: MessageId::new(10),
        at: T0,
        kind: TranscriptChangeKind::Edited { text: "edited".into() },
    };
    commit(
        store,
        Commit { transcript: lines, transcript_changes: vec![edit], ..tickets(vec![early, late, open, elsewhere]) },
    )
    .await;
    let purged = store.purge_transcripts(crate::GuildId::new(1), T0 + day * 5).await.expect("purge");
    assert_eq!(purged, 2, "the two lines of the ticket closed before the time");
    assert!(store.transcript(TicketId::new(1)).await.expect("load").is_empty());
    for kept in 2..=4 {
        assert_eq!(
            store.transcript(TicketId::new(kept)).await.expect("load").len(),
            2,
            "ticket {kept} keeps its lines"
        );
    }
    assert!(load(store, 1).await.closed.is_some(), "the ticket itself stays");
    assert_eq!(store.purge_transcripts(crate::GuildId::new(1), T0 + day * 5).await.expect("purge"), 0);
    // A change arriving for a purged line finds nothing.
    let late_edit = crate::transcript::TranscriptChange {
        ticket: TicketId::new(1),
        message: MessageId::new(10),
        at: T0 + day * 6,
        kind: TranscriptChangeKind::Deleted,
    };
    commit(store, Commit { transcript_changes: vec![late_edit], ..Commit::default() }).await;
    assert!(store.transcript(TicketId::new(1)).await.expect("load").is_empty());
}
