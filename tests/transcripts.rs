//! Transcripts end to end, against the fake Discord: what is written, attached, edited and deleted in a ticket
//! channel reaches the transcript; the page goes with the log entry and the opener's DM at close; `/ticket
//! transcript` serves the opener and staff and nobody else.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use adapter_discord::sim::AttachmentState;
use e2e::{PATIENCE, Stack, channel_in, custom_ids, opt, readable, sub};

/// Opens a support ticket as `user`; returns its channel.
async fn open_ticket(stack: &Stack, user: u64, question: &str) -> u64 {
    let d = &stack.discord;
    let panel = stack.wait_message(stack.places.support_panel, |m| custom_ids(m) == ["tickets:open-support"]).await;
    let click = d.click_button(stack.places.support_panel, panel.id, "tickets:open-support", user).await;
    let modal = click.modal().expect("the opening question is asked in a modal");
    let submitted = d.submit_modal(stack.places.support_panel, &modal.custom_id, &[("question", question)], user).await;
    channel_in(&submitted.reply_text().unwrap(), "Your support ticket is open: <#")
}

/// The text of the one file attached to a message.
fn page(files: &[AttachmentState]) -> (String, String) {
    assert_eq!(files.len(), 1, "one file: {files:?}");
    (files[0].filename.clone(), String::from_utf8(files[0].data.clone()).expect("UTF-8"))
}

