//! `conf/channels.conf`: the game server's settings for the ticket system and for reaching the bridge.
//!
//! ```text
//! // Ticket Support System (PM @Support or @request command)
//! ragnasync_ticket_support_system_enabled: true
//! ragnasync_ticket_support_system_close_on_logout: true
//!
//! // Where the RagnaSync bridge listens, and how this server identifies itself to it. Several addresses
//! // ("10.0.0.1, 10.0.0.2:6151"; a bare host takes ragnasync_bridge_port) are tried in turn.
//! ragnasync_bridge_host: "127.0.0.1"
//! ragnasync_bridge_port: 6150
//! ragnasync_server_id: "xilero"
//! // The secret is not in this file: it comes from RAGNASYNC_BRIDGE_SECRET, or from this file (not committed)
//! ragnasync_bridge_secret_file: "conf/import/ragnasync_secret.txt"
//! ```
//!
//! The keys may sit at the top level or inside any group (such as rAthena's `channel_config: { … }`); each may
//! appear once. Missing keys take their defaults. The secret never sits in `channels.conf`, a file server owners
//! commit: [`ChannelsConf::load`] takes it from the environment variable [`SECRET_ENV`], else from the first line
//! of the secret file (relative to the rAthena folder, the one holding `conf/`), as the map-server integration in
//! `contrib/rathena` does.

use std::fmt;
use std::path::{Path, PathBuf};

use ticket_core::GameServerId;
use ticket_core::strings::{CONF_TICKET_CLOSE_ON_LOGOUT, CONF_TICKET_ENABLED};

use crate::config::{DEFAULT_LISTEN, DEFAULT_PORT};
use crate::libconfig::{self, Setting, SyntaxError, Value};
use crate::secret::Secret;

/// The bridge's address: one, or several separated by commas, each `host` or `host:port`.
pub const CONF_BRIDGE_HOST: &str = "ragnasync_bridge_host";
/// The bridge's port, for the addresses that name none.
pub const CONF_BRIDGE_PORT: &str = "ragnasync_bridge_port";
/// The most addresses [`CONF_BRIDGE_HOST`] may list.
pub const MAX_BRIDGES: usize = 8;
/// The shared secret: refused in `channels.conf` (see [`CONF_BRIDGE_SECRET_FILE`]).
pub const CONF_BRIDGE_SECRET: &str = "ragnasync_bridge_secret";
/// The file holding the shared secret.
pub const CONF_BRIDGE_SECRET_FILE: &str = "ragnasync_bridge_secret_file";
/// The environment variable holding the shared secret; it wins over the file.
pub const SECRET_ENV: &str = "RAGNASYNC_BRIDGE_SECRET";
/// The default secret file, relative to the rAthena folder (`conf/import/` is not committed).
pub const DEFAULT_SECRET_FILE: &str = "conf/import/ragnasync_secret.txt";
/// This game server's id on the bridge.
pub const CONF_SERVER_ID: &str = "ragnasync_server_id";

/// The default server id.
pub const DEFAULT_SERVER_ID: &str = "xilero";

/// The largest file read, in bytes.
pub const MAX_FILE_LEN: u64 = 1 << 20;

/// What `conf/channels.conf` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelsConf {
    /// `ragnasync_ticket_support_system_enabled` (default `true`).
    pub ticket_enabled: bool,
    /// `ragnasync_ticket_support_system_close_on_logout` (default `true`).
    pub close_on_logout: bool,
    /// The addresses of `ragnasync_bridge_host` (default `127.0.0.1`), in the order they are tried, each with its
    /// port (`ragnasync_bridge_port` where it names none). Never empty when read from a file.
    pub bridges: Vec<(String, u16)>,
    /// `ragnasync_bridge_port` (default 6150): the port of the addresses that name none.
    pub bridge_port: u16,
    /// `ragnasync_bridge_secret_file` (default [`DEFAULT_SECRET_FILE`]).
    pub bridge_secret_file: PathBuf,
    /// The secret, once [`ChannelsConf::load`] found it ([`SECRET_ENV`] or the secret file).
    pub bridge_secret: Option<Secret>,
    /// `ragnasync_server_id` (default `xilero`).
    pub server_id: GameServerId,
}

