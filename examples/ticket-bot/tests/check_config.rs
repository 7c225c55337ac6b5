//! `ticket-bot check-config`: the shipped example passes; a bad file gets every problem named with its line, and a
//! non-zero exit status. `run` refuses a bad configuration the same way, before connecting anywhere.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use std::path::Path;
use std::process::{Command, Output};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ticket-bot.example.toml");

/// A file with a problem on almost every line.
const BAD: &str = r#"# a broken configuration
[database]
path = 42
pth = "x"

[discord]
resume_every_secs = 0
api_base = "discord.example"
token = "secrets never go here"

[logging]
format = "xml"
filter = "info,[["

[game_link]
listen = "127.0.0.1:99999"
idle_timeout_secs = "60"

[[game_link.servers]]
id = "xilero"
guild = "my guild"

[[game_link.servers]]
id = "bad id!"
guild = 5
encoding = "klingon"
allow_from = ["10.0.0.5", "10.0.0.0/33"]

[[game_link.servers]]
id = "ro2"

[[game_link.servers]]
id = "xilero"
guild = 7

[rsi]
enabled = "yes"
base_url = "ftp://robertsspaceindustries.com"
timeout_secs = 0

[extra]
x = 1
"#;

/// Syntax errors: each is reported, not just the first.
const BROKEN: &str = r#"[database]
path = "tickets.db
[discord]
resume_every_secs =
[logging]
format = "text"
format = "json"
"#;

/// Runs the binary in `dir` with exactly these of the bot's variables.
fn ticket_bot(args: &[&str], dir: &Path, vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ticket-bot"));
    command.args(args).current_dir(dir).env("NO_COLOR", "1");
    for var in ["DISCORD_TOKEN", "TICKET_BOT_PID_SECRET", "TICKET_BOT_LINK_SECRET", "TICKET_BOT_LINK_SECRET_XILERO"] {
        command.env_remove(var);
    }
    command.envs(vars.iter().copied()).output().expect("the binary runs")
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn the_shipped_example_passes() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        ticket_bot(&["check-config", EXAMPLE], dir.path(), &[("TICKET_BOT_LINK_SECRET_XILERO", "0123456789abcdef")]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("ticket-bot.example.toml: OK"), "{stdout}");
    assert!(
        stdout.contains("game servers: xilero (Discord server 123456789012345678, UTF-8, from 127.0.0.0/8 ::1/128)"),
        "{stdout}"
    );
    assert!(!stdout.contains("0123456789abcdef"), "no secret is printed");
}

#[test]
fn the_example_without_its_link_secret_says_which_variable_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = ticket_bot(&["check-config", EXAMPLE], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("game_link.servers[0].id: no secret for game server xilero: set the environment variable TICKET_BOT_LINK_SECRET_XILERO"), "{stdout}");
}

#[test]
fn every_bad_key_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.toml", BAD);
    let out = ticket_bot(&["check-config", "bad.toml"], dir.path(), &[("TICKET_BOT_LINK_SECRET", "too-short")]);
    assert_eq!(out.status.code(), Some(1), "invalid: exit status 1");
    let report = String::from_utf8(out.stdout).unwrap();
    for (line, key) in [
        (3, "database.path"),
        (4, "database.pth"),
        (7, "discord.resume_every_secs"),
        (8, "discord.api_base"),
        (9, "discord.token"),
        (12, "logging.format"),
        (13, "logging.filter"),
        (16, "game_link.listen"),
        (17, "game_link.idle_timeout_secs"),
        (20, "game_link.servers[0].id"),
        (21, "game_link.servers[0].guild"),
        (24, "game_link.servers[1].id"),
        (26, "game_link.servers[1].encoding"),
        (27, "game_link.servers[1].allow_from[1]"),
        (29, "game_link.servers[2]"),
        (30, "game_link.servers[2].id"),
        (33, "game_link.servers[3].id"),
        (37, "rsi.enabled"),
        (38, "rsi.base_url"),
        (39, "rsi.timeout_secs"),
        (41, "extra"),
    ] {
        assert!(report.contains(&format!("  line {line}: {key}: ")), "line {line} names {key}:\n{report}");
    }
    assert!(!report.contains("secrets never go here") && !report.contains("too-short"), "values of secrets stay out");
    insta::assert_snapshot!("bad_file_report", report);
}

#[test]
fn every_syntax_error_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "broken.toml", BROKEN);
    let out = ticket_bot(&["check-config", "--config", "broken.toml"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("syntax_errors_report", report);
}

#[test]
fn a_missing_file_is_an_error_and_none_at_all_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = ticket_bot(&["check-config", "nope.toml"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read nope.toml"));
    let out = ticket_bot(&["check-config"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no configuration file"));
}

#[test]
fn ticket_bot_toml_in_the_working_directory_is_read_by_default() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ticket-bot.toml", "[logging]\nformat = \"json\"\n");
    let out = ticket_bot(&["check-config"], dir.path(), &[]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.starts_with("ticket-bot.toml: OK"), "{stdout}");
    assert!(stdout.contains("logs: json, filter info"), "{stdout}");
}

#[test]
fn run_refuses_a_bad_configuration_and_a_missing_token_with_status_78() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ticket-bot.toml", BAD);
    // A token is set but the configuration is bad: nothing connects anywhere, the problems are listed.
    let out = ticket_bot(&["run"], dir.path(), &[("DISCORD_TOKEN", "not-a-real-token")]);
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("cannot start: ticket-bot.toml: 21 problems"), "{stderr}");
    // A configuration but no token: the demo is not played in its place.
    write(dir.path(), "ticket-bot.toml", "");
    let out = ticket_bot(&[], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DISCORD_TOKEN is not set"));
    assert!(out.stdout.is_empty(), "no demo");
}
