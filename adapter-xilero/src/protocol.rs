//! The records of the game link, typed: [`FromGame`] (game → bridge) and [`ToGame`] (bridge → game).
//!
//! `docs/game-link.md` is the reference for game-server developers; this module is its implementation. Both
//! directions convert both ways (`to_record` and `from_record`) so that the simulated map server speaks
//! exactly the protocol the link server reads.

use std::fmt;
use std::str::FromStr;

use ticket_core::relay::GameName;
use ticket_core::{AccountId, CharId, TicketSource};

use crate::codec::Record;
use crate::secret::Secret;

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// The longest `ref` value echoed back, in bytes; longer ones are not echoed.
pub const MAX_REF_LEN: usize = 64;

/// Why a record was refused, as sent in `[code: …]` of `error` and `auth_error` records.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The line is not a record (bad syntax, not UTF-8).
    Malformed,
    /// The line is longer than 8 KiB.
    TooLong,
    /// The `action` is missing or unknown.
    UnknownAction,
    /// A required key is missing.
    MissingField,
    /// A value is not of the right form.
    InvalidField,
    /// The in-game ticket system is disabled: show the player `RagnaSync Ticket Support Disabled`.
    Disabled,
    /// The bridge could not do it now (storage failed, too much contention): show the player
    /// `RagnaSync: Ticket Offline, Try again`.
    Failed,
    /// Too many players are online on this server for the bridge to track.
    Full,
    /// `auth_error`: unknown server id or wrong secret (the bridge does not say which).
    Refused,
    /// `auth_error`: the first record was not `auth`.
    AuthRequired,
    /// `auth_error`: the game asked for a protocol version the bridge does not speak.
    UnsupportedProtocol,
    /// `auth_error`: no `auth` record arrived in time.
    AuthTimeout,
    /// Nothing arrived for too long; the bridge closes the link.
    IdleTimeout,
    /// Another connection authenticated with the same server id; this one is closed.
    Replaced,
    /// The bridge is shutting down.
    ShuttingDown,
    /// Game → bridge: a whisper could not be delivered because the player is not online.
    PlayerOffline,
    /// A code this version does not know (kept as sent).
    Other(String),
}

impl ErrorCode {
    /// The wire form.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Malformed => "malformed",
            Self::TooLong => "too_long",
            Self::UnknownAction => "unknown_action",
            Self::MissingField => "missing_field",
            Self::InvalidField => "invalid_field",
            Self::Disabled => "disabled",
            Self::Failed => "failed",
            Self::Full => "full",
            Self::Refused => "refused",
            Self::AuthRequired => "auth_required",
            Self::UnsupportedProtocol => "unsupported_protocol",
            Self::AuthTimeout => "auth_timeout",
            Self::IdleTimeout => "idle_timeout",
            Self::Replaced => "replaced",
            Self::ShuttingDown => "shutting_down",
            Self::PlayerOffline => "player_offline",
            Self::Other(code) => code,
        }
    }

    fn parse(code: &str) -> Self {
        match code {
            "malformed" => Self::Malformed,
            "too_long" => Self::TooLong,
            "unknown_action" => Self::UnknownAction,
            "missing_field" => Self::MissingField,
            "invalid_field" => Self::InvalidField,
            "disabled" => Self::Disabled,
            "failed" => Self::Failed,
            "full" => Self::Full,
            "refused" => Self::Refused,
            "auth_required" => Self::AuthRequired,
            "unsupported_protocol" => Self::UnsupportedProtocol,
            "auth_timeout" => Self::AuthTimeout,
            "idle_timeout" => Self::IdleTimeout,
            "replaced" => Self::Replaced,
            "shutting_down" => Self::ShuttingDown,
            "player_offline" => Self::PlayerOffline,
            // Codes are keys in form; anything else (control characters, pages of text) is not kept, so that a
            // peer's error cannot inject into logs.
            other if crate::codec::is_valid_key(other) => Self::Other(other.to_owned()),
            _ => Self::Other("invalid".to_owned()),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A player as a `ticket`, `login` or `logout` record names them.
#[derive(Clone, PartialEq, Eq)]
pub struct PlayerRef {
    /// The character's name.
    pub name: GameName,
    /// The account (never logged or stored).
    pub account: AccountId,
    /// The character (never logged or stored).
    pub char: CharId,
}

impl fmt::Debug for PlayerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlayerRef").field("name", &self.name).finish_non_exhaustive()
    }
}

