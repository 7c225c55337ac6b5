//! Transcripts through the desk: what a line keeps, edits and deletions, the file at close, `/tickets transcript`,
//! retention.

use super::*;
use crate::desk::{ChannelPost, TRANSCRIPT_FILE_MAX, TranscriptTarget, transcript_file};
use crate::ports::{TranscriptAttachment, TranscriptAuthor};
use crate::{AdminCommand, DeskError, MessageId, TicketId};

/// The file sent with a call, as text.
fn attached(call: &Call) -> Option<(String, String)> {
    let message = match call {
        Call::Send { message, .. } | Call::Dm { message, .. } => message,
        _ => return None,
    };
    let file = message.files.first()?;
    Some((file.name.clone(), String::from_utf8(file.data.clone()).expect("a transcript is UTF-8")))
}

async fn support_ticket(world: &World, opener: &Actor) -> (TicketId, ChannelId) {
    let opened = world.desk.open_support_ticket(GUILD, opener, "My ship <b>fell</b> through the floor").await.unwrap();
    (opened.ticket, world.channel_of(opened.ticket))
}

#[pollster::test]
async fn lines_keep_their_message_staff_flag_and_attachments_and_follow_edits_and_deletions() {
    let world = World::configured();
    let ann = member(1234, "Ann");
    let (ticket, channel) = support_ticket(&world, &ann).await;
    let file =
        TranscriptAttachment { name: "crash.log".into(), url: "https://cdn.discordapp.com/a/1/crash.log".into() };
    let post = |id: u64, text: &str| ChannelPost {
        message: Some(MessageId::new(id)),
        content: text.into(),
        ..Default::default()
    };
    world
        .desk
        .channel_post(channel, &ann, &ChannelPost { attachments: vec![file.clone()], ..post(501, "") })
        .await
        .unwrap();
    world.desk.channel_post(channel, &staff(7, "Bob"), &post(502, "Looking, <@1234>")).await.unwrap();
    world.desk.channel_post(channel, &ann, &post(503, "typo heer")).await.unwrap();
    world.desk.message_edited(channel, MessageId::new(503), "typo here").await.unwrap();
    world.desk.message_deleted(channel, MessageId::new(502)).await.unwrap();
    // A message of no ticket, and an edit of a message the transcript never had, change nothing.
    assert_eq!(world.desk.message_edited(ChannelId::new(4242), MessageId::new(1), "x").await.unwrap(), None);
    world.desk.message_edited(channel, MessageId::new(999), "not ours").await.unwrap();

    let lines = world.store.transcript(ticket).await.unwrap();
    let by = |id: u64| lines.iter().find(|l| l.message == Some(MessageId::new(id))).expect("a line of the message");
    assert_eq!(by(501).attachments, vec![file], "a message of a file alone is kept, as a link");
    assert!(matches!(by(501).author, TranscriptAuthor::Member { staff: false, .. }), "the opener is not staff");
    assert!(matches!(by(502).author, TranscriptAuthor::Member { staff: true, .. }), "Bob may resolve: staff");
    assert!(!by(502).text.contains("1234"), "a mention is stored sealed: {}", by(502).text);
    assert!(by(502).deleted_at.is_some());
    assert_eq!((by(503).text.as_str(), by(503).current_text()), ("typo heer", "typo here"));
    assert_eq!(lines.iter().filter(|l| l.text == "not ours" || l.current_text() == "not ours").count(), 0);
    assert!(world.store.pending_effects(None).await.unwrap().is_empty());
}