/// What is wrong, without the file's name.
#[derive(Debug, thiserror::Error)]
pub enum ConfProblem {
    /// The file could not be read.
    #[error("cannot read it: {0}")]
    Read(#[source] std::io::Error),
    /// The file is too large to be a configuration file.
    #[error("it is larger than {max} bytes")]
    TooLarge {
        /// The limit.
        max: u64,
    },
    /// A syntax error.
    #[error("{0}")]
    Syntax(#[from] SyntaxError),
    /// A setting has the wrong kind of value.
    #[error("line {line}: {key} must be {expected}, found {found}")]
    WrongValue {
        /// Its line.
        line: usize,
        /// The key.
        key: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What it is.
        found: String,
    },
    /// A key is set in two places.
    #[error("line {line}: {key} is set again (first on line {first})")]
    SetTwice {
        /// The second place.
        line: usize,
        /// The key.
        key: &'static str,
        /// The first place.
        first: usize,
    },
    /// A required key is missing.
    #[error("{key} is missing")]
    Missing {
        /// The key.
        key: &'static str,
    },
    /// The secret is in `channels.conf`, a file server owners commit.
    #[error(
        "line {line}: {CONF_BRIDGE_SECRET} does not belong in channels.conf, which is committed: put the secret in {DEFAULT_SECRET_FILE} or the environment variable {SECRET_ENV}"
    )]
    SecretInConf {
        /// Its line.
        line: usize,
    },
    /// No secret was found.
    #[error("no secret: set {SECRET_ENV}, or write it on the first line of {}", .file.display())]
    NoSecret {
        /// The secret file looked for.
        file: PathBuf,
    },
    /// The secret is too short.
    #[error("the secret from {from} is {len} bytes; at least {min} are required", min = Secret::MIN_LEN)]
    WeakSecret {
        /// Where it came from.
        from: String,
        /// Its length.
        len: usize,
    },
}

/// Why `channels.conf` was refused.
#[derive(Debug, thiserror::Error)]
pub struct ConfError {
    /// The file, when read from one.
    pub path: Option<PathBuf>,
    /// What is wrong.
    #[source]
    pub problem: ConfProblem,
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{}: {}", path.display(), self.problem),
            None => write!(f, "channels.conf: {}", self.problem),
        }
    }
}

impl From<ConfProblem> for ConfError {
    fn from(problem: ConfProblem) -> Self {
        Self { path: None, problem }
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::Str(s) => format!("{:?}", s.chars().take(40).collect::<String>()),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.kind().to_owned(),
    }
}

fn lookup<'a>(settings: &'a [Setting], key: &'static str) -> Result<Option<&'a Setting>, ConfProblem> {
    let found = libconfig::find_all(settings, key);
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        [first, second, ..] => Err(ConfProblem::SetTwice { line: second.line, key, first: first.line }),
    }
}

fn wrong(setting: &Setting, key: &'static str, expected: &'static str) -> ConfProblem {
    wrong_with(setting, key, expected, shown(&setting.value))
}

fn wrong_with(setting: &Setting, key: &'static str, expected: &'static str, found: String) -> ConfProblem {
    ConfProblem::WrongValue { line: setting.line, key, expected, found }
}

fn boolean(settings: &[Setting], key: &'static str, default: bool) -> Result<bool, ConfProblem> {
    match lookup(settings, key)? {
        None => Ok(default),
        Some(Setting { value: Value::Bool(b), .. }) => Ok(*b),
        Some(s) => Err(wrong(s, key, "true or false")),
    }
}

