//! Reading a configuration file: every key is checked, and every problem is kept with its line, so that one run
//! of `ticket-bot check-config` shows everything to fix.
//!
//! The file is parsed by `toml` with error recovery (several syntax errors are reported at once) into a tree that
//! remembers where each key and value is; each value is then converted with serde and checked here.

use std::net::SocketAddr;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use adapter_xilero::{CodePage, IpNet, Secret};
use serde::de::DeserializeOwned;
use ticket_core::{GameServerId, GuildId};
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::problem::Problems;
use super::{ApiAddressSettings, Config, GameLinkSettings, LogFormat, ServerEntry};
use crate::env::{Env, link_secret_var};

mod database;

type Value<'i> = Spanned<DeValue<'i>>;

/// The keys of each table, for "unknown key" and "did you mean" messages.
const TOP: &[&str] = &["database", "discord", "logging", "game_link", "rsi"];
const RSI: &[&str] = &["enabled", "base_url", "timeout_secs"];
const DISCORD: &[&str] = &["api_base", "api_address", "api_ca_file", "resume_every_secs"];
const LOGGING: &[&str] = &["format", "filter"];
const GAME_LINK: &[&str] = &["listen", "auth_timeout_secs", "idle_timeout_secs", "write_timeout_secs", "servers"];
const SERVER: &[&str] = &["id", "guild", "encoding", "allow_from"];

/// Checks `source` (the text of a configuration file). Relative paths are taken from `base`; game-link secrets
/// come from `env`. Returns the configuration, or every problem found.
pub(crate) fn check(source: &str, base: &Path, env: &Env) -> Result<Config, Vec<super::Problem>> {
    let (root, syntax_errors) = DeTable::parse_recoverable(source);
    let mut syntax = Problems::new(source);
    for error in &syntax_errors {
        let message = error.message().trim().to_owned();
        match error.span() {
            Some(span) => {
                // Name the key when the error points at one (`duplicate key`).
                let text = source.get(span.clone()).unwrap_or_default();
                let is_key = !text.is_empty()
                    && text.len() <= 64
                    && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
                syntax.at(&span, if is_key { text } else { "" }, message);
            }
            None => syntax.whole_file("", message),
        }
    }
    let mut walker = Walker { problems: Problems::new(source), warnings: Problems::new(source), env };
    let mut config = walker.root(root.get_ref(), base);
    if syntax.is_empty() && walker.problems.is_empty() {
        config.warnings = walker.warnings.into_sorted();
        return Ok(config);
    }
    // A line with a syntax error is reported for that error only: what the parser recovered there is a guess.
    let syntax = syntax.into_sorted();
    let on_syntax_line = |p: &super::Problem| p.line.is_some() && syntax.iter().any(|s| s.line == p.line);
    let semantic: Vec<super::Problem> =
        walker.problems.into_sorted().into_iter().filter(|p| !on_syntax_line(p)).collect();
    let mut all = syntax;
    all.extend(semantic);
    all.sort_by_key(|p| p.line.unwrap_or(0));
    Err(all)
}

struct Walker<'s, 'e> {
    problems: Problems<'s>,
    warnings: Problems<'s>,
    env: &'e Env,
}

/// A value's type with an article, and the value itself when it is short: `an integer (42)`, `a string ("x")`.
fn kind(value: &DeValue<'_>) -> String {
    let shown = |text: String| if text.chars().count() <= 40 { format!(" ({text})") } else { String::new() };
    match value {
        DeValue::String(s) => format!("a string{}", shown(format!("{s:?}"))),
        DeValue::Integer(n) => format!("an integer{}", shown(n.as_str().to_owned())),
        DeValue::Float(n) => format!("a float{}", shown(n.as_str().to_owned())),
        DeValue::Boolean(b) => format!("a boolean ({b})"),
        DeValue::Datetime(_) => "a date-time".to_owned(),
        DeValue::Array(_) => "an array".to_owned(),
        DeValue::Table(_) => "a table".to_owned(),
    }
}

/// The known key closest to `unknown`, if it is close enough to be a typo.
fn suggestion(unknown: &str, known: &[&'static str]) -> Option<&'static str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let cost = usize::from(ca != *cb);
                let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
                prev = row[j + 1];
                row[j + 1] = next;
            }
        }
        row[b.len()]
    }
    let lower = unknown.to_ascii_lowercase().replace('-', "_");
    known.iter().map(|k| (distance(&lower, k), *k)).filter(|(d, k)| *d <= 2.max(k.len() / 4)).min().map(|(_, k)| k)
}

fn path(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_owned() } else { format!("{parent}.{key}") }
}