/// `text` with what changes from run to run replaced, for snapshots: times (`2026-12-07 16:30:05 UTC`, and
/// `2026-12-07T16:30:05Z` in `datetime` attributes), Discord's snowflakes (channel and attachment ids in links), and
/// the short pids of people mentioned (their ids are snowflakes too).
fn stable(text: &str) -> String {
    let shapes: [(&str, &str); 3] = [
        ("dddd-dd-dd dd:dd:dd UTC", "[time]"),
        ("dddd-dd-ddTdd:dd:ddZ", "[iso time]"),
        ("@member-hhhhhhhh", "@member-[pid]"),
    ];
    let fits = |s: &str, shape: &str| {
        s.len() >= shape.len()
            && s.bytes().zip(shape.bytes()).all(|(c, p)| match p {
                b'd' => c.is_ascii_digit(),
                b'h' => c.is_ascii_hexdigit(),
                _ => c == p,
            })
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while let Some(c) = rest.chars().next() {
        for (shape, with) in shapes {
            if fits(rest, shape) {
                out.push_str(with);
                rest = &rest[shape.len()..];
                continue 'scan;
            }
        }
        // A run of 15 or more digits: a snowflake.
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits >= 15 {
            out.push_str("[id]");
            rest = &rest[digits..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// How many lines the transcript of the ticket in `channel` has, once it has `n`.
async fn wait_lines(stack: &Stack, channel: u64, n: usize) {
    let store = stack.app.store().clone();
    let reached = e2e::eventually(async || {
        let channel = ticket_core::ChannelId::new(channel);
        let ticket = ticket_core::TicketStore::ticket_by_channel(&*store, channel).await.unwrap()?;
        let lines = ticket_core::TicketStore::transcript(&*store, ticket.id).await.unwrap();
        (lines.len() >= n).then_some(())
    })
    .await;
    assert!(reached.is_some(), "the transcript reached {n} lines");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resolved_ticket_leaves_a_readable_transcript_in_the_log_and_the_dm() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    let channel = open_ticket(&stack, people.ann, "My ship <b>fell</b> through the floor & vanished").await;
    stack.wait_message(channel, |m| custom_ids(m) == ["tickets:resolve", "tickets:claim"]).await;

    let shot =
        d.send_message_with_attachments(channel, people.ann, "here is the log", &[("crash log.txt", b"boom")]).await;
    assert_ne!(shot, 0);
    let typo = d.send_message(channel, people.ann, "it hapened at 10:00").await;
    let wrong = d.send_message(channel, people.staff, &format!("Wrong ticket, <@{}>", people.bob)).await;
    let answer = d.send_message(channel, people.staff, "<script>alert(1)</script> Checking now.").await;
    assert!(d.edit_message_by_hand(channel, typo, people.ann, "it happened at 10:00").await);
    assert!(d.delete_message_by_hand(channel, wrong, people.staff).await);
    assert_ne!(answer, 0);
    // Edits and deletions reach the store through the channel's lane, after their messages.
    let store = stack.app.store().clone();
    let kept = e2e::eventually(async || {
        let ticket = ticket_core::TicketStore::ticket_by_channel(&*store, ticket_core::ChannelId::new(channel))
            .await
            .unwrap()
            .unwrap();
        let lines = ticket_core::TicketStore::transcript(&*store, ticket.id).await.unwrap();
        let edited = lines.iter().any(|l| l.current_text() == "it happened at 10:00");
        let deleted = lines.iter().any(|l| l.deleted_at.is_some());
        (edited && deleted).then_some(lines)
    })
    .await
    .expect("the edit and the deletion are kept");
    assert_eq!(kept.iter().filter(|l| !l.attachments.is_empty()).count(), 1);

    let welcome = stack.wait_message(channel, |m| custom_ids(m) == ["tickets:resolve", "tickets:claim"]).await;
    let click = d.click_button(channel, welcome.id, "tickets:resolve", people.staff).await;
    let modal = click.modal().unwrap();
    d.submit_modal(channel, &modal.custom_id, &[("resolution", "Ship restored")], people.staff).await;

    let log = stack.wait_message(places.log, |m| readable(m).contains("Support ticket resolved")).await;
    let (name, html) = page(&log.attachments);
    assert_eq!(name, "transcript-support-ann-1.html");
    for shown in [
        "My ship &lt;b&gt;fell&lt;/b&gt; through the floor &amp; vanished",
        "crash log.txt",
        "it happened at 10:00",
        "it hapened at 10:00",
        "&lt;script&gt;alert(1)&lt;/script&gt; Checking now.",
        "Resolved: Ship restored",
        "@member-",
    ] {
        assert!(html.contains(shown), "{shown:?} in the page");
    }
    assert!(!html.contains("<script"), "nothing a member typed becomes markup");
    for id in [people.ann, people.bob, people.staff] {
        assert!(!html.contains(&id.to_string()), "no raw user id ({id}) in the page");
    }
    assert!(d.wait_for(PATIENCE, |d| !d.dms(people.ann).is_empty()).await, "the opener is DMed");
    let dm = &d.dms(people.ann)[0];
    assert!(readable(dm).contains("Ship restored"));
    assert_eq!(page(&dm.attachments).1, html, "the opener gets the same page");
    insta::assert_snapshot!("resolved_support_transcript", stable(&html));
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_transcript_command_serves_the_opener_and_staff_only() {
    let stack = Stack::start().await;
    let d = &stack.discord;
    let (people, places) = (stack.people, stack.places);
    let channel = open_ticket(&stack, people.ann, "help").await;
    d.send_message(channel, people.ann, "still there?").await;
    wait_lines(&stack, channel, 2).await;

    // The opener, in the ticket's channel, with no option.
    let own = d.run_command(places.guild, channel, people.ann, "ticket", sub("transcript", vec![])).await;
    assert!(own.is_ephemeral());
    assert_eq!(own.reply_text().as_deref(), Some("Transcript of ticket #1 (#support-ann): 2 lines."));
    let (name, html) = page(&d.response_attachments(own.id));
    assert_eq!(name, "transcript-support-ann-1.html");
    assert!(html.contains("help") && html.contains("still there?"), "the opening question and the message");

    // Staff by number, from elsewhere; the admin too (with /ticket: /tickets has no copy of it).
    let by_number = sub("transcript", vec![opt("ticket", 4, 1)]);
    let staff = d.run_command(places.guild, places.support_panel, people.staff, "ticket", by_number.clone()).await;
    assert_eq!(d.response_attachments(staff.id).len(), 1);
    let admin = stack.admin_command("ticket", by_number.clone()).await;
    assert_eq!(d.response_attachments(admin.id).len(), 1);

    // Another member is refused, and sees no file.
    let refused = d.run_command(places.guild, places.support_panel, people.bob, "ticket", by_number).await;
    assert_eq!(
        refused.reply_text().as_deref(),
        Some(
            "You need the support role or the Manage Channels permission to read the transcripts of other members' \
             tickets."
        )
    );
    assert!(d.response_attachments(refused.id).is_empty());
    let nothing =
        d.run_command(places.guild, places.support_panel, people.staff, "ticket", sub("transcript", vec![])).await;
    assert_eq!(nothing.reply_text().as_deref(), Some("This channel is not a ticket."));
    stack.assert_no_violations();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_is_set_shown_and_refused_when_out_of_range() {
    let stack = Stack::start().await;
    let set = stack.admin_command("tickets", sub("set-transcripts", vec![opt("retention_days", 4, 90)])).await;
    assert!(set.reply_text().unwrap().starts_with("Saved. Transcripts of tickets closed more than 90 days ago"));
    let shown = stack.admin_command("tickets", sub("show-workflow", vec![])).await;
    let embeds = readable(&stack.discord.response_message(shown.id).expect("the reply"));
    assert!(embeds.contains("90 days after closing"), "{embeds}");
    let forever = stack.admin_command("tickets", sub("set-transcripts", vec![opt("keep_forever", 5, true)])).await;
    assert_eq!(forever.reply_text().as_deref(), Some("Saved. Transcripts are kept for good."));
    let missing = stack.admin_command("tickets", sub("set-transcripts", vec![])).await;
    assert_eq!(missing.reply_text().as_deref(), Some("the option `retention_days` is missing or invalid"));
    stack.assert_no_violations();
    stack.stop().await;
}
