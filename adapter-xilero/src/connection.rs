//! One game server's connection: authentication, the reader, the writer.
//!
//! Three tasks per authenticated connection, so that no side can stall another:
//!
//! * the **reader** (this module) reads bounded lines, answers `ping` and malformed records at once, keeps the
//!   session registry, and hands `config`, `ticket`, `login`, `logout`, `sync_done` and the whispers the game
//!   could not deliver (`player_offline`) to the worker in order through a bounded queue (when it is full,
//!   reading pauses: TCP back-pressure on the game);
//! * the **worker** ([`crate::worker`]) feeds the desk, one record at a time, in the order they arrived;
//! * the **writer** writes two queues to the socket, each write bounded by the write timeout: the control queue
//!   first (`pong` and `error` answers, which are never dropped: a full control queue pauses the reader
//!   instead), then the desk's records (whispers, `ticket_created`, `ticket_closed`; a full queue is reported
//!   to the desk as congestion).
//!
//! A connection that another one **replaces** first reads what its game had already sent (until the game
//! closes it, or [`DRAIN_QUIET`] passes without a line, or [`DRAIN_MAX`] in all) and hands it to its worker,
//! which finishes before the new connection's worker starts: nothing the old connection carried is lost, and
//! its records are handled before the new one's.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ticket_core::Desk;
use ticket_core::relay::GameName;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::codec::{ParseError, Record, Salvage, cut};
use crate::config::AllowedServer;
use crate::events::{Counters, LinkEvent};
use crate::gate::Place;
use crate::hub::{Answers, Control, LinkHandle, Outgoing, line_for};
use crate::line::{Line, LineReader};
use crate::noisy::Noise;
use crate::protocol::{ErrorCode, FromGame, MAX_REF_LEN, PROTOCOL_VERSION, Refusal, ToGame, reference};
use crate::secret::Secret;
use crate::worker::{self, Work};

/// A secret compared against when the server id is unknown, so that unknown ids and wrong secrets take the
/// same time to refuse.
const DECOY_SECRET: &str = "decoy-secret-for-unknown-server-ids";

/// Answers waiting for the writer. When full, the reader waits for room.
const CONTROL_QUEUE: usize = 64;

/// A replaced connection stops reading what its game had sent once this passes without a line.
pub(crate) const DRAIN_QUIET: Duration = Duration::from_millis(250);

/// A replaced connection stops reading what its game had sent after this, whatever still comes.
pub(crate) const DRAIN_MAX: Duration = Duration::from_secs(2);

/// Why authentication did not succeed.
enum NotIn {
    /// The peer left without a word, or the bridge is stopping.
    Silent,
    /// A newer connection pushed this one out of the waiting room.
    PushedOut,
    /// Refused, with the answer to give.
    Refused(Refusal),
}

