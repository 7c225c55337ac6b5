//! The transcript renderer's tests: snapshots of what people read, and what must never appear in a page.

use time::Duration;
use time::macros::datetime;

use super::*;
use crate::conformance::sample_key;
use crate::id::{ApplicationId, ChannelId, GameServerId, GuildId, MessageId, TicketId, UserId};
use crate::relay::{GameName, seal_user_mentions};
use crate::ticket::{Closure, InGameTicket, RecruitmentTicket, SupportTicket};
use crate::transcript::TranscriptEdit;

const ANN: u64 = 123_456_789_012_345_678;
const BOB: u64 = 234_567_890_123_456_789;
const STRANGER: u64 = 345_678_901_234_567_890;
const RAW: u64 = 456_789_012_345_678_901;
const T: OffsetDateTime = datetime!(2026-12-07 16:30:05 UTC);
const GENERATED: OffsetDateTime = datetime!(2026-12-08 09:00:00 UTC);

fn at(seconds: i64) -> OffsetDateTime {
    T + Duration::seconds(seconds)
}

fn pid(user: u64) -> Pid {
    sample_key().user(UserId::new(user))
}

fn sealed(text: &str) -> String {
    seal_user_mentions(text, &sample_key())
}

fn kaya() -> GameName {
    GameName::new("Kaya").unwrap()
}

fn in_game_ticket() -> Ticket {
    Ticket {
        id: TicketId::new(42),
        guild: GuildId::new(1),
        channel: Some(ChannelId::new(900)),
        channel_name: "kaya-main".into(),
        detail: TicketDetail::InGame(InGameTicket {
            server: GameServerId::new("main").unwrap(),
            player: pid(1),
            name: kaya(),
            online: false,
            held: Vec::new(),
        }),
        opened_at: T,
        closed: Some(Closure { reason: CloseReason::PlayerLoggedOut, by: None, at: at(600) }),
        claim: None,
        timers: Default::default(),
        activity: Default::default(),
        version: 3,
    }
}

fn line(seconds: i64, author: TranscriptAuthor, text: &str) -> TranscriptEntry {
    TranscriptEntry::line(TicketId::new(42), at(seconds), author, text)
}

fn entries() -> Vec<TranscriptEntry> {
    let player = || TranscriptAuthor::Player { name: kaya() };
    let ann = || TranscriptAuthor::staff(pid(ANN), "Ann");
    let bob = || TranscriptAuthor::staff(pid(BOB), "Bob");
    let mut edited = line(240, bob(), "Restord yur cart").from_message(MessageId::new(7003));
    edited.edits = vec![
        TranscriptEdit { at: at(250), text: "Restored yur cart".into() },
        TranscriptEdit { at: at(260), text: "Restored your cart.\nPlease relog.".into() },
    ];
    let mut deleted = line(300, bob(), "wrong ticket, sorry").from_message(MessageId::new(7004));
    deleted.deleted_at = Some(at(330));
    vec![
        line(0, player(), "@request my cart vanished & I can't log in"),
        line(65, ann(), "Looking into it now.\nI pulled the cart log:")
            .from_message(MessageId::new(7001))
            .with_attachments(vec![TranscriptAttachment {
                name: "cart-log.txt".into(),
                url: "https://cdn.discordapp.com/attachments/900/7001/cart-log.txt?ex=1&is=2".into(),
            }]),
        line(120, player(), "<script>alert(1)</script> thanks & \"bye\" 'now'"),
        edited,
        deleted,
        line(360, bob(), &sealed(&format!("Escalated to <@{ANN}>; ping <@&55> in <#77> if it happens again."))),
        line(600, TranscriptAuthor::System, "Kaya logged out; the ticket is closed."),
    ]
}

fn view<'a>(ticket: &'a Ticket, entries: &'a [TranscriptEntry]) -> TranscriptView<'a> {
    TranscriptView { ticket, entries, generated_at: GENERATED }
}

#[test]
fn html_snapshot() {
    let (ticket, entries) = (in_game_ticket(), entries());
    insta::assert_snapshot!("transcript_html", transcript_html(&view(&ticket, &entries), &sample_key()));
}

#[test]
fn text_snapshot() {
    let (ticket, entries) = (in_game_ticket(), entries());
    insta::assert_snapshot!("transcript_text", transcript_text(&view(&ticket, &entries), &sample_key()));
}

