//! The configuration file (`ticket-bot.toml`): what it may hold, its defaults, and how it becomes an
//! [`AppConfig`]. Every key is described in `docs/configuration.md`; `ticket-bot.example.toml` shows them all.
//!
//! Secrets are never in the file: see [`crate::env`].

mod check;
mod problem;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use adapter_discord::DiscordConfig;
use adapter_xilero::{AllowedServer, CodePage, DEFAULT_LISTEN, IpNet, LinkConfig, LinkLimits, Secret};
use ticket_core::{GameServerId, GuildId};

pub use problem::{Problem, Report};

use crate::app::AppConfig;
use crate::database::DatabaseConfig;
use crate::env::Env;

/// The file read when `--config` is not given, if it exists in the working directory.
pub const DEFAULT_FILE: &str = "ticket-bot.toml";
/// The database file when `database.path` is not set.
pub const DEFAULT_DATABASE: &str = "tickets.db";
/// The pid secret file's name when `database.pid_secret_file` is not set (next to the database).
pub const DEFAULT_PID_SECRET_FILE: &str = "pid.secret";
/// How often effects waiting for a retry are tried again, when `discord.resume_every_secs` is not set.
pub const DEFAULT_RESUME_EVERY: Duration = Duration::from_secs(30);

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One readable line per event (the default).
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => Err(format!("unknown log format {other:?}: use text or json")),
        }
    }
}

/// A game server allowed to connect, with its secret from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEntry {
    /// The id it authenticates with.
    pub id: GameServerId,
    /// The Discord server its tickets open in.
    pub guild: GuildId,
    /// Its link secret (from `TICKET_BOT_LINK_SECRET_<ID>` or `TICKET_BOT_LINK_SECRET`).
    pub secret: Secret,
    /// The code page of its names and chat (`encoding`, default UTF-8).
    pub encoding: CodePage,
    /// Where it may connect from (`allow_from`, default loopback).
    pub allow_from: Vec<IpNet>,
}

/// The `[game_link]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GameLinkSettings {
    /// Where the link listens.
    pub listen: SocketAddr,
    /// How long a new connection has to authenticate.
    pub auth_timeout: Duration,
    /// How long a game server may stay silent.
    pub idle_timeout: Duration,
    /// How long one write to a game server may take.
    pub write_timeout: Duration,
    /// The game servers allowed to connect.
    pub servers: Vec<ServerEntry>,
}

impl Default for GameLinkSettings {
    fn default() -> Self {
        let limits = LinkLimits::default();
        Self {
            listen: DEFAULT_LISTEN,
            auth_timeout: limits.auth_timeout,
            idle_timeout: limits.idle_timeout,
            write_timeout: limits.write_timeout,
            servers: Vec::new(),
        }
    }
}

/// The `[rsi]` section: RSI profile lookups (shown to staff at Step 1, used for nickname sync).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsiSettings {
    /// Whether the bot looks applicants up on RSI at all.
    pub enabled: bool,
    /// The site (`https://robertsspaceindustries.com`).
    pub base_url: String,
    /// The time one lookup may take.
    pub timeout: Duration,
}

impl Default for RsiSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            base_url: adapter_rsi::DEFAULT_BASE_URL.to_owned(),
            timeout: adapter_rsi::DEFAULT_TIMEOUT,
        }
    }
}

impl RsiSettings {
    /// The lookups these settings ask for: `None` when disabled.
    pub fn directory(&self) -> Result<Option<adapter_rsi::RsiDirectory>, adapter_rsi::SetupError> {
        if !self.enabled {
            return Ok(None);
        }
        let config = adapter_rsi::RsiConfig {
            base_url: self.base_url.clone(),
            timeout: self.timeout,
            ..adapter_rsi::RsiConfig::default()
        };
        adapter_rsi::RsiDirectory::new(config).map(Some)
    }
}

/// `[discord] api_address` and `api_ca_file`: where a test double of Discord serves `discord.com` over TLS, and the
/// root certificate its certificate chains to (read when the file is checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiAddressSettings {
    /// Where `discord.com` is.
    pub addr: SocketAddr,
    /// The root certificate's file.
    pub ca_file: PathBuf,
    /// Its PEM text.
    pub ca_pem: String,
}