/// Serves one accepted connection to its end.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    link: LinkHandle,
    desk: Arc<Desk>,
    mut shutdown: watch::Receiver<bool>,
    mut place: Place,
) {
    // Small records, sent one by one: latency matters more than packet count.
    let _ = stream.set_nodelay(true);
    let limits = link.config().limits.clone();
    let (read, mut write) = stream.into_split();
    let mut reader = LineReader::new(read, limits.max_line);

    let auth = tokio::select! {
        outcome = tokio::time::timeout(limits.auth_timeout, authenticate(&mut reader, &link, peer)) => match outcome {
            Ok(outcome) => outcome,
            Err(_) => Err(NotIn::Refused(Refusal { code: ErrorCode::AuthTimeout, detail: "no auth record in time".into() })),
        },
        _ = &mut place.evicted => Err(NotIn::PushedOut),
        _ = shutdown.changed() => Err(NotIn::Silent),
    };
    drop(place);
    let (server, run) = match auth {
        Ok(authenticated) => authenticated,
        Err(not_in) => {
            let refusal = match not_in {
                NotIn::Silent => None,
                NotIn::PushedOut => {
                    Counters::bump(&link.counters().rejected_busy);
                    if link.noisy().first(Noise::PushedOut, peer.ip(), Instant::now()) {
                        tracing::warn!(%peer, "game link: a connection waiting to authenticate was closed to make room for newer ones");
                    }
                    let detail = "closed to make room for newer connections: authenticate at once after connecting";
                    Some(Refusal { code: ErrorCode::AuthTimeout, detail: detail.into() })
                }
                NotIn::Refused(refusal) => {
                    Counters::bump(&link.counters().auth_refused);
                    if link.noisy().first(Noise::AuthRefused, peer.ip(), Instant::now()) {
                        tracing::warn!(%peer, code = %refusal.code, "game link: authentication refused");
                    }
                    link.emit(LinkEvent::AuthRefused { peer, code: refusal.code.clone() });
                    Some(refusal)
                }
            };
            if let Some(refusal) = refusal {
                let line =
                    line_for(&ToGame::AuthError { code: refusal.code, detail: refusal.detail }, Default::default());
                let _ = tokio::time::timeout(limits.write_timeout, write_line(&mut write, &line)).await;
            }
            let _ = tokio::time::timeout(limits.write_timeout, write.shutdown()).await;
            return;
        }
    };

    let page = server.encoding;
    let (out, queue) = mpsc::channel(limits.outgoing_queue);
    let (control, controls) = mpsc::channel(CONTROL_QUEUE);
    let answers = Answers { control, page };
    let ok = ToGame::AuthOk {
        protocol: PROTOCOL_VERSION,
        idle_timeout_secs: limits.idle_timeout.as_secs().max(1),
        receipts: run.is_some(),
    };
    // The queue is new and empty: the first record always fits.
    let _ = answers.control.try_send(Control::Line(line_for(&ok, page)));
    let writer = tokio::spawn(write_loop(write, controls, queue, limits.write_timeout));
    link.sessions().begin_resync(&server.id);
    let registration = link.register(&server.id, out);
    let connection = registration.connection;
    tracing::info!(server = %server.id, %peer, connection, replaced = registration.replaced, encoding = %page, "game link: authenticated");
    link.emit(LinkEvent::Authenticated { server: server.id.clone(), connection, replaced: registration.replaced });

    let (work, work_queue) = mpsc::channel(limits.desk_queue);
    let worker = tokio::spawn(worker::run(link.clone(), desk, server.clone(), run, work_queue, answers.clone()));
    let mut session = Session {
        link: &link,
        server: &server,
        answers: &answers,
        work,
        kicked: registration.kicked,
        lost_logins: false,
        draining: false,
    };
    let reason = session.read_loop(&mut reader, &mut shutdown, limits.idle_timeout).await;
    drop(session);

    link.unregister(&server.id, connection);
    tracing::info!(server = %server.id, connection, reason = ?reason.as_ref().map(ErrorCode::as_str), "game link: disconnected");
    link.emit(LinkEvent::Disconnected { server: server.id.clone(), connection, reason: reason.clone() });
    let last = reason.map(|code| {
        let detail = match code {
            ErrorCode::Replaced => "another connection authenticated with this server id",
            ErrorCode::IdleTimeout => "nothing received for too long",
            ErrorCode::ShuttingDown => "the bridge is shutting down",
            _ => "closing",
        };
        line_for(&ToGame::link_error(code, detail), page)
    });
    // Whatever is queued goes first, then the last word; a writer that cannot take it within the write timeout
    // is as good as dead.
    if tokio::time::timeout(limits.write_timeout, answers.control.send(Control::Close(last))).await.is_err() {
        writer.abort();
    }
    drop(answers);
    let _ = writer.await;
    let _ = worker.await;
}