fn string<'a>(settings: &'a [Setting], key: &'static str) -> Result<Option<(String, &'a Setting)>, ConfProblem> {
    match lookup(settings, key)? {
        None => Ok(None),
        Some(s @ Setting { value: Value::Str(v), .. }) => Ok(Some((v.clone(), s))),
        Some(s) => Err(wrong(s, key, "a string in double quotes")),
    }
}

/// A port as `host:port` writes it: 1 to 5 digits, 1 to 65535.
fn port_number(digits: &str) -> Option<u16> {
    let digits_only = !digits.is_empty() && digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit());
    digits_only.then(|| digits.parse().ok()).flatten().filter(|port| *port != 0)
}

/// `ragnasync_bridge_host`: one address or a comma-separated list, each `host` or `host:port` (a bare host takes
/// `default_port`), as the map-server integration in `contrib/rathena` reads it.
fn bridges(setting: &Setting, list: &str, default_port: u16) -> Result<Vec<(String, u16)>, ConfProblem> {
    let count = list.split(',').count();
    if count > MAX_BRIDGES {
        return Err(wrong_with(setting, CONF_BRIDGE_HOST, "at most 8 addresses", format!("{count}")));
    }
    let mut bridges = Vec::with_capacity(count);
    for entry in list.split(',').map(str::trim) {
        let (host, port) = match entry.split_once(':') {
            None => (entry, Some(default_port)),
            Some((host, digits)) => (host, port_number(digits)),
        };
        // A second ':' is an IPv6 address, which rAthena's sockets cannot reach.
        let host_ok = !host.is_empty() && !host.contains([' ', '\t', ':']);
        match port.filter(|_| host_ok) {
            Some(port) => bridges.push((host.to_owned(), port)),
            None if entry.is_empty() => {
                return Err(wrong_with(setting, CONF_BRIDGE_HOST, BRIDGE_LIST, "an empty address".into()));
            }
            None => return Err(wrong_with(setting, CONF_BRIDGE_HOST, BRIDGE_LIST, format!("{entry:?}"))),
        }
    }
    Ok(bridges)
}

/// What [`CONF_BRIDGE_HOST`] must be.
const BRIDGE_LIST: &str = "host or host:port (a port is 1-65535), several separated by commas";

impl ChannelsConf {
    /// Reads the settings from the text of a `channels.conf`.
    pub fn parse(text: &str) -> Result<Self, ConfError> {
        Ok(Self::from_settings(&libconfig::parse(text).map_err(ConfProblem::from)?)?)
    }

    /// Reads a `channels.conf` file (at most [`MAX_FILE_LEN`] bytes) and finds the secret: [`SECRET_ENV`] if it
    /// is set, else the secret file. No secret at all is not an error here ([`ChannelsConf::require_secret`]).
    pub fn load(path: &Path) -> Result<Self, ConfError> {
        Self::load_with(path, std::env::var(SECRET_ENV).ok())
    }

