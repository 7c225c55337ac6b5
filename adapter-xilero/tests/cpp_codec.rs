//! The map-server integration's record codec (`contrib/rathena/src/map/ragnasync_record.cpp`), compiled with the
//! system C++ compiler, against the real link server: what rAthena would write is what the bridge reads, and back,
//! in every code page, including GBK and Shift_JIS characters whose second byte is `[`, `]` or `\`.
//!
//! The codec depends on the C++ standard library only, so it builds outside rAthena, with the driver
//! `contrib/rathena/test/record_client.cpp`. Without a C++ compiler (`$CXX`, `c++`, `g++` or `clang++`) the test
//! says so and passes, except under `CI=true`, where it must run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;

use adapter_xilero::{CodePage, Record};
use common::{Bridge, SECRET, allowed, limits};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

fn contrib() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../contrib/rathena")
}

/// The driver, compiled once per test run; `None` without a compiler (outside CI).
fn driver() -> Option<&'static Path> {
    static DRIVER: OnceLock<Option<PathBuf>> = OnceLock::new();
    DRIVER
        .get_or_init(|| {
            let candidates = std::env::var("CXX").ok().into_iter().chain(["c++", "g++", "clang++"].map(String::from));
            let compiler = candidates.into_iter().find(|c| {
                std::process::Command::new(c)
                    .arg("--version")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok()
            });
            let Some(compiler) = compiler else {
                assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true: a C++ compiler is required");
                println!("no C++ compiler ($CXX, c++, g++, clang++): the C++ record codec is not tested here");
                return None;
            };
            let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("record_client");
            let map = contrib().join("src/map");
            let built = std::process::Command::new(&compiler)
                .args(["-std=c++17", "-O1", "-Wall", "-Wextra", "-Werror", "-I"])
                .arg(&map)
                .arg(map.join("ragnasync_record.cpp"))
                .arg(contrib().join("test/record_client.cpp"))
                .arg("-o")
                .arg(&out)
                .output()
                .expect("the compiler runs");
            assert!(built.status.success(), "{compiler} failed:\n{}", String::from_utf8_lossy(&built.stderr));
            Some(out)
        })
        .as_deref()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

/// The driver connected to a bridge.
struct Game {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    page: CodePage,
}

impl Game {
    async fn connect(driver: &Path, port: u16, page: CodePage) -> Self {
        let mut child = Command::new(driver)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        Self { child, stdin, stdout, page }
    }

    async fn command(&mut self, line: &str) {
        self.stdin.write_all(format!("{line}\n").as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// Sends a record whose values are text in the game's code page, encoded by the C++ codec.
    async fn send(&mut self, pairs: &[(&str, &str)]) {
        let mut line = String::from("send");
        for (key, value) in pairs {
            let _ = write!(line, " {key}={}", hex(&self.page.encode(value).0));
        }
        self.command(&line).await;
    }

    /// The next record the bridge sent, as the C++ codec decoded it: its pairs as raw bytes.
    async fn recv(&mut self) -> Vec<(String, Vec<u8>)> {
        self.command("recv").await;
        let answer = tokio::time::timeout(common::PATIENCE, self.stdout.next_line()).await.unwrap().unwrap().unwrap();
        let pairs = answer.strip_prefix("rec").unwrap_or_else(|| panic!("the driver said {answer:?}"));
        pairs
            .split_whitespace()
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap();
                (key.to_owned(), unhex(value))
            })
            .collect()
    }

    /// The value of `key` in `record`, decoded from the game's code page.
    fn text(&self, record: &[(String, Vec<u8>)], key: &str) -> String {
        let value = &record.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no {key} in {record:?}")).1;
        self.page.decode(value).0.into_owned()
    }

    async fn quit(mut self) {
        self.command("quit").await;
        let status = tokio::time::timeout(common::PATIENCE, self.child.wait()).await.unwrap().unwrap();
        assert!(status.success());
    }
}

