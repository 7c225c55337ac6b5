//! The offline demo, as a person runs it: `ticket-bot` with no token and no configuration file plays the three
//! scenes against the fake Discord and the simulated map server, prints what each person sees, and exits 0.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use std::process::{Command, Output};

use ticket_core::strings::{GAME_SUPPORT_NAME, GAME_TICKET_CREATED, game_request_echo};

/// Runs the binary in an empty folder, with none of the bot's variables set.
fn ticket_bot(args: &[&str], dir: &std::path::Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ticket-bot"));
    command.args(args).current_dir(dir).env("NO_COLOR", "1");
    for var in ["DISCORD_TOKEN", "TICKET_BOT_PID_SECRET", "TICKET_BOT_LINK_SECRET", "RUST_LOG"] {
        command.env_remove(var);
    }
    command.output().expect("the binary runs")
}

/// The transcript with what legitimately changes between runs replaced: the UK's offset (GMT or BST) in the
/// applicant's time zone.
fn stable(transcript: &str) -> String {
    transcript.replace("Europe/London (UTC+01:00)", "Europe/London (UTC+00:00)")
}

/// Runs of digits as long as a Discord id or a game account id.
fn long_numbers(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit()).filter(|run| run.len() >= 7).map(str::to_owned).collect()
}

#[test]
fn with_no_token_and_no_configuration_the_demo_plays_every_scene() {
    let dir = tempfile::tempdir().unwrap();
    let out = ticket_bot(&[], dir.path());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "exit status {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}", out.status);
    assert!(stderr.contains("here is the offline demo"), "the user is told why the demo plays: {stderr}");
    assert!(!stderr.contains("ERROR") && !stderr.contains("WARN"), "no warnings or errors: {stderr}");

    let in_game = [
        format!("[Foo in game] sees: {}", game_request_echo("my item vanished")),
        // The opening line rides in the welcome, under its ping.
        "[#ticket-foo] RagnaSync: @GM\n    Foo (in game): my item vanished".to_owned(),
        format!("[Foo in game] sees: {GAME_TICKET_CREATED}"),
        "[GM Alice in #ticket-foo] types: On it! Check your storage.".to_owned(),
        format!("[Foo in game] sees: (From {GAME_SUPPORT_NAME}) : GM Alice: On it! Check your storage."),
        "[#ticket-foo] RagnaSync: Foo (in game): found it, thanks!".to_owned(),
        "[Discord] #ticket-foo is deleted".to_owned(),
        "Player: Foo · Reason: player logged out".to_owned(),
    ];
    let support = [
        "[Ann sees, only them] Your support ticket is open: #support-ann",
        "[#support-ann] RagnaSync: @Ann @Support",
        "[Sam sees, only them] Resolved and logged. This channel is being deleted.",
        "| Support ticket resolved",
        "| Resolution: Replaced the ship; the hangar bug is reported.",
        "[Discord] #support-ann is deleted",
        "[DM to Ann] RagnaSync:",
        "| Your support ticket was resolved",
    ];
    let recruitment = [
        "[Cara sees, only them] Your application channel is open: #apply-cara",
        "[Cara in #apply-cara] chooses: Member",
        "[Cara in #apply-cara] chooses: medical",
        "[Cara sees, only them] Step 1 saved. Next: press Answer Q&A below.",
        "| Status: Pending",
        "[Cara sees, only them] Thanks! Your answers are in; staff will review your application.",
        "| Status: Q&A received",
        "[Rex sees, only them] Application #1 approved.",
        "| Status: Approved",
        "[Discord] Cara now has the role @Member",
        "[Olivia sees, only them] Application #1 finalised.",
        "| Status: Finalised",
        "| Application #1 finalised",
    ];
    let mut at = 0;
    for line in in_game.iter().map(String::as_str).chain(support).chain(recruitment).chain(["== The end =="]) {
        let found =
            stdout[at..].find(line).unwrap_or_else(|| panic!("the transcript shows, in order: {line}\n{stdout}"));
        at += found + line.len();
    }
    assert!(long_numbers(&stdout).is_empty(), "the transcript shows names, not ids: {:?}", long_numbers(&stdout));
    insta::assert_snapshot!("demo_transcript", stable(&stdout));
}