/// A checked configuration: the file's values with every default filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Where the data is: an SQLite file (`database.path`, the default) or Postgres (`database.url`).
    pub database: DatabaseConfig,
    /// The file holding the pid secret when `TICKET_BOT_PID_SECRET` is not set.
    pub pid_secret_file: PathBuf,
    /// Another Discord API base (a Discord-compatible test server); `None` for discord.com.
    pub discord_api_base: Option<String>,
    /// discord.com at another address, served over TLS by a test double of Discord (the benchmark's fake), with
    /// the root certificate to trust for it; `None` for the real discord.com.
    pub discord_api_address: Option<ApiAddressSettings>,
    /// How often effects waiting for a retry are tried again.
    pub resume_every: Duration,
    /// The log format, unless `--log-format` says otherwise.
    pub log_format: Option<LogFormat>,
    /// The log filter, unless `RUST_LOG` says otherwise.
    pub log_filter: Option<String>,
    /// The game link, if game servers connect.
    pub game_link: Option<GameLinkSettings>,
    /// RSI lookups.
    pub rsi: RsiSettings,
    /// What is allowed but probably not meant (a plain-http RSI address, a game link listening where no map
    /// server may connect from…): `check-config` shows them, `run` logs them.
    pub warnings: Vec<Problem>,
}

/// The pid secret file next to a database.
pub fn default_pid_secret_file(database: &Path) -> PathBuf {
    database.with_file_name(DEFAULT_PID_SECRET_FILE)
}

/// Why a configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {file}: {source}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file has problems.
    #[error("{0}")]
    Invalid(Report),
}

impl Config {
    /// The configuration without a file: every default, paths relative to `base`.
    pub fn defaults(base: &Path) -> Self {
        let database = base.join(DEFAULT_DATABASE);
        Self {
            pid_secret_file: default_pid_secret_file(&database),
            database: DatabaseConfig::Sqlite(database),
            discord_api_base: None,
            discord_api_address: None,
            resume_every: DEFAULT_RESUME_EVERY,
            log_format: None,
            log_filter: None,
            game_link: None,
            rsi: RsiSettings::default(),
            warnings: Vec::new(),
        }
    }

    /// Checks the text of a configuration file named `file` (for messages). Relative paths in it are taken from
    /// `base` (the file's directory); game-link secrets come from `env`.
    pub fn parse(source: &str, file: &str, base: &Path, env: &Env) -> Result<Self, Report> {
        check::check(source, base, env).map_err(|problems| Report { file: file.to_owned(), problems })
    }

    /// Reads and checks a configuration file; relative paths in it are taken from its directory.
    pub fn load(file: &Path, env: &Env) -> Result<Self, ConfigError> {
        let name = file.display().to_string();
        let bytes = std::fs::read(file).map_err(|source| ConfigError::Read { file: name.clone(), source })?;
        let source = String::from_utf8(bytes).map_err(|_| {
            ConfigError::Invalid(Report {
                file: name.clone(),
                problems: vec![Problem { line: None, key: String::new(), message: "is not UTF-8 text".into() }],
            })
        })?;
        let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&source, &name, &base, env).map_err(ConfigError::Invalid)
    }

    /// The configuration file to read: `explicit` (from `--config`) if given, else [`DEFAULT_FILE`] if it exists
    /// in the working directory, else none.
    pub fn locate(explicit: Option<&Path>) -> Option<PathBuf> {
        match explicit {
            Some(file) => Some(file.to_path_buf()),
            None => Some(PathBuf::from(DEFAULT_FILE)).filter(|f| f.is_file()),
        }
    }

    /// The game link's configuration, if game servers connect.
    pub fn link_config(&self) -> Option<LinkConfig> {
        let settings = self.game_link.as_ref()?;
        let servers = settings
            .servers
            .iter()
            .map(|s| {
                AllowedServer::new(s.id.clone(), s.secret.clone(), s.guild)
                    .with_encoding(s.encoding)
                    .with_allow_from(s.allow_from.clone())
            })
            .collect();
        let mut link = LinkConfig::new(servers);
        link.listen = settings.listen;
        link.limits.auth_timeout = settings.auth_timeout;
        link.limits.idle_timeout = settings.idle_timeout;
        link.limits.write_timeout = settings.write_timeout;
        Some(link)
    }

    /// Everything [`crate::App::start`] needs, with the Discord token and the pid secret.
    pub fn app_config(&self, token: &str, pid_secret: Vec<u8>) -> AppConfig {
        let mut discord = DiscordConfig::new(token);
        if let Some(base) = &self.discord_api_base {
            discord = discord.with_api_base(base.clone());
        }
        if let Some(api) = &self.discord_api_address {
            discord = discord.with_api_address(api.addr, api.ca_pem.clone());
        }
        discord.resume_every = self.resume_every;
        AppConfig {
            database: self.database.clone(),
            pid_secret,
            discord,
            game_link: self.link_config(),
            record_edit_quiet: ticket_core::desk::RECORD_EDIT_QUIET,
        }
    }
}
