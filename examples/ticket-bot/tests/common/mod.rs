//! Test support: the real `ticket-bot` binary running as a child process against the fake Discord, with its JSON
//! log lines read as they come.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use adapter_discord::sim::FakeDiscord;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, Command};

/// How long a log line or a state may take to appear.
pub const PATIENCE: Duration = Duration::from_secs(30);
/// The game link secret the tests give game server `xilero`.
pub const LINK_SECRET: &str = "a-link-secret-of-enough-bytes";

/// The bot, running, and its log lines.
pub struct Bot {
    pub child: Child,
    logs: Lines<BufReader<ChildStderr>>,
    pub seen: Vec<Value>,
}

impl Bot {
    /// `ticket-bot --log-format json [args] run` in `dir`, with the token of `discord`, the link secret of
    /// `xilero`, `RUST_LOG=info` and `vars`; no other of the bot's variables.
    pub fn start(dir: &Path, discord: &FakeDiscord, args: &[&str], vars: &[(&str, &str)]) -> Bot {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ticket-bot"))
            .args(["--log-format", "json"])
            .args(args)
            .arg("run")
            .current_dir(dir)
            .env("DISCORD_TOKEN", discord.token())
            .env("TICKET_BOT_LINK_SECRET_XILERO", LINK_SECRET)
            .env("RUST_LOG", "info")
            .env_remove("TICKET_BOT_PID_SECRET")
            .env_remove("TICKET_BOT_LINK_SECRET")
            .env_remove("TICKET_BOT_DATABASE_PASSWORD")
            .envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let logs = BufReader::new(child.stderr.take().unwrap()).lines();
        Bot { child, logs, seen: Vec::new() }
    }

    /// Reads log lines until one has this message; every line must be a JSON object.
    pub async fn log(&mut self, message: &str) -> Value {
        let found = tokio::time::timeout(PATIENCE, async {
            while let Some(line) = self.logs.next_line().await.unwrap() {
                let event: Value =
                    serde_json::from_str(&line).unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
                self.seen.push(event.clone());
                if event["message"].as_str().is_some_and(|m| m.starts_with(message)) {
                    return Some(event);
                }
            }
            None
        })
        .await;
        found.ok().flatten().unwrap_or_else(|| panic!("the log says {message:?}; it said: {:#?}", self.seen))
    }

    /// Reads the log lines left after the process ended (killed, or stopped) into `seen`.
    pub async fn drain(&mut self) {
        while let Ok(Some(line)) = self.logs.next_line().await {
            if let Ok(event) = serde_json::from_str(&line) {
                self.seen.push(event);
            }
        }
    }

    /// Sends SIGTERM (what `systemctl stop` and `docker stop` send) and waits for the process to end; returns every
    /// log line.
    pub async fn stop(mut self) -> Vec<Value> {
        let pid = self.child.id().unwrap().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
        assert!(sent.success());
        self.log("stopping").await;
        self.log("ticket bot stopped").await;
        let status = tokio::time::timeout(PATIENCE, self.child.wait()).await.unwrap().unwrap();
        assert!(status.success(), "a clean stop exits 0: {status:?}");
        while let Some(line) = self.logs.next_line().await.unwrap() {
            self.seen.push(serde_json::from_str(&line).unwrap());
        }
        self.seen
    }
}