#[test]
fn the_demo_can_keep_its_database_with_an_owner_only_pid_secret_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = ticket_bot(&["demo", "--database", "kept/demo.db"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("The database is kept in kept/demo.db."));
    assert!(dir.path().join("kept/demo.db").is_file());
    let secret = dir.path().join("kept/pid.secret");
    let text = std::fs::read_to_string(&secret).unwrap();
    assert_eq!(text.trim().len(), 64, "32 random bytes in hexadecimal");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn help_explains_what_runs_without_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let out = ticket_bot(&["--help"], dir.path());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    for text in
        ["run", "demo", "check-config", "--config", "--log-format", "no token and no configuration", "DISCORD_TOKEN"]
    {
        assert!(help.contains(text), "--help mentions {text}:\n{help}");
    }
}

/// Every Discord user id the fake Discord handed out in a run: the `id` of every user object (it has a
/// `username`) and every `user_id`, in the requests and answers of its traffic file.
fn user_ids(traffic: &str) -> std::collections::BTreeSet<String> {
    fn walk(value: &serde_json::Value, found: &mut std::collections::BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if map.contains_key("username") {
                    found.extend(map.get("id").and_then(serde_json::Value::as_str).map(str::to_owned));
                }
                found.extend(map.get("user_id").and_then(serde_json::Value::as_str).map(str::to_owned));
                map.values().for_each(|v| walk(v, found));
            }
            serde_json::Value::Array(list) => list.iter().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    let mut found = std::collections::BTreeSet::new();
    for line in traffic.lines() {
        walk(&serde_json::from_str(line).expect("a traffic record is JSON"), &mut found);
    }
    found
}

/// At `RUST_LOG=debug` and `trace`, the demo's logs carry none of the raw ids it used: not the Discord users' (which
/// serenity's HTTP spans print at debug, and its gateway payloads at trace), not the player's game account.
#[test]
fn verbose_logs_carry_no_raw_ids() {
    for level in ["debug", "trace"] {
        let dir = tempfile::tempdir().unwrap();
        let traffic = dir.path().join("traffic.jsonl");
        let mut command = Command::new(env!("CARGO_BIN_EXE_ticket-bot"));
        command.arg("demo").current_dir(dir.path()).env("NO_COLOR", "1").env("RUST_LOG", level);
        command.env("DISCORD_SIM_TRAFFIC", &traffic).env_remove("DISCORD_TOKEN").env_remove("TICKET_BOT_PID_SECRET");
        let out = command.output().expect("the binary runs");
        assert!(out.status.success(), "{level}: {}", String::from_utf8_lossy(&out.stderr));
        let logs = String::from_utf8(out.stderr).unwrap();
        assert!(logs.lines().count() > 20, "{level}: the logs go beyond the demo's default (warnings only): {logs}");
        let ids = user_ids(&std::fs::read_to_string(&traffic).unwrap());
        assert!(ids.len() >= 5, "{level}: the bot and the cast: {ids:?}");
        let leaked: Vec<&String> = ids.iter().filter(|id| logs.contains(id.as_str())).collect();
        assert!(leaked.is_empty(), "{level}: raw Discord user ids in the logs: {leaked:?}");
        assert!(!logs.contains("2000001"), "{level}: the player's game account id is in the logs");
    }
}

#[test]
fn an_operator_exports_a_transcript_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let empty = ticket_bot(&["transcript", "1"], dir.path());
    assert_eq!(empty.status.code(), Some(1));
    let said = String::from_utf8(empty.stderr).unwrap();
    assert!(said.contains("there is no database at tickets.db"), "{said}");

    // The demo keeps its database (and the pid secret beside it) where `transcript` looks by default.
    let demo = ticket_bot(&["demo", "--database", "tickets.db"], dir.path());
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));

    let written = ticket_bot(&["transcript", "2", "--out", "support.html"], dir.path());
    let said = String::from_utf8(written.stderr).unwrap();
    assert!(written.status.success(), "{said}");
    assert!(said.contains("ticket #2 (") && said.contains("written to support.html"), "{said}");
    let html = std::fs::read_to_string(dir.path().join("support.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for shown in ["Ticket #2", "My ship fell through the hangar floor", "Resolved: Replaced the ship"] {
        assert!(html.contains(shown), "{shown} in the page");
    }
    assert!(long_numbers(&html).is_empty(), "no raw ids: {:?}", long_numbers(&html));

    let text = ticket_bot(&["transcript", "2"], dir.path());
    let stdout = String::from_utf8(text.stdout).unwrap();
    assert!(text.status.success());
    assert!(
        stdout.starts_with("Ticket #2 transcript") && stdout.contains("(staff): Resolved: Replaced the ship"),
        "{stdout}"
    );

    let missing = ticket_bot(&["transcript", "99"], dir.path());
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8(missing.stderr).unwrap().contains("there is no ticket #99 in the SQLite file tickets.db")
    );
}
