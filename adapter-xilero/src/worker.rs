//! A connection's desk worker: feeds the desk the game's records, each player's in the order they came.
//!
//! The reader never waits for the desk (it only waits for room in the bounded queue), so `ping`s are answered
//! and malformed lines refused while the desk is busy, e.g. opening a Discord channel.
//!
//! Records name a player (`ticket`, `login`, `logout`, an undelivered whisper) or the whole server (`config`,
//! `sync_done`). A player's records go into the player's lane ([`ticket_core::lanes::Lanes`]) and are handled one
//! after the other; different players' lanes run side by side, so a player whose ticket channel is slow or
//! throttled holds up no one else. A server-wide record waits until every lane before it is done, and is handled
//! before any record after it. At most [`LinkLimits::desk_at_once`](crate::LinkLimits::desk_at_once) records, across
//! every connection, are taken from their queues and not yet handled: beyond that the workers stop taking, and each
//! reader's back-pressure applies as before. This bounds what a burst of thousands of players holds in memory.
//!
//! The logins a game announces between connecting and `sync_done` are held back and handed to the desk with
//! `sync_done` (see [`crate::resync`]): one store read for the whole server instead of one per player.

use std::sync::Arc;
use std::time::Duration;

use ticket_core::lanes::Lanes;
use ticket_core::relay::GameName;
use ticket_core::{Desk, DeskError, GamePlayer, GameReceipt, TicketSource};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::config::AllowedServer;
use crate::events::{Counters, LinkEvent};
use crate::hub::{Answers, LinkHandle};
use crate::protocol::{ErrorCode, PlayerRef, Refusal, ToGame};
use crate::resync::ResyncLogins;
use crate::whispers::SentWhisper;

/// A record for the desk. `SyncDone` carries everyone the game announced since `auth_ok` (`None` if the registry
/// could not take them all); `Undelivered` is a `player_offline` answering a whisper the link remembers.
#[derive(Debug)]
pub(crate) enum Work {
    Config { enabled: bool, close_on_logout: bool, reference: Option<String> },
    Ticket { source: TicketSource, player: PlayerRef, message: String, reference: Option<String> },
    Login { player: PlayerRef, reference: Option<String> },
    Logout { player: PlayerRef, reference: Option<String> },
    SyncDone { online: Option<Vec<PlayerRef>> },
    Undelivered(SentWhisper),
}

impl Work {
    pub(crate) fn action(&self) -> &'static str {
        match self {
            Self::Config { .. } => "config",
            Self::Ticket { .. } => "ticket",
            Self::Login { .. } => "login",
            Self::Logout { .. } => "logout",
            Self::SyncDone { .. } => "sync_done",
            Self::Undelivered(_) => "error",
        }
    }

    /// The player whose lane the record goes into; `None` for a server-wide record.
    pub(crate) fn player(&self) -> Option<&GameName> {
        match self {
            Self::Ticket { player, .. } | Self::Login { player, .. } | Self::Logout { player, .. } => {
                Some(&player.name)
            }
            Self::Undelivered(whisper) => Some(&whisper.name),
            Self::Config { .. } | Self::SyncDone { .. } => None,
        }
    }
}

/// What the lanes of one connection share.
struct Worker {
    link: LinkHandle,
    desk: Arc<Desk>,
    server: AllowedServer,
    /// The game server's run, when it asked for receipts.
    run: Option<String>,
    answers: Answers,
    lanes: Lanes<GameName, (Work, OwnedSemaphorePermit)>,
}

impl Worker {
    /// Handles one record and reports it.
    async fn handle(&self, work: Work) {
        let action = work.action();
        let error = handle(&self.desk, &self.server, self.run.as_deref(), work, &self.answers, &self.link).await;
        self.report(action, error);
    }

    /// Reports a record handled.
    fn report(&self, action: &'static str, error: Option<ErrorCode>) {
        self.link.emit(LinkEvent::Handled { server: self.server.id.clone(), action, error });
    }

    /// A lane's runner: the player's records, one at a time, until the lane is empty.
    async fn run_lane(self: Arc<Self>, player: GameName, first: (Work, OwnedSemaphorePermit)) {
        let mut next = Some(first);
        while let Some((work, _room)) = next {
            self.handle(work).await;
            next = self.lanes.next(&player);
        }
    }
}

