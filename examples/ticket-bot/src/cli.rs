//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::LogFormat;

const AFTER_HELP: &str = "\
Without a command, `run`:
  DISCORD_TOKEN set                 connect to Discord with the configuration (--config, or ticket-bot.toml
                                    in the working directory if it exists, or the defaults)
  no token and no configuration     play the offline demo (as `ticket-bot demo`): nothing to set up
  no token but a configuration      refuse to start: set DISCORD_TOKEN

Environment (secrets never go in the configuration file):
  DISCORD_TOKEN                     the bot's token (Discord Developer Portal > your application > Bot)
  TICKET_BOT_LINK_SECRET_<ID>       the game-link secret of game server <ID> (upper case, . and - as _),
                                    at least 16 bytes
  TICKET_BOT_LINK_SECRET            the game-link secret of every game server without its own variable
  TICKET_BOT_PID_SECRET             the pid secret (32+ bytes). If unset, the file database.pid_secret_file
                                    (pid.secret next to the database) is used, created owner-only on first
                                    start. Back it up with the database: without it, stored people can no
                                    longer be recognised or reached.
  TICKET_BOT_DATABASE_PASSWORD      the Postgres password, when database.url names a Postgres database
                                    (and for `migrate --to`)
  RUST_LOG                          the log filter (default: logging.filter, else info)

Exit status: 0 done; 1 failed (check-config: the file has problems); 2 wrong usage;
78 configuration or secret unusable (so that systemd's RestartPreventExitStatus=78 stops retrying).

Documentation: docs/self-hosting.md and docs/configuration.md in the source repository.";

/// RagnaSync Tickets: a Discord support-ticket bot for game servers and communities.
///
/// In-game tickets from an rAthena-family game server (XileRO), panel support tickets and recruitment
/// applications, on one SQLite file (the default) or a Postgres database.
#[derive(Debug, Parser)]
#[command(name = "ticket-bot", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// What to do (default: run).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// The configuration file [default: ticket-bot.toml, if it exists in the working directory].
    #[arg(long, short = 'c', global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// How logs are written to standard error [default: logging.format, else text].
    #[arg(long, global = true, value_name = "FORMAT")]
    pub log_format: Option<LogFormatArg>,
}

/// The commands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Run the bot: connect to Discord (DISCORD_TOKEN) and listen for game servers until Ctrl-C or SIGTERM.
    /// Without a token and without a configuration file, play the offline demo instead.
    Run,
    /// Play the offline demo: the real bot against a built-in fake Discord and a simulated game server, on a
    /// temporary SQLite file. Prints what each person sees; needs no token and no network.
    Demo {
        /// Keep the demo's database in this file instead of a temporary one (to look inside afterwards).
        #[arg(long, value_name = "PATH")]
        database: Option<PathBuf>,
    },
    /// Try a map server: the bot with the game link of the configuration file, against a built-in fake Discord
    /// server. Prints what Discord would show; type staff replies as `#ticket-foo <text>`. Needs the
    /// [game_link] section and its link secrets, not a Discord token.
    Sandbox {
        /// Keep the sandbox's database in this file instead of a temporary one.
        #[arg(long, value_name = "PATH")]
        database: Option<PathBuf>,
    },
    /// Check a configuration file (and the secrets it needs from the environment); name every problem with
    /// its line.
    CheckConfig {
        /// The file [default: --config, else ticket-bot.toml].
        #[arg(value_name = "PATH")]
        file: Option<PathBuf>,
    },
    /// Write a ticket's transcript (open or closed) from the database named by the configuration: an HTML page
    /// that opens in any browser without going online, or plain text. Works while the bot runs.
    Transcript {
        /// The ticket's number (as shown in its log entry and on the page).
        #[arg(value_name = "TICKET")]
        ticket: u64,
        /// Write to this file instead of standard output.
        #[arg(long, short = 'o', value_name = "PATH")]
        out: Option<PathBuf>,
        /// html or text [default: by the extension of --out (.txt is text), text on standard output].
        #[arg(long, value_name = "FORMAT")]
        format: Option<TranscriptFormat>,
    },
    /// Copy the whole deployment from an SQLite file into an empty Postgres schema, then check that the schema
    /// holds exactly what the file holds. Stop the bot first; keep the pid secret.
    Migrate(MigrateArgs),
}

/// `migrate`'s options.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct MigrateArgs {
    /// The SQLite file to copy (it is only read).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The Postgres database: postgres://user@host:port/database (add ?sslmode=require for TLS). The password
    /// comes from TICKET_BOT_DATABASE_PASSWORD.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// The schema to fill: it must be empty or missing.
    #[arg(long, value_name = "NAME", default_value = crate::database::DEFAULT_SCHEMA)]
    pub schema: String,
    /// More root certificates to trust for TLS (PEM), e.g. a managed Postgres's CA bundle.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}

/// `transcript --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TranscriptFormat {
    /// One self-contained HTML page.
    Html,
    /// Plain text.
    Text,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormatArg {
    /// Readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl From<LogFormatArg> for LogFormat {
    fn from(arg: LogFormatArg) -> Self {
        match arg {
            LogFormatArg::Text => LogFormat::Text,
            LogFormatArg::Json => LogFormat::Json,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn options_go_before_or_after_the_command() {
        let cli =
            Cli::try_parse_from(["ticket-bot", "check-config", "--config", "a.toml", "--log-format", "json"]).unwrap();
        assert_eq!(cli.command, Some(Command::CheckConfig { file: None }));
        assert_eq!(cli.config, Some(PathBuf::from("a.toml")));
        assert_eq!(cli.log_format, Some(LogFormatArg::Json));
        let cli = Cli::try_parse_from(["ticket-bot"]).unwrap();
        assert_eq!(cli.command, None);
        assert!(Cli::try_parse_from(["ticket-bot", "--log-format", "xml"]).is_err());
        let cli = Cli::try_parse_from(["ticket-bot", "transcript", "12", "--out", "t.html"]).unwrap();
        assert_eq!(
            cli.command,
            Some(Command::Transcript { ticket: 12, out: Some(PathBuf::from("t.html")), format: None })
        );
        assert!(Cli::try_parse_from(["ticket-bot", "transcript", "twelve"]).is_err());
    }
}