fn support_ticket() -> Ticket {
    let key = sample_key();
    Ticket {
        id: TicketId::new(7),
        guild: GuildId::new(1),
        channel: None,
        channel_name: "support-7".into(),
        detail: TicketDetail::Support(SupportTicket {
            opener: key.user(UserId::new(STRANGER)),
            contact: key.seal(UserId::new(STRANGER)),
            question: sealed(&format!("My ship <b>is</b> stuck\nsince <@{ANN}> & <@{RAW}> tried")),
            slot: 0,
        }),
        opened_at: T,
        closed: Some(Closure {
            reason: CloseReason::Resolved { resolution: "Reset the <cart> & relogged".into() },
            by: Some(pid(ANN)),
            at: at(900),
        }),
        claim: None,
        timers: Default::default(),
        activity: Default::default(),
        version: 1,
    }
}

#[test]
fn support_header_snapshot() {
    let ticket = support_ticket();
    let entries = [
        line(1, TranscriptAuthor::member(pid(STRANGER), "Opener"), "Hello?"),
        line(30, TranscriptAuthor::staff(pid(ANN), "Ann"), "On it."),
    ];
    let text = transcript_text(&view(&ticket, &entries), &sample_key());
    insta::assert_snapshot!("support_text", text);
    let html = transcript_html(&view(&ticket, &entries), &sample_key());
    assert!(html.contains("Reset the &lt;cart&gt; &amp; relogged"), "{html}");
    assert!(html.contains("My ship &lt;b&gt;is&lt;/b&gt; stuck\nsince <span class=\"mention\">@Ann</span>"), "{html}");
    for id in [ANN, RAW, STRANGER] {
        assert!(!html.contains(&id.to_string()) && !text.contains(&id.to_string()));
    }
}

#[test]
fn recruitment_header_shows_the_application_number() {
    let key = sample_key();
    let mut ticket = support_ticket();
    ticket.closed = None;
    ticket.detail = TicketDetail::Recruitment(RecruitmentTicket {
        applicant: pid(STRANGER),
        contact: key.seal(UserId::new(STRANGER)),
        application: Some(ApplicationId::new(5)),
    });
    let text = transcript_text(&view(&ticket, &[]), &key);
    assert!(text.contains("Kind: recruitment\n"), "{text}");
    assert!(text.contains("Closed: still open\n"), "{text}");
    assert!(text.contains("Application: #5\n"), "{text}");
    assert!(text.contains("Lines: 0\n") && text.contains("No lines."), "{text}");
    let html = transcript_html(&view(&ticket, &[]), &key);
    assert!(html.contains("<dt>Application</dt><dd class=\"text\">#5</dd>"), "{html}");
}

#[test]
fn scripts_are_shown_as_text_and_nothing_is_loaded() {
    let (ticket, entries) = (in_game_ticket(), entries());
    let html = transcript_html(&view(&ticket, &entries), &sample_key());
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; thanks &amp; &quot;bye&quot; &#39;now&#39;"));
    for banned in ["src=", "@import", "url(", "<img", "<link", "<iframe", "<object", "<embed"] {
        assert!(!lower.contains(banned), "{banned} in the page");
    }
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
    ));
    assert_eq!(html.matches("<style>").count(), 1);
    let text = transcript_text(&view(&ticket, &entries), &sample_key());
    assert!(text.contains("Kaya (player): <script>alert(1)</script> thanks & \"bye\" 'now'\n"), "{text}");
}

#[test]
fn no_user_id_is_ever_printed() {
    let (ticket, mut entries) = (in_game_ticket(), entries());
    entries.push(line(700, TranscriptAuthor::staff(pid(ANN), "Ann"), &format!("raw <@{RAW}> and <@!{RAW}>")));
    entries.push(line(701, TranscriptAuthor::staff(pid(BOB), format!("<@{BOB}>")), "a name that mentions"));
    let html = transcript_html(&view(&ticket, &entries), &sample_key());
    let text = transcript_text(&view(&ticket, &entries), &sample_key());
    for id in [ANN, BOB, RAW] {
        let digits = id.to_string();
        assert!(!html.contains(&digits), "{digits} in the HTML");
        assert!(!text.contains(&digits), "{digits} in the text");
    }
    assert!(text.contains("raw @unknown user and @unknown user\n"), "{text}");
    assert!(text.contains("Escalated to @Ann; ping @role in #channel if it happens again."), "{text}");
}

