//! One game server's connection: authentication, the reader, the writer.
//!
//! Three tasks per authenticated connection, so that no side can stall another:
//!
//! * the **reader** (this module) reads bounded lines, answers `ping` and malformed records at once, keeps the
//!   session registry, and hands `config`, `ticket`, `login`, `logout`, `sync_done` and the whispers the game
//!   could not deliver (`player_offline` with a known `ref`) to the worker in order through a bounded queue
//!   (when it is full, reading pauses: TCP back-pressure on the game);
//! * the **worker** ([`crate::worker`]) feeds the desk, one record at a time, in the order they arrived;
//! * the **writer** writes the outgoing queue to the socket, each write bounded by the write timeout.

use std::net::SocketAddr;
use std::sync::Arc;

use ticket_core::Desk;
use ticket_core::relay::GameName;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot, watch};

use crate::codec::{ParseError, Record};
use crate::config::AllowedServer;
use crate::events::{Counters, LinkEvent};
use crate::hub::{LinkHandle, Outgoing, line_for};
use crate::line::{Line, LineReader};
use crate::protocol::{ErrorCode, FromGame, PROTOCOL_VERSION, Refusal, ToGame, reference};
use crate::secret::Secret;
use crate::worker::{self, Work};

/// A secret compared against when the server id is unknown, so that unknown ids and wrong secrets take the
/// same time to refuse.
const DECOY_SECRET: &str = "decoy-secret-for-unknown-server-ids";

/// Serves one accepted connection to its end.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    link: LinkHandle,
    desk: Arc<Desk>,
    mut shutdown: watch::Receiver<bool>,
    pending: OwnedSemaphorePermit,
) {
    // Small records, sent one by one: latency matters more than packet count.
    let _ = stream.set_nodelay(true);
    let limits = link.config().limits.clone();
    let (read, mut write) = stream.into_split();
    let mut reader = LineReader::new(read, limits.max_line);

    let auth = tokio::select! {
        outcome = tokio::time::timeout(limits.auth_timeout, authenticate(&mut reader, &link)) => match outcome {
            Ok(outcome) => outcome,
            Err(_) => Err(Some(Refusal { code: ErrorCode::AuthTimeout, detail: "no auth record in time".into() })),
        },
        _ = shutdown.changed() => Err(None),
    };
    drop(pending);
    let server = match auth {
        Ok(server) => server,
        Err(refusal) => {
            if let Some(refusal) = refusal {
                Counters::bump(&link.counters().auth_refused);
                tracing::warn!(%peer, code = %refusal.code, "game link: authentication refused");
                link.emit(LinkEvent::AuthRefused { peer, code: refusal.code.clone() });
                let line = line_for(&ToGame::AuthError { code: refusal.code, detail: refusal.detail });
                let _ = tokio::time::timeout(limits.write_timeout, write_line(&mut write, &line)).await;
            }
            let _ = tokio::time::timeout(limits.write_timeout, write.shutdown()).await;
            return;
        }
    };

    let (out, queue) = mpsc::channel(limits.outgoing_queue);
    let ok = ToGame::AuthOk { protocol: PROTOCOL_VERSION, idle_timeout_secs: limits.idle_timeout.as_secs().max(1) };
    // The queue is new and empty: the first record always fits.
    let _ = out.try_send(Outgoing::Line { line: line_for(&ok), written: None });
    let writer = tokio::spawn(write_loop(write, queue, limits.write_timeout));
    link.sessions().begin_resync(&server.id);
    let registration = link.register(&server.id, out.clone());
    let connection = registration.connection;
    tracing::info!(server = %server.id, %peer, connection, replaced = registration.replaced, "game link: authenticated");
    link.emit(LinkEvent::Authenticated { server: server.id.clone(), connection, replaced: registration.replaced });

    let (work, work_queue) = mpsc::channel(limits.desk_queue);
    let worker = tokio::spawn(worker::run(link.clone(), desk, server.clone(), work_queue, out.clone()));
    let mut session =
        Session { link: &link, server: &server, out: &out, work, kicked: registration.kicked, lost_logins: false };
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
        line_for(&ToGame::link_error(code, detail))
    });
    // Whatever is queued goes first, then the last word; a writer that cannot take it within the write timeout
    // is as good as dead.
    if tokio::time::timeout(limits.write_timeout, out.send(Outgoing::Close { line: last })).await.is_err() {
        writer.abort();
    }
    drop(out);
    let _ = writer.await;
    let _ = worker.await;
}