#[pollster::test]
async fn resolving_posts_the_transcript_with_the_log_entry_and_the_dm() {
    let world = World::configured();
    world.configure(|s| {
        s.dm_on_close = true;
        s
    });
    let ann = member(1234, "Ann");
    let (ticket, channel) = support_ticket(&world, &ann).await;
    world.desk.channel_message(channel, &ann, "<script>alert(1)</script> & thanks").await.unwrap();
    world.take_calls();
    world.desk.resolve_ticket(channel, &staff(7, "Bob"), "Claimed it back").await.unwrap();
    let calls = world.take_calls();
    let log = calls.iter().find(|c| matches!(c, Call::Send { channel, .. } if *channel == LOG.get())).unwrap();
    let (name, page) = attached(log).expect("the log entry carries the transcript");
    assert_eq!(name, format!("transcript-support-ann-{ticket}.html"));
    for shown in [
        "My ship &lt;b&gt;fell&lt;/b&gt;",
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; thanks",
        "Resolved: Claimed it back",
    ] {
        assert!(page.contains(shown), "{shown} in the page");
    }
    assert!(!page.contains("<script>") && !page.contains("1234"), "escaped, and no raw user id");
    let dm = calls.iter().find(|c| matches!(c, Call::Dm { .. })).unwrap();
    assert_eq!(attached(dm).expect("the opener gets it too").1, page);
    let deleted = calls.iter().position(|c| matches!(c, Call::DeleteChannel { .. })).unwrap();
    assert!(calls.iter().position(|c| std::ptr::eq(c, log)).unwrap() < deleted, "logged before the channel goes");
}

#[pollster::test]
async fn a_support_channel_deleted_by_hand_leaves_its_transcript_in_the_log() {
    let world = World::configured();
    let ann = member(1234, "Ann");
    let (ticket, channel) = support_ticket(&world, &ann).await;
    world.take_calls();
    world.desk.channel_deleted(channel).await.unwrap();
    let calls = world.take_calls();
    let log = calls.iter().find(|c| matches!(c, Call::Send { channel, .. } if *channel == LOG.get())).unwrap();
    assert!(readable(log).iter().any(|t| t.contains("Ticket closed")), "{log:?}");
    let (_, page) = attached(log).expect("with its transcript");
    assert!(page.contains(&format!("Ticket #{ticket}")));
}

#[pollster::test]
async fn an_in_game_ticket_closed_on_logout_logs_its_transcript() {
    let world = World::configured();
    let kaya = player("Kaya", 77);
    let opened =
        world.desk.open_game_ticket(GUILD, &server(), &kaya, crate::TicketSource::Request, "cart gone").await.unwrap();
    let crate::InGameOutcome::Opened(ticket) = opened else { panic!("{opened:?}") };
    world.desk.channel_message(world.channel_of(ticket), &game_staff(9, "Gm"), "on it").await.unwrap();
    world.take_calls();
    world.desk.player_logout(GUILD, &server(), &kaya).await.unwrap();
    let calls = world.take_calls();
    let log = calls.iter().find(|c| matches!(c, Call::Send { channel, .. } if *channel == LOG.get())).unwrap();
    let (name, page) = attached(log).expect("the transcript goes with the closing entry");
    assert!(name.ends_with(".html"));
    assert!(page.contains("cart gone") && page.contains("on it") && page.contains("staff"));
}

#[pollster::test]
async fn the_transcript_command_serves_staff_and_the_opener_only() {
    let world = World::configured();
    let ann = member(1234, "Ann");
    let (ticket, channel) = support_ticket(&world, &ann).await;
    for who in [ann.clone(), staff(7, "Bob"), admin(8, "Ada")] {
        let reply = world.desk.transcript_for(&who, TranscriptTarget::Ticket(ticket)).await.unwrap();
        assert_eq!(reply.files.len(), 1, "{} gets the file", who.display_name);
        assert!(reply.content.starts_with(&format!("Transcript of ticket #{ticket} (#support-ann)")));
    }
    let by_channel = world.desk.transcript_for(&staff(7, "Bob"), TranscriptTarget::Channel(channel)).await.unwrap();
    assert_eq!(by_channel.files.len(), 1);
    let refused = world.desk.transcript_for(&member(55, "Eve"), TranscriptTarget::Ticket(ticket)).await.unwrap_err();
    assert!(matches!(refused, DeskError::NotPermitted { .. }), "{refused}");
    let mut stranger = staff(7, "Bob");
    stranger.guild = GuildId::new(2);
    let refused = world.desk.transcript_for(&stranger, TranscriptTarget::Ticket(ticket)).await.unwrap_err();
    assert!(matches!(refused, DeskError::OtherGuild));
    let missing = world.desk.transcript_for(&staff(7, "Bob"), TranscriptTarget::Ticket(TicketId::new(999))).await;
    assert!(matches!(missing, Err(DeskError::TicketNotFound(_))));
    let not_a_ticket = world.desk.transcript_for(&staff(7, "Bob"), TranscriptTarget::Channel(LOG)).await;
    assert!(matches!(not_a_ticket, Err(DeskError::NotATicket(_))));
}