/// Reads the first record and checks it is a valid `auth`. `Err(None)`: the peer left without a word.
/// Before authentication the server, and so its code page, is unknown: the `auth` record is read as UTF-8
/// (server ids are ASCII; secrets should be).
async fn authenticate(
    reader: &mut LineReader<OwnedReadHalf>,
    link: &LinkHandle,
    peer: SocketAddr,
) -> Result<(AllowedServer, Option<String>), NotIn> {
    let refuse = |code, detail: &str| Err(NotIn::Refused(Refusal { code, detail: detail.to_owned() }));
    let record = loop {
        match reader.next_line().await {
            Ok(None) | Err(_) => return Err(NotIn::Silent),
            Ok(Some(Line::TooLong { .. })) => return refuse(ErrorCode::TooLong, "the line is longer than the limit"),
            Ok(Some(Line::Complete(bytes))) => match Record::parse(&bytes) {
                Ok(None) => continue,
                Ok(Some(record)) => break record,
                Err(e) => return refuse(ErrorCode::Malformed, &e.to_string()),
            },
        }
    };
    let (server_id, secret, protocol, run) = match FromGame::from_record(&record) {
        Ok(FromGame::Auth { server_id, secret, protocol, run }) => (server_id, secret, protocol, run),
        Ok(_) => return refuse(ErrorCode::AuthRequired, "the first record must be auth"),
        Err(refusal) if record.get("action") == Some("auth") => return Err(NotIn::Refused(refusal)),
        Err(_) => return refuse(ErrorCode::AuthRequired, "the first record must be auth"),
    };
    let allowed = link.allowed(&server_id);
    // An unknown server id is compared against a decoy, so that it takes as long to refuse as a wrong secret.
    let decoy = Secret::new(DECOY_SECRET);
    let expected = allowed.map_or(&decoy, |server| &server.secret);
    let matches = expected.matches(secret.expose());
    match allowed {
        // From an address this server may not use: refused exactly like a wrong secret.
        Some(server) if matches && server.allows(peer.ip()) => {
            if protocol != PROTOCOL_VERSION {
                return refuse(ErrorCode::UnsupportedProtocol, "this bridge speaks protocol 1");
            }
            Ok((server.clone(), run))
        }
        _ => refuse(ErrorCode::Refused, "unknown server id or wrong secret"),
    }
}

async fn write_line(write: &mut OwnedWriteHalf, line: &[u8]) -> std::io::Result<()> {
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line);
    bytes.push(b'\n');
    write.write_all(&bytes).await
}

/// Writes one line within `timeout`; `false` if the connection is done for.
async fn write_bounded(write: &mut OwnedWriteHalf, line: &[u8], timeout: Duration) -> bool {
    match tokio::time::timeout(timeout, write_line(write, line)).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::info!(error = %e, "game link: write failed");
            false
        }
        Err(_) => {
            tracing::warn!("game link: the game is not reading; closing the link");
            false
        }
    }
}

/// Writes a record of the desk and says so to whoever waits for it.
async fn write_outgoing(write: &mut OwnedWriteHalf, item: Outgoing, timeout: Duration) -> bool {
    let written = write_bounded(write, &item.line, timeout).await;
    if written {
        if let Some(on_socket) = item.written {
            let _ = on_socket.send(());
        }
    }
    written
}

/// Writes the control queue first, then the desk's records, until told to close, the socket fails, or a write
/// overruns `timeout`.
async fn write_loop(
    mut write: OwnedWriteHalf,
    mut control: mpsc::Receiver<Control>,
    mut data: mpsc::Receiver<Outgoing>,
    timeout: Duration,
) {
    let mut data_open = true;
    loop {
        let carry_on = tokio::select! {
            biased;
            item = control.recv() => match item {
                Some(Control::Line(line)) => write_bounded(&mut write, &line, timeout).await,
                Some(Control::Close(last)) => {
                    while let Ok(item) = data.try_recv() {
                        if !write_outgoing(&mut write, item, timeout).await {
                            break;
                        }
                    }
                    if let Some(line) = last {
                        let _ = tokio::time::timeout(timeout, write_line(&mut write, &line)).await;
                    }
                    false
                }
                None => false,
            },
            item = data.recv(), if data_open => match item {
                Some(item) => write_outgoing(&mut write, item, timeout).await,
                None => {
                    data_open = false;
                    true
                }
            },
        };
        if !carry_on {
            break;
        }
    }
    let _ = tokio::time::timeout(timeout, write.shutdown()).await;
}

/// The reader's view of an authenticated connection.
struct Session<'a> {
    link: &'a LinkHandle,
    server: &'a AllowedServer,
    answers: &'a Answers,
    work: mpsc::Sender<Work>,
    kicked: oneshot::Receiver<ErrorCode>,
    /// A `login` was refused (the registry is full) since the last `sync_done`: the registry does not know
    /// everyone online, so no logout may be inferred from who was not announced.
    lost_logins: bool,
    /// Replaced: reading what the game had sent before. The new connection owns the session registry and its
    /// resync, so these records reach the desk without touching either.
    draining: bool,
}

/// Why the read loop stopped: `None` when the game closed the connection or the writer died, else the code
/// to tell the game.
type Stop = Option<ErrorCode>;

