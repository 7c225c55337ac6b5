//! Postgres for the bot: `database.url` in the configuration (checked key by key: a URL, no password in the file,
//! a schema name, CA certificates, a warning for an unencrypted remote connection), what `check-config` shows, and
//! `ticket-bot migrate` from an SQLite file into an empty schema of the test server, checked record by record.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use adapter_postgres::test_support::{drop_schema, raw_client, unique_schema, url};
use ticket_bot::config::Config;
use ticket_bot::database::{DatabaseConfig, PostgresSettings};
use ticket_bot::env::Env;

/// Checks a configuration text with these variables: the configuration, or the report's text.
fn parse(text: &str, vars: &[(&str, &str)]) -> Result<Config, String> {
    Config::parse(text, "bot.toml", Path::new("/srv/bot"), &Env::from_pairs(vars.iter().copied()))
        .map_err(|report| report.to_string())
}

fn postgres(config: &Config) -> &PostgresSettings {
    match &config.database {
        DatabaseConfig::Postgres(pg) => pg,
        other => panic!("expected Postgres, got {other:?}"),
    }
}

#[test]
fn database_url_selects_postgres_with_the_password_from_the_environment() {
    let text = "[database]\nurl = \"postgres://bot@127.0.0.1:5432/tickets\"\nschema = \"tickets_eu\"\n";
    let config = parse(text, &[("TICKET_BOT_DATABASE_PASSWORD", "hunter2")]).unwrap();
    let pg = postgres(&config);
    assert_eq!(pg.url, "postgres://bot@127.0.0.1:5432/tickets");
    assert_eq!(pg.password.as_deref(), Some("hunter2"));
    assert_eq!(pg.schema, "tickets_eu");
    assert_eq!(config.pid_secret_file, PathBuf::from("/srv/bot/pid.secret"), "next to the configuration file");
    assert!(config.warnings.is_empty(), "loopback needs no TLS: {:?}", config.warnings);
    assert!(!format!("{config:?}").contains("hunter2"), "the password is never shown");
    assert_eq!(
        config.database.describe(),
        "Postgres bot@127.0.0.1:5432/tickets (no TLS), schema tickets_eu",
        "what the logs say"
    );

    let config = parse("[database]\nurl = \"postgresql://bot@localhost/t\"\n", &[]).unwrap();
    assert_eq!(postgres(&config).schema, "cfg", "the default schema");
    assert_eq!(postgres(&config).password, None);
    let config = parse("[database]\npath = \"data/t.db\"\n", &[]).unwrap();
    assert_eq!(config.database, DatabaseConfig::Sqlite(PathBuf::from("/srv/bot/data/t.db")), "SQLite stays");
}

#[test]
fn a_bad_database_table_gets_every_problem_named() {
    let problems = |text: &str| parse(text, &[]).expect_err("refused");
    let report = problems("[database]\npath = \"t.db\"\nurl = \"postgres://bot@db/t\"\n");
    assert!(
        report.contains("line 3: database.url: set either database.path (an SQLite file) or database.url"),
        "{report}"
    );
    let report = problems("[database]\nurl = \"mysql://bot@db/t\"\n");
    assert!(
        report.contains("line 2: database.url: must be a postgres:// URL") && report.contains("\"mysql\""),
        "{report}"
    );
    let report = problems("[database]\nurl = \"postgres://bot:hunter2@db.example.com/t\"\n");
    assert!(
        report.contains("line 2: database.url: holds a password") && report.contains("TICKET_BOT_DATABASE_PASSWORD")
    );
    assert!(!report.contains("hunter2"), "the password is not repeated: {report}");
    let report = problems("[database]\nurl = \"postgres://bot@db:notaport/t\"\n");
    assert!(report.contains("line 2: database.url: is not a usable Postgres URL"), "{report}");
    let report = problems("[database]\nurl = \"postgres://bot@db/t?sslmode=sometimes\"\n");
    assert!(report.contains("line 2: database.url: is not a usable Postgres URL"), "{report}");
    let report = problems("[database]\nurl = \"postgres://bot@db/t\"\nschema = \"Tickets-EU\"\n");
    assert!(report.contains("line 3: database.schema: invalid schema name \"Tickets-EU\""), "{report}");
    let report = problems("[database]\nschema = \"cfg\"\nca_file = \"ca.pem\"\n");
    assert!(report.contains("line 2: database.schema: applies to Postgres only"), "{report}");
    assert!(report.contains("line 3: database.ca_file: applies to Postgres only"), "{report}");
    let report = problems("[database]\nurl = \"postgres://bot@db/t?sslmode=require\"\nca_file = \"missing.pem\"\n");
    assert!(report.contains("line 3: database.ca_file: cannot read /srv/bot/missing.pem"), "{report}");
}

