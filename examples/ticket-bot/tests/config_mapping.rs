//! From the configuration file to what `App::start` gets: defaults, relative paths, the Discord settings and the
//! game link with its secrets from the environment.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ticket_bot::config::{Config, LogFormat};
use ticket_bot::database::DatabaseConfig;
use ticket_bot::env::Env;
use ticket_core::GuildId;

fn parse(text: &str, env: &Env) -> Config {
    Config::parse(text, "test.toml", Path::new("/srv/bot"), env).unwrap_or_else(|report| panic!("{report}"))
}

#[test]
fn an_empty_file_means_every_default() {
    let config = parse("", &Env::default());
    assert_eq!(config, Config::defaults(Path::new("/srv/bot")));
    let app = config.app_config("token", vec![7; 32]);
    assert_eq!(app.database, DatabaseConfig::Sqlite(PathBuf::from("/srv/bot/tickets.db")));
    assert_eq!(config.pid_secret_file, Path::new("/srv/bot/pid.secret"));
    assert_eq!(app.pid_secret, vec![7; 32]);
    assert_eq!(app.discord.token, "token");
    assert_eq!(app.discord.api_base, None);
    assert_eq!(app.discord.resume_every, Duration::from_secs(30));
    assert!(app.game_link.is_none(), "no game link without [game_link]");
    assert_eq!(config.log_format, None);
}

#[test]
fn every_key_reaches_the_app_configuration() {
    let env = Env::from_pairs([
        ("TICKET_BOT_LINK_SECRET", "shared-secret-for-all-servers"),
        ("TICKET_BOT_LINK_SECRET_RO_EU", "ro-eu-has-its-own-secret"),
    ]);
    let config = parse(
        r#"
        [database]
        path = "data/tickets.db"
        pid_secret_file = "keys/pid.secret"

        [discord]
        api_base = "http://127.0.0.1:9999/"
        resume_every_secs = 5

        [logging]
        format = "json"
        filter = "debug,serenity=warn"

        [game_link]
        listen = "0.0.0.0:7000"
        auth_timeout_secs = 3
        idle_timeout_secs = 90
        write_timeout_secs = 4

        [[game_link.servers]]
        id = "xilero"
        guild = 123456789012345678

        [[game_link.servers]]
        id = "ro-eu"
        guild = "876543210987654321"
        encoding = "Windows-1252"
        allow_from = ["10.0.0.5", "192.168.1.0/24", "::1"]
        "#,
        &env,
    );
    assert_eq!(config.pid_secret_file, Path::new("/srv/bot/data/keys/pid.secret"), "next to the database");
    assert_eq!((config.log_format, config.log_filter.as_deref()), (Some(LogFormat::Json), Some("debug,serenity=warn")));
    let app = config.app_config("token", vec![1; 32]);
    assert_eq!(
        app.database,
        DatabaseConfig::Sqlite(PathBuf::from("/srv/bot/data/tickets.db")),
        "relative to the file's folder"
    );
    assert_eq!(app.discord.api_base.as_deref(), Some("http://127.0.0.1:9999"));
    assert_eq!(app.discord.resume_every, Duration::from_secs(5));
    assert!(!format!("{app:?}").contains("secret-for"), "secrets stay out of Debug");
    let link = app.game_link.expect("the game link runs");
    assert_eq!(link.validate(), Ok(()));
    assert_eq!(link.listen, "0.0.0.0:7000".parse::<SocketAddr>().unwrap());
    assert_eq!(link.limits.auth_timeout, Duration::from_secs(3));
    assert_eq!(link.limits.idle_timeout, Duration::from_secs(90));
    assert_eq!(link.limits.write_timeout, Duration::from_secs(4));
    let servers: Vec<(&str, GuildId, &str)> =
        link.servers.iter().map(|s| (s.id.as_str(), s.guild, s.secret.expose())).collect();
    assert_eq!(
        servers,
        [
            ("xilero", GuildId::new(123_456_789_012_345_678), "shared-secret-for-all-servers"),
            ("ro-eu", GuildId::new(876_543_210_987_654_321), "ro-eu-has-its-own-secret"),
        ]
    );
    let (xilero, ro_eu) = (&link.servers[0], &link.servers[1]);
    assert_eq!((xilero.encoding.name(), ro_eu.encoding.name()), ("UTF-8", "windows-1252"));
    assert_eq!(xilero.allow_from, adapter_xilero::config::loopback(), "loopback unless listed");
    let listed: Vec<String> = ro_eu.allow_from.iter().map(ToString::to_string).collect();
    assert_eq!(listed, ["10.0.0.5/32", "192.168.1.0/24", "::1/128"]);
}

#[test]
fn a_game_link_without_servers_is_a_problem() {
    let report = Config::parse("[game_link]\nlisten = \"127.0.0.1:6150\"\n", "t.toml", Path::new(""), &Env::default())
        .unwrap_err();
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].line, Some(1));
    assert!(report.problems[0].message.contains("[[game_link.servers]]"));
}

#[test]
fn two_servers_sharing_a_secret_variable_name_are_a_problem() {
    let env = Env::from_pairs([("TICKET_BOT_LINK_SECRET", "shared-secret-for-all-servers")]);
    let text = "[[game_link.servers]]\nid = \"ro.eu\"\nguild = 1\n[[game_link.servers]]\nid = \"ro-eu\"\nguild = 2\n";
    let report = Config::parse(text, "t.toml", Path::new(""), &env).unwrap_err();
    assert_eq!(report.problems.len(), 1, "{report}");
    assert_eq!(report.problems[0].line, Some(5));
    assert!(report.problems[0].message.contains("TICKET_BOT_LINK_SECRET_RO_EU"), "{report}");
}

#[test]
fn a_test_double_over_tls_reaches_the_app_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    std::fs::write(dir.path().join("ca.pem"), pem).unwrap();
    let text = "[discord]\napi_address = \"127.0.0.1:8443\"\napi_ca_file = \"ca.pem\"\n";
    let config = Config::parse(text, "test.toml", dir.path(), &Env::default()).unwrap_or_else(|r| panic!("{r}"));
    let api = config.discord_api_address.clone().expect("the address is kept");
    assert_eq!(api.ca_file, dir.path().join("ca.pem"), "relative to the file's folder");
    let app = config.app_config("token", vec![1; 32]);
    assert_eq!(app.discord.api_base, None);
    let address = app.discord.api_address.expect("discord.com at the address");
    assert_eq!(address.addr, "127.0.0.1:8443".parse::<SocketAddr>().unwrap());
    assert_eq!(address.root_certificate_pem, pem);
}