#[test]
fn the_codec_passes_its_own_checks() {
    let Some(driver) = driver() else { return };
    let run = std::process::Command::new(driver).arg("--self-test").output().unwrap();
    assert!(run.status.success(), "{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
}

/// Names and chat in each code page, with the characters whose second byte is `[`, `\` or `]`.
const CASES: &[(&str, &str, &str)] = &[
    ("utf-8", "Zoë", "mon épée [+7] \\o/ 😀"),
    ("windows-1252", "Zoë Ñandú", "coûte 5€ [vraiment] \\o/"),
    ("euc-kr", "용사김철수", "아이템 [정말] \\"),
    ("gbk", "乕乗乚", "我的物品 [癨俓俔] \\"),
    ("big5", "許功蓋", "物品不見了 [兞兝兡] \\"),
    ("shift_jis", "ソーゾ表", "アイテム [ゼ能申] \\"),
];

#[tokio::test]
async fn the_cpp_codec_and_the_link_server_understand_each_other() {
    let Some(driver) = driver() else { return };
    for &(label, name, message) in CASES {
        let page = CodePage::from_label(label).unwrap();
        let mut bridge = Bridge::with_server(limits(), allowed().with_encoding(page)).await;
        let mut game = Game::connect(driver, bridge.addr.port(), page).await;
        game.send(&[("action", "auth"), ("server_id", "xilero"), ("secret", SECRET), ("protocol", "1")]).await;
        let ok = game.recv().await;
        assert_eq!(game.text(&ok, "action"), "auth_ok", "{label}");
        game.send(&[("action", "config"), ("ticket_enabled", "true"), ("ticket_close_on_logout", "true")]).await;
        let player = [("name", name), ("account_id", "2000001"), ("char_id", "150001")];
        game.send(&[&[("action", "login")][..], &player].concat()).await;
        game.send(&[("action", "sync_done")]).await;
        let ticket = [&[("action", "ticket"), ("source", "whisper")][..], &player, &[("message", message)]].concat();
        game.send(&ticket).await;
        for action in ["config", "login", "sync_done", "ticket"] {
            assert_eq!(bridge.handled(action).await, None, "{label}: {action}");
        }
        let created = game.recv().await;
        assert_eq!(game.text(&created, "action"), "ticket_created", "{label}");
        assert_eq!(created.iter().find(|(k, _)| k == "name").unwrap().1, page.encode(name).0.to_vec(), "{label}");
        let said = format!("**{name}** (in game): {message}");
        assert!(
            bridge.chat.take().iter().any(|c| c.said() == Some(said.as_str())),
            "{label}: the bridge read what the C++ codec wrote"
        );

        bridge.staff_reply(name, "see \\\\share [GM] ok").await;
        let whisper = game.recv().await;
        assert_eq!(game.text(&whisper, "action"), "whisper", "{label}");
        assert_eq!(game.text(&whisper, "name"), name, "{label}");
        assert_eq!(game.text(&whisper, "message"), "see \\\\share [GM] ok", "{label}");
        let reference = game.text(&whisper, "ref");
        game.send(&[("action", "error"), ("code", "player_offline"), ("name", name), ("ref", &reference)]).await;
        assert_eq!(bridge.handled("error").await, None, "{label}: the bridge took the whisper back by its ref");
        game.send(&[("action", "ping"), ("ref", "done")]).await;
        let pong = game.recv().await;
        assert_eq!((game.text(&pong, "action"), game.text(&pong, "ref")), ("pong".into(), "done".into()), "{label}");
        game.quit().await;
    }
}

/// What the bridge writes is escaped so that the C++ decoder takes it back byte for byte, and a malformed line
/// from the game is answered, not fatal.
#[tokio::test]
async fn escapes_and_malformed_lines_cross_the_language_boundary() {
    let Some(driver) = driver() else { return };
    let page = CodePage::from_label("gbk").unwrap();
    let bridge = Bridge::with_server(limits(), allowed().with_encoding(page)).await;
    let mut game = Game::connect(driver, bridge.addr.port(), page).await;
    game.send(&[("action", "auth"), ("server_id", "xilero"), ("secret", SECRET)]).await;
    game.recv().await;
    // Raw bytes the C++ side did not encode: an unescaped GBK second byte `]` (0x81 0x5D) cuts the value short.
    let broken = b"[action: ticket][name: Foo][account_id: 1][char_id: 1][message: \x81]]\n";
    game.command(&format!("raw {}", hex(broken))).await;
    let answer = game.recv().await;
    assert_eq!(game.text(&answer, "code"), "malformed");
    assert_eq!(game.text(&answer, "name"), "Foo", "the player is named so the game can tell them");
    // The same character escaped by the C++ encoder is fine.
    let good = Record::action("ping").with("ref", "乚").encode(page).unwrap();
    game.send(&[("action", "ping"), ("ref", "乚")]).await;
    let pong = game.recv().await;
    assert_eq!(game.text(&pong, "ref"), "乚");
    assert!(good.windows(2).any(|w| w == b"\\]"), "the Rust encoder escapes the second byte too");
    game.quit().await;
}