#[pollster::test]
async fn transcripts_past_the_retention_are_purged_by_the_clock_even_after_a_restart() {
    let world = World::configured();
    let admin = admin(8, "Ada");
    for bad in [Some(0), Some(crate::settings::TranscriptSettings::MAX_RETENTION_DAYS + 1)] {
        let refused = world.desk.admin(GUILD, &admin, AdminCommand::SetTranscripts { retention_days: bad }).await;
        assert!(matches!(refused, Err(DeskError::Invalid { field: "retention", .. })), "{bad:?}");
    }
    let saved =
        world.desk.admin(GUILD, &admin, AdminCommand::SetTranscripts { retention_days: Some(30) }).await.unwrap();
    assert!(saved.content.contains("30 days"), "{}", saved.content);
    let shown = world.desk.admin(GUILD, &admin, AdminCommand::ShowWorkflow).await.unwrap();
    assert!(readable(&Call::Send { channel: 0, message: shown }).iter().any(|t| t.contains("30 days after closing")));

    let ann = member(1234, "Ann");
    let (old, channel) = support_ticket(&world, &ann).await;
    world.desk.resolve_ticket(channel, &staff(7, "Bob"), "done").await.unwrap();
    world.advance(time::Duration::days(20));
    let (recent, channel) = support_ticket(&world, &member(1235, "Cy")).await;
    world.desk.resolve_ticket(channel, &staff(7, "Bob"), "done").await.unwrap();
    let (open, _) = support_ticket(&world, &member(1236, "Dee")).await;
    assert_eq!(world.desk.purge_expired_transcripts(GUILD).await.unwrap(), 0, "nothing is 30 days old yet");

    // A new process over the same store, 11 days later: the first ticket closed 31 days ago.
    let restarted = World::over(world.store.clone());
    *restarted.now.lock().unwrap() = *world.now.lock().unwrap() + time::Duration::days(11);
    assert!(restarted.desk.purge_expired_transcripts(GUILD).await.unwrap() > 0);
    assert!(restarted.store.transcript(old).await.unwrap().is_empty(), "past the retention");
    assert!(!restarted.store.transcript(recent).await.unwrap().is_empty(), "closed 11 days ago");
    assert!(!restarted.store.transcript(open).await.unwrap().is_empty(), "open tickets keep theirs");

    restarted.desk.admin(GUILD, &admin, AdminCommand::SetTranscripts { retention_days: None }).await.unwrap();
    restarted.advance(time::Duration::days(400));
    assert_eq!(restarted.desk.purge_expired_transcripts(GUILD).await.unwrap(), 0, "kept for good");
}

#[pollster::test]
async fn a_transcript_too_large_for_discord_goes_as_text_with_its_newest_lines() {
    let world = World::configured();
    let ann = member(1234, "Ann");
    let (ticket, channel) = support_ticket(&world, &ann).await;
    let long = "ä".repeat(1900);
    for n in 0..2600 {
        world.desk.channel_message(channel, &ann, &format!("{n} {long}")).await.unwrap();
    }
    let t = world.store.ticket(ticket).await.unwrap().unwrap();
    let entries = world.store.transcript(ticket).await.unwrap();
    let file = transcript_file(&t, &entries, &sample_key(), T0);
    assert!(file.data.len() <= TRANSCRIPT_FILE_MAX, "{} bytes", file.data.len());
    assert!(file.name.ends_with(".txt"), "{}", file.name);
    let text = String::from_utf8(file.data).unwrap();
    assert!(text.starts_with("[The ") && text.contains("oldest lines are left out"));
    assert!(text.contains("2599 ääää"), "the newest line is kept");
}