/// A record the game sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FromGame {
    /// `[action: auth][server_id: …][secret: …][protocol: 1]`: must be the first record.
    Auth {
        /// The server's id, as configured on the bridge.
        server_id: String,
        /// The shared secret.
        secret: Secret,
        /// The protocol version asked for (`1` when absent).
        protocol: u32,
        /// This run of the game server (a new id each time it starts), when it wants receipts: its `ticket`
        /// records then carry a `ref` unique in the run, the bridge answers each handled one with `received`, and
        /// a record sent again after a broken link is recognised by its run and `ref` (§9 of the protocol).
        run: Option<String>,
    },
    /// `[action: config][ticket_enabled: …][ticket_close_on_logout: …]`, from `conf/channels.conf`.
    Config {
        /// `ragnasync_ticket_support_system_enabled`.
        ticket_enabled: bool,
        /// `ragnasync_ticket_support_system_close_on_logout`.
        close_on_logout: bool,
    },
    /// `[action: ticket][source: request|whisper][account_id][char_id][name][message]`.
    Ticket {
        /// `@request` or a whisper to `@Support` (`request` when absent).
        source: TicketSource,
        /// Who.
        player: PlayerRef,
        /// What they wrote.
        message: String,
    },
    /// `[action: login][name][account_id][char_id]`.
    Login(PlayerRef),
    /// `[action: logout][name][account_id][char_id]`.
    Logout(PlayerRef),
    /// `[action: sync_done]`: every online player has been announced with `login` since `auth_ok`.
    SyncDone,
    /// `[action: ping]`: answered with `pong`.
    Ping,
    /// `[action: error][code: …]`: the game could not act on something the bridge sent. Never answered.
    Error {
        /// What went wrong.
        code: ErrorCode,
        /// The player concerned, if any.
        name: Option<String>,
        /// The `ref` of the bridge's record it answers (for `player_offline`: the whisper's), if any.
        reference: Option<String>,
    },
}

/// A record the bridge sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToGame {
    /// `[action: auth_ok][protocol: 1][idle_timeout: 60]`.
    AuthOk {
        /// The protocol version in use.
        protocol: u32,
        /// Seconds of silence after which the bridge closes the link; ping more often than this.
        idle_timeout_secs: u64,
        /// `[receipts: true]`: the game's `auth` had a `run`, and this bridge answers `ticket` records with
        /// `received`. A game keeps and sends records again only then (a bridge without receipts ignores `run`).
        receipts: bool,
    },
    /// `[action: auth_error][code: …][detail: …]`, then the bridge closes the connection.
    AuthError {
        /// Why.
        code: ErrorCode,
        /// For people reading logs.
        detail: String,
    },
    /// `[action: ticket_created][name][source]`: show the player `Ticket Created on Discord. PM @Support to use`.
    TicketCreated {
        /// The player.
        name: GameName,
        /// How they opened it.
        source: TicketSource,
    },
    /// `[action: whisper][name][from][message][ref]`: a staff reply to whisper to the player.
    Whisper {
        /// The player.
        name: GameName,
        /// The staff member's display name.
        from: String,
        /// The reply (one line, at most 255 bytes when it comes from the desk).
        message: String,
        /// The whisper's id (`w17`; the bridge always sends one): a game that cannot deliver the whisper echoes it
        /// in its `player_offline` error, so that the bridge holds the reply for the player's next login.
        reference: Option<String>,
    },
    /// `[action: ticket_closed][name]`.
    TicketClosed {
        /// The player.
        name: GameName,
    },
    /// `[action: received][ref]`: the `ticket` record with this `ref` is handled and kept; the game need not send
    /// it again (only for a game that asked for receipts with `run` in its `auth`).
    Received {
        /// The record's `ref`.
        reference: String,
    },
    /// `[action: pong]`, with the ping's `ref` if it had one.
    Pong {
        /// The `ref` of the ping.
        reference: Option<String>,
    },
    /// `[action: error][code][detail][re][name][ref]`.
    Error {
        /// Why.
        code: ErrorCode,
        /// For people reading logs.
        detail: String,
        /// The action of the refused record, if it had one.
        re: Option<String>,
        /// The player the refused record was about: the game shows them the matching message.
        name: Option<String>,
        /// The `ref` of the refused record, if it had one.
        reference: Option<String>,
    },
}