#[test]
fn tls_settings_are_checked_and_an_unencrypted_remote_connection_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        .unwrap();
    std::fs::write(dir.path().join("not-a-cert.pem"), "hello\n").unwrap();
    let parse_in = |text: &str| Config::parse(text, "bot.toml", dir.path(), &Env::default());

    let config =
        parse_in("[database]\nurl = \"postgres://bot@db.example.com/t?sslmode=require\"\nca_file = \"ca.pem\"\n")
            .unwrap();
    let (file, pem) = postgres(&config).ca.clone().unwrap();
    assert_eq!((file, pem.contains("MIIB")), (dir.path().join("ca.pem"), true));
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    assert!(config.database.describe().contains("db.example.com:5432/t (TLS, certificate verified)"));

    let report = parse_in("[database]\nurl = \"postgres://bot@db/t?sslmode=require\"\nca_file = \"not-a-cert.pem\"\n")
        .unwrap_err()
        .to_string();
    assert!(report.contains("line 3: database.ca_file: ") && report.contains("no CERTIFICATE block"), "{report}");

    let config = parse_in("[database]\nurl = \"postgres://bot@db.example.com/t\"\nca_file = \"ca.pem\"\n").unwrap();
    let warnings: Vec<String> = config.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings.iter().any(|w| w.contains("database.url: the connection to db.example.com is not encrypted")),
        "{warnings:?}"
    );
    assert!(warnings.iter().any(|w| w.contains("database.ca_file: is only used with TLS")), "{warnings:?}");
}

/// Runs the binary in `dir` with exactly these of the bot's variables.
fn ticket_bot(args: &[&str], dir: &Path, vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ticket-bot"));
    command.args(args).current_dir(dir).env("NO_COLOR", "1").env("RUST_LOG", "warn");
    for var in ["DISCORD_TOKEN", "TICKET_BOT_PID_SECRET", "TICKET_BOT_LINK_SECRET", "TICKET_BOT_DATABASE_PASSWORD"] {
        command.env_remove(var);
    }
    command.envs(vars.iter().copied()).output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_config_shows_the_database_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bot.toml"), "[database]\nurl = \"postgres://bot@127.0.0.1/tickets\"\n").unwrap();
    let out = ticket_bot(&["check-config", "bot.toml"], dir.path(), &[("TICKET_BOT_DATABASE_PASSWORD", "hunter2")]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("  database: Postgres bot@127.0.0.1:5432/tickets (no TLS), schema cfg\n"), "{stdout}");
    assert!(stdout.contains("  database password: TICKET_BOT_DATABASE_PASSWORD set\n"), "{stdout}");
    assert!(!stdout.contains("hunter2"), "{stdout}");
}

/// A migration whose source is the offline demo's database: everything copies, the counts and records match, and
/// a second run into the now full schema is refused without writing.
#[tokio::test(flavor = "multi_thread")]
async fn migrate_copies_the_demo_deployment_into_postgres_and_checks_it() {
    if raw_client().await.is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = ticket_bot(&["demo", "--database", "demo.db"], dir.path(), &[]);
    assert!(demo.status.success(), "the demo ran: {}", text(&demo.stderr));
    let schema = unique_schema();
    let args = ["migrate", "--from", "demo.db", "--to", &url(), "--schema", &schema];
    let out = ticket_bot(&args, dir.path(), &[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    let result = std::panic::catch_unwind(|| {
        assert!(out.status.success(), "{stdout}{stderr}");
        assert!(stdout.contains("ticket-bot: migrated demo.db into postgres@127.0.0.1:5432/test (no TLS)"), "{stdout}");
        assert!(stdout.contains("checked: the schema holds the same counts and the same records"), "{stdout}");
        assert!(stderr.contains("tickets: ") && stderr.contains("reading both back"), "progress is shown: {stderr}");
    });
    let counts = async {
        let source = adapter_sqlite::SqliteStore::open(dir.path().join("demo.db")).await.unwrap();
        let target = adapter_postgres::PostgresStore::connect(&url(), &schema).await.unwrap();
        let counts = (
            ticket_core::store_copy::count(&source).await.unwrap(),
            ticket_core::store_copy::count(&target).await.unwrap(),
        );
        source.close().await;
        target.close();
        counts
    }
    .await;
    let again = ticket_bot(&args, dir.path(), &[]);
    drop_schema(&schema);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    let (source, target) = counts;
    assert_eq!(source, target, "the same counts on both sides");
    assert!(source.tickets >= 3 && source.transcript_lines > 0 && source.guilds >= 1, "the demo made data: {source}");
    assert!(stdout.contains(&format!("copied: {source}")), "{stdout}");
    assert_eq!(again.status.code(), Some(1), "a second migration is refused");
    let refusal = text(&again.stderr);
    assert!(
        refusal.contains(&format!("schema {schema} at postgres@127.0.0.1:5432/test (no TLS) is not empty")),
        "{refusal}"
    );
}

#[test]
fn migrate_refuses_a_missing_file_and_a_bad_url_without_creating_anything() {
    let dir = tempfile::tempdir().unwrap();
    let out = ticket_bot(&["migrate", "--from", "nope.db", "--to", "postgres://x@127.0.0.1/db"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("there is no SQLite file at nope.db (--from)"), "{}", text(&out.stderr));
    assert!(!dir.path().join("nope.db").exists(), "no empty database was made");
    std::fs::write(dir.path().join("t.db"), b"").unwrap();
    let out = ticket_bot(&["migrate", "--from", "t.db", "--to", "postgres://x@h:port/db"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--to: invalid Postgres connection URL"), "{}", text(&out.stderr));
    let out = ticket_bot(&["migrate", "--from", "t.db", "--to", "postgres://x@h/db", "--schema", "A"], dir.path(), &[]);
    assert!(text(&out.stderr).contains("--schema: invalid schema name \"A\""), "{}", text(&out.stderr));
    let out = ticket_bot(&["migrate", "--from", "t.db"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "--to is required: a usage error");
}
