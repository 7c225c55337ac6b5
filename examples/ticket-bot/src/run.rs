//! What each command does: `run` (the bot, or the demo when there is nothing to run), `demo` and `check-config`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use adapter_discord::IanaZones;

use crate::app::{App, Services};
use crate::cli::{Cli, Command};
use crate::config::{Config, ConfigError, LogFormat, Problem, Report};
use crate::database::DatabaseConfig;
use crate::env::{DATABASE_PASSWORD, DISCORD_TOKEN, Env, PID_SECRET};
use crate::secrets::{self, SecretSource};
use crate::{demo, logging, signal};

/// A configuration or secret that cannot be used (sysexits' `EX_CONFIG`): a service manager should not retry.
pub const EXIT_CONFIG: u8 = 78;

/// The active lease was lost (sysexits' `EX_TEMPFAIL`): a service manager should start the process again, as a
/// standby.
pub const EXIT_LEASE_LOST: u8 = 75;

/// How long the bot may take to stop cleanly before it is stopped anyway.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the command the user asked for.
pub async fn dispatch(cli: Cli, env: Env) -> ExitCode {
    let format = cli.log_format.map(LogFormat::from);
    match cli.command {
        Some(Command::CheckConfig { file }) => check_config(file.or(cli.config).as_deref(), &env),
        Some(Command::Demo { database }) => play_demo(database, format, &env).await,
        Some(Command::Sandbox { database }) => sandbox(cli.config.as_deref(), database, format, &env).await,
        Some(Command::Transcript { ticket, out, format: wanted }) => {
            let config = Config::locate(cli.config.as_deref());
            let request = crate::transcript::ExportRequest {
                config: config.as_deref(),
                ticket,
                out: out.as_deref(),
                format: wanted,
            };
            crate::transcript::export(request, &env).await
        }
        Some(Command::Migrate(args)) => {
            let request = crate::migrate::MigrateRequest {
                from: args.from,
                to: args.to,
                schema: args.schema,
                ca_file: args.ca_file,
            };
            crate::migrate::run(request, &env).await
        }
        Some(Command::Run) | None => {
            let file = Config::locate(cli.config.as_deref());
            match (env.discord_token(), file) {
                (None, None) => {
                    eprintln!(
                        "ticket-bot: no {DISCORD_TOKEN} and no configuration file, so here is the offline demo. To run \
                         the bot for real, see docs/self-hosting.md (or `ticket-bot --help`).\n"
                    );
                    play_demo(None, format, &env).await
                }
                (None, Some(file)) => {
                    eprintln!(
                        "ticket-bot: {DISCORD_TOKEN} is not set. Set it to the bot's token to run with {}, or run \
                         `ticket-bot demo` for the offline demo.",
                        file.display()
                    );
                    ExitCode::from(EXIT_CONFIG)
                }
                (Some(token), file) => run_bot(token, file.as_deref(), format, &env).await,
            }
        }
    }
}