/// Why a record (well-formed as a line) is not a valid message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct Refusal {
    /// The code to answer with.
    pub code: ErrorCode,
    /// What exactly.
    pub detail: String,
}

impl Refusal {
    fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self { code, detail: detail.into() }
    }
}

/// Keys whose text may hold bytes the code page does not know (they read as U+FFFD): free text. Every other
/// value must decode exactly, or the record is refused.
const FREE_TEXT: &[&str] = &["message", "from", "detail"];

fn required<'a>(record: &'a Record, key: &str) -> Result<&'a str, Refusal> {
    let value = record.get(key).ok_or_else(|| Refusal::new(ErrorCode::MissingField, format!("missing {key}")))?;
    if record.is_lossy(key) && !FREE_TEXT.contains(&key) {
        return Err(Refusal::new(
            ErrorCode::InvalidField,
            format!("{key} has bytes that are not text in this server's encoding (check its encoding on the bridge)"),
        ));
    }
    Ok(value)
}

/// A decimal number: ASCII digits only (no sign, no separators), surrounding blanks ignored.
fn parsed<T: FromStr>(record: &Record, key: &str, expected: &str) -> Result<T, Refusal> {
    let text = required(record, key)?.trim();
    let invalid = || Refusal::new(ErrorCode::InvalidField, format!("{key} should be {expected}"));
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    text.parse().map_err(|_| invalid())
}

fn boolean(record: &Record, key: &str) -> Result<bool, Refusal> {
    match required(record, key)?.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Refusal::new(ErrorCode::InvalidField, format!("{key} should be true or false"))),
    }
}

fn game_name(record: &Record) -> Result<GameName, Refusal> {
    GameName::new(required(record, "name")?.trim()).map_err(|e| Refusal::new(ErrorCode::InvalidField, e.to_string()))
}

fn player(record: &Record) -> Result<PlayerRef, Refusal> {
    Ok(PlayerRef {
        name: game_name(record)?,
        account: parsed(record, "account_id", "a number")?,
        char: parsed(record, "char_id", "a number")?,
    })
}

fn source(record: &Record) -> Result<TicketSource, Refusal> {
    match record.get("source").map(str::trim) {
        None | Some("request") => Ok(TicketSource::Request),
        Some("whisper") => Ok(TicketSource::Whisper),
        Some(_) => Err(Refusal::new(ErrorCode::InvalidField, "source should be request or whisper")),
    }
}

fn with_player(record: Record, player: &PlayerRef) -> Record {
    record
        .with("name", player.name.as_str())
        .with("account_id", player.account.get().to_string())
        .with("char_id", player.char.get().to_string())
}

/// The record's action (trimmed).
fn action_of(record: &Record) -> Result<&str, Refusal> {
    record.get("action").map(str::trim).ok_or_else(|| Refusal::new(ErrorCode::UnknownAction, "missing action"))
}

fn unknown_action(action: &str) -> Refusal {
    let shown: String = action.chars().take(32).collect();
    Refusal::new(ErrorCode::UnknownAction, format!("unknown action {shown:?}"))
}

/// The `code` of an `error` or `auth_error` record.
fn code_of(record: &Record) -> ErrorCode {
    ErrorCode::parse(record.get("code").unwrap_or_default().trim())
}