/// The `error` code for a desk refusal or failure.
pub(crate) fn error_code(error: &DeskError) -> ErrorCode {
    match error {
        DeskError::InGameDisabled => ErrorCode::Disabled,
        DeskError::Invalid { .. } => ErrorCode::InvalidField,
        _ => ErrorCode::Failed,
    }
}

fn game_player(player: &PlayerRef) -> GamePlayer {
    GamePlayer { account: player.account, name: player.name.as_str().to_owned() }
}

/// Runs until the reader closes the queue and everything in it is handled.
pub(crate) async fn run(
    link: LinkHandle,
    desk: Arc<Desk>,
    server: AllowedServer,
    run: Option<String>,
    mut queue: mpsc::Receiver<Work>,
    answers: Answers,
) {
    // The link is back: effects that waited for it (a congested queue, say) run again. On a task of its own, so
    // that a long outbox (Discord being slow) does not hold up the game's records.
    let resume = {
        let (desk, server) = (desk.clone(), server.id.clone());
        tokio::spawn(async move {
            if let Err(e) = desk.resume().await {
                tracing::warn!(%server, error = %e, "game link: resuming the outbox failed");
            }
        })
    };
    // A connection that replaced another waits until the records of the old one are all handled.
    let turn = link.turn(&server.id);
    let _turn = turn.lock_owned().await;
    let worker = Arc::new(Worker { link, desk, server, run, answers, lanes: Lanes::new() });
    let mut runners = Runners { room: worker.link.desk_room(), worker, tasks: JoinSet::new() };
    let mut resync = ResyncLogins::new(runners.worker.link.config().limits.max_players_per_server);
    loop {
        let next = if resync.holds_any() {
            match tokio::time::timeout(RESYNC_QUIET, queue.recv()).await {
                Ok(next) => next,
                Err(_) => {
                    // The game went quiet before `sync_done`: what it announced goes through on its own.
                    runners.start_all(resync.drain()).await;
                    continue;
                }
            }
        } else {
            queue.recv().await
        };
        let Some(work) = next else { break };
        runners.reap();
        let Some(work) = resync.hold(work) else { continue };
        if work.player().is_none() {
            runners.server_wide(work, &mut resync).await;
            continue;
        }
        if let Some(login) = work.player().and_then(|player| resync.take(player)) {
            runners.start(login).await;
        }
        runners.start(work).await;
    }
    runners.start_all(resync.finish()).await;
    while runners.tasks.join_next().await.is_some() {}
    let _ = resume.await;
}

/// How long the game may go quiet during its resync, before `sync_done`, until the logins held back go through
/// on their own (a game that never sends `sync_done` still has its players' held replies whispered).
const RESYNC_QUIET: Duration = Duration::from_secs(1);

/// The lanes' runner tasks of one connection.
struct Runners {
    worker: Arc<Worker>,
    room: Arc<Semaphore>,
    tasks: JoinSet<()>,
}

impl Runners {
    /// Forgets the runners that are done.
    fn reap(&mut self) {
        while self.tasks.try_join_next().is_some() {}
    }

    /// Puts a player's record into their lane, starting a runner if the lane was idle. Waits for room (see
    /// [`LinkLimits::desk_at_once`](crate::LinkLimits::desk_at_once)).
    async fn start(&mut self, work: Work) {
        let Some(player) = work.player().cloned() else { return };
        // The semaphore is never closed, so acquiring only waits.
        let Ok(permit) = self.room.clone().acquire_owned().await else { return };
        if let Some(first) = self.worker.lanes.push(player.clone(), (work, permit)) {
            self.tasks.spawn(self.worker.clone().run_lane(player, first));
        }
    }

    async fn start_all(&mut self, works: Vec<Work>) {
        for work in works {
            self.start(work).await;
        }
    }

    /// A server-wide record: after everything before it, before anything after it. `sync_done` ends the resync:
    /// with the full list of who is online it stands for the logins held back (the desk logs in those whose
    /// ticket needs it); without it, or if the desk failed on it, they go through on their own.
    async fn server_wide(&mut self, work: Work, resync: &mut ResyncLogins) {
        let covered = match &work {
            Work::SyncDone { online: Some(_) } => resync.finish(),
            Work::SyncDone { online: None } => {
                self.start_all(resync.finish()).await;
                Vec::new()
            }
            _ => Vec::new(),
        };
        while self.tasks.join_next().await.is_some() {}
        let worker = &self.worker;
        let action = work.action();
        let error =
            handle(&worker.desk, &worker.server, worker.run.as_deref(), work, &worker.answers, &worker.link).await;
        if error.is_some() {
            self.start_all(covered).await;
        } else {
            // Reported before `sync_done` itself, which stands for them.
            for login in &covered {
                self.worker.report(login.action(), None);
            }
        }
        self.worker.report(action, error);
    }
}