async fn play_demo(database: Option<PathBuf>, format: Option<LogFormat>, env: &Env) -> ExitCode {
    if let Some(note) = logging::init(format.unwrap_or_default(), env, None, "warn") {
        eprintln!("ticket-bot: {note}");
    }
    match demo::run(demo::DemoOptions { database }).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ticket-bot: the demo failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `sandbox`: the configuration's game link against the fake Discord.
async fn sandbox(file: Option<&Path>, database: Option<PathBuf>, format: Option<LogFormat>, env: &Env) -> ExitCode {
    let Some(file) = Config::locate(file) else {
        eprintln!(
            "ticket-bot: the sandbox runs the game link of a configuration file, and {} does not exist here: name              one with --config <PATH>",
            crate::config::DEFAULT_FILE
        );
        return ExitCode::from(2);
    };
    let config = match load_or_say_why(&file, env) {
        Ok(config) => config,
        Err(status) => return status,
    };
    let format = format.or(config.log_format).unwrap_or_default();
    if let Some(note) = logging::init(format, env, None, "warn,adapter_xilero=info") {
        eprintln!("ticket-bot: {note}");
    }
    match demo::sandbox::run(config, database).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ticket-bot: the sandbox failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Loads the configuration a command starts with; if it cannot be used, says why on standard error and gives the
/// exit status ([`EXIT_CONFIG`]).
fn load_or_say_why(file: &Path, env: &Env) -> Result<Config, ExitCode> {
    Config::load(file, env).map_err(|error| {
        eprint!("ticket-bot: cannot start: {error}");
        if !matches!(error, ConfigError::Invalid(_)) {
            eprintln!();
        }
        ExitCode::from(EXIT_CONFIG)
    })
}

/// `check-config`: every problem with its line on standard output, status 1 if there is any.
fn check_config(file: Option<&Path>, env: &Env) -> ExitCode {
    let Some(file) = Config::locate(file) else {
        eprintln!(
            "ticket-bot: no configuration file: {} does not exist here; name one (`ticket-bot check-config \
             <PATH>` or --config <PATH>)",
            crate::config::DEFAULT_FILE
        );
        return ExitCode::from(2);
    };
    match Config::load(&file, env) {
        Ok(config) => {
            // What `run` refuses beyond the file: the pid secret (checked, never created here).
            if let Err(error) = secrets::check_pid_secret(env, &config.pid_secret_file) {
                let key = if env.get(PID_SECRET).is_some() { PID_SECRET } else { "database.pid_secret_file" };
                let problem = Problem { line: None, key: key.to_owned(), message: error.to_string() };
                print!("{}", Report { file: file.display().to_string(), problems: vec![problem] });
                return ExitCode::FAILURE;
            }
            print!("{}", summary(&file, &config, env));
            ExitCode::SUCCESS
        }
        Err(ConfigError::Invalid(report)) => {
            print!("{report}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("ticket-bot: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What a valid configuration amounts to (no secret is shown).
pub fn summary(file: &Path, config: &Config, env: &Env) -> String {
    let mut out = format!("{}: OK\n", file.display());
    let pid = if env.get(PID_SECRET).is_some() {
        format!("from {PID_SECRET}")
    } else {
        format!("file {} (created on first start if missing)", config.pid_secret_file.display())
    };
    out += &format!("  database: {}\n", config.database.describe());
    if let DatabaseConfig::Postgres(pg) = &config.database {
        let password = if pg.password.is_some() { "set" } else { "not set (none, or from the server's own rules)" };
        out += &format!("  database password: {DATABASE_PASSWORD} {password}\n");
        if let Some((file, _)) = &pg.ca {
            out += &format!("  database CA certificates: {}\n", file.display());
        }
    }
    out += &format!("  pid secret: {pid}\n");
    let api = match (&config.discord_api_base, &config.discord_api_address) {
        (Some(base), _) => base.clone(),
        (None, Some(api)) => format!(
            "discord.com at {} over TLS, trusting {} (a test double; serenity's rate limiter on)",
            api.addr,
            api.ca_file.display()
        ),
        (None, None) => "discord.com".to_owned(),
    };
    let token = if env.discord_token().is_some() { "set" } else { "NOT SET: `run` needs it" };
    out += &format!("  Discord: {api}, {DISCORD_TOKEN} {token}\n");
    match &config.game_link {
        Some(link) => {
            let servers: Vec<String> = link
                .servers
                .iter()
                .map(|s| {
                    let from: Vec<String> = s.allow_from.iter().map(ToString::to_string).collect();
                    format!("{} (Discord server {}, {}, from {})", s.id, s.guild, s.encoding, from.join(" "))
                })
                .collect();
            out += &format!("  game link: listens on {}; game servers: {}\n", link.listen, servers.join(", "));
        }
        None => out += "  game link: off (no [game_link] section)\n",
    }
    let format = match config.log_format.unwrap_or_default() {
        LogFormat::Text => "text",
        LogFormat::Json => "json",
    };
    out += &format!("  logs: {format}, filter {}\n", config.log_filter.as_deref().unwrap_or("info"));
    for warning in &config.warnings {
        out += &format!("  warning: {warning}\n");
    }
    out
}

/// The real bot: start, run until Ctrl-C or SIGTERM (or until Discord ends the connection), stop cleanly.
async fn run_bot(token: &str, file: Option<&Path>, format: Option<LogFormat>, env: &Env) -> ExitCode {
    let config = match file {
        Some(file) => match load_or_say_why(file, env) {
            Ok(config) => config,
            Err(status) => return status,
        },
        None => Config::defaults(Path::new("")),
    };
    let format = format.or(config.log_format).unwrap_or_default();
    if let Some(note) = logging::init(format, env, config.log_filter.as_deref(), "info") {
        tracing::warn!("{note}");
    }
    match file {
        Some(file) => tracing::info!(config = %file.display(), "configuration read"),
        None => tracing::info!("no configuration file: using the defaults"),
    }
    for warning in &config.warnings {
        tracing::warn!("configuration: {warning}");
    }
    let secret = match secrets::pid_secret(env, &config.pid_secret_file) {
        Ok((secret, source)) => {
            match source {
                SecretSource::Environment => tracing::info!("pid secret: from {PID_SECRET}"),
                SecretSource::File(file) => tracing::info!(file = %file.display(), "pid secret: read"),
                SecretSource::Created(file) => tracing::warn!(
                    file = %file.display(),
                    "pid secret: created a new one (owner-only). Back it up with the database: without it, stored \
                     people cannot be recognised or reached"
                ),
            }
            secret
        }
        Err(error) => {
            tracing::error!(%error, "cannot start: the pid secret is unusable");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if let DatabaseConfig::Sqlite(file) = &config.database
        && let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(error) = std::fs::create_dir_all(dir)
    {
        tracing::error!(%error, folder = %dir.display(), "cannot start: cannot create the database's folder");
        return ExitCode::from(EXIT_CONFIG);
    }
    tracing::info!(database = %config.database.describe(), "starting");
    let mut services = Services::default().with_zones(Arc::new(IanaZones));
    match config.rsi.directory() {
        Ok(Some(rsi)) => services = services.with_profiles(Arc::new(rsi)),
        Ok(None) => tracing::info!("RSI lookups are off ([rsi] enabled = false)"),
        Err(error) => {
            tracing::error!(%error, "cannot start: the [rsi] settings are unusable");
            return ExitCode::from(EXIT_CONFIG);
        }
    }
    // A standby waits here for the active lease: a stop signal ends the wait.
    let started = tokio::select! {
        started = App::start_with(config.app_config(token, secret), services) => started,
        name = signal::shutdown_signal() => {
            tracing::info!(signal = name, "stopped before becoming active");
            return ExitCode::SUCCESS;
        }
    };
    let mut app = match started {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("running; stop with Ctrl-C or SIGTERM");
    let lease_lost = app.lease_lost();
    let status = tokio::select! {
        name = signal::shutdown_signal() => {
            tracing::info!(signal = name, "stopping");
            ExitCode::SUCCESS
        }
        why = lease_lost => {
            // Another instance may be active already: acting any further could do things twice. What was not
            // done stays in the outbox for the active instance.
            tracing::error!(reason = %why, "lost the database lease; stopping at once so that the standby takes over");
            std::process::exit(EXIT_LEASE_LOST.into());
        }
        ended = app.discord_ended() => {
            match ended {
                Ok(()) => tracing::error!("the Discord connection ended; stopping"),
                Err(error) => tracing::error!(%error, "the Discord connection failed; stopping"),
            }
            ExitCode::FAILURE
        }
    };
    // A second signal while stopping stops at once: the outbox keeps what was not done for the next start.
    tokio::spawn(async {
        let name = signal::shutdown_signal().await;
        tracing::warn!(signal = name, "stopping at once");
        std::process::exit(130);
    });
    if tokio::time::timeout(SHUTDOWN_TIMEOUT, app.shutdown()).await.is_err() {
        tracing::warn!("stopping took too long; what was not done is replayed at the next start");
    }
    status
}