    /// [`ChannelsConf::load`] with the value of [`SECRET_ENV`] given.
    pub fn load_with(path: &Path, env_secret: Option<String>) -> Result<Self, ConfError> {
        let located = |problem| ConfError { path: Some(path.to_owned()), problem };
        let meta = std::fs::metadata(path).map_err(|e| located(ConfProblem::Read(e)))?;
        if meta.len() > MAX_FILE_LEN {
            return Err(located(ConfProblem::TooLarge { max: MAX_FILE_LEN }));
        }
        let text = std::fs::read_to_string(path).map_err(|e| located(ConfProblem::Read(e)))?;
        let mut conf = Self::parse(&text).map_err(|e| located(e.problem))?;
        let file = rathena_folder(path).join(&conf.bridge_secret_file);
        let (secret, from) = match env_secret.filter(|s| !s.trim().is_empty()) {
            Some(secret) => (Some(secret.trim().to_owned()), SECRET_ENV.to_owned()),
            None => match std::fs::read_to_string(&file) {
                Ok(text) => (text.lines().next().map(|l| l.trim().to_owned()), file.display().to_string()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => (None, String::new()),
                Err(e) => return Err(ConfError { path: Some(file), problem: ConfProblem::Read(e) }),
            },
        };
        conf.bridge_secret = match secret.filter(|s| !s.is_empty()) {
            None => None,
            Some(s) if s.len() < Secret::MIN_LEN => {
                return Err(ConfProblem::WeakSecret { from, len: s.len() }.into());
            }
            Some(s) => Some(Secret::new(s)),
        };
        Ok(conf)
    }

    fn from_settings(settings: &[Setting]) -> Result<Self, ConfProblem> {
        let bridge_port = match lookup(settings, CONF_BRIDGE_PORT)? {
            None => DEFAULT_PORT,
            Some(s @ Setting { value: Value::Int(port), .. }) => u16::try_from(*port)
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| wrong(s, CONF_BRIDGE_PORT, "a port number (1-65535)"))?,
            Some(s) => return Err(wrong(s, CONF_BRIDGE_PORT, "a port number (1-65535)")),
        };
        let bridges = match string(settings, CONF_BRIDGE_HOST)? {
            None => vec![(DEFAULT_LISTEN.ip().to_string(), bridge_port)],
            Some((host, s)) if host.trim().is_empty() => {
                return Err(wrong(s, CONF_BRIDGE_HOST, "a host name or address"));
            }
            Some((list, s)) => bridges(s, &list, bridge_port)?,
        };
        if let Some(s) = lookup(settings, CONF_BRIDGE_SECRET)? {
            return Err(ConfProblem::SecretInConf { line: s.line });
        }
        let bridge_secret_file = match string(settings, CONF_BRIDGE_SECRET_FILE)? {
            None => PathBuf::from(DEFAULT_SECRET_FILE),
            Some((file, s)) if file.trim().is_empty() => return Err(wrong(s, CONF_BRIDGE_SECRET_FILE, "a file name")),
            Some((file, _)) => PathBuf::from(file.trim()),
        };
        let server_id = match string(settings, CONF_SERVER_ID)? {
            None => GameServerId::new(DEFAULT_SERVER_ID).map_err(|_| ConfProblem::Missing { key: CONF_SERVER_ID })?,
            Some((id, s)) => GameServerId::new(id.trim())
                .map_err(|_| wrong(s, CONF_SERVER_ID, "1 to 64 letters, digits, '_', '.' or '-'"))?,
        };
        Ok(Self {
            ticket_enabled: boolean(settings, CONF_TICKET_ENABLED, true)?,
            close_on_logout: boolean(settings, CONF_TICKET_CLOSE_ON_LOGOUT, true)?,
            bridges,
            bridge_port,
            bridge_secret_file,
            bridge_secret: None,
            server_id,
        })
    }

    /// The secret, or the error a game server would report without it.
    pub fn require_secret(&self) -> Result<&Secret, ConfError> {
        self.bridge_secret
            .as_ref()
            .ok_or_else(|| ConfProblem::NoSecret { file: self.bridge_secret_file.clone() }.into())
    }
}

