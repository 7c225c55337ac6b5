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
    for var in [
        "DISCORD_TOKEN",
        "TICKET_BOT_PID_SECRET",
        "TICKET_BOT_LINK_SECRET",
        "TICKET_BOT_LINK_SECRET_XILERO",
        "TICKET_BOT_DATABASE_PASSWORD",
    ] {
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

/// `check-config` refuses every pid secret `run` refuses (it used to say OK, and `run` then stopped with 78).
#[test]
#[cfg(unix)]
fn check_config_refuses_the_pid_secrets_run_refuses() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bot.toml", "[database]\npath = \"tickets.db\"\n");
    let check = |vars: &[(&str, &str)]| {
        let out = ticket_bot(&["check-config", "bot.toml"], dir.path(), vars);
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (status, report) = check(&[("TICKET_BOT_PID_SECRET", "short")]);
    assert_eq!(status, Some(1), "{report}");
    assert!(
        report.contains("TICKET_BOT_PID_SECRET: TICKET_BOT_PID_SECRET is 5 bytes; at least 32 are required"),
        "{report}"
    );
    assert!(!report.contains("short"), "the secret itself is never shown: {report}");

    let secret = dir.path().join("pid.secret");
    std::fs::write(&secret, "0123456789abcdef").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (status, report) = check(&[]);
    assert_eq!(status, Some(1), "{report}");
    assert!(report.contains("holds 16 bytes of secret; at least 32 are required"), "{report}");

    std::fs::write(&secret, "0123456789abcdef0123456789abcdef").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (status, report) = check(&[]);
    assert_eq!(status, Some(1), "{report}");
    assert!(report.contains("may be read by other users (mode 0644)"), "{report}");

    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (status, report) = check(&[]);
    assert_eq!(status, Some(0), "{report}");
    // And `run` agrees: what check-config accepts, run accepts (here it stops only for the missing token).
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = ticket_bot(&["--config", "bot.toml", "run"], dir.path(), &[("DISCORD_TOKEN", "not-a-real-token")]);
    assert_eq!(out.status.code(), Some(78), "run refuses the same file");
}

/// What is allowed but probably not meant is shown as a warning, with its line, and the file is still OK.
#[test]
fn exposure_and_plain_http_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let check = |name: &str, text: &str| {
        write(dir.path(), name, text);
        let out = ticket_bot(&["check-config", name], dir.path(), &[("TICKET_BOT_LINK_SECRET", "0123456789abcdef")]);
        let report = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(0), "{report}");
        report
    };
    let report = check(
        "bot.toml",
        "[game_link]\nlisten = \"0.0.0.0:6150\"\n\n[[game_link.servers]]\nid = \"xilero\"\nguild = 1\n\n\
         [rsi]\nbase_url = \"http://rsi.example\"\n",
    );
    assert!(
        report.contains("  warning: line 2: game_link.listen: listens on 0.0.0.0:6150, which other machines can reach"),
        "{report}"
    );
    assert!(report.contains("  warning: line 9: rsi.base_url: plain http"), "{report}");
    let report = check(
        "open.toml",
        "[game_link]\nlisten = \"0.0.0.0:6150\"\n[[game_link.servers]]\nid = \"open\"\nguild = 2\nallow_from = [\"0.0.0.0/0\"]\n",
    );
    assert!(
        report.contains("  warning: game_link.servers[0].allow_from: game server open may connect from any address"),
        "{report}"
    );
    // Listening on loopback, or listing the map servers, is not warned about.
    let report = check(
        "ok.toml",
        "[game_link]\nlisten = \"0.0.0.0:6150\"\n[[game_link.servers]]\nid = \"xilero\"\nguild = 1\nallow_from = [\"10.0.0.5\"]\n",
    );
    assert!(!report.contains("warning"), "{report}");
}

/// `[discord] api_address` and `api_ca_file` (a test double of Discord over TLS): both or neither, an address and
/// port, a readable PEM certificate, and not together with `api_base`; `check-config` shows them.
#[test]
fn a_test_double_over_tls_needs_its_address_and_its_certificate() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    write(dir.path(), "not-a-cert.pem", "hello\n");
    let check = |name: &str, text: &str| {
        write(dir.path(), name, text);
        let out = ticket_bot(&["check-config", name], dir.path(), &[]);
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (status, report) = check("ok.toml", "[discord]\napi_address = \"127.0.0.1:8443\"\napi_ca_file = \"ca.pem\"\n");
    assert_eq!(status, Some(0), "{report}");
    let shown = "  Discord: discord.com at 127.0.0.1:8443 over TLS, trusting ca.pem (a test double";
    assert!(report.contains(shown), "{report}");

    let (status, report) = check("address.toml", "[discord]\napi_address = \"127.0.0.1:8443\"\n");
    assert_eq!(status, Some(1), "{report}");
    assert!(report.contains("  line 2: discord.api_address: needs discord.api_ca_file too"), "{report}");
    let (status, report) = check("ca.toml", "[discord]\n\napi_ca_file = \"ca.pem\"\n");
    assert_eq!(status, Some(1), "{report}");
    assert!(report.contains("  line 3: discord.api_ca_file: needs discord.api_address too"), "{report}");

    let (_, report) =
        check("bad.toml", "[discord]\napi_address = \"localhost\"\napi_ca_file = \"missing.pem\"\n\n[other]\n");
    assert!(report.contains("  line 2: discord.api_address: \"localhost\" is not an address and port"), "{report}");
    assert!(report.contains("  line 3: discord.api_ca_file: cannot read "), "{report}");
    let (_, report) =
        check("nocert.toml", "[discord]\napi_address = \"127.0.0.1:1\"\napi_ca_file = \"not-a-cert.pem\"\n");
    assert!(
        report.contains("  line 3: discord.api_ca_file: ") && report.contains("holds no PEM certificate"),
        "{report}"
    );
    let (status, report) = check(
        "both.toml",
        "[discord]\napi_base = \"http://127.0.0.1:9\"\napi_address = \"127.0.0.1:1\"\napi_ca_file = \"ca.pem\"\n",
    );
    assert_eq!(status, Some(1), "{report}");
    assert!(report.contains("  line 3: discord.api_address: is another way"), "{report}");
}
