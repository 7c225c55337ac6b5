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
        "[#ticket-foo] RagnaSync: Foo (in game): my item vanished".to_owned(),
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