/// The rAthena folder of a `channels.conf`: the parent of its `conf/` folder (or its own folder elsewhere).
fn rathena_folder(conf: &Path) -> PathBuf {
    let folder = conf.parent().unwrap_or(Path::new("."));
    match (folder.file_name(), folder.parent()) {
        (Some(name), Some(root)) if name == "conf" => root.to_owned(),
        _ => folder.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_and_defaults() {
        let conf = ChannelsConf::parse(
            "// Ticket Support System (PM @Support or @request command)\n\
             ragnasync_ticket_support_system_enabled: true\n\
             ragnasync_ticket_support_system_close_on_logout: true\n",
        )
        .unwrap();
        assert!(conf.ticket_enabled && conf.close_on_logout);
        assert_eq!(conf.bridges, [("127.0.0.1".to_owned(), 6150)]);
        assert_eq!(conf.server_id.as_str(), "xilero");
        assert!(conf.bridge_secret.is_none());
        assert_eq!(
            conf.require_secret().unwrap_err().to_string(),
            "channels.conf: no secret: set RAGNASYNC_BRIDGE_SECRET, or write it on the first line of conf/import/ragnasync_secret.txt"
        );
        let empty = ChannelsConf::parse("").unwrap();
        assert!(empty.ticket_enabled && empty.close_on_logout);
    }

    #[test]
    fn nested_and_overridden() {
        let conf = ChannelsConf::parse(
            "channel_config: {\n\
               ragnasync_ticket_support_system_enabled: false;\n\
               ragnasync: { ragnasync_bridge_port = 7000 }\n\
             }\n\
             ragnasync_ticket_support_system_close_on_logout: FALSE\n\
             ragnasync_bridge_host: \" bridge.local \"\n\
             ragnasync_bridge_secret_file: \"conf/import/other.txt\"\n\
             ragnasync_server_id: \"xilero-2\"\n",
        )
        .unwrap();
        assert!(!conf.ticket_enabled && !conf.close_on_logout);
        assert_eq!(conf.bridges, [("bridge.local".to_owned(), 7000)]);
        assert_eq!(conf.bridge_secret_file, Path::new("conf/import/other.txt"));
        assert_eq!(conf.server_id.as_str(), "xilero-2");
    }

    #[test]
    fn errors_are_clear_and_have_line_numbers() {
        let cases = [
            (
                "\nragnasync_ticket_support_system_enabled: yes\n",
                "channels.conf: line 2: expected a value, found \"yes\" (strings need double quotes)",
            ),
            (
                "ragnasync_ticket_support_system_enabled: \"true\"\n",
                "channels.conf: line 1: ragnasync_ticket_support_system_enabled must be true or false, found \"true\"",
            ),
            (
                "a: { ragnasync_ticket_support_system_enabled: true }\nragnasync_ticket_support_system_enabled: false\n",
                "channels.conf: line 2: ragnasync_ticket_support_system_enabled is set again (first on line 1)",
            ),
            (
                "\n\nragnasync_bridge_port: 70000\n",
                "channels.conf: line 3: ragnasync_bridge_port must be a port number (1-65535), found 70000",
            ),
            (
                "ragnasync_bridge_port: \"6121\"\n",
                "channels.conf: line 1: ragnasync_bridge_port must be a port number (1-65535), found \"6121\"",
            ),
            (
                "ragnasync_server_id: \"bad id\"\n",
                "channels.conf: line 1: ragnasync_server_id must be 1 to 64 letters, digits, '_', '.' or '-', found \"bad id\"",
            ),
            (
                "\nragnasync_bridge_secret: \"0123456789abcdef\"\n",
                "channels.conf: line 2: ragnasync_bridge_secret does not belong in channels.conf, which is committed: put the secret in conf/import/ragnasync_secret.txt or the environment variable RAGNASYNC_BRIDGE_SECRET",
            ),
            (
                "ragnasync_bridge_host: { }\n",
                "channels.conf: line 1: ragnasync_bridge_host must be a string in double quotes, found a group",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(ChannelsConf::parse(text).unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn several_bridge_addresses_with_or_without_their_port() {
        let conf = ChannelsConf::parse(
            "ragnasync_bridge_host: \" 10.0.0.1, bridge-b.lan:6151 ,10.0.0.3 \"\nragnasync_bridge_port: 7000\n",
        )
        .unwrap();
        let expected = [("10.0.0.1", 7000), ("bridge-b.lan", 6151), ("10.0.0.3", 7000)].map(|(h, p)| (h.to_owned(), p));
        assert_eq!(conf.bridges, expected, "a bare host takes ragnasync_bridge_port, wherever that key is");
        let one = ChannelsConf::parse("ragnasync_bridge_host: \"127.0.0.1:6151\"\n").unwrap();
        assert_eq!(one.bridges, [("127.0.0.1".to_owned(), 6151)]);
        let eight = ChannelsConf::parse("ragnasync_bridge_host: \"a,b,c,d,e,f,g,h\"\n").unwrap();
        assert_eq!(eight.bridges.len(), MAX_BRIDGES);
    }

    #[test]
    fn bad_bridge_addresses_are_named() {
        let list = "host or host:port (a port is 1-65535), several separated by commas";
        let cases = [
            ("\"10.0.0.1,,10.0.0.2\"", "an empty address".to_owned()),
            ("\"10.0.0.1, \"", "an empty address".to_owned()),
            ("\"10.0.0.1, b:0\"", format!("{:?}", "b:0")),
            ("\"b:65536\"", format!("{:?}", "b:65536")),
            ("\"b:+80\"", format!("{:?}", "b:+80")),
            ("\"b:\"", format!("{:?}", "b:")),
            ("\":6150\"", format!("{:?}", ":6150")),
            ("\"::1\"", format!("{:?}", "::1")),
            ("\"bridge one\"", format!("{:?}", "bridge one")),
        ];
        for (value, found) in cases {
            let message = ChannelsConf::parse(&format!("\nragnasync_bridge_host: {value}\n")).unwrap_err().to_string();
            assert_eq!(message, format!("channels.conf: line 2: ragnasync_bridge_host must be {list}, found {found}"));
        }
        let nine = ChannelsConf::parse("ragnasync_bridge_host: \"a,b,c,d,e,f,g,h,i\"\n").unwrap_err().to_string();
        assert_eq!(nine, "channels.conf: line 1: ragnasync_bridge_host must be at most 8 addresses, found 9");
    }

    #[test]
    fn files_are_read_with_their_name_in_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let good = dir.join("channels.conf");
        std::fs::write(&good, "ragnasync_ticket_support_system_enabled: false\n").unwrap();
        assert!(!ChannelsConf::load(&good).unwrap().ticket_enabled);
        let bad = dir.join("bad.conf");
        std::fs::write(&bad, "\nragnasync_bridge_port: -1\n").unwrap();
        let err = ChannelsConf::load(&bad).unwrap_err().to_string();
        assert!(
            err.ends_with("bad.conf: line 2: ragnasync_bridge_port must be a port number (1-65535), found -1"),
            "{err}"
        );
        let missing = ChannelsConf::load(&dir.join("missing.conf")).unwrap_err().to_string();
        assert!(missing.contains("missing.conf: cannot read it"), "{missing}");
    }

    #[test]
    fn the_secret_comes_from_the_environment_or_the_secret_file() {
        let tmp = tempfile::tempdir().unwrap();
        let conf_dir = tmp.path().join("conf");
        std::fs::create_dir_all(conf_dir.join("import")).unwrap();
        let path = conf_dir.join("channels.conf");
        std::fs::write(&path, "ragnasync_server_id: \"xilero\"\n").unwrap();
        let none = ChannelsConf::load_with(&path, None).unwrap();
        assert!(none.bridge_secret.is_none() && none.require_secret().is_err());
        std::fs::write(conf_dir.join("import/ragnasync_secret.txt"), "  from-the-file-0123456789 \nignored\n").unwrap();
        let file = ChannelsConf::load_with(&path, None).unwrap();
        assert!(file.require_secret().unwrap().matches("from-the-file-0123456789"), "relative to the rAthena folder");
        let env = ChannelsConf::load_with(&path, Some("from-the-environment-0123".into())).unwrap();
        assert!(env.require_secret().unwrap().matches("from-the-environment-0123"), "the environment wins");
        let weak = ChannelsConf::load_with(&path, Some("short".into())).unwrap_err().to_string();
        assert_eq!(weak, "channels.conf: the secret from RAGNASYNC_BRIDGE_SECRET is 5 bytes; at least 16 are required");
    }
}