/// Handles one record; returns the `error` code answered, if any.
async fn handle(
    desk: &Desk,
    server: &AllowedServer,
    run: Option<&str>,
    work: Work,
    answers: &Answers,
    link: &LinkHandle,
) -> Option<ErrorCode> {
    let guild = server.guild;
    let id = &server.id;
    let action = work.action();
    let (result, name, reference) = match work {
        Work::Config { enabled, close_on_logout, reference } => {
            tracing::info!(server = %id, enabled, close_on_logout, "game link: in-game ticket settings from the game");
            (desk.apply_game_config(guild, enabled, close_on_logout).await, None, reference)
        }
        Work::Ticket { source, player, message, reference } => {
            let receipt = run.zip(reference.as_deref()).and_then(|(run, r)| GameReceipt::new(id.clone(), run, r).ok());
            let result = match &receipt {
                // Kept with what it changes; answered with `received` once it is, so the game may forget it.
                Some(receipt) => {
                    let player = game_player(&player);
                    let handled = desk.open_game_ticket_once(guild, id, &player, source, &message, receipt).await;
                    if handled.is_ok() {
                        answers.send(&ToGame::Received { reference: receipt.reference.clone() }).await;
                    }
                    handled.map(|_| ())
                }
                None => desk.open_game_ticket(guild, id, &game_player(&player), source, &message).await.map(|_| ()),
            };
            (result, Some(player.name), reference)
        }
        Work::Login { player, reference } => {
            let result = desk.player_login(guild, id, &game_player(&player)).await;
            (result.map(|_| ()), Some(player.name), reference)
        }
        Work::Logout { player, reference } => {
            let result = desk.player_logout(guild, id, &game_player(&player)).await;
            (result.map(|_| ()), Some(player.name), reference)
        }
        Work::SyncDone { online: Some(online) } => {
            let online: Vec<GamePlayer> = online.iter().map(game_player).collect();
            let result = desk.sync_players(guild, id, &online).await;
            if let Ok(closed) = &result {
                for ticket in closed {
                    tracing::info!(server = %id, %ticket, "game link: a logout missed while the link was down");
                }
            }
            (result.map(|_| ()), None, None)
        }
        Work::SyncDone { online: None } => {
            tracing::warn!(
                server = %id,
                "game link: more players announced than the link tracks; logouts missed while it was down are not inferred"
            );
            (Ok(()), None, None)
        }
        // An answer to the bridge's whisper: a failure here is logged, never answered (errors are not answered).
        Work::Undelivered(whisper) => return undelivered(desk, server, whisper, link).await,
    };
    let error = result.err()?;
    Counters::bump(&link.counters().desk_errors);
    let code = error_code(&error);
    if error.is_refusal() {
        tracing::info!(server = %id, action, %code, "game link: the desk refused a record");
    } else {
        tracing::warn!(server = %id, action, error = %error, "game link: the desk failed on a record");
    }
    let refusal = Refusal { code: code.clone(), detail: error.to_string() };
    answers.send(&ToGame::refusal(refusal, Some(action.to_owned()), name.map(|n| n.to_string()), reference)).await;
    Some(code)
}

/// Hands a whisper the game could not deliver back to the desk, which holds it for the player's next login;
/// returns the error code (never sent: an `error` is not answered) if the desk failed.
async fn undelivered(
    desk: &Desk,
    server: &AllowedServer,
    whisper: SentWhisper,
    link: &LinkHandle,
) -> Option<ErrorCode> {
    let id = &server.id;
    let SentWhisper { name, from, text } = whisper;
    match desk.reply_undelivered(server.guild, id, name.as_str(), &from, &text).await {
        Ok(Some(ticket)) => {
            tracing::info!(server = %id, %ticket, "game link: a reply the game could not deliver is held");
            None
        }
        Ok(None) => {
            tracing::info!(server = %id, "game link: a reply the game could not deliver has no open ticket left");
            None
        }
        Err(error) => {
            Counters::bump(&link.counters().desk_errors);
            tracing::warn!(server = %id, %error, "game link: holding a reply the game could not deliver failed");
            Some(error_code(&error))
        }
    }
}