/// The `ref` of a record, if it has one. A `ref` over [`MAX_REF_LEN`] bytes, or one that is not text in the
/// code page, makes the record invalid: it could not be echoed.
pub fn reference(record: &Record) -> Result<Option<String>, Refusal> {
    match record.get("ref") {
        None => Ok(None),
        Some(r) if r.len() > MAX_REF_LEN || record.is_lossy("ref") => Err(Refusal::new(
            ErrorCode::InvalidField,
            format!("ref should be at most {MAX_REF_LEN} bytes of text, to be echoed"),
        )),
        Some(r) => Ok(Some(r.to_owned())),
    }
}

impl FromGame {
    /// The record's action.
    pub fn action(&self) -> &'static str {
        match self {
            Self::Auth { .. } => "auth",
            Self::Config { .. } => "config",
            Self::Ticket { .. } => "ticket",
            Self::Login(_) => "login",
            Self::Logout(_) => "logout",
            Self::SyncDone => "sync_done",
            Self::Ping => "ping",
            Self::Error { .. } => "error",
        }
    }

    /// Reads a record. Unknown keys are ignored.
    pub fn from_record(record: &Record) -> Result<Self, Refusal> {
        Ok(match action_of(record)? {
            "auth" => Self::Auth {
                server_id: required(record, "server_id")?.trim().to_owned(),
                secret: Secret::new(required(record, "secret")?),
                protocol: match record.get("protocol") {
                    None => 1,
                    Some(_) => parsed(record, "protocol", "a number")?,
                },
                run: match record.get("run") {
                    None => None,
                    Some(run) if !run.is_empty() && run.len() <= 64 && run.bytes().all(|b| b.is_ascii_graphic()) => {
                        Some(run.to_owned())
                    }
                    Some(_) => {
                        return Err(Refusal::new(
                            ErrorCode::InvalidField,
                            "run should be 1 to 64 bytes of printable ASCII without spaces",
                        ));
                    }
                },
            },
            "config" => Self::Config {
                ticket_enabled: boolean(record, "ticket_enabled")?,
                close_on_logout: boolean(record, "ticket_close_on_logout")?,
            },
            "ticket" => Self::Ticket {
                source: source(record)?,
                player: player(record)?,
                message: required(record, "message")?.to_owned(),
            },
            "login" => Self::Login(player(record)?),
            "logout" => Self::Logout(player(record)?),
            "sync_done" => Self::SyncDone,
            "ping" => Self::Ping,
            "error" => Self::Error {
                code: code_of(record),
                name: record.get("name").map(str::to_owned),
                reference: reference(record)?,
            },
            other => return Err(unknown_action(other)),
        })
    }

    /// The record to send.
    pub fn to_record(&self) -> Record {
        let record = Record::action(self.action());
        match self {
            Self::Auth { server_id, secret, protocol, run } => record
                .with("server_id", server_id.as_str())
                .with("secret", secret.expose())
                .with("protocol", protocol.to_string())
                .with_some("run", run.as_deref()),
            Self::Config { ticket_enabled, close_on_logout } => record
                .with("ticket_enabled", ticket_enabled.to_string())
                .with("ticket_close_on_logout", close_on_logout.to_string()),
            Self::Ticket { source, player, message } => {
                with_player(record.with("source", source.as_str()), player).with("message", message.as_str())
            }
            Self::Login(player) | Self::Logout(player) => with_player(record, player),
            Self::SyncDone | Self::Ping => record,
            Self::Error { code, name, reference } => record
                .with("code", code.as_str())
                .with_some("name", name.as_deref())
                .with_some("ref", reference.as_deref()),
        }
    }
}