/// Reads the first record and checks it is a valid `auth`. `Err(None)`: the peer left without a word.
async fn authenticate(
    reader: &mut LineReader<tokio::net::tcp::OwnedReadHalf>,
    link: &LinkHandle,
) -> Result<AllowedServer, Option<Refusal>> {
    let refuse = |code, detail: &str| Err(Some(Refusal { code, detail: detail.to_owned() }));
    let record = loop {
        match reader.next_line().await {
            Ok(None) | Err(_) => return Err(None),
            Ok(Some(Line::TooLong)) => return refuse(ErrorCode::TooLong, "the line is longer than 8 KiB"),
            Ok(Some(Line::Complete(bytes))) => match Record::parse(&bytes) {
                Ok(None) => continue,
                Ok(Some(record)) => break record,
                Err(e) => return refuse(ErrorCode::Malformed, &e.to_string()),
            },
        }
    };
    let (server_id, secret, protocol) = match FromGame::from_record(&record) {
        Ok(FromGame::Auth { server_id, secret, protocol }) => (server_id, secret, protocol),
        Ok(_) => return refuse(ErrorCode::AuthRequired, "the first record must be auth"),
        Err(refusal) if record.get("action") == Some("auth") => return Err(Some(refusal)),
        Err(_) => return refuse(ErrorCode::AuthRequired, "the first record must be auth"),
    };
    let allowed = link.allowed(&server_id);
    // An unknown server id is compared against a decoy, so that it takes as long to refuse as a wrong secret.
    let decoy = Secret::new(DECOY_SECRET);
    let expected = allowed.map_or(&decoy, |server| &server.secret);
    let matches = expected.matches(secret.expose());
    match allowed {
        Some(server) if matches => {
            if protocol != PROTOCOL_VERSION {
                return refuse(ErrorCode::UnsupportedProtocol, "this bridge speaks protocol 1");
            }
            Ok(server.clone())
        }
        _ => refuse(ErrorCode::Refused, "unknown server id or wrong secret"),
    }
}

async fn write_line(write: &mut OwnedWriteHalf, line: &str) -> std::io::Result<()> {
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    write.write_all(&bytes).await
}

/// Writes queued lines until told to close, the socket fails, or a write overruns `timeout`.
async fn write_loop(mut write: OwnedWriteHalf, mut queue: mpsc::Receiver<Outgoing>, timeout: std::time::Duration) {
    while let Some(item) = queue.recv().await {
        match item {
            Outgoing::Line { line, written } => {
                match tokio::time::timeout(timeout, write_line(&mut write, &line)).await {
                    Ok(Ok(())) => {
                        if let Some(written) = written {
                            let _ = written.send(());
                        }
                    }
                    Ok(Err(e)) => {
                        tracing::info!(error = %e, "game link: write failed");
                        break;
                    }
                    Err(_) => {
                        tracing::warn!("game link: the game is not reading; closing the link");
                        break;
                    }
                }
            }
            Outgoing::Close { line } => {
                if let Some(line) = line {
                    let _ = tokio::time::timeout(timeout, write_line(&mut write, &line)).await;
                }
                break;
            }
        }
    }
    let _ = tokio::time::timeout(timeout, write.shutdown()).await;
}

/// The reader's view of an authenticated connection.
struct Session<'a> {
    link: &'a LinkHandle,
    server: &'a AllowedServer,
    out: &'a mpsc::Sender<Outgoing>,
    work: mpsc::Sender<Work>,
    kicked: oneshot::Receiver<ErrorCode>,
    /// A `login` was refused (the registry is full) since the last `sync_done`: the registry does not know
    /// everyone online, so no logout may be inferred from who was not announced.
    lost_logins: bool,
}

/// Why the read loop stopped: `None` when the game closed the connection or the writer died, else the code
/// to tell the game.
type Stop = Option<ErrorCode>;

