//! A map server in another code page than UTF-8 against the real link server: names and chat arrive in the
//! server's code page, reach Discord as the right text, and staff replies go back in the same code page, with `?`
//! for what it cannot hold. Characters whose second byte is `[`, `]` or `\` (GBK, Big5, Shift_JIS) survive.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapter_xilero::{CodePage, Record};
use common::{Bridge, Chat, Raw, allowed, limits};

/// One code page: a player name and a message in it, and the channel name Discord shows.
struct Case {
    label: &'static str,
    name: &'static str,
    message: &'static str,
    channel: &'static str,
}

const CASES: &[Case] = &[
    Case { label: "utf-8", name: "Zoë", message: "mon épée [+7] a disparu \\o/", channel: "ticket-zoë" },
    Case {
        label: "windows-1252",
        name: "Zoë Ñandú",
        message: "mon épée [+7] coûte 5€ \\o/",
        channel: "ticket-zoë-ñandú",
    },
    Case {
        label: "euc-kr",
        name: "용사김철수",
        message: "아이템이 사라졌어요 [정말] \\",
        channel: "ticket-용사김철수",
    },
    // 乕 乗 乚: second bytes [ \ ].
    Case { label: "gbk", name: "乕乗乚", message: "我的物品不见了 [癨俓] \\", channel: "ticket-乕乗乚" },
    // 許 功 蓋: second byte \.
    Case {
        label: "big5", name: "許功蓋", message: "我的物品不見了 [兞兝兡] \\", channel: "ticket-許功蓋"
    },
    // ソ 表 能: second byte \; ー ゼ: [; ゾ: ].
    Case {
        label: "shift_jis", name: "ソーゾ表", message: "アイテムが消えた [ゼ能申] \\", channel: "ticket-ソーゾ表"
    },
];

/// `record` in `page`, as the map server writes it.
fn line(record: Record, page: CodePage) -> Vec<u8> {
    let mut line = record.encode(page).unwrap();
    line.push(b'\n');
    line
}

fn player(action: &str, name: &str) -> Record {
    Record::action(action).with("name", name).with("account_id", "2000001").with("char_id", "150001")
}

#[tokio::test]
async fn names_and_chat_round_trip_in_every_code_page() {
    for case in CASES {
        let page = CodePage::from_label(case.label).unwrap();
        let mut bridge = Bridge::with_server(limits(), allowed().with_encoding(page)).await;
        let mut game = Raw::authed(bridge.addr).await;
        game.send_bytes(&line(
            Record::action("config").with("ticket_enabled", "true").with("ticket_close_on_logout", "true"),
            page,
        ))
        .await;
        game.send_bytes(&line(player("login", case.name), page)).await;
        game.send_bytes(&line(Record::action("sync_done"), page)).await;
        let ticket = player("ticket", case.name).with("source", "request").with("message", case.message);
        game.send_bytes(&line(ticket, page)).await;
        for action in ["config", "login", "sync_done", "ticket"] {
            assert_eq!(bridge.handled(action).await, None, "{}: {action}", case.label);
        }

        // The bridge answers in the code page: the name is the player's own bytes.
        let created = game.line_bytes().await.unwrap();
        let mut expected = b"[action: ticket_created][name: ".to_vec();
        adapter_xilero::codec::escape(&page.encode(case.name).0, &mut expected);
        expected.extend_from_slice(b"][source: request]");
        assert_eq!(created, expected, "{}", case.label);

        // Discord shows the right text, and a channel slugged from the decoded name.
        let chat = bridge.chat.take();
        assert_eq!(chat.first(), Some(&Chat::Created(case.channel.to_owned())), "{}", case.label);
        let said = format!("**{}** (in game): {}", case.name, case.message);
        assert!(chat.iter().any(|c| c.said() == Some(said.as_str())), "{}: {chat:?}", case.label);

        // A staff reply with an emoji goes back in the code page; what it cannot hold is a visible `?`.
        bridge.staff_reply(case.name, "On it 😀 [GM]").await;
        let whisper = Record::decode(&game.line_bytes().await.unwrap(), page).unwrap().unwrap();
        assert_eq!(whisper.get("name"), Some(case.name), "{}", case.label);
        assert!(!whisper.is_lossy("name") && !whisper.is_lossy("message"), "{}", case.label);
        let expected = if case.label == "utf-8" { "On it 😀 [GM]" } else { "On it ? [GM]" };
        assert_eq!(whisper.get("message"), Some(expected), "{}", case.label);
    }
}

/// Bytes that are not text in the server's code page: a name is refused (the game is told, with the name echoed
/// as far as it is readable), a message keeps what it can with U+FFFD for the rest.
#[tokio::test]
async fn bytes_that_are_not_text_in_the_code_page() {
    let page = CodePage::from_label("euc-kr").unwrap();
    let mut bridge = Bridge::with_server(limits(), allowed().with_encoding(page)).await;
    let mut game = Raw::authed(bridge.addr).await;
    game.send_bytes(b"[action: login][name: \xbe\xc8\xff][account_id: 1][char_id: 1][ref: l1]\n").await;
    let refused = String::from_utf8(game.line_bytes().await.unwrap()).unwrap();
    assert!(
        refused.starts_with(
            "[action: error][code: invalid_field][detail: name has bytes that are not text in this server's encoding"
        ),
        "{refused}"
    );
    assert!(refused.ends_with("[re: login][ref: l1]"), "{refused}");
    game.send_bytes(b"[action: ticket][name: Foo][account_id: 1][char_id: 1][message: \xbe\xc8 \xff!]\n").await;
    assert_eq!(bridge.handled("ticket").await, None);
    let chat = bridge.chat.take();
    let said = chat.iter().find_map(|c| c.said().filter(|text| text.starts_with("**Foo**")));
    assert_eq!(said, Some("**Foo** (in game): 안 \u{fffd}!"));
}

/// A server configured as UTF-8 that sends Windows-1252 (a common mistake) loses no line: the message arrives with
/// U+FFFD where the accents were, and the bridge does not cut the link.
#[tokio::test]
async fn a_wrongly_configured_code_page_loses_no_line() {
    let mut bridge = Bridge::start().await;
    let mut game = Raw::authed(bridge.addr).await;
    game.send_bytes(b"[action: ticket][name: Foo][account_id: 1][char_id: 1][message: caf\xe9]\n").await;
    assert_eq!(bridge.handled("ticket").await, None);
    assert!(bridge.chat.take().iter().any(|c| c.said().is_some_and(|text| text.ends_with("caf\u{fffd}"))));
    assert!(game.until_pong("still up").await.iter().all(|l| !l.contains("error")));
}