impl Session<'_> {
    async fn read_loop(
        &mut self,
        reader: &mut LineReader<OwnedReadHalf>,
        shutdown: &mut watch::Receiver<bool>,
        idle: Duration,
    ) -> Stop {
        if *shutdown.borrow() {
            return Some(ErrorCode::ShuttingDown);
        }
        loop {
            let read = tokio::select! {
                biased;
                code = &mut self.kicked => {
                    self.drain(reader).await;
                    return Some(code.unwrap_or(ErrorCode::Replaced));
                }
                _ = shutdown.changed() => return Some(ErrorCode::ShuttingDown),
                _ = self.answers.control.closed() => return None,
                read = tokio::time::timeout(idle, reader.next_line()) => read,
            };
            let line = match read {
                Err(_) => return Some(ErrorCode::IdleTimeout),
                Ok(Err(e)) => {
                    tracing::info!(server = %self.server.id, error = %e, "game link: read failed");
                    return None;
                }
                Ok(Ok(None)) => return None,
                Ok(Ok(Some(line))) => line,
            };
            let Some(work) = self.on_line(line).await else { continue };
            // Wait for room in the desk queue, but never past a shutdown or a dead writer. (A kick waits: the
            // worker this feeds goes on until its queue is empty, and the record must not be lost.)
            tokio::select! {
                biased;
                _ = shutdown.changed() => return Some(ErrorCode::ShuttingDown),
                _ = self.answers.control.closed() => return None,
                sent = self.work.send(work) => if sent.is_err() { return None },
            }
        }
    }

    /// After a replacement: hands the worker what the game had already sent on this connection.
    async fn drain(&mut self, reader: &mut LineReader<OwnedReadHalf>) {
        self.draining = true;
        let deadline = Instant::now() + DRAIN_MAX;
        let mut drained = 0u64;
        loop {
            let quiet = DRAIN_QUIET.min(deadline.saturating_duration_since(Instant::now()));
            let Ok(Ok(Some(line))) = tokio::time::timeout(quiet, reader.next_line()).await else { break };
            if let Some(work) = self.on_line(line).await {
                drained += 1;
                if self.work.send(work).await.is_err() {
                    break;
                }
            }
        }
        if drained > 0 {
            tracing::info!(server = %self.server.id, records = drained, "game link: handled what a replaced connection had sent");
        }
    }

    /// Handles a line: answers what needs no desk, and returns what does.
    async fn on_line(&mut self, line: Line) -> Option<Work> {
        match line {
            Line::TooLong { head } => {
                self.malformed(ParseError::TooLong { max: self.link.config().limits.max_line }, &head).await;
                None
            }
            Line::Complete(bytes) => match Record::decode(&bytes, self.answers.page) {
                Ok(None) => None,
                Ok(Some(record)) => self.on_record(&record).await,
                Err(e) => {
                    self.malformed(e, &bytes).await;
                    None
                }
            },
        }
    }

    /// Answers a record refused without reaching the desk with an `error` record, and counts and reports it.
    async fn refuse(&self, refusal: Refusal, re: Option<String>, name: Option<String>, reference: Option<String>) {
        Counters::bump(&self.link.counters().refused);
        self.link.emit(LinkEvent::Refused { server: self.server.id.clone(), code: refusal.code.clone() });
        self.answers.send(&ToGame::refusal(refusal, re, name, reference)).await;
    }

    /// Answers a line that is not a record, echoing the `action`, `name` and `ref` it still holds, so that the
    /// game can tell the player whose message it was.
    async fn malformed(&self, error: ParseError, bytes: &[u8]) {
        Counters::bump(&self.link.counters().malformed);
        let code = match error {
            ParseError::TooLong { .. } => ErrorCode::TooLong,
            _ => ErrorCode::Malformed,
        };
        tracing::debug!(server = %self.server.id, %code, "game link: malformed line");
        self.link.emit(LinkEvent::Refused { server: self.server.id.clone(), code: code.clone() });
        let salvage = Salvage::scan(bytes, self.answers.page);
        let refusal = Refusal { code, detail: error.to_string() };
        let (re, name) = (salvage.action.as_deref().map(echoed_action), salvage.name.as_deref().map(echoed_name));
        let reference = salvage.reference.filter(|r| r.len() <= MAX_REF_LEN);
        self.answers.send(&ToGame::refusal(refusal, re, name, reference)).await;
    }

    /// Handles a record: answers what needs no desk, and returns what does.
    async fn on_record(&mut self, record: &Record) -> Option<Work> {
        // Echoed so that the game can tell the right player; a value that is not text in the code page is not.
        // Built only when the record is refused, not for every record.
        let echoes = || {
            let echo = |key| record.get(key).filter(|_| !record.is_lossy(key));
            (echo("action").map(echoed_action), echo("name").map(echoed_name))
        };
        let reference = match reference(record) {
            Ok(reference) => reference,
            Err(refusal) => {
                let (re, name) = echoes();
                self.refuse(refusal, re, name, None).await;
                return None;
            }
        };
        let message = match FromGame::from_record(record) {
            Ok(message) => message,
            Err(refusal) => {
                let (re, name) = echoes();
                self.refuse(refusal, re, name, reference).await;
                return None;
            }
        };
        let sessions = self.link.sessions();
        let id = &self.server.id;
        match message {
            FromGame::Ping => {
                self.answers.send(&ToGame::Pong { reference }).await;
                None
            }
            FromGame::Auth { .. } => {
                let refusal = Refusal { code: ErrorCode::UnknownAction, detail: "already authenticated".into() };
                self.refuse(refusal, Some("auth".into()), None, reference).await;
                None
            }
            FromGame::Error { code, name, reference } => {
                Counters::bump(&self.link.counters().game_errors);
                if code != ErrorCode::PlayerOffline {
                    tracing::warn!(server = %id, %code, "game link: the game reported an error");
                    return None;
                }
                self.player_offline(name, reference)
            }
            FromGame::Config { ticket_enabled, close_on_logout } => {
                Some(Work::Config { enabled: ticket_enabled, close_on_logout, reference })
            }
            FromGame::Ticket { source, player, message } => Some(Work::Ticket { source, player, message, reference }),
            FromGame::Login(player) if self.draining => Some(Work::Login { player, reference }),
            FromGame::Login(player) => match sessions.login(id, &player) {
                Ok(()) => Some(Work::Login { player, reference }),
                Err(full) => {
                    self.lost_logins = true;
                    let refusal = Refusal { code: ErrorCode::Full, detail: full.to_string() };
                    let re = Some("login".to_owned());
                    self.answers.send(&ToGame::refusal(refusal, re, Some(player.name.to_string()), reference)).await;
                    // The desk still hears of the login: held replies are then kept for a later one.
                    Some(Work::Login { player, reference: None })
                }
            },
            FromGame::Logout(player) => {
                if !self.draining {
                    sessions.logout(id, &player.name);
                }
                Some(Work::Logout { player, reference })
            }
            FromGame::SyncDone if self.draining => {
                tracing::debug!(server = %id, "game link: a replaced connection's sync_done is left to the new one");
                None
            }
            FromGame::SyncDone => {
                let online = sessions.finish_resync(id);
                let complete = !std::mem::take(&mut self.lost_logins);
                Some(Work::SyncDone { online: complete.then_some(online) })
            }
        }
    }

    /// `player_offline`: the game knows best who is online, so a whisper it could not deliver means the player
    /// is gone. The reply itself goes back to the desk, to be held for their next login: the whisper with the
    /// `ref` echoed, or without one the most recent whisper to that player (the game did not say which).
    fn player_offline(&self, name: Option<String>, reference: Option<String>) -> Option<Work> {
        let id = &self.server.id;
        let sessions = self.link.sessions();
        let name = name.and_then(|n| GameName::new(n.trim()).ok());
        let whisper = match (&reference, &name) {
            (Some(r), _) => self.link.undelivered(id, r),
            (None, Some(name)) => self.link.undelivered_to(id, name),
            (None, None) => None,
        };
        let gone = whisper.as_ref().map(|w| &w.name).or(name.as_ref());
        if let (Some(gone), false) = (gone, self.draining) {
            sessions.logout(id, gone);
        }
        match whisper {
            Some(whisper) => {
                let how = if reference.is_some() { "by its ref" } else { "without a ref: the latest to that player" };
                tracing::info!(server = %id, how, "game link: the game could not deliver a whisper; holding it");
                Some(Work::Undelivered(whisper))
            }
            None => {
                tracing::info!(server = %id, "game link: the game could not deliver a whisper the link no longer remembers");
                None
            }
        }
    }
}

/// An action as echoed in `re`: at most 32 characters.
fn echoed_action(action: &str) -> String {
    action.trim().chars().take(32).collect()
}

/// A name as echoed in `name`: at most a game name's length, so the game can look the player up.
fn echoed_name(name: &str) -> String {
    cut(name.trim(), GameName::MAX_BYTES).to_owned()
}