impl Session<'_> {
    async fn read_loop(
        &mut self,
        reader: &mut LineReader<tokio::net::tcp::OwnedReadHalf>,
        shutdown: &mut watch::Receiver<bool>,
        idle: std::time::Duration,
    ) -> Stop {
        if *shutdown.borrow() {
            return Some(ErrorCode::ShuttingDown);
        }
        loop {
            let read = tokio::select! {
                biased;
                code = &mut self.kicked => return Some(code.unwrap_or(ErrorCode::Replaced)),
                _ = shutdown.changed() => return Some(ErrorCode::ShuttingDown),
                _ = self.out.closed() => return None,
                read = tokio::time::timeout(idle, reader.next_line()) => read,
            };
            let work = match read {
                Err(_) => return Some(ErrorCode::IdleTimeout),
                Ok(Err(e)) => {
                    tracing::info!(server = %self.server.id, error = %e, "game link: read failed");
                    return None;
                }
                Ok(Ok(None)) => return None,
                Ok(Ok(Some(Line::TooLong))) => {
                    self.malformed(ParseError::TooLong { max: self.link.config().limits.max_line });
                    continue;
                }
                Ok(Ok(Some(Line::Complete(bytes)))) => match Record::parse(&bytes) {
                    Ok(None) => continue,
                    Ok(Some(record)) => self.on_record(&record),
                    Err(e) => {
                        self.malformed(e);
                        continue;
                    }
                },
            };
            let Some(work) = work else { continue };
            // Wait for room in the desk queue, but never past a kick, a shutdown or a dead writer.
            tokio::select! {
                biased;
                code = &mut self.kicked => return Some(code.unwrap_or(ErrorCode::Replaced)),
                _ = shutdown.changed() => return Some(ErrorCode::ShuttingDown),
                _ = self.out.closed() => return None,
                sent = self.work.send(work) => if sent.is_err() { return None },
            }
        }
    }

    /// Answers if there is room; never waits.
    fn answer(&self, message: ToGame) {
        self.link.answer(self.out, &message);
    }

    /// Answers a record refused without reaching the desk with an `error` record, and counts and reports it.
    fn refuse(&self, refusal: Refusal, re: Option<String>, name: Option<String>, reference: Option<String>) {
        Counters::bump(&self.link.counters().refused);
        self.link.emit(LinkEvent::Refused { server: self.server.id.clone(), code: refusal.code.clone() });
        self.answer(ToGame::refusal(refusal, re, name, reference));
    }

    fn malformed(&self, error: ParseError) {
        Counters::bump(&self.link.counters().malformed);
        let code = match error {
            ParseError::TooLong { .. } => ErrorCode::TooLong,
            _ => ErrorCode::Malformed,
        };
        tracing::debug!(server = %self.server.id, %code, "game link: malformed line");
        self.link.emit(LinkEvent::Refused { server: self.server.id.clone(), code: code.clone() });
        self.answer(ToGame::refusal(Refusal { code, detail: error.to_string() }, None, None, None));
    }

    /// Handles a record: answers what needs no desk, and returns what does.
    fn on_record(&mut self, record: &Record) -> Option<Work> {
        let reference = reference(record);
        let message = match FromGame::from_record(record) {
            Ok(message) => message,
            Err(refusal) => {
                // Echo the name (cut to a game name's size) so the game can tell the right player.
                let name = record.get("name").map(|n| n.chars().take(GameName::MAX_BYTES).collect());
                let re = record.get("action").map(|a| a.chars().take(32).collect());
                self.refuse(refusal, re, name, reference);
                return None;
            }
        };
        let sessions = self.link.sessions();
        let id = &self.server.id;
        match message {
            FromGame::Ping => {
                self.answer(ToGame::Pong { reference });
                None
            }
            FromGame::Auth { .. } => {
                let refusal = Refusal { code: ErrorCode::UnknownAction, detail: "already authenticated".into() };
                self.refuse(refusal, Some("auth".into()), None, reference);
                None
            }
            FromGame::Error { code, name, reference } => {
                Counters::bump(&self.link.counters().game_errors);
                if code != ErrorCode::PlayerOffline {
                    tracing::warn!(server = %id, %code, "game link: the game reported an error");
                    return None;
                }
                // The game knows best who is online: a whisper it could not deliver means the player is gone. With
                // the whisper's ref, the reply itself goes back to the desk, to be held for their next login.
                if let Some(whisper) = reference.and_then(|r| self.link.undelivered(id, &r)) {
                    tracing::info!(server = %id, "game link: the game could not deliver a whisper; holding it");
                    sessions.logout(id, &whisper.name);
                    return Some(Work::Undelivered(whisper));
                }
                tracing::info!(server = %id, "game link: the game could not deliver a whisper (unknown ref)");
                if let Some(name) = name.and_then(|n| GameName::new(n.trim()).ok()) {
                    sessions.logout(id, &name);
                }
                None
            }
            FromGame::Config { ticket_enabled, close_on_logout } => {
                Some(Work::Config { enabled: ticket_enabled, close_on_logout, reference })
            }
            FromGame::Ticket { source, player, message } => Some(Work::Ticket { source, player, message, reference }),
            FromGame::Login(player) => match sessions.login(id, &player) {
                Ok(()) => Some(Work::Login { player, reference }),
                Err(full) => {
                    self.lost_logins = true;
                    let refusal = Refusal { code: ErrorCode::Full, detail: full.to_string() };
                    let re = Some("login".to_owned());
                    self.answer(ToGame::refusal(refusal, re, Some(player.name.to_string()), reference));
                    // The desk still hears of the login: held replies are then kept for a later one.
                    Some(Work::Login { player, reference: None })
                }
            },
            FromGame::Logout(player) => {
                sessions.logout(id, &player.name);
                Some(Work::Logout { player, reference })
            }
            FromGame::SyncDone => {
                let online = sessions.finish_resync(id);
                let complete = !std::mem::take(&mut self.lost_logins);
                Some(Work::SyncDone { online: complete.then_some(online) })
            }
        }
    }
}
