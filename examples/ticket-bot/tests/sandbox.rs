//! `ticket-bot sandbox` as a game-server owner uses it to check a map server: the binary with their configuration
//! (a Windows-1252 server), a map server connecting to its game link, and staff replies typed on its input.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use adapter_xilero::sim::{MapServer, Seen, SimConfig, SimEvent};
use adapter_xilero::{CodePage, Secret};
use ticket_core::GameServerId;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

const PATIENCE: Duration = Duration::from_secs(30);
const LINK_SECRET: &str = "a-link-secret-of-enough-bytes";

struct Sandbox {
    child: Child,
    input: ChildStdin,
    output: Lines<BufReader<ChildStdout>>,
}

impl Sandbox {
    /// Reads standard output until a line contains `text`; returns it.
    async fn line(&mut self, text: &str) -> String {
        let found = tokio::time::timeout(PATIENCE, async {
            while let Some(line) = self.output.next_line().await.unwrap() {
                if line.contains(text) {
                    return Some(line);
                }
            }
            None
        });
        found.await.ok().flatten().unwrap_or_else(|| panic!("the sandbox never printed {text:?}"))
    }

    async fn type_line(&mut self, line: &str) {
        self.input.write_all(format!("{line}\n").as_bytes()).await.unwrap();
        self.input.flush().await.unwrap();
    }
}

async fn event(events: &mut tokio::sync::mpsc::UnboundedReceiver<SimEvent>, wanted: impl Fn(&SimEvent) -> bool) {
    let found = tokio::time::timeout(PATIENCE, async {
        while let Some(event) = events.recv().await {
            if wanted(&event) {
                return;
            }
        }
    });
    found.await.expect("the map server saw it");
}

#[tokio::test]
async fn a_map_server_is_checked_against_the_fake_discord() {
    let dir = tempfile::tempdir().unwrap();
    let config = "[game_link]\nlisten = \"127.0.0.1:0\"\n\n[[game_link.servers]]\nid = \"xilero\"\nguild = \"1\"\nencoding = \"windows-1252\"\n";
    std::fs::write(dir.path().join("ticket-bot.toml"), config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ticket-bot"))
        .arg("sandbox")
        .current_dir(dir.path())
        .env("TICKET_BOT_LINK_SECRET_XILERO", LINK_SECRET)
        .env_remove("DISCORD_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let input = child.stdin.take().unwrap();
    let output = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut sandbox = Sandbox { child, input, output };
    let listening = sandbox.line("Game link: listening on ").await;
    let addr: SocketAddr =
        listening.split("listening on ").nth(1).unwrap().trim_end_matches(". Map servers allowed:").parse().unwrap();
    assert!(sandbox.line("  xilero (encoding windows-1252, from 127.0.0.0/8, ::1/128)").await.contains("xilero"));

    let mut config =
        SimConfig::new("127.0.0.1", addr.port(), GameServerId::new("xilero").unwrap(), Secret::new(LINK_SECRET));
    config.encoding = CodePage::from_label("windows-1252").unwrap();
    config.backoff_initial = Duration::from_millis(50);
    let (sim, mut events) = MapServer::start(config);
    event(&mut events, |e| *e == SimEvent::LinkUp).await;
    sandbox.line("[game link] map server xilero is linked").await;

    sim.login("Zoë").await.unwrap();
    assert!(sim.request("Zoë", "mon épée a disparu").await.unwrap());
    sandbox.line("[Discord] #ticket-zoë opens").await;
    sandbox.line("Zoë (in game): mon épée a disparu").await;
    event(&mut events, |e| matches!(e, SimEvent::Sees { line: Seen::TicketCreated, .. })).await;

    sandbox.type_line("#ticket-zoë Bien reçu 😀").await;
    event(
        &mut events,
        |e| matches!(e, SimEvent::Sees { line: Seen::Whisper { message, .. }, .. } if message == "Bien reçu ?"),
    )
    .await;

    sim.logout("Zoë").await.unwrap();
    sandbox.line("[Discord] #ticket-zoë is deleted").await;
    sandbox.type_line("quit").await;
    let status = tokio::time::timeout(PATIENCE, sandbox.child.wait()).await.unwrap().unwrap();
    assert!(status.success());
    sim.shutdown().await;
}