impl ToGame {
    /// The record's action.
    pub fn action(&self) -> &'static str {
        match self {
            Self::AuthOk { .. } => "auth_ok",
            Self::AuthError { .. } => "auth_error",
            Self::TicketCreated { .. } => "ticket_created",
            Self::Whisper { .. } => "whisper",
            Self::TicketClosed { .. } => "ticket_closed",
            Self::Received { .. } => "received",
            Self::Pong { .. } => "pong",
            Self::Error { .. } => "error",
        }
    }

    /// An `error` answering a refused record: `re` is its action, `name` the player it was about.
    pub fn refusal(refusal: Refusal, re: Option<String>, name: Option<String>, reference: Option<String>) -> Self {
        Self::Error { code: refusal.code, detail: refusal.detail, re, name, reference }
    }

    /// An `error` about the link itself.
    pub fn link_error(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::Error { code, detail: detail.into(), re: None, name: None, reference: None }
    }

    /// The record to send.
    pub fn to_record(&self) -> Record {
        let record = Record::action(self.action());
        match self {
            Self::AuthOk { protocol, idle_timeout_secs, receipts } => record
                .with("protocol", protocol.to_string())
                .with("idle_timeout", idle_timeout_secs.to_string())
                .with_some("receipts", receipts.then_some("true")),
            Self::AuthError { code, detail } => record.with("code", code.as_str()).with("detail", detail.as_str()),
            Self::TicketCreated { name, source } => record.with("name", name.as_str()).with("source", source.as_str()),
            Self::Whisper { name, from, message, reference } => record
                .with("name", name.as_str())
                .with("from", from.as_str())
                .with("message", message.as_str())
                .with_some("ref", reference.as_deref()),
            Self::TicketClosed { name } => record.with("name", name.as_str()),
            Self::Received { reference } => record.with("ref", reference.as_str()),
            Self::Pong { reference } => record.with_some("ref", reference.as_deref()),
            Self::Error { code, detail, re, name, reference } => record
                .with("code", code.as_str())
                .with("detail", detail.as_str())
                .with_some("re", re.as_deref())
                .with_some("name", name.as_deref())
                .with_some("ref", reference.as_deref()),
        }
    }

    /// Reads a record (the game side). Unknown keys are ignored.
    pub fn from_record(record: &Record) -> Result<Self, Refusal> {
        let detail = || record.get("detail").unwrap_or_default().to_owned();
        Ok(match action_of(record)? {
            "auth_ok" => Self::AuthOk {
                protocol: parsed(record, "protocol", "a number")?,
                idle_timeout_secs: parsed(record, "idle_timeout", "a number")?,
                receipts: record.get("receipts") == Some("true"),
            },
            "auth_error" => Self::AuthError { code: code_of(record), detail: detail() },
            "ticket_created" => Self::TicketCreated { name: game_name(record)?, source: source(record)? },
            "whisper" => Self::Whisper {
                name: game_name(record)?,
                from: required(record, "from")?.to_owned(),
                message: required(record, "message")?.to_owned(),
                reference: reference(record)?,
            },
            "ticket_closed" => Self::TicketClosed { name: game_name(record)? },
            "received" => Self::Received { reference: required(record, "ref")?.to_owned() },
            "pong" => Self::Pong { reference: reference(record)? },
            "error" => Self::Error {
                code: code_of(record),
                detail: detail(),
                re: record.get("re").map(str::to_owned),
                name: record.get("name").map(str::to_owned),
                reference: reference(record)?,
            },
            other => return Err(unknown_action(other)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> GameName {
        GameName::new(n).unwrap()
    }

    fn foo() -> PlayerRef {
        PlayerRef { name: name("Foo Bar"), account: AccountId::new(2_000_001), char: CharId::new(150_001) }
    }

    fn wire(record: Record) -> String {
        record.format().unwrap()
    }

    #[test]
    fn a_run_is_short_printable_ascii() {
        let auth = |run: &str| {
            let line = format!("[action: auth][server_id: x][secret: hunter2-hunter2][run: {run}]");
            FromGame::from_record(&Record::parse(line.as_bytes()).unwrap().unwrap())
        };
        assert!(matches!(auth("r-1"), Ok(FromGame::Auth { run: Some(run), .. }) if run == "r-1"));
        for bad in ["a b", &"x".repeat(65), "ü"] {
            assert!(matches!(auth(bad), Err(Refusal { code: ErrorCode::InvalidField, .. })), "{bad:?}");
        }
    }

    #[test]
    fn every_record_round_trips() {
        let from_game = [
            FromGame::Auth {
                server_id: "xilero".into(),
                secret: Secret::new("s3cret-s3cret-s3cret"),
                protocol: 1,
                run: None,
            },
            FromGame::Auth {
                server_id: "xilero".into(),
                secret: Secret::new("s3cret-s3cret-s3cret"),
                protocol: 1,
                run: Some("5f3a9c".into()),
            },
            FromGame::Config { ticket_enabled: true, close_on_logout: false },
            FromGame::Ticket { source: TicketSource::Whisper, player: foo(), message: "my [item] vanished".into() },
            FromGame::Login(foo()),
            FromGame::Logout(foo()),
            FromGame::SyncDone,
            FromGame::Ping,
            FromGame::Error { code: ErrorCode::PlayerOffline, name: Some("Foo Bar".into()), reference: None },
            FromGame::Error {
                code: ErrorCode::PlayerOffline,
                name: Some("Foo Bar".into()),
                reference: Some("w17".into()),
            },
        ];
        for message in from_game {
            let line = wire(message.to_record());
            let back = FromGame::from_record(&Record::parse(line.as_bytes()).unwrap().unwrap()).unwrap();
            assert_eq!(back, message, "{line}");
        }
        let to_game = [
            ToGame::Received { reference: "t17".into() },
            ToGame::AuthOk { protocol: 1, idle_timeout_secs: 60, receipts: false },
            ToGame::AuthOk { protocol: 1, idle_timeout_secs: 60, receipts: true },
            ToGame::AuthError { code: ErrorCode::Refused, detail: "no".into() },
            ToGame::TicketCreated { name: name("Foo Bar"), source: TicketSource::Request },
            ToGame::Whisper {
                name: name("Foo Bar"),
                from: "GM [Alice]".into(),
                message: "On it!".into(),
                reference: Some("w1".into()),
            },
            ToGame::Whisper { name: name("Foo Bar"), from: "GM".into(), message: "hi".into(), reference: None },
            ToGame::TicketClosed { name: name("Foo Bar") },
            ToGame::Pong { reference: Some("7".into()) },
            ToGame::Pong { reference: None },
            ToGame::Error {
                code: ErrorCode::Disabled,
                detail: "x".into(),
                re: Some("ticket".into()),
                name: Some("Foo Bar".into()),
                reference: Some("r1".into()),
            },
        ];
        for message in to_game {
            let line = wire(message.to_record());
            let back = ToGame::from_record(&Record::parse(line.as_bytes()).unwrap().unwrap()).unwrap();
            assert_eq!(back, message, "{line}");
        }
    }

    #[test]
    fn the_evidence_record_is_a_request_ticket_and_unknown_keys_are_ignored() {
        let line = "[action: ticket][account_id: 2000001][char_id: 150001][name: Foo Bar][message: my item vanished][map: prontera]";
        let record = Record::parse(line.as_bytes()).unwrap().unwrap();
        assert_eq!(
            FromGame::from_record(&record).unwrap(),
            FromGame::Ticket { source: TicketSource::Request, player: foo(), message: "my item vanished".into() }
        );
    }

    #[test]
    fn bad_records_are_refused_with_a_code() {
        let refuse = |line: &str| FromGame::from_record(&Record::parse(line.as_bytes()).unwrap().unwrap()).unwrap_err();
        assert_eq!(refuse("[name: x]").code, ErrorCode::UnknownAction);
        assert_eq!(refuse("[action: dance]").code, ErrorCode::UnknownAction);
        assert_eq!(refuse("[action: login][name: Foo]").code, ErrorCode::MissingField);
        assert_eq!(refuse("[action: login][name: Foo][account_id: x][char_id: 1]").code, ErrorCode::InvalidField);
        assert_eq!(refuse("[action: login][name: Foo][account_id: -1][char_id: 1]").code, ErrorCode::InvalidField);
        assert_eq!(
            refuse(&format!("[action: login][name: {}][account_id: 1][char_id: 1]", "x".repeat(24))).code,
            ErrorCode::InvalidField
        );
        assert_eq!(
            refuse("[action: config][ticket_enabled: yes][ticket_close_on_logout: true]").code,
            ErrorCode::InvalidField
        );
        assert_eq!(
            refuse("[action: ticket][source: shout][name: Foo][account_id: 1][char_id: 1][message: hi]").code,
            ErrorCode::InvalidField
        );
        assert_eq!(refuse("[action: auth][server_id: x][secret: y][protocol: two]").code, ErrorCode::InvalidField);
    }

    #[test]
    fn numbers_are_digits_only() {
        let login = |id: &str| {
            let line = format!("[action: login][name: Foo][account_id: {id}][char_id: 1]");
            FromGame::from_record(&Record::parse(line.as_bytes()).unwrap().unwrap())
        };
        for bad in ["+1", "-0", "1_000", "1 000", "0x10", "", " ", "１"] {
            assert_eq!(login(bad).unwrap_err().code, ErrorCode::InvalidField, "{bad:?}");
        }
        assert!(login(" 2000001 ").is_ok(), "blanks around a number are ignored");
        assert_eq!(login("99999999999999999999999").unwrap_err().code, ErrorCode::InvalidField);
    }

    #[test]
    fn names_must_decode_exactly_but_messages_keep_what_they_can() {
        let page = crate::codepage::CodePage::from_label("euc-kr").unwrap();
        let mut line = b"[action: ticket][name: ".to_vec();
        line.extend_from_slice(&[0xbe, 0xc8, 0xff]);
        line.extend_from_slice(b"][account_id: 1][char_id: 1][message: hi]");
        let refusal = FromGame::from_record(&Record::decode(&line, page).unwrap().unwrap()).unwrap_err();
        assert_eq!(refusal.code, ErrorCode::InvalidField);
        assert!(refusal.detail.starts_with("name has bytes"), "{}", refusal.detail);
        let line = b"[action: ticket][name: Foo][account_id: 1][char_id: 1][message: \xbe\xc8 \xff!]";
        let FromGame::Ticket { message, .. } =
            FromGame::from_record(&Record::decode(line, page).unwrap().unwrap()).unwrap()
        else {
            panic!("a ticket")
        };
        assert_eq!(message, "안 \u{fffd}!");
    }

    #[test]
    fn unknown_error_codes_are_kept_only_when_they_look_like_codes() {
        assert_eq!(ErrorCode::parse("brand_new"), ErrorCode::Other("brand_new".into()));
        assert_eq!(ErrorCode::parse("bad\ncode"), ErrorCode::Other("invalid".into()));
        assert_eq!(ErrorCode::parse(&"x".repeat(100)), ErrorCode::Other("invalid".into()));
    }

    #[test]
    fn a_ref_too_long_to_echo_is_refused_not_ignored() {
        let record = Record::action("ping").with("ref", "x".repeat(MAX_REF_LEN));
        assert_eq!(reference(&record).unwrap().map(|r| r.len()), Some(MAX_REF_LEN));
        let record = Record::action("ping").with("ref", "x".repeat(MAX_REF_LEN + 1));
        assert_eq!(reference(&record).unwrap_err().code, ErrorCode::InvalidField);
        assert_eq!(reference(&Record::action("ping")), Ok(None));
    }

    #[test]
    fn debug_output_hides_ids_and_secrets() {
        let shown = format!(
            "{:?} {:?}",
            FromGame::Login(foo()),
            FromGame::Auth { server_id: "x".into(), secret: Secret::new("hunter2-hunter2"), protocol: 1, run: None }
        );
        assert!(!shown.contains("2000001") && !shown.contains("150001") && !shown.contains("hunter2"), "{shown}");
    }
}