impl<'s, 'e> Walker<'s, 'e> {
    /// Reports the keys of `table` that are not in `known`.
    fn unknown_keys(&mut self, table: &DeTable<'_>, parent: &str, known: &[&'static str]) {
        for (key, _) in table.iter() {
            let name = key.get_ref().as_ref();
            if !known.contains(&name) {
                let hint = match suggestion(name, known) {
                    Some(k) => format!("unknown key (did you mean `{k}`?)"),
                    None => format!("unknown key (known here: {})", known.join(", ")),
                };
                self.problems.at(&key.span(), path(parent, name), hint);
            }
        }
    }

    /// The value of `key` in `table`, with the span of its key.
    fn entry<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<(Range<usize>, &'t Value<'i>)> {
        table.iter().find(|(k, _)| k.get_ref().as_ref() == key).map(|(k, v)| (k.span(), v))
    }

    /// A sub-table; a value of another type is reported.
    fn table<'t, 'i>(&mut self, table: &'t DeTable<'i>, key: &str, parent: &str) -> Option<&'t Value<'i>> {
        let (_, value) = Self::entry(table, key)?;
        if value.get_ref().as_table().is_some() {
            return Some(value);
        }
        let found = kind(value.get_ref());
        self.problems.at(&value.span(), path(parent, key), format!("expected a table ([{key}]), found {found}"));
        None
    }

    /// A value converted with serde; a value of another TOML type is reported as such.
    fn typed<T: DeserializeOwned>(&mut self, value: &Value<'_>, key: &str, expected: &str) -> Option<T> {
        let right_type = match expected {
            "a string" => value.get_ref().is_str(),
            "an integer" => value.get_ref().is_integer(),
            "a boolean" => matches!(value.get_ref(), DeValue::Boolean(_)),
            _ => true,
        };
        if !right_type {
            let found = kind(value.get_ref());
            self.problems.at(&value.span(), key, format!("expected {expected}, found {found}"));
            return None;
        }
        match T::deserialize(ValueDeserializer::from(value.clone())) {
            Ok(v) => Some(v),
            Err(error) => {
                self.problems.at(&value.span(), key, format!("expected {expected}: {}", error.message().trim()));
                None
            }
        }
    }

    /// A non-empty string.
    fn string(&mut self, table: &DeTable<'_>, key: &str, parent: &str) -> Option<(Range<usize>, String)> {
        let (_, value) = Self::entry(table, key)?;
        let full = path(parent, key);
        let text: String = self.typed(value, &full, "a string")?;
        if text.trim().is_empty() {
            self.problems.at(&value.span(), full, "must not be empty");
            return None;
        }
        Some((value.span(), text))
    }

    /// A number of seconds in `range`.
    fn seconds(&mut self, table: &DeTable<'_>, key: &str, parent: &str, range: Range<u64>) -> Option<Duration> {
        let (_, value) = Self::entry(table, key)?;
        let full = path(parent, key);
        let n: i64 = self.typed(value, &full, "an integer")?;
        match u64::try_from(n) {
            Ok(n) if range.contains(&n) => Some(Duration::from_secs(n)),
            _ => {
                let (lo, hi) = (range.start, range.end - 1);
                self.problems.at(&value.span(), full, format!("must be between {lo} and {hi} seconds, found {n}"));
                None
            }
        }
    }

    fn root(&mut self, root: &DeTable<'_>, base: &Path) -> Config {
        self.unknown_keys(root, "", TOP);
        let mut config = Config::defaults(base);
        if let Some(db) = self.table(root, "database", "").and_then(|v| v.get_ref().as_table()) {
            self.database(db, base, &mut config);
        }
        if let Some(discord) = self.table(root, "discord", "").and_then(|v| v.get_ref().as_table()) {
            self.discord(discord, base, &mut config);
        }
        if let Some(logging) = self.table(root, "logging", "").and_then(|v| v.get_ref().as_table()) {
            self.logging(logging, &mut config);
        }
        if let Some(link) = self.table(root, "game_link", "") {
            config.game_link = self.game_link(link);
        }
        if let Some(rsi) = self.table(root, "rsi", "").and_then(|v| v.get_ref().as_table()) {
            self.rsi(rsi, &mut config);
        }
        config
    }

    fn discord(&mut self, discord: &DeTable<'_>, base: &Path, config: &mut Config) {
        self.unknown_keys(discord, "discord", DISCORD);
        let api_base = self.string(discord, "api_base", "discord");
        if let Some((span, url)) = &api_base {
            if url.starts_with("http://") || url.starts_with("https://") {
                config.discord_api_base = Some(url.trim_end_matches('/').to_owned());
            } else {
                let message = format!("must start with http:// or https://, found {url:?}");
                self.problems.at(span, "discord.api_base", message);
            }
        }
        let address = self.string(discord, "api_address", "discord");
        let addr = address.as_ref().and_then(|(span, text)| match text.parse::<SocketAddr>() {
            Ok(addr) => Some(addr),
            Err(_) => {
                let message =
                    format!("{text:?} is not an address and port such as \"127.0.0.1:8443\" or \"[::1]:8443\"");
                self.problems.at(span, "discord.api_address", message);
                None
            }
        });
        let ca_file = self.string(discord, "api_ca_file", "discord");
        let ca = ca_file.as_ref().and_then(|(span, file)| {
            let path = base.join(file);
            match std::fs::read_to_string(&path) {
                Ok(pem) if pem.contains("-----BEGIN CERTIFICATE-----") => Some((path, pem)),
                Ok(_) => {
                    let message = format!("{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display());
                    self.problems.at(span, "discord.api_ca_file", message);
                    None
                }
                Err(e) => {
                    self.problems.at(span, "discord.api_ca_file", format!("cannot read {}: {e}", path.display()));
                    None
                }
            }
        });
        match (&address, &ca_file) {
            (Some((span, _)), None) => {
                let message =
                    "needs discord.api_ca_file too: the root certificate the server at that address chains to";
                self.problems.at(span, "discord.api_address", message);
            }
            (None, Some((span, _))) => {
                let message = "needs discord.api_address too: where the server with that certificate listens";
                self.problems.at(span, "discord.api_ca_file", message);
            }
            _ => {}
        }
        if let (Some((span, _)), Some(_)) = (&address, &api_base) {
            let message = "is another way to reach a stand-in for Discord than discord.api_base: set one of them";
            self.problems.at(span, "discord.api_address", message);
        }
        if let (Some(addr), Some((ca_file, ca_pem))) = (addr, ca) {
            config.discord_api_address = Some(ApiAddressSettings { addr, ca_file, ca_pem });
        }
        if let Some(every) = self.seconds(discord, "resume_every_secs", "discord", 1..3601) {
            config.resume_every = every;
        }
    }

    fn rsi(&mut self, rsi: &DeTable<'_>, config: &mut Config) {
        self.unknown_keys(rsi, "rsi", RSI);
        if let Some((_, value)) = Self::entry(rsi, "enabled")
            && let Some(enabled) = self.typed::<bool>(value, "rsi.enabled", "a boolean")
        {
            config.rsi.enabled = enabled;
        }
        if let Some((span, url)) = self.string(rsi, "base_url", "rsi") {
            if url.starts_with("http://") || url.starts_with("https://") {
                config.rsi.base_url = url.trim_end_matches('/').to_owned();
                if url.starts_with("http://") {
                    let message =
                        "plain http: lookups and their answers travel unencrypted and can be altered; use https://";
                    self.warnings.at(&span, "rsi.base_url", message);
                }
            } else {
                self.problems.at(&span, "rsi.base_url", format!("must start with http:// or https://, found {url:?}"));
            }
        }
        if let Some(timeout) = self.seconds(rsi, "timeout_secs", "rsi", 1..61) {
            config.rsi.timeout = timeout;
        }
    }

    fn logging(&mut self, logging: &DeTable<'_>, config: &mut Config) {
        self.unknown_keys(logging, "logging", LOGGING);
        if let Some((span, format)) = self.string(logging, "format", "logging") {
            match format.parse::<LogFormat>() {
                Ok(format) => config.log_format = Some(format),
                Err(_) => {
                    self.problems.at(&span, "logging.format", format!("must be \"text\" or \"json\", found {format:?}"))
                }
            }
        }
        if let Some((span, filter)) = self.string(logging, "filter", "logging") {
            match tracing_subscriber::EnvFilter::try_new(&filter) {
                Ok(_) => config.log_filter = Some(filter),
                Err(error) => self.problems.at(
                    &span,
                    "logging.filter",
                    format!("not a log filter ({error}), e.g. \"info\" or \"info,adapter_xilero=debug\""),
                ),
            }
        }
    }

    fn game_link(&mut self, link: &Value<'_>) -> Option<GameLinkSettings> {
        let table = link.get_ref().as_table()?;
        self.unknown_keys(table, "game_link", GAME_LINK);
        let mut settings = GameLinkSettings::default();
        let mut listen_span = None;
        if let Some((span, text)) = self.string(table, "listen", "game_link") {
            match text.parse::<SocketAddr>() {
                Ok(addr) => {
                    settings.listen = addr;
                    listen_span = Some(span);
                }
                Err(_) => self.problems.at(
                    &span,
                    "game_link.listen",
                    format!("{text:?} is not an address and port such as \"127.0.0.1:6150\" or \"[::1]:6150\""),
                ),
            }
        }
        if let Some(t) = self.seconds(table, "auth_timeout_secs", "game_link", 1..301) {
            settings.auth_timeout = t;
        }
        if let Some(t) = self.seconds(table, "idle_timeout_secs", "game_link", 5..3601) {
            settings.idle_timeout = t;
        }
        if let Some(t) = self.seconds(table, "write_timeout_secs", "game_link", 1..301) {
            settings.write_timeout = t;
        }
        match Self::entry(table, "servers") {
            None => {
                let message = "no game server may connect: add a [[game_link.servers]] entry, or remove [game_link]";
                self.problems.at(&link.span(), "game_link", message);
            }
            Some((_, servers)) => match servers.get_ref().as_array() {
                Some(list) if list.is_empty() => {
                    self.problems.at(&servers.span(), "game_link.servers", "is empty: list at least one game server");
                }
                Some(list) => {
                    let mut seen = Vec::new();
                    for (i, server) in list.iter().enumerate() {
                        if let Some(entry) = self.server(server, i, &mut seen) {
                            settings.servers.push(entry);
                        }
                    }
                }
                None => {
                    let found = kind(servers.get_ref());
                    let message = format!("expected an array of tables ([[game_link.servers]]), found {found}");
                    self.problems.at(&servers.span(), "game_link.servers", message);
                }
            },
        }
        self.link_exposure(&settings, listen_span.as_ref());
        Some(settings)
    }

    /// Warns of a game link other machines can reach but no map server may use, or that anyone may use.
    fn link_exposure(&mut self, settings: &GameLinkSettings, listen: Option<&Range<usize>>) {
        let loopback = adapter_xilero::config::loopback();
        let reachable = !settings.listen.ip().is_loopback();
        if let Some(span) = listen.filter(|_| reachable && settings.servers.iter().all(|s| s.allow_from == loopback)) {
            let message = format!(
                "listens on {}, which other machines can reach, but no [[game_link.servers]] entry lists allow_from: \
                 only map servers on this machine are let in. List your map servers' addresses in allow_from, or \
                 listen on 127.0.0.1",
                settings.listen
            );
            self.warnings.at(span, "game_link.listen", message);
        }
        for (i, server) in settings.servers.iter().enumerate() {
            if server.allow_from.iter().any(|net| net.prefix_len() == 0) {
                let message = format!(
                    "game server {} may connect from any address: the link is plain TCP, so list only your map \
                     servers' addresses",
                    server.id
                );
                self.warnings.whole_file(format!("game_link.servers[{i}].allow_from"), message);
            }
        }
    }

    /// One `[[game_link.servers]]` entry; `seen` holds the ids of the entries before it.
    fn server(&mut self, value: &Value<'_>, i: usize, seen: &mut Vec<GameServerId>) -> Option<ServerEntry> {
        let at = format!("game_link.servers[{i}]");
        let Some(table) = value.get_ref().as_table() else {
            let found = kind(value.get_ref());
            self.problems.at(&value.span(), at, format!("expected a table, found {found}"));
            return None;
        };
        self.unknown_keys(table, &at, SERVER);
        let id = match Self::entry(table, "id") {
            None => {
                self.problems.at(&value.span(), &at, "missing `id`: the server id the game sends in its auth record");
                None
            }
            Some((_, v)) => {
                let key = path(&at, "id");
                let text: Option<String> = self.typed(v, &key, "a string");
                match text.map(|t| (GameServerId::new(t.clone()), t)) {
                    Some((Ok(id), _)) if seen.contains(&id) => {
                        self.problems.at(&v.span(), key, format!("the game server {id} is listed twice"));
                        None
                    }
                    Some((Ok(id), _)) => {
                        let secret = self.secret(&v.span(), &key, &id, seen);
                        seen.push(id.clone());
                        Some((id, secret))
                    }
                    Some((Err(_), t)) => {
                        let message = format!("{t:?} is not a server id: 1 to 64 of A-Z a-z 0-9 _ . -");
                        self.problems.at(&v.span(), key, message);
                        None
                    }
                    None => None,
                }
            }
        };
        let guild = match Self::entry(table, "guild") {
            None => {
                self.problems.at(
                    &value.span(),
                    &at,
                    "missing `guild`: the id of the Discord server its tickets open in",
                );
                None
            }
            Some((_, v)) => self.guild(v, &path(&at, "guild")),
        };
        let encoding = match self.string(table, "encoding", &at) {
            None => Some(CodePage::UTF_8),
            Some((span, label)) => match CodePage::from_label(&label) {
                Ok(page) => Some(page),
                Err(e) => {
                    self.problems.at(&span, path(&at, "encoding"), e.to_string());
                    None
                }
            },
        };
        let allow_from = match Self::entry(table, "allow_from") {
            None => Some(adapter_xilero::config::loopback()),
            Some((_, v)) => self.allow_from(v, &path(&at, "allow_from")),
        };
        match (id, guild, encoding, allow_from) {
            (Some((id, Some(secret))), Some(guild), Some(encoding), Some(allow_from)) => {
                Some(ServerEntry { id, guild, secret, encoding, allow_from })
            }
            _ => None,
        }
    }

    /// The addresses a game server may connect from: a non-empty list of addresses (`"10.0.0.5"`) and networks
    /// (`"10.0.0.0/24"`).
    fn allow_from(&mut self, value: &Value<'_>, key: &str) -> Option<Vec<IpNet>> {
        let Some(list) = value.get_ref().as_array() else {
            let found = kind(value.get_ref());
            self.problems.at(&value.span(), key, format!("expected a list of addresses, found {found}"));
            return None;
        };
        if list.is_empty() {
            self.problems.at(&value.span(), key, "is empty: the game server could connect from nowhere");
            return None;
        }
        let mut nets = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let key = format!("{key}[{i}]");
            let text: String = self.typed(item, &key, "a string")?;
            let text = text.trim();
            match text.parse::<IpNet>().or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from)) {
                Ok(net) => nets.push(net),
                Err(_) => {
                    let message =
                        format!("{text:?} is not an address or network such as \"10.0.0.5\" or \"10.0.0.0/24\"");
                    self.problems.at(&item.span(), key, message);
                    return None;
                }
            }
        }
        Some(nets)
    }

    /// A Discord server id: a positive integer, written as a number or as a string of digits (Discord shows ids
    /// as text; both forms are accepted).
    fn guild(&mut self, value: &Value<'_>, key: &str) -> Option<GuildId> {
        let parsed = match value.get_ref() {
            DeValue::Integer(_) => self.typed::<i64>(value, key, "an integer").map(|n| u64::try_from(n).unwrap_or(0)),
            DeValue::String(text) => Some(text.trim().parse::<u64>().unwrap_or(0)),
            other => {
                let found = kind(other);
                let message = format!("expected a Discord server id (a number), found {found}");
                self.problems.at(&value.span(), key, message);
                return None;
            }
        };
        match parsed {
            Some(id) if id > 0 => Some(GuildId::new(id)),
            Some(_) => {
                let shown = match value.get_ref() {
                    DeValue::String(text) => format!("{text:?}"),
                    DeValue::Integer(n) => n.as_str().to_owned(),
                    _ => String::new(),
                };
                let message =
                    format!("must be a Discord server id (a number such as \"123456789012345678\"), found {shown}");
                self.problems.at(&value.span(), key, message);
                None
            }
            None => None,
        }
    }

    /// A game server's link secret, from the environment.
    fn secret(&mut self, span: &Range<usize>, key: &str, id: &GameServerId, seen: &[GameServerId]) -> Option<Secret> {
        let own = link_secret_var(id.as_str());
        if let Some(other) = seen.iter().find(|s| link_secret_var(s.as_str()) == own) {
            let message = format!("its secret variable {own} is also the variable of game server {other}: rename one");
            self.problems.at(span, key, message);
            return None;
        }
        match self.env.link_secret(id.as_str()) {
            None => {
                let message = format!(
                    "no secret for game server {id}: set the environment variable {own} (or {} for every server)",
                    crate::env::LINK_SECRET
                );
                self.problems.at(span, key, message);
                None
            }
            Some((var, secret)) if secret.len() < Secret::MIN_LEN => {
                let message = format!(
                    "the secret of game server {id} (from {var}) is {} bytes; at least {} are required (32 random \
                     characters are best)",
                    secret.len(),
                    Secret::MIN_LEN
                );
                self.problems.at(span, key, message);
                None
            }
            Some((_, secret)) => Some(Secret::new(secret)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_a_suggestion() {
        assert_eq!(suggestion("pth", database::DATABASE), Some("path"));
        assert_eq!(suggestion("idle-timeout-secs", GAME_LINK), Some("idle_timeout_secs"));
        assert_eq!(suggestion("colour", LOGGING), None);
    }
}