#[test]
fn mentions_use_the_latest_name_or_the_pid() {
    let key = sample_key();
    let other = PidKey::new(&[9; 32]).unwrap();
    let ticket = in_game_ticket();
    let text = format!(
        "{} / {} / {}",
        sealed(&format!("<@{ANN}>")),
        sealed(&format!("<@{STRANGER}>")),
        seal_user_mentions(&format!("<@{ANN}>"), &other)
    );
    let entries = [
        line(0, TranscriptAuthor::staff(pid(ANN), "Ann"), &text),
        line(20, TranscriptAuthor::member(pid(ANN), "Ann B"), "renamed"),
        line(10, TranscriptAuthor::staff(pid(ANN), "Ann A"), "out of order"),
    ];
    let out = transcript_text(&view(&ticket, &entries), &key);
    let stranger = &pid(STRANGER).to_string()[..8];
    assert!(out.contains(&format!("@Ann B / @member-{stranger} / @unknown user\n")), "{out}");
}

#[test]
fn only_web_urls_are_links() {
    let ticket = in_game_ticket();
    let attachments = ["javascript:alert(1)", "JavaScript:alert(2)", "data:text/html,<b>x</b>", "HTTPS://ok.test/a"]
        .iter()
        .map(|url| TranscriptAttachment { name: "f\"ile<1>".into(), url: (*url).into() })
        .collect();
    let entries = [line(0, TranscriptAuthor::System, "").with_attachments(attachments)];
    let html = transcript_html(&view(&ticket, &entries), &sample_key());
    assert_eq!(html.matches("<a href=").count(), 1, "{html}");
    assert!(html.contains("<a href=\"HTTPS://ok.test/a\""), "{html}");
    assert!(html.contains("<li>f&quot;ile&lt;1&gt; <span class=\"url\">javascript:alert(1)</span></li>"), "{html}");
    assert!(html.contains("data:text/html,&lt;b&gt;x&lt;/b&gt;"), "{html}");
    assert!(!html.to_ascii_lowercase().contains("href=\"javascript"));
    let text = transcript_text(&view(&ticket, &entries), &sample_key());
    assert!(text.contains("  attachment: f\"ile<1> <javascript:alert(1)>\n"), "{text}");
}

#[test]
fn typed_lines_cannot_pass_for_lines_of_their_own() {
    let ticket = in_game_ticket();
    let entries = [line(0, TranscriptAuthor::Player { name: kaya() }, "a\r\n[x] Ann (staff): b\rc\u{1b}[31m")];
    let text = transcript_text(&view(&ticket, &entries), &sample_key());
    assert!(text.contains(": a\n    [x] Ann (staff): b\n    c\u{FFFD}[31m\n"), "{text}");
}

#[test]
fn file_names_keep_only_safe_characters() {
    let mut ticket = in_game_ticket();
    assert_eq!(transcript_file_name(&ticket, "html"), "transcript-kaya-main-42.html");
    assert_eq!(transcript_file_name(&ticket, "txt"), "transcript-kaya-main-42.txt");
    ticket.channel_name = "../Evil Name\u{0}<x>--é/--".into();
    assert_eq!(transcript_file_name(&ticket, "txt"), "transcript-evilnamex-42.txt");
    ticket.channel_name = "--Support--1--".into();
    assert_eq!(transcript_file_name(&ticket, "html"), "transcript-support-1-42.html");
    ticket.channel_name = "✨".into();
    assert_eq!(transcript_file_name(&ticket, "../h.t/ml"), "transcript-42.html");
}

#[test]
fn a_long_transcript_renders() {
    let ticket = in_game_ticket();
    let body = format!("{}<@~{}> & <b>", "x".repeat(1_960), "0".repeat(48));
    let entries: Vec<_> = (0..10_000)
        .map(|i| {
            let author = if i % 2 == 0 {
                TranscriptAuthor::Player { name: kaya() }
            } else {
                TranscriptAuthor::staff(pid(ANN + i), format!("Staff {}", i % 7))
            };
            line(i64::try_from(i).unwrap(), author, &body)
        })
        .collect();
    let html = transcript_html(&view(&ticket, &entries), &sample_key());
    assert_eq!(html.matches("<li class=\"line").count(), 10_000);
    assert!(html.len() > 20_000_000);
    let text = transcript_text(&view(&ticket, &entries), &sample_key());
    assert_eq!(text.matches("\n[2026-").count(), 10_000);
}
